//! `preflight plan`: a rollout plan checked phase by phase. For each phase: the
//! groups it reaches so far, how many devices and users and how many of them meet
//! a conflict (with an inventory), the findings it introduces (and those of
//! earlier phases it makes certain), and (in Markdown) what changes for whom.
//! The JSON report is described by `schemas/plan-report-v1.schema.json`.

use std::io::{IsTerminal, Write};

use preflight_engine::rollout::{
    Headcount, OldValue, PhaseReport, RolloutReport, SettingChange, evaluate_plan,
};
use preflight_engine::{Certainty, Finding, Severity};
use preflight_normalizer::Tenant;
use preflight_normalizer::plan::RolloutPlan;
use serde::Serialize;

use crate::cli::{PlanArguments, PlanFormat};
use crate::commands::input::{InputRequest, read_input, read_plan_file};
use crate::commands::{open_output, write_failed};
use crate::reporters::human;
use crate::reporters::json::{
    FORMAT_VERSION, JsonFinding, JsonSummary, Tool, json_finding, json_summary, tool,
};
use crate::reporters::{summary_line, value_to_json};
use crate::{Outcome, UsageError};

/// Runs `plan`.
pub fn run(arguments: &PlanArguments) -> Result<Outcome, UsageError> {
    let mut input = read_input(&InputRequest {
        paths: &arguments.paths,
        inventory: &arguments.inventory,
        config: arguments.config.as_deref(),
        limits: arguments.limits,
        whole_project: false,
    })?;
    let plan = read_plan_file(&arguments.plan, &mut input)?;
    let plan_problems: Vec<String> = input
        .tenant
        .problems
        .iter()
        .filter(|problem| {
            input
                .tenant
                .file(problem.file)
                .is_some_and(|file| file.path == arguments.plan)
        })
        .map(|problem| {
            let place = problem.span.zip(input.tenant.file(problem.file));
            match place {
                Some((span, file)) => {
                    let position = file.line_column(span.start);
                    format!(
                        "{} (line {}, column {})",
                        problem.message, position.line, position.column
                    )
                }
                None => problem.message.clone(),
            }
        })
        .collect();
    let Some(plan) = plan else {
        return Err(UsageError(format!(
            "the rollout plan `{}` cannot be used: {}",
            arguments.plan.display(),
            plan_problems.join("; ")
        )));
    };
    let report = evaluate_plan(&input.tenant, &input.config, input.config_file, &plan);
    input.progress.finish();
    let mut output = open_output(arguments.output.as_deref())?;
    let tenant = &input.tenant;
    match arguments.format {
        PlanFormat::Human => write_human(&mut output, tenant, &plan, &report, arguments),
        PlanFormat::Json => write_json(&mut output, tenant, &plan, &report),
        PlanFormat::Markdown => write_markdown(&mut output, &plan, &report),
    }
    .and_then(|()| output.flush())
    .map_err(write_failed)?;
    let threshold = arguments.fail_on.threshold();
    let failing = report
        .plan_findings
        .iter()
        .chain(
            report
                .phases
                .iter()
                .flat_map(|phase| phase.findings.iter().chain(&phase.escalated)),
        )
        .any(|finding| finding.severity <= threshold);
    Ok(if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

fn count(number: usize, noun: &str) -> String {
    match (number, noun) {
        (1, _) => format!("1 {noun}"),
        (_, "policy") => format!("{number} policies"),
        _ => format!("{number} {noun}s"),
    }
}

fn phase_heading(plan: &RolloutPlan, phase: &PhaseReport) -> String {
    let definition = &plan.phases[phase.phase];
    let isolated = if definition.isolated {
        ", isolated"
    } else {
        ""
    };
    format!(
        "phase {} of {}: {} ({}{isolated})",
        phase.phase + 1,
        plan.phases.len(),
        definition.name,
        definition.kind.name()
    )
}

/// "3 devices and 2 users".
fn headcount_text(headcount: Headcount) -> String {
    format!(
        "{} and {}",
        count(headcount.devices, "device"),
        count(headcount.users, "user")
    )
}

/// "reaches 6 devices and 0 users, of which 1 device and 0 users meet a
/// conflict", or `None` without an inventory.
fn reach_text(phase: &PhaseReport) -> Option<String> {
    let reach = phase.reach?;
    let conflict = match phase.meeting_conflict {
        Some(meeting) if meeting.devices == 0 => ", none of which meets a conflict".to_owned(),
        Some(meeting) => format!(", of which {} meet a conflict", headcount_text(meeting)),
        None => String::new(),
    };
    Some(format!("reaches {}{conflict}", headcount_text(reach)))
}

fn write_human(
    output: &mut dyn Write,
    tenant: &Tenant,
    plan: &RolloutPlan,
    report: &RolloutReport,
    arguments: &PlanArguments,
) -> std::io::Result<()> {
    let style = human::Style {
        color: arguments.output.is_none()
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty()),
        width: std::env::var("COLUMNS")
            .ok()
            .and_then(|columns| columns.parse().ok())
            .filter(|columns: &usize| *columns >= 40)
            .unwrap_or(100),
    };
    writeln!(
        output,
        "rollout `{}`: {}, {}",
        plan.name,
        count(plan.phases.len(), "phase"),
        count(plan.policies.len(), "policy")
    )?;
    if !report.plan_findings.is_empty() {
        writeln!(output)?;
        human::write_findings(output, tenant, &report.plan_findings, style)?;
    }
    for phase in &report.phases {
        writeln!(output)?;
        writeln!(output, "{}", phase_heading(plan, phase))?;
        writeln!(output, "  groups: {}", phase.groups.join(", "))?;
        if let Some(reach) = reach_text(phase) {
            writeln!(output, "  {reach}")?;
        }
        if phase.findings.is_empty() {
            writeln!(output, "  no new findings")?;
        } else {
            writeln!(
                output,
                "  {} new in this phase:",
                count(phase.findings.len(), "finding")
            )?;
            writeln!(output)?;
            human::write_findings(output, tenant, &phase.findings, style)?;
        }
        if !phase.escalated.is_empty() {
            writeln!(
                output,
                "  {} of earlier phases certain from this phase on:",
                count(phase.escalated.len(), "finding")
            )?;
            writeln!(output)?;
            human::write_findings(output, tenant, &phase.escalated, style)?;
        }
    }
    writeln!(output)?;
    writeln!(output, "{}", summary_line(&report.summary))
}

#[derive(Serialize)]
struct JsonPlanReport<'a> {
    version: u32,
    tool: Tool,
    summary: JsonSummary<'a>,
    plan: &'a str,
    plan_findings: Vec<JsonFinding<'a>>,
    phases: Vec<JsonPhase<'a>>,
}

