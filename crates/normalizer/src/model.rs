//! preflight's typed model of a tenant: policies with canonical settings, their
//! assignments, and the groups and filters they target.
//!
//! Everything after the normalizer works on these types only and never on raw JSON.

use std::fmt;

use preflight_parser::{FileId, SourceFile, SourceLocation, Text};

/// The id Intune gives a policy (a GUID), when the export kept it. IntuneCD removes ids.
/// Shared, not copied, by every finding about the policy.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PolicyId(pub std::sync::Arc<str>);

/// How an assignment names a group: by object id (Graph) or display name (IntuneCD).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupId(pub String);

/// How an assignment names an assignment filter: by id (Graph) or display name (IntuneCD).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FilterId(pub String);

/// The canonical key of a setting: two settings with the same key configure the same
/// behaviour on a device, whatever policy family they come from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SettingKey(pub String);

impl fmt::Display for SettingKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// Which kind of Intune object a policy is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyFamily {
    /// Settings catalog (`configurationPolicies`), including endpoint security
    /// policies built on it.
    SettingsCatalog,
    /// A legacy configuration profile template (`deviceConfigurations`: device
    /// restrictions, endpoint protection, update rings, …).
    DeviceConfiguration,
    /// A custom profile of OMA-URI settings (`windows10CustomConfiguration`).
    CustomProfile,
    /// A compliance policy (`deviceCompliancePolicies`).
    Compliance,
    /// An administrative template (`groupPolicyConfigurations`).
    AdministrativeTemplate,
    /// An endpoint security or security baseline policy on the template model
    /// (`intents`).
    EndpointSecurityIntent,
}

impl PolicyFamily {
    /// The stable kebab-case name used in JSON output.
    pub fn name(self) -> &'static str {
        match self {
            PolicyFamily::SettingsCatalog => "settings-catalog",
            PolicyFamily::DeviceConfiguration => "device-configuration",
            PolicyFamily::CustomProfile => "custom-profile",
            PolicyFamily::Compliance => "compliance",
            PolicyFamily::AdministrativeTemplate => "administrative-template",
            PolicyFamily::EndpointSecurityIntent => "endpoint-security-intent",
        }
    }
}

/// A device platform a policy or filter applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Platform {
    /// Windows 10 and later.
    Windows,
    /// macOS.
    MacOs,
    /// iOS and iPadOS.
    Ios,
    /// Android (device administrator, Android Enterprise and AOSP).
    Android,
    /// Linux.
    Linux,
}

impl Platform {
    /// Reads one of the platform words Intune uses in `platforms` (settings catalog)
    /// and `platform` (filters), ignoring case.
    pub fn from_intune_name(word: &str) -> Option<Self> {
        let word = word.trim().to_ascii_lowercase();
        match word.as_str() {
            "windows10" | "windows10andlater" | "windows" | "windows10x" | "windows81andlater" => {
                Some(Platform::Windows)
            }
            "macos" => Some(Platform::MacOs),
            "ios" | "iosipados" | "ipados" | "visionos" | "tvos" => Some(Platform::Ios),
            "android"
            | "androidenterprise"
            | "androidforwork"
            | "androidaosp"
            | "aosp"
            | "androidmobileapplicationmanagement" => Some(Platform::Android),
            "linux" => Some(Platform::Linux),
            _ => None,
        }
    }

    /// A human name.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Windows => "Windows",
            Platform::MacOs => "macOS",
            Platform::Ios => "iOS/iPadOS",
            Platform::Android => "Android",
            Platform::Linux => "Linux",
        }
    }
}

/// Whether a setting applies to the device or follows the signed-in user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SettingScope {
    /// Applies to the device, whoever signs in.
    Device,
    /// Follows the user to every device they sign in on.
    User,
}

