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
use preflight_normalizer::{AssignmentTarget, FilterId, FilterMode, GroupId, Policy, Tenant};
use rayon::prelude::*;

use crate::inventory_rules::{InventoryRules, RuleVerdict};
use crate::object_id_key::ObjectIdKey;
use crate::target_graph::{Members, Membership, TargetGraph};

/// Who one policy reaches.
#[derive(Clone, Debug)]
pub struct Reach {
    /// Devices the policy lands on.
    devices: FixedBitSet,
    /// Which words of `devices` hold a device (bit `i` for word `i`, devices
    /// `64 i` to `64 i + 63`): whether two reaches meet is then read from the
    /// words both occupy, a few dozen for most pairs that do not meet, where
    /// the sets themselves are 3,125 words each at tenant scale.
    occupied_words: FixedBitSet,
    /// Users who receive it: the users of those devices, marked the first
    /// time they are asked for ([`Audiences::users_of_reach`]): at tenant scale
    /// marking them for every policy visited millions of devices, and only
    /// `who` and the reaches that hold another's devices ask.
    users: std::sync::OnceLock<FixedBitSet>,
}

impl Reach {
    /// The reach of `devices`.
    pub fn of_devices(devices: FixedBitSet) -> Self {
        let words = devices.as_slice();
        let mut occupied_words = FixedBitSet::with_capacity(words.len());
        for (index, word) in words.iter().enumerate() {
            if *word != 0 {
                occupied_words.insert(index);
            }
        }
        Self {
            devices,
            occupied_words,
            users: std::sync::OnceLock::new(),
        }
    }

    /// The devices the policy lands on.
    pub fn devices(&self) -> &FixedBitSet {
        &self.devices
    }

    /// Whether the reach lands on no device.
    pub fn is_empty(&self) -> bool {
        self.occupied_words.is_clear()
    }

    /// Whether every device of this reach is in `other` too: only the words
    /// this reach occupies are compared, after their summaries.
    pub fn is_within(&self, other: &Reach) -> bool {
        const BITS: usize = usize::BITS as usize;
        let (inner, outer) = (self.devices.as_slice(), other.devices.as_slice());
        let summaries = self.occupied_words.as_slice().iter().zip(
            other
                .occupied_words
                .as_slice()
                .iter()
                .chain(std::iter::repeat(&0)),
        );
        summaries.enumerate().all(|(index, (mine, theirs))| {
            mine & !theirs == 0
                && set_bits(*mine).all(|bit| {
                    let word = index * BITS + bit;
                    let theirs = outer.get(word).copied().unwrap_or(0);
                    inner.get(word).is_none_or(|mine| mine & !theirs == 0)
                })
        })
    }

    /// The devices this reach and `other` share, lowest first: only the words
    /// both occupy are read (the first shared device of two broad reaches
    /// is found in a few words, where a walk over the first reach's devices
    /// tested each of them against the other).
    pub fn shared_devices<'both>(
        &'both self,
        other: &'both Reach,
    ) -> impl Iterator<Item = usize> + 'both {
        const BITS: usize = usize::BITS as usize;
        let (left, right) = (self.devices.as_slice(), other.devices.as_slice());
        self.summary_words_in_common(other)
            .flat_map(move |(index, both)| {
                set_bits(both).flat_map(move |bit| {
                    let word = index * BITS + bit;
                    let both = left.get(word).copied().unwrap_or(0)
                        & right.get(word).copied().unwrap_or(0);
                    set_bits(both).map(move |device| word * BITS + device)
                })
            })
    }

    /// The two reaches' summaries intersected, word by word with its position:
    /// bit `bit` of summary word `index` is set when both reaches occupy
    /// device word `64 index + bit`.
    fn summary_words_in_common<'both>(
        &'both self,
        other: &'both Reach,
    ) -> impl Iterator<Item = (usize, usize)> + 'both {
        self.occupied_words
            .as_slice()
            .iter()
            .zip(other.occupied_words.as_slice())
            .map(|(first, second)| first & second)
            .enumerate()
    }

    /// Whether this reach and `other` share a device: the words both occupy
    /// are tested, sixteen at a time when a summary word has many in common
    /// (two broad reaches), one by one otherwise.
    pub fn shares_a_device_with(&self, other: &Reach) -> bool {
        const BITS: usize = usize::BITS as usize;
        let (left, right) = (self.devices.as_slice(), other.devices.as_slice());
        self.summary_words_in_common(other).any(|(index, both)| {
            let start = index * BITS;
            if both.count_ones() > 16 {
                let end = (start + BITS).min(left.len()).min(right.len());
                return match (left.get(start..end), right.get(start..end)) {
                    (Some(left), Some(right)) => share_a_device(left, right),
                    _ => false,
                };
            }
            set_bits(both).any(|bit| {
                let word = start + bit;
                matches!((left.get(word), right.get(word)), (Some(left), Some(right)) if left & right != 0)
            })
        })
    }
}

