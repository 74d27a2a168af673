//! Rollout phases checked before each starts: for every phase of a plan, the
//! tenant as it will be once the phase is live (the rollout's policies assigned to
//! every group added so far), the findings that phase introduces, its audience
//! and how much of it meets a conflict, and what changes for whom.
//!
//! - An isolated phase holds only the rollout's policies: they are checked
//!   against each other. Any other phase holds every policy of the tenant.
//! - The rollout's policies keep their own exclusions; their includes are
//!   replaced by the groups of the phases so far.
//! - A finding belongs to the first phase that has it (findings are matched by
//!   fingerprint, which does not depend on assignments), and only findings that
//!   involve a policy of the rollout are the rollout's. A later phase that
//!   reaches more of the same devices does not report it again: its growth shows
//!   in the count of devices meeting a conflict. One exception: a finding whose
//!   audiences only possibly met in an earlier phase and certainly meet in a
//!   later one is reported again in that later phase, as escalated (its severity
//!   may rise with its certainty), once.
//! - `unrepresentative-pilot` is about the pilot as a whole: it belongs to the
//!   last pilot phase, the one its label points at.
//! - With an inventory, each phase counts the devices the rollout's policies
//!   reach and, among them, those that receive two policies setting one setting
//!   to different values (`conflicting-setting`, whether new in the phase or
//!   not); users are the primary users of those devices.
//! - The change summary of a phase lists, per rollout policy and setting, who
//!   newly receives it in the phase and what existing policies (the tenant's
//!   policies outside the rollout) set it to for them today. "Newly" is against
//!   the previous phase, except that the first phase running with the tenant
//!   after isolated phases counts everyone it reaches again (isolated phases ran
//!   without the tenant's policies). With an inventory it counts those devices and
//!   users and, among them, the ones an existing policy sets to another value;
//!   without one, counts are unknown and the old values are those of existing
//!   policies whose audience can meet the groups the phase adds.

use std::collections::{BTreeMap, BTreeSet};

use fixedbitset::FixedBitSet;
use preflight_normalizer::plan::{PhaseGroup, RolloutPlan};
use preflight_normalizer::{Assignment, AssignmentTarget, GroupId, Policy, SettingValue, Tenant};

use crate::audience::Reach;
use crate::context::AnalysisContext;
use crate::finding::{Finding, Label, PolicyEvidence};
use crate::fingerprint::fingerprint;
use crate::overlap::Certainty;
use crate::{AnalysisInput, Config, Fingerprint, SeverityCounts, Summary, analyze_with};

/// How many devices and users.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Headcount {
    /// Devices.
    pub devices: usize,
    /// Users (the primary users of the devices).
    pub users: usize,
}

/// The outcome of one phase.
#[derive(Debug)]
pub struct PhaseReport {
    /// Index of the phase in the plan.
    pub phase: usize,
    /// Every group the rollout is assigned to once this phase is live.
    pub groups: Vec<String>,
    /// With an inventory: who the rollout's policies reach in this phase.
    pub reach: Option<Headcount>,
    /// With an inventory: who, of `reach`, receives two policies setting one
    /// setting to different values once this phase is live.
    pub meeting_conflict: Option<Headcount>,
    /// Findings this phase introduces, sorted as `check` sorts them.
    pub findings: Vec<Finding>,
    /// Findings of an earlier phase whose audiences possibly met there and
    /// certainly meet from this phase on, as this phase sees them.
    pub escalated: Vec<Finding>,
    /// The groups whose members count as newly reached in this phase: those
    /// added since the phase "newly" is measured against (see the module
    /// documentation).
    pub newly_reached_groups: Vec<String>,
    /// Settings of the rollout's policies that reach someone new in this phase,
    /// and what they replace.
    pub changes: Vec<SettingChange>,
}

/// What an existing policy sets a setting to, for the audience a rollout policy
/// newly reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OldValue {
    /// The existing policy.
    pub policy: String,
    /// The value it sets.
    pub value: SettingValue,
    /// Whether its audience certainly or possibly meets the newly reached one.
    pub certainty: Certainty,
    /// With an inventory: how many of the newly reached devices and users it
    /// sets the value for.
    pub reach: Option<Headcount>,
}

