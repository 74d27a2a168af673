//! The CI output formats: SARIF (validated against the official 2.1.0 schema),
//! GitHub workflow commands and JUnit XML, snapshotted on the demo tenant.

mod common;

use common::{json, run, workspace_root};

fn sarif_validator() -> jsonschema::Validator {
    let schema_path = workspace_root().join("crates/cli/tests/fixtures/sarif-schema-2.1.0.json");
    let schema_text =
        std::fs::read_to_string(schema_path).unwrap_or_else(|error| panic!("{error}"));
    // The official schema's `language` pattern ends in a lone `]`, a literal in
    // ECMAScript (Annex B) that Rust's regex engines reject: escape that one
    // character here, keeping the fixture byte-identical to the official file.
    let lone_bracket = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert!(
        schema_text.contains(lone_bracket),
        "the schema fixture changed"
    );
    let schema_text = schema_text.replace(
        lone_bracket,
        r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#,
    );
    let schema: serde_json::Value =
        serde_json::from_str(&schema_text).unwrap_or_else(|error| panic!("{error}"));
    jsonschema::validator_for(&schema).unwrap_or_else(|error| panic!("schema: {error}"))
}

fn validate_sarif(log: &serde_json::Value) {
    let errors: Vec<String> = sarif_validator()
        .iter_errors(log)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF does not validate:\n{}",
        errors.join("\n")
    );
}

#[test]
fn sarif_of_the_demo_tenant_validates_against_the_2_1_0_schema() {
    let result = run(&["check", "fixtures/demo-tenant", "--format", "sarif"]);
    assert_eq!(result.code, 1);
    let log = json(&result);
    validate_sarif(&log);
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(results.len(), 3);
    let first = &results[0];
    assert_eq!(first["ruleId"], "conflicting-setting");
    assert_eq!(first["level"], "error");
    assert_eq!(
        first["locations"][0]["physicalLocation"]["region"]["startLine"],
        26
    );
    assert_eq!(
        first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/demo-tenant/Settings%20Catalog/Win%20-%20Defender%20Antivirus%20-%20Baseline_microsoftSense.json"
    );
    assert!(first["relatedLocations"][0]["physicalLocation"]["region"].is_object());
    assert!(first["partialFingerprints"]["preflight/v1"].is_string());
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(rules.iter().all(|rule| {
        rule["help"]["text"]
            .as_str()
            .is_some_and(|text| text.contains("## How to fix"))
    }));
    insta::assert_snapshot!(
        "demo-tenant-sarif",
        result
            .stdout
            .replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
    );
}

#[test]
fn the_schema_rejects_what_is_not_sarif() {
    let validator = sarif_validator();
    assert!(
        !validator.is_valid(&serde_json::json!({ "version": "2.1.0" })),
        "runs is required"
    );
    let mut log = json(&run(&[
        "check",
        "fixtures/demo-tenant",
        "--format",
        "sarif",
    ]));
    log["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!validator.is_valid(&log), "level is an enum");
}

#[test]
fn sarif_of_every_fixture_validates() {
    let result = run(&["check", "fixtures", "--format", "sarif"]);
    validate_sarif(&json(&result));
}

#[test]
fn github_annotations_of_the_demo_tenant() {
    let result = run(&["check", "fixtures/demo-tenant", "--format", "github"]);
    assert_eq!(result.code, 1);
    assert!(
        result
            .stdout
            .starts_with("::error file=fixtures/demo-tenant/Settings Catalog/")
    );
    insta::assert_snapshot!("demo-tenant-github", result.stdout);
}

#[test]
fn junit_report_of_the_demo_tenant_and_of_a_clean_tenant() {
    let result = run(&["check", "fixtures/demo-tenant", "--format", "junit"]);
    assert_eq!(result.code, 1);
    insta::assert_snapshot!("demo-tenant-junit", result.stdout);
    let clean = run(&[
        "check",
        "fixtures/rules/parse-error/quiet",
        "--format",
        "junit",
    ]);
    assert_eq!(clean.code, 0);
    assert!(
        clean
            .stdout
            .contains("<testcase name=\"no findings\" classname=\"preflight\"/>")
    );
}
