//! `preflight init`: writes a commented starter `preflight.toml`.

use std::io::Write;

use preflight_parser::CONFIG_FILE_NAME;

use crate::commands::{open_output, write_failed};
use crate::{Outcome, UsageError};

/// The starter configuration: every option, commented.
pub const STARTER: &str = r#"# preflight configuration. preflight uses the first preflight.toml it finds in
# the current directory or its parents (or the file given with --config).

# Exit with status 1 when a finding is at least this severe: "error" (default),
# "warning" or "info". --fail-on on the command line wins.
# fail-on = "warning"

# Per-rule levels: "error", "warning", "info", or "off" to not run the rule.
# `preflight rules` lists the rules; `preflight explain RULE` explains one.
[rules]
# duplicate-setting = "off"
# unrecognized-file = "off"

# Which files under the checked directories are input: glob patterns relative
# to this file's directory. Files named on the command line are always read.
[input]
# include = ["tenant/**/*.json"]
# exclude = ["archive/**"]
# max-file-size = 67108864   # bytes; larger files are reported and skipped
# max-files = 100000         # files read at most, the first in path order

# Groups that by design never share a member (rollout rings, regions, one
# department per user). Policies assigned to two of them are not compared.
# [[exclusive]]
# groups = ["Ring 1 - Pilot", "Ring 2 - UAT", "Ring 3 - Production"]
# reason = "each device is in exactly one ring"

# Ignores: findings that are known and accepted. Each needs a reason; an
# ignore that matches nothing is reported (unused-ignore) so none go stale.
# A finding is ignored when it is of `rule`, involves every policy named in
# `policies`, and (if given) is about `setting` (its key or name).
#
# [[ignore]]
# rule = "conflicting-setting"
# policies = ["Win - Defender Antivirus - Baseline", "Win - Developer Workstations - Defender Exceptions"]
# setting = "device_vendor_msft_policy_config_defender_allowrealtimemonitoring"
# reason = "developer exception approved in change CAB-1234"
"#;

/// Writes the starter file; refuses to overwrite one.
pub fn run() -> Result<Outcome, UsageError> {
    let path = std::path::Path::new(CONFIG_FILE_NAME);
    if path.exists() {
        return Err(UsageError(format!(
            "`{CONFIG_FILE_NAME}` already exists; not overwriting it"
        )));
    }
    std::fs::write(path, STARTER)
        .map_err(|error| UsageError(format!("cannot write `{CONFIG_FILE_NAME}`: {error}")))?;
    let mut output = open_output(None)?;
    writeln!(output, "wrote {CONFIG_FILE_NAME}")
        .and_then(|()| output.flush())
        .map_err(write_failed)?;
    Ok(Outcome::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_file_parses_and_every_commented_example_parses_too() {
        preflight_engine::Config::parse(STARTER).expect("starter parses");
        // Uncomment the example lines (`# [table]`, `# key = value`), not the prose.
        let is_example = |rest: &str| {
            rest.starts_with('[')
                || rest
                    .split_once(" = ")
                    .is_some_and(|(key, _)| key.chars().all(|c| c.is_ascii_lowercase() || c == '-'))
        };
        let uncommented: String = STARTER
            .lines()
            .map(|line| {
                line.strip_prefix("# ")
                    .filter(|rest| is_example(rest))
                    .unwrap_or(line)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let config = preflight_engine::Config::parse(&uncommented).expect("examples parse");
        assert_eq!(config.ignores.len(), 1);
        assert!(config.fail_on.is_some());
    }
}
