//! Counts objects of Intune families preflight recognizes but does not analyze yet
//! (app protection, enrollment profiles, driver and feature updates, scripts, …),
//! so that the summary lists them and nothing is silently dropped.

use std::collections::BTreeMap;

use preflight_parser::json::Node;
use preflight_parser::{Document, SourceLocation, Span};

use crate::model::UnsupportedFamily;

/// Collects unsupported objects by family.
#[derive(Default)]
pub struct UnsupportedCounter {
    families: BTreeMap<String, (usize, SourceLocation)>,
}

impl UnsupportedCounter {
    /// The family of one object (in the file at `display_path`) and where it is
    /// named, to [`add`](Self::add) later.
    pub fn sighting(document: &Document, display_path: &str) -> (String, SourceLocation) {
        // A known type names the family best; then IntuneCD's folder; then the
        // type or the folder as written.
        let typed = family_of(&document.root);
        let family = typed
            .clone()
            .filter(|(_, known)| *known)
            .map(|(family, _)| family)
            .or_else(|| preflight_parser::intunecd_folder_family(display_path).map(str::to_owned))
            .or_else(|| typed.map(|(family, _)| family))
            .or_else(|| family_of_folder(display_path))
            .unwrap_or_else(|| "other".to_owned());
        // Point at the name or type, never at the whole object: a snippet of the
        // object would show what it holds (a bypass code, a token).
        let named_at = document
            .root
            .get("@odata.type")
            .or_else(|| document.root.get("displayName"))
            .map_or(Span::point(document.root.span.start as usize), |node| {
                node.span
            });
        let location = SourceLocation {
            file: document.file,
            span: named_at,
        };
        (family, location)
    }

    /// Counts one object of `family`, named at `location`; the first location of
    /// each family is kept.
    pub fn add(&mut self, family: String, location: SourceLocation) {
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

/// The family of an object, as a stable kebab-case name, and whether its type is
/// one of the families named here (`false`: the type's own name in kebab case).
fn family_of(root: &Node) -> Option<(String, bool)> {
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
                || (kebab_case(&odata_type), false),
                |(_, family)| ((*family).to_owned(), true),
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
                .0
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
