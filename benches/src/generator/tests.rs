//! Tests of the generator: determinism, references that resolve, acyclic nesting,
//! and a tenant that preflight reads without complaint and finds conflicts in.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{TenantSize, generate};
use crate::{full_check, json_files, tenant_policy_files};

/// A tenant small enough for a test, dense enough for same-setting pairs.
const TINY: TenantSize = TenantSize {
    policies: 40,
    mean_settings: 30,
    groups: 30,
    dynamic_groups: 6,
    filters: 4,
    devices: 1_100,
    users: 60,
    tail_settings: 300,
    baselines_per_mille: 30,
    popular_per_mille: 150,
};

/// A fresh directory under the system's temporary directory, removed on drop.
struct TempTree(PathBuf);

impl TempTree {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("preflight-generator-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Self(path)
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A hash of every file's relative path and bytes, in path order.
fn tree_hash(root: &Path) -> u64 {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).expect("readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.strip_prefix(root).expect("inside").hash(&mut hasher);
        std::fs::read(&file).expect("readable").hash(&mut hasher);
    }
    hasher.finish()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("readable")).expect("valid JSON")
}

/// Every object of the inventory pages `<stem>-NNN.json`, checking the paging.
fn inventory_objects(tenant: &Path, stem: &str) -> Vec<Value> {
    let pages: Vec<PathBuf> = json_files(&tenant.join("inventory"))
        .into_iter()
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(&format!("{stem}-")))
        })
        .collect();
    assert!(!pages.is_empty(), "no {stem} pages");
    let mut objects = Vec::new();
    for (index, page) in pages.iter().enumerate() {
        let page = read_json(page);
        assert!(
            page["@odata.context"]
                .as_str()
                .is_some_and(|context| context.contains("$metadata#"))
        );
        let last = index + 1 == pages.len();
        assert_eq!(
            page.get("@odata.nextLink").is_none(),
            last,
            "nextLink on every page but the last"
        );
        let values = page["value"].as_array().expect("value array");
        assert!(values.len() <= 1_000);
        objects.extend(values.iter().cloned());
    }
    objects
}

#[test]
fn same_seed_same_tree_and_another_seed_another_tree() {
    let first = TempTree::new("first");
    let second = TempTree::new("second");
    let other = TempTree::new("other");
    let stats = generate(&TINY, 42, &first.0).expect("generated");
    assert_eq!(generate(&TINY, 42, &second.0).expect("generated"), stats);
    generate(&TINY, 43, &other.0).expect("generated");
    assert_eq!(tree_hash(&first.0), tree_hash(&second.0));
    assert_ne!(tree_hash(&first.0), tree_hash(&other.0));
    assert_eq!(stats.policies, TINY.policies);
    assert_eq!(stats.devices, TINY.devices);
    assert!(stats.differing_value_pairs > 0, "some pairs conflict");
    assert!(
        stats.same_setting_pairs > stats.differing_value_pairs,
        "some pairs agree"
    );
}

#[test]
fn assignments_name_groups_and_filters_that_exist_and_nesting_is_acyclic() {
    let tenant = TempTree::new("references");
    generate(&TINY, 7, &tenant.0).expect("generated");

    let groups = inventory_objects(&tenant.0, "groups");
    assert_eq!(groups.len(), TINY.groups);
    let mut by_name: BTreeMap<String, &Value> = BTreeMap::new();
    for group in &groups {
        let name = group["displayName"].as_str().expect("name").to_owned();
        assert!(
            by_name.insert(name, group).is_none(),
            "group names are unique"
        );
    }
    let dynamic = groups
        .iter()
        .filter(|group| group["groupTypes"] == serde_json::json!(["DynamicMembership"]))
        .count();
    assert_eq!(dynamic, TINY.dynamic_groups);

    let filters: BTreeSet<String> = json_files(&tenant.0.join("Filters"))
        .iter()
        .map(|path| {
            read_json(path)["displayName"]
                .as_str()
                .expect("name")
                .to_owned()
        })
        .collect();
    assert_eq!(filters.len(), TINY.filters);

    let mut group_targets = 0;
    for path in json_files(&tenant.0.join("Settings Catalog")) {
        let policy = read_json(&path);
        for assignment in policy["assignments"].as_array().expect("assignments") {
            let target = &assignment["target"];
            if let Some(filter) = target["deviceAndAppManagementAssignmentFilterId"].as_str() {
                assert!(filters.contains(filter), "filter `{filter}` exists");
            }
            let Some(name) = target["groupName"].as_str() else {
                continue;
            };
            group_targets += 1;
            let group = by_name
                .get(name)
                .unwrap_or_else(|| panic!("group `{name}` exists"));
            match target["groupType"].as_str() {
                Some("DynamicMembership") => {
                    assert_eq!(target["membershipRule"], group["membershipRule"]);
                }
                Some("StaticMembership") => assert!(group["membershipRule"].is_null()),
                other => panic!("unexpected groupType {other:?}"),
            }
        }
    }
    assert!(group_targets > 0);

    // Nesting: follow group members depth-first; meeting a group still on the
    // path would be a cycle.
    let by_id: BTreeMap<&str, Vec<&str>> = groups
        .iter()
        .map(|group| {
            let nested = group["members"]
                .as_array()
                .map(|members| {
                    members
                        .iter()
                        .filter(|member| member["@odata.type"] == "#microsoft.graph.group")
                        .map(|member| member["id"].as_str().expect("id"))
                        .collect()
                })
                .unwrap_or_default();
            (group["id"].as_str().expect("id"), nested)
        })
        .collect();
    let nested_total: usize = by_id.values().map(Vec::len).sum();
    assert!(nested_total > 0, "some groups are nested");
    fn visit<'a>(
        id: &'a str,
        graph: &BTreeMap<&'a str, Vec<&'a str>>,
        on_path: &mut BTreeSet<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(id) {
            return;
        }
        assert!(on_path.insert(id), "nesting cycle through {id}");
        for nested in graph.get(id).expect("nested group exists") {
            visit(nested, graph, on_path, done);
        }
        on_path.remove(id);
        done.insert(id);
    }
    let mut done = BTreeSet::new();
    for id in by_id.keys() {
        visit(id, &by_id, &mut BTreeSet::new(), &mut done);
    }

    // Devices are listed twice, consistently.
    let managed = inventory_objects(&tenant.0, "managedDevices");
    let entra = inventory_objects(&tenant.0, "devices");
    assert_eq!(managed.len(), TINY.devices);
    assert_eq!(managed[1_050]["azureADDeviceId"], entra[1_050]["deviceId"]);
    assert_eq!(inventory_objects(&tenant.0, "users").len(), TINY.users);
}

#[test]
fn preflight_reads_every_file_and_finds_conflicts_and_duplicates() {
    let tenant = TempTree::new("check");
    generate(&TINY, 42, &tenant.0).expect("generated");
    let report = full_check(&tenant_policy_files(&tenant.0), &tenant.0).report;
    let rules: BTreeSet<&str> = report.findings.iter().map(|finding| finding.rule).collect();
    assert!(!rules.contains("parse-error"), "{rules:?}");
    assert!(!rules.contains("unrecognized-file"), "{rules:?}");
    assert!(!rules.contains("unknown-reference"), "{rules:?}");
    assert!(rules.contains("conflicting-setting"), "{rules:?}");
    assert!(rules.contains("duplicate-setting"), "{rules:?}");
    assert_eq!(report.summary.policies, TINY.policies);
    assert_eq!(report.summary.filters, TINY.filters);
}
