//! How settings that hold several values are keyed and compared: lists (simple
//! and choice setting collections) and group setting collections.
//!
//! # Lists
//!
//! A list is one setting whose value holds every item. How two lists compare
//! depends on what the setting does ([`list_semantics`]):
//!
//! - **Set** (the default): the order of the items has no effect, so lists are
//!   compared sorted and without duplicates ([`SettingValue::List`]).
//! - **Ordered**: the order is part of the effect (the priority of TLS cipher
//!   suites, the layout of the iOS Home Screen), so lists are compared item by
//!   item, in order ([`SettingValue::OrderedList`]). The catalog definitions do
//!   not say whether order matters, so this is a built-in list of settings whose
//!   documentation says it does; every other list is a set.
//! - **Merged**: Intune merges the lists of every policy that reaches a device into
//!   one superset (Defender exclusions: "Policy merge for settings" in
//!   <https://learn.microsoft.com/en-us/mem/intune/protect/endpoint-security-antivirus-policy>),
//!   so two policies with different lists do not conflict. Each item becomes a
//!   setting of its own, keyed by the list's key and the item's identity
//!   (`{key}[#{identity}]`, see [`item_key`]): the same item in two policies is a
//!   duplicate, different items are different settings. The OMA-URI form of these
//!   CSPs is one string with `|` between the items; it is split the same way.
//!
//! # Group setting collections
//!
//! A group setting collection holds instances of a group of child settings. It is
//! one of two shapes ([`CollectionShape`]):
//!
//! - **Single instance**: the collection holds at most one instance, a dictionary
//!   whose children are settings in their own right: attack surface reduction rules
//!   (each rule is a child, and Intune reports a conflict when two policies set one
//!   rule differently: "Merge behavior for Attack surface reduction rules" in
//!   <https://learn.microsoft.com/en-us/mem/intune/protect/endpoint-security-asr-policy>),
//!   Windows Hello for Business (`passportforwork_{tenantid}`), Apple payloads
//!   (`com.apple.applicationaccess_com.apple.applicationaccess`). The children are
//!   keyed where the collection sits, by their own definition ids, which the catalog
//!   makes unique; so an Apple restriction meets the same restriction from a legacy
//!   profile, and two policies that set one ASR rule differently conflict.
//! - **List**: every instance is an item (firewall rules, local group
//!   memberships, Linux allowed distributions). Intune applies the items of every
//!   policy side by side, so an item is identified by what it holds, not by its
//!   position: its children are keyed `{collection}[#{identity}]/{child}`, where the
//!   identity is a digest of the item's normalized content ([`item_identity`]). The
//!   same firewall rule in two policies is a duplicate; two different rules are
//!   different settings and never conflict; reordering the items changes no key.
//!
//! Which shape a collection has: the catalog definition's `maximumCount` when
//! `--catalog` gives it (1: single instance); otherwise a collection instance with
//! more than one item is a list; otherwise the built-in knowledge below (known
//! single-instance collections, the Apple payload naming, `_item_` children of
//! lists); otherwise a list, because treating a list as a dictionary would report
//! false conflicts between unrelated items.

use crate::model::{Policy, Setting, SettingKey, SettingValue};
use crate::stable_hash::StableHasher;

/// How the items of a list setting compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListSemantics {
    /// Order does not matter; compared as a set.
    Set,
    /// Order is part of the effect; compared in order.
    Ordered,
    /// Intune merges the lists of all policies; each item is a setting of its own.
    /// `delimiter` separates the items in the OMA-URI string form.
    Merged {
        /// What separates items in the one-string (OMA-URI) form.
        delimiter: char,
    },
}

/// List settings whose order is part of their effect (compared ignoring case).
const ORDERED_LISTS: [&str; 3] = [
    // "SSL cipher suites are prioritized in the order specified."
    // https://learn.microsoft.com/en-us/windows/client-management/mdm/policy-csp-cryptography#tlsciphersuites
    "device_vendor_msft_policy_config_cryptography_tlsciphersuites",
    // The iOS/iPadOS Home Screen layout: the dock's apps and the pages, in the
    // order they appear.
    // https://learn.microsoft.com/en-us/mem/intune/configuration/ios-device-features-settings#home-screen-layout
    "iosDeviceFeaturesConfiguration.homeScreenDockIcons",
    "iosDeviceFeaturesConfiguration.homeScreenPages",
];

