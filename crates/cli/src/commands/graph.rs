//! `preflight graph`: policies, groups and filters and the edges between them, as
//! Graphviz DOT or a Mermaid flowchart, with conflicting policies highlighted.

use std::collections::BTreeSet;
use std::io::Write;

use preflight_engine::{AnalysisContext, AnalysisInput, analyze_with};
use preflight_normalizer::{AssignmentTarget, FilterMode, Tenant};

use crate::cli::{GraphArguments, GraphFormat};
use crate::commands::input::{InputRequest, read_input};
use crate::commands::{open_output, write_failed};
use crate::{Outcome, UsageError};

/// One drawn node.
struct Node {
    id: String,
    label: String,
    kind: NodeKind,
    conflicting: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum NodeKind {
    Policy,
    Group,
    VirtualGroup,
}

/// One drawn edge.
struct Edge {
    from: String,
    to: String,
    label: String,
    style: EdgeStyle,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EdgeStyle {
    Include,
    Exclude,
    Nesting,
    Conflict,
}

/// Runs `graph`.
pub fn run(arguments: &GraphArguments) -> Result<Outcome, UsageError> {
    let input = read_input(&InputRequest {
        paths: &arguments.paths,
        inventory: &arguments.inventory,
        config: arguments.config.as_deref(),
        limits: arguments.limits,
        whole_project: false,
    })?;
    let tenant = &input.tenant;
    let report = analyze_with(&AnalysisInput {
        tenant,
        config: &input.config,
        config_file: input.config_file,
        plan: None,
    });
    let mut conflicts: BTreeSet<(usize, usize, String)> = BTreeSet::new();
    for finding in &report.findings {
        if finding.rule != "conflicting-setting" {
            continue;
        }
        let indices: Vec<usize> = finding
            .policies
            .iter()
            .filter_map(|evidence| {
                tenant.policies.iter().position(|policy| {
                    policy.name == evidence.name && policy.family == evidence.family
                })
            })
            .collect();
        if let [first, second, ..] = indices[..] {
            let setting = finding
                .setting
                .as_ref()
                .map_or_else(String::new, |setting| setting.name.clone());
            conflicts.insert((first.min(second), first.max(second), setting));
        }
    }
    let context = AnalysisContext::new(tenant, &input.config, input.config_file);
    let (nodes, edges) = drawing(tenant, &context, &conflicts);
    input.progress.finish();
    let mut output = open_output(arguments.output.as_deref())?;
    match arguments.format {
        GraphFormat::Dot => write_dot(&mut output, &nodes, &edges),
        GraphFormat::Mermaid => write_mermaid(&mut output, &nodes, &edges),
    }
    .and_then(|()| output.flush())
    .map_err(write_failed)?;
    Ok(Outcome::Clean)
}

fn drawing(
    tenant: &Tenant,
    context: &AnalysisContext<'_>,
    conflicts: &BTreeSet<(usize, usize, String)>,
) -> (Vec<Node>, Vec<Edge>) {
    let graph = context.target_graph();
    let conflicting: BTreeSet<usize> = conflicts
        .iter()
        .flat_map(|(first, second, _)| [*first, *second])
        .collect();
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    for (index, policy) in tenant.policies.iter().enumerate() {
        nodes.push(Node {
            id: format!("p{index}"),
            label: policy.name.to_string(),
            kind: NodeKind::Policy,
            conflicting: conflicting.contains(&index),
        });
        for assignment in policy.assignments.iter().flatten() {
            let (target_id, excluded) = match &assignment.target {
                AssignmentTarget::AllDevices => ("all_devices".to_owned(), false),
                AssignmentTarget::AllUsers => ("all_users".to_owned(), false),
                AssignmentTarget::IncludeGroup(id) | AssignmentTarget::ExcludeGroup(id) => {
                    let excluded = matches!(assignment.target, AssignmentTarget::ExcludeGroup(_));
                    let known = tenant
                        .groups
                        .binary_search_by(|group| group.id.cmp(id))
                        .ok()
                        .map(|group| format!("g{group}"));
                    let unknown = || {
                        graph
                            .unknown_groups
                            .iter()
                            .position(|name| *name == id.0)
                            .map(|position| format!("u{position}"))
                    };
                    match known.or_else(unknown) {
                        Some(target_id) => (target_id, excluded),
                        None => continue,
                    }
                }
            };
            used.insert(target_id.clone());
            let filter_label = assignment
                .filter
                .as_ref()
                .map_or_else(String::new, |filter_use| {
                    let name = tenant
                        .filter(&filter_use.filter)
                        .map_or(filter_use.filter.0.as_str(), |filter| filter.name.as_str());
                    let mode = match filter_use.mode {
                        FilterMode::Include => "include",
                        FilterMode::Exclude => "exclude",
                    };
                    format!(" [{mode} {name}]")
                });
            let (label, style) = if excluded {
                ("exclude".to_owned(), EdgeStyle::Exclude)
            } else {
                (format!("include{filter_label}"), EdgeStyle::Include)
            };
            edges.push(Edge {
                from: format!("p{index}"),
                to: target_id,
                label,
                style,
            });
        }
    }
    for (group, _) in tenant.groups.iter().enumerate() {
        for nested in graph.nested_groups(group) {
            used.insert(format!("g{group}"));
            used.insert(format!("g{nested}"));
            edges.push(Edge {
                from: format!("g{group}"),
                to: format!("g{nested}"),
                label: "contains".to_owned(),
                style: EdgeStyle::Nesting,
            });
        }
    }
    for (first, second, setting) in conflicts {
        edges.push(Edge {
            from: format!("p{first}"),
            to: format!("p{second}"),
            label: format!("conflict: {setting}"),
            style: EdgeStyle::Conflict,
        });
    }
    for (index, group) in tenant.groups.iter().enumerate() {
        let id = format!("g{index}");
        if used.contains(&id) {
            nodes.push(Node {
                id,
                label: group.name.clone(),
                kind: NodeKind::Group,
                conflicting: false,
            });
        }
    }
    for (index, name) in graph.unknown_groups.iter().enumerate() {
        nodes.push(Node {
            id: format!("u{index}"),
            label: format!("{name} (unknown)"),
            kind: NodeKind::Group,
            conflicting: false,
        });
    }
    for (id, label) in [("all_devices", "All devices"), ("all_users", "All users")] {
        if used.contains(id) {
            nodes.push(Node {
                id: id.to_owned(),
                label: label.to_owned(),
                kind: NodeKind::VirtualGroup,
                conflicting: false,
            });
        }
    }
    (nodes, edges)
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn write_dot(output: &mut dyn Write, nodes: &[Node], edges: &[Edge]) -> std::io::Result<()> {
    writeln!(output, "digraph preflight {{")?;
    writeln!(output, "  rankdir=LR;")?;
    writeln!(output, "  node [fontname=\"Helvetica\"];")?;
    for node in nodes {
        let shape = match node.kind {
            NodeKind::Policy => "box",
            NodeKind::Group => "ellipse",
            NodeKind::VirtualGroup => "doubleoctagon",
        };
        let color = if node.conflicting {
            ", color=red, penwidth=2"
        } else {
            ""
        };
        writeln!(
            output,
            "  {} [label={}, shape={shape}{color}];",
            node.id,
            quoted(&node.label)
        )?;
    }
    for edge in edges {
        let style = match edge.style {
            EdgeStyle::Include => "",
            EdgeStyle::Exclude => ", style=dashed, color=gray40",
            EdgeStyle::Nesting => ", style=dotted",
            EdgeStyle::Conflict => ", color=red, dir=none, constraint=false",
        };
        writeln!(
            output,
            "  {} -> {} [label={}{style}];",
            edge.from,
            edge.to,
            quoted(&edge.label)
        )?;
    }
    writeln!(output, "}}")
}

fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
}

fn write_mermaid(output: &mut dyn Write, nodes: &[Node], edges: &[Edge]) -> std::io::Result<()> {
    writeln!(output, "flowchart LR")?;
    for node in nodes {
        let label = mermaid_text(&node.label);
        match node.kind {
            NodeKind::Policy => writeln!(output, "  {}[\"{label}\"]", node.id)?,
            NodeKind::Group => writeln!(output, "  {}([\"{label}\"])", node.id)?,
            NodeKind::VirtualGroup => writeln!(output, "  {}{{{{\"{label}\"}}}}", node.id)?,
        }
    }
    for edge in edges {
        let label = mermaid_text(&edge.label);
        let arrow = match edge.style {
            EdgeStyle::Include => "-->",
            EdgeStyle::Exclude => "-.->",
            EdgeStyle::Nesting => "-.-",
            EdgeStyle::Conflict => "<==>",
        };
        writeln!(output, "  {} {arrow}|\"{label}\"| {}", edge.from, edge.to)?;
    }
    let conflicting: Vec<&str> = nodes
        .iter()
        .filter(|node| node.conflicting)
        .map(|node| node.id.as_str())
        .collect();
    if !conflicting.is_empty() {
        writeln!(output, "  classDef conflict stroke:#d00,stroke-width:3px")?;
        writeln!(output, "  class {} conflict", conflicting.join(","))?;
    }
    Ok(())
}
