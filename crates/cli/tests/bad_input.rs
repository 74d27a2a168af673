//! The bad-input suite: `fixtures/bad/` holds one good policy among files broken in
//! every way real exports break (truncated, empty, YAML indented wrongly, wrong types at every level
//! of a policy, its setting instances, a filter and inventory records,
//! unknown `@odata.type`, nesting too deep, NUL bytes, invalid UTF-8 and UTF-16,
//! repeated member names, huge integers, unreadable assignments and groups). Cases
//! that cannot live in git (symbolic link loops, unreadable files, huge strings,
//! directories named like files, files over the size limit) are built at test time.
//! Each must give its diagnostic at the right place, and the good policy must still
//! be analyzed.

mod common;

use std::fs;
use std::path::Path;

use common::{assert_valid_report, json, run, run_in};

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
    assert_eq!(report["summary"]["groups"], 2);
    // Of the records with wrong types, those that still have what they need are read:
    // two of the three managed devices, and the well-formed settings of the
    // policy with broken setting instances.
    assert_eq!(report["summary"]["devices"], 2);
    // Settings: 1 of the good policy, 2 well-formed of the broken-instances policy
    // (cloud protection, CPU load factor), 1 read from the broken assignments file.
    assert_eq!(report["summary"]["settings"], 4, "{:#}", report["summary"]);
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
    let directory = scratch("filesystem");
    // A directory named like a file, a symbolic link loop, a huge string.
    fs::create_dir_all(directory.join("folder.json")).unwrap_or_else(|error| panic!("{error}"));
    #[cfg(unix)]
    std::os::unix::fs::symlink(".", directory.join("loop"))
        .unwrap_or_else(|error| panic!("{error}"));
    let huge = format!(
        r#"{{"name": "Huge", "description": "{}", "platforms": "windows10", "technologies": "mdm", "settings": []}}"#,
        "x".repeat(1 << 20)
    );
    fs::write(directory.join("huge-string.json"), huge).unwrap_or_else(|error| panic!("{error}"));
    // A file preflight cannot read (skipped when running as root, who can read anything).
    let locked = directory.join("locked.json");
    fs::write(&locked, "{}").unwrap_or_else(|error| panic!("{error}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(&locked, fs::Permissions::from_mode(0o000));
    }
    let locked_is_unreadable = fs::read(&locked).is_err();

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
    assert_eq!(
        report["summary"]["policies"], 2,
        "good.json and the huge string"
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
    let limited = problems(&json(&limited));
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

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap_or_else(|error| panic!("{error}"));
    for entry in fs::read_dir(from).unwrap_or_else(|error| panic!("{error}")) {
        let entry = entry.unwrap_or_else(|error| panic!("{error}"));
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap_or_else(|error| panic!("{error}"));
        }
    }
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
