//! Shared code of the fuzz targets: a JSON tree that fuzz bytes mutate in
//! structure (so that the fuzzer reaches the normalizers with documents that are
//! almost right, instead of failing at the JSON level), rule texts built from fuzz
//! bytes by the rule languages' grammar, the real-shaped documents the targets
//! start from, small generated tenants, and the checks every target makes.

pub mod checks;
pub mod rules;
pub mod templates;
pub mod tenants;
pub mod tree;
