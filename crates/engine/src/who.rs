//! Who gets what: the policies that reach one device, user or group, with the path
//! through the target graph for each (included via which group, nested how, and
//! which filter; or excluded by which group). The question admins ask most.

use preflight_normalizer::{AssignmentTarget, FilterMode, Tenant};

use crate::audience::Audiences;
use crate::inventory_rules::{InventoryRules, RuleVerdict};
use crate::target_graph::TargetGraph;

/// What `who` is asked about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// An inventory device (index into `Tenant::devices`).
    Device(usize),
    /// An inventory user (index into `Tenant::users`).
    User(usize),
    /// A group (index into `Tenant::groups`).
    Group(usize),
}

/// Whether a policy reaches the subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// The policy reaches it.
    Reached,
    /// An assignment includes it, but an exclusion or a filter takes it out.
    Excluded,
    /// An assignment may include it; the input does not tell (membership or
    /// filter unknown).
    Possibly,
}

impl Outcome {
    /// The lowercase name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Reached => "reached",
            Outcome::Excluded => "excluded",
            Outcome::Possibly => "possibly",
        }
    }
}

/// One policy that reaches (or nearly reaches) the subject, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The policy (index into `Tenant::policies`).
    pub policy: usize,
    /// Whether it reaches the subject.
    pub outcome: Outcome,
    /// The steps, one sentence each: "included via `A` ⊃ `B`", "filter `F`
    /// (include) matches", "excluded by `K`".
    pub steps: Vec<String>,
}

/// Where the subject stands with respect to one group.
enum InGroup {
    /// A member, through these groups (outermost first; one name when direct).
    Yes(Vec<String>),
    No,
    Unknown,
}

