//! Baselines: a file of finding fingerprints that are known and accepted, so that
//! a repository can adopt preflight and fail only on new findings.
//!
//! ```json
//! { "version": 1, "findings": [ { "fingerprint": "15811c37e1767149", "rule": "conflicting-setting", "message": "…" } ] }
//! ```
//! Fingerprints name what a finding is about (rule, setting, policies), not
//! where it is, so they survive reformatting, reordering and unrelated edits.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use preflight_engine::Report;
use serde::{Deserialize, Serialize};

use crate::UsageError;

const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<BaselineEntry>,
}

#[derive(Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
struct BaselineEntry {
    fingerprint: String,
    rule: String,
    message: String,
}

/// Reads the fingerprints recorded in a baseline file.
pub fn read(path: &Path) -> Result<BTreeSet<String>, UsageError> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        UsageError(format!(
            "cannot read baseline `{}`: {error}",
            path.display()
        ))
    })?;
    let file: BaselineFile =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|error| {
            UsageError(format!(
                "`{}` is not a preflight baseline: {error} (line {}, column {})",
                path.display(),
                error.line(),
                error.column()
            ))
        })?;
    if file.version != VERSION {
        return Err(UsageError(format!(
            "`{}` is a version {} baseline; this preflight reads version {VERSION}",
            path.display(),
            file.version
        )));
    }
    Ok(file
        .findings
        .into_iter()
        .map(|entry| entry.fingerprint)
        .collect())
}

/// Records every finding of `report`, sorted by fingerprint.
pub fn write(path: &Path, report: &Report) -> Result<(), UsageError> {
    let mut findings: Vec<BaselineEntry> = report
        .findings
        .iter()
        .map(|finding| BaselineEntry {
            fingerprint: finding.fingerprint.to_string(),
            rule: finding.rule.to_owned(),
            message: finding.message.clone(),
        })
        .collect();
    findings.sort();
    findings.dedup_by(|later, earlier| later.fingerprint == earlier.fingerprint);
    let file = BaselineFile {
        version: VERSION,
        findings,
    };
    let failed = |error: std::io::Error| {
        UsageError(format!(
            "cannot write baseline `{}`: {error}",
            path.display()
        ))
    };
    let mut output = std::fs::File::create(path).map_err(failed)?;
    serde_json::to_writer_pretty(&mut output, &file).map_err(|error| failed(error.into()))?;
    writeln!(output).map_err(failed)
}
