//! `empty-group`: a policy targets a group that, by the inventory, has no members.

use preflight_normalizer::AssignmentTarget;

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label, PolicyEvidence};
use crate::fingerprint::{fingerprint, policy_identity};
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// An assignment that includes a group whose membership is known (a group
    /// export with `members`, or a dynamic rule evaluated on the inventory) and
    /// holds no device and no user, nested groups counted.
    ///
    /// ## Why it matters
    /// The assignment reaches nobody. Either the group is still to be filled
    /// (a pilot ring nobody was added to), or its dynamic rule matches nothing in
    /// this tenant (a typo in a model name, an OS version that no device runs),
    /// and the rollout step it stands for does nothing.
    ///
    /// ## Example
    /// `Win - Defender - Pilot` assigned to `Pilot Devices`, whose export lists
    /// `"members": []`.
    ///
    /// ## How to fix
    /// Add the intended members, fix the dynamic rule, or remove the assignment.
    /// Without an inventory, membership is unknown and this rule stays quiet.
    pub struct EmptyGroup {
        name: "empty-group",
        default_severity: Warning,
        summary: "a policy is assigned to a group with no members",
    }
}

impl Rule for EmptyGroup {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        let graph = context.target_graph();
        if !graph.has_inventory {
            return;
        }
        for policy in &tenant.policies {
            for assignment in policy.assignments.iter().flatten() {
                let AssignmentTarget::IncludeGroup(id) = &assignment.target else {
                    continue;
                };
                let Ok(index) = tenant.groups.binary_search_by(|group| group.id.cmp(id)) else {
                    continue;
                };
                let Some(Some(members)) = graph.memberships.get(index) else {
                    continue;
                };
                if !members.is_empty() {
                    continue;
                }
                let group = &tenant.groups[index];
                let identity = policy_identity(policy);
                findings.push(Finding {
                    rule: Self::METADATA.name,
                    severity: Self::METADATA.default_severity,
                    message: format!(
                        "`{}` is assigned to `{}`, which has no members",
                        policy.name, group.name
                    ),
                    help: Some(
                        "add members to the group, fix its rule, or remove the assignment"
                            .to_owned(),
                    ),
                    file: Some(assignment.source.file),
                    labels: vec![
                        Label {
                            location: assignment.source,
                            message: format!("assigned to `{}`", group.name).into(),
                        },
                        Label {
                            location: group.source,
                            message: "no device or user is a member".into(),
                        },
                    ],
                    setting: None,
                    policies: vec![PolicyEvidence::of_policy(policy)],
                    overlap: None,
                    fingerprint: fingerprint(
                        Self::METADATA.name,
                        [identity.as_str(), group.name.as_str()],
                    ),
                });
            }
        }
    }
}
