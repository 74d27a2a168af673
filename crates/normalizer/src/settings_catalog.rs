//! Normalizes settings catalog policies (`deviceManagementConfigurationPolicy`)
//! into canonical settings.
//!
//! A policy's `settings` is a list of setting instances; choice settings have
//! children, group settings hold children, and group setting collections hold
//! several instances of a group. Each leaf value becomes one [`Setting`]:
//! - top-level settings and children of choices are keyed by their definition id,
//!   which the catalog makes unique;
//! - children of a group are keyed by the group's key and their own id,
//!   `parent/child`; children of the n-th item of a group collection by
//!   `parent[n]/child`, so that two items of one list are never one setting.

use preflight_parser::json::Node;
use preflight_parser::{Document, InputProblem};

use crate::assignments::read_assignments;
use crate::model::{
    Group, Platform, Policy, PolicyFamily, PolicyId, Setting, SettingKey, SettingKind, SettingValue,
};
use crate::reader::FieldReader;
use crate::stable_hash::stable_hash;

const ODATA_PREFIX: &str = "#microsoft.graph.deviceManagementConfiguration";

/// Reads one settings catalog policy document. Groups described by the policy's
/// assignments (IntuneCD records name, type and rule) are appended to `groups`.
pub fn read_settings_catalog_policy(
    document: &Document,
    groups: &mut Vec<Group>,
    problems: &mut Vec<InputProblem>,
) -> Option<Policy> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the policy")?;
    let name_node = root.get("name");
    // A policy without a usable name is not analyzed, but the rest of it is
    // still read so that every wrong type in it is reported.
    let name = reader.required_str(root, "name", "the settings catalog policy");
    let id = reader
        .optional_str(root, "id")
        .map(|id| PolicyId(id.to_owned()));
    let platforms = read_platforms(&mut reader, root);

    let entries = reader.optional_array(root, "settings").unwrap_or_default();
    let settings = read_setting_entries(&mut reader, entries);

    let assignments = root
        .get("assignments")
        .and_then(|node| read_assignments(&mut reader, node, groups));

    let name = name?;
    Some(Policy {
        id,
        name: name.to_owned(),
        family: PolicyFamily::SettingsCatalog,
        platforms,
        settings,
        assignments,
        source: reader.location(name_node.map_or(root.span, |node| node.span)),
    })
}

/// Reads the entries of a `settings` array (in a policy, or a saved `/settings`
/// response's `value`).
fn read_setting_entries(reader: &mut FieldReader<'_>, entries: &[Node]) -> Vec<Setting> {
    let mut settings = Vec::new();
    for entry in entries {
        let Some(entry) = reader.expect_object(entry, "each entry of `settings`") else {
            continue;
        };
        // Graph nests the instance in `settingInstance`; some tools flatten it.
        let instance = entry.get("settingInstance").unwrap_or(entry);
        read_instance(reader, instance, &InstancePath::TopLevel, &mut settings);
    }
    settings
}

/// Reads a saved `configurationPolicies('{id}')/settings` response: the id of the
/// policy it belongs to and its settings.
pub fn read_settings_page(
    document: &Document,
    problems: &mut Vec<InputProblem>,
) -> Option<(PolicyId, Vec<Setting>)> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the settings response")?;
    let owner = crate::owner_of_page(&mut reader, root)?;
    let entries = reader.optional_array(root, "value").unwrap_or_default();
    Some((owner, read_setting_entries(&mut reader, entries)))
}

fn read_platforms(reader: &mut FieldReader<'_>, root: &Node) -> Vec<Platform> {
    let Some(text) = reader.optional_str(root, "platforms") else {
        return Vec::new();
    };
    let mut platforms: Vec<Platform> = text
        .split(',')
        .filter_map(Platform::from_intune_name)
        .collect();
    platforms.sort();
    platforms.dedup();
    platforms
}

/// Where a setting instance sits: what its key is built from.
enum InstancePath {
    /// A top-level setting or the child of a choice: keyed by its own id.
    TopLevel,
    /// A child of a group (or of an item of a group collection): keyed under `prefix`.
    InGroup { prefix: String },
}

impl InstancePath {
    fn key_for(&self, definition_id: &str) -> String {
        match self {
            InstancePath::TopLevel => definition_id.to_owned(),
            InstancePath::InGroup { prefix } => format!("{prefix}/{definition_id}"),
        }
    }
}

