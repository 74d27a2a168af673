//! The properties each rule language knows, and the one attribute vocabulary both
//! map to, so that a group rule and a filter rule about the same device property
//! can be compared.
//!
//! | attribute | Entra ID dynamic group (`device.`) | Intune filter (`device.`) |
//! |---|---|---|
//! | OS type | `deviceOSType` | the filter's `platform` |
//! | OS version | `deviceOSVersion` | `osVersion`, `operatingSystemVersion` |
//! | manufacturer | `deviceManufacturer` | `manufacturer` |
//! | model | `deviceModel` | `model` |
//! | device name | `displayName` | `deviceName` |
//! | ownership | `deviceOwnership` (`Company`, `Personal`) | `deviceOwnership` (`Corporate`, `Personal`) |
//! | trust type | `deviceTrustType` (`AzureAd`, `ServerAd`, `Workplace`) | `deviceTrustType` (`Azure AD joined`, `Hybrid Azure AD joined`, `Azure AD registered`) |
//! | enrollment profile | `enrollmentProfileName` | `enrollmentProfileName` |
//! | device category | `deviceCategory` | `deviceCategory` |
//! | physical ids | `devicePhysicalIds` (a collection) | – |
//!
//! Values of closed sets are canonicalized (ownership `Company` and `Corporate` are
//! both `corporate`; trust types `joined`, `hybrid`, `registered`); every string is
//! compared without regard to case, as both services do.

/// Whether a rule is about devices or users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// `device.…`
    Device,
    /// `user.…`
    User,
}

/// A property a rule can test, in the shared vocabulary.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Attribute {
    /// The operating system (`Windows`, `MacMDM`, `iPhone`, `iPad`, `AndroidForWork`, …).
    OsType,
    /// The OS version (`10.0.22631.4460`).
    OsVersion,
    /// The manufacturer.
    Manufacturer,
    /// The model.
    Model,
    /// The device's name.
    DeviceName,
    /// Corporate or personal.
    Ownership,
    /// How the device is joined to Entra ID.
    TrustType,
    /// The Autopilot or enrollment profile name.
    EnrollmentProfileName,
    /// The Intune device category.
    DeviceCategory,
    /// The device's physical ids (`[ZTDId]:…`, `[OrderId]:…`): a collection.
    PhysicalIds,
    /// Any other property the language documents, by its lowercased name and
    /// subject (`device.managementtype`, `user.department`).
    Named(Subject, String),
}

impl Attribute {
    /// A short name for witnesses and messages.
    pub fn name(&self) -> String {
        match self {
            Attribute::OsType => "deviceOSType".to_owned(),
            Attribute::OsVersion => "osVersion".to_owned(),
            Attribute::Manufacturer => "manufacturer".to_owned(),
            Attribute::Model => "model".to_owned(),
            Attribute::DeviceName => "deviceName".to_owned(),
            Attribute::Ownership => "deviceOwnership".to_owned(),
            Attribute::TrustType => "deviceTrustType".to_owned(),
            Attribute::EnrollmentProfileName => "enrollmentProfileName".to_owned(),
            Attribute::DeviceCategory => "deviceCategory".to_owned(),
            Attribute::PhysicalIds => "devicePhysicalIds".to_owned(),
            Attribute::Named(Subject::Device, name) => format!("device.{name}"),
            Attribute::Named(Subject::User, name) => format!("user.{name}"),
        }
    }

    /// Whether the attribute is a collection of strings.
    pub fn is_collection(&self) -> bool {
        match self {
            Attribute::PhysicalIds => true,
            Attribute::Named(_, name) => COLLECTION_PROPERTIES.contains(&name.as_str()),
            _ => false,
        }
    }

    /// Whether the attribute is about devices (as opposed to users).
    pub fn subject(&self) -> Subject {
        match self {
            Attribute::Named(subject, _) => *subject,
            _ => Subject::Device,
        }
    }