/// A typed setting value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SettingValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A string.
    String(String),
    /// One option of a choice setting.
    Choice {
        /// The option id, lowercased (`device_vendor_msft_..._1`).
        option: String,
        /// The part of the option id after the setting's own id (`1`), when the
        /// option id follows that convention.
        short: Option<String>,
        /// The option's display name, when a catalog definitions export gave it.
        label: Option<String>,
    },
    /// A list of values whose order does not matter: a set (simple or choice
    /// setting collections, and lists in legacy templates). Compared sorted and
    /// without duplicates.
    List(Vec<SettingValue>),
    /// A list whose order is part of its effect (a priority order such as TLS
    /// cipher suites); compared item by item, in order. Which settings are
    /// ordered is told by [`crate::collections::list_semantics`].
    OrderedList(Vec<SettingValue>),
    /// A secret. Only a digest is kept, so equal secrets compare equal but the
    /// value can never be printed.
    Secret {
        /// A digest of the secret text.
        digest: u64,
    },
}

impl SettingValue {
    /// The value in the form used to compare values across policy families: a
    /// choice whose option id ends in a number or a boolean decodes to it (`…_1` →
    /// `1`, `…_true` → `true`), so a catalog option and an OMA-URI integer compare
    /// equal; the items of a [`List`](Self::List) are compared as a set (sorted,
    /// duplicates removed), those of an [`OrderedList`](Self::OrderedList) in order.
    pub fn normalized(&self) -> SettingValue {
        match self {
            SettingValue::Choice { short, .. } => match short.as_deref().and_then(decode_short) {
                Some(decoded) => decoded,
                None => self.without_label(),
            },
            SettingValue::List(items) => {
                let mut items: Vec<SettingValue> =
                    items.iter().map(SettingValue::normalized).collect();
                items.sort();
                items.dedup();
                SettingValue::List(items)
            }
            SettingValue::OrderedList(items) => {
                SettingValue::OrderedList(items.iter().map(SettingValue::normalized).collect())
            }
            _ => self.clone(),
        }
    }

    /// The value as a person reads it: a choice becomes the value its option id
    /// ends in (`…_1` → `1`, `…_true` → `true`, `…_block` → `"block"`), or its
    /// option id when the id does not extend the setting's; lists keep their order.
    /// Other values are as they are.
    pub fn decoded(&self) -> SettingValue {
        match self {
            SettingValue::Choice { option, short, .. } => match short.as_deref() {
                Some(short) => {
                    decode_short(short).unwrap_or_else(|| SettingValue::String(short.to_owned()))
                }
                None => SettingValue::String(option.clone()),
            },
            SettingValue::List(items) => {
                SettingValue::List(items.iter().map(SettingValue::decoded).collect())
            }
            SettingValue::OrderedList(items) => {
                SettingValue::OrderedList(items.iter().map(SettingValue::decoded).collect())
            }
            _ => self.clone(),
        }
    }

    /// A text that identifies the [`normalized`](Self::normalized) value: two values
    /// have the same text exactly when they have the same effect. Stable across
    /// runs and versions (keys of collection items are built from it, and
    /// fingerprints from keys); a secret shows only its digest.
    pub fn identity_text(&self) -> String {
        let mut text = String::new();
        self.normalized().write_identity(&mut text);
        text
    }

    fn write_identity(&self, text: &mut String) {
        use std::fmt::Write as _;
        // Writing to a `String` cannot fail.
        let _ = match self {
            SettingValue::Bool(flag) => write!(text, "b:{flag}"),
            SettingValue::Integer(number) => write!(text, "i:{number}"),
            SettingValue::String(value) => write!(text, "s:{}:{value}", value.len()),
            SettingValue::Choice { option, .. } => write!(text, "c:{}:{option}", option.len()),
            SettingValue::Secret { digest } => write!(text, "x:{digest:016x}"),
            SettingValue::List(items) | SettingValue::OrderedList(items) => {
                text.push_str(if matches!(self, SettingValue::List(_)) {
                    "l["
                } else {
                    "o["
                });
                for item in items {
                    item.write_identity(text);
                    text.push(',');
                }
                write!(text, "]")
            }
        };
    }

