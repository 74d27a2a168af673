//! Normalizes directory and inventory objects: Entra ID groups (with `members` and
//! `transitiveMembers` when the export saved them), Intune managed devices, Entra
//! ID devices and users, as Graph returns them and as planners write them for groups
//! that do not exist yet (same shape, ids optional).

use preflight_parser::json::{Node, Value};
use preflight_parser::{Document, DocumentKind, InputProblem, Text};

use crate::model::{
    Device, Group, GroupId, GroupMember, GroupMembership, GroupOrigin, InventoryValue,
    MemberObjectKind, Platform, Properties, User,
};
use crate::reader::FieldReader;

/// Reads one group document.
pub fn read_group(document: &Document, problems: &mut Vec<InputProblem>) -> Option<Group> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the group")?;
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
        source: reader.location_of_field(root, "displayName"),
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

/// A device record as read, before the records of one device are joined
/// ([`read_device`]): the device without its properties, and its properties as
/// [`properties_written`] gives them, made into one map when joined.
struct DeviceRecord {
    /// The device; its `properties` are empty until joined.
    device: Device,
    /// Its properties.
    properties: Vec<(Text, InventoryValue)>,
}

/// What joins the records of one device: the `azureADDeviceId` of an Intune
/// managed device, the `deviceId` of an Entra ID device, lowercased; `None` for
/// other documents and when the record has none (as [`text_field`] reads it, but
/// without reporting anything).
pub fn device_join_key(document: &Document) -> Option<String> {
    let field = match document.kind {
        DocumentKind::ManagedDevice => "azureADDeviceId",
        DocumentKind::EntraDevice => "deviceId",
        _ => return None,
    };
    document
        .root
        .get(field)
        .and_then(Node::as_str)
        .filter(|text| !text.is_empty() && *text != EMPTY_GUID)
        .map(str::to_ascii_lowercase)
}

/// Reads the records of one device, `documents` (managed device and Entra ID
/// device records, in file order, that share a [`device_join_key`]; or one
/// record), into one [`Device`]: each record is read as it would be alone, then
/// the records read are joined, the first one's values winning. Returns the
/// problems of each record, in the order of `documents`, and the device with the
/// position in `documents` of its first record read (`None` when none could be).
///
/// Reading the records of a device together, rather than each in file order
/// and joining them afterwards, touches each record once, while it is in cache.
pub fn read_device(documents: &[&Document]) -> (Vec<Vec<InputProblem>>, Option<(usize, Device)>) {
    let mut problems = Vec::with_capacity(documents.len());
    let mut first: Option<(usize, DeviceRecord)> = None;
    let mut later = Vec::new();
    for (position, document) in documents.iter().enumerate() {
        let mut found = Vec::new();
        let record = match document.kind {
            DocumentKind::ManagedDevice => read_managed_device(document, &mut found),
            DocumentKind::EntraDevice => read_entra_device(document, &mut found),
            _ => None,
        };
        problems.push(found);
        match (record, &first) {
            (Some(record), None) => first = Some((position, record)),
            (Some(record), Some(_)) => later.push(record),
            (None, _) => {}
        }
    }
    let device = first.map(|(position, record)| (position, join_records(record, later)));
    (problems, device)
}

/// Reads one Intune managed device document.
fn read_managed_device(
    document: &Document,
    problems: &mut Vec<InputProblem>,
) -> Option<DeviceRecord> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the managed device")?;
    // Every field is read, so each wrong type is reported, before a missing name
    // drops the record.
    let name = reader.required_str(root, "deviceName", "the managed device");
    let device_id = text_field(&mut reader, root, "azureADDeviceId");
    let managed_device_id = text_field(&mut reader, root, "id");
    let operating_system = text_field(&mut reader, root, "operatingSystem");
    let primary_user_id = text_field(&mut reader, root, "userId");
    let primary_user_principal_name = text_field(&mut reader, root, "userPrincipalName");
    let signed_in_user_ids = signed_in_users(&mut reader, root);
    let device = Device {
        object_id: None,
        device_id,
        managed_device_id,
        name: name?.to_owned(),
        platform: operating_system.and_then(|system| platform_of_operating_system(&system)),
        primary_user_id,
        primary_user_principal_name,
        signed_in_user_ids,
        properties: Properties::default(),
        source: reader.location_of_field(root, "deviceName"),
    };
    Some(DeviceRecord {
        device,
        properties: properties_written(root),
    })
}