/// List settings Intune merges across policies, with the delimiter of their
/// OMA-URI string form. Source: "Settings and CSPs that support policy merge",
/// https://learn.microsoft.com/en-us/mem/intune/protect/endpoint-security-antivirus-policy#policy-merge-for-settings
const MERGED_LISTS: [(&str, char); 3] = [
    (
        "device_vendor_msft_policy_config_defender_excludedpaths",
        '|',
    ),
    (
        "device_vendor_msft_policy_config_defender_excludedextensions",
        '|',
    ),
    (
        "device_vendor_msft_policy_config_defender_excludedprocesses",
        '|',
    ),
];

/// Group setting collections that hold at most one instance (their catalog
/// definitions say `maximumCount: 1`), known without `--catalog`.
const SINGLE_INSTANCE_COLLECTIONS: [&str; 6] = [
    "device_vendor_msft_policy_config_defender_attacksurfacereductionrules",
    "device_vendor_msft_policy_config_defender_threatseveritydefaultaction",
    "device_vendor_msft_dmclient_provider_{providerid}",
    "device_vendor_msft_passportforwork_{tenantid}",
    "user_vendor_msft_passportforwork_{tenantid}",
    "device_vendor_msft_policy_config_localusersandgroups_configure_groupconfiguration_accessgroup",
];

/// How the list setting with `key` compares.
pub fn list_semantics(key: &SettingKey) -> ListSemantics {
    let key = key.0.as_str();
    if ORDERED_LISTS
        .iter()
        .any(|ordered| ordered.eq_ignore_ascii_case(key))
    {
        return ListSemantics::Ordered;
    }
    MERGED_LISTS
        .iter()
        .find(|(merged, _)| merged.eq_ignore_ascii_case(key))
        .map_or(ListSemantics::Set, |&(_, delimiter)| {
            ListSemantics::Merged { delimiter }
        })
}

/// The two shapes of a group setting collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollectionShape {
    /// At most one instance: its children are settings of their own, keyed where
    /// the collection sits.
    SingleInstance,
    /// Every instance is an item, identified by its content.
    List,
}

/// The shape of the group setting collection `definition_id` (canonical,
/// lowercased) holding `item_count` instances whose children have `child_ids`.
/// `maximum_count` is the catalog definition's, when `--catalog` gave it.
pub fn collection_shape<'a>(
    definition_id: &str,
    item_count: usize,
    child_ids: impl IntoIterator<Item = &'a str>,
    maximum_count: Option<u64>,
) -> CollectionShape {
    if let Some(maximum) = maximum_count {
        return if maximum <= 1 {
            CollectionShape::SingleInstance
        } else {
            CollectionShape::List
        };
    }
    if item_count > 1 {
        return CollectionShape::List;
    }
    if SINGLE_INSTANCE_COLLECTIONS.contains(&definition_id) {
        return CollectionShape::SingleInstance;
    }
    let children_are_items = child_ids.into_iter().any(|child| child.contains("_item_"));
    if is_apple_payload(definition_id) && !children_are_items {
        return CollectionShape::SingleInstance;
    }
    CollectionShape::List
}

/// Whether `definition_id` names a whole Apple payload: the payload type, `_`,
/// and the payload type again, perhaps with a suffix
/// (`com.apple.applicationaccess_com.apple.applicationaccess`,
/// `com.apple.mcx_com.apple.mcx-accounts`, `loginwindow_loginwindow`).
fn is_apple_payload(definition_id: &str) -> bool {
    if definition_id.starts_with("device_") || definition_id.starts_with("user_") {
        return false;
    }
    definition_id
        .split_once('_')
        .is_some_and(|(payload, rest)| !payload.is_empty() && rest.starts_with(payload))
}

