//! Audiences as formulas: what each include assignment of a policy can reach,
//! written in the terms of the decision procedure ([`crate::audience_logic`]), so
//! that two assignments can be compared through their groups' rules and filters
//! when no inventory says who is where.
//!
//! One include assignment reaches the devices (and their users) that satisfy
//! - its target: All devices and All users are everyone; a dynamic group is its
//!   membership rule; a static group is "a member of the group" (a free
//!   proposition: nothing is known of who is in it) or of any group nested in it;
//! - its filter: the filter's rule on a device of the filter's platform (include
//!   mode), or its negation (exclude mode);
//! - the policy's platforms: the device's OS type is one of theirs;
//! - the negation of every group the policy excludes, where Intune honours that
//!   exclusion for the target (the same rule as the structural analysis).
//!
//! The subject of a formula is a device together with its user, when it has one
//! (a kiosk may have none): `device.` and `user.` attributes are independent, so
//! a user group's rule and a device filter constrain different parts of one
//! subject, and two user rules that exclude each other (`department -eq "IT"`,
//! `department -eq "Finance"`) never meet on one device. All users, and every
//! user rule, hold only on a device that has a user. Devices shared by several
//! signed-in users are outside this model (an inventory tells them). Anything the formulas
//! cannot express (a rule that does not parse, a group or filter defined nowhere,
//! a group on a nesting cycle) is an opaque test, which the procedure never
//! decides, so an answer is only ever given where it is sound.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use preflight_normalizer::{
    AssignmentFilterUse, AssignmentTarget, FilterMode, GroupId, GroupMembership, MemberObjectKind,
    Platform, Policy, Tenant,
};
use preflight_parser::rule_language::{Attribute, AttributeValue, Operand, Operator, Subject};
use rayon::prelude::*;

use crate::audience_logic::{
    DEFAULT_BUDGET, Decider, Decision, Formula, Literal, Solution, Test, Verdict, decide,
};
use crate::inventory_rules::{InventoryRules, os_types};
use crate::overlap::{exclusion_is_honoured, member_kind};
use crate::target_graph::TargetGraph;

/// An example device (and user) as attribute name → value, shared by every
/// finding it explains.
pub type Witness = Arc<BTreeMap<String, String>>;

/// The index of a distinct include formula.
pub type FormulaId = usize;

/// The prefix of the attributes that stand for static group membership: one
/// boolean attribute per group (`member of <id>`), free, since nothing tells who
/// is in the group. A space keeps them apart from every property a rule can name.
const MEMBER_OF_PREFIX: &str = "member of ";

/// The formula "the device (`Subject::Device`), or its user (`Subject::User`),
/// is a direct member of group `id`".
fn member_of_group(id: &GroupId, subject: Subject) -> Formula {
    Formula::Literal(Literal {
        attribute: Attribute::Named(subject, format!("{MEMBER_OF_PREFIX}{}", id.0)),
        test: Test::Text(Operator::Equals, Operand::Bool(true)),
        positive: true,
    })
}

/// The group id a membership attribute stands for.
fn member_of_id(attribute: &Attribute) -> Option<&str> {
    match attribute {
        Attribute::Named(_, name) => name.strip_prefix(MEMBER_OF_PREFIX),
        _ => None,
    }
}

/// Who a group holds, in two parts: the devices that are members (directly, by
/// nesting, or by a device rule) and the devices whose user is (directly, by
/// nesting, or by a user rule). An exclusion of the group from a device target
/// removes only the first, from a user target only the second, as Intune
/// applies an exclusion to members of the target's own kind.
#[derive(Clone, Debug)]
pub struct GroupParts {
    /// Devices that are members.
    pub devices: Formula,
    /// Devices whose user is a member.
    pub users: Formula,
}

impl GroupParts {
    /// Everyone the group reaches: either part.
    pub fn whole(&self) -> Formula {
        match (&self.devices, &self.users) {
            (Formula::False, users) => users.clone(),
            (devices, Formula::False) => devices.clone(),
            (devices, users) => Formula::Or(vec![devices.clone(), users.clone()]),
        }
    }

    /// The part an exclusion from a target holding `kind` removes (both parts
    /// when the kind is not known).
    fn excluded_from(&self, kind: Option<preflight_normalizer::MemberKind>) -> Formula {
        match kind {
            Some(preflight_normalizer::MemberKind::Devices) => self.devices.clone(),
            Some(preflight_normalizer::MemberKind::Users) => self.users.clone(),
            None => self.whole(),
        }
    }

    fn opaque(what: String) -> Self {
        let formula = opaque(what);
        Self {
            devices: formula.clone(),
            users: formula,
        }
    }
}

/// The formula "someone uses the device": a free boolean, since nothing tells
/// without an inventory. A space in its name keeps it apart from every property
/// a rule can name.
fn has_user() -> Formula {
    Formula::Literal(Literal {
        attribute: has_user_attribute(),
        test: Test::Text(Operator::Equals, Operand::Bool(true)),
        positive: true,
    })
}

fn has_user_attribute() -> Attribute {
    Attribute::Named(Subject::User, "has a user".to_owned())
}

/// A test the procedure never decides, saying why.
fn opaque(what: String) -> Formula {
    Formula::Literal(Literal {
        attribute: Attribute::Named(Subject::Device, "audience".to_owned()),
        test: Test::Opaque(what),
        positive: true,
    })
}

/// Every policy's include assignments as formulas, each distinct formula once,
/// and the decision procedure over them (which remembers what it has worked out).
#[derive(Debug)]
pub struct AudienceFormulas {
    /// The distinct formulas, by id.
    formulas: Vec<Formula>,
    /// For each policy, the formula of each include assignment, in the order of
    /// the policy's non-exclusion assignments.
    includes: Vec<Vec<FormulaId>>,
    /// Each group's formula, by group index.
    group_formulas: Vec<GroupParts>,
    /// What is known of each formula for quick decisions, by formula id.
    facts: Vec<FormulaFacts>,
    /// The decision procedure over the formulas, remembering what it worked out.
    decider: Decider,
}