    /// The option of a choice, or `None` for any other value.
    pub fn choice_option(&self) -> Option<(&str, Option<&str>)> {
        match self {
            SettingValue::Choice { option, label, .. } => Some((option, label.as_deref())),
            _ => None,
        }
    }

    /// The value without a choice's display label.
    fn without_label(&self) -> SettingValue {
        match self {
            SettingValue::Choice { option, short, .. } => SettingValue::Choice {
                option: option.clone(),
                short: short.clone(),
                label: None,
            },
            _ => self.clone(),
        }
    }

    /// Whether two values have the same effect (compared [`normalized`](Self::normalized)).
    pub fn same_effect(&self, other: &SettingValue) -> bool {
        self == other || self.normalized() == other.normalized()
    }
}

/// The value a choice option id ends in, when it is a number or a boolean.
fn decode_short(short: &str) -> Option<SettingValue> {
    if let Ok(number) = short.parse::<i64>() {
        Some(SettingValue::Integer(number))
    } else if short.eq_ignore_ascii_case("true") {
        Some(SettingValue::Bool(true))
    } else if short.eq_ignore_ascii_case("false") {
        Some(SettingValue::Bool(false))
    } else {
        None
    }
}

impl fmt::Display for SettingValue {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SettingValue::Bool(flag) => write!(formatter, "{flag}"),
            SettingValue::Integer(number) => write!(formatter, "{number}"),
            SettingValue::String(text) => write!(formatter, "{text:?}"),
            SettingValue::Choice {
                option,
                short,
                label,
            } => {
                formatter.write_str(short.as_deref().unwrap_or(option))?;
                match label {
                    Some(label) => write!(formatter, " ({label})"),
                    None => Ok(()),
                }
            }
            SettingValue::List(items) | SettingValue::OrderedList(items) => {
                formatter.write_str("[")?;
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        formatter.write_str(", ")?;
                    }
                    write!(formatter, "{item}")?;
                }
                formatter.write_str("]")
            }
            SettingValue::Secret { .. } => formatter.write_str("<secret>"),
        }
    }
}

/// Whether a setting configures a device or states a compliance requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SettingKind {
    /// Configures the device; two different values on one device conflict.
    Configuration,
    /// A compliance rule: evaluated, not configured. Two different values resolve
    /// to the most restrictive, and a compliance rule never conflicts with a
    /// configuration setting.
    Compliance,
}

/// One configured setting of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The canonical key.
    pub key: SettingKey,
    /// A short name for people: the setting's definition id without its parents.
    pub name: String,
    /// The value.
    pub value: SettingValue,
    /// Device or user scope.
    pub scope: SettingScope,
    /// Configuration or compliance.
    pub kind: SettingKind,
    /// Whether the key came from preflight's table of legacy properties or a CSP
    /// path (`true`), or is local to the policy family because no canonical key is
    /// known (`false`).
    pub canonical: bool,
    /// Where the value is written in the source file.
    pub source: SourceLocation,
}

/// Whether an assignment filter narrows an assignment to matching devices or
/// removes matching devices from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FilterMode {
    /// Only devices that match the filter are targeted.
    Include,
    /// Devices that match the filter are not targeted.
    Exclude,
}

/// An assignment filter applied to one assignment.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AssignmentFilterUse {
    /// Which filter.
    pub filter: FilterId,
    /// Include or exclude mode.
    pub mode: FilterMode,
}

/// What an assignment points at.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AssignmentTarget {
    /// The "All devices" virtual group.
    AllDevices,
    /// The "All users" virtual group (`allLicensedUsersAssignmentTarget`).
    AllUsers,
    /// A group whose members receive the policy.
    IncludeGroup(GroupId),
    /// A group whose members are excluded from the policy.
    ExcludeGroup(GroupId),
}

