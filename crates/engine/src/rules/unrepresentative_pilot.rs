//! `unrepresentative-pilot`: a rollout's pilot lacks kinds of devices its
//! enterprise audience holds.

use std::collections::BTreeMap;

use fixedbitset::FixedBitSet;
use preflight_normalizer::plan::{PhaseGroup, PhaseKind};
use preflight_normalizer::{InventoryValue, Tenant};

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label};
use crate::fingerprint::fingerprint;
use crate::rules::{Rule, RuleMetadata, declare_rule};
use crate::target_graph::TargetGraph;

declare_rule! {
    /// ## What it finds
    /// With a rollout plan (`check --plan`, `preflight plan`) and an inventory: the
    /// pilot's devices (every group up to the last pilot phase) against the
    /// enterprise audience (every group of every phase). Each platform, OS build,
    /// ownership and enrollment profile present in the enterprise audience but
    /// absent from the pilot is named, with how many enterprise devices have it.
    ///
    /// ## Why it matters
    /// A pilot exists to meet problems on a few devices before they reach many.
    /// A kind of device the pilot does not hold meets the rollout for the first
    /// time in an enterprise wave: a Windows 10 build, personal devices, kiosks
    /// enrolled with their own profile. That is where the help-desk calls come from.
    ///
    /// ## Example
    /// The pilot group holds only Windows 11 corporate laptops; wave 2 adds 40
    /// devices on `10.0.19045` and 12 personal devices.
    ///
    /// ## How to fix
    /// Add a few devices of each missing kind to the pilot group. Without an
    /// inventory, group memberships are unknown and the rule stays quiet.
    pub struct UnrepresentativePilot {
        name: "unrepresentative-pilot",
        default_severity: Warning,
        summary: "a rollout's pilot lacks kinds of devices its enterprise audience holds",
    }
}

impl Rule for UnrepresentativePilot {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let Some(plan) = context.plan else {
            return;
        };
        let graph = context.target_graph();
        if !graph.has_inventory {
            return;
        }
        let Some(last_pilot) = plan
            .phases
            .iter()
            .rposition(|phase| phase.kind == PhaseKind::Pilot)
        else {
            return;
        };
        if last_pilot + 1 == plan.phases.len() {
            return;
        }
        let tenant = context.tenant;
        let groups_until = |end: usize| -> Vec<&PhaseGroup> {
            plan.phases[..=end]
                .iter()
                .flat_map(|phase| phase.groups.iter())
                .collect()
        };
        let (Some(pilot), Some(enterprise)) = (
            devices_of(tenant, graph, &groups_until(last_pilot)),
            devices_of(tenant, graph, &groups_until(plan.phases.len() - 1)),
        ) else {
            return;
        };
        let pilot_kinds = kinds(tenant, &pilot);
        let enterprise_kinds = kinds(tenant, &enterprise);
        let missing: Vec<String> = enterprise_kinds
            .iter()
            .filter(|(kind, _)| !pilot_kinds.contains_key(*kind))
            .map(|((attribute, value), count)| {
                let devices = if *count == 1 {
                    "1 device".to_owned()
                } else {
                    format!("{count} devices")
                };
                format!("{attribute} `{value}` ({devices} in the enterprise audience)")
            })
            .collect();
        if missing.is_empty() {
            return;
        }
        let phase = &plan.phases[last_pilot];
        findings.push(Finding {
            rule: Self::METADATA.name,
            severity: Self::METADATA.default_severity,
            message: format!(
                "the pilot does not represent the enterprise audience: it has no device with {}",
                missing.join(", ")
            ),
            help: Some(format!(
                "add devices of each missing kind to the pilot groups; the pilot reaches {} devices, the whole rollout {}",
                pilot.count_ones(..),
                enterprise.count_ones(..)
            )),
            file: Some(phase.source.file),
            labels: vec![Label {
                location: phase.source,
                message: "the last pilot phase".to_owned(),
            }],
            setting: None,
            policies: Vec::new(),
            overlap: None,
            fingerprint: fingerprint(Self::METADATA.name, [plan.name.as_str(), phase.name.as_str()]),
        });
    }
}

/// Devices the groups reach (members, and the devices of member users); `None`
/// when a group's membership is unknown.
fn devices_of(tenant: &Tenant, graph: &TargetGraph, groups: &[&PhaseGroup]) -> Option<FixedBitSet> {
    let mut devices = FixedBitSet::with_capacity(tenant.devices.len());
    for group in groups {
        if group.name.eq_ignore_ascii_case("All devices") {
            devices.insert_range(..);
            continue;
        }
        let all_users = group.name.eq_ignore_ascii_case("All users");
        let members = if all_users {
            None
        } else {
            let index = tenant
                .groups
                .iter()
                .position(|known| known.id.0 == group.name || known.name == group.name)?;
            Some(graph.memberships.get(index)?.as_ref()?)
        };
        for (index, device) in tenant.devices.iter().enumerate() {
            let direct = members.is_some_and(|members| members.devices.contains(index));
            let through_user = device
                .primary_user_principal_name
                .as_ref()
                .is_some_and(|upn| {
                    tenant.users.iter().enumerate().any(|(user_index, user)| {
                        user.user_principal_name.eq_ignore_ascii_case(upn)
                            && (all_users
                                || members
                                    .is_some_and(|members| members.users.contains(user_index)))
                    })
                });
            if direct || through_user {
                devices.insert(index);
            }
        }
    }
    Some(devices)
}

/// (attribute, value) → how many of `devices` have it.
fn kinds(tenant: &Tenant, devices: &FixedBitSet) -> BTreeMap<(&'static str, String), usize> {
    let mut kinds = BTreeMap::new();
    for index in devices.ones() {
        let device = &tenant.devices[index];
        let text = |names: &[&str]| -> Option<String> {
            names
                .iter()
                .find_map(|name| match device.properties.get(*name) {
                    Some(InventoryValue::String(text)) if !text.trim().is_empty() => {
                        Some(text.clone())
                    }
                    _ => None,
                })
        };
        let mut add = |attribute: &'static str, value: Option<String>| {
            if let Some(value) = value {
                *kinds.entry((attribute, value)).or_insert(0) += 1;
            }
        };
        add(
            "platform",
            device.platform.map(|platform| platform.name().to_owned()),
        );
        add(
            "OS build",
            text(&["osVersion", "operatingSystemVersion"])
                .map(|version| version.split('.').take(3).collect::<Vec<_>>().join(".")),
        );
        add(
            "ownership",
            text(&["managedDeviceOwnerType", "deviceOwnership"]).map(|owner| {
                match owner.to_ascii_lowercase().as_str() {
                    "company" | "corporate" => "corporate".to_owned(),
                    other => other.to_owned(),
                }
            }),
        );
        add("enrollment profile", text(&["enrollmentProfileName"]));
    }
    kinds
}
