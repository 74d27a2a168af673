//! Findings: what the engine reports. Plain data; rendering lives in the CLI's
//! reporters, which turn file ids and spans into paths, lines and columns.

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
    /// What is there, e.g. "`1` set by `Win - Defender Baseline`".
    pub message: String,
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

    /// Every file the finding involves: its own, its labels' and its policies'.
    pub fn files(&self) -> impl Iterator<Item = FileId> + '_ {
        self.file
            .into_iter()
            .chain(self.labels.iter().map(|label| label.location.file))
            .chain(self.policies.iter().map(|policy| policy.location.file))
    }
}
