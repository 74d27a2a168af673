//! Helpers for reading fields of a parsed document, reporting wrong types as
//! `parse-error` problems that name the field, what was expected and where.

use preflight_parser::json::Node;
use preflight_parser::{FileId, InputProblem, SourceLocation, Span};

use crate::model::PolicyId;

/// Reads fields of one file's document and collects the problems found.
pub struct FieldReader<'problems> {
    /// The file being read.
    pub file: FileId,
    problems: &'problems mut Vec<InputProblem>,
}

impl<'problems> FieldReader<'problems> {
    /// A reader for `file` that appends problems to `problems`.
    pub fn new(file: FileId, problems: &'problems mut Vec<InputProblem>) -> Self {
        Self { file, problems }
    }

    /// The location of `span` in this file.
    pub fn location(&self, span: Span) -> SourceLocation {
        SourceLocation {
            file: self.file,
            span,
        }
    }

    /// Where member `field` of `object` is written, or `object` itself when it
    /// has no such member: where a finding about the thing `field` names points.
    pub fn location_of_field(&self, object: &Node, field: &str) -> SourceLocation {
        self.location(object.get(field).map_or(object.span, |node| node.span))
    }

    /// Records a problem at `span`.
    pub fn problem(&mut self, span: Span, message: impl Into<String>) {
        self.problems
            .push(InputProblem::parse_error(self.file, Some(span), message));
    }

    /// Records that `node` (the value of `field`) should have been `expected`.
    pub fn wrong_type(&mut self, node: &Node, field: &str, expected: &str) {
        self.problem(
            node.span,
            format!(
                "expected `{field}` to be {expected}, found {}",
                node.kind_name()
            ),
        );
    }

    /// The string value of member `field` of `object`. A missing member gives
    /// `None` silently; a member of another type is reported.
    pub fn optional_str<'node>(&mut self, object: &'node Node, field: &str) -> Option<&'node str> {
        let value = object.get(field)?;
        if value.is_null() {
            return None;
        }
        match value.as_str() {
            Some(text) => Some(text),
            None => {
                self.wrong_type(value, field, "a string");
                None
            }
        }
    }

    /// The string value of member `field` of `object`, reporting it when missing.
    pub fn required_str<'node>(
        &mut self,
        object: &'node Node,
        field: &str,
        owner: &str,
    ) -> Option<&'node str> {
        if object.get(field).is_none() {
            self.problem(object.span, format!("{owner} has no `{field}`"));
            return None;
        }
        self.optional_str(object, field)
    }

    /// The `displayName` and `id` a Graph policy document (`owner`, as messages
    /// name it) opens with. A missing or unusable name is reported and gives
    /// `None`: such a policy is not analyzed, but the caller still reads the
    /// rest of it, so that every wrong type in it is reported.
    pub fn policy_name_and_id<'node>(
        &mut self,
        root: &'node Node,
        owner: &str,
    ) -> (Option<&'node str>, Option<PolicyId>) {
        let name = self.required_str(root, "displayName", owner);
        let id = self.optional_str(root, "id").map(|id| PolicyId(id.into()));
        (name, id)
    }

    /// The array value of member `field`; a missing or `null` member is `None`
    /// silently, a member of another type is reported.
    pub fn optional_array<'node>(
        &mut self,
        object: &'node Node,
        field: &str,
    ) -> Option<&'node [Node]> {
        let value = object.get(field)?;
        if value.is_null() {
            return None;
        }
        match value.as_array() {
            Some(elements) => Some(elements),
            None => {
                self.wrong_type(value, field, "an array");
                None
            }
        }
    }

    /// Checks that `node` is an object; reports it as `what` otherwise.
    pub fn expect_object<'node>(&mut self, node: &'node Node, what: &str) -> Option<&'node Node> {
        if node.as_object().is_some() {
            Some(node)
        } else {
            self.problem(
                node.span,
                format!(
                    "expected {what} to be an object, found {}",
                    node.kind_name()
                ),
            );
            None
        }
    }
}