/// Reaches are equal when they land on the same devices: their users follow.
impl PartialEq for Reach {
    fn eq(&self, other: &Self) -> bool {
        self.devices == other.devices
    }
}

impl Eq for Reach {}

/// Links between devices and their users: the primary user, and the users who
/// signed in on the device (`usersLoggedOn`), as the inventory tells.
#[derive(Debug)]
pub struct DeviceUsers {
    /// The users of each device, primary user first.
    users_of_device: Vec<Vec<usize>>,
    /// The devices each user is a user of.
    devices_of_user: DevicesOfUser,
    /// Each device's one user (0 for the other devices): most devices have
    /// one user (their primary user), and the users of a set of devices are
    /// marked from this flat list, looking into `users_of_device` only for
    /// the devices of several users.
    only_user_of_device: Vec<u32>,
    /// The devices with exactly one user.
    of_one_user: FixedBitSet,
    /// The devices with several users. Devices with no known user are in
    /// neither set: skipped a word at a time (a seventh of the inventory at
    /// tenant scale, each of which cost a look into `users_of_device`).
    of_several_users: FixedBitSet,
}

/// The devices of each user, all in one array (user after user): a policy's
/// reach looks up the devices of every user it targets, 100,000 users for All
/// users at tenant scale.
#[derive(Debug, Default)]
struct DevicesOfUser {
    /// Where each user's devices start in `devices` (one more entry than users).
    starts: Vec<usize>,
    /// The devices, user after user, each user's in device order.
    devices: Vec<u32>,
}

impl DevicesOfUser {
    fn from_links(users_of_device: &[Vec<usize>], user_count: usize) -> Self {
        let links = users_of_device
            .iter()
            .enumerate()
            .flat_map(|(device, users)| {
                let device = u32::try_from(device).unwrap_or(u32::MAX);
                users.iter().map(move |&user| (user, device))
            });
        let (starts, devices) = crate::grouped::grouped_by_key(user_count, links);
        Self { starts, devices }
    }

    fn user_count(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// The devices of user `user`, in device order.
    fn devices(&self, user: usize) -> &[u32] {
        match (self.starts.get(user), self.starts.get(user + 1)) {
            (Some(&start), Some(&end)) => &self.devices[start..end],
            _ => &[],
        }
    }
}

impl DeviceUsers {
    fn of(tenant: &Tenant) -> Self {
        // Object ids and user principal names, without case.
        let mut by_id: rustc_hash::FxHashMap<ObjectIdKey<'_>, usize> =
            rustc_hash::FxHashMap::default();
        by_id.reserve(2 * tenant.users.len());
        for (index, user) in tenant.users.iter().enumerate() {
            if let Some(id) = &user.object_id {
                by_id.entry(ObjectIdKey::of(id)).or_insert(index);
            }
            by_id
                .entry(ObjectIdKey::of(&user.user_principal_name))
                .or_insert(index);
        }
        let find = |key: &String| by_id.get(&ObjectIdKey::of(key)).copied();
        let users_of_device: Vec<Vec<usize>> = tenant
            .devices
            .par_iter()
            .map(|device| {
                let primary = device
                    .primary_user_id
                    .iter()
                    .chain(&device.primary_user_principal_name)
                    .find_map(find);
                let mut users: Vec<usize> = primary.into_iter().collect();
                for id in &device.signed_in_user_ids {
                    if let Some(user) = find(id)
                        && !users.contains(&user)
                    {
                        users.push(user);
                    }
                }
                users
            })
            .collect();
        Self::from_links(users_of_device, tenant.users.len())
    }

