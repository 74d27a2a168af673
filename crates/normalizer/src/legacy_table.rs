//! The mapping table from legacy Intune template properties to canonical settings.
//!
//! Legacy templates (Graph `deviceConfigurations` such as
//! `windows10GeneralConfiguration`, and `deviceCompliancePolicies` such as
//! `windows10CompliancePolicy`) store each setting as a top-level property
//! (`cameraBlocked: true`). This module says which canonical setting each property
//! configures and how its value reads in the canonical form, so that a legacy
//! profile and a settings catalog policy that set the same thing meet at one
//! [`SettingKey`].
//!
//! The table is data, not code: `data/legacy-settings.csv` (configuration
//! properties) and `data/compliance-settings.csv` (compliance properties), each row
//! with the learn.microsoft.com page that names the target. The files are parsed at
//! first use. A malformed row is a programming error that the unit tests catch; at
//! run time such a row is skipped.
//!
//! # `legacy-settings.csv`
//!
//! `odata_type,property,target,translation,source`
//!
//! - `odata_type`: the Graph type without `#microsoft.graph.`.
//! - `target`: an OMA-URI (`./Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera`)
//!   for Windows, or a settings catalog definition id (`com.apple.…`) elsewhere.
//! - `translation`: `identity`, or `;`-separated `input=output` pairs
//!   (`true=0`, `high=2;highPlus=4`). Inputs are `true`, `false` or an enum word;
//!   outputs are an integer, `true` or `false`. A value no pair names means "not
//!   configured" and is dropped.
//!
//! # `compliance-settings.csv`
//!
//! `odata_type,property,key,strictness,source`
//!
//! - `key`: the canonical compliance key (`compliance_passwordminimumlength`), shared
//!   across platforms where the requirement means the same.
//! - `strictness`: `higher-is-stricter`, `lower-is-stricter`, `true-is-stricter`,
//!   `higher-version-is-stricter`, `lower-version-is-stricter`,
//!   `ordered:laxest<…<strictest`, or `unordered` (compared for equality only).
//!
//! Compliance policies built on the settings catalog (Linux) are listed under the
//! type `deviceManagementCompliancePolicy`, with the catalog setting id as the
//! property; they also tell the settings catalog reader which policies are
//! compliance policies.
//!
//! Lines that are empty or start with `#` are comments in both files.

use std::cmp::Ordering;
use std::sync::OnceLock;

use crate::keys;
use crate::model::{SettingKey, SettingScope, SettingValue};

const CONFIGURATION_TABLE: &str = include_str!("../data/legacy-settings.csv");
const COMPLIANCE_TABLE: &str = include_str!("../data/compliance-settings.csv");
const CONFIGURATION_HEADER: [&str; 5] =
    ["odata_type", "property", "target", "translation", "source"];
const COMPLIANCE_HEADER: [&str; 5] = ["odata_type", "property", "key", "strictness", "source"];
const GRAPH_TYPE_PREFIX: &str = "#microsoft.graph.";
const SOURCE_PREFIX: &str = "https://learn.microsoft.com/";

/// How a legacy property value becomes the canonical value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueTranslation {
    /// The value is the canonical value (`passwordMinimumLength: 8` → `8`).
    Identity,
    /// Each listed legacy value becomes the paired canonical value; any other value
    /// means "not configured" (`cameraBlocked`: `true` → `0`, `false` dropped).
    Lookup(Vec<ValueRule>),
}

/// One `input=output` pair of a [`ValueTranslation::Lookup`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueRule {
    /// The legacy value.
    pub input: LegacyValue,
    /// The canonical value it stands for.
    pub output: SettingValue,
}

/// A legacy property value a translation rule matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LegacyValue {
    /// A boolean property.
    Bool(bool),
    /// One member of a Graph enum (`high`, `notConfigured`), matched ignoring case.
    EnumMember(String),
}

/// Which canonical setting a legacy configuration property configures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigurationMapping {
    /// The Graph type, without `#microsoft.graph.` (`windows10GeneralConfiguration`).
    pub odata_type: String,
    /// The property name (`cameraBlocked`).
    pub property: String,
    /// The canonical key of the setting.
    pub key: SettingKey,
    /// Device or user scope.
    pub scope: SettingScope,
    /// How the property value becomes the canonical value.
    pub translation: ValueTranslation,
    /// The learn.microsoft.com page that names the target for this property.
    pub source: String,
}

