//! The inventory fixture tenant (`fixtures/inventory-tenant/`: 50 devices, 30
//! users, static, nested and dynamic groups, filters for three platforms, twelve
//! policies) evaluated twice: by the engine, and by a brute force written here
//! that walks the exported JSON directly. For every policy the devices and users
//! it reaches, and for every pair of policies the devices they share, must agree
//! exactly.
//!
//! The brute force follows Intune's rules as preflight documents them
//! (`crates/engine/src/audience.rs`): a device target reaches its devices, a user
//! target the devices its users use; an exclusion removes
//! members of its own kind (device groups from device targets, user groups from
//! user targets); a filter keeps the devices of its platform its rule matches
//! (include) or all others (exclude); the policy's platform bounds the devices;
//! the users reached are the users of the devices reached (the primary user and
//! those who signed in, `usersLoggedOn`).

#![expect(
    clippy::expect_used,
    reason = "test helpers: a malformed fixture should fail the test loudly"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use preflight_engine::{AnalysisContext, Certainty, Config};
use preflight_normalizer::normalize;
use preflight_parser::{LoadOptions, load};
use serde_json::Value;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/inventory-tenant")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("fixture file");
    serde_json::from_str(text.trim_start_matches('\u{feff}')).expect("fixture JSON")
}

fn pages(prefix: &str) -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixture().join("inventory"))
        .expect("inventory folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(prefix))
        })
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|path| {
            read_json(path)["value"]
                .as_array()
                .cloned()
                .expect("a page")
        })
        .collect()
}

fn text(value: &Value, field: &str) -> String {
    value[field].as_str().unwrap_or_default().to_owned()
}

/// A device as the two inventory exports describe it, joined on the Entra device id.
#[derive(Debug)]
struct Device {
    name: String,
    object_id: String,
    operating_system: String,
    os_version: String,
    manufacturer: String,
    enrollment_profile: String,
    corporate: bool,
    primary_user: Option<String>,
    /// The users who signed in on it (`usersLoggedOn`).
    signed_in: Vec<String>,
}

impl Device {
    /// Every user of the device: the primary user and those who signed in.
    fn users(&self) -> impl Iterator<Item = &String> {
        self.primary_user.iter().chain(&self.signed_in)
    }
}

struct Inventory {
    devices: Vec<Device>,
    /// User object id → (UPN, department).
    users: BTreeMap<String, (String, String)>,
    /// Group display name → its JSON.
    groups: BTreeMap<String, Value>,
}

fn inventory() -> Inventory {
    let entra: BTreeMap<String, Value> = pages("devices-")
        .into_iter()
        .map(|device| (text(&device, "deviceId"), device))
        .collect();
    let devices = pages("managedDevices-")
        .into_iter()
        .map(|managed| {
            let record = &entra[&text(&managed, "azureADDeviceId")];
            let user = text(&managed, "userId");
            Device {
                name: text(&managed, "deviceName"),
                object_id: text(record, "id"),
                operating_system: text(&managed, "operatingSystem"),
                os_version: text(&managed, "osVersion"),
                manufacturer: text(&managed, "manufacturer"),
                enrollment_profile: text(&managed, "enrollmentProfileName"),
                corporate: text(record, "deviceOwnership") == "Company",
                primary_user: (!user.is_empty()).then_some(user),
                signed_in: managed["usersLoggedOn"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|entry| text(entry, "userId"))
                    .collect(),
            }
        })
        .collect();
    let users = pages("users")
        .into_iter()
        .map(|user| {
            (
                text(&user, "id"),
                (text(&user, "userPrincipalName"), text(&user, "department")),
            )
        })
        .collect();
    let groups = read_json(&fixture().join("inventory/groups.json"))["value"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|group| (text(group, "displayName"), group.clone()))
        .collect();
    Inventory {
        devices,
        users,
        groups,
    }
}

/// The fixture's dynamic group rules, written out by hand.
fn device_rule(rule: &str, device: &Device) -> bool {
    match rule {
        r#"(device.deviceOSType -eq "Windows")"# => device.operating_system == "Windows",
        r#"(device.deviceOSType -eq "Windows") and (device.deviceOSVersion -startsWith "10.0.22")"# => {
            device.operating_system == "Windows" && device.os_version.starts_with("10.0.22")
        }
        r#"(device.enrollmentProfileName -eq "Kiosk")"# => {
            device.enrollment_profile.eq_ignore_ascii_case("kiosk")
        }
        other => panic!("a rule this test does not know: {other}"),
    }
}

fn user_rule(rule: &str, department: &str) -> bool {
    match rule {
        r#"(user.department -eq "Finance")"# => department == "Finance",
        r#"(user.department -eq "IT")"# => department == "IT",
        other => panic!("a rule this test does not know: {other}"),
    }
}

