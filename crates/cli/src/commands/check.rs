//! `preflight check`: read, normalize, analyze, report.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};

use preflight_engine::{AnalysisInput, Severity, analyze_with};
use preflight_parser::display_path;

use crate::cli::{CheckArguments, CheckFormat, ColorChoice};
use crate::commands::input::{Input, InputRequest, read_input, read_plan_file};
use crate::commands::{open_output, write_failed};
use crate::reporters::{github, human, json, junit, sarif};
use crate::{Outcome, UsageError, baseline};

/// Runs the check and writes the report.
pub fn run(arguments: &CheckArguments) -> Result<Outcome, UsageError> {
    if arguments.changed && arguments.paths.is_empty() {
        // pre-commit found no changed file of the hook's types: nothing to report.
        return Ok(Outcome::Clean);
    }
    let mut extra_inputs = arguments.inventory.clone();
    extra_inputs.extend(arguments.catalog.iter().cloned());
    let input = read_input(&InputRequest {
        paths: &arguments.paths,
        inventory: &extra_inputs,
        config: arguments.config.as_deref(),
        limits: arguments.limits,
        whole_project: arguments.changed,
    })?;
    let mut input = input;
    let plan = match &arguments.plan {
        Some(path) => read_plan_file(path, &mut input)?,
        None => None,
    };
    let Input {
        tenant,
        config,
        config_file,
        base_directory,
        progress,
        ..
    } = input;
    let mut report = analyze_with(&AnalysisInput {
        tenant: &tenant,
        config: &config,
        config_file,
        plan: plan.as_ref(),
    });
    if arguments.changed {
        let changed: BTreeSet<String> = arguments
            .paths
            .iter()
            .map(|path| display_path(path, &base_directory))
            .collect();
        report.retain(|finding| {
            finding
                .files()
                .filter_map(|file| tenant.file(file))
                .any(|file| changed.contains(&file.display_path))
        });
    }
    if let Some(path) = &arguments.baseline {
        let accepted = baseline::read(path)?;
        report.retain(|finding| !accepted.contains(&finding.fingerprint.to_string()));
    }
    if let Some(path) = &arguments.write_baseline {
        baseline::write(path, &report)?;
    }

    progress.finish();
    let mut output = open_output(arguments.output.as_deref())?;
    match arguments.format {
        CheckFormat::Human => {
            let style = human::Style {
                color: use_color(arguments),
                width: terminal_width(),
            };
            human::write(&mut output, &tenant, &report, style)
        }
        CheckFormat::Json => json::write(&mut output, &tenant, &report),
        CheckFormat::Sarif => sarif::write(&mut output, &tenant, &report),
        CheckFormat::Github => github::write(&mut output, &tenant, &report),
        CheckFormat::Junit => junit::write(&mut output, &tenant, &report),
    }
    .and_then(|()| output.flush())
    .map_err(write_failed)?;

    if arguments.write_baseline.is_some() {
        return Ok(Outcome::Clean);
    }
    let threshold = arguments
        .fail_on
        .map(|fail_on| fail_on.threshold())
        .or(config.fail_on)
        .unwrap_or(Severity::Error);
    let failing = report
        .findings
        .iter()
        .any(|finding| finding.severity <= threshold);
    // The process exits once the report is written: the operating system takes
    // the memory back at once, where freeing a large report and tenant allocation
    // by allocation takes seconds (about 2 s of 15 s at the L bench tenant).
    std::mem::forget(report);
    std::mem::forget(tenant);
    Ok(if failing {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

fn use_color(arguments: &CheckArguments) -> bool {
    match arguments.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            arguments.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        }
    }
}

/// The width to wrap human output at: `COLUMNS` when set, otherwise 100.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.parse().ok())
        .filter(|columns: &usize| *columns >= 40)
        .unwrap_or(100)
}
