//! The bad-input suite: `fixtures/bad/` holds one good policy among files broken in
//! every way real exports break (truncated, empty, YAML indented wrongly, wrong types at every level
//! of a policy, its setting instances, a filter and inventory records,
//! unknown `@odata.type`, nesting too deep, NUL bytes, invalid UTF-8 and UTF-16,
//! repeated member names, huge integers, unreadable assignments and groups), group
//! and filter rules that do not parse (unbalanced quotes and parentheses, unknown
//! properties and operators, a regular expression over the size limit, a rule over
//! the length limit, a mistake after a `\uXXXX`-escaped emoji), and groups nested
//! in a circle. Cases that cannot live in git
//! (symbolic link loops, unreadable files, huge strings, directories named like
//! files, files over the size limit) are built at test time. Each must give its
//! diagnostic at the right place, and the rest must still be analyzed: the whole
//! directory at once, and each case alone beside two good policies whose conflict
//! must still be found.

mod common;

use std::fs;
use std::path::Path;

use common::{assert_valid_report, copy_tree, json, run, run_in};

/// (file, line, column, words the message must contain) for each expected problem.
const EXPECTED: &[(&str, Option<u64>, Option<u64>, &str)] = &[
    (
        "bad-assignments.json",
        Some(1),
        Some(160),
        "has no `@odata.type`",
    ),
    (
        "bad-assignments.json",
        Some(1),
        Some(208),
        "`somethingTarget` is not understood",
    ),
    (
        "bad-assignments.json",
        Some(1),
        Some(246),
        "to be an object, found a number",
    ),
    (
        "bad-groups.json",
        Some(1),
        Some(51),
        "the member has no `id`",
    ),
    (
        "bad-groups.json",
        Some(1),
        Some(113),
        "`displayName` to be a string",
    ),
    (
        "deep-nesting.json",
        Some(1),
        Some(129),
        "deeper than 128 levels",
    ),
    (
        "duplicate-keys.json",
        Some(1),
        Some(17),
        "member `name` is written twice",
    ),
    ("empty-file.json", Some(1), Some(1), "the file is empty"),
    (
        "malformed-intunecd.yaml",
        Some(5),
        Some(24),
        "mapping values are not allowed",
    ),
    ("huge-integer.json", Some(1), Some(195), "is out of range"),
    (
        "invalid-utf16.json",
        Some(1),
        Some(3),
        "invalid UTF-16 LE byte sequence",
    ),
    (
        "invalid-utf8.json",
        Some(1),
        Some(14),
        "invalid UTF-8 byte sequence",
    ),
    ("nul-byte.json", Some(1), Some(12), "found a NUL byte"),
    ("truncated-json.json", Some(1), Some(77), "is it truncated?"),
    (
        "unknown-odata-type.json",
        Some(1),
        Some(17),
        "`#microsoft.graph.somethingNew`",
    ),
    (
        "wrong-filter.json",
        Some(4),
        Some(15),
        "`platform` to be a string, found an array",
    ),
    (
        "wrong-filter.json",
        Some(5),
        Some(11),
        "`rule` to be a string, found an object",
    ),
    (
        "wrong-inventory.json",
        Some(4),
        Some(33),
        "`deviceName` to be a string, found an array",
    ),
    (
        "wrong-inventory.json",
        Some(5),
        Some(60),
        "`operatingSystem` to be a string, found a number",
    ),
    (
        "wrong-inventory.json",
        Some(5),
        Some(85),
        "`userPrincipalName` to be a string, found a number",
    ),
    (
        "wrong-setting-instances.json",
        Some(6),
        Some(36),
        "a setting instance to be an object, found a string",
    ),
    (
        "wrong-setting-instances.json",
        Some(10),
        Some(29),
        "a choice setting value to be an object, found an array",
    ),
    (
        "wrong-setting-instances.json",
        Some(16),
        Some(21),
        "`children` to be an array, found an object",
    ),
    (
        "wrong-types.json",
        Some(1),
        Some(10),
        "`name` to be a string",
    ),
    (
        "wrong-types.json",
        Some(1),
        Some(26),
        "`platforms` to be a string",
    ),
    (
        "wrong-types.json",
        Some(1),
        Some(76),
        "`settings` to be an array",
    ),
    (
        "wrong-types.json",
        Some(1),
        Some(101),
        "`assignments` to be an array",
    ),
];

