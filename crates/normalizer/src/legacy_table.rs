//! The table from legacy template properties to canonical keys (placeholder until
//! the data table lands; see the `legacy-map` branch).

use crate::model::{SettingKey, SettingScope, SettingValue};

/// How one legacy configuration property maps to a canonical setting.
#[derive(Debug)]
pub struct ConfigurationMapping {
    /// The canonical key.
    pub key: SettingKey,
    /// The scope.
    pub scope: SettingScope,
}

/// How one compliance property maps to a canonical compliance rule.
#[derive(Debug)]
pub struct ComplianceMapping {
    /// The canonical key.
    pub key: SettingKey,
}

/// The mapping of `property` of template `odata_type`, if the table has one.
pub fn configuration_mapping(
    _odata_type: &str,
    _property: &str,
) -> Option<&'static ConfigurationMapping> {
    None
}

/// The canonical value of `value` under `mapping`.
pub fn translate_value(
    _mapping: &ConfigurationMapping,
    value: &SettingValue,
) -> Option<SettingValue> {
    Some(value.clone())
}

/// The mapping of compliance `property` of `odata_type`, if the table has one.
pub fn compliance_mapping(
    _odata_type: &str,
    _property: &str,
) -> Option<&'static ComplianceMapping> {
    None
}
