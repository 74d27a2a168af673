//! The directory of the synthetic company: users and devices (each regenerated
//! from its index, never stored), groups with their membership rules or members,
//! and assignment filters.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::rng::SplitMix64;
use super::vocabulary::{
    COMPANIES, DEPARTMENTS, DEVICE_CATEGORIES, ENROLLMENT_PROFILES, GIVEN_NAMES, GROUP_PURPOSES,
    JOB_TITLES, OFFICES, SURNAMES, WINDOWS_HARDWARE, WINDOWS_VERSIONS,
};
use super::{TenantSize, unique_name};

// Domains of the per-object random streams.
const USER_STREAM: u64 = 1;
const DEVICE_STREAM: u64 = 2;
const GROUP_STREAM: u64 = 3;
const FILTER_STREAM: u64 = 4;
const DIRECTORY_STREAM: u64 = 5;
const MEMBER_STREAM: u64 = 6;

/// An index in `0..count` skewed toward 0 (the minimum of two uniform draws), for
/// lists ordered from most to least common.
fn skewed_below(rng: &mut SplitMix64, count: usize) -> usize {
    rng.below(count).min(rng.below(count))
}

/// A user, as `users` in Graph returns it.
pub struct User {
    /// Object id.
    pub id: String,
    /// Sign-in name.
    pub user_principal_name: String,
    /// Display name.
    pub display_name: String,
    department: &'static str,
    job_title: &'static str,
    office: (&'static str, &'static str, &'static str),
    company: &'static str,
    account_enabled: bool,
}

impl User {
    /// User `index` of the tenant generated from `seed`.
    pub fn generate(seed: u64, index: usize) -> Self {
        let mut rng = SplitMix64::derive(seed, USER_STREAM, index as u64);
        let id = rng.guid();
        let given = rng.pick(GIVEN_NAMES);
        let surname = rng.pick(SURNAMES);
        Self {
            id,
            user_principal_name: format!(
                "{}.{}{index}@contoso.com",
                ascii_lowercase(given),
                ascii_lowercase(surname)
            ),
            display_name: format!("{given} {surname}"),
            department: DEPARTMENTS[skewed_below(&mut rng, DEPARTMENTS.len())],
            job_title: *rng.pick(JOB_TITLES),
            office: OFFICES[skewed_below(&mut rng, OFFICES.len())],
            company: COMPANIES[skewed_below(&mut rng, COMPANIES.len())],
            account_enabled: !rng.chance(0.03),
        }
    }

    /// The Graph `user` object.
    pub fn to_graph_json(&self) -> Value {
        let (country, city, usage_location) = self.office;
        json!({
            "id": self.id,
            "userPrincipalName": self.user_principal_name,
            "displayName": self.display_name,
            "department": self.department,
            "jobTitle": self.job_title,
            "country": country,
            "city": city,
            "companyName": self.company,
            "usageLocation": usage_location,
            "accountEnabled": self.account_enabled,
        })
    }
}

/// Keeps ASCII letters of a name for an address (`Björn` → `bjrn`).
fn ascii_lowercase(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphabetic)
        .map(|character| character.to_ascii_lowercase())
        .collect()
}

/// The operating system of a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OperatingSystem {
    Windows,
    MacOs,
    Ios,
    Android,
}

/// How a Windows device is joined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Join {
    EntraJoined,
    HybridJoined,
    Registered,
}

/// A device: one Intune managed device and its Entra device object.
pub struct Device {
    managed_id: String,
    object_id: String,
    /// The Entra `deviceId` (Intune's `azureADDeviceId`).
    device_id: String,
    /// Device name.
    pub name: String,
    os: OperatingSystem,
    os_version: &'static str,
    manufacturer: &'static str,
    model: &'static str,
    company_owned: bool,
    join: Join,
    user: Option<usize>,
    enrolled: String,
    enrollment_profile: Option<&'static str>,
    category: &'static str,
    order_tag: String,
    hardware_hash: u64,
}