/// Reads one Entra ID device document.
fn read_entra_device(
    document: &Document,
    problems: &mut Vec<InputProblem>,
) -> Option<DeviceRecord> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the device")?;
    let name = reader.required_str(root, "displayName", "the device");
    let object_id = text_field(&mut reader, root, "id");
    let device_id = text_field(&mut reader, root, "deviceId");
    let operating_system = text_field(&mut reader, root, "operatingSystem");
    let device = Device {
        object_id,
        device_id,
        managed_device_id: None,
        name: name?.to_owned(),
        platform: operating_system.and_then(|system| platform_of_operating_system(&system)),
        primary_user_id: None,
        primary_user_principal_name: None,
        signed_in_user_ids: Vec::new(),
        properties: Properties::default(),
        source: reader.location_of_field(root, "displayName"),
    };
    Some(DeviceRecord {
        device,
        properties: properties_written(root),
    })
}

/// Reads one user document.
pub fn read_user(document: &Document, problems: &mut Vec<InputProblem>) -> Option<User> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the user")?;
    let user_principal_name = reader.required_str(root, "userPrincipalName", "the user");
    let object_id = text_field(&mut reader, root, "id");
    Some(User {
        object_id,
        user_principal_name: user_principal_name?.to_owned(),
        properties: properties_of(root),
        source: reader.location_of_field(root, "userPrincipalName"),
    })
}

const EMPTY_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// A text field of an inventory record: empty text and the empty GUID Intune
/// writes for "none" mean absent; a value of another type is reported.
/// The users a managed device lists in `usersLoggedOn` (`[{"userId": …,
/// "lastLogOnDateTime": …}]`), by object id, in order, without duplicates.
fn signed_in_users(reader: &mut FieldReader<'_>, root: &Node) -> Vec<String> {
    let mut users: Vec<String> = Vec::new();
    for entry in reader
        .optional_array(root, "usersLoggedOn")
        .unwrap_or_default()
    {
        if let Some(user) = entry
            .as_object()
            .and_then(|_| text_field(reader, entry, "userId"))
            && !users.contains(&user)
        {
            users.push(user);
        }
    }
    users
}

fn text_field(reader: &mut FieldReader<'_>, root: &Node, field: &str) -> Option<String> {
    reader
        .optional_str(root, field)
        .filter(|text| !text.is_empty() && *text != EMPTY_GUID)
        .map(str::to_owned)
}

/// Every scalar or string-list property of a record, keyed as written.
fn properties_of(root: &Node) -> Properties {
    properties_written(root).into_iter().collect()
}

