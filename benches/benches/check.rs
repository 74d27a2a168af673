//! Parse-only floor against the full check, on the bundled fixtures and, when
//! present, the public corpus in `../shared/corpus`.
//!
//! Run with `cargo bench -p preflight-benches`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use preflight_benches::{full_check, json_files, parse_only, workspace_root};

fn inputs() -> Vec<(&'static str, std::path::PathBuf)> {
    let root = workspace_root();
    let mut inputs = vec![("fixtures", root.join("fixtures"))];
    let corpus = root.join("../shared/corpus");
    if corpus.is_dir() {
        inputs.push(("corpus", corpus));
    }
    inputs
}

fn bench(criterion: &mut Criterion) {
    let root = workspace_root();
    for (name, directory) in inputs() {
        let files = json_files(&directory);
        let bytes: u64 = files
            .iter()
            .filter_map(|path| std::fs::metadata(path).ok())
            .map(|metadata| metadata.len())
            .sum();
        let mut group = criterion.benchmark_group(name);
        group.throughput(Throughput::Bytes(bytes));
        group.bench_function("parse-only", |bencher| {
            bencher.iter(|| black_box(parse_only(black_box(&files))));
        });
        group.bench_function("check", |bencher| {
            bencher.iter(|| black_box(full_check(black_box(&files), &root)));
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
