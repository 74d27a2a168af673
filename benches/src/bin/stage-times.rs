//! `stage-times`: how long each stage of `preflight check` (without rendering)
//! takes on a directory, to see where the time goes.
//!
//! `cargo run --release -p preflight-benches --bin stage-times -- DIR`
//! For a generated tenant, only its `Settings Catalog` and `Filters` are read.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use preflight_benches::{json_files, parse_only, tenant_policy_files};
use preflight_engine::setting_pairs::SettingPairs;
use preflight_engine::{Config, analyze};
use preflight_normalizer::normalize;
use preflight_parser::{LoadOptions, load};

#[expect(
    clippy::print_stdout,
    reason = "a command-line tool printing its measurements"
)]
#[expect(
    clippy::print_stderr,
    reason = "a command-line tool reporting a usage error"
)]
fn main() -> ExitCode {
    let Some(directory) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: stage-times DIR");
        return ExitCode::from(2);
    };
    let files = if directory.join("Settings Catalog").is_dir() {
        tenant_policy_files(&directory)
    } else {
        json_files(&directory)
    };

    let started = Instant::now();
    let parsed = parse_only(&files);
    let parse_only_time = started.elapsed();

    let started = Instant::now();
    let loaded = match load(&files, &LoadOptions::new(&directory)) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let load_time = started.elapsed();

    let started = Instant::now();
    let tenant = normalize(loaded);
    let normalize_time = started.elapsed();

    let config = Config::default();
    let context = preflight_engine::AnalysisContext::new(&tenant, &config, None);
    let started = Instant::now();
    let audiences = context.audiences();
    let audience_time = started.elapsed();
    let started = Instant::now();
    let formulas = context.audience_formulas();
    let formula_time = started.elapsed();
    let started = Instant::now();
    let pairs = SettingPairs::build(&tenant, context.overlap_analysis(), audiences, formulas);
    let build_time = started.elapsed();
    let started = Instant::now();
    let pair_count = pairs.len();
    let iterate_time = started.elapsed();
    drop(pairs);

    let started = Instant::now();
    let report = analyze(&tenant);
    let analyze_time = started.elapsed();

    let started = Instant::now();
    drop(report.findings);
    let drop_time = started.elapsed();

    println!(
        "files                 {:>10} ({parsed} parsed)",
        files.len()
    );
    println!("parse-only            {parse_only_time:>10.1?}");
    println!("target graph+audience {audience_time:>10.1?}");
    println!("audience formulas     {formula_time:>10.1?}");
    println!("load (read + parse)   {load_time:>10.1?}");
    println!("normalize             {normalize_time:>10.1?}");
    println!(
        "setting pairs: build  {build_time:>10.1?} ({pair_count} pairs whose audiences can meet)"
    );
    println!("setting pairs: iterate{iterate_time:>10.1?}");
    println!(
        "analyze (all rules)   {analyze_time:>10.1?} ({} findings: {} error, {} warning, {} info)",
        report.summary.findings.error
            + report.summary.findings.warning
            + report.summary.findings.info,
        report.summary.findings.error,
        report.summary.findings.warning,
        report.summary.findings.info,
    );
    println!("drop findings         {drop_time:>10.1?}");
    ExitCode::SUCCESS
}