/// Every policy with an assignment that touches the subject, in policy order.
pub fn routes(
    tenant: &Tenant,
    graph: &TargetGraph,
    audiences: &Audiences,
    rules: &InventoryRules,
    subject: Subject,
) -> Vec<Route> {
    let mut routes = Vec::new();
    for (policy_index, policy) in tenant.policies.iter().enumerate() {
        let mut included: Vec<String> = Vec::new();
        let mut possibly: Vec<String> = Vec::new();
        let mut excluded: Vec<String> = Vec::new();
        let mut possibly_excluded: Vec<String> = Vec::new();
        for assignment in policy.assignments.iter().flatten() {
            let membership = target_membership(tenant, graph, subject, &assignment.target);
            match (&assignment.target, membership) {
                (AssignmentTarget::ExcludeGroup(_), InGroup::Yes(path)) => {
                    excluded.push(format!("excluded by {}", path_text(&path)));
                }
                (AssignmentTarget::ExcludeGroup(_), InGroup::Unknown) => {
                    let name = crate::overlap::target_name(tenant, &assignment.target);
                    possibly_excluded
                        .push(format!("may be excluded by `{name}` (membership unknown)"));
                }
                (AssignmentTarget::ExcludeGroup(_), InGroup::No) => {}
                (_, InGroup::Yes(path)) => {
                    let mut step = format!("included via {}", path_text(&path));
                    let mut filtered_out = false;
                    let mut filter_unknown = false;
                    if let Some(filter_use) = &assignment.filter {
                        let name = tenant
                            .filter(&filter_use.filter)
                            .map_or(filter_use.filter.0.as_str(), |filter| filter.name.as_str());
                        let mode = match filter_use.mode {
                            FilterMode::Include => "include",
                            FilterMode::Exclude => "exclude",
                        };
                        // A user is reached on their devices: the filter is
                        // evaluated there, and lets the user through when it lets
                        // one of them through.
                        let verdict = match (subject, tenant.filter_index(&filter_use.filter)) {
                            (Subject::Device(device), Some(filter)) => {
                                rules.filter_on_device(tenant, filter, device)
                            }
                            (Subject::User(user), Some(filter)) => user_filter_verdict(
                                tenant,
                                rules,
                                (user, &policy.platforms),
                                filter,
                                filter_use.mode,
                            ),
                            _ => RuleVerdict::Unknown,
                        };
                        let (said, kept) = match verdict {
                            RuleVerdict::Matches => {
                                ("matches", Some(filter_use.mode == FilterMode::Include))
                            }
                            RuleVerdict::DoesNotMatch | RuleVerdict::NotApplicable => (
                                "does not match",
                                Some(filter_use.mode == FilterMode::Exclude),
                            ),
                            RuleVerdict::Unknown => ("is not evaluated", None),
                        };
                        step.push_str(&format!(", filter `{name}` ({mode}) {said}"));
                        match kept {
                            Some(false) => filtered_out = true,
                            None => filter_unknown = true,
                            Some(true) => {}
                        }
                    }
                    if filtered_out {
                        excluded.push(step);
                    } else if filter_unknown {
                        possibly.push(step);
                    } else {
                        included.push(step);
                    }
                }
                (_, InGroup::Unknown) => {
                    let name = crate::overlap::target_name(tenant, &assignment.target);
                    possibly.push(format!("may be included via `{name}` (membership unknown)"));
                }
                (_, InGroup::No) => {}
            }
        }
        if included.is_empty() && possibly.is_empty() && excluded.is_empty() {
            continue;
        }
        // A policy applies only to devices of its platforms (a user's, on their
        // devices).
        let policy_platforms: Vec<&str> = policy
            .platforms
            .iter()
            .map(|platform| platform.name())
            .collect();
        let of_other_platform = |device: usize| {
            tenant.devices[device].platform.filter(|platform| {
                !policy.platforms.is_empty() && !policy.platforms.contains(platform)
            })
        };
        let other_platform = match subject {
            Subject::Device(device) => of_other_platform(device).map(|platform| {
                format!(
                    "not applied: the policy is for {} and `{}` runs {}",
                    policy_platforms.join(", "),
                    tenant.devices[device].name,
                    platform.name()
                )
            }),
            Subject::User(user) => {
                let devices = user_device_indices(tenant, user);
                (!devices.is_empty()
                    && devices.iter().all(|&device| of_other_platform(device).is_some()))
                .then(|| {
                    let names: Vec<String> = devices
                        .iter()
                        .map(|&device| format!("`{}`", tenant.devices[device].name))
                        .collect();
                    format!(
                        "not applied: the policy is for {} and none of the user's devices ({}) runs it",
                        policy_platforms.join(", "),
                        names.join(", ")
                    )
                })
            }
            Subject::Group(_) => None,
        };
        if let Some(step) = &other_platform {
            excluded.push(step.clone());
        }
        let exact = match subject {
            Subject::Device(device) => audiences.reaches[policy_index]
                .as_ref()
                .map(|reach| reach.devices().contains(device)),
            Subject::User(user) => audiences.reaches[policy_index]
                .as_ref()
                .map(|reach| audiences.users_of_reach(reach).contains(user)),
            Subject::Group(_) => None,
        };
        let outcome = match exact {
            Some(true) => Outcome::Reached,
            Some(false) => Outcome::Excluded,
            None if other_platform.is_some()
                || excluded.iter().any(|step| step.starts_with("excluded by")) =>
            {
                Outcome::Excluded
            }
            None if !included.is_empty() && possibly_excluded.is_empty() => Outcome::Reached,
            None if !included.is_empty() || !possibly.is_empty() => Outcome::Possibly,
            None => Outcome::Excluded,
        };
        let mut steps = included;
        steps.extend(possibly);
        steps.extend(possibly_excluded);
        steps.extend(excluded);
        routes.push(Route {
            policy: policy_index,
            outcome,
            steps,
        });
    }
    routes
}

fn path_text(path: &[String]) -> String {
    let names: Vec<String> = path.iter().map(|name| format!("`{name}`")).collect();
    names.join(" ⊃ ")
}

