//! Groups the setting pairs a rule reports into findings: the policies of one
//! setting key joined by reported pairs (directly or through one another) make one
//! finding naming all of them, so that twelve policies that disagree about one
//! setting give one finding with twelve labels, not sixty-six. Two clusters of
//! policies whose audiences never meet stay two findings.
//!
//! The configured ignores are applied to the pairs before grouping (an ignore of
//! `A` and `B` silences their pair, never a third policy's conflict with them);
//! rules built on this module declare `ignores_pairs: true`.

use crate::context::AnalysisContext;
use crate::finding::{Finding, Severity};
use crate::overlap::Certainty;
use crate::rules::pair_evidence::{SettingVerdict, setting_finding};
use crate::setting_pairs::{SettingPair, SettingRef};

use rayon::prelude::*;

/// Policies setting one key, joined by the pairs a rule reports.
pub struct SettingGroup<'pairs> {
    /// The settings of the group, in policy order.
    pub settings: Vec<SettingRef>,
    /// The pair that best shows the problem: the first (in policy order) whose
    /// audiences certainly meet, else the first.
    clearest: SettingPair<'pairs>,
    /// How many reported pairs join the group.
    pair_count: usize,
    /// How many of them certainly meet.
    certain_pairs: usize,
}

impl<'pairs> SettingGroup<'pairs> {
    /// The pair that best shows the problem: the first whose audiences certainly
    /// meet, else the first.
    pub fn clearest_pair(&self) -> &SettingPair<'pairs> {
        &self.clearest
    }

    /// How many reported pairs join the group.
    pub fn pair_count(&self) -> usize {
        self.pair_count
    }

    /// How many of the pairs certainly meet.
    pub fn certain_pairs(&self) -> usize {
        self.certain_pairs
    }

    /// Error when some pair certainly meets, else warning.
    pub fn severity_by_certainty(&self) -> Severity {
        if self.certain_pairs > 0 {
            Severity::Error
        } else {
            Severity::Warning
        }
    }
}

/// A reported pair as grouping needs it, in 24 bytes where a `SettingPair` takes
/// about 110 (a rule reports up to a million): where its two settings are among
/// the key's settings, which pair it is, and whether its audiences certainly meet.
#[derive(Clone, Copy)]
struct ReportedPair {
    first: u32,
    second: u32,
    /// The pair's index for [`crate::setting_pairs::SettingPairs::pair`].
    index: usize,
    certain: bool,
}

/// The groups of the pairs `reports` keeps (and no configured ignore silences),
/// key by key in parallel, in key order, then by each group's first policy.
pub fn setting_groups<'context>(
    context: &'context AnalysisContext<'_>,
    rule: &'static str,
    reports: impl Fn(&SettingPair<'context>) -> bool + Sync,
) -> Vec<SettingGroup<'context>> {
    let pairs = context.setting_pairs();
    let describer = context.describer();
    (0..pairs.key_count())
        .into_par_iter()
        .flat_map_iter(|key| {
            let settings = pairs.settings_of_key(key);
            let reported: Vec<ReportedPair> = pairs
                .pair_indices_of_key(key)
                .filter_map(|index| {
                    let pair = pairs.pair(index, describer);
                    let kept = reports(&pair) && !context.pair_is_ignored(rule, &pair);
                    kept.then(|| {
                        let (first, second) = pairs.positions_in_key(key, index);
                        ReportedPair {
                            first: u32::try_from(first).unwrap_or(0),
                            second: u32::try_from(second).unwrap_or(0),
                            index,
                            certain: pair.certainty == Certainty::Certain,
                        }
                    })
                })
                .collect();
            group_pairs(settings, &reported)
                .into_iter()
                .map(move |group| group.with_pairs(|index| pairs.pair(index, describer)))
        })
        .collect()
}

/// A group while pairs are added to it: pairs by index.
struct GroupBeingJoined {
    settings: Vec<SettingRef>,
    /// The first pair reported, and the first that certainly meets.
    first_pair: usize,
    first_certain_pair: Option<usize>,
    pair_count: usize,
    certain_pairs: usize,
}

impl GroupBeingJoined {
    fn with_pairs<'pairs>(
        self,
        pair: impl Fn(usize) -> SettingPair<'pairs>,
    ) -> SettingGroup<'pairs> {
        SettingGroup {
            settings: self.settings,
            clearest: pair(self.first_certain_pair.unwrap_or(self.first_pair)),
            pair_count: self.pair_count,
            certain_pairs: self.certain_pairs,
        }
    }
}

