//! `group-cycle`: groups nested in each other in a circle.

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label};
use crate::fingerprint::fingerprint;
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// Groups whose `members` nest them in each other in a circle: `A` contains
    /// `B`, `B` contains `C`, `C` contains `A` (or a group listed as its own
    /// member). The finding names the groups in nesting order.
    ///
    /// ## Why it matters
    /// Entra ID does not let a cycle form, so one in the input means a groups
    /// file planned by hand or an export edited after the fact. Membership
    /// through the circle is undefined; preflight cuts the circle (a group never
    /// counts itself among its members) and goes on, but the audiences computed
    /// through these groups are not what any tenant would hold.
    ///
    /// ## Example
    /// `Ring 1` lists `Ring 2` as a member, and `Ring 2` lists `Ring 1`.
    ///
    /// ## How to fix
    /// Remove one of the nestings so membership flows one way.
    pub struct GroupCycle {
        name: "group-cycle",
        default_severity: Error,
        summary: "groups are nested in each other in a circle",
    }
}

impl Rule for GroupCycle {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        for cycle in &context.target_graph().cycles {
            let names: Vec<&str> = cycle
                .groups
                .iter()
                .map(|&group| tenant.groups[group].name.as_str())
                .collect();
            let mut circle: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
            circle.push(format!("`{}`", names[0]));
            let labels = cycle
                .groups
                .iter()
                .enumerate()
                .map(|(position, &group)| {
                    let next = cycle.groups[(position + 1) % cycle.groups.len()];
                    Label {
                        location: tenant.groups[group].source,
                        message: format!("contains `{}`", tenant.groups[next].name).into(),
                    }
                })
                .collect();
            let first = &tenant.groups[cycle.groups[0]];
            findings.push(Finding {
                rule: Self::METADATA.name,
                severity: Self::METADATA.default_severity,
                message: format!("groups are nested in a circle: {}", circle.join(" → ")),
                help: Some(
                    "remove one nesting; preflight cuts the circle and computes memberships without it"
                        .to_owned(),
                ),
                file: Some(first.source.file),
                labels,
                setting: None,
                policies: Vec::new(),
                overlap: None,
                fingerprint: fingerprint(Self::METADATA.name, names.iter().copied()),
            });
        }
    }
}
