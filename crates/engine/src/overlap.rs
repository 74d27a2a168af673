//! Whether the audiences of two policies can meet, decided from the structure of
//! their assignments: the targets, their nesting, filters, exclusions, platforms
//! and the groups the configuration declares exclusive.
//!
//! Each include target of one policy is compared with each include target of the
//! other, after the policies' exclusions:
//! - **disjoint** when the policies cannot reach one device or user: no audience,
//!   no platform in common, or every meeting target of one is a group (or nested
//!   in a group) the other excludes, with an exclusion Intune honours for that
//!   target kind, or two groups declared exclusive;
//! - **certain** when the audience of one, on some pair of targets, is contained in
//!   the audience of the other: the same target with the same or a wider filter, a
//!   group nested in the other's group, or a group of devices (users) against All
//!   devices (All users);
//! - **possible** otherwise: two different groups may share members. A pair of
//!   includes left possible whose groups or filters carry rules goes to the
//!   decision procedure ([`crate::audience_formula`]), which may decide it.
//!
//! "Certain" means every device or user the smaller audience reaches gets both
//! policies; an empty group still reaches nobody.
//!
//! Each policy's audience is prepared once per run ([`OverlapAnalysis`]): targets
//! and filters resolved to indices, member kinds and nesting known per group, so
//! that comparing two policies touches no strings; the words of a reason are only
//! written for pairs that meet.

use std::collections::BTreeSet;

use preflight_normalizer::{
    AssignmentTarget, FilterMode, GroupId, MemberKind, MemberObjectKind, Platform, Policy, Tenant,
};

use crate::audience_formula::{AudienceFormulas, FormulaId, Meeting, Witness};
use crate::audience_logic::{MEMBER_OF, describe_witness};
use crate::config::Config;
use crate::small_index::small_index;

/// How sure it is that two audiences share a device or user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Certainty {
    /// They cannot share one.
    Disjoint,
    /// They may share one; the input does not tell.
    Possible,
    /// Every member of one audience is in the other.
    Certain,
}

impl Certainty {
    /// The lowercase name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Certainty::Disjoint => "disjoint",
            Certainty::Possible => "possible",
            Certainty::Certain => "certain",
        }
    }
}

/// The answer for one pair of policies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overlap {
    /// How sure.
    pub certainty: Certainty,
    /// The groups, virtual groups and filters through which they meet (empty when disjoint).
    pub via: Vec<String>,
    /// Why, in one sentence.
    pub reason: String,
    /// With an inventory: the devices and users both audiences reach.
    pub shared: Option<crate::audience::SharedAudience>,
    /// From the rules alone: an example device or user in both audiences.
    pub witness: Option<Witness>,
}

impl Overlap {
    fn disjoint(reason: String) -> Self {
        Overlap {
            certainty: Certainty::Disjoint,
            via: Vec::new(),
            reason,
            shared: None,
            witness: None,
        }
    }
}

/// An include or exclude target resolved: a virtual group, a group by index, or
/// a group no input defines (by its position among those).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Target {
    AllDevices,
    AllUsers,
    Group(usize),
    Undefined(usize),
}

/// An assignment filter resolved: by index, or one no input defines (by its
/// position among those).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum FilterRef {
    Known(usize),
    Undefined(usize),
}

/// One include assignment of a prepared policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Include {
    target: Target,
    filter: Option<(FilterRef, FilterMode)>,
    /// Whether the target holds devices or users, when known.
    kind: Option<MemberKind>,
}

/// A policy's audience, resolved.
#[derive(Clone, Debug, Default)]
struct PreparedAudience {
    includes: Vec<Include>,
    /// The excluded targets, sorted, without duplicates.
    excludes: Vec<Target>,
    /// The policy's platforms as a bit set (0: no platform named).
    platforms: u8,
}

/// What is known of each group, once per run.
#[derive(Debug, Default)]
struct GroupFacts {
    /// Whether each group holds devices or users, when known.
    kinds: Vec<Option<MemberKind>>,
    /// The groups each group is nested in, directly or not, sorted.
    ancestors: Vec<Vec<usize>>,
    /// The `[[exclusive]]` sets each group belongs to, sorted.
    exclusive_sets: Vec<Vec<usize>>,
    /// Names of the groups assignments name but no input defines.
    undefined_groups: Vec<String>,
    /// Names of the filters assignments name but no input defines.
    undefined_filters: Vec<String>,
}

/// Every policy's audience prepared for comparison, and what is known of groups.
#[derive(Debug, Default)]
pub struct OverlapAnalysis {
    facts: GroupFacts,
    audiences: Vec<PreparedAudience>,
}

/// The bit of a platform in [`PreparedAudience::platforms`].
fn platform_bit(platform: Platform) -> u8 {
    match platform {
        Platform::Windows => 1,
        Platform::MacOs => 2,
        Platform::Ios => 4,
        Platform::Android => 8,
        Platform::Linux => 16,
    }
}

