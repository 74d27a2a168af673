//! Settings catalog definitions (`configurationSettings`, given with `--catalog`):
//! display names, option labels and applicability (platform, minimum OS version,
//! Windows editions) for the settings policies configure.
//!
//! Definitions are read before policies, so that keying can use them: the shape of
//! group setting collections ([`crate::collections`]), compliance usage, and the
//! ADMX-backed catalog ids of administrative template settings ([`AdmxIndex`]).
//! After every document is read, [`apply_catalog`] gives settings their display
//! names and choice values their labels, and re-keys custom profile OMA-URIs onto
//! the definition whose CSP path (`baseUri` + `offsetUri`) they write where the
//! catalog names the setting otherwise (a `{tenantid}` node, say).

use std::collections::BTreeMap;

use preflight_parser::json::Node;
use preflight_parser::{Document, InputProblem};

use crate::keys::{key_from_base_and_offset_uri, key_from_catalog_id, matches_placeholders};
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
        source: reader.location_of_field(root, "id"),
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

/// Display names and option labels from the definitions read, and OMA-URI
/// settings re-keyed onto the definition whose CSP path they write.
pub fn apply_catalog(tenant: &mut Tenant) {
    if tenant.definitions.is_empty() {
        return;
    }
    let paths = PathIndex::new(&tenant.definitions);
    let definitions = &tenant.definitions;
    for policy in &mut tenant.policies {
        for setting in &mut policy.settings {
            if policy.family == PolicyFamily::CustomProfile
                && !definitions.contains_key(&setting.key.0)
                && let Some(id) = paths.definition_of(&setting.key)
            {
                setting.key = SettingKey(id.to_owned());
            }
            let Some(definition) = definitions.get(leaf_id(&setting.key)) else {
                continue;
            };
            if let Some(display_name) = &definition.display_name {
                setting.name = display_name.clone();
            }
            label_choices(&mut setting.value, definition);
        }
    }
}

/// The definition id a (possibly nested) key ends in: the last `/` segment,
/// without the item identity of a merged list (`…_excludedpaths[#…]`).
fn leaf_id(key: &SettingKey) -> &str {
    let leaf = key.0.rsplit('/').next().unwrap_or(&key.0);
    match leaf.rfind("[#") {
        Some(start) if leaf.ends_with(']') => &leaf[..start],
        _ => leaf,
    }
}

/// Top-level definitions by the key of their CSP path (`baseUri` + `offsetUri`),
/// where it differs from their id: a custom profile writes the path, the catalog
/// names the setting otherwise.
struct PathIndex<'a> {
    /// Exact path keys; several definitions at one path (LAPS `_aad` variants,
    /// ADMX presentations) make the path ambiguous.
    exact: BTreeMap<&'a str, Vec<&'a str>>,
    /// Ids with a `{node}` placeholder (`…_passportforwork_{tenantid}_…`), which
    /// an OMA-URI writes with the node's name.
    patterns: Vec<&'a str>,
}

impl<'a> PathIndex<'a> {
    fn new(definitions: &'a BTreeMap<String, SettingDefinition>) -> Self {
        let mut exact: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        let mut patterns = Vec::new();
        for definition in definitions.values() {
            let Some(uri_key) = &definition.uri_key else {
                continue;
            };
            if definition.parent.is_some() || uri_key.0 == definition.id {
                continue;
            }
            exact
                .entry(uri_key.0.as_str())
                .or_default()
                .push(definition.id.as_str());
        }
        for definition in definitions.values() {
            if definition.id.contains('{') && definition.parent.is_none() {
                patterns.push(definition.id.as_str());
            }
        }
        Self { exact, patterns }
    }

    /// The one definition `key` (from an OMA-URI) writes, if exactly one does.
    fn definition_of(&self, key: &SettingKey) -> Option<&'a str> {
        if let Some(ids) = self.exact.get(key.0.as_str()) {
            return match ids.as_slice() {
                [id] => Some(id),
                _ => None,
            };
        }
        let mut matching = self
            .patterns
            .iter()
            .copied()
            .filter(|pattern| matches_placeholders(pattern, &key.0));
        let first = matching.next()?;
        matching.next().is_none().then_some(first)
    }
}

fn label_choices(value: &mut SettingValue, definition: &SettingDefinition) {
    match value {
        SettingValue::Choice { option, label, .. } => {
            if let Some(found) = definition.option_labels.get(option.as_str()) {
                *label = Some(found.clone());
            }
        }
        SettingValue::List(items) | SettingValue::OrderedList(items) => {
            for item in items {
                label_choices(item, definition);
            }
        }
        _ => {}
    }
}

/// ADMX-backed settings catalog definitions by Group Policy identity (scope,
/// category path, display name), and their presentations, for keying
/// administrative templates onto the catalog.
///
/// The catalog id of an ADMX-backed setting is formed from names the ADMX file
/// uses internally: `{scope}_vendor_msft_policy_config_` + the app and category
/// ids (`microsoft_edge~policy~microsoft_edge~smartscreen`, or `admx_{file}` for
/// Windows' own ADMX) + `_` + the policy name (`smartscreenenabled`). An
/// administrative template's definition (Graph `groupPolicyDefinition`) carries
/// none of those names, only the class, category path and display name, which
/// the catalog definitions list as keywords and display name. So the mapping
/// needs `--catalog`.
pub struct AdmxIndex<'a> {
    // INVARIANT: `None` marks a (scope, category, name) that several definitions carry.
    policies: BTreeMap<(bool, String, String), Option<&'a SettingDefinition>>,
    children: BTreeMap<&'a str, Vec<&'a SettingDefinition>>,
}

