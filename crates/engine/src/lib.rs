//! preflight's conflict engine.
//!
//! The third stage of the pipeline (files → parser → normalizer → **engine** →
//! findings → reporters). Given a normalized [`Tenant`], it works out which
//! policies' audiences can meet ([`overlap`]), indexes settings by canonical key so
//! that only policies touching the same key are compared ([`setting_pairs`]), runs
//! every rule of the catalog ([`rules::RULES`]) in parallel, and returns the
//! findings in one deterministic order.

pub mod audience;
pub mod audience_formula;
pub mod audience_logic;
pub mod config;
pub mod context;
pub mod finding;
pub mod fingerprint;
mod grouped;
pub mod inventory_rules;
mod object_id_key;
pub mod overlap;
mod policy_pair_numbering;
pub mod rollout;
pub mod rule_sets;
pub mod rules;
pub mod setting_pairs;
mod sized_text;
mod small_index;
pub mod target_graph;
pub mod who;

use preflight_normalizer::Tenant;
use rayon::prelude::*;

pub use config::{Config, ConfigError, ExclusiveGroups, Ignore, InputSelection, RuleLevel};
pub use context::AnalysisContext;
pub use finding::{
    Finding, Fingerprint, Label, OverlapEvidence, PolicyEvidence, SettingEvidence, Severity,
};
pub use overlap::Certainty;

/// Counts of what was analyzed and found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Input files found (read or not).
    pub files: usize,
    /// Policies read.
    pub policies: usize,
    /// Settings configured by those policies.
    pub settings: usize,
    /// Groups known.
    pub groups: usize,
    /// Assignment filters known.
    pub filters: usize,
    /// Inventory devices.
    pub devices: usize,
    /// Inventory users.
    pub users: usize,
    /// Settings keyed locally to their family because no canonical key is known.
    pub unmapped_settings: usize,
    /// Pairs of assignments whose audiences the rules could not decide (over the
    /// decision procedure's budget, or tests it does not decide): compared as
    /// "possible" from structure alone.
    pub undecided_audiences: usize,
    /// Policies per analyzed family, by family name.
    pub families: std::collections::BTreeMap<&'static str, usize>,
    /// Objects of families read but not analyzed, by family name.
    pub unsupported: std::collections::BTreeMap<String, usize>,
    /// Findings per severity: error, warning, info.
    pub findings: SeverityCounts,
}

/// A count per severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeverityCounts {
    /// Errors.
    pub error: usize,
    /// Warnings.
    pub warning: usize,
    /// Infos.
    pub info: usize,
}

impl SeverityCounts {
    /// The count for `severity`.
    pub fn get(&self, severity: Severity) -> usize {
        match severity {
            Severity::Error => self.error,
            Severity::Warning => self.warning,
            Severity::Info => self.info,
        }
    }

    /// The counts of `findings`.
    pub fn of(findings: &[Finding]) -> Self {
        let mut counts = Self::default();
        for finding in findings {
            counts.add(finding.severity);
        }
        counts
    }

    fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.error += 1,
            Severity::Warning => self.warning += 1,
            Severity::Info => self.info += 1,
        }
    }
}

/// The result of a run.
#[derive(Debug)]
pub struct Report {
    /// The findings, sorted.
    pub findings: Vec<Finding>,
    /// What was analyzed and found.
    pub summary: Summary,
}

impl Report {
    /// Keeps only the findings `keep` accepts, and recounts.
    pub fn retain(&mut self, keep: impl FnMut(&Finding) -> bool) {
        self.findings.retain(keep);
        self.summary.findings = SeverityCounts::of(&self.findings);
    }
}

/// What to analyze: the tenant, and the configuration with the file it came from.
pub struct AnalysisInput<'run> {
    /// The normalized tenant.
    pub tenant: &'run Tenant,
    /// The configuration (the default when there is no file).
    pub config: &'run Config,
    /// The configuration file, added to the tenant's files so that findings can
    /// point into it; not counted as an input file.
    pub config_file: Option<preflight_parser::FileId>,
    /// The rollout plan, for the rules about rollouts (`check --plan`, `plan`).
    pub plan: Option<&'run preflight_normalizer::plan::RolloutPlan>,
}

/// Runs every rule over `tenant` with the default configuration.
pub fn analyze(tenant: &Tenant) -> Report {
    analyze_with(&AnalysisInput {
        tenant,
        config: &Config::default(),
        config_file: None,
        plan: None,
    })
}

