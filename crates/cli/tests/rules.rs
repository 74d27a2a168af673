//! Every rule against its fixtures: `fixtures/rules/<rule>/fires/` must produce
//! at least one finding of the rule, `quiet/` none; both outputs are snapshotted
//! as human text and as JSON. A fixture folder for an unknown rule, or a rule
//! without both folders, fails the test.

mod common;

use std::collections::BTreeSet;

use common::{assert_valid_report, json, redact_version, run, workspace_root};
use preflight_engine::rules::{RULES, explanation_text};

fn findings_of<'a>(report: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    report["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .filter(|finding| finding["rule"] == rule)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_rule_has_an_explanation_and_both_fixture_folders() {
    let root = workspace_root().join("fixtures/rules");
    let registered: BTreeSet<&str> = RULES.iter().map(|rule| rule.metadata().name).collect();
    for rule in RULES {
        let name = rule.metadata().name;
        assert!(
            !explanation_text(rule.metadata()).is_empty(),
            "{name} has no explanation"
        );
        for case in ["fires", "quiet"] {
            assert!(
                root.join(name).join(case).is_dir(),
                "fixtures/rules/{name}/{case}/ is missing"
            );
        }
    }
    let folders = std::fs::read_dir(&root).unwrap_or_else(|error| panic!("{error}"));
    for folder in folders {
        let folder = folder.unwrap_or_else(|error| panic!("{error}"));
        let name = folder.file_name().to_string_lossy().into_owned();
        assert!(
            registered.contains(name.as_str()),
            "fixtures/rules/{name} names no rule"
        );
    }
}

#[test]
fn every_rule_fires_on_its_fires_fixture_and_not_on_its_quiet_fixture() {
    for rule in RULES {
        let name = rule.metadata().name;
        for case in ["fires", "quiet"] {
            let path = format!("fixtures/rules/{name}/{case}");
            // A fixture folder may carry its own configuration.
            let config = format!("{path}/preflight.toml");
            // and its own rollout plan.
            let plan = format!("{path}/rollout.json");
            let mut arguments = vec!["check", path.as_str()];
            if workspace_root().join(&config).is_file() {
                arguments.extend(["--config", config.as_str()]);
            }
            if workspace_root().join(&plan).is_file() {
                arguments.extend(["--plan", plan.as_str()]);
            }
            let run_json = run(&[arguments.as_slice(), &["--format", "json"]].concat());
            let report = json(&run_json);
            assert_valid_report(&report);
            let found = findings_of(&report, name);
            match case {
                "fires" => assert!(!found.is_empty(), "{name} does not fire on {path}"),
                _ => assert!(found.is_empty(), "{name} fires on {path}: {found:#?}"),
            }
            insta::assert_snapshot!(
                format!("{name}-{case}-json"),
                redact_version(&run_json.stdout)
            );
            let run_human = run(&[arguments.as_slice(), &["--color", "never"]].concat());
            insta::assert_snapshot!(format!("{name}-{case}-human"), run_human.stdout);
        }
    }
}
