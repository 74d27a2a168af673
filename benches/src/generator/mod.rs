//! A deterministic, seeded synthetic Intune tenant, for benchmarks at tenant
//! scale.
//!
//! [`generate`] writes, under one directory:
//! - `Settings Catalog/*.json` and `Filters/*.json`: settings catalog policies and
//!   assignment filters in IntuneCD's backup layout (as in `fixtures/demo-tenant`),
//!   assigned to groups by name, with filters by display name;
//! - `inventory/{managedDevices,devices,users,groups}-NNN.json`: Microsoft Graph
//!   collection pages of 1,000 objects, as people save paged responses, whose group
//!   display names and membership rules are the ones the policies' assignments use;
//! - `preflight.toml`, which keeps the inventory out of `preflight check` until
//!   preflight reads inventories.
//!
//! Setting keys follow a skewed distribution (a few hundred popular settings that
//! baselines and many focused policies configure, a long tail of ADMX-backed ones),
//! and values mostly agree, so the tenant has both duplicates and conflicts.
//! Everything streams to buffered files: memory stays small at every size. The same
//! seed and size give a byte-identical tree on every platform.

mod directory;
mod inventory;
mod policies;
mod rng;
mod vocabulary;

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::str::FromStr;

pub use rng::{SkewedIndex, SplitMix64, mix64};

/// How big a tenant to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TenantSize {
    /// Settings catalog policies.
    pub policies: usize,
    /// Average number of settings per policy.
    pub mean_settings: usize,
    /// Groups, static and dynamic.
    pub groups: usize,
    /// How many of the groups are dynamic (membership rule, no members).
    pub dynamic_groups: usize,
    /// Assignment filters.
    pub filters: usize,
    /// Managed devices (and as many Entra device objects).
    pub devices: usize,
    /// Users.
    pub users: usize,
    /// Distinct settings in the long tail (the catalog beyond the popular ones).
    pub tail_settings: usize,
    /// Policies per thousand that are broad baselines (60–150 settings, mostly
    /// popular ones).
    pub baselines_per_mille: usize,
    /// Settings per thousand of the other policies that are popular ones. Larger
    /// tenants have proportionally fewer: they do not multiply their security
    /// baselines, they add narrow configurations for apps and departments, drawn
    /// from the long tail of the catalog.
    pub popular_per_mille: usize,
}

impl TenantSize {
    /// S: a small company.
    pub const SMALL: Self = Self {
        policies: 200,
        mean_settings: 40,
        groups: 300,
        dynamic_groups: 30,
        filters: 20,
        devices: 2_000,
        users: 1_000,
        tail_settings: 3_000,
        baselines_per_mille: 30,
        popular_per_mille: 150,
    };
    /// M: a mid-size enterprise.
    pub const MEDIUM: Self = Self {
        policies: 1_000,
        mean_settings: 40,
        groups: 3_000,
        dynamic_groups: 300,
        filters: 100,
        devices: 20_000,
        users: 10_000,
        tail_settings: 8_000,
        baselines_per_mille: 15,
        popular_per_mille: 60,
    };
    /// L: a large enterprise.
    pub const LARGE: Self = Self {
        policies: 5_000,
        mean_settings: 40,
        groups: 20_000,
        dynamic_groups: 2_000,
        filters: 500,
        devices: 200_000,
        users: 100_000,
        tail_settings: 40_000,
        baselines_per_mille: 5,
        popular_per_mille: 15,
    };
}

/// The named sizes of the command line and the benchmarks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NamedSize {
    /// [`TenantSize::SMALL`].
    Small,
    /// [`TenantSize::MEDIUM`].
    Medium,
    /// [`TenantSize::LARGE`].
    Large,
}

impl NamedSize {
    /// Every named size, smallest first.
    pub const ALL: [NamedSize; 3] = [NamedSize::Small, NamedSize::Medium, NamedSize::Large];

    /// The size's dimensions.
    pub fn size(self) -> TenantSize {
        match self {
            NamedSize::Small => TenantSize::SMALL,
            NamedSize::Medium => TenantSize::MEDIUM,
            NamedSize::Large => TenantSize::LARGE,
        }
    }

    /// `s`, `m` or `l`.
    pub fn letter(self) -> &'static str {
        match self {
            NamedSize::Small => "s",
            NamedSize::Medium => "m",
            NamedSize::Large => "l",
        }
    }
}

impl fmt::Display for NamedSize {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.letter())
    }
}

/// A size name that is not `s`, `m` or `l`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSize(pub String);

impl fmt::Display for UnknownSize {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "unknown size `{}`: expected s, m or l", self.0)
    }
}

impl std::error::Error for UnknownSize {}

impl FromStr for NamedSize {
    type Err = UnknownSize;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "s" | "small" => Ok(NamedSize::Small),
            "m" | "medium" => Ok(NamedSize::Medium),
            "l" | "large" => Ok(NamedSize::Large),
            _ => Err(UnknownSize(text.to_owned())),
        }
    }
}

