//! Every input format preflight reads, as written by the tools that write it
//! (`fixtures/inputs/<format>/`), normalized into the model and snapshotted: policies
//! with their settings (key, value, scope, kind and the line and column of the
//! value), assignments, groups, filters, inventory, unsupported families and
//! problems. A change in what any format yields shows up in review.

#![expect(
    clippy::expect_used,
    reason = "test helpers: a missing fixture should fail the test loudly"
)]

use std::fmt::Write;
use std::path::{Path, PathBuf};

use preflight_normalizer::{
    AssignmentTarget, FilterMode, GroupMembership, SettingKind, SettingScope, SettingValue, Tenant,
    normalize,
};
use preflight_parser::{LoadOptions, SourceLocation, load};

fn fixture(format: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/inputs")
        .join(format)
}

fn read(format: &str) -> Tenant {
    let directory = fixture(format);
    let loaded = load(
        std::slice::from_ref(&directory),
        &LoadOptions::new(&directory),
    )
    .expect("fixture exists");
    normalize(loaded)
}

fn place(tenant: &Tenant, location: SourceLocation) -> String {
    let file = tenant.file(location.file).expect("a known file");
    let position = file.line_column(location.span.start);
    format!(
        "{}:{}:{}",
        file.display_path, position.line, position.column
    )
}

fn line_column(tenant: &Tenant, location: SourceLocation) -> String {
    let file = tenant.file(location.file).expect("a known file");
    let position = file.line_column(location.span.start);
    format!("{}:{}", position.line, position.column)
}

/// The text a location points at, for checking spans land on values.
fn pointed_text(tenant: &Tenant, location: SourceLocation) -> String {
    let file = tenant.file(location.file).expect("a known file");
    let start = location.span.start as usize;
    let end = (location.span.end as usize).min(file.text.len());
    file.text
        .get(start..end)
        .unwrap_or("?")
        .chars()
        .take(40)
        .collect()
}

