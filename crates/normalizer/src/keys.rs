//! Canonical setting keys: where the settings catalog, custom OMA-URI profiles,
//! legacy templates and endpoint security policies meet.
//!
//! A Windows MDM setting is identified by its CSP path. The settings catalog writes
//! that path as a definition id (`device_vendor_msft_policy_config_defender_allowrealtimemonitoring`):
//! the scope and the path segments joined by `_`, case-folded. A custom profile writes
//! it as an OMA-URI (`./Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring`).
//! The definition id form is the canonical key, because the path can be turned into it
//! without loss while the reverse is ambiguous (segment names contain `_`).
//!
//! Apple and Android settings catalog ids (`com.apple.…`, `android…`) keep their own
//! namespace; they have no OMA-URI form.

use crate::model::{SettingKey, SettingScope};

/// The canonical key and scope of a Windows CSP path written as an OMA-URI, or
/// `None` when `uri` is not one (no `./` root, or nothing after it).
///
/// `./Device/…` and `./Vendor/…` are device scope; `./User/…` is user scope.
pub fn key_from_oma_uri(uri: &str) -> Option<(SettingKey, SettingScope)> {
    let path = uri.trim().strip_prefix("./")?;
    let mut segments = path.split('/').filter(|segment| !segment.is_empty());
    let first = segments.next()?;
    let (scope, rest): (SettingScope, Vec<&str>) = if first.eq_ignore_ascii_case("device") {
        (SettingScope::Device, segments.collect())
    } else if first.eq_ignore_ascii_case("user") {
        (SettingScope::User, segments.collect())
    } else {
        // `./Vendor/MSFT/…` without a scope segment is a device setting.
        (
            SettingScope::Device,
            std::iter::once(first).chain(segments).collect(),
        )
    };
    if rest.is_empty() {
        return None;
    }
    let mut key = String::with_capacity(uri.len() + 8);
    key.push_str(match scope {
        SettingScope::Device => "device",
        SettingScope::User => "user",
    });
    for segment in rest {
        key.push('_');
        key.extend(segment.chars().flat_map(char::to_lowercase));
    }
    Some((SettingKey(key), scope))
}

/// The canonical key of a settings catalog definition given as `baseUri` and
/// `offsetUri` (as the `configurationSettings` definitions export writes them).
pub fn key_from_base_and_offset_uri(
    base_uri: &str,
    offset_uri: &str,
) -> Option<(SettingKey, SettingScope)> {
    let base = base_uri.trim().trim_end_matches('/');
    let offset = offset_uri.trim().trim_start_matches('/');
    key_from_oma_uri(&format!("{base}/{offset}"))
}

/// The canonical key of a settings catalog definition id: the id itself,
/// case-folded. Ids of device-only CSPs that the catalog writes without a scope
/// (`vendor_msft_firewall_…`, for `./Vendor/MSFT/Firewall/…`) get the `device_`
/// scope, as their OMA-URI form does.
pub fn key_from_catalog_id(definition_id: &str) -> SettingKey {
    let lowered = definition_id.trim().to_lowercase();
    if lowered.starts_with("vendor_msft_") {
        SettingKey(format!("device_{lowered}"))
    } else {
        SettingKey(lowered)
    }
}

/// The scope a settings catalog definition id implies: Windows ids start with
/// `device_` or `user_`; Apple and Android ids carry no scope and configure the device.
pub fn scope_of_catalog_id(definition_id: &str) -> SettingScope {
    let trimmed = definition_id.trim_start();
    if trimmed
        .get(..5)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("user_"))
    {
        SettingScope::User
    } else {
        SettingScope::Device
    }
}