impl Device {
    /// Device `index` of a tenant generated from `seed` with `users` users.
    pub fn generate(seed: u64, index: usize, users: usize) -> Self {
        let mut rng = SplitMix64::derive(seed, DEVICE_STREAM, index as u64);
        let managed_id = rng.guid();
        let object_id = rng.guid();
        let device_id = rng.guid();
        let roll = rng.below(100);
        let os = match roll {
            0..80 => OperatingSystem::Windows,
            80..88 => OperatingSystem::MacOs,
            88..96 => OperatingSystem::Ios,
            _ => OperatingSystem::Android,
        };
        let category = DEVICE_CATEGORIES[skewed_below(&mut rng, DEVICE_CATEGORIES.len())];
        let company_owned = !rng.chance(0.12);
        let user = (category != "Kiosk" && users > 0).then(|| rng.below(users));
        let (manufacturer, model, os_version) = match os {
            OperatingSystem::Windows => {
                let (manufacturer, models) =
                    WINDOWS_HARDWARE[skewed_below(&mut rng, WINDOWS_HARDWARE.len())];
                let model = *rng.pick(models);
                let version = WINDOWS_VERSIONS[skewed_below(&mut rng, WINDOWS_VERSIONS.len())];
                (manufacturer, model, version)
            }
            OperatingSystem::MacOs => (
                "Apple",
                *rng.pick(&[
                    "MacBook Pro (14-inch, 2023)",
                    "MacBook Air (M2, 2022)",
                    "Mac mini (2023)",
                ]),
                *rng.pick(&["14.7.1", "15.1.1", "15.0.1", "13.7.1"]),
            ),
            OperatingSystem::Ios => (
                "Apple",
                *rng.pick(&[
                    "iPhone 15",
                    "iPhone 14",
                    "iPhone 13",
                    "iPad Air (5th generation)",
                ]),
                *rng.pick(&["18.1.1", "17.7.2", "18.0.1"]),
            ),
            OperatingSystem::Android => (
                *rng.pick(&["samsung", "Google", "motorola"]),
                *rng.pick(&["SM-S918B", "Pixel 8", "moto g84 5G", "SM-A546B"]),
                *rng.pick(&["14", "13", "15"]),
            ),
        };
        let join = match os {
            OperatingSystem::Windows if !company_owned => Join::Registered,
            OperatingSystem::Windows if rng.chance(0.35) => Join::HybridJoined,
            OperatingSystem::Windows => Join::EntraJoined,
            _ => Join::Registered,
        };
        let enrollment_profile = match (os, join) {
            (OperatingSystem::Windows, Join::EntraJoined) => Some(if category == "Kiosk" {
                "Autopilot - Kiosk"
            } else {
                ENROLLMENT_PROFILES[skewed_below(&mut rng, 4)]
            }),
            (OperatingSystem::Ios, _) if company_owned => Some("ADE - Corporate iPhone"),
            _ => None,
        };
        let prefix = match (os, category) {
            (OperatingSystem::Windows, "Kiosk") => "KIOSK",
            (OperatingSystem::Windows, "Engineering") => "DEV",
            (OperatingSystem::Windows, "Lab") => "LAB",
            (OperatingSystem::Windows, _) => "CTS",
            (OperatingSystem::MacOs, _) => "MAC",
            (OperatingSystem::Ios, _) => "IOS",
            (OperatingSystem::Android, _) => "AND",
        };
        let site = OFFICES[skewed_below(&mut rng, OFFICES.len())].1;
        let site_code: String = site
            .chars()
            .filter(char::is_ascii_alphabetic)
            .take(3)
            .collect();
        let enrolled = date_time(&mut rng);
        let hardware_hash = rng.next_u64();
        Self {
            managed_id,
            object_id,
            device_id,
            name: format!("{prefix}-{}-{index:06}", site_code.to_ascii_uppercase()),
            os,
            os_version,
            manufacturer,
            model,
            company_owned,
            join,
            user,
            enrolled,
            enrollment_profile,
            category,
            order_tag: format!(
                "{}-{site}",
                DEPARTMENTS[skewed_below(&mut rng, DEPARTMENTS.len())]
            ),
            hardware_hash,
        }
    }