/// The fixture's filters, written out by hand: (platform's operating system, rule).
fn filter_matches(name: &str, device: &Device) -> bool {
    match name {
        "Dell devices" => {
            device.operating_system == "Windows"
                && device.manufacturer.eq_ignore_ascii_case("Dell Inc.")
        }
        "Windows 11" => {
            device.operating_system == "Windows" && device.os_version.starts_with("10.0.22")
        }
        "Corporate iOS" => device.operating_system == "iOS" && device.corporate,
        other => panic!("a filter this test does not know: {other}"),
    }
}

/// Members of a group, nested groups followed: (device indices, user ids).
fn members(inventory: &Inventory, name: &str) -> (BTreeSet<usize>, BTreeSet<String>) {
    let group = &inventory.groups[name];
    let mut devices = BTreeSet::new();
    let mut users = BTreeSet::new();
    if let Some(rule) = group["membershipRule"].as_str() {
        if rule.contains("user.") {
            for (id, (_, department)) in &inventory.users {
                if user_rule(rule, department) {
                    users.insert(id.clone());
                }
            }
        } else {
            for (index, device) in inventory.devices.iter().enumerate() {
                if device_rule(rule, device) {
                    devices.insert(index);
                }
            }
        }
    }
    for member in group["members"].as_array().into_iter().flatten() {
        let id = text(member, "id");
        match member["@odata.type"].as_str().unwrap_or_default() {
            "#microsoft.graph.device" => {
                devices.extend(
                    inventory
                        .devices
                        .iter()
                        .position(|device| device.object_id == id),
                );
            }
            "#microsoft.graph.user" => {
                users.insert(id);
            }
            "#microsoft.graph.group" => {
                let (nested_devices, nested_users) =
                    members(inventory, &text(member, "displayName"));
                devices.extend(nested_devices);
                users.extend(nested_users);
            }
            other => panic!("a member type this test does not know: {other}"),
        }
    }
    (devices, users)
}

/// The devices one policy reaches, by the brute force.
fn reach(inventory: &Inventory, policy: &Value) -> BTreeSet<usize> {
    let all_devices: BTreeSet<usize> = (0..inventory.devices.len()).collect();
    let all_users: BTreeSet<String> = inventory.users.keys().cloned().collect();
    let assignments = policy["assignments"].as_array().expect("assignments");
    let target_of = |assignment: &Value| -> (BTreeSet<usize>, BTreeSet<String>) {
        let target = &assignment["target"];
        match target["@odata.type"].as_str().unwrap_or_default() {
            "#microsoft.graph.allDevicesAssignmentTarget" => (all_devices.clone(), BTreeSet::new()),
            "#microsoft.graph.allLicensedUsersAssignmentTarget" => {
                (BTreeSet::new(), all_users.clone())
            }
            _ => members(inventory, &text(target, "groupName")),
        }
    };
    let mut excluded_devices = BTreeSet::new();
    let mut excluded_users = BTreeSet::new();
    for assignment in assignments {
        if assignment["target"]["@odata.type"] == "#microsoft.graph.exclusionGroupAssignmentTarget"
        {
            let (devices, users) = target_of(assignment);
            excluded_devices.extend(devices);
            excluded_users.extend(users);
        }
    }
    let platform = match text(policy, "platforms").as_str() {
        "windows10" => "Windows",
        "iOS" => "iOS",
        "macOS" => "macOS",
        other => panic!("a platform this test does not know: {other}"),
    };
    let mut reached = BTreeSet::new();
    for assignment in assignments {
        if assignment["target"]["@odata.type"] == "#microsoft.graph.exclusionGroupAssignmentTarget"
        {
            continue;
        }
        let (devices, users) = target_of(assignment);
        let mut landed: BTreeSet<usize> = devices.difference(&excluded_devices).copied().collect();
        for user in users.difference(&excluded_users) {
            landed.extend(
                inventory
                    .devices
                    .iter()
                    .enumerate()
                    .filter(|(_, device)| device.users().any(|device_user| device_user == user))
                    .map(|(index, _)| index),
            );
        }
        let target = &assignment["target"];
        if let Some(filter) = target["deviceAndAppManagementAssignmentFilterId"].as_str() {
            let include = text(target, "deviceAndAppManagementAssignmentFilterType") == "include";
            landed.retain(|&device| filter_matches(filter, &inventory.devices[device]) == include);
        }
        reached.extend(landed);
    }
    reached.retain(|&device| inventory.devices[device].operating_system == platform);
    reached
}