impl GroupFacts {
    fn build(tenant: &Tenant, config: &Config) -> Self {
        let kinds = tenant
            .groups
            .iter()
            .map(|group| group.member_kind())
            .collect();
        // Parents of each group, from the groups' member lists.
        let mut parents: Vec<Vec<usize>> = vec![Vec::new(); tenant.groups.len()];
        for (parent, group) in tenant.groups.iter().enumerate() {
            for member in group.members.iter().flatten() {
                if member.kind == MemberObjectKind::Group
                    && let Some(child) = tenant.group_index(&GroupId(member.id.clone()))
                    && child != parent
                {
                    parents[child].push(parent);
                }
            }
        }
        let ancestors = (0..tenant.groups.len())
            .map(|group| {
                let mut seen = BTreeSet::new();
                let mut pending = parents[group].clone();
                while let Some(parent) = pending.pop() {
                    if parent != group && seen.insert(parent) {
                        pending.extend(parents[parent].iter().copied());
                    }
                }
                seen.into_iter().collect()
            })
            .collect();
        let exclusive_sets = tenant
            .groups
            .iter()
            .map(|group| {
                config
                    .exclusive
                    .iter()
                    .enumerate()
                    .filter(|(_, set)| {
                        set.groups
                            .iter()
                            .any(|listed| *listed == group.id.0 || *listed == group.name)
                    })
                    .map(|(index, _)| index)
                    .collect()
            })
            .collect();
        Self {
            kinds,
            ancestors,
            exclusive_sets,
            undefined_groups: Vec::new(),
            undefined_filters: Vec::new(),
        }
    }

    fn target(&mut self, tenant: &Tenant, target: &AssignmentTarget) -> Target {
        match target {
            AssignmentTarget::AllDevices => Target::AllDevices,
            AssignmentTarget::AllUsers => Target::AllUsers,
            AssignmentTarget::IncludeGroup(id) | AssignmentTarget::ExcludeGroup(id) => {
                match tenant.group_index(id) {
                    Some(index) => Target::Group(index),
                    None => Target::Undefined(position_or_push(&mut self.undefined_groups, &id.0)),
                }
            }
        }
    }

    fn kind(&self, target: Target) -> Option<MemberKind> {
        match target {
            Target::AllDevices => Some(MemberKind::Devices),
            Target::AllUsers => Some(MemberKind::Users),
            Target::Group(group) => self.kinds[group],
            Target::Undefined(_) => None,
        }
    }

    fn prepare(&mut self, tenant: &Tenant, policy: &Policy) -> PreparedAudience {
        let mut audience = PreparedAudience {
            platforms: policy
                .platforms
                .iter()
                .fold(0, |bits, platform| bits | platform_bit(*platform)),
            ..PreparedAudience::default()
        };
        for assignment in policy.assignments.iter().flatten() {
            let target = self.target(tenant, &assignment.target);
            if let AssignmentTarget::ExcludeGroup(_) = assignment.target {
                audience.excludes.push(target);
                continue;
            }
            let filter = assignment.filter.as_ref().map(|filter_use| {
                let reference = match tenant.filter_index(&filter_use.filter) {
                    Some(index) => FilterRef::Known(index),
                    None => FilterRef::Undefined(position_or_push(
                        &mut self.undefined_filters,
                        &filter_use.filter.0,
                    )),
                };
                (reference, filter_use.mode)
            });
            audience.includes.push(Include {
                target,
                filter,
                kind: self.kind(target),
            });
        }
        audience.excludes.sort_unstable();
        audience.excludes.dedup();
        audience
    }

    /// Whether `inner` is `outer` or nested in it.
    fn within(&self, inner: Target, outer: Target) -> bool {
        inner == outer
            || match (inner, outer) {
                (Target::Group(inner), Target::Group(outer)) => {
                    self.ancestors[inner].binary_search(&outer).is_ok()
                }
                _ => false,
            }
    }
}

/// A buffer of copies of one value, on the stack when it holds at most
/// sixteen (four includes against four), else on the heap.
enum SmallBuffer<T: Copy> {
    Stack { items: [T; 16], len: usize },
    Heap(Vec<T>),
}

impl<T: Copy> SmallBuffer<T> {
    fn filled(len: usize, value: T) -> Self {
        if len <= 16 {
            SmallBuffer::Stack {
                items: [value; 16],
                len,
            }
        } else {
            SmallBuffer::Heap(vec![value; len])
        }
    }
}

impl<T: Copy> std::ops::Deref for SmallBuffer<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            SmallBuffer::Stack { items, len } => &items[..*len],
            SmallBuffer::Heap(items) => items,
        }
    }
}

impl<T: Copy> std::ops::DerefMut for SmallBuffer<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            SmallBuffer::Stack { items, len } => &mut items[..*len],
            SmallBuffer::Heap(items) => items,
        }
    }
}

fn position_or_push(names: &mut Vec<String>, name: &str) -> usize {
    names
        .iter()
        .position(|known| known == name)
        .unwrap_or_else(|| {
            names.push(name.to_owned());
            names.len() - 1
        })
}

/// One of the two includes of a pair: the first policy's or the second's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    First,
    Second,
}

/// How the structure answers for one pair of includes (two bytes: one is kept
/// for each of a million policy pairs at L).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Structural {
    /// That side's include is in a group the other policy excludes.
    Excluded { include: Side },
    /// The two groups are declared exclusive.
    DeclaredExclusive,
    /// Everyone the `inner` side's include reaches is reached by the other's.
    Contained { inner: Side },
    /// They may meet.
    Possible,
}

impl Structural {
    fn certainty(self) -> Certainty {
        match self {
            Structural::Excluded { .. } | Structural::DeclaredExclusive => Certainty::Disjoint,
            Structural::Contained { .. } => Certainty::Certain,
            Structural::Possible => Certainty::Possible,
        }
    }
}