    /// The links from the users of each device (indices below `user_count`).
    fn from_links(users_of_device: Vec<Vec<usize>>, user_count: usize) -> Self {
        let devices_of_user = DevicesOfUser::from_links(&users_of_device, user_count);
        let mut of_one_user = FixedBitSet::with_capacity(users_of_device.len());
        let mut of_several_users = FixedBitSet::with_capacity(users_of_device.len());
        let only_user_of_device = users_of_device
            .iter()
            .enumerate()
            .map(|(device, users)| match users.as_slice() {
                [] => 0,
                [user] if u32::try_from(*user).is_ok() => {
                    of_one_user.insert(device);
                    *user as u32
                }
                _ => {
                    of_several_users.insert(device);
                    0
                }
            })
            .collect();
        Self {
            users_of_device,
            devices_of_user,
            only_user_of_device,
            of_one_user,
            of_several_users,
        }
    }

    /// The users of `devices`.
    fn users_of(&self, devices: &FixedBitSet) -> FixedBitSet {
        self.users_of_words(devices.as_slice().iter().copied())
    }

    /// The users of the devices whose bits `words` yields, word by word (the
    /// first word holds devices 0 to 63, and so on): for each device of one
    /// user, that user's bit is set straight from `only_user_of_device`;
    /// the few other devices are looked up in `users_of_device`.
    fn users_of_words(&self, words: impl Iterator<Item = usize>) -> FixedBitSet {
        const BITS: usize = usize::BITS as usize;
        let mut users = FixedBitSet::with_capacity(self.devices_of_user.user_count());
        let marks = users.as_mut_slice();
        let (of_one, of_several) = (
            self.of_one_user.as_slice(),
            self.of_several_users.as_slice(),
        );
        for (index, word) in words.enumerate() {
            let word_of = |set: &[usize]| set.get(index).copied().unwrap_or(0) & word;
            for bit in set_bits(word_of(of_one)) {
                if let Some(&user) = self.only_user_of_device.get(index * BITS + bit) {
                    let user = user as usize;
                    marks[user / BITS] |= 1 << (user % BITS);
                }
            }
            for bit in set_bits(word_of(of_several)) {
                let device = index * BITS + bit;
                for &user in self
                    .users_of_device
                    .get(device)
                    .map_or(&[][..], Vec::as_slice)
                {
                    marks[user / BITS] |= 1 << (user % BITS);
                }
            }
        }
        users
    }

    /// How many distinct users the devices two sets share have.
    fn count_users_of_both(&self, first: &FixedBitSet, second: &FixedBitSet) -> usize {
        self.users_of_words(
            first
                .as_slice()
                .iter()
                .zip(second.as_slice())
                .map(|(left, right)| left & right),
        )
        .count_ones(..)
    }
}

/// Every policy's exact audience, when an inventory makes it knowable.
#[derive(Debug)]
pub struct Audiences {
    /// Each policy's reach, by policy index; `None` when unknown.
    pub reaches: Vec<Option<Reach>>,
    /// The links between inventory devices and their users.
    device_users: DeviceUsers,
    /// A number for each policy's reach, the same for equal reaches (numbered
    /// on first use).
    reach_classes: std::sync::OnceLock<Vec<Option<u32>>>,
    /// What two reaches share, by their numbers (lower first), once computed.
    shared_by_classes: std::sync::Mutex<rustc_hash::FxHashMap<(u32, u32), SharedAudience>>,
    /// Where each group and filter is, for describing how pairs reach devices.
    positions: TargetPositions,
}

/// Where each group and filter of the tenant is, by the ids assignments name
/// them by: describing how each of tens of thousands of pairs reaches a device
/// looks up every group and filter both policies assign, and a binary search
/// over 20,000 group ids or a scan of 500 filters for each cost more than the
/// rest of the description. Group ids are unique once normalized; filters are
/// found by id, then by display name, the first of each, as
/// [`Tenant::filter_index`] finds them. Empty without an inventory (nothing is
/// described device by device), and every lookup falls back to the tenant.
#[derive(Debug, Default)]
struct TargetPositions {
    groups: rustc_hash::FxHashMap<String, usize>,
    filters_by_id: rustc_hash::FxHashMap<String, usize>,
    filters_by_name: rustc_hash::FxHashMap<String, usize>,
}

impl TargetPositions {
    fn of(tenant: &Tenant) -> Self {
        let mut positions = Self::default();
        for (index, group) in tenant.groups.iter().enumerate() {
            positions.groups.entry(group.id.0.clone()).or_insert(index);
        }
        for (index, filter) in tenant.filters.iter().enumerate() {
            positions
                .filters_by_id
                .entry(filter.id.0.clone())
                .or_insert(index);
            positions
                .filters_by_name
                .entry(filter.name.clone())
                .or_insert(index);
        }
        positions
    }

