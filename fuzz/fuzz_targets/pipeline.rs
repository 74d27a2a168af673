//! The whole pipeline on a small generated tenant: the fuzzer's bytes are split
//! into up to six files (at 0xFF bytes) placed in IntuneCD-like folders, then
//! parsed, normalized and analyzed with every rule. Nothing may panic, and the
//! findings must come out sorted the same way twice.
#![no_main]

use libfuzzer_sys::fuzz_target;

const FOLDERS: [&str; 6] = [
    "Settings Catalog/a.json",
    "Device Configurations/b.json",
    "Compliance Policies/Policies/c.json",
    "Filters/d.json",
    "groups.json",
    "inventory/devices.json",
];

fuzz_target!(|bytes: &[u8]| {
    let files: Vec<(String, Vec<u8>)> = bytes
        .split(|byte| *byte == 0xFF)
        .zip(FOLDERS)
        .map(|(content, path)| (path.to_owned(), content.to_vec()))
        .collect();
    let tenant = preflight_normalizer::normalize(preflight_parser::load_from_memory(files.clone()));
    let first = preflight_engine::analyze(&tenant);
    let again = preflight_engine::analyze(&preflight_normalizer::normalize(
        preflight_parser::load_from_memory(files),
    ));
    let fingerprints = |report: &preflight_engine::Report| {
        report.findings.iter().map(|finding| finding.fingerprint).collect::<Vec<_>>()
    };
    assert_eq!(fingerprints(&first), fingerprints(&again));
});
