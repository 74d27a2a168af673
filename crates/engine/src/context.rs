//! What every rule can look at: the tenant and the analyses computed once per run
//! and shared read-only.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use preflight_normalizer::Tenant;
use preflight_parser::FileId;

use crate::audience::Audiences;
use crate::audience_formula::AudienceFormulas;
use crate::config::Config;
use crate::inventory_rules::InventoryRules;
use crate::overlap::OverlapAnalysis;
use crate::setting_pairs::{SettingIndex, SettingPairs};
use crate::target_graph::TargetGraph;

/// The input of every rule.
pub struct AnalysisContext<'run> {
    /// The normalized tenant.
    pub tenant: &'run Tenant,
    /// The configuration.
    pub config: &'run Config,
    /// The configuration file, when one was read (its text is among the tenant's files).
    pub config_file: Option<FileId>,
    /// The rollout plan, when one is given.
    pub plan: Option<&'run preflight_normalizer::plan::RolloutPlan>,
    inventory_rules: InventoryRules,
    target_graph: OnceLock<TargetGraph>,
    audiences: OnceLock<Audiences>,
    audience_formulas: OnceLock<AudienceFormulas>,
    overlap_analysis: OnceLock<OverlapAnalysis>,
    setting_pairs: OnceLock<SettingPairs>,
    policy_identities: OnceLock<Vec<String>>,
    ignore_use: OnceLock<Vec<usize>>,
    /// How many setting pairs each of `config.ignores` silenced before the pairs
    /// were grouped into findings.
    pair_ignore_use: Vec<AtomicUsize>,
}

impl<'run> AnalysisContext<'run> {
    /// A context over `tenant`; analyses are computed on first use.
    pub fn new(tenant: &'run Tenant, config: &'run Config, config_file: Option<FileId>) -> Self {
        Self {
            tenant,
            config,
            config_file,
            plan: None,
            inventory_rules: InventoryRules::build(tenant),
            target_graph: OnceLock::new(),
            audiences: OnceLock::new(),
            audience_formulas: OnceLock::new(),
            overlap_analysis: OnceLock::new(),
            setting_pairs: OnceLock::new(),
            policy_identities: OnceLock::new(),
            ignore_use: OnceLock::new(),
            pair_ignore_use: config.ignores.iter().map(|_| AtomicUsize::new(0)).collect(),
        }
    }

    /// Builds every shared analysis now, on the calling thread, so that rules
    /// running in parallel only ever read them.
    pub fn prepare(&self) {
        self.setting_pairs();
        self.policy_identities();
    }

    /// How many findings each of `config.ignores` silenced; `None` before the
    /// ignores have been applied.
    pub fn ignore_use(&self) -> Option<&[usize]> {
        self.ignore_use.get().map(Vec::as_slice)
    }

    /// Records how many findings each ignore silenced, adding the setting pairs
    /// each silenced before they were grouped.
    pub(crate) fn record_ignore_use(&self, mut counts: Vec<usize>) {
        for (count, pairs) in counts.iter_mut().zip(&self.pair_ignore_use) {
            *count += pairs.load(Ordering::Relaxed);
        }
        // INVARIANT: called once per run, between the two rule phases.
        let _ = self.ignore_use.set(counts);
    }

    /// Whether an ignore of the configuration silences what `rule` says about
    /// `pair` (counted as a use of the first such ignore). For rules that group
    /// pairs into findings: ignoring a pair must not silence a finding that also
    /// holds other pairs, so ignores are applied before grouping.
    pub fn pair_is_ignored(
        &self,
        rule: &str,
        pair: &crate::setting_pairs::SettingPair<'_>,
    ) -> bool {
        if self.config.ignores.is_empty() {
            return false;
        }
        let (first_policy, setting) = pair.first.resolve(self.tenant);
        let (second_policy, _) = pair.second.resolve(self.tenant);
        let silenced_by = self.config.ignores.iter().position(|ignore| {
            ignore.matches_parts(
                rule,
                Some((setting.key.0.as_str(), setting.name.as_str())),
                &[&*first_policy.name, &*second_policy.name],
            )
        });
        if let Some(index) = silenced_by {
            self.pair_ignore_use[index].fetch_add(1, Ordering::Relaxed);
        }
        silenced_by.is_some()
    }

    /// The rules of dynamic groups and filters, parsed for evaluation on inventory.
    pub fn inventory_rules(&self) -> &InventoryRules {
        &self.inventory_rules
    }

