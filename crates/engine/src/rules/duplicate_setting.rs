//! `duplicate-setting`: two policies set one setting to the same value for
//! audiences that meet.

use rayon::prelude::*;

use crate::context::AnalysisContext;
use crate::finding::Finding;
use crate::overlap::Certainty;
use crate::rules::pair_evidence::{PairVerdict, pair_finding};
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// Two policies that set the same setting to the same value, assigned to
    /// audiences that certainly share devices or users (the same group, a group
    /// and All devices, or shared members in the inventory). Where the audiences
    /// only possibly meet, an equal value is not reported: it costs nothing today.
    ///
    /// ## Why it matters
    /// Nothing breaks today: devices get one value. But the setting now has two
    /// owners. The day one of them changes the value, the duplicate turns into a
    /// conflict on every device both reach; and a rollout ring that removes one
    /// policy keeps the old behaviour through the other.
    ///
    /// ## Example
    /// `macOS - Firewall` and `macOS - Security Baseline` both turn the firewall on
    /// (`com.apple.security.firewall_enablefirewall` = `true`) for the group
    /// `macOS - Corporate Devices`.
    ///
    /// ## How to fix
    /// Keep the setting in the policy that owns that area (the baseline or the
    /// dedicated profile) and remove it from the other.
    pub struct DuplicateSetting {
        name: "duplicate-setting",
        default_severity: Info,
        summary: "two policies set one setting to the same value for overlapping audiences",
    }
}

impl Rule for DuplicateSetting {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        let found: Vec<Finding> = context
            .par_setting_pairs()
            .filter_map(|pair| {
                let (first_policy, first_setting) = pair.first.resolve(tenant);
                let (second_policy, _) = pair.second.resolve(tenant);
                if pair.certainty != Certainty::Certain || !pair.same_effect {
                    return None;
                }
                let message = format!(
                    "`{}` is set to `{}` by both `{}` and `{}`",
                    first_setting.name, first_setting.value, first_policy.name, second_policy.name,
                );
                let help = format!(
                    "{} ({} overlap); keep the setting in one of the policies",
                    pair.overlap().reason,
                    pair.overlap().certainty.name(),
                );
                let verdict = PairVerdict {
                    rule: Self::METADATA.name,
                    severity: Self::METADATA.default_severity,
                    message,
                    help,
                };
                Some(pair_finding(context, &pair, verdict))
            })
            .collect();
        findings.extend(found);
    }
}
