//! Policies that disagree (or agree) about one setting are reported together: one
//! finding per group of policies joined by meeting pairs, separate findings for
//! clusters whose audiences never meet, and ignores applied to pairs before the
//! grouping.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{assert_valid_report, json, run_in};

const KEY: &str = "device_vendor_msft_policy_config_defender_allowrealtimemonitoring";

/// Where a test policy is assigned.
#[derive(Clone, Copy)]
enum Audience {
    /// The dynamic device group of names starting with `DEV-`.
    Developers,
    /// The dynamic device group of names starting with `LAB-` (never a developer).
    Lab,
    /// All devices.
    AllDevices,
}

/// An IntuneCD settings catalog policy setting real-time monitoring to `value`.
fn policy(name: &str, value: u8, audience: Audience) -> String {
    let target = match audience {
        Audience::AllDevices => serde_json::json!({
            "@odata.type": "#microsoft.graph.allDevicesAssignmentTarget",
            "deviceAndAppManagementAssignmentFilterId": null,
            "deviceAndAppManagementAssignmentFilterType": "none"
        }),
        Audience::Developers | Audience::Lab => {
            let (group, prefix) = match audience {
                Audience::Developers => ("Windows - Developer Workstations", "DEV-"),
                _ => ("Windows - Lab Devices", "LAB-"),
            };
            serde_json::json!({
                "@odata.type": "#microsoft.graph.groupAssignmentTarget",
                "deviceAndAppManagementAssignmentFilterId": null,
                "deviceAndAppManagementAssignmentFilterType": "none",
                "groupName": group,
                "groupType": "DynamicMembership",
                "membershipRule": format!(
                    "(device.deviceOSType -eq \"Windows\") and (device.displayName -startsWith \"{prefix}\")"
                )
            })
        }
    };
    let policy = serde_json::json!({
        "name": name,
        "platforms": "windows10",
        "technologies": "mdm",
        "settings": [{
            "id": "0",
            "settingInstance": {
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                "settingDefinitionId": KEY,
                "choiceSettingValue": { "value": format!("{KEY}_{value}"), "children": [] }
            }
        }],
        "assignments": [{ "intent": "apply", "target": target }]
    });
    serde_json::to_string_pretty(&policy).unwrap_or_else(|error| panic!("{error}"))
}

/// A tenant of the given policies (and configuration) in a fresh directory.
fn tenant(name: &str, policies: &[(&str, u8, Audience)], config: Option<&str>) -> PathBuf {
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("setting-groups-{name}"));
    let _ = fs::remove_dir_all(&directory);
    let folder = directory.join("tenant/Settings Catalog");
    fs::create_dir_all(&folder).unwrap_or_else(|error| panic!("{error}"));
    for (policy_name, value, audience) in policies {
        fs::write(
            folder.join(format!("{policy_name}_mdm.json")),
            policy(policy_name, *value, *audience),
        )
        .unwrap_or_else(|error| panic!("{error}"));
    }
    if let Some(config) = config {
        fs::write(directory.join("preflight.toml"), config)
            .unwrap_or_else(|error| panic!("{error}"));
    }
    directory
}

