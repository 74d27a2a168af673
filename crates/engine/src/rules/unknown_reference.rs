//! `unknown-reference`: an assignment names a group or a filter that the input
//! defines nowhere.

use preflight_normalizer::AssignmentTarget;

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label, PolicyEvidence};
use crate::fingerprint::{fingerprint, policy_identity};
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// An assignment that names an assignment filter which no filter file in the
    /// input defines, or a group (by id) that neither a group export nor an
    /// IntuneCD assignment describes.
    ///
    /// ## Why it matters
    /// preflight cannot tell who the assignment reaches, so conflicts through it
    /// are judged on incomplete information. In a backup it often means the filter
    /// or group was deleted or renamed in the tenant, and the assignment now
    /// targets something different from what the repository says.
    ///
    /// ## Example
    /// An IntuneCD assignment with
    /// `"deviceAndAppManagementAssignmentFilterId": "Windows 11 devices"` when
    /// `Filters/` holds no filter with that display name.
    ///
    /// ## How to fix
    /// Add the filter's or group's export to the checked paths (IntuneCD's
    /// `Filters/` folder, a Graph `groups` export), or correct the name in the
    /// assignment.
    pub struct UnknownReference {
        name: "unknown-reference",
        default_severity: Error,
        summary: "an assignment names a group or filter that is defined nowhere",
    }
}

impl Rule for UnknownReference {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        for policy in &tenant.policies {
            for assignment in policy.assignments.iter().flatten() {
                let mut missing = Vec::new();
                if let AssignmentTarget::IncludeGroup(group) | AssignmentTarget::ExcludeGroup(group) =
                    &assignment.target
                    && tenant.group(group).is_none()
                {
                    missing.push(("group", group.0.as_str()));
                }
                if let Some(filter_use) = &assignment.filter
                    && tenant.filter(&filter_use.filter).is_none()
                {
                    missing.push(("filter", filter_use.filter.0.as_str()));
                }
                for (kind, name) in missing {
                    let identity = policy_identity(policy);
                    findings.push(Finding {
                        rule: Self::METADATA.name,
                        severity: Self::METADATA.default_severity,
                        message: format!("`{}` is assigned with {kind} `{name}`, which is defined nowhere in the input", policy.name),
                        help: Some(format!(
                            "add the {kind}'s export to the checked paths, or correct the name; until then its audience is unknown"
                        )),
                        file: Some(assignment.source.file),
                        labels: vec![Label {
                            location: assignment.source,
                            message: format!("unknown {kind} `{name}`").into(),
                        }],
                        setting: None,
                        policies: vec![PolicyEvidence::of_policy(policy)],
                        overlap: None,
                        fingerprint: fingerprint(Self::METADATA.name, [identity.as_str(), kind, name]),
                    });
                }
            }
        }
    }
}
