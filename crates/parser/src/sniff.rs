//! Recognizes what an Intune document is from its shape, whichever tool wrote it.
//!
//! One file can hold one object (IntuneCD, IntuneManagement, the admin center's
//! "Export JSON", a saved Graph `GET` of one object), or many: a Graph collection page
//! (`{"@odata.context": …, "value": [ … ]}`) or a wrapper such as `{"groups": [ … ]}`.
//! [`sniff_documents`] splits a file into its objects and names the kind of each.
//!
//! Recognition goes, in order, by `@odata.type`; by what the enclosing collection
//! says its items are (the entity set in `@odata.context`, or the wrapper's key); by
//! the fields only one kind of object has; and last by the IntuneCD family folder the
//! file sits in. IntuneCD keeps `@odata.type` on legacy templates but the admin
//! center's export and planners' files often carry none.

use crate::json::{Node, Value};
use crate::span::Span;

/// What a document holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocumentKind {
    /// A settings catalog policy (`deviceManagementConfigurationPolicy`): `name`,
    /// `platforms`, `technologies`, `settings`, and in backups its `assignments`.
    SettingsCatalogPolicy,
    /// A saved `configurationPolicies('{id}')/settings` response: the settings of one
    /// settings catalog policy, fetched apart from the policy.
    SettingsCatalogSettings,
    /// A saved `…('{id}')/assignments` response: the assignments of one policy,
    /// fetched apart from the policy.
    PolicyAssignments,
    /// A saved `intents('{id}')/settings` response: the settings of one endpoint
    /// security intent, fetched apart from the intent.
    IntentSettings,
    /// A saved `groups('{id}')/members` or `/transitiveMembers` page: members of
    /// one group, fetched apart from the group.
    GroupMembers,
    /// A legacy configuration profile (`deviceConfigurations`: device restrictions,
    /// endpoint protection, custom OMA-URI, update rings, …).
    DeviceConfiguration,
    /// A compliance policy (`deviceCompliancePolicies`).
    CompliancePolicy,
    /// An administrative template (`groupPolicyConfigurations`).
    AdministrativeTemplate,
    /// An endpoint security or security baseline policy on the older template model
    /// (`deviceManagement/intents`).
    EndpointSecurityIntent,
    /// An Intune object preflight recognizes but does not analyze yet (app
    /// protection, enrollment profiles, driver and feature updates, scripts, …).
    OtherIntuneObject,
    /// An assignment filter (`deviceAndAppManagementAssignmentFilter`): `displayName`,
    /// `platform` and `rule`.
    AssignmentFilter,
    /// An Entra ID group (`group`), possibly with `members` or `transitiveMembers`.
    Group,
    /// An Intune managed device (`managedDevice`), from an inventory export.
    ManagedDevice,
    /// An Entra ID device object (`device`), from an inventory export.
    EntraDevice,
    /// An Entra ID user (`user`), from an inventory export.
    User,
    /// A preflight rollout plan (`policies` and `phases`): read by `preflight plan`
    /// and `check --plan`, and skipped when met among the inputs.
    RolloutPlan,
    /// A settings catalog definition (`deviceManagementConfigurationSettingDefinition`),
    /// from a `configurationSettings` export given with `--catalog`.
    SettingDefinition,
}

impl DocumentKind {
    /// A short human name for messages and summaries.
    pub fn name(self) -> &'static str {
        match self {
            DocumentKind::SettingsCatalogPolicy => "settings catalog policy",
            DocumentKind::SettingsCatalogSettings => "settings catalog settings",
            DocumentKind::PolicyAssignments => "policy assignments",
            DocumentKind::IntentSettings => "endpoint security intent settings",
            DocumentKind::GroupMembers => "group members",
            DocumentKind::DeviceConfiguration => "device configuration profile",
            DocumentKind::CompliancePolicy => "compliance policy",
            DocumentKind::AdministrativeTemplate => "administrative template",
            DocumentKind::EndpointSecurityIntent => "endpoint security intent",
            DocumentKind::OtherIntuneObject => "Intune object",
            DocumentKind::AssignmentFilter => "assignment filter",
            DocumentKind::Group => "group",
            DocumentKind::ManagedDevice => "managed device",
            DocumentKind::EntraDevice => "Entra ID device",
            DocumentKind::User => "user",
            DocumentKind::SettingDefinition => "setting definition",
            DocumentKind::RolloutPlan => "rollout plan",
        }
    }
}

/// One object found in a file, with its kind.
#[derive(Clone, Debug, PartialEq)]
pub struct SniffedDocument {
    /// What the object is.
    pub kind: DocumentKind,
    /// The object itself (for a file holding one object, the whole file).
    pub root: Node,
}

/// An object in a file that is none of the known kinds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnrecognizedObject {
    /// Where the object is, when it is one item of a collection (`None`: the whole file).
    pub span: Option<Span>,
    /// Why it was not recognized.
    pub reason: String,
    /// The value that told it apart, when there is one: an `@odata.type` preflight
    /// does not know.
    pub cause: Option<Span>,
}

/// Why one object is none of the known kinds, and the value that says so.
struct NotRecognized {
    reason: String,
    cause: Option<Span>,
}

