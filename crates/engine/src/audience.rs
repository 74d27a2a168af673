//! Exact audiences from an inventory: for each policy, the set of devices and users
//! it reaches, as Intune decides it.
//!
//! - An include target reaches its members: All devices every device, All users
//!   every user, a group its members through nesting.
//! - A user reached also brings the devices they are the primary user of (a
//!   device-scoped setting assigned to a user group lands on the user's devices); a
//!   device reached brings its primary user (a user-scoped setting assigned to a
//!   device group applies to whoever signs in there; the inventory knows the
//!   primary user).
//! - A filter narrows its assignment's devices to those that match (include mode)
//!   or do not match (exclude mode).
//! - An exclusion wins over every inclusion of the same kind: a device group
//!   removes its devices from device targets, a user group its users (and what they
//!   bring) from user targets. Intune does not apply an exclusion of the other kind
//!   (`unsupported-exclusion` reports those), and neither does preflight.
//! - The policy's platforms bound the devices.
//!
//! Whenever some membership or filter verdict is unknown, the audience is unknown
//! (`None`) and the structural analysis answers instead.

use fixedbitset::FixedBitSet;
use preflight_normalizer::{AssignmentTarget, FilterMode, Policy, Tenant};
use rayon::prelude::*;

use crate::inventory_rules::{InventoryRules, RuleVerdict};
use crate::target_graph::{Members, TargetGraph};

/// Who one policy reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reach {
    /// Devices that receive the policy.
    pub devices: FixedBitSet,
    /// Users that receive the policy.
    pub users: FixedBitSet,
}

/// Links between devices and their primary users.
#[derive(Debug)]
pub struct PrimaryUsers {
    /// The primary user of each device.
    user_of_device: Vec<Option<usize>>,
    /// The devices each user is the primary user of.
    devices_of_user: Vec<Vec<usize>>,
}

impl PrimaryUsers {
    fn of(tenant: &Tenant) -> Self {
        let mut by_id = std::collections::BTreeMap::new();
        for (index, user) in tenant.users.iter().enumerate() {
            if let Some(id) = &user.object_id {
                by_id.entry(id.to_ascii_lowercase()).or_insert(index);
            }
            by_id
                .entry(user.user_principal_name.to_ascii_lowercase())
                .or_insert(index);
        }
        let mut devices_of_user = vec![Vec::new(); tenant.users.len()];
        let user_of_device: Vec<Option<usize>> = tenant
            .devices
            .iter()
            .enumerate()
            .map(|(device_index, device)| {
                let user = device
                    .primary_user_id
                    .iter()
                    .chain(&device.primary_user_principal_name)
                    .find_map(|key| by_id.get(&key.to_ascii_lowercase()).copied());
                if let Some(user) = user {
                    devices_of_user[user].push(device_index);
                }
                user
            })
            .collect();
        Self {
            user_of_device,
            devices_of_user,
        }
    }
}

/// Every policy's exact audience, when an inventory makes it knowable.
#[derive(Debug)]
pub struct Audiences {
    /// Each policy's reach, by policy index; `None` when unknown.
    pub reaches: Vec<Option<Reach>>,
}

impl Audiences {
    /// Computes every policy's reach (in parallel), or all `None` without inventory.
    pub fn compute(tenant: &Tenant, graph: &TargetGraph, rules: &InventoryRules) -> Self {
        if !graph.has_inventory {
            return Self {
                reaches: vec![None; tenant.policies.len()],
            };
        }
        let primary_users = PrimaryUsers::of(tenant);
        let reaches = tenant
            .policies
            .par_iter()
            .map(|policy| policy_reach(tenant, graph, rules, &primary_users, policy))
            .collect();
        Self { reaches }
    }
}

