//! Normalizes legacy template policies: configuration profiles
//! (`deviceConfigurations`: device restrictions, endpoint protection, update rings,
//! custom OMA-URI profiles, …) and compliance policies (`deviceCompliancePolicies`).
//!
//! A template stores each setting as a property of the policy object
//! (`cameraBlocked: true`, `passwordMinimumLength: 8`). Every property that is
//! configured becomes one [`Setting`]: `null`, `false` on a block/require switch,
//! `notConfigured` and the other "not configured" words Intune writes mean the admin
//! left the setting alone, and are skipped. Nested objects are flattened with `.`
//! (`defenderDetectedMalwareActions.highSeverity`).
//!
//! Keys: a property the legacy table maps gets the canonical key of its CSP or
//! settings catalog id, so it meets the same setting from other families; any other
//! property keeps a family-local key `{odataType}.{property}`
//! (`windows10GeneralConfiguration.passwordMinimumLength`), so duplicates within a
//! family are still found. Custom profiles' OMA-URIs are keyed by their CSP path.

use preflight_parser::json::{Node, Value};
use preflight_parser::{Document, InputProblem, Span};

use crate::assignments::read_assignments;
use crate::keys::key_from_oma_uri;
use crate::legacy_table;
use crate::model::{
    Group, Platform, Policy, PolicyFamily, Setting, SettingKey, SettingKind, SettingScope,
    SettingValue,
};
use crate::reader::FieldReader;
use crate::stable_hash::stable_hash;
use preflight_parser::secrets::is_secret_name;

const GRAPH_TYPE_PREFIX: &str = "#microsoft.graph.";

/// Members of a template object that describe the policy rather than configure a
/// setting. Compared case-insensitively.
const METADATA_MEMBERS: [&str; 22] = [
    "id",
    "displayName",
    "description",
    "version",
    "createdDateTime",
    "lastModifiedDateTime",
    "roleScopeTagIds",
    "roleScopeTags",
    "supportsScopeTags",
    "assignments",
    "scheduledActionsForRule",
    "deviceSettingStateSummaries",
    "deviceStatuses",
    "userStatuses",
    "deviceStatusOverview",
    "userStatusOverview",
    "groupAssignments",
    "deviceManagementApplicabilityRuleOsEdition",
    "deviceManagementApplicabilityRuleOsVersion",
    "deviceManagementApplicabilityRuleDeviceMode",
    "omaSettings",
    "isAssigned",
];

/// String values Intune writes for a setting left unconfigured.
const NOT_CONFIGURED_WORDS: [&str; 4] = ["notConfigured", "deviceDefault", "unavailable", ""];

/// Which kind of template is being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateKind {
    /// A configuration profile (`deviceConfigurations`).
    Configuration,
    /// A compliance policy (`deviceCompliancePolicies`).
    Compliance,
}

/// Reads one legacy template document.
pub fn read_template_policy(
    document: &Document,
    template: TemplateKind,
    groups: &mut Vec<Group>,
    problems: &mut Vec<InputProblem>,
) -> Option<Policy> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the policy")?;
    let (name, id) = reader.policy_name_and_id(root, "the policy");
    let odata_type = reader
        .optional_str(root, "@odata.type")
        .map(|odata_type| {
            odata_type
                .strip_prefix(GRAPH_TYPE_PREFIX)
                .or_else(|| odata_type.strip_prefix(&GRAPH_TYPE_PREFIX[1..]))
                .unwrap_or(odata_type)
                .to_owned()
        })
        .unwrap_or_else(|| match template {
            TemplateKind::Configuration => "deviceConfiguration".to_owned(),
            TemplateKind::Compliance => "deviceCompliancePolicy".to_owned(),
        });
    let is_custom_profile = odata_type.eq_ignore_ascii_case("windows10CustomConfiguration")
        || root.get("omaSettings").is_some();
    let family = match template {
        TemplateKind::Compliance => PolicyFamily::Compliance,
        TemplateKind::Configuration if is_custom_profile => PolicyFamily::CustomProfile,
        TemplateKind::Configuration => PolicyFamily::DeviceConfiguration,
    };

    let mut settings = Vec::new();
    if let Some(oma_settings) = reader.optional_array(root, "omaSettings") {
        for oma_setting in oma_settings {
            if let Some(setting) = read_oma_setting(&mut reader, oma_setting) {
                settings.push(setting);
            }
        }
    }
    let context = TemplateContext {
        odata_type: &odata_type,
        template,
        scope: scope_of_template(&odata_type),
    };
    if let Some(object) = root.as_object() {
        for member in &object.members {
            if is_metadata(&member.key) {
                continue;
            }
            read_property(
                &mut reader,
                &context,
                &member.key,
                &member.value,
                &mut settings,
            );
        }
    }

    let assignments = root
        .get("assignments")
        .and_then(|node| read_assignments(&mut reader, node, groups));
    let name = name?;
    Some(Policy {
        id,
        name: name.into(),
        family,
        platforms: platform_of_template(&odata_type).into_iter().collect(),
        settings,
        assignments,
        source: reader.location_of_field(root, "displayName"),
    })
}

