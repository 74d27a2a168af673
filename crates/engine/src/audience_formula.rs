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
//! The subject of a formula is a device together with its user (the primary
//! user, as in inventory mode: see [`crate::audience`]): `device.` and `user.`
//! attributes are independent, so a user group's rule and a device filter
//! constrain different parts of one subject, and two user rules that exclude
//! each other (`department -eq "IT"`, `department -eq "Finance"`) never meet on
//! one device. Devices shared by several signed-in users are outside this model. Anything the formulas
//! cannot express (a rule that does not parse, a group or filter defined nowhere,
//! a group on a nesting cycle) is an opaque test, which the procedure never
//! decides, so an answer is only ever given where it is sound.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use preflight_normalizer::{
    AssignmentFilterUse, AssignmentTarget, FilterMode, GroupId, GroupMembership, MemberObjectKind,
    Policy, Tenant,
};
use preflight_parser::rule_language::{Attribute, AttributeValue, Operand, Operator, Subject};
use rayon::prelude::*;

use crate::audience_logic::{DEFAULT_BUDGET, Decider, Decision, Formula, Literal, Test, decide};
use crate::inventory_rules::{InventoryRules, os_types};
use crate::overlap::{exclusion_is_honoured, member_kind};
use crate::target_graph::TargetGraph;

/// An example device (and user) as attribute name → value, shared by every
/// finding it explains.
pub type Witness = Arc<BTreeMap<String, String>>;

/// The index of a distinct include formula.
pub type FormulaId = usize;

/// The attribute that stands for static group membership: the groups (by id) the
/// subject is a direct member of. A space keeps it apart from every property a
/// rule can name.
fn member_of() -> Attribute {
    Attribute::Named(Subject::Device, "member of".to_owned())
}