    /// The index of group `id` in `tenant` (`None` when it is not there, or
    /// `tenant` is not the tenant these positions are of).
    fn group(&self, tenant: &Tenant, id: &GroupId) -> Option<usize> {
        let &index = self.groups.get(&id.0)?;
        tenant
            .groups
            .get(index)
            .is_some_and(|group| group.id == *id)
            .then_some(index)
    }

    /// The index of the filter `id` names in `tenant` (another tenant than
    /// these positions' is searched).
    fn filter(&self, tenant: &Tenant, id: &FilterId) -> Option<usize> {
        let found = self
            .filters_by_id
            .get(&id.0)
            .or_else(|| self.filters_by_name.get(&id.0))
            .copied();
        match found {
            Some(index)
                if tenant
                    .filters
                    .get(index)
                    .is_some_and(|filter| filter.id == *id || filter.name == id.0) =>
            {
                Some(index)
            }
            _ => tenant.filter_index(id),
        }
    }
}

impl Audiences {
    /// Computes every policy's reach (in parallel), or all `None` without inventory.
    pub fn compute(tenant: &Tenant, graph: &TargetGraph, rules: &InventoryRules) -> Self {
        let device_users = DeviceUsers::of(tenant);
        if !graph.has_inventory {
            return Self::of_reaches(
                vec![None; tenant.policies.len()],
                device_users,
                TargetPositions::default(),
            );
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
        Self::of_reaches(reaches, device_users, TargetPositions::of(tenant))
    }

    fn of_reaches(
        reaches: Vec<Option<Reach>>,
        device_users: DeviceUsers,
        positions: TargetPositions,
    ) -> Self {
        Self {
            reaches,
            device_users,
            reach_classes: std::sync::OnceLock::new(),
            shared_by_classes: std::sync::Mutex::default(),
            positions,
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

    /// The users `reach` reaches: the users of its devices (marked on first use).
    pub fn users_of_reach<'reach>(&self, reach: &'reach Reach) -> &'reach FixedBitSet {
        reach
            .users
            .get_or_init(|| self.device_users.users_of(&reach.devices))
    }
}

impl Audiences {
    /// For each pair of policies `(first, second)` of `pairs`, whether their
    /// reaches share a device; `None` when either reach is unknown.
    ///
    /// At tenant scale the reaches are 25 KiB each and 125 MiB together; a
    /// pair reads the words both reaches occupy (a few dozen when one is
    /// small, all of them for two broad reaches that do not meet): taken in
    /// the order given, each pair would read its second reach from memory.
    /// The pairs are taken in tiles instead, a band of first policies against
    /// a band of second policies, so that the reaches a tile reads stay in the
    /// cache while its pairs are tested.
    pub fn meetings(&self, pairs: &[(u32, u32)]) -> Vec<Option<bool>> {
        let reach_bytes = self
            .reaches
            .iter()
            .flatten()
            .map(|reach| std::mem::size_of_val(reach.devices.as_slice()))
            .max();
        let Some(reach_bytes) = reach_bytes else {
            return vec![None; pairs.len()];
        };
        let band = (TILE_BAND_BYTES / reach_bytes.max(1)).max(1);
        in_tiles(pairs, band, |(first, second)| {
            match (
                &self.reaches[first as usize],
                &self.reaches[second as usize],
            ) {
                (Some(first), Some(second)) => Some(first.shares_a_device_with(second)),
                _ => None,
            }
        })
    }
}

/// Whether two runs of words of device sets share a device: the words are
/// tested 16 at a time, a loop the compiler unrolls and vectorizes.
fn share_a_device(first: &[usize], second: &[usize]) -> bool {
    const CHUNK: usize = 16;
    let length = first.len().min(second.len());
    let (first, second) = (&first[..length], &second[..length]);
    let mut first_chunks = first.chunks_exact(CHUNK);
    let mut second_chunks = second.chunks_exact(CHUNK);
    for (left, right) in (&mut first_chunks).zip(&mut second_chunks) {
        let shared = left
            .iter()
            .zip(right)
            .fold(0, |shared, (left, right)| shared | (left & right));
        if shared != 0 {
            return true;
        }
    }
    first_chunks
        .remainder()
        .iter()
        .zip(second_chunks.remainder())
        .any(|(left, right)| left & right != 0)
}

/// `test` of each pair of `pairs`, in the order of `pairs`, computed tile by
/// tile in parallel: a tile is the pairs whose first policy is in one band of
/// `band` consecutive policies and whose second policy is in another.
fn in_tiles<Outcome: Send + Clone + Default>(
    pairs: &[(u32, u32)],
    band: usize,
    test: impl Fn((u32, u32)) -> Outcome + Sync,
) -> Vec<Outcome> {
    // At most 1,024 bands: a million tiles to count.
    let policies = pairs
        .iter()
        .map(|&(first, second)| first.max(second) as usize + 1)
        .max()
        .unwrap_or(0);
    let band = band.max(policies.div_ceil(MOST_BANDS)).max(1);
    let band_of = |policy: u32| policy as usize / band;
    let bands = policies.div_ceil(band);
    let tile_of = |&(first, second): &(u32, u32)| band_of(first) * bands + band_of(second);
    // The pairs' indices, grouped by tile (in the given order within each).
    let (starts, by_tile) = crate::grouped::grouped_by_key(
        bands * bands,
        pairs
            .iter()
            .enumerate()
            .map(|(index, pair)| (tile_of(pair), index)),
    );
    let tiled: Vec<Outcome> = starts
        .par_windows(2)
        .flat_map_iter(|range| {
            by_tile[range[0]..range[1]]
                .iter()
                .map(|&index| test(pairs[index]))
        })
        .collect();
    let mut outcomes = vec![Outcome::default(); pairs.len()];
    for (&index, outcome) in by_tile.iter().zip(tiled) {
        outcomes[index] = outcome;
    }
    outcomes
}

/// The most bands [`in_tiles`] cuts the policies into.
const MOST_BANDS: usize = 1024;

/// How many bytes of reaches one band of a tile in [`Audiences::meetings`]
/// holds: a tile reads two bands, and the two threads of a small machine two
/// tiles at once, within a shared 32 MiB cache.
const TILE_BAND_BYTES: usize = 4 << 20;

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
                    match self.group_members(tenant, graph, id) {
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
            let filtered_in = || {
                assignment.filter.as_ref().is_none_or(|filter_use| {
                    self.positions
                        .filter(tenant, &filter_use.filter)
                        .is_some_and(|filter| {
                            let matches = rules.filter_on_device(tenant, filter, device)
                                == RuleVerdict::Matches;
                            matches == (filter_use.mode == FilterMode::Include)
                        })
                })
            };
            if reached && platform_ok && filtered_in() {
                let target = self.target_name(tenant, &assignment.target);
                if !names.contains(&target) {
                    names.push(target);
                }
                if let Some(filter) = assignment
                    .filter
                    .as_ref()
                    .and_then(|filter_use| self.positions.filter(tenant, &filter_use.filter))
                    .map(|index| &tenant.filters[index])
                    && !names.contains(&filter.name)
                {
                    names.push(filter.name.clone());
                }
            }
        }
        names
    }
}

