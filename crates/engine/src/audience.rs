//! Exact audiences from an inventory: for each policy, the devices it lands on
//! and the users signed in there, as Intune decides it.
//!
//! A policy takes effect on a device: device-scoped settings configure the
//! device, user-scoped settings the sessions of the users signed in on it. The
//! inventory links a device to its users: its primary user (Intune `userId`)
//! and the users who signed in on it (`usersLoggedOn`). So an audience is a set
//! of devices, and its users are the users of those devices:
//! - an include target of devices (a device group, All devices) reaches those
//!   devices; an include target of users (a user group, All users) reaches the
//!   devices those users use (a user-scoped setting follows the user to each of
//!   their devices; a device-scoped setting assigned to a user group lands on
//!   the user's devices). A user with no device in the inventory receives the
//!   policy nowhere;
//! - an exclusion wins over every inclusion of the same kind: a device group
//!   removes its devices from device targets, a user group its users from user
//!   targets, before they bring their devices. Intune does not apply an
//!   exclusion of the other kind (`unsupported-exclusion` reports those), and
//!   neither does preflight;
//! - a filter narrows its assignment's devices to those that match (include
//!   mode) or do not match (exclude mode);
//! - the policy's platforms bound the devices.
//!
//! Two policies meet on the devices both reach, and through them on their users,
//! whatever the scope of the setting they share.
//!
//! Whenever some membership or filter verdict is unknown, the audience is unknown
//! (`None`) and the analysis from structure and rules answers instead.

use fixedbitset::FixedBitSet;
use preflight_normalizer::{AssignmentTarget, FilterMode, GroupId, Policy, Tenant};
use rayon::prelude::*;

use crate::inventory_rules::{InventoryRules, RuleVerdict};
use crate::target_graph::{Members, Membership, TargetGraph};

/// Who one policy reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reach {
    /// Devices the policy lands on.
    pub devices: FixedBitSet,
    /// Users who receive it: the users of those devices.
    pub users: FixedBitSet,
}

/// Links between devices and their users: the primary user, and the users who
/// signed in on the device (`usersLoggedOn`), as the inventory tells.
#[derive(Debug)]
pub struct DeviceUsers {
    /// The users of each device, primary user first.
    users_of_device: Vec<Vec<usize>>,
    /// The devices each user is a user of.
    devices_of_user: Vec<Vec<usize>>,
    /// Each device's one user, [`NO_USER`] or [`SEVERAL_USERS`]: most devices
    /// have one user (their primary user), and the users of a set of devices are
    /// counted from this flat list, looking into `users_of_device` only for the
    /// devices several people use.
    only_user_of_device: Vec<u32>,
}

/// In [`DeviceUsers::only_user_of_device`]: the device has no known user.
const NO_USER: u32 = u32::MAX;
/// In [`DeviceUsers::only_user_of_device`]: the device has several users.
const SEVERAL_USERS: u32 = u32::MAX - 1;

impl DeviceUsers {
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
        let users_of_device: Vec<Vec<usize>> = tenant
            .devices
            .iter()
            .enumerate()
            .map(|(device_index, device)| {
                let primary = device
                    .primary_user_id
                    .iter()
                    .chain(&device.primary_user_principal_name)
                    .find_map(|key| by_id.get(&key.to_ascii_lowercase()).copied());
                let mut users: Vec<usize> = primary.into_iter().collect();
                for id in &device.signed_in_user_ids {
                    if let Some(&user) = by_id.get(&id.to_ascii_lowercase())
                        && !users.contains(&user)
                    {
                        users.push(user);
                    }
                }
                for &user in &users {
                    devices_of_user[user].push(device_index);
                }
                users
            })
            .collect();
        let only_user_of_device = users_of_device
            .iter()
            .map(|users| match users.as_slice() {
                [] => NO_USER,
                [user] => u32::try_from(*user)
                    .ok()
                    .filter(|&user| user < SEVERAL_USERS)
                    .unwrap_or(SEVERAL_USERS),
                _ => SEVERAL_USERS,
            })
            .collect();
        Self {
            users_of_device,
            devices_of_user,
            only_user_of_device,
        }
    }

    /// The users of `devices`.
    fn users_of(&self, devices: &FixedBitSet) -> FixedBitSet {
        self.users_of_each(devices.ones())
    }

    /// The users of the devices `devices` yields.
    fn users_of_each(&self, devices: impl Iterator<Item = usize>) -> FixedBitSet {
        let mut users = FixedBitSet::with_capacity(self.devices_of_user.len());
        for device in devices {
            self.for_each_user_of(device, |user| users.insert(user));
        }
        users
    }

    /// Calls `each` with every user of inventory device `device`.
    fn for_each_user_of(&self, device: usize, mut each: impl FnMut(usize)) {
        match self.only_user_of_device.get(device) {
            Some(&NO_USER) | None => {}
            Some(&SEVERAL_USERS) => self.users_of_device[device]
                .iter()
                .for_each(|&user| each(user)),
            Some(&user) => each(user as usize),
        }
    }

    /// How many distinct users the devices `devices()` yields have. For a few
    /// devices, their users are sorted and counted instead of marked in a set
    /// over every inventory user (12.5 KiB to clear for 100,000 users, for each
    /// pair of policies described).
    fn count_users_of_each<Devices: Iterator<Item = usize>>(
        &self,
        devices: impl Fn() -> Devices,
    ) -> usize {
        const FEW: usize = 4096;
        if devices().nth(FEW).is_some() {
            return self.users_of_each(devices()).count_ones(..);
        }
        let mut users: Vec<usize> = Vec::new();
        for device in devices() {
            self.for_each_user_of(device, |user| users.push(user));
        }
        users.sort_unstable();
        users.dedup();
        users.len()
    }
}

