//! Baselines (`--write-baseline`, `--baseline`) and changed-file mode
//! (`--changed`, as the pre-commit hook runs it).

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{copy_tree, json, run_in, workspace_root};

/// A copy of the demo tenant in a fresh directory.
fn demo_copy(name: &str) -> PathBuf {
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("baseline-{name}"));
    let _ = fs::remove_dir_all(&directory);
    copy_tree(
        &workspace_root().join("fixtures/demo-tenant"),
        &directory.join("tenant"),
    );
    directory
}

fn rules_found(directory: &Path, arguments: &[&str]) -> (i32, Vec<String>) {
    let result = run_in(directory, &[arguments, &["--format", "json"]].concat());
    let report = json(&result);
    let rules = report["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .map(|finding| finding["rule"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    (result.code, rules)
}

#[test]
fn a_baseline_accepts_known_findings_and_survives_reformatting_and_moves() {
    let directory = demo_copy("survives");
    let written = run_in(
        &directory,
        &["check", "tenant", "--write-baseline", "baseline.json"],
    );
    assert_eq!(written.code, 0, "{}", written.stderr);
    let baseline = fs::read_to_string(directory.join("baseline.json"))
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(baseline.matches("\"fingerprint\"").count(), 3);

    assert_eq!(
        rules_found(
            &directory,
            &["check", "tenant", "--baseline", "baseline.json"]
        ),
        (0, vec![])
    );

    // Reformat one file of the conflict (minified, no trailing newline) and move
    // the other into another folder: the findings are still the known ones.
    let catalog = directory.join("tenant/Settings Catalog");
    let baseline_policy = catalog.join("Win - Defender Antivirus - Baseline_microsoftSense.json");
    let text = fs::read_to_string(&baseline_policy).unwrap_or_else(|error| panic!("{error}"));
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("{error}"));
    fs::write(&baseline_policy, value.to_string()).unwrap_or_else(|error| panic!("{error}"));
    fs::create_dir_all(directory.join("tenant/moved")).unwrap_or_else(|error| panic!("{error}"));
    fs::rename(
        catalog.join("Win - Developer Workstations - Defender Exceptions_microsoftSense.json"),
        directory.join("tenant/moved/exceptions.json"),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        rules_found(
            &directory,
            &["check", "tenant", "--baseline", "baseline.json"]
        ),
        (0, vec![])
    );

    // A new conflict is reported.
    let edge = catalog.join("Win - Edge - Pilot Features_mdm.json");
    let text = fs::read_to_string(&edge).unwrap_or_else(|error| panic!("{error}"));
    let copy = text
        .replace(
            "\"Win - Edge - Pilot Features\"",
            "\"Win - Edge - Pilot Features 2\"",
        )
        .replace("passwordmanagerenabled_1", "passwordmanagerenabled_0");
    fs::write(catalog.join("Win - Edge - Pilot Features 2_mdm.json"), copy)
        .unwrap_or_else(|error| panic!("{error}"));
    // The new policy is reported: it certainly conflicts with the pilot policy
    // (same group). It only possibly meets the finance one, with an equal value:
    // not a finding.
    let (code, rules) = rules_found(
        &directory,
        &["check", "tenant", "--baseline", "baseline.json"],
    );
    assert_eq!(code, 1);
    assert_eq!(rules, vec!["conflicting-setting"]);
}

#[test]
fn a_broken_baseline_is_a_usage_error() {
    let directory = demo_copy("broken");
    fs::write(
        directory.join("baseline.json"),
        "{\"version\": 1, \"findings\": [",
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let result = run_in(
        &directory,
        &["check", "tenant", "--baseline", "baseline.json"],
    );
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("is not a preflight baseline"),
        "{}",
        result.stderr
    );
}

#[test]
fn changed_mode_loads_everything_and_reports_only_findings_touching_the_changed_files() {
    let directory = demo_copy("changed");
    fs::write(directory.join("preflight.toml"), "").unwrap_or_else(|error| panic!("{error}"));
    // The Edge pilot policy changed: its conflict with the finance policy (in an
    // unchanged file) is reported; the Defender conflict and the duplicate are not.
    let (code, rules) = rules_found(
        &directory,
        &[
            "check",
            "--changed",
            "tenant/Settings Catalog/Win - Edge - Pilot Features_mdm.json",
        ],
    );
    assert_eq!((code, rules), (0, vec!["conflicting-setting".to_owned()]));
    // A changed file with no finding: clean.
    let (code, rules) = rules_found(
        &directory,
        &[
            "check",
            "--changed",
            "tenant/Settings Catalog/macOS - FileVault_appleRemoteManagement.json",
        ],
    );
    assert_eq!((code, rules.len()), (0, 0));
    // The Defender exception changed: the certain conflict fails the hook.
    let (code, _) = rules_found(
        &directory,
        &[
            "check",
            "--changed",
            "tenant/Settings Catalog/Win - Developer Workstations - Defender Exceptions_microsoftSense.json",
        ],
    );
    assert_eq!(code, 1);
}
