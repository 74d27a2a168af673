//! The public corpus of real Intune exports in `../shared/corpus` (never copied
//! into this repository): every settings catalog policy in it must be read with
//! all its settings and without a parse error. Skipped when the corpus is absent.

mod common;

use common::{json, run, workspace_root};

#[test]
fn corpus_policies_are_read_without_errors() {
    let corpus = workspace_root().join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("skipped: ../shared/corpus is not present");
        return;
    }
    let per_corpus = [
        // (folder, settings catalog policies, leaf settings), counted independently
        // by walking the files' JSON. hydrationkit's two are Linux compliance
        // policies built on the settings catalog.
        ("openintunebaseline", 97, 1927),
        ("hydrationkit", 2, 15),
    ];
    for (folder, policies, settings) in per_corpus {
        let path = format!("../shared/corpus/{folder}");
        let result = run(&["check", &path, "--format", "json"]);
        let report = json(&result);
        let parse_errors: Vec<&serde_json::Value> = report["findings"]
            .as_array()
            .map(|findings| {
                findings
                    .iter()
                    .filter(|finding| finding["rule"] == "parse-error")
                    .collect()
            })
            .unwrap_or_default();
        assert!(parse_errors.is_empty(), "{folder}: {parse_errors:#?}");
        assert_eq!(report["summary"]["policies"], policies, "{folder}");
        assert_eq!(report["summary"]["settings"], settings, "{folder}");
    }
}
