//! `preflight check`: read, normalize, analyze, report.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use preflight_engine::analyze;
use preflight_normalizer::normalize;
use preflight_parser::{LoadOptions, load};

use crate::cli::{CheckArguments, CheckFormat, ColorChoice};
use crate::commands::{open_output, write_failed};
use crate::reporters::{human, json};
use crate::{Outcome, UsageError};

/// Runs the check and writes the report.
pub fn run(arguments: &CheckArguments) -> Result<Outcome, UsageError> {
    let base_directory = std::env::current_dir()
        .map_err(|error| UsageError(format!("cannot read the current directory: {error}")))?;
    let paths = if arguments.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        arguments.paths.clone()
    };
    let loaded = load(&paths, &LoadOptions::new(&base_directory))
        .map_err(|error| UsageError(error.to_string()))?;
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
    let tenant = normalize(loaded);
    let report = analyze(&tenant);

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
    }
    .and_then(|()| output.flush())
    .map_err(write_failed)?;

    let threshold = arguments.fail_on.threshold();
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
