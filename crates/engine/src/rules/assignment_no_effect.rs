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
    /// A policy that includes a group and also excludes the same group. In Intune
    /// exclusion wins over inclusion, so the include assignment reaches nobody.
    ///
    /// ## Why it matters
    /// The author meant the policy to reach that group; it never will. This
    /// usually comes from copying assignments between policies, or from a
    /// rollout ring that was "paused" by adding an exclusion and forgotten.
    ///
    /// ## Example
    /// `Win - BitLocker` is assigned to `Pilot Devices` and excludes
    /// `Pilot Devices`.
    ///
    /// ## How to fix
    /// Remove the exclusion if the group should get the policy, or the include
    /// assignment if it should not.
    pub struct AssignmentNoEffect {
        name: "assignment-no-effect",
        default_severity: Warning,
        summary: "an assignment reaches nobody because the same policy excludes its group",
    }
}

impl Rule for AssignmentNoEffect {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        for policy in &tenant.policies {
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
