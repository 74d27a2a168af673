//! Normalizes settings catalog policies (`deviceManagementConfigurationPolicy`,
//! and the compliance policies built on the catalog, `deviceManagementCompliancePolicy`)
//! into canonical settings.
//!
//! A policy's `settings` is a list of setting instances; choice settings have
//! children, group settings hold children, and group setting collections hold
//! several instances of a group. Each leaf value becomes one [`Setting`]:
//! - top-level settings, children of choices and children of a group that holds
//!   one instance (a group setting, a dictionary-like collection such as attack
//!   surface reduction rules or an Apple payload) are keyed by their definition id,
//!   which the catalog makes unique;
//! - children of an item of a list-like collection (firewall rules, …) are keyed
//!   by the collection, the item's identity (a digest of its content) and their
//!   own id, `collection[#identity]/child`, so that two different items are never
//!   one setting and the same item in two policies is;
//! - lists are sets, ordered lists or merged lists.
//!
//! [`crate::collections`] says which collection is which and how lists compare.
//!
//! Compliance: a policy is a compliance policy when its `@odata.type` or
//! `@odata.context` names `compliancePolicies`, when it carries
//! `scheduledActionsForRule` (only compliance policies have actions for
//! noncompliance), when the document was found as a compliance policy, or when
//! every setting it configures is a compliance setting (the compliance table's
//! `deviceManagementCompliancePolicy` rows, or `settingUsage: compliance` in the
//! `--catalog` definitions; Linux compliance exports carry nothing else that tells).
//! Its settings are [`SettingKind::Compliance`]; those the compliance table maps get
//! its canonical key and strictness direction, the others are compared for
//! equality only.

use std::collections::BTreeMap;

use preflight_parser::json::Node;
use preflight_parser::{Document, InputProblem};

use crate::assignments::read_assignments;
use crate::collections::{
    CollectionShape, ListSemantics, collection_shape, item_identity, item_key, list_semantics,
};
use crate::legacy_table;
use crate::model::{
    Group, Platform, Policy, PolicyFamily, PolicyId, Setting, SettingDefinition, SettingKey,
    SettingKind, SettingUsage, SettingValue,
};
use crate::reader::FieldReader;
use crate::stable_hash::stable_hash;

const ODATA_PREFIX: &str = "#microsoft.graph.deviceManagementConfiguration";

/// The Graph type of compliance policies built on the settings catalog, under
/// which the compliance table lists their settings.
pub const CATALOG_COMPLIANCE_TYPE: &str = "deviceManagementCompliancePolicy";

/// Whether a settings catalog policy document is known to be a compliance policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatalogPolicyKind {
    /// Tell from the document (see the module documentation).
    Detect,
    /// The document was found as a compliance policy.
    Compliance,
}

/// Whether a document carries settings catalog `settings` (an array of setting
/// instances) rather than template properties.
pub fn has_catalog_settings(document: &Document) -> bool {
    document
        .root
        .get("settings")
        .and_then(Node::as_array)
        .is_some_and(|entries| {
            entries.iter().any(|entry| {
                entry
                    .get("settingInstance")
                    .unwrap_or(entry)
                    .get("settingDefinitionId")
                    .is_some()
            })
        })
}

