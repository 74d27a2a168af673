//! `shadowed-policy`: a policy every one of whose settings other policies already
//! set for all of its audience.

use preflight_normalizer::{Policy, SettingKind};

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label, PolicyEvidence};
use crate::fingerprint::{fingerprint, policy_identity, same_object};
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// A policy each of whose settings is also set by another policy that
    /// reaches everyone this policy reaches (the same group, a group it is nested
    /// in, All devices or All users for a group of that kind; with an inventory,
    /// a superset of its devices and users). The values may be equal or differ;
    /// either way this policy decides nothing on its own.
    ///
    /// ## Why it matters
    /// Two policies with the same audience are reported only when one sets
    /// strictly fewer settings than the other.
    ///
    /// Where the values are equal, the policy is dead weight that will drift from
    /// the other one over time. Where they differ, every one of its devices is in
    /// conflict for every one of its settings: the policy was probably meant to be
    /// an exception and was never separated from the broader policy.
    ///
    /// ## Example
    /// `Win - Defender - Pilot` sets two Defender settings for `Pilot Devices`;
    /// `Win - Defender - Baseline`, assigned to All devices, sets both.
    ///
    /// ## How to fix
    /// Delete the shadowed policy, or make it a real exception: exclude its group
    /// from the broader policy's assignment.
    pub struct ShadowedPolicy {
        name: "shadowed-policy",
        default_severity: Warning,
        summary: "every setting of a policy is set by other policies for all of its audience",
    }
}

impl Rule for ShadowedPolicy {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        let pairs = context.setting_pairs();
        let audiences = context.audiences();
        let analysis = context.overlap_analysis();
        let covers = |outer: usize, inner: usize| -> bool {
            match (&audiences.reaches[outer], &audiences.reaches[inner]) {
                (Some(outer_reach), Some(inner_reach)) => {
                    !(inner_reach.devices.is_clear() && inner_reach.users.is_clear())
                        && inner_reach.devices.is_subset(&outer_reach.devices)
                        && inner_reach.users.is_subset(&outer_reach.users)
                }
                _ => analysis.covers(outer, inner),
            }
        };
        for (index, policy) in tenant.policies.iter().enumerate() {
            // Two policies with the same audience cover each other; the one with
            // no more settings than the other is not shadowed by it (equal
            // twins are `duplicate-setting`s, not two shadowed policies).
            let mutual_twin = |other: usize| {
                covers(index, other)
                    && tenant.policies[other].settings.len() <= policy.settings.len()
            };
            if policy.settings.is_empty()
                || policy
                    .settings
                    .iter()
                    .any(|setting| setting.kind == SettingKind::Compliance)
            {
                continue;
            }
            let mut shadowing: Vec<usize> = Vec::new();
            let every_setting_shadowed = policy.settings.iter().all(|setting| {
                let by = pairs.settings_with_key(&setting.key).iter().find(|other| {
                    other.policy != index
                        && !same_object(policy, &tenant.policies[other.policy])
                        && covers(other.policy, index)
                        && !mutual_twin(other.policy)
                });
                match by {
                    Some(other) => {
                        if !shadowing.contains(&other.policy) {
                            shadowing.push(other.policy);
                        }
                        true
                    }
                    None => false,
                }
            });
            if every_setting_shadowed {
                findings.push(finding(tenant, policy, &shadowing));
            }
        }
    }
}

fn finding(tenant: &preflight_normalizer::Tenant, policy: &Policy, shadowing: &[usize]) -> Finding {
    let names: Vec<String> = shadowing
        .iter()
        .map(|&other| format!("`{}`", tenant.policies[other].name))
        .collect();
    let mut labels = vec![Label {
        location: policy.source,
        message: "decides nothing on its own".to_owned(),
    }];
    let mut evidence = vec![PolicyEvidence::of_policy(policy)];
    for &other in shadowing {
        let other_policy = &tenant.policies[other];
        labels.push(Label {
            location: other_policy.source,
            message: format!(
                "sets the same settings for all of `{}`'s audience",
                policy.name
            ),
        });
        evidence.push(PolicyEvidence::of_policy(other_policy));
    }
    let identity = policy_identity(policy);
    let count = policy.settings.len();
    Finding {
        rule: ShadowedPolicy::METADATA.name,
        severity: ShadowedPolicy::METADATA.default_severity,
        message: format!(
            "every setting of `{}` ({count} setting{}) is also set for all of its audience by {}",
            policy.name,
            if count == 1 { "" } else { "s" },
            names.join(", ")
        ),
        help: Some(
            "delete the policy, or exclude its group from the broader policy so it is a real exception"
                .to_owned(),
        ),
        file: Some(policy.source.file),
        labels,
        setting: None,
        policies: evidence,
        overlap: None,
        fingerprint: fingerprint(ShadowedPolicy::METADATA.name, [identity.as_str()]),
    }
}