/// In which direction a compliance requirement gets stricter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StrictnessDirection {
    /// A larger integer is stricter (minimum password length).
    HigherIsStricter,
    /// A smaller integer is stricter (minutes of inactivity, expiration days).
    LowerIsStricter,
    /// `true` is stricter than `false` (BitLocker required).
    TrueIsStricter,
    /// A higher dotted version is stricter (minimum OS version).
    HigherVersionIsStricter,
    /// A lower dotted version is stricter (maximum OS version).
    LowerVersionIsStricter,
    /// Enum members from laxest to strictest, compared ignoring case.
    Ordered(Vec<String>),
    /// No order is known (a script, a list of allowed distributions): two
    /// requirements are compared for equality only.
    Unordered,
}

/// Which canonical compliance requirement a legacy compliance property expresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComplianceMapping {
    /// The Graph type, without `#microsoft.graph.` (`windows10CompliancePolicy`).
    pub odata_type: String,
    /// The property name (`passwordMinimumLength`).
    pub property: String,
    /// The canonical compliance key (`compliance_passwordminimumlength`).
    pub key: SettingKey,
    /// In which direction the requirement gets stricter.
    pub direction: StrictnessDirection,
    /// The learn.microsoft.com page that describes the property.
    pub source: String,
}

/// Why a row of a table file was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
struct TableProblem {
    /// The 1-based line number in the file.
    line: usize,
    /// What is wrong.
    message: String,
}

/// A parsed table: the rows, sorted by lowercased (type, property), and the
/// problems met on the way (checked by the unit tests; at run time the refused rows
/// are simply absent).
#[derive(Debug)]
struct Table<Row> {
    // INVARIANT: sorted by `lookup_key`, no two rows with the same key.
    rows: Vec<(LookupKey, Row)>,
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "only the unit tests read the problems")
    )]
    problems: Vec<TableProblem>,
}

type LookupKey = (String, String);

fn lookup_key(odata_type: &str, property: &str) -> LookupKey {
    let odata_type = odata_type.trim();
    let has_prefix = odata_type
        .get(..GRAPH_TYPE_PREFIX.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(GRAPH_TYPE_PREFIX));
    let without_prefix = if has_prefix {
        odata_type
            .get(GRAPH_TYPE_PREFIX.len()..)
            .unwrap_or(odata_type)
    } else {
        odata_type
    };
    (
        without_prefix.to_ascii_lowercase(),
        property.trim().to_ascii_lowercase(),
    )
}

impl<Row> Table<Row> {
    fn find(&self, odata_type: &str, property: &str) -> Option<&Row> {
        let key = lookup_key(odata_type, property);
        self.rows
            .binary_search_by(|(row_key, _)| row_key.cmp(&key))
            .ok()
            .map(|index| &self.rows[index].1)
    }
}

fn configuration_table() -> &'static Table<ConfigurationMapping> {
    static TABLE: OnceLock<Table<ConfigurationMapping>> = OnceLock::new();
    TABLE.get_or_init(|| parse_configuration_table(CONFIGURATION_TABLE))
}

fn compliance_table() -> &'static Table<ComplianceMapping> {
    static TABLE: OnceLock<Table<ComplianceMapping>> = OnceLock::new();
    TABLE.get_or_init(|| parse_compliance_table(COMPLIANCE_TABLE))
}

/// The mapping of a legacy configuration property, ignoring case; `odata_type` may
/// carry the `#microsoft.graph.` prefix or not.
pub fn configuration_mapping(
    odata_type: &str,
    property: &str,
) -> Option<&'static ConfigurationMapping> {
    configuration_table().find(odata_type, property)
}

/// The mapping of a legacy compliance property, ignoring case; `odata_type` may
/// carry the `#microsoft.graph.` prefix or not.
pub fn compliance_mapping(odata_type: &str, property: &str) -> Option<&'static ComplianceMapping> {
    compliance_table().find(odata_type, property)
}

/// The strictness direction of a canonical compliance key, when the table maps a
/// property to it.
pub fn compliance_direction(key: &SettingKey) -> Option<&'static StrictnessDirection> {
    compliance_table()
        .rows
        .iter()
        .find(|(_, row)| row.key == *key)
        .map(|(_, row)| &row.direction)
}

/// Every Graph type the tables map a property of (without `#microsoft.graph.`,
/// lowercased), sorted, each once.
pub fn mapped_types() -> Vec<&'static str> {
    let mut types: Vec<&'static str> = configuration_table()
        .rows
        .iter()
        .map(|((odata_type, _), _)| odata_type.as_str())
        .chain(
            compliance_table()
                .rows
                .iter()
                .map(|((odata_type, _), _)| odata_type.as_str()),
        )
        .collect();
    types.sort_unstable();
    types.dedup();
    types
}