/// Every policy's exact audience, when an inventory makes it knowable.
#[derive(Debug)]
pub struct Audiences {
    /// Each policy's reach, by policy index; `None` when unknown.
    pub reaches: Vec<Option<Reach>>,
    /// The links between inventory devices and their users.
    device_users: DeviceUsers,
}

impl Audiences {
    /// Computes every policy's reach (in parallel), or all `None` without inventory.
    pub fn compute(tenant: &Tenant, graph: &TargetGraph, rules: &InventoryRules) -> Self {
        let device_users = DeviceUsers::of(tenant);
        if !graph.has_inventory {
            return Self {
                reaches: vec![None; tenant.policies.len()],
                device_users,
            };
        }
        let shared_landings = SharedLandings::of(tenant, graph, &device_users);
        let reaches = tenant
            .policies
            .par_iter()
            .map(|policy| {
                policy_reach(
                    tenant,
                    graph,
                    rules,
                    &device_users,
                    &shared_landings,
                    policy,
                )
            })
            .collect();
        Self {
            reaches,
            device_users,
        }
    }
}

impl Audiences {
    /// The reach `policy` would have in `tenant` (a policy not in the tenant, or
    /// assigned otherwise than there), computed as [`Self::compute`] does; `None`
    /// without an inventory or when a membership or filter verdict is unknown.
    pub fn reach_of(
        &self,
        tenant: &Tenant,
        graph: &TargetGraph,
        rules: &InventoryRules,
        policy: &Policy,
    ) -> Option<Reach> {
        if !graph.has_inventory {
            return None;
        }
        policy_reach(
            tenant,
            graph,
            rules,
            &self.device_users,
            &SharedLandings::default(),
            policy,
        )
    }

    /// The users of `devices`, as a reach counts its users.
    pub fn users_of(&self, devices: &FixedBitSet) -> FixedBitSet {
        self.device_users.users_of(devices)
    }
}

