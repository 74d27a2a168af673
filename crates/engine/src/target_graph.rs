//! The target graph: who gets what. Policies → assignments → targets (groups,
//! All users, All devices) → filters; groups → nested groups → members (devices and
//! users, when an inventory is given). Built once per run and shared read-only by
//! every rule, by `who` and by `graph`.
//!
//! Group nesting may contain cycles in exported data (Entra ID refuses them, but a
//! planner's groups file or a hand-edited export can hold one). Each cycle is found
//! once (strongly connected components), reported by `group-cycle`, and cut when
//! memberships are computed: a group never counts itself among its own members.

use fixedbitset::FixedBitSet;
use petgraph::algo::tarjan_scc;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::EdgeRef;
use preflight_normalizer::{AssignmentTarget, FilterMode, MemberObjectKind, Tenant};
use preflight_parser::rule_language::Subject;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::inventory_rules::{InventoryRules, RuleVerdict};
use crate::object_id_key::ObjectIdKey;

/// A node of the target graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetNode {
    /// A policy (index into `Tenant::policies`).
    Policy(usize),
    /// One assignment of a policy.
    Assignment {
        /// The policy.
        policy: usize,
        /// The assignment's index in the policy.
        index: usize,
    },
    /// A group (index into `Tenant::groups`).
    Group(usize),
    /// A group an assignment names that no input defines.
    UnknownGroup(usize),
    /// An assignment filter (index into `Tenant::filters`).
    Filter(usize),
    /// The "All devices" virtual group.
    AllDevices,
    /// The "All users" virtual group.
    AllUsers,
    /// An inventory device (index into `Tenant::devices`).
    Device(usize),
    /// An inventory user (index into `Tenant::users`).
    User(usize),
}

/// An edge of the target graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetEdge {
    /// Policy → its assignment.
    Assigns,
    /// Assignment → the target it includes.
    Includes,
    /// Assignment → the group it excludes.
    Excludes,
    /// Assignment → its filter, in include or exclude mode.
    Filters(FilterMode),
    /// Group → a group nested in it.
    ContainsGroup,
    /// Group → a device or user member.
    ContainsMember,
}

/// Devices and users, as sets of inventory indices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Members {
    /// Indices into `Tenant::devices`.
    pub devices: FixedBitSet,
    /// Indices into `Tenant::users`.
    pub users: FixedBitSet,
}

impl Members {
    /// No one, sized for the tenant's inventory.
    pub fn empty(tenant: &Tenant) -> Self {
        Self {
            devices: FixedBitSet::with_capacity(tenant.devices.len()),
            users: FixedBitSet::with_capacity(tenant.users.len()),
        }
    }

    /// Adds everyone in `other`.
    pub fn union_with(&mut self, other: &Members) {
        self.devices.union_with(&other.devices);
        self.users.union_with(&other.users);
    }

    /// Whether no device and no user is in the set.
    pub fn is_empty(&self) -> bool {
        self.devices.is_clear() && self.users.is_clear()
    }
}

/// A set of inventory indices as a group's membership keeps it: a bitset over
/// the whole inventory, or, for the small static groups most tenants are made
/// of, the sorted list of its members (a bitset per group over 200,000 devices
/// and 100,000 users is 37.5 KB, whatever the group's size).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberSet {
    /// Every index, as a bitset.
    Dense(FixedBitSet),
    /// The indices in the set, ascending.
    Sparse(Vec<u32>),
}

impl MemberSet {
    /// `set` in the smaller of the two forms.
    fn compact(set: &FixedBitSet) -> Self {
        let count = set.count_ones(..);
        // A list costs 32 bits a member, the bitset one bit an index.
        if count.saturating_mul(32) < set.len() {
            MemberSet::Sparse(
                set.ones()
                    .map(|index| u32::try_from(index).unwrap_or(u32::MAX))
                    .collect(),
            )
        } else {
            MemberSet::Dense(set.clone())
        }
    }

