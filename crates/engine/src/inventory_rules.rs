//! The tenant's rules, parsed once: every dynamic group's membership rule and
//! every assignment filter's rule, as expressions for evaluation on inventory
//! records and as formulas for the decision procedure; with the inventory's
//! devices and users read into the shared attribute vocabulary.

use std::collections::BTreeSet;

use fixedbitset::FixedBitSet;
use preflight_normalizer::{Device, GroupMembership, InventoryValue, Platform, Tenant, User};
use preflight_parser::rule_language::{
    Attribute, AttributeValue, Attributes, Rule, RuleError, RuleLanguage, Subject, evaluate,
    os_types_of_platform, parse_rule,
};
use rayon::prelude::*;

use crate::rule_sets::{AttributeIndex, attributes_read};

/// What a rule says about one device or user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleVerdict {
    /// The record satisfies the rule.
    Matches,
    /// The record does not satisfy the rule.
    DoesNotMatch,
    /// The rule is about the other kind of object (a `user.` rule on a device).
    NotApplicable,
    /// The rule cannot be evaluated on the record (it does not parse, or holds a
    /// test preflight does not decide).
    Unknown,
}

/// Parsed rules and inventory attributes, shared by the whole run.
#[derive(Debug, Default)]
pub struct InventoryRules {
    /// Each group's parsed rule, by group index (`None`: a static group).
    groups: Vec<Option<Result<Rule, RuleError>>>,
    /// Each filter's parsed rule, by filter index.
    filters: Vec<Result<Rule, RuleError>>,
    /// Each inventory device's attributes, by device index: only when some
    /// device rule could not be decided for all devices at once (empty otherwise).
    device_attributes: Vec<Attributes>,
    /// Each inventory user's attributes, by user index, likewise.
    user_attributes: Vec<Attributes>,
    /// Each dynamic group's members among the inventory's devices (a `device.`
    /// rule) or users (a `user.` rule), decided for all of them at once; `None`
    /// where that could not be done (a static group, a rule that does not parse
    /// or holds a test decided only record by record).
    group_sets: Vec<Option<FixedBitSet>>,
    /// Each filter's matching inventory devices (of its platform), likewise.
    filter_sets: Vec<Option<FixedBitSet>>,
    /// The inventory devices of each platform, for the platforms some device
    /// has: what bounds filters and policies to their platforms.
    devices_of_platform: Vec<(Platform, FixedBitSet)>,
}

impl InventoryRules {
    /// Parses every rule of `tenant` and reads its inventory's attributes.
    pub fn build(tenant: &Tenant) -> Self {
        let groups: Vec<Option<Result<Rule, RuleError>>> = tenant
            .groups
            .par_iter()
            .map(|group| match &group.membership {
                GroupMembership::Dynamic { rule, .. } => {
                    Some(parse_rule(RuleLanguage::MembershipRule, rule))
                }
                GroupMembership::Static => None,
            })
            .collect();
        let filters: Vec<Result<Rule, RuleError>> = tenant
            .filters
            .par_iter()
            .map(|filter| parse_rule(RuleLanguage::FilterRule, &filter.rule))
            .collect();
        let mut reads = BTreeSet::new();
        let group_rules = groups
            .iter()
            .filter_map(|rule| rule.as_ref()?.as_ref().ok());
        let filter_rules = filters.iter().filter_map(|rule| rule.as_ref().ok());
        for rule in group_rules.chain(filter_rules) {
            attributes_read(&rule.expression, &mut reads);
        }
        let mut rules = Self {
            groups,
            filters,
            device_attributes: Vec::new(),
            user_attributes: Vec::new(),
            group_sets: Vec::new(),
            filter_sets: Vec::new(),
            devices_of_platform: devices_of_platform(tenant),
        };
        if !tenant.devices.is_empty() || !tenant.users.is_empty() {
            // Each subject's attributes apart: a rule reads those of one.
            let reads: (BTreeSet<Attribute>, BTreeSet<Attribute>) = reads
                .into_iter()
                .partition(|attribute| attribute.subject() == Subject::Device);
            rules.decide_on_whole_inventory(tenant, &reads);
            rules.read_attributes_rules_need(tenant, &reads);
        }
        rules
    }

