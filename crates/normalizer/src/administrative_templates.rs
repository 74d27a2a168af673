//! Normalizes administrative templates (`groupPolicyConfiguration`): ADMX-backed
//! policies configured through Intune.
//!
//! Each entry of `definitionValues` enables or disables one ADMX policy
//! (`definition`: class, category path, name) and may carry `presentationValues`,
//! the policy's own options (text boxes, numbers, check boxes, lists). The policy's
//! state becomes one setting keyed by its class, category path and name
//! (`admx:machine\windows components\onedrive\prevent the usage of onedrive for file storage`);
//! each option a setting under it (`…/{option label}`). Graph responses saved
//! without `$expand=definition` only name the definition by id; those settings are
//! keyed by that id.

use preflight_parser::json::{Node, Value};
use preflight_parser::{Document, InputProblem};

use crate::assignments::read_assignments;
use crate::model::{
    Group, Platform, Policy, PolicyFamily, PolicyId, Setting, SettingKey, SettingKind,
    SettingScope, SettingValue,
};
use crate::reader::FieldReader;

/// Reads one administrative template document.
pub fn read_administrative_template(
    document: &Document,
    groups: &mut Vec<Group>,
    problems: &mut Vec<InputProblem>,
) -> Option<Policy> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the administrative template")?;
    let name_node = root.get("displayName");
    // A policy without a usable name is not analyzed, but the rest of it is
    // still read so that every wrong type in it is reported.
    let name = reader.required_str(root, "displayName", "the administrative template");
    let id = reader
        .optional_str(root, "id")
        .map(|id| PolicyId(id.to_owned()));
    let mut settings = Vec::new();
    for definition_value in reader
        .optional_array(root, "definitionValues")
        .unwrap_or_default()
    {
        read_definition_value(&mut reader, definition_value, &mut settings);
    }
    let assignments = root
        .get("assignments")
        .and_then(|node| read_assignments(&mut reader, node, groups));
    let name = name?;
    Some(Policy {
        id,
        name: name.to_owned(),
        family: PolicyFamily::AdministrativeTemplate,
        platforms: vec![Platform::Windows],
        settings,
        assignments,
        source: reader.location(name_node.map_or(root.span, |node| node.span)),
    })
}

fn read_definition_value(reader: &mut FieldReader<'_>, node: &Node, settings: &mut Vec<Setting>) {
    let Some(entry) = reader.expect_object(node, "each entry of `definitionValues`") else {
        return;
    };
    let Some((key, name, scope)) = definition_identity(reader, entry) else {
        reader.problem(
            entry.span,
            "the definition value names no `definition` (neither expanded nor `definition@odata.bind`)",
        );
        return;
    };
    let Some(enabled_node) = entry.get("enabled") else {
        reader.problem(entry.span, "the definition value has no `enabled`");
        return;
    };
    let Some(enabled) = enabled_node.as_bool() else {
        reader.wrong_type(enabled_node, "enabled", "a boolean");
        return;
    };
    settings.push(Setting {
        key: SettingKey(key.clone()),
        name: name.clone(),
        value: SettingValue::Bool(enabled),
        scope,
        kind: SettingKind::Configuration,
        canonical: false,
        source: reader.location(enabled_node.span),
    });
    if !enabled {
        return;
    }
    for presentation_value in reader
        .optional_array(entry, "presentationValues")
        .unwrap_or_default()
    {
        read_presentation_value(reader, presentation_value, &key, &name, scope, settings);
    }
}

/// The key, name and scope of the ADMX policy a definition value configures.
fn definition_identity(
    reader: &mut FieldReader<'_>,
    entry: &Node,
) -> Option<(String, String, SettingScope)> {
    if let Some(definition) = entry.get("definition").filter(|node| !node.is_null()) {
        let definition = reader.expect_object(definition, "`definition`")?;
        let display_name = reader.required_str(definition, "displayName", "the definition")?;
        let class = reader
            .optional_str(definition, "classType")
            .unwrap_or("machine");
        let category = reader
            .optional_str(definition, "categoryPath")
            .unwrap_or("");
        let scope = if class.eq_ignore_ascii_case("user") {
            SettingScope::User
        } else {
            SettingScope::Device
        };
        let key = format!(
            "admx:{}{}\\{}",
            class.to_lowercase(),
            normalize_category(category),
            display_name.to_lowercase()
        );
        return Some((key, display_name.to_owned(), scope));
    }
    let bind = reader.optional_str(entry, "definition@odata.bind")?;
    let definition_id = bound_id(bind);
    Some((
        format!("admx:definition:{}", definition_id.to_lowercase()),
        definition_id.to_owned(),
        SettingScope::Device,
    ))
}

/// `\Windows Components\OneDrive` → `\windows components\onedrive`, always with
/// one leading backslash.
fn normalize_category(category: &str) -> String {
    let trimmed = category.trim().trim_matches('\\');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("\\{}", trimmed.to_lowercase())
    }
}