/// One setting a rollout policy brings to an audience it newly reaches in a phase.
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
    /// What existing policies set it to today for the newly reached audience;
    /// empty when nothing sets it there.
    pub old_values: Vec<OldValue>,
    /// With an inventory: who newly receives the setting in this phase.
    pub newly_reached: Option<Headcount>,
    /// With an inventory: who, of `newly_reached`, has it set to another value
    /// by an existing policy today.
    pub set_otherwise: Option<Headcount>,
    /// With an inventory: who, of `newly_reached`, has it set by no existing
    /// policy today.
    pub not_configured: Option<Headcount>,
}

/// The whole plan's outcome.
#[derive(Debug)]
pub struct RolloutReport {
    /// Problems with the plan itself (policies it names that are not in the input).
    pub plan_findings: Vec<Finding>,
    /// One report per phase, in plan order.
    pub phases: Vec<PhaseReport>,
    /// What was read, and the findings of the whole rollout: each counted once,
    /// with the severity it was last reported with; `undecided_audiences` is the
    /// most any one phase left undecided.
    pub summary: Summary,
}

/// Evaluates every phase of `plan` over `tenant` (which holds the plan file among
/// its files, so that findings can point into it).
pub fn evaluate_plan(
    tenant: &Tenant,
    config: &Config,
    config_file: Option<preflight_parser::FileId>,
    plan: &RolloutPlan,
) -> RolloutReport {
    let (rollout, plan_findings) = resolve_policies(tenant, plan);
    let pilot_phase = crate::rules::unrepresentative_pilot::reported_phase(plan);
    let tenant_context = AnalysisContext::new(tenant, config, config_file);

    let mut seen: BTreeMap<Fingerprint, Option<Certainty>> = BTreeMap::new();
    let mut reported: BTreeMap<Fingerprint, crate::Severity> = BTreeMap::new();
    let mut undecided_audiences = 0;
    let mut cumulative: Vec<&PhaseGroup> = Vec::new();
    // What "newly" is measured against: the previous phase, and the previous
    // phase that ran with the tenant's policies.
    let mut previous: Option<Baseline> = None;
    let mut previous_with_tenant: Option<Baseline> = None;
    let existing_settings = existing_settings(tenant, &rollout);
    let mut phases = Vec::new();
    for (phase_index, phase) in plan.phases.iter().enumerate() {
        cumulative.extend(phase.groups.iter());
        let phase_tenant = phase_tenant(tenant, &rollout, &cumulative, phase.isolated);
        // Where each rollout policy sits in the phase's tenant.
        let rollout_in_phase: Vec<usize> = if phase.isolated {
            (0..rollout.len()).collect()
        } else {
            rollout.clone()
        };
        let report = analyze_with(&AnalysisInput {
            tenant: &phase_tenant,
            config,
            config_file,
            plan: Some(plan),
        });
        undecided_audiences = undecided_audiences.max(report.summary.undecided_audiences);
        let identities: BTreeSet<(&str, &'static str)> = rollout_in_phase
            .iter()
            .map(|&index| {
                let policy = &phase_tenant.policies[index];
                (&*policy.name, policy.family.name())
            })
            .collect();
        let rollouts: Vec<Finding> = report
            .findings
            .into_iter()
            .filter(|finding| {
                if finding.rule == crate::rules::unrepresentative_pilot::NAME {
                    return pilot_phase == Some(phase_index);
                }
                finding
                    .policies
                    .iter()
                    .any(|evidence| identities.contains(&(&*evidence.name, evidence.family.name())))
            })
            .collect();

        let context = AnalysisContext::new(&phase_tenant, config, config_file);
        let reaches: Option<Vec<&Reach>> = if context.target_graph().has_inventory {
            rollout_in_phase
                .iter()
                .map(|&index| context.audiences().reaches[index].as_ref())
                .collect()
        } else {
            None
        };
        let reach = reaches.as_ref().map(|reaches| {
            let mut devices = FixedBitSet::with_capacity(phase_tenant.devices.len());
            for reach in reaches {
                devices.union_with(reach.devices());
            }
            headcount(&context, &devices)
        });
        let meeting_conflict = reach
            .is_some()
            .then(|| conflict_devices(&context, &rollouts))
            .flatten()
            .map(|devices| headcount(&context, &devices));

        let mut findings = Vec::new();
        let mut escalated = Vec::new();
        for finding in rollouts {
            let certainty = finding.overlap.as_ref().map(|overlap| overlap.certainty);
            match seen.get(&finding.fingerprint) {
                None => {
                    seen.insert(finding.fingerprint, certainty);
                    reported.insert(finding.fingerprint, finding.severity);
                    findings.push(finding);
                }
                Some(Some(Certainty::Possible)) if certainty == Some(Certainty::Certain) => {
                    seen.insert(finding.fingerprint, certainty);
                    reported.insert(finding.fingerprint, finding.severity);
                    escalated.push(finding);
                }
                Some(_) => {}
            }
        }

        let baseline = if phase.isolated {
            previous.as_ref()
        } else {
            previous_with_tenant.as_ref()
        };
        let delta_groups: Vec<&PhaseGroup> = cumulative
            .iter()
            .copied()
            .filter(|group| baseline.is_none_or(|baseline| !baseline.groups.contains(&group.name)))
            .collect();
        let changes = setting_changes(&ChangeInput {
            tenant,
            config,
            config_file,
            rollout: &rollout,
            existing_settings: &existing_settings,
            tenant_context: &tenant_context,
            phase_context: &context,
            rollout_in_phase: &rollout_in_phase,
            baseline,
            delta_groups: &delta_groups,
        });
        let this_phase = Baseline {
            groups: cumulative.iter().map(|group| group.name.clone()).collect(),
            devices: reaches.as_ref().map(|reaches| {
                reaches
                    .iter()
                    .map(|reach| reach.devices().clone())
                    .collect()
            }),
        };
        if !phase.isolated {
            previous_with_tenant = Some(this_phase.clone());
        }
        previous = Some(this_phase);
        phases.push(PhaseReport {
            phase: phase_index,
            groups: cumulative.iter().map(|group| group.name.clone()).collect(),
            reach,
            meeting_conflict,
            findings,
            escalated,
            newly_reached_groups: delta_groups
                .iter()
                .map(|group| group.name.clone())
                .collect(),
            changes,
        });
    }

    let mut summary = Summary::of_input(&AnalysisInput {
        tenant,
        config,
        config_file,
        plan: Some(plan),
    });
    summary.undecided_audiences = undecided_audiences;
    let mut counts = SeverityCounts::of(&plan_findings);
    for severity in reported.values() {
        match severity {
            crate::Severity::Error => counts.error += 1,
            crate::Severity::Warning => counts.warning += 1,
            crate::Severity::Info => counts.info += 1,
        }
    }
    summary.findings = counts;
    RolloutReport {
        plan_findings,
        phases,
        summary,
    }
}

/// The phase whose reach "newly" is measured against.
#[derive(Clone)]
struct Baseline {
    /// Its cumulative groups, by name.
    groups: BTreeSet<String>,
    /// With an inventory: the devices each rollout policy reached there, in
    /// rollout order.
    devices: Option<Vec<FixedBitSet>>,
}

/// Each setting key the existing policies (outside the rollout) set: (policy
/// index, setting index), in tenant order.
type ExistingSettings<'tenant> =
    BTreeMap<&'tenant preflight_normalizer::SettingKey, Vec<(usize, usize)>>;

fn existing_settings<'tenant>(
    tenant: &'tenant Tenant,
    rollout: &[usize],
) -> ExistingSettings<'tenant> {
    let mut settings: ExistingSettings<'tenant> = BTreeMap::new();
    for (policy_index, policy) in tenant.policies.iter().enumerate() {
        if rollout.contains(&policy_index) {
            continue;
        }
        for (setting_index, setting) in policy.settings.iter().enumerate() {
            settings
                .entry(&setting.key)
                .or_default()
                .push((policy_index, setting_index));
        }
    }
    settings
}

