//! The rule catalog: one file per rule, registered once in [`RULES`].
//!
//! A rule is a unit struct declared with [`declare_rule!`], whose doc comment is
//! the user documentation printed by `preflight explain` (headings: *What it
//! finds*, *Why it matters*, *Example*, *How to fix*), and a [`Rule::check`] that
//! pushes [`Finding`]s. Adding a rule means one file here, one line in [`RULES`],
//! and a fixture folder `fixtures/rules/<rule-name>/{fires,quiet}/`.

use crate::context::AnalysisContext;
use crate::finding::{Finding, Severity};

mod assignment_no_effect;
mod compliance_most_restrictive;
mod conflicting_setting;
mod duplicate_object;
mod duplicate_setting;
mod empty_group;
mod exclusive_groups_overlap;
mod group_cycle;
mod input_evidence;
mod invalid_rule;
mod not_applicable_setting;
mod pair_evidence;
mod parse_error;
mod platform_mismatch;
mod setting_groups;
mod shadowed_policy;
mod unassigned_policy;
mod unknown_reference;
mod unrecognized_file;
pub(crate) mod unrepresentative_pilot;
mod unsupported_exclusion;
mod unsupported_family;
mod unused_ignore;

/// What every rule declares about itself.
#[derive(Debug, PartialEq, Eq)]
pub struct RuleMetadata {
    /// The stable kebab-case name; part of the JSON contract.
    pub name: &'static str,
    /// The severity used unless configuration says otherwise.
    pub default_severity: Severity,
    /// One line for `preflight rules`.
    pub summary: &'static str,
    /// The full explanation (the rule's doc comment), in Markdown.
    pub explanation: &'static str,
    /// Whether the rule looks at the outcome of the configured ignores, and so
    /// runs after every other rule's findings have been filtered by them.
    pub after_ignores: bool,
    /// Whether the rule applies the configured ignores itself, to the pairs it
    /// groups into findings (through `AnalysisContext::pair_is_ignored`), so that
    /// its findings are not matched against the ignores again.
    pub ignores_pairs: bool,
}

/// A check over the analysis context.
pub trait Rule: Send + Sync {
    /// The rule's metadata.
    fn metadata(&self) -> &'static RuleMetadata;

    /// Appends the rule's findings to `findings`.
    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>);
}

/// Declares a rule struct whose doc comment becomes its explanation.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])+
        pub struct $rule:ident {
            name: $name:literal,
            default_severity: $severity:ident,
            summary: $summary:literal
            $(, after_ignores: $after_ignores:literal)?
            $(, ignores_pairs: $ignores_pairs:literal)? $(,)?
        }
    ) => {
        $(#[doc = $doc])+
        pub struct $rule;

        impl $rule {
            /// The rule's metadata, with its doc comment as the explanation.
            pub const METADATA: $crate::rules::RuleMetadata = $crate::rules::RuleMetadata {
                name: $name,
                default_severity: $crate::finding::Severity::$severity,
                summary: $summary,
                explanation: concat!($($doc, "\n"),+),
                after_ignores: false $(|| $after_ignores)?,
                ignores_pairs: false $(|| $ignores_pairs)?,
            };
        }
    };
}
pub(crate) use declare_rule;

/// Every rule, in the order `preflight rules` lists them.
pub static RULES: &[&dyn Rule] = &[
    &conflicting_setting::ConflictingSetting,
    &duplicate_setting::DuplicateSetting,
    &compliance_most_restrictive::ComplianceMostRestrictive,
    &shadowed_policy::ShadowedPolicy,
    &not_applicable_setting::NotApplicableSetting,
    &unassigned_policy::UnassignedPolicy,
    &assignment_no_effect::AssignmentNoEffect,
    &platform_mismatch::PlatformMismatch,
    &unknown_reference::UnknownReference,
    &empty_group::EmptyGroup,
    &group_cycle::GroupCycle,
    &invalid_rule::InvalidRule,
    &unsupported_exclusion::UnsupportedExclusion,
    &exclusive_groups_overlap::ExclusiveGroupsOverlap,
    &unrepresentative_pilot::UnrepresentativePilot,
    &parse_error::ParseError,
    &unrecognized_file::UnrecognizedFile,
    &duplicate_object::DuplicateObject,
    &unsupported_family::UnsupportedFamily,
    &unused_ignore::UnusedIgnore,
];

/// The rule named `name`.
pub fn find_rule(name: &str) -> Option<&'static dyn Rule> {
    RULES
        .iter()
        .copied()
        .find(|rule| rule.metadata().name == name)
}

/// A rule's explanation as plain text: the doc comment with the one leading space
/// of each line removed.
pub fn explanation_text(metadata: &RuleMetadata) -> String {
    metadata
        .explanation
        .lines()
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_kebab_case() {
        let mut names: Vec<&str> = RULES.iter().map(|rule| rule.metadata().name).collect();
        for name in &names {
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{name} is not kebab-case"
            );
        }
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count, "duplicate rule names");
    }

    #[test]
    fn every_explanation_has_the_fixed_headings() {
        for rule in RULES {
            let text = explanation_text(rule.metadata());
            for heading in [
                "## What it finds",
                "## Why it matters",
                "## Example",
                "## How to fix",
            ] {
                assert!(
                    text.contains(heading),
                    "`{}` lacks `{heading}`",
                    rule.metadata().name
                );
            }
        }
    }

    #[test]
    fn rule_list_snapshot() {
        let listing: Vec<String> = RULES
            .iter()
            .map(|rule| {
                let metadata = rule.metadata();
                format!(
                    "{} ({}): {}",
                    metadata.name,
                    metadata.default_severity.name(),
                    metadata.summary
                )
            })
            .collect();
        insta::assert_snapshot!(listing.join("\n"));
    }
}