#[test]
fn the_engine_and_a_brute_force_over_the_json_agree_on_every_audience() {
    let inventory = inventory();
    let root = fixture();
    let loaded = load(std::slice::from_ref(&root), &LoadOptions::new(&root)).expect("fixture");
    let tenant = normalize(loaded);
    assert!(tenant.problems.is_empty(), "{:?}", tenant.problems);
    assert_eq!((tenant.devices.len(), tenant.users.len()), (50, 30));
    let config = Config::default();
    let context = AnalysisContext::new(&tenant, &config, None);
    context.prepare();

    let mut policy_files: Vec<PathBuf> = std::fs::read_dir(root.join("Settings Catalog"))
        .expect("policies")
        .map(|entry| entry.expect("entry").path())
        .collect();
    policy_files.sort();
    let mut brute: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in &policy_files {
        let policy = read_json(path);
        let names = reach(&inventory, &policy)
            .into_iter()
            .map(|device| inventory.devices[device].name.clone())
            .collect();
        brute.insert(text(&policy, "name"), names);
    }
    assert_eq!(brute.len(), 12);

    let mut engine: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (index, policy) in tenant.policies.iter().enumerate() {
        let reach = context.audiences().reaches[index]
            .as_ref()
            .unwrap_or_else(|| panic!("`{}` has an exact audience", policy.name));
        let devices: BTreeSet<String> = reach
            .devices()
            .ones()
            .map(|device| tenant.devices[device].name.clone())
            .collect();
        let users: BTreeSet<String> = context
            .audiences()
            .users_of_reach(reach)
            .ones()
            .map(|user| tenant.users[user].user_principal_name.clone())
            .collect();
        // Users are the users of the devices reached (primary and signed in).
        let expected_users: BTreeSet<String> = inventory
            .devices
            .iter()
            .filter(|device| devices.contains(&device.name))
            .flat_map(Device::users)
            .map(|id| inventory.users[id].0.clone())
            .collect();
        assert_eq!(users, expected_users, "users of `{}`", policy.name);
        engine.insert(policy.name.to_string(), devices);
    }
    assert_eq!(engine, brute, "devices reached, engine against brute force");

    // Every pair of policies sharing a setting: the engine's overlap is certain
    // exactly when the brute force finds a shared device, with the same count.
    let mut compared = 0;
    for first in 0..tenant.policies.len() {
        for second in first + 1..tenant.policies.len() {
            let Some(overlap) = context.pair_overlap(first, second) else {
                continue;
            };
            compared += 1;
            let (first_name, second_name) =
                (&tenant.policies[first].name, &tenant.policies[second].name);
            let shared = brute[&**first_name]
                .intersection(&brute[&**second_name])
                .count();
            let expected = if shared > 0 {
                Certainty::Certain
            } else {
                Certainty::Disjoint
            };
            assert_eq!(
                overlap.certainty, expected,
                "`{first_name}` and `{second_name}`"
            );
            let counted = overlap.devices;
            assert_eq!(counted, Some(shared), "`{first_name}` and `{second_name}`");
        }
    }
    assert!(compared >= 15, "only {compared} pairs compared");
}

