//! `duplicate-setting`: policies set one setting to the same value for audiences
//! that certainly meet; one finding per group of such policies.

use rayon::prelude::*;

use crate::context::AnalysisContext;
use crate::finding::Finding;
use crate::overlap::Certainty;
use crate::rules::pair_evidence::SettingVerdict;
use crate::rules::setting_groups::{group_finding, name_list, setting_groups};
use crate::rules::{Rule, RuleMetadata, declare_rule};
use crate::sized_text::sized;

declare_rule! {
    /// ## What it finds
    /// Two policies that set the same setting to the same value, assigned to
    /// audiences that certainly share devices or users (the same group, a group
    /// and All devices, or shared members in the inventory). Where the audiences
    /// only possibly meet, an equal value is not reported: it costs nothing today.
    /// Policies joined by such pairs are reported together, in one finding naming
    /// all of them.
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
        summary: "two policies or more set one setting to the same value for overlapping audiences",
        ignores_pairs: true,
    }
}

impl Rule for DuplicateSetting {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        let groups = setting_groups(context, Self::METADATA.name, |pair| {
            pair.certainty == Certainty::Certain && pair.same_effect
        });
        let found: Vec<Finding> = groups
            .par_iter()
            .filter_map(|group| {
                let (first_policy, first_setting) = group.settings[0].resolve(tenant);
                let pair = group.clearest_pair();
                let (message, help) = if group.settings.len() == 2 {
                    let (second_policy, _) = group.settings[1].resolve(tenant);
                    (
                        sized(
                            first_setting.name.len()
                                + first_policy.name.len()
                                + second_policy.name.len()
                                + 64,
                            format_args!(
                                "`{}` is set to `{}` by both `{}` and `{}`",
                                first_setting.name,
                                first_setting.value,
                                first_policy.name,
                                second_policy.name,
                            ),
                        ),
                        sized(
                            pair.overlap().reason.len() + 64,
                            format_args!(
                                "{} ({} overlap); keep the setting in one of the policies",
                                pair.overlap().reason,
                                pair.overlap().certainty.name(),
                            ),
                        ),
                    )
                } else {
                    let (pair_first, _) = pair.first.resolve(tenant);
                    let (pair_second, _) = pair.second.resolve(tenant);
                    let names = name_list(
                        group
                            .settings
                            .iter()
                            .map(|setting| &*setting.resolve(tenant).0.name),
                    );
                    (
                        sized(
                            first_setting.name.len() + names.len() + 80,
                            format_args!(
                                "`{}` is set to `{}` by {} policies with overlapping audiences: {names}",
                                first_setting.name,
                                first_setting.value,
                                group.settings.len(),
                            ),
                        ),
                        sized(
                            pair_first.name.len()
                                + pair_second.name.len()
                                + pair.overlap().reason.len()
                                + 128,
                            format_args!(
                                "{} pairs of them certainly meet; for `{}` and `{}`, {} ({} overlap). Keep the setting in one of the policies",
                                group.pair_count(),
                                pair_first.name,
                                pair_second.name,
                                pair.overlap().reason,
                                pair.overlap().certainty.name(),
                            ),
                        ),
                    )
                };
                let verdict = SettingVerdict {
                    rule: Self::METADATA.name,
                    severity: Self::METADATA.default_severity,
                    message,
                    help,
                };
                group_finding(context, group, verdict)
            })
            .collect();
        findings.extend(found);
    }
}