/// What was generated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenerationStats {
    /// Policies written.
    pub policies: usize,
    /// Top-level setting instances over all policies.
    pub setting_instances: usize,
    /// Distinct setting definition ids used.
    pub distinct_settings: usize,
    /// Pairs of policies configuring the same setting: what conflict detection
    /// has to look at (audiences not considered).
    pub same_setting_pairs: u64,
    /// Of those pairs, the ones whose two values differ.
    pub differing_value_pairs: u64,
    /// Groups written (static and dynamic).
    pub groups: usize,
    /// Group-in-group memberships.
    pub nested_memberships: usize,
    /// Filters written.
    pub filters: usize,
    /// Managed devices (and Entra devices) written.
    pub devices: usize,
    /// Users written.
    pub users: usize,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
}

impl GenerationStats {
    fn record_file(&mut self, bytes: u64) {
        self.files += 1;
        self.bytes += bytes;
    }
}

/// Writes a tenant of `size` generated from `seed` under `out` (created if
/// missing; existing files with the same names are replaced).
pub fn generate(size: &TenantSize, seed: u64, out: &Path) -> io::Result<GenerationStats> {
    let mut stats = GenerationStats::default();
    let directory = directory::Directory::new(size, seed);

    let filters_dir = out.join("Filters");
    std::fs::create_dir_all(&filters_dir)?;
    for filter in &directory.filters {
        let path = filters_dir.join(format!("{}.json", file_stem(&filter.name)));
        let bytes = write_json_file(&path, &filter.to_intunecd_json(), true)?;
        stats.record_file(bytes);
    }
    stats.filters = directory.filters.len();

    let policies_dir = out.join("Settings Catalog");
    std::fs::create_dir_all(&policies_dir)?;
    let mut setting_values: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut generator = policies::PolicyGenerator::new(size, seed);
    for index in 0..size.policies {
        let policy = generator.policy(index, &directory);
        for (key, value) in &policy.setting_values {
            *setting_values
                .entry(key.clone())
                .or_default()
                .entry(value.clone())
                .or_default() += 1;
        }
        stats.setting_instances += policy.setting_values.len();
        let path = policies_dir.join(format!("{}.json", policy.file_stem));
        let bytes = write_json_file(&path, &policy.json, true)?;
        stats.record_file(bytes);
    }
    stats.policies = size.policies;
    stats.distinct_settings = setting_values.len();
    for values in setting_values.values() {
        let total: u64 = values.values().sum();
        let same: u64 = values.values().map(|count| pairs(*count)).sum();
        stats.same_setting_pairs += pairs(total);
        stats.differing_value_pairs += pairs(total) - same;
    }

    let inventory_dir = out.join("inventory");
    std::fs::create_dir_all(&inventory_dir)?;
    inventory::write_inventory(&directory, &inventory_dir, &mut stats)?;

    let config = "# Written by generate-tenant. The inventory (Microsoft Graph collection pages)\n\
                  # is kept out of the policy walk; `--inventory inventory` reads it.\n\
                  [input]\n\
                  exclude = [\"inventory/**\"]\n";
    let config_path = out.join("preflight.toml");
    std::fs::write(&config_path, config)?;
    stats.record_file(config.len() as u64);
    Ok(stats)
}

fn pairs(count: u64) -> u64 {
    count * count.saturating_sub(1) / 2
}

/// Writes `value` as JSON (indented by four spaces like IntuneCD, or compact like
/// Graph) to `path`, with a final newline; returns the bytes written.
fn write_json_file(path: &Path, value: &serde_json::Value, indented: bool) -> io::Result<u64> {
    let mut writer = CountingWriter::new(BufWriter::new(File::create(path)?));
    if indented {
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut serializer = serde_json::Serializer::with_formatter(&mut writer, formatter);
        serde::Serialize::serialize(value, &mut serializer).map_err(io::Error::from)?;
    } else {
        serde_json::to_writer(&mut writer, value)?;
    }
    writer.write_all(b"\n")?;
    writer.flush()?;
    Ok(writer.written)
}

/// A writer that counts the bytes it passes on.
struct CountingWriter<W> {
    inner: W,
    written: u64,
}

impl<W: Write> CountingWriter<W> {
    fn new(inner: W) -> Self {
        Self { inner, written: 0 }
    }
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buffer)?;
        self.written += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A file name for an object named `name`: characters that Windows or Unix do not
/// allow in file names replaced by `_`, as IntuneCD does.
fn file_stem(name: &str) -> String {
    name.chars()
        .map(|character| match character {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            other => other,
        })
        .collect()
}

/// `base`, or `base 2`, `base 3`… whichever is not in `taken` yet; records it.
fn unique_name(taken: &mut std::collections::BTreeSet<String>, base: String) -> String {
    if taken.insert(base.clone()) {
        return base;
    }
    (2..)
        .map(|number| format!("{base} {number}"))
        .find(|candidate| taken.insert(candidate.clone()))
        .unwrap_or(base)
}

/// 64-bit FNV-1a of `text`: a stable, platform-independent hash for deriving
/// per-name random streams.
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

#[cfg(test)]
mod tests;