/// One assignment of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// The target.
    pub target: AssignmentTarget,
    /// The assignment filter, if any (never on exclusions).
    pub filter: Option<AssignmentFilterUse>,
    /// Where the assignment's target is written.
    pub source: SourceLocation,
}

/// A policy with its canonical settings and its assignments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Intune's id, when the export kept it.
    pub id: Option<PolicyId>,
    /// The display name (shared: every finding about the policy names it).
    pub name: std::sync::Arc<str>,
    /// The policy family.
    pub family: PolicyFamily,
    /// The platforms the policy applies to (sorted, no duplicates).
    pub platforms: Vec<Platform>,
    /// The configured settings, in source order.
    pub settings: Vec<Setting>,
    /// The assignments, in source order. `None` when the export carries no
    /// assignment information at all (as the admin center's "Export JSON");
    /// `Some(vec![])` when it says the policy is assigned to nobody.
    pub assignments: Option<Vec<Assignment>>,
    /// Where the policy's name is written (the policy's own location).
    pub source: SourceLocation,
}

/// How a group gets its members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupMembership {
    /// Members are added by hand (or the export does not say).
    Static,
    /// Members are computed from a dynamic membership rule.
    Dynamic {
        /// The membership rule, as written.
        rule: String,
        /// Where the rule's string literal is written.
        rule_source: SourceLocation,
    },
}

/// What kind of directory object a group member is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemberObjectKind {
    /// An Entra ID device object.
    Device,
    /// A user.
    User,
    /// A nested group.
    Group,
}

/// One member of a group, as a Graph `members` export lists it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupMember {
    /// Device, user or nested group.
    pub kind: MemberObjectKind,
    /// The member's object id.
    pub id: String,
    /// Its display name, when the export kept it.
    pub name: Option<String>,
}

/// Whether a group's members are devices or users, when that can be told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemberKind {
    /// The members are devices.
    Devices,
    /// The members are users.
    Users,
}

/// Where a group's description comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupOrigin {
    /// A directory export (Graph `groups`, or a planner's groups file): the group
    /// as the directory holds it.
    Directory,
    /// An assignment that describes the group it targets (IntuneCD records name,
    /// type and rule).
    Assignment,
}

/// A group that assignments target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// How assignments refer to the group: the object id from a directory export,
    /// or the display name when only an IntuneCD assignment describes it.
    pub id: GroupId,
    /// The display name.
    pub name: String,
    /// Static or dynamic.
    pub membership: GroupMembership,
    /// The direct members, when a directory export listed them (`members`);
    /// `None` when membership is not known.
    pub members: Option<Vec<GroupMember>>,
    /// Every member through nesting, when the export saved `transitiveMembers`.
    pub transitive_members: Option<Vec<GroupMember>>,
    /// Where the description comes from.
    pub origin: GroupOrigin,
    /// Where the group is first described.
    pub source: SourceLocation,
}

impl Group {
    /// Whether the group holds devices or users, when its definition tells: a
    /// dynamic rule over `device.` properties holds devices, over `user.` users.
    pub fn member_kind(&self) -> Option<MemberKind> {
        match &self.membership {
            GroupMembership::Dynamic { rule, .. } => {
                let rule = rule.to_ascii_lowercase();
                let mentions_devices = rule.contains("device.");
                let mentions_users = rule.contains("user.");
                match (mentions_devices, mentions_users) {
                    (true, false) => Some(MemberKind::Devices),
                    (false, true) => Some(MemberKind::Users),
                    _ => None,
                }
            }
            GroupMembership::Static => {
                // A member list of one kind of object tells; nested groups are
                // not followed here.
                let members = self.members.as_ref()?;
                let has = |kind| members.iter().any(|member| member.kind == kind);
                match (has(MemberObjectKind::Device), has(MemberObjectKind::User)) {
                    (true, false) => Some(MemberKind::Devices),
                    (false, true) => Some(MemberKind::Users),
                    _ => None,
                }
            }
        }
    }

