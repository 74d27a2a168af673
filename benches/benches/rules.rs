//! The rule languages and the decision procedure on their own: parsing every
//! dynamic group rule and filter rule of a generated tenant (and of the public
//! corpus when present), and deciding pairs of the parsed rules, as the engine
//! does where structure leaves an overlap open.
//!
//! Run with `cargo bench -p preflight-benches --bench rules`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use preflight_benches::generator::NamedSize;
use preflight_benches::{bench_tenant, json_files, workspace_root};
use preflight_engine::audience_logic::{DEFAULT_BUDGET, Formula, decide};
use preflight_parser::rule_language::{RuleLanguage, parse_rule};

/// Every `membershipRule` and filter `rule` string under `root`, with its language.
fn rules_under(root: &Path) -> Vec<(RuleLanguage, String)> {
    fn walk(value: &serde_json::Value, found: &mut Vec<(RuleLanguage, String)>) {
        match value {
            serde_json::Value::Object(object) => {
                for (key, inner) in object {
                    match (key.as_str(), inner) {
                        ("membershipRule", serde_json::Value::String(rule)) => {
                            found.push((RuleLanguage::MembershipRule, rule.clone()));
                        }
                        ("rule", serde_json::Value::String(rule)) => {
                            found.push((RuleLanguage::FilterRule, rule.clone()));
                        }
                        _ => walk(inner, found),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| walk(item, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for path in json_files(root) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(text) {
            walk(&value, &mut found);
        }
    }
    found.sort();
    found.dedup();
    found
}

#[expect(
    clippy::print_stderr,
    reason = "a benchmark telling why it skips an input"
)]
fn inputs() -> Vec<(&'static str, PathBuf)> {
    let mut inputs = Vec::new();
    match bench_tenant(NamedSize::Small, 42) {
        Ok(tenant) => inputs.push(("tenant-s", tenant)),
        Err(error) => eprintln!("cannot generate the S tenant: {error}; skipped"),
    }
    let corpus = workspace_root().join("../shared/corpus/hydrationkit");
    if corpus.is_dir() {
        inputs.push(("corpus", corpus));
    }
    inputs
}

fn bench_rules(criterion: &mut Criterion) {
    for (name, root) in inputs() {
        let rules = rules_under(&root);
        let mut group = criterion.benchmark_group(format!("rules-{name}"));
        group.throughput(Throughput::Elements(rules.len() as u64));
        group.bench_function("parse", |bencher| {
            bencher.iter(|| {
                rules
                    .iter()
                    .filter(|(language, text)| parse_rule(*language, black_box(text)).is_ok())
                    .count()
            });
        });
        // Pairs of the first 100 rules that parse: up to 4,950 decisions.
        let formulas: Vec<Formula> = rules
            .iter()
            .filter_map(|(language, text)| parse_rule(*language, text).ok())
            .take(100)
            .map(|rule| Formula::of_rule(&rule))
            .collect();
        let pairs = formulas.len() * formulas.len().saturating_sub(1) / 2;
        group.throughput(Throughput::Elements(pairs as u64));
        group.bench_function("decide-pairs", |bencher| {
            bencher.iter(|| {
                let mut decided = 0;
                for (index, first) in formulas.iter().enumerate() {
                    for second in &formulas[index + 1..] {
                        black_box(decide(first, second, DEFAULT_BUDGET));
                        decided += 1;
                    }
                }
                decided
            });
        });
        group.finish();
    }
}

criterion_group!(benches, bench_rules);
criterion_main!(benches);