    /// The Intune `managedDevice` object (beta: `joinType`, `enrollmentProfileName`).
    pub fn to_managed_device_json(&self, seed: u64, users: usize) -> Value {
        let user = self
            .user
            .filter(|_| users > 0)
            .map(|index| User::generate(seed, index));
        let (operating_system, enrollment_type) = match (self.os, self.join) {
            (OperatingSystem::Windows, Join::EntraJoined) => ("Windows", "windowsAzureADJoin"),
            (OperatingSystem::Windows, Join::HybridJoined) => ("Windows", "windowsCoManagement"),
            (OperatingSystem::Windows, Join::Registered) => ("Windows", "windowsAutoEnrollment"),
            (OperatingSystem::MacOs, _) => ("macOS", "appleBulkWithUser"),
            (OperatingSystem::Ios, _) if self.company_owned => ("iOS", "appleBulkWithUser"),
            (OperatingSystem::Ios, _) => ("iOS", "userEnrollment"),
            (OperatingSystem::Android, _) => ("Android", "userEnrollment"),
        };
        let join_type = match self.join {
            Join::EntraJoined => "azureADJoined",
            Join::HybridJoined => "hybridAzureADJoined",
            Join::Registered => "azureADRegistered",
        };
        json!({
            "id": self.managed_id,
            "deviceName": self.name,
            "operatingSystem": operating_system,
            "osVersion": self.os_version,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "managedDeviceOwnerType": if self.company_owned { "company" } else { "personal" },
            "azureADDeviceId": self.device_id,
            "userId": user.as_ref().map(|user| user.id.clone()),
            "userPrincipalName": user.as_ref().map(|user| user.user_principal_name.clone()),
            "enrolledDateTime": self.enrolled,
            "deviceEnrollmentType": enrollment_type,
            "enrollmentProfileName": self.enrollment_profile,
            "deviceCategoryDisplayName": self.category,
            "joinType": join_type,
        })
    }

    /// The Entra `device` object.
    pub fn to_entra_device_json(&self) -> Value {
        let (operating_system, trust_type) = match (self.os, self.join) {
            (OperatingSystem::Windows, Join::EntraJoined) => ("Windows", "AzureAd"),
            (OperatingSystem::Windows, Join::HybridJoined) => ("Windows", "ServerAd"),
            (OperatingSystem::Windows, Join::Registered) => ("Windows", "Workplace"),
            (OperatingSystem::MacOs, _) => ("MacMDM", "Workplace"),
            (OperatingSystem::Ios, _) => ("IPhone", "Workplace"),
            (OperatingSystem::Android, _) => ("Android", "Workplace"),
        };
        let mut physical_ids = vec![format!("[HWID]:h:{:016x}", self.hardware_hash)];
        if self
            .enrollment_profile
            .is_some_and(|profile| profile.starts_with("Autopilot"))
        {
            physical_ids.insert(0, format!("[ZTDID]:{}", self.object_id));
            physical_ids.push(format!("[OrderId]:{}", self.order_tag));
        }
        json!({
            "id": self.object_id,
            "deviceId": self.device_id,
            "displayName": self.name,
            "operatingSystem": operating_system,
            "operatingSystemVersion": self.os_version,
            "trustType": trust_type,
            "physicalIds": physical_ids,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "deviceOwnership": if self.company_owned { "Company" } else { "Personal" },
            "enrollmentProfileName": self.enrollment_profile,
            "isManaged": true,
            "accountEnabled": true,
        })
    }

    /// The Entra object id, as group members list it.
    pub fn object_id(&self) -> &str {
        &self.object_id
    }
}

/// An ISO 8601 UTC time between 2021 and the end of 2025.
fn date_time(rng: &mut SplitMix64) -> String {
    // Days from 1970-01-01 to 2021-01-01, and five years of days after it.
    let days = 18_628 + rng.below(1_826);
    let (year, month, day) = civil_from_days(days);
    let seconds = rng.below(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: usize) -> (usize, usize, usize) {
    let shifted = days + 719_468;
    let era = shifted / 146_097;
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + usize::from(month <= 2);
    (year, month, day)
}

/// Who a group holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Devices.
    Devices,
    /// Users.
    Users,
}

