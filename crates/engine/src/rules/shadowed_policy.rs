//! `shadowed-policy`: a policy every one of whose settings other policies already
//! set for all of its audience.

use preflight_normalizer::{Policy, SettingKind};
use rayon::prelude::*;

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label, PolicyEvidence};
use crate::fingerprint::{fingerprint, policy_identity};
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// A policy each of whose settings is also set, for everyone this policy
    /// reaches, by other policies: one that reaches everyone it reaches (the same
    /// group, a group it is nested in, All devices or All users for a group of
    /// that kind; with an inventory, a superset of its devices), or several that
    /// together do (each of its assignments contained in an assignment of one of
    /// them; with an inventory, its devices all among theirs). The values may be
    /// equal or differ; either way this policy decides nothing on its own.
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
        let audiences = context.audiences();
        let analysis = context.overlap_analysis();
        let covers = |outer: usize, inner: usize| -> bool {
            match (&audiences.reaches[outer], &audiences.reaches[inner]) {
                (Some(outer_reach), Some(inner_reach)) => {
                    !inner_reach.is_empty() && inner_reach.is_within(outer_reach)
                }
                _ => analysis.covers(outer, inner),
            }
        };
        // Each policy on its own, in parallel; the findings in policy order.
        let shadowed: Vec<Option<Finding>> = tenant
            .policies
            .par_iter()
            .enumerate()
            .map(|(index, policy)| {
                shadowed_by(context, index, policy, &covers)
                    .map(|shadowing| finding(tenant, policy, &shadowing))
            })
            .collect();
        findings.extend(shadowed.into_iter().flatten());
    }
}

/// The policies that shadow policy `index` together, sorted, when every one of
/// its settings is set by some of them for all of its audience.
fn shadowed_by(
    context: &AnalysisContext<'_>,
    index: usize,
    policy: &Policy,
    covers: &(impl Fn(usize, usize) -> bool + Sync),
) -> Option<Vec<usize>> {
    let tenant = context.tenant;
    let pairs = context.setting_pairs();
    // Two policies with the same audience cover each other; the one with
    // no more settings than the other is not shadowed by it (equal
    // twins are `duplicate-setting`s, not two shadowed policies).
    // (The count first: comparing audiences costs more.)
    let mutual_twin = |other: usize| {
        tenant.policies[other].settings.len() <= policy.settings.len() && covers(index, other)
    };
    if policy.settings.is_empty()
        || policy
            .settings
            .iter()
            .any(|setting| setting.kind == SettingKind::Compliance)
    {
        return None;
    }
    let mut shadowing: Vec<usize> = Vec::new();
    let every_setting_shadowed = policy.settings.iter().all(|setting| {
        let candidates: Vec<usize> = pairs
            .settings_with_key(&setting.key)
            .iter()
            .map(|other| other.policy)
            .filter(|&other| {
                other != index && !pairs.same_object(index, other) && !mutual_twin(other)
            })
            .collect();
        match covering(context, index, &candidates) {
            Some(used) => {
                for other in used {
                    if !shadowing.contains(&other) {
                        shadowing.push(other);
                    }
                }
                true
            }
            None => false,
        }
    });
    every_setting_shadowed.then(|| {
        shadowing.sort_unstable();
        shadowing
    })
}

/// The policies among `candidates` that together reach everyone policy `inner`
/// reaches, or `None` when they do not: with an inventory, their devices
/// together hold all of `inner`'s; from structure, each of `inner`'s include
/// assignments is contained in an assignment of one of them. One candidate that
/// covers everything alone is preferred.
fn covering(
    context: &AnalysisContext<'_>,
    inner: usize,
    candidates: &[usize],
) -> Option<Vec<usize>> {
    let reaches = &context.audiences().reaches;
    let analysis = context.overlap_analysis();
    if let Some(inner_reach) = &reaches[inner]
        && candidates
            .iter()
            .all(|&candidate| reaches[candidate].is_some())
    {
        if inner_reach.is_empty() {
            return None;
        }
        if let Some(&alone) = candidates.iter().find(|&&candidate| {
            reaches[candidate]
                .as_ref()
                .is_some_and(|reach| inner_reach.is_within(reach))
        }) {
            return Some(vec![alone]);
        }
        let mut union = fixedbitset::FixedBitSet::with_capacity(inner_reach.devices().len());
        let mut used = Vec::new();
        for &candidate in candidates {
            if let Some(reach) = &reaches[candidate]
                && reach.shares_a_device_with(inner_reach)
            {
                union.union_with(reach.devices());
                used.push(candidate);
            }
        }
        return inner_reach.devices().is_subset(&union).then_some(used);
    }
    if let Some(&alone) = candidates
        .iter()
        .find(|&&candidate| analysis.covers(candidate, inner))
    {
        return Some(vec![alone]);
    }
    let mut used = Vec::new();
    for include in 0..analysis.include_count(inner) {
        let covering = candidates
            .iter()
            .find(|&&candidate| analysis.covers_include(candidate, inner, include))?;
        if !used.contains(covering) {
            used.push(*covering);
        }
    }
    (!used.is_empty()).then_some(used)
}

fn finding(tenant: &preflight_normalizer::Tenant, policy: &Policy, shadowing: &[usize]) -> Finding {
    let names: Vec<String> = shadowing
        .iter()
        .map(|&other| format!("`{}`", tenant.policies[other].name))
        .collect();
    let mut labels = vec![Label {
        location: policy.source,
        message: "decides nothing on its own".into(),
    }];
    let mut evidence = vec![PolicyEvidence::of_policy(policy)];
    for &other in shadowing {
        let other_policy = &tenant.policies[other];
        labels.push(Label {
            location: other_policy.source,
            message: format!(
                "sets the same settings for all of `{}`'s audience",
                policy.name
            )
            .into(),
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