impl Audiences {
    /// The members of group `id`, or `None` when unknown, as [`group_members`]
    /// finds them, through the positions of the groups.
    fn group_members<'graph>(
        &self,
        tenant: &Tenant,
        graph: &'graph TargetGraph,
        id: &GroupId,
    ) -> Option<&'graph Membership> {
        match self.positions.group(tenant, id) {
            Some(index) => graph.memberships.get(index)?.as_ref(),
            None => group_members(tenant, graph, id),
        }
    }

    /// The name of `target`, as [`crate::overlap::target_name`] writes it.
    fn target_name(&self, tenant: &Tenant, target: &AssignmentTarget) -> String {
        match target {
            AssignmentTarget::IncludeGroup(id) | AssignmentTarget::ExcludeGroup(id) => {
                match self.positions.group(tenant, id) {
                    Some(index) => tenant.groups[index].name.clone(),
                    None => crate::overlap::target_name(tenant, target),
                }
            }
            AssignmentTarget::AllDevices | AssignmentTarget::AllUsers => {
                crate::overlap::target_name(tenant, target)
            }
        }
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
    const BITS: usize = usize::BITS as usize;
    let marks = landed.as_mut_slice();
    for user in members.users.ones() {
        for &device in device_users.devices_of_user.devices(user) {
            let device = device as usize;
            if let Some(word) = marks.get_mut(device / BITS) {
                *word |= 1 << (device % BITS);
            }
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
    Some(Reach::of_devices(devices))
}

/// The positions of the bits set in `word`, lowest first.
fn set_bits(mut word: usize) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (word != 0).then(|| {
            let bit = word.trailing_zeros() as usize;
            word &= word - 1;
            bit
        })
    })
}