/// A group: dynamic with a rule, or static with members (generated when written).
pub struct GroupSpec {
    /// Object id.
    pub id: String,
    /// Display name, unique in the tenant.
    pub name: String,
    /// Who it holds.
    pub audience: Audience,
    /// The membership rule of a dynamic group.
    pub rule: Option<String>,
    /// Groups nested in this one: indices of groups later in the list, so
    /// nesting is acyclic.
    pub nested: Vec<usize>,
}

/// A member of a static group.
pub enum Member {
    /// A device, by index.
    Device(usize),
    /// A user, by index.
    User(usize),
    /// A group, by index.
    Group(usize),
}

/// An assignment filter.
pub struct FilterSpec {
    /// Display name, unique in the tenant.
    pub name: String,
    description: String,
    rule: String,
}

impl FilterSpec {
    /// The filter as IntuneCD backs it up.
    pub fn to_intunecd_json(&self) -> Value {
        json!({
            "assignmentFilterManagementType": "devices",
            "description": self.description,
            "displayName": self.name,
            "platform": "windows10AndLater",
            "roleScopeTags": ["0"],
            "rule": self.rule,
        })
    }
}

/// The groups and filters of a tenant, and the counts to regenerate its users and
/// devices.
pub struct Directory {
    /// The seed everything derives from.
    pub seed: u64,
    /// Users in the tenant.
    pub users: usize,
    /// Devices in the tenant.
    pub devices: usize,
    /// Groups: dynamic ones first, then static ones.
    pub groups: Vec<GroupSpec>,
    /// Filters.
    pub filters: Vec<FilterSpec>,
}

impl Directory {
    /// The directory of a tenant of `size` generated from `seed`.
    pub fn new(size: &TenantSize, seed: u64) -> Self {
        let mut rng = SplitMix64::derive(seed, DIRECTORY_STREAM, 0);
        let mut names = BTreeSet::new();
        let dynamic = size.dynamic_groups.min(size.groups);
        let mut groups: Vec<GroupSpec> = (0..size.groups)
            .map(|index| {
                let mut group_rng = SplitMix64::derive(seed, GROUP_STREAM, index as u64);
                let id = group_rng.guid();
                if index < dynamic {
                    let (base, rule, audience) = dynamic_rule(&mut group_rng);
                    GroupSpec {
                        id,
                        name: unique_name(&mut names, format!("DYN - {base}")),
                        audience,
                        rule: Some(rule),
                        nested: Vec::new(),
                    }
                } else {
                    let audience = if group_rng.chance(0.5) {
                        Audience::Devices
                    } else {
                        Audience::Users
                    };
                    let department = DEPARTMENTS[skewed_below(&mut group_rng, DEPARTMENTS.len())];
                    let city = OFFICES[skewed_below(&mut group_rng, OFFICES.len())].1;
                    let purpose = group_rng.pick(GROUP_PURPOSES);
                    let kind = match audience {
                        Audience::Devices => "Devices",
                        Audience::Users => "Users",
                    };
                    GroupSpec {
                        id,
                        name: unique_name(
                            &mut names,
                            format!("SG - {department} - {city} - {purpose} ({kind})"),
                        ),
                        audience,
                        rule: None,
                        nested: Vec::new(),
                    }
                }
            })
            .collect();
        // Nest some static groups: each only into groups after it, so no cycle.
        let count = groups.len();
        for (index, group) in groups.iter_mut().enumerate().skip(dynamic) {
            if index + 1 < count && rng.chance(0.15) {
                let mut nested: Vec<usize> = (0..rng.between(1, 4))
                    .map(|_| index + 1 + rng.below(count - index - 1))
                    .collect();
                nested.sort_unstable();
                nested.dedup();
                group.nested = nested;
            }
        }
        let mut filter_names = BTreeSet::new();
        let filters = (0..size.filters)
            .map(|index| {
                let mut filter_rng = SplitMix64::derive(seed, FILTER_STREAM, index as u64);
                let (base, rule) = filter_rule(&mut filter_rng);
                FilterSpec {
                    name: unique_name(&mut filter_names, format!("Windows - {base}")),
                    description: format!("Windows devices: {base}."),
                    rule,
                }
            })
            .collect();
        Self {
            seed,
            users: size.users,
            devices: size.devices,
            groups,
            filters,
        }
    }

