//! `preflight-pre-commit`: the binary pre-commit installs from this repository
//! (see `.pre-commit-hooks.yaml`). It is `preflight` under another name, so that
//! it never collides with the `preflight` binary of `crates/cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    preflight_cli::run()
}
