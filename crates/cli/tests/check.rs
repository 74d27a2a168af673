//! `preflight check` end to end: exit codes, the JSON contract, determinism,
//! source locations (also through a byte-order mark), and resilience to bad files.

mod common;

use std::fs;

use common::{assert_valid_report, json, redact_version, run, run_in};

#[test]
fn demo_tenant_reports_the_planted_findings_and_exits_1() {
    let result = run(&["check", "fixtures/demo-tenant", "--format", "json"]);
    assert_eq!(result.code, 1, "{}", result.stderr);
    let report = json(&result);
    assert_valid_report(&report);
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    let summary: Vec<(String, String, String)> = findings
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap_or_default().to_owned(),
                finding["severity"].as_str().unwrap_or_default().to_owned(),
                finding["overlap"]["certainty"]
                    .as_str()
                    .unwrap_or("-")
                    .to_owned(),
            )
        })
        .collect();
    let expected = [
        ("conflicting-setting", "error", "certain"),
        ("conflicting-setting", "warning", "possible"),
        ("duplicate-setting", "info", "certain"),
    ];
    for (rule, severity, certainty) in expected {
        assert!(
            summary.contains(&(rule.to_owned(), severity.to_owned(), certainty.to_owned())),
            "missing {rule} {severity} {certainty} in {summary:#?}"
        );
    }
    assert_eq!(report["summary"]["groups"], 6);
    assert_eq!(report["summary"]["filters"], 2);
    insta::assert_snapshot!("demo-tenant-json", redact_version(&result.stdout));
}

#[test]
fn demo_tenant_exclusion_separates_the_kiosk_policies() {
    let report = json(&run(&["check", "fixtures/demo-tenant", "--format", "json"]));
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    for finding in findings {
        let names: Vec<&str> = finding["policies"]
            .as_array()
            .map(|policies| {
                policies
                    .iter()
                    .filter_map(|policy| policy["name"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            !(names.iter().any(|name| name.contains("Kiosk"))
                && names
                    .iter()
                    .any(|name| name.contains("Device Lock - Standard"))),
            "the kiosk exclusion should separate these: {names:?}"
        );
    }
}

#[test]
fn demo_tenant_human_output() {
    let result = run(&["check", "fixtures/demo-tenant", "--color", "never"]);
    assert_eq!(result.code, 1);
    insta::assert_snapshot!("demo-tenant-human", result.stdout);
}

#[test]
fn json_output_is_byte_identical_across_runs_and_thread_counts() {
    let first = run(&["check", "fixtures", "--format", "json"]).stdout;
    for threads in ["1", "2", "8"] {
        let again = run(&[
            "--threads",
            threads,
            "check",
            "fixtures",
            "--format",
            "json",
        ])
        .stdout;
        assert_eq!(first, again, "output differs with {threads} threads");
    }
}

/// Every file under `directories` (relative to the workspace root), sorted.
fn files_under(directories: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    let mut pending: Vec<std::path::PathBuf> = directories
        .iter()
        .map(|directory| common::workspace_root().join(directory))
        .collect();
    while let Some(directory) = pending.pop() {
        for entry in fs::read_dir(&directory).unwrap_or_else(|error| panic!("{error}")) {
            let path = entry.unwrap_or_else(|error| panic!("{error}")).path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path
                    .strip_prefix(common::workspace_root())
                    .unwrap_or(&path)
                    .display()
                    .to_string();
                files.push(relative);
            }
        }
    }
    files.sort();
    files
}

/// `files` in a random order drawn from `seed` (Fisher–Yates over SplitMix64), so
/// that a failing order can be replayed.
fn shuffled(files: &[String], seed: u64) -> Vec<String> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    };
    let mut order = files.to_vec();
    for index in (1..order.len()).rev() {
        let other = usize::try_from(next() % (index as u64 + 1)).unwrap_or(0);
        order.swap(index, other);
    }
    order
}

