//! `assignment-no-effect`: an assignment that can reach nobody because the same
//! policy excludes its group.

use std::collections::BTreeSet;

use preflight_normalizer::{AssignmentTarget, GroupId};

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label, PolicyEvidence};
use crate::fingerprint::{fingerprint, policy_identity};
use crate::overlap::target_name;
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// An include assignment that reaches nobody: the same policy also excludes
    /// its group (in Intune exclusion wins over inclusion), or its assignment
    /// filter is in include mode and made for another platform than the policy's
    /// (a filter only ever matches devices of its own platform).
    ///
    /// ## Why it matters
    /// The author meant the policy to reach that group; it never will. This
    /// usually comes from copying assignments between policies, or from a
    /// rollout ring that was "paused" by adding an exclusion and forgotten.
    ///
    /// ## Example
    /// `Win - BitLocker` is assigned to `Pilot Devices` and excludes
    /// `Pilot Devices`; or `Win - BitLocker` is assigned to All devices with the
    /// filter `iOS corporate` (platform iOS/iPadOS) in include mode.
    ///
    /// ## How to fix
    /// Remove the exclusion if the group should get the policy, or the include
    /// assignment if it should not; use a filter made for the policy's platform.
    pub struct AssignmentNoEffect {
        name: "assignment-no-effect",
        default_severity: Warning,
        summary: "an assignment reaches nobody: its group is also excluded, or its filter is for another platform",
    }
}

impl Rule for AssignmentNoEffect {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        for policy in &tenant.policies {
            filter_for_another_platform(tenant, policy, findings);
            let assignments = policy.assignments.as_deref().unwrap_or_default();
            let excluded: BTreeSet<&GroupId> = assignments
                .iter()
                .filter_map(|assignment| match &assignment.target {
                    AssignmentTarget::ExcludeGroup(group) => Some(group),
                    _ => None,
                })
                .collect();
            for include in assignments {
                let AssignmentTarget::IncludeGroup(group) = &include.target else {
                    continue;
                };
                if !excluded.contains(group) {
                    continue;
                }
                let Some(exclusion) = assignments.iter().find(|assignment| {
                    assignment.target == AssignmentTarget::ExcludeGroup(group.clone())
                }) else {
                    continue;
                };
                let name = target_name(tenant, &include.target);
                let identity = policy_identity(policy);
                findings.push(Finding {
                    rule: Self::METADATA.name,
                    severity: Self::METADATA.default_severity,
                    message: format!("`{}` includes and excludes `{name}`; the exclusion wins", policy.name),
                    help: Some(format!(
                        "remove the exclusion if `{name}` should get the policy, or the include assignment if it should not"
                    )),
                    file: Some(include.source.file),
                    labels: vec![
                        Label {
                            location: include.source,
                            message: format!("`{name}` is included here"),
                        },
                        Label {
                            location: exclusion.source,
                            message: "and excluded here".to_owned(),
                        },
                    ],
                    setting: None,
                    policies: vec![PolicyEvidence::of_policy(policy)],
                    overlap: None,
                    fingerprint: fingerprint(Self::METADATA.name, [identity.as_str(), group.0.as_str()]),
                });
            }
        }
    }
}

/// Include-mode filters whose platform is none of the policy's platforms.
fn filter_for_another_platform(
    tenant: &preflight_normalizer::Tenant,
    policy: &preflight_normalizer::Policy,
    findings: &mut Vec<Finding>,
) {
    if policy.platforms.is_empty() {
        return;
    }
    for assignment in policy.assignments.iter().flatten() {
        let Some(filter_use) = &assignment.filter else {
            continue;
        };
        if filter_use.mode != preflight_normalizer::FilterMode::Include {
            continue;
        }
        let Some(filter) = tenant.filter(&filter_use.filter) else {
            continue;
        };
        let Some(platform) = filter.platform else {
            continue;
        };
        if policy.platforms.contains(&platform) {
            continue;
        }
        let target = target_name(tenant, &assignment.target);
        let identity = policy_identity(policy);
        let policy_platforms: Vec<&str> = policy
            .platforms
            .iter()
            .map(|platform| platform.name())
            .collect();
        findings.push(Finding {
            rule: AssignmentNoEffect::METADATA.name,
            severity: AssignmentNoEffect::METADATA.default_severity,
            message: format!(
                "`{}` reaches `{target}` only through filter `{}`, which is for {} devices, and the policy is for {}",
                policy.name,
                filter.name,
                platform.name(),
                policy_platforms.join(", ")
            ),
            help: Some(
                "a filter matches only devices of its own platform: use a filter made for the policy's platform, or none"
                    .to_owned(),
            ),
            file: Some(assignment.source.file),
            labels: vec![
                Label {
                    location: assignment.source,
                    message: format!("`{target}` with filter `{}` in include mode", filter.name),
                },
                Label {
                    location: filter.source,
                    message: format!("a filter for {}", platform.name()),
                },
            ],
            setting: None,
            policies: vec![PolicyEvidence::of_policy(policy)],
            overlap: None,
            fingerprint: fingerprint(
                AssignmentNoEffect::METADATA.name,
                [identity.as_str(), target.as_str(), filter.name.as_str()],
            ),
        });
    }
}