    /// Whether the group's membership is computed from a rule.
    pub fn is_dynamic(&self) -> bool {
        matches!(self.membership, GroupMembership::Dynamic { .. })
    }
}

/// An assignment filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    /// The id, or the display name when the export removed ids.
    pub id: FilterId,
    /// The display name.
    pub name: String,
    /// The platform the filter applies to, when known.
    pub platform: Option<Platform>,
    /// The filter rule, as written.
    pub rule: String,
    /// Where the rule's string literal is written.
    pub rule_source: SourceLocation,
    /// Where the filter is defined.
    pub source: SourceLocation,
}

/// A device from an inventory export: an Intune managed device, an Entra ID device
/// object, or both joined on the Entra device id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    /// The Entra ID object id (what group `members` lists), when known.
    pub object_id: Option<String>,
    /// The Entra device id (`deviceId`, Intune's `azureADDeviceId`), when known.
    pub device_id: Option<String>,
    /// The Intune managed device id, when known.
    pub managed_device_id: Option<String>,
    /// The device name.
    pub name: String,
    /// The platform, when the operating system names one.
    pub platform: Option<Platform>,
    /// The primary user's object id (Intune `userId`), when known.
    pub primary_user_id: Option<String>,
    /// The primary user's UPN, when known.
    pub primary_user_principal_name: Option<String>,
    /// The object ids of the users who signed in on the device (Intune
    /// `usersLoggedOn`), besides the primary user.
    pub signed_in_user_ids: Vec<String>,
    /// Every property of the inventory records, as written (`operatingSystem`,
    /// `osVersion`, `manufacturer`, `trustType`, …); managed device and Entra
    /// properties side by side.
    pub properties: Properties,
    /// Where the device is first described.
    pub source: SourceLocation,
}

/// A property value of an inventory record. Strings share the text of the file
/// they are read from: an inventory of 200,000 devices holds millions of them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InventoryValue {
    /// A string.
    String(Text),
    /// A boolean.
    Bool(bool),
    /// A list of strings (`physicalIds`, `proxyAddresses`).
    List(Vec<Text>),
}

impl InventoryValue {
    /// A string value.
    pub fn text(text: &str) -> Self {
        Self::String(Text::from(text))
    }
}

/// The properties of an inventory record by name, each name once: a sorted
/// list, which for the twenty-odd properties of a record is smaller and as fast
/// to search as a map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Properties {
    sorted: Vec<(Text, InventoryValue)>,
}

impl Properties {
    /// The value of property `name`.
    pub fn get(&self, name: &str) -> Option<&InventoryValue> {
        self.sorted
            .binary_search_by(|(known, _)| known.as_str().cmp(name))
            .ok()
            .map(|index| &self.sorted[index].1)
    }

    /// Sets property `name` to `value`, returning the value it replaces.
    pub fn insert(
        &mut self,
        name: impl Into<Text>,
        value: InventoryValue,
    ) -> Option<InventoryValue> {
        let name = name.into();
        match self
            .sorted
            .binary_search_by(|(known, _)| known.as_str().cmp(name.as_str()))
        {
            Ok(index) => Some(std::mem::replace(&mut self.sorted[index].1, value)),
            Err(index) => {
                self.sorted.insert(index, (name, value));
                None
            }
        }
    }

    /// How many properties there are.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The properties, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &InventoryValue)> {
        self.sorted
            .iter()
            .map(|(name, value)| (name.as_str(), value))
    }

    /// The property names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.sorted.iter().map(|(name, _)| name.as_str())
    }
}

