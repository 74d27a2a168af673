//! Runs the `preflight` binary from the workspace root, as a user would, with
//! colors off and a fixed width so that output can be snapshotted.

#![allow(
    dead_code,
    reason = "each test file uses a different part of this module"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// What a run of the binary gave.
pub struct Run {
    /// The exit status code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// The workspace root, where `fixtures/` lives.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|error| panic!("workspace root: {error}"))
}

/// Runs `preflight ARGS` in `directory`.
pub fn run_in(directory: &Path, arguments: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_preflight"))
        .args(arguments)
        .current_dir(directory)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .unwrap_or_else(|error| panic!("cannot run preflight: {error}"));
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `preflight ARGS` in the workspace root.
pub fn run(arguments: &[&str]) -> Run {
    run_in(&workspace_root(), arguments)
}

/// Parses a run's standard output as JSON.
pub fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|error| panic!("not JSON ({error}):\n{}\n{}", run.stdout, run.stderr))
}

/// The JSON report with the tool version replaced, for snapshots.
pub fn redact_version(text: &str) -> String {
    text.replace(
        &format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION")),
        "\"version\": \"[VERSION]\"",
    )
}

/// Validates a JSON report against `schemas/report-v1.schema.json`, listing every error.
pub fn assert_valid_report(report: &serde_json::Value) {
    assert_valid_against("report-v1.schema.json", report);
}

/// Where the schemas say they live (`$id`); references between them resolve
/// to the files in `schemas/`.
const SCHEMA_BASE: &str = "https://github.com/preflight-intune/preflight/schemas/";

/// Serves the repository's schemas for references between them, and nothing
/// else (no network).
struct LocalSchemas;

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri
            .as_str()
            .strip_prefix(SCHEMA_BASE)
            .filter(|name| !name.contains('/'))
            .ok_or_else(|| format!("not one of preflight's schemas: {uri}"))?;
        let text = std::fs::read_to_string(workspace_root().join("schemas").join(name))?;
        Ok(serde_json::from_str(&text)?)
    }
}

/// The errors of `value` against `schemas/NAME`.
pub fn schema_errors(name: &str, value: &serde_json::Value) -> Vec<String> {
    let schema_text = std::fs::read_to_string(workspace_root().join("schemas").join(name))
        .unwrap_or_else(|error| panic!("schema {name}: {error}"));
    let schema: serde_json::Value = serde_json::from_str(&schema_text)
        .unwrap_or_else(|error| panic!("schema {name} JSON: {error}"));
    let validator = jsonschema::options()
        .with_retriever(LocalSchemas)
        .build(&schema)
        .unwrap_or_else(|error| panic!("schema {name} invalid: {error}"));
    validator
        .iter_errors(value)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

/// Validates `value` against `schemas/NAME`, listing every error.
pub fn assert_valid_against(name: &str, value: &serde_json::Value) {
    let errors = schema_errors(name, value);
    assert!(
        errors.is_empty(),
        "output does not match {name}:\n{}",
        errors.join("\n")
    );
}

/// Copies the directory tree `from` to `to` (a tenant a test may change).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|error| panic!("{error}"));
    for entry in std::fs::read_dir(from).unwrap_or_else(|error| panic!("{error}")) {
        let entry = entry.unwrap_or_else(|error| panic!("{error}"));
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap_or_else(|error| panic!("{error}"));
        }
    }
}