/// A number for each reach, the same for equal reaches (`None` for unknown
/// ones): the reaches are hashed in parallel, and those of equal hashes
/// compared.
fn reach_classes(reaches: &[Option<Reach>]) -> Vec<Option<u32>> {
    use std::hash::{Hash, Hasher};
    let hashes: Vec<Option<u64>> = reaches
        .par_iter()
        .map(|reach| {
            reach.as_ref().map(|reach| {
                let mut hasher = rustc_hash::FxHasher::default();
                reach.devices.as_slice().hash(&mut hasher);
                hasher.finish()
            })
        })
        .collect();
    // For each hash, the classes met with it and a policy of each.
    let mut classes_of_hash: rustc_hash::FxHashMap<u64, Vec<(u32, usize)>> =
        rustc_hash::FxHashMap::default();
    let mut count = 0_u32;
    let mut classes = Vec::with_capacity(reaches.len());
    for (policy, hash) in hashes.iter().enumerate() {
        let (Some(hash), Some(reach)) = (hash, &reaches[policy]) else {
            classes.push(None);
            continue;
        };
        let met = classes_of_hash.entry(*hash).or_default();
        let same = met.iter().find(|(_, other)| {
            reaches[*other]
                .as_ref()
                .is_some_and(|other| other.devices == reach.devices)
        });
        classes.push(Some(match same {
            Some(&(class, _)) => class,
            None => {
                met.push((count, policy));
                count += 1;
                count - 1
            }
        }));
    }
    classes
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
    /// What the reaches `first` and `second` of policies `policies` share, as
    /// [`Self::shared`] tells, computed once for each pair of distinct reaches:
    /// policies assigned alike reach the same devices, and at tenant scale a
    /// third of the pairs described repeat the reaches of another.
    pub fn shared_by_policies(
        &self,
        tenant: &Tenant,
        policies: (usize, usize),
        first: &Reach,
        second: &Reach,
    ) -> SharedAudience {
        let is_reach_of = |policy: usize, reach: &Reach| {
            self.reaches
                .get(policy)
                .and_then(Option::as_ref)
                .is_some_and(|known| std::ptr::eq(known, reach))
        };
        if !is_reach_of(policies.0, first) || !is_reach_of(policies.1, second) {
            return self.shared(tenant, first, second);
        }
        let classes = self
            .reach_classes
            .get_or_init(|| reach_classes(&self.reaches));
        let (Some(first_class), Some(second_class)) = (classes[policies.0], classes[policies.1])
        else {
            return self.shared(tenant, first, second);
        };
        let key = (first_class.min(second_class), first_class.max(second_class));
        let known = |cache: &std::sync::Mutex<_>| {
            let cache: std::sync::MutexGuard<'_, rustc_hash::FxHashMap<_, SharedAudience>> = cache
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            cache.get(&key).cloned()
        };
        if let Some(shared) = known(&self.shared_by_classes) {
            return shared;
        }
        // Computed outside the lock: two threads may compute the same pair,
        // with the same answer.
        let shared = self.shared(tenant, first, second);
        self.shared_by_classes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key, shared.clone());
        shared
    }

    /// What `first` and `second` share: the devices both land on, and the
    /// users of those devices.
    pub fn shared(&self, tenant: &Tenant, first: &Reach, second: &Reach) -> SharedAudience {
        let examples = first
            .shared_devices(second)
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
        // smaller reach's users (marked once for every pair that asks);
        // otherwise count the users of the shared devices.
        let users = if second_within {
            self.users_of_reach(second).count_ones(..)
        } else if first_within {
            self.users_of_reach(first).count_ones(..)
        } else {
            self.device_users
                .count_users_of_both(&first.devices, &second.devices)
        };
        SharedAudience {
            devices,
            users,
            examples,
        }
    }
}

#[cfg(test)]
mod tests {
    use fixedbitset::FixedBitSet;

    use super::{DeviceUsers, Reach, in_tiles, reach_classes};

    #[test]
    fn tiles_give_each_pair_its_own_outcome_in_the_order_given() {
        let pairs: Vec<(u32, u32)> = (0..40_u32)
            .flat_map(|first| (first + 1..40).map(move |second| (first, second)))
            .filter(|(first, second)| (first * 7 + second * 3) % 5 != 0)
            .collect();
        for band in [1, 2, 3, 7, 40, 1000] {
            let outcomes = in_tiles(&pairs, band, |pair| pair);
            assert_eq!(outcomes, pairs, "band {band}");
        }
        assert!(in_tiles(&[], 4, |pair| pair).is_empty());
    }