/// Whether the subject is in the target, and through which groups.
fn target_membership(
    tenant: &Tenant,
    graph: &TargetGraph,
    subject: Subject,
    target: &AssignmentTarget,
) -> InGroup {
    match (target, subject) {
        (AssignmentTarget::AllDevices, Subject::Device(_)) => {
            InGroup::Yes(vec!["All devices".to_owned()])
        }
        (AssignmentTarget::AllUsers, Subject::User(_)) => {
            InGroup::Yes(vec!["All users".to_owned()])
        }
        (AssignmentTarget::AllUsers, Subject::Device(device)) => {
            match device_user_indices(tenant, device).first() {
                Some(&user) => InGroup::Yes(vec![format!(
                    "All users ({})",
                    user_role(tenant, device, user)
                )]),
                None => InGroup::No,
            }
        }
        (AssignmentTarget::AllDevices, Subject::User(user)) => {
            match user_device_names(tenant, user).first() {
                Some(device) => InGroup::Yes(vec![format!("All devices (device {device})")]),
                None => InGroup::No,
            }
        }
        (AssignmentTarget::AllDevices | AssignmentTarget::AllUsers, Subject::Group(group)) => {
            let kind = tenant.groups[group].member_kind();
            let matches = match target {
                AssignmentTarget::AllDevices => {
                    kind == Some(preflight_normalizer::MemberKind::Devices)
                }
                _ => kind == Some(preflight_normalizer::MemberKind::Users),
            };
            if matches {
                InGroup::Yes(vec![crate::overlap::target_name(tenant, target)])
            } else {
                InGroup::No
            }
        }
        (AssignmentTarget::IncludeGroup(id) | AssignmentTarget::ExcludeGroup(id), _) => {
            let Ok(group) = tenant
                .groups
                .binary_search_by(|candidate| candidate.id.cmp(id))
            else {
                return InGroup::Unknown;
            };
            group_membership(tenant, graph, subject, group)
        }
    }
}

/// Whether the subject is in `group` (nested groups counted), with the nesting path.
fn group_membership(
    tenant: &Tenant,
    graph: &TargetGraph,
    subject: Subject,
    group: usize,
) -> InGroup {
    let name = |index: usize| tenant.groups[index].name.clone();
    if let Subject::Group(target) = subject {
        return match nesting_path(graph, group, target) {
            Some(path) => InGroup::Yes(path.into_iter().map(name).collect()),
            None => InGroup::No,
        };
    }
    let Some(Some(members)) = graph.memberships.get(group) else {
        return InGroup::Unknown;
    };
    let direct = match subject {
        Subject::Device(device) => members.devices.contains(device),
        Subject::User(user) => members.users.contains(user),
        Subject::Group(_) => false,
    };
    // A device is reached through its primary user's groups, a user through the
    // groups of the devices they are the primary user of.
    let through_other = match subject {
        Subject::Device(device) => device_user_indices(tenant, device)
            .into_iter()
            .find(|&user| members.users.contains(user))
            .map(|user| user_role(tenant, device, user)),
        Subject::User(user) => user_device_indices(tenant, user)
            .into_iter()
            .find(|&device| members.devices.contains(device))
            .map(|device| format!("device {}", tenant.devices[device].name)),
        Subject::Group(_) => None,
    };
    if !direct && through_other.is_none() {
        return InGroup::No;
    }
    // The nesting path: the innermost nested group that still holds the subject.
    let mut path = vec![group];
    let mut current = group;
    'descend: loop {
        for nested in graph.nested_groups(current) {
            if path.contains(&nested) {
                continue;
            }
            if let Some(Some(nested_members)) = graph.memberships.get(nested) {
                let holds = match subject {
                    Subject::Device(device) => nested_members.devices.contains(device),
                    Subject::User(user) => nested_members.users.contains(user),
                    Subject::Group(_) => false,
                };
                if holds {
                    path.push(nested);
                    current = nested;
                    continue 'descend;
                }
            }
        }
        break;
    }
    let mut names: Vec<String> = path.into_iter().map(name).collect();
    if !direct && let Some(other) = through_other {
        names.push(other);
    }
    InGroup::Yes(names)
}

