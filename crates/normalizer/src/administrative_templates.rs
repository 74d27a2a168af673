//! Normalizes administrative templates (`groupPolicyConfiguration`): ADMX-backed
//! policies configured through Intune.
//!
//! Each entry of `definitionValues` enables or disables one ADMX policy
//! (`definition`: class, category path, name) and may carry `presentationValues`,
//! the policy's own options (text boxes, numbers, check boxes, lists).
//!
//! Keys: with `--catalog`, a policy whose class, category path and display name
//! one ADMX-backed settings catalog definition carries is keyed by that catalog id
//! ([`AdmxIndex`]), so an administrative template and a settings catalog policy
//! setting the same ADMX policy meet. Its state becomes the catalog's choice
//! (`enabled: true` → option `…_1`, Enabled; `false` → `…_0`, Disabled), and each
//! presentation value the catalog child whose display name is the presentation's
//! label (a check box or drop-down becomes that child's option). Without
//! `--catalog`, or for a policy the catalog does not have, the state is keyed by
//! class, category path and name
//! (`admx:machine\windows components\onedrive\prevent the usage of onedrive for file storage`)
//! and each presentation under it (`…/{label}`); those keys meet only other
//! administrative templates. Graph responses saved without
//! `$expand=definition` only name the definition by id; those settings are keyed
//! by that id.

use preflight_parser::json::{Node, Value};
use preflight_parser::{Document, InputProblem};

use crate::assignments::read_assignments;
use crate::catalog::AdmxIndex;
use crate::model::{
    Group, Platform, Policy, PolicyFamily, Setting, SettingDefinition, SettingKey, SettingKind,
    SettingScope, SettingValue,
};
use crate::reader::FieldReader;

/// Reads one administrative template document.
pub fn read_administrative_template(
    document: &Document,
    catalog: &AdmxIndex<'_>,
    groups: &mut Vec<Group>,
    problems: &mut Vec<InputProblem>,
) -> Option<Policy> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the administrative template")?;
    let (name, id) = reader.policy_name_and_id(root, "the administrative template");
    let mut settings = Vec::new();
    for definition_value in reader
        .optional_array(root, "definitionValues")
        .unwrap_or_default()
    {
        read_definition_value(&mut reader, catalog, definition_value, &mut settings);
    }
    let assignments = root
        .get("assignments")
        .and_then(|node| read_assignments(&mut reader, node, groups));
    let name = name?;
    Some(Policy {
        id,
        name: name.into(),
        family: PolicyFamily::AdministrativeTemplate,
        platforms: vec![Platform::Windows],
        settings,
        assignments,
        source: reader.location_of_field(root, "displayName"),
    })
}

