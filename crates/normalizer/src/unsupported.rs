//! Counts objects of Intune families preflight recognizes but does not analyze yet
//! (app protection, enrollment profiles, driver and feature updates, scripts, …),
//! so that the summary lists them and nothing is silently dropped.

use std::collections::BTreeMap;

use preflight_parser::json::Node;
use preflight_parser::{Document, SourceLocation};

use crate::model::UnsupportedFamily;

/// Collects unsupported objects by family.
#[derive(Default)]
pub struct UnsupportedCounter {
    families: BTreeMap<String, (usize, SourceLocation)>,
}

impl UnsupportedCounter {
    /// Counts one object.
    pub fn record(&mut self, document: &Document, display_path: &str) {
        let family = family_of(&document.root)
            .or_else(|| preflight_parser::intunecd_folder_family(display_path).map(str::to_owned))
            .or_else(|| family_of_folder(display_path))
            .unwrap_or_else(|| "other".to_owned());
        let named_at = document
            .root
            .get("@odata.type")
            .or_else(|| document.root.get("displayName"))
            .map_or(document.root.span, |node| node.span);
        let location = SourceLocation {
            file: document.file,
            span: named_at,
        };
        self.families
            .entry(family)
            .and_modify(|(count, _)| *count += 1)
            .or_insert((1, location));
    }

    /// The families, sorted by name.
    pub fn finish(self) -> Vec<UnsupportedFamily> {
        self.families
            .into_iter()
            .map(|(family, (count, first))| UnsupportedFamily {
                family,
                count,
                first,
            })
            .collect()
    }
}

/// The family an object without `@odata.type` is filed under: its folder's name
/// in kebab case (`Notifications` → `notifications`).
fn family_of_folder(display_path: &str) -> Option<String> {
    let (folder, _) = display_path.rsplit_once('/')?;
    let name = folder.rsplit('/').next().unwrap_or(folder);
    (!name.is_empty()).then(|| kebab_case(&name.to_lowercase()))
}

/// The family of an object, as a stable kebab-case name.
fn family_of(root: &Node) -> Option<String> {
    let odata_type = root
        .get("@odata.type")
        .and_then(Node::as_str)
        .unwrap_or_default()
        .trim_start_matches("#microsoft.graph.")
        .to_ascii_lowercase();
    const FAMILIES: [(&str, &str); 14] = [
        ("managedappprotection", "app-protection"),
        ("informationprotectionpolicy", "app-protection"),
        ("managedappconfiguration", "app-configuration"),
        ("driverupdateprofile", "driver-update-profile"),
        ("featureupdateprofile", "feature-update-profile"),
        ("qualityupdateprofile", "quality-update-profile"),
        ("autopilot", "autopilot-profile"),
        ("enrollmentcompletionpage", "enrollment-status-page"),
        ("enrollment", "enrollment-configuration"),
        ("notificationmessagetemplate", "notification-template"),
        ("healthscript", "remediation-script"),
        ("script", "script"),
        ("app", "app"),
        ("win32", "app"),
    ];
    if odata_type.is_empty() {
        return None;
    }
    Some(
        FAMILIES
            .iter()
            .find(|(fragment, _)| odata_type.contains(fragment))
            .map_or_else(
                || kebab_case(&odata_type),
                |(_, family)| (*family).to_owned(),
            ),
    )
}

fn kebab_case(name: &str) -> String {
    name.chars()
        .map(|character| {
            if character.is_ascii_alphanumeric() {
                character
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_parser::json::parse;

    #[test]
    fn families_are_named_from_the_graph_type() {
        let family = |odata_type: &str| {
            family_of(&parse(&format!(r#"{{"@odata.type": "{odata_type}"}}"#)).expect("json"))
                .expect("a family")
        };
        assert_eq!(
            family("#microsoft.graph.iosManagedAppProtection"),
            "app-protection"
        );
        assert_eq!(
            family("#microsoft.graph.windowsDriverUpdateProfile"),
            "driver-update-profile"
        );
        assert_eq!(
            family("#microsoft.graph.azureADWindowsAutopilotDeploymentProfile"),
            "autopilot-profile"
        );
        assert_eq!(
            family("#microsoft.graph.windows10EnrollmentCompletionPageConfiguration"),
            "enrollment-status-page"
        );
        assert_eq!(family_of(&parse("{}").expect("json")), None);
        assert_eq!(
            family_of_folder("backup/Notifications/First Warning.json"),
            Some("notifications".to_owned())
        );
    }
}