/// The id in an `@odata.bind` URL: `…/groupPolicyDefinitions('abc')` → `abc`.
fn bound_id(bind: &str) -> &str {
    bind.rsplit_once("('")
        .and_then(|(_, rest)| rest.split_once("')"))
        .map_or(bind, |(id, _)| id)
}

fn read_presentation_value(
    reader: &mut FieldReader<'_>,
    node: &Node,
    policy_key: &str,
    policy_name: &str,
    scope: SettingScope,
    settings: &mut Vec<Setting>,
) {
    let Some(entry) = reader.expect_object(node, "each entry of `presentationValues`") else {
        return;
    };
    let label = entry
        .get("presentation")
        .and_then(|presentation| {
            presentation
                .get("label")
                .and_then(Node::as_str)
                .filter(|label| !label.trim().is_empty())
                .map(str::to_owned)
                .or_else(|| {
                    presentation
                        .get("id")
                        .and_then(Node::as_str)
                        .map(str::to_owned)
                })
        })
        .or_else(|| {
            entry
                .get("presentation@odata.bind")
                .and_then(Node::as_str)
                .map(|bind| bound_id(bind).to_owned())
        });
    let Some(label) = label else {
        reader.problem(entry.span, "the presentation value names no `presentation`");
        return;
    };
    let (value_node, value) = if let Some(node) = entry.get("value") {
        (node, scalar_value(node))
    } else if let Some(node) = entry.get("values") {
        (node, list_value(node))
    } else {
        return;
    };
    let Some(value) = value else {
        return;
    };
    settings.push(Setting {
        key: SettingKey(format!("{policy_key}/{}", label.trim().to_lowercase())),
        name: format!("{policy_name}: {}", label.trim()),
        value,
        scope,
        kind: SettingKind::Configuration,
        canonical: false,
        source: reader.location(value_node.span),
    });
}

fn scalar_value(node: &Node) -> Option<SettingValue> {
    match &node.value {
        Value::Null => None,
        Value::Bool(flag) => Some(SettingValue::Bool(*flag)),
        Value::Number(number) => Some(match number.as_i64() {
            Some(integer) => SettingValue::Integer(integer),
            None => SettingValue::String(number.as_str().to_owned()),
        }),
        Value::String(text) => Some(SettingValue::String(text.clone())),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// A list presentation: strings (multi-text) or `{name, value}` pairs (list box).
fn list_value(node: &Node) -> Option<SettingValue> {
    let items = node.as_array()?;
    let values = items
        .iter()
        .filter_map(|item| match &item.value {
            Value::Object(_) => {
                let name = item.get("name").and_then(Node::as_str).unwrap_or_default();
                let value = item.get("value").and_then(Node::as_str).unwrap_or_default();
                Some(SettingValue::String(if name.is_empty() {
                    value.to_owned()
                } else {
                    format!("{name}={value}")
                }))
            }
            _ => scalar_value(item),
        })
        .collect();
    Some(SettingValue::List(values))
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_parser::{FileId, json::parse};

    #[test]
    fn definition_values_and_presentations_become_settings() {
        let text = r##"{
            "@odata.type": "#microsoft.graph.groupPolicyConfiguration",
            "displayName": "OneDrive",
            "definitionValues": [
                {"enabled": true,
                 "definition": {"classType": "machine", "displayName": "Silently sign in users to the OneDrive sync app with their Windows credentials", "categoryPath": "\\OneDrive"},
                 "presentationValues": []},
                {"enabled": true,
                 "definition": {"classType": "user", "displayName": "Set the default location for the OneDrive folder", "categoryPath": "\\OneDrive"},
                 "presentationValues": [
                    {"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText", "value": "D:\\OneDrive",
                     "presentation": {"label": "Path:", "id": "p1"}}
                 ]},
                {"enabled": false,
                 "definition@odata.bind": "https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions('abc')"}
            ]
        }"##;
        let document = Document {
            file: FileId(0),
            kind: preflight_parser::DocumentKind::AdministrativeTemplate,
            root: parse(text).expect("valid JSON"),
        };
        let mut problems = Vec::new();
        let policy = read_administrative_template(&document, &mut Vec::new(), &mut problems)
            .expect("a policy");
        assert!(problems.is_empty(), "{problems:?}");
        let keys: Vec<(String, String, SettingScope)> = policy
            .settings
            .iter()
            .map(|setting| {
                (
                    setting.key.0.clone(),
                    setting.value.to_string(),
                    setting.scope,
                )
            })
            .collect();
        assert_eq!(
            keys,
            vec![
                (
                    "admx:machine\\onedrive\\silently sign in users to the onedrive sync app with their windows credentials".to_owned(),
                    "true".to_owned(),
                    SettingScope::Device
                ),
                (
                    "admx:user\\onedrive\\set the default location for the onedrive folder".to_owned(),
                    "true".to_owned(),
                    SettingScope::User
                ),
                (
                    "admx:user\\onedrive\\set the default location for the onedrive folder/path:".to_owned(),
                    "\"D:\\\\OneDrive\"".to_owned(),
                    SettingScope::User
                ),
                ("admx:definition:abc".to_owned(), "false".to_owned(), SettingScope::Device),
            ]
        );
    }
}
