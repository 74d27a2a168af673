//! Rollout phases checked before each starts: for every phase of a plan, the
//! tenant as it will be once the phase is live (the rollout's policies assigned to
//! every group added so far), the findings that phase introduces, its audience,
//! and what changes for whom.
//!
//! - An isolated phase holds only the rollout's policies: they are checked
//!   against each other. Any other phase holds every policy of the tenant.
//! - The rollout's policies keep their own exclusions; their includes are
//!   replaced by the groups of the phases so far.
//! - A finding belongs to the first phase that has it (findings are matched by
//!   fingerprint, which does not depend on assignments), and only findings that
//!   involve a policy of the rollout are the rollout's.

use std::collections::BTreeSet;

use preflight_normalizer::plan::{PhaseGroup, RolloutPlan};
use preflight_normalizer::{Assignment, AssignmentTarget, GroupId, Policy, SettingValue, Tenant};

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label};
use crate::fingerprint::fingerprint;
use crate::overlap::Certainty;
use crate::{AnalysisInput, Config, analyze_with};

/// The outcome of one phase.
#[derive(Debug)]
pub struct PhaseReport {
    /// Index of the phase in the plan.
    pub phase: usize,
    /// Every group the rollout is assigned to once this phase is live.
    pub groups: Vec<String>,
    /// With an inventory: devices the rollout's policies reach in this phase.
    pub devices: Option<usize>,
    /// With an inventory: users the rollout's policies reach in this phase.
    pub users: Option<usize>,
    /// Findings this phase introduces, sorted as `check` sorts them.
    pub findings: Vec<Finding>,
    /// Settings of the rollout's policies and what they replace.
    pub changes: Vec<SettingChange>,
}

/// One setting a rollout policy brings to its audience in a phase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingChange {
    /// The rollout policy.
    pub policy: String,
    /// The setting's name for people.
    pub setting: String,
    /// The canonical key.
    pub key: String,
    /// The value the rollout sets.
    pub new_value: SettingValue,
    /// What existing policies reaching the same audience set it to (policy name,
    /// value); empty when nothing sets it today.
    pub old_values: Vec<(String, SettingValue)>,
    /// With an inventory: devices the policy reaches in this phase.
    pub devices: Option<usize>,
    /// With an inventory: users the policy reaches in this phase.
    pub users: Option<usize>,
}

/// The whole plan's outcome.
#[derive(Debug)]
pub struct RolloutReport {
    /// Problems with the plan itself (policies it names that are not in the input).
    pub plan_findings: Vec<Finding>,
    /// One report per phase, in plan order.
    pub phases: Vec<PhaseReport>,
}