/// Splits `pairs` (all of one key, whose settings are `settings` in policy order)
/// into groups joined by them.
fn group_pairs(settings: &[SettingRef], pairs: &[ReportedPair]) -> Vec<GroupBeingJoined> {
    if pairs.is_empty() {
        return Vec::new();
    }
    let mut components = UnionFind::new(settings.len());
    for pair in pairs {
        components.join(pair.first as usize, pair.second as usize);
    }
    // Groups numbered by their first setting, which is also their order.
    let mut group_of_root = vec![usize::MAX; settings.len()];
    let mut groups: Vec<GroupBeingJoined> = Vec::new();
    let mut in_a_pair = vec![false; settings.len()];
    let mut first_pair_of_root: Vec<Option<usize>> = vec![None; settings.len()];
    for pair in pairs {
        in_a_pair[pair.first as usize] = true;
        in_a_pair[pair.second as usize] = true;
        let root = components.root(pair.first as usize);
        first_pair_of_root[root].get_or_insert(pair.index);
    }
    for (index, setting) in settings.iter().enumerate() {
        if !in_a_pair[index] {
            continue;
        }
        let root = components.root(index);
        if group_of_root[root] == usize::MAX {
            let Some(first_pair) = first_pair_of_root[root] else {
                continue;
            };
            group_of_root[root] = groups.len();
            groups.push(GroupBeingJoined {
                settings: Vec::new(),
                first_pair,
                first_certain_pair: None,
                pair_count: 0,
                certain_pairs: 0,
            });
        }
        groups[group_of_root[root]].settings.push(*setting);
    }
    for pair in pairs {
        let root = components.root(pair.first as usize);
        let group = &mut groups[group_of_root[root]];
        group.pair_count += 1;
        if pair.certain {
            group.certain_pairs += 1;
            group.first_certain_pair.get_or_insert(pair.index);
        }
    }
    groups
}

/// Disjoint sets over `0..n`, with path halving.
struct UnionFind {
    parents: Vec<usize>,
}

impl UnionFind {
    fn new(size: usize) -> Self {
        Self {
            parents: (0..size).collect(),
        }
    }

    fn root(&mut self, mut element: usize) -> usize {
        while self.parents[element] != element {
            self.parents[element] = self.parents[self.parents[element]];
            element = self.parents[element];
        }
        element
    }

    fn join(&mut self, first: usize, second: usize) {
        let (first, second) = (self.root(first), self.root(second));
        // The smaller index stays the root, so that roots do not depend on the
        // order in which pairs are joined.
        if first < second {
            self.parents[second] = first;
        } else {
            self.parents[first] = second;
        }
    }
}

/// A finding about `group`: every policy with its value and location (the first
/// in policy order is the primary location), the clearest pair's overlap, and a
/// fingerprint of the rule, the key and every policy involved (so that a policy
/// joining or leaving the group makes it a new finding for baselines). For a
/// group of two it is the fingerprint the finding about their pair always had.
pub fn group_finding(
    context: &AnalysisContext<'_>,
    group: &SettingGroup<'_>,
    verdict: SettingVerdict,
) -> Option<Finding> {
    setting_finding(
        context,
        &group.settings,
        group.clearest_pair().overlap(),
        verdict,
    )
}

/// `names` as prose, backticked: "`A`", "`A` and `B`", "`A`, `B` and 3 more".
/// Written into one string sized up front (a finding's message holds several).
pub fn name_list<'name>(names: impl IntoIterator<Item = &'name str>) -> String {
    const SHOWN: usize = 3;
    let names: Vec<&str> = names.into_iter().collect();
    let shown = if names.len() > SHOWN + 1 {
        SHOWN
    } else {
        names.len()
    };
    let rest = names.len() - shown;
    let mut list = String::with_capacity(
        names[..shown]
            .iter()
            .map(|name| name.len() + 4)
            .sum::<usize>()
            + 16,
    );
    for (index, name) in names[..shown].iter().enumerate() {
        if index > 0 {
            list.push_str(if rest == 0 && index == shown - 1 {
                " and "
            } else {
                ", "
            });
        }
        list.push('`');
        list.push_str(name);
        list.push('`');
    }
    if rest > 0 {
        list.push_str(" and ");
        list.push_str(&rest.to_string());
        list.push_str(" more");
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_lists_read_as_prose_and_stay_short() {
        assert_eq!(name_list(["A"]), "`A`");
        assert_eq!(name_list(["A", "B"]), "`A` and `B`");
        assert_eq!(name_list(["A", "B", "C", "D"]), "`A`, `B`, `C` and `D`");
        assert_eq!(
            name_list(["A", "B", "C", "D", "E"]),
            "`A`, `B`, `C` and 2 more"
        );
        assert_eq!(name_list([]), "");
        assert_eq!(name_list(["A", "B", "C"]), "`A`, `B` and `C`");
    }

    #[test]
    fn union_find_roots_are_the_smallest_member_whatever_the_join_order() {
        for order in [[(3, 1), (1, 2), (4, 0)], [(4, 0), (1, 2), (3, 1)]] {
            let mut components = UnionFind::new(5);
            for (first, second) in order {
                components.join(first, second);
            }
            let roots: Vec<usize> = (0..5).map(|element| components.root(element)).collect();
            assert_eq!(roots, vec![0, 1, 1, 1, 0]);
        }
    }
}
