//! The `preflight` binary.

use std::process::ExitCode;

/// jemalloc, where it builds: see `Cargo.toml` for why. Elsewhere (Windows with
/// MSVC) the system allocator.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    preflight_cli::run()
}