fn read_definition_value(
    reader: &mut FieldReader<'_>,
    catalog: &AdmxIndex<'_>,
    node: &Node,
    settings: &mut Vec<Setting>,
) {
    let Some(entry) = reader.expect_object(node, "each entry of `definitionValues`") else {
        return;
    };
    let Some(identity) = definition_identity(reader, entry) else {
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
    let catalog_definition = identity.group_policy.as_ref().and_then(|group_policy| {
        catalog.policy(
            identity.scope == SettingScope::User,
            &group_policy.category,
            &group_policy.display_name,
        )
    });
    let (key, value, canonical) = match catalog_definition {
        Some(definition) => (
            definition.id.clone(),
            catalog_choice(definition, if enabled { "1" } else { "0" })
                .unwrap_or(SettingValue::Bool(enabled)),
            true,
        ),
        None => (identity.key.clone(), SettingValue::Bool(enabled), false),
    };
    settings.push(Setting {
        key: SettingKey(key.clone()),
        name: identity.name.clone(),
        value,
        scope: identity.scope,
        kind: SettingKind::Configuration,
        canonical,
        source: reader.location(enabled_node.span),
    });
    if !enabled {
        return;
    }
    let policy = PolicyContext {
        key: &identity.key,
        name: &identity.name,
        scope: identity.scope,
        catalog: catalog_definition.map(|definition| (catalog, definition)),
    };
    for presentation_value in reader
        .optional_array(entry, "presentationValues")
        .unwrap_or_default()
    {
        read_presentation_value(reader, presentation_value, &policy, settings);
    }
}

/// The option `{definition}_{short}` of a catalog choice, with its label, when
/// the definition has it.
fn catalog_choice(definition: &SettingDefinition, short: &str) -> Option<SettingValue> {
    let option = format!("{}_{short}", definition.id);
    let label = definition.option_labels.get(&option)?.clone();
    Some(SettingValue::Choice {
        option,
        short: Some(short.to_owned()),
        label: Some(label),
    })
}

/// What an ADMX policy a definition value configures is called.
struct DefinitionIdentity {
    /// The administrative template key (`admx:{class}{category}\{name}`, or
    /// `admx:definition:{id}`).
    key: String,
    /// The display name (or the bound id).
    name: String,
    /// Device for the machine class, user for the user class.
    scope: SettingScope,
    /// The category path and display name as written, when the definition is
    /// expanded.
    group_policy: Option<GroupPolicyName>,
}

/// An expanded definition's category path and display name.
struct GroupPolicyName {
    category: String,
    display_name: String,
}

/// The key, name and scope of the ADMX policy a definition value configures.
fn definition_identity(reader: &mut FieldReader<'_>, entry: &Node) -> Option<DefinitionIdentity> {
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
        return Some(DefinitionIdentity {
            key,
            name: display_name.to_owned(),
            scope,
            group_policy: Some(GroupPolicyName {
                category: category.to_owned(),
                display_name: display_name.to_owned(),
            }),
        });
    }
    let bind = reader.optional_str(entry, "definition@odata.bind")?;
    let definition_id = bound_id(bind);
    Some(DefinitionIdentity {
        key: format!("admx:definition:{}", definition_id.to_lowercase()),
        name: definition_id.to_owned(),
        scope: SettingScope::Device,
        group_policy: None,
    })
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

/// What the presentations of one enabled policy share.
struct PolicyContext<'a> {
    /// The administrative template key of the policy.
    key: &'a str,
    name: &'a str,
    scope: SettingScope,
    /// The catalog and the policy's ADMX-backed definition, when `--catalog` has it.
    catalog: Option<(&'a AdmxIndex<'a>, &'a SettingDefinition)>,
}

fn read_presentation_value(
    reader: &mut FieldReader<'_>,
    node: &Node,
    policy: &PolicyContext<'_>,
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
    let catalog_child = policy
        .catalog
        .and_then(|(catalog, definition)| catalog.presentation(definition, &label));
    let (key, value, canonical) = match catalog_child {
        Some(child) => (
            child.id.clone(),
            presentation_in_catalog(child, value),
            true,
        ),
        None => (
            format!("{}/{}", policy.key, label.trim().to_lowercase()),
            value,
            false,
        ),
    };
    settings.push(Setting {
        key: SettingKey(key),
        name: format!("{}: {}", policy.name, label.trim()),
        value,
        scope: policy.scope,
        kind: SettingKind::Configuration,
        canonical,
        source: reader.location(value_node.span),
    });
}

/// A presentation value as its catalog child holds it: for a child with options
/// (a check box, a drop-down), the option the value names (`true` → `…_1`,
/// `2` → `…_2`); otherwise the value as it is.
fn presentation_in_catalog(child: &SettingDefinition, value: SettingValue) -> SettingValue {
    if child.option_labels.is_empty() {
        return value;
    }
    let short = match &value {
        SettingValue::Bool(flag) => {
            vec![if *flag { "1" } else { "0" }.to_owned(), flag.to_string()]
        }
        SettingValue::Integer(number) => vec![number.to_string()],
        SettingValue::String(text) => vec![text.trim().to_lowercase()],
        _ => Vec::new(),
    };
    short
        .iter()
        .find_map(|short| catalog_choice(child, short))
        .unwrap_or(value)
}

fn scalar_value(node: &Node) -> Option<SettingValue> {
    match &node.value {
        Value::Null => None,
        Value::Bool(flag) => Some(SettingValue::Bool(*flag)),
        Value::Number(number) => Some(match number.as_i64() {
            Some(integer) => SettingValue::Integer(integer),
            None => SettingValue::String(number.as_str().to_owned()),
        }),
        Value::String(text) => Some(SettingValue::String(text.as_str().to_owned())),
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
        let document = Document::new(
            FileId(0),
            preflight_parser::DocumentKind::AdministrativeTemplate,
            parse(text).expect("valid JSON"),
        );
        let mut problems = Vec::new();
        let definitions = std::collections::BTreeMap::new();
        let policy = read_administrative_template(
            &document,
            &AdmxIndex::new(&definitions),
            &mut Vec::new(),
            &mut problems,
        )
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

    /// Catalog definitions of OneDrive's "Silently move Windows known folders to
    /// OneDrive", in the shape of a `configurationSettings` export.
    fn onedrive_definitions() -> std::collections::BTreeMap<String, SettingDefinition> {
        let policy = "device_vendor_msft_policy_config_onedrivengscv2.updates~policy~onedrivengsc_kfmoptinnowizard";
        let texts = [
            format!(
                r##"{{"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingDefinition",
                  "id": "{policy}", "displayName": "Silently move Windows known folders to OneDrive",
                  "keywords": ["KFMOptInNoWizard", "\\OneDrive"],
                  "options": [{{"itemId": "{policy}_0", "displayName": "Disabled"}}, {{"itemId": "{policy}_1", "displayName": "Enabled"}}]}}"##
            ),
            format!(
                r##"{{"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingDefinition",
                  "id": "{policy}_kfmoptinnowizard_textbox", "displayName": "Tenant ID:",
                  "dependentOn": [{{"dependentOn": "{policy}_1", "parentSettingId": "{policy}"}}]}}"##
            ),
            format!(
                r##"{{"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingDefinition",
                  "id": "{policy}_kfmoptinnowizard_desktop_checkbox", "displayName": "Desktop (Device)",
                  "dependentOn": [{{"dependentOn": "{policy}_1", "parentSettingId": "{policy}"}}],
                  "options": [{{"itemId": "{policy}_kfmoptinnowizard_desktop_checkbox_0", "displayName": "False"}},
                              {{"itemId": "{policy}_kfmoptinnowizard_desktop_checkbox_1", "displayName": "True"}}]}}"##
            ),
        ];
        texts
            .iter()
            .map(|text| {
                let document = Document::new(
                    FileId(1),
                    preflight_parser::DocumentKind::SettingDefinition,
                    parse(text).expect("valid JSON"),
                );
                let definition = crate::catalog::read_definition(&document, &mut Vec::new())
                    .expect("definition");
                (definition.id.clone(), definition)
            })
            .collect()
    }

    fn read_with(
        text: &str,
        definitions: &std::collections::BTreeMap<String, SettingDefinition>,
    ) -> Policy {
        let document = Document::new(
            FileId(0),
            preflight_parser::DocumentKind::AdministrativeTemplate,
            parse(text).expect("valid JSON"),
        );
        let mut problems = Vec::new();
        let policy = read_administrative_template(
            &document,
            &AdmxIndex::new(definitions),
            &mut Vec::new(),
            &mut problems,
        )
        .expect("a policy");
        assert!(problems.is_empty(), "{problems:?}");
        policy
    }

    const KNOWN_FOLDER_MOVE: &str = r##"{
        "displayName": "OneDrive - KFM",
        "definitionValues": [
            {"enabled": true,
             "definition": {"classType": "machine", "displayName": "Silently move Windows known folders to OneDrive", "categoryPath": "\\OneDrive"},
             "presentationValues": [
                {"@odata.type": "#microsoft.graph.groupPolicyPresentationValueText", "value": "4f1b7f3c",
                 "presentation": {"label": "Tenant ID:"}},
                {"@odata.type": "#microsoft.graph.groupPolicyPresentationValueBoolean", "value": true,
                 "presentation": {"label": "Desktop"}},
                {"@odata.type": "#microsoft.graph.groupPolicyPresentationValueBoolean", "value": true,
                 "presentation": {"label": "Pictures"}}
             ]}
        ]
    }"##;

    #[test]
    fn with_the_catalog_policies_and_presentations_take_the_catalog_ids() {
        let definitions = onedrive_definitions();
        let policy = read_with(KNOWN_FOLDER_MOVE, &definitions);
        let prefix = "device_vendor_msft_policy_config_onedrivengscv2.updates~policy~onedrivengsc_kfmoptinnowizard";
        let keys: Vec<String> = policy
            .settings
            .iter()
            .map(|setting| setting.key.0.clone())
            .collect();
        assert_eq!(
            keys,
            [
                prefix.to_owned(),
                format!("{prefix}_kfmoptinnowizard_textbox"),
                format!("{prefix}_kfmoptinnowizard_desktop_checkbox"),
                // The catalog has no "Pictures" child here: it keeps its own key.
                "admx:machine\\onedrive\\silently move windows known folders to onedrive/pictures"
                    .to_owned(),
            ]
        );
        // Enabled is the catalog's option `_1`; a checked box is the child's `_1`.
        let enabled = &policy.settings[0].value;
        assert!(enabled.same_effect(&SettingValue::Integer(1)));
        assert_eq!(
            enabled.choice_option(),
            Some((format!("{prefix}_1").as_str(), Some("Enabled")))
        );
        assert!(
            policy.settings[2]
                .value
                .same_effect(&SettingValue::Integer(1))
        );
        assert_eq!(
            policy.settings[1].value,
            SettingValue::String("4f1b7f3c".to_owned())
        );
        assert!(policy.settings[..3].iter().all(|setting| setting.canonical));
        assert!(!policy.settings[3].canonical);

        // Disabled is `_0`, and its presentations are not settings.
        let disabled = read_with(
            &KNOWN_FOLDER_MOVE.replace("\"enabled\": true", "\"enabled\": false"),
            &definitions,
        );
        assert_eq!(disabled.settings.len(), 1);
        assert!(
            disabled.settings[0]
                .value
                .same_effect(&SettingValue::Integer(0))
        );
    }

    #[test]
    fn without_the_catalog_or_for_another_class_the_group_policy_key_stays() {
        let without = read_with(KNOWN_FOLDER_MOVE, &std::collections::BTreeMap::new());
        assert_eq!(
            without.settings[0].key.0,
            "admx:machine\\onedrive\\silently move windows known folders to onedrive"
        );
        assert_eq!(without.settings[0].value, SettingValue::Bool(true));
        let user_class = read_with(
            &KNOWN_FOLDER_MOVE.replace("\"classType\": \"machine\"", "\"classType\": \"user\""),
            &onedrive_definitions(),
        );
        assert!(user_class.settings[0].key.0.starts_with("admx:user\\"));
    }
}