/// How many configuration rows and compliance rows the table holds.
pub fn table_size() -> (usize, usize) {
    (
        configuration_table().rows.len(),
        compliance_table().rows.len(),
    )
}

/// The canonical value of a legacy property value, or `None` when the value means
/// "not configured" (a `false` Block-style boolean, `notConfigured`, a value no
/// rule names).
pub fn translate_value(
    mapping: &ConfigurationMapping,
    value: &SettingValue,
) -> Option<SettingValue> {
    match &mapping.translation {
        ValueTranslation::Identity => Some(value.clone()),
        ValueTranslation::Lookup(rules) => rules
            .iter()
            .find(|rule| rule_matches(&rule.input, value))
            .map(|rule| rule.output.clone()),
    }
}

fn rule_matches(input: &LegacyValue, value: &SettingValue) -> bool {
    match (input, value) {
        (LegacyValue::Bool(expected), SettingValue::Bool(actual)) => expected == actual,
        (LegacyValue::EnumMember(expected), SettingValue::String(actual)) => {
            expected.eq_ignore_ascii_case(actual.trim())
        }
        _ => false,
    }
}

/// Which of two required values wins when the most restrictive requirement wins,
/// or `None` when they cannot be compared (different types, an enum member the
/// order does not name, a version that is not dotted numbers, no order known).
/// Equal values give `a`. Values are compared [normalized](SettingValue::normalized),
/// so a settings catalog choice (`linux_deviceencryption_required_true`) counts as
/// the boolean it stands for.
pub fn stricter<'a>(
    direction: &StrictnessDirection,
    a: &'a SettingValue,
    b: &'a SettingValue,
) -> Option<&'a SettingValue> {
    let (normalized_a, normalized_b) = (a.normalized(), b.normalized());
    let ordering = match (direction, &normalized_a, &normalized_b) {
        (
            StrictnessDirection::HigherIsStricter,
            SettingValue::Integer(left),
            SettingValue::Integer(right),
        ) => left.cmp(right),
        (
            StrictnessDirection::LowerIsStricter,
            SettingValue::Integer(left),
            SettingValue::Integer(right),
        ) => right.cmp(left),
        (
            StrictnessDirection::TrueIsStricter,
            SettingValue::Bool(left),
            SettingValue::Bool(right),
        ) => left.cmp(right),
        (
            StrictnessDirection::HigherVersionIsStricter,
            SettingValue::String(left),
            SettingValue::String(right),
        ) => compare_versions(left, right)?,
        (
            StrictnessDirection::LowerVersionIsStricter,
            SettingValue::String(left),
            SettingValue::String(right),
        ) => compare_versions(right, left)?,
        (
            StrictnessDirection::Ordered(members),
            SettingValue::String(left),
            SettingValue::String(right),
        ) => {
            let rank = |word: &str| {
                members
                    .iter()
                    .position(|member| member.eq_ignore_ascii_case(word.trim()))
            };
            rank(left)?.cmp(&rank(right)?)
        }
        _ => return None,
    };
    Some(if ordering == Ordering::Less { b } else { a })
}

/// Compares dotted numeric versions (`10.0.19045` against `10.0.22621.1`); missing
/// parts count as zero. `None` when either is not dotted numbers.
fn compare_versions(left: &str, right: &str) -> Option<Ordering> {
    let parse = |version: &str| -> Option<Vec<u64>> {
        version
            .trim()
            .split('.')
            .map(|part| part.parse::<u64>().ok())
            .collect()
    };
    let left = parse(left)?;
    let right = parse(right)?;
    let length = left.len().max(right.len());
    let part = |parts: &[u64], index: usize| parts.get(index).copied().unwrap_or(0);
    Some(
        (0..length)
            .map(|index| part(&left, index).cmp(&part(&right, index)))
            .find(|ordering| ordering.is_ne())
            .unwrap_or(Ordering::Equal),
    )
}

