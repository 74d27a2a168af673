//! The command line: commands, options and their documentation (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use preflight_engine::Severity;

/// Finds conflicting Intune policies before the pilot.
///
/// preflight reads policy exports (IntuneCD backups, Graph responses, admin
/// center exports), works out which policies reach the same devices and users,
/// and reports settings they set differently, with where and why.
#[derive(Debug, Parser)]
#[command(name = "preflight", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// Number of worker threads (default: one per core). Output does not depend on it.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// preflight's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a policy set for conflicts and input problems.
    Check(CheckArguments),
    /// List the rules.
    Rules(RulesArguments),
    /// Explain one rule: what it finds, why it matters, how to fix it.
    Explain(ExplainArguments),
    /// Check a rollout plan phase by phase: what each phase reaches, introduces and changes.
    Plan(PlanArguments),
    /// Show the policies that reach a device, a user or a group, and how.
    Who(WhoArguments),
    /// Draw policies, groups and filters as a graph, conflicts highlighted.
    Graph(GraphArguments),
    /// Write a commented `preflight.toml` in the current directory.
    Init,
    /// Print a completion script for a shell.
    Completions(CompletionsArguments),
    /// Print the man page (roff).
    Man,
}

/// Options of `preflight completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArguments {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Options of `preflight check`.
#[derive(Debug, clap::Args)]
pub struct CheckArguments {
    /// Files and directories to check (directories recursively; hidden and
    /// git-ignored files are skipped). Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Inventory exports to read as well (Graph `managedDevices`, `devices`,
    /// `users` and `groups` with members): audiences become exact sets. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub inventory: Vec<PathBuf>,

    /// A rollout plan (`rollout.json`): enables the rules about rollouts, such as
    /// `unrepresentative-pilot`. `preflight plan` checks each phase.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,

    /// A settings catalog definitions export (Graph `configurationSettings`):
    /// display names, option labels and applicability for the settings.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,

    /// Limits on what is read.
    #[command(flatten)]
    pub limits: InputLimits,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with status 1 when a finding is at least this severe [default: the
    /// configuration's `fail-on`, else `error`].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,

    /// The configuration file [default: the first `preflight.toml` found in the
    /// current directory or its parents].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Report only findings whose fingerprint is not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record every current finding in this baseline file (and exit 0).
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,

    /// Treat PATHs as changed files (as pre-commit passes them): check the whole
    /// project (the directory of `preflight.toml`, else the current directory)
    /// and report only findings that involve one of them.
    #[arg(long)]
    pub changed: bool,

    /// When to use colors in human output (`auto`: only on a terminal, and not
    /// when `NO_COLOR` is set).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Limits on the input, shared by every command that reads it. Each overrides
/// the configuration's `[input]` value of the same name.
#[derive(Clone, Copy, Debug, Default, clap::Args)]
pub struct InputLimits {
    /// Skip files larger than this many bytes, with a `parse-error` finding
    /// [default: `max-file-size` under `[input]`, else 64 MiB].
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_file_size: Option<u64>,

    /// Read at most this many files (the first in path order), reporting the rest
    /// [default: `max-files` under `[input]`, else 100000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_files: Option<u64>,
}

/// Output formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Annotated source snippets for people.
    Human,
    /// Machine-readable JSON, version 1 (see the README).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// JUnit XML, for CI systems that show test reports.
    Junit,
}

/// Severity threshold for the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Fail on errors only.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding.
    Info,
}

impl FailOn {
    /// The least serious severity that fails the run.
    pub fn threshold(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Info => Severity::Info,
        }
    }
}

/// Color policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colors on a terminal unless `NO_COLOR` is set.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// Options of `preflight rules`.
#[derive(Debug, clap::Args)]
pub struct RulesArguments {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// Output formats of `rules`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table for people.
    Text,
    /// JSON: name, default severity, summary and explanation of each rule.
    Json,
}

/// Options of `preflight explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArguments {
    /// The rule's name, e.g. `conflicting-setting`.
    #[arg(value_name = "RULE")]
    pub rule: String,
}

/// Options of `preflight who`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("subject").required(true).args(["device", "user", "group"])))]
pub struct WhoArguments {
    /// Files and directories to read. Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Inventory exports to read as well. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub inventory: Vec<PathBuf>,

    /// The configuration file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Limits on what is read.
    #[command(flatten)]
    pub limits: InputLimits,

    /// A device, by name (needs an inventory).
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,

    /// A user, by user principal name (needs an inventory).
    #[arg(long, value_name = "UPN")]
    pub user: Option<String>,

    /// A group, by display name or id.
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// Options of `preflight graph`.
#[derive(Debug, clap::Args)]
pub struct GraphArguments {
    /// Files and directories to read. Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Inventory exports to read as well. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub inventory: Vec<PathBuf>,

    /// The configuration file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Limits on what is read.
    #[command(flatten)]
    pub limits: InputLimits,

    /// Graph language.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,

    /// Write the graph to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Graph languages of `graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
}

/// Options of `preflight plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArguments {
    /// The rollout plan (`rollout.json`, see `schemas/rollout-v1.schema.json`).
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,

    /// Files and directories holding the tenant. Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Inventory exports: phases then show how many devices and users they reach
    /// and how many of them meet a conflict, and the change summary counts who
    /// newly receives each setting.
    #[arg(long, value_name = "PATH")]
    pub inventory: Vec<PathBuf>,

    /// The configuration file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Limits on what is read.
    #[command(flatten)]
    pub limits: InputLimits,

    /// Output format.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub format: PlanFormat,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Exit with status 1 when a phase introduces a finding at least this severe.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

/// Output formats of `plan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// Phase by phase, with annotated findings.
    Human,
    /// JSON (`schemas/plan-report-v1.schema.json`): version, tool, summary and a
    /// `phases` array, each with its findings in the `check` JSON shape.
    Json,
    /// A change summary per phase for the help desk and the communication plan.
    Markdown,
}
