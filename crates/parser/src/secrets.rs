//! Where the input holds secrets, so that no output shows them.
//!
//! A secret is compared by digest and printed as `<secret>` wherever it is a
//! setting's value; but reporters also show source snippets, which would show the
//! text of the file. This module names the secret values of every document, in
//! any family (analyzed or only counted), by the names Graph gives them
//! (`preSharedKey`, `…password`, `sharedSecret`, `activationLockBypassCode`, …),
//! so that reporters can mask them along with the secret settings. The JSON
//! parser notes them as it reads each member ([`crate::json::parse_shared_noting`]),
//! while the name is at hand, instead of in a second walk over every tree.

use crate::Span;
use crate::json::{Node, Value};

/// The endings of the member names that hold a secret as text: Wi-Fi
/// `preSharedKey`, VPN and e-mail `password`, `sharedSecret`, an edition upgrade's
/// `productKey`, a kiosk's `exitCode`, a VPP `token`, an activation lock
/// `…BypassCode`. Compared lowercased with the end of the name; only text values
/// are secrets (`workProfileRequirePassword` is a switch).
const SECRET_NAME_ENDINGS: [&str; 10] = [
    "password",
    "passphrase",
    "presharedkey",
    "sharedsecret",
    "secret",
    "productkey",
    "privatekey",
    "exitcode",
    "bypasscode",
    "token",
];

/// The last four bytes of each ending as a little-endian word (every ending is
/// longer than four letters).
const ENDING_TAILS: [u32; SECRET_NAME_ENDINGS.len()] = {
    let mut tails = [0; SECRET_NAME_ENDINGS.len()];
    let mut index = 0;
    while index < tails.len() {
        let bytes = SECRET_NAME_ENDINGS[index].as_bytes();
        let length = bytes.len();
        tails[index] = u32::from_le_bytes([
            bytes[length - 4],
            bytes[length - 3],
            bytes[length - 2],
            bytes[length - 1],
        ]);
        index += 1;
    }
    tails
};

/// Whether a member named `name` (or the last part of a dotted property path)
/// holds a secret when its value is text.
pub fn is_secret_name(name: &str) -> bool {
    // The parser asks this of every member holding text: most names are told
    // by their last four bytes, ASCII letters lowercased (other bytes may
    // change too, which only lets a name through to the exact comparison).
    let Some(&tail) = name.as_bytes().last_chunk::<4>() else {
        return false;
    };
    if !ENDING_TAILS.contains(&(u32::from_le_bytes(tail) | 0x2020_2020)) {
        return false;
    }
    // No ending holds a `.`, so the last part of a dotted path ends with one
    // exactly when the whole name does.
    SECRET_NAME_ENDINGS
        .iter()
        .any(|ending| ends_with_ignoring_ascii_case(name, ending))
}

/// Whether `text` ends with `ending` (ASCII, lowercase), ignoring ASCII case.
fn ends_with_ignoring_ascii_case(text: &str, ending: &str) -> bool {
    text.len()
        .checked_sub(ending.len())
        .and_then(|start| text.as_bytes().get(start..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case(ending.as_bytes()))
}

/// The spans of the secret text values anywhere in `root`, in text order (what
/// the JSON parser notes while parsing; YAML trees are walked with this).
pub fn secret_values(root: &Node) -> Vec<Span> {
    let mut found = Vec::new();
    // Only objects and arrays wait their turn: most values are scalars, read
    // where they are met.
    let is_container = |node: &&Node| matches!(node.value, Value::Object(_) | Value::Array(_));
    let mut pending = vec![root];
    while let Some(node) = pending.pop() {
        match &node.value {
            Value::Object(object) => {
                for member in &object.members {
                    if is_container(&&member.value) {
                        pending.push(&member.value);
                    } else if is_secret_member(&member.key, &member.value) {
                        found.push(member.value.span);
                    }
                }
            }
            Value::Array(items) => pending.extend(items.iter().filter(is_container)),
            _ => {}
        }
    }
    found.sort_by_key(|span| span.start);
    found
}

/// Whether the member `name` with `value` holds a secret: non-empty text under a
/// secret name.
pub(crate) fn is_secret_member(name: &str, value: &Node) -> bool {
    value.as_str().is_some_and(|text| !text.is_empty()) && is_secret_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    #[test]
    fn secret_text_is_found_at_any_depth_and_switches_are_not() {
        let text = r#"{"displayName": "x", "preSharedKey": "k1", "workProfileRequirePassword": true,
            "devices": [{"deviceName": "Mac", "activationLockBypassCode": "AB-CD"}],
            "vpn": {"server": "vpn", "sharedSecret": "s"}, "passwordMinimumLength": 8, "emptyPassword": ""}"#;
        let root = parse(text).expect("valid JSON");
        let mut found: Vec<&str> = secret_values(&root)
            .into_iter()
            .map(|span| &text[span.range()])
            .collect();
        found.sort_unstable();
        assert_eq!(found, vec!["\"AB-CD\"", "\"k1\"", "\"s\""]);
    }

    #[test]
    fn secret_names_end_with_a_secret_word_in_any_case_after_any_dot() {
        for name in [
            "password",
            "wifi.PreSharedKey",
            "a.b.sharedSecret",
            "VPP.TOKEN",
            "Ä.Passwort.password",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "",
            "pass",
            "passwordMinimumLength",
            "token.name",
            "tokens",
            "passwordÄ",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }
}
