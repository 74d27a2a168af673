//! The inventory as Microsoft Graph collection pages: `managedDevices`, `devices`,
//! `users` and `groups` (with members expanded), 1,000 objects a page, each page in
//! its own numbered file with the `@odata.nextLink` of the response it was saved from.

use std::io;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::directory::{Device, Directory, Member, User};
use super::rng::mix64;
use super::{GenerationStats, write_json_file};

/// Objects per page, as Graph pages `managedDevices`, `devices` and `users` at `$top=1000`.
pub const PAGE_SIZE: usize = 1_000;

/// One Graph collection: file names, `@odata.context` and the request the next
/// links continue.
struct Collection {
    file_stem: &'static str,
    context: &'static str,
    request: &'static str,
}

const MANAGED_DEVICES: Collection = Collection {
    file_stem: "managedDevices",
    context: "https://graph.microsoft.com/beta/$metadata#deviceManagement/managedDevices",
    request: "https://graph.microsoft.com/beta/deviceManagement/managedDevices?$top=1000",
};
const DEVICES: Collection = Collection {
    file_stem: "devices",
    context: "https://graph.microsoft.com/v1.0/$metadata#devices",
    request: "https://graph.microsoft.com/v1.0/devices?$top=1000",
};
const USERS: Collection = Collection {
    file_stem: "users",
    context: "https://graph.microsoft.com/v1.0/$metadata#users",
    request: "https://graph.microsoft.com/v1.0/users?$top=1000",
};
const GROUPS: Collection = Collection {
    file_stem: "groups",
    context: "https://graph.microsoft.com/v1.0/$metadata#groups(members())",
    request: "https://graph.microsoft.com/v1.0/groups?$expand=members&$top=1000",
};

/// Writes every collection of `directory` into `out`.
pub fn write_inventory(
    directory: &Directory,
    out: &Path,
    stats: &mut GenerationStats,
) -> io::Result<()> {
    let seed = directory.seed;
    let users = directory.users;
    write_pages(
        out,
        &MANAGED_DEVICES,
        seed,
        directory.devices,
        stats,
        |index| Device::generate(seed, index, users).to_managed_device_json(seed, users),
    )?;
    write_pages(out, &DEVICES, seed, directory.devices, stats, |index| {
        Device::generate(seed, index, users).to_entra_device_json()
    })?;
    write_pages(out, &USERS, seed, users, stats, |index| {
        User::generate(seed, index).to_graph_json()
    })?;
    let mut nested = 0;
    write_pages(out, &GROUPS, seed, directory.groups.len(), stats, |index| {
        let value = group_json(directory, index);
        nested += directory
            .groups
            .get(index)
            .map_or(0, |group| group.nested.len());
        value
    })?;
    stats.devices = directory.devices;
    stats.users = users;
    stats.groups = directory.groups.len();
    stats.nested_memberships = nested;
    Ok(())
}

/// Writes `count` objects made by `object` as pages `<stem>-001.json`, … (at least
/// one page, empty when there is nothing).
fn write_pages(
    out: &Path,
    collection: &Collection,
    seed: u64,
    count: usize,
    stats: &mut GenerationStats,
    mut object: impl FnMut(usize) -> Value,
) -> io::Result<()> {
    let pages = count.div_ceil(PAGE_SIZE).max(1);
    for page in 0..pages {
        let start = page * PAGE_SIZE;
        let end = (start + PAGE_SIZE).min(count);
        let values: Vec<Value> = (start..end).map(&mut object).collect();
        let mut body = Map::new();
        body.insert("@odata.context".to_owned(), Value::from(collection.context));
        if page + 1 < pages {
            let token = mix64(seed ^ mix64(page as u64 + 1) ^ collection.file_stem.len() as u64);
            body.insert(
                "@odata.nextLink".to_owned(),
                Value::from(format!(
                    "{}&$skiptoken=RFNwdAIAAQAAAD{token:016x}",
                    collection.request
                )),
            );
        }
        body.insert("value".to_owned(), Value::Array(values));
        let path = out.join(format!("{}-{:03}.json", collection.file_stem, page + 1));
        let bytes = write_json_file(&path, &Value::Object(body), false)?;
        stats.record_file(bytes);
    }
    Ok(())
}

/// Group `index` with its members, as `groups?$expand=members` returns it.
fn group_json(directory: &Directory, index: usize) -> Value {
    let Some(group) = directory.groups.get(index) else {
        return Value::Null;
    };
    let dynamic = group.rule.is_some();
    let mut value = json!({
        "id": group.id,
        "displayName": group.name,
        "description": if dynamic { "Dynamic membership." } else { "Assigned membership." },
        "groupTypes": if dynamic { vec!["DynamicMembership"] } else { Vec::new() },
        "membershipRule": group.rule,
        "membershipRuleProcessingState": if dynamic { Value::from("On") } else { Value::Null },
        "securityEnabled": true,
        "mailEnabled": false,
    });
    if !dynamic {
        let members: Vec<Value> = directory
            .members(index)
            .into_iter()
            .map(|member| match member {
                Member::Device(device) => {
                    let device = Device::generate(directory.seed, device, directory.users);
                    json!({
                        "@odata.type": "#microsoft.graph.device",
                        "id": device.object_id(),
                        "displayName": device.name,
                    })
                }
                Member::User(user) => {
                    let user = User::generate(directory.seed, user);
                    json!({
                        "@odata.type": "#microsoft.graph.user",
                        "id": user.id,
                        "displayName": user.display_name,
                    })
                }
                Member::Group(nested) => {
                    let (id, name) = directory
                        .groups
                        .get(nested)
                        .map(|nested| (nested.id.clone(), nested.name.clone()))
                        .unwrap_or_default();
                    json!({
                        "@odata.type": "#microsoft.graph.group",
                        "id": id,
                        "displayName": name,
                    })
                }
            })
            .collect();
        if let Some(object) = value.as_object_mut() {
            object.insert("members".to_owned(), Value::Array(members));
        }
    }
    value
}
