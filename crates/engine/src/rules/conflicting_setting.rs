//! `conflicting-setting`: two policies set one setting to different values for
//! audiences that meet.

use preflight_normalizer::SettingKind;

use rayon::prelude::*;

use crate::context::AnalysisContext;
use crate::finding::{Finding, Severity};
use crate::overlap::Certainty;
use crate::rules::pair_evidence::{PairVerdict, pair_finding};
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// Two policies that set the same setting to different values, assigned to
    /// audiences that share devices or users. The finding is an error when the
    /// audiences certainly meet (the same group, or a group inside All devices) and
    /// a warning when they may meet (two groups that could share members).
    ///
    /// ## Why it matters
    /// Intune does not merge the two values. Every device that receives both
    /// policies shows the setting as "Conflict" in the admin center, and the
    /// device keeps whichever value it had, or the one it happened to process
    /// first. Neither author gets what they planned, and the problem surfaces in
    /// the pilot as help-desk calls.
    ///
    /// ## Example
    /// `Win - Defender Antivirus - Baseline`, assigned to All devices, turns on
    /// real-time monitoring (`allowrealtimemonitoring` = `1`);
    /// `Win - Developer Workstations - Defender Exceptions`, assigned to the
    /// dynamic device group `Windows - Developer Workstations`, turns it off
    /// (`0`). Every developer workstation receives both.
    ///
    /// ## How to fix
    /// Set the setting in one policy only, or keep both values and separate the
    /// audiences: exclude the narrower group from the broader policy's assignment
    /// (an exclusion of the same kind of group: devices from device targets, users
    /// from user targets), or narrow one assignment with a filter.
    pub struct ConflictingSetting {
        name: "conflicting-setting",
        default_severity: Error,
        summary: "two policies set one setting to different values for overlapping audiences",
    }
}

impl Rule for ConflictingSetting {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        let found: Vec<Finding> = context.par_setting_pairs()
            .filter_map(|pair| {
            let (first_policy, first_setting) = pair.first.resolve(tenant);
            let (second_policy, second_setting) = pair.second.resolve(tenant);
            // Compliance rules resolve to the most restrictive value and never
            // conflict: `compliance-most-restrictive` reports them.
            let compliance = first_setting.kind == SettingKind::Compliance
                || second_setting.kind == SettingKind::Compliance;
            if compliance || pair.same_effect {
                return None;
            }
            let severity = match pair.certainty {
                Certainty::Certain => Severity::Error,
                Certainty::Possible | Certainty::Disjoint => Severity::Warning,
            };
            let through = if pair.overlap().via.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = pair.overlap().via
                    .iter()
                    .map(|name| format!("`{name}`"))
                    .collect();
                let meet = match pair.certainty {
                    Certainty::Certain => "meet",
                    Certainty::Possible | Certainty::Disjoint => "may meet",
                };
                format!(", for audiences that {meet} through {}", names.join(" and "))
            };
            let message = format!(
                "`{}` is set to `{}` by `{}` and to `{}` by `{}`{through}",
                first_setting.name,
                first_setting.value,
                first_policy.name,
                second_setting.value,
                second_policy.name,
            );
            let help = format!(
                "{} ({} overlap); devices that get both policies report a conflict. Set it in one policy, or exclude one audience from the other",
                pair.overlap().reason,
                pair.overlap().certainty.name(),
            );
            let verdict = PairVerdict {
                rule: Self::METADATA.name,
                severity,
                message,
                help,
            };
            Some(pair_finding(context, &pair, verdict))
        })
        .collect();
        findings.extend(found);
    }
}
