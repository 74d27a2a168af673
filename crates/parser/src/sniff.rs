//! Recognizes what an Intune document is from its shape, whichever tool wrote it.
//!
//! IntuneCD removes `id` and `@odata.*` annotations from its backups, Graph and
//! IntuneManagement keep them, and the admin center's "Export JSON" keeps some. So
//! recognition goes by `@odata.type` when present and otherwise by the fields that
//! only one kind of object has.

use crate::json::Node;

/// What a document holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocumentKind {
    /// A settings catalog policy (`deviceManagementConfigurationPolicy`): `name`,
    /// `platforms`, `technologies`, `settings`, and in backups its `assignments`.
    SettingsCatalogPolicy,
    /// An assignment filter (`deviceAndAppManagementAssignmentFilter`): `displayName`,
    /// `platform` and `rule`.
    AssignmentFilter,
}

impl DocumentKind {
    /// A short human name for messages and summaries.
    pub fn name(self) -> &'static str {
        match self {
            DocumentKind::SettingsCatalogPolicy => "settings catalog policy",
            DocumentKind::AssignmentFilter => "assignment filter",
        }
    }
}

const SETTINGS_CATALOG_ODATA_TYPE: &str = "#microsoft.graph.deviceManagementConfigurationPolicy";
const ASSIGNMENT_FILTER_ODATA_TYPE: &str =
    "#microsoft.graph.deviceAndAppManagementAssignmentFilter";

/// The kind of `root`, or why it is none of the known kinds.
pub fn sniff(root: &Node) -> Result<DocumentKind, String> {
    let Some(object) = root.as_object() else {
        return Err(format!(
            "the file holds {}, not an Intune object",
            root.kind_name()
        ));
    };
    if let Some(odata_type) = object.get("@odata.type").and_then(Node::as_str) {
        if odata_type.eq_ignore_ascii_case(SETTINGS_CATALOG_ODATA_TYPE) {
            return Ok(DocumentKind::SettingsCatalogPolicy);
        }
        if odata_type.eq_ignore_ascii_case(ASSIGNMENT_FILTER_ODATA_TYPE) {
            return Ok(DocumentKind::AssignmentFilter);
        }
    }
    let has = |key: &str| object.get(key).is_some();
    if has("settings") && has("name") && (has("platforms") || has("technologies")) {
        return Ok(DocumentKind::SettingsCatalogPolicy);
    }
    if has("rule") && has("platform") && has("displayName") {
        return Ok(DocumentKind::AssignmentFilter);
    }
    match object.get("@odata.type").and_then(Node::as_str) {
        Some(odata_type) => Err(format!(
            "`@odata.type` is `{odata_type}`, which preflight does not read yet"
        )),
        None => {
            Err("the object has none of the fields of a policy or an assignment filter".to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn kind(text: &str) -> Result<DocumentKind, String> {
        sniff(&parse(text).expect("valid JSON"))
    }

    #[test]
    fn recognizes_settings_catalog_by_shape_and_by_odata_type() {
        assert_eq!(
            kind(
                r#"{"name": "A", "platforms": "windows10", "technologies": "mdm", "settings": []}"#
            ),
            Ok(DocumentKind::SettingsCatalogPolicy)
        );
        assert_eq!(
            kind(r##"{"@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicy"}"##),
            Ok(DocumentKind::SettingsCatalogPolicy)
        );
    }

    #[test]
    fn recognizes_assignment_filters() {
        assert_eq!(
            kind(
                r#"{"displayName": "F", "platform": "windows10AndLater", "rule": "(device.model -eq \"x\")"}"#
            ),
            Ok(DocumentKind::AssignmentFilter)
        );
    }

    #[test]
    fn other_documents_are_unrecognized_with_a_reason() {
        let reason = kind(r#"{"name": "my-package", "version": "1.0.0"}"#).expect_err("not Intune");
        assert!(reason.contains("none of the fields"));
        let reason = kind("[1, 2]").expect_err("array");
        assert!(reason.contains("an array"));
        let reason = kind(r##"{"@odata.type": "#microsoft.graph.user"}"##).expect_err("not yet");
        assert!(reason.contains("microsoft.graph.user"));
    }
}