/// The orders every determinism test tries: sorted, reversed, interleaved, and
/// five seeded shuffles.
fn orders(files: &[String]) -> Vec<(String, Vec<String>)> {
    let mut orders = vec![
        ("reversed".to_owned(), files.iter().rev().cloned().collect()),
        (
            "interleaved".to_owned(),
            files
                .iter()
                .step_by(2)
                .chain(files.iter().skip(1).step_by(2))
                .cloned()
                .collect(),
        ),
    ];
    for seed in [1, 2, 3, 0x5EED, 0xC0FF_EE00] {
        orders.push((
            format!("shuffled with seed {seed:#x}"),
            shuffled(files, seed),
        ));
    }
    orders
}

/// `preflight --threads THREADS check` over `files` given one by one, with
/// `options` (such as `--inventory FILE`, each inventory file given on its own).
fn report_over(files: &[String], options: &[String], threads: &str) -> String {
    let mut arguments = vec!["--threads", threads, "check", "--format", "json"];
    arguments.extend(options.iter().map(String::as_str));
    arguments.extend(files.iter().map(String::as_str));
    let result = run(&arguments);
    assert!(result.code <= 1, "{}", result.stderr);
    result.stdout
}

#[test]
fn json_output_does_not_depend_on_the_order_files_are_given_in() {
    // Every file of the fixtures, given one by one in different orders (reversed,
    // interleaved, seeded shuffles) and with different thread counts.
    let files = files_under(&["fixtures/inputs", "fixtures/demo-tenant"]);
    let expected = report_over(&files, &[], "1");
    assert!(expected.contains("\"findings\""));
    for (index, (name, order)) in orders(&files).iter().enumerate() {
        let threads = ["2", "8"][index % 2];
        assert_eq!(
            report_over(order, &[], threads),
            expected,
            "{name}, {threads} threads"
        );
    }
}

#[test]
fn inventory_and_plan_runs_do_not_depend_on_file_order_or_threads() {
    // With an inventory: policies and filters in one list, every inventory page
    // given with its own `--inventory`, both in shuffled orders.
    let policies = files_under(&[
        "fixtures/inventory-tenant/Settings Catalog",
        "fixtures/inventory-tenant/Filters",
    ]);
    let inventory = files_under(&["fixtures/inventory-tenant/inventory"]);
    let inventory_options = |pages: &[String]| -> Vec<String> {
        pages
            .iter()
            .flat_map(|page| ["--inventory".to_owned(), page.clone()])
            .collect()
    };
    let expected = report_over(&policies, &inventory_options(&inventory), "1");
    assert!(expected.contains("\"devices\": 50"), "{expected}");
    let inventory_orders = orders(&inventory);
    for (index, (name, order)) in orders(&policies).iter().enumerate() {
        let (_, pages) = &inventory_orders[index];
        let threads = ["2", "8"][index % 2];
        assert_eq!(
            report_over(order, &inventory_options(pages), threads),
            expected,
            "inventory, {name}, {threads} threads"
        );
    }

    // With a rollout plan and an inventory.
    let policies = files_under(&["fixtures/rollout/uat-overlaps-kiosks/Settings Catalog"]);
    let inventory = files_under(&["fixtures/rollout/uat-overlaps-kiosks/inventory"]);
    let plan_options = |pages: &[String]| -> Vec<String> {
        let mut options = vec![
            "--plan".to_owned(),
            "fixtures/rollout/rings.rollout.json".to_owned(),
        ];
        options.extend(inventory_options(pages));
        options
    };
    let expected = report_over(&policies, &plan_options(&inventory), "1");
    assert!(expected.contains("unrepresentative-pilot"), "{expected}");
    let inventory_orders = orders(&inventory);
    for (index, (name, order)) in orders(&policies).iter().enumerate() {
        let (_, pages) = &inventory_orders[index];
        for threads in ["2", "8"] {
            assert_eq!(
                report_over(order, &plan_options(pages), threads),
                expected,
                "plan, {name}, {threads} threads"
            );
        }
    }
}

