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
mod settings_catalog;
pub mod stable_hash;
mod unsupported;

use std::collections::BTreeMap;

pub use directory::platform_of_operating_system;
pub use model::*;
use preflight_parser::json::Node;
use preflight_parser::{Document, DocumentKind, InputProblem, Loaded, SourceLocation};
use rayon::prelude::*;

use crate::legacy_templates::TemplateKind;
use crate::reader::FieldReader;

/// Normalizes everything that was loaded into a [`Tenant`].
///
/// Documents are read in parallel, each on its own; what each one adds is then
/// merged in file order, so the tenant is the same whatever the thread count.
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
    // Definitions first: how a settings catalog policy is keyed can depend on them
    // (collection shapes, compliance usage), whatever the file order.
    // INVARIANT: documents arrive in file order and readings are merged in that
    // order, so "first definition wins" below, the order of policies, filters,
    // devices and users, and the order of problems do not depend on thread
    // scheduling.
    let definitions: Vec<(Option<SettingDefinition>, Vec<InputProblem>)> = documents
        .par_iter()
        .filter(|document| document.kind == DocumentKind::SettingDefinition)
        .map(|document| {
            let mut found = Vec::new();
            let definition = catalog::read_definition(document, &mut found);
            (definition, found)
        })
        .collect();
    for (definition, found) in definitions {
        problems.extend(found);
        if let Some(definition) = definition {
            tenant
                .definitions
                .entry(definition.id.clone())
                .or_insert(definition);
        }
    }
    let admx_index = catalog::AdmxIndex::new(&tenant.definitions);
    let context = ReadingContext {
        definitions: &tenant.definitions,
        admx_index: &admx_index,
        files: &tenant.files,
    };
    let readings = read_documents(documents, &context);
    drop(admx_index);

    let mut described_groups = Vec::new();
    let mut directory_groups = Vec::new();
    let mut settings_pages: Vec<SettingsPage> = Vec::new();
    let mut members_pages = Vec::new();
    let mut assignment_pages = Vec::new();
    let mut unsupported = unsupported::UnsupportedCounter::default();
    let count = |kind: fn(&Added) -> bool| {
        readings
            .iter()
            .filter(|reading| kind(&reading.added))
            .count()
    };
    tenant
        .policies
        .reserve(count(|added| matches!(added, Added::Policy(_))));
    directory_groups.reserve(count(|added| matches!(added, Added::Group(_))));
    tenant
        .devices
        .reserve(count(|added| matches!(added, Added::Device(_))));
    tenant
        .users
        .reserve(count(|added| matches!(added, Added::User(_))));
    for reading in readings {
        let DocumentReading {
            secrets,
            described_groups: described,
            problems: found,
            added,
        } = reading;
        tenant.secrets.extend(secrets);
        described_groups.extend(described);
        problems.extend(found);
        match added {
            Added::Nothing => {}
            Added::Policy(policy) => tenant.policies.push(*policy),
            Added::SettingsPage(page) => settings_pages.push(page),
            Added::MembersPage(page) => members_pages.push(page),
            Added::AssignmentsPage(id, assignments) => assignment_pages.push((id, assignments)),
            Added::Unsupported(family, location) => unsupported.add(family, location),
            Added::Filter(filter) => tenant.filters.push(filter),
            Added::Group(group) => directory_groups.push(*group),
            Added::Device(device) => tenant.devices.push(*device),
            Added::User(user) => tenant.users.push(user),
        }
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

/// What every document's reader may consult: the definitions and the files.
struct ReadingContext<'a> {
    definitions: &'a BTreeMap<String, SettingDefinition>,
    admx_index: &'a catalog::AdmxIndex<'a>,
    files: &'a [preflight_parser::SourceFile],
}

/// What one document adds to the tenant, kept apart until the readings of all
/// documents are merged in file order.
struct DocumentReading {
    /// Where the document holds secret text.
    secrets: Vec<SourceLocation>,
    /// Groups its assignments describe (IntuneCD's `groupName` and `groupType`).
    described_groups: Vec<Group>,
    /// Problems met while reading it, in the order met.
    problems: Vec<InputProblem>,
    /// What it is, read.
    added: Added,
}

