//! `generate-tenant`: writes a deterministic synthetic Intune tenant (IntuneCD
//! policies and filters, Graph inventory pages) for benchmarks.
//!
//! `cargo run --release -p preflight-benches --bin generate-tenant -- --size m --seed 42 --out DIR`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use preflight_benches::generator::{NamedSize, generate};

/// Writes a synthetic Intune tenant: the same size and seed give a byte-identical tree.
#[derive(Parser)]
#[command(name = "generate-tenant")]
struct Arguments {
    /// s (200 policies, 2,000 devices), m (1,000 policies, 20,000 devices) or
    /// l (5,000 policies, 200,000 devices).
    #[arg(long, default_value = "s")]
    size: NamedSize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Directory to write into (created if missing).
    #[arg(long)]
    out: PathBuf,
}

#[expect(
    clippy::print_stderr,
    reason = "a command-line tool reporting what it wrote"
)]
fn main() -> ExitCode {
    let arguments = Arguments::parse();
    let started = Instant::now();
    match generate(&arguments.size.size(), arguments.seed, &arguments.out) {
        Ok(stats) => {
            eprintln!(
                "wrote {} files ({:.1} MB) to {} in {:.1?}: {} policies, {} setting instances \
                 of {} distinct settings, {} same-setting policy pairs ({} with different values), \
                 {} groups ({} nested memberships), {} filters, {} devices, {} users",
                stats.files,
                stats.bytes as f64 / 1e6,
                arguments.out.display(),
                started.elapsed(),
                stats.policies,
                stats.setting_instances,
                stats.distinct_settings,
                stats.same_setting_pairs,
                stats.differing_value_pairs,
                stats.groups,
                stats.nested_memberships,
                stats.filters,
                stats.devices,
                stats.users,
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!(
                "error: cannot write the tenant to {}: {error}",
                arguments.out.display()
            );
            ExitCode::FAILURE
        }
    }
}
