//! `preflight plan` over a three-ring rollout (`fixtures/rollout/`): with rings
//! whose groups are disjoint, no phase introduces a finding; when the UAT ring
//! also holds a kiosk, the conflict with the kiosk policy appears in the UAT phase
//! and nowhere else, and the pilot is reported as unrepresentative (it has no
//! kiosk). Human, JSON and Markdown outputs are snapshotted; the plan file is
//! checked against `schemas/rollout-v1.schema.json`.

mod common;

use common::{json, run, workspace_root};

const PLAN: &str = "fixtures/rollout/rings.rollout.json";

fn plan(variant: &str, format: &str) -> common::Run {
    run(&[
        "plan",
        PLAN,
        &format!("fixtures/rollout/{variant}"),
        "--format",
        format,
    ])
}

/// (phase name, rules of the findings it introduces) for every phase.
fn rules_per_phase(report: &serde_json::Value) -> Vec<(String, Vec<String>)> {
    report["phases"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|phase| {
            let rules = phase["findings"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|finding| finding["rule"].as_str().unwrap_or_default().to_owned())
                .collect();
            (phase["name"].as_str().unwrap_or_default().to_owned(), rules)
        })
        .collect()
}

#[test]
fn disjoint_rings_introduce_no_finding_in_any_phase() {
    let result = plan("disjoint-rings", "json");
    assert_eq!(result.code, 0, "{}", result.stderr);
    let report = json(&result);
    let expected: Vec<(String, Vec<String>)> =
        ["Pilot alone", "Pilot with the tenant", "UAT", "Production"]
            .iter()
            .map(|name| ((*name).to_owned(), Vec::new()))
            .collect();
    assert_eq!(rules_per_phase(&report), expected);
    let devices: Vec<u64> = report["phases"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|phase| phase["devices"].as_u64())
        .collect();
    assert_eq!(
        devices,
        vec![3, 3, 5, 7],
        "each wave adds its ring's devices"
    );
}

#[test]
fn an_overlapping_ring_brings_its_conflict_in_its_own_phase() {
    let result = plan("overlapping-rings", "json");
    assert_eq!(
        result.code, 1,
        "the conflict is an error: {}",
        result.stderr
    );
    let report = json(&result);
    assert_eq!(
        rules_per_phase(&report),
        vec![
            (
                "Pilot alone".to_owned(),
                vec!["unrepresentative-pilot".to_owned()]
            ),
            ("Pilot with the tenant".to_owned(), vec![]),
            (
                "UAT".to_owned(),
                vec![
                    "conflicting-setting".to_owned(),
                    "shadowed-policy".to_owned()
                ]
            ),
            ("Production".to_owned(), vec![]),
        ]
    );
}

#[test]
fn outputs_are_snapshotted() {
    for variant in ["disjoint-rings", "overlapping-rings"] {
        let human = run(&["plan", PLAN, &format!("fixtures/rollout/{variant}")]);
        insta::assert_snapshot!(format!("plan-{variant}-human"), human.stdout);
        insta::assert_snapshot!(format!("plan-{variant}-json"), plan(variant, "json").stdout);
        insta::assert_snapshot!(
            format!("plan-{variant}-markdown"),
            plan(variant, "markdown").stdout
        );
    }
}

#[test]
fn the_plan_files_match_the_rollout_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("schemas/rollout-v1.schema.json"))
            .unwrap_or_else(|error| panic!("{error}")),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let validator = jsonschema::validator_for(&schema)
        .unwrap_or_else(|error| panic!("schema invalid: {error}"));
    for path in [
        PLAN,
        "fixtures/rules/unrepresentative-pilot/fires/rollout.json",
        "fixtures/rules/unrepresentative-pilot/quiet/rollout.json",
    ] {
        let plan: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(workspace_root().join(path))
                .unwrap_or_else(|error| panic!("{error}")),
        )
        .unwrap_or_else(|error| panic!("{error}"));
        let errors: Vec<String> = validator
            .iter_errors(&plan)
            .map(|error| error.to_string())
            .collect();
        assert!(errors.is_empty(), "{path}: {errors:#?}");
    }
    let yaml_plan: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(workspace_root().join("fixtures/rollout/rings.rollout.yaml"))
            .unwrap_or_else(|error| panic!("{error}")),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let errors: Vec<String> = validator
        .iter_errors(&yaml_plan)
        .map(|error| error.to_string())
        .collect();
    assert!(errors.is_empty(), "rings.rollout.yaml: {errors:#?}");
    let wrong: serde_json::Value =
        serde_json::json!({"policies": ["A"], "phases": [{"name": "x", "kind": "canary"}]});
    assert!(
        !validator.is_valid(&wrong),
        "an unknown phase kind is refused"
    );
}