impl From<String> for NotRecognized {
    fn from(reason: String) -> Self {
        Self {
            reason,
            cause: None,
        }
    }
}

/// What a file holds: the recognized objects and the ones that were not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SniffedFile {
    /// Recognized objects, in file order.
    pub documents: Vec<SniffedDocument>,
    /// Objects that are not Intune data, in file order.
    pub unrecognized: Vec<UnrecognizedObject>,
}

const GRAPH_TYPE_PREFIX: &str = "#microsoft.graph.";

/// Splits `root`, the parsed content of the file at `path` (its display path, with
/// forward slashes), into objects and recognizes each.
pub fn sniff_documents(root: Node, path: &str) -> SniffedFile {
    let folder_hint = folder_hint(path);
    let mut sniffed = SniffedFile::default();
    match collection_of(&root) {
        Some(collection @ Collection::Page { hint }) => {
            let items = collection_items(root, collection);
            sniff_items(items, hint.or(folder_hint), &mut sniffed);
        }
        Some(collection @ Collection::Wrapper { hint }) => {
            let items = collection_items(root, collection);
            sniff_items(items, Some(hint), &mut sniffed);
        }
        Some(Collection::Whole(kind)) => sniffed.documents.push(SniffedDocument { kind, root }),
        // IntuneCD writes some families it backs up as one list per file
        // (activation lock bypass codes): each item is an object of that family.
        None if folder_hint == Some(DocumentKind::OtherIntuneObject)
            && root.as_array().is_some() =>
        {
            let items = match root.value {
                Value::Array(items) => items,
                _ => Vec::new(),
            };
            sniff_items(items, folder_hint, &mut sniffed);
        }
        None => match sniff_object(&root, None, folder_hint) {
            Ok(kind) => sniffed.documents.push(SniffedDocument { kind, root }),
            Err(not_recognized) => sniffed.unrecognized.push(UnrecognizedObject {
                span: None,
                reason: not_recognized.reason,
                cause: not_recognized.cause,
            }),
        },
    }
    sniffed
}

/// The items of a page or a wrapper, moved out of `root` (not copied): the
/// array of the last `value` member (the one [`Object::get`] reads), or of a
/// wrapper's one member.
///
/// [`Object::get`]: crate::json::Object::get
fn collection_items(root: Node, collection: Collection) -> Vec<Node> {
    let Value::Object(object) = root.value else {
        return Vec::new();
    };
    let mut members = object.members;
    let position = match collection {
        Collection::Page { .. } => members.iter().rposition(|member| member.key == "value"),
        Collection::Wrapper { .. } => Some(0),
        Collection::Whole(_) => None,
    };
    match position.map(|position| members.swap_remove(position).value.value) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

fn sniff_items(items: Vec<Node>, hint: Option<DocumentKind>, sniffed: &mut SniffedFile) {
    let mut unrecognized = Vec::new();
    for item in items {
        match sniff_object(&item, hint, None) {
            Ok(kind) => sniffed.documents.push(SniffedDocument { kind, root: item }),
            Err(not_recognized) => unrecognized.push(UnrecognizedObject {
                span: Some(item.span),
                reason: not_recognized.reason,
                cause: not_recognized.cause,
            }),
        }
    }
    if sniffed.documents.is_empty() && !unrecognized.is_empty() {
        // Nothing in the file is Intune data: one report for the file, not one per item.
        let first = unrecognized.swap_remove(0);
        sniffed.unrecognized.push(UnrecognizedObject {
            span: None,
            reason: first.reason,
            cause: first.cause,
        });
    } else {
        sniffed.unrecognized.extend(unrecognized);
    }
}

/// What kind of container a file's root is.
#[derive(Clone, Copy)]
enum Collection {
    /// A Graph collection page: the array of (the last) `value` holds the items;
    /// `hint` comes from the entity set named in `@odata.context`.
    Page { hint: Option<DocumentKind> },
    /// A tool's wrapper such as `{"groups": [...]}`: its one member holds the items.
    Wrapper { hint: DocumentKind },
    /// A collection page that is one document as a whole (a policy's `/settings` or
    /// `/assignments`).
    Whole(DocumentKind),
}

fn collection_of(root: &Node) -> Option<Collection> {
    let object = root.as_object()?;
    if object.get("value").and_then(Node::as_array).is_some() {
        let context = object.get("@odata.context").and_then(Node::as_str);
        let only_annotations = object
            .members
            .iter()
            .all(|member| member.key == "value" || member.key.starts_with('@'));
        let is_entity = context.is_some_and(|context| context.ends_with("$entity"));
        if !is_entity && (context.is_some() || only_annotations) {
            if let Some(owner) = page_owner(root) {
                return Some(Collection::Whole(owner.kind));
            }
            let context = context.unwrap_or_default();
            return Some(Collection::Page {
                hint: entity_set_hint(context),
            });
        }
    }
    if object.members.len() == 1 {
        let member = &object.members[0];
        let hint = match member.key.as_str() {
            "groups" => DocumentKind::Group,
            "filters" | "assignmentFilters" => DocumentKind::AssignmentFilter,
            "users" => DocumentKind::User,
            "devices" => DocumentKind::EntraDevice,
            "managedDevices" => DocumentKind::ManagedDevice,
            _ => return None,
        };
        member.value.as_array()?;
        return Some(Collection::Wrapper { hint });
    }
    None
}

/// The path of `@odata.context` after `$metadata#`, lowercased, without the
/// `/$entity` suffix and without `(…)` selections on the last segment.
fn context_path(context: &str) -> String {
    original_context_path(context).to_ascii_lowercase()
}

/// The path of `@odata.context` after `$metadata#`, without `/$entity`, as written.
fn original_context_path(context: &str) -> &str {
    let path = context
        .split_once("$metadata#")
        .map_or(context, |(_, path)| path);
    path.strip_suffix("/$entity").unwrap_or(path)
}

/// The one object a saved navigation response belongs to: a policy's
/// `/settings` or `/assignments`, an intent's `/settings`, a group's `/members`
/// or `/transitiveMembers`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageOwner {
    /// What the page is.
    pub kind: DocumentKind,
    /// The owner's id, as written in the URL.
    pub id: String,
    /// The navigation property, lowercased (`settings`, `assignments`, `members`,
    /// `transitivemembers`).
    pub navigation: String,
}