impl AudienceFormulas {
    /// The formulas of every policy of `tenant`.
    pub fn build(tenant: &Tenant, rules: &InventoryRules, graph: &TargetGraph) -> Self {
        let on_cycle: BTreeSet<usize> = graph
            .cycles
            .iter()
            .flat_map(|cycle| cycle.groups.iter().copied())
            .collect();
        let builder = GroupFormulas {
            tenant,
            rules,
            on_cycle: &on_cycle,
        };
        let group_formulas: Vec<GroupParts> = (0..tenant.groups.len())
            .into_par_iter()
            .map(|group| builder.of_group(group, &mut Vec::new()))
            .collect();
        let per_policy: Vec<Vec<(Formula, FormulaFacts)>> = tenant
            .policies
            .par_iter()
            .map(|policy| {
                let platforms = PolicyPlatforms {
                    bits: platform_bits(&policy.platforms),
                    named: !policy.platforms.is_empty(),
                };
                include_parts(tenant, rules, &group_formulas, policy)
                    .iter()
                    .map(|parts| (parts.whole(), FormulaFacts::of(parts, platforms)))
                    .collect()
            })
            .collect();
        let mut formulas = Vec::new();
        let mut facts = Vec::new();
        // Each distinct formula once, numbered in the order first met. The keys
        // hold operands, whose compiled patterns cache matches inside; a pattern
        // hashes and compares by its source text alone, so keys never change.
        #[allow(clippy::mutable_key_type)]
        let mut by_formula: rustc_hash::FxHashMap<Formula, FormulaId> =
            rustc_hash::FxHashMap::default();
        let includes = per_policy
            .into_iter()
            .map(|policy_formulas| {
                policy_formulas
                    .into_iter()
                    .map(|(formula, formula_facts)| {
                        if let Some(&id) = by_formula.get(&formula) {
                            return id;
                        }
                        let id = formulas.len();
                        by_formula.insert(formula.clone(), id);
                        formulas.push(formula);
                        facts.push(formula_facts);
                        id
                    })
                    .collect()
            })
            .collect();
        number_attributes(&mut facts);
        // The decider knows two more formulas past the include formulas: "has a
        // user" and its negation, for deciding a formula with its user test fixed.
        let mut decided = formulas.clone();
        decided.extend([has_user(), has_user().negated()]);
        let decider = Decider::new(decided, DEFAULT_BUDGET);
        Self {
            formulas,
            includes,
            group_formulas,
            facts,
            decider,
        }
    }

    /// The formula ids of policy `policy`'s include assignments.
    pub fn includes_of(&self, policy: usize) -> &[FormulaId] {
        self.includes.get(policy).map_or(&[], Vec::as_slice)
    }

    /// The formula with id `id`.
    pub fn formula(&self, id: FormulaId) -> &Formula {
        &self.formulas[id]
    }

    /// Who group `group` holds.
    pub fn group_formula(&self, group: usize) -> Option<Formula> {
        self.group_formulas.get(group).map(GroupParts::whole)
    }

    /// The parts of each include assignment of `policy`, in the order of its
    /// non-exclusion assignments (the order of [`Self::includes_of`]).
    pub fn include_parts(
        &self,
        tenant: &Tenant,
        rules: &InventoryRules,
        policy: &Policy,
    ) -> Vec<IncludeParts> {
        include_parts(tenant, rules, &self.group_formulas, policy)
    }

    /// What the rules say about formulas `first` and `second`: whether they can
    /// meet, with an example, and whether one contains the other.
    ///
    /// When the two formulas' rules test no attribute in common and neither
    /// tests the OS type (which the platforms fix), the rules are independent:
    /// they meet exactly when each admits someone on its own, and one contains
    /// the other only if the other's rules admit everyone. Each formula is
    /// decided alone once; only pairs whose rules share an attribute go through
    /// the whole procedure.
    ///
    /// Two more kinds of pairs are separable: pairs whose OS type tests only
    /// narrow the platforms (see [`FormulaFacts::os_tests_folded`]), which meet
    /// exactly when each formula admits someone alone and their platforms meet,
    /// and pairs whose rules share only the "has a user" test, which meet
    /// exactly when, for one value of it, each formula with that value admits
    /// someone (and their platforms meet). Their example is the whole
    /// procedure's, found when shown. Where the user test is shared,
    /// containment is decided for each value of it (`All users` contains every
    /// user rule's audience, though its own rules do not admit everyone: they
    /// do once a user is given).
    pub fn meeting_of(&self, first: FormulaId, second: FormulaId) -> Meeting {
        let (first_facts, second_facts) = (&self.facts[first], &self.facts[second]);
        match first_facts.relation(second_facts) {
            Relation::Entangled => meeting_by(&self.decider, first, second),
            relation => self.separable_meeting(first, second, relation),
        }
    }

    /// What the whole procedure says of formulas `first` and `second`, without
    /// the quick decisions of [`Self::meeting_of`]: what the property tests
    /// hold them to.
    pub fn meeting_by_whole_procedure(&self, first: FormulaId, second: FormulaId) -> Meeting {
        meeting_by(&self.decider, first, second)
    }

    /// How many distinct include formulas there are (their ids are `0..` this).
    pub fn formula_count(&self) -> usize {
        self.formulas.len()
    }

    /// The meeting of two formulas whose rules are apart (see
    /// [`Self::meeting_of`]), from what is known of each alone.
    fn separable_meeting(
        &self,
        first: FormulaId,
        second: FormulaId,
        relation: Relation,
    ) -> Meeting {
        let (first_facts, second_facts) = (&self.facts[first], &self.facts[second]);
        let shared = first_facts.platforms & second_facts.platforms;
        if shared == 0 {
            // No OS type both admit, whatever else is known.
            return Meeting::Disjoint;
        }
        let share_user_test = relation
            == Relation::Separable {
                share_user_test: true,
            };
        let verdict = if share_user_test {
            let with = |has_user: bool| {
                both(
                    self.with_user_test(first, has_user),
                    self.with_user_test(second, has_user),
                )
            };
            either(with(true), with(false))
        } else {
            both(
                self.decider.alone_verdict(first),
                self.decider.alone_verdict(second),
            )
        };
        match verdict {
            Verdict::Disjoint => Meeting::Disjoint,
            Verdict::Unknown(reason) => Meeting::Unknown { reason },
            Verdict::Possible => {
                let within = |inner: FormulaId, outer: FormulaId| {
                    if share_user_test {
                        self.within_sharing_user_test(inner, outer)
                    } else {
                        self.facts[inner].platforms_within(&self.facts[outer])
                            && self.rules_admit_everyone(outer, None)
                    }
                };
                // The two examples are merged only when shown: most meetings
                // decided are never reported. Where the rules are apart only
                // once OS type tests are platforms, or but for the user test,
                // the whole procedure finds the example when shown.
                let example = if relation == Relation::Independent {
                    Example::Joined {
                        first,
                        second,
                        // One OS type both platforms admit.
                        os_type: os_type_of_bits(shared),
                    }
                } else {
                    Example::Together { first, second }
                };
                Meeting::Possible {
                    example,
                    first_within_second: within(first, second),
                    second_within_first: within(second, first),
                }
            }
        }
    }

    /// Whether formula `id` admits anyone whose "has a user" test is
    /// `has_user`, decided once for the run.
    fn with_user_test(&self, id: FormulaId, has_user: bool) -> Verdict {
        self.facts[id].with_user_test[usize::from(!has_user)]
            .get_or_init(|| {
                // The decider's formulas past the include formulas: "has a
                // user", then its negation.
                let test = self.formulas.len() + usize::from(!has_user);
                self.decider.meet_verdict(id, test)
            })
            .clone()
    }