    /// Reads each record's attributes, for the subjects with a rule that was
    /// not decided for the whole inventory at once: only those are decided
    /// record by record. Only the attributes some rule reads are read.
    /// `reads`: the device attributes and the user attributes the rules read.
    fn read_attributes_rules_need(
        &mut self,
        tenant: &Tenant,
        (device_reads, user_reads): &(BTreeSet<Attribute>, BTreeSet<Attribute>),
    ) {
        let mut needed = BTreeSet::new();
        for group in 0..self.groups.len() {
            if let Some(rule) = self.group_rule(group)
                && self.group_sets.get(group).is_none_or(Option::is_none)
            {
                needed.insert(rule.subject);
            }
        }
        for filter in 0..self.filters.len() {
            if self.filter_rule(filter).is_some()
                && self.filter_sets.get(filter).is_none_or(Option::is_none)
            {
                needed.insert(Subject::Device);
            }
        }
        if needed.contains(&Subject::Device) {
            let device_reads: Vec<&Attribute> = device_reads.iter().collect();
            self.device_attributes = tenant
                .devices
                .par_iter()
                .map(|device| device_attributes(device, &device_reads))
                .collect();
        }
        if needed.contains(&Subject::User) {
            let user_reads: Vec<&Attribute> = user_reads.iter().collect();
            self.user_attributes = tenant
                .users
                .par_iter()
                .map(|user| user_attributes(user, &user_reads))
                .collect();
        }
    }

    /// Decides every group and filter rule on all the inventory's records at once
    /// (see [`crate::rule_sets`]).
    /// `reads`: the device attributes and the user attributes the rules read.
    fn decide_on_whole_inventory(
        &mut self,
        tenant: &Tenant,
        (device_reads, user_reads): &(BTreeSet<Attribute>, BTreeSet<Attribute>),
    ) {
        // Read straight from the records, one pass over them for each group of
        // columns.
        let (devices, users) = rayon::join(
            || {
                AttributeIndex::read(
                    tenant.devices.len(),
                    device_reads,
                    |device, wanted, values| {
                        let reading = DeviceReading::of(&tenant.devices[device]);
                        values.extend(wanted.iter().map(|attribute| reading.value(attribute)));
                    },
                )
            },
            || {
                AttributeIndex::read(tenant.users.len(), user_reads, |user, wanted, values| {
                    let user = &tenant.users[user];
                    values.extend(wanted.iter().map(|attribute| user_value(user, attribute)));
                })
            },
        );
        // Every rule of a subject at once, so comparisons they share are decided once.
        let decide =
            |index: &AttributeIndex, rules: Vec<Option<&Rule>>| -> Vec<Option<FixedBitSet>> {
                let present: Vec<&Rule> = rules.iter().flatten().copied().collect();
                let mut decided = index.records_matching_each(&present).into_iter();
                rules
                    .iter()
                    .map(|rule| rule.and_then(|_| decided.next().flatten()))
                    .collect()
            };
        let of_subject = |subject: Subject| -> Vec<Option<&Rule>> {
            (0..self.groups.len())
                .map(|group| {
                    self.group_rule(group)
                        .filter(|rule| rule.subject == subject)
                })
                .collect()
        };
        let device_groups = decide(&devices, of_subject(Subject::Device));
        let user_groups = decide(&users, of_subject(Subject::User));
        self.group_sets = device_groups
            .into_iter()
            .zip(user_groups)
            .map(|(device, user)| device.or(user))
            .collect();
        let filter_rules: Vec<Option<&Rule>> = (0..self.filters.len())
            .map(|filter| {
                self.filter_rule(filter)
                    .filter(|rule| rule.subject == Subject::Device)
            })
            .collect();
        let filter_matching = decide(&devices, filter_rules);
        self.filter_sets = filter_matching
            .into_iter()
            .enumerate()
            .map(|(filter, matching)| {
                let mut matching = matching?;
                // A filter only matches devices of its platform (or of none known).
                if let Some(platform) = tenant
                    .filters
                    .get(filter)
                    .and_then(|filter| filter.platform)
                {
                    for (other, of_other) in &self.devices_of_platform {
                        if *other != platform {
                            matching.difference_with(of_other);
                        }
                    }
                }
                Some(matching)
            })
            .collect();
    }