/// The owner of a navigation page: named by `@odata.context`
/// (`…#deviceManagement/intents('{id}')/settings`) or, when the context names only
/// the type of the items (`…#directoryObjects`, as Graph answers for a group's
/// members), by the URL in `@odata.nextLink` (`…/groups/{id}/members?$skiptoken=…`).
pub fn page_owner(root: &Node) -> Option<PageOwner> {
    let text = |key: &str| root.get(key).and_then(Node::as_str);
    text("@odata.context")
        .and_then(|context| owner_in_path(original_context_path(context)))
        .or_else(|| text("@odata.nextLink").and_then(owner_in_request_url))
}

/// `…/owners('{id}')/navigation` in a context path, as written.
fn owner_in_path(path: &str) -> Option<PageOwner> {
    let (owner, navigation) = path.rsplit_once('/')?;
    let navigation = navigation.to_ascii_lowercase();
    let navigation = navigation.as_str();
    // `…('{id}')/microsoft.graph.windows10CustomConfiguration/assignments`: a cast.
    let owner = match owner.rsplit_once('/') {
        Some((before, cast)) if cast.to_ascii_lowercase().starts_with("microsoft.graph.") => before,
        _ => owner,
    };
    let owner = owner.strip_suffix("')")?;
    let (collection, id) = owner.rsplit_once("('")?;
    let collection = collection.rsplit('/').next().unwrap_or(collection);
    owner_of(collection, id, navigation)
}

/// `…/owners/{id}/navigation?query` in a request URL (`@odata.nextLink`).
fn owner_in_request_url(url: &str) -> Option<PageOwner> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let mut segments = path.rsplit('/');
    let navigation = segments.next()?.to_ascii_lowercase();
    let id = segments.next()?;
    let collection = segments.next()?.to_ascii_lowercase();
    let id = id
        .strip_prefix("('")
        .and_then(|id| id.strip_suffix("')"))
        .unwrap_or(id);
    owner_of(&collection, id, &navigation)
}

fn owner_of(collection: &str, id: &str, navigation: &str) -> Option<PageOwner> {
    let collection = collection.to_ascii_lowercase();
    let kind = match navigation {
        "settings" if collection == "configurationpolicies" => {
            DocumentKind::SettingsCatalogSettings
        }
        "settings" if collection == "intents" => DocumentKind::IntentSettings,
        "assignments" => DocumentKind::PolicyAssignments,
        "members" | "transitivemembers" if collection == "groups" => DocumentKind::GroupMembers,
        _ => return None,
    };
    if id.is_empty() || id.contains('/') {
        return None;
    }
    Some(PageOwner {
        kind,
        id: id.to_owned(),
        navigation: navigation.to_owned(),
    })
}

/// What the items of a collection are, from the entity set in `@odata.context`.
fn entity_set_hint(context: &str) -> Option<DocumentKind> {
    let path = context_path(context);
    // A type cast (`…/deviceConfigurations/microsoft.graph.windows10CustomConfiguration`)
    // narrows the entity set before it; the set names the kind.
    let entity_set = path
        .split('/')
        .map(|segment| segment.split('(').next().unwrap_or(segment))
        .rfind(|segment| !segment.is_empty() && !segment.starts_with("microsoft.graph."))?;
    let kind = match entity_set {
        "configurationpolicies" => DocumentKind::SettingsCatalogPolicy,
        "deviceconfigurations" => DocumentKind::DeviceConfiguration,
        "devicecompliancepolicies" => DocumentKind::CompliancePolicy,
        "grouppolicyconfigurations" => DocumentKind::AdministrativeTemplate,
        "intents" => DocumentKind::EndpointSecurityIntent,
        "assignmentfilters" => DocumentKind::AssignmentFilter,
        "groups" | "members" | "transitivemembers" => DocumentKind::Group,
        "manageddevices" => DocumentKind::ManagedDevice,
        "devices" => DocumentKind::EntraDevice,
        "users" => DocumentKind::User,
        "configurationsettings" | "settingdefinitions" => DocumentKind::SettingDefinition,
        "managedapppolicies"
        | "iosmanagedappprotections"
        | "androidmanagedappprotections"
        | "windowsdriverupdateprofiles"
        | "windowsfeatureupdateprofiles"
        | "windowsqualityupdateprofiles"
        | "deviceenrollmentconfigurations"
        | "windowsautopilotdeploymentprofiles"
        | "notificationmessagetemplates"
        | "devicemanagementscripts"
        | "deviceshellscripts"
        | "devicehealthscripts"
        | "mobileapps"
        | "mobileappconfigurations"
        | "targetedmanagedappconfigurations" => DocumentKind::OtherIntuneObject,
        _ => return None,
    };
    Some(kind)
}

