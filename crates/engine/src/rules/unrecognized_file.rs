//! `unrecognized-file`: a readable file that is none of the formats preflight reads.

use preflight_parser::InputProblemKind;

use crate::context::AnalysisContext;
use crate::finding::Finding;
use crate::rules::input_evidence::report_input_problems;
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// A file under the checked paths that is not an Intune export preflight
    /// knows: a README, a `package.json`, a JSON object with none of the fields of
    /// a policy or an assignment filter, or an object whose `@odata.type`
    /// preflight does not read yet. Each such file is reported once and skipped.
    ///
    /// ## Why it matters
    /// Nothing in the input is dropped silently. If the file was meant to be a
    /// policy (an export from a tool preflight does not know yet, or one edited
    /// into another shape), its settings are not being checked.
    ///
    /// ## Example
    /// `tenant/README.md` next to an IntuneCD backup gives "not a JSON or YAML
    /// file; skipped".
    ///
    /// ## How to fix
    /// Nothing, if the file is not policy data. Otherwise export it in one of the
    /// formats in the README (IntuneCD backup, Graph response, admin center
    /// "Export JSON"). To silence the finding, move the file out of the checked
    /// paths or list it in `.gitignore`.
    pub struct UnrecognizedFile {
        name: "unrecognized-file",
        default_severity: Info,
        summary: "a file is none of the formats preflight reads and was skipped",
    }
}

impl Rule for UnrecognizedFile {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        report_input_problems(
            context,
            InputProblemKind::UnrecognizedFile,
            &Self::METADATA,
            findings,
        );
    }
}
