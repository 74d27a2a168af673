//! Rule texts built from fuzz bytes by the grammar of the two rule languages
//! (properties, operators, values, `and`/`or`/`not`, parentheses), with a mistake
//! now and then, so that most inputs parse and reach evaluation and the decision
//! procedure; and device or user attributes to evaluate them on.

use arbitrary::{Result, Unstructured};
use preflight_parser::rule_language::{Attribute, AttributeValue, Attributes, Subject};

const PROPERTIES: &[&str] = &[
    "device.deviceOSType",
    "device.deviceOSVersion",
    "device.deviceManufacturer",
    "device.deviceModel",
    "device.displayName",
    "device.deviceOwnership",
    "device.deviceTrustType",
    "device.enrollmentProfileName",
    "device.deviceCategory",
    "device.devicePhysicalIds",
    "device.managementType",
    "device.accountEnabled",
    "device.manufacturer",
    "device.model",
    "device.deviceName",
    "device.osVersion",
    "device.operatingSystemVersion",
    "device.operatingSystemSKU",
    "device.cpuArchitecture",
    "user.department",
    "user.country",
    "user.jobTitle",
    "user.accountEnabled",
    "user.assignedPlans",
    "user.proxyAddresses",
    "user.memberOf",
    "device.nonsense",
    "nothing",
];

const OPERATORS: &[&str] = &[
    "-eq",
    "-ne",
    "-startsWith",
    "-notStartsWith",
    "-endsWith",
    "-notEndsWith",
    "-contains",
    "-notContains",
    "-match",
    "-notMatch",
    "-in",
    "-notIn",
    "-le",
    "-ge",
    "-lt",
    "-gt",
    "-any",
    "-all",
    "-EQ",
    "-eqq",
    "==",
];

const VALUES: &[&str] = &[
    "Windows",
    "windows",
    "MacMDM",
    "iPhone",
    "iPad",
    "AndroidForWork",
    "Linux",
    "10.0.22631",
    "10.0.1",
    "10.0.2",
    "10",
    "17.4",
    "Dell Inc.",
    "Dell",
    "Lenovo",
    "Surface",
    "DEV-",
    "Company",
    "Corporate",
    "Personal",
    "AzureAd",
    "ServerAd",
    "Workplace",
    "Hybrid Azure AD joined",
    "[ZTDId]",
    "[OrderId]:kiosk",
    "Finance",
    "IT",
    "",
    "a",
    "ab",
    "^W.*s$",
    "(a{1000}){1000}",
    "(",
    "[",
    "x\\\"y",
    "é",
    "Café 😀",
    "𝔘nicode",
];

/// A rule text: mostly well formed, in either language's vocabulary.
pub fn rule_text(data: &mut Unstructured<'_>) -> Result<String> {
    let mut text = String::new();
    expression(data, 0, &mut text)?;
    Ok(text)
}

fn expression(data: &mut Unstructured<'_>, depth: usize, out: &mut String) -> Result<()> {
    let choice = if depth > 4 {
        0
    } else {
        data.int_in_range(0..=9u8)?
    };
    match choice {
        0..=3 => comparison(data, out)?,
        4 | 5 => {
            expression(data, depth + 1, out)?;
            let connective = ["and", "or", "-and", "-or", "AND", "Or"];
            out.push(' ');
            out.push_str(connective[data.choose_index(connective.len())?]);
            out.push(' ');
            expression(data, depth + 1, out)?;
        }
        6 => {
            let negation = ["not ", "-not ", "NOT "];
            out.push_str(negation[data.choose_index(negation.len())?]);
            expression(data, depth + 1, out)?;
        }
        7 | 8 => {
            out.push('(');
            expression(data, depth + 1, out)?;
            // Now and then a parenthesis is left open.
            if !data.ratio(1, 16)? {
                out.push(')');
            }
        }
        _ => {
            // A mistake: raw text where a rule part belongs.
            let raw: String = data.arbitrary()?;
            out.push_str(&raw);
        }
    }
    Ok(())
}