/// The folders IntuneCD writes (its backup modules' paths), most specific first:
/// the folder path (lowercase, `*` for any one folder), what objects in it are,
/// and for families preflight does not analyze, the family name the summary uses.
const INTUNECD_FOLDERS: &[(&str, DocumentKind, Option<&str>)] = &[
    (
        "entra/*",
        DocumentKind::OtherIntuneObject,
        Some("entra-setting"),
    ),
    (
        "compliance policies/message templates",
        DocumentKind::OtherIntuneObject,
        Some("notification-template"),
    ),
    (
        "compliance policies/scripts",
        DocumentKind::OtherIntuneObject,
        Some("compliance-script"),
    ),
    (
        "compliance policies/policies",
        DocumentKind::CompliancePolicy,
        None,
    ),
    ("compliance policies", DocumentKind::CompliancePolicy, None),
    ("policies", DocumentKind::CompliancePolicy, None),
    (
        "settings catalog",
        DocumentKind::SettingsCatalogPolicy,
        None,
    ),
    (
        "device configurations",
        DocumentKind::DeviceConfiguration,
        None,
    ),
    (
        "group policy configurations",
        DocumentKind::AdministrativeTemplate,
        None,
    ),
    (
        "management intents/*",
        DocumentKind::EndpointSecurityIntent,
        None,
    ),
    (
        "management intents",
        DocumentKind::EndpointSecurityIntent,
        None,
    ),
    ("filters", DocumentKind::AssignmentFilter, None),
    (
        "conditional access",
        DocumentKind::OtherIntuneObject,
        Some("conditional-access"),
    ),
    (
        "app protection",
        DocumentKind::OtherIntuneObject,
        Some("app-protection"),
    ),
    (
        "app configuration",
        DocumentKind::OtherIntuneObject,
        Some("app-configuration"),
    ),
    (
        "applications/*",
        DocumentKind::OtherIntuneObject,
        Some("app"),
    ),
    ("applications", DocumentKind::OtherIntuneObject, Some("app")),
    (
        "enrollment profiles/windows/esp",
        DocumentKind::OtherIntuneObject,
        Some("enrollment-status-page"),
    ),
    (
        "enrollment profiles/apple",
        DocumentKind::OtherIntuneObject,
        Some("apple-enrollment-profile"),
    ),
    (
        "enrollment profiles/windows",
        DocumentKind::OtherIntuneObject,
        Some("autopilot-profile"),
    ),
    (
        "enrollment profiles",
        DocumentKind::OtherIntuneObject,
        Some("enrollment-profile"),
    ),
    (
        "enrollment configurations",
        DocumentKind::OtherIntuneObject,
        Some("enrollment-configuration"),
    ),
    ("scripts/*", DocumentKind::OtherIntuneObject, Some("script")),
    ("scripts", DocumentKind::OtherIntuneObject, Some("script")),
    (
        "custom attributes",
        DocumentKind::OtherIntuneObject,
        Some("custom-attribute"),
    ),
    (
        "proactive remediations",
        DocumentKind::OtherIntuneObject,
        Some("remediation-script"),
    ),
    (
        "driver updates",
        DocumentKind::OtherIntuneObject,
        Some("driver-update-profile"),
    ),
    (
        "feature updates",
        DocumentKind::OtherIntuneObject,
        Some("feature-update-profile"),
    ),
    (
        "quality updates",
        DocumentKind::OtherIntuneObject,
        Some("quality-update-profile"),
    ),
    (
        "notifications",
        DocumentKind::OtherIntuneObject,
        Some("notification-template"),
    ),
    (
        "partner connections/*",
        DocumentKind::OtherIntuneObject,
        Some("partner-connection"),
    ),
    (
        "partner connections",
        DocumentKind::OtherIntuneObject,
        Some("partner-connection"),
    ),
    ("roles", DocumentKind::OtherIntuneObject, Some("role")),
    (
        "scope tags",
        DocumentKind::OtherIntuneObject,
        Some("scope-tag"),
    ),
    (
        "apple push notification",
        DocumentKind::OtherIntuneObject,
        Some("apple-push-certificate"),
    ),
    (
        "apple vpp tokens",
        DocumentKind::OtherIntuneObject,
        Some("vpp-token"),
    ),
    (
        "activation lock bypass codes",
        DocumentKind::OtherIntuneObject,
        Some("activation-lock-bypass-code"),
    ),
    (
        "autopilot devices",
        DocumentKind::OtherIntuneObject,
        Some("autopilot-device"),
    ),
    (
        "device categories",
        DocumentKind::OtherIntuneObject,
        Some("device-category"),
    ),
    (
        "device management settings",
        DocumentKind::OtherIntuneObject,
        Some("device-management-settings"),
    ),
    (
        "managed google play",
        DocumentKind::OtherIntuneObject,
        Some("managed-google-play"),
    ),
];

