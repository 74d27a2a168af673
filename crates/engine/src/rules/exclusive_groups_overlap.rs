//! `exclusive-groups-overlap`: groups declared exclusive in `preflight.toml` share
//! members in the inventory.

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label};
use crate::fingerprint::fingerprint;
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// Two groups listed in one `[[exclusive]]` set of `preflight.toml` that
    /// share a device or a user in the inventory (nested members counted). The
    /// finding names the groups, how many members they share and up to five of
    /// them.
    ///
    /// ## Why it matters
    /// An `[[exclusive]]` set tells preflight to treat the groups as disjoint
    /// (rollout rings, regions), so it stops reporting conflicts between policies
    /// assigned to them. If the tenant breaks the design, those conflicts are real
    /// and hidden: the shared members get both rings' policies.
    ///
    /// ## Example
    /// `[[exclusive]] groups = ["Ring 1 - Pilot", "Ring 2 - UAT"]` while the
    /// device `PC-0042` is a member of both.
    ///
    /// ## How to fix
    /// Remove the shared members from one of the groups, or, if the overlap is
    /// intended, remove the groups from the `[[exclusive]]` set.
    pub struct ExclusiveGroupsOverlap {
        name: "exclusive-groups-overlap",
        default_severity: Error,
        summary: "groups declared exclusive share members in the inventory",
    }
}

impl Rule for ExclusiveGroupsOverlap {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        let graph = context.target_graph();
        if !graph.has_inventory {
            return;
        }
        for set in &context.config.exclusive {
            let groups: Vec<usize> = set
                .groups
                .iter()
                .filter_map(|listed| {
                    tenant
                        .groups
                        .iter()
                        .position(|group| group.id.0 == *listed || group.name == *listed)
                })
                .collect();
            for (position, &first) in groups.iter().enumerate() {
                for &second in &groups[position + 1..] {
                    let (Some(Some(first_members)), Some(Some(second_members))) =
                        (graph.memberships.get(first), graph.memberships.get(second))
                    else {
                        continue;
                    };
                    let devices: Vec<usize> = first_members
                        .devices
                        .intersection(&second_members.devices)
                        .collect();
                    let users: Vec<usize> = first_members
                        .users
                        .intersection(&second_members.users)
                        .collect();
                    if devices.is_empty() && users.is_empty() {
                        continue;
                    }
                    let examples: Vec<String> =
                        devices
                            .iter()
                            .map(|&device| format!("`{}`", tenant.devices[device].name))
                            .chain(users.iter().map(|&user| {
                                format!("`{}`", tenant.users[user].user_principal_name)
                            }))
                            .take(5)
                            .collect();
                    let first_group = &tenant.groups[first];
                    let second_group = &tenant.groups[second];
                    let config_location =
                        context
                            .config_file
                            .map(|file| preflight_parser::SourceLocation {
                                file,
                                span: set.span,
                            });
                    let mut labels = Vec::new();
                    if let Some(location) = config_location {
                        labels.push(Label {
                            location,
                            message: "declared exclusive here".into(),
                        });
                    }
                    labels.push(Label {
                        location: first_group.source,
                        message: format!("`{}`", first_group.name).into(),
                    });
                    labels.push(Label {
                        location: second_group.source,
                        message: format!("`{}`", second_group.name).into(),
                    });
                    findings.push(Finding {
                        rule: Self::METADATA.name,
                        severity: Self::METADATA.default_severity,
                        message: format!(
                            "`{}` and `{}` are declared exclusive but share {}, such as {}",
                            first_group.name,
                            second_group.name,
                            shared_members(devices.len(), users.len()),
                            examples.join(", ")
                        ),
                        help: Some(
                            "remove the shared members from one group, or the groups from the `[[exclusive]]` set"
                                .to_owned(),
                        ),
                        file: labels.first().map(|label| label.location.file),
                        labels,
                        setting: None,
                        policies: Vec::new(),
                        overlap: None,
                        fingerprint: fingerprint(
                            Self::METADATA.name,
                            [first_group.name.as_str(), second_group.name.as_str()],
                        ),
                    });
                }
            }
        }
    }
}

/// "2 devices", "1 user", "3 devices and 1 user".
fn shared_members(devices: usize, users: usize) -> String {
    let count = |number: usize, noun: &str| {
        if number == 1 {
            format!("1 {noun}")
        } else {
            format!("{number} {noun}s")
        }
    };
    match (devices, users) {
        (0, users) => count(users, "user"),
        (devices, 0) => count(devices, "device"),
        (devices, users) => format!("{} and {}", count(devices, "device"), count(users, "user")),
    }
}