    /// The set of `indices` (in any order, repeats allowed) among `universe`
    /// indices, in the form [`Self::compact`] would give it, without a bitset
    /// over the whole inventory for the small groups most tenants are made of
    /// (clearing and scanning one for each of 20,000 groups cost more than
    /// their members).
    fn of_indices(mut indices: Vec<u32>, universe: usize) -> Self {
        indices.sort_unstable();
        indices.dedup();
        indices.retain(|&index| (index as usize) < universe);
        if indices.len().saturating_mul(32) < universe {
            MemberSet::Sparse(indices)
        } else {
            let mut set = FixedBitSet::with_capacity(universe);
            set.extend(indices.iter().map(|&index| index as usize));
            MemberSet::Dense(set)
        }
    }

    /// Whether `index` is in the set.
    pub fn contains(&self, index: usize) -> bool {
        match self {
            MemberSet::Dense(set) => set.contains(index),
            MemberSet::Sparse(list) => {
                u32::try_from(index).is_ok_and(|index| list.binary_search(&index).is_ok())
            }
        }
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        match self {
            MemberSet::Dense(set) => set.is_clear(),
            MemberSet::Sparse(list) => list.is_empty(),
        }
    }

    /// The indices in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        let (dense, sparse) = match self {
            MemberSet::Dense(set) => (Some(set.ones()), None),
            MemberSet::Sparse(list) => (None, Some(list.iter().map(|&index| index as usize))),
        };
        dense
            .into_iter()
            .flatten()
            .chain(sparse.into_iter().flatten())
    }

    /// The indices in both sets, ascending.
    pub fn intersection<'set>(
        &'set self,
        other: &'set MemberSet,
    ) -> impl Iterator<Item = usize> + 'set {
        self.iter().filter(move |&index| other.contains(index))
    }

    /// Adds the set's indices to `set`.
    fn add_to(&self, set: &mut FixedBitSet) {
        match self {
            MemberSet::Dense(dense) => set.union_with(dense),
            MemberSet::Sparse(list) => set.extend(list.iter().map(|&index| index as usize)),
        }
    }
}

/// A group's members as the target graph keeps them (see [`MemberSet`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Membership {
    /// Indices into `Tenant::devices`.
    pub devices: MemberSet,
    /// Indices into `Tenant::users`.
    pub users: MemberSet,
}

impl Membership {
    fn compact(members: &Members) -> Self {
        Self {
            devices: MemberSet::compact(&members.devices),
            users: MemberSet::compact(&members.users),
        }
    }

    /// Whether no device and no user is in the group.
    pub fn is_empty(&self) -> bool {
        self.devices.is_empty() && self.users.is_empty()
    }

    /// The members as bitsets sized for the tenant's inventory.
    pub fn to_members(&self, tenant: &Tenant) -> Members {
        let mut members = Members::empty(tenant);
        self.add_to(&mut members);
        members
    }

    /// Adds the group's members to `members`.
    fn add_to(&self, members: &mut Members) {
        self.devices.add_to(&mut members.devices);
        self.users.add_to(&mut members.users);
    }
}

/// A nesting cycle: groups (indices into `Tenant::groups`) in cycle order, starting
/// with the lowest index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupCycle {
    /// The groups on the cycle.
    pub groups: Vec<usize>,
}

/// The graph, its indices, and the memberships computed from it.
#[derive(Debug)]
pub struct TargetGraph {
    /// The graph itself.
    pub graph: StableDiGraph<TargetNode, TargetEdge>,
    /// Node of each policy, by policy index.
    pub policy_nodes: Vec<NodeIndex>,
    /// Node of each group, by group index.
    pub group_nodes: Vec<NodeIndex>,
    /// Node of each filter, by filter index.
    pub filter_nodes: Vec<NodeIndex>,
    /// Node of each device, by device index.
    pub device_nodes: Vec<NodeIndex>,
    /// Node of each user, by user index.
    pub user_nodes: Vec<NodeIndex>,
    /// Names of the groups assignments name but no input defines, by their index.
    pub unknown_groups: Vec<String>,
    /// The "All devices" node.
    pub all_devices: NodeIndex,
    /// The "All users" node.
    pub all_users: NodeIndex,
    /// Nesting cycles, in order of their first group.
    pub cycles: Vec<GroupCycle>,
    /// Each group's members through nesting, when they are known (inventory mode):
    /// `None` when the input does not tell who is in the group.
    pub memberships: Vec<Option<Membership>>,
    /// Whether an inventory of devices or users was given.
    pub has_inventory: bool,
}