/// The same tenant without its inventory (policies, filters and the groups
/// export only): what structure and rules alone say about every pair of
/// policies. Static group membership is unknown here, so two static groups, or a
/// static group and a rule, possibly meet.
#[test]
fn without_the_inventory_every_pair_is_decided_as_this_table_says() {
    use Certainty::{Disjoint, Possible};
    let root = fixture();
    let paths = [
        root.join("Settings Catalog"),
        root.join("Filters"),
        root.join("inventory/groups.json"),
    ];
    let loaded = load(&paths, &LoadOptions::new(&root)).expect("fixture");
    let tenant = normalize(loaded);
    assert!(tenant.problems.is_empty(), "{:?}", tenant.problems);
    assert!(tenant.devices.is_empty() && tenant.users.is_empty());
    let config = Config::default();
    let context = AnalysisContext::new(&tenant, &config, None);
    context.prepare();
    // The Windows policies among themselves; every pair across platforms is
    // disjoint, and the two iOS policies possibly meet.
    let windows_pairs = [
        ("Win - Defender - Dell", "Win - Defender - IT", Possible),
        (
            "Win - Defender - Dell",
            "Win - Defender - Not Windows 11",
            Possible,
        ),
        (
            "Win - Defender - Dell",
            "Win - Defender - Windows 11",
            Possible,
        ),
        ("Win - Defender - Dell", "Win - Lock - Baseline", Possible),
        ("Win - Defender - Dell", "Win - Lock - Empty Ring", Possible),
        ("Win - Defender - Dell", "Win - Lock - Finance", Possible),
        ("Win - Defender - Dell", "Win - Lock - Kiosk", Possible),
        ("Win - Defender - Dell", "Win - Lock - Pilot", Possible),
        (
            "Win - Defender - IT",
            "Win - Defender - Not Windows 11",
            Possible,
        ),
        (
            "Win - Defender - IT",
            "Win - Defender - Windows 11",
            Possible,
        ),
        ("Win - Defender - IT", "Win - Lock - Baseline", Possible),
        ("Win - Defender - IT", "Win - Lock - Empty Ring", Possible),
        // A device's user is in one department.
        ("Win - Defender - IT", "Win - Lock - Finance", Disjoint),
        ("Win - Defender - IT", "Win - Lock - Kiosk", Possible),
        ("Win - Defender - IT", "Win - Lock - Pilot", Possible),
        // The exclude-mode filter removes every Windows 11 device.
        (
            "Win - Defender - Not Windows 11",
            "Win - Defender - Windows 11",
            Disjoint,
        ),
        (
            "Win - Defender - Not Windows 11",
            "Win - Lock - Baseline",
            Possible,
        ),
        (
            "Win - Defender - Not Windows 11",
            "Win - Lock - Empty Ring",
            Possible,
        ),
        (
            "Win - Defender - Not Windows 11",
            "Win - Lock - Finance",
            Possible,
        ),
        (
            "Win - Defender - Not Windows 11",
            "Win - Lock - Kiosk",
            Possible,
        ),
        (
            "Win - Defender - Not Windows 11",
            "Win - Lock - Pilot",
            Possible,
        ),
        // Not contained in the baseline: a Windows 11 kiosk is excluded from it.
        (
            "Win - Defender - Windows 11",
            "Win - Lock - Baseline",
            Possible,
        ),
        (
            "Win - Defender - Windows 11",
            "Win - Lock - Empty Ring",
            Possible,
        ),
        (
            "Win - Defender - Windows 11",
            "Win - Lock - Finance",
            Possible,
        ),
        (
            "Win - Defender - Windows 11",
            "Win - Lock - Kiosk",
            Possible,
        ),
        (
            "Win - Defender - Windows 11",
            "Win - Lock - Pilot",
            Possible,
        ),
        ("Win - Lock - Baseline", "Win - Lock - Empty Ring", Possible),
        ("Win - Lock - Baseline", "Win - Lock - Finance", Possible),
        // The baseline excludes the kiosks.
        ("Win - Lock - Baseline", "Win - Lock - Kiosk", Disjoint),
        ("Win - Lock - Baseline", "Win - Lock - Pilot", Possible),
        ("Win - Lock - Empty Ring", "Win - Lock - Finance", Possible),
        ("Win - Lock - Empty Ring", "Win - Lock - Kiosk", Possible),
        ("Win - Lock - Empty Ring", "Win - Lock - Pilot", Possible),
        ("Win - Lock - Finance", "Win - Lock - Kiosk", Possible),
        ("Win - Lock - Finance", "Win - Lock - Pilot", Possible),
        ("Win - Lock - Kiosk", "Win - Lock - Pilot", Possible),
        (
            "iOS - Inactivity - Corporate",
            "iOS - Inactivity - Pilot",
            Possible,
        ),
    ];
    let index = |name: &str| {
        tenant
            .policies
            .iter()
            .position(|policy| *policy.name == *name)
            .unwrap_or_else(|| panic!("no policy `{name}`"))
    };
    let mut expected: BTreeMap<(usize, usize), Certainty> = BTreeMap::new();
    for (first, second, certainty) in windows_pairs {
        expected.insert((index(first), index(second)), certainty);
    }
    for first in 0..tenant.policies.len() {
        for second in first + 1..tenant.policies.len() {
            let pair = (first, second);
            if !expected.contains_key(&pair) && !expected.contains_key(&(second, first)) {
                assert_ne!(
                    tenant.policies[first].platforms, tenant.policies[second].platforms,
                    "a pair missing from the table"
                );
                expected.insert(pair, Disjoint);
            }
        }
    }
    assert_eq!(expected.len(), 66);
    for ((first, second), certainty) in expected {
        let (first_policy, second_policy) = (&tenant.policies[first], &tenant.policies[second]);
        let overlap = context.overlap(first, second);
        assert_eq!(
            overlap.certainty, certainty,
            "`{}` and `{}`: {}",
            first_policy.name, second_policy.name, overlap.reason
        );
        // A pair the rules decided has a witness; only two static groups (whose
        // members nothing tells) are left to structure, without one.
        let static_only = [first_policy, second_policy].iter().all(|policy| {
            ["Win - Lock - Empty Ring", "Win - Lock - Pilot"].contains(&&*policy.name)
        });
        if certainty == Possible {
            assert_eq!(
                overlap.witness.is_some(),
                !static_only,
                "`{}` and `{}`",
                first_policy.name,
                second_policy.name
            );
        }
    }
}