/// A readable rendering of everything the normalizer produced.
fn render(tenant: &Tenant) -> String {
    let mut out = String::new();
    for policy in &tenant.policies {
        let platforms: Vec<&str> = policy
            .platforms
            .iter()
            .map(|platform| platform.name())
            .collect();
        let _ = writeln!(
            out,
            "policy `{}` [{}] platforms {:?} id {} at {}",
            policy.name,
            policy.family.name(),
            platforms,
            policy.id.as_ref().map_or("-", |id| &*id.0),
            place(tenant, policy.source)
        );
        for setting in &policy.settings {
            let scope = match setting.scope {
                SettingScope::Device => "device",
                SettingScope::User => "user",
            };
            let kind = match setting.kind {
                SettingKind::Configuration => "configuration",
                SettingKind::Compliance => "compliance",
            };
            let canonical = if setting.canonical {
                ""
            } else {
                ", family-local"
            };
            // A secret's text is shown as `*`, one per character, like the reporters do.
            let pointed = match setting.value {
                SettingValue::Secret { .. } => pointed_text(tenant, setting.source)
                    .chars()
                    .map(|_| '*')
                    .collect(),
                _ => pointed_text(tenant, setting.source),
            };
            let _ = writeln!(
                out,
                "  setting {} = {} ({scope}, {kind}{canonical}) at {} `{pointed}`",
                setting.key,
                setting.value,
                line_column(tenant, setting.source),
            );
        }
        match &policy.assignments {
            None => {
                let _ = writeln!(out, "  assignments: not in the export");
            }
            Some(assignments) => {
                for assignment in assignments {
                    let target = match &assignment.target {
                        AssignmentTarget::AllDevices => "include All devices".to_owned(),
                        AssignmentTarget::AllUsers => "include All users".to_owned(),
                        AssignmentTarget::IncludeGroup(id) => format!("include group `{}`", id.0),
                        AssignmentTarget::ExcludeGroup(id) => format!("exclude group `{}`", id.0),
                    };
                    let filter = assignment
                        .filter
                        .as_ref()
                        .map_or_else(String::new, |filter| {
                            let mode = match filter.mode {
                                FilterMode::Include => "include",
                                FilterMode::Exclude => "exclude",
                            };
                            format!(", filter `{}` ({mode})", filter.filter.0)
                        });
                    let _ = writeln!(
                        out,
                        "  assignment {target}{filter} at {}",
                        line_column(tenant, assignment.source)
                    );
                }
            }
        }
    }
    for group in &tenant.groups {
        let membership = match &group.membership {
            GroupMembership::Static => "static".to_owned(),
            GroupMembership::Dynamic { rule, .. } => format!("dynamic `{rule}`"),
        };
        let members = group.members.as_ref().map_or_else(
            || "members unknown".to_owned(),
            |members| format!("{} direct members", members.len()),
        );
        let members = match &group.transitive_members {
            Some(transitive) => format!("{members}, {} transitive members", transitive.len()),
            None => members,
        };
        let _ = writeln!(
            out,
            "group `{}` id `{}` {membership}, {members}, {:?} at {}",
            group.name,
            group.id.0,
            group.origin,
            place(tenant, group.source)
        );
    }
    for filter in &tenant.filters {
        let _ = writeln!(
            out,
            "filter `{}` id `{}` {:?} rule `{}` at {}",
            filter.name,
            filter.id.0,
            filter.platform.map(|platform| platform.name()),
            filter.rule,
            place(tenant, filter.rule_source)
        );
    }
    for device in &tenant.devices {
        let _ = writeln!(
            out,
            "device `{}` object {:?} device {:?} managed {:?} platform {:?} primary user {:?} properties {}",
            device.name,
            device.object_id,
            device.device_id,
            device.managed_device_id,
            device.platform.map(|platform| platform.name()),
            device.primary_user_principal_name,
            device.properties.len()
        );
    }
    for user in &tenant.users {
        let _ = writeln!(
            out,
            "user `{}` object {:?}",
            user.user_principal_name, user.object_id
        );
    }
    for family in &tenant.unsupported {
        let _ = writeln!(
            out,
            "unsupported `{}` x{} first at {}",
            family.family,
            family.count,
            place(tenant, family.first)
        );
    }
    for problem in &tenant.problems {
        let file = tenant
            .file(problem.file)
            .map_or("?", |file| file.display_path.as_str());
        let _ = writeln!(
            out,
            "problem {:?} in {file}: {}",
            problem.kind, problem.message
        );
    }
    out
}

#[test]
fn intunecd_json_backup() {
    insta::assert_snapshot!(render(&read("intunecd-json")));
}

#[test]
fn intunemanagement_exports_in_utf16() {
    insta::assert_snapshot!(render(&read("intunemanagement")));
}

#[test]
fn admin_center_native_import_with_bom_and_crlf() {
    insta::assert_snapshot!(render(&read("native-import")));
}

#[test]
fn raw_graph_responses_and_inventory_pages() {
    insta::assert_snapshot!(render(&read("graph")));
}

#[test]
fn intunecd_yaml_backup() {
    insta::assert_snapshot!(render(&read("intunecd-yaml")));
}

#[test]
fn single_graph_objects_with_their_navigation_responses() {
    insta::assert_snapshot!(render(&read("graph-single")));
}

#[test]
fn navigation_responses_without_their_owner_are_reported() {
    let directory = fixture("graph-single");
    let paths = [
        directory.join("groups-5d4c3b2a-members.json"),
        directory.join("intents-3f2e1d0c-settings.json"),
    ];
    let tenant = normalize(load(&paths, &LoadOptions::new(&directory)).expect("fixture exists"));
    let messages: Vec<&str> = tenant
        .problems
        .iter()
        .map(|problem| problem.message.as_str())
        .collect();
    assert_eq!(
        messages,
        vec![
            "these members belong to group `5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a`, which is not in the input",
            "these settings belong to policy `3f2e1d0c-9b8a-4f7e-8d6c-5b4a3f2e1d0c`, which is not in the input",
        ]
    );
    assert!(tenant.devices.is_empty(), "members are not inventory");
}