/// Indices to find inventory objects by the ids group `members` use.
struct InventoryIndex<'tenant> {
    devices_by_object_id: FxHashMap<ObjectIdKey<'tenant>, usize>,
    users_by_object_id: FxHashMap<ObjectIdKey<'tenant>, usize>,
}

impl<'tenant> InventoryIndex<'tenant> {
    fn of(tenant: &'tenant Tenant) -> Self {
        fn index<'tenant>(
            ids: impl Iterator<Item = Option<&'tenant String>>,
        ) -> FxHashMap<ObjectIdKey<'tenant>, usize> {
            let mut by_id = FxHashMap::default();
            by_id.reserve(ids.size_hint().0);
            for (index, id) in ids.enumerate() {
                if let Some(id) = id {
                    by_id.entry(ObjectIdKey::of(id)).or_insert(index);
                }
            }
            by_id
        }
        let (devices_by_object_id, users_by_object_id) = rayon::join(
            || {
                index(
                    tenant
                        .devices
                        .iter()
                        .map(|device| device.object_id.as_ref()),
                )
            },
            || index(tenant.users.iter().map(|user| user.object_id.as_ref())),
        );
        Self {
            devices_by_object_id,
            users_by_object_id,
        }
    }

    /// The inventory device with object id `id` (any case).
    fn device(&self, id: &str) -> Option<usize> {
        self.devices_by_object_id.get(&ObjectIdKey::of(id)).copied()
    }

    /// The inventory user with object id `id` (any case).
    fn user(&self, id: &str) -> Option<usize> {
        self.users_by_object_id.get(&ObjectIdKey::of(id)).copied()
    }

    /// Where group member `member` is in the inventory; `None` for a nested
    /// group, or an id the inventory does not hold.
    fn position(&self, member: &preflight_normalizer::GroupMember) -> Option<InventoryPosition> {
        match member.kind {
            MemberObjectKind::Device => self.device(&member.id).map(InventoryPosition::Device),
            MemberObjectKind::User => self.user(&member.id).map(InventoryPosition::User),
            MemberObjectKind::Group => None,
        }
    }
}

/// A group member's place in the inventory.
enum InventoryPosition {
    /// An index into `Tenant::devices`.
    Device(usize),
    /// An index into `Tenant::users`.
    User(usize),
}

impl TargetGraph {
    /// Builds the graph of `tenant` and computes group memberships.
    ///
    /// The two are independent once the inventory is indexed, and each has a
    /// part that runs on one thread (adding the edges and finding nesting
    /// cycles; walking the nesting for memberships): they are built side by
    /// side.
    pub fn build(tenant: &Tenant, rules: &InventoryRules) -> Self {
        let inventory = InventoryIndex::of(tenant);
        let has_inventory = !tenant.devices.is_empty() || !tenant.users.is_empty();
        let (mut target_graph, memberships) = rayon::join(
            || Self::without_memberships(tenant, &inventory, has_inventory),
            || {
                if has_inventory {
                    compute_memberships(tenant, rules, &inventory)
                } else {
                    vec![None; tenant.groups.len()]
                }
            },
        );
        target_graph.memberships = memberships;
        target_graph
    }

