//! SARIF 2.1.0 output, for GitHub code scanning and other SARIF viewers: the
//! rule catalog with help text, results with physical locations and regions,
//! related locations for the other policy of a pair, and `partialFingerprints`
//! from the finding fingerprint. Validated in tests against the official schema.

use std::io::{self, Write};

use preflight_engine::rules::{RULES, explanation_text};
use preflight_engine::{Finding, Report, Severity};
use preflight_normalizer::Tenant;
use serde::Serialize;

use crate::reporters::{Place, place_of, primary_place};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/preflight-intune/preflight";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    results: Vec<SarifResult>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<RuleDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor {
    id: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "preflight/v1")]
    preflight: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Percent-encodes a relative path for a SARIF `uri` (spaces and other
/// characters outside RFC 3986's unreserved set; `/` is kept).
fn path_to_uri(path: &str) -> String {
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(char::from(byte));
            }
            other => uri.push_str(&format!("%{other:02X}")),
        }
    }
    uri
}

fn physical_location(place: Place<'_>) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: path_to_uri(place.path),
        },
        region: place.range.map(|(start, end)| Region {
            start_line: start.line,
            start_column: start.column,
            end_line: end.line,
            end_column: end.column,
        }),
    }
}

fn result(tenant: &Tenant, finding: &Finding) -> SarifResult {
    let primary = primary_place(tenant, finding).map(physical_location);
    // The first label is the primary location; the others are related.
    let labels = finding.labels.iter().skip(1);
    let related_locations = labels
        .enumerate()
        .filter_map(|(index, label)| {
            Some(Location {
                id: Some(index + 1),
                physical_location: physical_location(place_of(tenant, label.location)?),
                message: Some(Text {
                    text: finding.label_text(label).into_owned(),
                }),
            })
        })
        .collect();
    let mut text = finding.message.clone();
    if let Some(help) = &finding.help {
        text = format!("{text}\n\n{help}");
    }
    SarifResult {
        rule_id: finding.rule,
        rule_index: RULES
            .iter()
            .position(|rule| rule.metadata().name == finding.rule)
            .unwrap_or(0),
        level: level(finding.severity),
        message: Text { text },
        locations: primary
            .map(|physical_location| Location {
                id: None,
                physical_location,
                message: None,
            })
            .into_iter()
            .collect(),
        related_locations,
        partial_fingerprints: Fingerprints {
            preflight: finding.fingerprint.to_string(),
        },
    }
}

/// Writes `report` as a SARIF 2.1.0 log.
pub fn write(output: &mut dyn Write, tenant: &Tenant, report: &Report) -> io::Result<()> {
    let rules = RULES
        .iter()
        .map(|rule| {
            let metadata = rule.metadata();
            let explanation = explanation_text(metadata);
            RuleDescriptor {
                id: metadata.name,
                short_description: Text {
                    text: metadata.summary.to_owned(),
                },
                full_description: Text {
                    text: metadata.summary.to_owned(),
                },
                help: Help {
                    text: explanation.clone(),
                    markdown: explanation,
                },
                default_configuration: Configuration {
                    level: level(metadata.default_severity),
                },
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "preflight",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            results: report
                .findings
                .iter()
                .map(|finding| result(tenant, finding))
                .collect(),
            column_kind: "unicodeCodePoints",
        }],
    };
    serde_json::to_writer_pretty(&mut *output, &log)?;
    writeln!(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_relative_uris() {
        assert_eq!(
            path_to_uri("fixtures/Settings Catalog/Win - A (1)_mdm.json"),
            "fixtures/Settings%20Catalog/Win%20-%20A%20%281%29_mdm.json"
        );
        assert_eq!(path_to_uri("caf\u{e9}.json"), "caf%C3%A9.json");
    }
}
