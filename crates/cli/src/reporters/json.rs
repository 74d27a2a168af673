//! The JSON report, version 1 (DESIGN.md section 5; schema in
//! `schemas/report-v1.schema.json`). Unknown fields are `null`, never missing.

use std::io::{self, Write};

use preflight_engine::{Finding, Report, Summary};
use preflight_normalizer::Tenant;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use crate::reporters::{option_to_json, place_of, primary_place, value_to_json};

/// The version of the JSON report format.
pub const FORMAT_VERSION: u32 = 1;

/// The report without its findings, which [`write`] streams after it.
#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    summary: JsonSummary<'a>,
    findings: [(); 0],
}

/// How many findings are rendered together, in parallel, before they are
/// written: a report of a million findings is never held whole in memory.
const FINDINGS_PER_BATCH: usize = 4096;

/// The indentation of a finding in the pretty-printed report: inside the
/// top-level object and its `findings` array.
const FINDING_INDENT: &[u8] = b"    ";

/// The tool that wrote a report.
#[derive(Serialize)]
pub struct Tool {
    name: &'static str,
    version: &'static str,
}

/// preflight, at this version.
pub fn tool() -> Tool {
    Tool {
        name: "preflight",
        version: env!("CARGO_PKG_VERSION"),
    }
}

/// What was read and found, as JSON.
#[derive(Serialize)]
pub struct JsonSummary<'a> {
    files: usize,
    policies: usize,
    settings: usize,
    groups: usize,
    filters: usize,
    devices: usize,
    users: usize,
    unmapped_settings: usize,
    undecided_audiences: usize,
    families: &'a std::collections::BTreeMap<&'static str, usize>,
    unsupported: &'a std::collections::BTreeMap<String, usize>,
    findings: JsonCounts,
}

#[derive(Serialize)]
struct JsonCounts {
    error: usize,
    warning: usize,
    info: usize,
}

/// A finding as JSON.
#[derive(Serialize)]
pub struct JsonFinding<'a> {
    rule: &'static str,
    severity: &'static str,
    message: &'a str,
    help: Option<&'a str>,
    location: Option<JsonLocation<'a>>,
    setting: Option<JsonSetting<'a>>,
    policies: Vec<JsonPolicy<'a>>,
    overlap: Option<JsonOverlap<'a>>,
    fingerprint: String,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    end_line: Option<u32>,
    end_column: Option<u32>,
}

#[derive(Serialize)]
struct JsonSetting<'a> {
    key: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct JsonPolicy<'a> {
    id: Option<&'a str>,
    name: &'a str,
    family: &'static str,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    value: serde_json::Value,
    option: serde_json::Value,
}

#[derive(Serialize)]
struct JsonOverlap<'a> {
    certainty: &'static str,
    via: &'a [String],
    reason: &'a str,
    witness: Option<&'a std::collections::BTreeMap<String, String>>,
    devices: Option<usize>,
    users: Option<usize>,
    examples: &'a [String],
}

/// Writes `report` as pretty-printed JSON followed by a newline.
pub fn write(output: &mut dyn Write, tenant: &Tenant, report: &Report) -> io::Result<()> {
    let document = JsonReport {
        version: FORMAT_VERSION,
        tool: tool(),
        summary: json_summary(&report.summary),
        findings: [],
    };
    let head = serde_json::to_vec_pretty(&document)?;
    if report.findings.is_empty() {
        output.write_all(&head)?;
        return writeln!(output);
    }
    // The document ends with its empty findings array, `[]` and the closing
    // brace: the findings are written in between, as serde_json would write
    // them in place.
    let head = head.strip_suffix(b"[]\n}").ok_or_else(|| {
        io::Error::other("the JSON report's head does not end with its findings array")
    })?;
    output.write_all(head)?;
    output.write_all(b"[")?;
    for (batch_index, batch) in report.findings.chunks(FINDINGS_PER_BATCH).enumerate() {
        let rendered: Vec<io::Result<Vec<u8>>> = batch
            .par_iter()
            .map(|finding| rendered_finding(tenant, finding))
            .collect();
        for (index, finding) in rendered.into_iter().enumerate() {
            let first = batch_index == 0 && index == 0;
            output.write_all(if first { b"\n" } else { b",\n" })?;
            output.write_all(FINDING_INDENT)?;
            output.write_all(&finding?)?;
        }
    }
    output.write_all(b"\n  ]\n}\n")
}

/// One finding, pretty-printed as it stands in the report's `findings` array
/// (what `serde_json::to_writer_pretty` writes there for the whole report).
fn rendered_finding(tenant: &Tenant, finding: &Finding) -> io::Result<Vec<u8>> {
    let mut rendered = Vec::with_capacity(4096);
    let mut serializer = serde_json::Serializer::with_formatter(&mut rendered, finding_printer()?);
    json_finding(tenant, finding).serialize(&mut serializer)?;
    Ok(rendered)
}