fn read_instance(
    reader: &mut FieldReader<'_>,
    instance: &Node,
    path: &InstancePath,
    settings: &mut Vec<Setting>,
) {
    let Some(instance) = reader.expect_object(instance, "a setting instance") else {
        return;
    };
    let Some(definition_id) =
        reader.required_str(instance, "settingDefinitionId", "the setting instance")
    else {
        return;
    };
    // The raw id (lowercased) is what choice option ids extend
    // (`vendor_msft_firewall_…_crlcheck` → `vendor_msft_firewall_…_crlcheck_1`);
    // the canonical key may add a scope (`device_vendor_msft_…`).
    let raw_id = definition_id.trim().to_lowercase();
    let definition_id = crate::keys::key_from_catalog_id(definition_id).0;
    let key = path.key_for(&definition_id);
    let instance_type = reader
        .optional_str(instance, "@odata.type")
        .map(|odata_type| {
            odata_type
                .strip_prefix(ODATA_PREFIX)
                .unwrap_or(odata_type)
                .to_owned()
        });
    let leaf = LeafContext {
        key: &key,
        definition_id: &definition_id,
        raw_id: &raw_id,
    };

    // The value member tells the instance kind even when `@odata.type` was stripped.
    if let Some(value) = instance.get("choiceSettingValue") {
        read_choice(reader, value, &leaf, path, settings);
    } else if let Some(value) = instance.get("simpleSettingValue") {
        if let Some(typed) = read_simple_value(reader, value, &definition_id) {
            settings.push(leaf.setting(reader, typed, value_span(value)));
        }
    } else if let Some(values) = instance.get("simpleSettingCollectionValue") {
        read_list(reader, values, &leaf, path, settings, |reader, item| {
            read_simple_value(reader, item, &definition_id)
        });
    } else if let Some(values) = instance.get("choiceSettingCollectionValue") {
        read_list(reader, values, &leaf, path, settings, |reader, item| {
            read_choice_option(reader, item, &raw_id)
        });
    } else if let Some(value) = instance.get("groupSettingValue") {
        read_group_children(reader, value, key.clone(), settings);
    } else if let Some(values) = instance.get("groupSettingCollectionValue") {
        let Some(items) = values.as_array() else {
            reader.wrong_type(values, "groupSettingCollectionValue", "an array");
            return;
        };
        for (index, item) in items.iter().enumerate() {
            read_group_children(reader, item, format!("{key}[{index}]"), settings);
        }
    } else {
        let described = instance_type.unwrap_or_else(|| "without `@odata.type`".to_owned());
        reader.problem(
            instance.span,
            format!(
                "setting instance `{definition_id}` ({described}) has no value preflight can read"
            ),
        );
    }
}

/// The key and ids of the setting being read.
struct LeafContext<'a> {
    key: &'a str,
    /// The canonical definition id (with the scope a device-only CSP implies).
    definition_id: &'a str,
    /// The definition id as written, lowercased: choice option ids extend it.
    raw_id: &'a str,
}

impl LeafContext<'_> {
    fn setting(
        &self,
        reader: &FieldReader<'_>,
        value: SettingValue,
        span: preflight_parser::Span,
    ) -> Setting {
        Setting {
            key: SettingKey(self.key.to_owned()),
            name: self.definition_id.to_owned(),
            value,
            scope: crate::keys::scope_of_catalog_id(self.definition_id),
            kind: SettingKind::Configuration,
            canonical: true,
            source: reader.location(span),
        }
    }
}

/// The span of a value object's `value` member, or of the whole object.
fn value_span(value: &Node) -> preflight_parser::Span {
    value.get("value").map_or(value.span, |node| node.span)
}

/// Children of a choice sit where the choice sits: at top level they are keyed by
/// their own id, inside a group item under that item.
fn read_choice(
    reader: &mut FieldReader<'_>,
    value: &Node,
    leaf: &LeafContext<'_>,
    path: &InstancePath,
    settings: &mut Vec<Setting>,
) {
    if let Some(option) = read_choice_option(reader, value, leaf.raw_id) {
        settings.push(leaf.setting(reader, option, value_span(value)));
    }
    for child in reader.optional_array(value, "children").unwrap_or_default() {
        read_instance(reader, child, path, settings);
    }
}

