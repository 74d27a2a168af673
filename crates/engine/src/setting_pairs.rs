//! Pairs of settings with the same canonical key, from different policies whose
//! audiences can meet: the raw material of the setting rules.
//!
//! Settings are indexed by key first (one bucket per key shared by two policies
//! or more), so only policies that touch the same key are ever compared. The
//! overlap of each pair of policies is computed once, in parallel, however many
//! keys they share: from structure, then from the rules for the include pairs
//! structure leaves open, and exactly when an inventory gives both audiences.
//! Within a bucket, settings are grouped by normalized value once, so that
//! telling a duplicate from a conflict is a comparison of two numbers.

use std::sync::Arc;

use preflight_normalizer::{Policy, Setting, SettingKey, SettingKind, Tenant};
use rayon::prelude::*;

use crate::audience::{Audiences, Reach};
use crate::audience_formula::AudienceFormulas;
use crate::finding::OverlapEvidence;
use crate::overlap::{Certainty, Overlap, OverlapAnalysis};
use crate::policy_pair_numbering::PolicyPairNumbering;
use crate::small_index::small_index;

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
#[derive(Clone, Copy)]
pub struct SettingPair<'pairs> {
    /// The setting from the policy that comes first in policy order.
    pub first: SettingRef,
    /// The setting from the other policy.
    pub second: SettingRef,
    /// Whether the two values have the same effect (equal once normalized).
    pub same_effect: bool,
    /// Whether each setting configures or states compliance (`first`'s, then
    /// `second`'s): what the setting rules tell apart first, known here without
    /// going to the settings themselves.
    pub kinds: (SettingKind, SettingKind),
    /// How sure it is that the two audiences meet (never disjoint).
    pub certainty: Certainty,
    /// Index of the two policies' overlap.
    overlap: usize,
    describer: Describer<'pairs>,
}

impl<'pairs> SettingPair<'pairs> {
    /// How the two policies' audiences meet, in words (written on first use,
    /// shared by every finding about the same two policies).
    pub fn overlap(&self) -> &'pairs Arc<OverlapEvidence> {
        self.describer.evidence(self.overlap)
    }
}

/// What writing the words of an overlap needs.
#[derive(Clone, Copy)]
pub struct Describer<'pairs> {
    /// The pairs.
    pub pairs: &'pairs SettingPairs,
    /// The tenant.
    pub tenant: &'pairs Tenant,
    /// The prepared audiences.
    pub analysis: &'pairs OverlapAnalysis,
    /// The exact audiences, with an inventory.
    pub audiences: &'pairs Audiences,
    /// The target graph, for how an inventory device is reached.
    pub graph: &'pairs crate::target_graph::TargetGraph,
    /// The parsed rules, for filters on an inventory device.
    pub rules: &'pairs crate::inventory_rules::InventoryRules,
    /// The include formulas the rules were decided with.
    pub formulas: &'pairs AudienceFormulas,
}

impl<'pairs> Describer<'pairs> {
    /// The words of overlap `index` (of the policy pairs), written once.
    pub fn evidence(&self, index: usize) -> &'pairs Arc<OverlapEvidence> {
        let pairs = self.pairs;
        pairs.evidence[index].get_or_init(|| {
            let (lower, higher) = pairs.policy_pairs[index];
            let pair = (lower as usize, higher as usize);
            let reaches = (
                &self.audiences.reaches[pair.0],
                &self.audiences.reaches[pair.1],
            );
            let overlap = match (&pairs.findings[index], reaches) {
                (PolicyPairFinding::Exact(_), (Some(first), Some(second))) => {
                    exact_overlap(self, pair, first, second)
                }
                (PolicyPairFinding::Rules(finding), _) => {
                    self.analysis
                        .describe(self.tenant, pair, finding, Some(self.formulas))
                }
                (PolicyPairFinding::Exact(_), _) => self.analysis.overlap(self.tenant, pair, None),
            };
            Arc::new(OverlapEvidence::from(overlap))
        })
    }
}

/// What was found for one pair of policies, before its words are written.
#[derive(Debug)]
enum PolicyPairFinding {
    /// From the inventory: whether some device receives both.
    Exact(bool),
    /// From structure and rules.
    Rules(crate::overlap::PairFinding),
}