    /// Whether everyone formula `inner` admits is in formula `outer`, when the
    /// two share only the user test: for each value of it, `inner` admits no one
    /// with it, or `outer`'s platforms hold `inner`'s and `outer`'s rules with it
    /// admit everyone.
    fn within_sharing_user_test(&self, inner: FormulaId, outer: FormulaId) -> bool {
        [true, false]
            .into_iter()
            .all(|has_user| match self.with_user_test(inner, has_user) {
                Verdict::Disjoint => true,
                Verdict::Possible => {
                    self.facts[inner].platforms_within(&self.facts[outer])
                        && self.rules_admit_everyone(outer, Some(has_user))
                }
                Verdict::Unknown(_) => false,
            })
    }

    /// Whether formula `id`'s rules (without the platform) admit everyone, or
    /// with `user_test`, everyone whose "has a user" test has that value;
    /// decided once for the run.
    fn rules_admit_everyone(&self, id: FormulaId, user_test: Option<bool>) -> bool {
        let slot = match user_test {
            None => 0,
            Some(true) => 1,
            Some(false) => 2,
        };
        *self.facts[id].valid[slot].get_or_init(|| {
            let rules = &self.facts[id].rules;
            // A subject with nothing (else) set is one of everyone: rules it
            // fails (most rules test a value) do not admit everyone, without
            // deciding.
            let mut subject = preflight_parser::rule_language::Attributes::new();
            if user_test == Some(true) {
                subject.insert(
                    has_user_attribute(),
                    AttributeValue::Text("true".to_owned()),
                );
            }
            if rules.holds(&subject) == Some(false) {
                return false;
            }
            let outside = match user_test {
                None => rules.negated(),
                Some(true) => Formula::all(vec![rules.negated(), has_user()]),
                Some(false) => Formula::all(vec![rules.negated(), has_user().negated()]),
            };
            decide(&outside, &Formula::True, DEFAULT_BUDGET) == Decision::Disjoint
        })
    }

    /// Whether formula `id` admits anyone at all, as [`admits_anyone`] says of
    /// it, decided once for the run: `Some(false)` when proved empty.
    pub fn admits_anyone_alone(&self, id: FormulaId) -> Option<bool> {
        match self.decider.alone_verdict(id) {
            Verdict::Disjoint => Some(false),
            Verdict::Possible => Some(true),
            Verdict::Unknown(_) => None,
        }
    }

    /// Whether formula `id` says more than static memberships and platforms.
    pub fn is_informative(&self, id: FormulaId) -> bool {
        self.facts.get(id).is_some_and(|facts| facts.informative)
    }
}

/// Whether two formulas meet, from whether each admits someone on its own when
/// the rest of what they test is apart: not when either is empty, unknown when
/// either is.
fn both(first: Verdict, second: Verdict) -> Verdict {
    match (first, second) {
        (Verdict::Disjoint, _) | (_, Verdict::Disjoint) => Verdict::Disjoint,
        (Verdict::Unknown(reason), _) | (_, Verdict::Unknown(reason)) => Verdict::Unknown(reason),
        (Verdict::Possible, Verdict::Possible) => Verdict::Possible,
    }
}

/// Whether someone is in one of two cases: possible when one is, unknown when
/// neither is and one is unknown.
fn either(first: Verdict, second: Verdict) -> Verdict {
    match (first, second) {
        (Verdict::Possible, _) | (_, Verdict::Possible) => Verdict::Possible,
        (Verdict::Unknown(reason), _) | (_, Verdict::Unknown(reason)) => Verdict::Unknown(reason),
        (Verdict::Disjoint, Verdict::Disjoint) => Verdict::Disjoint,
    }
}

/// How the rules of two formulas relate, for the quick decisions of
/// [`AudienceFormulas::meeting_of`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Relation {
    /// About different attributes, neither about the OS type.
    Independent,
    /// About different attributes once the OS type tests are platforms, but
    /// for the "has a user" test when `share_user_test`.
    Separable {
        /// Whether both test "has a user".
        share_user_test: bool,
    },
    /// Anything else: the whole procedure decides.
    Entangled,
}

/// A policy's platforms as bits, and whether it names any (naming none is every
/// platform, and then the OS type is not bounded by them).
#[derive(Clone, Copy, Debug)]
struct PolicyPlatforms {
    bits: u8,
    named: bool,
}

/// What is known of one include formula, for quick decisions.
#[derive(Debug)]
struct FormulaFacts {
    /// Whether it says more than static memberships and platforms (which
    /// structure already knows): a rule or a filter.
    informative: bool,
    /// The attributes its rules test (target, filter, exclusions; not the
    /// platform), sorted, without duplicates.
    rule_attributes: Vec<Attribute>,
    /// The same attributes as numbers but for "has a user", in the same order
    /// (numbered in the order of all formulas' attributes, so comparing numbers
    /// compares attributes): what [`Self::relation`] compares, pair after pair.
    attribute_numbers: Vec<u32>,
    /// One bit for each of `attribute_numbers` (the number modulo 64): two
    /// formulas whose signatures share no bit share no attribute, without
    /// comparing the numbers.
    attribute_signature: u64,
    /// Whether its rules test "has a user".
    tests_user: bool,
    /// Whether its rules test the OS type themselves.
    tests_os_type: bool,
    /// Whether those tests only narrow the platforms: each is a conjunct of the
    /// rules about the OS type alone, the rest of the rules never test it, the
    /// platforms bound the OS type, and every OS type of each platform passes
    /// the tests or every one fails them. Then `platforms` are narrowed by them
    /// and `rules` and the attributes are without them.
    os_tests_folded: bool,
    /// Whether it admits anyone with a user, and anyone without, decided
    /// once (see [`AudienceFormulas::with_user_test`]).
    with_user_test: [std::sync::OnceLock<Verdict>; 2],
    /// The platforms a device it reaches can run, as bits: the policy's, and
    /// an include-mode filter's (narrowed by OS type tests when folded).
    platforms: u8,
    /// The rules without the platform (and without OS type tests when folded).
    rules: Formula,
    /// Whether the rules admit everyone; everyone with a user; everyone
    /// without one: each decided once (see
    /// [`AudienceFormulas::rules_admit_everyone`]).
    valid: [std::sync::OnceLock<bool>; 3],
}