    /// The inventory records dynamic group `group`'s rule holds for, decided for
    /// all at once: devices for a `device.` rule, users for a `user.` rule;
    /// `None` when not decided that way (ask record by record).
    pub fn group_members(&self, group: usize) -> Option<(Subject, &FixedBitSet)> {
        let set = self.group_sets.get(group)?.as_ref()?;
        Some((self.group_rule(group)?.subject, set))
    }

    /// The inventory devices of each platform, for the platforms some device has
    /// (devices of no known platform are in none).
    pub fn devices_of_platforms(&self) -> &[(Platform, FixedBitSet)] {
        &self.devices_of_platform
    }

    /// The inventory devices filter `filter` matches (of its platform), decided
    /// for all at once; `None` when not decided that way (ask device by device).
    pub fn filter_matches(&self, filter: usize) -> Option<&FixedBitSet> {
        self.filter_sets.get(filter)?.as_ref()
    }

    /// Group `index`'s parsed rule, when it is dynamic and parses.
    pub fn group_rule(&self, index: usize) -> Option<&Rule> {
        self.groups.get(index)?.as_ref()?.as_ref().ok()
    }

    /// Group `index`'s rule error, when its rule does not parse.
    pub fn group_error(&self, index: usize) -> Option<&RuleError> {
        self.groups.get(index)?.as_ref()?.as_ref().err()
    }

    /// Filter `index`'s parsed rule, when it parses.
    pub fn filter_rule(&self, index: usize) -> Option<&Rule> {
        self.filters.get(index)?.as_ref().ok()
    }

    /// Filter `index`'s rule error, when its rule does not parse.
    pub fn filter_error(&self, index: usize) -> Option<&RuleError> {
        self.filters.get(index)?.as_ref().err()
    }

    /// A dynamic group's rule on inventory device `device`.
    pub fn group_on_device(&self, group: usize, device: usize) -> RuleVerdict {
        match self.group_rule(group) {
            Some(rule) if rule.subject == Subject::User => RuleVerdict::NotApplicable,
            Some(rule) => match self.group_members(group) {
                Some((_, set)) => set_verdict(set, device),
                None => verdict(rule, self.device_attributes.get(device)),
            },
            None => RuleVerdict::Unknown,
        }
    }

    /// A dynamic group's rule on inventory user `user`.
    pub fn group_on_user(&self, group: usize, user: usize) -> RuleVerdict {
        match self.group_rule(group) {
            Some(rule) if rule.subject == Subject::Device => RuleVerdict::NotApplicable,
            Some(rule) => match self.group_members(group) {
                Some((_, set)) => set_verdict(set, user),
                None => verdict(rule, self.user_attributes.get(user)),
            },
            None => RuleVerdict::Unknown,
        }
    }

    /// An assignment filter on inventory device `device`: a filter only matches
    /// devices of its platform.
    pub fn filter_on_device(&self, tenant: &Tenant, filter: usize, device: usize) -> RuleVerdict {
        let Some(rule) = self.filter_rule(filter) else {
            return RuleVerdict::Unknown;
        };
        if let Some(set) = self.filter_matches(filter) {
            return set_verdict(set, device);
        }
        if let (Some(filter_platform), Some(device_platform)) = (
            tenant
                .filters
                .get(filter)
                .and_then(|filter| filter.platform),
            tenant
                .devices
                .get(device)
                .and_then(|device| device.platform),
        ) && filter_platform != device_platform
        {
            return RuleVerdict::DoesNotMatch;
        }
        verdict(rule, self.device_attributes.get(device))
    }
}

/// The inventory devices of each platform, for the platforms some device has.
fn devices_of_platform(tenant: &Tenant) -> Vec<(Platform, FixedBitSet)> {
    let mut sets: Vec<(Platform, FixedBitSet)> = Vec::new();
    for (index, device) in tenant.devices.iter().enumerate() {
        let Some(platform) = device.platform else {
            continue;
        };
        let position = match sets.iter().position(|(known, _)| *known == platform) {
            Some(position) => position,
            None => {
                sets.push((platform, FixedBitSet::with_capacity(tenant.devices.len())));
                sets.len() - 1
            }
        };
        sets[position].1.insert(index);
    }
    sets
}

/// The verdict of a rule decided as a set, on record `record`.
fn set_verdict(set: &FixedBitSet, record: usize) -> RuleVerdict {
    if record >= set.len() {
        RuleVerdict::Unknown
    } else if set.contains(record) {
        RuleVerdict::Matches
    } else {
        RuleVerdict::DoesNotMatch
    }
}

