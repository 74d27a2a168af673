//! The real `pre-commit` tool against a temporary policy repository that uses the
//! hook from this repository (`.pre-commit-hooks.yaml`, `language: rust`): a
//! staged conflicting policy refuses the commit with the finding shown; once the
//! conflict is removed, the commit goes through.
//!
//! pre-commit builds the hook with `cargo install`, which takes minutes, so the
//! test runs only when `PREFLIGHT_PRE_COMMIT` names a pre-commit executable:
//! `.ci/run` installs one in a virtual environment and sets it. The hook is built
//! from this repository's HEAD commit.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::workspace_root;

fn command(program: &str, directory: &Path, arguments: &[&str], home: &Path) -> (bool, String) {
    let output = Command::new(program)
        .args(arguments)
        .current_dir(directory)
        .env("PRE_COMMIT_HOME", home)
        .env("GIT_AUTHOR_NAME", "preflight test")
        .env("GIT_AUTHOR_EMAIL", "test@preflight.invalid")
        .env("GIT_COMMITTER_NAME", "preflight test")
        .env("GIT_COMMITTER_EMAIL", "test@preflight.invalid")
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|error| panic!("cannot run {program}: {error}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn git(directory: &Path, arguments: &[&str], home: &Path) -> String {
    let (success, text) = command("git", directory, arguments, home);
    assert!(success, "git {arguments:?} failed:\n{text}");
    text
}

#[test]
fn the_hook_refuses_a_commit_with_a_conflict_and_accepts_it_once_fixed() {
    let Some(pre_commit) = std::env::var_os("PREFLIGHT_PRE_COMMIT").map(PathBuf::from) else {
        eprintln!("skipped: set PREFLIGHT_PRE_COMMIT to a pre-commit executable (.ci/run does)");
        return;
    };
    let pre_commit = pre_commit.to_string_lossy().into_owned();
    let root = workspace_root();
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit");
    // The hook environment is cached between runs; the policy repository is new.
    let home = scratch.join("home");
    let repository = scratch.join("policies");
    let _ = fs::remove_dir_all(&repository);
    fs::create_dir_all(&repository).unwrap_or_else(|error| panic!("{error}"));

    let head = git(&root, &["rev-parse", "HEAD"], &home).trim().to_owned();
    git(&repository, &["init", "-q"], &home);
    fs::write(
        repository.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {head}\n    hooks:\n      - id: preflight\n",
            root.display()
        ),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    let demo = root.join("fixtures/demo-tenant/Settings Catalog");
    let catalog = repository.join("Settings Catalog");
    fs::create_dir_all(&catalog).unwrap_or_else(|error| panic!("{error}"));
    let baseline = "Win - Defender Antivirus - Baseline_microsoftSense.json";
    let exceptions = "Win - Developer Workstations - Defender Exceptions_microsoftSense.json";
    fs::copy(demo.join(baseline), catalog.join(baseline)).unwrap_or_else(|error| panic!("{error}"));
    command(&pre_commit, &repository, &["install"], &home);
    git(&repository, &["add", "."], &home);
    git(
        &repository,
        &["commit", "-q", "-m", "baseline policy"],
        &home,
    );

    // Stage the exceptions policy: it turns real-time monitoring off for devices
    // the baseline turns it on for.
    fs::copy(demo.join(exceptions), catalog.join(exceptions))
        .unwrap_or_else(|error| panic!("{error}"));
    git(&repository, &["add", "."], &home);
    let (committed, output) = command(
        "git",
        &repository,
        &["commit", "-m", "developer exceptions"],
        &home,
    );
    assert!(!committed, "the commit should be refused:\n{output}");
    assert!(output.contains("conflicting-setting"), "{output}");
    assert!(output.contains("allowrealtimemonitoring"), "{output}");

    // Keep the exception's other setting, drop the conflicting value.
    let text =
        fs::read_to_string(catalog.join(exceptions)).unwrap_or_else(|error| panic!("{error}"));
    fs::write(
        catalog.join(exceptions),
        text.replace("allowrealtimemonitoring_0", "allowrealtimemonitoring_1"),
    )
    .unwrap_or_else(|error| panic!("{error}"));
    git(&repository, &["add", "."], &home);
    let (committed, output) = command(
        "git",
        &repository,
        &["commit", "-m", "developer exceptions"],
        &home,
    );
    assert!(committed, "the commit should go through:\n{output}");
}
