//! Whether the audiences of two policies can meet, decided from the structure of
//! their assignments alone (no inventory, no rule evaluation yet).
//!
//! Each include target of one policy is compared with each include target of the
//! other, after the policies' exclusions:
//! - **disjoint** when the policies cannot reach one device or user: no audience,
//!   no platform in common, or every meeting target of one is a group the other
//!   excludes (with an exclusion Intune honours for that target kind);
//! - **certain** when the audience of one, on some pair of targets, is contained in
//!   the audience of the other: the same target with the same or a wider filter, or
//!   a group of devices (users) against All devices (All users);
//! - **possible** otherwise: two different groups may share members.
//!
//! "Certain" means every device or user the smaller audience reaches gets both
//! policies; an empty group still reaches nobody.

use std::collections::BTreeSet;

use preflight_normalizer::{
    AssignmentFilterUse, AssignmentTarget, FilterMode, GroupId, MemberKind, Platform, Policy,
    Tenant,
};

use crate::audience_formula::{AudienceFormulas, Meeting};
use crate::audience_logic::{MEMBER_OF, describe_witness};
use crate::config::Config;

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
    pub witness: Option<std::collections::BTreeMap<String, String>>,
}

/// An include target together with its filter.
struct Include<'a> {
    target: &'a AssignmentTarget,
    filter: Option<&'a AssignmentFilterUse>,
}

/// The include targets and excluded groups of one policy.
struct Audience<'a> {
    includes: Vec<Include<'a>>,
    excludes: BTreeSet<&'a GroupId>,
    /// The policy's platforms (empty: every platform).
    platforms: &'a [Platform],
}

impl<'a> Audience<'a> {
    fn of(policy: &'a Policy) -> Self {
        let mut includes = Vec::new();
        let mut excludes = BTreeSet::new();
        for assignment in policy.assignments.iter().flatten() {
            match &assignment.target {
                AssignmentTarget::ExcludeGroup(group) => {
                    excludes.insert(group);
                }
                target => includes.push(Include {
                    target,
                    filter: assignment.filter.as_ref(),
                }),
            }
        }
        Self {
            includes,
            excludes,
            platforms: &policy.platforms,
        }
    }
}

/// The two policies' include assignments as formulas, so that what structure
/// leaves open can be decided from the groups' rules and the filters.
#[derive(Clone, Copy)]
pub struct RuleEvidence<'formulas> {
    /// Every policy's include formulas.
    pub formulas: &'formulas AudienceFormulas,
    /// Index of the first policy.
    pub first: usize,
    /// Index of the second policy.
    pub second: usize,
}

/// Whether the audiences of `first` and `second` can meet. Groups that `config`
/// declares exclusive are taken not to share members. With `rules`, a pair of
/// assignments that structure alone says possibly meet is decided from their
/// rules: disjoint when the rules contradict each other, certain when one's
/// rules imply the other's, possible with an example otherwise.
pub fn policy_overlap(
    tenant: &Tenant,
    config: &Config,
    first: &Policy,
    second: &Policy,
    rules: Option<RuleEvidence<'_>>,
) -> Overlap {
    let disjoint = |reason: String| Overlap {
        certainty: Certainty::Disjoint,
        via: Vec::new(),
        reason,
        shared: None,
        witness: None,
    };
    if !first.platforms.is_empty()
        && !second.platforms.is_empty()
        && !first
            .platforms
            .iter()
            .any(|platform| second.platforms.contains(platform))
    {
        return disjoint("the policies have no platform in common".to_owned());
    }
    let first_audience = Audience::of(first);
    let second_audience = Audience::of(second);
    if first_audience.includes.is_empty() || second_audience.includes.is_empty() {
        return disjoint("one of the policies is assigned to nobody".to_owned());
    }

    let mut best: Option<Overlap> = None;
    for (first_position, first_include) in first_audience.includes.iter().enumerate() {
        for (second_position, second_include) in second_audience.includes.iter().enumerate() {
            let mut overlap = include_overlap(
                tenant,
                config,
                (first_include, &first_audience),
                (second_include, &second_audience),
            );
            if overlap.certainty == Certainty::Possible
                && let Some(rules) = rules
                && let (Some(&first_formula), Some(&second_formula)) = (
                    rules.formulas.includes_of(rules.first).get(first_position),
                    rules
                        .formulas
                        .includes_of(rules.second)
                        .get(second_position),
                )
            {
                let meeting = rules
                    .formulas
                    .meeting_of(tenant, first_formula, second_formula);
                overlap =
                    decided_by_rules(tenant, overlap, (first_include, second_include), meeting);
            }
            if best
                .as_ref()
                .is_none_or(|best| overlap.certainty > best.certainty)
            {
                best = Some(overlap);
            }
        }
    }
    best.unwrap_or_else(|| disjoint("no assignments meet".to_owned()))
}