/// A choice option. `raw_id` is the definition id as written (lowercased), which
/// option ids extend with `_{value}`.
fn read_choice_option(
    reader: &mut FieldReader<'_>,
    value: &Node,
    raw_id: &str,
) -> Option<SettingValue> {
    reader.expect_object(value, "a choice setting value")?;
    let option = reader
        .required_str(value, "value", "the choice setting value")?
        .to_ascii_lowercase();
    let short = option
        .strip_prefix(raw_id)
        .and_then(|rest| rest.strip_prefix('_'))
        .map(str::to_owned);
    Some(SettingValue::Choice {
        option,
        short,
        label: None,
    })
}

fn read_simple_value(
    reader: &mut FieldReader<'_>,
    value: &Node,
    definition_id: &str,
) -> Option<SettingValue> {
    reader.expect_object(value, "a simple setting value")?;
    let odata_type = reader
        .optional_str(value, "@odata.type")
        .unwrap_or_default();
    let Some(inner) = value.get("value") else {
        reader.problem(
            value.span,
            format!("the value of setting `{definition_id}` has no `value`"),
        );
        return None;
    };
    if odata_type.ends_with("SecretSettingValue") {
        let text = inner
            .as_str()
            .map_or_else(|| format!("{:?}", inner.value), str::to_owned);
        return Some(SettingValue::Secret {
            digest: stable_hash(&text),
        });
    }
    if let Some(number) = inner.as_number() {
        return match number.as_i64() {
            Some(integer) => Some(SettingValue::Integer(integer)),
            None => {
                reader.problem(
                    inner.span,
                    format!("the integer `{}` is out of range", number.as_str()),
                );
                None
            }
        };
    }
    if let Some(text) = inner.as_str() {
        // An integer setting value written as a string ("15") is still an integer.
        if odata_type.ends_with("IntegerSettingValue") {
            if let Ok(integer) = text.trim().parse() {
                return Some(SettingValue::Integer(integer));
            }
            reader.problem(inner.span, format!("expected an integer, found `{text}`"));
            return None;
        }
        return Some(SettingValue::String(text.to_owned()));
    }
    if let Some(flag) = inner.as_bool() {
        return Some(SettingValue::Bool(flag));
    }
    reader.wrong_type(inner, "value", "a string, a number or a boolean");
    None
}