/// Properties from pairs in any order; of a name given twice, the first wins.
impl FromIterator<(Text, InventoryValue)> for Properties {
    fn from_iter<Pairs: IntoIterator<Item = (Text, InventoryValue)>>(pairs: Pairs) -> Self {
        let mut sorted: Vec<(Text, InventoryValue)> = pairs.into_iter().collect();
        // Stable: of equal names, the first stays first, and `dedup_by` keeps it.
        sorted.sort_by(|left, right| left.0.cmp(&right.0));
        sorted.dedup_by(|later, first| later.0 == first.0);
        sorted.shrink_to_fit();
        Self { sorted }
    }
}

impl<'properties> IntoIterator for &'properties Properties {
    type Item = (&'properties str, &'properties InventoryValue);
    type IntoIter = Box<dyn Iterator<Item = Self::Item> + 'properties>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// A user from an inventory export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The Entra ID object id.
    pub object_id: Option<String>,
    /// The user principal name.
    pub user_principal_name: String,
    /// Every property of the record, as written (`department`, `country`, …).
    pub properties: Properties,
    /// Where the user is described.
    pub source: SourceLocation,
}

/// What a settings catalog definitions export says about one setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingDefinition {
    /// The definition id, lowercased (the setting's key for Windows settings).
    pub id: String,
    /// The display name.
    pub display_name: Option<String>,
    /// Option display names by option id (lowercased).
    pub option_labels: std::collections::BTreeMap<String, String>,
    /// The platforms the setting applies to (empty: not stated).
    pub platforms: Vec<Platform>,
    /// The lowest OS version the setting applies to, when stated.
    pub minimum_version: Option<String>,
    /// The Windows editions (SKUs) the setting applies to (empty: all).
    pub windows_skus: Vec<String>,
    /// The canonical key of the definition's CSP path (`baseUri` + `offsetUri`),
    /// when both are given and form an OMA-URI. Usually the id's own key; it
    /// differs where the catalog names a setting otherwise than its path (a
    /// presentation of an ADMX policy shares the policy's path; `{tenantid}`
    /// stands for a node an OMA-URI names).
    pub uri_key: Option<SettingKey>,
    /// The setting this one is a child of (`dependentOn[].parentSettingId`),
    /// lowercased and keyed like `id`.
    pub parent: Option<String>,
    /// For ADMX-backed settings: the Group Policy category path the definition's
    /// keywords give (`\Microsoft Edge\SmartScreen settings`), as written.
    pub category_path: Option<String>,
    /// For integer settings: the values allowed (`valueDefinition.minimumValue`
    /// and `maximumValue`).
    pub value_range: Option<ValueRange>,
    /// For collections: the most instances or items the setting holds
    /// (`maximumCount`); a group collection of at most one is a dictionary.
    pub maximum_count: Option<u64>,
    /// What the setting is for (`settingUsage`), when stated.
    pub usage: Option<SettingUsage>,
    /// Where the definition is written.
    pub source: SourceLocation,
}

impl SettingDefinition {
    /// The range `value` lies outside of, when the definition gives one and
    /// `value` is an integer outside it.
    pub fn range_violated_by(&self, value: &SettingValue) -> Option<ValueRange> {
        let range = self.value_range?;
        match value {
            SettingValue::Integer(number) if !range.contains(*number) => Some(range),
            _ => None,
        }
    }
}

/// The integer values a setting definition allows, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ValueRange {
    /// The lowest value allowed.
    pub minimum: i64,
    /// The highest value allowed.
    pub maximum: i64,
}

impl ValueRange {
    /// Whether `value` is allowed.
    pub fn contains(self, value: i64) -> bool {
        (self.minimum..=self.maximum).contains(&value)
    }
}

impl fmt::Display for ValueRange {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}..={}", self.minimum, self.maximum)
    }
}

/// What a settings catalog definition is for (`settingUsage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SettingUsage {
    /// Configures devices.
    Configuration,
    /// A compliance rule only.
    Compliance,
    /// Usable in both kinds of policy.
    ConfigurationAndCompliance,
}

