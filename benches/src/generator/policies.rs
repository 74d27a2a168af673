//! Settings catalog policies: which settings each policy configures (a skewed
//! choice between a few hundred popular settings and a long tail), to which values
//! (mostly the value most tenants choose, sometimes another), and to whom they are
//! assigned.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::directory::Directory;
use super::rng::{SkewedIndex, SplitMix64, mix64};
use super::vocabulary::{
    ADMX_FILES, AREAS, DEPARTMENTS, OFFICES, POLICY_VARIANTS, TAIL_OBJECTS, TAIL_VERBS,
};
use super::{TenantSize, file_stem, stable_hash, unique_name};

const POLICY_STREAM: u64 = 10;

/// How often a policy sets a setting to the value most policies use; the rest of
/// the time it picks another, so same-setting pairs are sometimes conflicts.
const AGREEMENT: f64 = 0.8;

/// The kind of a setting definition, which decides its instance's JSON shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SettingKind {
    /// A choice with this many options (`<id>_0`, `<id>_1`, …).
    Choice(usize),
    /// An integer.
    Integer,
    /// A collection of strings.
    StringList,
    /// A group setting collection whose one item holds choice children.
    GroupCollection(&'static [&'static str]),
}

/// A settings catalog setting definition.
#[derive(Clone, Debug)]
struct SettingDefinition {
    id: String,
    kind: SettingKind,
}

const SEVERITY_CHILDREN: &[&str] = &[
    "highseveritythreats",
    "lowseveritythreats",
    "moderateseveritythreats",
    "severethreats",
];
const FIREWALL_RULE_CHILDREN: &[&str] = &["action_type", "direction", "enabled", "profiles"];

const LIST_ITEMS: &[&str] = &[
    "C:\\src",
    "D:\\build",
    "C:\\ProgramData\\Contoso\\Agent",
    "%ProgramFiles%\\Contoso\\Agent\\agent.exe",
    ".vhdx",
    ".iso",
    "https://intranet.contoso.com",
    "*S-1-5-32-544",
    "*S-1-5-32-555",
    "\\\\*\\NETLOGON=RequireMutualAuthentication=1,RequireIntegrity=1",
    "56a863a9-875e-4185-98a7-b882c64b5ce5=1",
    "d4f940ab-401b-4efc-aadc-ad5f3c50688a=1",
];

const INTEGER_BASES: &[i64] = &[1, 5, 7, 10, 14, 15, 30, 60, 90, 120, 300, 900];

impl SettingDefinition {
    fn popular(prefix: &str, entry: &str) -> Self {
        let (name, marker) = entry.split_once(':').unwrap_or((entry, ""));
        let id = format!("{prefix}{name}");
        let kind = match marker {
            "int" => SettingKind::Integer,
            "list" => SettingKind::StringList,
            "group" if name.contains("threatseverity") => {
                SettingKind::GroupCollection(SEVERITY_CHILDREN)
            }
            "group" => SettingKind::GroupCollection(FIREWALL_RULE_CHILDREN),
            _ if stable_hash(&id).is_multiple_of(6) => SettingKind::Choice(3),
            _ => SettingKind::Choice(2),
        };
        Self { id, kind }
    }

    /// Tail setting `index`: ADMX-backed, mostly enabled/disabled choices.
    fn tail(index: usize) -> Self {
        let file = ADMX_FILES[index % ADMX_FILES.len()];
        let rest = index / ADMX_FILES.len();
        let verb = TAIL_VERBS[rest % TAIL_VERBS.len()];
        let rest = rest / TAIL_VERBS.len();
        let object = TAIL_OBJECTS[rest % TAIL_OBJECTS.len()];
        let generation = rest / TAIL_OBJECTS.len();
        let id = if generation == 0 {
            format!("device_vendor_msft_policy_config_admx_{file}_{verb}_{object}")
        } else {
            format!("device_vendor_msft_policy_config_admx_{file}_{verb}_{object}_v{generation}")
        };
        let kind = if stable_hash(&id).is_multiple_of(10) {
            SettingKind::Integer
        } else {
            SettingKind::Choice(2)
        };
        Self { id, kind }
    }