impl FormulaFacts {
    fn of(parts: &IncludeParts, policy_platforms: PolicyPlatforms) -> Self {
        let mut rules = vec![parts.target.clone()];
        // An include-mode filter is its rule on its platform: the rule goes with
        // the rules, the platform with the policy's.
        let (platforms, os_type_bounded) = match &parts.include_filter {
            Some((rule, platform)) => {
                rules.push(rule.clone());
                (
                    policy_platforms.bits
                        & platform.map_or(ALL_PLATFORMS, |platform| platform_bits(&[platform])),
                    policy_platforms.named || platform.is_some(),
                )
            }
            None => {
                rules.extend(parts.filter.clone());
                (policy_platforms.bits, policy_platforms.named)
            }
        };
        rules.extend(parts.exclusions.iter().cloned());
        let rules = Formula::all(rules);
        let tests_os_type = tests_attribute(&rules, &Attribute::OsType);
        let folded = if tests_os_type && os_type_bounded {
            fold_os_type_tests(&rules, platforms)
        } else {
            None
        };
        let os_tests_folded = folded.is_some();
        let (platforms, rules) = folded.unwrap_or((platforms, rules));
        let mut attributes = Vec::new();
        collect_attributes(&rules, &mut attributes);
        attributes.sort();
        attributes.dedup();
        Self {
            informative: parts.is_informative(),
            tests_os_type,
            os_tests_folded,
            with_user_test: Default::default(),
            rule_attributes: attributes,
            attribute_numbers: Vec::new(),
            attribute_signature: 0,
            tests_user: false,
            platforms,
            rules,
            valid: Default::default(),
        }
    }

    /// How the two formulas' rules relate (see [`Relation`]).
    fn relation(&self, other: &FormulaFacts) -> Relation {
        let os_type_apart = |facts: &FormulaFacts| !facts.tests_os_type || facts.os_tests_folded;
        if !(os_type_apart(self) && os_type_apart(other)) {
            return Relation::Entangled;
        }
        if self.attribute_signature & other.attribute_signature != 0 {
            let (mut left, mut right) = (0, 0);
            while let (Some(first), Some(second)) = (
                self.attribute_numbers.get(left),
                other.attribute_numbers.get(right),
            ) {
                match first.cmp(second) {
                    std::cmp::Ordering::Equal => return Relation::Entangled,
                    std::cmp::Ordering::Less => left += 1,
                    std::cmp::Ordering::Greater => right += 1,
                }
            }
        }
        let share_user_test = self.tests_user && other.tests_user;
        if share_user_test || self.tests_os_type || other.tests_os_type {
            Relation::Separable { share_user_test }
        } else {
            Relation::Independent
        }
    }

    /// Whether the platforms of this formula's devices are all among `other`'s.
    fn platforms_within(&self, other: &FormulaFacts) -> bool {
        self.platforms & !other.platforms == 0
    }
}

/// The platforms, in the order of their bits.
const PLATFORMS_BY_BIT: [Platform; 5] = [
    Platform::Windows,
    Platform::MacOs,
    Platform::Ios,
    Platform::Android,
    Platform::Linux,
];

/// `rules` with its OS type tests folded into `platforms`, when they only
/// narrow them (see [`FormulaFacts::os_tests_folded`]): the narrowed platforms
/// and the other conjuncts. `platforms` must bound the OS type (the formula's
/// OS type is one of their OS types). The tests that every OS type of the
/// platforms passes, or every one fails (an exclude-mode filter's platform, on
/// a policy of that platform), are decided first.
fn fold_os_type_tests(rules: &Formula, platforms: u8) -> Option<(u8, Formula)> {
    let bounding_os_types: Vec<&str> = PLATFORMS_BY_BIT
        .into_iter()
        .enumerate()
        .filter(|(index, _)| platforms & (1 << index) != 0)
        .flat_map(|(_, platform)| os_types(platform).iter().copied())
        .collect();
    let rules = on_os_types(rules, &bounding_os_types);
    let conjuncts = match &rules {
        Formula::And(parts) => parts.as_slice(),
        other => std::slice::from_ref(other),
    };
    let (os_type_tests, rest): (Vec<&Formula>, Vec<&Formula>) = conjuncts
        .iter()
        .partition(|conjunct| tests_only_os_type(conjunct));
    if rest
        .iter()
        .any(|conjunct| tests_attribute(conjunct, &Attribute::OsType))
    {
        return None;
    }
    let mut narrowed = 0;
    for (index, platform) in PLATFORMS_BY_BIT.into_iter().enumerate() {
        let bit = 1 << index;
        if platforms & bit == 0 {
            continue;
        }
        let passes: Vec<Option<bool>> = os_types(platform)
            .iter()
            .map(|os_type| {
                let attributes = os_type_attributes(os_type);
                preflight_parser::rule_language::all_hold(
                    os_type_tests.iter().map(|test| test.holds(&attributes)),
                )
            })
            .collect();
        if passes.iter().all(|pass| *pass == Some(true)) {
            narrowed |= bit;
        } else if !passes.iter().all(|pass| *pass == Some(false)) {
            return None;
        }
    }
    Some((narrowed, Formula::all(rest.into_iter().cloned().collect())))
}

/// `formula` on devices whose OS type is one of `os_types`: each test of the OS
/// type that every one of them passes is true, each that every one fails is
/// false, and the rest is as it was.
fn on_os_types(formula: &Formula, os_types: &[&str]) -> Formula {
    match formula {
        Formula::Literal(literal) if literal.attribute == Attribute::OsType => {
            let passes: Vec<Option<bool>> = os_types
                .iter()
                .map(|os_type| formula.holds(&os_type_attributes(os_type)))
                .collect();
            if passes.iter().all(|pass| *pass == Some(true)) {
                Formula::True
            } else if passes.iter().all(|pass| *pass == Some(false)) {
                Formula::False
            } else {
                formula.clone()
            }
        }
        Formula::True | Formula::False | Formula::Literal(_) => formula.clone(),
        Formula::And(parts) => Formula::all(
            parts
                .iter()
                .map(|part| on_os_types(part, os_types))
                .collect(),
        ),
        Formula::Or(parts) => {
            let parts: Vec<Formula> = parts
                .iter()
                .map(|part| on_os_types(part, os_types))
                .collect();
            if parts.contains(&Formula::True) {
                Formula::True
            } else {
                any_of(parts)
            }
        }
    }
}

/// A device whose OS type is `os_type`, and nothing else known.
fn os_type_attributes(os_type: &str) -> preflight_parser::rule_language::Attributes {
    preflight_parser::rule_language::Attributes::from([(
        Attribute::OsType,
        AttributeValue::Text(os_type.to_owned()),
    )])
}

/// Whether `formula` tests the OS type and nothing else.
fn tests_only_os_type(formula: &Formula) -> bool {
    match formula {
        Formula::True | Formula::False => false,
        Formula::Literal(literal) => literal.attribute == Attribute::OsType,
        Formula::And(parts) | Formula::Or(parts) => parts.iter().all(tests_only_os_type),
    }
}

/// Whether `formula` tests `attribute` somewhere.
fn tests_attribute(formula: &Formula, attribute: &Attribute) -> bool {
    match formula {
        Formula::True | Formula::False => false,
        Formula::Literal(literal) => literal.attribute == *attribute,
        Formula::And(parts) | Formula::Or(parts) => {
            parts.iter().any(|part| tests_attribute(part, attribute))
        }
    }
}