/// Reads one settings catalog policy document. Groups described by the policy's
/// assignments (IntuneCD records name, type and rule) are appended to `groups`.
pub fn read_settings_catalog_policy(
    document: &Document,
    kind: CatalogPolicyKind,
    definitions: &BTreeMap<String, SettingDefinition>,
    groups: &mut Vec<Group>,
    problems: &mut Vec<InputProblem>,
) -> Option<Policy> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the policy")?;
    let name_node = root.get("name").or_else(|| root.get("displayName"));
    // A policy without a usable name is not analyzed, but the rest of it is
    // still read so that every wrong type in it is reported. IntuneCD writes
    // `name` for these; some compliance exports only `displayName`.
    let name = if root.get("name").is_none() && root.get("displayName").is_some() {
        reader.required_str(root, "displayName", "the settings catalog policy")
    } else {
        reader.required_str(root, "name", "the settings catalog policy")
    };
    let id = reader
        .optional_str(root, "id")
        .map(|id| PolicyId(id.into()));
    let platforms = read_platforms(&mut reader, root);

    let entries = reader.optional_array(root, "settings").unwrap_or_default();
    let compliance = match kind {
        CatalogPolicyKind::Compliance => true,
        CatalogPolicyKind::Detect => is_compliance_policy(root, entries, definitions),
    };
    let context = Context {
        definitions,
        compliance,
    };
    let settings = read_setting_entries(&mut reader, &context, entries);

    let assignments = root
        .get("assignments")
        .and_then(|node| read_assignments(&mut reader, node, groups));

    let name = name?;
    Some(Policy {
        id,
        name: name.into(),
        family: if compliance {
            PolicyFamily::Compliance
        } else {
            PolicyFamily::SettingsCatalog
        },
        platforms,
        settings,
        assignments,
        source: reader.location(name_node.map_or(root.span, |node| node.span)),
    })
}

/// Whether a settings catalog policy is a compliance policy (see the module
/// documentation for the signs).
fn is_compliance_policy(
    root: &Node,
    entries: &[Node],
    definitions: &BTreeMap<String, SettingDefinition>,
) -> bool {
    let names_compliance_policies = |field: &str| {
        root.get(field).and_then(Node::as_str).is_some_and(|text| {
            let text = text.to_ascii_lowercase();
            text.ends_with("devicemanagementcompliancepolicy")
                || (text.contains("/compliancepolicies")
                    && !text.contains("devicecompliancepolicies"))
        })
    };
    if names_compliance_policies("@odata.type")
        || names_compliance_policies("@odata.context")
        || root.get("scheduledActionsForRule").is_some()
    {
        return true;
    }
    let mut ids = entries
        .iter()
        .filter_map(|entry| {
            entry
                .get("settingInstance")
                .unwrap_or(entry)
                .get("settingDefinitionId")
                .and_then(Node::as_str)
        })
        .peekable();
    ids.peek().is_some()
        && ids.all(|id| {
            let key = crate::keys::key_from_catalog_id(id);
            legacy_table::compliance_mapping(CATALOG_COMPLIANCE_TYPE, &key.0).is_some()
                || definitions
                    .get(&key.0)
                    .is_some_and(|definition| definition.usage == Some(SettingUsage::Compliance))
        })
}

/// What every setting of one policy shares.
struct Context<'a> {
    definitions: &'a BTreeMap<String, SettingDefinition>,
    compliance: bool,
}

/// Reads the entries of a `settings` array (in a policy, or a saved `/settings`
/// response's `value`).
fn read_setting_entries(
    reader: &mut FieldReader<'_>,
    context: &Context<'_>,
    entries: &[Node],
) -> Vec<Setting> {
    let mut settings = Vec::new();
    for entry in entries {
        let Some(entry) = reader.expect_object(entry, "each entry of `settings`") else {
            continue;
        };
        // Graph nests the instance in `settingInstance`; some tools flatten it.
        let instance = entry.get("settingInstance").unwrap_or(entry);
        read_instance(
            reader,
            context,
            instance,
            &InstancePath::TOP_LEVEL,
            &mut settings,
        );
    }
    settings
}

/// Reads a saved `configurationPolicies('{id}')/settings` response: the id of the
/// policy it belongs to and its settings.
pub fn read_settings_page(
    document: &Document,
    definitions: &BTreeMap<String, SettingDefinition>,
    problems: &mut Vec<InputProblem>,
) -> Option<(PolicyId, Vec<Setting>)> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the settings response")?;
    let owner = crate::owner_of_page(&mut reader, root)?;
    let entries = reader.optional_array(root, "value").unwrap_or_default();
    let context = Context {
        definitions,
        compliance: false,
    };
    Some((owner, read_setting_entries(&mut reader, &context, entries)))
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
#[derive(Clone, Debug)]
struct InstancePath {
    /// `None` at top level (and in groups that hold one instance there): keyed by
    /// the setting's own id. `Some(prefix)`: inside an item of a list-like
    /// collection, keyed `{prefix}/{id}`; the prefix is empty while the item is
    /// read and its identity is not known yet.
    prefix: Option<String>,
}