    /// The values the attribute can take, when it is a closed set (canonical,
    /// lowercased); `None` for open attributes.
    pub fn closed_values(&self) -> Option<&'static [&'static str]> {
        match self {
            Attribute::Ownership => Some(&["corporate", "personal", "unknown"]),
            Attribute::TrustType => Some(&["joined", "hybrid", "registered"]),
            Attribute::OsType => Some(&[
                "windows",
                "macmdm",
                "macos",
                "ios",
                "ipad",
                "iphone",
                "android",
                "androidforwork",
                "androidenterprise",
                "androidaosp",
                "linux",
                "windowsmobile",
                "visionos",
                "tvos",
            ]),
            Attribute::Named(Subject::Device, name) if name == "cpuarchitecture" => {
                Some(&["x86", "x64", "arm64", "unknown"])
            }
            _ => None,
        }
    }

    /// The canonical form of a value of this attribute (lowercased; ownership and
    /// trust type spellings of both languages unified).
    pub fn canonical_value(&self, value: &str) -> String {
        let lowered = value.trim().to_lowercase();
        match self {
            Attribute::Ownership => match lowered.as_str() {
                "company" | "corporate" => "corporate".to_owned(),
                _ => lowered,
            },
            Attribute::TrustType => match lowered.as_str() {
                "azuread" | "azure ad joined" | "microsoft entra joined" => "joined".to_owned(),
                "serverad" | "hybrid azure ad joined" | "microsoft entra hybrid joined" => {
                    "hybrid".to_owned()
                }
                "workplace" | "azure ad registered" | "microsoft entra registered" => {
                    "registered".to_owned()
                }
                _ => lowered,
            },
            _ => lowered,
        }
    }
}

/// Entra ID properties that hold collections.
const COLLECTION_PROPERTIES: [&str; 4] =
    ["proxyaddresses", "othermails", "assignedplans", "memberof"];

/// Entra ID device properties usable in dynamic membership rules (lowercased).
const MEMBERSHIP_DEVICE_PROPERTIES: [&str; 24] = [
    "accountenabled",
    "deviceid",
    "devicecategory",
    "devicemanagementappid",
    "devicemanufacturer",
    "devicemodel",
    "deviceostype",
    "deviceosversion",
    "deviceownership",
    "devicephysicalids",
    "devicetrusttype",
    "displayname",
    "enrollmentprofilename",
    "extensionattribute1",
    "extensionattribute2",
    "extensionattribute3",
    "extensionattribute4",
    "extensionattribute5",
    "ismanaged",
    "isrooted",
    "managementtype",
    "memberof",
    "objectid",
    "profiletype",
];

/// Entra ID user properties usable in dynamic membership rules (lowercased).
const MEMBERSHIP_USER_PROPERTIES: [&str; 40] = [
    "accountenabled",
    "assignedplans",
    "city",
    "companyname",
    "country",
    "department",
    "dirsyncenabled",
    "displayname",
    "employeeid",
    "employeehiredate",
    "employeetype",
    "extensionattribute1",
    "extensionattribute2",
    "extensionattribute3",
    "extensionattribute4",
    "extensionattribute5",
    "extensionattribute6",
    "extensionattribute7",
    "extensionattribute8",
    "extensionattribute9",
    "extensionattribute10",
    "extensionattribute11",
    "extensionattribute12",
    "extensionattribute13",
    "extensionattribute14",
    "extensionattribute15",
    "facsimiletelephonenumber",
    "givenname",
    "jobtitle",
    "mail",
    "mailnickname",
    "memberof",
    "mobile",
    "objectid",
    "othermails",
    "physicaldeliveryofficename",
    "postalcode",
    "proxyaddresses",
    "state",
    "usertype",
];

/// Further user properties (kept apart to keep the lists readable).
const MORE_USER_PROPERTIES: [&str; 7] = [
    "streetaddress",
    "surname",
    "telephonenumber",
    "usagelocation",
    "userprincipalname",
    "onpremisessecurityidentifier",
    "preferredlanguage",
];

/// Intune assignment filter device properties (lowercased).
const FILTER_DEVICE_PROPERTIES: [&str; 19] = [
    "devicename",
    "manufacturer",
    "model",
    "devicecategory",
    "osversion",
    "operatingsystemversion",
    "isrooted",
    "deviceownership",
    "enrollmentprofilename",
    "operatingsystemsku",
    "devicetrusttype",
    "cpuarchitecture",
    "ownership",
    "appversion",
    "devicemanagementtype",
    "operatingsystemversionnumber",
    "enrollmentmode",
    "serialnumber",
    "managementtype",
];

