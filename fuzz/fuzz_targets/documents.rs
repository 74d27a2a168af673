//! Every document reader, through structure: a set of real-shaped documents of
//! one kind (settings catalog, legacy templates, custom profiles, compliance,
//! administrative templates, intents, Graph pages with separate `/settings` and
//! `/assignments`, groups, filters, inventory pages, a rollout plan, catalog
//! definitions) is taken as a JSON tree and mutated in structure by the fuzz bytes
//! (values of the wrong type, members deleted, repeated, renamed, pieces of other
//! documents spliced in), so the input stays JSON and reaches the normalizers.
//! Then load, normalize, analyze (with the plan, when the set has one), evaluate
//! the plan and ask `who` for the first device and user. Nothing may panic and
//! every location must lie inside its file.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use preflight_engine::{AnalysisContext, AnalysisInput, Config, analyze_with};
use preflight_fuzz::checks::{check_report, check_tenant};
use preflight_fuzz::templates::{PLAN_PATH, Parsed};
use preflight_fuzz::tree::mutate;

static TEMPLATES: OnceLock<Parsed> = OnceLock::new();

fn run(data: &mut Unstructured<'_>) -> Result<()> {
    let templates = TEMPLATES.get_or_init(Parsed::new);
    let donors = templates.donors();
    let mut set = templates.sets[data.choose_index(templates.sets.len())?].clone();
    for _ in 0..data.int_in_range(1..=2u8)? {
        let file = data.choose_index(set.len())?;
        mutate(&mut set[file].tree, data, &templates.dictionary, &donors)?;
    }
    let pretty = data.arbitrary::<bool>()?;
    let ascii = data.arbitrary::<bool>()?;
    let mut plan_text = None;
    let mut files = Vec::new();
    for template in &set {
        if template.path == PLAN_PATH {
            plan_text = Some(template.tree.to_json(pretty));
        } else {
            files.push((template.path.to_owned(), template.to_bytes(pretty, ascii)));
        }
    }

    let mut tenant = preflight_normalizer::normalize(preflight_parser::load_from_memory(files));
    let plan = plan_text.and_then(|text| {
        let file = tenant.add_source_file(PLAN_PATH.into(), PLAN_PATH.to_owned(), &text);
        let root = preflight_parser::json::parse(&text).ok()?;
        let mut problems = Vec::new();
        let plan = preflight_normalizer::plan::read_plan(file, &root, &mut problems);
        tenant.problems.extend(problems);
        plan
    });
    check_tenant(&tenant);
    let config = Config::default();
    let report = analyze_with(&AnalysisInput {
        tenant: &tenant,
        config: &config,
        config_file: None,
        plan: plan.as_ref(),
    });
    check_report(&tenant, &report);
    if let Some(plan) = &plan {
        let _ = preflight_engine::rollout::evaluate_plan(&tenant, &config, None, plan);
    }
    let context = AnalysisContext::new(&tenant, &config, None);
    let subjects = [
        (!tenant.devices.is_empty()).then_some(preflight_engine::who::Subject::Device(0)),
        (!tenant.users.is_empty()).then_some(preflight_engine::who::Subject::User(0)),
        (!tenant.groups.is_empty()).then_some(preflight_engine::who::Subject::Group(0)),
    ];
    for subject in subjects.into_iter().flatten() {
        let _ = preflight_engine::who::routes(
            &tenant,
            context.target_graph(),
            context.audiences(),
            context.inventory_rules(),
            subject,
        );
    }
    Ok(())
}

fuzz_target!(|bytes: &[u8]| {
    let _ = run(&mut Unstructured::new(bytes));
});
