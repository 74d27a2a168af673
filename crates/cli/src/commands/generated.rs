//! `preflight completions SHELL` and `preflight man`: generated from the clap
//! definitions, so they never drift from the real options.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::commands::{open_output, write_failed};
use crate::{Outcome, UsageError};

/// Prints the completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Result<Outcome, UsageError> {
    let mut output = open_output(None)?;
    clap_complete::generate(shell, &mut Cli::command(), "preflight", &mut output);
    output.flush().map_err(write_failed)?;
    Ok(Outcome::Clean)
}

/// Prints the man page of `preflight` in roff.
pub fn man_page() -> Result<Outcome, UsageError> {
    let mut output = open_output(None)?;
    clap_mangen::Man::new(Cli::command())
        .render(&mut output)
        .and_then(|()| output.flush())
        .map_err(write_failed)?;
    Ok(Outcome::Clean)
}
