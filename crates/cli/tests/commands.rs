//! `preflight rules` and `preflight explain`.

mod common;

use common::{json, run};

#[test]
fn rules_lists_every_rule_with_its_severity() {
    let result = run(&["rules"]);
    assert_eq!(result.code, 0);
    insta::assert_snapshot!("rules-text", result.stdout);
    let listing = json(&run(&["rules", "--format", "json"]));
    let names: Vec<&str> = listing
        .as_array()
        .map(|rules| {
            rules
                .iter()
                .filter_map(|rule| rule["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(names.contains(&"conflicting-setting"));
}

#[test]
fn explain_prints_the_rule_documentation() {
    let result = run(&["explain", "conflicting-setting"]);
    assert_eq!(result.code, 0);
    insta::assert_snapshot!("explain-conflicting-setting", result.stdout);
    let unknown = run(&["explain", "conflicting-settings"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown
            .stderr
            .contains("unknown rule `conflicting-settings`")
    );
}

#[test]
fn completions_and_man_page_are_generated_from_the_command_line_definition() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let result = run(&["completions", shell]);
        assert_eq!(result.code, 0, "{shell}: {}", result.stderr);
        // fish writes long options as `-l fail-on`, the others as `--fail-on`.
        assert!(
            result.stdout.contains("fail-on"),
            "{shell} completion lacks fail-on"
        );
    }
    let man = run(&["man"]);
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH preflight"),
        "{}",
        &man.stdout[..200.min(man.stdout.len())]
    );
    assert!(man.stdout.contains("check"));
}