/// The data rows of a table file with their line numbers: comments and blank lines
/// skipped, the header checked and skipped.
fn data_rows<'a>(
    text: &'a str,
    header: &[&str],
    problems: &mut Vec<TableProblem>,
) -> Vec<(usize, Vec<&'a str>)> {
    let mut rows = Vec::new();
    let mut header_seen = false;
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if !header_seen {
            header_seen = true;
            if fields != header {
                problems.push(TableProblem {
                    line: line_number,
                    message: format!("expected the header `{}`", header.join(",")),
                });
            }
            continue;
        }
        if fields.len() != header.len() {
            problems.push(TableProblem {
                line: line_number,
                message: format!("expected {} fields, found {}", header.len(), fields.len()),
            });
            continue;
        }
        if fields.iter().any(|field| field.is_empty()) {
            problems.push(TableProblem {
                line: line_number,
                message: "a field is empty".to_owned(),
            });
            continue;
        }
        rows.push((line_number, fields));
    }
    rows
}

fn check_source(source: &str) -> Result<(), String> {
    if source.starts_with(SOURCE_PREFIX) && !source.contains(char::is_whitespace) {
        Ok(())
    } else {
        Err(format!(
            "the source `{source}` is not a {SOURCE_PREFIX} page"
        ))
    }
}

fn check_odata_type(odata_type: &str) -> Result<(), String> {
    if odata_type.starts_with('#') || !odata_type.chars().all(|c| c.is_ascii_alphanumeric()) {
        Err(format!(
            "the type `{odata_type}` must be a Graph type name without `#microsoft.graph.`"
        ))
    } else {
        Ok(())
    }
}

/// Sorts rows by lookup key and refuses later duplicates.
fn into_table<Row>(
    mut rows: Vec<(usize, LookupKey, Row)>,
    mut problems: Vec<TableProblem>,
) -> Table<Row> {
    rows.sort_by(|left, right| left.1.cmp(&right.1).then(left.0.cmp(&right.0)));
    let mut unique: Vec<(LookupKey, Row)> = Vec::with_capacity(rows.len());
    for (line, key, row) in rows {
        if unique.last().is_some_and(|(last, _)| *last == key) {
            problems.push(TableProblem {
                line,
                message: format!("`{}.{}` is mapped twice", key.0, key.1),
            });
            continue;
        }
        unique.push((key, row));
    }
    problems.sort_by_key(|problem| problem.line);
    Table {
        rows: unique,
        problems,
    }
}

/// Parses a table file with `header`: each data row by `parse_row`, looked up
/// by the Graph type and property `type_and_property` gives of its mapping.
fn parse_table<Mapping>(
    text: &str,
    header: &[&str],
    parse_row: impl Fn(&[&str]) -> Result<Mapping, String>,
    type_and_property: impl Fn(&Mapping) -> (&str, &str),
) -> Table<Mapping> {
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    for (line, fields) in data_rows(text, header, &mut problems) {
        match parse_row(&fields) {
            Ok(mapping) => {
                let (odata_type, property) = type_and_property(&mapping);
                rows.push((line, lookup_key(odata_type, property), mapping));
            }
            Err(message) => problems.push(TableProblem { line, message }),
        }
    }
    into_table(rows, problems)
}

fn parse_configuration_table(text: &str) -> Table<ConfigurationMapping> {
    parse_table(
        text,
        &CONFIGURATION_HEADER,
        parse_configuration_row,
        |mapping| (&mapping.odata_type, &mapping.property),
    )
}

fn parse_configuration_row(fields: &[&str]) -> Result<ConfigurationMapping, String> {
    let [odata_type, property, target, translation, source] = fields else {
        return Err("expected 5 fields".to_owned());
    };
    check_odata_type(odata_type)?;
    check_source(source)?;
    let (key, scope) = parse_target(target)?;
    Ok(ConfigurationMapping {
        odata_type: (*odata_type).to_owned(),
        property: (*property).to_owned(),
        key,
        scope,
        translation: parse_translation(translation)?,
        source: (*source).to_owned(),
    })
}

/// A Windows OMA-URI, or an Apple or Android settings catalog definition id.
fn parse_target(target: &str) -> Result<(SettingKey, SettingScope), String> {
    if target.starts_with("./") {
        return keys::key_from_oma_uri(target)
            .ok_or_else(|| format!("`{target}` is not a valid OMA-URI"));
    }
    let lowered = target.to_ascii_lowercase();
    let is_catalog_id = lowered
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && lowered.contains('_')
        && !lowered.starts_with("device_")
        && !lowered.starts_with("user_");
    if !is_catalog_id {
        return Err(format!(
            "`{target}` is neither an OMA-URI nor an Apple or Android settings catalog id"
        ));
    }
    Ok((
        keys::key_from_catalog_id(target),
        keys::scope_of_catalog_id(target),
    ))
}