/// Whether `key` is `pattern` with each `{placeholder}` segment of the pattern
/// standing for one segment of the key: `device_vendor_msft_passportforwork_{tenantid}_policies_usepassportforwork`
/// matches the key of `./Device/Vendor/MSFT/PassportForWork/72f988bf-…/Policies/UsePassportForWork`.
/// Segments are what `_` separates; a node name that holds `_` does not match.
pub fn matches_placeholders(pattern: &str, key: &str) -> bool {
    if pattern == key || !pattern.contains('{') {
        return pattern == key;
    }
    let mut pattern_segments = pattern.split('_');
    let mut key_segments = key.split('_');
    loop {
        match (pattern_segments.next(), key_segments.next()) {
            (None, None) => return true,
            (Some(expected), Some(found)) => {
                let placeholder =
                    expected.len() > 2 && expected.starts_with('{') && expected.ends_with('}');
                let fits = if placeholder {
                    !found.is_empty() && !found.contains(['{', '}', '/', '['])
                } else {
                    expected == found
                };
                if !fits {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn oma_uri_and_catalog_id_meet() {
        let (key, scope) =
            key_from_oma_uri("./Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring")
                .expect("a CSP path");
        assert_eq!(
            key,
            key_from_catalog_id(
                "device_vendor_msft_policy_config_defender_allowrealtimemonitoring"
            )
        );
        assert_eq!(scope, SettingScope::Device);
    }

    #[test]
    fn scope_is_kept_apart() {
        let (device, _) = key_from_oma_uri("./Device/Vendor/MSFT/Policy/Config/Start/HideSleep")
            .expect("device path");
        let (user, scope) = key_from_oma_uri("./User/Vendor/MSFT/Policy/Config/Start/HideSleep")
            .expect("user path");
        assert_ne!(device, user);
        assert_eq!(scope, SettingScope::User);
        assert_eq!(
            scope_of_catalog_id("user_vendor_msft_policy_config_start_hidesleep"),
            SettingScope::User
        );
    }

    #[test]
    fn unscoped_vendor_paths_are_device_settings() {
        let (key, scope) =
            key_from_oma_uri("./Vendor/MSFT/BitLocker/RequireDeviceEncryption").expect("a path");
        assert_eq!(
            key.0,
            "device_vendor_msft_bitlocker_requiredeviceencryption"
        );
        assert_eq!(scope, SettingScope::Device);
    }

    #[test]
    fn unscoped_catalog_ids_meet_unscoped_oma_uris() {
        let (from_uri, _) =
            key_from_oma_uri("./Vendor/MSFT/Firewall/MdmStore/Global/DisableStatefulFtp")
                .expect("a path");
        assert_eq!(
            from_uri,
            key_from_catalog_id("vendor_msft_firewall_mdmstore_global_disablestatefulftp")
        );
        assert_eq!(scope_of_catalog_id("ü_multibyte"), SettingScope::Device);
    }

    #[test]
    fn base_and_offset_uri_join() {
        let joined = key_from_base_and_offset_uri(
            "./Device/Vendor/MSFT/Policy/Config/Defender/",
            "/AllowRealtimeMonitoring",
        );
        assert_eq!(
            joined.map(|(key, _)| key.0),
            Some("device_vendor_msft_policy_config_defender_allowrealtimemonitoring".to_owned())
        );
    }

    #[test]
    fn non_paths_are_refused() {
        assert_eq!(key_from_oma_uri("Vendor/MSFT/Policy"), None);
        assert_eq!(key_from_oma_uri("./"), None);
        assert_eq!(key_from_oma_uri("./Device/"), None);
    }

    #[test]
    fn placeholders_stand_for_one_node() {
        let pattern = "device_vendor_msft_passportforwork_{tenantid}_policies_usepassportforwork";
        let (key, _) = key_from_oma_uri(
            "./Device/Vendor/MSFT/PassportForWork/72f988bf-86f1-41af-91ab-2d7cd011db47/Policies/UsePassportForWork",
        )
        .expect("a path");
        assert!(matches_placeholders(pattern, &key.0));
        assert!(matches_placeholders(pattern, pattern));
        assert!(!matches_placeholders(
            pattern,
            "device_vendor_msft_passportforwork_a_b_policies_usepassportforwork"
        ));
        assert!(!matches_placeholders(
            pattern,
            "device_vendor_msft_passportforwork_x_policies_requiresecuritydevice"
        ));
        assert!(!matches_placeholders("device_a", "device_b"));
        assert!(!matches_placeholders(pattern, "device_vendor_msft"));
    }

    fn segment() -> impl Strategy<Value = String> {
        "[A-Za-z][A-Za-z0-9_~.-]{0,20}"
    }

    proptest! {
        /// For any CSP path, the settings catalog id form (scope and segments joined
        /// by `_`, lowercased) and the OMA-URI form normalize to the same key.
        #[test]
        fn catalog_id_and_oma_uri_forms_normalize_alike(
            user in any::<bool>(),
            segments in prop::collection::vec(segment(), 1..8),
        ) {
            let scope_word = if user { "User" } else { "Device" };
            let uri = format!("./{scope_word}/{}", segments.join("/"));
            let catalog_id = format!("{}_{}", scope_word, segments.join("_")).to_uppercase();
            let (from_uri, scope) = key_from_oma_uri(&uri).expect("a CSP path");
            prop_assert_eq!(&from_uri, &key_from_catalog_id(&catalog_id));
            prop_assert_eq!(scope, scope_of_catalog_id(&catalog_id));
        }

        /// A catalog definition's `baseUri` + `offsetUri`, however the path is
        /// split between them and whatever slashes surround the split, meets the
        /// same key as its id.
        #[test]
        fn base_and_offset_uri_meet_the_catalog_id(
            user in any::<bool>(),
            segments in prop::collection::vec(segment(), 2..8),
            split in any::<prop::sample::Index>(),
            trailing_slash in any::<bool>(),
            leading_slash in any::<bool>(),
        ) {
            let scope_word = if user { "User" } else { "Device" };
            let at = 1 + split.index(segments.len() - 1);
            let base = format!(
                "./{scope_word}/{}{}",
                segments[..at].join("/"),
                if trailing_slash { "/" } else { "" }
            );
            let offset = format!(
                "{}{}",
                if leading_slash { "/" } else { "" },
                segments[at..].join("/")
            );
            let catalog_id = format!("{scope_word}_{}", segments.join("_"));
            let (from_parts, _) =
                key_from_base_and_offset_uri(&base, &offset).expect("a CSP path");
            prop_assert_eq!(from_parts, key_from_catalog_id(&catalog_id));
        }
    }
}
