//! `preflight check`: read, normalize, analyze, report.

use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use preflight_engine::{AnalysisInput, Config, Severity, analyze_with};
use preflight_normalizer::normalize;
use preflight_parser::{LoadOptions, display_path, load};

use crate::cli::{CheckArguments, CheckFormat, ColorChoice};
use crate::commands::{open_output, write_failed};
use crate::config_file::{input_filter, load_config};
use crate::progress::Progress;
use crate::reporters::{github, human, json, junit, sarif};
use crate::{Outcome, UsageError, baseline};

/// Runs the check and writes the report.
pub fn run(arguments: &CheckArguments) -> Result<Outcome, UsageError> {
    let base_directory = std::env::current_dir()
        .map_err(|error| UsageError(format!("cannot read the current directory: {error}")))?;
    let loaded_config = load_config(arguments.config.as_deref(), &base_directory)?;
    let paths = if arguments.changed || arguments.paths.is_empty() {
        // The whole project: where the configuration lives, else here.
        let project = loaded_config
            .as_ref()
            .and_then(|loaded| loaded.path.parent())
            .filter(|parent| !parent.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), |parent| parent.to_path_buf());
        vec![project]
    } else {
        arguments.paths.clone()
    };
    if arguments.changed && arguments.paths.is_empty() {
        // pre-commit found no changed file of the hook's types: nothing to report.
        return Ok(Outcome::Clean);
    }
    let progress = Progress::new();
    let mut options = LoadOptions::new(&base_directory);
    options.on_file_read = progress.file_read_callback();
    if let Some(loaded) = &loaded_config {
        options.path_filter = input_filter(loaded, &base_directory)?;
    }
    let loaded = load(&paths, &options).map_err(|error| UsageError(error.to_string()))?;
    progress.stage("analyzing");
    if loaded.files.is_empty() {
        let shown: Vec<String> = paths
            .iter()
            .map(|path| format!("`{}`", path.display()))
            .collect();
        return Err(UsageError(format!(
            "no input files found under {}",
            shown.join(", ")
        )));
    }
    let mut tenant = normalize(loaded);
    let default_config = Config::default();
    let (config, config_file) = match &loaded_config {
        Some(loaded) => {
            let shown = display_path(&loaded.path, &base_directory);
            let id = tenant.add_source_file(loaded.path.clone(), shown, &loaded.text);
            (&loaded.config, Some(id))
        }
        None => (&default_config, None),
    };
    let mut report = analyze_with(&AnalysisInput {
        tenant: &tenant,
        config,
        config_file,
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