    #[test]
    fn filters_are_found_by_id_then_by_name_as_the_tenant_finds_them() {
        use preflight_normalizer::{Filter, FilterId, Tenant};
        let location = preflight_parser::SourceLocation {
            file: preflight_parser::FileId(0),
            span: preflight_parser::Span::default(),
        };
        let filter = |id: &str, name: &str| Filter {
            id: FilterId(id.to_owned()),
            name: name.to_owned(),
            platform: None,
            rule: String::new(),
            rule_source: location,
            source: location,
        };
        let tenant = Tenant {
            filters: vec![
                filter("a", "Kiosks"),
                filter("b", "a"),
                filter("a", "Copy"),
                filter("c", "Kiosks"),
            ],
            ..Tenant::default()
        };
        let positions = super::TargetPositions::of(&tenant);
        for id in ["a", "b", "c", "Kiosks", "Copy", "missing"] {
            let id = FilterId(id.to_owned());
            assert_eq!(
                positions.filter(&tenant, &id),
                tenant.filter_index(&id),
                "{id:?}"
            );
        }
        // Positions of another tenant are checked, and that tenant searched.
        let other = Tenant {
            filters: vec![filter("c", "Other")],
            ..Tenant::default()
        };
        let id = FilterId("c".to_owned());
        assert_eq!(positions.filter(&other, &id), Some(0));
    }