    /// The members of static group `index` (none for a dynamic group).
    pub fn members(&self, index: usize) -> Vec<Member> {
        let Some(group) = self.groups.get(index) else {
            return Vec::new();
        };
        if group.rule.is_some() {
            return Vec::new();
        }
        let mut rng = SplitMix64::derive(self.seed, MEMBER_STREAM, index as u64);
        let population = match group.audience {
            Audience::Devices => self.devices,
            Audience::Users => self.users,
        };
        let cap = (population / 20).clamp(1, 5_000);
        let mut picked: Vec<usize> = if population == 0 {
            Vec::new()
        } else {
            let count = rng.heavy_tailed(3, cap).min(population);
            (0..count).map(|_| rng.below(population)).collect()
        };
        picked.sort_unstable();
        picked.dedup();
        let mut members: Vec<Member> = picked
            .into_iter()
            .map(|member| match group.audience {
                Audience::Devices => Member::Device(member),
                Audience::Users => Member::User(member),
            })
            .collect();
        members.extend(group.nested.iter().map(|&nested| Member::Group(nested)));
        members
    }
}

/// A dynamic membership rule of one to three clauses: a short name for it, the
/// rule, and whether it selects devices or users.
fn dynamic_rule(rng: &mut SplitMix64) -> (String, String, Audience) {
    let audience = if rng.chance(0.6) {
        Audience::Devices
    } else {
        Audience::Users
    };
    let clause_count = rng.between(1, 3);
    let mut labels = Vec::new();
    let mut clauses = Vec::new();
    for _ in 0..clause_count {
        let (label, clause) = match audience {
            Audience::Devices => device_rule_clause(rng),
            Audience::Users => user_rule_clause(rng),
        };
        if !clauses.contains(&clause) {
            labels.push(label);
            clauses.push(clause);
        }
    }
    let joiner = if clauses.len() > 1 && rng.chance(0.15) {
        " -or "
    } else {
        " -and "
    };
    let kind = match audience {
        Audience::Devices => "Devices",
        Audience::Users => "Users",
    };
    (
        format!("{} ({kind})", labels.join(" - ")),
        clauses.join(joiner),
        audience,
    )
}

fn device_rule_clause(rng: &mut SplitMix64) -> (String, String) {
    match rng.below(9) {
        0 => (
            "Windows".to_owned(),
            "(device.deviceOSType -eq \"Windows\")".to_owned(),
        ),
        1 => {
            let (label, prefix) = *rng.pick(&[
                ("Windows 11", "10.0.22"),
                ("Windows 11 24H2", "10.0.26"),
                ("Windows 10", "10.0.19"),
            ]);
            (
                label.to_owned(),
                format!("(device.deviceOSVersion -startsWith \"{prefix}\")"),
            )
        }
        2 => {
            let manufacturer = WINDOWS_HARDWARE[skewed_below(rng, WINDOWS_HARDWARE.len())].0;
            (
                manufacturer.to_owned(),
                format!("(device.deviceManufacturer -eq \"{manufacturer}\")"),
            )
        }
        3 => {
            let profile = ENROLLMENT_PROFILES[rng.below(4)];
            (
                profile.to_owned(),
                format!("(device.enrollmentProfileName -eq \"{profile}\")"),
            )
        }
        4 => {
            let ownership = if rng.chance(0.8) {
                "Company"
            } else {
                "Personal"
            };
            (
                ownership.to_owned(),
                format!("(device.deviceOwnership -eq \"{ownership}\")"),
            )
        }
        5 => {
            let prefix = *rng.pick(&["KIOSK-", "DEV-", "LAB-", "CTS-"]);
            (
                format!("Name {prefix}"),
                format!("(device.displayName -startsWith \"{prefix}\")"),
            )
        }
        6 => {
            let category = *rng.pick(DEVICE_CATEGORIES);
            (
                category.to_owned(),
                format!("(device.deviceCategory -eq \"{category}\")"),
            )
        }
        7 => {
            let department = DEPARTMENTS[skewed_below(rng, DEPARTMENTS.len())];
            let city = OFFICES[skewed_below(rng, OFFICES.len())].1;
            (
                format!("Order {department}-{city}"),
                format!(
                    "(device.devicePhysicalIds -any (_ -eq \"[OrderId]:{department}-{city}\"))"
                ),
            )
        }
        _ => {
            let (_, models) = *rng.pick(WINDOWS_HARDWARE);
            let model = *rng.pick(models);
            (
                model.to_owned(),
                format!("(device.deviceModel -eq \"{model}\")"),
            )
        }
    }
}