fn comparison(data: &mut Unstructured<'_>, out: &mut String) -> Result<()> {
    out.push_str(PROPERTIES[data.choose_index(PROPERTIES.len())?]);
    out.push(' ');
    let operator = OPERATORS[data.choose_index(OPERATORS.len())?];
    out.push_str(operator);
    out.push(' ');
    match operator {
        "-any" | "-all" => {
            out.push_str("(_ ");
            out.push_str(OPERATORS[data.choose_index(12)?]);
            out.push(' ');
            value(data, out)?;
            out.push(')');
        }
        "-in" | "-notIn" => {
            out.push('[');
            let count = data.int_in_range(0..=3u8)?;
            for index in 0..count {
                if index > 0 {
                    out.push_str(", ");
                }
                value(data, out)?;
            }
            out.push(']');
        }
        _ => value(data, out)?,
    }
    Ok(())
}

fn value(data: &mut Unstructured<'_>, out: &mut String) -> Result<()> {
    match data.int_in_range(0..=11u8)? {
        0 => out.push_str("null"),
        1 => out.push_str(if data.arbitrary()? { "true" } else { "false" }),
        2 => {
            let text: String = data.arbitrary()?;
            out.push('"');
            out.push_str(&text.replace('"', "\\\""));
            out.push('"');
        }
        // An unbalanced quote.
        3 if data.ratio(1, 4)? => {
            out.push('"');
            out.push_str(VALUES[data.choose_index(VALUES.len())?]);
        }
        _ => {
            out.push('"');
            out.push_str(VALUES[data.choose_index(VALUES.len())?]);
            out.push('"');
        }
    }
    Ok(())
}

const ATTRIBUTE_VALUES: &[&str] = &[
    "windows",
    "macmdm",
    "iphone",
    "ipad",
    "android",
    "10.0.22631.4460",
    "10.0.19045",
    "10.0.2",
    "dell inc.",
    "dell",
    "surface laptop",
    "dev-042",
    "corporate",
    "personal",
    "joined",
    "hybrid",
    "finance",
    "it",
    "",
    "a",
    "ab",
];

/// Attributes of one device and its signed-in user: each attribute set or not,
/// from a small vocabulary that meets the rules' values.
pub fn attributes(data: &mut Unstructured<'_>) -> Result<Attributes> {
    let names = [
        Attribute::OsType,
        Attribute::OsVersion,
        Attribute::Manufacturer,
        Attribute::Model,
        Attribute::DeviceName,
        Attribute::Ownership,
        Attribute::TrustType,
        Attribute::EnrollmentProfileName,
        Attribute::DeviceCategory,
        Attribute::Named(Subject::Device, "managementtype".to_owned()),
        Attribute::Named(Subject::User, "department".to_owned()),
        Attribute::Named(Subject::User, "country".to_owned()),
        Attribute::Named(Subject::User, "accountenabled".to_owned()),
    ];
    let mut attributes = Attributes::new();
    for name in names {
        // Closed sets take only their own values (the decision procedure relies
        // on it, and inventories hold nothing else); booleans only where
        // inventories have them.
        let closed = name.closed_values();
        let boolean = matches!(&name, Attribute::Named(_, property) if property == "accountenabled");
        match data.int_in_range(0..=3u8)? {
            0 => {}
            1 if boolean => {
                attributes.insert(name, AttributeValue::Bool(data.arbitrary()?));
            }
            _ => {
                let value = match closed {
                    Some(values) => values[data.choose_index(values.len())?],
                    None => ATTRIBUTE_VALUES[data.choose_index(ATTRIBUTE_VALUES.len())?],
                };
                attributes.insert(name, AttributeValue::Text(value.to_owned()));
            }
        }
    }
    if data.arbitrary()? {
        let ids = ["[ztdid]:1234", "[orderid]:kiosk", "[gid]:g"];
        let count = data.int_in_range(0..=3usize)?;
        attributes.insert(
            Attribute::PhysicalIds,
            AttributeValue::List(ids[..count].iter().map(|id| (*id).to_owned()).collect()),
        );
    }
    Ok(attributes)
}
