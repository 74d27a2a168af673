//! Normalizes assignment filters (`deviceAndAppManagementAssignmentFilter`).

use preflight_parser::{Document, InputProblem};

use crate::model::{Filter, FilterId, Platform};
use crate::reader::FieldReader;

/// Reads one assignment filter document.
pub fn read_filter(document: &Document, problems: &mut Vec<InputProblem>) -> Option<Filter> {
    let mut reader = FieldReader::new(document.file, problems);
    let root = reader.expect_object(&document.root, "the assignment filter")?;
    // Every field is read, so each wrong type is reported, before a missing one
    // drops the filter.
    let name = reader.required_str(root, "displayName", "the assignment filter");
    let rule = reader.required_str(root, "rule", "the assignment filter");
    let id = reader.optional_str(root, "id");
    let platform = reader
        .optional_str(root, "platform")
        .and_then(Platform::from_intune_name);
    let (name, rule) = (name?, rule?);
    let id = id.unwrap_or(name);
    Some(Filter {
        id: FilterId(id.to_owned()),
        name: name.to_owned(),
        platform,
        rule: rule.to_owned(),
        rule_source: reader.location_of_field(root, "rule"),
        source: reader.location_of_field(root, "displayName"),
    })
}