/// The best answer over the include pairs of two policies, before its words are
/// written: which pair, and what was found.
#[derive(Clone, Debug)]
pub struct PairFinding {
    certainty: Certainty,
    found: Found,
}

impl PairFinding {
    /// How sure it is that the two audiences share a device or user.
    pub fn certainty(&self) -> Certainty {
        self.certainty
    }
}

/// Which include pair decided, in 12 bytes (with the certainty, a policy
/// pair's finding is 16: a million are kept at L).
#[derive(Clone, Debug)]
enum Found {
    NoCommonPlatform,
    Unassigned,
    Pair {
        /// The position of the include among the first policy's includes.
        first: u32,
        /// The position of the include among the second policy's includes.
        second: u32,
        structural: Structural,
        /// Whether the rules were asked about the pair: their meeting is
        /// decided again when the pair is described (the procedure is a pure
        /// function of the two formulas, and few pairs are described), so a
        /// million findings do not each keep one.
        decided_by_rules: bool,
    },
}

impl OverlapAnalysis {
    /// Prepares every policy of `tenant`.
    pub fn build(tenant: &Tenant, config: &Config) -> Self {
        let mut facts = GroupFacts::build(tenant, config);
        let audiences = tenant
            .policies
            .iter()
            .map(|policy| facts.prepare(tenant, policy))
            .collect();
        Self { facts, audiences }
    }

    /// Whether the audiences of policies `first` and `second` can meet; with
    /// `formulas`, the include pairs structure leaves possible are decided by
    /// their rules.
    pub fn overlap(
        &self,
        tenant: &Tenant,
        pair: (usize, usize),
        formulas: Option<&AudienceFormulas>,
    ) -> Overlap {
        let finding = match formulas {
            Some(formulas) => self.find_deciding(pair, formulas).0,
            None => self.find(pair),
        };
        self.describe(tenant, pair, &finding, formulas)
    }

    /// What [`Self::overlap`] finds from structure alone, without the words.
    pub fn find(&self, (first, second): (usize, usize)) -> PairFinding {
        let (first_audience, second_audience) = (&self.audiences[first], &self.audiences[second]);
        self.best_include_pair((first, second), |first_position, second_position| {
            let structural = self.include_pair(
                (&first_audience.includes[first_position], first_audience),
                (&second_audience.includes[second_position], second_audience),
            );
            (structural, None)
        })
    }

    /// What [`Self::overlap`] finds with the rules, without the words, and the
    /// pairs of include formulas the rules could not decide. When structure
    /// proves some include pair contained, the pair is certain and the rules
    /// are not consulted; otherwise every include pair structure leaves
    /// possible whose formulas say something is decided (so the answer for two
    /// policies depends on those two alone).
    ///
    /// Called for each of a million policy pairs at L: what it keeps of each
    /// include pair fits in buffers on the stack for policies of up to four
    /// includes each.
    pub fn find_deciding(
        &self,
        (first, second): (usize, usize),
        formulas: &AudienceFormulas,
    ) -> (PairFinding, Vec<(FormulaId, FormulaId)>) {
        let (first_audience, second_audience) = (&self.audiences[first], &self.audiences[second]);
        let mut undecided = Vec::new();
        if !platforms_meet(first_audience, second_audience) {
            return (self.find((first, second)), undecided);
        }
        let columns = second_audience.includes.len();
        let count = first_audience.includes.len() * columns;
        let mut structurals = SmallBuffer::filled(count, Structural::Possible);
        for (position, structural) in structurals.iter_mut().enumerate() {
            *structural = self.include_pair(
                (&first_audience.includes[position / columns], first_audience),
                (
                    &second_audience.includes[position % columns],
                    second_audience,
                ),
            );
            if let Structural::Contained { .. } = structural {
                // The first contained pair is the answer: nothing is surer.
                return (
                    PairFinding {
                        certainty: Certainty::Certain,
                        found: Found::Pair {
                            first: small_index(position / columns),
                            second: small_index(position % columns),
                            structural: *structural,
                            decided_by_rules: false,
                        },
                    },
                    undecided,
                );
            }
        }
        // Each include pair's certainty by the rules, for those they decide.
        let mut decided = SmallBuffer::filled(count, None);
        for (position, certainty) in decided.iter_mut().enumerate() {
            if structurals[position] != Structural::Possible {
                continue;
            }
            let Some((meeting, key)) = include_meeting(
                formulas,
                (first, position / columns),
                (second, position % columns),
            ) else {
                continue;
            };
            *certainty = Some(match meeting {
                Meeting::Disjoint => Certainty::Disjoint,
                Meeting::Possible {
                    first_within_second,
                    second_within_first,
                    ..
                } if first_within_second || second_within_first => Certainty::Certain,
                Meeting::Possible { .. } => Certainty::Possible,
                Meeting::Unknown { .. } => {
                    undecided.push(key);
                    Certainty::Possible
                }
            });
        }
        let finding = self.best_include_pair((first, second), |first_position, second_position| {
            let position = first_position * columns + second_position;
            (structurals[position], decided[position])
        });
        (finding, undecided)
    }

