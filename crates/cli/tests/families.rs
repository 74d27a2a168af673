//! One setting, several policy families (`fixtures/cross-family/`): a settings
//! catalog choice, a custom profile's OMA-URI and a legacy device restrictions
//! property all configure `./Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera`;
//! an administrative template and a settings catalog policy configure one ADMX
//! policy (with `--catalog`); and firewall rules, items of a collection, are
//! compared by what they hold, not by their position.

mod common;

use common::{assert_valid_report, json, run};

/// (rule, families of the policies, sorted) for every setting finding
/// (`conflicting-setting`, `duplicate-setting`). The kiosk policies are also
/// `shadowed-policy` by the All devices one, which is not what this test is about.
fn findings_of(path: &str) -> Vec<(String, Vec<String>)> {
    let result = run(&["check", path, "--format", "json"]);
    let report = json(&result);
    assert_valid_report(&report);
    pairs_of(&report)
}

fn group(rule: &str, families: &[&str]) -> (String, Vec<String>) {
    (
        rule.to_owned(),
        families.iter().map(|family| (*family).to_owned()).collect(),
    )
}

#[test]
fn different_values_conflict_across_families() {
    // Catalog allows the camera (option `_1`), the legacy profile blocks it
    // (`cameraBlocked: true` = AllowCamera 0), the OMA-URI allows it (integer 1).
    // The legacy profile conflicts with both others, so one finding names all
    // three; the two that agree are also a duplicate.
    assert_eq!(
        findings_of("fixtures/cross-family/conflict"),
        vec![
            group(
                "conflicting-setting",
                &["custom-profile", "device-configuration", "settings-catalog"]
            ),
            group("duplicate-setting", &["custom-profile", "settings-catalog"]),
        ]
    );
}

#[test]
fn equal_values_are_duplicates_across_families() {
    assert_eq!(
        findings_of("fixtures/cross-family/duplicate"),
        vec![group(
            "duplicate-setting",
            &["custom-profile", "device-configuration", "settings-catalog"]
        )]
    );
}

/// Like [`findings_of`], with `--catalog`.
fn findings_with_catalog(path: &str, catalog: &str) -> Vec<(String, Vec<String>)> {
    let result = run(&["check", path, "--catalog", catalog, "--format", "json"]);
    let report = json(&result);
    assert_valid_report(&report);
    pairs_of(&report)
}

/// (rule, families of the policies, sorted) for every setting finding of
/// a report, sorted.
fn pairs_of(report: &serde_json::Value) -> Vec<(String, Vec<String>)> {
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

const ADMX_CATALOG: &str = "fixtures/cross-family/admx-catalog/configurationSettings.json";

#[test]
fn administrative_templates_meet_the_admx_backed_catalog_setting_with_the_catalog() {
    // The policy state (Enabled = option `_1`), the tenant id text box and the
    // Desktop check box are equal; the Documents check box differs in the conflict case.
    let gp_and_catalog = |rule: &str| group(rule, &["administrative-template", "settings-catalog"]);
    assert_eq!(
        findings_with_catalog("fixtures/cross-family/admx-duplicate", ADMX_CATALOG),
        vec![gp_and_catalog("duplicate-setting"); 4]
    );
    assert_eq!(
        findings_with_catalog("fixtures/cross-family/admx-conflict", ADMX_CATALOG),
        vec![
            gp_and_catalog("conflicting-setting"),
            gp_and_catalog("duplicate-setting"),
            gp_and_catalog("duplicate-setting"),
            gp_and_catalog("duplicate-setting"),
        ]
    );
    for case in ["admx-duplicate", "admx-conflict"] {
        let result = run(&[
            "check",
            &format!("fixtures/cross-family/{case}"),
            "--catalog",
            ADMX_CATALOG,
        ]);
        insta::assert_snapshot!(format!("families-{case}-human"), result.stdout);
        let result = run(&[
            "check",
            &format!("fixtures/cross-family/{case}"),
            "--catalog",
            ADMX_CATALOG,
            "--format",
            "json",
        ]);
        insta::assert_snapshot!(
            format!("families-{case}-json"),
            common::redact_version(&result.stdout)
        );
    }
}

#[test]
fn without_the_catalog_administrative_templates_keep_their_own_keys() {
    // The ADMX-backed catalog id is formed from names only the catalog knows.
    assert_eq!(findings_of("fixtures/cross-family/admx-conflict"), vec![]);
}

#[test]
fn different_firewall_rules_are_different_settings_and_a_shared_rule_is_a_duplicate() {
    // Both policies hold `Allow SSH` (second in each) and one rule of their own
    // (first in each): no conflict, and the four children of the shared rule are
    // duplicates.
    assert_eq!(
        findings_of("fixtures/cross-family/firewall-rules"),
        vec![
            group(
                "duplicate-setting",
                &["settings-catalog", "settings-catalog"]
            );
            4
        ]
    );
}

#[test]
fn reordering_collection_items_changes_no_key_and_no_fingerprint() {
    let source =
        common::workspace_root().join("fixtures/cross-family/firewall-rules/Settings Catalog");
    let copy = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("families-reordered-rules");
    let _ = std::fs::remove_dir_all(&copy);
    std::fs::create_dir_all(&copy).unwrap_or_else(|error| panic!("{error}"));
    for entry in std::fs::read_dir(&source).unwrap_or_else(|error| panic!("{error}")) {
        let path = entry.unwrap_or_else(|error| panic!("{error}")).path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{error}"));
        let mut policy: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}"));
        let items = policy["settings"][0]["settingInstance"]["groupSettingCollectionValue"]
            .as_array_mut()
            .unwrap_or_else(|| panic!("a collection in {}", path.display()));
        items.reverse();
        for item in items.iter_mut() {
            if let Some(children) = item["children"].as_array_mut() {
                children.reverse();
            }
        }
        let name = path.file_name().unwrap_or_default();
        std::fs::write(copy.join(name), policy.to_string())
            .unwrap_or_else(|error| panic!("{error}"));
    }
    let identities = |path: &str| {
        let report = json(&run(&["check", path, "--format", "json"]));
        let mut identities: Vec<(String, String, String)> = report["findings"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|finding| {
                (
                    finding["rule"].as_str().unwrap_or_default().to_owned(),
                    finding["setting"]["key"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    finding["fingerprint"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect();
        identities.sort();
        identities
    };
    let original = identities("fixtures/cross-family/firewall-rules");
    assert_eq!(original.len(), 4, "{original:?}");
    assert_eq!(original, identities(&copy.to_string_lossy()));
}
