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
    fn new(first_pair: SettingPair<'pairs>) -> Self {
        Self {
            settings: Vec::new(),
            clearest: first_pair,
            pair_count: 0,
            certain_pairs: 0,
        }
    }

    fn add_pair(&mut self, pair: SettingPair<'pairs>) {
        let certain = pair.certainty == Certainty::Certain;
        if certain && self.certain_pairs == 0 {
            self.clearest = pair;
        }
        self.pair_count += 1;
        self.certain_pairs += usize::from(certain);
    }

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
            let reported: Vec<SettingPair<'context>> = pairs
                .pairs_of_key(key, describer)
                .filter(|pair| reports(pair) && !context.pair_is_ignored(rule, pair))
                .collect();
            group_pairs(pairs.settings_of_key(key), reported)
        })
        .collect()
}

/// Splits `pairs` (all of one key, whose settings are `settings` in policy order)
/// into groups joined by them.
fn group_pairs<'pairs>(
    settings: &[SettingRef],
    pairs: Vec<SettingPair<'pairs>>,
) -> Vec<SettingGroup<'pairs>> {
    if pairs.is_empty() {
        return Vec::new();
    }
    // Where each pair's two settings are among the key's settings, found once.
    let position = |setting: &SettingRef| settings.binary_search(setting).unwrap_or(0);
    let positions: Vec<(usize, usize)> = pairs
        .iter()
        .map(|pair| (position(&pair.first), position(&pair.second)))
        .collect();
    let mut components = UnionFind::new(settings.len());
    for &(first, second) in &positions {
        components.join(first, second);
    }
    // Groups numbered by their first setting, which is also their order.
    let mut group_of_root = vec![usize::MAX; settings.len()];
    let mut groups: Vec<SettingGroup<'pairs>> = Vec::new();
    let mut in_a_pair = vec![false; settings.len()];
    let mut first_pair_of_root: Vec<Option<SettingPair<'pairs>>> = vec![None; settings.len()];
    for (pair, &(first, second)) in pairs.iter().zip(&positions) {
        in_a_pair[first] = true;
        in_a_pair[second] = true;
        let root = components.root(first);
        first_pair_of_root[root].get_or_insert(*pair);
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
            groups.push(SettingGroup::new(first_pair));
        }
        groups[group_of_root[root]].settings.push(*setting);
    }
    for (pair, &(first, _)) in pairs.into_iter().zip(&positions) {
        let root = components.root(first);
        groups[group_of_root[root]].add_pair(pair);
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