#[test]
fn exit_code_is_0_when_nothing_reaches_the_threshold() {
    let result = run(&["check", "fixtures/rules/conflicting-setting/quiet"]);
    assert_eq!(result.code, 0, "{}", result.stdout);
    assert!(
        result
            .stdout
            .ends_with("1 info in 5 files (5 policies, 5 settings, 1 group, 0 filters)\n"),
        "the unassigned draft is an info, below the default threshold: {}",
        result.stdout
    );

    // Duplicates are infos: they fail the run only with `--fail-on info`.
    let duplicates = "fixtures/rules/duplicate-setting/fires";
    assert_eq!(run(&["check", duplicates]).code, 0);
    assert_eq!(run(&["check", duplicates, "--fail-on", "warning"]).code, 0);
    assert_eq!(run(&["check", duplicates, "--fail-on", "info"]).code, 1);
}

#[test]
fn exit_code_is_2_for_usage_errors_and_missing_input() {
    let missing = run(&["check", "fixtures/no-such-directory"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("`fixtures/no-such-directory` does not exist"),
        "{}",
        missing.stderr
    );

    let empty = tempdir("empty");
    let nothing = run_in(&empty, &["check", "."]);
    assert_eq!(nothing.code, 2);
    assert!(
        nothing.stderr.contains("no input files found"),
        "{}",
        nothing.stderr
    );

    assert_eq!(run(&["check", "--format", "yaml"]).code, 2);
    assert_eq!(run(&["explain", "no-such-rule"]).code, 2);
}

#[test]
fn malformed_json_is_a_parse_error_with_location_and_the_rest_is_analyzed() {
    let result = run(&[
        "check",
        "fixtures/rules/parse-error/fires",
        "--format",
        "json",
    ]);
    assert_eq!(result.code, 1);
    let report = json(&result);
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    let missing_comma = findings
        .iter()
        .find(|finding| {
            finding["rule"] == "parse-error"
                && finding["location"]["file"]
                    .as_str()
                    .is_some_and(|file| file.ends_with("Win - Missing comma_mdm.json"))
        })
        .unwrap_or_else(|| panic!("no parse-error for the missing comma: {findings:#?}"));
    assert_eq!(missing_comma["location"]["line"], 5);
    assert_eq!(missing_comma["location"]["column"], 5);
    // The two valid policies in the same folder still meet and conflict.
    assert!(
        findings
            .iter()
            .any(|finding| finding["rule"] == "conflicting-setting")
    );
    assert_eq!(report["summary"]["policies"], 3);
}

#[test]
fn locations_are_exact_through_a_byte_order_mark_and_crlf() {
    let directory = tempdir("bom");
    let policy = |name: &str, value: u32| {
        format!(
            "{{\r\n  \"name\": \"{name}\",\r\n  \"platforms\": \"windows10\",\r\n  \"technologies\": \"mdm\",\r\n  \"settings\": [{{\"settingInstance\": {{\"@odata.type\": \"#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance\", \"settingDefinitionId\": \"device_vendor_msft_policy_config_devicelock_maxinactivitytimedevicelock\",\r\n    \"simpleSettingValue\": {{\"@odata.type\": \"#microsoft.graph.deviceManagementConfigurationIntegerSettingValue\",\r\n      \"value\": {value}}}}}}}],\r\n  \"assignments\": [{{\"target\": {{\"@odata.type\": \"#microsoft.graph.allDevicesAssignmentTarget\"}}}}]\r\n}}\r\n"
        )
    };
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), policy("With BOM", 5).as_bytes()].concat();
    fs::write(directory.join("a.json"), with_bom).unwrap_or_else(|error| panic!("{error}"));
    fs::write(directory.join("b.json"), policy("Without BOM", 15))
        .unwrap_or_else(|error| panic!("{error}"));
    let result = run_in(&directory, &["check", ".", "--format", "json"]);
    let report = json(&result);
    let policies = report["findings"][0]["policies"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(policies.len(), 2, "{}", result.stdout);
    for policy in policies {
        // `"value": 5` is on line 7; the value starts at column 16 in both files.
        assert_eq!(policy["line"], 7, "{policy}");
        assert_eq!(policy["column"], 16, "{policy}");
    }
    assert_eq!(report["findings"][0]["location"]["file"], "a.json");
}