    /// The graph of `tenant`, with no memberships computed.
    fn without_memberships(
        tenant: &Tenant,
        inventory: &InventoryIndex<'_>,
        has_inventory: bool,
    ) -> Self {
        let assignment_count: usize = tenant
            .policies
            .iter()
            .map(|policy| policy.assignments.iter().flatten().count())
            .sum();
        let member_count: usize = tenant
            .groups
            .iter()
            .map(|group| group.members.iter().flatten().count())
            .sum();
        let mut graph = StableDiGraph::with_capacity(
            2 + tenant.groups.len()
                + tenant.filters.len()
                + tenant.devices.len()
                + tenant.users.len()
                + tenant.policies.len()
                + assignment_count,
            member_count + 3 * assignment_count,
        );
        let all_devices = graph.add_node(TargetNode::AllDevices);
        let all_users = graph.add_node(TargetNode::AllUsers);
        let group_nodes: Vec<NodeIndex> = (0..tenant.groups.len())
            .map(|index| graph.add_node(TargetNode::Group(index)))
            .collect();
        let filter_nodes: Vec<NodeIndex> = (0..tenant.filters.len())
            .map(|index| graph.add_node(TargetNode::Filter(index)))
            .collect();
        let device_nodes: Vec<NodeIndex> = (0..tenant.devices.len())
            .map(|index| graph.add_node(TargetNode::Device(index)))
            .collect();
        let user_nodes: Vec<NodeIndex> = (0..tenant.users.len())
            .map(|index| graph.add_node(TargetNode::User(index)))
            .collect();
        let group_index: FxHashMap<&str, usize> = tenant
            .groups
            .iter()
            .enumerate()
            .map(|(index, group)| (group.id.0.as_str(), index))
            .collect();

        // Each member found in parallel (hundreds of thousands of ids to look
        // up at tenant scale), then the edges added in group and member order.
        let member_edges: Vec<Vec<(NodeIndex, TargetEdge)>> = tenant
            .groups
            .par_iter()
            .map(|group| {
                group
                    .members
                    .iter()
                    .flatten()
                    .filter_map(|member| match member.kind {
                        MemberObjectKind::Group => group_index
                            .get(member.id.as_str())
                            .map(|&nested| (group_nodes[nested], TargetEdge::ContainsGroup)),
                        MemberObjectKind::Device | MemberObjectKind::User => {
                            let node = match inventory.position(member)? {
                                InventoryPosition::Device(device) => device_nodes[device],
                                InventoryPosition::User(user) => user_nodes[user],
                            };
                            Some((node, TargetEdge::ContainsMember))
                        }
                    })
                    .collect()
            })
            .collect();
        for (group_position, edges) in member_edges.into_iter().enumerate() {
            for (node, edge) in edges {
                graph.add_edge(group_nodes[group_position], node, edge);
            }
        }

        let mut unknown_groups: Vec<String> = Vec::new();
        let mut policy_nodes = Vec::with_capacity(tenant.policies.len());
        for (policy_index, policy) in tenant.policies.iter().enumerate() {
            let policy_node = graph.add_node(TargetNode::Policy(policy_index));
            policy_nodes.push(policy_node);
            for (index, assignment) in policy.assignments.iter().flatten().enumerate() {
                let assignment_node = graph.add_node(TargetNode::Assignment {
                    policy: policy_index,
                    index,
                });
                graph.add_edge(policy_node, assignment_node, TargetEdge::Assigns);
                let (target_node, edge) = match &assignment.target {
                    AssignmentTarget::AllDevices => (all_devices, TargetEdge::Includes),
                    AssignmentTarget::AllUsers => (all_users, TargetEdge::Includes),
                    AssignmentTarget::IncludeGroup(id) | AssignmentTarget::ExcludeGroup(id) => {
                        let edge = if matches!(assignment.target, AssignmentTarget::IncludeGroup(_))
                        {
                            TargetEdge::Includes
                        } else {
                            TargetEdge::Excludes
                        };
                        let node = match group_index.get(id.0.as_str()) {
                            Some(&group) => group_nodes[group],
                            None => {
                                let position = unknown_groups
                                    .iter()
                                    .position(|name| *name == id.0)
                                    .unwrap_or_else(|| {
                                        unknown_groups.push(id.0.clone());
                                        unknown_groups.len() - 1
                                    });
                                find_or_add(&mut graph, TargetNode::UnknownGroup(position))
                            }
                        };
                        (node, edge)
                    }
                };
                graph.add_edge(assignment_node, target_node, edge);
                if let Some(filter_use) = &assignment.filter
                    && let Some(filter) = tenant.filter_index(&filter_use.filter)
                {
                    graph.add_edge(
                        assignment_node,
                        filter_nodes[filter],
                        TargetEdge::Filters(filter_use.mode),
                    );
                }
            }
        }

        let cycles = nesting_cycles(&graph, &group_nodes);
        Self {
            graph,
            policy_nodes,
            group_nodes,
            filter_nodes,
            device_nodes,
            user_nodes,
            unknown_groups,
            all_devices,
            all_users,
            cycles,
            memberships: Vec::new(),
            has_inventory,
        }
    }

