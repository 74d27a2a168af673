//! `compliance-most-restrictive`: two compliance policies require one thing at
//! different levels for audiences that meet; Intune applies the stricter.

use preflight_normalizer::SettingKind;
use preflight_normalizer::legacy_table::{compliance_direction, stricter};

use rayon::prelude::*;

use crate::context::AnalysisContext;
use crate::finding::Finding;
use crate::rules::pair_evidence::{SettingVerdict, pair_finding};
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// Two compliance policies that set the same compliance requirement to
    /// different values for audiences that meet: a minimum password length of 8
    /// and of 12, a maximum inactivity of 15 and of 5 minutes. The finding says
    /// which value wins.
    ///
    /// ## Why it matters
    /// Compliance settings are evaluated, not configured, and where several
    /// compliance policies reach one device Intune applies the most restrictive
    /// value. The laxer requirement then has no effect on the shared audience:
    /// planners who tuned it for a group (a longer inactivity timeout for kiosks,
    /// say) should know it is overruled there. It is not a conflict, so it is
    /// reported as information.
    ///
    /// ## Example
    /// `Win - Compliance - Baseline` requires `passwordMinimumLength` 8 for all
    /// users; `Win - Compliance - Finance` requires 12 for `Finance Users`. Finance
    /// users must use 12: the baseline's 8 has no effect on them.
    ///
    /// ## How to fix
    /// Nothing is broken. To make the intent explicit, keep the requirement in one
    /// policy per audience, or exclude the stricter policy's group from the laxer
    /// policy.
    pub struct ComplianceMostRestrictive {
        name: "compliance-most-restrictive",
        default_severity: Info,
        summary: "two compliance policies require one setting at different levels; the stricter wins",
    }
}

impl Rule for ComplianceMostRestrictive {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        let found: Vec<Finding> = context.par_setting_pairs()
            .filter_map(|pair| {
            let both_compliance =
                pair.kinds == (SettingKind::Compliance, SettingKind::Compliance);
            if !both_compliance || pair.same_effect {
                return None;
            }
            let (first_policy, first_setting) = pair.first.resolve(tenant);
            let (second_policy, second_setting) = pair.second.resolve(tenant);
            let winner = compliance_direction(&first_setting.key).and_then(|direction| {
                stricter(direction, &first_setting.value, &second_setting.value)
            });
            let outcome = match winner {
                Some(winner) => {
                    let (winning_policy, losing_policy) = if std::ptr::eq(winner, &first_setting.value) {
                        (first_policy, second_policy)
                    } else {
                        (second_policy, first_policy)
                    };
                    format!(
                        "Intune applies the stricter `{winner}` (from `{}`); `{}`'s requirement has no effect where both reach",
                        winning_policy.name, losing_policy.name
                    )
                }
                None => "Intune applies the more restrictive value; preflight cannot tell which that is for this requirement".to_owned(),
            };
            let message = format!(
                "`{}` is required as `{}` by `{}` and as `{}` by `{}`",
                first_setting.name,
                first_setting.value,
                first_policy.name,
                second_setting.value,
                second_policy.name,
            );
            let help = format!(
                "{outcome}; {} ({} overlap)",
                pair.overlap().reason,
                pair.overlap().certainty.name()
            );
            let verdict = SettingVerdict {
                rule: Self::METADATA.name,
                severity: Self::METADATA.default_severity,
                message,
                help,
            };
            pair_finding(context, &pair, verdict)
        })
        .collect();
        findings.extend(found);
    }
}