fn read_list(
    reader: &mut FieldReader<'_>,
    values: &Node,
    leaf: &LeafContext<'_>,
    path: &InstancePath,
    settings: &mut Vec<Setting>,
    mut read_item: impl FnMut(&mut FieldReader<'_>, &Node) -> Option<SettingValue>,
) {
    let Some(items) = values.as_array() else {
        reader.wrong_type(values, "the setting collection", "an array");
        return;
    };
    let list = items
        .iter()
        .filter_map(|item| read_item(reader, item))
        .collect();
    settings.push(leaf.setting(reader, SettingValue::List(list), values.span));
    // Children of choices inside a choice collection are settings of their own.
    for item in items {
        if item.as_object().is_none() {
            continue;
        }
        for child in reader.optional_array(item, "children").unwrap_or_default() {
            read_instance(reader, child, path, settings);
        }
    }
}

fn read_group_children(
    reader: &mut FieldReader<'_>,
    group_value: &Node,
    prefix: String,
    settings: &mut Vec<Setting>,
) {
    if reader
        .expect_object(group_value, "a group setting value")
        .is_none()
    {
        return;
    }
    let path = InstancePath::InGroup { prefix };
    for child in reader
        .optional_array(group_value, "children")
        .unwrap_or_default()
    {
        read_instance(reader, child, &path, settings);
    }
}

#[cfg(test)]
mod tests {
    use preflight_parser::{FileId, json};

    use super::*;
    use crate::model::{
        AssignmentFilterUse, AssignmentTarget, FilterId, FilterMode, GroupId, GroupMembership,
    };

    fn read(text: &str) -> (Option<Policy>, Vec<Group>, Vec<InputProblem>) {
        let document = Document {
            file: FileId(0),
            kind: preflight_parser::DocumentKind::SettingsCatalogPolicy,
            root: json::parse(text).expect("valid JSON"),
        };
        let mut groups = Vec::new();
        let mut problems = Vec::new();
        let policy = read_settings_catalog_policy(&document, &mut groups, &mut problems);
        (policy, groups, problems)
    }

    fn keys_and_values(policy: &Policy) -> Vec<(String, String)> {
        policy
            .settings
            .iter()
            .map(|setting| (setting.key.0.clone(), setting.value.to_string()))
            .collect()
    }

    const NESTED: &str = r##"{
      "name": "macOS - Firewall", "platforms": "macOS", "technologies": "mdm,appleRemoteManagement",
      "settings": [{"settingInstance": {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
        "settingDefinitionId": "com.apple.security.firewall_com.apple.security.firewall",
        "groupSettingCollectionValue": [
          {"children": [{"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
             "settingDefinitionId": "com.apple.security.firewall_enablefirewall",
             "choiceSettingValue": {"value": "com.apple.security.firewall_enablefirewall_true", "children": []}}]},
          {"children": [{"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
             "settingDefinitionId": "com.apple.security.firewall_note",
             "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue", "value": "second item"}}]}
        ]}}]
    }"##;

    #[test]
    fn group_collection_items_get_their_own_keys() {
        let (policy, _, problems) = read(NESTED);
        assert!(problems.is_empty(), "{problems:?}");
        let policy = policy.expect("policy");
        assert_eq!(policy.platforms, vec![Platform::MacOs]);
        assert_eq!(
            keys_and_values(&policy),
            vec![
                (
                    "com.apple.security.firewall_com.apple.security.firewall[0]/com.apple.security.firewall_enablefirewall".to_owned(),
                    "true".to_owned()
                ),
                (
                    "com.apple.security.firewall_com.apple.security.firewall[1]/com.apple.security.firewall_note".to_owned(),
                    "\"second item\"".to_owned()
                ),
            ]
        );
        assert_eq!(
            policy.assignments, None,
            "no `assignments` member: unknown, not empty"
        );
    }

    #[test]
    fn choice_children_integers_secrets_and_collections() {
        let (policy, _, problems) = read(
            r##"{"name": "Win - LAPS", "platforms": "windows10", "technologies": "mdm", "settings": [
              {"settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                "settingDefinitionId": "device_vendor_msft_laps_policies_backupdirectory",
                "choiceSettingValue": {"value": "device_vendor_msft_laps_policies_backupdirectory_1", "children": [
                  {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                   "settingDefinitionId": "device_vendor_msft_laps_policies_passwordagedays_aad",
                   "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue", "value": 30}}]}}},
              {"settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                "settingDefinitionId": "user_vendor_msft_policy_config_wifi_psk",
                "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSecretSettingValue", "value": "hunter2", "valueState": "notEncrypted"}}},
              {"settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance",
                "settingDefinitionId": "device_vendor_msft_policy_config_update_list",
                "simpleSettingCollectionValue": [
                  {"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue", "value": "a"},
                  {"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue", "value": "b"}]}}
            ]}"##,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let policy = policy.expect("policy");
        assert_eq!(
            keys_and_values(&policy),
            vec![
                (
                    "device_vendor_msft_laps_policies_backupdirectory".to_owned(),
                    "1".to_owned()
                ),
                (
                    "device_vendor_msft_laps_policies_passwordagedays_aad".to_owned(),
                    "30".to_owned()
                ),
                (
                    "user_vendor_msft_policy_config_wifi_psk".to_owned(),
                    "<secret>".to_owned()
                ),
                (
                    "device_vendor_msft_policy_config_update_list".to_owned(),
                    "[\"a\", \"b\"]".to_owned()
                ),
            ]
        );
        assert_eq!(policy.settings[2].scope, crate::model::SettingScope::User);
        assert_eq!(policy.settings[0].scope, crate::model::SettingScope::Device);
    }

    #[test]
    fn intunecd_assignments_describe_groups_and_filters() {
        let (policy, groups, problems) = read(
            r##"{"name": "Win - A", "platforms": "windows10", "technologies": "mdm", "settings": [],
              "assignments": [
                {"intent": "apply", "target": {"@odata.type": "#microsoft.graph.groupAssignmentTarget",
                  "deviceAndAppManagementAssignmentFilterId": "Windows 11 devices",
                  "deviceAndAppManagementAssignmentFilterType": "include",
                  "groupName": "Dev", "groupType": "DynamicMembership", "membershipRule": "(device.displayName -startsWith \"DEV-\")"}},
                {"intent": "apply", "target": {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget",
                  "groupName": "Kiosks", "groupType": "StaticMembership"}},
                {"target": {"@odata.type": "#microsoft.graph.allLicensedUsersAssignmentTarget"}}
              ]}"##,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let assignments = policy.expect("policy").assignments.expect("assignments");
        assert_eq!(assignments.len(), 3);
        assert_eq!(
            assignments[0].target,
            AssignmentTarget::IncludeGroup(GroupId("Dev".into()))
        );
        assert_eq!(
            assignments[0].filter,
            Some(AssignmentFilterUse {
                filter: FilterId("Windows 11 devices".into()),
                mode: FilterMode::Include
            })
        );
        assert_eq!(
            assignments[1].target,
            AssignmentTarget::ExcludeGroup(GroupId("Kiosks".into()))
        );
        assert_eq!(assignments[2].target, AssignmentTarget::AllUsers);
        assert_eq!(groups.len(), 2);
        assert!(matches!(
            groups[0].membership,
            GroupMembership::Dynamic { .. }
        ));
        assert_eq!(
            groups[0].member_kind(),
            Some(crate::model::MemberKind::Devices)
        );
        assert_eq!(groups[1].membership, GroupMembership::Static);
    }

    #[test]
    fn wrong_types_are_reported_and_the_rest_is_read() {
        let (policy, _, problems) = read(
            r##"{"name": "Win - Broken", "platforms": "windows10", "technologies": "mdm", "settings": [
              42,
              {"settingInstance": {"settingDefinitionId": "device_x", "choiceSettingValue": {"value": 1}}},
              {"settingInstance": {"settingDefinitionId": "device_y", "somethingNew": {}}},
              {"settingInstance": {"settingDefinitionId": "device_z",
                "choiceSettingValue": {"value": "device_z_0", "children": []}}}
            ], "assignments": [{"target": {"@odata.type": "#microsoft.graph.configurationManagerCollectionAssignmentTarget"}}]}"##,
        );
        let messages: Vec<&str> = problems
            .iter()
            .map(|problem| problem.message.as_str())
            .collect();
        assert_eq!(
            messages,
            vec![
                "expected each entry of `settings` to be an object, found a number",
                "expected `value` to be a string, found a number",
                "setting instance `device_y` (without `@odata.type`) has no value preflight can read",
                "assignment target `configurationManagerCollectionAssignmentTarget` is not understood; this assignment is ignored",
            ]
        );
        let policy = policy.expect("policy");
        assert_eq!(
            keys_and_values(&policy),
            vec![("device_z".to_owned(), "0".to_owned())]
        );
    }

    #[test]
    fn unscoped_device_ids_decode_their_options() {
        // Firewall ids carry no scope; the key gains `device_`, the option id does not.
        let (policy, _, problems) = read(
            r##"{"name": "Win - Firewall", "platforms": "windows10", "technologies": "mdm,microsoftSense", "settings": [
              {"settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                "settingDefinitionId": "vendor_msft_firewall_mdmstore_global_crlcheck",
                "choiceSettingValue": {"value": "vendor_msft_firewall_mdmstore_global_crlcheck_1", "children": []}}}
            ]}"##,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let setting = &policy.expect("policy").settings[0];
        let (uri_key, _) =
            crate::keys::key_from_oma_uri("./Vendor/MSFT/Firewall/MdmStore/Global/CRLcheck")
                .expect("a CSP path");
        assert_eq!(setting.key, uri_key);
        assert!(matches!(
            &setting.value,
            SettingValue::Choice { short: Some(short), .. } if short == "1"
        ));
        assert!(setting.value.same_effect(&SettingValue::Integer(1)));
        assert!(!setting.value.same_effect(&SettingValue::Integer(2)));
    }

    #[test]
    fn setting_spans_point_at_the_value() {
        let text = r##"{"name": "Win", "platforms": "windows10", "technologies": "mdm", "settings": [
          {"settingInstance": {"settingDefinitionId": "device_z", "choiceSettingValue": {"value": "device_z_1"}}}]}"##;
        let (policy, _, _) = read(text);
        let setting = &policy.expect("policy").settings[0];
        assert_eq!(&text[setting.source.span.range()], "\"device_z_1\"");
    }
}