// A million are kept at L: what each holds is a few numbers.
const _: () = assert!(std::mem::size_of::<PolicyPairFinding>() == 16);

impl PolicyPairFinding {
    fn certainty(&self) -> Certainty {
        match self {
            PolicyPairFinding::Exact(false) => Certainty::Disjoint,
            PolicyPairFinding::Exact(true) => Certainty::Certain,
            PolicyPairFinding::Rules(finding) => finding.certainty(),
        }
    }
}

/// One meeting pair, by index, in 16 bytes (a million of them at L, written
/// once and read by every setting rule).
#[derive(Clone, Copy, Debug)]
struct PairRecord {
    /// Index of the first setting in `SettingPairs::settings`.
    first: u32,
    /// Index of the second setting in `SettingPairs::settings`.
    second: u32,
    /// Index into `SettingPairs::policy_pairs`.
    overlap: u32,
    same_effect: bool,
    kinds: (SettingKind, SettingKind),
}

const _: () = assert!(std::mem::size_of::<PairRecord>() == 16);

/// Every policy pair's overlap, for the pairs that share at least one setting key
/// (copies of one policy object are never paired), and the setting pairs whose
/// audiences can meet.
#[derive(Debug, Default)]
pub struct SettingPairs {
    /// The keys shared by two policies or more, sorted.
    keys: Vec<SettingKey>,
    /// Where each key's settings start in `settings` (one more entry than keys).
    starts: Vec<usize>,
    /// The settings of each key, in policy order.
    settings: Vec<SettingRef>,
    /// The policy pairs `(lower, higher)` that share a key, sorted, as 32-bit
    /// indices (searched for each setting pair: half the memory to go through).
    policy_pairs: Vec<(u32, u32)>,
    /// Where each policy's pairs (as the lower of the two) start in
    /// `policy_pairs` (one more entry than policies): a pair is looked up among
    /// its lower policy's pairs, not among all of them.
    pair_starts: Vec<usize>,
    /// What was found for each of `policy_pairs`.
    findings: Vec<PolicyPairFinding>,
    /// The certainty of each of `findings`, apart: one byte a pair, read for
    /// every setting pair.
    certainties: Vec<Certainty>,
    /// The words of each of `policy_pairs`, written on first use.
    evidence: Vec<std::sync::OnceLock<Arc<OverlapEvidence>>>,
    /// The setting pairs whose audiences can meet, in key order, then policy order.
    records: Vec<PairRecord>,
    /// Where each key's pairs start in `records` (one more entry than keys).
    record_starts: Vec<usize>,
    /// How many include pairs the rules could not decide.
    undecided: usize,
    /// Which policies are one object.
    classes: ObjectClasses,
}

/// Which policies are one object: a number for each policy's family and name,
/// and one for its id when the export kept it.
#[derive(Debug, Default)]
struct ObjectClasses {
    names: Vec<usize>,
    ids: Vec<Option<usize>>,
}

impl ObjectClasses {
    fn of(tenant: &Tenant) -> Self {
        let mut by_name = std::collections::BTreeMap::new();
        let mut by_id = std::collections::BTreeMap::new();
        let mut names = Vec::with_capacity(tenant.policies.len());
        let mut ids = Vec::with_capacity(tenant.policies.len());
        for policy in &tenant.policies {
            let count = by_name.len();
            names.push(
                *by_name
                    .entry((policy.family, &*policy.name))
                    .or_insert(count),
            );
            ids.push(policy.id.as_ref().map(|id| {
                let count = by_id.len();
                *by_id.entry(id.0.to_ascii_lowercase()).or_insert(count)
            }));
        }
        Self { names, ids }
    }

    /// Whether two policies are copies of one object (same id, compared without
    /// case, or same family and name).
    fn same_object(&self, first: usize, second: usize) -> bool {
        self.names[first] == self.names[second]
            || matches!((self.ids[first], self.ids[second]), (Some(left), Some(right)) if left == right)
    }
}

/// What the setting pairs are found from that the tenant alone gives: the
/// settings by key, their values' classes and the policy pairs that share a
/// key. Made apart from the pairs so that it can be made while the audiences
/// and formulas are (numbering the keys runs on one thread).
pub struct SettingIndex {
    keys: Vec<SettingKey>,
    starts: Vec<usize>,
    settings: Vec<SettingRef>,
    value_classes: Vec<u32>,
    classes: ObjectClasses,
    numbering: PolicyPairNumbering,
    pair_starts: Vec<usize>,
}