impl SettingUsage {
    /// Reads `settingUsage` (`configuration`, `compliance`, or both joined by `,`).
    pub fn from_catalog_text(text: &str) -> Option<Self> {
        let mut configuration = false;
        let mut compliance = false;
        for word in text.split(',') {
            match word.trim().to_ascii_lowercase().as_str() {
                "configuration" => configuration = true,
                "compliance" => compliance = true,
                _ => {}
            }
        }
        match (configuration, compliance) {
            (true, true) => Some(SettingUsage::ConfigurationAndCompliance),
            (true, false) => Some(SettingUsage::Configuration),
            (false, true) => Some(SettingUsage::Compliance),
            (false, false) => None,
        }
    }
}

/// Objects of a family preflight recognizes but does not analyze yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsupportedFamily {
    /// The family, as a stable kebab-case name (`app-protection`).
    pub family: String,
    /// How many objects of it were read.
    pub count: usize,
    /// Where the first of them (in file order) is.
    pub first: SourceLocation,
}

/// A whole tenant as read from the input: the files, what they define, and the
/// problems met on the way.
#[derive(Clone, Debug, Default)]
pub struct Tenant {
    /// Every input file, indexed by `FileId`.
    pub files: Vec<SourceFile>,
    /// Policies, in file order.
    pub policies: Vec<Policy>,
    /// Groups, sorted by id.
    pub groups: Vec<Group>,
    /// Filters, in file order.
    pub filters: Vec<Filter>,
    /// Inventory devices, in file order.
    pub devices: Vec<Device>,
    /// Inventory users, in file order.
    pub users: Vec<User>,
    /// Families read but not analyzed, sorted by family.
    pub unsupported: Vec<UnsupportedFamily>,
    /// Settings catalog definitions (`--catalog`), by definition id.
    pub definitions: std::collections::BTreeMap<String, SettingDefinition>,
    /// Problems from reading and normalizing, in file order.
    pub problems: Vec<preflight_parser::InputProblem>,
    /// Where the input holds secrets (secret settings' values, and text under
    /// secret-named members in any object), sorted: never to be shown.
    pub secrets: Vec<SourceLocation>,
}

