//! Small tenants from the benchmarks' generator (`benches/src/generator`), written
//! once per process to a temporary directory and held in memory: policies,
//! filters, and the inventory (Graph pages of devices, users and groups with
//! members).

use std::path::Path;

use preflight_benches::generator::{TenantSize, generate};

/// A tenant small enough to analyze thousands of times a second, with every kind
/// of object the generator makes.
pub const SIZE: TenantSize = TenantSize {
    policies: 8,
    mean_settings: 6,
    groups: 10,
    dynamic_groups: 4,
    filters: 3,
    devices: 12,
    users: 8,
    tail_settings: 40,
    baselines_per_mille: 100,
    popular_per_mille: 500,
};

/// One generated tenant: (display path, bytes) of every file but `preflight.toml`.
#[derive(Clone, Debug)]
pub struct Tenant {
    /// The files, sorted by path.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Tenant {
    /// Generates the tenant of `seed` (under the system's temporary directory).
    pub fn generate(seed: u64) -> Self {
        let directory = std::env::temp_dir()
            .join(format!("preflight-fuzz-tenant-{}", std::process::id()))
            .join(seed.to_string());
        let _ = std::fs::remove_dir_all(&directory);
        generate(&SIZE, seed, &directory)
            .unwrap_or_else(|error| panic!("generate tenant {seed}: {error}"));
        let mut files = Vec::new();
        collect(&directory, &directory, &mut files);
        files.sort();
        let _ = std::fs::remove_dir_all(&directory);
        Self { files }
    }

    /// Whether file `index` is part of the inventory.
    pub fn is_inventory(&self, index: usize) -> bool {
        self.files[index].0.starts_with("inventory/")
    }
}

fn collect(root: &Path, directory: &Path, files: &mut Vec<(String, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(directory) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.extension().is_some_and(|extension| extension == "json") {
            let shown = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            if let Ok(bytes) = std::fs::read(&path) {
                files.push((shown, bytes));
            }
        }
    }
}