/// The IntuneCD folder entry for the file at `path`: the folder nearest the file
/// that IntuneCD writes, and at that folder the most specific entry.
fn intunecd_folder(path: &str) -> Option<(DocumentKind, Option<&'static str>)> {
    let folders: Vec<String> = path.split('/').map(str::to_ascii_lowercase).collect();
    let folders = &folders[..folders.len().saturating_sub(1)];
    (1..=folders.len()).rev().find_map(|depth| {
        let ancestors = &folders[..depth];
        INTUNECD_FOLDERS
            .iter()
            .find(|(pattern, _, _)| {
                let segments: Vec<&str> = pattern.split('/').collect();
                ancestors.len() >= segments.len()
                    && ancestors[ancestors.len() - segments.len()..]
                        .iter()
                        .zip(&segments)
                        .all(|(folder, segment)| *segment == "*" || folder == segment)
            })
            .map(|(_, kind, family)| (*kind, *family))
    })
}

/// The family IntuneCD's folder gives an object preflight does not analyze
/// (`Compliance Policies/Message Templates/` → `notification-template`).
pub fn intunecd_folder_family(path: &str) -> Option<&'static str> {
    intunecd_folder(path).and_then(|(_, family)| family)
}

/// The IntuneCD family folder a file sits in, as a last resort for objects that
/// carry no `@odata.type` and no telling shape.
fn folder_hint(path: &str) -> Option<DocumentKind> {
    intunecd_folder(path).map(|(kind, _)| kind)
}

/// The kind of one object, or why it is none of the known kinds.
fn sniff_object(
    node: &Node,
    collection_hint: Option<DocumentKind>,
    folder_hint: Option<DocumentKind>,
) -> Result<DocumentKind, NotRecognized> {
    let Some(object) = node.as_object() else {
        return Err(format!("the file holds {}, not an Intune object", node.kind_name()).into());
    };
    let odata_type = object.get("@odata.type").and_then(Node::as_str);
    if let Some(odata_type) = odata_type
        && let Some(kind) = kind_of_odata_type(odata_type)
    {
        return Ok(kind);
    }
    if let Some(kind) = collection_hint {
        return Ok(kind);
    }
    if let Some(kind) = object
        .get("@odata.context")
        .and_then(Node::as_str)
        .filter(|context| context.ends_with("$entity"))
        .and_then(entity_set_hint)
    {
        // A single `GET …/{entitySet}/{id}` response, which may carry no `@odata.type`.
        return Ok(kind);
    }
    if let Some(kind) = kind_of_shape(node) {
        return Ok(kind);
    }
    // In a folder of a family preflight only counts, any object is of that family,
    // whatever its `@odata.type`; in a family it analyzes, an object needs a name
    // and no `@odata.type` preflight does not know (that is reported).
    if let Some(kind) = folder_hint {
        let counted_only = kind == DocumentKind::OtherIntuneObject;
        let named = object
            .get("displayName")
            .or_else(|| object.get("name"))
            .is_some();
        if counted_only || (odata_type.is_none() && named) {
            return Ok(kind);
        }
    }
    match odata_type {
        Some(odata_type) => Err(NotRecognized {
            reason: format!(
                "`@odata.type` is `{odata_type}`, which is not an Intune policy, group, filter or inventory object"
            ),
            cause: object.get("@odata.type").map(|node| node.span),
        }),
        None => Err("the object has none of the fields of an Intune policy, group, filter or inventory record".to_owned().into()),
    }
}

/// The kind named by a Graph `@odata.type`, when preflight knows it.
pub fn kind_of_odata_type(odata_type: &str) -> Option<DocumentKind> {
    let name = odata_type
        .strip_prefix(GRAPH_TYPE_PREFIX)
        .or_else(|| odata_type.strip_prefix("microsoft.graph."))?
        .to_ascii_lowercase();
    let kind = match name.as_str() {
        "devicemanagementconfigurationpolicy" => DocumentKind::SettingsCatalogPolicy,
        "deviceandappmanagementassignmentfilter" | "assignmentfilter" => {
            DocumentKind::AssignmentFilter
        }
        "grouppolicyconfiguration" => DocumentKind::AdministrativeTemplate,
        "devicemanagementintent" => DocumentKind::EndpointSecurityIntent,
        "group" => DocumentKind::Group,
        "manageddevice" | "windowsmanageddevice" => DocumentKind::ManagedDevice,
        "device" => DocumentKind::EntraDevice,
        "user" => DocumentKind::User,
        _ if name.starts_with("devicemanagementconfiguration")
            && name.ends_with("settingdefinition") =>
        {
            DocumentKind::SettingDefinition
        }
        _ if name.ends_with("compliancepolicy") => DocumentKind::CompliancePolicy,
        _ if is_device_configuration_type(&name) => DocumentKind::DeviceConfiguration,
        _ if is_other_intune_type(&name) => DocumentKind::OtherIntuneObject,
        _ => return None,
    };
    Some(kind)
}

