//! Secrets in the input never reach any output: IntuneCD's YAML backup in
//! `fixtures/inputs/intunecd-yaml` holds two Wi-Fi profiles whose pre-shared keys
//! conflict and a custom profile whose OMA-URI password IntuneCD decrypted into the
//! backup, and IntuneCD's list of activation lock bypass codes (a family preflight
//! only counts). Every format and command that shows findings must name the
//! conflict without the keys' text, and the human snippets show them masked.

mod common;

use common::run;

const FIXTURE: &str = "fixtures/inputs/intunecd-yaml";
const SECRETS: [&str; 5] = [
    "Summer-Breeze-2024!",
    "Winter-Frost-2023?",
    "Tr0ub4dor&3-Local",
    "KQ7X-2M9P-FF3H-Y8TC-W4RD-J6NB",
    "ZP3R-8WQK-M2TY-C7VN-H5DG-X9LB",
];

#[test]
fn no_output_format_shows_a_secret() {
    for format in ["human", "json", "sarif", "github", "junit"] {
        let result = run(&["check", FIXTURE, "--format", format, "--fail-on", "info"]);
        assert_eq!(result.code, 1, "{format}: {}", result.stderr);
        assert!(
            result.stdout.contains("preSharedKey"),
            "{format}: the conflict is reported\n{}",
            result.stdout
        );
        for secret in SECRETS {
            assert!(
                !result.stdout.contains(secret) && !result.stderr.contains(secret),
                "{format} shows `{secret}`:\n{}",
                result.stdout
            );
        }
    }
    let graph = run(&["graph", FIXTURE, "--format", "dot"]);
    let who = run(&["who", FIXTURE, "--group", "Windows - Kiosks"]);
    for output in [graph.stdout, who.stdout] {
        for secret in SECRETS {
            assert!(!output.contains(secret), "{output}");
        }
    }
}

#[test]
fn snippets_mask_a_secret_in_place() {
    let result = run(&["check", FIXTURE]);
    assert!(
        result.stdout.contains("unsupported-family"),
        "the bypass codes are counted: {}",
        result.stdout
    );
    assert!(
        result
            .stdout
            .contains(" 14 │ preSharedKey: ******************\n"),
        "{}",
        result.stdout
    );
    assert!(
        result
            .stdout
            .contains(" 14 │ preSharedKey: *******************\n"),
        "{}",
        result.stdout
    );
}