impl InstancePath {
    const TOP_LEVEL: InstancePath = InstancePath { prefix: None };

    fn key_for(&self, definition_id: &str) -> String {
        match &self.prefix {
            None => definition_id.to_owned(),
            Some(prefix) => format!("{prefix}/{definition_id}"),
        }
    }
}

fn read_instance(
    reader: &mut FieldReader<'_>,
    context: &Context<'_>,
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
        top_level: path.prefix.is_none(),
    };

    // The value member tells the instance kind even when `@odata.type` was stripped.
    if let Some(value) = instance.get("choiceSettingValue") {
        read_choice(reader, context, value, &leaf, path, settings);
    } else if let Some(value) = instance.get("simpleSettingValue") {
        if let Some(typed) = read_simple_value(reader, value, &definition_id) {
            settings.push(leaf.setting(reader, context, typed, value_span(value)));
        }
    } else if let Some(values) = instance.get("simpleSettingCollectionValue") {
        read_list(
            reader,
            context,
            values,
            &leaf,
            path,
            settings,
            |reader, item| read_simple_value(reader, item, &definition_id),
        );
    } else if let Some(values) = instance.get("choiceSettingCollectionValue") {
        read_list(
            reader,
            context,
            values,
            &leaf,
            path,
            settings,
            |reader, item| read_choice_option(reader, item, &raw_id),
        );
    } else if let Some(value) = instance.get("groupSettingValue") {
        // A group holds one instance: its children sit where the group sits.
        read_group_children(reader, context, value, path, settings);
    } else if let Some(values) = instance.get("groupSettingCollectionValue") {
        let Some(items) = values.as_array() else {
            reader.wrong_type(values, "groupSettingCollectionValue", "an array");
            return;
        };
        read_group_collection(reader, context, items, &leaf, path, settings);
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

/// The items of a group setting collection: the children of a single-instance
/// collection sit where the collection sits; each item of a list-like collection
/// is keyed by its identity (see [`crate::collections`]).
fn read_group_collection(
    reader: &mut FieldReader<'_>,
    context: &Context<'_>,
    items: &[Node],
    leaf: &LeafContext<'_>,
    path: &InstancePath,
    settings: &mut Vec<Setting>,
) {
    let child_ids: Vec<&str> = items
        .iter()
        .filter_map(|item| item.get("children").and_then(Node::as_array))
        .flatten()
        .filter_map(|child| child.get("settingDefinitionId").and_then(Node::as_str))
        .collect();
    let maximum_count = context
        .definitions
        .get(leaf.definition_id)
        .and_then(|definition| definition.maximum_count);
    let shape = collection_shape(
        leaf.definition_id,
        items.len(),
        child_ids.iter().map(|id| id.trim()),
        maximum_count,
    );
    for item in items {
        match shape {
            CollectionShape::SingleInstance => {
                read_group_children(reader, context, item, path, settings);
            }
            CollectionShape::List => {
                let mut item_settings = Vec::new();
                let in_item = InstancePath {
                    prefix: Some(String::new()),
                };
                read_group_children(reader, context, item, &in_item, &mut item_settings);
                let identity = item_identity(
                    item_settings
                        .iter()
                        .map(|setting| (setting.key.0.as_str(), &setting.value)),
                );
                let item_prefix = item_key(leaf.key, &identity);
                for mut setting in item_settings {
                    setting.key = SettingKey(format!("{item_prefix}{}", setting.key.0));
                    settings.push(setting);
                }
            }
        }
    }
}

/// The key and ids of the setting being read.
struct LeafContext<'a> {
    key: &'a str,
    /// The canonical definition id (with the scope a device-only CSP implies).
    definition_id: &'a str,
    /// The definition id as written, lowercased: choice option ids extend it.
    raw_id: &'a str,
    /// Whether the setting is keyed by its own id (not inside a collection item).
    top_level: bool,
}