/// Whether a lowercased type name is one of the `deviceConfiguration` subtypes.
fn is_device_configuration_type(name: &str) -> bool {
    let not_a_device_configuration = name.contains("enrollment")
        || name.contains("appconfiguration")
        || name.contains("mobileapp")
        || name.starts_with("targetedmanagedapp");
    if not_a_device_configuration {
        return false;
    }
    name.ends_with("configuration")
        || name.ends_with("certificate")
        || name.ends_with("certificateprofile")
        || name.ends_with("certificateprofilebase")
        || name.ends_with("wificonfiguration")
        || name.ends_with("vpnconfiguration")
        || name.ends_with("profile") && name.contains("windows10") && !name.contains("update")
}

/// Whether a lowercased type name is an Intune object preflight does not analyze.
fn is_other_intune_type(name: &str) -> bool {
    const FRAGMENTS: [&str; 16] = [
        "managedappprotection",
        "informationprotectionpolicy",
        "managedappconfiguration",
        "updateprofile",
        "enrollment",
        "autopilot",
        "notificationmessagetemplate",
        "script",
        "lobapp",
        "storeapp",
        "mobileapp",
        "win32",
        "officesuiteapp",
        "webapp",
        "deploymentprofile",
        "healthscript",
    ];
    FRAGMENTS.iter().any(|fragment| name.contains(fragment))
}

/// The kind told by fields that only one kind of object has.
fn kind_of_shape(node: &Node) -> Option<DocumentKind> {
    let object = node.as_object()?;
    let has = |key: &str| object.get(key).is_some();
    if has("settings") && has("name") && (has("platforms") || has("technologies")) {
        return Some(DocumentKind::SettingsCatalogPolicy);
    }
    if has("rule") && has("platform") && has("displayName") {
        return Some(DocumentKind::AssignmentFilter);
    }
    if has("phases") && has("policies") {
        return Some(DocumentKind::RolloutPlan);
    }
    if has("definitionValues") {
        return Some(DocumentKind::AdministrativeTemplate);
    }
    if has("templateId") && (has("settingsDelta") || has("settings")) {
        return Some(DocumentKind::EndpointSecurityIntent);
    }
    if has("scheduledActionsForRule") {
        return Some(DocumentKind::CompliancePolicy);
    }
    if has("deviceName") && has("operatingSystem") {
        return Some(DocumentKind::ManagedDevice);
    }
    if has("deviceId") && has("operatingSystem") {
        return Some(DocumentKind::EntraDevice);
    }
    if has("userPrincipalName") {
        return Some(DocumentKind::User);
    }
    let looks_like_group = has("displayName")
        && (has("groupTypes")
            || has("membershipRule")
            || has("securityEnabled")
            || has("mailNickname"));
    if looks_like_group {
        return Some(DocumentKind::Group);
    }
    None
}