#[test]
fn a_plan_naming_a_missing_policy_is_reported_against_the_plan() {
    let directory = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("plan-missing");
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap_or_else(|error| panic!("{error}"));
    let plan_path = directory.join("rollout.json");
    std::fs::write(
        &plan_path,
        r#"{"policies": ["Win - Nowhere"], "phases": [{"name": "Pilot", "kind": "pilot", "groups": ["Ring 1 - Pilot"]}]}"#,
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let result = run(&[
        "plan",
        &plan_path.display().to_string(),
        "fixtures/rollout/disjoint-rings",
        "--format",
        "json",
    ]);
    assert_eq!(result.code, 1, "{}", result.stderr);
    let report = json(&result);
    let message = report["plan_findings"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("`Win - Nowhere`"), "{message}");
}

#[test]
fn a_yaml_plan_reads_as_its_json_twin() {
    for variant in ["disjoint-rings", "overlapping-rings"] {
        let from_yaml = run(&[
            "plan",
            "fixtures/rollout/rings.rollout.yaml",
            &format!("fixtures/rollout/{variant}"),
            "--format",
            "json",
        ]);
        let from_json = plan(variant, "json");
        assert_eq!(from_yaml.code, from_json.code, "{}", from_yaml.stderr);
        let yaml_report = json(&from_yaml);
        let json_report = json(&from_json);
        assert_eq!(
            without_locations(yaml_report["phases"].clone()),
            without_locations(json_report["phases"].clone()),
            "{variant}"
        );
        assert_eq!(rules_per_phase(&yaml_report), rules_per_phase(&json_report));
    }
}

#[test]
fn a_yaml_plan_with_a_mistake_is_reported_at_its_line_and_column() {
    let directory = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("plan-yaml-broken");
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap_or_else(|error| panic!("{error}"));
    let plan_path = directory.join("rollout.yml");
    std::fs::write(
        &plan_path,
        "policies: [Win - Device Lock - Hardened]\nphases:\n  - name: Pilot\n    kind: pilot\n    groups: [Ring 1 - Pilot\n",
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let result = run(&[
        "plan",
        &plan_path.display().to_string(),
        "fixtures/rollout/disjoint-rings",
    ]);
    assert_eq!(
        result.code, 2,
        "a plan that cannot be read is a usage error"
    );
    assert!(
        result
            .stderr
            .contains("unclosed bracket '[' (line 5, column 13)"),
        "{}",
        result.stderr
    );
}

/// `value` without its `location` members, which differ between a plan and its twin.
fn without_locations(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(members) => members
            .into_iter()
            .filter(|(key, _)| key != "location")
            .map(|(key, value)| (key, without_locations(value)))
            .collect(),
        serde_json::Value::Array(items) => items.into_iter().map(without_locations).collect(),
        other => other,
    }
}

#[cfg(unix)]
#[test]
fn a_plan_that_is_not_a_regular_file_is_refused_without_reading_it() {
    let result = run(&["plan", "/dev/zero", "fixtures/rollout/disjoint-rings"]);
    assert_eq!(result.code, 2, "{}", result.stderr);
    assert!(
        result
            .stderr
            .contains("`/dev/zero`: not a regular file (a character device)"),
        "{}",
        result.stderr
    );
}
