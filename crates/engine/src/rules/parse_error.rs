//! `parse-error`: a file that cannot be read, decoded or parsed, or that holds
//! values of the wrong type where preflight needs them.

use preflight_parser::InputProblemKind;

use crate::context::AnalysisContext;
use crate::finding::Finding;
use crate::rules::input_evidence::report_input_problems;
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// Input that preflight cannot read: a file that is not valid JSON (truncated,
    /// a missing comma, an unescaped control character), that is not valid UTF-8
    /// or UTF-16, that cannot be opened, that is over the size limit, or a policy
    /// whose fields have the wrong type (`settings` that is not an array, a choice
    /// value without `value`). The finding points at the line and column where
    /// reading stopped.
    ///
    /// ## Why it matters
    /// A policy that cannot be read cannot be checked: conflicts with it go
    /// unnoticed until the pilot. The rest of the input is still analyzed, so
    /// one broken file does not hide the others' findings.
    ///
    /// ## Example
    /// A backup edited by hand loses a comma: `"platforms": "windows10"
    /// "technologies": "mdm"` gives "expected `,` or `}` after an object member,
    /// found `"`" at the start of `"technologies"`.
    ///
    /// ## How to fix
    /// Repair the file at the location shown (or export it again from Intune).
    /// Files that are not Intune data belong outside the checked paths or in
    /// `.gitignore`.
    pub struct ParseError {
        name: "parse-error",
        default_severity: Error,
        summary: "a file cannot be read or parsed, or has values of the wrong type",
    }
}

impl Rule for ParseError {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        report_input_problems(
            context,
            InputProblemKind::ParseError,
            &Self::METADATA,
            findings,
        );
    }
}