/// Runs every enabled rule, applies configured levels and ignores, then runs the
/// rules that report on the ignores themselves; returns the findings sorted.
pub fn analyze_with(input: &AnalysisInput<'_>) -> Report {
    let tenant = input.tenant;
    let mut context = AnalysisContext::new(tenant, input.config, input.config_file);
    context.plan = input.plan;
    // INVARIANT: the shared analyses are built here, before the rules run in
    // parallel. Built lazily inside a rule instead, one worker would initialize a
    // `OnceLock` while its own nested parallel work steals another rule's job that
    // waits on the same `OnceLock`: a deadlock.
    context.prepare();
    let run_rules = |after_ignores: bool| -> Vec<(bool, Finding)> {
        rules::RULES
            .par_iter()
            .filter(|rule| rule.metadata().after_ignores == after_ignores)
            .filter(|rule| input.config.level(rule.metadata().name) != Some(RuleLevel::Off))
            .flat_map_iter(|rule| {
                let mut found = Vec::new();
                rule.check(&context, &mut found);
                let ignores_pairs = rule.metadata().ignores_pairs;
                found
                    .into_iter()
                    .map(move |finding| (ignores_pairs, finding))
            })
            .collect()
    };

    let mut ignore_use = vec![0_usize; input.config.ignores.len()];
    let mut findings: Vec<Finding> = run_rules(false)
        .into_iter()
        .filter_map(|(ignores_pairs, finding)| {
            if ignores_pairs {
                return Some(finding);
            }
            let silenced_by = input
                .config
                .ignores
                .iter()
                .position(|ignore| ignore.matches(&finding));
            if let Some(index) = silenced_by {
                ignore_use[index] += 1;
            }
            silenced_by.is_none().then_some(finding)
        })
        .collect();
    context.record_ignore_use(ignore_use);
    findings.extend(run_rules(true).into_iter().map(|(_, finding)| finding));
    for finding in &mut findings {
        if let Some(RuleLevel::Severity(severity)) = input.config.level(finding.rule) {
            finding.severity = severity;
        }
    }
    // INVARIANT: the one global sort makes output independent of thread scheduling.
    let findings = sorted(tenant, findings);

    let mut summary = Summary::of_input(input);
    summary.undecided_audiences = context.undecided_audiences();
    summary.findings = SeverityCounts::of(&findings);
    Report { findings, summary }
}

impl Summary {
    /// What `input` holds, with no finding counted and no audience undecided.
    pub fn of_input(input: &AnalysisInput<'_>) -> Self {
        let tenant = input.tenant;
        let input_files = tenant.files.len()
            - usize::from(input.config_file.is_some())
            - usize::from(input.plan.is_some());
        Summary {
            files: input_files,
            policies: tenant.policies.len(),
            settings: tenant.setting_count(),
            groups: tenant.groups.len(),
            filters: tenant.filters.len(),
            devices: tenant.devices.len(),
            users: tenant.users.len(),
            unmapped_settings: tenant
                .policies
                .iter()
                .flat_map(|policy| &policy.settings)
                .filter(|setting| !setting.canonical)
                .count(),
            undecided_audiences: 0,
            families: tenant.policies.iter().fold(
                std::collections::BTreeMap::new(),
                |mut families, policy| {
                    *families.entry(policy.family.name()).or_insert(0) += 1;
                    families
                },
            ),
            unsupported: tenant
                .unsupported
                .iter()
                .map(|family| (family.family.clone(), family.count))
                .collect(),
            findings: SeverityCounts::default(),
        }
    }
}

/// The findings in the order of every output: severity, rule, setting key, first
/// policy's (or the primary) file and position, then fingerprint and message.
///
/// Sorted by key, not in place: each finding's key is computed once (files by
/// their rank in path order), the keys are sorted in parallel, and the findings
/// are moved once into their places.
fn sorted(tenant: &Tenant, findings: Vec<Finding>) -> Vec<Finding> {
    let mut paths: Vec<(&str, usize)> = tenant
        .files
        .iter()
        .enumerate()
        .map(|(index, file)| (file.display_path.as_str(), index))
        .collect();
    paths.sort_unstable();
    let mut file_rank = vec![0_u32; tenant.files.len()];
    for (rank, (_, index)) in paths.iter().enumerate() {
        file_rank[*index] = u32::try_from(rank).unwrap_or(u32::MAX);
    }
    let mut keys: Vec<SortKey<'_>> = findings
        .par_iter()
        .enumerate()
        .map(|(index, finding)| SortKey::of(finding, index, &file_rank))
        .collect();
    keys.par_sort_unstable_by(|left, right| {
        left.order
            .cmp(&right.order)
            .then_with(|| {
                findings[left.index]
                    .message
                    .cmp(&findings[right.index].message)
            })
            .then_with(|| left.index.cmp(&right.index))
    });
    let order: Vec<usize> = keys.iter().map(|key| key.index).collect();
    drop(keys);
    let mut slots: Vec<Option<Finding>> = findings.into_iter().map(Some).collect();
    order
        .iter()
        .filter_map(|&index| slots[index].take())
        .collect()
}

/// Where one finding goes in the output order.
struct SortKey<'findings> {
    /// Severity, rule, setting key, (file rank, position), fingerprint.
    #[expect(
        clippy::type_complexity,
        reason = "the output order, field by field, as the doc comment says"
    )]
    order: (
        Severity,
        &'static str,
        Option<&'findings str>,
        (Option<u32>, Option<u32>),
        Fingerprint,
    ),
    index: usize,
}

impl<'findings> SortKey<'findings> {
    fn of(finding: &'findings Finding, index: usize, file_rank: &[u32]) -> Self {
        let location = finding
            .policies
            .first()
            .map(|policy| policy.location)
            .or_else(|| finding.primary_location());
        let file = location.map(|location| location.file).or(finding.file);
        let rank = file.and_then(|file| file_rank.get(file.index()).copied());
        Self {
            order: (
                finding.severity,
                finding.rule,
                finding
                    .setting
                    .as_ref()
                    .map(|setting| setting.key.0.as_str()),
                (rank, location.map(|location| location.span.start)),
                finding.fingerprint,
            ),
            index,
        }
    }
}
