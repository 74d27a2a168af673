//! Findings: what the engine reports. Plain data; rendering lives in the CLI's
//! reporters, which turn file ids and spans into paths, lines and columns.

use std::borrow::Cow;

use preflight_normalizer::{PolicyFamily, PolicyId, SettingKey, SettingValue};
use preflight_parser::{FileId, SourceLocation};

use crate::overlap::Certainty;

/// How serious a finding is. Ordered from most to least serious.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Will break something: fails the run by default.
    Error,
    /// Probably wrong; worth a look before the pilot.
    Warning,
    /// Worth knowing; nothing is broken.
    Info,
}

impl Severity {
    /// The lowercase name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// Every severity, most serious first.
    pub const ALL: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];
}

/// A labelled place in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub location: SourceLocation,
    /// What is there; [`Finding::label_text`] writes it out.
    pub message: LabelMessage,
}

/// What a label says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LabelMessage {
    /// Written out, e.g. "defined here".
    Text(Cow<'static, str>),
    /// "`value` set by `policy`", from the finding's policy at this index in
    /// [`Finding::policies`]. Findings about a setting carry one such label per
    /// policy; most reports (JSON among them) never show labels, so the text is
    /// written only by the reporters that do.
    ValueSetBy {
        /// The index in [`Finding::policies`].
        policy: usize,
    },
}

impl From<&'static str> for LabelMessage {
    fn from(text: &'static str) -> Self {
        LabelMessage::Text(Cow::Borrowed(text))
    }
}

impl From<String> for LabelMessage {
    fn from(text: String) -> Self {
        LabelMessage::Text(Cow::Owned(text))
    }
}

/// The setting a finding is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingEvidence {
    /// The canonical key.
    pub key: SettingKey,
    /// A short name for people.
    pub name: String,
}

/// A policy involved in a finding, and the value it sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyEvidence {
    /// Intune's id, when known.
    pub id: Option<PolicyId>,
    /// The display name.
    pub name: std::sync::Arc<str>,
    /// The policy family.
    pub family: PolicyFamily,
    /// Where the policy sets the value (or where the policy is, for findings about
    /// the whole policy).
    pub location: SourceLocation,
    /// The value it sets, for findings about a setting.
    pub value: Option<SettingValue>,
}

impl PolicyEvidence {
    /// Evidence for a finding about the whole policy: located at its name, no value.
    pub fn of_policy(policy: &preflight_normalizer::Policy) -> Self {
        Self {
            id: policy.id.clone(),
            name: policy.name.clone(),
            family: policy.family,
            location: policy.source,
            value: None,
        }
    }
}

/// How the audiences of the policies in a finding meet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverlapEvidence {
    /// Whether they certainly or possibly meet.
    pub certainty: Certainty,
    /// The groups, virtual groups and filters through which they meet.
    pub via: Vec<String>,
    /// Why, in one sentence.
    pub reason: String,
    /// With an inventory: how many devices receive both policies.
    pub devices: Option<usize>,
    /// With an inventory: how many users receive both policies.
    pub users: Option<usize>,
    /// With an inventory: up to five example device (then user) names.
    pub examples: Vec<String>,
    /// From the rules alone: an example device or user both audiences admit.
    pub witness: Option<crate::audience_formula::Witness>,
}

impl From<crate::overlap::Overlap> for OverlapEvidence {
    fn from(overlap: crate::overlap::Overlap) -> Self {
        let (devices, users, examples) = match overlap.shared {
            Some(shared) => (Some(shared.devices), Some(shared.users), shared.examples),
            None => (None, None, Vec::new()),
        };
        Self {
            certainty: overlap.certainty,
            via: overlap.via,
            reason: overlap.reason,
            devices,
            users,
            examples,
            witness: overlap.witness,
        }
    }
}

/// A stable id of a finding: the same problem gets the same fingerprint across runs,
/// file moves, reformatting and unrelated edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(pub u64);

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{:016x}", self.0)
    }
}

/// One problem found in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule's stable name, e.g. `conflicting-setting`.
    pub rule: &'static str,
    /// How serious.
    pub severity: Severity,
    /// One lowercase line saying what is wrong; user values in backticks.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The file the finding is primarily about.
    pub file: Option<FileId>,
    /// Labelled places; the first is the primary location.
    pub labels: Vec<Label>,
    /// The setting, for findings about a setting.
    pub setting: Option<SettingEvidence>,
    /// The policies involved, in a stable order.
    pub policies: Vec<PolicyEvidence>,
    /// How the audiences meet, for findings about overlapping assignments
    /// (shared by every finding about the same two policies).
    pub overlap: Option<std::sync::Arc<OverlapEvidence>>,
    /// The stable id.
    pub fingerprint: Fingerprint,
}

impl Finding {
    /// The primary location: the first label's.
    pub fn primary_location(&self) -> Option<SourceLocation> {
        self.labels.first().map(|label| label.location)
    }

    /// What `label` (one of this finding's) says, written out.
    pub fn label_text<'a>(&'a self, label: &'a Label) -> Cow<'a, str> {
        match &label.message {
            LabelMessage::Text(text) => Cow::Borrowed(text),
            LabelMessage::ValueSetBy { policy } => match self.policies.get(*policy) {
                Some(PolicyEvidence {
                    name,
                    value: Some(value),
                    ..
                }) => Cow::Owned(format!("`{value}` set by `{name}`")),
                Some(PolicyEvidence { name, .. }) => Cow::Owned(format!("set by `{name}`")),
                None => Cow::Borrowed("set here"),
            },
        }
    }

    /// Every file the finding involves: its own, its labels' and its policies'.
    pub fn files(&self) -> impl Iterator<Item = FileId> + '_ {
        self.file
            .into_iter()
            .chain(self.labels.iter().map(|label| label.location.file))
            .chain(self.policies.iter().map(|policy| policy.location.file))
    }
}

#[cfg(test)]
mod tests {
    use preflight_parser::Span;

    use super::*;

    fn location(start: u32) -> SourceLocation {
        SourceLocation {
            file: FileId(0),
            span: Span {
                start,
                end: start + 1,
            },
        }
    }

    #[test]
    fn a_label_of_a_policy_value_is_written_from_the_policy() {
        let policy = |name: &str, value: Option<SettingValue>| PolicyEvidence {
            id: None,
            name: name.into(),
            family: PolicyFamily::SettingsCatalog,
            location: location(0),
            value,
        };
        let finding = Finding {
            rule: "conflicting-setting",
            severity: Severity::Error,
            message: String::new(),
            help: None,
            file: None,
            labels: Vec::new(),
            setting: None,
            policies: vec![
                policy("Baseline", Some(SettingValue::Integer(1))),
                policy("No value", None),
            ],
            overlap: None,
            fingerprint: Fingerprint(0),
        };
        let label = |message: LabelMessage| Label {
            location: location(0),
            message,
        };
        let text = |message| finding.label_text(&label(message)).into_owned();
        assert_eq!(
            text(LabelMessage::ValueSetBy { policy: 0 }),
            "`1` set by `Baseline`"
        );
        assert_eq!(
            text(LabelMessage::ValueSetBy { policy: 1 }),
            "set by `No value`"
        );
        assert_eq!(text(LabelMessage::ValueSetBy { policy: 2 }), "set here");
        assert_eq!(text("defined here".into()), "defined here");
        assert_eq!(text(String::from("owned").into()), "owned");
    }
}