/// What the rules say about a pair of includes that structure leaves open.
fn decided_by_rules(
    tenant: &Tenant,
    structural: Overlap,
    (first, second): (&Include<'_>, &Include<'_>),
    meeting: Meeting,
) -> Overlap {
    let first_name = include_name(tenant, first);
    let second_name = include_name(tenant, second);
    match meeting {
        Meeting::Disjoint => Overlap {
            certainty: Certainty::Disjoint,
            via: Vec::new(),
            reason: format!(
                "no device can be in both {first_name} and {second_name}: their rules exclude each other"
            ),
            shared: None,
            witness: None,
        },
        Meeting::Possible {
            witness,
            first_within_second,
            second_within_first,
        } => {
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
                    let mut described = witness.clone();
                    let targets = [
                        target_name(tenant, first.target),
                        target_name(tenant, second.target),
                    ];
                    if described.get(MEMBER_OF).is_some_and(|groups| {
                        groups
                            .split(", ")
                            .all(|group| targets.iter().any(|name| name == group))
                    }) {
                        described.remove(MEMBER_OF);
                    }
                    (
                        Certainty::Possible,
                        format!(
                            "{first_name} and {second_name} may share members, for example {}",
                            describe_witness(&described)
                        ),
                    )
                }
            };
            Overlap {
                certainty,
                via: structural.via,
                reason,
                shared: None,
                witness: Some(witness),
            }
        }
        Meeting::Unknown { reason } => Overlap {
            reason: format!(
                "{} (their rules were not decided: {reason})",
                structural.reason
            ),
            ..structural
        },
    }
}

/// An include target as people know it, with its filter: "`All devices` with
/// filter `Dell`".
fn include_name(tenant: &Tenant, include: &Include<'_>) -> String {
    let target = target_name(tenant, include.target);
    match include.filter {
        None => format!("`{target}`"),
        Some(filter_use) => {
            let filter = tenant
                .filter(&filter_use.filter)
                .map_or(filter_use.filter.0.as_str(), |filter| filter.name.as_str());
            let mode = match filter_use.mode {
                FilterMode::Include => "",
                FilterMode::Exclude => "excluding ",
            };
            format!("`{target}` with filter {mode}`{filter}`")
        }
    }
}

/// Whether everyone `inner` reaches is also reached by `outer`, from structure
/// alone: every include target of `inner` (after its exclusions) is contained in
/// an include target of `outer` (after its exclusions), and `outer` covers
/// `inner`'s platforms. A policy assigned to nobody is covered by nothing.
pub fn audience_covers(tenant: &Tenant, outer: &Policy, inner: &Policy) -> bool {
    let platforms_covered = outer.platforms.is_empty()
        || (!inner.platforms.is_empty()
            && inner
                .platforms
                .iter()
                .all(|platform| outer.platforms.contains(platform)));
    if !platforms_covered {
        return false;
    }
    let inner_audience = Audience::of(inner);
    let outer_audience = Audience::of(outer);
    !inner_audience.includes.is_empty()
        && inner_audience.includes.iter().all(|inner_include| {
            outer_audience.includes.iter().any(|outer_include| {
                contained(
                    tenant,
                    (inner_include, &inner_audience),
                    (outer_include, &outer_audience),
                )
            })
        })
}