fn parse_translation(text: &str) -> Result<ValueTranslation, String> {
    if text == "identity" {
        return Ok(ValueTranslation::Identity);
    }
    let mut rules: Vec<ValueRule> = Vec::new();
    for pair in text.split(';') {
        let Some((input, output)) = pair.split_once('=') else {
            return Err(format!("the translation pair `{pair}` has no `=`"));
        };
        let input = match input.trim() {
            "true" => LegacyValue::Bool(true),
            "false" => LegacyValue::Bool(false),
            word if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric()) => {
                LegacyValue::EnumMember(word.to_owned())
            }
            word => return Err(format!("the translation input `{word}` is not a value")),
        };
        let output = match output.trim() {
            "true" => SettingValue::Bool(true),
            "false" => SettingValue::Bool(false),
            number => SettingValue::Integer(number.parse().map_err(|_| {
                format!("the translation output `{number}` is not an integer or a boolean")
            })?),
        };
        if rules.iter().any(|rule| rule.input == input) {
            return Err(format!("the translation names `{pair}` twice"));
        }
        rules.push(ValueRule { input, output });
    }
    Ok(ValueTranslation::Lookup(rules))
}

fn parse_compliance_table(text: &str) -> Table<ComplianceMapping> {
    parse_table(text, &COMPLIANCE_HEADER, parse_compliance_row, |mapping| {
        (&mapping.odata_type, &mapping.property)
    })
}

fn parse_compliance_row(fields: &[&str]) -> Result<ComplianceMapping, String> {
    let [odata_type, property, key, strictness, source] = fields else {
        return Err("expected 5 fields".to_owned());
    };
    check_odata_type(odata_type)?;
    check_source(source)?;
    let key_is_valid = key.starts_with("compliance_")
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !key_is_valid {
        return Err(format!(
            "the compliance key `{key}` must be `compliance_` and lowercase words"
        ));
    }
    Ok(ComplianceMapping {
        odata_type: (*odata_type).to_owned(),
        property: (*property).to_owned(),
        key: SettingKey((*key).to_owned()),
        direction: parse_strictness(strictness)?,
        source: (*source).to_owned(),
    })
}