/// What every property of one template shares.
struct TemplateContext<'a> {
    odata_type: &'a str,
    template: TemplateKind,
    scope: SettingScope,
}

/// Whether a member describes the object rather than configures a setting:
/// annotations (`@odata.type`, `…@odata.navigationLink`), the OData action and
/// function advertisements that Graph and IntuneManagement exports carry
/// (`"#microsoft.graph.assign": {"title": …, "target": …}`), and the metadata members.
fn is_metadata(key: &str) -> bool {
    key.starts_with('@')
        || key.starts_with('#')
        || key.contains("@odata.")
        || METADATA_MEMBERS
            .iter()
            .any(|metadata| metadata.eq_ignore_ascii_case(key))
}

/// Reads one property (or, for an object, each of its properties) as settings.
fn read_property(
    reader: &mut FieldReader<'_>,
    context: &TemplateContext<'_>,
    property: &str,
    node: &Node,
    settings: &mut Vec<Setting>,
) {
    if let Value::Object(object) = &node.value {
        for member in &object.members {
            if is_metadata(&member.key) {
                continue;
            }
            let nested = format!("{property}.{}", member.key);
            read_property(reader, context, &nested, &member.value, settings);
        }
        return;
    }
    let Some(value) = raw_value(node) else {
        return;
    };
    let value = if is_secret_name(property) {
        as_secret(value)
    } else {
        value
    };
    let setting = match context.template {
        TemplateKind::Compliance => configured(value)
            .and_then(|value| compliance_setting(reader, context, property, value, node.span)),
        TemplateKind::Configuration => {
            configuration_setting(reader, context, property, value, node.span)
        }
    };
    settings.extend(setting);
}

/// A configuration property: for a mapped property the table's translation decides
/// which values are configured (its rules name them); an unmapped one keeps every
/// configured value as written.
fn configuration_setting(
    reader: &FieldReader<'_>,
    context: &TemplateContext<'_>,
    property: &str,
    value: SettingValue,
    span: Span,
) -> Option<Setting> {
    if let Some(mapping) = legacy_table::configuration_mapping(context.odata_type, property) {
        let value = legacy_table::translate_value(mapping, &value)?;
        return Some(Setting {
            key: mapping.key.clone(),
            name: property.to_owned(),
            value,
            scope: mapping.scope,
            kind: SettingKind::Configuration,
            canonical: true,
            source: reader.location(span),
        });
    }
    Some(Setting {
        key: family_local_key(context.odata_type, property),
        name: property.to_owned(),
        value: configured(value)?,
        scope: context.scope,
        kind: SettingKind::Configuration,
        canonical: false,
        source: reader.location(span),
    })
}

