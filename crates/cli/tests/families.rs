//! One setting, three policy families: a settings catalog choice, a custom
//! profile's OMA-URI and a legacy device restrictions property all configure
//! `./Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera`, and preflight compares
//! them as one setting (`fixtures/cross-family/`).

mod common;

use common::{assert_valid_report, json, run};

/// (rule, families of the two policies, sorted) for every setting-pair finding
/// (`conflicting-setting`, `duplicate-setting`). The kiosk policies are also
/// `shadowed-policy` by the All devices one, which is not what this test is about.
fn findings_of(path: &str) -> Vec<(String, Vec<String>)> {
    let result = run(&["check", path, "--format", "json"]);
    let report = json(&result);
    assert_valid_report(&report);
    let mut findings: Vec<(String, Vec<String>)> = report["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|finding| {
            finding["rule"] == "conflicting-setting" || finding["rule"] == "duplicate-setting"
        })
        .map(|finding| {
            let mut families: Vec<String> = finding["policies"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|policy| policy["family"].as_str().unwrap_or_default().to_owned())
                .collect();
            families.sort();
            (
                finding["rule"].as_str().unwrap_or_default().to_owned(),
                families,
            )
        })
        .collect();
    findings.sort();
    findings
}

fn pair(rule: &str, first: &str, second: &str) -> (String, Vec<String>) {
    (rule.to_owned(), vec![first.to_owned(), second.to_owned()])
}

#[test]
fn different_values_conflict_across_families() {
    // Catalog allows the camera (option `_1`), the legacy profile blocks it
    // (`cameraBlocked: true` = AllowCamera 0), the OMA-URI allows it (integer 1).
    assert_eq!(
        findings_of("fixtures/cross-family/conflict"),
        vec![
            pair(
                "conflicting-setting",
                "custom-profile",
                "device-configuration"
            ),
            pair(
                "conflicting-setting",
                "device-configuration",
                "settings-catalog"
            ),
            pair("duplicate-setting", "custom-profile", "settings-catalog"),
        ]
    );
}

#[test]
fn equal_values_are_duplicates_across_families() {
    assert_eq!(
        findings_of("fixtures/cross-family/duplicate"),
        vec![
            pair(
                "duplicate-setting",
                "custom-profile",
                "device-configuration"
            ),
            pair("duplicate-setting", "custom-profile", "settings-catalog"),
            pair(
                "duplicate-setting",
                "device-configuration",
                "settings-catalog"
            ),
        ]
    );
}
