//! `preflight explain RULE`: one rule's documentation.

use std::io::Write;

use preflight_engine::rules::{RULES, explanation_text, find_rule};

use crate::cli::ExplainArguments;
use crate::commands::{open_output, write_failed};
use crate::{Outcome, UsageError};

/// Prints the explanation of the rule named in `arguments`.
pub fn run(arguments: &ExplainArguments) -> Result<Outcome, UsageError> {
    let Some(rule) = find_rule(&arguments.rule) else {
        let names: Vec<&str> = RULES.iter().map(|rule| rule.metadata().name).collect();
        return Err(UsageError(format!(
            "unknown rule `{}`; the rules are: {}",
            arguments.rule,
            names.join(", ")
        )));
    };
    let metadata = rule.metadata();
    let mut output = open_output(None)?;
    writeln!(
        output,
        "# {}\n\nDefault severity: {}. {}\n\n{}",
        metadata.name,
        metadata.default_severity.name(),
        capitalized(metadata.summary),
        explanation_text(metadata)
    )
    .and_then(|()| output.flush())
    .map_err(write_failed)?;
    Ok(Outcome::Clean)
}

fn capitalized(text: &str) -> String {
    let mut characters = text.chars();
    characters.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(characters).collect::<String>() + "."
    })
}