impl Audiences {
    /// The names of the include assignments of `policy` that land on inventory
    /// device `device` (after exclusions, filter and platform), with their
    /// filters: how the policy reaches that device.
    pub fn routes_to_device(
        &self,
        tenant: &Tenant,
        graph: &TargetGraph,
        rules: &InventoryRules,
        policy: &Policy,
        device: usize,
    ) -> Vec<String> {
        let device_users = self
            .device_users
            .users_of_device
            .get(device)
            .map_or(&[][..], Vec::as_slice);
        let holds = |target: &AssignmentTarget| -> (bool, Vec<usize>) {
            let (holds_device, holds_user): (bool, &dyn Fn(usize) -> bool) = match target {
                AssignmentTarget::AllDevices => (true, &|_| false),
                AssignmentTarget::AllUsers => (false, &|_| true),
                AssignmentTarget::IncludeGroup(id) | AssignmentTarget::ExcludeGroup(id) => {
                    match group_members(tenant, graph, id) {
                        Some(members) => (members.devices.contains(device), &|user| {
                            members.users.contains(user)
                        }),
                        None => (false, &|_| false),
                    }
                }
            };
            (
                holds_device,
                device_users
                    .iter()
                    .copied()
                    .filter(|&user| holds_user(user))
                    .collect(),
            )
        };
        let mut excluded_device = false;
        let mut excluded_users: Vec<usize> = Vec::new();
        for assignment in policy.assignments.iter().flatten() {
            if let AssignmentTarget::ExcludeGroup(_) = assignment.target {
                let (device_in, users_in) = holds(&assignment.target);
                excluded_device |= device_in;
                excluded_users.extend(users_in);
            }
        }
        let platform_ok = policy.platforms.is_empty()
            || tenant.devices[device]
                .platform
                .is_none_or(|platform| policy.platforms.contains(&platform));
        let mut names = Vec::new();
        for assignment in policy.assignments.iter().flatten() {
            if let AssignmentTarget::ExcludeGroup(_) = assignment.target {
                continue;
            }
            let (device_in, users_in) = holds(&assignment.target);
            let reached = (device_in && !excluded_device)
                || users_in.iter().any(|user| !excluded_users.contains(user));
            let filtered_in = assignment.filter.as_ref().is_none_or(|filter_use| {
                tenant
                    .filter_index(&filter_use.filter)
                    .is_some_and(|filter| {
                        let matches =
                            rules.filter_on_device(tenant, filter, device) == RuleVerdict::Matches;
                        matches == (filter_use.mode == FilterMode::Include)
                    })
            });
            if reached && filtered_in && platform_ok {
                let target = crate::overlap::target_name(tenant, &assignment.target);
                if !names.contains(&target) {
                    names.push(target);
                }
                if let Some(filter) = assignment
                    .filter
                    .as_ref()
                    .and_then(|filter_use| tenant.filter(&filter_use.filter))
                    && !names.contains(&filter.name)
                {
                    names.push(filter.name.clone());
                }
            }
        }
        names
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
            group_members(tenant, graph, id).map(|membership| membership.to_members(tenant))
        }
    }
}

/// The members of group `id`, or `None` when unknown.
fn group_members<'graph>(
    tenant: &Tenant,
    graph: &'graph TargetGraph,
    id: &GroupId,
) -> Option<&'graph Membership> {
    let index = tenant
        .groups
        .binary_search_by(|group| group.id.cmp(id))
        .ok()?;
    graph.memberships.get(index)?.as_ref()
}

/// The devices an include target lands on when nothing is excluded (its
/// devices and its users' devices), for the targets several policies include:
/// All users alone is 100,000 users' devices to look up at tenant scale, once
/// instead of once per policy.
#[derive(Default)]
struct SharedLandings {
    landings: std::collections::BTreeMap<AssignmentTarget, FixedBitSet>,
}

impl SharedLandings {
    fn of(tenant: &Tenant, graph: &TargetGraph, device_users: &DeviceUsers) -> Self {
        let mut uses: std::collections::BTreeMap<&AssignmentTarget, usize> =
            std::collections::BTreeMap::new();
        for assignment in tenant
            .policies
            .iter()
            .flat_map(|policy| policy.assignments.iter().flatten())
        {
            if !matches!(assignment.target, AssignmentTarget::ExcludeGroup(_)) {
                *uses.entry(&assignment.target).or_insert(0) += 1;
            }
        }
        let shared: Vec<&AssignmentTarget> = uses
            .into_iter()
            .filter(|&(_, count)| count > 1)
            .map(|(target, _)| target)
            .collect();
        let landings = shared
            .par_iter()
            .filter_map(|&target| {
                let members = target_members(tenant, graph, target)?;
                Some((target.clone(), landing(device_users, members)))
            })
            .collect();
        Self { landings }
    }
}

/// The devices `members` land on: the member devices and their users' devices.
fn landing(device_users: &DeviceUsers, members: Members) -> FixedBitSet {
    let mut landed = members.devices;
    for user in members.users.ones() {
        for &device in &device_users.devices_of_user[user] {
            landed.insert(device);
        }
    }
    landed
}

