//! `platform-mismatch`: a policy assigned to a group whose rule admits only
//! devices of another platform than the policy's.

use preflight_normalizer::{AssignmentTarget, GroupMembership, Platform};

use crate::audience_formula::admits_anyone;
use crate::audience_logic::Formula;
use crate::context::AnalysisContext;
use crate::finding::{Finding, Label, PolicyEvidence};
use crate::fingerprint::{fingerprint, policy_identity};
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// An include assignment to a dynamic group whose membership rule admits
    /// only devices of other platforms than the policy's: a Windows policy
    /// assigned to `(device.deviceOSType -eq "iPhone")`, a macOS policy assigned
    /// to a group of Android Enterprise devices. Decided from the rule itself;
    /// groups of users, and static groups, can hold devices of any platform and
    /// are never reported.
    ///
    /// ## Why it matters
    /// Intune applies a policy only to devices of its platform, so the
    /// assignment reaches nobody. Usually the wrong group was picked from a list
    /// of similarly named groups, and the devices the author meant are not
    /// covered at all.
    ///
    /// ## Example
    /// `Win - BitLocker - Corporate` assigned to `iPhone Corporate Devices`, whose
    /// rule is `(device.deviceOSType -eq "iPhone") and (device.deviceOwnership -eq "Company")`.
    ///
    /// ## How to fix
    /// Assign the group of the policy's platform, or a policy of the group's
    /// platform.
    pub struct PlatformMismatch {
        name: "platform-mismatch",
        default_severity: Warning,
        summary: "a policy is assigned to a group whose rule admits only devices of another platform",
    }
}

impl Rule for PlatformMismatch {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        let formulas = context.audience_formulas();
        // Whether a group's rule admits someone, and someone on a set of
        // platforms: decided once per group and platforms, however many
        // policies include the group.
        let mut decided: std::collections::BTreeMap<(usize, &[Platform]), bool> =
            std::collections::BTreeMap::new();
        for policy in &tenant.policies {
            if policy.platforms.is_empty() {
                continue;
            }
            let platform = crate::audience_formula::platform_formula(policy);
            for assignment in policy.assignments.iter().flatten() {
                let AssignmentTarget::IncludeGroup(id) = &assignment.target else {
                    continue;
                };
                let Some(index) = tenant.group_index(id) else {
                    continue;
                };
                let group = &tenant.groups[index];
                let GroupMembership::Dynamic { rule, rule_source } = &group.membership else {
                    continue;
                };
                let mismatched = *decided
                    .entry((index, policy.platforms.as_slice()))
                    .or_insert_with(|| {
                        let Some(group_formula) = formulas.group_formula(index) else {
                            return false;
                        };
                        let on_platform =
                            Formula::all(vec![group_formula.clone(), platform.clone()]);
                        admits_anyone(&group_formula) == Some(true)
                            && admits_anyone(&on_platform) == Some(false)
                    });
                if !mismatched {
                    continue;
                }
                let platforms: Vec<&str> = policy
                    .platforms
                    .iter()
                    .map(|platform| platform.name())
                    .collect();
                let platforms = platforms.join(", ");
                let identity = policy_identity(policy);
                findings.push(Finding {
                    rule: Self::METADATA.name,
                    severity: Self::METADATA.default_severity,
                    message: format!(
                        "`{}` is for {platforms} devices, and group `{}` admits no {platforms} device",
                        policy.name, group.name
                    ),
                    help: Some(format!(
                        "the rule of `{}` is `{rule}`; assign a group of {platforms} devices, or a policy of the group's platform",
                        group.name
                    )),
                    file: Some(assignment.source.file),
                    labels: vec![
                        Label {
                            location: assignment.source,
                            message: format!("`{}` is assigned here", group.name).into(),
                        },
                        Label {
                            location: *rule_source,
                            message: format!("this rule admits no {platforms} device").into(),
                        },
                    ],
                    setting: None,
                    policies: vec![PolicyEvidence::of_policy(policy)],
                    overlap: None,
                    fingerprint: fingerprint(
                        Self::METADATA.name,
                        [identity.as_str(), group.id.0.as_str()],
                    ),
                });
            }
        }
    }
}