fn user_rule_clause(rng: &mut SplitMix64) -> (String, String) {
    match rng.below(6) {
        0 | 1 => {
            let department = DEPARTMENTS[skewed_below(rng, DEPARTMENTS.len())];
            (
                department.to_owned(),
                format!("(user.department -eq \"{department}\")"),
            )
        }
        2 => {
            let country = OFFICES[skewed_below(rng, OFFICES.len())].0;
            (
                country.to_owned(),
                format!("(user.country -eq \"{country}\")"),
            )
        }
        3 => {
            let city = OFFICES[skewed_below(rng, OFFICES.len())].1;
            (city.to_owned(), format!("(user.city -eq \"{city}\")"))
        }
        4 => {
            let word = *rng.pick(&["Engineer", "Manager", "Director", "Analyst", "Associate"]);
            (
                format!("{word}s"),
                format!("(user.jobTitle -contains \"{word}\")"),
            )
        }
        _ => {
            let company = COMPANIES[skewed_below(rng, COMPANIES.len())];
            (
                company.to_owned(),
                format!("(user.companyName -eq \"{company}\")"),
            )
        }
    }
}

/// An assignment filter rule of one or two clauses, and a name for it.
fn filter_rule(rng: &mut SplitMix64) -> (String, String) {
    let clause_count = rng.between(1, 2);
    let mut labels = Vec::new();
    let mut clauses = Vec::new();
    for _ in 0..clause_count {
        let (label, clause) = match rng.below(8) {
            0 => {
                let (label, prefix) = *rng.pick(&[
                    ("Windows 11", "10.0.22"),
                    ("Windows 11 24H2", "10.0.26"),
                    ("Windows 10", "10.0.19"),
                ]);
                (
                    label.to_owned(),
                    format!("(device.osVersion -startsWith \"{prefix}\")"),
                )
            }
            1 => {
                let manufacturer = WINDOWS_HARDWARE[skewed_below(rng, WINDOWS_HARDWARE.len())].0;
                (
                    manufacturer.to_owned(),
                    format!("(device.manufacturer -eq \"{manufacturer}\")"),
                )
            }
            2 => {
                let (_, models) = *rng.pick(WINDOWS_HARDWARE);
                let model = *rng.pick(models);
                (model.to_owned(), format!("(device.model -eq \"{model}\")"))
            }
            3 => {
                let ownership = if rng.chance(0.8) {
                    "Corporate"
                } else {
                    "Personal"
                };
                (
                    ownership.to_owned(),
                    format!("(device.deviceOwnership -eq \"{ownership}\")"),
                )
            }
            4 => {
                let profile = ENROLLMENT_PROFILES[rng.below(4)];
                (
                    profile.to_owned(),
                    format!("(device.enrollmentProfileName -eq \"{profile}\")"),
                )
            }
            5 => {
                let category = *rng.pick(DEVICE_CATEGORIES);
                (
                    format!("Category {category}"),
                    format!("(device.deviceCategory -eq \"{category}\")"),
                )
            }
            6 => {
                let trust = *rng.pick(&[
                    "Azure AD joined",
                    "Hybrid Azure AD joined",
                    "Azure AD registered",
                ]);
                (
                    trust.to_owned(),
                    format!("(device.deviceTrustType -eq \"{trust}\")"),
                )
            }
            _ => {
                let prefix = *rng.pick(&["KIOSK-", "DEV-", "LAB-", "CTS-"]);
                (
                    format!("Name {prefix}"),
                    format!("(device.deviceName -startsWith \"{prefix}\")"),
                )
            }
        };
        if !clauses.contains(&clause) {
            labels.push(label);
            clauses.push(clause);
        }
    }
    let joiner = if clauses.len() > 1 && rng.chance(0.25) {
        " or "
    } else {
        " and "
    };
    (labels.join(" - "), clauses.join(joiner))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(18_628), (2021, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }
}