/// The one thing a document is, read into the model.
enum Added {
    /// Nothing (a plan, a definition, or a document that could not be read).
    Nothing,
    Policy(Box<Policy>),
    SettingsPage(SettingsPage),
    MembersPage(directory::MembersPage),
    AssignmentsPage(PolicyId, Vec<Assignment>),
    /// An object of a family counted but not analyzed, and where it is named.
    Unsupported(String, SourceLocation),
    Filter(Filter),
    Group(Box<Group>),
    /// A device, from all the records of it ([`read_device_records`]).
    Device(Box<Device>),
    User(User),
}

impl DocumentReading {
    /// The reading of a document that adds nothing.
    fn empty() -> Self {
        Self {
            secrets: Vec::new(),
            described_groups: Vec::new(),
            problems: Vec::new(),
            added: Added::Nothing,
        }
    }
}

/// Where the secret text values of `document` are (the parser noted them), so
/// that reporters can mask them along with the secret settings.
fn secret_locations(document: &Document) -> Vec<SourceLocation> {
    document
        .secrets
        .iter()
        .map(|&span| SourceLocation {
            file: document.file,
            span,
        })
        .collect()
}

/// Reads one document on its own (device records are read by
/// [`read_device_records`]).
fn read_document(document: &Document, context: &ReadingContext<'_>) -> DocumentReading {
    let mut problems = Vec::new();
    let mut groups = Vec::new();
    let secrets = secret_locations(document);
    let policy = |policy: Option<Policy>| {
        policy.map_or(Added::Nothing, |policy| Added::Policy(Box::new(policy)))
    };
    let added = match document.kind {
        DocumentKind::SettingsCatalogPolicy => {
            policy(settings_catalog::read_settings_catalog_policy(
                document,
                settings_catalog::CatalogPolicyKind::Detect,
                context.definitions,
                &mut groups,
                &mut problems,
            ))
        }
        // Compliance policies built on the settings catalog (Linux,
        // `compliancePolicies`) carry settings catalog `settings`.
        DocumentKind::CompliancePolicy if settings_catalog::has_catalog_settings(document) => {
            policy(settings_catalog::read_settings_catalog_policy(
                document,
                settings_catalog::CatalogPolicyKind::Compliance,
                context.definitions,
                &mut groups,
                &mut problems,
            ))
        }
        DocumentKind::DeviceConfiguration => policy(legacy_templates::read_template_policy(
            document,
            TemplateKind::Configuration,
            &mut groups,
            &mut problems,
        )),
        DocumentKind::CompliancePolicy => policy(legacy_templates::read_template_policy(
            document,
            TemplateKind::Compliance,
            &mut groups,
            &mut problems,
        )),
        DocumentKind::AdministrativeTemplate => {
            policy(administrative_templates::read_administrative_template(
                document,
                context.admx_index,
                &mut groups,
                &mut problems,
            ))
        }
        DocumentKind::EndpointSecurityIntent => {
            policy(intents::read_intent(document, &mut groups, &mut problems))
        }
        DocumentKind::SettingsCatalogSettings => {
            settings_catalog::read_settings_page(document, context.definitions, &mut problems)
                .map_or(Added::Nothing, |(owner, settings)| {
                    Added::SettingsPage(SettingsPage {
                        owner,
                        file: document.file,
                        settings,
                        platforms: Vec::new(),
                    })
                })
        }
        DocumentKind::IntentSettings => intents::read_intent_settings_page(document, &mut problems)
            .map_or(Added::Nothing, Added::SettingsPage),
        DocumentKind::GroupMembers => directory::read_members_page(document, &mut problems)
            .map_or(Added::Nothing, Added::MembersPage),
        DocumentKind::PolicyAssignments => {
            assignments::read_assignments_page(document, &mut groups, &mut problems)
                .map_or(Added::Nothing, |(id, assignments)| {
                    Added::AssignmentsPage(id, assignments)
                })
        }
        DocumentKind::OtherIntuneObject => {
            let path = context
                .files
                .get(document.file.index())
                .map_or("", |file| file.display_path.as_str());
            let (family, location) = unsupported::UnsupportedCounter::sighting(document, path);
            Added::Unsupported(family, location)
        }
        DocumentKind::AssignmentFilter => {
            filters::read_filter(document, &mut problems).map_or(Added::Nothing, Added::Filter)
        }
        DocumentKind::Group => directory::read_group(document, &mut problems)
            .map_or(Added::Nothing, |group| Added::Group(Box::new(group))),
        // Read with the other records of the same device, by `read_device_records`.
        DocumentKind::ManagedDevice | DocumentKind::EntraDevice => Added::Nothing,
        // Plans are read by `preflight plan` and `check --plan`, not as inputs.
        DocumentKind::RolloutPlan => Added::Nothing,
        // Read before the other documents.
        DocumentKind::SettingDefinition => Added::Nothing,
        DocumentKind::User => {
            directory::read_user(document, &mut problems).map_or(Added::Nothing, Added::User)
        }
    };
    DocumentReading {
        secrets,
        described_groups: groups,
        problems,
        added,
    }
}