    /// The target graph: policies, assignments, groups, filters and members.
    pub fn target_graph(&self) -> &TargetGraph {
        self.target_graph
            .get_or_init(|| TargetGraph::build(self.tenant, &self.inventory_rules))
    }

    /// Each policy's exact audience, when an inventory makes it knowable.
    pub fn audiences(&self) -> &Audiences {
        self.audiences.get_or_init(|| {
            Audiences::compute(self.tenant, self.target_graph(), &self.inventory_rules)
        })
    }

    /// Every policy's include assignments as formulas over their rules, with the
    /// decision procedure over them.
    pub fn audience_formulas(&self) -> &AudienceFormulas {
        self.audience_formulas.get_or_init(|| {
            AudienceFormulas::build(self.tenant, &self.inventory_rules, self.target_graph())
        })
    }

    /// Every policy's audience prepared for structural comparison.
    pub fn overlap_analysis(&self) -> &OverlapAnalysis {
        self.overlap_analysis
            .get_or_init(|| OverlapAnalysis::build(self.tenant, self.config))
    }

    /// Whether the audiences of policies `first` and `second` can meet, as the
    /// setting rules see it: exactly with an inventory, else from structure and
    /// rules. For one pair at a time; the setting pairs compute theirs in bulk.
    pub fn overlap(&self, first: usize, second: usize) -> crate::overlap::Overlap {
        let analysis = self.overlap_analysis();
        let reaches = &self.audiences().reaches;
        if let (Some(Some(first_reach)), Some(Some(second_reach))) =
            (reaches.get(first), reaches.get(second))
        {
            return crate::setting_pairs::exact_overlap(
                &self.describer(),
                (first, second),
                first_reach,
                second_reach,
            );
        }
        analysis.overlap(self.tenant, (first, second), Some(self.audience_formulas()))
    }

    /// How many pairs of assignments the rules could not decide, once the setting
    /// pairs have been built (0 before).
    pub fn undecided_audiences(&self) -> usize {
        self.setting_pairs.get().map_or(0, SettingPairs::undecided)
    }

    /// What writing the words of a setting pair's overlap needs.
    pub fn describer(&self) -> crate::setting_pairs::Describer<'_> {
        crate::setting_pairs::Describer {
            pairs: self.setting_pairs(),
            tenant: self.tenant,
            analysis: self.overlap_analysis(),
            audiences: self.audiences(),
            graph: self.target_graph(),
            rules: &self.inventory_rules,
            formulas: self.audience_formulas(),
        }
    }

    /// Every pair of same-key settings whose audiences can meet, in parallel.
    pub fn par_setting_pairs(
        &self,
    ) -> impl rayon::iter::IndexedParallelIterator<Item = crate::setting_pairs::SettingPair<'_>> + '_
    {
        self.setting_pairs().par_pairs(self.describer())
    }

    /// The overlap of policies `first` and `second`, in words, when they share a
    /// setting key (the one the setting rules report).
    pub fn pair_overlap(
        &self,
        first: usize,
        second: usize,
    ) -> Option<&std::sync::Arc<crate::finding::OverlapEvidence>> {
        let index = self.setting_pairs().overlap_index(first, second)?;
        Some(self.describer().evidence(index))
    }

    /// How each policy takes part in fingerprints (family and name), by policy
    /// index, written once.
    pub fn policy_identities(&self) -> &[String] {
        self.policy_identities.get_or_init(|| {
            self.tenant
                .policies
                .iter()
                .map(crate::fingerprint::policy_identity)
                .collect()
        })
    }

    /// Same-key settings of policies whose audiences can meet.
    pub fn setting_pairs(&self) -> &SettingPairs {
        self.setting_pairs.get_or_init(|| {
            // What the pairs are built from, side by side: the settings index
            // needs the tenant alone, the audiences and formulas the target
            // graph (built first, for both), the prepared audiences the
            // configuration; each has a part that runs on one thread. None of
            // them asks for another, so none waits on another's `OnceLock`.
            self.target_graph();
            let index = rayon::scope(|scope| {
                scope.spawn(|_| {
                    self.audiences();
                });
                scope.spawn(|_| {
                    self.audience_formulas();
                });
                scope.spawn(|_| {
                    self.overlap_analysis();
                });
                SettingIndex::of(self.tenant)
            });
            SettingPairs::build(
                index,
                self.tenant,
                self.overlap_analysis(),
                self.audiences(),
                self.audience_formulas(),
            )
        })
    }
}