/// The kind of a single object, or why it is none of the known kinds. A shorthand
/// of [`sniff_documents`] for files known to hold one object.
pub fn sniff(root: &Node) -> Result<DocumentKind, String> {
    sniff_object(root, None, None).map_err(|not_recognized| not_recognized.reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn kind(text: &str) -> Result<DocumentKind, String> {
        sniff(&parse(text).expect("valid JSON"))
    }

    fn kinds_in(text: &str, path: &str) -> (Vec<DocumentKind>, usize) {
        let sniffed = sniff_documents(parse(text).expect("valid JSON"), path);
        (
            sniffed
                .documents
                .iter()
                .map(|document| document.kind)
                .collect(),
            sniffed.unrecognized.len(),
        )
    }

    #[test]
    fn recognizes_settings_catalog_by_shape_and_by_odata_type() {
        assert_eq!(
            kind(
                r#"{"name": "A", "platforms": "windows10", "technologies": "mdm", "settings": []}"#
            ),
            Ok(DocumentKind::SettingsCatalogPolicy)
        );
        assert_eq!(
            kind(r##"{"@odata.type": "#microsoft.graph.deviceManagementConfigurationPolicy"}"##),
            Ok(DocumentKind::SettingsCatalogPolicy)
        );
    }

    #[test]
    fn recognizes_assignment_filters() {
        assert_eq!(
            kind(
                r#"{"displayName": "F", "platform": "windows10AndLater", "rule": "(device.model -eq \"x\")"}"#
            ),
            Ok(DocumentKind::AssignmentFilter)
        );
    }

    #[test]
    fn recognizes_legacy_families_by_odata_type() {
        let cases = [
            (
                "windows10GeneralConfiguration",
                DocumentKind::DeviceConfiguration,
            ),
            (
                "windows10CustomConfiguration",
                DocumentKind::DeviceConfiguration,
            ),
            (
                "windowsUpdateForBusinessConfiguration",
                DocumentKind::DeviceConfiguration,
            ),
            (
                "iosGeneralDeviceConfiguration",
                DocumentKind::DeviceConfiguration,
            ),
            ("windows10CompliancePolicy", DocumentKind::CompliancePolicy),
            (
                "androidDeviceOwnerCompliancePolicy",
                DocumentKind::CompliancePolicy,
            ),
            (
                "groupPolicyConfiguration",
                DocumentKind::AdministrativeTemplate,
            ),
            (
                "deviceManagementIntent",
                DocumentKind::EndpointSecurityIntent,
            ),
            ("iosManagedAppProtection", DocumentKind::OtherIntuneObject),
            (
                "windowsDriverUpdateProfile",
                DocumentKind::OtherIntuneObject,
            ),
            (
                "windows10EnrollmentCompletionPageConfiguration",
                DocumentKind::OtherIntuneObject,
            ),
            (
                "azureADWindowsAutopilotDeploymentProfile",
                DocumentKind::OtherIntuneObject,
            ),
            ("managedDevice", DocumentKind::ManagedDevice),
            ("group", DocumentKind::Group),
            (
                "deviceManagementConfigurationChoiceSettingDefinition",
                DocumentKind::SettingDefinition,
            ),
        ];
        for (name, expected) in cases {
            let text = format!(r##"{{"@odata.type": "#microsoft.graph.{name}"}}"##);
            assert_eq!(kind(&text), Ok(expected), "{name}");
        }
    }

    #[test]
    fn splits_graph_collection_pages_using_the_entity_set() {
        let page = r#"{
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#deviceManagement/managedDevices",
            "@odata.nextLink": "https://graph.microsoft.com/v1.0/deviceManagement/managedDevices?$skiptoken=x",
            "value": [{"id": "1", "deviceName": "PC-1"}, {"id": "2", "deviceName": "PC-2"}]
        }"#;
        assert_eq!(
            kinds_in(page, "inventory/managedDevices-001.json"),
            (
                vec![DocumentKind::ManagedDevice, DocumentKind::ManagedDevice],
                0
            )
        );
        let groups = r#"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups(id,displayName,members())", "value": [{"id": "g", "displayName": "G"}]}"#;
        assert_eq!(
            kinds_in(groups, "groups.json"),
            (vec![DocumentKind::Group], 0)
        );
    }

    #[test]
    fn separate_settings_and_assignments_responses_are_one_document() {
        let settings = r#"{"@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/configurationPolicies('abc')/settings", "value": []}"#;
        assert_eq!(
            kinds_in(settings, "x.json"),
            (vec![DocumentKind::SettingsCatalogSettings], 0)
        );
        let assignments = r#"{"@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/deviceConfigurations('abc')/assignments", "value": []}"#;
        assert_eq!(
            kinds_in(assignments, "x.json"),
            (vec![DocumentKind::PolicyAssignments], 0)
        );
    }

    #[test]
    fn single_entities_are_told_by_their_entity_set() {
        let policy = r#"{"@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/configurationPolicies/$entity", "id": "p", "name": "A", "settingCount": 0}"#;
        assert_eq!(
            kinds_in(policy, "x.json"),
            (vec![DocumentKind::SettingsCatalogPolicy], 0)
        );
        let intent = r#"{"@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/intents/$entity", "id": "i", "displayName": "B"}"#;
        assert_eq!(
            kinds_in(intent, "x.json"),
            (vec![DocumentKind::EndpointSecurityIntent], 0)
        );
        let filter = r#"{"@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/assignmentFilters/$entity", "id": "f", "displayName": "F"}"#;
        assert_eq!(
            kinds_in(filter, "x.json"),
            (vec![DocumentKind::AssignmentFilter], 0)
        );
        let cast = r#"{"@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/deviceConfigurations/microsoft.graph.windows10CustomConfiguration/$entity", "id": "d", "displayName": "D"}"#;
        assert_eq!(
            kinds_in(cast, "x.json"),
            (vec![DocumentKind::DeviceConfiguration], 0)
        );
        let compliance = r#"{"@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/deviceCompliancePolicies/$entity", "id": "c", "displayName": "C", "value": []}"#;
        assert_eq!(
            kinds_in(compliance, "x.json"),
            (vec![DocumentKind::CompliancePolicy], 0)
        );
    }

    #[test]
    fn navigation_pages_name_their_owner_in_the_context_or_the_next_link() {
        let intent_settings = r#"{"@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/intents('AbC')/settings", "value": []}"#;
        assert_eq!(
            kinds_in(intent_settings, "x.json"),
            (vec![DocumentKind::IntentSettings], 0)
        );
        let root = parse(intent_settings).expect("valid JSON");
        let owner = page_owner(&root).expect("an owner");
        assert_eq!(
            (owner.id.as_str(), owner.navigation.as_str()),
            ("AbC", "settings")
        );
        let members = r##"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects",
            "@odata.nextLink": "https://graph.microsoft.com/v1.0/groups/g-1/members?$skiptoken=x",
            "value": [{"@odata.type": "#microsoft.graph.device", "id": "d", "deviceId": "e", "operatingSystem": "Windows"}]}"##;
        assert_eq!(
            kinds_in(members, "x.json"),
            (vec![DocumentKind::GroupMembers], 0)
        );
        let root = parse(members).expect("valid JSON");
        let owner = page_owner(&root).expect("an owner");
        assert_eq!(
            (owner.id.as_str(), owner.navigation.as_str()),
            ("g-1", "members")
        );
        let cast = r#"{"@odata.context": "https://graph.microsoft.com/beta/$metadata#deviceManagement/deviceConfigurations('d-1')/microsoft.graph.windows10CustomConfiguration/assignments", "value": []}"#;
        let root = parse(cast).expect("valid JSON");
        assert_eq!(
            page_owner(&root).map(|owner| (owner.kind, owner.id)),
            Some((DocumentKind::PolicyAssignments, "d-1".to_owned()))
        );
        let transitive = r#"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups('g-2')/transitiveMembers", "value": []}"#;
        let root = parse(transitive).expect("valid JSON");
        assert_eq!(
            page_owner(&root).map(|owner| (owner.kind, owner.navigation)),
            Some((DocumentKind::GroupMembers, "transitivemembers".to_owned()))
        );
        // Without an owner, directory objects are inventory.
        let unowned = r##"{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects",
            "value": [{"@odata.type": "#microsoft.graph.device", "id": "d", "deviceId": "e", "operatingSystem": "Windows"}]}"##;
        assert_eq!(
            kinds_in(unowned, "x.json"),
            (vec![DocumentKind::EntraDevice], 0)
        );
    }

    #[test]
    fn tool_wrappers_hold_groups_and_filters() {
        let groups = r#"{"groups": [{"displayName": "Pilot", "description": "d"}]}"#;
        assert_eq!(kinds_in(groups, "g.json"), (vec![DocumentKind::Group], 0));
    }

    #[test]
    fn intunecd_folders_tell_objects_without_a_type() {
        let policy = r#"{"displayName": "Password", "passwordRequired": true}"#;
        assert_eq!(
            kinds_in(policy, "backup/Compliance Policies/Policies/Password.json"),
            (vec![DocumentKind::CompliancePolicy], 0)
        );
        assert_eq!(kinds_in(policy, "elsewhere/Password.json"), (vec![], 1));
        let template = r#"{"displayName": "First warning", "defaultLocale": "en-us", "brandingOptions": "includeCompanyLogo"}"#;
        assert_eq!(
            kinds_in(
                template,
                "backup/Compliance Policies/Message Templates/First warning.json"
            ),
            (vec![DocumentKind::OtherIntuneObject], 0)
        );
        assert_eq!(
            intunecd_folder_family(
                "backup/Compliance Policies/Message Templates/First warning.json"
            ),
            Some("notification-template")
        );
        let conditional_access =
            r#"{"displayName": "Require MFA", "state": "enabled", "conditions": {}}"#;
        assert_eq!(
            kinds_in(
                conditional_access,
                "backup/Conditional Access/Require MFA.json"
            ),
            (vec![DocumentKind::OtherIntuneObject], 0)
        );
        assert_eq!(
            intunecd_folder_family("backup/Entra/Applications/App.json"),
            Some("entra-setting")
        );
        assert_eq!(
            intunecd_folder_family("backup/Enrollment Profiles/Windows/ESP/Default.json"),
            Some("enrollment-status-page")
        );
        assert_eq!(
            intunecd_folder_family("backup/Scripts/Powershell/Set-Wallpaper.json"),
            Some("script")
        );
        let role = r##"{"@odata.type": "#microsoft.graph.deviceAndAppManagementRoleDefinition", "displayName": "Help desk"}"##;
        assert_eq!(
            kinds_in(role, "backup/Roles/Help desk.json"),
            (vec![DocumentKind::OtherIntuneObject], 0)
        );
        assert_eq!(
            kinds_in(role, "backup/Device Configurations/Help desk.json"),
            (vec![], 1),
            "an unknown type where IntuneCD puts analyzed families is reported"
        );
        let codes = r#"[{"id": "1", "deviceName": "Mac-1", "activationLockBypassCode": "A"}, {"id": "2", "deviceName": "Mac-2", "activationLockBypassCode": "B"}]"#;
        assert_eq!(
            kinds_in(
                codes,
                "backup/Activation Lock Bypass Codes/activation_lock_bypass_codes.json"
            ),
            (
                vec![
                    DocumentKind::OtherIntuneObject,
                    DocumentKind::OtherIntuneObject
                ],
                0
            )
        );
        let certificate =
            r#"{"appleIdentifier": "admin@contoso.com", "topicIdentifier": "com.apple.mgmt"}"#;
        assert_eq!(
            kinds_in(certificate, "backup/Apple Push Notification/apns.json"),
            (vec![DocumentKind::OtherIntuneObject], 0)
        );
    }

    #[test]
    fn other_documents_are_unrecognized_with_a_reason() {
        let reason = kind(r#"{"name": "my-package", "version": "1.0.0"}"#).expect_err("not Intune");
        assert!(reason.contains("none of the fields"));
        let reason = kind("[1, 2]").expect_err("array");
        assert!(reason.contains("an array"));
        let reason = kind(r##"{"@odata.type": "#microsoft.graph.printer"}"##).expect_err("no");
        assert!(reason.contains("microsoft.graph.printer"));
    }
}