/// The attribute a membership rule property names (`device.deviceOSType`), or
/// `None` when Entra ID has no such property.
pub fn membership_attribute(subject: Subject, property: &str) -> Option<Attribute> {
    let name = property.to_ascii_lowercase();
    match subject {
        Subject::Device => {
            if !MEMBERSHIP_DEVICE_PROPERTIES.contains(&name.as_str()) {
                return None;
            }
            Some(match name.as_str() {
                "deviceostype" => Attribute::OsType,
                "deviceosversion" => Attribute::OsVersion,
                "devicemanufacturer" => Attribute::Manufacturer,
                "devicemodel" => Attribute::Model,
                "displayname" => Attribute::DeviceName,
                "deviceownership" => Attribute::Ownership,
                "devicetrusttype" => Attribute::TrustType,
                "enrollmentprofilename" => Attribute::EnrollmentProfileName,
                "devicecategory" => Attribute::DeviceCategory,
                "devicephysicalids" => Attribute::PhysicalIds,
                _ => Attribute::Named(Subject::Device, name),
            })
        }
        Subject::User => {
            let known = MEMBERSHIP_USER_PROPERTIES.contains(&name.as_str())
                || MORE_USER_PROPERTIES.contains(&name.as_str());
            known.then_some(Attribute::Named(Subject::User, name))
        }
    }
}

/// The attribute a filter rule property names (`device.osVersion`), or `None`
/// when filters have no such property.
pub fn filter_attribute(property: &str) -> Option<Attribute> {
    let name = property.to_ascii_lowercase();
    if !FILTER_DEVICE_PROPERTIES.contains(&name.as_str()) {
        return None;
    }
    Some(match name.as_str() {
        "devicename" => Attribute::DeviceName,
        "manufacturer" => Attribute::Manufacturer,
        "model" => Attribute::Model,
        "devicecategory" => Attribute::DeviceCategory,
        "osversion" | "operatingsystemversion" => Attribute::OsVersion,
        "deviceownership" | "ownership" => Attribute::Ownership,
        "enrollmentprofilename" => Attribute::EnrollmentProfileName,
        "devicetrusttype" => Attribute::TrustType,
        _ => Attribute::Named(Subject::Device, name),
    })
}

/// The OS type values (canonical) of a filter or policy platform word
/// (`windows10AndLater`, `iOS`, `macOS`, `androidForWork`, …), compared
/// without ASCII case and surrounding space (without allocating: the engine asks
/// this for every pair of audiences it compares).
pub fn os_types_of_platform(platform: &str) -> &'static [&'static str] {
    const ANDROID: &[&str] = &[
        "android",
        "androidforwork",
        "androidenterprise",
        "androidaosp",
    ];
    const PLATFORM_WORDS: &[(&[&str], &[&str])] = &[
        (
            &[
                "windows10andlater",
                "windows10",
                "windows",
                "windows81andlater",
            ],
            &["windows"],
        ),
        (&["macos"], &["macmdm", "macos"]),
        (&["ios", "iosipados", "ipados"], &["ios", "ipad", "iphone"]),
        (
            &[
                "android",
                "androidforwork",
                "androidenterprise",
                "androidaosp",
                "androidmobileapplicationmanagement",
            ],
            ANDROID,
        ),
        (&["linux"], &["linux"]),
    ];
    let platform = platform.trim();
    PLATFORM_WORDS
        .iter()
        .find(|(words, _)| words.iter().any(|word| platform.eq_ignore_ascii_case(word)))
        .map_or(&[], |(_, os_types)| os_types)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_words_are_read_without_case_or_surrounding_space() {
        assert_eq!(os_types_of_platform(" Windows10AndLater "), ["windows"]);
        assert_eq!(os_types_of_platform("iOS"), ["ios", "ipad", "iphone"]);
        assert_eq!(os_types_of_platform("androidForWork").len(), 4);
        assert!(os_types_of_platform("windows phone").is_empty());
    }

    #[test]
    fn both_languages_meet_in_one_vocabulary() {
        assert_eq!(
            membership_attribute(Subject::Device, "deviceManufacturer"),
            filter_attribute("manufacturer")
        );
        assert_eq!(
            membership_attribute(Subject::Device, "deviceOSVersion"),
            filter_attribute("osVersion")
        );
        assert_eq!(
            membership_attribute(Subject::Device, "displayName"),
            filter_attribute("deviceName")
        );
        assert_eq!(membership_attribute(Subject::Device, "nonsense"), None);
        assert_eq!(filter_attribute("deviceOSType"), None);
    }

    #[test]
    fn closed_values_are_canonical_across_languages() {
        assert_eq!(Attribute::Ownership.canonical_value("Company"), "corporate");
        assert_eq!(
            Attribute::Ownership.canonical_value("Corporate"),
            "corporate"
        );
        assert_eq!(Attribute::TrustType.canonical_value("ServerAd"), "hybrid");
        assert_eq!(
            Attribute::TrustType.canonical_value("Hybrid Azure AD joined"),
            "hybrid"
        );
    }
}
