//! `preflight plan`: a rollout plan checked phase by phase. For each phase: the
//! groups it reaches so far, how many devices and users (with an inventory), the
//! findings it introduces, and (in Markdown) what changes for whom.

use std::io::{IsTerminal, Write};

use preflight_engine::rollout::{PhaseReport, RolloutReport, SettingChange, evaluate_plan};
use preflight_engine::{Finding, Severity};
use preflight_normalizer::Tenant;
use preflight_normalizer::plan::RolloutPlan;
use serde::Serialize;

use crate::cli::{PlanArguments, PlanFormat};
use crate::commands::input::{InputRequest, read_input, read_plan_file};
use crate::commands::{open_output, write_failed};
use crate::reporters::human;
use crate::reporters::json::{JsonFinding, json_finding};
use crate::reporters::value_to_json;
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
        .chain(report.phases.iter().flat_map(|phase| &phase.findings))
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

fn reach_text(phase: &PhaseReport) -> Option<String> {
    match (phase.devices, phase.users) {
        (Some(devices), Some(users)) => Some(format!(
            "reaches {} and {}",
            count(devices, "device"),
            count(users, "user")
        )),
        _ => None,
    }
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
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonPlanReport<'a> {
    version: u32,
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
    findings: Vec<JsonFinding<'a>>,
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
}

#[derive(Serialize)]
struct JsonOldValue<'a> {
    policy: &'a str,
    value: serde_json::Value,
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
        version: 1,
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
                    devices: phase.devices,
                    users: phase.users,
                    findings: json_findings(tenant, &phase.findings),
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
            .map(|(policy, value)| JsonOldValue {
                policy,
                value: value_to_json(value),
            })
            .collect(),
        devices: change.devices,
        users: change.users,
    }
}

/// Markdown for the help desk: per phase, who is reached, what changes from what
/// to what, grouped by policy, and the findings to resolve first.
fn write_markdown(
    output: &mut dyn Write,
    plan: &RolloutPlan,
    report: &RolloutReport,
) -> std::io::Result<()> {
    writeln!(output, "# Rollout: {}", plan.name)?;
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
        if let Some(reach) = reach_text(phase) {
            writeln!(output, "- Audience: {reach}")?;
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
        let mut current_policy: Option<&str> = None;
        for change in &phase.changes {
            if current_policy != Some(change.policy.as_str()) {
                current_policy = Some(&change.policy);
                writeln!(output)?;
                writeln!(output, "### {}", change.policy)?;
                writeln!(output)?;
                writeln!(
                    output,
                    "| Setting | Today | After this phase | Devices | Users |"
                )?;
                writeln!(output, "|---|---|---|---|---|")?;
            }
            let today = if change.old_values.is_empty() {
                "not configured".to_owned()
            } else {
                change
                    .old_values
                    .iter()
                    .map(|(policy, value)| format!("`{value}` ({policy})"))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let known =
                |number: Option<usize>| number.map_or_else(|| "?".to_owned(), |n| n.to_string());
            writeln!(
                output,
                "| {} | {} | `{}` | {} | {} |",
                change.setting.replace('|', "\\|"),
                today.replace('|', "\\|"),
                change.new_value.to_string().replace('|', "\\|"),
                known(change.devices),
                known(change.users)
            )?;
        }
    }
    Ok(())
}

fn severity_name(severity: Severity) -> &'static str {
    severity.name()
}