/// A filter on a user, through their devices of the policy's platforms: it lets
/// the user through when it lets one of those devices through.
fn user_filter_verdict(
    tenant: &Tenant,
    rules: &InventoryRules,
    (user, platforms): (usize, &[preflight_normalizer::Platform]),
    filter: usize,
    mode: FilterMode,
) -> RuleVerdict {
    let verdicts: Vec<RuleVerdict> = user_device_indices(tenant, user)
        .into_iter()
        .filter(|&device| {
            platforms.is_empty()
                || tenant.devices[device]
                    .platform
                    .is_none_or(|platform| platforms.contains(&platform))
        })
        .map(|device| rules.filter_on_device(tenant, filter, device))
        .collect();
    let passes = |verdict: &RuleVerdict| match mode {
        FilterMode::Include => *verdict == RuleVerdict::Matches,
        FilterMode::Exclude => {
            matches!(
                verdict,
                RuleVerdict::DoesNotMatch | RuleVerdict::NotApplicable
            )
        }
    };
    let (through, blocked) = match mode {
        FilterMode::Include => (RuleVerdict::Matches, RuleVerdict::DoesNotMatch),
        FilterMode::Exclude => (RuleVerdict::DoesNotMatch, RuleVerdict::Matches),
    };
    if verdicts.iter().any(passes) {
        through
    } else if verdicts.is_empty() || verdicts.contains(&RuleVerdict::Unknown) {
        RuleVerdict::Unknown
    } else {
        blocked
    }
}

/// The devices `user` uses (as primary user or by signing in), in inventory order.
fn user_device_indices(tenant: &Tenant, user: usize) -> Vec<usize> {
    (0..tenant.devices.len())
        .filter(|&device| device_user_indices(tenant, device).contains(&user))
        .collect()
}

fn user_device_names(tenant: &Tenant, user: usize) -> Vec<String> {
    user_device_indices(tenant, user)
        .into_iter()
        .map(|device| tenant.devices[device].name.clone())
        .collect()
}

/// The primary user of `device`, when the inventory holds them.
fn primary_user_of(tenant: &Tenant, device: usize) -> Option<usize> {
    let device = &tenant.devices[device];
    tenant.users.iter().position(|user| {
        device.primary_user_id.as_deref().is_some_and(|id| {
            user.object_id
                .as_deref()
                .is_some_and(|object| object.eq_ignore_ascii_case(id))
        }) || device
            .primary_user_principal_name
            .as_deref()
            .is_some_and(|upn| upn.eq_ignore_ascii_case(&user.user_principal_name))
    })
}

/// The users of `device`: its primary user first, then those who signed in.
fn device_user_indices(tenant: &Tenant, device: usize) -> Vec<usize> {
    let mut users: Vec<usize> = primary_user_of(tenant, device).into_iter().collect();
    for id in &tenant.devices[device].signed_in_user_ids {
        let signed_in = tenant.users.iter().position(|user| {
            user.object_id
                .as_deref()
                .is_some_and(|object| object.eq_ignore_ascii_case(id))
        });
        if let Some(user) = signed_in
            && !users.contains(&user)
        {
            users.push(user);
        }
    }
    users
}

/// How `user` uses `device`: "primary user …" or "signed-in user …".
fn user_role(tenant: &Tenant, device: usize, user: usize) -> String {
    let role = if primary_user_of(tenant, device) == Some(user) {
        "primary user"
    } else {
        "signed-in user"
    };
    format!("{role} {}", tenant.users[user].user_principal_name)
}

/// The nesting path from `outer` down to `inner` (both included), breadth first.
fn nesting_path(graph: &TargetGraph, outer: usize, inner: usize) -> Option<Vec<usize>> {
    let mut previous: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([outer]);
    let mut seen = std::collections::BTreeSet::from([outer]);
    while let Some(current) = queue.pop_front() {
        if current == inner {
            let mut path = vec![inner];
            let mut step = inner;
            while let Some(&before) = previous.get(&step) {
                path.push(before);
                step = before;
            }
            path.reverse();
            return Some(path);
        }
        for nested in graph.nested_groups(current) {
            if seen.insert(nested) {
                previous.insert(nested, current);
                queue.push_back(nested);
            }
        }
    }
    None
}