    /// The best answer over the include pairs of two policies, each pair's
    /// structural answer and certainty by the rules (when they decide it)
    /// given by `include_pair`, which is asked about each pair once, in order,
    /// until one is certain.
    fn best_include_pair(
        &self,
        (first, second): (usize, usize),
        mut include_pair: impl FnMut(usize, usize) -> (Structural, Option<Certainty>),
    ) -> PairFinding {
        let first_audience = &self.audiences[first];
        let second_audience = &self.audiences[second];
        if !platforms_meet(first_audience, second_audience) {
            return PairFinding {
                certainty: Certainty::Disjoint,
                found: Found::NoCommonPlatform,
            };
        }
        if first_audience.includes.is_empty() || second_audience.includes.is_empty() {
            return PairFinding {
                certainty: Certainty::Disjoint,
                found: Found::Unassigned,
            };
        }
        let mut best: Option<PairFinding> = None;
        for first_position in 0..first_audience.includes.len() {
            for second_position in 0..second_audience.includes.len() {
                let (structural, by_rules) = include_pair(first_position, second_position);
                let certainty = by_rules.unwrap_or(structural.certainty());
                if best.as_ref().is_none_or(|best| certainty > best.certainty) {
                    best = Some(PairFinding {
                        certainty,
                        found: Found::Pair {
                            first: small_index(first_position),
                            second: small_index(second_position),
                            structural,
                            decided_by_rules: by_rules.is_some(),
                        },
                    });
                    if certainty == Certainty::Certain {
                        break;
                    }
                }
            }
            if best
                .as_ref()
                .is_some_and(|best| best.certainty == Certainty::Certain)
            {
                break;
            }
        }
        best.unwrap_or(PairFinding {
            certainty: Certainty::Disjoint,
            found: Found::Unassigned,
        })
    }

    /// How two includes meet by structure.
    fn include_pair(
        &self,
        (first, first_audience): (&Include, &PreparedAudience),
        (second, second_audience): (&Include, &PreparedAudience),
    ) -> Structural {
        if self.excluded(first, second_audience) {
            return Structural::Excluded {
                include: Side::First,
            };
        }
        if self.excluded(second, first_audience) {
            return Structural::Excluded {
                include: Side::Second,
            };
        }
        if self.declared_exclusive(first.target, second.target) {
            return Structural::DeclaredExclusive;
        }
        if self.contained((first, first_audience), (second, second_audience)) {
            return Structural::Contained { inner: Side::First };
        }
        if self.contained((second, second_audience), (first, first_audience)) {
            return Structural::Contained {
                inner: Side::Second,
            };
        }
        Structural::Possible
    }

    /// Whether `other` excludes `include`'s group (or a group it is nested in)
    /// from every one of its targets, with exclusions Intune honours.
    fn excluded(&self, include: &Include, other: &PreparedAudience) -> bool {
        let Target::Group(group) = include.target else {
            return false;
        };
        let excluded_by = other.excludes.iter().find(|excluded| match excluded {
            Target::Group(excluded) => {
                *excluded == group || self.facts.ancestors[group].binary_search(excluded).is_ok()
            }
            _ => false,
        });
        let Some(&excluded) = excluded_by else {
            return false;
        };
        // The exclusion removes members of the kind of the targets it is applied
        // to: `include`'s members are gone only when they are of that kind too
        // (a user group nested in an excluded device group keeps its users).
        let excluded_kind = self.facts.kind(excluded);
        exclusion_is_honoured(include.kind, excluded_kind)
            && other
                .includes
                .iter()
                .all(|other_include| exclusion_is_honoured(other_include.kind, excluded_kind))
    }

    fn declared_exclusive(&self, first: Target, second: Target) -> bool {
        let (Target::Group(first), Target::Group(second)) = (first, second) else {
            return false;
        };
        first != second
            && self.facts.exclusive_sets[first]
                .iter()
                .any(|set| self.facts.exclusive_sets[second].binary_search(set).is_ok())
    }

    /// Whether everyone `inner` reaches (after its policy's exclusions) is reached
    /// by `outer` (after its policy's exclusions).
    fn contained(
        &self,
        (inner, inner_audience): (&Include, &PreparedAudience),
        (outer, outer_audience): (&Include, &PreparedAudience),
    ) -> bool {
        let target_contained = self.facts.within(inner.target, outer.target)
            || match outer.target {
                Target::AllDevices => inner.kind == Some(MemberKind::Devices),
                Target::AllUsers => inner.kind == Some(MemberKind::Users),
                _ => false,
            };
        let filter_contained = outer.filter.is_none() || outer.filter == inner.filter;
        let exclusions_contained = outer_audience
            .excludes
            .iter()
            .all(|excluded| inner_audience.excludes.binary_search(excluded).is_ok());
        // A Windows and Android policy is not within a Windows and iOS one,
        // whatever their targets: its Android devices get only it.
        let platforms_contained = outer_audience.platforms == 0
            || (inner_audience.platforms != 0
                && inner_audience.platforms & !outer_audience.platforms == 0);
        target_contained && filter_contained && exclusions_contained && platforms_contained
    }

    /// How many include assignments policy `policy` has.
    pub fn include_count(&self, policy: usize) -> usize {
        self.audiences
            .get(policy)
            .map_or(0, |audience| audience.includes.len())
    }