impl SettingIndex {
    /// The tenant's settings indexed by key, and the policy pairs sharing a key.
    pub fn of(tenant: &Tenant) -> Self {
        let (keys, starts, settings) = buckets(tenant);
        let classes = ObjectClasses::of(tenant);
        let value_classes = value_classes(tenant, &starts, &settings);

        // The policy pairs sharing a key, each once, and which of them each
        // pair of settings is.
        let numbering =
            PolicyPairNumbering::new(tenant.policies.len(), keys.len(), |bucket, visit| {
                let bucket_settings = &settings[starts[bucket]..starts[bucket + 1]];
                for_each_setting_pair(bucket_settings, &classes, |first, second| {
                    visit(
                        bucket_settings[first].policy,
                        bucket_settings[second].policy,
                    );
                });
            });
        let pair_starts: Vec<usize> = (0..=tenant.policies.len())
            .map(|policy| {
                numbering
                    .policy_pairs
                    .partition_point(|&(lower, _)| (lower as usize) < policy)
            })
            .collect();
        Self {
            keys,
            starts,
            settings,
            value_classes,
            classes,
            numbering,
            pair_starts,
        }
    }
}

impl SettingPairs {
    /// The setting pairs of `index` (made from `tenant`) whose audiences can
    /// meet, with the overlaps needed computed.
    pub fn build(
        index: SettingIndex,
        tenant: &Tenant,
        analysis: &OverlapAnalysis,
        audiences: &Audiences,
        formulas: &AudienceFormulas,
    ) -> Self {
        let SettingIndex {
            keys,
            starts,
            settings,
            value_classes,
            classes,
            numbering,
            pair_starts,
        } = index;
        let policy_pairs = &numbering.policy_pairs;

        // Only without an inventory are the rules consulted: with one, both
        // audiences are exact. Each pair's open include pairs are decided where
        // the pair is (the include formulas of two policies barely repeat in
        // other pairs, so collecting and sharing decisions costs more than it
        // saves); the undecided ones are counted once per pair of formulas.
        // Few pairs have any: they are gathered under a lock, not in an empty
        // list for each of a million pairs.
        let meetings = audiences.meetings(policy_pairs);
        let undecided_found = std::sync::Mutex::new(Vec::new());
        let findings: Vec<PolicyPairFinding> = policy_pairs
            .par_iter()
            .zip(&meetings)
            .map(|(&(first, second), meeting)| match meeting {
                // Whether they meet is all that is needed here (the words,
                // written for the pairs reported, count the shared devices).
                Some(meets) => PolicyPairFinding::Exact(*meets),
                None => {
                    let (finding, undecided) =
                        analysis.find_deciding((first as usize, second as usize), formulas);
                    if !undecided.is_empty() {
                        undecided_found
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .extend(undecided);
                    }
                    PolicyPairFinding::Rules(finding)
                }
            })
            .collect();
        let mut undecided_formulas = undecided_found
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        undecided_formulas.sort_unstable();
        undecided_formulas.dedup();
        let undecided = undecided_formulas.len();
        let certainties: Vec<Certainty> =
            findings.iter().map(PolicyPairFinding::certainty).collect();
        let evidence = (0..findings.len())
            .map(|_| std::sync::OnceLock::new())
            .collect();

        let records_by_key: Vec<Vec<PairRecord>> = (0..keys.len())
            .into_par_iter()
            .map(|bucket| {
                let range = starts[bucket]..starts[bucket + 1];
                let bucket_start = range.start;
                let bucket_settings = &settings[range.clone()];
                let bucket_classes = &value_classes[range];
                // Read once a setting, not once a pair.
                let bucket_kinds: Vec<SettingKind> = bucket_settings
                    .iter()
                    .map(|setting| setting.resolve(tenant).1.kind)
                    .collect();
                let mut records = Vec::new();
                // The setting pairs are met in the order they were numbered in.
                let mut number = numbering.first_number(bucket);
                for_each_setting_pair(bucket_settings, &classes, |first, second| {
                    let position = numbering.index_of(
                        number,
                        (
                            bucket_settings[first].policy,
                            bucket_settings[second].policy,
                        ),
                    );
                    number += 1;
                    if certainties[position] != Certainty::Disjoint {
                        records.push(PairRecord {
                            first: small_index(bucket_start + first),
                            second: small_index(bucket_start + second),
                            overlap: small_index(position),
                            same_effect: bucket_classes[first] == bucket_classes[second],
                            kinds: (bucket_kinds[first], bucket_kinds[second]),
                        });
                    }
                });
                records
            })
            .collect();
        let mut record_starts = Vec::with_capacity(records_by_key.len() + 1);
        let mut records = Vec::with_capacity(records_by_key.iter().map(Vec::len).sum());
        for key_records in records_by_key {
            record_starts.push(records.len());
            records.extend(key_records);
        }
        record_starts.push(records.len());
        let policy_pairs = numbering.into_policy_pairs();
        Self {
            keys,
            starts,
            settings,
            policy_pairs,
            pair_starts,
            findings,
            certainties,
            evidence,
            records,
            record_starts,
            undecided,
            classes,
        }
    }