    /// The groups nested directly in group `group`, in index order.
    pub fn nested_groups(&self, group: usize) -> Vec<usize> {
        let mut nested: Vec<usize> = self
            .graph
            .edges(self.group_nodes[group])
            .filter(|edge| *edge.weight() == TargetEdge::ContainsGroup)
            .filter_map(|edge| match self.graph[edge.target()] {
                TargetNode::Group(index) => Some(index),
                _ => None,
            })
            .collect();
        nested.sort_unstable();
        nested
    }

    /// The groups that directly contain group `group`, in index order.
    pub fn parent_groups(&self, group: usize) -> Vec<usize> {
        let mut parents: Vec<usize> = self
            .graph
            .edges_directed(self.group_nodes[group], petgraph::Direction::Incoming)
            .filter(|edge| *edge.weight() == TargetEdge::ContainsGroup)
            .filter_map(|edge| match self.graph[edge.source()] {
                TargetNode::Group(index) => Some(index),
                _ => None,
            })
            .collect();
        parents.sort_unstable();
        parents
    }
}

fn find_or_add(graph: &mut StableDiGraph<TargetNode, TargetEdge>, node: TargetNode) -> NodeIndex {
    graph
        .node_indices()
        .find(|index| graph[*index] == node)
        .unwrap_or_else(|| graph.add_node(node))
}

/// Nesting cycles among groups: strongly connected components of the nesting edges
/// with more than one group, or a group nested in itself.
fn nesting_cycles(
    graph: &StableDiGraph<TargetNode, TargetEdge>,
    group_nodes: &[NodeIndex],
) -> Vec<GroupCycle> {
    // The nesting edges alone, between nodes numbered as the groups are:
    // Tarjan's walk over the whole graph also visited every device and user
    // (300,000 at tenant scale) to find cycles among groups only.
    let mut nesting: petgraph::Graph<(), (), petgraph::Directed, u32> =
        petgraph::Graph::with_capacity(group_nodes.len(), 0);
    for _ in group_nodes {
        nesting.add_node(());
    }
    for (group, &node) in group_nodes.iter().enumerate() {
        for edge in graph.edges(node) {
            if *edge.weight() == TargetEdge::ContainsGroup
                && let TargetNode::Group(nested) = graph[edge.target()]
            {
                nesting.add_edge(
                    petgraph::graph::NodeIndex::new(group),
                    petgraph::graph::NodeIndex::new(nested),
                    (),
                );
            }
        }
    }
    let mut cycles = Vec::new();
    for component in tarjan_scc(&nesting) {
        let mut groups: Vec<usize> = component.iter().map(|node| node.index()).collect();
        let self_nested = groups.len() == 1
            && graph
                .edges(group_nodes[groups[0]])
                .any(|edge| edge.target() == group_nodes[groups[0]]);
        if groups.len() > 1 || self_nested {
            groups.sort_unstable();
            cycles.push(GroupCycle {
                groups: cycle_order(graph, group_nodes, &groups),
            });
        }
    }
    cycles.sort_by(|left, right| left.groups.cmp(&right.groups));
    cycles
}