fn verdict(rule: &Rule, attributes: Option<&Attributes>) -> RuleVerdict {
    let Some(attributes) = attributes else {
        return RuleVerdict::Unknown;
    };
    match evaluate(rule, attributes) {
        Some(true) => RuleVerdict::Matches,
        Some(false) => RuleVerdict::DoesNotMatch,
        None => RuleVerdict::Unknown,
    }
}

/// The OS types (canonical) of a platform.
pub fn os_types(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::Windows => os_types_of_platform("windows"),
        Platform::MacOs => os_types_of_platform("macos"),
        Platform::Ios => os_types_of_platform("ios"),
        Platform::Android => os_types_of_platform("android"),
        Platform::Linux => os_types_of_platform("linux"),
    }
}

/// The device properties preflight reads by name into its own attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KnownProperty {
    DeviceOsType,
    OperatingSystem,
    Model,
    OsVersion,
    OperatingSystemVersion,
    Manufacturer,
    DeviceOwnership,
    ManagedDeviceOwnerType,
    OwnerType,
    TrustType,
    DeviceTrustType,
    EnrollmentProfileName,
    DeviceCategoryDisplayName,
    DeviceCategory,
    PhysicalIds,
    IsManaged,
}

impl KnownProperty {
    /// How many there are.
    const COUNT: usize = KnownProperty::IsManaged as usize + 1;

    /// The property named `name` (as Graph spells it), if preflight knows it.
    fn named(name: &str) -> Option<Self> {
        Some(match name {
            "deviceOSType" => KnownProperty::DeviceOsType,
            "operatingSystem" => KnownProperty::OperatingSystem,
            "model" => KnownProperty::Model,
            "osVersion" => KnownProperty::OsVersion,
            "operatingSystemVersion" => KnownProperty::OperatingSystemVersion,
            "manufacturer" => KnownProperty::Manufacturer,
            "deviceOwnership" => KnownProperty::DeviceOwnership,
            "managedDeviceOwnerType" => KnownProperty::ManagedDeviceOwnerType,
            "ownerType" => KnownProperty::OwnerType,
            "trustType" => KnownProperty::TrustType,
            "deviceTrustType" => KnownProperty::DeviceTrustType,
            "enrollmentProfileName" => KnownProperty::EnrollmentProfileName,
            "deviceCategoryDisplayName" => KnownProperty::DeviceCategoryDisplayName,
            "deviceCategory" => KnownProperty::DeviceCategory,
            "physicalIds" => KnownProperty::PhysicalIds,
            "isManaged" => KnownProperty::IsManaged,
            _ => return None,
        })
    }
}

/// The values of a device's [`KnownProperty`]s, found in one pass over its
/// properties: a dozen searches by name for each of 200,000 devices cost
/// more than everything else done to read their attributes.
struct KnownValues<'properties> {
    values: [Option<&'properties InventoryValue>; KnownProperty::COUNT],
}

impl<'properties> KnownValues<'properties> {
    /// The value of `property`.
    fn get(&self, property: KnownProperty) -> Option<&'properties InventoryValue> {
        self.values[property as usize]
    }

    /// The first of `properties` that holds a text not blank, borrowed (copying
    /// each only to lowercase the copy doubled the allocations of reading
    /// 200,000 devices).
    fn text(&self, properties: &[KnownProperty]) -> Option<&'properties str> {
        properties
            .iter()
            .find_map(|&property| match self.get(property) {
                Some(InventoryValue::String(text)) if !text.trim().is_empty() => {
                    Some(text.as_str())
                }
                _ => None,
            })
    }
}

/// A device's attributes, read one at a time from its managed device and
/// Entra ID records (its known properties found once, in one pass).
struct DeviceReading<'device> {
    device: &'device Device,
    known: KnownValues<'device>,
}

impl<'device> DeviceReading<'device> {
    /// Notes `device`'s known properties.
    fn of(device: &'device Device) -> Self {
        let mut known = KnownValues {
            values: [None; KnownProperty::COUNT],
        };
        for (name, value) in device.properties.iter() {
            if let Some(property) = KnownProperty::named(name) {
                known.values[property as usize] = Some(value);
            }
        }
        Self { device, known }
    }

