//! Pairs of settings with the same canonical key, from different policies whose
//! audiences can meet: the raw material of the setting rules.
//!
//! Settings are indexed by key first, so only policies that touch the same key
//! are ever compared; the overlap of each pair of policies is computed once, in
//! parallel, however many keys they share.

use std::collections::{BTreeMap, BTreeSet};

use preflight_normalizer::{Policy, Setting, SettingKey, Tenant};
use rayon::prelude::*;

use crate::audience::{Audiences, Reach};
use crate::audience_formula::AudienceFormulas;
use crate::config::Config;
use crate::fingerprint::same_object;
use crate::overlap::{Certainty, Overlap, RuleEvidence, policy_overlap};

/// A setting of one policy: indices into `Tenant::policies` and that policy's `settings`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SettingRef {
    /// Index of the policy.
    pub policy: usize,
    /// Index of the setting within the policy.
    pub setting: usize,
}

impl SettingRef {
    /// The policy and the setting referred to.
    pub fn resolve<'tenant>(&self, tenant: &'tenant Tenant) -> (&'tenant Policy, &'tenant Setting) {
        let policy = &tenant.policies[self.policy];
        (policy, &policy.settings[self.setting])
    }
}

/// Two settings with the same key whose policies' audiences can meet.
#[derive(Clone, Debug)]
pub struct SettingPair<'overlap> {
    /// The setting from the policy that comes first in file order.
    pub first: SettingRef,
    /// The setting from the other policy.
    pub second: SettingRef,
    /// How the two policies' audiences meet (never disjoint).
    pub overlap: &'overlap Overlap,
}

/// Every policy pair's overlap, for the pairs that share at least one setting key
/// (copies of one policy object are never paired).
#[derive(Debug, Default)]
pub struct SettingPairs {
    /// Settings with the same key, grouped by key, each group in policy order.
    by_key: BTreeMap<SettingKey, Vec<SettingRef>>,
    /// Overlap of each pair of policy indices `(lower, higher)`.
    overlaps: BTreeMap<(usize, usize), Overlap>,
}

impl SettingPairs {
    /// Indexes the tenant's settings and computes the overlaps needed.
    pub fn build(
        tenant: &Tenant,
        config: &Config,
        audiences: &Audiences,
        formulas: &AudienceFormulas,
    ) -> Self {
        let mut by_key: BTreeMap<SettingKey, Vec<SettingRef>> = BTreeMap::new();
        for (policy_index, policy) in tenant.policies.iter().enumerate() {
            for (setting_index, setting) in policy.settings.iter().enumerate() {
                by_key
                    .entry(setting.key.clone())
                    .or_default()
                    .push(SettingRef {
                        policy: policy_index,
                        setting: setting_index,
                    });
            }
        }
        by_key.retain(|_, settings| {
            settings
                .first()
                .is_some_and(|first| settings.iter().any(|other| other.policy != first.policy))
        });

        let mut policy_pairs = BTreeSet::new();
        for settings in by_key.values() {
            for (index, first) in settings.iter().enumerate() {
                for second in &settings[index + 1..] {
                    // Two copies of one policy are `duplicate-object`, not a
                    // duplicate or conflict on each of their settings.
                    if first.policy != second.policy
                        && !same_object(
                            &tenant.policies[first.policy],
                            &tenant.policies[second.policy],
                        )
                    {
                        policy_pairs.insert((first.policy, second.policy));
                    }
                }
            }
        }
        let overlaps = policy_pairs
            .into_par_iter()
            .map(|(first, second)| {
                let exact = match (&audiences.reaches[first], &audiences.reaches[second]) {
                    (Some(first_reach), Some(second_reach)) => Some((first_reach, second_reach)),
                    _ => None,
                };
                // An inventory answers exactly; the rules are consulted only without one.
                let rules = exact.is_none().then_some(RuleEvidence {
                    formulas,
                    first,
                    second,
                });
                let structural = policy_overlap(
                    tenant,
                    config,
                    &tenant.policies[first],
                    &tenant.policies[second],
                    rules,
                );
                let overlap = match exact {
                    Some((first_reach, second_reach)) => {
                        exact_overlap(tenant, audiences, structural, first_reach, second_reach)
                    }
                    None => structural,
                };
                ((first, second), overlap)
            })
            .collect();
        Self { by_key, overlaps }
    }

    /// The settings (of at least two policies) with `key`, in policy order.
    pub fn settings_with_key(&self, key: &SettingKey) -> &[SettingRef] {
        self.by_key.get(key).map_or(&[], Vec::as_slice)
    }

    /// The overlap of the pair of policies `first` and `second` (in either order),
    /// when they share a setting key.
    pub fn overlap_of(&self, first: usize, second: usize) -> Option<&Overlap> {
        self.overlaps.get(&(first.min(second), first.max(second)))
    }

    /// Every pair of same-key settings whose audiences can meet, in key order,
    /// then policy order.
    pub fn pairs(&self) -> impl Iterator<Item = SettingPair<'_>> + '_ {
        self.by_key.values().flat_map(move |settings| {
            settings.iter().enumerate().flat_map(move |(index, first)| {
                settings[index + 1..].iter().filter_map(move |second| {
                    let overlap = self.overlaps.get(&(first.policy, second.policy))?;
                    (overlap.certainty != Certainty::Disjoint).then_some(SettingPair {
                        first: *first,
                        second: *second,
                        overlap,
                    })
                })
            })
        })
    }
}

/// The overlap an inventory proves: certain when the audiences share a device or
/// user (with how many and examples), disjoint when they share none.
fn exact_overlap(
    tenant: &Tenant,
    audiences: &Audiences,
    structural: Overlap,
    first: &Reach,
    second: &Reach,
) -> Overlap {
    let shared = audiences.shared(tenant, first, second);
    if shared.devices == 0 {
        return Overlap {
            certainty: Certainty::Disjoint,
            via: Vec::new(),
            reason: "no device or user in the inventory receives both policies".to_owned(),
            shared: Some(shared),
            witness: None,
        };
    }
    let reason = format!(
        "{} and {} in the inventory receive both policies, for example `{}`",
        count(shared.devices, "device"),
        count(shared.users, "user"),
        shared.examples.first().map_or("", String::as_str),
    );
    Overlap {
        certainty: Certainty::Certain,
        via: structural.via,
        reason,
        shared: Some(shared),
        witness: None,
    }
}

fn count(number: usize, noun: &str) -> String {
    if number == 1 {
        format!("1 {noun}")
    } else {
        format!("{number} {noun}s")
    }
}
