//! `assignment-no-effect`: an assignment that can reach nobody: the same policy
//! excludes its group, its filter is for another platform, or the rules of its
//! group, filter and exclusions leave no one.

use std::collections::BTreeSet;

use preflight_normalizer::{AssignmentTarget, GroupId};

use preflight_normalizer::FilterMode;

use crate::audience_formula::{IncludeParts, admits_anyone};
use crate::audience_logic::Formula;
use crate::context::AnalysisContext;
use crate::finding::{Finding, Label, PolicyEvidence};
use crate::fingerprint::{fingerprint, policy_identity};
use crate::overlap::target_name;
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// An include assignment that reaches nobody: the same policy also excludes
    /// its group (in Intune exclusion wins over inclusion); its assignment
    /// filter is in include mode and made for another platform than the policy's
    /// (a filter only ever matches devices of its own platform); or, decided from
    /// the rules, the group's rule admits no one, the filter lets through none of
    /// the devices the group holds (`Windows 10 devices` with a filter for
    /// `osVersion -startsWith "10.0.2"`), or the policy's exclusions remove
    /// everyone the group holds (a group nested in an excluded one).
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
        summary: "an assignment reaches nobody: its group is also excluded, its filter is for another platform, or its rules leave no one",
    }
}

impl Rule for AssignmentNoEffect {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        for (index, policy) in tenant.policies.iter().enumerate() {
            filter_for_another_platform(tenant, policy, findings);
            decided_by_rules(context, index, policy, findings);
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
                            message: format!("`{name}` is included here").into(),
                        },
                        Label {
                            location: exclusion.source,
                            message: "and excluded here".into(),
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
        if filter_use.mode != FilterMode::Include {
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
                    message: format!("`{target}` with filter `{}` in include mode", filter.name).into(),
                },
                Label {
                    location: filter.source,
                    message: format!("a filter for {}", platform.name()).into(),
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

/// Include assignments whose rules leave nobody: a group rule that admits no
/// one, a filter that lets through none of the devices the target holds on the
/// policy's platforms, or exclusions that remove everyone the target holds.
/// The cases the structural checks above report (an include filter for another
/// platform, a group included and excluded) are left to them, and a target that
/// holds no device of the policy's platforms is `platform-mismatch`'s.
fn decided_by_rules(
    context: &AnalysisContext<'_>,
    index: usize,
    policy: &preflight_normalizer::Policy,
    findings: &mut Vec<Finding>,
) {
    let tenant = context.tenant;
    let formulas = context.audience_formulas();
    // Each include's whole formula was decided alone once for the run: only a
    // policy with an include proved empty is looked at further.
    if formulas
        .includes_of(index)
        .iter()
        .all(|&formula| formulas.admits_anyone_alone(formula) != Some(false))
    {
        return;
    }
    let parts = formulas.include_parts(tenant, context.inventory_rules(), policy);
    let assignments = policy.assignments.as_deref().unwrap_or_default();
    let includes = assignments
        .iter()
        .filter(|assignment| !matches!(assignment.target, AssignmentTarget::ExcludeGroup(_)));
    for (include, parts) in includes.zip(parts) {
        let target = target_name(tenant, &include.target);
        let Some(reason) = rules_leave_nobody(tenant, policy, include, &parts, &target) else {
            continue;
        };
        let identity = policy_identity(policy);
        findings.push(Finding {
            rule: AssignmentNoEffect::METADATA.name,
            severity: AssignmentNoEffect::METADATA.default_severity,
            message: format!(
                "`{}` reaches nobody through `{target}`: {reason}",
                policy.name
            ),
            help: Some("fix the rule or the filter, or remove the assignment".to_owned()),
            file: Some(include.source.file),
            labels: vec![Label {
                location: include.source,
                message: format!("`{target}` is included here").into(),
            }],
            setting: None,
            policies: vec![PolicyEvidence::of_policy(policy)],
            overlap: None,
            fingerprint: fingerprint(
                AssignmentNoEffect::METADATA.name,
                [identity.as_str(), target.as_str(), "rules"],
            ),
        });
    }
}

/// Why the rules of one include leave nobody, or `None` when they admit someone
/// or cannot be decided.
fn rules_leave_nobody(
    tenant: &preflight_normalizer::Tenant,
    policy: &preflight_normalizer::Policy,
    include: &preflight_normalizer::Assignment,
    parts: &IncludeParts,
    target: &str,
) -> Option<String> {
    if admits_anyone(&parts.whole()) != Some(false) {
        return None;
    }
    if admits_anyone(&parts.target) == Some(false) {
        return Some(format!("the rule of `{target}` admits no device or user"));
    }
    let on_platform = Formula::all(vec![parts.target.clone(), parts.platform.clone()]);
    if admits_anyone(&on_platform) != Some(true) {
        return None;
    }
    if let (Some(filter), Some(filter_use)) = (&parts.filter, &include.filter) {
        let filtered = Formula::all(vec![on_platform.clone(), filter.clone()]);
        if admits_anyone(&filtered) == Some(false) {
            let other_platform = filter_use.mode == FilterMode::Include
                && !policy.platforms.is_empty()
                && tenant
                    .filter(&filter_use.filter)
                    .and_then(|filter| filter.platform)
                    .is_some_and(|platform| !policy.platforms.contains(&platform));
            if other_platform {
                return None;
            }
            let name = tenant
                .filter(&filter_use.filter)
                .map_or(filter_use.filter.0.as_str(), |filter| filter.name.as_str());
            let mode = match filter_use.mode {
                FilterMode::Include => "include",
                FilterMode::Exclude => "exclude",
            };
            return Some(format!(
                "filter `{name}` ({mode} mode) lets none of its devices through"
            ));
        }
    }
    let excludes_itself = policy.assignments.iter().flatten().any(|assignment| {
        matches!((&assignment.target, &include.target),
            (AssignmentTarget::ExcludeGroup(excluded), AssignmentTarget::IncludeGroup(included)) if excluded == included)
    });
    (!excludes_itself).then(|| "the policy's exclusions remove everyone it holds".to_owned())
}