impl<'a> AdmxIndex<'a> {
    /// The index of `definitions` (empty without `--catalog`).
    pub fn new(definitions: &'a BTreeMap<String, SettingDefinition>) -> Self {
        let mut policies: BTreeMap<(bool, String, String), Option<&SettingDefinition>> =
            BTreeMap::new();
        let mut children: BTreeMap<&str, Vec<&SettingDefinition>> = BTreeMap::new();
        for definition in definitions.values() {
            if let Some(parent) = &definition.parent {
                children
                    .entry(parent.as_str())
                    .or_default()
                    .push(definition);
                continue;
            }
            let (Some(category), Some(name)) =
                (&definition.category_path, &definition.display_name)
            else {
                continue;
            };
            let enabled_and_disabled = ["_0", "_1"].iter().all(|suffix| {
                definition
                    .option_labels
                    .contains_key(&format!("{}{suffix}", definition.id))
            });
            if !enabled_and_disabled {
                continue;
            }
            let user = definition.id.starts_with("user_");
            policies
                .entry((user, normalize_category(category), normalize_label(name)))
                .and_modify(|existing| *existing = None)
                .or_insert(Some(definition));
        }
        Self { policies, children }
    }

    /// The ADMX-backed definition of the Group Policy setting of `class`
    /// (`user` or else machine), `category` path and `display_name`, when exactly
    /// one definition has them.
    pub fn policy(
        &self,
        user: bool,
        category: &str,
        display_name: &str,
    ) -> Option<&'a SettingDefinition> {
        *self.policies.get(&(
            user,
            normalize_category(category),
            normalize_label(display_name),
        ))?
    }

    /// The presentation of `policy` labelled `label`, when exactly one child
    /// definition has that display name (`Home page URL (Device)` matches the
    /// presentation `Home page URL`).
    pub fn presentation(
        &self,
        policy: &SettingDefinition,
        label: &str,
    ) -> Option<&'a SettingDefinition> {
        let wanted = normalize_label(label);
        let mut matching = self
            .children
            .get(policy.id.as_str())?
            .iter()
            .filter(|child| {
                child
                    .display_name
                    .as_deref()
                    .is_some_and(|name| normalize_label(name) == wanted)
            });
        let first = matching.next()?;
        matching.next().is_none().then_some(*first)
    }
}

/// `\Windows Components\OneDrive\` → `windows components\onedrive`.
fn normalize_category(category: &str) -> String {
    category.trim().trim_matches('\\').to_lowercase()
}

/// A display name or presentation label without case, surrounding space, a
/// final colon or the ` (Device)` / ` (User)` the catalog adds to settings of
/// both classes.
fn normalize_label(label: &str) -> String {
    let mut label = label.trim().to_lowercase();
    for suffix in [" (device)", " (user)"] {
        if let Some(stripped) = label.strip_suffix(suffix) {
            label = stripped.trim_end().to_owned();
        }
    }
    label.trim_end_matches(':').trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_parser::{DocumentKind, FileId, json::parse};

    #[test]
    fn definitions_give_names_labels_and_applicability() {
        let document = Document::new(
            FileId(0),
            DocumentKind::SettingDefinition,
            parse(
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
        );
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
        let document = Document::new(
            FileId(0),
            DocumentKind::SettingDefinition,
            parse(text).expect("valid JSON"),
        );
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

    #[test]
    fn oma_uris_meet_definitions_whose_path_has_a_placeholder() {
        let definition = definition_of(
            r##"{
                "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingDefinition",
                "id": "device_vendor_msft_passportforwork_{tenantid}_policies_usepassportforwork",
                "displayName": "Use Windows Hello For Business",
                "baseUri": "./Device/Vendor/MSFT/PassportForWork", "offsetUri": "/{TenantId}/Policies/UsePassportForWork",
                "options": [{"itemId": "device_vendor_msft_passportforwork_{tenantid}_policies_usepassportforwork_true", "displayName": "true"}]
            }"##,
        );
        let document = Document::new(
            FileId(0),
            DocumentKind::DeviceConfiguration,
            parse(
                r##"{"@odata.type": "#microsoft.graph.windows10CustomConfiguration", "displayName": "Custom WHfB",
                  "omaSettings": [{"@odata.type": "#microsoft.graph.omaSettingBoolean",
                    "omaUri": "./Device/Vendor/MSFT/PassportForWork/72f988bf-86f1-41af-91ab-2d7cd011db47/Policies/UsePassportForWork",
                    "value": true}]}"##,
            )
            .expect("valid JSON"),
        );
        let policy = crate::legacy_templates::read_template_policy(
            &document,
            crate::legacy_templates::TemplateKind::Configuration,
            &mut Vec::new(),
            &mut Vec::new(),
        )
        .expect("a policy");
        let mut tenant = Tenant {
            policies: vec![policy],
            ..Tenant::default()
        };
        tenant.definitions.insert(definition.id.clone(), definition);
        apply_catalog(&mut tenant);
        let setting = &tenant.policies[0].settings[0];
        assert_eq!(
            setting.key.0,
            "device_vendor_msft_passportforwork_{tenantid}_policies_usepassportforwork"
        );
        assert_eq!(setting.name, "Use Windows Hello For Business");
        assert!(setting.value.same_effect(&SettingValue::Bool(true)));
    }

    #[test]
    fn merged_list_items_get_their_definition_name() {
        assert_eq!(
            leaf_id(&SettingKey(
                "device_vendor_msft_policy_config_defender_excludedpaths[#0123456789abcdef]".into()
            )),
            "device_vendor_msft_policy_config_defender_excludedpaths"
        );
        assert_eq!(leaf_id(&SettingKey("a[#1]/b".into())), "b");
    }
}