/// Numbers every formula's rule attributes but "has a user" by their place
/// among all formulas' attributes, sorted (so each formula's numbers are sorted
/// as its attributes), with their signatures; notes which formulas test "has a
/// user".
fn number_attributes(facts: &mut [FormulaFacts]) {
    let has_user = has_user_attribute();
    let mut all: Vec<Attribute> = facts
        .iter()
        .flat_map(|formula| formula.rule_attributes.iter().cloned())
        .collect();
    all.sort();
    all.dedup();
    for formula in facts {
        formula.tests_user = formula.rule_attributes.contains(&has_user);
        formula.attribute_numbers = formula
            .rule_attributes
            .iter()
            .filter(|attribute| **attribute != has_user)
            .filter_map(|attribute| all.binary_search(attribute).ok())
            .map(|number| u32::try_from(number).unwrap_or(u32::MAX))
            .collect();
        formula.attribute_signature = formula
            .attribute_numbers
            .iter()
            .fold(0, |signature, number| signature | 1 << (number % 64));
    }
}

fn collect_attributes(formula: &Formula, attributes: &mut Vec<Attribute>) {
    match formula {
        Formula::True | Formula::False => {}
        Formula::Literal(literal) => attributes.push(literal.attribute.clone()),
        Formula::And(parts) | Formula::Or(parts) => {
            for part in parts {
                collect_attributes(part, attributes);
            }
        }
    }
}

/// Every platform, as bits.
const ALL_PLATFORMS: u8 = 0b1_1111;

/// Platforms as bits, in the order of [`os_type_of_bits`]; naming none is every
/// platform.
fn platform_bits(platforms: &[Platform]) -> u8 {
    if platforms.is_empty() {
        return ALL_PLATFORMS;
    }
    platforms.iter().fold(0, |bits, platform| {
        bits | match platform {
            Platform::Windows => 1,
            Platform::MacOs => 2,
            Platform::Ios => 4,
            Platform::Android => 8,
            Platform::Linux => 16,
        }
    })
}

/// The first OS type of the first platform among `bits`.
fn os_type_of_bits(bits: u8) -> Option<&'static str> {
    PLATFORMS_BY_BIT
        .into_iter()
        .enumerate()
        .find(|(index, _)| bits & (1 << index) != 0)
        .and_then(|(_, platform)| os_types(platform).first().copied())
}

/// Whether a formula tests anything besides static group membership (which
/// the structural analysis already compares, nesting included).
fn tests_attributes(formula: &Formula) -> bool {
    match formula {
        Formula::True | Formula::False => false,
        Formula::Literal(literal) => {
            member_of_id(&literal.attribute).is_none() && literal.attribute != has_user_attribute()
        }
        Formula::And(parts) | Formula::Or(parts) => parts.iter().any(tests_attributes),
    }
}

/// Builds the formula of each group.
struct GroupFormulas<'build> {
    tenant: &'build Tenant,
    rules: &'build InventoryRules,
    on_cycle: &'build BTreeSet<usize>,
}

impl GroupFormulas<'_> {
    /// Who is in group `group`: its rule, or membership of it or of a group nested
    /// in it, as devices and as users. `path` holds the groups being expanded,
    /// against runaway nesting.
    fn of_group(&self, group: usize, path: &mut Vec<usize>) -> GroupParts {
        let definition = &self.tenant.groups[group];
        if self.on_cycle.contains(&group) || path.contains(&group) {
            return GroupParts::opaque(format!("`{}` is on a nesting cycle", definition.name));
        }
        match &definition.membership {
            GroupMembership::Dynamic { .. } => match self.rules.group_rule(group) {
                // A user rule holds on a device through its user: there is one.
                Some(rule) if rule.subject == Subject::User => GroupParts {
                    devices: Formula::False,
                    users: Formula::all(vec![Formula::of_rule(rule), has_user()]),
                },
                Some(rule) => GroupParts {
                    devices: Formula::of_rule(rule),
                    users: Formula::False,
                },
                None => {
                    GroupParts::opaque(format!("the rule of `{}` does not parse", definition.name))
                }
            },
            GroupMembership::Static => {
                path.push(group);
                let kind = definition.member_kind();
                let mut devices = Vec::new();
                let mut users = Vec::new();
                if kind != Some(preflight_normalizer::MemberKind::Users) {
                    devices.push(member_of_group(&definition.id, Subject::Device));
                }
                if kind != Some(preflight_normalizer::MemberKind::Devices) {
                    users.push(Formula::all(vec![
                        member_of_group(&definition.id, Subject::User),
                        has_user(),
                    ]));
                }
                for member in definition.members.iter().flatten() {
                    if member.kind != MemberObjectKind::Group {
                        continue;
                    }
                    let nested = match self.tenant.group_index(&GroupId(member.id.clone())) {
                        Some(nested) => self.of_group(nested, path),
                        None => GroupParts::opaque(format!(
                            "`{}` nests a group defined nowhere",
                            definition.name
                        )),
                    };
                    devices.push(nested.devices);
                    users.push(nested.users);
                }
                path.pop();
                GroupParts {
                    devices: any_of(devices),
                    users: any_of(users),
                }
            }
        }
    }
}

/// One of `parts` (nothing when there are none).
fn any_of(parts: Vec<Formula>) -> Formula {
    let mut parts: Vec<Formula> = parts
        .into_iter()
        .filter(|part| *part != Formula::False)
        .collect();
    match parts.len() {
        0 => Formula::False,
        1 => parts.swap_remove(0),
        _ => Formula::Or(parts),
    }
}

/// Who a target holds: everyone for All devices and All users, the group's
/// formula for a group, an opaque test for a group defined nowhere.
fn target_formula(
    tenant: &Tenant,
    group_formulas: &[GroupParts],
    target: &AssignmentTarget,
) -> Formula {
    match target {
        AssignmentTarget::AllDevices => Formula::True,
        // All users reaches the devices someone uses, not a device nobody signs
        // in on (a kiosk).
        AssignmentTarget::AllUsers => has_user(),
        AssignmentTarget::IncludeGroup(id) | AssignmentTarget::ExcludeGroup(id) => {
            match tenant.group_index(id) {
                Some(group) => group_formulas[group].whole(),
                None => opaque(format!("`{}` is defined nowhere", id.0)),
            }
        }
    }
}

/// Who an exclusion removes from an include holding `kind`: the members of
/// that kind (both kinds when it is not known).
fn excluded_formula(
    tenant: &Tenant,
    group_formulas: &[GroupParts],
    exclusion: &AssignmentTarget,
    kind: Option<preflight_normalizer::MemberKind>,
) -> Formula {
    match exclusion {
        AssignmentTarget::IncludeGroup(id) | AssignmentTarget::ExcludeGroup(id) => {
            match tenant.group_index(id) {
                Some(group) => group_formulas[group].excluded_from(kind),
                None => opaque(format!("`{}` is defined nowhere", id.0)),
            }
        }
        other => target_formula(tenant, group_formulas, other),
    }
}

/// The devices of the policy's platforms (everyone when it names none).
pub fn platform_formula(policy: &Policy) -> Formula {
    let os_types: Vec<&str> = policy
        .platforms
        .iter()
        .flat_map(|platform| os_types(*platform).iter().copied())
        .collect();
    Formula::os_type_in(&os_types)
}

