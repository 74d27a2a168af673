//! `preflight rules`: the rule catalog.

use std::io::Write;

use preflight_engine::rules::{RULES, explanation_text};
use serde::Serialize;

use crate::cli::{ListFormat, RulesArguments};
use crate::commands::{open_output, write_failed};
use crate::{Outcome, UsageError};

#[derive(Serialize)]
struct RuleEntry {
    name: &'static str,
    default_severity: &'static str,
    summary: &'static str,
    explanation: String,
}

/// Lists every rule.
pub fn run(arguments: &RulesArguments) -> Result<Outcome, UsageError> {
    let mut output = open_output(None)?;
    match arguments.format {
        ListFormat::Text => {
            let width = RULES
                .iter()
                .map(|rule| rule.metadata().name.len())
                .max()
                .unwrap_or(0);
            for rule in RULES {
                let metadata = rule.metadata();
                writeln!(
                    output,
                    "{:width$}  {:7}  {}",
                    metadata.name,
                    metadata.default_severity.name(),
                    metadata.summary
                )
                .map_err(write_failed)?;
            }
        }
        ListFormat::Json => {
            let entries: Vec<RuleEntry> = RULES
                .iter()
                .map(|rule| {
                    let metadata = rule.metadata();
                    RuleEntry {
                        name: metadata.name,
                        default_severity: metadata.default_severity.name(),
                        summary: metadata.summary,
                        explanation: explanation_text(metadata),
                    }
                })
                .collect();
            serde_json::to_writer_pretty(&mut output, &entries)
                .map_err(|error| write_failed(error.into()))?;
            writeln!(output).map_err(write_failed)?;
        }
    }
    output.flush().map_err(write_failed)?;
    Ok(Outcome::Clean)
}
