//! `preflight who`: the policies that reach one device, user or group, and the path
//! through the target graph for each.

use std::io::Write;

use preflight_engine::AnalysisContext;
use preflight_engine::who::{Outcome as RouteOutcome, Route, Subject, routes};
use preflight_normalizer::Tenant;
use serde::Serialize;

use crate::cli::{ListFormat, WhoArguments};
use crate::commands::input::{InputRequest, read_input};
use crate::commands::{open_output, write_failed};
use crate::{Outcome, UsageError};

/// Runs `who`.
pub fn run(arguments: &WhoArguments) -> Result<Outcome, UsageError> {
    let input = read_input(&InputRequest {
        paths: &arguments.paths,
        inventory: &arguments.inventory,
        config: arguments.config.as_deref(),
        limits: arguments.limits,
        whole_project: false,
    })?;
    let tenant = &input.tenant;
    let subject = find_subject(tenant, arguments)?;
    let context = AnalysisContext::new(tenant, &input.config, input.config_file);
    let found = routes(
        tenant,
        context.target_graph(),
        context.audiences(),
        context.inventory_rules(),
        subject,
    );
    input.progress.finish();
    let mut output = open_output(None)?;
    match arguments.format {
        ListFormat::Text => write_text(&mut output, tenant, subject, &found),
        ListFormat::Json => write_json(&mut output, tenant, subject, &found),
    }
    .and_then(|()| output.flush())
    .map_err(write_failed)?;
    Ok(Outcome::Clean)
}

fn find_subject(tenant: &Tenant, arguments: &WhoArguments) -> Result<Subject, UsageError> {
    if let Some(name) = &arguments.device {
        return tenant
            .devices
            .iter()
            .position(|device| device.name.eq_ignore_ascii_case(name))
            .map(Subject::Device)
            .ok_or_else(|| {
                UsageError(format!(
                    "no device named `{name}` in the inventory ({} devices read); pass the inventory with `--inventory`",
                    tenant.devices.len()
                ))
            });
    }
    if let Some(name) = &arguments.user {
        return tenant
            .users
            .iter()
            .position(|user| user.user_principal_name.eq_ignore_ascii_case(name))
            .map(Subject::User)
            .ok_or_else(|| {
                UsageError(format!(
                    "no user `{name}` in the inventory ({} users read); pass the inventory with `--inventory`",
                    tenant.users.len()
                ))
            });
    }
    let name = arguments.group.as_deref().unwrap_or_default();
    tenant
        .groups
        .iter()
        .position(|group| group.name.eq_ignore_ascii_case(name) || group.id.0 == name)
        .map(Subject::Group)
        .ok_or_else(|| UsageError(format!("no group named `{name}` in the input")))
}

fn subject_text(tenant: &Tenant, subject: Subject) -> String {
    match subject {
        Subject::Device(device) => {
            let device = &tenant.devices[device];
            let platform = device
                .platform
                .map_or("unknown platform", |platform| platform.name());
            match &device.primary_user_principal_name {
                Some(user) => format!("device `{}` ({platform}, primary user {user})", device.name),
                None => format!("device `{}` ({platform})", device.name),
            }
        }
        Subject::User(user) => format!("user `{}`", tenant.users[user].user_principal_name),
        Subject::Group(group) => format!("group `{}`", tenant.groups[group].name),
    }
}

fn write_text(
    output: &mut dyn Write,
    tenant: &Tenant,
    subject: Subject,
    found: &[Route],
) -> std::io::Result<()> {
    writeln!(output, "{}", subject_text(tenant, subject))?;
    let sections = [
        (RouteOutcome::Reached, "receives"),
        (RouteOutcome::Possibly, "may receive"),
        (RouteOutcome::Excluded, "is excluded from"),
    ];
    if found.is_empty() {
        writeln!(output, "  no policy is assigned to it")?;
    }
    for (outcome, verb) in sections {
        let routes: Vec<&Route> = found
            .iter()
            .filter(|route| route.outcome == outcome)
            .collect();
        if routes.is_empty() {
            continue;
        }
        let noun = if routes.len() == 1 {
            "policy"
        } else {
            "policies"
        };
        writeln!(output, "  {verb} {} {noun}:", routes.len())?;
        for route in routes {
            let policy = &tenant.policies[route.policy];
            writeln!(output, "    {} ({})", policy.name, policy.family.name())?;
            for step in &route.steps {
                writeln!(output, "      {step}")?;
            }
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonWho<'a> {
    subject: String,
    policies: Vec<JsonRoute<'a>>,
}

#[derive(Serialize)]
struct JsonRoute<'a> {
    name: &'a str,
    family: &'static str,
    outcome: &'static str,
    steps: &'a [String],
}

fn write_json(
    output: &mut dyn Write,
    tenant: &Tenant,
    subject: Subject,
    found: &[Route],
) -> std::io::Result<()> {
    let document = JsonWho {
        subject: subject_text(tenant, subject),
        policies: found
            .iter()
            .map(|route| JsonRoute {
                name: &tenant.policies[route.policy].name,
                family: tenant.policies[route.policy].family.name(),
                outcome: route.outcome.name(),
                steps: &route.steps,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *output, &document)?;
    writeln!(output)
}