#[test]
fn output_file_receives_the_report() {
    let directory = tempdir("output");
    let target = directory.join("report.json");
    let target_text = target.to_string_lossy().into_owned();
    let result = run(&[
        "check",
        "fixtures/rules/duplicate-setting/fires",
        "--format",
        "json",
        "--output",
        &target_text,
    ]);
    assert_eq!(result.code, 0);
    assert!(result.stdout.is_empty());
    let written = fs::read_to_string(&target).unwrap_or_else(|error| panic!("{error}"));
    assert!(written.contains("\"duplicate-setting\""));
}

#[test]
fn a_label_far_into_a_one_line_graph_page_is_shown_on_an_excerpt_of_its_line() {
    // Graph writes a page of records on one line. The empty group comes after
    // a thousand others, past the 65,535th column, where miette's own snippet
    // of the line panicked.
    let directory = tempdir("one-line-page");
    let fixture = common::workspace_root().join("fixtures/rules/empty-group/fires");
    for name in ["Win - Device Lock - Pilot.json", "devices.json"] {
        fs::copy(fixture.join(name), directory.join(name))
            .unwrap_or_else(|error| panic!("{name}: {error}"));
    }
    let others: String = (0..1000)
        .map(|number| {
            format!(
                r##"{{"id":"c3000000-0000-0000-0000-{number:012}","displayName":"Other {number}","groupTypes":[],"securityEnabled":true,"members":[{{"@odata.type":"#microsoft.graph.device","id":"d4000000-0000-0000-0000-000000000001"}}]}},"##
            )
        })
        .collect();
    let page = format!(
        r##"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#groups(id,displayName,groupTypes,members())","value":[{others}{{"id":"b2000000-0000-0000-0000-000000000001","displayName":"Pilot Devices","groupTypes":[],"securityEnabled":true,"members":[]}}]}}"##
    );
    let column = page
        .find(r#""Pilot Devices""#)
        .unwrap_or_else(|| panic!("no group in the page"))
        + 1;
    assert!(column > 65_535, "{column}");
    fs::write(directory.join("groups.json"), &page).unwrap_or_else(|error| panic!("{error}"));

    let result = run_in(&directory, &["check", "."]);
    assert_eq!(result.code, 0, "{}\n{}", result.stdout, result.stderr);
    assert!(result.stderr.is_empty(), "{}", result.stderr);
    let stdout = &result.stdout;
    assert!(
        stdout.contains(&format!("[groups.json:1:{column}]")),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            r#" 1 │ …,{"id":"b2000000-0000-0000-0000-000000000001","displayName":"Pilot Devices","groupTypes":[],"securityEnabled":true,"members":[]}]}"#
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("╰── no device or user is a member"),
        "{stdout}"
    );
    assert!(
        stdout.lines().all(|line| line.chars().count() < 400),
        "{stdout}"
    );
}

/// A fresh empty directory under the target directory.
fn tempdir(name: &str) -> std::path::PathBuf {
    let directory = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("check-{name}"));
    let _ = fs::remove_dir_all(&directory);
    fs::create_dir_all(&directory).unwrap_or_else(|error| panic!("{error}"));
    directory
}

#[test]
fn standard_error_stays_silent_when_it_is_not_a_terminal() {
    let result = run(&["check", "fixtures", "--format", "json"]);
    assert!(result.stderr.is_empty(), "{}", result.stderr);
}