/// The rollout's policies, by tenant index, and a finding for every reference
/// in the plan that names none.
fn resolve_policies(tenant: &Tenant, plan: &RolloutPlan) -> (Vec<usize>, Vec<Finding>) {
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
                    message: "unknown policy".into(),
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
    (rollout, plan_findings)
}

/// The tenant indices of the policies `plan` introduces or changes, in tenant order.
pub(crate) fn rollout_policies(tenant: &Tenant, plan: &RolloutPlan) -> Vec<usize> {
    resolve_policies(tenant, plan).0
}

/// Whether `reference` (a display name, or a file path as shown in findings)
/// names `policy`.
fn names_policy(tenant: &Tenant, policy: &Policy, reference: &str) -> bool {
    if *policy.name == *reference {
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

/// A rollout policy with its includes replaced by the phase groups (its own
/// exclusions kept).
pub(crate) fn assigned(tenant: &Tenant, policy: &Policy, groups: &[&PhaseGroup]) -> Policy {
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
    let mut live = tenant.clone();
    if isolated {
        live.policies = rollout
            .iter()
            .map(|&index| assigned(tenant, &tenant.policies[index], groups))
            .collect();
        return live;
    }
    for &index in rollout {
        live.policies[index] = assigned(tenant, &tenant.policies[index], groups);
    }
    live
}

/// Devices and their primary users.
fn headcount(context: &AnalysisContext<'_>, devices: &FixedBitSet) -> Headcount {
    Headcount {
        devices: devices.count_ones(..),
        users: context.audiences().users_of(devices).count_ones(..),
    }
}

/// The tenant index of the policy a finding's evidence names.
fn evidence_policy(tenant: &Tenant, evidence: &PolicyEvidence) -> Option<usize> {
    tenant.policies.iter().position(|policy| {
        policy.name == evidence.name
            && policy.family == evidence.family
            && policy.source.file == evidence.location.file
    })
}

/// The devices on which the two policies of a `conflicting-setting` finding
/// meet, over all of `findings`; `None` when an audience is unknown.
fn conflict_devices(context: &AnalysisContext<'_>, findings: &[Finding]) -> Option<FixedBitSet> {
    let tenant = context.tenant;
    let reaches = &context.audiences().reaches;
    let mut devices = FixedBitSet::with_capacity(tenant.devices.len());
    for finding in findings
        .iter()
        .filter(|finding| finding.rule == "conflicting-setting")
    {
        let mut shared: Option<FixedBitSet> = None;
        for evidence in &finding.policies {
            let index = evidence_policy(tenant, evidence)?;
            let reach = reaches.get(index)?.as_ref()?;
            shared = Some(match shared {
                None => reach.devices().clone(),
                Some(mut so_far) => {
                    so_far.intersect_with(reach.devices());
                    so_far
                }
            });
        }
        if let Some(shared) = shared {
            devices.union_with(&shared);
        }
    }
    Some(devices)
}

/// What the change summary of one phase is computed from.
struct ChangeInput<'input> {
    tenant: &'input Tenant,
    config: &'input Config,
    config_file: Option<preflight_parser::FileId>,
    /// The rollout's policies, by index in `tenant`.
    rollout: &'input [usize],
    /// The settings of the existing policies, by key.
    existing_settings: &'input ExistingSettings<'input>,
    /// A context over `tenant` as it is: existing policies' audiences.
    tenant_context: &'input AnalysisContext<'input>,
    /// A context over the phase's tenant.
    phase_context: &'input AnalysisContext<'input>,
    /// Where each rollout policy sits in the phase's tenant.
    rollout_in_phase: &'input [usize],
    /// The phase "newly" is measured against.
    baseline: Option<&'input Baseline>,
    /// The groups the phase adds to its baseline's.
    delta_groups: &'input [&'input PhaseGroup],
}

