//! Normalizes endpoint security and security baseline policies on the template
//! model (`deviceManagementIntent`).
//!
//! An intent lists setting instances (`settingsDelta` in IntuneCD backups, `settings`
//! in Graph responses), each naming its definition as
//! `{category}--{templateType}_{property}`
//! (`deviceConfiguration--windows10EndpointProtectionConfiguration_firewallBlockStatefulFTP`)
//! with its value as JSON text in `valueJson`. The template type and property are
//! those of the legacy template the setting comes from, so an intent setting gets the
//! same key as the legacy profile's property and the two meet.

use preflight_parser::json::{Node, Value, parse};
use preflight_parser::{Document, InputProblem};

use crate::assignments::read_assignments;
use crate::legacy_table;
use crate::legacy_templates::{family_local_key, platform_of_template};
use crate::model::{Group, Policy, PolicyFamily, Setting, SettingKind, SettingScope, SettingValue};
use crate::reader::FieldReader;

/// Reads one intent document.
pub fn read_intent(
    document: &Document,
    groups: &mut Vec<Group>,
    problems: &mut Vec<InputProblem>,
) -> Option<Policy> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the endpoint security policy")?;
    let (name, id) = reader.policy_name_and_id(root, "the endpoint security policy");
    let instances = if root.get("settingsDelta").is_some() {
        reader.optional_array(root, "settingsDelta")
    } else {
        reader.optional_array(root, "settings")
    };
    let mut settings = Vec::new();
    let mut platforms = Vec::new();
    for instance in instances.unwrap_or_default() {
        if let Some(setting) = read_setting_instance(&mut reader, instance, &mut platforms) {
            settings.push(setting);
        }
    }
    platforms.sort();
    platforms.dedup();
    let assignments = root
        .get("assignments")
        .and_then(|node| read_assignments(&mut reader, node, groups));
    let name = name?;
    Some(Policy {
        id,
        name: name.into(),
        family: PolicyFamily::EndpointSecurityIntent,
        platforms,
        settings,
        assignments,
        source: reader.location_of_field(root, "displayName"),
    })
}

/// Reads a saved `intents('{id}')/settings` response: the owner's id, its settings,
/// and the platforms they name.
pub fn read_intent_settings_page(
    document: &Document,
    problems: &mut Vec<InputProblem>,
) -> Option<crate::SettingsPage> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the intent settings response")?;
    let owner = crate::owner_of_page(&mut reader, root)?;
    let mut settings = Vec::new();
    let mut platforms = Vec::new();
    for instance in reader.optional_array(root, "value").unwrap_or_default() {
        if let Some(setting) = read_setting_instance(&mut reader, instance, &mut platforms) {
            settings.push(setting);
        }
    }
    platforms.sort();
    platforms.dedup();
    Some(crate::SettingsPage {
        owner,
        file: document.file,
        settings,
        platforms,
    })
}

fn read_setting_instance(
    reader: &mut FieldReader<'_>,
    node: &Node,
    platforms: &mut Vec<crate::model::Platform>,
) -> Option<Setting> {
    let instance = reader.expect_object(node, "each setting of the intent")?;
    let definition_id = reader.required_str(instance, "definitionId", "the intent setting")?;
    let (template_type, property) = split_definition_id(definition_id)?;
    platforms.extend(platform_of_template(template_type));
    let value_node = instance.get("valueJson")?;
    let value_text = match &value_node.value {
        Value::String(text) => text,
        Value::Null => return None,
        _ => {
            reader.wrong_type(value_node, "valueJson", "a string of JSON");
            return None;
        }
    };
    let parsed = match parse(value_text) {
        Ok(parsed) => parsed,
        Err(error) => {
            reader.problem(
                value_node.span,
                format!(
                    "`valueJson` of `{definition_id}` is not JSON: {}",
                    error.message
                ),
            );
            return None;
        }
    };
    let value = configured_value(&parsed)?;
    let (key, scope, value, canonical) =
        match legacy_table::configuration_mapping(template_type, property) {
            Some(mapping) => (
                mapping.key.clone(),
                mapping.scope,
                legacy_table::translate_value(mapping, &value)?,
                true,
            ),
            None => (
                family_local_key(template_type, property),
                SettingScope::Device,
                value,
                false,
            ),
        };
    Some(Setting {
        key,
        name: property.to_owned(),
        value,
        scope,
        kind: SettingKind::Configuration,
        canonical,
        source: reader.location(value_node.span),
    })
}

