//! Problems with the input itself, found while reading and understanding files.
//!
//! These are data, not errors: a run goes on after them, and the engine turns each
//! one into a finding of the rule named by its [`InputProblemKind`].

use crate::span::{FileId, Span};

/// What went wrong with an input file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputProblemKind {
    /// The file could not be read, decoded or parsed, or holds values of the wrong
    /// type where a policy, group or filter needs them (rule `parse-error`).
    ParseError,
    /// The file is readable but is none of the formats preflight knows (rule `unrecognized-file`).
    UnrecognizedFile,
}

/// A problem with one input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputProblem {
    /// What kind of problem.
    pub kind: InputProblemKind,
    /// The file.
    pub file: FileId,
    /// Where in the file, when the problem has a place.
    pub span: Option<Span>,
    /// One lowercase line: what is wrong.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl InputProblem {
    /// A `parse-error` at `span`.
    pub fn parse_error(file: FileId, span: Option<Span>, message: impl Into<String>) -> Self {
        Self {
            kind: InputProblemKind::ParseError,
            file,
            span,
            message: message.into(),
            help: None,
        }
    }

    /// The same problem with a help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
