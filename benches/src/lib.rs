//! Shared code for preflight's benchmarks: the parse-only floor (read every file
//! and parse it with serde_json, nothing else) and the full check, over the same
//! list of files, so that their ratio is the cost preflight adds.

use std::path::{Path, PathBuf};

use preflight_engine::{Report, analyze};
use preflight_normalizer::normalize;
use preflight_parser::{LoadOptions, load};

/// Every `.json` file under `root`, sorted.
pub fn json_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(directory) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&directory) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|extension| extension == "json")
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The floor: reads each file and parses it with serde_json. Returns the number
/// of top-level values parsed, so the work cannot be optimized away.
pub fn parse_only(files: &[PathBuf]) -> usize {
    files
        .iter()
        .filter_map(|path| std::fs::read(path).ok())
        .filter_map(|bytes| {
            let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            serde_json::from_slice::<serde_json::Value>(text).ok()
        })
        .count()
}

/// The full `preflight check` pipeline without rendering.
pub fn full_check(files: &[PathBuf], base: &Path) -> Report {
    let loaded = load(files, &LoadOptions::new(base)).unwrap_or_default();
    let tenant = normalize(loaded);
    analyze(&tenant)
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}