fn include_overlap(
    tenant: &Tenant,
    config: &Config,
    (first, first_audience): (&Include<'_>, &Audience<'_>),
    (second, second_audience): (&Include<'_>, &Audience<'_>),
) -> Overlap {
    if let Some(reason) = excluded(tenant, first, second_audience)
        .or_else(|| excluded(tenant, second, first_audience))
        .or_else(|| declared_exclusive(tenant, config, first, second))
    {
        return Overlap {
            certainty: Certainty::Disjoint,
            via: Vec::new(),
            reason,
            shared: None,
            witness: None,
        };
    }
    let via = meeting_names(tenant, first, second);
    let first_name = target_name(tenant, first.target);
    let second_name = target_name(tenant, second.target);
    let containment = if contained(tenant, (first, first_audience), (second, second_audience)) {
        Some((&first_name, &second_name))
    } else if contained(tenant, (second, second_audience), (first, first_audience)) {
        Some((&second_name, &first_name))
    } else {
        None
    };
    if let Some((inner, outer)) = containment {
        let reason = if first.target == second.target {
            format!("both policies are assigned to `{first_name}`")
        } else {
            format!("every member of `{inner}` is also in `{outer}`")
        };
        return Overlap {
            certainty: Certainty::Certain,
            via,
            reason,
            shared: None,
            witness: None,
        };
    }
    let reason = if first.target == second.target {
        format!(
            "both policies are assigned to `{first_name}`, with different filters or exclusions"
        )
    } else {
        format!("`{first_name}` and `{second_name}` may share members")
    };
    Overlap {
        certainty: Certainty::Possible,
        via,
        reason,
        shared: None,
        witness: None,
    }
}

/// Why `include` cannot reach anyone `other` reaches because `other` excludes it,
/// or `None` when it can.
fn excluded(tenant: &Tenant, include: &Include<'_>, other: &Audience<'_>) -> Option<String> {
    let AssignmentTarget::IncludeGroup(group) = include.target else {
        return None;
    };
    if !other.excludes.contains(group) {
        return None;
    }
    // Everyone `include` reaches is in `group`, which `other` excludes from each
    // of its targets, as long as Intune honours that exclusion for each target.
    let group_kind = member_kind(tenant, include.target);
    let honoured = other.includes.iter().all(|other_include| {
        exclusion_is_honoured(member_kind(tenant, other_include.target), group_kind)
    });
    honoured.then(|| {
        format!(
            "`{}` is excluded from the other policy",
            target_name(tenant, include.target)
        )
    })
}