/// The devices an assignment filter lets through: those of its platform its rule
/// matches (include mode), or all others (exclude mode).
pub fn filter_formula(
    tenant: &Tenant,
    rules: &InventoryRules,
    filter_use: &AssignmentFilterUse,
) -> Formula {
    let filter = match tenant.filter_index(&filter_use.filter) {
        Some(index) => match rules.filter_rule(index) {
            Some(rule) => {
                let on_platform = tenant.filters[index]
                    .platform
                    .map_or(Formula::True, |platform| {
                        Formula::os_type_in(os_types(platform))
                    });
                Formula::all(vec![Formula::of_rule(rule), on_platform])
            }
            None => opaque(format!(
                "the rule of filter `{}` does not parse",
                tenant.filters[index].name
            )),
        },
        None => opaque(format!(
            "filter `{}` is defined nowhere",
            filter_use.filter.0
        )),
    };
    match filter_use.mode {
        FilterMode::Include => filter,
        FilterMode::Exclude => filter.negated(),
    }
}

/// The parts of one include assignment's formula.
#[derive(Clone, Debug)]
pub struct IncludeParts {
    /// Who the target holds.
    pub target: Formula,
    /// The policy's platforms.
    pub platform: Formula,
    /// The filter, when the assignment has one.
    pub filter: Option<Formula>,
    /// The negations of the exclusions Intune honours for this target.
    pub exclusions: Vec<Formula>,
    /// For a filter in include mode that parses: its rule alone, and the
    /// filter's platform (the two parts of `filter`).
    pub include_filter: Option<(Formula, Option<Platform>)>,
}

impl IncludeParts {
    /// Whether the include says more than structure knows: a rule on its target
    /// or an exclusion, or a filter. (The policy's platforms structure compares
    /// itself.)
    pub fn is_informative(&self) -> bool {
        self.filter.is_some()
            || tests_attributes(&self.target)
            || self.exclusions.iter().any(tests_attributes)
    }

    /// All parts together: who the assignment reaches.
    pub fn whole(&self) -> Formula {
        let mut parts = vec![self.target.clone(), self.platform.clone()];
        parts.extend(self.filter.clone());
        parts.extend(self.exclusions.iter().cloned());
        Formula::all(parts)
    }
}

/// The parts of each include assignment of `policy`, in the order of its
/// non-exclusion assignments.
fn include_parts(
    tenant: &Tenant,
    rules: &InventoryRules,
    group_formulas: &[GroupParts],
    policy: &Policy,
) -> Vec<IncludeParts> {
    let assignments = policy.assignments.as_deref().unwrap_or_default();
    let platform = platform_formula(policy);
    assignments
        .iter()
        .filter(|assignment| !matches!(assignment.target, AssignmentTarget::ExcludeGroup(_)))
        .map(|include| {
            let included_kind = member_kind(tenant, &include.target);
            IncludeParts {
                target: target_formula(tenant, group_formulas, &include.target),
                platform: platform.clone(),
                filter: include
                    .filter
                    .as_ref()
                    .map(|filter_use| filter_formula(tenant, rules, filter_use)),
                include_filter: include.filter.as_ref().and_then(|filter_use| {
                    let index = tenant.filter_index(&filter_use.filter)?;
                    let rule = rules.filter_rule(index)?;
                    (filter_use.mode == FilterMode::Include)
                        .then(|| (Formula::of_rule(rule), tenant.filters[index].platform))
                }),
                exclusions: assignments
                    .iter()
                    .filter(|exclusion| {
                        matches!(exclusion.target, AssignmentTarget::ExcludeGroup(_))
                            && exclusion_is_honoured(
                                included_kind,
                                member_kind(tenant, &exclusion.target),
                            )
                    })
                    .map(|exclusion| {
                        excluded_formula(tenant, group_formulas, &exclusion.target, included_kind)
                            .negated()
                    })
                    .collect(),
            }
        })
        .collect()
}

/// What the rules say about two include assignments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Meeting {
    /// No device or user can be reached by both.
    Disjoint,
    /// Some device or user can be reached by both.
    Possible {
        /// An example subject in both (found again when shown).
        example: Example,
        /// Whether everyone the first reaches is also reached by the second.
        first_within_second: bool,
        /// Whether everyone the second reaches is also reached by the first.
        second_within_first: bool,
    },
    /// The rules could not be decided.
    Unknown {
        /// Why.
        reason: String,
    },
}

impl Meeting {
    /// The same meeting seen from the other side.
    pub fn swapped(self) -> Self {
        match self {
            Meeting::Possible {
                example,
                first_within_second,
                second_within_first,
            } => Meeting::Possible {
                example,
                first_within_second: second_within_first,
                second_within_first: first_within_second,
            },
            other => other,
        }
    }
}

/// Whether two formulas can meet, and whether one contains the other, with
/// the example written out (for one-off questions; a run decides its formulas
/// in [`AudienceFormulas`]).
pub fn meeting(first: &Formula, second: &Formula) -> Meeting {
    let decider = Decider::new(vec![first.clone(), second.clone()], DEFAULT_BUDGET);
    match decider.meet_example(0, 1) {
        Solution::Disjoint => Meeting::Disjoint,
        Solution::Unknown(reason) => Meeting::Unknown { reason },
        Solution::Possible(attributes, tested) => Meeting::Possible {
            example: Example::Built(Arc::new((attributes, tested))),
            first_within_second: decider.within(0, 1),
            second_within_first: decider.within(1, 0),
        },
    }
}

/// [`meeting`] of the decider's formulas `first` and `second`, the example
/// left to be found again when shown.
fn meeting_by(decider: &Decider, first: usize, second: usize) -> Meeting {
    match decider.meet_verdict(first, second) {
        Verdict::Disjoint => Meeting::Disjoint,
        Verdict::Unknown(reason) => Meeting::Unknown { reason },
        Verdict::Possible => Meeting::Possible {
            example: Example::Together { first, second },
            first_within_second: decider.within(first, second),
            second_within_first: decider.within(second, first),
        },
    }
}

/// Whether a formula admits anyone at all: `Some(false)` when proved empty.
pub fn admits_anyone(formula: &Formula) -> Option<bool> {
    match decide(formula, &Formula::True, DEFAULT_BUDGET) {
        Decision::Disjoint => Some(false),
        Decision::Possible { .. } => Some(true),
        Decision::Unknown { .. } => None,
    }
}