/// `deviceConfiguration--windows10EndpointProtectionConfiguration_firewallBlockStatefulFTP`
/// → (`windows10EndpointProtectionConfiguration`, `firewallBlockStatefulFTP`).
fn split_definition_id(definition_id: &str) -> Option<(&str, &str)> {
    let (_, rest) = definition_id.split_once("--")?;
    rest.split_once('_')
}

/// The value of a parsed `valueJson`, skipping the values that mean "not configured"
/// exactly as the legacy template reader does, so the two families compare alike.
fn configured_value(node: &Node) -> Option<SettingValue> {
    match &node.value {
        Value::Null | Value::Bool(false) => None,
        Value::Bool(true) => Some(SettingValue::Bool(true)),
        Value::Number(number) => Some(match number.as_i64() {
            Some(integer) => SettingValue::Integer(integer),
            None => SettingValue::String(number.as_str().to_owned()),
        }),
        Value::String(text) if text.is_empty() || text.eq_ignore_ascii_case("notConfigured") => {
            None
        }
        Value::String(text) => Some(SettingValue::String(text.as_str().to_owned())),
        Value::Array(items) if items.is_empty() => None,
        Value::Array(items) => Some(SettingValue::List(
            items.iter().filter_map(configured_value).collect(),
        )),
        Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_parser::FileId;

    #[test]
    fn intent_settings_get_the_legacy_template_key() {
        let text = r##"{
            "displayName": "Firewall baseline",
            "templateId": "4356d05c-a4ab-4a07-9ece-739f7c792910",
            "settingsDelta": [
                {"@odata.type": "#microsoft.graph.deviceManagementBooleanSettingInstance",
                 "definitionId": "deviceConfiguration--windows10EndpointProtectionConfiguration_firewallBlockStatefulFTP",
                 "valueJson": "true"},
                {"@odata.type": "#microsoft.graph.deviceManagementIntegerSettingInstance",
                 "definitionId": "deviceConfiguration--windows10EndpointProtectionConfiguration_firewallIdleTimeoutForSecurityAssociationInSeconds",
                 "valueJson": "300"},
                {"@odata.type": "#microsoft.graph.deviceManagementBooleanSettingInstance",
                 "definitionId": "deviceConfiguration--windows10EndpointProtectionConfiguration_firewallIPSecExemptionsAllowNeighborDiscovery",
                 "valueJson": "null"},
                {"definitionId": "deviceConfiguration--windows10EndpointProtectionConfiguration_broken",
                 "valueJson": "{"}
            ]
        }"##;
        let document = Document::new(
            FileId(0),
            preflight_parser::DocumentKind::EndpointSecurityIntent,
            parse(text).expect("valid JSON"),
        );
        let mut problems = Vec::new();
        let policy = read_intent(&document, &mut Vec::new(), &mut problems).expect("a policy");
        let keys: Vec<(String, String)> = policy
            .settings
            .iter()
            .map(|setting| (setting.key.0.clone(), setting.value.to_string()))
            .collect();
        assert_eq!(
            keys,
            vec![
                // Both properties are in the legacy table: the intent setting meets
                // the CSP (and the settings catalog's firewall ids).
                (
                    "device_vendor_msft_firewall_mdmstore_global_disablestatefulftp".to_owned(),
                    "true".to_owned()
                ),
                (
                    "device_vendor_msft_firewall_mdmstore_global_saidletime".to_owned(),
                    "300".to_owned()
                ),
            ]
        );
        assert_eq!(policy.platforms, vec![crate::model::Platform::Windows]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("not JSON"));
    }
}
