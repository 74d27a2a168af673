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
        // (folder, policies, settings, groups, filters, unsupported objects),
        // counted independently by walking the files' JSON: settings catalog leaf
        // values, and configured properties of legacy templates (not null, not
        // false, not `notConfigured`; for properties in the legacy table, the
        // values its translation names). openintunebaseline: 97 settings catalog, 8
        // compliance, 3 update rings, 1 health monitoring; 2 app protection and 3
        // driver update profiles unsupported (the rings' `deliveryOptimizationMode:
        // userDefined` is mapped and means not configured). The OData action
        // advertisements IntuneManagement keeps on legacy objects
        // (`"#microsoft.graph.assign": {"title", "target"}`, 76 string leaves in
        // openintunebaseline's compliance and update-ring files) are not settings.
        // hydrationkit: 2 Linux compliance on the settings catalog, 8 compliance;
        // 47 groups and 24 filters in the kit's wrappers; 3 enrollment profiles and
        // 1 notification unsupported.
        ("openintunebaseline", 109, 2015, 0, 0, 5),
        ("hydrationkit", 10, 125, 47, 24, 4),
    ];
    // Every compliance policy is of the compliance family, the Linux ones built
    // on the settings catalog included.
    let families = [
        (
            "openintunebaseline",
            serde_json::json!({"compliance": 8, "device-configuration": 4, "settings-catalog": 97}),
        ),
        ("hydrationkit", serde_json::json!({"compliance": 10})),
    ];
    for ((folder, policies, settings, groups, filters, unsupported), (_, expected_families)) in
        per_corpus.into_iter().zip(families)
    {
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
        assert_eq!(report["summary"]["groups"], groups, "{folder}");
        assert_eq!(report["summary"]["filters"], filters, "{folder}");
        assert_eq!(report["summary"]["families"], expected_families, "{folder}");
        let unsupported_count: u64 = report["summary"]["unsupported"]
            .as_object()
            .map(|families| {
                families
                    .values()
                    .filter_map(serde_json::Value::as_u64)
                    .sum()
            })
            .unwrap_or_default();
        assert_eq!(unsupported_count, unsupported, "{folder}");
        let unrecognized = report["findings"]
            .as_array()
            .map(|findings| {
                findings
                    .iter()
                    .filter(|finding| finding["rule"] == "unrecognized-file")
                    .count()
            })
            .unwrap_or_default();
        assert_eq!(unrecognized, 0, "{folder}: every file is Intune data");
    }
}
