//! Normalizes directory and inventory objects: Entra ID groups (with `members` and
//! `transitiveMembers` when the export saved them), Intune managed devices, Entra
//! ID devices and users, as Graph returns them and as planners write them for groups
//! that do not exist yet (same shape, ids optional).

use std::collections::BTreeMap;

use preflight_parser::json::{Node, Value};
use preflight_parser::{Document, InputProblem};

use crate::model::{
    Device, Group, GroupId, GroupMember, GroupMembership, GroupOrigin, InventoryValue,
    MemberObjectKind, Platform, User,
};
use crate::reader::FieldReader;

/// Reads one group document.
pub fn read_group(document: &Document, problems: &mut Vec<InputProblem>) -> Option<Group> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the group")?;
    let name_node = root.get("displayName");
    let name = reader.required_str(root, "displayName", "the group")?;
    let id = reader.optional_str(root, "id").unwrap_or(name);
    let is_dynamic = reader
        .optional_array(root, "groupTypes")
        .unwrap_or_default()
        .iter()
        .any(|kind| {
            kind.as_str()
                .is_some_and(|kind| kind.eq_ignore_ascii_case("DynamicMembership"))
        });
    let rule_node = root.get("membershipRule").filter(|node| !node.is_null());
    let membership = match (rule_node, reader.optional_str(root, "membershipRule")) {
        (Some(rule_node), Some(rule)) if is_dynamic || root.get("groupTypes").is_none() => {
            GroupMembership::Dynamic {
                rule: rule.to_owned(),
                rule_source: reader.location(rule_node.span),
            }
        }
        _ => GroupMembership::Static,
    };
    let members = read_members(&mut reader, root, "members");
    let transitive_members = read_members(&mut reader, root, "transitiveMembers");
    Some(Group {
        id: GroupId(id.to_owned()),
        name: name.to_owned(),
        membership,
        members,
        transitive_members,
        origin: GroupOrigin::Directory,
        source: reader.location(name_node.map_or(root.span, |node| node.span)),
    })
}

/// A saved `groups('{id}')/members` or `/transitiveMembers` page.
pub struct MembersPage {
    /// The group the members belong to.
    pub group: GroupId,
    /// Whether these are `transitiveMembers` (every member through nesting).
    pub transitive: bool,
    /// The members on this page.
    pub members: Vec<GroupMember>,
    /// The file the page is in.
    pub file: preflight_parser::FileId,
}

/// Reads one members page; its owner comes from `@odata.context` or `@odata.nextLink`.
pub fn read_members_page(
    document: &Document,
    problems: &mut Vec<InputProblem>,
) -> Option<MembersPage> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the group members response")?;
    let owner = preflight_parser::page_owner(root)?;
    let members = read_members(&mut reader, root, "value").unwrap_or_default();
    Some(MembersPage {
        group: GroupId(owner.id),
        transitive: owner.navigation == "transitivemembers",
        members,
        file: document.file,
    })
}

/// Adds saved members pages to the groups they belong to (pages of one group, as
/// `@odata.nextLink` splits them, add up). A page for a group that is not in the
/// input is reported.
pub fn attach_members_pages(
    groups: &mut [Group],
    pages: Vec<MembersPage>,
    problems: &mut Vec<InputProblem>,
) {
    for page in pages {
        let Some(group) = groups.iter_mut().find(|group| group.id == page.group) else {
            problems.push(
                InputProblem::parse_error(
                    page.file,
                    None,
                    format!(
                        "these members belong to group `{}`, which is not in the input",
                        page.group.0
                    ),
                )
                .with_help(
                    "add the group's own export (`groups/{id}`) to the input, or remove this file",
                ),
            );
            continue;
        };
        let list = if page.transitive {
            &mut group.transitive_members
        } else {
            &mut group.members
        };
        list.get_or_insert_with(Vec::new).extend(page.members);
    }
}

fn read_members(
    reader: &mut FieldReader<'_>,
    root: &Node,
    field: &str,
) -> Option<Vec<GroupMember>> {
    let entries = reader.optional_array(root, field)?;
    let mut members = Vec::with_capacity(entries.len());
    for entry in entries {
        let Some(entry) = reader.expect_object(entry, "each member") else {
            continue;
        };
        let Some(id) = reader.required_str(entry, "id", "the member") else {
            continue;
        };
        let odata_type = reader.optional_str(entry, "@odata.type").unwrap_or("");
        let kind = match odata_type
            .trim_start_matches("#microsoft.graph.")
            .to_ascii_lowercase()
            .as_str()
        {
            "device" => MemberObjectKind::Device,
            "user" => MemberObjectKind::User,
            "group" => MemberObjectKind::Group,
            _ if entry.get("userPrincipalName").is_some() => MemberObjectKind::User,
            _ if entry.get("deviceId").is_some() => MemberObjectKind::Device,
            _ => {
                reader.problem(
                    entry.span,
                    format!(
                        "member `{id}` is not a device, a user or a group (its `@odata.type` is `{odata_type}`); it is ignored"
                    ),
                );
                continue;
            }
        };
        let name = entry
            .get("displayName")
            .and_then(Node::as_str)
            .map(str::to_owned);
        members.push(GroupMember {
            kind,
            id: id.to_owned(),
            name,
        });
    }
    Some(members)
}

