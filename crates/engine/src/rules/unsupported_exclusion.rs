//! `unsupported-exclusion`: an exclusion Intune does not apply, or applies late,
//! because of the kinds of groups it mixes.

use preflight_normalizer::{AssignmentTarget, MemberKind, Policy, Tenant};

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label, PolicyEvidence};
use crate::fingerprint::{fingerprint, policy_identity};
use crate::overlap::target_name;
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// A policy that includes one kind of group and excludes the other kind:
    /// users included (a user group or All users) and a device group excluded, or
    /// devices included (a device group or All devices) and a user group
    /// excluded. Also a dynamic device group excluded from a device target, which
    /// Intune supports only partially. Group kinds come from dynamic rules
    /// (`device.` or `user.` properties) or from exported member lists; groups of
    /// unknown kind are not reported.
    ///
    /// ## Why it matters
    /// Intune's support matrix for exclusions ("Exclude groups from a policy
    /// assignment"): mixing user and device groups across include and exclude is
    /// not supported, because Intune does not evaluate user-to-device
    /// relationships; the excluded devices (or users) still receive the policy.
    /// Excluding a dynamic device group works, but a newly enrolled device can get
    /// the policy before the dynamic group has been computed.
    ///
    /// ## Example
    /// `Win - BitLocker` includes `Finance Users` and excludes the device group
    /// `Windows - Kiosks`: the kiosks of finance users are not excluded.
    ///
    /// ## How to fix
    /// Exclude groups of the same kind as the included ones, or use an
    /// assignment filter in exclude mode, which Intune evaluates at check-in on
    /// every device.
    pub struct UnsupportedExclusion {
        name: "unsupported-exclusion",
        default_severity: Warning,
        summary: "an exclusion mixes user and device groups, which Intune does not apply",
    }
}

impl Rule for UnsupportedExclusion {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        for policy in &tenant.policies {
            check_policy(tenant, policy, findings);
        }
    }
}

/// The kind of members a target holds, when known.
fn target_kind(tenant: &Tenant, target: &AssignmentTarget) -> Option<MemberKind> {
    match target {
        AssignmentTarget::AllDevices => Some(MemberKind::Devices),
        AssignmentTarget::AllUsers => Some(MemberKind::Users),
        AssignmentTarget::IncludeGroup(id) | AssignmentTarget::ExcludeGroup(id) => {
            tenant.group(id).and_then(|group| group.member_kind())
        }
    }
}

fn kind_name(kind: MemberKind) -> &'static str {
    match kind {
        MemberKind::Devices => "device",
        MemberKind::Users => "user",
    }
}

fn check_policy(tenant: &Tenant, policy: &Policy, findings: &mut Vec<Finding>) {
    let assignments: Vec<_> = policy.assignments.iter().flatten().collect();
    for exclusion in &assignments {
        let AssignmentTarget::ExcludeGroup(excluded_id) = &exclusion.target else {
            continue;
        };
        let Some(excluded_kind) = target_kind(tenant, &exclusion.target) else {
            continue;
        };
        let excluded_dynamic = tenant
            .group(excluded_id)
            .is_some_and(|group| group.is_dynamic());
        for inclusion in &assignments {
            if matches!(inclusion.target, AssignmentTarget::ExcludeGroup(_)) {
                continue;
            }
            let Some(included_kind) = target_kind(tenant, &inclusion.target) else {
                continue;
            };
            let excluded_name = target_name(tenant, &exclusion.target);
            let included_name = target_name(tenant, &inclusion.target);
            let (message, help) = if included_kind != excluded_kind {
                (
                    format!(
                        "`{}` excludes {} group `{excluded_name}` from {} target `{included_name}`, which Intune does not support",
                        policy.name,
                        kind_name(excluded_kind),
                        kind_name(included_kind),
                    ),
                    format!(
                        "Intune does not evaluate user-to-device relationships for exclusions, so the exclusion has no effect; exclude a {} group, or use an assignment filter in exclude mode",
                        kind_name(included_kind)
                    ),
                )
            } else if excluded_dynamic && excluded_kind == MemberKind::Devices {
                (
                    format!(
                        "`{}` excludes dynamic device group `{excluded_name}` from `{included_name}`, which Intune supports only partially",
                        policy.name
                    ),
                    "a newly enrolled device can receive the policy before the dynamic group is computed; an assignment filter in exclude mode applies at once".to_owned(),
                )
            } else {
                continue;
            };
            let identity = policy_identity(policy);
            findings.push(Finding {
                rule: UnsupportedExclusion::METADATA.name,
                severity: UnsupportedExclusion::METADATA.default_severity,
                message,
                help: Some(help),
                file: Some(exclusion.source.file),
                labels: vec![
                    Label {
                        location: exclusion.source,
                        message: format!("excludes `{excluded_name}`").into(),
                    },
                    Label {
                        location: inclusion.source,
                        message: format!("includes `{included_name}`").into(),
                    },
                ],
                setting: None,
                policies: vec![PolicyEvidence::of_policy(policy)],
                overlap: None,
                fingerprint: fingerprint(
                    UnsupportedExclusion::METADATA.name,
                    [
                        identity.as_str(),
                        excluded_name.as_str(),
                        included_name.as_str(),
                    ],
                ),
            });
        }
    }
}