    /// The settings (of at least two policies) with `key`, in policy order.
    pub fn settings_with_key(&self, key: &SettingKey) -> &[SettingRef] {
        match self.keys.binary_search(key) {
            Ok(bucket) => &self.settings[self.starts[bucket]..self.starts[bucket + 1]],
            Err(_) => &[],
        }
    }

    /// Where the pair of policies `first` and `second` (in either order) is, when
    /// they share a setting key.
    pub fn overlap_index(&self, first: usize, second: usize) -> Option<usize> {
        pair_position(
            &self.policy_pairs,
            &self.pair_starts,
            (first.min(second), first.max(second)),
        )
    }

    /// The pair at `index` (of [`Self::pair_indices_of_key`]), with what its
    /// words need.
    pub fn pair<'pairs>(
        &'pairs self,
        index: usize,
        describer: Describer<'pairs>,
    ) -> SettingPair<'pairs> {
        let record = self.records[index];
        SettingPair {
            first: self.settings[record.first as usize],
            second: self.settings[record.second as usize],
            same_effect: record.same_effect,
            kinds: record.kinds,
            certainty: self.certainties[record.overlap as usize],
            overlap: record.overlap as usize,
            describer,
        }
    }

    /// Where the two settings of pair `index` (one of
    /// [`Self::pair_indices_of_key`]`(key)`) are among [`Self::settings_of_key`]`(key)`.
    pub fn positions_in_key(&self, key: usize, index: usize) -> (usize, usize) {
        let record = self.records[index];
        let start = self.starts[key];
        (
            (record.first as usize).saturating_sub(start),
            (record.second as usize).saturating_sub(start),
        )
    }

    /// How many keys two policies or more set.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// The settings of key number `key` (in key order), in policy order.
    pub fn settings_of_key(&self, key: usize) -> &[SettingRef] {
        &self.settings[self.starts[key]..self.starts[key + 1]]
    }

    /// Which pairs (for [`Self::pair`]) are those of key number `key` whose
    /// audiences can meet, in policy order.
    pub fn pair_indices_of_key(&self, key: usize) -> std::ops::Range<usize> {
        self.record_starts[key]..self.record_starts[key + 1]
    }

    /// How many setting pairs can meet.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no setting pair can meet.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Every pair of same-key settings whose audiences can meet, in parallel,
    /// keeping key order, then policy order, in what is collected.
    pub fn par_pairs<'pairs>(
        &'pairs self,
        describer: Describer<'pairs>,
    ) -> impl IndexedParallelIterator<Item = SettingPair<'pairs>> + 'pairs {
        (0..self.records.len())
            .into_par_iter()
            .map(move |index| self.pair(index, describer))
    }

    /// Whether policies `first` and `second` are copies of one object (same
    /// id, or same family and name): never paired, never each other's shadow.
    pub fn same_object(&self, first: usize, second: usize) -> bool {
        self.classes.same_object(first, second)
    }

    /// How many include pairs the rules could not decide.
    pub fn undecided(&self) -> usize {
        self.undecided
    }
}