/// (rule, severity, policy names in report order) of every finding but
/// `shadowed-policy` (E, on All devices, covers every other policy's audience).
fn findings(directory: &Path) -> Vec<(String, String, Vec<String>)> {
    let result = run_in(directory, &["check", "tenant", "--format", "json"]);
    let report = json(&result);
    assert_valid_report(&report);
    report["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|finding| finding["rule"] != "shadowed-policy")
        .map(|finding| {
            let names = finding["policies"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|policy| policy["name"].as_str().unwrap_or_default().to_owned())
                .collect();
            (
                finding["rule"].as_str().unwrap_or_default().to_owned(),
                finding["severity"].as_str().unwrap_or_default().to_owned(),
                names,
            )
        })
        .collect()
}

fn finding(rule: &str, severity: &str, names: &[&str]) -> (String, String, Vec<String>) {
    (
        rule.to_owned(),
        severity.to_owned(),
        names.iter().map(|name| (*name).to_owned()).collect(),
    )
}

const TWO_CLUSTERS: [(&str, u8, Audience); 4] = [
    ("A", 1, Audience::Developers),
    ("B", 0, Audience::Developers),
    ("C", 1, Audience::Lab),
    ("D", 0, Audience::Lab),
];

#[test]
fn clusters_whose_audiences_never_meet_are_separate_findings() {
    let directory = tenant("clusters", &TWO_CLUSTERS, None);
    assert_eq!(
        findings(&directory),
        vec![
            finding("conflicting-setting", "error", &["A", "B"]),
            finding("conflicting-setting", "error", &["C", "D"]),
        ]
    );
}

#[test]
fn a_policy_that_meets_both_clusters_joins_them_into_one_finding() {
    let mut policies = TWO_CLUSTERS.to_vec();
    policies.push(("E", 1, Audience::AllDevices));
    let directory = tenant("joined", &policies, None);
    assert_eq!(
        findings(&directory),
        vec![
            finding("conflicting-setting", "error", &["A", "B", "C", "D", "E"]),
            finding("duplicate-setting", "info", &["A", "C", "E"]),
        ]
    );
    let result = run_in(&directory, &["check", "tenant", "--format", "json"]);
    let report = json(&result);
    let conflict = &report["findings"][0];
    assert_eq!(
        conflict["message"],
        format!(
            "`{KEY}` is set to different values by 5 policies with audiences that meet: `1` by `A`, `C` and `E`; `0` by `B` and `D`"
        )
    );
    // Each policy is labelled where it sets its value.
    let labels = conflict["policies"].as_array().map_or(0, Vec::len);
    assert_eq!(labels, 5);
    insta::assert_snapshot!(
        "setting-groups-joined-human",
        run_in(&directory, &["check", "tenant", "--color", "never"]).stdout
    );
}

#[test]
fn an_ignored_pair_leaves_the_other_pairs_of_its_group_reported() {
    let ignore = "[[ignore]]\nrule = \"conflicting-setting\"\npolicies = [\"A\", \"B\"]\nreason = \"A and B are one team's, reviewed\"\n";

    // Alone, the pair's cluster is silenced, the other stays.
    let directory = tenant("ignored-cluster", &TWO_CLUSTERS, Some(ignore));
    assert_eq!(
        findings(&directory),
        vec![finding("conflicting-setting", "error", &["C", "D"])]
    );

    // Joined by E, the group keeps every pair but A's with B: A, which meets
    // the others only where it agrees with them, leaves the conflict.
    let mut policies = TWO_CLUSTERS.to_vec();
    policies.push(("E", 1, Audience::AllDevices));
    let directory = tenant("ignored-joined", &policies, Some(ignore));
    assert_eq!(
        findings(&directory),
        vec![
            finding("conflicting-setting", "error", &["B", "C", "D", "E"]),
            finding("duplicate-setting", "info", &["A", "C", "E"]),
        ]
    );
}

#[test]
fn an_ignore_that_silences_only_pairs_is_not_unused() {
    let ignore = "[[ignore]]\nrule = \"conflicting-setting\"\npolicies = [\"A\", \"B\"]\nreason = \"reviewed\"\n[[ignore]]\nrule = \"conflicting-setting\"\npolicies = [\"A\", \"D\"]\nreason = \"never meet\"\n";
    let directory = tenant("unused", &TWO_CLUSTERS, Some(ignore));
    let found = findings(&directory);
    // The first silenced A and B; the second names a pair that never met.
    assert_eq!(
        found,
        vec![
            finding("conflicting-setting", "error", &["C", "D"]),
            finding("unused-ignore", "info", &[]),
        ]
    );
}

#[test]
fn a_terminal_shows_the_first_files_of_a_large_group_and_json_every_one() {
    let names: Vec<String> = (1..=12).map(|number| format!("P{number:02}")).collect();
    let policies: Vec<(&str, u8, Audience)> = names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            (
                name.as_str(),
                u8::try_from(index % 2).unwrap_or(0),
                Audience::AllDevices,
            )
        })
        .collect();
    let config = "[rules]\nshadowed-policy = \"off\"\nduplicate-setting = \"off\"\n";
    let directory = tenant("large-group", &policies, Some(config));
    let found = findings(&directory);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].2.len(), 12);
    let human = run_in(&directory, &["check", "tenant", "--color", "never"]).stdout;
    assert_eq!(human.matches("and here, in").count(), 9, "{human}");
    assert!(
        human.contains("2 more files of this finding are not shown here"),
        "{human}"
    );
}