/// Reads one Intune managed device document.
pub fn read_managed_device(
    document: &Document,
    problems: &mut Vec<InputProblem>,
) -> Option<Device> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the managed device")?;
    let name_node = root.get("deviceName");
    // Every field is read, so each wrong type is reported, before a missing name
    // drops the record.
    let name = reader.required_str(root, "deviceName", "the managed device");
    let device_id = text_field(&mut reader, root, "azureADDeviceId");
    let managed_device_id = text_field(&mut reader, root, "id");
    let operating_system = text_field(&mut reader, root, "operatingSystem");
    let primary_user_id = text_field(&mut reader, root, "userId");
    let primary_user_principal_name = text_field(&mut reader, root, "userPrincipalName");
    Some(Device {
        object_id: None,
        device_id,
        managed_device_id,
        name: name?.to_owned(),
        platform: operating_system.and_then(|system| platform_of_operating_system(&system)),
        primary_user_id,
        primary_user_principal_name,
        properties: properties_of(root),
        source: reader.location(name_node.map_or(root.span, |node| node.span)),
    })
}

/// Reads one Entra ID device document.
pub fn read_entra_device(document: &Document, problems: &mut Vec<InputProblem>) -> Option<Device> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the device")?;
    let name_node = root.get("displayName");
    let name = reader.required_str(root, "displayName", "the device");
    let object_id = text_field(&mut reader, root, "id");
    let device_id = text_field(&mut reader, root, "deviceId");
    let operating_system = text_field(&mut reader, root, "operatingSystem");
    Some(Device {
        object_id,
        device_id,
        managed_device_id: None,
        name: name?.to_owned(),
        platform: operating_system.and_then(|system| platform_of_operating_system(&system)),
        primary_user_id: None,
        primary_user_principal_name: None,
        properties: properties_of(root),
        source: reader.location(name_node.map_or(root.span, |node| node.span)),
    })
}

/// Reads one user document.
pub fn read_user(document: &Document, problems: &mut Vec<InputProblem>) -> Option<User> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the user")?;
    let name_node = root.get("userPrincipalName");
    let user_principal_name = reader.required_str(root, "userPrincipalName", "the user");
    let object_id = text_field(&mut reader, root, "id");
    Some(User {
        object_id,
        user_principal_name: user_principal_name?.to_owned(),
        properties: properties_of(root),
        source: reader.location(name_node.map_or(root.span, |node| node.span)),
    })
}

const EMPTY_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// A text field of an inventory record: empty text and the empty GUID Intune
/// writes for "none" mean absent; a value of another type is reported.
fn text_field(reader: &mut FieldReader<'_>, root: &Node, field: &str) -> Option<String> {
    reader
        .optional_str(root, field)
        .filter(|text| !text.is_empty() && *text != EMPTY_GUID)
        .map(str::to_owned)
}

/// Every scalar or string-list property of a record, keyed as written.
fn properties_of(root: &Node) -> BTreeMap<String, InventoryValue> {
    let mut properties = BTreeMap::new();
    let Some(object) = root.as_object() else {
        return properties;
    };
    for member in &object.members {
        if member.key.starts_with('@') {
            continue;
        }
        let value = match &member.value.value {
            Value::String(text) => InventoryValue::String(text.as_str().to_owned()),
            Value::Bool(flag) => InventoryValue::Bool(*flag),
            Value::Number(number) => InventoryValue::String(number.as_str().to_owned()),
            Value::Array(items) => InventoryValue::List(
                items
                    .iter()
                    .filter_map(Node::as_str)
                    .map(str::to_owned)
                    .collect(),
            ),
            Value::Null | Value::Object(_) => continue,
        };
        properties
            .entry(member.key.as_str().to_owned())
            .or_insert(value);
    }
    properties
}

/// The platform an inventory `operatingSystem` names (`Windows`, `macOS`, `iOS`,
/// `iPadOS`, `Android`, `AndroidForWork`, `Linux`, …).
pub fn platform_of_operating_system(system: &str) -> Option<Platform> {
    let system = system.to_ascii_lowercase();
    if system.starts_with("windows") {
        Some(Platform::Windows)
    } else if system.starts_with("mac") {
        Some(Platform::MacOs)
    } else if system.starts_with("ios")
        || system.starts_with("ipados")
        || system == "ipad"
        || system == "iphone"
    {
        Some(Platform::Ios)
    } else if system.starts_with("android") || system.starts_with("aosp") {
        Some(Platform::Android)
    } else if system.starts_with("linux") || system == "ubuntu" {
        Some(Platform::Linux)
    } else {
        Platform::from_intune_name(&system)
    }
}