/// Calls `visit` with the positions of every pair of `bucket_settings` (the
/// settings of one key, in policy order) from two policies that are not one
/// object, in order: the setting pairs, as numbered.
fn for_each_setting_pair(
    bucket_settings: &[SettingRef],
    classes: &ObjectClasses,
    mut visit: impl FnMut(usize, usize),
) {
    for (first_position, first) in bucket_settings.iter().enumerate() {
        for (offset, second) in bucket_settings[first_position + 1..].iter().enumerate() {
            if first.policy != second.policy && !classes.same_object(first.policy, second.policy) {
                visit(first_position, first_position + 1 + offset);
            }
        }
    }
}

/// Where `(lower, higher)` is in `policy_pairs` (sorted), searched among the
/// pairs of `lower` (which start at `pair_starts[lower]`).
fn pair_position(
    policy_pairs: &[(u32, u32)],
    pair_starts: &[usize],
    (lower, higher): (usize, usize),
) -> Option<usize> {
    let (start, end) = (*pair_starts.get(lower)?, *pair_starts.get(lower + 1)?);
    let of_lower = policy_pairs.get(start..end)?;
    of_lower
        .binary_search_by_key(&small_index(higher), |&(_, other)| other)
        .ok()
        .map(|position| start + position)
}

/// The settings of each key shared by two policies or more: the sorted keys,
/// where each key's settings start, and the settings in policy order.
///
/// Keys are numbered through a hash map first and only the distinct keys are
/// sorted: sorting every setting by its key compared long strings with long
/// common prefixes (`device_vendor_msft_policy_config_…`) millions of times.
fn buckets(tenant: &Tenant) -> (Vec<SettingKey>, Vec<usize>, Vec<SettingRef>) {
    let mut number_of_key: rustc_hash::FxHashMap<&str, u32> = rustc_hash::FxHashMap::default();
    let mut distinct: Vec<&SettingKey> = Vec::new();
    // Each setting's key number, in policy order then setting order.
    let mut numbered: Vec<(u32, SettingRef)> = Vec::new();
    for (policy_index, policy) in tenant.policies.iter().enumerate() {
        for (setting_index, setting) in policy.settings.iter().enumerate() {
            let number = *number_of_key
                .entry(setting.key.0.as_str())
                .or_insert_with(|| {
                    distinct.push(&setting.key);
                    u32::try_from(distinct.len() - 1).unwrap_or(u32::MAX)
                });
            numbered.push((
                number,
                SettingRef {
                    policy: policy_index,
                    setting: setting_index,
                },
            ));
        }
    }
    // The rank of each key number among the sorted keys.
    let mut by_key: Vec<u32> = (0..distinct.len())
        .map(|number| u32::try_from(number).unwrap_or(u32::MAX))
        .collect();
    by_key.par_sort_unstable_by_key(|&number| distinct[number as usize]);
    let mut rank_of = vec![0_usize; distinct.len()];
    for (rank, &number) in by_key.iter().enumerate() {
        rank_of[number as usize] = rank;
    }
    // A counting sort by rank keeps policy order within each key.
    let (counts, sorted) = crate::grouped::grouped_by_key(
        distinct.len(),
        numbered
            .iter()
            .map(|&(number, setting)| (rank_of[number as usize], setting)),
    );
    let mut keys = Vec::new();
    let mut starts = Vec::new();
    let mut settings = Vec::new();
    for (rank, &number) in by_key.iter().enumerate() {
        let bucket = &sorted[counts[rank]..counts[rank + 1]];
        if bucket
            .iter()
            .any(|setting| setting.policy != bucket[0].policy)
        {
            keys.push(distinct[number as usize].clone());
            starts.push(settings.len());
            settings.extend_from_slice(bucket);
        }
    }
    starts.push(settings.len());
    (keys, starts, settings)
}