/// Every scalar or string-list property of a record, keyed as written, in the
/// order written; names and strings share the file's text.
fn properties_written(root: &Node) -> Vec<(Text, InventoryValue)> {
    let Some(object) = root.as_object() else {
        return Vec::new();
    };
    let mut properties = Vec::with_capacity(object.members.len());
    for member in &object.members {
        if member.key.starts_with('@') {
            continue;
        }
        let value = match &member.value.value {
            Value::String(text) => InventoryValue::String(text.clone()),
            Value::Bool(flag) => InventoryValue::Bool(*flag),
            Value::Number(number) => InventoryValue::text(number.as_str()),
            Value::Array(items) => InventoryValue::List(
                items
                    .iter()
                    .filter_map(|item| match &item.value {
                        Value::String(text) => Some(text.clone()),
                        _ => None,
                    })
                    .collect(),
            ),
            Value::Null | Value::Object(_) => continue,
        };
        properties.push((member.key.clone(), value));
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

/// One device from its first record and the later records of it, in order.
fn join_records(first: DeviceRecord, later: Vec<DeviceRecord>) -> Device {
    let DeviceRecord {
        mut device,
        mut properties,
    } = first;
    for other in later {
        merge_device(&mut device, other.device);
        properties.extend(other.properties);
    }
    // Of a name in several records, the first record's value.
    device.properties = properties.into_iter().collect();
    device
}

/// Fills what `into` lacks from `other`, a later record of the same device
/// (properties are joined apart, in [`join_records`]): managed device and Entra
/// ID device records of one device (`azureADDeviceId` = `deviceId`) become one.
fn merge_device(into: &mut Device, other: Device) {
    into.object_id = into.object_id.take().or(other.object_id);
    into.managed_device_id = into.managed_device_id.take().or(other.managed_device_id);
    into.platform = into.platform.or(other.platform);
    into.primary_user_id = into.primary_user_id.take().or(other.primary_user_id);
    into.primary_user_principal_name = into
        .primary_user_principal_name
        .take()
        .or(other.primary_user_principal_name);
    for user in other.signed_in_user_ids {
        if !into.signed_in_user_ids.contains(&user) {
            into.signed_in_user_ids.push(user);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_parser::{DocumentKind, FileId, json::parse};

    fn document(kind: DocumentKind, text: &str) -> Document {
        Document::new(FileId(0), kind, parse(text).expect("valid JSON"))
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
    fn of_a_property_written_twice_in_one_record_the_first_is_kept() {
        let mut problems = Vec::new();
        let user = read_user(
            &document(
                DocumentKind::User,
                r##"{"userPrincipalName": "ann@contoso.com", "city": "Berlin", "accountEnabled": true,
                   "city": "Paris", "@odata.type": "#microsoft.graph.user", "otherMails": ["a", 1, "b"]}"##,
            ),
            &mut problems,
        )
        .expect("a user");
        let names: Vec<&str> = user.properties.names().collect();
        assert_eq!(
            names,
            vec!["accountEnabled", "city", "otherMails", "userPrincipalName"]
        );
        assert_eq!(
            user.properties.get("city"),
            Some(&InventoryValue::text("Berlin"))
        );
        assert_eq!(
            user.properties.get("otherMails"),
            Some(&InventoryValue::List(vec![
                Text::from("a"),
                Text::from("b")
            ]))
        );
    }

    #[test]
    fn a_joined_device_keeps_the_first_records_value_of_a_property_both_have() {
        let first = document(
            DocumentKind::ManagedDevice,
            r#"{"deviceName": "PC-1", "azureADDeviceId": "D1", "model": "first", "manufacturer": "HP"}"#,
        );
        let second = document(
            DocumentKind::EntraDevice,
            r#"{"displayName": "PC-1", "deviceId": "d1", "model": "second", "trustType": "AzureAd"}"#,
        );
        assert_eq!(device_join_key(&first), device_join_key(&second));
        let (problems, device) = read_device(&[&first, &second]);
        assert_eq!(problems, vec![Vec::new(), Vec::new()]);
        let (position, device) = device.expect("a device");
        assert_eq!(position, 0);
        let text = |value: &str| Some(InventoryValue::text(value));
        let properties = &device.properties;
        assert_eq!(properties.get("model").cloned(), text("first"));
        assert_eq!(properties.get("manufacturer").cloned(), text("HP"));
        assert_eq!(properties.get("trustType").cloned(), text("AzureAd"));
        assert_eq!(properties.get("displayName").cloned(), text("PC-1"));
    }

    #[test]
    fn managed_and_entra_records_of_one_device_are_joined() {
        let managed = document(
            DocumentKind::ManagedDevice,
            r#"{"id": "m1", "deviceName": "PC-1", "operatingSystem": "Windows", "osVersion": "10.0.22631.1",
               "azureADDeviceId": "D1", "userPrincipalName": "ann@contoso.com"}"#,
        );
        let entra = document(
            DocumentKind::EntraDevice,
            r#"{"id": "o1", "deviceId": "d1", "displayName": "PC-1", "operatingSystem": "Windows", "trustType": "AzureAd",
               "physicalIds": ["[ZTDId]:abc"]}"#,
        );
        assert_eq!(device_join_key(&managed).as_deref(), Some("d1"));
        let (problems, device) = read_device(&[&managed, &entra]);
        assert!(problems.iter().all(Vec::is_empty));
        let (_, device) = device.expect("a device");
        assert_eq!(device.object_id.as_deref(), Some("o1"));
        assert_eq!(device.managed_device_id.as_deref(), Some("m1"));
        assert_eq!(device.platform, Some(Platform::Windows));
        assert_eq!(
            device.properties.get("trustType"),
            Some(&InventoryValue::text("AzureAd"))
        );
    }

    #[test]
    fn a_record_that_cannot_be_read_does_not_join_and_says_why() {
        let unnamed = document(
            DocumentKind::EntraDevice,
            r#"{"deviceId": "D1", "model": "unnamed"}"#,
        );
        let named = document(
            DocumentKind::ManagedDevice,
            r#"{"deviceName": "PC-1", "azureADDeviceId": "d1", "model": "named"}"#,
        );
        let (problems, device) = read_device(&[&unnamed, &named]);
        assert_eq!(problems[0].len(), 1, "{problems:?}");
        assert!(problems[1].is_empty());
        let (position, device) = device.expect("a device");
        assert_eq!(position, 1);
        assert_eq!(
            device.properties.get("model"),
            Some(&InventoryValue::text("named"))
        );
        let none = document(
            DocumentKind::ManagedDevice,
            r#"{"deviceName": "PC-2", "azureADDeviceId": "00000000-0000-0000-0000-000000000000"}"#,
        );
        assert_eq!(device_join_key(&none), None);
    }
}
