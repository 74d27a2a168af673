//! `stage-times`: how long each stage of `preflight check` (without rendering)
//! takes on a directory, to see where the time goes.
//!
//! `cargo run --release -p preflight-benches --bin stage-times -- DIR`
//! For a generated tenant, only its `Settings Catalog` and `Filters` are read,
//! unless `--inventory` adds its `inventory/` pages. `--input-only` stops after
//! the input stages (load and normalize) and `--repeat N` runs the floor and those
//! stages N times, printing each run and the median.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use preflight_benches::{json_files, parse_only, tenant_files_with_inventory, tenant_policy_files};
use preflight_engine::{Config, analyze};
use preflight_normalizer::{Tenant, normalize};
use preflight_parser::{LoadOptions, load};

/// Times the stages of a check on one directory.
#[derive(Parser)]
#[command(name = "stage-times")]
struct Arguments {
    /// The directory to check (a generated tenant, or any directory of JSON files).
    directory: PathBuf,
    /// For a generated tenant, read its `inventory/` too.
    #[arg(long)]
    inventory: bool,
    /// Stop after load and normalize.
    #[arg(long)]
    input_only: bool,
    /// How many times to run the floor and the input stages.
    #[arg(long, default_value_t = 1)]
    repeat: usize,
}

/// The times of one run of the floor and the input stages: wall time, and the
/// processor time of the whole process (all threads, user and system).
struct InputTimes {
    parse_only: Duration,
    load: Duration,
    normalize: Duration,
    drop_tenant: Duration,
    parse_only_cpu: Duration,
    load_cpu: Duration,
    normalize_cpu: Duration,
}

/// The processor time this process has used so far, user and system, over all
/// its threads: from `/proc/self/stat` (Linux; in clock ticks of 10 ms), zero
/// where it cannot be read. Other processes on the machine do not count, so it
/// is steadier than wall time on a shared machine.
fn process_cpu_time() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // The command name (field 2) is in parentheses and may hold spaces.
    let Some((_, after_name)) = stat.rsplit_once(')') else {
        return Duration::ZERO;
    };
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 (utime) and 15 (stime), counted from 1 with the name as field 2.
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|field| field.parse::<u64>().ok())
            .unwrap_or(0)
    };
    const TICKS_PER_SECOND: u64 = 100;
    Duration::from_millis((ticks(11) + ticks(12)) * 1000 / TICKS_PER_SECOND)
}

/// What `stage` returns, its wall time and the process's processor time over it.
fn timed<T>(stage: impl FnOnce() -> T) -> (T, Duration, Duration) {
    let (started, cpu) = (Instant::now(), process_cpu_time());
    let value = stage();
    (
        value,
        started.elapsed(),
        process_cpu_time().saturating_sub(cpu),
    )
}

