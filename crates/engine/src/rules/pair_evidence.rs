//! Builds the evidence shared by findings about two policies setting one key:
//! both policies with their values and locations, the labels, the overlap and the
//! fingerprint. The rules decide whether to report and what to say.

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label, PolicyEvidence, SettingEvidence, Severity};
use crate::fingerprint::fingerprint;
use crate::setting_pairs::SettingPair;

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
) -> Finding {
    let tenant = context.tenant;
    let (first_policy, first_setting) = pair.first.resolve(tenant);
    let (second_policy, second_setting) = pair.second.resolve(tenant);
    let evidence = |policy: &preflight_normalizer::Policy,
                    setting: &preflight_normalizer::Setting| PolicyEvidence {
        id: policy.id.clone(),
        name: policy.name.clone(),
        family: policy.family,
        location: setting.source,
        value: Some(setting.value.clone()),
    };
    let label =
        |policy: &preflight_normalizer::Policy, setting: &preflight_normalizer::Setting| Label {
            location: setting.source,
            message: format!("`{}` set by `{}`", setting.value, policy.name),
        };
    let identities = context.policy_identities();
    let mut identities = [
        identities[pair.first.policy].as_str(),
        identities[pair.second.policy].as_str(),
    ];
    identities.sort_unstable();
    Finding {
        rule: verdict.rule,
        severity: verdict.severity,
        message: verdict.message,
        help: Some(verdict.help),
        file: Some(first_setting.source.file),
        labels: vec![
            label(first_policy, first_setting),
            label(second_policy, second_setting),
        ],
        setting: Some(SettingEvidence {
            key: first_setting.key.clone(),
            name: first_setting.name.clone(),
        }),
        policies: vec![
            evidence(first_policy, first_setting),
            evidence(second_policy, second_setting),
        ],
        overlap: Some(std::sync::Arc::clone(pair.overlap())),
        fingerprint: fingerprint(
            verdict.rule,
            [first_setting.key.0.as_str(), identities[0], identities[1]],
        ),
    }
}