fn compliance_setting(
    reader: &FieldReader<'_>,
    context: &TemplateContext<'_>,
    property: &str,
    value: SettingValue,
    span: Span,
) -> Option<Setting> {
    let (key, canonical) = match legacy_table::compliance_mapping(context.odata_type, property) {
        Some(mapping) => (mapping.key.clone(), true),
        None => (family_local_key(context.odata_type, property), false),
    };
    Some(Setting {
        key,
        name: property.to_owned(),
        value,
        scope: SettingScope::Device,
        kind: SettingKind::Compliance,
        canonical,
        source: reader.location(span),
    })
}

/// The key of a property no table maps: `{odataType}.{property}`.
pub fn family_local_key(odata_type: &str, property: &str) -> SettingKey {
    SettingKey(format!("{odata_type}.{property}"))
}

/// The typed value of a template property as written (`None` for `null` and for
/// objects, which are flattened instead).
fn raw_value(node: &Node) -> Option<SettingValue> {
    match &node.value {
        Value::Null | Value::Object(_) => None,
        Value::Bool(flag) => Some(SettingValue::Bool(*flag)),
        Value::Number(number) => Some(match number.as_i64() {
            Some(integer) => SettingValue::Integer(integer),
            None => SettingValue::String(number.as_str().to_owned()),
        }),
        Value::String(text) => Some(SettingValue::String(text.as_str().to_owned())),
        Value::Array(items) => Some(SettingValue::List(
            items.iter().filter_map(list_item_value).collect(),
        )),
    }
}

/// A text value as a secret: compared by digest, never shown.
fn as_secret(value: SettingValue) -> SettingValue {
    match value {
        SettingValue::String(text) if !text.is_empty() => SettingValue::Secret {
            digest: stable_hash(&text),
        },
        other => other,
    }
}

/// `value` unless it means "not configured": `false` on a block or require
/// switch, `notConfigured` and the other words Intune writes, an empty list.
fn configured(value: SettingValue) -> Option<SettingValue> {
    match &value {
        SettingValue::Bool(false) => None,
        SettingValue::String(text)
            if NOT_CONFIGURED_WORDS
                .iter()
                .any(|word| word.eq_ignore_ascii_case(text)) =>
        {
            None
        }
        SettingValue::List(items) if items.is_empty() => None,
        _ => Some(value),
    }
}

/// A list item: scalars as they are, objects as their compact text so two lists
/// of the same objects compare equal.
fn list_item_value(node: &Node) -> Option<SettingValue> {
    match &node.value {
        Value::Null => None,
        Value::Bool(flag) => Some(SettingValue::Bool(*flag)),
        Value::Number(number) => Some(match number.as_i64() {
            Some(integer) => SettingValue::Integer(integer),
            None => SettingValue::String(number.as_str().to_owned()),
        }),
        Value::String(text) => Some(SettingValue::String(text.as_str().to_owned())),
        Value::Array(_) | Value::Object(_) => Some(SettingValue::String(compact_text(node))),
    }
}

/// A compact, key-order-preserving text of a node, for comparing nested objects.
fn compact_text(node: &Node) -> String {
    match &node.value {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => number.as_str().to_owned(),
        Value::String(text) => format!("{text:?}"),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(compact_text).collect();
            format!("[{}]", parts.join(","))
        }
        Value::Object(object) => {
            let parts: Vec<String> = object
                .members
                .iter()
                .filter(|member| !member.key.starts_with('@'))
                .map(|member| format!("{:?}:{}", member.key, compact_text(&member.value)))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
    }
}

