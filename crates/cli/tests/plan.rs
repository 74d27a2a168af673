//! `preflight plan` over three-ring rollouts (`fixtures/rollout/`):
//! - `disjoint-rings`: ring groups that share no device, no phase introduces a
//!   finding and no device meets a conflict;
//! - `uat-overlaps-pilot`: the UAT ring shares devices with the pilot ring, one of
//!   them a kiosk an existing policy sets otherwise: the conflict appears in the
//!   first phase running with the tenant's policies, once, and the UAT phase,
//!   which reaches the kiosk again, does not repeat it;
//! - `uat-overlaps-kiosks`: the UAT ring holds the kiosk: the conflict appears in
//!   the UAT phase, and the pilot is unrepresentative (it has no kiosk), reported
//!   in the last pilot phase;
//! - `dynamic-rings` (no inventory, its own plan): dynamic ring groups decide the
//!   audiences: the pilot's rules are proved unrepresentative, a conflict that
//!   possibly meets in the pilot becomes certain in the next wave and is reported
//!   there again as escalated, and counts are unknown.
//!
//! Human, JSON and Markdown outputs are snapshotted; JSON outputs are validated
//! against `schemas/plan-report-v1.schema.json`, plan files against
//! `schemas/rollout-v1.schema.json`.

mod common;

use common::{assert_valid_against, json, redact_version, run, schema_errors, workspace_root};
use serde_json::Value;

const PLAN: &str = "fixtures/rollout/rings.rollout.json";

/// The plan and paths of each fixture rollout.
fn arguments(variant: &str) -> Vec<String> {
    let directory = format!("fixtures/rollout/{variant}");
    let own_plan = format!("{directory}/rollout.json");
    let plan = if workspace_root().join(&own_plan).is_file() {
        own_plan
    } else {
        PLAN.to_owned()
    };
    vec!["plan".to_owned(), plan, directory]
}

fn plan(variant: &str, format: &str) -> common::Run {
    let mut arguments = arguments(variant);
    arguments.extend(["--format".to_owned(), format.to_owned()]);
    let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
    run(&arguments)
}

/// The JSON report of a fixture rollout, checked against the schema.
fn report(variant: &str) -> (i32, Value) {
    let result = plan(variant, "json");
    let report = json(&result);
    assert_valid_against("plan-report-v1.schema.json", &report);
    (result.code, report)
}

fn phases(report: &Value) -> Vec<Value> {
    report["phases"].as_array().cloned().unwrap_or_default()
}