/// The identity of a collection item or list item: a digest of its content, as
/// `(relative key, value)` pairs. The pairs are sorted first, so the order in
/// which an export writes the children does not matter; values are compared
/// [normalized](SettingValue::normalized).
pub fn item_identity<'a>(content: impl IntoIterator<Item = (&'a str, &'a SettingValue)>) -> String {
    let mut parts: Vec<(&str, String)> = content
        .into_iter()
        .map(|(key, value)| (key, value.identity_text()))
        .collect();
    parts.sort();
    let mut hasher = StableHasher::default();
    for (key, value) in &parts {
        hasher.add(key).add(value);
    }
    format!("{:016x}", hasher.finish())
}

/// The key of an item of the collection or merged list `key`: `{key}[#{identity}]`.
pub fn item_key(key: &str, identity: &str) -> String {
    format!("{key}[#{identity}]")
}

/// Gives the lists of every family the semantics of their setting: ordered
/// lists become [`SettingValue::OrderedList`] (the settings catalog reader does
/// this itself), and the one-string (OMA-URI) form of merged lists is split into
/// one setting per item, keyed as the settings catalog keys its items, so a
/// custom profile's `C:\a|C:\b` meets a catalog policy's list holding `C:\b`.
pub fn apply_list_semantics(policies: &mut [Policy]) {
    for policy in policies.iter_mut() {
        for setting in &mut policy.settings {
            if let SettingValue::List(items) = &mut setting.value
                && list_semantics(&setting.key) == ListSemantics::Ordered
            {
                setting.value = SettingValue::OrderedList(std::mem::take(items));
            }
        }
    }
    split_merged_strings(policies);
}

