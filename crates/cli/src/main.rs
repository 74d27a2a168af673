//! The `preflight` binary.

use std::process::ExitCode;

fn main() -> ExitCode {
    preflight_cli::run()
}
