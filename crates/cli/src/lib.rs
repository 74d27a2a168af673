//! preflight's command line: parses the arguments, runs the command, and turns
//! its outcome into an exit status (0 clean, 1 findings at or above `--fail-on`,
//! 2 usage error or nothing could be read).
//!
//! A library so that both binaries, `preflight` and the pre-commit entry point
//! `preflight-pre-commit`, run exactly this code.

mod baseline;
pub mod cli;
mod commands;
mod config_file;
mod progress;
mod reporters;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

/// How a command ended.
pub enum Outcome {
    /// Nothing at or above the failure threshold.
    Clean,
    /// Findings at or above the failure threshold.
    Findings,
}

/// Why a command could not run; printed on standard error, exit status 2.
#[derive(Debug)]
pub struct UsageError(pub String);

/// Runs preflight with the process's arguments and returns its exit status.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    if let Some(threads) = cli.threads
        && let Err(error) = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
    {
        return usage_failure(&UsageError(format!(
            "cannot start {threads} threads: {error}"
        )));
    }
    let result = match cli.command {
        Command::Check(arguments) => commands::check::run(&arguments),
        Command::Rules(arguments) => commands::rules::run(&arguments),
        Command::Explain(arguments) => commands::explain::run(&arguments),
        Command::Plan(arguments) => commands::plan::run(&arguments),
        Command::Who(arguments) => commands::who::run(&arguments),
        Command::Graph(arguments) => commands::graph::run(&arguments),
        Command::Init => commands::init::run(),
        Command::Completions(arguments) => commands::generated::completions(arguments.shell),
        Command::Man => commands::generated::man_page(),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(error) => usage_failure(&error),
    }
}

fn usage_failure(error: &UsageError) -> ExitCode {
    // Nothing sensible is left to do if standard error is closed.
    let _ = writeln!(std::io::stderr(), "error: {}", error.0);
    ExitCode::from(2)
}