/// The groups of one component in the order the nesting edges walk them, from the
/// lowest index; groups the walk does not reach are appended in index order.
fn cycle_order(
    graph: &StableDiGraph<TargetNode, TargetEdge>,
    group_nodes: &[NodeIndex],
    component: &[usize],
) -> Vec<usize> {
    let mut order = vec![component[0]];
    let mut current = component[0];
    loop {
        let mut next: Vec<usize> = graph
            .edges(group_nodes[current])
            .filter(|edge| *edge.weight() == TargetEdge::ContainsGroup)
            .filter_map(|edge| match graph[edge.target()] {
                TargetNode::Group(index) if component.contains(&index) => Some(index),
                _ => None,
            })
            .filter(|index| !order.contains(index))
            .collect();
        next.sort_unstable();
        match next.first() {
            Some(&index) => {
                order.push(index);
                current = index;
            }
            None => break,
        }
    }
    for group in component {
        if !order.contains(group) {
            order.push(*group);
        }
    }
    order
}

/// Each group's members through nesting. A group whose members the input does not
/// list (and whose rule cannot be evaluated) is `None`, and so is every group that
/// nests it. Cycles are cut: a group on the current path is not entered again.
fn compute_memberships(
    tenant: &Tenant,
    rules: &InventoryRules,
    inventory: &InventoryIndex<'_>,
) -> Vec<Option<Membership>> {
    // The groups that nest none are computed first, in parallel; the nesting
    // walk then reads them.
    let mut memo: Vec<Option<Option<Membership>>> = (0..tenant.groups.len())
        .into_par_iter()
        .map(|group| membership_without_nesting(tenant, rules, inventory, group))
        .collect();
    let mut on_path = vec![false; tenant.groups.len()];
    let mut spare = Vec::new();
    for group in 0..tenant.groups.len() {
        compute_membership(
            tenant,
            inventory,
            group,
            (&mut memo, &mut on_path, &mut spare),
        );
    }
    memo.into_iter().map(Option::flatten).collect()
}

/// Group `group`'s membership when it nests no group (its transitive members
/// are listed, its direct members hold no group, or it is dynamic or holds no
/// member list); `None` when it nests groups.
fn membership_without_nesting(
    tenant: &Tenant,
    rules: &InventoryRules,
    inventory: &InventoryIndex<'_>,
    group: usize,
) -> Option<Option<Membership>> {
    let definition = &tenant.groups[group];
    let listed = match (&definition.transitive_members, &definition.members) {
        (Some(transitive), _) => transitive,
        (None, Some(direct)) => {
            if direct
                .iter()
                .any(|member| member.kind == MemberObjectKind::Group)
            {
                return None;
            }
            direct
        }
        (None, None) if definition.is_dynamic() => {
            return Some(
                dynamic_members(tenant, rules, group).map(|members| Membership::compact(&members)),
            );
        }
        (None, None) => return Some(None),
    };
    let (mut devices, mut users) = (Vec::new(), Vec::new());
    for member in listed {
        let (index, list) = match inventory.position(member) {
            Some(InventoryPosition::Device(device)) => (device, &mut devices),
            Some(InventoryPosition::User(user)) => (user, &mut users),
            None => continue,
        };
        if let Ok(index) = u32::try_from(index) {
            list.push(index);
        }
    }
    Some(Some(Membership {
        devices: MemberSet::of_indices(devices, tenant.devices.len()),
        users: MemberSet::of_indices(users, tenant.users.len()),
    }))
}

/// The state of the membership walk: the memberships computed so far, the groups
/// on the current nesting path, and dense sets to build the next group in (one
/// per nesting level, reused from group to group: allocating and zeroing a set
/// over the whole inventory per group costs more than the group's members).
type MembershipWalk<'walk> = (
    &'walk mut Vec<Option<Option<Membership>>>,
    &'walk mut Vec<bool>,
    &'walk mut Vec<Members>,
);

/// A cleared dense set from `spare`, or a new one.
fn spare_members(spare: &mut Vec<Members>, tenant: &Tenant) -> Members {
    match spare.pop() {
        Some(mut members) => {
            members.devices.clear();
            members.users.clear();
            members
        }
        None => Members::empty(tenant),
    }
}

