//! The JSON report, version 1 (DESIGN.md section 5; schema in
//! `schemas/report-v1.schema.json`). Unknown fields are `null`, never missing.

use std::io::{self, Write};

use preflight_engine::{Finding, Report, Summary};
use preflight_normalizer::Tenant;
use serde::Serialize;

use crate::reporters::{option_to_json, place_of, primary_place, value_to_json};

/// The version of the JSON report format.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    summary: JsonSummary<'a>,
    findings: StreamedFindings<'a>,
}

/// The findings, each turned into its JSON shape as it is written, so a report
/// of a million findings is never held twice in memory.
struct StreamedFindings<'a> {
    tenant: &'a Tenant,
    findings: &'a [Finding],
}

impl Serialize for StreamedFindings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.findings
                .iter()
                .map(|finding| json_finding(self.tenant, finding)),
        )
    }
}

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
        findings: StreamedFindings {
            tenant,
            findings: &report.findings,
        },
    };
    serde_json::to_writer_pretty(&mut *output, &document)?;
    writeln!(output)
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
                    id: policy.id.as_ref().map(|id| id.0.as_str()),
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
