//! `unsupported-family`: Intune objects preflight recognizes but does not analyze
//! yet, reported once per family so nothing is silently dropped.

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label};
use crate::fingerprint::fingerprint;
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// Objects of an Intune family that preflight reads and recognizes but whose
    /// settings it does not compare yet: app protection and app configuration
    /// policies, enrollment profiles and the enrollment status page, Autopilot
    /// profiles, driver, feature and quality update profiles, scripts,
    /// notification templates and apps. One finding per family, naming how many
    /// objects it holds and the first file.
    ///
    /// ## Why it matters
    /// A clean report should mean "no conflicts", not "no conflicts among the
    /// part preflight happened to read". This finding says which part of the
    /// input was left out of the analysis, so the planner checks those policies
    /// another way.
    ///
    /// ## Example
    /// Two `#microsoft.graph.iosManagedAppProtection` files in a backup give
    /// `2 app-protection objects are read but not analyzed`.
    ///
    /// ## How to fix
    /// Nothing to fix in the input. To hide the note, set
    /// `unsupported-family = "off"` under `[rules]` in `preflight.toml`, or
    /// exclude those folders with `[input] exclude`.
    pub struct UnsupportedFamily {
        name: "unsupported-family",
        default_severity: Info,
        summary: "objects of a family preflight reads but does not analyze yet",
    }
}

impl Rule for UnsupportedFamily {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        for family in &context.tenant.unsupported {
            let objects = if family.count == 1 {
                "1 object".to_owned()
            } else {
                format!("{} objects", family.count)
            };
            findings.push(Finding {
                rule: Self::METADATA.name,
                severity: Self::METADATA.default_severity,
                message: format!(
                    "{objects} of family `{}` read but not analyzed",
                    family.family
                ),
                help: Some(
                    "preflight does not compare the settings of this family yet; check these policies another way"
                        .to_owned(),
                ),
                file: Some(family.first.file),
                labels: vec![Label {
                    location: family.first,
                    message: format!("the first `{}` object", family.family).into(),
                }],
                setting: None,
                policies: Vec::new(),
                overlap: None,
                fingerprint: fingerprint(Self::METADATA.name, [family.family.as_str()]),
            });
        }
    }
}