/// A pretty printer two levels deep, as inside the report's object and its
/// `findings` array: what it writes for a finding is indented as there.
fn finding_printer() -> io::Result<PrettyFormatter<'static>> {
    let mut printer = PrettyFormatter::new();
    let mut nowhere = io::sink();
    printer.begin_object(&mut nowhere)?;
    printer.begin_array(&mut nowhere)?;
    Ok(printer)
}

/// The summary in the JSON shape of DESIGN.md section 5.
pub fn json_summary(summary: &Summary) -> JsonSummary<'_> {
    JsonSummary {
        files: summary.files,
        policies: summary.policies,
        settings: summary.settings,
        groups: summary.groups,
        filters: summary.filters,
        devices: summary.devices,
        users: summary.users,
        unmapped_settings: summary.unmapped_settings,
        undecided_audiences: summary.undecided_audiences,
        families: &summary.families,
        unsupported: &summary.unsupported,
        findings: JsonCounts {
            error: summary.findings.error,
            warning: summary.findings.warning,
            info: summary.findings.info,
        },
    }
}

/// One finding in the JSON shape of DESIGN.md section 5.
pub fn json_finding<'a>(tenant: &'a Tenant, finding: &'a Finding) -> JsonFinding<'a> {
    JsonFinding {
        rule: finding.rule,
        severity: finding.severity.name(),
        message: &finding.message,
        help: finding.help.as_deref(),
        location: json_location(tenant, finding),
        setting: finding.setting.as_ref().map(|setting| JsonSetting {
            key: &setting.key.0,
            name: &setting.name,
        }),
        policies: finding
            .policies
            .iter()
            .map(|policy| {
                let place = place_of(tenant, policy.location);
                let start = place
                    .as_ref()
                    .and_then(|place| place.range)
                    .map(|(start, _)| start);
                JsonPolicy {
                    id: policy.id.as_ref().map(|id| &*id.0),
                    name: &policy.name,
                    family: policy.family.name(),
                    file: place.map(|place| place.path),
                    line: start.map(|start| start.line),
                    column: start.map(|start| start.column),
                    value: policy
                        .value
                        .as_ref()
                        .map_or(serde_json::Value::Null, value_to_json),
                    option: policy
                        .value
                        .as_ref()
                        .map_or(serde_json::Value::Null, option_to_json),
                }
            })
            .collect(),
        overlap: finding.overlap.as_ref().map(|overlap| JsonOverlap {
            certainty: overlap.certainty.name(),
            via: &overlap.via,
            reason: &overlap.reason,
            witness: overlap.witness.as_deref(),
            devices: overlap.devices,
            users: overlap.users,
            examples: &overlap.examples,
        }),
        fingerprint: finding.fingerprint.to_string(),
    }
}

fn json_location<'a>(tenant: &'a Tenant, finding: &Finding) -> Option<JsonLocation<'a>> {
    let place = primary_place(tenant, finding)?;
    Some(JsonLocation {
        file: place.path,
        line: place.range.map(|(start, _)| start.line),
        column: place.range.map(|(start, _)| start.column),
        end_line: place.range.map(|(_, end)| end.line),
        end_column: place.range.map(|(_, end)| end.column),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole report as one document, findings in place: what [`write`]
    /// must write byte for byte.
    #[derive(Serialize)]
    struct WholeReport<'a> {
        version: u32,
        tool: Tool,
        summary: JsonSummary<'a>,
        findings: Vec<JsonFinding<'a>>,
    }

    fn whole(tenant: &Tenant, report: &Report) -> Vec<u8> {
        let document = WholeReport {
            version: FORMAT_VERSION,
            tool: tool(),
            summary: json_summary(&report.summary),
            findings: report
                .findings
                .iter()
                .map(|finding| json_finding(tenant, finding))
                .collect(),
        };
        let mut bytes = serde_json::to_vec_pretty(&document).expect("serializes");
        bytes.push(b'\n');
        bytes
    }

    #[test]
    fn findings_rendered_in_batches_read_as_the_whole_document() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo-tenant");
        let loaded = preflight_parser::load(
            std::slice::from_ref(&root),
            &preflight_parser::LoadOptions::new(&root),
        )
        .expect("the demo tenant");
        let tenant = preflight_normalizer::normalize(loaded);
        let demo = preflight_engine::analyze(&tenant);
        assert!(demo.findings.len() > 1, "the demo tenant has findings");
        // None, one, the demo's, and more than a batch, so that batches meet.
        let many: Vec<Finding> = demo
            .findings
            .iter()
            .cycle()
            .take(FINDINGS_PER_BATCH + 3)
            .cloned()
            .collect();
        for findings in [&[][..], &demo.findings[..1], &demo.findings[..], &many[..]] {
            let report = Report {
                findings: findings.to_vec(),
                summary: demo.summary.clone(),
            };
            let mut written = Vec::new();
            write(&mut written, &tenant, &report).expect("writes");
            assert!(
                written == whole(&tenant, &report),
                "{} findings are not written as the whole document would be",
                findings.len()
            );
        }
    }
}