    /// The instance setting this definition, and the value as text (for stats):
    /// the usual value with probability [`AGREEMENT`], another one otherwise.
    fn instance(&self, seed: u64, rng: &mut SplitMix64) -> (Value, String) {
        let usual = mix64(seed ^ stable_hash(&self.id));
        let agree = rng.chance(AGREEMENT);
        match self.kind {
            SettingKind::Choice(options) => {
                let usual_option = (usual % options as u64) as usize;
                let option = if agree {
                    usual_option
                } else {
                    (usual_option + 1 + rng.below(options - 1)) % options
                };
                let value = format!("{}_{option}", self.id);
                (choice_instance(&self.id, &value), value)
            }
            SettingKind::Integer => {
                let base = INTEGER_BASES[(usual % INTEGER_BASES.len() as u64) as usize];
                let value = if agree {
                    base
                } else {
                    base * (2 + rng.below(3) as i64)
                };
                let instance = json!({
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance",
                    "settingDefinitionId": self.id,
                    "settingInstanceTemplateReference": null,
                    "simpleSettingValue": {
                        "@odata.type": "#microsoft.graph.deviceManagementConfigurationIntegerSettingValue",
                        "settingValueTemplateReference": null,
                        "value": value,
                    },
                });
                (instance, value.to_string())
            }
            SettingKind::StringList => {
                let first = (usual % LIST_ITEMS.len() as u64) as usize;
                let second = (first + 1 + (usual >> 32) as usize % (LIST_ITEMS.len() - 1))
                    % LIST_ITEMS.len();
                let mut items = vec![LIST_ITEMS[first], LIST_ITEMS[second]];
                if !agree {
                    let extra = rng.pick(LIST_ITEMS);
                    if items.contains(extra) {
                        items.pop();
                    } else {
                        items.push(extra);
                    }
                }
                let values: Vec<Value> = items
                    .iter()
                    .map(|item| {
                        json!({
                            "@odata.type": "#microsoft.graph.deviceManagementConfigurationStringSettingValue",
                            "settingValueTemplateReference": null,
                            "value": item,
                        })
                    })
                    .collect();
                let instance = json!({
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationSimpleSettingCollectionInstance",
                    "settingDefinitionId": self.id,
                    "settingInstanceTemplateReference": null,
                    "simpleSettingCollectionValue": values,
                });
                (instance, items.join("|"))
            }
            SettingKind::GroupCollection(children) => {
                let changed = if agree {
                    None
                } else {
                    Some(rng.below(children.len()))
                };
                let mut text = Vec::new();
                let child_instances: Vec<Value> = children
                    .iter()
                    .enumerate()
                    .map(|(index, child)| {
                        let child_id = format!("{}_{child}", self.id);
                        let usual_option = (mix64(usual ^ index as u64) % 2) as usize;
                        let option = if changed == Some(index) {
                            1 - usual_option
                        } else {
                            usual_option
                        };
                        let value = format!("{child_id}_{option}");
                        let instance = choice_instance(&child_id, &value);
                        text.push(value);
                        instance
                    })
                    .collect();
                let instance = json!({
                    "@odata.type": "#microsoft.graph.deviceManagementConfigurationGroupSettingCollectionInstance",
                    "settingDefinitionId": self.id,
                    "settingInstanceTemplateReference": null,
                    "groupSettingCollectionValue": [
                        { "settingValueTemplateReference": null, "children": child_instances },
                    ],
                });
                (instance, text.join("|"))
            }
        }
    }
}

fn choice_instance(id: &str, value: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.deviceManagementConfigurationChoiceSettingInstance",
        "settingDefinitionId": id,
        "settingInstanceTemplateReference": null,
        "choiceSettingValue": {
            "settingValueTemplateReference": null,
            "value": value,
            "children": [],
        },
    })
}

/// Where a policy slot takes its setting from.
#[derive(Clone, Copy)]
enum Source {
    /// The popular settings of the policy's own area.
    AreaPopular,
    /// Any popular setting, the most popular most often.
    Popular,
    /// The long tail of the policy's own area.
    AreaTail,
    /// Any tail setting.
    Tail,
}

/// A generated policy.
pub struct GeneratedPolicy {
    /// The file name without `.json`, as IntuneCD names it.
    pub file_stem: String,
    /// The file's content.
    pub json: Value,
    /// Each top-level setting's definition id and value (as text).
    pub setting_values: Vec<(String, String)>,
}