    /// The device's value of `attribute`, canonical; `None` when it is not set
    /// (or is a user's attribute).
    fn value(&self, attribute: &Attribute) -> Option<AttributeValue> {
        use KnownProperty as Known;
        let known = &self.known;
        let text = match attribute {
            Attribute::OsType => self.os_type(),
            Attribute::OsVersion => known.text(&[Known::OsVersion, Known::OperatingSystemVersion]),
            Attribute::Manufacturer => known.text(&[Known::Manufacturer]),
            Attribute::Model => known.text(&[Known::Model]),
            Attribute::DeviceName => Some(self.device.name.as_str()),
            Attribute::Ownership => known.text(&[
                Known::DeviceOwnership,
                Known::ManagedDeviceOwnerType,
                Known::OwnerType,
            ]),
            Attribute::TrustType => known.text(&[Known::TrustType, Known::DeviceTrustType]),
            Attribute::EnrollmentProfileName => known.text(&[Known::EnrollmentProfileName]),
            Attribute::DeviceCategory => {
                known.text(&[Known::DeviceCategoryDisplayName, Known::DeviceCategory])
            }
            Attribute::PhysicalIds => {
                return match known.get(Known::PhysicalIds) {
                    Some(InventoryValue::List(ids)) => Some(AttributeValue::List(
                        ids.iter().map(|id| id.to_lowercase()).collect(),
                    )),
                    _ => None,
                };
            }
            Attribute::Named(Subject::Device, name) => return self.named(name),
            Attribute::Named(Subject::User, _) => return None,
        };
        text.map(|text| AttributeValue::Text(attribute.canonical_value(text)))
    }

    /// The OS type: `deviceOSType`, else the operating system (iPads and
    /// iPhones told apart by model, macOS as `MacMDM`).
    fn os_type(&self) -> Option<&'device str> {
        use KnownProperty as Known;
        let known = &self.known;
        known.text(&[Known::DeviceOsType]).or_else(|| {
            let system = known.text(&[Known::OperatingSystem])?;
            let model = known
                .text(&[Known::Model])
                .unwrap_or_default()
                .to_lowercase();
            Some(match system.to_lowercase().as_str() {
                "ios" | "ipados" if model.starts_with("ipad") => "iPad",
                "ios" if model.starts_with("iphone") => "iPhone",
                "macos" => "MacMDM",
                _ => system,
            })
        })
    }

    /// Another property, by its lowercased name `name` (the first property so
    /// named in any case, in name order); `managementType` is `MDM` for a device Intune
    /// manages when the records do not say.
    fn named(&self, name: &str) -> Option<AttributeValue> {
        let property = self
            .device
            .properties
            .iter()
            .find(|(property, _)| property.eq_ignore_ascii_case(name));
        match property {
            Some((_, value)) => Some(canonical_inventory_value(value)),
            None if name == "managementtype"
                && (self.device.managed_device_id.is_some()
                    || matches!(
                        self.known.get(KnownProperty::IsManaged),
                        Some(InventoryValue::Bool(true))
                    )) =>
            {
                Some(AttributeValue::Text("mdm".to_owned()))
            }
            None => None,
        }
    }
}

/// A property's value as a rule compares it: texts lowercased.
fn canonical_inventory_value(value: &InventoryValue) -> AttributeValue {
    match value {
        InventoryValue::String(text) => AttributeValue::Text(text.to_lowercase()),
        InventoryValue::Bool(flag) => AttributeValue::Bool(*flag),
        InventoryValue::List(items) => {
            AttributeValue::List(items.iter().map(|item| item.to_lowercase()).collect())
        }
    }
}

/// A device's values of `reads` (the attributes some rule reads), for deciding
/// rules on it alone.
fn device_attributes(device: &Device, reads: &[&Attribute]) -> Attributes {
    let reading = DeviceReading::of(device);
    reads
        .iter()
        .filter_map(|&attribute| Some((attribute.clone(), reading.value(attribute)?)))
        .collect()
}

/// A user's value of `attribute`: the last property named as it is in any
/// case, in name order; `None` for a device's attribute.
fn user_value(user: &User, attribute: &Attribute) -> Option<AttributeValue> {
    let Attribute::Named(Subject::User, name) = attribute else {
        return None;
    };
    user.properties
        .iter()
        .filter(|(property, _)| property.eq_ignore_ascii_case(name))
        .last()
        .map(|(_, value)| canonical_inventory_value(value))
}