    #[test]
    fn sets_share_a_device_exactly_when_they_intersect() {
        let set = |devices: &[usize], length: usize| {
            let mut set = FixedBitSet::with_capacity(length);
            devices.iter().for_each(|&device| set.insert(device));
            set
        };
        for length in [0, 1, 64, 1000, 1024, 1100] {
            for first in [0, 63, 64, 999, 1023, 1090] {
                for second in [0, 63, 64, 999, 1023, 1090] {
                    if first >= length || second >= length {
                        continue;
                    }
                    let (left, right) = (set(&[first], length), set(&[second], length));
                    assert_eq!(
                        Reach::of_devices(left.clone())
                            .shares_a_device_with(&Reach::of_devices(right.clone())),
                        !left.is_disjoint(&right),
                        "{first} and {second} of {length}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_reach_is_within_another_exactly_when_its_devices_are_a_subset() {
        let reach = |devices: &[usize], length: usize| {
            let mut set = FixedBitSet::with_capacity(length);
            devices.iter().for_each(|&device| set.insert(device));
            Reach::of_devices(set)
        };
        let cases: [(&[usize], &[usize]); 7] = [
            (&[], &[]),
            (&[], &[5]),
            (&[5], &[]),
            (&[5, 700], &[5, 700, 4_000]),
            (&[5, 700, 4_000], &[5, 700]),
            (&[64, 65], &[64]),
            (&[4_095], &[4_095, 0]),
        ];
        for (inner, outer) in cases {
            for length in [4_096, 5_000] {
                let (inner_reach, outer_reach) = (reach(inner, length), reach(outer, length));
                assert_eq!(
                    inner_reach.is_within(&outer_reach),
                    inner_reach.devices().is_subset(outer_reach.devices()),
                    "{inner:?} within {outer:?} of {length}"
                );
                assert_eq!(inner_reach.is_empty(), inner.is_empty());
            }
        }
    }

    #[test]
    fn broad_reaches_that_interleave_share_a_device_only_where_one_is_added() {
        // Even devices against odd ones: every word is occupied by both, and
        // no device is shared until one is added to the odd ones.
        let length = 5_000;
        let even: FixedBitSet = (0..length).step_by(2).collect();
        let odd = |added: Option<usize>| {
            let mut set = FixedBitSet::with_capacity(length);
            (1..length).step_by(2).for_each(|device| set.insert(device));
            added.into_iter().for_each(|device| set.insert(device));
            Reach::of_devices(set)
        };
        let even = Reach::of_devices(even);
        assert!(!even.shares_a_device_with(&odd(None)));
        assert!(!odd(None).shares_a_device_with(&even));
        for added in [0, 62, 64, 4_094, 4_998] {
            assert!(even.shares_a_device_with(&odd(Some(added))), "{added}");
            assert!(odd(Some(added)).shares_a_device_with(&even), "{added}");
        }
    }

    proptest::proptest! {
        /// Sparse and dense sets alike (so that the words both occupy are
        /// tested one by one and sixteen at a time): two reaches share a
        /// device exactly when their sets are not disjoint, and one is within
        /// another exactly when its set is a subset.
        #[test]
        fn reaches_share_a_device_exactly_when_their_sets_intersect(
            length in 0_usize..9_000,
            first_density in 0_u32..1_000,
            second_density in 0_u32..1_000,
            seed in proptest::prelude::any::<u64>(),
        ) {
            let mut state = seed;
            let mut next = move || {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut mixed = state;
                mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                mixed ^ (mixed >> 31)
            };
            // Densities in thousandths, squared towards sparse sets.
            let mut set = |density: u32| {
                let threshold = u64::from(density * density / 1_000);
                let mut set = FixedBitSet::with_capacity(length);
                for device in 0..length {
                    if next() % 1_000 < threshold {
                        set.insert(device);
                    }
                }
                set
            };
            let (left, right) = (set(first_density), set(second_density));
            let expected = !left.is_disjoint(&right);
            let (left, right) = (Reach::of_devices(left), Reach::of_devices(right));
            proptest::prop_assert_eq!(left.shares_a_device_with(&right), expected);
            proptest::prop_assert_eq!(right.shares_a_device_with(&left), expected);
            let shared: Vec<usize> = left.devices().intersection(right.devices()).collect();
            proptest::prop_assert_eq!(left.shared_devices(&right).collect::<Vec<_>>(), shared.clone());
            proptest::prop_assert_eq!(right.shared_devices(&left).collect::<Vec<_>>(), shared);
            proptest::prop_assert_eq!(
                left.is_within(&right),
                left.devices().is_subset(right.devices())
            );
            let mut union = left.devices().clone();
            union.union_with(right.devices());
            proptest::prop_assert!(left.is_within(&Reach::of_devices(union)));
        }
    }

    #[test]
    fn equal_reaches_share_a_number_and_unknown_ones_have_none() {
        let reach = |devices: &[usize]| {
            let mut set = FixedBitSet::with_capacity(130);
            devices.iter().for_each(|&device| set.insert(device));
            Some(Reach::of_devices(set))
        };
        let reaches = vec![
            reach(&[1, 64, 129]),
            None,
            reach(&[1, 64]),
            reach(&[1, 64, 129]),
            reach(&[]),
            reach(&[1, 64]),
        ];
        assert_eq!(
            reach_classes(&reaches),
            vec![Some(0), None, Some(1), Some(0), Some(2), Some(1)]
        );
    }

    proptest::proptest! {
        /// The users of two device sets' shared devices, marked word by word,
        /// are the users found device by device.
        #[test]
        fn users_of_shared_devices_are_counted_as_one_by_one(
            links in proptest::collection::vec(
                proptest::collection::btree_set(0..30_usize, 0..4),
                0..200,
            ),
            first in proptest::collection::vec(proptest::bool::ANY, 200),
            second in proptest::collection::vec(proptest::bool::ANY, 200),
        ) {
            let devices = links.len();
            let users_of_device: Vec<Vec<usize>> =
                links.iter().map(|users| users.iter().copied().collect()).collect();
            let links_kept = DeviceUsers::from_links(users_of_device.clone(), 30);
            let set_of = |chosen: &[bool]| -> FixedBitSet {
                let mut set = FixedBitSet::with_capacity(devices);
                (0..devices).filter(|&device| chosen[device]).for_each(|device| set.insert(device));
                set
            };
            let (first, second) = (set_of(&first), set_of(&second));
            let expected: std::collections::BTreeSet<usize> = (0..devices)
                .filter(|&device| first.contains(device) && second.contains(device))
                .flat_map(|device| users_of_device[device].iter().copied())
                .collect();
            proptest::prop_assert_eq!(
                links_kept.count_users_of_both(&first, &second),
                expected.len()
            );
            let users_of_first: Vec<usize> = links_kept.users_of(&first).ones().collect();
            let expected_of_first: Vec<usize> = (0..devices)
                .filter(|&device| first.contains(device))
                .flat_map(|device| users_of_device[device].iter().copied())
                .collect::<std::collections::BTreeSet<usize>>()
                .into_iter()
                .collect();
            proptest::prop_assert_eq!(users_of_first, expected_of_first);
            for user in 0..30 {
                let expected_devices: Vec<u32> = (0..devices)
                    .filter(|&device| users_of_device[device].contains(&user))
                    .map(|device| device as u32)
                    .collect();
                proptest::prop_assert_eq!(links_kept.devices_of_user.devices(user), &expected_devices[..]);
            }
        }
    }
}
