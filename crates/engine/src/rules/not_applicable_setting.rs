//! `not-applicable-setting`: a setting whose applicability (from the catalog
//! definitions export) excludes every device the policy reaches.

use preflight_normalizer::{InventoryValue, Policy, Setting, SettingDefinition, Tenant};

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label, PolicyEvidence, SettingEvidence};
use crate::fingerprint::{fingerprint, policy_identity};
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// A setting whose settings catalog definition (given with `--catalog`) says
    /// it applies only to platforms the policy does not target, or, with an
    /// inventory, only to OS versions or Windows editions that no device the
    /// policy reaches runs. The finding names the applicability and the devices'
    /// versions or editions.
    ///
    /// ## Why it matters
    /// Intune delivers the setting, the device ignores it, and the console shows
    /// "Not applicable": the planner believes a control is in force that is not.
    /// Typical cases are Enterprise-only settings assigned to Pro devices and
    /// settings that need a newer Windows build than the pilot devices run.
    ///
    /// ## Example
    /// A setting with `minimumSupportedVersion` `10.0.22621` in a policy whose
    /// devices all run Windows 10 (`10.0.19045`).
    ///
    /// ## How to fix
    /// Remove the setting, target devices it applies to, or upgrade the devices
    /// first. Without `--catalog`, applicability is unknown and the rule stays quiet.
    pub struct NotApplicableSetting {
        name: "not-applicable-setting",
        default_severity: Warning,
        summary: "a setting's applicability excludes every device the policy reaches",
    }
}

impl Rule for NotApplicableSetting {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        if tenant.definitions.is_empty() {
            return;
        }
        for (policy_index, policy) in tenant.policies.iter().enumerate() {
            for setting in &policy.settings {
                let leaf = setting.key.0.rsplit('/').next().unwrap_or(&setting.key.0);
                let Some(definition) = tenant.definitions.get(leaf) else {
                    continue;
                };
                let reason = platform_reason(policy, definition).or_else(|| {
                    let reach = context.audiences().reaches[policy_index].as_ref()?;
                    let devices: Vec<usize> = reach.devices().ones().collect();
                    inventory_reason(tenant, &devices, definition)
                });
                if let Some(reason) = reason {
                    findings.push(finding(policy, setting, definition, reason));
                }
            }
        }
    }
}

fn platform_reason(policy: &Policy, definition: &SettingDefinition) -> Option<String> {
    if definition.platforms.is_empty()
        || policy.platforms.is_empty()
        || policy
            .platforms
            .iter()
            .any(|platform| definition.platforms.contains(platform))
    {
        return None;
    }
    let names: Vec<&str> = definition
        .platforms
        .iter()
        .map(|platform| platform.name())
        .collect();
    Some(format!("the setting applies only to {}", names.join(", ")))
}

/// Why no device in `devices` meets the definition's minimum version or editions.
fn inventory_reason(
    tenant: &Tenant,
    devices: &[usize],
    definition: &SettingDefinition,
) -> Option<String> {
    if devices.is_empty() {
        return None;
    }
    let property = |device: usize, names: &[&str]| -> Option<String> {
        names
            .iter()
            .find_map(|name| match tenant.devices[device].properties.get(name) {
                Some(InventoryValue::String(text)) if !text.is_empty() => Some(text.to_string()),
                _ => None,
            })
    };
    if let Some(minimum) = &definition.minimum_version {
        let versions: Option<Vec<String>> = devices
            .iter()
            .map(|&device| property(device, &["osVersion", "operatingSystemVersion"]))
            .collect();
        if let Some(versions) = versions
            && versions
                .iter()
                .all(|version| compare_versions(version, minimum) == Some(std::cmp::Ordering::Less))
        {
            let highest = versions
                .iter()
                .max_by(|left, right| {
                    compare_versions(left, right).unwrap_or(std::cmp::Ordering::Equal)
                })
                .cloned()
                .unwrap_or_default();
            return Some(format!(
                "the setting needs OS version {minimum} or later, and the newest of the {} devices it reaches runs {highest}",
                devices.len()
            ));
        }
    }
    if !definition.windows_skus.is_empty() {
        let editions: Option<Vec<String>> = devices
            .iter()
            .map(|&device| property(device, &["skuFamily", "operatingSystemEdition"]))
            .collect();
        if let Some(editions) = editions
            && editions.iter().all(|edition| {
                !definition.windows_skus.iter().any(|sku| {
                    sku.to_ascii_lowercase()
                        .contains(&edition.to_ascii_lowercase())
                })
            })
        {
            let mut seen = editions.clone();
            seen.sort();
            seen.dedup();
            return Some(format!(
                "the setting applies only to {}, and the devices it reaches run {}",
                definition.windows_skus.join(", "),
                seen.join(", ")
            ));
        }
    }
    None
}

/// Compares dotted numeric versions (`10.0.19045.5131`); `None` when either is not one.
pub fn compare_versions(left: &str, right: &str) -> Option<std::cmp::Ordering> {
    let parse = |version: &str| -> Option<Vec<u64>> {
        version
            .trim()
            .split('.')
            .map(|part| part.parse().ok())
            .collect()
    };
    let (mut left, mut right) = (parse(left)?, parse(right)?);
    let length = left.len().max(right.len());
    left.resize(length, 0);
    right.resize(length, 0);
    Some(left.cmp(&right))
}

fn finding(
    policy: &Policy,
    setting: &Setting,
    definition: &SettingDefinition,
    reason: String,
) -> Finding {
    let identity = policy_identity(policy);
    Finding {
        rule: NotApplicableSetting::METADATA.name,
        severity: NotApplicableSetting::METADATA.default_severity,
        message: format!(
            "`{}` in `{}` applies to none of the devices the policy reaches",
            setting.name, policy.name
        ),
        help: Some(format!(
            "{reason}; remove the setting or target devices it applies to"
        )),
        file: Some(setting.source.file),
        labels: vec![
            Label {
                location: setting.source,
                message: "not applicable where the policy is assigned".into(),
            },
            Label {
                location: definition.source,
                message: "the setting's definition".into(),
            },
        ],
        setting: Some(SettingEvidence {
            key: setting.key.clone(),
            name: setting.name.clone(),
        }),
        policies: vec![PolicyEvidence {
            value: Some(setting.value.clone()),
            location: setting.source,
            ..PolicyEvidence::of_policy(policy)
        }],
        overlap: None,
        fingerprint: fingerprint(
            NotApplicableSetting::METADATA.name,
            [identity.as_str(), setting.key.0.as_str()],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(
            compare_versions("10.0.19045.5131", "10.0.22621"),
            Some(Ordering::Less)
        );
        assert_eq!(
            compare_versions("10.0.22631", "10.0.22621"),
            Some(Ordering::Greater)
        );
        assert_eq!(compare_versions("10.0", "10.0.0"), Some(Ordering::Equal));
        assert_eq!(compare_versions("14.5 (23F79)", "14.0"), None);
    }
}
