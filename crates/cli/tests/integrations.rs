//! The integration files users copy: `.pre-commit-hooks.yaml`, `action.yml`, and
//! the README snippets that use them, parsed and checked against each other.

mod common;

use std::collections::BTreeMap;

use common::workspace_root;
use serde::Deserialize;

fn read(path: &str) -> String {
    std::fs::read_to_string(workspace_root().join(path))
        .unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// The fenced code blocks of `language` in the README.
fn readme_blocks(language: &str) -> Vec<String> {
    let readme = read("README.md");
    let fence = format!("```{language}\n");
    readme
        .split(&fence)
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(block, _)| block.to_owned()))
        .collect()
}

#[derive(Deserialize)]
struct Hook {
    id: String,
    entry: String,
    language: String,
    #[serde(default)]
    types_or: Vec<String>,
}

#[test]
fn the_pre_commit_hook_runs_preflight_in_changed_mode_on_json() {
    let hooks: Vec<Hook> = serde_saphyr::from_str(&read(".pre-commit-hooks.yaml"))
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(hooks.len(), 1);
    let hook = &hooks[0];
    assert_eq!(hook.id, "preflight");
    assert_eq!(hook.language, "rust");
    assert_eq!(hook.entry, "preflight-pre-commit check --changed");
    assert_eq!(hook.types_or, vec!["json", "yaml"]);
    // The entry's binary is the one the root package builds.
    assert!(read("Cargo.toml").contains("name = \"preflight-pre-commit\""));
}

#[derive(Deserialize)]
struct PreCommitConfig {
    repos: Vec<PreCommitRepository>,
}

#[derive(Deserialize)]
struct PreCommitRepository {
    repo: String,
    hooks: Vec<BTreeMap<String, serde_json::Value>>,
}

#[test]
fn the_readme_pre_commit_snippets_parse_and_name_the_hook() {
    let blocks: Vec<String> = readme_blocks("yaml")
        .into_iter()
        .filter(|block| block.starts_with("repos:"))
        .collect();
    assert_eq!(blocks.len(), 2, "a local hook and the published hook");
    for block in blocks {
        let config: PreCommitConfig =
            serde_saphyr::from_str(&block).unwrap_or_else(|error| panic!("{error}\n{block}"));
        let hook = &config.repos[0].hooks[0];
        assert_eq!(
            hook.get("id").and_then(|id| id.as_str()),
            Some("preflight"),
            "{block}"
        );
        if config.repos[0].repo == "local" {
            let entry = hook
                .get("entry")
                .and_then(|entry| entry.as_str())
                .unwrap_or_default();
            assert_eq!(entry, "preflight check --changed");
        }
    }
}

#[derive(Deserialize)]
struct Action {
    inputs: BTreeMap<String, ActionInput>,
    runs: ActionRuns,
}

#[derive(Deserialize)]
struct ActionInput {
    description: String,
    default: Option<String>,
}

#[derive(Deserialize)]
struct ActionRuns {
    using: String,
    steps: Vec<BTreeMap<String, serde_json::Value>>,
}

#[test]
fn the_action_declares_every_input_the_readme_uses() {
    let action: Action =
        serde_saphyr::from_str(&read("action.yml")).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(action.runs.using, "composite");
    assert!(
        action
            .inputs
            .values()
            .all(|input| !input.description.is_empty() && input.default.is_some())
    );
    let action_text = read("action.yml");
    for name in action.inputs.keys() {
        assert!(
            action_text.contains(&format!("inputs.{name}")),
            "input `{name}` is never used"
        );
    }
    assert!(action.runs.steps.len() >= 3);

    let workflow = readme_blocks("yaml")
        .into_iter()
        .find(|block| block.starts_with("jobs:"))
        .unwrap_or_else(|| panic!("the README has no workflow snippet"));
    let parsed: serde_json::Value =
        serde_saphyr::from_str(&workflow).unwrap_or_else(|error| panic!("{error}"));
    let steps = &parsed["jobs"]["preflight"]["steps"];
    let step = steps
        .as_array()
        .and_then(|steps| {
            steps.iter().find(|step| {
                step["uses"]
                    .as_str()
                    .is_some_and(|uses| uses.contains("preflight"))
            })
        })
        .unwrap_or_else(|| panic!("no preflight step in the README workflow"));
    let with = step["with"]
        .as_object()
        .unwrap_or_else(|| panic!("the step has no `with`"));
    for (key, _) in with {
        let key = key.as_str();
        assert!(
            action.inputs.contains_key(key),
            "the README uses input `{key}`, which action.yml does not declare"
        );
    }
}