/// The resident set size of this process now and at its peak, in MiB, from
/// `/proc/self/status` (Linux; zero where it cannot be read).
fn resident_memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kibibytes| kibibytes.parse::<u64>().ok())
            .map_or(0, |kibibytes| kibibytes / 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn ratio(time: Duration, floor: Duration) -> f64 {
    time.as_secs_f64() / floor.as_secs_f64().max(f64::MIN_POSITIVE)
}

#[expect(
    clippy::print_stdout,
    reason = "a command-line tool printing its measurements"
)]
#[expect(
    clippy::print_stderr,
    reason = "a command-line tool reporting an error"
)]
fn main() -> ExitCode {
    let arguments = Arguments::parse();
    let directory = &arguments.directory;
    let files = if directory.join("Settings Catalog").is_dir() {
        if arguments.inventory {
            tenant_files_with_inventory(directory)
        } else {
            tenant_policy_files(directory)
        }
    } else {
        json_files(directory)
    };

    let mut runs = Vec::new();
    let mut parsed = 0;
    let mut memory = Vec::new();
    let mut kept_tenant: Option<Tenant> = None;
    for run in 0..arguments.repeat.max(1) {
        let parse_only_time;
        let parse_only_cpu;
        (parsed, parse_only_time, parse_only_cpu) = timed(|| parse_only(&files));

        let (loaded, load_time, load_cpu) = timed(|| load(&files, &LoadOptions::new(directory)));
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        };
        let after_load = resident_memory();

        let (tenant, normalize_time, normalize_cpu) = timed(|| normalize(loaded));
        memory.push((after_load, resident_memory()));

        let last = run + 1 == arguments.repeat.max(1);
        let started = Instant::now();
        if last && !arguments.input_only {
            kept_tenant = Some(tenant);
        } else {
            drop(tenant);
        }
        let drop_time = started.elapsed();
        let times = InputTimes {
            parse_only: parse_only_time,
            load: load_time,
            normalize: normalize_time,
            drop_tenant: drop_time,
            parse_only_cpu,
            load_cpu,
            normalize_cpu,
        };
        if arguments.repeat > 1 {
            println!(
                "run {:>2}: parse-only {:>9.1?}  load {:>9.1?} ({:.2}×)  normalize {:>9.1?} ({:.2}×)  \
                 cpu: {:?} {:?} {:?}",
                run + 1,
                times.parse_only,
                times.load,
                ratio(times.load, times.parse_only),
                times.normalize,
                ratio(times.normalize, times.parse_only),
                times.parse_only_cpu,
                times.load_cpu,
                times.normalize_cpu,
            );
        }
        runs.push(times);
    }

    let parse_only_time = median(runs.iter().map(|times| times.parse_only).collect());
    let load_time = median(runs.iter().map(|times| times.load).collect());
    let normalize_time = median(runs.iter().map(|times| times.normalize).collect());
    let inputs_time = median(
        runs.iter()
            .map(|times| times.load + times.normalize)
            .collect(),
    );
    let parse_only_cpu = median(runs.iter().map(|times| times.parse_only_cpu).collect());
    let load_cpu = median(runs.iter().map(|times| times.load_cpu).collect());
    let normalize_cpu = median(runs.iter().map(|times| times.normalize_cpu).collect());
    let inputs_cpu = median(
        runs.iter()
            .map(|times| times.load_cpu + times.normalize_cpu)
            .collect(),
    );
    println!(
        "files                 {:>10} ({parsed} parsed)",
        files.len()
    );
    println!(
        "                            wall (× parse-only)        processor time (× parse-only)"
    );
    println!(
        "parse-only            {parse_only_time:>10.1?}                  {parse_only_cpu:>10.1?}"
    );
    let line = |name: &str, wall: Duration, cpu: Duration| {
        println!(
            "{name:<22}{wall:>10.1?} ({:>5.2}×)          {cpu:>10.1?} ({:>5.2}×)",
            ratio(wall, parse_only_time),
            ratio(cpu, parse_only_cpu)
        );
    };
    line("load (read + parse)", load_time, load_cpu);
    line("normalize", normalize_time, normalize_cpu);
    line("load + normalize", inputs_time, inputs_cpu);
    if let Some(((loaded_now, _), (normalized_now, peak))) = memory.first() {
        println!(
            "resident memory (first run): {loaded_now} MiB after load, {normalized_now} MiB after normalize, peak {peak} MiB"
        );
    }
    if arguments.input_only {
        let drop_time = median(runs.iter().map(|times| times.drop_tenant).collect());
        println!("drop tenant           {drop_time:>10.1?}");
        return ExitCode::SUCCESS;
    }
    let Some(tenant) = kept_tenant else {
        return ExitCode::SUCCESS;
    };

    let config = Config::default();
    // The context parses every group and filter rule and decides them on the
    // whole inventory as it is made.
    let (context, rules_time, rules_cpu) =
        timed(|| preflight_engine::AnalysisContext::new(&tenant, &config, None));
    let ((), graph_time, graph_cpu) = timed(|| {
        context.target_graph();
    });
    let ((), audience_time, audience_cpu) = timed(|| {
        context.audiences();
    });
    let ((), formula_time, formula_cpu) = timed(|| {
        context.audience_formulas();
    });
    let (pairs, build_time, build_cpu) = timed(|| context.setting_pairs());
    let started = Instant::now();
    let pair_count = pairs.len();
    let iterate_time = started.elapsed();
    let (after_pairs, _) = resident_memory();
    // Each rule on its own, one after the other, over the stages built above.
    let mut rule_times = Vec::new();
    for rule in preflight_engine::rules::RULES {
        let started = Instant::now();
        let mut found = Vec::new();
        rule.check(&context, &mut found);
        rule_times.push((rule.metadata().name, started.elapsed(), found.len()));
    }
    drop(context);

    // `analyze` builds the audiences, formulas and pairs again, then runs the
    // rules: what it takes beyond the stages above is the rules and the sort.
    let started = Instant::now();
    let report = analyze(&tenant);
    let analyze_time = started.elapsed();
    let (_, analyze_peak) = resident_memory();
    let checks_time = analyze_time
        .saturating_sub(rules_time + graph_time + audience_time + formula_time + build_time);

    let started = Instant::now();
    drop(report.findings);
    let drop_time = started.elapsed();

    // Processor time beside each stage: a stage whose processor time is not
    // about twice its wall time on two cores runs mostly on one thread.
    println!("rules on inventory    {rules_time:>10.1?} (processor time {rules_cpu:.1?})");
    println!("target graph          {graph_time:>10.1?} (processor time {graph_cpu:.1?})");
    println!("audiences             {audience_time:>10.1?} (processor time {audience_cpu:.1?})");
    println!("audience formulas     {formula_time:>10.1?} (processor time {formula_cpu:.1?})");
    println!(
        "setting pairs: build  {build_time:>10.1?} ({pair_count} pairs whose audiences can meet; processor time {build_cpu:.1?})"
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
    println!("rules + sort (analyze − the stages above) {checks_time:>10.1?}");
    for (name, time, found) in rule_times {
        if time >= Duration::from_millis(5) {
            println!("  rule {name:<28}{time:>10.1?} ({found} findings, run alone)");
        }
    }
    println!(
        "check (load + normalize + analyze) {:>10.1?} ({:.1}× parse-only)",
        inputs_time + analyze_time,
        ratio(inputs_time + analyze_time, parse_only_time)
    );
    println!("drop findings         {drop_time:>10.1?}");
    println!(
        "resident memory: {after_pairs} MiB with audiences, formulas and pairs built; peak {analyze_peak} MiB after analyze"
    );
    ExitCode::SUCCESS
}