/// Reads every document, in parallel, into its reading, in file order. Device
/// records are read with the other records of the same device (managed and
/// Entra ID records that share a device id): each record's problems go to its
/// own reading and the device to the reading of its first record read, so that
/// devices come in the order of their first appearance. Each document is
/// dropped once read, so that the memory of the parsed input is reused by the
/// model built from it.
fn read_documents(documents: Vec<Document>, context: &ReadingContext<'_>) -> Vec<DocumentReading> {
    let count = documents.len();
    let (devices, others) = devices_and_others(documents);
    let (other_readings, device_readings) = rayon::join(
        || {
            others
                .into_par_iter()
                .map(|(position, document)| (position, read_document(&document, context)))
                .collect::<Vec<_>>()
        },
        || {
            devices
                .into_par_iter()
                .map(read_device_records)
                .collect::<Vec<_>>()
        },
    );
    let mut readings: Vec<DocumentReading> = (0..count).map(|_| DocumentReading::empty()).collect();
    for (position, reading) in other_readings {
        readings[position] = reading;
    }
    for (position, reading) in device_readings.into_iter().flatten() {
        readings[position] = reading;
    }
    readings
}

/// `documents`, with their positions, split into the records of each device
/// (in the order of each device's first record; each device's records in file
/// order) and all the other documents (in file order).
#[expect(
    clippy::type_complexity,
    reason = "positions with documents, grouped by device, used right away"
)]
fn devices_and_others(
    documents: Vec<Document>,
) -> (Vec<Vec<(usize, Document)>>, Vec<(usize, Document)>) {
    use std::collections::hash_map::Entry;
    let keys: Vec<(usize, Option<String>)> = documents
        .par_iter()
        .enumerate()
        .filter(|(_, document)| is_device_record(document))
        .map(|(position, document)| (position, directory::device_join_key(document)))
        .collect();
    let mut records_of_devices: Vec<Vec<usize>> = Vec::new();
    // Only looked up, never iterated.
    let mut device_by_key: std::collections::HashMap<String, usize> =
        std::collections::HashMap::with_capacity(keys.len());
    for (position, key) in keys {
        let Some(key) = key else {
            records_of_devices.push(vec![position]);
            continue;
        };
        match device_by_key.entry(key) {
            Entry::Occupied(device) => records_of_devices[*device.get()].push(position),
            Entry::Vacant(slot) => {
                slot.insert(records_of_devices.len());
                records_of_devices.push(vec![position]);
            }
        }
    }
    drop(device_by_key);
    let mut slots: Vec<Option<Document>> = documents.into_iter().map(Some).collect();
    let devices = records_of_devices
        .into_iter()
        .map(|positions| {
            positions
                .into_iter()
                .filter_map(|position| slots[position].take().map(|document| (position, document)))
                .collect()
        })
        .collect();
    let others = slots
        .into_iter()
        .enumerate()
        .filter_map(|(position, document)| document.map(|document| (position, document)))
        .collect();
    (devices, others)
}

fn is_device_record(document: &Document) -> bool {
    matches!(
        document.kind,
        DocumentKind::ManagedDevice | DocumentKind::EntraDevice
    )
}

/// The readings of the records of one device, with their positions.
fn read_device_records(records: Vec<(usize, Document)>) -> Vec<(usize, DocumentReading)> {
    let documents: Vec<&Document> = records.iter().map(|(_, document)| document).collect();
    let (problems, device) = directory::read_device(&documents);
    let mut device = device;
    records
        .iter()
        .zip(problems)
        .enumerate()
        .map(|(index, ((position, document), problems))| {
            let added = match device.take_if(|(first, _)| *first == index) {
                Some((_, device)) => Added::Device(Box::new(device)),
                None => Added::Nothing,
            };
            let reading = DocumentReading {
                secrets: secret_locations(document),
                described_groups: Vec::new(),
                problems,
                added,
            };
            (*position, reading)
        })
        .collect()
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
        Some(owner) => Some(PolicyId(owner.id.into())),
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
