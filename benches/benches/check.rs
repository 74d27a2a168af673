//! Parse-only floor against the full check, on the bundled fixtures, the public
//! corpus in `../shared/corpus` when present, and generated tenants.
//!
//! Run with `cargo bench -p preflight-benches`. Generated tenants are written once
//! to `target/bench-tenants/<size>-<seed>/` and reused. `PREFLIGHT_BENCH_SIZES`
//! chooses their sizes (`s`, `m`, `l`, comma-separated; default `s,m`, since `l`
//! takes minutes); `PREFLIGHT_BENCH_SIZES=none` skips them. At M and L the
//! tenants are also checked with their inventory (`…-with-inventory`).

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use preflight_benches::generator::NamedSize;
use preflight_benches::{
    bench_tenant, full_check, json_files, parse_only, parse_only_parallel,
    tenant_files_with_inventory, tenant_policy_files, workspace_root,
};

/// The seed of the generated tenants.
const TENANT_SEED: u64 = 42;

fn inputs() -> Vec<(&'static str, std::path::PathBuf)> {
    let root = workspace_root();
    let mut inputs = vec![("fixtures", root.join("fixtures"))];
    let corpus = root.join("../shared/corpus");
    if corpus.is_dir() {
        inputs.push(("corpus", corpus));
    }
    inputs
}

fn total_bytes(files: &[std::path::PathBuf]) -> u64 {
    files
        .iter()
        .filter_map(|path| std::fs::metadata(path).ok())
        .map(|metadata| metadata.len())
        .sum()
}

/// The three measurements on one list of files: the sequential and parallel
/// floors and the full check, named `parse-only`, `parse-only-parallel` and
/// `check`, each followed by `suffix`.
fn floor_and_check(
    group: &mut BenchmarkGroup<'_, WallTime>,
    files: &[std::path::PathBuf],
    base: &Path,
    suffix: &str,
) {
    group.throughput(Throughput::Bytes(total_bytes(files)));
    group.bench_function(format!("parse-only{suffix}"), |bencher| {
        bencher.iter(|| black_box(parse_only(black_box(files))));
    });
    group.bench_function(format!("parse-only-parallel{suffix}"), |bencher| {
        bencher.iter(|| black_box(parse_only_parallel(black_box(files))));
    });
    // Each run's tenant and report are freed after its time is taken: the
    // command exits without freeing them (see `full_check`). Not
    // `iter_with_large_drop`, which keeps every output of a sample until the
    // sample ends: ten checked L tenants with inventory do not fit in memory.
    group.bench_function(format!("check{suffix}"), |bencher| {
        bencher.iter_custom(|runs| {
            let mut checking = Duration::ZERO;
            for _ in 0..runs {
                let started = Instant::now();
                let checked = black_box(full_check(black_box(files), base));
                checking += started.elapsed();
                drop(checked);
            }
            checking
        });
    });
}

fn bench_inputs(criterion: &mut Criterion) {
    let root = workspace_root();
    for (name, directory) in inputs() {
        let files = json_files(&directory);
        let mut group = criterion.benchmark_group(name);
        floor_and_check(&mut group, &files, &root, "");
        group.finish();
    }
}

/// The tenant sizes to run: `PREFLIGHT_BENCH_SIZES`, or S and M.
#[expect(
    clippy::print_stderr,
    reason = "a benchmark telling why it ignores a size"
)]
fn tenant_sizes() -> Vec<NamedSize> {
    let Ok(requested) = std::env::var("PREFLIGHT_BENCH_SIZES") else {
        return vec![NamedSize::Small, NamedSize::Medium];
    };
    let mut sizes = Vec::new();
    for name in requested.split(',').filter(|name| !name.trim().is_empty()) {
        if name.trim() == "none" {
            continue;
        }
        match name.parse::<NamedSize>() {
            Ok(size) if !sizes.contains(&size) => sizes.push(size),
            Ok(_) => {}
            Err(error) => eprintln!("PREFLIGHT_BENCH_SIZES: {error}; ignored"),
        }
    }
    sizes.sort();
    sizes
}

#[expect(
    clippy::print_stderr,
    reason = "a benchmark telling why it skips a size"
)]
fn bench_tenants(criterion: &mut Criterion) {
    for size in tenant_sizes() {
        let tenant = match bench_tenant(size, TENANT_SEED) {
            Ok(tenant) => tenant,
            Err(error) => {
                eprintln!("cannot generate the {size} tenant: {error}; skipped");
                continue;
            }
        };
        // Without inventory: the policies and filters only.
        let files = tenant_policy_files(&tenant);
        let mut group = criterion.benchmark_group(format!("tenant-{size}"));
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(match size {
            NamedSize::Small => 10,
            NamedSize::Medium => 30,
            NamedSize::Large => 60,
        }));
        floor_and_check(&mut group, &files, &tenant, "");
        // With inventory (M and L, as issue #10 asks): the same files and the
        // tenant's `inventory/` (Graph pages of managed devices, Entra devices,
        // users, and groups with their members), which `check --inventory` reads
        // the same way, against the floor over the same files.
        if size != NamedSize::Small {
            let files = tenant_files_with_inventory(&tenant);
            floor_and_check(&mut group, &files, &tenant, "-with-inventory");
        }
        group.finish();
    }
}

criterion_group!(benches, bench_inputs, bench_tenants);
criterion_main!(benches);
