//! Builds the evidence shared by findings about policies setting one key (a pair
//! of them, or a group): every policy with its value and location, the labels,
//! the overlap and the fingerprint. The rules decide whether to report and what
//! to say.

use std::sync::Arc;

use crate::context::AnalysisContext;
use crate::finding::{
    Finding, Label, LabelMessage, OverlapEvidence, PolicyEvidence, SettingEvidence, Severity,
};
use crate::fingerprint::fingerprint;
use crate::setting_pairs::{SettingPair, SettingRef};

/// What a setting rule says about one pair of policies or one group of them.
pub struct SettingVerdict {
    /// The rule's name.
    pub rule: &'static str,
    /// The severity for this pair.
    pub severity: Severity,
    /// The one-line message.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

/// A finding about `pair` with the given verdict.
pub fn pair_finding(
    context: &AnalysisContext<'_>,
    pair: &SettingPair<'_>,
    verdict: SettingVerdict,
) -> Option<Finding> {
    setting_finding(context, &[pair.first, pair.second], pair.overlap(), verdict)
}

/// A finding about `settings` (of one key, in policy order; `None` when there
/// are none): every policy with its value and location, the first being the
/// primary location, the overlap given, and a fingerprint of the rule, the key
/// and every policy involved, in sorted order (so that the finding about a pair
/// and about a group of the same two policies are one).
pub fn setting_finding(
    context: &AnalysisContext<'_>,
    settings: &[SettingRef],
    overlap: &Arc<OverlapEvidence>,
    verdict: SettingVerdict,
) -> Option<Finding> {
    let tenant = context.tenant;
    let resolved: Vec<_> = settings
        .iter()
        .map(|setting| setting.resolve(tenant))
        .collect();
    let &(_, first_setting) = resolved.first()?;
    let identities = context.policy_identities();
    let mut policy_identities: Vec<&str> = settings
        .iter()
        .map(|setting| identities[setting.policy].as_str())
        .collect();
    policy_identities.sort_unstable();
    let labels = resolved
        .iter()
        .enumerate()
        .map(|(index, (_, setting))| Label {
            location: setting.source,
            message: LabelMessage::ValueSetBy { policy: index },
        })
        .collect();
    let policies = resolved
        .iter()
        .map(|(policy, setting)| PolicyEvidence {
            id: policy.id.clone(),
            name: policy.name.clone(),
            family: policy.family,
            location: setting.source,
            value: Some(setting.value.clone()),
        })
        .collect();
    Some(Finding {
        rule: verdict.rule,
        severity: verdict.severity,
        message: verdict.message,
        help: Some(verdict.help),
        file: Some(first_setting.source.file),
        labels,
        setting: Some(SettingEvidence {
            key: first_setting.key.clone(),
            name: first_setting.name.clone(),
        }),
        policies,
        overlap: Some(Arc::clone(overlap)),
        fingerprint: fingerprint(
            verdict.rule,
            std::iter::once(first_setting.key.0.as_str()).chain(policy_identities),
        ),
    })
}