/// For each setting of the rollout's policies that reaches someone new in this
/// phase: the values existing policies set for them today.
fn setting_changes(input: &ChangeInput<'_>) -> Vec<SettingChange> {
    let tenant = input.tenant;
    let phase_reaches = &input.phase_context.audiences().reaches;
    let existing_reaches = &input.tenant_context.audiences().reaches;
    let with_inventory = input.phase_context.target_graph().has_inventory;
    // Without an inventory: the rollout's policies assigned to the added groups
    // only, to ask which existing policies can meet them.
    let delta_tenant = (!with_inventory && !input.delta_groups.is_empty()).then(|| {
        let mut delta = tenant.clone();
        for &index in input.rollout {
            delta.policies[index] = assigned(tenant, &tenant.policies[index], input.delta_groups);
        }
        delta
    });
    let delta_context = delta_tenant
        .as_ref()
        .map(|delta| AnalysisContext::new(delta, input.config, input.config_file));

    let mut changes = Vec::new();
    for (position, &index) in input.rollout.iter().enumerate() {
        let policy = &tenant.policies[index];
        // With an inventory: the devices this policy newly reaches.
        let newly: Option<FixedBitSet> = if with_inventory {
            let Some(reach) = phase_reaches
                .get(input.rollout_in_phase[position])
                .and_then(Option::as_ref)
            else {
                continue;
            };
            let mut devices = reach.devices().clone();
            if let Some(before) = input
                .baseline
                .and_then(|baseline| baseline.devices.as_ref())
                .and_then(|devices| devices.get(position))
            {
                devices.difference_with(before);
            }
            if devices.is_clear() {
                continue;
            }
            Some(devices)
        } else if input.delta_groups.is_empty() {
            continue;
        } else {
            None
        };
        for setting in &policy.settings {
            let mut old_values: Vec<OldValue> = Vec::new();
            let mut set_otherwise = newly
                .as_ref()
                .map(|devices| FixedBitSet::with_capacity(devices.len()));
            let mut not_configured = newly.clone();
            let existing = input
                .existing_settings
                .get(&setting.key)
                .map_or(&[][..], Vec::as_slice);
            for &(other_index, other_setting_index) in existing {
                let other = &tenant.policies[other_index];
                let other_setting = &other.settings[other_setting_index];
                let differs = !other_setting.value.same_effect(&setting.value);
                let (certainty, reach) = match (&newly, existing_reaches.get(other_index)) {
                    (Some(devices), Some(Some(other_reach))) => {
                        let mut shared = devices.clone();
                        shared.intersect_with(other_reach.devices());
                        if shared.is_clear() {
                            continue;
                        }
                        if differs && let Some(otherwise) = &mut set_otherwise {
                            otherwise.union_with(&shared);
                        }
                        if let Some(unset) = &mut not_configured {
                            unset.difference_with(&shared);
                        }
                        (
                            Certainty::Certain,
                            Some(headcount(input.tenant_context, &shared)),
                        )
                    }
                    (Some(_), _) => {
                        // The existing policy's audience is unknown: who it
                        // reaches among the newly reached cannot be told.
                        set_otherwise = None;
                        not_configured = None;
                        (Certainty::Possible, None)
                    }
                    (None, _) => {
                        let Some(delta_context) = &delta_context else {
                            continue;
                        };
                        let certainty = delta_context.overlap(index, other_index).certainty;
                        if certainty == Certainty::Disjoint {
                            continue;
                        }
                        (certainty, None)
                    }
                };
                old_values.push(OldValue {
                    policy: other.name.to_string(),
                    value: other_setting.value.clone(),
                    certainty,
                    reach,
                });
            }
            changes.push(SettingChange {
                policy: policy.name.to_string(),
                setting: setting.name.clone(),
                key: setting.key.0.clone(),
                new_value: setting.value.clone(),
                old_values,
                newly_reached: newly
                    .as_ref()
                    .map(|devices| headcount(input.phase_context, devices)),
                set_otherwise: set_otherwise
                    .as_ref()
                    .map(|devices| headcount(input.tenant_context, devices)),
                not_configured: not_configured
                    .as_ref()
                    .map(|devices| headcount(input.tenant_context, devices)),
            });
        }
    }
    changes
}
