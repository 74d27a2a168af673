//! Reporters: each output format in its own module. They are the only code that
//! turns file ids and byte spans into paths, lines and columns.

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use preflight_engine::{Finding, Report, Severity};
use preflight_normalizer::{SettingValue, Tenant};
use preflight_parser::{LineColumn, SourceLocation};

/// Where a finding is, as every machine format reports it: the display path of
/// its primary file and, when the finding has a span, where it starts and ends.
pub struct Place<'a> {
    /// Relative path with forward slashes.
    pub path: &'a str,
    /// Start and end (1-based line and column) of the primary span.
    pub range: Option<(LineColumn, LineColumn)>,
}

/// The place of `location`.
pub fn place_of(tenant: &Tenant, location: SourceLocation) -> Option<Place<'_>> {
    let file = tenant.file(location.file)?;
    Some(Place {
        path: &file.display_path,
        range: Some((
            file.line_column(location.span.start),
            file.line_column(location.span.end),
        )),
    })
}

/// The primary place of `finding`: its first label's span, or else its file.
pub fn primary_place<'a>(tenant: &'a Tenant, finding: &Finding) -> Option<Place<'a>> {
    match finding.primary_location() {
        Some(location) => place_of(tenant, location),
        None => Some(Place {
            path: &tenant.file(finding.file?)?.display_path,
            range: None,
        }),
    }
}

/// A setting value as JSON: booleans, integers and strings as themselves, choices
/// as their option id, lists as arrays, secrets as `"<secret>"`.
pub fn value_to_json(value: &SettingValue) -> serde_json::Value {
    match value {
        SettingValue::Bool(flag) => serde_json::Value::Bool(*flag),
        SettingValue::Integer(number) => serde_json::Value::from(*number),
        SettingValue::String(text) => serde_json::Value::String(text.clone()),
        SettingValue::Choice { option, .. } => serde_json::Value::String(option.clone()),
        SettingValue::List(items) => items.iter().map(value_to_json).collect(),
        SettingValue::Secret { .. } => serde_json::Value::String("<secret>".to_owned()),
    }
}

/// "1 error, 2 warnings, 1 info in 14 files (12 policies, 31 settings, 6 groups, 2 filters)".
pub fn summary_line(report: &Report) -> String {
    let summary = &report.summary;
    let counts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|severity| {
            let count = summary.findings.get(*severity);
            (count > 0).then(|| plural(count, severity.name()))
        })
        .collect();
    let found = if counts.is_empty() {
        "no findings".to_owned()
    } else {
        counts.join(", ")
    };
    let mut counts = vec![
        plural(summary.policies, "policy"),
        plural(summary.settings, "setting"),
        plural(summary.groups, "group"),
        plural(summary.filters, "filter"),
    ];
    if summary.devices > 0 || summary.users > 0 {
        counts.push(plural(summary.devices, "device"));
        counts.push(plural(summary.users, "user"));
    }
    format!(
        "{found} in {} ({})",
        plural(summary.files, "file"),
        counts.join(", ")
    )
}

fn plural(count: usize, noun: &str) -> String {
    match (count, noun) {
        (1, _) => format!("1 {noun}"),
        (_, "policy") => format!("{count} policies"),
        (_, "info") => format!("{count} infos"),
        _ => format!("{count} {noun}s"),
    }
}