/// A user's values of `reads`, for deciding rules on them alone.
fn user_attributes(user: &User, reads: &[&Attribute]) -> Attributes {
    reads
        .iter()
        .filter_map(|&attribute| Some((attribute.clone(), user_value(user, attribute)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use preflight_normalizer::{Device, InventoryValue, User};
    use preflight_parser::rule_language::{Attribute, AttributeValue, Subject};

    use super::{device_attributes, user_attributes};

    fn location() -> preflight_parser::SourceLocation {
        preflight_parser::SourceLocation {
            file: preflight_parser::FileId(0),
            span: preflight_parser::Span::default(),
        }
    }

    fn properties(properties: &[(&str, InventoryValue)]) -> preflight_normalizer::Properties {
        properties
            .iter()
            .map(|(name, value)| ((*name).into(), value.clone()))
            .collect()
    }

    fn device(properties_written: &[(&str, InventoryValue)]) -> Device {
        Device {
            object_id: None,
            device_id: None,
            managed_device_id: None,
            name: "KIOSK-01".to_owned(),
            platform: None,
            primary_user_id: None,
            primary_user_principal_name: None,
            signed_in_user_ids: Vec::new(),
            properties: properties(properties_written),
            source: location(),
        }
    }

    fn user(name: &str, properties_written: &[(&str, InventoryValue)]) -> User {
        User {
            object_id: None,
            user_principal_name: format!("{name}@contoso.com"),
            properties: properties(properties_written),
            source: location(),
        }
    }

    fn text(value: &str) -> InventoryValue {
        InventoryValue::String(value.into())
    }

    fn read(attributes: &super::Attributes, attribute: Attribute) -> Option<String> {
        match attributes.get(&attribute)? {
            AttributeValue::Text(text) => Some(text.clone()),
            other => Some(format!("{other:?}")),
        }
    }

    #[test]
    fn known_properties_are_read_in_their_order_of_preference_and_blank_ones_skipped() {
        let attributes = device_attributes(
            &device(&[
                ("operatingSystem", text("iOS")),
                ("model", text("iPad Air (5th generation)")),
                ("osVersion", text("  ")),
                ("operatingSystemVersion", text("18.1.1")),
                ("managedDeviceOwnerType", text("company")),
                ("ownerType", text("personal")),
                ("deviceTrustType", text("AzureAd")),
                ("deviceCategory", text("Shared")),
                (
                    "physicalIds",
                    InventoryValue::List(vec!["[ZTDID]:ABC".into()]),
                ),
                ("isManaged", InventoryValue::Bool(true)),
            ]),
            &[
                &Attribute::OsType,
                &Attribute::OsVersion,
                &Attribute::Manufacturer,
                &Attribute::DeviceName,
                &Attribute::Ownership,
                &Attribute::TrustType,
                &Attribute::DeviceCategory,
                &Attribute::PhysicalIds,
            ],
        );
        assert_eq!(
            read(&attributes, Attribute::OsType).as_deref(),
            Some("ipad")
        );
        assert_eq!(
            read(&attributes, Attribute::OsVersion).as_deref(),
            Some("18.1.1")
        );
        assert_eq!(
            read(&attributes, Attribute::Ownership).as_deref(),
            Some("corporate")
        );
        assert_eq!(
            read(&attributes, Attribute::TrustType).as_deref(),
            Some("joined")
        );
        assert_eq!(
            read(&attributes, Attribute::DeviceCategory).as_deref(),
            Some("shared")
        );
        assert_eq!(
            read(&attributes, Attribute::DeviceName).as_deref(),
            Some("kiosk-01")
        );
        assert_eq!(read(&attributes, Attribute::Manufacturer), None);
        assert_eq!(
            attributes.get(&Attribute::PhysicalIds),
            Some(&AttributeValue::List(vec!["[ztdid]:abc".to_owned()]))
        );
        // Only what is asked for is read.
        assert_eq!(read(&attributes, Attribute::Model), None);
        assert_eq!(attributes.len(), 7);
    }

    #[test]
    fn other_properties_are_read_by_name_in_any_case_the_first_so_named_in_name_order() {
        let named = |name: &str| Attribute::Named(Subject::Device, name.to_owned());
        let attributes = device_attributes(
            &device(&[
                ("deviceOSType", text("Windows")),
                ("operatingSystem", text("macOS")),
                ("extensionAttribute1", text("Finance")),
                ("EXTENSIONATTRIBUTE1", text("Legal")),
                ("isCompliant", InventoryValue::Bool(true)),
                ("isManaged", InventoryValue::Bool(true)),
            ]),
            &[
                &Attribute::OsType,
                &named("extensionattribute1"),
                &named("iscompliant"),
                &named("managementtype"),
                &Attribute::Named(Subject::User, "department".to_owned()),
            ],
        );
        assert_eq!(
            read(&attributes, Attribute::OsType).as_deref(),
            Some("windows")
        );
        assert_eq!(
            read(&attributes, named("extensionattribute1")).as_deref(),
            Some("legal")
        );
        assert_eq!(
            attributes.get(&named("iscompliant")),
            Some(&AttributeValue::Bool(true))
        );
        assert_eq!(
            read(&attributes, named("managementtype")).as_deref(),
            Some("mdm")
        );
        // A user's attribute is never a device's.
        assert_eq!(attributes.len(), 4);
    }

    #[test]
    fn a_device_intune_does_not_manage_has_no_management_type_unless_it_says() {
        let managementtype = Attribute::Named(Subject::Device, "managementtype".to_owned());
        let unmanaged = device(&[("isManaged", InventoryValue::Bool(false))]);
        assert!(device_attributes(&unmanaged, &[&managementtype]).is_empty());
        let stated = device(&[
            ("isManaged", InventoryValue::Bool(true)),
            ("managementType", text("EAS")),
        ]);
        assert_eq!(
            read(
                &device_attributes(&stated, &[&managementtype]),
                managementtype.clone()
            )
            .as_deref(),
            Some("eas")
        );
    }

    /// A rule the index cannot decide for all users at once (an opaque test)
    /// is decided user by user, from attributes read only then; the one beside
    /// it is decided as a set, and both agree with the users' records.
    #[test]
    fn a_rule_not_decided_for_all_at_once_is_decided_record_by_record() {
        use preflight_normalizer::{Group, GroupId, GroupMembership, GroupOrigin, Tenant};

        use super::{InventoryRules, RuleVerdict};

        let location = location();
        let group = |rule: &str| Group {
            id: GroupId(rule.to_owned()),
            name: rule.to_owned(),
            membership: GroupMembership::Dynamic {
                rule: rule.to_owned(),
                rule_source: location,
            },
            members: None,
            transitive_members: None,
            origin: GroupOrigin::Directory,
            source: location,
        };
        let tenant = Tenant {
            users: vec![
                user("adele", &[("department", text("Sales"))]),
                user("lee", &[("department", text("Legal"))]),
            ],
            groups: vec![
                group(
                    r#"(user.assignedPlans -any (assignedPlan.servicePlanId -eq "c1ec" -and assignedPlan.capabilityStatus -eq "Enabled")) or (user.department -eq "Sales")"#,
                ),
                group(r#"user.department -eq "Sales""#),
            ],
            ..Tenant::default()
        };
        let rules = InventoryRules::build(&tenant);
        assert!(rules.group_members(0).is_none());
        assert!(rules.group_members(1).is_some());
        assert_eq!(rules.user_attributes.len(), 2);
        assert!(rules.device_attributes.is_empty());
        assert_eq!(rules.group_on_user(0, 0), RuleVerdict::Matches);
        assert_eq!(rules.group_on_user(0, 1), RuleVerdict::Unknown);
        assert_eq!(rules.group_on_user(1, 0), RuleVerdict::Matches);
        assert_eq!(rules.group_on_user(1, 1), RuleVerdict::DoesNotMatch);
    }

    #[test]
    fn a_users_attribute_is_its_last_property_so_named_in_any_case_in_name_order() {
        let user = user(
            "adele",
            &[
                ("department", text("Sales")),
                ("Department", text("Legal")),
                ("accountEnabled", InventoryValue::Bool(true)),
            ],
        );
        let department = Attribute::Named(Subject::User, "department".to_owned());
        let attributes = user_attributes(&user, &[&department, &Attribute::DeviceName]);
        assert_eq!(read(&attributes, department).as_deref(), Some("sales"));
        assert_eq!(attributes.len(), 1);
    }
}
