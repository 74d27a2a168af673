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

/// The canonical key of a settings catalog definition id: the id itself, case-folded.
pub fn key_from_catalog_id(definition_id: &str) -> SettingKey {
    SettingKey(definition_id.trim().to_lowercase())
}

/// The scope a settings catalog definition id implies: Windows ids start with
/// `device_` or `user_`; Apple and Android ids carry no scope and configure the device.
pub fn scope_of_catalog_id(definition_id: &str) -> SettingScope {
    let lowered = definition_id.trim_start();
    if lowered.len() >= 5 && lowered[..5].eq_ignore_ascii_case("user_") {
        SettingScope::User
    } else {
        SettingScope::Device
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
            prop_assert_eq!(from_uri, key_from_catalog_id(&catalog_id));
            prop_assert_eq!(scope, scope_of_catalog_id(&catalog_id));
        }
    }
}
