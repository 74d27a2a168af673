//! What every rule can look at: the tenant and the analyses computed once per run
//! and shared read-only.

use std::sync::OnceLock;

use preflight_normalizer::Tenant;

use crate::setting_pairs::SettingPairs;

/// The input of every rule.
pub struct AnalysisContext<'tenant> {
    /// The normalized tenant.
    pub tenant: &'tenant Tenant,
    setting_pairs: OnceLock<SettingPairs>,
}

impl<'tenant> AnalysisContext<'tenant> {
    /// A context over `tenant`; analyses are computed on first use.
    pub fn new(tenant: &'tenant Tenant) -> Self {
        Self {
            tenant,
            setting_pairs: OnceLock::new(),
        }
    }

    /// Same-key settings of policies whose audiences can meet.
    pub fn setting_pairs(&self) -> &SettingPairs {
        self.setting_pairs
            .get_or_init(|| SettingPairs::build(self.tenant))
    }
}