/// An example subject two formulas both admit, as found: written out as
/// attributes only when shown ([`AudienceFormulas::example_parts`]), since most
/// meetings decided are never reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Example {
    /// Formulas `first` and `second` decided together: the procedure finds the
    /// same example again.
    Together {
        /// The first formula.
        first: FormulaId,
        /// The second formula.
        second: FormulaId,
    },
    /// Of two formulas whose rules test different attributes, each admitting
    /// someone alone: each formula's own example, the second's values joined to
    /// the first's, with an OS type both platforms admit.
    Joined {
        /// The first formula.
        first: FormulaId,
        /// The second formula.
        second: FormulaId,
        /// The OS type both formulas' platforms admit, when one does.
        os_type: Option<&'static str>,
    },
    /// Written out already (by [`meeting`]): the example's attribute values
    /// and the attributes the rules test, sorted.
    Built(Arc<(preflight_parser::rule_language::Attributes, Vec<Attribute>)>),
}

impl AudienceFormulas {
    /// The example's attribute values and the attributes the rules test, sorted.
    pub fn example_parts(
        &self,
        example: &Example,
    ) -> (preflight_parser::rule_language::Attributes, Vec<Attribute>) {
        let no_example = (Default::default(), Vec::new());
        match example {
            Example::Built(parts) => parts.as_ref().clone(),
            Example::Together { first, second } => {
                match self.decider.meet_example(*first, *second) {
                    Solution::Possible(attributes, tested) => (attributes, tested),
                    _ => no_example,
                }
            }
            Example::Joined {
                first,
                second,
                os_type,
            } => {
                let (
                    Solution::Possible(first_example, first_tested),
                    Solution::Possible(second_example, second_tested),
                ) = (self.decider.alone(*first), self.decider.alone(*second))
                else {
                    return no_example;
                };
                let mut example = first_example;
                for (attribute, value) in second_example {
                    if attribute != Attribute::OsType {
                        example.insert(attribute, value);
                    }
                }
                if let Some(os_type) = os_type {
                    example.insert(
                        Attribute::OsType,
                        AttributeValue::Text((*os_type).to_owned()),
                    );
                }
                let mut tested = first_tested;
                tested.extend(second_tested);
                tested.sort();
                tested.dedup();
                (example, tested)
            }
        }
    }

    /// The example in words: attribute name → value, with static group
    /// memberships gathered under `member of` and named by group display name.
    pub fn witness(&self, example: &Example, tenant: &Tenant) -> Witness {
        let (attributes, all_tested) = self.example_parts(example);
        let has_user = has_user_attribute();
        let tested: Vec<&Attribute> = all_tested
            .iter()
            .filter(|attribute| member_of_id(attribute).is_none() && **attribute != has_user)
            .collect();
        let mut witness = crate::audience_logic::witness_of(&attributes, &tested);
        if all_tested.contains(&has_user) {
            let signed_in = matches!(
                attributes.get(&has_user),
                Some(AttributeValue::Text(text)) if text == "true"
            );
            witness.insert(
                "user".to_owned(),
                if signed_in { "signed in" } else { "none" }.to_owned(),
            );
        }
        let names: Vec<&str> = attributes
            .iter()
            .filter(|(_, value)| matches!(value, AttributeValue::Text(text) if text == "true"))
            .filter_map(|(attribute, _)| member_of_id(attribute))
            .map(|id| {
                tenant
                    .groups
                    .binary_search_by(|group| group.id.0.as_str().cmp(id))
                    .map_or(id, |index| tenant.groups[index].name.as_str())
            })
            .collect();
        if !names.is_empty() {
            witness.insert(
                crate::audience_logic::MEMBER_OF.to_owned(),
                names.join(", "),
            );
        }
        Arc::new(witness)
    }
}

#[cfg(test)]
mod tests {
    use preflight_normalizer::{
        Assignment, AssignmentFilterUse, Filter, FilterId, Group, GroupMember, GroupOrigin,
        Platform, PolicyFamily,
    };
    use preflight_parser::{FileId, SourceLocation, Span};

    use super::*;

    fn location() -> SourceLocation {
        SourceLocation {
            file: FileId(0),
            span: Span::default(),
        }
    }

    fn group(name: &str, rule: Option<&str>, nested: &[&str]) -> Group {
        Group {
            id: GroupId(name.to_owned()),
            name: name.to_owned(),
            membership: rule.map_or(GroupMembership::Static, |rule| GroupMembership::Dynamic {
                rule: rule.to_owned(),
                rule_source: location(),
            }),
            members: (!nested.is_empty()).then(|| {
                nested
                    .iter()
                    .map(|id| GroupMember {
                        kind: MemberObjectKind::Group,
                        id: (*id).to_owned(),
                        name: None,
                    })
                    .collect()
            }),
            transitive_members: None,
            origin: GroupOrigin::Directory,
            source: location(),
        }
    }

    fn policy(assignments: Vec<Assignment>) -> Policy {
        Policy {
            id: None,
            name: "p".into(),
            family: PolicyFamily::SettingsCatalog,
            platforms: vec![Platform::Windows],
            settings: Vec::new(),
            assignments: Some(assignments),
            source: location(),
        }
    }

    fn include(name: &str, filter: Option<(&str, FilterMode)>) -> Assignment {
        Assignment {
            target: AssignmentTarget::IncludeGroup(GroupId(name.to_owned())),
            filter: filter.map(|(filter, mode)| AssignmentFilterUse {
                filter: FilterId(filter.to_owned()),
                mode,
            }),
            source: location(),
        }
    }

    fn exclude(name: &str) -> Assignment {
        Assignment {
            target: AssignmentTarget::ExcludeGroup(GroupId(name.to_owned())),
            filter: None,
            source: location(),
        }
    }

