//! `preflight who` and `preflight graph` on the bundled fixtures: who receives
//! which policy and why (inclusion through nested groups and primary users,
//! exclusions, filters, platforms), checked outcome by outcome, and the rendered
//! output snapshotted.

mod common;

use common::{json, run};

/// The outcome `who` gives each policy, by policy name.
fn outcomes(arguments: &[&str]) -> Vec<(String, String)> {
    let result = run(&[arguments, &["--format", "json"]].concat());
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report = json(&result);
    report["policies"]
        .as_array()
        .map(|policies| {
            policies
                .iter()
                .map(|policy| {
                    (
                        policy["name"].as_str().unwrap_or_default().to_owned(),
                        policy["outcome"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn outcome_of<'a>(outcomes: &'a [(String, String)], policy: &str) -> &'a str {
    outcomes
        .iter()
        .find(|(name, _)| name == policy)
        .map_or("(not listed)", |(_, outcome)| outcome.as_str())
}

#[test]
fn a_kiosk_device_is_excluded_from_the_baseline_and_receives_its_own_policy() {
    let found = outcomes(&[
        "who",
        "fixtures/inventory-tenant",
        "--inventory",
        "fixtures/inventory-tenant/inventory",
        "--device",
        "PC-06",
    ]);
    assert_eq!(outcome_of(&found, "Win - Lock - Baseline"), "excluded");
    assert_eq!(outcome_of(&found, "Win - Lock - Kiosk"), "reached");
    assert_eq!(outcome_of(&found, "Win - Defender - Dell"), "reached");
    // An iOS policy never reaches a Windows device, whatever its filter says.
    assert_eq!(
        outcome_of(&found, "iOS - Inactivity - Corporate"),
        "excluded"
    );
}

#[test]
fn a_mac_is_not_reached_by_windows_policies_assigned_to_all_devices() {
    let found = outcomes(&["who", "fixtures/inventory-tenant", "--device", "MAC-00"]);
    assert_eq!(outcome_of(&found, "Win - Lock - Baseline"), "excluded");
    assert_eq!(outcome_of(&found, "macOS - Screen Saver"), "reached");
}

#[test]
fn a_user_is_reached_through_the_groups_of_their_devices() {
    let found = outcomes(&[
        "who",
        "fixtures/inventory-tenant",
        "--user",
        "user01@contoso.com",
    ]);
    // Through their own user group, and through the device groups and All
    // devices assignments of the devices they use: PC-01 as primary user, the
    // kiosk PC-06 by signing in.
    assert_eq!(outcome_of(&found, "Win - Lock - Finance"), "reached");
    assert_eq!(outcome_of(&found, "Win - Lock - Baseline"), "reached");
    assert_eq!(outcome_of(&found, "Win - Lock - Pilot"), "reached");
    assert_eq!(outcome_of(&found, "Win - Lock - Kiosk"), "reached");
    // Their Windows 11 PC is filtered out of the "not Windows 11" policy, the
    // Windows 10 kiosk they sign in on is not.
    assert_eq!(
        outcome_of(&found, "Win - Defender - Not Windows 11"),
        "reached"
    );
    // A macOS policy for All users does not land on a user without a Mac.
    assert_eq!(outcome_of(&found, "macOS - Screen Saver"), "excluded");
}

#[test]
fn without_an_inventory_a_group_is_answered_from_assignments() {
    let found = outcomes(&["who", "fixtures/demo-tenant", "--group", "Windows - Kiosks"]);
    assert_eq!(outcome_of(&found, "Win - Kiosk - Lockdown"), "reached");
    assert_eq!(
        outcome_of(&found, "Win - Device Lock - Standard"),
        "excluded"
    );
}

#[test]
fn who_output_is_snapshotted() {
    for (name, arguments) in [
        (
            "who-device-pc-06",
            vec!["who", "fixtures/inventory-tenant", "--device", "PC-06"],
        ),
        (
            "who-user-user01",
            vec![
                "who",
                "fixtures/inventory-tenant",
                "--user",
                "user01@contoso.com",
            ],
        ),
        (
            "who-group-kiosks",
            vec!["who", "fixtures/demo-tenant", "--group", "Windows - Kiosks"],
        ),
    ] {
        let result = run(&arguments);
        assert_eq!(result.code, 0, "{}", result.stderr);
        insta::assert_snapshot!(name, result.stdout);
    }
}

#[test]
fn graph_output_is_snapshotted_and_highlights_conflicts() {
    for format in ["dot", "mermaid"] {
        let result = run(&["graph", "fixtures/demo-tenant", "--format", format]);
        assert_eq!(result.code, 0, "{}", result.stderr);
        insta::assert_snapshot!(format!("graph-demo-tenant-{format}"), &result.stdout);
    }
    let dot = run(&["graph", "fixtures/demo-tenant", "--format", "dot"]).stdout;
    // The two policies of the demo tenant's certain conflict are highlighted.
    for policy in [
        "Win - Defender Antivirus - Baseline",
        "Win - Developer Workstations - Defender Exceptions",
    ] {
        let line = dot
            .lines()
            .find(|line| line.contains(&format!("label=\"{policy}\"")))
            .unwrap_or_default();
        assert!(
            line.contains("color=red"),
            "{policy} is not highlighted: {line}"
        );
    }
    let unaffected = dot
        .lines()
        .find(|line| line.contains("label=\"macOS - Software Update\""))
        .unwrap_or_default();
    assert!(!unaffected.contains("color=red"), "{unaffected}");
}
