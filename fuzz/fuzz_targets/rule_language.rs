//! Both rule languages: a rule (built by the grammar from fuzz bytes, or raw
//! text) is parsed as a membership rule and as a filter rule. Nothing may panic;
//! every error and every comparison points inside the rule on character
//! boundaries; `evaluate` and the decision procedure's `holds` agree on every
//! device; and `span_in_json_string` maps any range of the rule onto exactly the
//! escaped text of that range in the file (and survives any range at all).
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use preflight_engine::audience_logic::Formula;
use preflight_fuzz::rules::{attributes, rule_text};
use preflight_fuzz::tree::{quote, quote_ascii};
use preflight_parser::rule_language::{
    Expression, RuleLanguage, evaluate, parse_rule, span_in_json_string,
};

fn check_range(text: &str, range: &std::ops::Range<usize>, what: &str) {
    assert!(
        range.start <= range.end && range.end <= text.len(),
        "{what} {range:?} outside a rule of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(range.start) && text.is_char_boundary(range.end),
        "{what} {range:?} not on character boundaries"
    );
}

fn check_comparisons(text: &str, expression: &Expression) {
    match expression {
        Expression::And(parts) | Expression::Or(parts) => {
            parts.iter().for_each(|part| check_comparisons(text, part));
        }
        Expression::Not(inner) => check_comparisons(text, inner),
        Expression::Comparison(comparison) => check_range(text, &comparison.span, "a comparison"),
    }
}

fn run(data: &mut Unstructured<'_>) -> Result<()> {
    let text = if data.ratio(7, 8)? {
        rule_text(data)?
    } else {
        data.arbitrary::<String>()?
    };
    for language in [RuleLanguage::MembershipRule, RuleLanguage::FilterRule] {
        match parse_rule(language, &text) {
            Err(error) => {
                check_range(&text, &error.span, "an error");
                assert!(!error.message.is_empty());
            }
            Ok(rule) => {
                check_comparisons(&text, &rule.expression);
                let formula = Formula::of_rule(&rule);
                for _ in 0..data.int_in_range(1..=4u8)? {
                    let device = attributes(data)?;
                    let evaluated = evaluate(&rule, &device);
                    let held = formula.holds(&device);
                    if let (Some(evaluated), Some(held)) = (evaluated, held) {
                        assert_eq!(
                            evaluated, held,
                            "`{text}` on {device:?}: evaluate and the formula disagree"
                        );
                    }
                }
            }
        }
    }

    // The rule as a JSON string in a file, escaped minimally or with every
    // non-ASCII character as `\uXXXX` (surrogate pairs beyond the BMP), as
    // exporters write it: any range of the rule maps onto the escaped text of
    // exactly that range.
    let escape: fn(&str) -> String = if data.arbitrary()? { quote } else { quote_ascii };
    let literal = escape(&text);
    let file = format!("{{\"rule\": {literal}}}");
    let literal_range = 9..9 + literal.len();
    let start = data.choose_index(text.len() + 1)?;
    let end = start + data.choose_index(text.len() - start + 1)?;
    let mapped = span_in_json_string(&file, literal_range.clone(), start..end);
    check_range(&file, &mapped, "a mapped range");
    if text.is_char_boundary(start) && text.is_char_boundary(end) {
        let escaped = escape(&text[start..end]);
        assert_eq!(
            &file[mapped.clone()],
            &escaped[1..escaped.len() - 1],
            "`{text}` {start}..{end} mapped to {mapped:?}"
        );
    }
    // Any ranges at all: no panic.
    let literal_start = data.int_in_range(0..=file.len())?;
    let literal_end = data.int_in_range(0..=file.len() + 2)?;
    let rule_start = data.arbitrary::<u16>()? as usize;
    let rule_end = data.arbitrary::<u16>()? as usize;
    let _ = span_in_json_string(&file, literal_start..literal_end, rule_start..rule_end);
    Ok(())
}

fuzz_target!(|bytes: &[u8]| {
    let _ = run(&mut Unstructured::new(bytes));
});
