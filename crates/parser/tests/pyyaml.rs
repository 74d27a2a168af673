//! PyYAML is what IntuneCD writes its YAML backups with. `data/pyyaml-dump.yaml`
//! is PyYAML's `yaml.dump(…, sort_keys=False, default_flow_style=False)` of text
//! that plain YAML would misread (`'yes'`, `'0123'`, `'1:30'`, `'- item'`, CRLF
//! XML folded over lines, control characters, a BOM, emoji, blank lines, long
//! lines), of extreme integers and floats, and of keys like `'null'`;
//! `data/pyyaml-dump.json` is what PyYAML's own `safe_load` reads back from it.
//! preflight's YAML reader must read the same.

use preflight_parser::json::{self, Node, Value};
use preflight_parser::yaml;

/// The value without spans; numbers compared by value.
fn shape(node: &Node) -> String {
    match &node.value {
        Value::Null => "null".to_owned(),
        Value::Bool(flag) => flag.to_string(),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => integer.to_string(),
            None => format!("{:?}", number.as_f64()),
        },
        Value::String(text) => format!("{text:?}"),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(shape).collect();
            format!("[{}]", items.join(",\n"))
        }
        Value::Object(object) => {
            let members: Vec<String> = object
                .members
                .iter()
                .map(|member| format!("{:?}: {}", member.key, shape(&member.value)))
                .collect();
            format!("{{{}}}", members.join(",\n"))
        }
    }
}

#[test]
fn what_pyyaml_dumps_reads_as_pyyaml_reads_it() {
    let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let read =
        |name: &str| std::fs::read_to_string(directory.join(name)).expect("test data is present");
    let from_yaml = yaml::parse(&read("pyyaml-dump.yaml")).expect("PyYAML's output is YAML");
    let expected = json::parse(&read("pyyaml-dump.json")).expect("PyYAML's reading is JSON");
    assert_eq!(shape(&from_yaml), shape(&expected));
}