    /// Whether everyone include `include` of policy `inner` reaches (after its
    /// exclusions, on its platforms) is also reached by policy `outer`.
    pub fn covers_include(&self, outer: usize, inner: usize, include: usize) -> bool {
        let (outer_audience, inner_audience) = (&self.audiences[outer], &self.audiences[inner]);
        let Some(inner_include) = inner_audience.includes.get(include) else {
            return false;
        };
        platforms_covered(outer_audience, inner_audience)
            && outer_audience.includes.iter().any(|outer_include| {
                self.contained(
                    (inner_include, inner_audience),
                    (outer_include, outer_audience),
                )
            })
    }

    /// Whether everyone policy `inner` reaches is also reached by policy `outer`,
    /// from structure alone: every include of `inner` (after its exclusions) is
    /// contained in an include of `outer` (after its exclusions), and `outer`
    /// covers `inner`'s platforms. A policy assigned to nobody is covered by
    /// nothing.
    pub fn covers(&self, outer: usize, inner: usize) -> bool {
        let (outer_audience, inner_audience) = (&self.audiences[outer], &self.audiences[inner]);
        platforms_covered(outer_audience, inner_audience)
            && !inner_audience.includes.is_empty()
            && inner_audience.includes.iter().all(|inner_include| {
                outer_audience.includes.iter().any(|outer_include| {
                    self.contained(
                        (inner_include, inner_audience),
                        (outer_include, outer_audience),
                    )
                })
            })
    }

