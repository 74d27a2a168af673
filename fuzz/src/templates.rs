//! Real-shaped documents of every kind preflight reads, from the repository's
//! fixtures, grouped in small sets that belong together (a policy with its
//! separately saved `/settings` and `/assignments`, groups with the policies that
//! target them, an inventory with its groups), so that a mutated document still
//! meets the documents it refers to.

use preflight_parser::decode::{Encoding, decode};

use crate::tree::{Dictionary, Tree};

macro_rules! fixture {
    ($path:literal) => {
        ($path, include_bytes!(concat!("../../fixtures/", $path)))
    };
}

/// A set of files that belong together: (display path, bytes as stored).
pub type TemplateSet = &'static [(&'static str, &'static [u8])];

/// One set per kind of document (settings catalog, legacy templates, custom
/// profiles, compliance, administrative templates, intents, Graph pages with
/// separate `/settings` and `/assignments`, groups, filters, inventory pages,
/// rollout plan, catalog definitions, families read but not analyzed).
pub const SETS: &[TemplateSet] = &[
    &[
        fixture!("inputs/intunecd-json/Settings Catalog/Win - Defender - Realtime_mdm.json"),
        fixture!("inputs/intunecd-json/Filters/Windows 11 devices.json"),
    ],
    &[fixture!(
        "inputs/intunecd-json/Device Configurations/Win - Device Restrictions - Standard.json"
    )],
    &[fixture!(
        "inputs/intunecd-json/Device Configurations/Win - Custom - Realtime Monitoring.json"
    )],
    &[fixture!(
        "inputs/intunecd-json/Compliance Policies/Policies/Win - Compliance - Password.json"
    )],
    &[fixture!(
        "inputs/intunecd-json/Group Policy Configurations/Win - OneDrive - Silent Sign-in.json"
    )],
    &[fixture!(
        "inputs/intunecd-json/Management Intents/Microsoft Defender Firewall/Win - Firewall - Baseline.json"
    )],
    &[
        fixture!("inputs/graph/configurationPolicies.json"),
        fixture!("inputs/graph/configurationPolicies-e1f2a3b4-settings.json"),
        fixture!("inputs/graph/configurationPolicies-e1f2a3b4-assignments.json"),
        fixture!("inputs/graph/groups.json"),
        fixture!("inputs/graph/assignmentFilters.json"),
    ],
    &[
        fixture!("inputs/graph/deviceConfigurations.json"),
        fixture!("inputs/graph/deviceCompliancePolicies.json"),
        fixture!("inputs/graph/groups.json"),
    ],
    &[
        fixture!("inputs/graph/groupPolicyConfigurations.json"),
        fixture!("inputs/graph/intents.json"),
        fixture!("inputs/graph/managedAppPolicies.json"),
    ],
    &[
        fixture!("inputs/graph/groups.json"),
        fixture!("inputs/graph/inventory/managedDevices-001.json"),
        fixture!("inputs/graph/inventory/managedDevices-002.json"),
        fixture!("inputs/graph/inventory/devices.json"),
        fixture!("inputs/graph/inventory/users.json"),
        fixture!("inputs/graph/configurationPolicies.json"),
        fixture!("inputs/graph/assignmentFilters.json"),
    ],
    &[
        fixture!("inputs/intunemanagement/DeviceConfiguration/Win - Update Ring - Pilot.json"),
        fixture!("inputs/intunemanagement/SettingsCatalog/Win - Edge - Passwords.json"),
        fixture!("inputs/native-import/Win - BitLocker - OS Drive.json"),
    ],
    &[
        fixture!("rollout/rings.rollout.json"),
        fixture!("rollout/uat-overlaps-pilot/Settings Catalog/Win - Defender - Performance_mdm.json"),
        fixture!("rollout/uat-overlaps-pilot/Settings Catalog/Win - Device Lock - Hardened_mdm.json"),
        fixture!("rollout/uat-overlaps-pilot/Settings Catalog/Win - Device Lock - Kiosk_mdm.json"),
        fixture!("rollout/uat-overlaps-pilot/inventory/groups.json"),
        fixture!("rollout/uat-overlaps-pilot/inventory/devices.json"),
        fixture!("rollout/uat-overlaps-pilot/inventory/managedDevices.json"),
    ],
    &[
        fixture!("rules/not-applicable-setting/fires/configurationSettings.json"),
        fixture!("rules/not-applicable-setting/fires/Settings Catalog/Win - Windows 11 Start - Pilot_mdm.json"),
        fixture!("rules/not-applicable-setting/fires/inventory/devices.json"),
        fixture!("rules/not-applicable-setting/fires/inventory/groups.json"),
    ],
];

/// The rollout plan's display path: read as a plan, not as input.
pub const PLAN_PATH: &str = "rollout/rings.rollout.json";

/// Every template parsed, with the dictionary of all their words.
pub struct Parsed {
    /// Per set, per file: the template.
    pub sets: Vec<Vec<Template>>,
    /// The words of every template.
    pub dictionary: Dictionary,
}

impl Parsed {
    /// Parses every template (they are all valid JSON).
    pub fn new() -> Self {
        let sets: Vec<Vec<Template>> = SETS
            .iter()
            .map(|set| {
                set.iter()
                    .map(|(path, bytes)| {
                        let decoded = decode(bytes);
                        let tree = Tree::parse(&decoded.text)
                            .unwrap_or_else(|| panic!("template `{path}` is not JSON"));
                        Template {
                            path,
                            encoding: decoded.encoding,
                            tree,
                        }
                    })
                    .collect()
            })
            .collect();
        let trees: Vec<&Tree> = sets.iter().flatten().map(|template| &template.tree).collect();
        let dictionary = Dictionary::of(&trees);
        Self { sets, dictionary }
    }

    /// Every template tree, as donors for splicing.
    pub fn donors(&self) -> Vec<&Tree> {
        self.sets
            .iter()
            .flatten()
            .map(|template| &template.tree)
            .collect()
    }
}

/// One template document.
#[derive(Clone, Debug)]
pub struct Template {
    /// Its display path (which folder it is in matters).
    pub path: &'static str,
    /// How it was stored.
    pub encoding: Encoding,
    /// The document.
    pub tree: Tree,
}

impl Template {
    /// The document as bytes, in the encoding it was stored in (strings escaped
    /// to ASCII with `ascii`).
    pub fn to_bytes(&self, pretty: bool, ascii: bool) -> Vec<u8> {
        let text = self.tree.to_json_escaped(pretty, ascii);
        match self.encoding {
            Encoding::Utf8 => text.into_bytes(),
            Encoding::Utf8WithBom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            Encoding::Utf16Le => [0xFF, 0xFE]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
                .collect(),
            Encoding::Utf16Be => [0xFE, 0xFF]
                .into_iter()
                .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
                .collect(),
        }
    }
}

impl Default for Parsed {
    fn default() -> Self {
        Self::new()
    }
}
