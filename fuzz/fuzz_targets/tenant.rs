//! The whole pipeline on a small generated tenant (`benches/src/generator`, one of
//! four seeds): one of its files is mutated (in structure, as a JSON tree, or as
//! raw bytes), then load → normalize → analyze runs with or without the
//! inventory, under one of several configurations (exclusive groups, rule levels,
//! an ignore). Nothing may panic, every location must lie inside its file, and a
//! run on one thread and a run on three give the same findings in the same order.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use preflight_engine::{AnalysisInput, Config, Report, analyze_with};
use preflight_fuzz::checks::{check_report, check_tenant, outcome, pool};
use preflight_fuzz::tenants::Tenant;
use preflight_fuzz::tree::{Dictionary, Tree, mutate};

struct Fixture {
    tenants: Vec<Tenant>,
    dictionary: Dictionary,
    one_thread: rayon::ThreadPool,
    three_threads: rayon::ThreadPool,
}

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fn fixture() -> &'static Fixture {
    FIXTURE.get_or_init(|| {
        let tenants: Vec<Tenant> = (0..4).map(Tenant::generate).collect();
        let trees: Vec<Tree> = tenants
            .iter()
            .flat_map(|tenant| &tenant.files)
            .filter_map(|(_, bytes)| Tree::parse(std::str::from_utf8(bytes).ok()?))
            .collect();
        let dictionary = Dictionary::of(&trees.iter().collect::<Vec<_>>());
        Fixture {
            tenants,
            dictionary,
            one_thread: pool(1),
            three_threads: pool(3),
        }
    })
}

/// Configurations to run under; `{group}` and `{other}` are replaced by two group
/// names of the tenant.
const CONFIGS: &[&str] = &[
    "",
    "[[exclusive]]\ngroups = [\"{group}\", \"{other}\"]\nreason = \"rings\"\n",
    "[rules]\nduplicate-setting = \"off\"\nconflicting-setting = \"warning\"\n",
    "[[ignore]]\nrule = \"conflicting-setting\"\npolicies = [\"{group}\"]\nreason = \"known\"\n",
];

fn analyze(files: &[(String, Vec<u8>)], config: &Config) -> (preflight_normalizer::Tenant, Report) {
    let tenant = preflight_normalizer::normalize(preflight_parser::load_from_memory(files.to_vec()));
    let report = analyze_with(&AnalysisInput {
        tenant: &tenant,
        config,
        config_file: None,
        plan: None,
    });
    (tenant, report)
}

fn run(data: &mut Unstructured<'_>) -> Result<()> {
    let fixture = fixture();
    let tenant = &fixture.tenants[data.choose_index(fixture.tenants.len())?];
    let with_inventory = data.ratio(3, 4)?;
    let mut files: Vec<(String, Vec<u8>)> = tenant
        .files
        .iter()
        .enumerate()
        .filter(|(index, _)| with_inventory || !tenant.is_inventory(*index))
        .map(|(_, file)| file.clone())
        .collect();
    let target = data.choose_index(files.len())?;
    match data.int_in_range(0..=3u8)? {
        // Unchanged: determinism on a well-formed tenant.
        0 => {}
        // Raw bytes over a stretch of the file.
        1 => {
            let bytes = &mut files[target].1;
            let start = data.choose_index(bytes.len() + 1)?;
            let length = data.choose_index(bytes.len() - start + 1)?.min(64);
            let replacement: Vec<u8> = data.arbitrary()?;
            bytes.splice(start..start + length, replacement);
        }
        // Structure.
        _ => {
            if let Some(mut tree) = std::str::from_utf8(&files[target].1)
                .ok()
                .and_then(Tree::parse)
            {
                let donors: Vec<&Tree> = Vec::new();
                mutate(&mut tree, data, &fixture.dictionary, &donors)?;
                files[target].1 = tree.to_json(data.arbitrary()?).into_bytes();
            }
        }
    }
    // Two group names of the tenant, for the configurations that name groups.
    let unconfigured =
        preflight_normalizer::normalize(preflight_parser::load_from_memory(files.clone()));
    let name = |index: usize| {
        unconfigured
            .groups
            .get(index)
            .map_or_else(|| "none".to_owned(), |group| group.name.replace(['"', '\\'], ""))
    };
    let config_text = CONFIGS[data.choose_index(CONFIGS.len())?]
        .replace("{group}", &name(0))
        .replace("{other}", &name(1));
    let config = Config::parse(&config_text).unwrap_or_default();

    let (first_tenant, first) = fixture.one_thread.install(|| analyze(&files, &config));
    let (_, second) = fixture.three_threads.install(|| analyze(&files, &config));
    check_tenant(&first_tenant);
    check_report(&first_tenant, &first);
    assert_eq!(
        outcome(&first),
        outcome(&second),
        "one thread and three threads disagree"
    );
    assert_eq!(first.summary, second.summary);
    Ok(())
}

fuzz_target!(|bytes: &[u8]| {
    let _ = run(&mut Unstructured::new(bytes));
});