/// Generates policies one at a time.
pub struct PolicyGenerator {
    seed: u64,
    tail_settings: usize,
    mean_settings: usize,
    baselines_per_mille: usize,
    popular_per_mille: usize,
    popular: Vec<SettingDefinition>,
    /// For each area, the indices of its popular settings in `popular`.
    area_popular: Vec<Vec<usize>>,
    area_skew: SkewedIndex,
    popular_skew: SkewedIndex,
    area_tail_skew: SkewedIndex,
    tail_skew: SkewedIndex,
    names: BTreeSet<String>,
    group_skew: Option<SkewedIndex>,
}

impl PolicyGenerator {
    /// A generator for a tenant of `size` from `seed`.
    pub fn new(size: &TenantSize, seed: u64) -> Self {
        let mut popular = Vec::new();
        let mut area_popular = Vec::new();
        for area in AREAS {
            let mut indices = Vec::new();
            for entry in area.settings {
                indices.push(popular.len());
                popular.push(SettingDefinition::popular(area.prefix, entry));
            }
            area_popular.push(indices);
        }
        let tail_settings = size.tail_settings.max(AREAS.len());
        Self {
            seed,
            tail_settings,
            mean_settings: size.mean_settings.max(1),
            baselines_per_mille: size.baselines_per_mille.min(1000),
            popular_per_mille: size.popular_per_mille.min(1000),
            area_skew: SkewedIndex::new(AREAS.len(), 3.0),
            popular_skew: SkewedIndex::new(popular.len(), 10.0),
            area_tail_skew: SkewedIndex::new(tail_settings / AREAS.len(), 200.0),
            tail_skew: SkewedIndex::new(tail_settings, 1_000.0),
            popular,
            area_popular,
            names: BTreeSet::new(),
            group_skew: None,
        }
    }

    /// Policy `index`.
    pub fn policy(&mut self, index: usize, directory: &Directory) -> GeneratedPolicy {
        let mut rng = SplitMix64::derive(self.seed, POLICY_STREAM, index as u64);
        let area_index = self.area_skew.sample(&mut rng);
        let area = &AREAS[area_index];
        let baseline_share = self.baselines_per_mille as f64 / 1000.0;
        let baseline = rng.chance(baseline_share);
        // Baselines hold 60–150 settings; the others average so that the whole
        // tenant averages `mean_settings`.
        let count = if baseline {
            rng.between(60, 150)
        } else {
            let focused_mean =
                (self.mean_settings as f64 - baseline_share * 105.0) / (1.0 - baseline_share);
            let high = (2.0 * focused_mean).max(2.0) as usize;
            rng.between(1, high.saturating_sub(1).max(1))
        };

        let mut chosen = BTreeSet::new();
        let mut definitions = Vec::new();
        let mut attempts = 0;
        while definitions.len() < count && attempts < count * 8 {
            attempts += 1;
            let source = if baseline {
                if rng.chance(0.85) {
                    Source::Popular
                } else {
                    Source::Tail
                }
            } else {
                // Popular settings, four in five from the policy's own area; then
                // the area's tail and the whole tail.
                let roll = rng.below(1000);
                let popular = self.popular_per_mille;
                if roll < popular * 4 / 5 {
                    Source::AreaPopular
                } else if roll < popular {
                    Source::Popular
                } else if roll < popular + (1000 - popular) / 2 {
                    Source::AreaTail
                } else {
                    Source::Tail
                }
            };
            let definition = match source {
                Source::AreaPopular => {
                    let indices = &self.area_popular[area_index];
                    let position = rng.below(indices.len()).min(rng.below(indices.len()));
                    Key::Popular(indices[position])
                }
                Source::Popular => Key::Popular(self.popular_skew.sample(&mut rng)),
                Source::AreaTail => {
                    let tail = area_index + AREAS.len() * self.area_tail_skew.sample(&mut rng);
                    Key::Tail(tail.min(self.tail_settings - 1))
                }
                Source::Tail => Key::Tail(self.tail_skew.sample(&mut rng)),
            };
            if chosen.insert(definition) {
                definitions.push(match definition {
                    Key::Popular(popular) => self.popular[popular].clone(),
                    Key::Tail(tail) => SettingDefinition::tail(tail),
                });
            }
        }

        let mut settings = Vec::with_capacity(definitions.len());
        let mut setting_values = Vec::with_capacity(definitions.len());
        for (position, definition) in definitions.iter().enumerate() {
            let (instance, value) = definition.instance(self.seed, &mut rng);
            settings.push(json!({ "id": position.to_string(), "settingInstance": instance }));
            setting_values.push((definition.id.clone(), value));
        }

        let variant = if baseline {
            "Security Baseline"
        } else {
            rng.pick(POLICY_VARIANTS)
        };
        let department = DEPARTMENTS[rng.below(DEPARTMENTS.len())];
        let city = OFFICES[rng.below(OFFICES.len())].1;
        let base = format!("Win - {} - {variant} - {department} {city}", area.title);
        let name = unique_name(&mut self.names, base);
        let assignments = self.assignments(&mut rng, directory);
        let technologies = area.technologies;
        let suffix = technologies.rsplit(',').next().unwrap_or(technologies);
        let json = json!({
            "description": format!("{} settings for {department} in {city}.", area.title),
            "name": name,
            "platforms": "windows10",
            "priorityMetaData": null,
            "roleScopeTagIds": ["0"],
            "settingCount": settings.len(),
            "technologies": technologies,
            "templateReference": {
                "templateId": "",
                "templateFamily": "none",
                "templateDisplayName": null,
                "templateDisplayVersion": null,
            },
            "settings": settings,
            "assignments": assignments,
        });
        GeneratedPolicy {
            file_stem: file_stem(&format!("{name}_{suffix}")),
            json,
            setting_values,
        }
    }