/// Stands for the whole rule's string in the file (without its quotes).
const WHOLE_RULE: &str = "<the whole rule>";

/// (file, rule, the exact text the finding points at, words the message must
/// contain) for each expected finding about a rule or a group.
const RULE_EXPECTED: &[(&str, &str, &str, &str)] = &[
    (
        "filter-unknown-property.json",
        "invalid-rule",
        "device.deviceOSType",
        "is not a property assignment filters know",
    ),
    (
        "group-cycle.json",
        "group-cycle",
        "\"Cycle A\"",
        "groups are nested in a circle: `Cycle A` → `Cycle B` → `Cycle A`",
    ),
    (
        "rule-after-escaped-emoji.json",
        "invalid-rule",
        "-eqq",
        "unexpected `-eqq` after a complete rule",
    ),
    (
        "rule-pathological-regex.json",
        "invalid-rule",
        "\\\"(a{1000}){1000}\\\"",
        "is not a regular expression preflight can use",
    ),
    (
        "rule-too-long.json",
        "invalid-rule",
        WHOLE_RULE,
        "the rule is 5121 characters long, over the limit of 3072",
    ),
    (
        "rule-unbalanced-parenthesis.json",
        "invalid-rule",
        "(",
        "this parenthesis is never closed",
    ),
    (
        "rule-unbalanced-quote.json",
        "invalid-rule",
        "\\\")",
        "this string is never closed",
    ),
    (
        "rule-unknown-operator.json",
        "invalid-rule",
        "-equals",
        "`-equals` is not an operator",
    ),
    (
        "rule-unknown-property.json",
        "invalid-rule",
        "device.osType",
        "`device.osType` is not a property dynamic membership rules know",
    ),
];

