//! Where the input holds secrets, so that no output shows them.
//!
//! A secret is compared by digest and printed as `<secret>` wherever it is a
//! setting's value; but reporters also show source snippets, which would show the
//! text of the file. This module names the secret values of every document, in
//! any family (analyzed or only counted), by the names Graph gives them
//! (`preSharedKey`, `…password`, `sharedSecret`, `activationLockBypassCode`, …),
//! so that reporters can mask them along with the secret settings.

use preflight_parser::json::{Node, Value};
use preflight_parser::{Document, SourceLocation};

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

/// Whether a member named `name` (or the last part of a dotted property path)
/// holds a secret when its value is text.
pub fn is_secret_name(name: &str) -> bool {
    // Most names end in none of the endings' last letters: told at once.
    let last_letter = name.as_bytes().last().map(u8::to_ascii_lowercase);
    if !SECRET_NAME_ENDINGS
        .iter()
        .any(|ending| ending.as_bytes().last().copied() == last_letter)
    {
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

/// The locations of the secret text values anywhere in `document`.
pub fn secret_values(document: &Document) -> Vec<SourceLocation> {
    let mut found = Vec::new();
    // Only objects and arrays wait their turn: most values are scalars, read
    // where they are met (the inventory alone has tens of millions).
    let is_container = |node: &&Node| matches!(node.value, Value::Object(_) | Value::Array(_));
    let mut pending = vec![&document.root];
    while let Some(node) = pending.pop() {
        match &node.value {
            Value::Object(object) => {
                for member in &object.members {
                    if is_container(&&member.value) {
                        pending.push(&member.value);
                    } else if is_secret_text(&member.value) && is_secret_name(&member.key) {
                        found.push(SourceLocation {
                            file: document.file,
                            span: member.value.span,
                        });
                    }
                }
            }
            Value::Array(items) => pending.extend(items.iter().filter(is_container)),
            _ => {}
        }
    }
    found
}

fn is_secret_text(node: &Node) -> bool {
    node.as_str().is_some_and(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_parser::{DocumentKind, FileId, json::parse};

    #[test]
    fn secret_text_is_found_at_any_depth_and_switches_are_not() {
        let text = r#"{"displayName": "x", "preSharedKey": "k1", "workProfileRequirePassword": true,
            "devices": [{"deviceName": "Mac", "activationLockBypassCode": "AB-CD"}],
            "vpn": {"server": "vpn", "sharedSecret": "s"}, "passwordMinimumLength": 8, "emptyPassword": ""}"#;
        let document = Document {
            file: FileId(0),
            kind: DocumentKind::OtherIntuneObject,
            root: parse(text).expect("valid JSON"),
        };
        let mut found: Vec<&str> = secret_values(&document)
            .into_iter()
            .map(|location| &text[location.span.range()])
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