/// Joins managed device records and Entra device records that describe the same
/// device (`azureADDeviceId` = `deviceId`) into one [`Device`]. Order: first
/// appearance.
pub fn join_devices(devices: Vec<Device>) -> Vec<Device> {
    let mut joined: Vec<Device> = Vec::with_capacity(devices.len());
    let mut by_device_id: BTreeMap<String, usize> = BTreeMap::new();
    for device in devices {
        let existing = device
            .device_id
            .as_ref()
            .and_then(|device_id| by_device_id.get(&device_id.to_ascii_lowercase()))
            .copied();
        match existing {
            Some(index) => merge_device(&mut joined[index], device),
            None => {
                if let Some(device_id) = &device.device_id {
                    by_device_id.insert(device_id.to_ascii_lowercase(), joined.len());
                }
                joined.push(device);
            }
        }
    }
    joined
}

fn merge_device(into: &mut Device, other: Device) {
    into.object_id = into.object_id.take().or(other.object_id);
    into.managed_device_id = into.managed_device_id.take().or(other.managed_device_id);
    into.platform = into.platform.or(other.platform);
    into.primary_user_id = into.primary_user_id.take().or(other.primary_user_id);
    into.primary_user_principal_name = into
        .primary_user_principal_name
        .take()
        .or(other.primary_user_principal_name);
    for (key, value) in other.properties {
        into.properties.entry(key).or_insert(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_parser::{DocumentKind, FileId, json::parse};

    fn document(kind: DocumentKind, text: &str) -> Document {
        Document {
            file: FileId(0),
            kind,
            root: parse(text).expect("valid JSON"),
        }
    }

    #[test]
    fn graph_groups_with_members_and_rules() {
        let mut problems = Vec::new();
        let group = read_group(
            &document(
                DocumentKind::Group,
                r##"{"id": "g1", "displayName": "Pilot", "groupTypes": [],
                   "members": [{"@odata.type": "#microsoft.graph.user", "id": "u1", "displayName": "Ann"},
                               {"@odata.type": "#microsoft.graph.group", "id": "g2"},
                               {"@odata.type": "#microsoft.graph.servicePrincipal", "id": "s"}]}"##,
            ),
            &mut problems,
        )
        .expect("a group");
        assert_eq!(group.id, GroupId("g1".to_owned()));
        assert_eq!(group.membership, GroupMembership::Static);
        let kinds: Vec<MemberObjectKind> = group
            .members
            .expect("members")
            .iter()
            .map(|member| member.kind)
            .collect();
        assert_eq!(kinds, vec![MemberObjectKind::User, MemberObjectKind::Group]);
        assert_eq!(problems.len(), 1);

        let dynamic = read_group(
            &document(
                DocumentKind::Group,
                r#"{"displayName": "Win11", "membershipRule": "(device.deviceOSVersion -startsWith \"10.0.22\")"}"#,
            ),
            &mut problems,
        )
        .expect("a planned group");
        assert_eq!(dynamic.id, GroupId("Win11".to_owned()));
        assert!(matches!(
            dynamic.membership,
            GroupMembership::Dynamic { .. }
        ));
        assert_eq!(dynamic.members, None);
    }

    #[test]
    fn managed_and_entra_records_of_one_device_are_joined() {
        let mut problems = Vec::new();
        let managed = read_managed_device(
            &document(
                DocumentKind::ManagedDevice,
                r#"{"id": "m1", "deviceName": "PC-1", "operatingSystem": "Windows", "osVersion": "10.0.22631.1",
                   "azureADDeviceId": "D1", "userPrincipalName": "ann@contoso.com"}"#,
            ),
            &mut problems,
        )
        .expect("a device");
        let entra = read_entra_device(
            &document(
                DocumentKind::EntraDevice,
                r#"{"id": "o1", "deviceId": "d1", "displayName": "PC-1", "operatingSystem": "Windows", "trustType": "AzureAd",
                   "physicalIds": ["[ZTDId]:abc"]}"#,
            ),
            &mut problems,
        )
        .expect("a device");
        let joined = join_devices(vec![managed, entra]);
        assert_eq!(joined.len(), 1);
        let device = &joined[0];
        assert_eq!(device.object_id.as_deref(), Some("o1"));
        assert_eq!(device.managed_device_id.as_deref(), Some("m1"));
        assert_eq!(device.platform, Some(Platform::Windows));
        assert_eq!(
            device.properties.get("trustType"),
            Some(&InventoryValue::String("AzureAd".to_owned()))
        );
        assert!(problems.is_empty());
    }
}