fn split_merged_strings(policies: &mut [Policy]) {
    for policy in policies {
        let needs_split = policy.settings.iter().any(|setting| {
            matches!(setting.value, SettingValue::String(_))
                && matches!(list_semantics(&setting.key), ListSemantics::Merged { .. })
        });
        if !needs_split {
            continue;
        }
        let settings = std::mem::take(&mut policy.settings);
        for setting in settings {
            let (ListSemantics::Merged { delimiter }, SettingValue::String(text)) =
                (list_semantics(&setting.key), &setting.value)
            else {
                policy.settings.push(setting);
                continue;
            };
            let items: Vec<String> = text
                .split(delimiter)
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect();
            for item in items {
                let value = SettingValue::String(item);
                let identity = item_identity([("", &value)]);
                policy.settings.push(Setting {
                    key: SettingKey(item_key(&setting.key.0, &identity)),
                    value,
                    ..setting.clone()
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_default_to_sets_and_known_ones_keep_order_or_merge() {
        assert_eq!(
            list_semantics(&SettingKey(
                "device_vendor_msft_policy_config_update_list".into()
            )),
            ListSemantics::Set
        );
        assert_eq!(
            list_semantics(&SettingKey(
                "device_vendor_msft_policy_config_cryptography_tlsciphersuites".into()
            )),
            ListSemantics::Ordered
        );
        assert_eq!(
            list_semantics(&SettingKey(
                "device_vendor_msft_policy_config_defender_excludedpaths".into()
            )),
            ListSemantics::Merged { delimiter: '|' }
        );
    }

    #[test]
    fn shapes_of_collections() {
        let asr = "device_vendor_msft_policy_config_defender_attacksurfacereductionrules";
        let firewall_rules =
            "device_vendor_msft_firewall_mdmstore_firewallrules_{firewallrulename}";
        let payload = "com.apple.applicationaccess_com.apple.applicationaccess";
        let distributions = "linux_distribution_alloweddistros";
        let none: [&str; 0] = [];
        assert_eq!(
            collection_shape(asr, 1, none, None),
            CollectionShape::SingleInstance
        );
        assert_eq!(
            collection_shape(firewall_rules, 1, none, None),
            CollectionShape::List
        );
        assert_eq!(
            collection_shape(
                payload,
                1,
                ["com.apple.applicationaccess_allowcamera"],
                None
            ),
            CollectionShape::SingleInstance
        );
        assert_eq!(
            collection_shape(payload, 2, none, None),
            CollectionShape::List,
            "two instances: a list whatever the name says"
        );
        assert_eq!(
            collection_shape(
                "com.apple.servicemanagement_com.apple.servicemanagement.rules",
                1,
                ["com.apple.servicemanagement_rules_item_ruletype"],
                None
            ),
            CollectionShape::List,
            "`_item_` children are list items"
        );
        assert_eq!(
            collection_shape(distributions, 1, none, None),
            CollectionShape::List
        );
        // The catalog decides when it is given.
        assert_eq!(
            collection_shape(firewall_rules, 1, none, Some(1)),
            CollectionShape::SingleInstance
        );
        assert_eq!(
            collection_shape(asr, 1, none, Some(100)),
            CollectionShape::List
        );
    }

    #[test]
    fn oma_uri_strings_of_merged_lists_split_into_the_catalog_item_keys() {
        use preflight_parser::{Document, DocumentKind, FileId, json::parse};
        let document = Document::new(
            FileId(0),
            DocumentKind::DeviceConfiguration,
            parse(
                r##"{"@odata.type": "#microsoft.graph.windows10CustomConfiguration", "displayName": "Custom",
                  "omaSettings": [{"@odata.type": "#microsoft.graph.omaSettingString",
                    "omaUri": "./Device/Vendor/MSFT/Policy/Config/Defender/ExcludedPaths", "value": "C:\\a| C:\\b |"}]}"##,
            )
            .expect("valid JSON"),
        );
        let mut policies: Vec<Policy> = crate::legacy_templates::read_template_policy(
            &document,
            crate::legacy_templates::TemplateKind::Configuration,
            &mut Vec::new(),
            &mut Vec::new(),
        )
        .into_iter()
        .collect();
        apply_list_semantics(&mut policies);
        let settings = &policies[0].settings;
        assert_eq!(settings.len(), 2);
        let item = SettingValue::String("C:\\b".to_owned());
        let expected = item_key(
            "device_vendor_msft_policy_config_defender_excludedpaths",
            &item_identity([("", &item)]),
        );
        assert_eq!(settings[1].key.0, expected);
        assert_eq!(settings[1].value, item);
    }

    #[test]
    fn legacy_lists_of_ordered_settings_keep_their_order() {
        use preflight_parser::{Document, DocumentKind, FileId, json::parse};
        let read = |dock: &str| {
            let document = Document::new(
                FileId(0),
                DocumentKind::DeviceConfiguration,
                parse(&format!(
                    r##"{{"@odata.type": "#microsoft.graph.iosDeviceFeaturesConfiguration", "displayName": "Home",
                      "homeScreenDockIcons": {dock}, "assetTagTemplate": "Contoso"}}"##
                ))
                .expect("valid JSON"),
            );
            let mut policies: Vec<Policy> = crate::legacy_templates::read_template_policy(
                &document,
                crate::legacy_templates::TemplateKind::Configuration,
                &mut Vec::new(),
                &mut Vec::new(),
            )
            .into_iter()
            .collect();
            apply_list_semantics(&mut policies);
            policies.remove(0)
        };
        let mail_first = read(r#"[{"displayName": "Mail"}, {"displayName": "Safari"}]"#);
        let safari_first = read(r#"[{"displayName": "Safari"}, {"displayName": "Mail"}]"#);
        assert!(matches!(
            mail_first.settings[0].value,
            SettingValue::OrderedList(_)
        ));
        assert!(
            !mail_first.settings[0]
                .value
                .same_effect(&safari_first.settings[0].value)
        );
    }

    #[test]
    fn item_identity_ignores_child_order_and_option_labels() {
        let allow = SettingValue::Choice {
            option: "x_action_type_1".into(),
            short: Some("1".into()),
            label: None,
        };
        let allow_labelled = SettingValue::Choice {
            option: "x_action_type_1".into(),
            short: Some("1".into()),
            label: Some("Allow".into()),
        };
        let name = SettingValue::String("Allow RDP".into());
        let first = item_identity([("/x_action_type", &allow), ("/x_name", &name)]);
        let second = item_identity([("/x_name", &name), ("/x_action_type", &allow_labelled)]);
        assert_eq!(first, second);
        let other = SettingValue::String("Allow SSH".into());
        assert_ne!(
            first,
            item_identity([("/x_action_type", &allow), ("/x_name", &other)])
        );
        // Same values under other children are another item.
        assert_ne!(
            item_identity([("/a", &name)]),
            item_identity([("/b", &name)])
        );
        assert_eq!(first.len(), 16);
    }
}
