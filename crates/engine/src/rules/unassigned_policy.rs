//! `unassigned-policy`: a policy whose export says it is assigned to nobody.

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label, PolicyEvidence};
use crate::fingerprint::{fingerprint, policy_identity};
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// A policy whose export carries an empty assignment list: it reaches no
    /// device and no user. Exports that carry no assignment information at all
    /// (the admin center's "Export JSON") are not reported: there the audience
    /// is simply unknown.
    ///
    /// ## Why it matters
    /// An unassigned policy is either a draft, or a policy someone believes is in
    /// force and is not. Either way it cannot conflict with anything, so preflight
    /// does not check its settings against the others, and the planner should
    /// know that.
    ///
    /// ## Example
    /// `Win - Defender - Draft` in an IntuneCD backup with `"assignments": []`.
    ///
    /// ## How to fix
    /// Assign it to the groups it is meant for, or delete it. To keep a draft
    /// without the finding, set `unassigned-policy = "off"` in `preflight.toml`.
    pub struct UnassignedPolicy {
        name: "unassigned-policy",
        default_severity: Info,
        summary: "a policy is assigned to nobody",
    }
}

impl Rule for UnassignedPolicy {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        for policy in &context.tenant.policies {
            if policy
                .assignments
                .as_ref()
                .is_none_or(|assignments| !assignments.is_empty())
            {
                continue;
            }
            let identity = policy_identity(policy);
            findings.push(Finding {
                rule: Self::METADATA.name,
                severity: Self::METADATA.default_severity,
                message: format!("`{}` is assigned to nobody", policy.name),
                help: Some("assign it, or delete it if it is no longer needed".to_owned()),
                file: Some(policy.source.file),
                labels: vec![Label {
                    location: policy.source,
                    message: "this policy has an empty assignment list".into(),
                }],
                setting: None,
                policies: vec![PolicyEvidence::of_policy(policy)],
                overlap: None,
                fingerprint: fingerprint(Self::METADATA.name, [identity.as_str()]),
            });
        }
    }
}
