//! `conflicting-setting`: policies set one setting to different values for
//! audiences that meet; one finding per group of such policies.

use preflight_normalizer::SettingKind;

use rayon::prelude::*;

use crate::context::AnalysisContext;
use crate::finding::Finding;
use crate::overlap::Certainty;
use crate::rules::pair_evidence::SettingVerdict;
use crate::rules::setting_groups::{SettingGroup, group_finding, name_list, setting_groups};
use crate::rules::{Rule, RuleMetadata, declare_rule};
use crate::sized_text::sized;

declare_rule! {
    /// ## What it finds
    /// Two policies that set the same setting to different values, assigned to
    /// audiences that share devices or users. The finding is an error when the
    /// audiences certainly meet (the same group, or a group inside All devices) and
    /// a warning when they may meet (two groups that could share members).
    ///
    /// Policies that disagree about one setting are reported together: one
    /// finding names every policy joined to another by such a pair, with each
    /// value and where it is set, and is an error when any of the pairs certainly
    /// meets. Its overlap is the clearest pair's. Clusters of policies whose
    /// audiences never meet are separate findings.
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
        summary: "two policies or more set one setting to different values for overlapping audiences",
        ignores_pairs: true,
    }
}

impl Rule for ConflictingSetting {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let groups = setting_groups(context, Self::METADATA.name, |pair| {
            // Compliance rules resolve to the most restrictive value and never
            // conflict: `compliance-most-restrictive` reports them.
            let compliance =
                pair.kinds.0 == SettingKind::Compliance || pair.kinds.1 == SettingKind::Compliance;
            !compliance && !pair.same_effect
        });
        let found: Vec<Finding> = groups
            .par_iter()
            .filter_map(|group| {
                let (message, help) = if group.settings.len() == 2 {
                    two_policies(context, group)
                } else {
                    several_policies(context, group)
                };
                let verdict = SettingVerdict {
                    rule: Self::METADATA.name,
                    severity: group.severity_by_certainty(),
                    message,
                    help,
                };
                group_finding(context, group, verdict)
            })
            .collect();
        findings.extend(found);
    }
}

/// The message and help about two policies.
fn two_policies(context: &AnalysisContext<'_>, group: &SettingGroup<'_>) -> (String, String) {
    let pair = group.clearest_pair();
    let (first_policy, first_setting) = pair.first.resolve(context.tenant);
    let (second_policy, second_setting) = pair.second.resolve(context.tenant);
    let through = if pair.overlap().via.is_empty() {
        String::new()
    } else {
        let names: Vec<String> = pair
            .overlap()
            .via
            .iter()
            .map(|name| format!("`{name}`"))
            .collect();
        let meet = match pair.certainty {
            Certainty::Certain => "meet",
            Certainty::Possible | Certainty::Disjoint => "may meet",
        };
        format!(
            ", for audiences that {meet} through {}",
            names.join(" and ")
        )
    };
    let message = sized(
        first_setting.name.len()
            + first_policy.name.len()
            + second_policy.name.len()
            + through.len()
            + 64,
        format_args!(
            "`{}` is set to `{}` by `{}` and to `{}` by `{}`{through}",
            first_setting.name,
            first_setting.value,
            first_policy.name,
            second_setting.value,
            second_policy.name,
        ),
    );
    let help = sized(
        pair.overlap().reason.len() + 160,
        format_args!(
            "{} ({} overlap); devices that get both policies report a conflict. Set it in one policy, or exclude one audience from the other",
            pair.overlap().reason,
            pair.overlap().certainty.name(),
        ),
    );
    (message, help)
}

/// The message and help about three policies or more: which policies set which
/// value, and how many of their pairs meet.
fn several_policies(context: &AnalysisContext<'_>, group: &SettingGroup<'_>) -> (String, String) {
    let tenant = context.tenant;
    let (_, first_setting) = group.settings[0].resolve(tenant);
    // Each value as written with the policies setting it, values in order of
    // first appearance. A group can hold hundreds of policies and a handful of
    // values: each distinct value is written once.
    let mut distinct: Vec<(&preflight_normalizer::SettingValue, usize)> = Vec::new();
    let mut by_value: Vec<(String, Vec<&str>)> = Vec::new();
    for setting in &group.settings {
        let (policy, setting) = setting.resolve(tenant);
        let written = match distinct.iter().find(|(value, _)| **value == setting.value) {
            Some(&(_, written)) => written,
            None => {
                let text = setting.value.to_string();
                // Two different values may still be written alike.
                let written = match by_value.iter().position(|(known, _)| *known == text) {
                    Some(position) => position,
                    None => {
                        by_value.push((text, Vec::new()));
                        by_value.len() - 1
                    }
                };
                distinct.push((&setting.value, written));
                written
            }
        };
        by_value[written].1.push(&*policy.name);
    }
    let values: Vec<String> = by_value
        .iter()
        .map(|(value, names)| format!("`{value}` by {}", name_list(names.iter().copied())))
        .collect();
    let certain = group.certain_pairs();
    let meet = if certain > 0 { "meet" } else { "may meet" };
    let values = values.join("; ");
    let message = sized(
        first_setting.name.len() + values.len() + 80,
        format_args!(
            "`{}` is set to different values by {} policies with audiences that {meet}: {values}",
            first_setting.name,
            group.settings.len(),
        ),
    );
    let pair = group.clearest_pair();
    let (first_policy, _) = pair.first.resolve(tenant);
    let (second_policy, _) = pair.second.resolve(tenant);
    let help = sized(
        first_policy.name.len() + second_policy.name.len() + pair.overlap().reason.len() + 240,
        format_args!(
            "{} pairs of them set different values for audiences that meet ({certain} certainly); for `{}` and `{}`, {} ({} overlap). Devices that get two of them report a conflict. Set it in one policy, or exclude one audience from the other",
            group.pair_count(),
            first_policy.name,
            second_policy.name,
            pair.overlap().reason,
            pair.overlap().certainty.name(),
        ),
    );
    (message, help)
}