/// Evaluates every phase of `plan` over `tenant` (which holds the plan file among
/// its files, so that findings can point into it).
pub fn evaluate_plan(
    tenant: &Tenant,
    config: &Config,
    config_file: Option<preflight_parser::FileId>,
    plan: &RolloutPlan,
) -> RolloutReport {
    let mut plan_findings = Vec::new();
    let mut rollout: Vec<usize> = Vec::new();
    for planned in &plan.policies {
        let found: Vec<usize> = tenant
            .policies
            .iter()
            .enumerate()
            .filter(|(_, policy)| names_policy(tenant, policy, &planned.reference))
            .map(|(index, _)| index)
            .collect();
        if found.is_empty() {
            plan_findings.push(Finding {
                rule: "unknown-reference",
                severity: crate::Severity::Error,
                message: format!(
                    "the rollout plan names policy `{}`, which is in none of the input files",
                    planned.reference
                ),
                help: Some(
                    "give the policy's file among the paths, or correct its name in the plan"
                        .to_owned(),
                ),
                file: Some(planned.source.file),
                labels: vec![Label {
                    location: planned.source,
                    message: "unknown policy".to_owned(),
                }],
                setting: None,
                policies: Vec::new(),
                overlap: None,
                fingerprint: fingerprint("unknown-reference", ["plan", planned.reference.as_str()]),
            });
        }
        for index in found {
            if !rollout.contains(&index) {
                rollout.push(index);
            }
        }
    }
    rollout.sort_unstable();

    let mut seen: BTreeSet<crate::Fingerprint> = BTreeSet::new();
    let mut cumulative: Vec<&PhaseGroup> = Vec::new();
    let mut phases = Vec::new();
    for (phase_index, phase) in plan.phases.iter().enumerate() {
        cumulative.extend(phase.groups.iter());
        let phase_tenant = phase_tenant(tenant, &rollout, &cumulative, phase.isolated);
        let rollout_in_phase: Vec<usize> = if phase.isolated {
            (0..rollout.len()).collect()
        } else {
            rollout.clone()
        };
        let identities: BTreeSet<(String, &'static str)> = rollout_in_phase
            .iter()
            .map(|&index| {
                let policy = &phase_tenant.policies[index];
                (policy.name.clone(), policy.family.name())
            })
            .collect();
        let report = analyze_with(&AnalysisInput {
            tenant: &phase_tenant,
            config,
            config_file,
            plan: Some(plan),
        });
        let findings: Vec<Finding> = report
            .findings
            .into_iter()
            .filter(|finding| {
                finding.policies.iter().any(|evidence| {
                    identities.contains(&(evidence.name.clone(), evidence.family.name()))
                }) || finding.rule == "unrepresentative-pilot"
            })
            .filter(|finding| seen.insert(finding.fingerprint))
            .collect();
        let context = AnalysisContext::new(&phase_tenant, config, config_file);
        let audiences = context.audiences();
        let (devices, users) = if context.target_graph().has_inventory {
            let mut devices = fixedbitset::FixedBitSet::with_capacity(phase_tenant.devices.len());
            let mut users = fixedbitset::FixedBitSet::with_capacity(phase_tenant.users.len());
            let mut known = true;
            for &index in &rollout_in_phase {
                match &audiences.reaches[index] {
                    Some(reach) => {
                        devices.union_with(&reach.devices);
                        users.union_with(&reach.users);
                    }
                    None => known = false,
                }
            }
            if known {
                (Some(devices.count_ones(..)), Some(users.count_ones(..)))
            } else {
                (None, None)
            }
        } else {
            (None, None)
        };
        let full_tenant = if phase.isolated {
            phase_tenant_owned(tenant, &rollout, &cumulative)
        } else {
            phase_tenant.clone()
        };
        let full_context = AnalysisContext::new(&full_tenant, config, config_file);
        let changes = setting_changes(&full_tenant, &rollout, &full_context);
        phases.push(PhaseReport {
            phase: phase_index,
            groups: cumulative.iter().map(|group| group.name.clone()).collect(),
            devices,
            users,
            findings,
            changes,
        });
    }
    RolloutReport {
        plan_findings,
        phases,
    }
}

/// Whether `reference` (a display name, or a file path as shown in findings)
/// names `policy`.
fn names_policy(tenant: &Tenant, policy: &Policy, reference: &str) -> bool {
    if policy.name == reference {
        return true;
    }
    let reference = reference.replace('\\', "/");
    tenant.file(policy.source.file).is_some_and(|file| {
        file.display_path == reference || file.display_path.ends_with(&format!("/{reference}"))
    })
}

/// The target a phase group names.
fn phase_target(tenant: &Tenant, group: &PhaseGroup) -> AssignmentTarget {
    if group.name.eq_ignore_ascii_case("All devices") {
        return AssignmentTarget::AllDevices;
    }
    if group.name.eq_ignore_ascii_case("All users") {
        return AssignmentTarget::AllUsers;
    }
    let id = tenant
        .groups
        .iter()
        .find(|known| known.id.0 == group.name || known.name == group.name)
        .map_or_else(|| GroupId(group.name.clone()), |known| known.id.clone());
    AssignmentTarget::IncludeGroup(id)
}

/// The rollout's policies with their includes replaced by the phase groups.
fn assigned(tenant: &Tenant, policy: &Policy, groups: &[&PhaseGroup]) -> Policy {
    let mut policy = policy.clone();
    let mut assignments: Vec<Assignment> = groups
        .iter()
        .map(|group| Assignment {
            target: phase_target(tenant, group),
            filter: None,
            source: group.source,
        })
        .collect();
    assignments.extend(
        policy
            .assignments
            .iter()
            .flatten()
            .filter(|assignment| matches!(assignment.target, AssignmentTarget::ExcludeGroup(_)))
            .cloned(),
    );
    policy.assignments = Some(assignments);
    policy
}

/// The tenant as it is once a phase is live. Isolated: the rollout's policies only,
/// in rollout order.
fn phase_tenant(
    tenant: &Tenant,
    rollout: &[usize],
    groups: &[&PhaseGroup],
    isolated: bool,
) -> Tenant {
    if isolated {
        let mut isolated_tenant = tenant.clone();
        isolated_tenant.policies = rollout
            .iter()
            .map(|&index| assigned(tenant, &tenant.policies[index], groups))
            .collect();
        return isolated_tenant;
    }
    phase_tenant_owned(tenant, rollout, groups)
}

fn phase_tenant_owned(tenant: &Tenant, rollout: &[usize], groups: &[&PhaseGroup]) -> Tenant {
    let mut live = tenant.clone();
    for &index in rollout {
        live.policies[index] = assigned(tenant, &tenant.policies[index], groups);
    }
    live
}

/// For each setting of the rollout's policies: the values existing policies that
/// reach the same audience set today.
fn setting_changes(
    full_tenant: &Tenant,
    rollout: &[usize],
    context: &AnalysisContext<'_>,
) -> Vec<SettingChange> {
    let reaches = &context.audiences().reaches;
    let mut changes = Vec::new();
    for &index in rollout {
        let policy = &full_tenant.policies[index];
        let reach = reaches.get(index).and_then(Option::as_ref);
        for setting in &policy.settings {
            let mut old_values: Vec<(String, SettingValue)> = Vec::new();
            for (other_index, other) in full_tenant.policies.iter().enumerate() {
                if rollout.contains(&other_index) {
                    continue;
                }
                let Some(other_setting) = other
                    .settings
                    .iter()
                    .find(|candidate| candidate.key == setting.key)
                else {
                    continue;
                };
                let meets = match (reach, reaches.get(other_index).and_then(Option::as_ref)) {
                    (Some(reach), Some(other_reach)) => {
                        !reach.devices.is_disjoint(&other_reach.devices)
                            || !reach.users.is_disjoint(&other_reach.users)
                    }
                    _ => {
                        context
                            .overlap_analysis()
                            .overlap(full_tenant, (index, other_index), None)
                            .certainty
                            != Certainty::Disjoint
                    }
                };
                if !meets {
                    continue;
                }
                old_values.push((other.name.clone(), other_setting.value.clone()));
            }
            changes.push(SettingChange {
                policy: policy.name.clone(),
                setting: setting.name.clone(),
                key: setting.key.0.clone(),
                new_value: setting.value.clone(),
                old_values,
                devices: reach.map(|reach| reach.devices.count_ones(..)),
                users: reach.map(|reach| reach.users.count_ones(..)),
            });
        }
    }
    changes
}