/// Reads one `omaSettings` entry of a custom profile.
fn read_oma_setting(reader: &mut FieldReader<'_>, node: &Node) -> Option<Setting> {
    let entry = reader.expect_object(node, "each entry of `omaSettings`")?;
    let uri = reader.required_str(entry, "omaUri", "the OMA-URI setting")?;
    let Some((key, scope)) = key_from_oma_uri(uri) else {
        let span = entry.get("omaUri").map_or(entry.span, |node| node.span);
        reader.problem(
            span,
            format!("`{uri}` is not an OMA-URI (it should start with `./Device/`, `./User/` or `./Vendor/`)"),
        );
        return None;
    };
    let mut value_node = entry.get("value")?;
    let mut encrypted = entry
        .get("isEncrypted")
        .and_then(Node::as_bool)
        .unwrap_or(false);
    if let Some(plain_text) = decrypted_value(value_node) {
        // IntuneCD decrypts encrypted values into the backup: the secret is the
        // text inside the `getOmaSettingPlainTextValue` response it saved.
        value_node = plain_text;
        encrypted = true;
    }
    let value = match &value_node.value {
        Value::Null => return None,
        Value::String(text) if encrypted => SettingValue::Secret {
            digest: stable_hash(text),
        },
        Value::String(text) => {
            let declared_integer = entry
                .get("@odata.type")
                .and_then(Node::as_str)
                .is_some_and(|kind| kind.to_ascii_lowercase().ends_with("omasettinginteger"));
            match text.trim().parse::<i64>() {
                Ok(integer) if declared_integer => SettingValue::Integer(integer),
                _ => SettingValue::String(text.as_str().to_owned()),
            }
        }
        Value::Bool(flag) => SettingValue::Bool(*flag),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => SettingValue::Integer(integer),
            None => SettingValue::String(number.as_str().to_owned()),
        },
        Value::Array(_) | Value::Object(_) => {
            reader.wrong_type(value_node, "value", "a string, a number or a boolean");
            return None;
        }
    };
    let name = reader
        .optional_str(entry, "displayName")
        .map_or_else(|| uri.to_owned(), str::to_owned);
    Some(Setting {
        key,
        name,
        value,
        scope,
        kind: SettingKind::Configuration,
        canonical: true,
        source: reader.location(value_node.span),
    })
}

/// The text of an encrypted OMA-URI value as IntuneCD backs it up: it stores the
/// whole `getOmaSettingPlainTextValue` response as the value
/// (`{"@odata.context": "…/$metadata#Edm.String", "value": "…"}`) and writes
/// `isEncrypted: false`.
fn decrypted_value(value_node: &Node) -> Option<&Node> {
    let object = value_node.as_object()?;
    let text = object.get("value").filter(|text| text.as_str().is_some())?;
    let context = object.get("@odata.context").and_then(Node::as_str);
    let only_response_members = object
        .members
        .iter()
        .all(|member| member.key == "value" || member.key.starts_with('@'));
    (only_response_members && context.is_none_or(|context| context.ends_with("Edm.String")))
        .then_some(text)
}

/// The platform a template type is for, from its name (`windows10…`, `ios…`,
/// `macOS…`, `android…`, `aosp…`, `linux…`, and the few Windows types named
/// otherwise), with or without the `#microsoft.graph.` prefix. `None` for the
/// types that name no platform (`defaultDeviceCompliancePolicy`, abstract bases
/// such as `appleDeviceFeaturesConfigurationBase`).
pub fn platform_of_template(odata_type: &str) -> Option<Platform> {
    let name = odata_type.trim().to_ascii_lowercase();
    let name = name
        .strip_prefix("#microsoft.graph.")
        .or_else(|| name.strip_prefix("microsoft.graph."))
        .unwrap_or(&name);
    if name.starts_with("windows")
        || name.starts_with("win32")
        || name.starts_with("editionupgrade")
        || name.starts_with("sharedpc")
        || name.starts_with("devicecomanagementauthority")
    {
        Some(Platform::Windows)
    } else if name.starts_with("ios") {
        Some(Platform::Ios)
    } else if name.starts_with("macos") {
        Some(Platform::MacOs)
    } else if name.starts_with("android") || name.starts_with("aosp") {
        Some(Platform::Android)
    } else if name.starts_with("linux") {
        Some(Platform::Linux)
    } else {
        None
    }
}

