//! Rollout plans: the policies a rollout introduces or changes, and its ordered
//! phases (proof of concept, pilot, enterprise waves), each adding groups to the
//! assignment. A plan is preflight's own file (`rollout.json`, JSON Schema in
//! `schemas/rollout-v1.schema.json`); group names follow Graph's `displayName`, and
//! `All devices` / `All users` name the virtual groups.

use preflight_parser::json::Node;
use preflight_parser::{FileId, InputProblem, SourceLocation};

use crate::reader::FieldReader;

/// What a phase is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PhaseKind {
    /// A lab proof of concept.
    ProofOfConcept,
    /// A pilot on a small representative group.
    Pilot,
    /// An enterprise wave.
    Enterprise,
}

impl PhaseKind {
    /// The kebab-case name used in the plan file and in output.
    pub fn name(self) -> &'static str {
        match self {
            PhaseKind::ProofOfConcept => "proof-of-concept",
            PhaseKind::Pilot => "pilot",
            PhaseKind::Enterprise => "enterprise",
        }
    }
}

/// A group a phase adds, as written in the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhaseGroup {
    /// The group's display name or id, or `All devices` / `All users`.
    pub name: String,
    /// Where it is written.
    pub source: SourceLocation,
}

/// One phase of a rollout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase {
    /// The phase's name.
    pub name: String,
    /// Proof of concept, pilot or enterprise.
    pub kind: PhaseKind,
    /// The groups this phase adds to the assignment of the rollout's policies.
    pub groups: Vec<PhaseGroup>,
    /// Whether the phase runs the rollout's policies without the tenant's other
    /// policies (a pilot in isolation).
    pub isolated: bool,
    /// Where the phase's name is written.
    pub source: SourceLocation,
}

/// A policy the rollout introduces or changes: by display name, or by the path
/// of its file (as shown in findings, relative to the current directory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedPolicy {
    /// The name or path as written.
    pub reference: String,
    /// Where it is written.
    pub source: SourceLocation,
}

/// A whole rollout plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RolloutPlan {
    /// The plan's name.
    pub name: String,
    /// The policies the rollout introduces or changes.
    pub policies: Vec<PlannedPolicy>,
    /// The phases, in order.
    pub phases: Vec<Phase>,
    /// The plan file.
    pub file: FileId,
}

/// Reads a plan from its parsed file. Problems (wrong types, unknown phase kinds,
/// a plan without phases) are returned with the plan's location; `None` when the
/// plan is unusable.
pub fn read_plan(
    file: FileId,
    root: &Node,
    problems: &mut Vec<InputProblem>,
) -> Option<RolloutPlan> {
    let mut reader = FieldReader::new(file, problems);
    let root = reader.expect_object(root, "the rollout plan")?;
    let name = reader
        .optional_str(root, "name")
        .unwrap_or("rollout")
        .to_owned();
    let mut policies = Vec::new();
    for entry in reader.optional_array(root, "policies").unwrap_or_default() {
        match entry.as_str() {
            Some(reference) => policies.push(PlannedPolicy {
                reference: reference.to_owned(),
                source: reader.location(entry.span),
            }),
            None => reader.wrong_type(entry, "policies", "a list of policy names or paths"),
        }
    }
    if policies.is_empty() {
        reader.problem(
            root.span,
            "the plan names no policy in `policies`: list the policies the rollout introduces or changes",
        );
    }
    let mut phases = Vec::new();
    for entry in reader.optional_array(root, "phases").unwrap_or_default() {
        if let Some(phase) = read_phase(&mut reader, entry) {
            phases.push(phase);
        }
    }
    if phases.is_empty() {
        reader.problem(root.span, "the plan has no `phases`");
        return None;
    }
    Some(RolloutPlan {
        name,
        policies,
        phases,
        file,
    })
}

fn read_phase(reader: &mut FieldReader<'_>, node: &Node) -> Option<Phase> {
    let entry = reader.expect_object(node, "each phase")?;
    let name = reader.required_str(entry, "name", "the phase")?;
    let kind_node = entry.get("kind");
    let kind = match reader.required_str(entry, "kind", "the phase")? {
        "proof-of-concept" => PhaseKind::ProofOfConcept,
        "pilot" => PhaseKind::Pilot,
        "enterprise" => PhaseKind::Enterprise,
        other => {
            let span = kind_node.map_or(entry.span, |node| node.span);
            reader.problem(
                span,
                format!(
                    "phase kind `{other}` is not one of `proof-of-concept`, `pilot`, `enterprise`"
                ),
            );
            return None;
        }
    };
    let mut groups = Vec::new();
    for group in reader.optional_array(entry, "groups").unwrap_or_default() {
        match group.as_str() {
            Some(group_name) => groups.push(PhaseGroup {
                name: group_name.to_owned(),
                source: reader.location(group.span),
            }),
            None => reader.wrong_type(group, "groups", "a list of group names"),
        }
    }
    let isolated = match entry.get("isolated") {
        None => false,
        Some(node) => match node.as_bool() {
            Some(flag) => flag,
            None => {
                reader.wrong_type(node, "isolated", "a boolean");
                false
            }
        },
    };
    Some(Phase {
        name: name.to_owned(),
        kind,
        groups,
        isolated,
        source: reader.location_of_field(entry, "name"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_parser::json::parse;

    #[test]
    fn phases_and_policies_are_read_and_mistakes_reported() {
        let root = parse(
            r#"{
                "name": "Defender rollout",
                "policies": ["Win - Defender - Baseline", 3],
                "phases": [
                    {"name": "Lab", "kind": "proof-of-concept", "groups": ["Lab Devices"], "isolated": true},
                    {"name": "Pilot", "kind": "pilot", "groups": ["Ring 1 - Pilot"]},
                    {"name": "Oops", "kind": "canary", "groups": []},
                    {"name": "Everyone", "kind": "enterprise", "groups": ["All devices"]}
                ]
            }"#,
        )
        .expect("valid JSON");
        let mut problems = Vec::new();
        let plan = read_plan(FileId(0), &root, &mut problems).expect("a plan");
        assert_eq!(plan.policies.len(), 1);
        let phases: Vec<(&str, PhaseKind, bool)> = plan
            .phases
            .iter()
            .map(|phase| (phase.name.as_str(), phase.kind, phase.isolated))
            .collect();
        assert_eq!(
            phases,
            vec![
                ("Lab", PhaseKind::ProofOfConcept, true),
                ("Pilot", PhaseKind::Pilot, false),
                ("Everyone", PhaseKind::Enterprise, false),
            ]
        );
        assert_eq!(problems.len(), 2);
        assert!(problems[1].message.contains("`canary`"));
    }
}