#[derive(Serialize)]
struct JsonPhase<'a> {
    name: &'a str,
    kind: &'static str,
    isolated: bool,
    groups: &'a [String],
    devices: Option<usize>,
    users: Option<usize>,
    devices_meeting_conflict: Option<usize>,
    users_meeting_conflict: Option<usize>,
    findings: Vec<JsonFinding<'a>>,
    escalated: Vec<JsonFinding<'a>>,
    newly_reached_groups: &'a [String],
    changes: Vec<JsonChange<'a>>,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    policy: &'a str,
    setting: &'a str,
    key: &'a str,
    new_value: serde_json::Value,
    old_values: Vec<JsonOldValue<'a>>,
    devices: Option<usize>,
    users: Option<usize>,
    devices_set_otherwise: Option<usize>,
    users_set_otherwise: Option<usize>,
    devices_not_configured: Option<usize>,
    users_not_configured: Option<usize>,
}

#[derive(Serialize)]
struct JsonOldValue<'a> {
    policy: &'a str,
    value: serde_json::Value,
    certainty: &'static str,
    devices: Option<usize>,
    users: Option<usize>,
}

fn json_findings<'a>(tenant: &'a Tenant, findings: &'a [Finding]) -> Vec<JsonFinding<'a>> {
    findings
        .iter()
        .map(|finding| json_finding(tenant, finding))
        .collect()
}