/// The members a target holds, or `None` when unknown.
fn target_members(
    tenant: &Tenant,
    graph: &TargetGraph,
    target: &AssignmentTarget,
) -> Option<Members> {
    match target {
        AssignmentTarget::AllDevices => {
            let mut members = Members::empty(tenant);
            members.devices.insert_range(..);
            Some(members)
        }
        AssignmentTarget::AllUsers => {
            let mut members = Members::empty(tenant);
            members.users.insert_range(..);
            Some(members)
        }
        AssignmentTarget::IncludeGroup(id) | AssignmentTarget::ExcludeGroup(id) => {
            let index = tenant
                .groups
                .binary_search_by(|group| group.id.cmp(id))
                .ok()?;
            graph.memberships.get(index).cloned().flatten()
        }
    }
}

fn policy_reach(
    tenant: &Tenant,
    graph: &TargetGraph,
    rules: &InventoryRules,
    primary_users: &PrimaryUsers,
    policy: &Policy,
) -> Option<Reach> {
    let mut excluded = Members::empty(tenant);
    for assignment in policy.assignments.iter().flatten() {
        if let AssignmentTarget::ExcludeGroup(_) = assignment.target {
            excluded.union_with(&target_members(tenant, graph, &assignment.target)?);
        }
    }
    let mut reach = Reach {
        devices: FixedBitSet::with_capacity(tenant.devices.len()),
        users: FixedBitSet::with_capacity(tenant.users.len()),
    };
    for assignment in policy.assignments.iter().flatten() {
        if let AssignmentTarget::ExcludeGroup(_) = assignment.target {
            continue;
        }
        let mut members = target_members(tenant, graph, &assignment.target)?;
        // Exclusions of the same kind as the included members win.
        members.devices.difference_with(&excluded.devices);
        members.users.difference_with(&excluded.users);
        let mut devices = members.devices.clone();
        let mut users = members.users.clone();
        for user in members.users.ones() {
            devices.extend(primary_users.devices_of_user[user].iter().copied());
        }
        for device in members.devices.ones() {
            users.extend(primary_users.user_of_device[device]);
        }
        if let Some(filter_use) = &assignment.filter {
            let filter = tenant.filter_index(&filter_use.filter)?;
            let mut kept = FixedBitSet::with_capacity(tenant.devices.len());
            for device in devices.ones() {
                let matches = match rules.filter_on_device(tenant, filter, device) {
                    RuleVerdict::Matches => true,
                    RuleVerdict::DoesNotMatch | RuleVerdict::NotApplicable => false,
                    RuleVerdict::Unknown => return None,
                };
                if matches == (filter_use.mode == FilterMode::Include) {
                    kept.insert(device);
                }
            }
            devices = kept;
        }
        reach.devices.union_with(&devices);
        reach.users.union_with(&users);
    }
    if !policy.platforms.is_empty() {
        let outside: Vec<usize> = reach
            .devices
            .ones()
            .filter(|&device| {
                tenant.devices[device]
                    .platform
                    .is_some_and(|platform| !policy.platforms.contains(&platform))
            })
            .collect();
        for device in outside {
            reach.devices.set(device, false);
        }
    }
    Some(reach)
}

/// Devices and users two reaches share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedAudience {
    /// How many devices receive both.
    pub devices: usize,
    /// How many users receive both.
    pub users: usize,
    /// Up to five example names: devices first, then users.
    pub examples: Vec<String>,
}

/// What `first` and `second` share.
pub fn shared(tenant: &Tenant, first: &Reach, second: &Reach) -> SharedAudience {
    let devices = first.devices.intersection(&second.devices);
    let users = first.users.intersection(&second.users);
    let mut examples: Vec<String> = Vec::new();
    let mut device_count = 0;
    for device in devices {
        device_count += 1;
        if examples.len() < 5 {
            examples.push(tenant.devices[device].name.clone());
        }
    }
    let mut user_count = 0;
    for user in users {
        user_count += 1;
        if examples.len() < 5 {
            examples.push(tenant.users[user].user_principal_name.clone());
        }
    }
    SharedAudience {
        devices: device_count,
        users: user_count,
        examples,
    }
}