    /// Writes the words of what was found (`formulas`: those the rules were
    /// decided with, whose examples are written out here).
    pub fn describe(
        &self,
        tenant: &Tenant,
        (first, second): (usize, usize),
        finding: &PairFinding,
        formulas: Option<&AudienceFormulas>,
    ) -> Overlap {
        let (first_position, second_position, structural, decided_by_rules) = match finding
            .found
            .clone()
        {
            Found::NoCommonPlatform => {
                return Overlap::disjoint("the policies have no platform in common".to_owned());
            }
            Found::Unassigned => {
                return Overlap::disjoint("one of the policies is assigned to nobody".to_owned());
            }
            Found::Pair {
                first,
                second,
                structural,
                decided_by_rules,
            } => (
                first as usize,
                second as usize,
                structural,
                decided_by_rules,
            ),
        };
        let first_include = &self.audiences[first].includes[first_position];
        let second_include = &self.audiences[second].includes[second_position];
        let first_name = self.target_name(tenant, first_include.target);
        let second_name = self.target_name(tenant, second_include.target);
        let via = || {
            let mut names = vec![first_name.clone()];
            if second_name != first_name {
                names.push(second_name.clone());
            }
            for include in [first_include, second_include] {
                if let Some((filter, _)) = include.filter {
                    let name = self.filter_name(tenant, filter);
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
            names
        };
        let meeting = formulas.filter(|_| decided_by_rules).and_then(|formulas| {
            include_meeting(formulas, (first, first_position), (second, second_position))
                .map(|(meeting, _)| meeting)
        });
        if let (Some(meeting), Some(formulas)) = (meeting, formulas) {
            return self.decided_by_rules(
                (tenant, formulas),
                (first_include, second_include),
                via(),
                meeting,
            );
        }
        match structural {
            Structural::Excluded { include } => Overlap::disjoint(format!(
                "`{}` is excluded from the other policy",
                match include {
                    Side::First => &first_name,
                    Side::Second => &second_name,
                }
            )),
            Structural::DeclaredExclusive => Overlap::disjoint(format!(
                "`{first_name}` and `{second_name}` are declared exclusive in the configuration"
            )),
            Structural::Contained { inner } => {
                let (inner, outer) = match inner {
                    Side::First => (&first_name, &second_name),
                    Side::Second => (&second_name, &first_name),
                };
                let reason = if first_include.target == second_include.target {
                    format!("both policies are assigned to `{first_name}`")
                } else {
                    format!("every member of `{inner}` is also in `{outer}`")
                };
                Overlap {
                    certainty: Certainty::Certain,
                    via: via(),
                    reason,
                    shared: None,
                    witness: None,
                }
            }
            Structural::Possible => {
                let reason = if first_include.target == second_include.target {
                    format!(
                        "both policies are assigned to `{first_name}`, with different filters or exclusions"
                    )
                } else {
                    format!("`{first_name}` and `{second_name}` may share members")
                };
                Overlap {
                    certainty: Certainty::Possible,
                    via: via(),
                    reason,
                    shared: None,
                    witness: None,
                }
            }
        }
    }

    /// What the rules say about a pair of includes that structure leaves open.
    fn decided_by_rules(
        &self,
        (tenant, formulas): (&Tenant, &AudienceFormulas),
        (first, second): (&Include, &Include),
        via: Vec<String>,
        meeting: Meeting,
    ) -> Overlap {
        let first_name = self.include_name(tenant, first);
        let second_name = self.include_name(tenant, second);
        match meeting {
            Meeting::Disjoint => Overlap::disjoint(format!(
                "no device can be in both {first_name} and {second_name}: their rules exclude each other"
            )),
            Meeting::Possible {
                example,
                first_within_second,
                second_within_first,
            } => {
                let witness = formulas.witness(&example, tenant);
                let containment = if first_within_second {
                    Some((&first_name, &second_name))
                } else if second_within_first {
                    Some((&second_name, &first_name))
                } else {
                    None
                };
                let (certainty, reason) = match containment {
                    Some((inner, outer)) => (
                        Certainty::Certain,
                        format!("by their rules, every device in {inner} is also in {outer}"),
                    ),
                    None => {
                        // Memberships of the two targets themselves go without saying.
                        let only_targets = witness.get(MEMBER_OF).is_some_and(|groups| {
                            let targets = [
                                self.target_name(tenant, first.target),
                                self.target_name(tenant, second.target),
                            ];
                            groups
                                .split(", ")
                                .all(|group| targets.iter().any(|name| name == group))
                        });
                        (
                            Certainty::Possible,
                            format!(
                                "{first_name} and {second_name} may share members, for example {}",
                                describe_witness(&witness, !only_targets)
                            ),
                        )
                    }
                };
                Overlap {
                    certainty,
                    via,
                    reason,
                    shared: None,
                    witness: Some(witness),
                }
            }
            Meeting::Unknown { reason } => {
                let structural = if first.target == second.target {
                    format!(
                        "both policies are assigned to {first_name}, with different filters or exclusions"
                    )
                } else {
                    format!("{first_name} and {second_name} may share members")
                };
                Overlap {
                    certainty: Certainty::Possible,
                    via,
                    reason: format!("{structural} (their rules were not decided: {reason})"),
                    shared: None,
                    witness: None,
                }
            }
        }
    }

    fn target_name(&self, tenant: &Tenant, target: Target) -> String {
        match target {
            Target::AllDevices => "All devices".to_owned(),
            Target::AllUsers => "All users".to_owned(),
            Target::Group(group) => tenant.groups[group].name.clone(),
            Target::Undefined(index) => self.facts.undefined_groups[index].clone(),
        }
    }

    fn filter_name(&self, tenant: &Tenant, filter: FilterRef) -> String {
        match filter {
            FilterRef::Known(index) => tenant.filters[index].name.clone(),
            FilterRef::Undefined(index) => self.facts.undefined_filters[index].clone(),
        }
    }

    /// An include target as people know it, with its filter: "`All devices` with
    /// filter `Dell`".
    fn include_name(&self, tenant: &Tenant, include: &Include) -> String {
        let target = self.target_name(tenant, include.target);
        match include.filter {
            None => crate::sized_text::sized(target.len() + 2, format_args!("`{target}`")),
            Some((filter, mode)) => {
                let filter = self.filter_name(tenant, filter);
                let mode = match mode {
                    FilterMode::Include => "",
                    FilterMode::Exclude => "excluding ",
                };
                crate::sized_text::sized(
                    target.len() + filter.len() + 32,
                    format_args!("`{target}` with filter {mode}`{filter}`"),
                )
            }
        }
    }
}

/// What the rules say about include `first.1` of policy `first.0` and include
/// `second.1` of policy `second.0`, oriented as asked, with the pair of formulas
/// asked about (smaller id first); `None` when neither formula says more than
/// structure knows (no rule, no filter).
fn include_meeting(
    formulas: &AudienceFormulas,
    (first, first_position): (usize, usize),
    (second, second_position): (usize, usize),
) -> Option<(Meeting, (FormulaId, FormulaId))> {
    let first_formula = *formulas.includes_of(first).get(first_position)?;
    let second_formula = *formulas.includes_of(second).get(second_position)?;
    if !(formulas.is_informative(first_formula) || formulas.is_informative(second_formula)) {
        return None;
    }
    let key = (
        first_formula.min(second_formula),
        first_formula.max(second_formula),
    );
    let meeting = formulas.meeting_of(key.0, key.1);
    Some((
        if key.0 == first_formula {
            meeting
        } else {
            meeting.swapped()
        },
        key,
    ))
}

/// Whether `outer`'s platforms include all of `inner`'s (no platform named is
/// every platform).
fn platforms_covered(outer: &PreparedAudience, inner: &PreparedAudience) -> bool {
    outer.platforms == 0 || (inner.platforms != 0 && inner.platforms & !outer.platforms == 0)
}

fn platforms_meet(first: &PreparedAudience, second: &PreparedAudience) -> bool {
    first.platforms == 0 || second.platforms == 0 || first.platforms & second.platforms != 0
}

/// Whether the audiences of `first` and `second` can meet, from structure alone.
/// Groups that `config` declares exclusive are taken not to share members. For
/// one-off questions; a run prepares every policy once in [`OverlapAnalysis`].
pub fn policy_overlap(
    tenant: &Tenant,
    config: &Config,
    first: &Policy,
    second: &Policy,
) -> Overlap {
    let mut facts = GroupFacts::build(tenant, config);
    let audiences = vec![facts.prepare(tenant, first), facts.prepare(tenant, second)];
    let analysis = OverlapAnalysis { facts, audiences };
    analysis.overlap(tenant, (0, 1), None)
}

/// Intune applies an exclusion only when the excluded group holds the same kind of
/// members as the included target: user groups from user targets, device groups
/// from device targets. Where a kind is unknown, the exclusion is taken as honoured.
pub(crate) fn exclusion_is_honoured(
    included: Option<MemberKind>,
    excluded: Option<MemberKind>,
) -> bool {
    match (included, excluded) {
        (Some(included), Some(excluded)) => included == excluded,
        _ => true,
    }
}

/// Whether a target holds devices or users, when known.
pub(crate) fn member_kind(tenant: &Tenant, target: &AssignmentTarget) -> Option<MemberKind> {
    match target {
        AssignmentTarget::AllDevices => Some(MemberKind::Devices),
        AssignmentTarget::AllUsers => Some(MemberKind::Users),
        AssignmentTarget::IncludeGroup(group) | AssignmentTarget::ExcludeGroup(group) => {
            tenant.group(group).and_then(|group| group.member_kind())
        }
    }
}

/// The name people know a target by.
pub fn target_name(tenant: &Tenant, target: &AssignmentTarget) -> String {
    match target {
        AssignmentTarget::AllDevices => "All devices".to_owned(),
        AssignmentTarget::AllUsers => "All users".to_owned(),
        AssignmentTarget::IncludeGroup(group) | AssignmentTarget::ExcludeGroup(group) => tenant
            .group(group)
            .map_or_else(|| group.0.clone(), |group| group.name.clone()),
    }
}

#[cfg(test)]
mod tests {
    use preflight_normalizer::{
        Assignment, AssignmentFilterUse, FilterId, Group, GroupMember, GroupMembership,
        PolicyFamily,
    };
    use preflight_parser::{FileId, SourceLocation, Span};

    use super::*;

    fn location() -> SourceLocation {
        SourceLocation {
            file: FileId(0),
            span: Span::default(),
        }
    }

    fn group(name: &str, rule: Option<&str>) -> Group {
        Group {
            id: GroupId(name.to_owned()),
            name: name.to_owned(),
            membership: rule.map_or(GroupMembership::Static, |rule| GroupMembership::Dynamic {
                rule: rule.to_owned(),
                rule_source: location(),
            }),
            members: None,
            transitive_members: None,
            origin: preflight_normalizer::GroupOrigin::Assignment,
            source: location(),
        }
    }

    fn nesting(name: &str, nested: &[&str]) -> Group {
        let mut parent = group(name, None);
        parent.members = Some(
            nested
                .iter()
                .map(|id| GroupMember {
                    kind: preflight_normalizer::MemberObjectKind::Group,
                    id: (*id).to_owned(),
                    name: None,
                })
                .collect(),
        );
        parent
    }

    fn tenant() -> Tenant {
        let mut groups = vec![
            group(
                "Developers",
                Some("(device.displayName -startsWith \"DEV-\")"),
            ),
            group("Finance", Some("(user.department -eq \"Finance\")")),
            group("Kiosks", None),
            group("Pilot", None),
            group("Ring 1", None),
            nesting("Rings", &["Ring 1"]),
        ];
        groups.sort_by(|left, right| left.id.cmp(&right.id));
        Tenant {
            groups,
            ..Tenant::default()
        }
    }

    fn include(name: &str) -> Assignment {
        assign(AssignmentTarget::IncludeGroup(GroupId(name.to_owned())))
    }

    fn exclude(name: &str) -> Assignment {
        assign(AssignmentTarget::ExcludeGroup(GroupId(name.to_owned())))
    }

    fn assign(target: AssignmentTarget) -> Assignment {
        Assignment {
            target,
            filter: None,
            source: location(),
        }
    }

    fn filtered(mut assignment: Assignment, filter: &str) -> Assignment {
        assignment.filter = Some(AssignmentFilterUse {
            filter: FilterId(filter.to_owned()),
            mode: FilterMode::Include,
        });
        assignment
    }

    fn policy(platform: Platform, assignments: Option<Vec<Assignment>>) -> Policy {
        Policy {
            id: None,
            name: "p".into(),
            family: PolicyFamily::SettingsCatalog,
            platforms: vec![platform],
            settings: Vec::new(),
            assignments,
            source: location(),
        }
    }

    fn certainty(first: Vec<Assignment>, second: Vec<Assignment>) -> Certainty {
        let tenant = tenant();
        let first = policy(Platform::Windows, Some(first));
        let second = policy(Platform::Windows, Some(second));
        let config = Config::default();
        let forward = policy_overlap(&tenant, &config, &first, &second).certainty;
        let backward = policy_overlap(&tenant, &config, &second, &first).certainty;
        assert_eq!(forward, backward, "overlap must be symmetric");
        forward
    }

    #[test]
    fn the_table_of_structural_answers() {
        use AssignmentTarget::{AllDevices, AllUsers};
        use Certainty::{Certain, Disjoint, Possible};
        let cases: Vec<(&str, Vec<Assignment>, Vec<Assignment>, Certainty)> = vec![
            (
                "same group",
                vec![include("Pilot")],
                vec![include("Pilot")],
                Certain,
            ),
            (
                "two static groups",
                vec![include("Pilot")],
                vec![include("Kiosks")],
                Possible,
            ),
            (
                "all devices twice",
                vec![assign(AllDevices)],
                vec![assign(AllDevices)],
                Certain,
            ),
            (
                "all users twice",
                vec![assign(AllUsers)],
                vec![assign(AllUsers)],
                Certain,
            ),
            (
                "all devices and a device group",
                vec![assign(AllDevices)],
                vec![include("Developers")],
                Certain,
            ),
            (
                "all users and a user group",
                vec![assign(AllUsers)],
                vec![include("Finance")],
                Certain,
            ),
            (
                "all devices and a user group",
                vec![assign(AllDevices)],
                vec![include("Finance")],
                Possible,
            ),
            (
                "all devices and a static group",
                vec![assign(AllDevices)],
                vec![include("Pilot")],
                Possible,
            ),
            (
                "all devices and all users",
                vec![assign(AllDevices)],
                vec![assign(AllUsers)],
                Possible,
            ),
            (
                "exclusion separates",
                vec![assign(AllDevices), exclude("Kiosks")],
                vec![include("Kiosks")],
                Disjoint,
            ),
            (
                "exclusion of another group",
                vec![assign(AllDevices), exclude("Kiosks")],
                vec![include("Pilot")],
                Possible,
            ),
            (
                "same group, one side excludes more: still contained",
                vec![include("Pilot"), exclude("Kiosks")],
                vec![include("Pilot")],
                Certain,
            ),
            (
                "a user group excluded from a device target is not honoured",
                vec![assign(AllDevices), exclude("Finance")],
                vec![include("Finance")],
                Possible,
            ),
            (
                "a device group excluded from a device target is honoured",
                vec![assign(AllDevices), exclude("Developers")],
                vec![include("Developers")],
                Disjoint,
            ),
            (
                "same group, different filters",
                vec![filtered(include("Pilot"), "Windows 11")],
                vec![filtered(include("Pilot"), "Dell")],
                Possible,
            ),
            (
                "same group, one filtered",
                vec![filtered(include("Pilot"), "Windows 11")],
                vec![include("Pilot")],
                Certain,
            ),
            (
                "one side assigned to nobody",
                vec![],
                vec![include("Pilot")],
                Disjoint,
            ),
            (
                "a group nested in the other",
                vec![include("Ring 1")],
                vec![include("Rings")],
                Certain,
            ),
            (
                "a group nested in an excluded one",
                vec![include("Ring 1")],
                vec![assign(AllDevices), exclude("Rings")],
                Disjoint,
            ),
            (
                "included and excluded",
                vec![include("Pilot"), exclude("Pilot")],
                vec![include("Pilot")],
                Disjoint,
            ),
        ];
        for (name, first, second, expected) in cases {
            assert_eq!(certainty(first, second), expected, "{name}");
        }
    }

    #[test]
    fn a_policy_is_within_another_only_on_platforms_the_other_has() {
        // Found by the soundness property: a Windows and Android policy and a
        // Windows and iOS one, both on All devices, were "certain", yet an
        // Android device gets only the first and an iOS device only the second.
        let tenant = tenant();
        let on_all_devices = |platforms: Vec<Platform>| Policy {
            platforms,
            ..policy(
                Platform::Windows,
                Some(vec![assign(AssignmentTarget::AllDevices)]),
            )
        };
        let config = Config::default();
        let answer = |first: &Policy, second: &Policy| {
            policy_overlap(&tenant, &config, first, second).certainty
        };
        let windows_android = on_all_devices(vec![Platform::Windows, Platform::Android]);
        let windows_ios = on_all_devices(vec![Platform::Windows, Platform::Ios]);
        let windows = on_all_devices(vec![Platform::Windows]);
        let everywhere = on_all_devices(Vec::new());
        assert_eq!(answer(&windows_android, &windows_ios), Certainty::Possible);
        assert_eq!(answer(&windows, &windows_ios), Certainty::Certain);
        assert_eq!(answer(&windows_android, &everywhere), Certainty::Certain);
        assert_eq!(answer(&everywhere, &windows), Certainty::Certain);
    }

    #[test]
    fn groups_declared_exclusive_do_not_meet() {
        let tenant = tenant();
        let config =
            Config::parse("[[exclusive]]\ngroups = [\"Pilot\", \"Kiosks\"]\n").expect("valid");
        let first = policy(Platform::Windows, Some(vec![include("Pilot")]));
        let second = policy(Platform::Windows, Some(vec![include("Kiosks")]));
        let overlap = policy_overlap(&tenant, &config, &first, &second);
        assert_eq!(overlap.certainty, Certainty::Disjoint);
        assert!(overlap.reason.contains("declared exclusive"));
        let same = policy(Platform::Windows, Some(vec![include("Pilot")]));
        assert_eq!(
            policy_overlap(&tenant, &config, &first, &same).certainty,
            Certainty::Certain
        );
    }

    #[test]
    fn different_platforms_never_meet() {
        let tenant = tenant();
        let windows = policy(Platform::Windows, Some(vec![include("Pilot")]));
        let mac = policy(Platform::MacOs, Some(vec![include("Pilot")]));
        assert_eq!(
            policy_overlap(&tenant, &Config::default(), &windows, &mac).certainty,
            Certainty::Disjoint
        );
    }

    #[test]
    fn policies_without_assignment_information_meet_nobody() {
        let tenant = tenant();
        let unknown = policy(Platform::Windows, None);
        let assigned = policy(Platform::Windows, Some(vec![include("Pilot")]));
        assert_eq!(
            policy_overlap(&tenant, &Config::default(), &unknown, &assigned).certainty,
            Certainty::Disjoint
        );
    }

    #[test]
    fn via_names_groups_and_filters() {
        let tenant = tenant();
        let first = policy(
            Platform::Windows,
            Some(vec![filtered(
                assign(AssignmentTarget::AllDevices),
                "Windows 11",
            )]),
        );
        let second = policy(Platform::Windows, Some(vec![include("Developers")]));
        let overlap = policy_overlap(&tenant, &Config::default(), &first, &second);
        assert_eq!(overlap.certainty, Certainty::Possible);
        assert_eq!(overlap.via, vec!["All devices", "Developers", "Windows 11"]);
    }
}
