//! Reporters: each output format in its own module. They are the only code that
//! turns file ids and byte spans into paths, lines and columns.

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use preflight_engine::{Finding, Severity, Summary};
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
        range: Some(file.span_line_columns(location.span)),
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

/// A setting value as JSON, decoded as a person reads it: booleans, integers and
/// strings as themselves; a choice as the value its option id ends in (`…_1` →
/// `1`, `…_true` → `true`, `…_block` → `"block"`), or the option id when it
/// ends in none; lists as arrays, in their order; secrets as `"<secret>"`. The
/// option id and label are given by [`option_to_json`].
pub fn value_to_json(value: &SettingValue) -> serde_json::Value {
    decoded_to_json(&value.decoded())
}

fn decoded_to_json(value: &SettingValue) -> serde_json::Value {
    match value {
        SettingValue::Bool(flag) => serde_json::Value::Bool(*flag),
        SettingValue::Integer(number) => serde_json::Value::from(*number),
        SettingValue::String(text) => serde_json::Value::String(text.clone()),
        SettingValue::Choice { option, .. } => serde_json::Value::String(option.clone()),
        SettingValue::List(items) | SettingValue::OrderedList(items) => {
            items.iter().map(decoded_to_json).collect()
        }
        SettingValue::Secret { .. } => serde_json::Value::String("<secret>".to_owned()),
    }
}

/// The choice option behind a value, as JSON: `{"id": …, "label": …}` for a
/// choice (the label `null` unless `--catalog` gave it), an array of those (or
/// `null` for items that are no choice) for a list holding choices, and `null`
/// for anything else.
pub fn option_to_json(value: &SettingValue) -> serde_json::Value {
    match value {
        SettingValue::Choice { option, label, .. } => serde_json::json!({
            "id": option,
            "label": label,
        }),
        SettingValue::List(items) | SettingValue::OrderedList(items)
            if items
                .iter()
                .any(|item| matches!(item, SettingValue::Choice { .. })) =>
        {
            items.iter().map(option_to_json).collect()
        }
        _ => serde_json::Value::Null,
    }
}

/// "1 error, 2 warnings, 1 info in 14 files (12 policies, 31 settings, 6 groups, 2 filters)".
pub fn summary_line(summary: &Summary) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(option: &str, short: Option<&str>, label: Option<&str>) -> SettingValue {
        SettingValue::Choice {
            option: option.to_owned(),
            short: short.map(str::to_owned),
            label: label.map(str::to_owned),
        }
    }

    #[test]
    fn choices_are_decoded_and_their_option_is_kept_apart() {
        let allowed = choice("x_allow_1", Some("1"), Some("Allowed"));
        assert_eq!(value_to_json(&allowed), serde_json::json!(1));
        assert_eq!(
            option_to_json(&allowed),
            serde_json::json!({"id": "x_allow_1", "label": "Allowed"})
        );
        let enabled = choice("com.apple.x_enable_true", Some("true"), None);
        assert_eq!(value_to_json(&enabled), serde_json::json!(true));
        let word = choice("x_asr_block", Some("block"), None);
        assert_eq!(value_to_json(&word), serde_json::json!("block"));
        let foreign = choice("some_other_option", None, None);
        assert_eq!(
            value_to_json(&foreign),
            serde_json::json!("some_other_option")
        );
    }

    #[test]
    fn lists_keep_their_order_and_list_options_follow_items() {
        let list = SettingValue::List(vec![
            choice("x_b", Some("b"), None),
            SettingValue::String("plain".to_owned()),
            choice("x_a", Some("a"), None),
        ]);
        assert_eq!(value_to_json(&list), serde_json::json!(["b", "plain", "a"]));
        assert_eq!(
            option_to_json(&list),
            serde_json::json!([{"id": "x_b", "label": null}, null, {"id": "x_a", "label": null}])
        );
        let strings = SettingValue::OrderedList(vec![SettingValue::String("z".to_owned())]);
        assert_eq!(option_to_json(&strings), serde_json::Value::Null);
        assert_eq!(
            value_to_json(&SettingValue::Secret { digest: 7 }),
            serde_json::json!("<secret>")
        );
    }
}