fn write_json(
    output: &mut dyn Write,
    tenant: &Tenant,
    plan: &RolloutPlan,
    report: &RolloutReport,
) -> std::io::Result<()> {
    let document = JsonPlanReport {
        version: FORMAT_VERSION,
        tool: tool(),
        summary: json_summary(&report.summary),
        plan: &plan.name,
        plan_findings: json_findings(tenant, &report.plan_findings),
        phases: report
            .phases
            .iter()
            .map(|phase| {
                let definition = &plan.phases[phase.phase];
                JsonPhase {
                    name: &definition.name,
                    kind: definition.kind.name(),
                    isolated: definition.isolated,
                    groups: &phase.groups,
                    devices: phase.reach.map(|reach| reach.devices),
                    users: phase.reach.map(|reach| reach.users),
                    devices_meeting_conflict: phase.meeting_conflict.map(|meeting| meeting.devices),
                    users_meeting_conflict: phase.meeting_conflict.map(|meeting| meeting.users),
                    findings: json_findings(tenant, &phase.findings),
                    escalated: json_findings(tenant, &phase.escalated),
                    newly_reached_groups: &phase.newly_reached_groups,
                    changes: phase.changes.iter().map(json_change).collect(),
                }
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *output, &document)?;
    writeln!(output)
}

fn json_change(change: &SettingChange) -> JsonChange<'_> {
    JsonChange {
        policy: &change.policy,
        setting: &change.setting,
        key: &change.key,
        new_value: value_to_json(&change.new_value),
        old_values: change
            .old_values
            .iter()
            .map(|old| JsonOldValue {
                policy: &old.policy,
                value: value_to_json(&old.value),
                certainty: old.certainty.name(),
                devices: old.reach.map(|reach| reach.devices),
                users: old.reach.map(|reach| reach.users),
            })
            .collect(),
        devices: change.newly_reached.map(|reach| reach.devices),
        users: change.newly_reached.map(|reach| reach.users),
        devices_set_otherwise: change.set_otherwise.map(|reach| reach.devices),
        users_set_otherwise: change.set_otherwise.map(|reach| reach.users),
        devices_not_configured: change.not_configured.map(|reach| reach.devices),
        users_not_configured: change.not_configured.map(|reach| reach.users),
    }
}

/// A Markdown table cell: pipes escaped, line breaks flattened.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// "3 devices, 0 users", "none", or "unknown" without an inventory.
fn headcount_cell(headcount: Option<Headcount>) -> String {
    match headcount {
        None => "unknown".to_owned(),
        Some(Headcount {
            devices: 0,
            users: 0,
        }) => "none".to_owned(),
        Some(headcount) => format!(
            "{}, {}",
            count(headcount.devices, "device"),
            count(headcount.users, "user")
        ),
    }
}

/// "`30` (Win - Device Lock - Kiosk: 1 device, 0 users)"; "possibly" when the
/// rules leave the meeting open.
fn old_value_text(old: &OldValue) -> String {
    let whom = match (old.reach, old.certainty) {
        (Some(reach), _) => format!(": {}", headcount_cell(Some(reach))),
        (None, Certainty::Possible) => ", possibly".to_owned(),
        (None, _) => String::new(),
    };
    format!("`{}` ({}{whom})", old.value, old.policy)
}

/// Markdown for the help desk: per phase, who is reached, the findings to
/// resolve first, and what changes for whom (the devices and users that newly
/// receive each setting, its value today from existing policies, and how many
/// of them have it set to another value), grouped by policy.
fn write_markdown(
    output: &mut dyn Write,
    plan: &RolloutPlan,
    report: &RolloutReport,
) -> std::io::Result<()> {
    writeln!(output, "# Rollout: {}", plan.name)?;
    if report.phases.iter().any(|phase| phase.reach.is_none()) {
        writeln!(output)?;
        writeln!(
            output,
            "Device and user counts are unknown: no inventory says who is in the groups (give one with `--inventory`). Values today are those of existing policies whose audience can meet the groups a phase adds."
        )?;
    }
    for phase in &report.phases {
        let definition = &plan.phases[phase.phase];
        writeln!(output)?;
        writeln!(
            output,
            "## Phase {}: {} ({})",
            phase.phase + 1,
            definition.name,
            definition.kind.name()
        )?;
        writeln!(output)?;
        writeln!(output, "- Groups: {}", phase.groups.join(", "))?;
        match reach_text(phase) {
            Some(reach) => writeln!(output, "- Audience: {reach}")?,
            None => writeln!(output, "- Audience: unknown")?,
        }
        if definition.isolated {
            writeln!(
                output,
                "- Checked in isolation from the tenant's other policies"
            )?;
        }
        let worst = phase.findings.iter().map(|finding| finding.severity).min();
        match worst {
            None => writeln!(output, "- New findings: none")?,
            Some(severity) => writeln!(
                output,
                "- New findings: {} (worst: {}); resolve them before this phase starts",
                phase.findings.len(),
                severity_name(severity)
            )?,
        }
        for finding in &phase.findings {
            writeln!(output, "  - `{}`: {}", finding.rule, finding.message)?;
        }
        if !phase.escalated.is_empty() {
            writeln!(
                output,
                "- Findings of earlier phases certain from this phase on: {}",
                phase.escalated.len()
            )?;
            for finding in &phase.escalated {
                writeln!(output, "  - `{}`: {}", finding.rule, finding.message)?;
            }
        }
        if phase.newly_reached_groups.is_empty() {
            writeln!(output, "- Newly reached: no one (no group is added)")?;
        } else {
            let groups: Vec<String> = phase
                .newly_reached_groups
                .iter()
                .map(|group| format!("`{group}`"))
                .collect();
            writeln!(output, "- Newly reached: members of {}", groups.join(", "))?;
        }
        if phase.changes.is_empty() {
            writeln!(output)?;
            writeln!(output, "No setting reaches anyone new in this phase.")?;
        }
        let mut current_policy: Option<&str> = None;
        for change in &phase.changes {
            if current_policy != Some(change.policy.as_str()) {
                current_policy = Some(&change.policy);
                writeln!(output)?;
                writeln!(output, "### {}", change.policy)?;
                writeln!(output)?;
                writeln!(
                    output,
                    "| Setting | Today | After this phase | Newly reached | Set otherwise today |"
                )?;
                writeln!(output, "|---|---|---|---|---|")?;
            }
            let mut today: Vec<String> = change.old_values.iter().map(old_value_text).collect();
            match change.not_configured {
                _ if today.is_empty() => today.push("not configured".to_owned()),
                Some(unset) if unset.devices > 0 => {
                    today.push(format!("not configured ({})", headcount_cell(Some(unset))));
                }
                _ => {}
            }
            let today = today.join("; ");
            writeln!(
                output,
                "| {} | {} | `{}` | {} | {} |",
                cell(&change.setting),
                cell(&today),
                cell(&change.new_value.to_string()),
                headcount_cell(change.newly_reached),
                headcount_cell(change.set_otherwise)
            )?;
        }
    }
    Ok(())
}

fn severity_name(severity: Severity) -> &'static str {
    severity.name()
}