/// Templates apply to the device, except the few that Intune delivers to the user.
fn scope_of_template(odata_type: &str) -> SettingScope {
    let name = odata_type.to_ascii_lowercase();
    if name.contains("easemail") || name.contains("managedapp") {
        SettingScope::User
    } else {
        SettingScope::Device
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_parser::{FileId, json::parse};

    fn read(text: &str, template: TemplateKind) -> (Option<Policy>, Vec<InputProblem>) {
        let document = Document::new(
            FileId(0),
            preflight_parser::DocumentKind::DeviceConfiguration,
            parse(text).expect("valid JSON"),
        );
        let mut groups = Vec::new();
        let mut problems = Vec::new();
        let policy = read_template_policy(&document, template, &mut groups, &mut problems);
        (policy, problems)
    }

    fn keys_and_values(policy: &Policy) -> Vec<(String, String)> {
        policy
            .settings
            .iter()
            .map(|setting| (setting.key.0.clone(), setting.value.to_string()))
            .collect()
    }

    #[test]
    fn configured_properties_become_settings_and_unconfigured_ones_do_not() {
        let (policy, problems) = read(
            r##"{
                "@odata.type": "#microsoft.graph.windowsUpdateForBusinessConfiguration",
                "id": "1", "displayName": "Ring 1", "description": null, "version": 3,
                "roleScopeTagIds": ["0"],
                "qualityUpdatesDeferralPeriodInDays": 0,
                "featureUpdatesDeferralPeriodInDays": 30,
                "driversExcluded": false,
                "allowWindows11Upgrade": true,
                "automaticUpdateMode": "autoInstallAtMaintenanceTime",
                "businessReadyUpdatesOnly": "notConfigured",
                "deadlineForFeatureUpdatesInDays": null,
                "installationSchedule": {
                    "@odata.type": "#microsoft.graph.windowsUpdateActiveHoursInstall",
                    "activeHoursStart": "08:00:00.0000000"
                }
            }"##,
            TemplateKind::Configuration,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let policy = policy.expect("a policy");
        assert_eq!(policy.family, PolicyFamily::DeviceConfiguration);
        assert_eq!(policy.platforms, vec![Platform::Windows]);
        let keys: Vec<String> = keys_and_values(&policy)
            .into_iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        assert_eq!(
            keys,
            vec![
                // Mapped by the legacy table: keyed by CSP, values translated, and an
                // explicit `false` kept where the table names it.
                "device_vendor_msft_policy_config_update_deferqualityupdatesperiodindays=0",
                "device_vendor_msft_policy_config_update_deferfeatureupdatesperiodindays=30",
                "device_vendor_msft_policy_config_update_excludewudriversinqualityupdate=0",
                // Not mapped: family-local keys, unconfigured values skipped.
                "windowsUpdateForBusinessConfiguration.allowWindows11Upgrade=true",
                "device_vendor_msft_policy_config_update_allowautoupdate=1",
                "windowsUpdateForBusinessConfiguration.installationSchedule.activeHoursStart=\"08:00:00.0000000\"",
            ]
        );
    }

    #[test]
    fn secret_properties_and_decrypted_oma_values_are_secrets() {
        let (policy, problems) = read(
            r##"{
                "@odata.type": "#microsoft.graph.windowsWifiConfiguration",
                "displayName": "Wi-Fi", "ssid": "OFFICE",
                "preSharedKey": "hunter2", "workProfileRequirePassword": true,
                "#microsoft.graph.assign": {"title": "assign", "target": "https://graph"}
            }"##,
            TemplateKind::Configuration,
        );
        assert!(problems.is_empty(), "{problems:?}");
        let values = keys_and_values(&policy.expect("a policy"));
        assert_eq!(
            values,
            vec![
                (
                    "windowsWifiConfiguration.ssid".to_owned(),
                    "\"OFFICE\"".to_owned()
                ),
                (
                    "windowsWifiConfiguration.preSharedKey".to_owned(),
                    "<secret>".to_owned()
                ),
                (
                    "windowsWifiConfiguration.workProfileRequirePassword".to_owned(),
                    "true".to_owned()
                ),
            ]
        );
        let text = r##"{
            "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
            "displayName": "Custom",
            "omaSettings": [{"@odata.type": "#microsoft.graph.omaSettingString",
                "omaUri": "./Device/Vendor/MSFT/Accounts/Users/Admin/Password",
                "isEncrypted": false, "secretReferenceValueId": null,
                "value": {"@odata.context": "https://graph.microsoft.com/beta/$metadata#Edm.String", "value": "hunter2"}}]
        }"##;
        let (policy, problems) = read(text, TemplateKind::Configuration);
        assert!(problems.is_empty(), "{problems:?}");
        let policy = policy.expect("a policy");
        assert!(matches!(
            policy.settings[0].value,
            SettingValue::Secret { .. }
        ));
        assert_eq!(&text[policy.settings[0].source.span.range()], "\"hunter2\"");
    }

    #[test]
    fn custom_profiles_key_oma_uris_by_csp_path() {
        let (policy, problems) = read(
            r##"{
                "@odata.type": "#microsoft.graph.windows10CustomConfiguration",
                "displayName": "Custom",
                "omaSettings": [
                    {"@odata.type": "#microsoft.graph.omaSettingInteger", "displayName": "Realtime",
                     "omaUri": "./Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring", "value": 1},
                    {"@odata.type": "#microsoft.graph.omaSettingString", "displayName": "Secret",
                     "omaUri": "./User/Vendor/MSFT/Policy/Config/Browser/HomePages", "value": "x", "isEncrypted": true},
                    {"@odata.type": "#microsoft.graph.omaSettingInteger", "omaUri": "Vendor/MSFT/Nope", "value": 1}
                ]
            }"##,
            TemplateKind::Configuration,
        );
        let policy = policy.expect("a policy");
        assert_eq!(policy.family, PolicyFamily::CustomProfile);
        assert_eq!(
            keys_and_values(&policy),
            vec![
                (
                    "device_vendor_msft_policy_config_defender_allowrealtimemonitoring".to_owned(),
                    "1".to_owned()
                ),
                (
                    "user_vendor_msft_policy_config_browser_homepages".to_owned(),
                    "<secret>".to_owned()
                ),
            ]
        );
        assert_eq!(policy.settings[1].scope, SettingScope::User);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].message.contains("not an OMA-URI"));
    }

    #[test]
    fn compliance_properties_are_compliance_settings() {
        let (policy, _) = read(
            r##"{
                "@odata.type": "#microsoft.graph.macOSCompliancePolicy",
                "displayName": "Password",
                "passwordRequired": true,
                "passwordMinimumLength": 8,
                "passwordExpirationDays": null,
                "scheduledActionsForRule": [{"ruleName": "PasswordRequired"}]
            }"##,
            TemplateKind::Compliance,
        );
        let policy = policy.expect("a policy");
        assert_eq!(policy.family, PolicyFamily::Compliance);
        assert_eq!(policy.platforms, vec![Platform::MacOs]);
        assert_eq!(policy.settings.len(), 2);
        assert!(
            policy
                .settings
                .iter()
                .all(|setting| setting.kind == SettingKind::Compliance)
        );
    }

    #[test]
    fn every_template_type_carries_its_platform() {
        use Platform::{Android, Ios, Linux, MacOs, Windows};
        let expected = [
            // Compliance policies.
            ("windows10CompliancePolicy", Some(Windows)),
            ("windows10MobileCompliancePolicy", Some(Windows)),
            ("windows81CompliancePolicy", Some(Windows)),
            ("windowsPhone81CompliancePolicy", Some(Windows)),
            ("iosCompliancePolicy", Some(Ios)),
            ("macOSCompliancePolicy", Some(MacOs)),
            ("androidCompliancePolicy", Some(Android)),
            ("androidWorkProfileCompliancePolicy", Some(Android)),
            ("androidDeviceOwnerCompliancePolicy", Some(Android)),
            ("androidForWorkCompliancePolicy", Some(Android)),
            ("aospDeviceOwnerCompliancePolicy", Some(Android)),
            ("defaultDeviceCompliancePolicy", None),
            // Configuration profiles.
            ("windows10GeneralConfiguration", Some(Windows)),
            ("windows10EndpointProtectionConfiguration", Some(Windows)),
            ("windows10CustomConfiguration", Some(Windows)),
            ("windowsUpdateForBusinessConfiguration", Some(Windows)),
            ("windowsHealthMonitoringConfiguration", Some(Windows)),
            ("windowsIdentityProtectionConfiguration", Some(Windows)),
            ("windowsKioskConfiguration", Some(Windows)),
            ("windowsDeliveryOptimizationConfiguration", Some(Windows)),
            ("windowsDomainJoinConfiguration", Some(Windows)),
            ("windows81SCEPCertificateProfile", Some(Windows)),
            ("editionUpgradeConfiguration", Some(Windows)),
            ("sharedPCConfiguration", Some(Windows)),
            ("deviceComanagementAuthorityConfiguration", Some(Windows)),
            ("iosGeneralDeviceConfiguration", Some(Ios)),
            ("iosDeviceFeaturesConfiguration", Some(Ios)),
            ("iosUpdateConfiguration", Some(Ios)),
            ("iosCustomConfiguration", Some(Ios)),
            ("macOSGeneralDeviceConfiguration", Some(MacOs)),
            ("macOSEndpointProtectionConfiguration", Some(MacOs)),
            ("macOSSoftwareUpdateConfiguration", Some(MacOs)),
            ("macOSExtensionsConfiguration", Some(MacOs)),
            ("androidGeneralDeviceConfiguration", Some(Android)),
            (
                "androidWorkProfileGeneralDeviceConfiguration",
                Some(Android),
            ),
            (
                "androidDeviceOwnerGeneralDeviceConfiguration",
                Some(Android),
            ),
            ("androidForWorkGeneralDeviceConfiguration", Some(Android)),
            ("aospDeviceOwnerDeviceConfiguration", Some(Android)),
            ("appleDeviceFeaturesConfigurationBase", None),
            ("linuxSomethingNew", Some(Linux)),
        ];
        for (odata_type, platform) in expected {
            assert_eq!(platform_of_template(odata_type), platform, "{odata_type}");
            assert_eq!(
                platform_of_template(&format!("#microsoft.graph.{odata_type}")),
                platform,
                "#microsoft.graph.{odata_type}"
            );
        }
        // Every legacy type the tables map names its platform (catalog compliance
        // policies carry theirs in `platforms`).
        for odata_type in crate::legacy_table::mapped_types()
            .into_iter()
            .filter(|odata_type| *odata_type != "devicemanagementcompliancepolicy")
        {
            assert!(
                platform_of_template(odata_type).is_some(),
                "`{odata_type}` is mapped but names no platform"
            );
        }
    }

    #[test]
    fn policies_carry_the_platform_of_their_type_however_it_is_written() {
        for written in [
            "#microsoft.graph.iosCompliancePolicy",
            "microsoft.graph.iosCompliancePolicy",
        ] {
            let (policy, problems) = read(
                &format!(
                    r##"{{"@odata.type": "{written}", "displayName": "iOS", "passcodeMinimumLength": 6}}"##
                ),
                TemplateKind::Compliance,
            );
            assert!(problems.is_empty(), "{problems:?}");
            let policy = policy.expect("a policy");
            assert_eq!(policy.platforms, vec![Platform::Ios], "{written}");
            assert_eq!(policy.settings[0].key.0, "compliance_passwordminimumlength");
        }
    }

    #[test]
    fn setting_spans_point_at_the_property_value() {
        let text = r##"{"@odata.type": "#microsoft.graph.iosGeneralDeviceConfiguration", "displayName": "R", "cameraBlocked": true}"##;
        let (policy, _) = read(text, TemplateKind::Configuration);
        let setting = &policy.expect("a policy").settings[0];
        let span = setting.source.span;
        assert_eq!(&text[span.start as usize..span.end as usize], "true");
    }
}
