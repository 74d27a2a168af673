//! Any text through the YAML reader: no panic, and every node's span lies
//! inside the text on character boundaries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use preflight_parser::json::{Node, Value, duplicate_members};
use preflight_parser::yaml;

fn check_spans(text: &str, node: &Node) {
    let (start, end) = (node.span.start as usize, node.span.end as usize);
    assert!(start <= end && end <= text.len());
    assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
    match &node.value {
        Value::Array(items) => items.iter().for_each(|item| check_spans(text, item)),
        Value::Object(object) => object.members.iter().for_each(|member| check_spans(text, &member.value)),
        _ => {}
    }
}

fuzz_target!(|text: &str| {
    match yaml::parse(text) {
        Ok(root) => {
            check_spans(text, &root);
            let _ = duplicate_members(&root);
        }
        Err(error) => assert!((error.span.end as usize) <= text.len()),
    }
});