impl LeafContext<'_> {
    fn setting(
        &self,
        reader: &FieldReader<'_>,
        context: &Context<'_>,
        value: SettingValue,
        span: preflight_parser::Span,
    ) -> Setting {
        let (key, kind) = if context.compliance {
            // The compliance table's canonical key, for a setting keyed by its own id.
            let mapped = self
                .top_level
                .then(|| {
                    legacy_table::compliance_mapping(CATALOG_COMPLIANCE_TYPE, self.definition_id)
                })
                .flatten()
                .map(|mapping| mapping.key.clone());
            (
                mapped.unwrap_or_else(|| SettingKey(self.key.to_owned())),
                SettingKind::Compliance,
            )
        } else {
            (SettingKey(self.key.to_owned()), SettingKind::Configuration)
        };
        Setting {
            key,
            name: self.definition_id.to_owned(),
            value,
            scope: crate::keys::scope_of_catalog_id(self.definition_id),
            kind,
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
/// their own id, inside a collection item under that item.
fn read_choice(
    reader: &mut FieldReader<'_>,
    context: &Context<'_>,
    value: &Node,
    leaf: &LeafContext<'_>,
    path: &InstancePath,
    settings: &mut Vec<Setting>,
) {
    if let Some(option) = read_choice_option(reader, value, leaf.raw_id) {
        settings.push(leaf.setting(reader, context, option, value_span(value)));
    }
    for child in reader.optional_array(value, "children").unwrap_or_default() {
        read_instance(reader, context, child, path, settings);
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

/// A simple or choice setting collection: one list setting (a set, or an ordered
/// list), or, for lists Intune merges across policies, one setting per item.
fn read_list(
    reader: &mut FieldReader<'_>,
    context: &Context<'_>,
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
    let mut read_items: Vec<(SettingValue, preflight_parser::Span)> = Vec::new();
    for item in items {
        if let Some(value) = read_item(reader, item) {
            read_items.push((value, value_span(item)));
        }
    }
    match list_semantics(&SettingKey(leaf.key.to_owned())) {
        ListSemantics::Set => {
            let list = read_items.into_iter().map(|(value, _)| value).collect();
            settings.push(leaf.setting(reader, context, SettingValue::List(list), values.span));
        }
        ListSemantics::Ordered => {
            let list = read_items.into_iter().map(|(value, _)| value).collect();
            settings.push(leaf.setting(
                reader,
                context,
                SettingValue::OrderedList(list),
                values.span,
            ));
        }
        ListSemantics::Merged { .. } => {
            for (value, span) in read_items {
                let mut setting = leaf.setting(reader, context, value, span);
                let identity = item_identity([("", &setting.value)]);
                setting.key = SettingKey(item_key(&setting.key.0, &identity));
                settings.push(setting);
            }
        }
    }
    // Children of choices inside a choice collection are settings of their own.
    for item in items {
        if item.as_object().is_none() {
            continue;
        }
        for child in reader.optional_array(item, "children").unwrap_or_default() {
            read_instance(reader, context, child, path, settings);
        }
    }
}

fn read_group_children(
    reader: &mut FieldReader<'_>,
    context: &Context<'_>,
    group_value: &Node,
    path: &InstancePath,
    settings: &mut Vec<Setting>,
) {
    if reader
        .expect_object(group_value, "a group setting value")
        .is_none()
    {
        return;
    }
    for child in reader
        .optional_array(group_value, "children")
        .unwrap_or_default()
    {
        read_instance(reader, context, child, path, settings);
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
        let document = Document::new(
            FileId(0),
            preflight_parser::DocumentKind::SettingsCatalogPolicy,
            json::parse(text).expect("valid JSON"),
        );
        let mut groups = Vec::new();
        let mut problems = Vec::new();
        let policy = read_settings_catalog_policy(
            &document,
            CatalogPolicyKind::Detect,
            &BTreeMap::new(),
            &mut groups,
            &mut problems,
        );
        (policy, groups, problems)
    }

    fn keys_and_values(policy: &Policy) -> Vec<(String, String)> {
        policy
            .settings
            .iter()
            .map(|setting| (setting.key.0.clone(), setting.value.to_string()))
            .collect()
    }

    /// A Windows policy with the given `settings` entries.
    fn windows_policy(settings: &str) -> Policy {
        let (policy, _, problems) = read(&format!(
            r##"{{"name": "Win", "platforms": "windows10", "technologies": "mdm", "settings": [{settings}]}}"##
        ));
        assert!(problems.is_empty(), "{problems:?}");
        policy.expect("policy")
    }

    fn firewall_rule(name: &str, action: &str) -> String {
        let id = "vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}";
        format!(
            r##"{{"children": [
              {{"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                "settingDefinitionId": "{id}_name",
                "simpleSettingValue": {{"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue", "value": "{name}"}}}},
              {{"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                "settingDefinitionId": "{id}_action_type",
                "choiceSettingValue": {{"value": "{id}_action_type_{action}", "children": []}}}}]}}"##
        )
    }

    fn firewall_rules(items: &[String]) -> String {
        format!(
            r##"{{"settingInstance": {{"@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
              "settingDefinitionId": "vendor_msft_firewall_mdmstore_firewallrules_{{firewallrulename}}",
              "groupSettingCollectionValue": [{}]}}}}"##,
            items.join(",")
        )
    }

    fn keys(policy: &Policy) -> Vec<String> {
        policy
            .settings
            .iter()
            .map(|setting| setting.key.0.clone())
            .collect()
    }

    #[test]
    fn collection_items_are_keyed_by_their_content_not_their_position() {
        let rdp = firewall_rule("Allow RDP", "1");
        let ssh = firewall_rule("Allow SSH", "1");
        let first = windows_policy(&firewall_rules(std::slice::from_ref(&rdp)));
        let second = windows_policy(&firewall_rules(std::slice::from_ref(&ssh)));
        // Two different rules, each at index 0: no key in common, so no conflict.
        assert!(
            keys(&first).iter().all(|key| !keys(&second).contains(key)),
            "{:?} {:?}",
            keys(&first),
            keys(&second)
        );
        assert!(
            keys(&first)[0].starts_with(
                "device_vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}[#"
            ),
            "{:?}",
            keys(&first)
        );
        assert!(keys(&first)[0].ends_with(
            "]/device_vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}_name"
        ));
        // The same rules in another policy, in another order: the same keys.
        let both = windows_policy(&firewall_rules(&[ssh.clone(), rdp.clone()]));
        let mut expected = keys(&second);
        expected.extend(keys(&first));
        assert_eq!(keys(&both), expected);
        let reordered = windows_policy(&firewall_rules(&[rdp.clone(), ssh]));
        let mut sorted_both = keys(&both);
        let mut sorted_reordered = keys(&reordered);
        sorted_both.sort();
        sorted_reordered.sort();
        assert_eq!(sorted_both, sorted_reordered);
        // A rule that differs in one child is another item.
        let blocked_rdp = windows_policy(&firewall_rules(&[firewall_rule("Allow RDP", "0")]));
        assert_ne!(keys(&blocked_rdp)[0], keys(&first)[0]);
    }

    #[test]
    fn single_instance_collections_key_children_by_their_own_ids() {
        let asr = |value: &str| {
            windows_policy(&format!(
                r##"{{"settingInstance": {{"@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
                  "settingDefinitionId": "device_vendor_msft_policy_config_defender_attacksurfacereductionrules",
                  "groupSettingCollectionValue": [{{"children": [
                    {{"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
                      "settingDefinitionId": "device_vendor_msft_policy_config_defender_attacksurfacereductionrules_blockexecutionofpotentiallyobfuscatedscripts",
                      "choiceSettingValue": {{"value": "device_vendor_msft_policy_config_defender_attacksurfacereductionrules_blockexecutionofpotentiallyobfuscatedscripts_{value}", "children": []}}}}]}}]}}}}"##
            ))
        };
        let block = asr("block");
        let audit = asr("audit");
        // One rule set two ways: one key, two values, so a conflict.
        assert_eq!(
            keys(&block),
            vec![
                "device_vendor_msft_policy_config_defender_attacksurfacereductionrules_blockexecutionofpotentiallyobfuscatedscripts"
                    .to_owned()
            ]
        );
        assert_eq!(keys(&block), keys(&audit));
        assert!(
            !block.settings[0]
                .value
                .same_effect(&audit.settings[0].value)
        );
    }

    const APPLE_PAYLOAD: &str = r##"{
      "name": "macOS - Restrictions", "platforms": "macOS", "technologies": "mdm,appleRemoteManagement",
      "settings": [{"settingInstance": {
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
        "settingDefinitionId": "com.apple.applicationaccess_com.apple.applicationaccess",
        "groupSettingCollectionValue": [
          {"children": [{"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
             "settingDefinitionId": "com.apple.applicationaccess_allowcamera",
             "choiceSettingValue": {"value": "com.apple.applicationaccess_allowcamera_false", "children": []}}]}
        ]}}]
    }"##;

    #[test]
    fn apple_payload_settings_meet_the_legacy_restriction() {
        let (policy, _, problems) = read(APPLE_PAYLOAD);
        assert!(problems.is_empty(), "{problems:?}");
        let policy = policy.expect("policy");
        assert_eq!(policy.platforms, vec![Platform::MacOs]);
        let legacy =
            legacy_table::configuration_mapping("iosGeneralDeviceConfiguration", "cameraBlocked")
                .expect("the iOS camera restriction is mapped");
        assert_eq!(policy.settings[0].key, legacy.key);
        let blocked =
            legacy_table::translate_value(legacy, &SettingValue::Bool(true)).expect("a value");
        assert!(policy.settings[0].value.same_effect(&blocked));
        assert_eq!(
            policy.assignments, None,
            "no `assignments` member: unknown, not empty"
        );
    }

    #[test]
    fn merged_lists_are_one_setting_per_item_and_ordered_lists_keep_order() {
        let collection = |id: &str, values: &[&str]| {
            let items: Vec<String> = values
                .iter()
                .map(|value| {
                    format!(
                        r##"{{"@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue", "value": "{value}"}}"##
                    )
                })
                .collect();
            format!(
                r##"{{"settingInstance": {{"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance",
                  "settingDefinitionId": "{id}", "simpleSettingCollectionValue": [{}]}}}}"##,
                items.join(",")
            )
        };
        let paths = "device_vendor_msft_policy_config_defender_excludedpaths";
        let first = windows_policy(&collection(paths, &["C:\\\\a", "C:\\\\b"]));
        let second = windows_policy(&collection(paths, &["C:\\\\b"]));
        assert_eq!(first.settings.len(), 2);
        assert_eq!(first.settings[1].key, second.settings[0].key);
        assert_ne!(first.settings[0].key, second.settings[0].key);
        assert_eq!(
            first.settings[1].value,
            SettingValue::String("C:\\b".to_owned())
        );

        let suites = "device_vendor_msft_policy_config_cryptography_tlsciphersuites";
        let preferred = windows_policy(&collection(
            suites,
            &["TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"],
        ));
        let swapped = windows_policy(&collection(
            suites,
            &["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384"],
        ));
        assert!(matches!(
            preferred.settings[0].value,
            SettingValue::OrderedList(_)
        ));
        assert!(
            !preferred.settings[0]
                .value
                .same_effect(&swapped.settings[0].value)
        );

        let set = "device_vendor_msft_policy_config_update_list";
        let forward = windows_policy(&collection(set, &["a", "b"]));
        let backward = windows_policy(&collection(set, &["b", "a", "a"]));
        assert!(
            forward.settings[0]
                .value
                .same_effect(&backward.settings[0].value)
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

    const LINUX_COMPLIANCE: &str = r##"{
      "name": "Linux Compliance", "platforms": "linux", "technologies": "linuxMdm",
      "settings": [
        {"settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
          "settingDefinitionId": "linux_deviceencryption_required",
          "choiceSettingValue": {"value": "linux_deviceencryption_required_true", "children": []}}},
        {"settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
          "settingDefinitionId": "linux_passwordpolicy_minimumlength",
          "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue", "value": 12}}}
      ]
    }"##;

    #[test]
    fn linux_compliance_on_the_catalog_is_compliance() {
        let (policy, _, problems) = read(LINUX_COMPLIANCE);
        assert!(problems.is_empty(), "{problems:?}");
        let policy = policy.expect("policy");
        assert_eq!(policy.family, PolicyFamily::Compliance);
        assert_eq!(policy.platforms, vec![Platform::Linux]);
        assert!(
            policy
                .settings
                .iter()
                .all(|setting| setting.kind == SettingKind::Compliance)
        );
        // Mapped requirements get the shared compliance key and its direction.
        assert_eq!(
            keys(&policy),
            vec![
                "compliance_storagerequireencryption".to_owned(),
                "compliance_passwordminimumlength".to_owned()
            ]
        );
        assert!(legacy_table::compliance_direction(&policy.settings[1].key).is_some());
    }

    #[test]
    fn compliance_policies_are_told_by_type_context_actions_or_document_kind() {
        let unknown_setting = r##"{"settingInstance": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
            "settingDefinitionId": "linux_some_future_rule",
            "simpleSettingValue": {"@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue", "value": 1}}}"##;
        let with = |extra: &str| {
            read(&format!(
                r##"{{"name": "P", "platforms": "linux", "technologies": "linuxMdm", {extra} "settings": [{unknown_setting}]}}"##
            ))
            .0
            .expect("policy")
        };
        assert_eq!(with("").family, PolicyFamily::SettingsCatalog);
        assert_eq!(
            with(r##""@odata.type": "#microsoft.graph.deviceManagementCompliancePolicy","##).family,
            PolicyFamily::Compliance
        );
        assert_eq!(
            with(r##""@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/compliancePolicies/$entity","##).family,
            PolicyFamily::Compliance
        );
        let actions = with(r##""scheduledActionsForRule": [{"ruleName": null}],"##);
        assert_eq!(actions.family, PolicyFamily::Compliance);
        assert_eq!(actions.settings[0].kind, SettingKind::Compliance);
        assert_eq!(
            actions.settings[0].key.0, "linux_some_future_rule",
            "unmapped: its own id"
        );

        let document = Document::new(
            FileId(0),
            preflight_parser::DocumentKind::CompliancePolicy,
            json::parse(&format!(
                r##"{{"name": "P", "platforms": "linux", "technologies": "linuxMdm", "settings": [{unknown_setting}]}}"##
            ))
            .expect("valid JSON"),
        );
        assert!(has_catalog_settings(&document));
        let policy = read_settings_catalog_policy(
            &document,
            CatalogPolicyKind::Compliance,
            &BTreeMap::new(),
            &mut Vec::new(),
            &mut Vec::new(),
        )
        .expect("policy");
        assert_eq!(policy.family, PolicyFamily::Compliance);
        assert_eq!(policy.settings[0].kind, SettingKind::Compliance);
        // A Windows configuration policy stays configuration.
        assert_eq!(windows_policy("").family, PolicyFamily::SettingsCatalog);
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
