//! `preflight.toml`: discovery, rule levels, ignores, `fail-on`, mistakes with
//! their location, and `preflight init`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{copy_tree, json, run_in, workspace_root};

/// A temporary tenant holding a copy of the conflicting-setting fixture.
fn tenant_with_config(name: &str, config: Option<&str>) -> PathBuf {
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("config-{name}"));
    let _ = fs::remove_dir_all(&directory);
    let policies = directory.join("tenant/Settings Catalog");
    fs::create_dir_all(&policies).unwrap_or_else(|error| panic!("{error}"));
    let source = workspace_root().join("fixtures/rules/conflicting-setting/fires/Settings Catalog");
    for entry in fs::read_dir(source).unwrap_or_else(|error| panic!("{error}")) {
        let entry = entry.unwrap_or_else(|error| panic!("{error}"));
        fs::copy(entry.path(), policies.join(entry.file_name()))
            .unwrap_or_else(|error| panic!("{error}"));
    }
    if let Some(config) = config {
        fs::write(directory.join("preflight.toml"), config)
            .unwrap_or_else(|error| panic!("{error}"));
    }
    directory
}

fn severities(directory: &Path, extra: &[&str]) -> (i32, Vec<String>) {
    let result = run_in(
        directory,
        &[&["check", "tenant", "--format", "json"], extra].concat(),
    );
    let report = json(&result);
    let found = report["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .map(|finding| {
                    format!(
                        "{} {}",
                        finding["rule"].as_str().unwrap_or(""),
                        finding["severity"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (result.code, found)
}

#[test]
fn without_configuration_the_defaults_apply() {
    let directory = tenant_with_config("none", None);
    let (code, found) = severities(&directory, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found,
        vec!["conflicting-setting error", "conflicting-setting warning"]
    );
}

#[test]
fn configuration_is_found_from_a_subdirectory_and_sets_levels() {
    let directory = tenant_with_config(
        "levels",
        Some("[rules]\nconflicting-setting = \"warning\"\n"),
    );
    let (code, found) = severities(&directory, &[]);
    assert_eq!(code, 0, "both conflicts are warnings now");
    assert_eq!(
        found,
        vec!["conflicting-setting warning", "conflicting-setting warning"]
    );
    // From a subdirectory, the same file is found by walking up.
    let result = run_in(
        &directory.join("tenant"),
        &["check", ".", "--format", "json"],
    );
    assert_eq!(result.code, 0, "{}", result.stdout);
}

#[test]
fn rules_can_be_turned_off_and_fail_on_comes_from_the_file() {
    let directory = tenant_with_config(
        "off",
        Some("fail-on = \"warning\"\n[rules]\nconflicting-setting = \"off\"\n"),
    );
    let (code, found) = severities(&directory, &[]);
    assert_eq!((code, found.len()), (0, 0));

    let directory = tenant_with_config(
        "fail-on",
        Some("fail-on = \"warning\"\n[rules]\nconflicting-setting = \"warning\"\n"),
    );
    assert_eq!(severities(&directory, &[]).0, 1, "fail-on from the file");
    assert_eq!(
        severities(&directory, &["--fail-on", "error"]).0,
        0,
        "the command line wins"
    );
}

#[test]
fn an_ignore_silences_exactly_its_finding() {
    let config = "[[ignore]]\nrule = \"conflicting-setting\"\npolicies = [\"Win - Device Lock - Finance\", \"Win - Device Lock - Pilot\"]\nreason = \"finance and pilot users never overlap: HR rule\"\n";
    let directory = tenant_with_config("ignore", Some(config));
    let (code, found) = severities(&directory, &[]);
    assert_eq!(code, 1);
    assert_eq!(found, vec!["conflicting-setting error"]);
}

#[test]
fn mistakes_are_usage_errors_that_point_into_the_file() {
    let directory =
        tenant_with_config("mistake", Some("[rules]\nconflicting-setting = \"loud\"\n"));
    let result = run_in(&directory, &["check", "tenant"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("preflight.toml:2:23"),
        "{}",
        result.stderr
    );
    assert!(result.stderr.contains("found `loud`"), "{}", result.stderr);

    let directory = tenant_with_config("unknown-key", Some("fail_on = \"error\"\n"));
    let result = run_in(&directory, &["check", "tenant"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("unknown field `fail_on`"),
        "{}",
        result.stderr
    );
    assert!(
        result.stderr.contains("preflight.toml:1:1"),
        "{}",
        result.stderr
    );
}

#[test]
fn init_writes_a_starter_file_that_check_accepts_and_never_overwrites() {
    let directory = tenant_with_config("init", None);
    let first = run_in(&directory, &["init"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(directory.join("preflight.toml").is_file());
    let (code, _) = severities(&directory, &[]);
    assert_eq!(code, 1, "the starter file changes nothing");
    let second = run_in(&directory, &["init"]);
    assert_eq!(second.code, 2);
    assert!(second.stderr.contains("already exists"));
}

#[test]
fn the_configuration_file_is_not_read_as_input() {
    let directory = tenant_with_config("not-input", Some("[rules]\n"));
    let result = run_in(&directory, &["check", ".", "--format", "json"]);
    let report = json(&result);
    assert_eq!(report["summary"]["files"], 5, "{}", result.stdout);
    assert!(!result.stdout.contains("unrecognized-file"));
}

#[test]
fn input_globs_select_the_files_read() {
    // Exclude the pilot policy: only the certain conflict remains.
    let directory = tenant_with_config(
        "input-exclude",
        Some("[input]\nexclude = [\"tenant/**/*Pilot*\"]\n"),
    );
    let (_, found) = severities(&directory, &[]);
    assert_eq!(found, vec!["conflicting-setting error"]);
    let result = run_in(&directory, &["check", "tenant", "--format", "json"]);
    assert_eq!(json(&result)["summary"]["files"], 4);

    // Include only the Defender policies.
    let directory = tenant_with_config(
        "input-include",
        Some("[input]\ninclude = [\"**/Win - Defender*.json\"]\n"),
    );
    let result = run_in(&directory, &["check", "tenant", "--format", "json"]);
    assert_eq!(json(&result)["summary"]["files"], 3);

    // A bad glob is a usage error naming the pattern.
    let directory = tenant_with_config("input-bad", Some("[input]\nexclude = [\"[unclosed\"]\n"));
    let result = run_in(&directory, &["check", "tenant"]);
    assert_eq!(result.code, 2);
    assert!(
        result.stderr.contains("invalid glob `[unclosed`"),
        "{}",
        result.stderr
    );
}

#[test]
fn an_inventory_named_on_the_command_line_is_read_even_when_excluded_from_the_walk() {
    // The layout `generate-tenant` writes and admins keep: the inventory beside
    // the policies, kept out of the policy walk by `exclude`, passed with
    // `--inventory`.
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join("config-inventory-excluded");
    let _ = fs::remove_dir_all(&directory);
    let source = workspace_root().join("fixtures/inventory-tenant");
    copy_tree(&source, &directory);
    fs::write(
        directory.join("preflight.toml"),
        "[input]\nexclude = [\"inventory/**\"]\n",
    )
    .unwrap_or_else(|error| panic!("{error}"));

    let walked = json(&run_in(&directory, &["check", "--format", "json"]));
    assert_eq!(walked["summary"]["devices"], 0, "{walked}");

    let with_inventory = json(&run_in(
        &directory,
        &["check", "--inventory", "inventory", "--format", "json"],
    ));
    assert!(
        with_inventory["summary"]["devices"].as_u64().unwrap_or(0) > 0,
        "{with_inventory}"
    );
    assert!(
        with_inventory["summary"]["users"].as_u64().unwrap_or(0) > 0,
        "{with_inventory}"
    );
}

#[test]
fn groups_declared_exclusive_separate_their_policies() {
    let directory = tenant_with_config(
        "exclusive",
        Some(
            "[[exclusive]]\ngroups = [\"Finance Users\", \"Pilot Users\"]\nreason = \"HR places each user in one department\"\n",
        ),
    );
    let (_, found) = severities(&directory, &[]);
    assert_eq!(
        found,
        vec!["conflicting-setting error"],
        "the possible conflict between the two is gone"
    );
}
