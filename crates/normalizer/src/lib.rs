//! Turns parsed Intune documents into preflight's typed model.
//!
//! The second stage of the pipeline (files → parser → **normalizer** → engine →
//! findings → reporters). It gives each setting a canonical [`SettingKey`] and a
//! typed [`SettingValue`], expands assignments into [`AssignmentTarget`]s, and
//! collects the [`Group`]s and [`Filter`]s they refer to, and the inventory of
//! devices and users. Wrong types in the input become `parse-error` problems that
//! name the field; the rest is still read.

mod administrative_templates;
mod assignments;
mod catalog;
pub mod collections;
mod directory;
mod filters;
mod intents;
pub mod keys;
pub mod legacy_table;
mod legacy_templates;
pub mod model;
pub mod plan;
mod reader;
mod secrets;
mod settings_catalog;
pub mod stable_hash;
mod unsupported;

use std::collections::BTreeMap;

pub use directory::platform_of_operating_system;
pub use model::*;
use preflight_parser::json::Node;
use preflight_parser::{DocumentKind, InputProblem, Loaded, SourceLocation};

use crate::legacy_templates::TemplateKind;
use crate::reader::FieldReader;

/// Normalizes everything that was loaded into a [`Tenant`].
pub fn normalize(loaded: Loaded) -> Tenant {
    let Loaded {
        files,
        documents,
        mut problems,
    } = loaded;
    let mut tenant = Tenant {
        files,
        ..Tenant::default()
    };
    let mut described_groups = Vec::new();
    let mut directory_groups = Vec::new();
    let mut devices = Vec::new();
    let mut settings_pages: Vec<SettingsPage> = Vec::new();
    let mut members_pages = Vec::new();
    let mut assignment_pages = Vec::new();
    let mut unsupported = unsupported::UnsupportedCounter::default();
    // Definitions first: how a settings catalog policy is keyed can depend on them
    // (collection shapes, compliance usage), whatever the file order.
    // INVARIANT: documents arrive in file order, so "first definition wins" below
    // and the order of policies and filters do not depend on thread scheduling.
    for document in &documents {
        if document.kind == DocumentKind::SettingDefinition
            && let Some(definition) = catalog::read_definition(document, &mut problems)
        {
            tenant
                .definitions
                .entry(definition.id.clone())
                .or_insert(definition);
        }
    }
    let admx_index = catalog::AdmxIndex::new(&tenant.definitions);
    for document in &documents {
        tenant.secrets.extend(secrets::secret_values(document));
        let groups = &mut described_groups;
        let policy = match document.kind {
            DocumentKind::SettingsCatalogPolicy => settings_catalog::read_settings_catalog_policy(
                document,
                settings_catalog::CatalogPolicyKind::Detect,
                &tenant.definitions,
                groups,
                &mut problems,
            ),
            // Compliance policies built on the settings catalog (Linux,
            // `compliancePolicies`) carry settings catalog `settings`.
            DocumentKind::CompliancePolicy if settings_catalog::has_catalog_settings(document) => {
                settings_catalog::read_settings_catalog_policy(
                    document,
                    settings_catalog::CatalogPolicyKind::Compliance,
                    &tenant.definitions,
                    groups,
                    &mut problems,
                )
            }
            DocumentKind::DeviceConfiguration => legacy_templates::read_template_policy(
                document,
                TemplateKind::Configuration,
                groups,
                &mut problems,
            ),
            DocumentKind::CompliancePolicy => legacy_templates::read_template_policy(
                document,
                TemplateKind::Compliance,
                groups,
                &mut problems,
            ),
            DocumentKind::AdministrativeTemplate => {
                administrative_templates::read_administrative_template(
                    document,
                    &admx_index,
                    groups,
                    &mut problems,
                )
            }
            DocumentKind::EndpointSecurityIntent => {
                intents::read_intent(document, groups, &mut problems)
            }
            DocumentKind::SettingsCatalogSettings => {
                settings_pages.extend(
                    settings_catalog::read_settings_page(
                        document,
                        &tenant.definitions,
                        &mut problems,
                    )
                    .map(|(owner, settings)| SettingsPage {
                        owner,
                        file: document.file,
                        settings,
                        platforms: Vec::new(),
                    }),
                );
                None
            }
            DocumentKind::IntentSettings => {
                settings_pages.extend(intents::read_intent_settings_page(document, &mut problems));
                None
            }
            DocumentKind::GroupMembers => {
                members_pages.extend(directory::read_members_page(document, &mut problems));
                None
            }
            DocumentKind::PolicyAssignments => {
                assignment_pages.extend(assignments::read_assignments_page(
                    document,
                    groups,
                    &mut problems,
                ));
                None
            }
            DocumentKind::OtherIntuneObject => {
                let path = tenant
                    .file(document.file)
                    .map_or("", |file| file.display_path.as_str());
                unsupported.record(document, path);
                None
            }
            DocumentKind::AssignmentFilter => {
                tenant
                    .filters
                    .extend(filters::read_filter(document, &mut problems));
                None
            }
            DocumentKind::Group => {
                directory_groups.extend(directory::read_group(document, &mut problems));
                None
            }
            DocumentKind::ManagedDevice => {
                devices.extend(directory::read_managed_device(document, &mut problems));
                None
            }
            DocumentKind::EntraDevice => {
                devices.extend(directory::read_entra_device(document, &mut problems));
                None
            }
            // Plans are read by `preflight plan` and `check --plan`, not as inputs.
            DocumentKind::RolloutPlan => None,
            // Read before this loop.
            DocumentKind::SettingDefinition => None,
            DocumentKind::User => {
                tenant
                    .users
                    .extend(directory::read_user(document, &mut problems));
                None
            }
        };
        tenant.policies.extend(policy);
    }
    attach_pages(
        &mut tenant.policies,
        settings_pages,
        assignment_pages,
        &mut problems,
    );
    collections::apply_list_semantics(&mut tenant.policies);
    directory::attach_members_pages(&mut directory_groups, members_pages, &mut problems);
    tenant.groups = resolve_groups(&mut tenant.policies, directory_groups, described_groups);
    tenant.devices = directory::join_devices(devices);
    tenant.unsupported = unsupported.finish();
    catalog::apply_catalog(&mut tenant);
    // Secret settings are secrets wherever they sit (encrypted OMA-URI values,
    // catalog secret values), whatever their member is named.
    let secret_settings: Vec<SourceLocation> = tenant
        .policies
        .iter()
        .flat_map(|policy| &policy.settings)
        .filter(|setting| matches!(setting.value, SettingValue::Secret { .. }))
        .map(|setting| setting.source)
        .collect();
    tenant.secrets.extend(secret_settings);
    tenant.secrets.sort();
    tenant.secrets.dedup();
    problems.sort_by_key(|problem| (problem.file, problem.span.map(|span| span.start)));
    tenant.problems = problems;
    tenant
}