/// (file name, line, column, message) of every parse-error and unrecognized-file finding.
fn problems(report: &serde_json::Value) -> Vec<(String, Option<u64>, Option<u64>, String)> {
    report["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|finding| {
            finding["rule"] == "parse-error" || finding["rule"] == "unrecognized-file"
        })
        .map(|finding| {
            let file = finding["location"]["file"].as_str().unwrap_or_default();
            let name = file.rsplit('/').next().unwrap_or(file).to_owned();
            (
                name,
                finding["location"]["line"].as_u64(),
                finding["location"]["column"].as_u64(),
                finding["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// (file name, rule, the text it points at, message) of every invalid-rule and
/// group-cycle finding, reading the pointed-at text from the file.
fn rule_findings(report: &serde_json::Value, root: &Path) -> Vec<(String, String, String, String)> {
    report["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|finding| finding["rule"] == "invalid-rule" || finding["rule"] == "group-cycle")
        .map(|finding| {
            assert_eq!(finding["severity"], "error", "{finding}");
            let location = &finding["location"];
            let file = location["file"].as_str().unwrap_or_default();
            let name = file.rsplit('/').next().unwrap_or(file).to_owned();
            (
                name,
                finding["rule"].as_str().unwrap_or_default().to_owned(),
                pointed_text(&root.join(file), location),
                finding["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The text between a location's start and end (one line, ASCII columns).
fn pointed_text(path: &Path, location: &serde_json::Value) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let number = |field: &str| {
        location[field]
            .as_u64()
            .and_then(|value| usize::try_from(value).ok())
            .unwrap_or_default()
    };
    let (line, column, end_line, end_column) = (
        number("line"),
        number("column"),
        number("end_line"),
        number("end_column"),
    );
    if line == 0 || line != end_line {
        return format!("<lines {line} to {end_line}>");
    }
    text.lines()
        .nth(line - 1)
        .and_then(|line| line.get(column - 1..end_column - 1))
        .unwrap_or_default()
        .to_owned()
}

/// The text a rule finding about `file` must point at.
fn expected_text(file: &str, needle: &str) -> String {
    if needle != WHOLE_RULE {
        return needle.to_owned();
    }
    let path = common::workspace_root().join("fixtures/bad").join(file);
    let document: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(path).unwrap_or_default()).unwrap_or_default();
    let literal = document["membershipRule"].to_string();
    literal[1..literal.len() - 1].to_owned()
}

fn assert_rule_findings(found: &[(String, String, String, String)], files: &[&str]) {
    let expected: Vec<_> = RULE_EXPECTED
        .iter()
        .filter(|(file, ..)| files.contains(file))
        .collect();
    for (file, rule, needle, words) in &expected {
        let text = expected_text(file, needle);
        assert!(
            found
                .iter()
                .any(|(found_file, found_rule, found_text, message)| {
                    found_file == file
                        && found_rule == rule
                        && *found_text == text
                        && message.contains(words)
                }),
            "no {rule} `{words}` pointing at `{text}` in {file}: {found:#?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:#?}");
}

/// The names of the policies of every conflicting-setting finding.
fn conflicts(report: &serde_json::Value) -> Vec<Vec<String>> {
    report["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|finding| finding["rule"] == "conflicting-setting")
        .map(|finding| {
            finding["policies"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter_map(|policy| policy["name"].as_str().map(str::to_owned))
                .collect()
        })
        .collect()
}

/// Whether the two good policies of a scratch directory were found to conflict.
fn good_pair_conflicts(report: &serde_json::Value) -> bool {
    conflicts(report).iter().any(|names| {
        names.contains(&"Win - Device Lock - Standard".to_owned())
            && names.contains(&"Win - Device Lock - Strict".to_owned())
    })
}

#[test]
fn every_broken_file_gets_its_diagnostic_and_the_good_policy_is_analyzed() {
    let result = run(&["check", "fixtures/bad", "--format", "json"]);
    assert_eq!(
        result.code, 1,
        "parse errors fail the run: {}",
        result.stderr
    );
    let report = json(&result);
    assert_valid_report(&report);
    let found = problems(&report);
    for (file, line, column, words) in EXPECTED {
        assert!(
            found
                .iter()
                .any(|(found_file, found_line, found_column, message)| {
                    found_file == file
                        && found_line == line
                        && found_column == column
                        && message.contains(words)
                }),
            "no problem `{words}` at {file}:{line:?}:{column:?} in {found:#?}"
        );
    }
    assert_eq!(found.len(), EXPECTED.len(), "{found:#?}");
    let all_files: Vec<&str> = RULE_EXPECTED.iter().map(|(file, ..)| *file).collect();
    assert_rule_findings(
        &rule_findings(&report, &common::workspace_root()),
        &all_files,
    );
    // The good policy, and the readable parts of the broken ones, are analyzed.
    let policies: Vec<&str> = report["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .filter(|finding| finding["rule"] == "unassigned-policy")
                .filter_map(|finding| finding["policies"][0]["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        policies,
        vec!["big"],
        "only the policy with `[]` is unassigned"
    );
    assert_eq!(report["summary"]["policies"], 5);
    // Two from bad-groups.json and the good policy's assignment, seven dynamic
    // groups with broken rules, two groups nested in a circle.
    assert_eq!(report["summary"]["groups"], 11);
    // Of the records with wrong types, those that still have what they need are read:
    // two of the three managed devices, and the well-formed settings of the
    // policy with broken setting instances.
    assert_eq!(report["summary"]["devices"], 2);
    // Settings: 1 of the good policy, 2 well-formed of the broken-instances policy
    // (cloud protection, CPU load factor), 1 read from the broken assignments file.
    assert_eq!(report["summary"]["settings"], 4, "{:#}", report["summary"]);
}

/// A scratch directory holding the good policy and a second one that sets the same
/// setting to another value for the same group: their conflict must be found
/// whatever else the directory holds.
fn scratch_with_good_pair(name: &str) -> std::path::PathBuf {
    let directory = scratch(name);
    let good =
        fs::read_to_string(directory.join("good.json")).unwrap_or_else(|error| panic!("{error}"));
    let strict = good
        .replace("Win - Device Lock - Standard", "Win - Device Lock - Strict")
        .replace("\"value\": 15", "\"value\": 5");
    assert_ne!(good, strict);
    fs::write(directory.join("good-strict.json"), strict).unwrap_or_else(|error| panic!("{error}"));
    directory
}

#[test]
fn each_broken_file_alone_beside_good_policies_gets_its_diagnostic_and_the_rest_is_analyzed() {
    let mut files: Vec<&str> = EXPECTED
        .iter()
        .map(|(file, ..)| *file)
        .chain(RULE_EXPECTED.iter().map(|(file, ..)| *file))
        .collect();
    files.sort_unstable();
    files.dedup();
    for file in files {
        let directory = scratch_with_good_pair(&format!("case-{file}"));
        fs::copy(
            common::workspace_root().join("fixtures/bad").join(file),
            directory.join(file),
        )
        .unwrap_or_else(|error| panic!("{error}"));
        let result = run_in(&directory, &["check", ".", "--format", "json"]);
        let report = json(&result);
        assert_valid_report(&report);
        let found = problems(&report);
        let expected: Vec<_> = EXPECTED
            .iter()
            .filter(|(expected_file, ..)| expected_file == &file)
            .collect();
        for (_, line, column, words) in &expected {
            assert!(
                found
                    .iter()
                    .any(|(found_file, found_line, found_column, message)| {
                        found_file == file
                            && found_line == line
                            && found_column == column
                            && message.contains(words)
                    }),
                "{file}: no problem `{words}` at {line:?}:{column:?} in {found:#?}"
            );
        }
        assert_eq!(found.len(), expected.len(), "{file}: {found:#?}");
        assert_rule_findings(&rule_findings(&report, &directory), &[file]);
        assert!(
            good_pair_conflicts(&report),
            "{file}: the good policies' conflict is missing: {:#?}",
            conflicts(&report)
        );
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let directory = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("bad-{name}"));
    let _ = fs::remove_dir_all(&directory);
    fs::create_dir_all(&directory).unwrap_or_else(|error| panic!("{error}"));
    fs::copy(
        common::workspace_root().join("fixtures/bad/Win - Device Lock - Standard.json"),
        directory.join("good.json"),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    directory
}

#[test]
fn filesystem_oddities_are_reported_and_skipped() {
    let directory = scratch_with_good_pair("filesystem");
    // A directory named like a file is walked as a directory: what it holds is read.
    fs::create_dir_all(directory.join("folder.json")).unwrap_or_else(|error| panic!("{error}"));
    let good =
        fs::read_to_string(directory.join("good.json")).unwrap_or_else(|error| panic!("{error}"));
    fs::write(
        directory.join("folder.json/inside.json"),
        good.replace("Win - Device Lock - Standard", "Win - Device Lock - Inside"),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    // A symbolic link loop, a huge string.
    #[cfg(unix)]
    std::os::unix::fs::symlink(".", directory.join("loop"))
        .unwrap_or_else(|error| panic!("{error}"));
    let huge = format!(
        r#"{{"name": "Huge", "description": "{}", "platforms": "windows10", "technologies": "mdm", "settings": []}}"#,
        "x".repeat(1 << 20)
    );
    fs::write(directory.join("huge-string.json"), huge).unwrap_or_else(|error| panic!("{error}"));
    // A file preflight cannot read: without permission (root reads it anyway), and,
    // on Linux, one whose read fails whoever reads it: a link to `/proc/self/mem`
    // (reading a process's memory at offset 0 fails). Links to nothing are
    // `special_files_and_dangling_links_are_reported_and_skipped`.
    let locked = directory.join("locked.json");
    fs::write(&locked, "{}").unwrap_or_else(|error| panic!("{error}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(&locked, fs::Permissions::from_mode(0o000));
    }
    let locked_is_unreadable = fs::read(&locked).is_err();
    #[cfg(target_os = "linux")]
    {
        std::os::unix::fs::symlink("/proc/self/mem", directory.join("memory.json"))
            .unwrap_or_else(|error| panic!("{error}"));
    }

    let result = run_in(&directory, &["check", ".", "--format", "json"]);
    let report = json(&result);
    assert_valid_report(&report);
    let found = problems(&report);
    #[cfg(unix)]
    assert!(
        found
            .iter()
            .any(|(file, _, _, message)| file == "loop" && message.contains("symbolic link loop")),
        "{found:#?}"
    );
    if locked_is_unreadable {
        assert!(
            found
                .iter()
                .any(|(file, _, _, message)| file == "locked.json"
                    && message.contains("permission denied")),
            "{found:#?}"
        );
    }
    #[cfg(target_os = "linux")]
    assert!(
        found
            .iter()
            .any(|(file, line, _, message)| file == "memory.json"
                && line.is_none()
                && message.starts_with("cannot read: ")),
        "memory.json: {found:#?}"
    );
    assert!(
        !found.iter().any(|(file, ..)| file == "folder.json"),
        "a directory is not a file: {found:#?}"
    );
    assert_eq!(
        report["summary"]["policies"], 4,
        "the good pair, the one inside folder.json and the huge string"
    );
    assert!(good_pair_conflicts(&report), "{:#?}", conflicts(&report));
    assert!(
        conflicts(&report)
            .iter()
            .flatten()
            .any(|name| name == "Win - Device Lock - Inside"),
        "the policy inside folder.json is analyzed: {:#?}",
        conflicts(&report)
    );

    // Over the size limit: reported, not read.
    let limited = run_in(
        &directory,
        &[
            "check",
            ".",
            "--format",
            "json",
            "--max-file-size",
            "100000",
        ],
    );
    let limited = json(&limited);
    assert!(good_pair_conflicts(&limited));
    let limited = problems(&limited);
    assert!(
        limited.iter().any(|(file, _, _, message)| {
            file == "huge-string.json" && message.contains("over the limit of 100000 bytes")
        }),
        "{limited:#?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(&locked, fs::Permissions::from_mode(0o644));
    }
}

#[test]
fn checking_never_modifies_the_input() {
    let directory = scratch("read-only");
    let source = common::workspace_root().join("fixtures/demo-tenant");
    copy_tree(&source, &directory.join("tenant"));
    let before = snapshot_tree(&directory);
    #[cfg(unix)]
    set_read_only(&directory, true);
    let result = run_in(&directory, &["check", "tenant", "--format", "json"]);
    #[cfg(unix)]
    set_read_only(&directory, false);
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert_eq!(snapshot_tree(&directory), before);
}

/// Every file under `root` with its bytes and modification time.
fn snapshot_tree(root: &Path) -> Vec<(String, Vec<u8>, Option<std::time::SystemTime>)> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        for entry in fs::read_dir(&directory).unwrap_or_else(|error| panic!("{error}")) {
            let path = entry.unwrap_or_else(|error| panic!("{error}")).path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let modified = fs::metadata(&path)
                    .and_then(|metadata| metadata.modified())
                    .ok();
                let bytes = fs::read(&path).unwrap_or_else(|error| panic!("{error}"));
                files.push((path.display().to_string(), bytes, modified));
            }
        }
    }
    files.sort();
    files
}

#[cfg(unix)]
fn set_read_only(root: &Path, read_only: bool) {
    use std::os::unix::fs::PermissionsExt;
    let mut pending = vec![root.to_path_buf()];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            for entry in fs::read_dir(&path).into_iter().flatten().flatten() {
                pending.push(entry.path());
            }
            let mode = if read_only { 0o555 } else { 0o755 };
            let _ = fs::set_permissions(&path, fs::Permissions::from_mode(mode));
        } else {
            let mode = if read_only { 0o444 } else { 0o644 };
            let _ = fs::set_permissions(&path, fs::Permissions::from_mode(mode));
        }
    }
}

#[test]
fn size_and_count_limits_come_from_the_command_line_or_the_configuration() {
    let directory = scratch("limits");
    let huge = format!(
        r#"{{"name": "Huge", "description": "{}", "platforms": "windows10", "technologies": "mdm", "settings": []}}"#,
        "x".repeat(200_000)
    );
    fs::write(directory.join("huge-string.json"), huge).unwrap_or_else(|error| panic!("{error}"));
    // Without a limit, every command sees the huge policy.
    let graph = run_in(&directory, &["graph", ".", "--format", "dot"]);
    assert!(graph.stdout.contains("Huge"), "{}", graph.stdout);
    // The configuration's limit applies to every command that reads input.
    fs::write(
        directory.join("preflight.toml"),
        "[input]\nmax-file-size = 100000\n",
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let graph = run_in(&directory, &["graph", ".", "--format", "dot"]);
    assert_eq!(graph.code, 0, "{}", graph.stderr);
    assert!(!graph.stdout.contains("Huge"), "{}", graph.stdout);
    let check = problems(&json(&run_in(
        &directory,
        &["check", ".", "--format", "json"],
    )));
    assert!(
        check
            .iter()
            .any(|(file, _, _, message)| file == "huge-string.json"
                && message.contains("over the limit of 100000 bytes")),
        "{check:#?}"
    );
    // The command line wins over the configuration.
    let check = problems(&json(&run_in(
        &directory,
        &[
            "check",
            ".",
            "--format",
            "json",
            "--max-file-size",
            "1000000",
        ],
    )));
    assert!(check.is_empty(), "{check:#?}");

    // Too many files: the first ones in path order are read, the cut is reported.
    for name in ["a.json", "b.json", "c.json"] {
        fs::copy(directory.join("good.json"), directory.join(name))
            .unwrap_or_else(|error| panic!("{error}"));
    }
    fs::write(directory.join("preflight.toml"), "[input]\nmax-files = 2\n")
        .unwrap_or_else(|error| panic!("{error}"));
    let report = json(&run_in(&directory, &["check", ".", "--format", "json"]));
    let found = problems(&report);
    assert_eq!(
        found,
        vec![(
            "c.json".to_owned(),
            None,
            None,
            "not read: the input holds more than the limit of 2 files; this file and every file after it in path order are skipped".to_owned()
        )],
        "{found:#?}"
    );
    assert_eq!(report["summary"]["policies"], 2, "a.json and b.json");
    let found = problems(&json(&run_in(
        &directory,
        &["check", ".", "--format", "json", "--max-files", "4"],
    )));
    assert!(
        found
            .iter()
            .any(|(file, _, _, message)| file == "huge-string.json"
                && message.contains("limit of 4 files")),
        "{found:#?}"
    );
}

#[cfg(unix)]
#[test]
fn special_files_and_dangling_links_are_reported_and_skipped() {
    let directory = scratch("special");
    std::os::unix::fs::symlink("gone.json", directory.join("dangling.json"))
        .unwrap_or_else(|error| panic!("{error}"));
    let has_fifo = std::process::Command::new("mkfifo")
        .arg(directory.join("pipe.json"))
        .status()
        .is_ok_and(|status| status.success());
    // Found while walking: reported, and the walk never waits on the pipe.
    let report = json(&run_in(&directory, &["check", ".", "--format", "json"]));
    let found = problems(&report);
    assert!(
        found
            .iter()
            .any(|(file, _, _, message)| file == "dangling.json"
                && message
                    .contains("dangling symbolic link: its target `gone.json` does not exist")),
        "{found:#?}"
    );
    if has_fifo {
        assert!(
            found.iter().any(|(file, _, _, message)| file == "pipe.json"
                && message == "not a regular file (a named pipe); skipped"),
            "{found:#?}"
        );
    }
    assert_eq!(report["summary"]["policies"], 1);
    // Given explicitly: a device that never ends is not read either.
    let found = problems(&json(&run_in(
        &directory,
        &[
            "check",
            "/dev/zero",
            "dangling.json",
            "good.json",
            "--format",
            "json",
        ],
    )));
    assert!(
        found.iter().any(|(file, _, _, message)| file == "zero"
            && message == "not a regular file (a character device); skipped"),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|(file, _, _, message)| file == "dangling.json"
                && message.contains("dangling symbolic link")),
        "{found:#?}"
    );
}