/// Why `first` and `second` cannot meet by the planner's design, or `None`.
fn declared_exclusive(
    tenant: &Tenant,
    config: &Config,
    first: &Include<'_>,
    second: &Include<'_>,
) -> Option<String> {
    let (AssignmentTarget::IncludeGroup(first_id), AssignmentTarget::IncludeGroup(second_id)) =
        (first.target, second.target)
    else {
        return None;
    };
    let first_name = target_name(tenant, first.target);
    let second_name = target_name(tenant, second.target);
    config
        .declared_exclusive((&first_id.0, &first_name), (&second_id.0, &second_name))
        .then(|| {
            format!(
                "`{first_name}` and `{second_name}` are declared exclusive in the configuration"
            )
        })
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

/// Whether everyone `inner` reaches (after its policy's exclusions) is reached by
/// `outer` (after its policy's exclusions).
fn contained(
    tenant: &Tenant,
    (inner, inner_audience): (&Include<'_>, &Audience<'_>),
    (outer, outer_audience): (&Include<'_>, &Audience<'_>),
) -> bool {
    let target_contained = inner.target == outer.target
        || match outer.target {
            AssignmentTarget::AllDevices => {
                member_kind(tenant, inner.target) == Some(MemberKind::Devices)
            }
            AssignmentTarget::AllUsers => {
                member_kind(tenant, inner.target) == Some(MemberKind::Users)
            }
            _ => false,
        };
    let filter_contained = outer.filter.is_none() || outer.filter == inner.filter;
    let exclusions_contained = outer_audience.excludes.is_subset(&inner_audience.excludes);
    // A Windows and Android policy is not within a Windows and iOS one, whatever
    // their targets: its Android devices get only it.
    let platforms_contained = outer_audience.platforms.is_empty()
        || (!inner_audience.platforms.is_empty()
            && inner_audience
                .platforms
                .iter()
                .all(|platform| outer_audience.platforms.contains(platform)));
    target_contained && filter_contained && exclusions_contained && platforms_contained
}

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

fn meeting_names(tenant: &Tenant, first: &Include<'_>, second: &Include<'_>) -> Vec<String> {
    let mut names = Vec::new();
    for include in [first, second] {
        let name = target_name(tenant, include.target);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    for include in [first, second] {
        if let Some(filter_use) = include.filter {
            let name = tenant
                .filter(&filter_use.filter)
                .map_or_else(|| filter_use.filter.0.clone(), |filter| filter.name.clone());
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use preflight_normalizer::{
        Assignment, FilterId, Group, GroupMembership, Platform, PolicyFamily,
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

    fn tenant() -> Tenant {
        let mut groups = vec![
            group(
                "Developers",
                Some("(device.displayName -startsWith \"DEV-\")"),
            ),
            group("Finance", Some("(user.department -eq \"Finance\")")),
            group("Kiosks", None),
            group("Pilot", None),
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
            name: "p".to_owned(),
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
        let forward = policy_overlap(&tenant, &config, &first, &second, None).certainty;
        let backward = policy_overlap(&tenant, &config, &second, &first, None).certainty;
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
        let both = |platforms: Vec<Platform>| Policy {
            platforms,
            ..policy(
                Platform::Windows,
                Some(vec![assign(AssignmentTarget::AllDevices)]),
            )
        };
        let config = Config::default();
        let answer = |first: &Policy, second: &Policy| {
            policy_overlap(&tenant, &config, first, second, None).certainty
        };
        let windows_android = both(vec![Platform::Windows, Platform::Android]);
        let windows_ios = both(vec![Platform::Windows, Platform::Ios]);
        let windows = both(vec![Platform::Windows]);
        let everywhere = both(Vec::new());
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
        let overlap = policy_overlap(&tenant, &config, &first, &second, None);
        assert_eq!(overlap.certainty, Certainty::Disjoint);
        assert!(overlap.reason.contains("declared exclusive"));
        let same = policy(Platform::Windows, Some(vec![include("Pilot")]));
        assert_eq!(
            policy_overlap(&tenant, &config, &first, &same, None).certainty,
            Certainty::Certain
        );
    }

    #[test]
    fn different_platforms_never_meet() {
        let tenant = tenant();
        let windows = policy(Platform::Windows, Some(vec![include("Pilot")]));
        let mac = policy(Platform::MacOs, Some(vec![include("Pilot")]));
        assert_eq!(
            policy_overlap(&tenant, &Config::default(), &windows, &mac, None).certainty,
            Certainty::Disjoint
        );
    }

    #[test]
    fn policies_without_assignment_information_meet_nobody() {
        let tenant = tenant();
        let unknown = policy(Platform::Windows, None);
        let assigned = policy(Platform::Windows, Some(vec![include("Pilot")]));
        assert_eq!(
            policy_overlap(&tenant, &Config::default(), &unknown, &assigned, None).certainty,
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
        let overlap = policy_overlap(&tenant, &Config::default(), &first, &second, None);
        assert_eq!(overlap.certainty, Certainty::Possible);
        assert_eq!(overlap.via, vec!["All devices", "Developers", "Windows 11"]);
    }
}
