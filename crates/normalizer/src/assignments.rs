//! Normalizes policy assignments as Graph and IntuneCD write them.
//!
//! Graph names groups and filters by id (`groupId`, a filter GUID); IntuneCD
//! replaces both by display names and adds `groupName`, `groupType` and, for
//! dynamic groups, `membershipRule`. Either way each assignment becomes one
//! [`Assignment`], and every group IntuneCD describes becomes a [`Group`].

use preflight_parser::json::Node;

use crate::model::{
    Assignment, AssignmentFilterUse, AssignmentTarget, FilterId, FilterMode, Group, GroupId,
    GroupMembership, GroupOrigin,
};
use crate::reader::FieldReader;

const TARGET_PREFIX: &str = "#microsoft.graph.";
/// Graph writes this id for "no filter".
const EMPTY_FILTER_ID: &str = "00000000-0000-0000-0000-000000000000";

/// Reads a saved `…('{id}')/assignments` response: the id of the policy it belongs
/// to and its assignments.
pub fn read_assignments_page(
    document: &preflight_parser::Document,
    groups: &mut Vec<Group>,
    problems: &mut Vec<preflight_parser::InputProblem>,
) -> Option<(crate::model::PolicyId, Vec<Assignment>)> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the assignments response")?;
    let owner = crate::owner_of_page(&mut reader, root)?;
    let value = root.get("value")?;
    Some((owner, read_assignments(&mut reader, value, groups)?))
}

/// Reads a policy's `assignments` array. `None` when the array has entries and
/// not one of them could be read: the audience is then unknown, not empty.
pub fn read_assignments(
    reader: &mut FieldReader<'_>,
    node: &Node,
    groups: &mut Vec<Group>,
) -> Option<Vec<Assignment>> {
    let Some(entries) = node.as_array() else {
        if !node.is_null() {
            reader.wrong_type(node, "assignments", "an array");
        }
        return None;
    };
    let assignments: Vec<Assignment> = entries
        .iter()
        .filter_map(|entry| read_assignment(reader, entry, groups))
        .collect();
    if assignments.is_empty() && !entries.is_empty() {
        return None;
    }
    Some(assignments)
}

fn read_assignment(
    reader: &mut FieldReader<'_>,
    entry: &Node,
    groups: &mut Vec<Group>,
) -> Option<Assignment> {
    let entry = reader.expect_object(entry, "each assignment")?;
    let Some(target) = entry.get("target") else {
        reader.problem(entry.span, "the assignment has no `target`");
        return None;
    };
    let target = reader.expect_object(target, "the assignment's `target`")?;
    let Some(type_node) = target.get("@odata.type") else {
        reader.problem(target.span, "the assignment target has no `@odata.type`");
        return None;
    };
    let odata_type = reader.optional_str(target, "@odata.type")?;
    let kind = odata_type.strip_prefix(TARGET_PREFIX).unwrap_or(odata_type);
    let target_kind = match kind {
        "allDevicesAssignmentTarget" => AssignmentTarget::AllDevices,
        "allLicensedUsersAssignmentTarget" => AssignmentTarget::AllUsers,
        "groupAssignmentTarget" => {
            AssignmentTarget::IncludeGroup(read_group(reader, target, groups)?)
        }
        "exclusionGroupAssignmentTarget" => {
            AssignmentTarget::ExcludeGroup(read_group(reader, target, groups)?)
        }
        other => {
            reader.problem(
                type_node.span,
                format!(
                    "assignment target `{other}` is not understood; this assignment is ignored"
                ),
            );
            return None;
        }
    };
    let filter = read_filter_use(reader, target);
    Some(Assignment {
        target: target_kind,
        filter,
        source: reader.location(target.span),
    })
}

/// The group a group target names; records IntuneCD's description of it.
fn read_group(
    reader: &mut FieldReader<'_>,
    target: &Node,
    groups: &mut Vec<Group>,
) -> Option<GroupId> {
    let group_id = reader.optional_str(target, "groupId");
    let group_name = reader.optional_str(target, "groupName");
    let Some(identity) = group_id.or(group_name) else {
        reader.problem(
            target.span,
            "the group assignment names no group (neither `groupId` nor `groupName`)",
        );
        return None;
    };
    let id = GroupId(identity.to_owned());
    let group_type = reader.optional_str(target, "groupType");
    let rule = reader.optional_str(target, "membershipRule");
    let membership = match (group_type, rule, target.get("membershipRule")) {
        (Some(kind), Some(rule), Some(rule_node))
            if kind.eq_ignore_ascii_case("DynamicMembership") =>
        {
            GroupMembership::Dynamic {
                rule: rule.to_owned(),
                rule_source: reader.location(rule_node.span),
            }
        }
        _ => GroupMembership::Static,
    };
    // Only exports that describe the group (IntuneCD) define it; a bare Graph
    // `groupId` is a reference to a group defined elsewhere.
    if let Some(name) = group_name {
        let name_span = target
            .get("groupName")
            .map_or(target.span, |node| node.span);
        groups.push(Group {
            id: id.clone(),
            name: name.to_owned(),
            membership,
            members: None,
            transitive_members: None,
            origin: GroupOrigin::Assignment,
            source: reader.location(name_span),
        });
    }
    Some(id)
}

fn read_filter_use(reader: &mut FieldReader<'_>, target: &Node) -> Option<AssignmentFilterUse> {
    let filter = reader.optional_str(target, "deviceAndAppManagementAssignmentFilterId")?;
    if filter.is_empty() || filter == EMPTY_FILTER_ID {
        return None;
    }
    let mode_node = target.get("deviceAndAppManagementAssignmentFilterType");
    let mode = match reader.optional_str(target, "deviceAndAppManagementAssignmentFilterType") {
        Some(mode) if mode.eq_ignore_ascii_case("include") => FilterMode::Include,
        Some(mode) if mode.eq_ignore_ascii_case("exclude") => FilterMode::Exclude,
        Some(mode) if mode.eq_ignore_ascii_case("none") => return None,
        other => {
            let span = mode_node.map_or(target.span, |node| node.span);
            reader.problem(
                span,
                format!(
                    "expected `deviceAndAppManagementAssignmentFilterType` to be `include`, `exclude` or `none`, found {}",
                    other.map_or_else(|| "nothing".to_owned(), |mode| format!("`{mode}`"))
                ),
            );
            return None;
        }
    };
    Some(AssignmentFilterUse {
        filter: FilterId(filter.to_owned()),
        mode,
    })
}