impl Tenant {
    /// Adds a file that is not policy input (the configuration file) so that
    /// findings can point into it; returns its id.
    pub fn add_source_file(
        &mut self,
        path: std::path::PathBuf,
        display_path: String,
        text: &str,
    ) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile::new(
            id,
            path,
            display_path,
            std::sync::Arc::new(text.to_owned()),
            None,
        ));
        id
    }

    /// The file with `id`.
    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.index())
    }

    /// The group referred to by `id`.
    pub fn group(&self, id: &GroupId) -> Option<&Group> {
        self.group_index(id).map(|index| &self.groups[index])
    }

    /// The index in `groups` of the group referred to by `id`.
    pub fn group_index(&self, id: &GroupId) -> Option<usize> {
        self.groups.binary_search_by(|group| group.id.cmp(id)).ok()
    }

    /// The filter referred to by `id`, matched on id first, then on display name.
    pub fn filter(&self, id: &FilterId) -> Option<&Filter> {
        self.filter_index(id).map(|index| &self.filters[index])
    }

    /// The index in `filters` of the filter referred to by `id`, matched on id
    /// first, then on display name.
    pub fn filter_index(&self, id: &FilterId) -> Option<usize> {
        self.filters
            .iter()
            .position(|filter| filter.id == *id)
            .or_else(|| self.filters.iter().position(|filter| filter.name == id.0))
    }

    /// How many settings all policies configure together.
    pub fn setting_count(&self) -> usize {
        self.policies
            .iter()
            .map(|policy| policy.settings.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(option: &str, short: &str, label: Option<&str>) -> SettingValue {
        SettingValue::Choice {
            option: option.to_owned(),
            short: Some(short.to_owned()),
            label: label.map(str::to_owned),
        }
    }

    #[test]
    fn choices_decode_to_the_value_their_option_id_ends_in() {
        assert_eq!(choice("x_1", "1", None).decoded(), SettingValue::Integer(1));
        assert_eq!(
            choice("x_false", "false", None).decoded(),
            SettingValue::Bool(false)
        );
        assert_eq!(
            choice("x_block", "block", None).decoded(),
            SettingValue::String("block".to_owned())
        );
        assert!(choice("x_1", "1", Some("Allowed")).same_effect(&SettingValue::Integer(1)));
        // A word option is not the string of the same word: types differ.
        assert!(
            !choice("x_block", "block", None).same_effect(&SettingValue::String("block".into()))
        );
    }

    #[test]
    fn sets_ignore_order_and_ordered_lists_do_not() {
        let a = SettingValue::String("a".to_owned());
        let b = SettingValue::String("b".to_owned());
        let set = SettingValue::List(vec![a.clone(), b.clone()]);
        let reversed_set = SettingValue::List(vec![b.clone(), a.clone(), b.clone()]);
        assert!(set.same_effect(&reversed_set));
        assert_eq!(set.identity_text(), reversed_set.identity_text());
        let ordered = SettingValue::OrderedList(vec![a.clone(), b.clone()]);
        let reordered = SettingValue::OrderedList(vec![b, a]);
        assert!(!ordered.same_effect(&reordered));
        assert_ne!(ordered.identity_text(), reordered.identity_text());
        assert_ne!(ordered.identity_text(), set.identity_text());
    }

    #[test]
    fn identity_texts_tell_types_apart_and_never_show_secrets() {
        assert_ne!(
            SettingValue::Integer(1).identity_text(),
            SettingValue::String("1".to_owned()).identity_text()
        );
        assert_eq!(
            choice("x_1", "1", Some("On")).identity_text(),
            SettingValue::Integer(1).identity_text()
        );
        let secret = SettingValue::Secret { digest: 0xabc };
        assert_eq!(secret.identity_text(), "x:0000000000000abc");
        // The separator cannot be forged by a string value.
        assert_ne!(
            SettingValue::List(vec![SettingValue::String("a,s:1:b".to_owned())]).identity_text(),
            SettingValue::List(vec![
                SettingValue::String("a".to_owned()),
                SettingValue::String("b".to_owned())
            ])
            .identity_text()
        );
    }

    #[test]
    fn value_ranges_flag_integers_outside_them() {
        let range = ValueRange {
            minimum: 1,
            maximum: 99,
        };
        assert!(range.contains(1) && range.contains(99) && !range.contains(100));
        assert_eq!(range.to_string(), "1..=99");
    }

    #[test]
    fn properties_keep_the_first_value_of_a_name_and_are_found_by_name() {
        let properties: Properties = [
            (Text::from("osVersion"), InventoryValue::text("10.0.22631")),
            (
                Text::from("manufacturer"),
                InventoryValue::text("Dell Inc."),
            ),
            (Text::from("osVersion"), InventoryValue::text("10.0.19045")),
        ]
        .into_iter()
        .collect();
        assert_eq!(properties.len(), 2);
        assert_eq!(
            properties.get("osVersion"),
            Some(&InventoryValue::text("10.0.22631"))
        );
        assert_eq!(properties.get("model"), None);
        assert_eq!(
            properties.names().collect::<Vec<_>>(),
            vec!["manufacturer", "osVersion"]
        );
        let mut properties = properties;
        assert_eq!(properties.insert("model", InventoryValue::Bool(true)), None);
        assert_eq!(
            properties.insert("model", InventoryValue::text("OptiPlex")),
            Some(InventoryValue::Bool(true))
        );
        assert_eq!(
            properties.names().collect::<Vec<_>>(),
            vec!["manufacturer", "model", "osVersion"]
        );
    }
}