    fn tenant(policies: Vec<Policy>) -> Tenant {
        let mut groups = vec![
            group(
                "Windows 10",
                Some(
                    r#"(device.deviceOSType -eq "Windows") and (device.deviceOSVersion -startsWith "10.0.1")"#,
                ),
                &[],
            ),
            group(
                "Windows 11",
                Some(
                    r#"(device.deviceOSType -eq "Windows") and (device.deviceOSVersion -startsWith "10.0.2")"#,
                ),
                &[],
            ),
            group(
                "Windows",
                Some(r#"(device.deviceOSType -eq "Windows")"#),
                &[],
            ),
            group("Finance", Some(r#"(user.department -eq "Finance")"#), &[]),
            group("Ring 1", None, &[]),
            group("Ring 2", None, &[]),
            group("Rings", None, &["Ring 1", "Windows 10"]),
            group("Broken", Some("(device.deviceOSType -eq"), &[]),
            // Every user: excluding it (in a group of unknown kind, whose
            // exclusion Intune honours for every target) leaves devices without one.
            group(
                "Anyone",
                Some(r#"(user.department -eq "Finance") or (user.department -ne "Finance")"#),
                &[],
            ),
            group("Anyone inside", None, &["Anyone"]),
        ];
        groups.sort_by(|left, right| left.id.cmp(&right.id));
        Tenant {
            groups,
            filters: vec![Filter {
                id: FilterId("Dell".to_owned()),
                name: "Dell".to_owned(),
                platform: Some(Platform::Windows),
                rule: r#"(device.manufacturer -eq "Dell Inc.")"#.to_owned(),
                rule_source: location(),
                source: location(),
            }],
            policies,
            ..Tenant::default()
        }
    }

    /// The meeting of the first include of two policies.
    fn meet(first: Vec<Assignment>, second: Vec<Assignment>) -> Meeting {
        let tenant = tenant(vec![policy(first), policy(second)]);
        let rules = InventoryRules::build(&tenant);
        let graph = TargetGraph::build(&tenant, &rules);
        let formulas = AudienceFormulas::build(&tenant, &rules, &graph);
        let (first, second) = (formulas.includes_of(0)[0], formulas.includes_of(1)[0]);
        meeting(formulas.formula(first), formulas.formula(second))
    }

    fn answer(meeting: &Meeting) -> &'static str {
        match meeting {
            Meeting::Disjoint => "disjoint",
            Meeting::Possible {
                first_within_second: true,
                ..
            } => "first within second",
            Meeting::Possible {
                second_within_first: true,
                ..
            } => "second within first",
            Meeting::Possible { .. } => "possible",
            Meeting::Unknown { .. } => "unknown",
        }
    }

    #[test]
    fn rules_decide_what_structure_leaves_open() {
        let cases = [
            (
                "two Windows builds",
                vec![include("Windows 10", None)],
                vec![include("Windows 11", None)],
                "disjoint",
            ),
            (
                "a build within its OS",
                vec![include("Windows 11", None)],
                vec![include("Windows", None)],
                "first within second",
            ),
            (
                "a user rule and a device rule meet on one subject",
                vec![include("Finance", None)],
                vec![include("Windows 10", None)],
                "possible",
            ),
            (
                "a nested group is within its parent",
                vec![include("Rings", None)],
                vec![include("Ring 1", None)],
                "second within first",
            ),
            (
                "the parent excluded from a device target removes a nested device group",
                vec![include("Windows 10", None)],
                vec![include("Windows", None), exclude("Rings")],
                "disjoint",
            ),
            (
                "but not the users of a nested group of unknown kind",
                vec![include("Ring 1", None)],
                vec![include("Windows", None), exclude("Rings")],
                "possible",
            ),
            (
                "an include filter and an exclude filter of the same rule",
                vec![include("Windows", Some(("Dell", FilterMode::Include)))],
                vec![include("Windows", Some(("Dell", FilterMode::Exclude)))],
                "disjoint",
            ),
            (
                "a rule that does not parse decides nothing",
                vec![include("Broken", None)],
                vec![include("Windows", None)],
                "unknown",
            ),
            (
                "a group defined nowhere decides nothing",
                vec![include("Nowhere", None)],
                vec![include("Windows", None)],
                "unknown",
            ),
        ];
        for (name, first, second, expected) in cases {
            assert_eq!(answer(&meet(first, second)), expected, "{name}");
        }
    }

    #[test]
    fn the_quick_path_for_independent_rules_agrees_with_the_whole_procedure() {
        // Every include of every policy below against every other: the remembered
        // answer (quick where the rules are independent) against the whole
        // procedure on the two formulas.
        let targets = [
            include("Windows 10", None),
            include("Windows 11", Some(("Dell", FilterMode::Include))),
            include("Windows", Some(("Dell", FilterMode::Exclude))),
            include("Finance", None),
            include("Ring 1", None),
            include("Rings", Some(("Dell", FilterMode::Include))),
            include("Broken", None),
        ];
        let mut policies: Vec<Policy> = targets
            .iter()
            .map(|target| policy(vec![target.clone()]))
            .collect();
        policies.push(policy(vec![include("Windows", None), exclude("Ring 1")]));
        // Devices without a user only (a group of unknown kind without everyone
        // inside), against a group whose devices may have none: the two share
        // only the user test, and meet only without a user.
        let without_user = policies.len();
        policies.push(policy(vec![
            include("Ring 1", None),
            exclude("Anyone inside"),
        ]));
        let other_ring = policies.len();
        policies.push(policy(vec![include("Ring 2", None)]));
        // Every user rule within All users (given a user, All users admits
        // everyone), but not a group whose devices may have no user.
        policies.push(policy(vec![Assignment {
            target: AssignmentTarget::AllUsers,
            filter: None,
            source: location(),
        }]));
        policies.push(policy(vec![Assignment {
            target: AssignmentTarget::AllDevices,
            filter: None,
            source: location(),
        }]));
        let tenant = tenant(policies);
        let rules = InventoryRules::build(&tenant);
        let graph = TargetGraph::build(&tenant, &rules);
        let formulas = AudienceFormulas::build(&tenant, &rules, &graph);
        let ids: Vec<FormulaId> = (0..tenant.policies.len())
            .map(|policy| formulas.includes_of(policy)[0])
            .collect();
        for &first in &ids {
            for &second in &ids {
                let quick = formulas.meeting_of(first, second);
                let whole = meeting(formulas.formula(first), formulas.formula(second));
                assert_eq!(
                    answer(&quick),
                    answer(&whole),
                    "{:?} and {:?}",
                    formulas.formula(first),
                    formulas.formula(second)
                );
                if let Meeting::Possible { example, .. } = &quick {
                    assert!(!formulas.witness(example, &tenant).is_empty());
                }
            }
        }
        assert_eq!(
            answer(&formulas.meeting_of(ids[without_user], ids[other_ring])),
            "possible"
        );
    }

    #[test]
    fn witnesses_name_groups_and_attributes() {
        let tenant = tenant(vec![
            policy(vec![include("Ring 1", None)]),
            policy(vec![include("Windows 11", None)]),
        ]);
        let rules = InventoryRules::build(&tenant);
        let graph = TargetGraph::build(&tenant, &rules);
        let formulas = AudienceFormulas::build(&tenant, &rules, &graph);
        let Meeting::Possible { example, .. } =
            formulas.meeting_of(formulas.includes_of(0)[0], formulas.includes_of(1)[0])
        else {
            panic!("possible");
        };
        let witness = formulas.witness(&example, &tenant);
        assert_eq!(witness.get("member of").map(String::as_str), Some("Ring 1"));
        assert_eq!(
            witness.get("deviceOSType").map(String::as_str),
            Some("windows")
        );
        assert!(
            witness
                .get("osVersion")
                .is_some_and(|version| version.starts_with("10.0.2"))
        );
    }

    #[test]
    fn an_empty_audience_is_proved_empty() {
        let tenant = tenant(vec![policy(vec![include(
            "Windows 10",
            Some(("Dell", FilterMode::Include)),
        )])]);
        let rules = InventoryRules::build(&tenant);
        let graph = TargetGraph::build(&tenant, &rules);
        let formulas = AudienceFormulas::build(&tenant, &rules, &graph);
        let formula = formulas.formula(formulas.includes_of(0)[0]);
        assert_eq!(admits_anyone(formula), Some(true));
        let impossible = Formula::all(vec![formula.clone(), formula.negated()]);
        assert_eq!(admits_anyone(&impossible), Some(false));
    }
}