/// (phase name, rules of the findings it introduces) for every phase.
fn rules_per_phase(report: &Value, field: &str) -> Vec<(String, Vec<String>)> {
    phases(report)
        .iter()
        .map(|phase| {
            let rules = phase[field]
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

fn expected(phases: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    phases
        .iter()
        .map(|(name, rules)| {
            (
                (*name).to_owned(),
                rules.iter().map(|rule| (*rule).to_owned()).collect(),
            )
        })
        .collect()
}

/// A numeric field of every phase (`None` for `null`).
fn per_phase(report: &Value, field: &str) -> Vec<Option<u64>> {
    phases(report)
        .iter()
        .map(|phase| phase[field].as_u64())
        .collect()
}

/// The change of `key` by the rollout in phase `phase`.
fn change<'a>(report: &'a Value, phase: usize, key: &str) -> &'a Value {
    report["phases"][phase]["changes"]
        .as_array()
        .and_then(|changes| changes.iter().find(|change| change["key"] == key))
        .unwrap_or_else(|| panic!("no change of `{key}` in phase {phase}"))
}

const LOCK: &str = "device_vendor_msft_policy_config_devicelock_maxinactivitytimedevicelock";

#[test]
fn disjoint_rings_introduce_no_finding_in_any_phase() {
    let (code, report) = report("disjoint-rings");
    assert_eq!(code, 0);
    assert_eq!(
        rules_per_phase(&report, "findings"),
        expected(&[
            ("Pilot alone", &[]),
            ("Pilot with the tenant", &[]),
            ("UAT", &[]),
            ("Production", &[]),
        ])
    );
    assert_eq!(
        per_phase(&report, "devices"),
        vec![Some(3), Some(3), Some(5), Some(7)],
        "each wave adds its ring's devices"
    );
    assert_eq!(
        per_phase(&report, "devices_meeting_conflict"),
        vec![Some(0); 4]
    );
}

#[test]
fn a_uat_ring_overlapping_the_pilot_ring_gives_the_conflict_in_the_earlier_phase_once() {
    let (code, report) = report("uat-overlaps-pilot");
    assert_eq!(code, 1, "the conflict is an error");
    assert_eq!(
        rules_per_phase(&report, "findings"),
        expected(&[
            ("Pilot alone", &[]),
            (
                "Pilot with the tenant",
                &["conflicting-setting", "shadowed-policy"]
            ),
            ("UAT", &[]),
            ("Production", &[]),
        ]),
        "the kiosk is in the pilot ring: the conflict belongs to the first phase with the tenant's policies, not to the UAT phase that reaches it again"
    );
    let fingerprints: Vec<String> = phases(&report)
        .iter()
        .flat_map(|phase| {
            let mut all = phase["findings"].as_array().cloned().unwrap_or_default();
            all.extend(phase["escalated"].as_array().cloned().unwrap_or_default());
            all
        })
        .map(|finding| {
            finding["fingerprint"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    let mut distinct = fingerprints.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(fingerprints.len(), distinct.len(), "each finding once");
    assert_eq!(
        per_phase(&report, "devices"),
        vec![Some(4), Some(4), Some(6), Some(8)],
        "PC-02 and KIOSK-01 are in both rings and count once"
    );
    assert_eq!(
        per_phase(&report, "devices_meeting_conflict"),
        vec![Some(0), Some(1), Some(1), Some(1)],
        "isolated, the kiosk policy is absent; afterwards KIOSK-01 meets the conflict"
    );
    assert_eq!(
        per_phase(&report, "users_meeting_conflict"),
        vec![Some(0), Some(1), Some(1), Some(1)],
        "KIOSK-01's kiosk account"
    );
    assert_eq!(
        report["summary"]["findings"],
        serde_json::json!({"error": 1, "warning": 1, "info": 0})
    );
    // The UAT phase newly reaches PC-04 and PC-05 only, neither set otherwise.
    let uat = change(&report, 2, LOCK);
    assert_eq!(
        (uat["devices"].as_u64(), uat["users"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(uat["devices_set_otherwise"].as_u64(), Some(0));
    assert_eq!(uat["old_values"], serde_json::json!([]));
}

#[test]
fn an_overlapping_ring_brings_its_conflict_in_its_own_phase() {
    let (code, report) = report("uat-overlaps-kiosks");
    assert_eq!(code, 1, "the conflict is an error");
    assert_eq!(
        rules_per_phase(&report, "findings"),
        expected(&[
            ("Pilot alone", &[]),
            ("Pilot with the tenant", &["unrepresentative-pilot"]),
            ("UAT", &["conflicting-setting", "shadowed-policy"]),
            ("Production", &[]),
        ]),
        "unrepresentative-pilot belongs to the last pilot phase, where its label points"
    );
    let finding = &report["phases"][1]["findings"][0];
    assert_eq!(
        finding["location"]["line"], 18,
        "the last pilot phase's name"
    );
    assert_eq!(
        per_phase(&report, "devices_meeting_conflict"),
        vec![Some(0), Some(0), Some(1), Some(1)]
    );
}

#[test]
fn the_change_summary_counts_who_newly_receives_a_setting_and_who_it_changes_for() {
    let (_, report) = report("uat-overlaps-kiosks");
    // UAT newly reaches PC-04, PC-05 and KIOSK-01; the kiosk policy sets 30 on
    // KIOSK-01 only.
    let uat = change(&report, 2, LOCK);
    assert_eq!(uat["devices"].as_u64(), Some(3));
    assert_eq!(uat["devices_set_otherwise"].as_u64(), Some(1));
    assert_eq!(uat["devices_not_configured"].as_u64(), Some(2));
    assert_eq!(
        uat["old_values"],
        serde_json::json!([{
            "policy": "Win - Device Lock - Kiosk", "value": 30, "certainty": "certain",
            "devices": 1, "users": 0
        }])
    );
    // Production newly reaches PC-03 and PC-06, which nothing sets today.
    let production = change(&report, 3, LOCK);
    assert_eq!(production["devices"].as_u64(), Some(2));
    assert_eq!(production["devices_set_otherwise"].as_u64(), Some(0));
    assert_eq!(production["old_values"], serde_json::json!([]));
    // The first phase with the tenant counts the isolated pilot's devices again.
    assert_eq!(
        report["phases"][1]["newly_reached_groups"],
        serde_json::json!(["Ring 1 - Pilot"])
    );
    assert_eq!(change(&report, 1, LOCK)["devices"].as_u64(), Some(3));
}

#[test]
fn without_an_inventory_the_rules_decide_and_counts_are_unknown() {
    let (code, report) = report("dynamic-rings");
    assert_eq!(code, 1, "the escalated conflict is an error");
    assert_eq!(
        rules_per_phase(&report, "findings"),
        expected(&[
            ("Pilot", &["conflicting-setting", "unrepresentative-pilot"]),
            ("Windows wave", &[]),
            ("Everyone", &["shadowed-policy"]),
        ])
    );
    assert_eq!(
        rules_per_phase(&report, "escalated"),
        expected(&[
            ("Pilot", &[]),
            ("Windows wave", &["conflicting-setting"]),
            ("Everyone", &[]),
        ]),
        "possible in the pilot, certain once the Windows ring holds every kiosk: reported again, once"
    );
    let pilot = &report["phases"][0]["findings"][0];
    let escalated = &report["phases"][1]["escalated"][0];
    assert_eq!(pilot["fingerprint"], escalated["fingerprint"]);
    assert_eq!(
        (
            pilot["severity"].as_str(),
            pilot["overlap"]["certainty"].as_str()
        ),
        (Some("warning"), Some("possible"))
    );
    assert_eq!(
        (
            escalated["severity"].as_str(),
            escalated["overlap"]["certainty"].as_str()
        ),
        (Some("error"), Some("certain"))
    );
    let message = report["phases"][0]["findings"][1]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message.contains("OS version not starting with `10.0.22`")
            && message.contains("ownership `personal`"),
        "{message}"
    );
    assert_eq!(
        report["summary"]["findings"],
        serde_json::json!({"error": 1, "warning": 2, "info": 0}),
        "the conflict counts once, as the error it became"
    );
    assert_eq!(per_phase(&report, "devices"), vec![None; 3]);
    assert_eq!(
        per_phase(&report, "devices_meeting_conflict"),
        vec![None; 3]
    );
    let pilot_change = change(&report, 0, LOCK);
    assert_eq!(pilot_change["devices"], Value::Null);
    assert_eq!(pilot_change["devices_set_otherwise"], Value::Null);
    assert_eq!(pilot_change["old_values"][0]["certainty"], "possible");
    let markdown = plan("dynamic-rings", "markdown").stdout;
    assert!(
        markdown.contains("Device and user counts are unknown"),
        "{markdown}"
    );
    assert!(!markdown.contains("| 0 devices"), "{markdown}");
}

#[test]
fn outputs_are_snapshotted() {
    for variant in [
        "disjoint-rings",
        "uat-overlaps-pilot",
        "uat-overlaps-kiosks",
        "dynamic-rings",
    ] {
        let arguments = arguments(variant);
        let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
        let human = run(&arguments);
        insta::assert_snapshot!(format!("plan-{variant}-human"), human.stdout);
        insta::assert_snapshot!(
            format!("plan-{variant}-json"),
            redact_version(&plan(variant, "json").stdout)
        );
        insta::assert_snapshot!(
            format!("plan-{variant}-markdown"),
            plan(variant, "markdown").stdout
        );
    }
}

#[test]
fn the_plan_files_match_the_rollout_schema() {
    for path in [
        PLAN,
        "fixtures/rollout/dynamic-rings/rollout.json",
        "fixtures/rules/unrepresentative-pilot/fires/rollout.json",
        "fixtures/rules/unrepresentative-pilot/quiet/rollout.json",
    ] {
        let plan: Value = serde_json::from_str(
            &std::fs::read_to_string(workspace_root().join(path))
                .unwrap_or_else(|error| panic!("{error}")),
        )
        .unwrap_or_else(|error| panic!("{error}"));
        assert_valid_against("rollout-v1.schema.json", &plan);
    }
    let schema: Value = serde_json::from_str(
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
    let wrong: Value =
        serde_json::json!({"policies": ["A"], "phases": [{"name": "x", "kind": "canary"}]});
    assert!(
        !validator.is_valid(&wrong),
        "an unknown phase kind is refused"
    );
}

#[test]
fn the_plan_report_schema_refuses_what_the_contract_excludes() {
    let (_, valid) = report("uat-overlaps-pilot");
    let mut missing = valid.clone();
    missing["phases"][0]
        .as_object_mut()
        .map(|phase| phase.remove("devices_meeting_conflict"));
    assert!(
        !schema_errors("plan-report-v1.schema.json", &missing).is_empty(),
        "a missing field is refused"
    );
    let mut wrong_finding = valid.clone();
    wrong_finding["phases"][1]["findings"][0]["severity"] = "fatal".into();
    assert!(
        !schema_errors("plan-report-v1.schema.json", &wrong_finding).is_empty(),
        "findings are checked against the check report's finding"
    );
    let mut wrong_summary = valid;
    wrong_summary["summary"]["findings"]["fatal"] = 1.into();
    assert!(
        !schema_errors("plan-report-v1.schema.json", &wrong_summary).is_empty(),
        "the summary is the check report's summary"
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
    assert_valid_against("plan-report-v1.schema.json", &report);
    let message = report["plan_findings"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("`Win - Nowhere`"), "{message}");
    assert_eq!(report["summary"]["findings"]["error"], 1);
}

#[test]
fn a_yaml_plan_reads_as_its_json_twin() {
    for variant in ["disjoint-rings", "uat-overlaps-kiosks"] {
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
        assert_eq!(
            rules_per_phase(&yaml_report, "findings"),
            rules_per_phase(&json_report, "findings")
        );
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
