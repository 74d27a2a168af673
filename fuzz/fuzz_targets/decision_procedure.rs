//! The decision procedure on formulas from two fuzzed rules, combined the way the
//! engine combines them (a platform bound, a negated exclusion, a filter in
//! exclude mode). It must answer within its budget and never panic; a `disjoint`
//! must hold on every device tried, an example must satisfy both formulas, and a
//! containment (first within second) must hold on every device tried.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use preflight_engine::audience_logic::{DEFAULT_BUDGET, Decision, Formula, decide};
use preflight_fuzz::rules::{attributes, rule_text};
use preflight_parser::rule_language::{RuleLanguage, parse_rule};

const PLATFORMS: &[&[&str]] = &[
    &["windows"],
    &["macmdm", "macos"],
    &["ios", "ipad", "iphone"],
    &["android", "androidforwork", "androidenterprise", "androidaosp"],
];

fn formula(data: &mut Unstructured<'_>) -> Result<Option<Formula>> {
    let language = if data.arbitrary()? {
        RuleLanguage::MembershipRule
    } else {
        RuleLanguage::FilterRule
    };
    let Ok(rule) = parse_rule(language, &rule_text(data)?) else {
        return Ok(None);
    };
    let mut formula = Formula::of_rule(&rule);
    // Combined as the engine combines audiences.
    match data.int_in_range(0..=4u8)? {
        0 => formula = formula.negated(),
        1 => {
            let platform = PLATFORMS[data.choose_index(PLATFORMS.len())?];
            formula = Formula::all(vec![formula, Formula::os_type_in(platform)]);
        }
        2 => {
            let Ok(other) = parse_rule(language, &rule_text(data)?) else {
                return Ok(Some(formula));
            };
            formula = Formula::all(vec![formula, Formula::of_rule(&other).negated()]);
        }
        _ => {}
    }
    Ok(Some(formula))
}

fn run(data: &mut Unstructured<'_>) -> Result<()> {
    let (Some(first), Some(second)) = (formula(data)?, formula(data)?) else {
        return Ok(());
    };
    let mut devices = Vec::new();
    for _ in 0..data.int_in_range(1..=16u8)? {
        devices.push(attributes(data)?);
    }
    match decide(&first, &second, DEFAULT_BUDGET) {
        Decision::Disjoint => {
            for device in &devices {
                let both = first.holds(device) == Some(true) && second.holds(device) == Some(true);
                assert!(!both, "disjoint, yet {device:?} is in both {first:?} and {second:?}");
            }
        }
        Decision::Possible { example, .. } => {
            assert_eq!(first.holds(&example), Some(true), "example {example:?} of {first:?}");
            assert_eq!(second.holds(&example), Some(true), "example {example:?} of {second:?}");
        }
        Decision::Unknown { .. } => {}
    }
    if decide(&first, &second.negated(), DEFAULT_BUDGET) == Decision::Disjoint {
        for device in &devices {
            if first.holds(device) == Some(true) {
                assert_ne!(
                    second.holds(device),
                    Some(false),
                    "{first:?} within {second:?}, yet {device:?} is only in the first"
                );
            }
        }
    }
    Ok(())
}

fuzz_target!(|bytes: &[u8]| {
    let _ = run(&mut Unstructured::new(bytes));
});