/// Computes group `group`'s members into `memo[group]` (after the groups nested
/// in it), unless already there; each group's set is built once and read by the
/// groups it is nested in. The groups that nest none are already there.
fn compute_membership(
    tenant: &Tenant,
    inventory: &InventoryIndex<'_>,
    group: usize,
    (memo, on_path, spare): MembershipWalk<'_>,
) {
    if memo[group].is_some() || on_path[group] {
        // Known, or a cycle: the group is being computed further up; cut here
        // (it contributes nothing to itself).
        return;
    }
    on_path[group] = true;
    let definition = &tenant.groups[group];
    let result = if let Some(direct) = &definition.members {
        let mut members = spare_members(spare, tenant);
        let mut known = true;
        for member in direct {
            if member.kind == MemberObjectKind::Group {
                // Groups are sorted by id.
                let nested = tenant
                    .groups
                    .binary_search_by(|candidate| candidate.id.0.as_str().cmp(member.id.as_str()))
                    .ok();
                let Some(nested) = nested else {
                    known = false;
                    continue;
                };
                compute_membership(tenant, inventory, nested, (memo, on_path, spare));
                match &memo[nested] {
                    Some(Some(nested_members)) => nested_members.add_to(&mut members),
                    Some(None) => known = false,
                    // On the current path: a cycle, cut.
                    None => {}
                }
            } else {
                add_member(&mut members, inventory, member);
            }
        }
        let membership = known.then(|| Membership::compact(&members));
        spare.push(members);
        membership
    } else {
        // Every other group nests none: computed before the walk.
        None
    };
    on_path[group] = false;
    memo[group] = Some(result);
}

fn add_member(
    members: &mut Members,
    inventory: &InventoryIndex<'_>,
    member: &preflight_normalizer::GroupMember,
) {
    match inventory.position(member) {
        Some(InventoryPosition::Device(device)) => members.devices.insert(device),
        Some(InventoryPosition::User(user)) => members.users.insert(user),
        None => {}
    }
}