fn policy_reach(
    tenant: &Tenant,
    graph: &TargetGraph,
    rules: &InventoryRules,
    device_users: &DeviceUsers,
    shared_landings: &SharedLandings,
    policy: &Policy,
) -> Option<Reach> {
    let mut excluded = Members::empty(tenant);
    for assignment in policy.assignments.iter().flatten() {
        if let AssignmentTarget::ExcludeGroup(_) = assignment.target {
            excluded.union_with(&target_members(tenant, graph, &assignment.target)?);
        }
    }
    let mut devices = FixedBitSet::with_capacity(tenant.devices.len());
    for assignment in policy.assignments.iter().flatten() {
        if let AssignmentTarget::ExcludeGroup(_) = assignment.target {
            continue;
        }
        let nothing_excluded = excluded.devices.is_clear() && excluded.users.is_clear();
        let mut landed = match shared_landings.landings.get(&assignment.target) {
            Some(landed) if nothing_excluded => landed.clone(),
            _ => {
                let mut members = target_members(tenant, graph, &assignment.target)?;
                // Exclusions of the same kind as the included members win.
                members.devices.difference_with(&excluded.devices);
                members.users.difference_with(&excluded.users);
                landing(device_users, members)
            }
        };
        if let Some(filter_use) = &assignment.filter {
            let filter = tenant.filter_index(&filter_use.filter)?;
            if let Some(matching) = rules.filter_matches(filter) {
                match filter_use.mode {
                    FilterMode::Include => landed.intersect_with(matching),
                    FilterMode::Exclude => landed.difference_with(matching),
                }
                devices.union_with(&landed);
                continue;
            }
            let mut kept = FixedBitSet::with_capacity(tenant.devices.len());
            for device in landed.ones() {
                let matches = match rules.filter_on_device(tenant, filter, device) {
                    RuleVerdict::Matches => true,
                    RuleVerdict::DoesNotMatch | RuleVerdict::NotApplicable => false,
                    RuleVerdict::Unknown => return None,
                };
                if matches == (filter_use.mode == FilterMode::Include) {
                    kept.insert(device);
                }
            }
            landed = kept;
        }
        devices.union_with(&landed);
    }
    if !policy.platforms.is_empty() {
        // Devices of another known platform are outside; of no known platform, in.
        for (platform, of_platform) in rules.devices_of_platforms() {
            if !policy.platforms.contains(platform) {
                devices.difference_with(of_platform);
            }
        }
    }
    let users = device_users.users_of(&devices);
    Some(Reach { devices, users })
}

/// The indices in both `first` and `second`, ascending, read word by word
/// without building the intersection (`FixedBitSet::intersection` walks every
/// index of `first` and looks each up in `second`).
fn ones_of_both<'sets>(
    first: &'sets FixedBitSet,
    second: &'sets FixedBitSet,
) -> impl Iterator<Item = usize> + 'sets {
    first
        .as_slice()
        .iter()
        .zip(second.as_slice())
        .enumerate()
        .flat_map(|(word, (left, right))| {
            let mut bits = left & right;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let bit = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    word * usize::BITS as usize + bit
                })
            })
        })
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

impl Audiences {
    /// What `first` and `second` share: the devices both land on, and the
    /// users of those devices.
    pub fn shared(&self, tenant: &Tenant, first: &Reach, second: &Reach) -> SharedAudience {
        let shared_devices = || ones_of_both(&first.devices, &second.devices);
        let examples = shared_devices()
            .take(5)
            .map(|device| tenant.devices[device].name.clone())
            .collect();
        // One pass over both sets: how many devices they share, and whether one
        // holds the other's devices.
        let (mut devices, mut first_within, mut second_within) = (0, true, true);
        let (left_words, right_words) = (first.devices.as_slice(), second.devices.as_slice());
        for (left, right) in left_words.iter().zip(right_words) {
            devices += (left & right).count_ones() as usize;
            first_within &= left & !right == 0;
            second_within &= right & !left == 0;
        }
        // Sets of different lengths (never within one run): the longer one's
        // tail holds devices the other does not.
        let shorter = left_words.len().min(right_words.len());
        first_within &= left_words[shorter..].iter().all(|word| *word == 0);
        second_within &= right_words[shorter..].iter().all(|word| *word == 0);
        // When one reach holds the other's devices, the shared users are the
        // smaller reach's users, already counted; otherwise count them.
        let users = if second_within {
            second.users.count_ones(..)
        } else if first_within {
            first.users.count_ones(..)
        } else {
            self.device_users.count_users_of_each(shared_devices)
        };
        SharedAudience {
            devices,
            users,
            examples,
        }
    }
}