/// The settings of one policy, saved apart from it (`…('{id}')/settings`).
pub(crate) struct SettingsPage {
    /// The policy they belong to.
    owner: PolicyId,
    /// The file the page is in.
    file: preflight_parser::FileId,
    /// The settings.
    settings: Vec<Setting>,
    /// The platforms the settings name (intents tell their platform only so).
    platforms: Vec<Platform>,
}

/// The id of the policy a saved `…('{id}')/settings` or `/assignments` response
/// belongs to, from its `@odata.context` (or its `@odata.nextLink`).
pub(crate) fn owner_of_page(reader: &mut FieldReader<'_>, root: &Node) -> Option<PolicyId> {
    match preflight_parser::page_owner(root) {
        Some(owner) => Some(PolicyId(owner.id)),
        None => {
            let span = root
                .get("@odata.context")
                .map_or(root.span, |node| node.span);
            reader.problem(span, "the `@odata.context` names no policy id");
            None
        }
    }
}

/// Adds separately saved `/settings` and `/assignments` responses to the policies
/// they belong to. A response for a policy that is not in the input is reported.
fn attach_pages(
    policies: &mut [Policy],
    settings_pages: Vec<SettingsPage>,
    assignment_pages: Vec<(PolicyId, Vec<Assignment>)>,
    problems: &mut Vec<InputProblem>,
) {
    let mut index: BTreeMap<PolicyId, usize> = BTreeMap::new();
    for (position, policy) in policies.iter().enumerate() {
        if let Some(id) = &policy.id {
            index.entry(id.clone()).or_insert(position);
        }
    }
    let mut orphan = |id: &PolicyId, what: &str, file| {
        problems.push(
            InputProblem::parse_error(
                file,
                None,
                format!(
                    "these {what} belong to policy `{}`, which is not in the input",
                    id.0
                ),
            )
            .with_help("add the policy's own export to the input, or remove this file"),
        );
    };
    for page in settings_pages {
        match index.get(&page.owner) {
            Some(&position) => {
                let policy = &mut policies[position];
                policy.settings.extend(page.settings);
                policy.platforms.extend(page.platforms);
                policy.platforms.sort();
                policy.platforms.dedup();
            }
            None => orphan(&page.owner, "settings", page.file),
        }
    }
    for (id, assignments) in assignment_pages {
        match index.get(&id) {
            Some(&position) => policies[position]
                .assignments
                .get_or_insert_with(Vec::new)
                .extend(assignments),
            None => {
                if let Some(assignment) = assignments.first() {
                    orphan(&id, "assignments", assignment.source.file);
                }
            }
        }
    }
}

/// One list of groups from directory exports and from IntuneCD's descriptions in
/// assignments. A directory group is the authority: an assignment that names it by
/// display name (IntuneCD) is pointed at its id, and the description the
/// assignment carried is dropped. Sorted by id; the first description of an id wins.
fn resolve_groups(
    policies: &mut [Policy],
    mut directory_groups: Vec<Group>,
    mut described_groups: Vec<Group>,
) -> Vec<Group> {
    directory_groups.sort_by(|left, right| left.id.cmp(&right.id));
    directory_groups.dedup_by(|later, first| later.id == first.id);
    let mut id_by_name: BTreeMap<&str, &GroupId> = BTreeMap::new();
    for group in &directory_groups {
        id_by_name.entry(group.name.as_str()).or_insert(&group.id);
    }
    let known_ids: std::collections::BTreeSet<&GroupId> =
        directory_groups.iter().map(|group| &group.id).collect();
    let renamed = |id: &GroupId| -> Option<GroupId> {
        if known_ids.contains(id) {
            return None;
        }
        id_by_name.get(id.0.as_str()).map(|&found| found.clone())
    };
    for policy in policies.iter_mut() {
        for assignment in policy.assignments.iter_mut().flatten() {
            match &mut assignment.target {
                AssignmentTarget::IncludeGroup(id) | AssignmentTarget::ExcludeGroup(id) => {
                    if let Some(found) = renamed(id) {
                        *id = found;
                    }
                }
                AssignmentTarget::AllDevices | AssignmentTarget::AllUsers => {}
            }
        }
    }
    described_groups.retain(|group| {
        !known_ids.contains(&group.id) && !id_by_name.contains_key(group.name.as_str())
    });
    let mut groups = directory_groups;
    groups.append(&mut described_groups);
    // Stable sort: among descriptions of one id, the first in file order is kept.
    groups.sort_by(|left, right| left.id.cmp(&right.id));
    groups.dedup_by(|later, first| later.id == first.id);
    groups
}
