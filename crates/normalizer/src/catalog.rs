//! Settings catalog definitions (`configurationSettings`, given with `--catalog`):
//! display names, option labels and applicability (platform, minimum OS version,
//! Windows editions) for the settings policies configure.
//!
//! After every document is read, [`apply_catalog`] gives settings their display
//! names and choice values their labels, and re-keys administrative template
//! settings onto the ADMX-backed settings catalog id with the same class and
//! display name, where exactly one exists, so an administrative template and a
//! settings catalog policy setting the same ADMX policy meet.

use std::collections::BTreeMap;

use preflight_parser::json::Node;
use preflight_parser::{Document, InputProblem};

use crate::keys::{key_from_base_and_offset_uri, key_from_catalog_id};
use crate::model::{
    Platform, PolicyFamily, SettingDefinition, SettingKey, SettingUsage, SettingValue, Tenant,
    ValueRange,
};
use crate::reader::FieldReader;

/// Reads one setting definition.
pub fn read_definition(
    document: &Document,
    problems: &mut Vec<InputProblem>,
) -> Option<SettingDefinition> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the setting definition")?;
    let id = reader.required_str(root, "id", "the setting definition")?;
    let key = key_from_catalog_id(id);
    let mut option_labels = BTreeMap::new();
    for option in reader.optional_array(root, "options").unwrap_or_default() {
        let (Some(item), Some(label)) = (
            option.get("itemId").and_then(Node::as_str),
            option.get("displayName").and_then(Node::as_str),
        ) else {
            continue;
        };
        option_labels.insert(item.to_lowercase(), label.to_owned());
    }
    let applicability = root.get("applicability");
    let text = |field: &str| {
        applicability
            .and_then(|node| node.get(field))
            .and_then(Node::as_str)
            .filter(|text| !text.trim().is_empty())
    };
    let mut platforms: Vec<Platform> = text("platform")
        .map(|words| {
            words
                .split(',')
                .filter_map(Platform::from_intune_name)
                .collect()
        })
        .unwrap_or_default();
    platforms.sort();
    platforms.dedup();
    let windows_skus = applicability
        .and_then(|node| node.get("windowsSkus"))
        .and_then(Node::as_array)
        .map(|skus| {
            skus.iter()
                .filter_map(Node::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let member_text = |field: &str| root.get(field).and_then(Node::as_str);
    let uri_key = match (member_text("baseUri"), member_text("offsetUri")) {
        (Some(base), Some(offset)) => {
            key_from_base_and_offset_uri(base, offset).map(|(uri_key, _)| uri_key)
        }
        _ => None,
    };
    let parent = root
        .get("dependentOn")
        .and_then(Node::as_array)
        .and_then(|parents| {
            parents.iter().find_map(|parent| {
                parent
                    .get("parentSettingId")
                    .and_then(Node::as_str)
                    .filter(|parent| !parent.trim().is_empty())
            })
        })
        .map(|parent| key_from_catalog_id(parent).0);
    // ADMX-backed definitions list their Group Policy category path among the
    // keywords, written with a leading backslash (`\Microsoft Edge\SmartScreen settings`).
    let category_path = root
        .get("keywords")
        .and_then(Node::as_array)
        .and_then(|keywords| {
            keywords
                .iter()
                .filter_map(Node::as_str)
                .find(|keyword| keyword.starts_with('\\'))
        })
        .map(str::to_owned);
    Some(SettingDefinition {
        id: key.0,
        display_name: member_text("displayName").map(str::to_owned),
        option_labels,
        platforms,
        minimum_version: text("minimumSupportedVersion").map(str::to_owned),
        windows_skus,
        uri_key,
        parent,
        category_path,
        value_range: value_range(root.get("valueDefinition")),
        maximum_count: root
            .get("maximumCount")
            .and_then(Node::as_number)
            .and_then(|number| number.as_i64())
            .and_then(|count| u64::try_from(count).ok()),
        usage: member_text("settingUsage").and_then(SettingUsage::from_catalog_text),
        source: reader.location(root.get("id").map_or(root.span, |node| node.span)),
    })
}

/// The integer range of an integer setting's `valueDefinition`, when it gives both
/// ends and they are in order.
fn value_range(value_definition: Option<&Node>) -> Option<ValueRange> {
    let value_definition = value_definition?;
    let bound = |field: &str| {
        value_definition
            .get(field)
            .and_then(Node::as_number)
            .and_then(|number| number.as_i64())
    };
    let (minimum, maximum) = (bound("minimumValue")?, bound("maximumValue")?);
    (minimum <= maximum).then_some(ValueRange { minimum, maximum })
}

/// Display names, option labels, and ADMX re-keying, from the definitions read.
pub fn apply_catalog(tenant: &mut Tenant) {
    if tenant.definitions.is_empty() {
        return;
    }
    let admx_by_name = admx_ids_by_display_name(&tenant.definitions);
    let definitions = &tenant.definitions;
    for policy in &mut tenant.policies {
        for setting in &mut policy.settings {
            if policy.family == PolicyFamily::AdministrativeTemplate
                && let Some(key) = admx_key(&admx_by_name, &setting.key, &setting.name)
            {
                setting.key = key;
                setting.canonical = true;
            }
            // The leaf id: the last segment of a nested key.
            let leaf = setting
                .key
                .0
                .rsplit('/')
                .next()
                .unwrap_or(&setting.key.0)
                .to_owned();
            let Some(definition) = definitions.get(&leaf) else {
                continue;
            };
            if let Some(display_name) = &definition.display_name {
                setting.name = display_name.clone();
            }
            label_choices(&mut setting.value, definition);
        }
    }
}

fn label_choices(value: &mut SettingValue, definition: &SettingDefinition) {
    match value {
        SettingValue::Choice { option, label, .. } => {
            if let Some(found) = definition.option_labels.get(option.as_str()) {
                *label = Some(found.clone());
            }
        }
        SettingValue::List(items) => {
            for item in items {
                label_choices(item, definition);
            }
        }
        _ => {}
    }
}

/// ADMX-backed catalog ids (`…~policy~…`) by (scope, lowercased display name);
/// names that more than one definition carries map to nothing.
fn admx_ids_by_display_name(
    definitions: &BTreeMap<String, SettingDefinition>,
) -> BTreeMap<(bool, String), Option<String>> {
    let mut by_name: BTreeMap<(bool, String), Option<String>> = BTreeMap::new();
    for definition in definitions.values() {
        let Some(name) = &definition.display_name else {
            continue;
        };
        if !definition.id.contains("~policy~") {
            continue;
        }
        let user = definition.id.starts_with("user_");
        by_name
            .entry((user, name.to_lowercase()))
            .and_modify(|existing| *existing = None)
            .or_insert_with(|| Some(definition.id.clone()));
    }
    by_name
}

/// The ADMX-backed catalog key for an administrative template's policy-state
/// setting (`admx:{class}\{category}\{name}`), when exactly one definition has
/// that class and display name.
fn admx_key(
    admx_by_name: &BTreeMap<(bool, String), Option<String>>,
    key: &SettingKey,
    name: &str,
) -> Option<SettingKey> {
    let rest = key.0.strip_prefix("admx:")?;
    if rest.contains('/') {
        // An option of the policy: its presentation is keyed differently in the
        // catalog, so it keeps its own key.
        return None;
    }
    let user = rest.starts_with("user\\");
    let id = admx_by_name.get(&(user, name.to_lowercase()))?.as_ref()?;
    Some(SettingKey(id.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_parser::{DocumentKind, FileId, json::parse};

    #[test]
    fn definitions_give_names_labels_and_applicability() {
        let document = Document {
            file: FileId(0),
            kind: DocumentKind::SettingDefinition,
            root: parse(
                r##"{
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingDefinition",
                    "id": "device_vendor_msft_policy_config_defender_allowrealtimemonitoring",
                    "displayName": "Allow Realtime Monitoring",
                    "baseUri": "./Device/Vendor/MSFT/Policy/Config/Defender",
                    "offsetUri": "AllowRealtimeMonitoring",
                    "applicability": {"platform": "windows10", "technologies": "mdm",
                                      "minimumSupportedVersion": "10.0.17763", "windowsSkus": []},
                    "options": [
                        {"itemId": "device_vendor_msft_policy_config_defender_allowrealtimemonitoring_0", "displayName": "Not allowed"},
                        {"itemId": "device_vendor_msft_policy_config_defender_allowrealtimemonitoring_1", "displayName": "Allowed"}
                    ]
                }"##,
            )
            .expect("valid JSON"),
        };
        let definition = read_definition(&document, &mut Vec::new()).expect("a definition");
        assert_eq!(
            definition.id,
            "device_vendor_msft_policy_config_defender_allowrealtimemonitoring"
        );
        assert_eq!(definition.platforms, vec![Platform::Windows]);
        assert_eq!(definition.minimum_version.as_deref(), Some("10.0.17763"));
        assert_eq!(
            definition
                .option_labels
                .get("device_vendor_msft_policy_config_defender_allowrealtimemonitoring_1")
                .map(String::as_str),
            Some("Allowed")
        );
        assert_eq!(
            definition.uri_key.map(|key| key.0),
            Some(definition.id.clone()),
            "baseUri + offsetUri meet the id"
        );
    }

    fn definition_of(text: &str) -> SettingDefinition {
        let document = Document {
            file: FileId(0),
            kind: DocumentKind::SettingDefinition,
            root: parse(text).expect("valid JSON"),
        };
        let mut problems = Vec::new();
        let definition = read_definition(&document, &mut problems).expect("a definition");
        assert!(problems.is_empty(), "{problems:?}");
        definition
    }

    #[test]
    fn ranges_parents_categories_counts_and_usage_are_read() {
        let definition = definition_of(
            r##"{
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingDefinition",
                "id": "device_vendor_msft_policy_config_admx_eventlog_channel_logmaxsize_3_channel_logmaxsize",
                "displayName": "Maximum Log Size (KB)",
                "baseUri": "./Device/Vendor/MSFT/Policy", "offsetUri": "/Config/ADMX_EventLog/Channel_LogMaxSize_3",
                "settingUsage": "configuration",
                "keywords": ["Channel_LogMaxSize", "\\Windows Components\\Event Log Service\\Setup"],
                "dependentOn": [{"dependentOn": "device_vendor_msft_policy_config_admx_eventlog_channel_logmaxsize_3_1",
                                 "parentSettingId": "device_vendor_msft_policy_config_admx_eventlog_channel_logmaxsize_3"}],
                "valueDefinition": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValueDefinition",
                                    "minimumValue": 1024, "maximumValue": 2147483647}
            }"##,
        );
        assert_eq!(
            definition.parent.as_deref(),
            Some("device_vendor_msft_policy_config_admx_eventlog_channel_logmaxsize_3")
        );
        // A presentation of an ADMX policy lives at the policy's path.
        assert_eq!(
            definition.uri_key.as_ref().map(|key| key.0.as_str()),
            definition.parent.as_deref()
        );
        assert_eq!(
            definition.category_path.as_deref(),
            Some("\\Windows Components\\Event Log Service\\Setup")
        );
        assert_eq!(definition.usage, Some(SettingUsage::Configuration));
        assert_eq!(
            definition.range_violated_by(&SettingValue::Integer(512)),
            Some(ValueRange {
                minimum: 1024,
                maximum: 2_147_483_647
            })
        );
        assert_eq!(
            definition.range_violated_by(&SettingValue::Integer(4096)),
            None
        );
        assert_eq!(
            definition.range_violated_by(&SettingValue::String("512".into())),
            None
        );

        let collection = definition_of(
            r##"{
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationSettingGroupCollectionDefinition",
                "id": "device_vendor_msft_policy_config_defender_attacksurfacereductionrules",
                "minimumCount": 0, "maximumCount": 1, "settingUsage": "configuration,compliance"
            }"##,
        );
        assert_eq!(collection.maximum_count, Some(1));
        assert_eq!(collection.value_range, None);
        assert_eq!(collection.uri_key, None);
        assert_eq!(
            collection.usage,
            Some(SettingUsage::ConfigurationAndCompliance)
        );
    }
}
