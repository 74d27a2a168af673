//! Shared code for preflight's benchmarks: the parse-only floor (read every file
//! and parse it with serde_json, nothing else) and the full check, over the same
//! list of files, so that their ratio is the cost preflight adds; and the
//! synthetic tenants they run on ([`generator`], [`bench_tenant`]).

pub mod generator;

/// The allocator the `preflight` binary ships with, for every bench and tool
/// linking this crate: the ratios are of what users run.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use std::io;
use std::path::{Path, PathBuf};

use preflight_engine::{Report, analyze};
use preflight_normalizer::{Tenant, normalize};
use preflight_parser::{LoadOptions, load};

/// Every `.json` file under `root`, sorted.
pub fn json_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&directory) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "json")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The floor: reads each file and parses it with serde_json. Returns the number
/// of top-level values parsed, so the work cannot be optimized away.
pub fn parse_only(files: &[PathBuf]) -> usize {
    files
        .iter()
        .filter_map(|path| std::fs::read(path).ok())
        .filter_map(|bytes| {
            let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            serde_json::from_slice::<serde_json::Value>(text).ok()
        })
        .count()
}

/// The floor on every core: [`parse_only`] with the files spread over rayon's
/// threads, as preflight's loader spreads them.
pub fn parse_only_parallel(files: &[PathBuf]) -> usize {
    use rayon::prelude::*;
    files
        .par_iter()
        .filter_map(|path| std::fs::read(path).ok())
        .filter_map(|bytes| {
            let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            serde_json::from_slice::<serde_json::Value>(text).ok()
        })
        .count()
}

/// What [`full_check`] ends with: the tenant read and the report on it.
pub struct Checked {
    /// The tenant, as normalized.
    pub tenant: Tenant,
    /// The findings on it.
    pub report: Report,
}

/// The full `preflight check` pipeline without rendering. The tenant and the
/// report are returned, not freed: `preflight check` exits without freeing
/// them (the operating system takes the memory back at once), so the bench
/// leaves freeing them out of the time it takes, as the command never waits
/// for it.
pub fn full_check(files: &[PathBuf], base: &Path) -> Checked {
    let loaded = load(files, &LoadOptions::new(base)).unwrap_or_default();
    let tenant = normalize(loaded);
    let report = analyze(&tenant);
    Checked { tenant, report }
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where generated benchmark tenants are kept: `target/bench-tenants/`, under
/// `CARGO_TARGET_DIR` when it is set.
pub fn bench_tenants_directory() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
        .join("bench-tenants")
}

/// The tenant of `size` and `seed` in `target/bench-tenants/<size>-<seed>/`,
/// generated on first use and reused afterwards (a marker file written last tells
/// a complete tree from an interrupted one).
pub fn bench_tenant(size: generator::NamedSize, seed: u64) -> io::Result<PathBuf> {
    let directory = bench_tenants_directory().join(format!("{size}-{seed}"));
    let marker = directory.join(".generated");
    if !marker.is_file() {
        if directory.exists() {
            std::fs::remove_dir_all(&directory)?;
        }
        let stats = generator::generate(&size.size(), seed, &directory)?;
        std::fs::write(&marker, format!("{stats:#?}\n"))?;
    }
    Ok(directory)
}

/// The policy input of a generated tenant: its `Settings Catalog` and `Filters`
/// files, without the inventory.
pub fn tenant_policy_files(tenant: &Path) -> Vec<PathBuf> {
    let mut files = json_files(&tenant.join("Settings Catalog"));
    files.extend(json_files(&tenant.join("Filters")));
    files.sort();
    files
}

/// The whole input of a generated tenant: its policies and filters
/// ([`tenant_policy_files`]) and its inventory (`inventory/`: Graph pages of
/// managed devices, Entra devices, users, and groups with their members).
pub fn tenant_files_with_inventory(tenant: &Path) -> Vec<PathBuf> {
    let mut files = tenant_policy_files(tenant);
    files.extend(json_files(&tenant.join("inventory")));
    files.sort();
    files
}