/// For each setting of each bucket, a number that is equal for two settings of
/// the bucket exactly when their values have the same effect.
fn value_classes(tenant: &Tenant, starts: &[usize], settings: &[SettingRef]) -> Vec<u32> {
    (0..starts.len().saturating_sub(1))
        .into_par_iter()
        .flat_map_iter(|bucket| {
            let bucket_settings = &settings[starts[bucket]..starts[bucket + 1]];
            let normalized: Vec<preflight_normalizer::SettingValue> = bucket_settings
                .iter()
                .map(|setting| setting.resolve(tenant).1.value.normalized())
                .collect();
            let mut distinct: Vec<&preflight_normalizer::SettingValue> =
                normalized.iter().collect();
            distinct.sort();
            distinct.dedup();
            normalized
                .iter()
                .map(|value| {
                    u32::try_from(distinct.binary_search(&value).unwrap_or(0)).unwrap_or(u32::MAX)
                })
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// The overlap an inventory proves: certain when the audiences share a device
/// (with how many, their users, and examples), disjoint when they share none.
pub(crate) fn exact_overlap(
    describer: &Describer<'_>,
    (first_policy, second_policy): (usize, usize),
    first: &Reach,
    second: &Reach,
) -> Overlap {
    let (tenant, audiences) = (describer.tenant, describer.audiences);
    let shared = audiences.shared_by_policies(tenant, (first_policy, second_policy), first, second);
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
    // The assignments through which both policies reach the first shared
    // device: how they meet there.
    let mut via = Vec::new();
    if let Some(device) = first.shared_devices(second).next() {
        for policy in [first_policy, second_policy] {
            for name in audiences.routes_to_device(
                tenant,
                describer.graph,
                describer.rules,
                &tenant.policies[policy],
                device,
            ) {
                if !via.contains(&name) {
                    via.push(name);
                }
            }
        }
    }
    Overlap {
        certainty: Certainty::Certain,
        via,
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use preflight_normalizer::{
        Policy, PolicyFamily, Setting, SettingKind, SettingScope, SettingValue,
    };
    use preflight_parser::{FileId, SourceLocation, Span};

    use super::*;

    fn setting(key: &str) -> Setting {
        Setting {
            key: SettingKey(key.to_owned()),
            name: key.to_owned(),
            value: SettingValue::Bool(true),
            scope: SettingScope::Device,
            kind: SettingKind::Configuration,
            canonical: true,
            source: SourceLocation {
                file: FileId(0),
                span: Span { start: 0, end: 0 },
            },
        }
    }

    /// A tenant whose policies set the keys `key_{number}` of `drawn`, one
    /// list a policy (some keys twice in one policy).
    fn tenant(drawn: &[Vec<u8>]) -> Tenant {
        let policies = drawn
            .iter()
            .enumerate()
            .map(|(index, keys)| Policy {
                id: None,
                name: format!("policy {index}").into(),
                family: PolicyFamily::SettingsCatalog,
                platforms: Vec::new(),
                settings: keys
                    .iter()
                    .map(|number| setting(&format!("key_{number}")))
                    .collect(),
                assignments: None,
                source: SourceLocation {
                    file: FileId(0),
                    span: Span { start: 0, end: 0 },
                },
            })
            .collect();
        Tenant {
            policies,
            ..Tenant::default()
        }
    }

    /// The buckets by brute force: every key's settings in policy order, keys
    /// of two policies or more, in key order.
    fn buckets_by_brute_force(tenant: &Tenant) -> (Vec<SettingKey>, Vec<usize>, Vec<SettingRef>) {
        let mut by_key: BTreeMap<&SettingKey, Vec<SettingRef>> = BTreeMap::new();
        for (policy_index, policy) in tenant.policies.iter().enumerate() {
            for (setting_index, setting) in policy.settings.iter().enumerate() {
                by_key.entry(&setting.key).or_default().push(SettingRef {
                    policy: policy_index,
                    setting: setting_index,
                });
            }
        }
        let (mut keys, mut starts, mut settings) = (Vec::new(), Vec::new(), Vec::new());
        for (key, key_settings) in by_key {
            if key_settings
                .iter()
                .any(|setting| setting.policy != key_settings[0].policy)
            {
                keys.push(key.clone());
                starts.push(settings.len());
                settings.extend(key_settings);
            }
        }
        starts.push(settings.len());
        (keys, starts, settings)
    }

    proptest::proptest! {
        /// Keys set by several policies, by one, and twice in one policy.
        #[test]
        fn buckets_agree_with_brute_force(
            drawn in proptest::collection::vec(proptest::collection::vec(0_u8..13, 0..6), 1..28),
        ) {
            let tenant = tenant(&drawn);
            proptest::prop_assert!(buckets(&tenant) == buckets_by_brute_force(&tenant));
        }
    }
}