/// The formula "a direct member of group `id`".
fn member_of_group(id: &GroupId) -> Formula {
    Formula::Literal(Literal {
        attribute: member_of(),
        test: Test::AnyElement(Operator::Equals, Operand::Text(id.0.clone())),
        positive: true,
    })
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
/// and the meetings of pairs of them decided so far.
#[derive(Debug)]
pub struct AudienceFormulas {
    /// The distinct formulas, by id.
    formulas: Vec<Formula>,
    /// For each policy, the formula of each include assignment, in the order of
    /// the policy's non-exclusion assignments.
    includes: Vec<Vec<FormulaId>>,
    /// Each group's formula, by group index.
    group_formulas: Vec<Formula>,
    /// Whether each formula says more than static memberships and platforms
    /// (which structure already knows): a rule or a filter, by formula id.
    informative: Vec<bool>,
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
        let group_formulas: Vec<Formula> = (0..tenant.groups.len())
            .into_par_iter()
            .map(|group| builder.of_group(group, &mut Vec::new()))
            .collect();
        let per_policy: Vec<Vec<(String, Formula, bool)>> = tenant
            .policies
            .par_iter()
            .map(|policy| {
                include_parts(tenant, rules, &group_formulas, policy)
                    .iter()
                    .map(|parts| {
                        let whole = parts.whole();
                        (format!("{whole:?}"), whole, parts.is_informative())
                    })
                    .collect()
            })
            .collect();
        let mut formulas = Vec::new();
        let mut informative = Vec::new();
        let mut by_text: BTreeMap<String, FormulaId> = BTreeMap::new();
        let includes = per_policy
            .into_iter()
            .map(|policy_formulas| {
                policy_formulas
                    .into_iter()
                    .map(|(text, formula, says_more)| {
                        *by_text.entry(text).or_insert_with(|| {
                            formulas.push(formula);
                            informative.push(says_more);
                            formulas.len() - 1
                        })
                    })
                    .collect()
            })
            .collect();
        let decider = Decider::new(formulas.clone(), DEFAULT_BUDGET);
        Self {
            formulas,
            includes,
            group_formulas,
            informative,
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
    pub fn group_formula(&self, group: usize) -> Option<&Formula> {
        self.group_formulas.get(group)
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
    pub fn meeting_of(&self, tenant: &Tenant, first: FormulaId, second: FormulaId) -> Meeting {
        meeting_by(tenant, &self.decider, first, second)
    }

    /// Whether formula `id` says more than static memberships and platforms.
    pub fn is_informative(&self, id: FormulaId) -> bool {
        self.informative.get(id).copied().unwrap_or(false)
    }
}

/// Whether a formula tests anything besides static group membership (which
/// the structural analysis already compares, nesting included).
fn tests_attributes(formula: &Formula) -> bool {
    match formula {
        Formula::True | Formula::False => false,
        Formula::Literal(literal) => literal.attribute != member_of(),
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
    /// in it. `path` holds the groups being expanded, against runaway nesting.
    fn of_group(&self, group: usize, path: &mut Vec<usize>) -> Formula {
        let definition = &self.tenant.groups[group];
        if self.on_cycle.contains(&group) || path.contains(&group) {
            return opaque(format!("`{}` is on a nesting cycle", definition.name));
        }
        match &definition.membership {
            GroupMembership::Dynamic { .. } => match self.rules.group_rule(group) {
                Some(rule) => Formula::of_rule(rule),
                None => opaque(format!("the rule of `{}` does not parse", definition.name)),
            },
            GroupMembership::Static => {
                path.push(group);
                let mut alternatives = vec![member_of_group(&definition.id)];
                for member in definition.members.iter().flatten() {
                    if member.kind != MemberObjectKind::Group {
                        continue;
                    }
                    match self.tenant.group_index(&GroupId(member.id.clone())) {
                        Some(nested) => alternatives.push(self.of_group(nested, path)),
                        None => alternatives.push(opaque(format!(
                            "`{}` nests a group defined nowhere",
                            definition.name
                        ))),
                    }
                }
                path.pop();
                if alternatives.len() == 1 {
                    alternatives.swap_remove(0)
                } else {
                    Formula::Or(alternatives)
                }
            }
        }
    }
}

/// Who a target holds: everyone for All devices and All users, the group's
/// formula for a group, an opaque test for a group defined nowhere.
fn target_formula(
    tenant: &Tenant,
    group_formulas: &[Formula],
    target: &AssignmentTarget,
) -> Formula {
    match target {
        AssignmentTarget::AllDevices | AssignmentTarget::AllUsers => Formula::True,
        AssignmentTarget::IncludeGroup(id) | AssignmentTarget::ExcludeGroup(id) => {
            match tenant.group_index(id) {
                Some(group) => group_formulas[group].clone(),
                None => opaque(format!("`{}` is defined nowhere", id.0)),
            }
        }
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
    group_formulas: &[Formula],
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
                        target_formula(tenant, group_formulas, &exclusion.target).negated()
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
        /// An example subject in both: attribute name → value.
        witness: Witness,
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
                witness,
                first_within_second,
                second_within_first,
            } => Meeting::Possible {
                witness,
                first_within_second: second_within_first,
                second_within_first: first_within_second,
            },
            other => other,
        }
    }
}

/// Whether two formulas can meet, and whether one contains the other.
pub fn meeting(tenant: &Tenant, first: &Formula, second: &Formula) -> Meeting {
    let decider = Decider::new(vec![first.clone(), second.clone()], DEFAULT_BUDGET);
    meeting_by(tenant, &decider, 0, 1)
}

/// [`meeting`] of the decider's formulas `first` and `second`.
fn meeting_by(tenant: &Tenant, decider: &Decider, first: usize, second: usize) -> Meeting {
    match decider.meet(first, second) {
        Decision::Disjoint => Meeting::Disjoint,
        Decision::Unknown { reason } => Meeting::Unknown { reason },
        Decision::Possible { witness, example } => Meeting::Possible {
            witness: Arc::new(readable_witness(tenant, witness, &example)),
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

/// The witness with group memberships named by group display name.
fn readable_witness(
    tenant: &Tenant,
    mut witness: BTreeMap<String, String>,
    example: &preflight_parser::rule_language::Attributes,
) -> BTreeMap<String, String> {
    let member_of = member_of();
    if witness.remove(&member_of.name()).is_some()
        && let Some(AttributeValue::List(ids)) = example.get(&member_of)
        && !ids.is_empty()
    {
        let names: Vec<String> = ids
            .iter()
            .map(|id| {
                tenant
                    .group(&GroupId(id.clone()))
                    .map_or_else(|| id.clone(), |group| group.name.clone())
            })
            .collect();
        witness.insert("member of".to_owned(), names.join(", "));
    }
    witness
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
            name: "p".to_owned(),
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
            group("Rings", None, &["Ring 1"]),
            group("Broken", Some("(device.deviceOSType -eq"), &[]),
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
        meeting(&tenant, formulas.formula(first), formulas.formula(second))
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
                "the parent excluded removes the nested group",
                vec![include("Ring 1", None)],
                vec![include("Windows", None), exclude("Rings")],
                "disjoint",
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
    fn witnesses_name_groups_and_attributes() {
        let Meeting::Possible { witness, .. } = meet(
            vec![include("Ring 1", None)],
            vec![include("Windows 11", None)],
        ) else {
            panic!("possible");
        };
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