/// The members of a dynamic group, by evaluating its rule on every device and
/// user; `None` when the rule cannot be evaluated on some of them.
fn dynamic_members(tenant: &Tenant, rules: &InventoryRules, group: usize) -> Option<Members> {
    let mut members = Members::empty(tenant);
    if let Some((subject, set)) = rules.group_members(group) {
        match subject {
            Subject::Device => members.devices = set.clone(),
            Subject::User => members.users = set.clone(),
        }
        return Some(members);
    }
    for index in 0..tenant.devices.len() {
        match rules.group_on_device(group, index) {
            RuleVerdict::Matches => members.devices.insert(index),
            RuleVerdict::DoesNotMatch | RuleVerdict::NotApplicable => {}
            RuleVerdict::Unknown => return None,
        }
    }
    for index in 0..tenant.users.len() {
        match rules.group_on_user(group, index) {
            RuleVerdict::Matches => members.users.insert(index),
            RuleVerdict::DoesNotMatch | RuleVerdict::NotApplicable => {}
            RuleVerdict::Unknown => return None,
        }
    }
    Some(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_found_by_object_id_in_any_case_and_of_any_length() {
        use preflight_normalizer::{Device, User};
        let guid = "3c3c5ff4-5595-4f4e-9a0b-1d2e3f405162";
        let location = preflight_parser::SourceLocation {
            file: preflight_parser::FileId(0),
            span: preflight_parser::Span::default(),
        };
        let device = |object_id: &str| Device {
            object_id: Some(object_id.to_owned()),
            device_id: None,
            managed_device_id: None,
            name: object_id.to_owned(),
            platform: None,
            primary_user_id: None,
            primary_user_principal_name: None,
            signed_in_user_ids: Vec::new(),
            properties: preflight_normalizer::Properties::default(),
            source: location,
        };
        let tenant = Tenant {
            devices: vec![
                device("not-a-guid"),
                device(guid),
                device(&guid.to_ascii_uppercase()),
            ],
            users: vec![User {
                object_id: Some(guid.to_ascii_uppercase()),
                user_principal_name: "ann@contoso.com".to_owned(),
                properties: preflight_normalizer::Properties::default(),
                source: location,
            }],
            ..Tenant::default()
        };
        let index = InventoryIndex::of(&tenant);
        // The first device of an id wins, as before.
        assert_eq!(index.device(guid), Some(1));
        assert_eq!(index.device(&guid.to_ascii_uppercase()), Some(1));
        assert_eq!(index.device("NOT-A-GUID"), Some(0));
        assert_eq!(index.device("not-a-gui"), None);
        assert_eq!(index.user(guid), Some(0));
        assert_eq!(index.user(&guid[1..]), None);
    }

    proptest::proptest! {
        /// The nesting cycles are the groups that reach one another through
        /// nesting (or themselves), as a brute-force closure finds them, with
        /// devices and unknown ids among the members.
        #[test]
        fn nesting_cycles_are_the_groups_that_reach_one_another(
            nestings in proptest::collection::vec(
                proptest::collection::vec(0_usize..12, 0..4),
                1..12,
            ),
        ) {
            use preflight_normalizer::{Group, GroupId, GroupMember, GroupMembership, GroupOrigin};
            let location = preflight_parser::SourceLocation {
                file: preflight_parser::FileId(0),
                span: preflight_parser::Span::default(),
            };
            let count = nestings.len();
            let member = |kind, id: String| GroupMember { kind, id, name: None };
            let groups = nestings
                .iter()
                .enumerate()
                .map(|(index, nested)| {
                    let mut members: Vec<GroupMember> = nested
                        .iter()
                        .map(|&other| member(MemberObjectKind::Group, format!("group-{other}")))
                        .collect();
                    members.push(member(MemberObjectKind::Device, format!("device-{index}")));
                    Group {
                        id: GroupId(format!("group-{index}")),
                        name: format!("Group {index}"),
                        membership: GroupMembership::Static,
                        members: Some(members),
                        transitive_members: None,
                        origin: GroupOrigin::Directory,
                        source: location,
                    }
                })
                .collect();
            let tenant = Tenant { groups, ..Tenant::default() };
            let graph = TargetGraph::build(&tenant, &InventoryRules::build(&tenant));

            // Which group reaches which through one nesting or more (ids past
            // the last group name no group).
            let mut reaches = vec![vec![false; count]; count];
            for (group, nested) in nestings.iter().enumerate() {
                for &other in nested.iter().filter(|&&other| other < count) {
                    reaches[group][other] = true;
                }
            }
            for through in 0..count {
                for from in 0..count {
                    for to in 0..count {
                        if reaches[from][through] && reaches[through][to] {
                            reaches[from][to] = true;
                        }
                    }
                }
            }
            let mut expected: Vec<Vec<usize>> = Vec::new();
            for (group, reached) in reaches.iter().enumerate() {
                let component: Vec<usize> = (0..count)
                    .filter(|&other| other == group || (reached[other] && reaches[other][group]))
                    .collect();
                let on_cycle = component.len() > 1 || reached[group];
                if on_cycle && !expected.contains(&component) {
                    expected.push(component);
                }
            }
            expected.sort();
            let mut found: Vec<Vec<usize>> = graph
                .cycles
                .iter()
                .map(|cycle| {
                    let mut groups = cycle.groups.clone();
                    groups.sort_unstable();
                    groups
                })
                .collect();
            found.sort();
            proptest::prop_assert_eq!(found, expected);
            // Each cycle starts at its lowest group.
            for cycle in &graph.cycles {
                proptest::prop_assert_eq!(cycle.groups.first(), cycle.groups.iter().min());
            }
        }

        /// A membership built from its list of indices is the one compacting
        /// the bitset of the same indices gives, sparse or dense.
        #[test]
        fn a_set_of_indices_is_the_compacted_bitset_of_them(
            universe in 1_usize..400,
            indices in proptest::collection::vec(0_u32..400, 0..60),
        ) {
            let mut dense = FixedBitSet::with_capacity(universe);
            dense.extend(indices.iter().map(|&index| index as usize).filter(|&index| index < universe));
            proptest::prop_assert_eq!(
                MemberSet::of_indices(indices, universe),
                MemberSet::compact(&dense)
            );
        }
    }
}