fn parse_strictness(text: &str) -> Result<StrictnessDirection, String> {
    match text {
        "higher-is-stricter" => Ok(StrictnessDirection::HigherIsStricter),
        "lower-is-stricter" => Ok(StrictnessDirection::LowerIsStricter),
        "true-is-stricter" => Ok(StrictnessDirection::TrueIsStricter),
        "higher-version-is-stricter" => Ok(StrictnessDirection::HigherVersionIsStricter),
        "lower-version-is-stricter" => Ok(StrictnessDirection::LowerVersionIsStricter),
        "unordered" => Ok(StrictnessDirection::Unordered),
        _ => {
            let Some(order) = text.strip_prefix("ordered:") else {
                return Err(format!("the strictness `{text}` is not known"));
            };
            let members: Vec<String> = order
                .split('<')
                .map(|member| member.trim().to_owned())
                .collect();
            let well_formed = members.len() >= 2
                && members.iter().all(|member| {
                    !member.is_empty() && member.chars().all(|c| c.is_ascii_alphanumeric())
                });
            let distinct = members.iter().enumerate().all(|(index, member)| {
                !members[..index]
                    .iter()
                    .any(|earlier| earlier.eq_ignore_ascii_case(member))
            });
            if well_formed && distinct {
                Ok(StrictnessDirection::Ordered(members))
            } else {
                Err(format!(
                    "the order `{order}` must be two or more distinct enum members joined by `<`"
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows_configuration_row_count() -> usize {
        configuration_table()
            .rows
            .iter()
            .filter(|(_, mapping)| {
                mapping
                    .odata_type
                    .to_ascii_lowercase()
                    .starts_with("windows")
            })
            .count()
    }

    fn windows_compliance_row_count() -> usize {
        compliance_table()
            .rows
            .iter()
            .filter(|(_, mapping)| {
                mapping
                    .odata_type
                    .to_ascii_lowercase()
                    .starts_with("windows")
            })
            .count()
    }

    #[test]
    fn the_configuration_table_has_no_malformed_row() {
        let table = parse_configuration_table(CONFIGURATION_TABLE);
        assert_eq!(table.problems, Vec::new());
        for (_, mapping) in &table.rows {
            assert!(mapping.source.starts_with(SOURCE_PREFIX), "{mapping:?}");
        }
    }

    #[test]
    fn the_compliance_table_has_no_malformed_row() {
        let table = parse_compliance_table(COMPLIANCE_TABLE);
        assert_eq!(table.problems, Vec::new());
    }

    #[test]
    fn every_windows_target_is_an_oma_uri() {
        for line in CONFIGURATION_TABLE.lines().skip(1) {
            let fields: Vec<&str> = line.split(',').collect();
            if line.starts_with('#') || fields.len() != 5 {
                continue;
            }
            if fields[0].to_ascii_lowercase().starts_with("windows") {
                assert!(
                    keys::key_from_oma_uri(fields[2]).is_some(),
                    "`{}` is not an OMA-URI",
                    fields[2]
                );
            }
        }
    }

    #[test]
    fn malformed_rows_are_reported_and_skipped() {
        let text = "odata_type,property,target,translation,source\n\
            windows10GeneralConfiguration,cameraBlocked,./Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera,true=0,https://learn.microsoft.com/a\n\
            windows10GeneralConfiguration,cameraBlocked,./Device/Vendor/MSFT/Policy/Config/Camera/AllowCamera,true=0,https://learn.microsoft.com/a\n\
            windows10GeneralConfiguration,usbBlocked,Vendor/MSFT,true=0,https://learn.microsoft.com/a\n\
            windows10GeneralConfiguration,nfcBlocked,./Device/Vendor/MSFT/Policy/Config/Connectivity/AllowNFC,true=zero,https://learn.microsoft.com/a\n\
            windows10GeneralConfiguration,wiFiBlocked,./Device/Vendor/MSFT/Policy/Config/Wifi/AllowWiFi,true=0,https://example.com/a\n\
            windows10GeneralConfiguration,too,few\n";
        let table = parse_configuration_table(text);
        assert_eq!(table.rows.len(), 1);
        let lines: Vec<usize> = table.problems.iter().map(|problem| problem.line).collect();
        assert_eq!(lines, vec![3, 4, 5, 6, 7]);
    }

    #[test]
    fn camera_blocked_means_allow_camera_zero() {
        let mapping = configuration_mapping(
            "#microsoft.graph.windows10GeneralConfiguration",
            "cameraBlocked",
        )
        .expect("cameraBlocked is mapped");
        assert_eq!(
            mapping.key.0,
            "device_vendor_msft_policy_config_camera_allowcamera"
        );
        assert_eq!(mapping.scope, SettingScope::Device);
        assert_eq!(
            translate_value(mapping, &SettingValue::Bool(true)),
            Some(SettingValue::Integer(0))
        );
        assert_eq!(translate_value(mapping, &SettingValue::Bool(false)), None);
    }

    #[test]
    fn lookup_ignores_case_and_prefix() {
        let with_prefix = configuration_mapping(
            "#microsoft.graph.windows10GeneralConfiguration",
            "cameraBlocked",
        );
        let lowered = configuration_mapping("WINDOWS10GENERALCONFIGURATION", "CAMERABLOCKED");
        assert!(with_prefix.is_some());
        assert_eq!(with_prefix, lowered);
        assert_eq!(
            configuration_mapping("windows10GeneralConfiguration", "noSuchProperty"),
            None
        );
    }

    #[test]
    fn lookup_of_unusual_text_finds_nothing_and_never_panics() {
        assert_eq!(
            configuration_mapping("#microsoft.grapé.x", "cameraBlocked"),
            None
        );
        assert_eq!(configuration_mapping("", ""), None);
        assert_eq!(
            compliance_mapping("ééééééééééééééééééé", "passwordRequired"),
            None
        );
    }

    #[test]
    fn password_minimum_length_is_kept_as_is() {
        let mapping =
            configuration_mapping("windows10GeneralConfiguration", "passwordMinimumLength")
                .expect("passwordMinimumLength is mapped");
        assert_eq!(
            mapping.key.0,
            "device_vendor_msft_policy_config_devicelock_mindevicepasswordlength"
        );
        assert_eq!(mapping.translation, ValueTranslation::Identity);
        assert_eq!(
            translate_value(mapping, &SettingValue::Integer(8)),
            Some(SettingValue::Integer(8))
        );
    }

    #[test]
    fn enum_members_become_integers() {
        let mapping =
            configuration_mapping("windows10GeneralConfiguration", "defenderCloudBlockLevel")
                .expect("defenderCloudBlockLevel is mapped");
        assert_eq!(
            mapping.key.0,
            "device_vendor_msft_policy_config_defender_cloudblocklevel"
        );
        let translate =
            |word: &str| translate_value(mapping, &SettingValue::String(word.to_owned()));
        assert_eq!(translate("high"), Some(SettingValue::Integer(2)));
        assert_eq!(translate("HighPlus"), Some(SettingValue::Integer(4)));
        assert_eq!(translate("zeroTolerance"), Some(SettingValue::Integer(6)));
        assert_eq!(translate("notConfigured"), None);
    }

    #[test]
    fn spotlight_policies_keep_their_user_scope() {
        let mapping =
            configuration_mapping("windows10GeneralConfiguration", "windowsSpotlightBlocked")
                .expect("Spotlight is mapped");
        assert_eq!(
            mapping.key.0,
            "user_vendor_msft_policy_config_experience_allowwindowsspotlight"
        );
        assert_eq!(mapping.scope, SettingScope::User);
    }

    #[test]
    fn update_ring_booleans_translate_both_values() {
        let mapping = configuration_mapping(
            "#microsoft.graph.windowsUpdateForBusinessConfiguration",
            "microsoftUpdateServiceAllowed",
        )
        .expect("the update ring setting is mapped");
        assert_eq!(
            mapping.key.0,
            "device_vendor_msft_policy_config_update_allowmuupdateservice"
        );
        assert_eq!(
            translate_value(mapping, &SettingValue::Bool(false)),
            Some(SettingValue::Integer(0))
        );
        let deferral = configuration_mapping(
            "windowsUpdateForBusinessConfiguration",
            "qualityUpdatesDeferralPeriodInDays",
        )
        .expect("the quality deferral is mapped");
        assert_eq!(
            translate_value(deferral, &SettingValue::Integer(7)),
            Some(SettingValue::Integer(7))
        );
    }

    #[test]
    fn values_of_the_wrong_type_mean_not_configured() {
        let mapping = configuration_mapping("windows10GeneralConfiguration", "cameraBlocked")
            .expect("cameraBlocked is mapped");
        assert_eq!(
            translate_value(mapping, &SettingValue::String("true".to_owned())),
            None
        );
        assert_eq!(translate_value(mapping, &SettingValue::Integer(1)), None);
    }

    #[test]
    fn apple_restrictions_keep_their_catalog_id_and_booleans() {
        let mapping = configuration_mapping("iosGeneralDeviceConfiguration", "cameraBlocked")
            .expect("the iOS camera restriction is mapped");
        assert_eq!(mapping.key.0, "com.apple.applicationaccess_allowcamera");
        assert_eq!(mapping.scope, SettingScope::Device);
        assert_eq!(
            translate_value(mapping, &SettingValue::Bool(true)),
            Some(SettingValue::Bool(false))
        );
    }

    #[test]
    fn android_enterprise_restrictions_have_documented_family_keys() {
        let fully_managed = configuration_mapping(
            "androidDeviceOwnerGeneralDeviceConfiguration",
            "passwordMinimumLength",
        )
        .expect("fully managed password length");
        let work_profile = configuration_mapping(
            "#microsoft.graph.androidWorkProfileGeneralDeviceConfiguration",
            "passwordMinimumLength",
        )
        .expect("work profile device password length");
        assert_eq!(
            fully_managed.key.0,
            "androidenterprise_devicepassword_minimumlength"
        );
        assert_eq!(fully_managed.key, work_profile.key);
        let camera = configuration_mapping(
            "androidDeviceOwnerGeneralDeviceConfiguration",
            "cameraBlocked",
        )
        .expect("camera");
        let work_camera = configuration_mapping(
            "androidWorkProfileGeneralDeviceConfiguration",
            "workProfileBlockCamera",
        )
        .expect("work profile camera");
        assert_ne!(
            camera.key, work_camera.key,
            "device and work profile cameras differ"
        );
        assert_eq!(
            translate_value(camera, &SettingValue::Bool(true)),
            Some(SettingValue::Bool(true))
        );
        assert_eq!(translate_value(camera, &SettingValue::Bool(false)), None);
        let android_rows = configuration_table()
            .rows
            .iter()
            .filter(|(_, mapping)| mapping.odata_type.starts_with("android"))
            .count();
        assert!(android_rows >= 80, "only {android_rows} Android rows");
    }

    #[test]
    fn compliance_password_length_is_shared_across_platforms() {
        let windows = compliance_mapping("windows10CompliancePolicy", "passwordMinimumLength")
            .expect("Windows minimum length");
        let macos = compliance_mapping(
            "#microsoft.graph.macOSCompliancePolicy",
            "passwordMinimumLength",
        )
        .expect("macOS minimum length");
        let ios = compliance_mapping("iosCompliancePolicy", "passcodeMinimumLength")
            .expect("iOS minimum length");
        assert_eq!(windows.key.0, "compliance_passwordminimumlength");
        assert_eq!(windows.key, macos.key);
        assert_eq!(windows.key, ios.key);
        assert_eq!(windows.direction, StrictnessDirection::HigherIsStricter);
    }

    #[test]
    fn stricter_follows_each_direction() {
        let eight = SettingValue::Integer(8);
        let twelve = SettingValue::Integer(12);
        assert_eq!(
            stricter(&StrictnessDirection::HigherIsStricter, &eight, &twelve),
            Some(&twelve)
        );
        assert_eq!(
            stricter(&StrictnessDirection::LowerIsStricter, &eight, &twelve),
            Some(&eight)
        );

        let required = SettingValue::Bool(true);
        let not_required = SettingValue::Bool(false);
        assert_eq!(
            stricter(
                &StrictnessDirection::TrueIsStricter,
                &not_required,
                &required
            ),
            Some(&required)
        );

        let older = SettingValue::String("10.0.19045".to_owned());
        let newer = SettingValue::String("10.0.22621.1".to_owned());
        assert_eq!(
            stricter(
                &StrictnessDirection::HigherVersionIsStricter,
                &older,
                &newer
            ),
            Some(&newer)
        );
        assert_eq!(
            stricter(&StrictnessDirection::LowerVersionIsStricter, &older, &newer),
            Some(&older)
        );
        let build = SettingValue::String("20E772520a".to_owned());
        assert_eq!(
            stricter(
                &StrictnessDirection::HigherVersionIsStricter,
                &older,
                &build
            ),
            None
        );

        let threat_level = compliance_mapping(
            "windows10CompliancePolicy",
            "deviceThreatProtectionRequiredSecurityLevel",
        )
        .expect("threat level is mapped");
        let secured = SettingValue::String("secured".to_owned());
        let medium = SettingValue::String("medium".to_owned());
        let unknown = SettingValue::String("somethingElse".to_owned());
        assert_eq!(
            stricter(&threat_level.direction, &medium, &secured),
            Some(&secured)
        );
        assert_eq!(stricter(&threat_level.direction, &medium, &unknown), None);

        assert_eq!(
            stricter(&StrictnessDirection::HigherIsStricter, &eight, &required),
            None
        );
    }

    #[test]
    fn catalog_compliance_settings_share_keys_and_decode_choices() {
        let length = compliance_mapping(
            "deviceManagementCompliancePolicy",
            "linux_passwordpolicy_minimumlength",
        )
        .expect("Linux minimum length");
        assert_eq!(length.key.0, "compliance_passwordminimumlength");
        let encryption = compliance_mapping(
            "deviceManagementCompliancePolicy",
            "linux_deviceencryption_required",
        )
        .expect("Linux encryption");
        let required = SettingValue::Choice {
            option: "linux_deviceencryption_required_true".into(),
            short: Some("true".into()),
            label: None,
        };
        let not_required = SettingValue::Choice {
            option: "linux_deviceencryption_required_false".into(),
            short: Some("false".into()),
            label: None,
        };
        let winner = stricter(&encryption.direction, &not_required, &required);
        assert!(winner.is_some_and(|winner| std::ptr::eq(winner, &required)));
        let script = compliance_mapping(
            "deviceManagementCompliancePolicy",
            "linux_customcompliance_discoveryscript",
        )
        .expect("Linux discovery script");
        assert_eq!(script.direction, StrictnessDirection::Unordered);
        let first = SettingValue::String("a".into());
        let second = SettingValue::String("b".into());
        assert_eq!(stricter(&script.direction, &first, &second), None);
    }

    #[test]
    fn password_types_order_alphanumeric_above_numeric() {
        let mapping = compliance_mapping("windows10CompliancePolicy", "passwordRequiredType")
            .expect("password type is mapped");
        let numeric = SettingValue::String("numeric".to_owned());
        let alphanumeric = SettingValue::String("alphanumeric".to_owned());
        assert_eq!(
            stricter(&mapping.direction, &numeric, &alphanumeric),
            Some(&alphanumeric)
        );
    }

    #[test]
    fn the_table_covers_at_least_150_windows_rows() {
        let windows_rows = windows_configuration_row_count() + windows_compliance_row_count();
        assert!(windows_rows >= 150, "only {windows_rows} Windows rows");
        let (configuration, compliance) = table_size();
        assert!(configuration >= windows_configuration_row_count());
        assert!(compliance >= windows_compliance_row_count());
    }
}