    /// One to three includes (a group, All devices or All users, some with a
    /// filter), sometimes an exclusion; a few policies are assigned to nobody.
    fn assignments(&mut self, rng: &mut SplitMix64, directory: &Directory) -> Vec<Value> {
        if rng.chance(0.02) || directory.groups.is_empty() {
            return Vec::new();
        }
        let group_skew = self
            .group_skew
            .get_or_insert_with(|| SkewedIndex::new(directory.groups.len(), 30.0));
        let includes = match rng.below(100) {
            0..70 => 1,
            70..92 => 2,
            _ => 3,
        };
        let mut assignments = Vec::new();
        let mut used = BTreeSet::new();
        for _ in 0..includes {
            let (filter_name, filter_type) = if !directory.filters.is_empty() && rng.chance(0.25) {
                let filter = &directory.filters[rng.below(directory.filters.len())];
                (
                    Value::from(filter.name.clone()),
                    if rng.chance(0.7) {
                        "include"
                    } else {
                        "exclude"
                    },
                )
            } else {
                (Value::Null, "none")
            };
            let roll = rng.below(100);
            let target = if roll < 10 {
                json!({
                    "@odata.type": "#microsoft.graph.allDevicesAssignmentTarget",
                    "deviceAndAppManagementAssignmentFilterId": filter_name,
                    "deviceAndAppManagementAssignmentFilterType": filter_type,
                })
            } else if roll < 16 {
                json!({
                    "@odata.type": "#microsoft.graph.allLicensedUsersAssignmentTarget",
                    "deviceAndAppManagementAssignmentFilterId": filter_name,
                    "deviceAndAppManagementAssignmentFilterType": filter_type,
                })
            } else {
                let group = group_skew.sample(rng);
                if !used.insert(group) {
                    continue;
                }
                group_target(
                    directory,
                    group,
                    "#microsoft.graph.groupAssignmentTarget",
                    filter_name,
                    filter_type,
                )
            };
            assignments.push(json!({ "intent": "apply", "target": target }));
        }
        if rng.chance(0.2) {
            let group = rng.below(directory.groups.len());
            if used.insert(group) {
                let target = group_target(
                    directory,
                    group,
                    "#microsoft.graph.exclusionGroupAssignmentTarget",
                    Value::Null,
                    "none",
                );
                assignments.push(json!({ "intent": "apply", "target": target }));
            }
        }
        assignments
    }
}

/// A setting chosen for a policy, to avoid choosing it twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Popular(usize),
    Tail(usize),
}

fn group_target(
    directory: &Directory,
    group: usize,
    odata_type: &str,
    filter_name: Value,
    filter_type: &str,
) -> Value {
    let spec = &directory.groups[group];
    let mut target = json!({
        "@odata.type": odata_type,
        "deviceAndAppManagementAssignmentFilterId": filter_name,
        "deviceAndAppManagementAssignmentFilterType": filter_type,
        "groupName": spec.name,
        "groupType": if spec.rule.is_some() { "DynamicMembership" } else { "StaticMembership" },
    });
    if let (Some(rule), Some(object)) = (&spec.rule, target.as_object_mut()) {
        object.insert("membershipRule".to_owned(), Value::from(rule.clone()));
    }
    target
}
