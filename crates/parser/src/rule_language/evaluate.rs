//! Decides a rule for one device or user, given the values of its attributes.
//!
//! A property that is not set reads as `null`: it equals `null`, it is "not equal"
//! to any text, and no text test (`-startsWith`, `-contains`, …) holds for it. All
//! text comparisons ignore case. Version comparisons (`-le`, `-ge`, `-lt`, `-gt`)
//! compare dotted numbers part by part, and fall back to text order otherwise.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::{Attribute, Comparison, Expression, Operand, Operator, Rule};

/// The value of one attribute of a device or user.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AttributeValue {
    /// A text value (canonical: lowercased, closed sets unified).
    Text(String),
    /// A boolean.
    Bool(bool),
    /// A collection of texts (canonical).
    List(Vec<String>),
}

/// The attributes of one device or user. Attributes not present are `null`.
pub type Attributes = BTreeMap<Attribute, AttributeValue>;

/// Whether `rule` holds for the device or user with `attributes`; `None` when the
/// rule holds a test preflight does not decide (opaque collection tests).
pub fn evaluate(rule: &Rule, attributes: &Attributes) -> Option<bool> {
    evaluate_expression(&rule.expression, attributes)
}

/// Whether all of `parts` hold, in three-valued logic (`None`: unknown): false
/// as soon as one is false (the rest are not evaluated), unknown if one is
/// unknown, else true.
pub fn all_hold(parts: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    decided_by(parts, false)
}

/// Whether one of `parts` holds, in three-valued logic (`None`: unknown): true
/// as soon as one is true (the rest are not evaluated), unknown if one is
/// unknown, else false.
pub fn any_holds(parts: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    decided_by(parts, true)
}

/// `decisive` as soon as a part is `decisive`; otherwise unknown if a part is
/// unknown, else the other answer.
fn decided_by(parts: impl Iterator<Item = Option<bool>>, decisive: bool) -> Option<bool> {
    let mut unknown = false;
    for part in parts {
        match part {
            Some(answer) if answer == decisive => return Some(decisive),
            None => unknown = true,
            Some(_) => {}
        }
    }
    (!unknown).then_some(!decisive)
}

fn evaluate_expression(expression: &Expression, attributes: &Attributes) -> Option<bool> {
    match expression {
        Expression::And(parts) => all_hold(
            parts
                .iter()
                .map(|part| evaluate_expression(part, attributes)),
        ),
        Expression::Or(parts) => any_holds(
            parts
                .iter()
                .map(|part| evaluate_expression(part, attributes)),
        ),
        Expression::Not(inner) => evaluate_expression(inner, attributes).map(|value| !value),
        Expression::Comparison(comparison) => evaluate_comparison(comparison, attributes),
    }
}

fn evaluate_comparison(comparison: &Comparison, attributes: &Attributes) -> Option<bool> {
    comparison_holds(comparison, attributes.get(&comparison.attribute))
}

/// Whether `comparison` holds when its attribute has `value` (`None`: not set);
/// `None` when the comparison is a test preflight does not decide. A comparison
/// reads one attribute, so this is its whole input: a set of records can be
/// decided one distinct value at a time.
pub fn comparison_holds(comparison: &Comparison, value: Option<&AttributeValue>) -> Option<bool> {
    match comparison.operator {
        Operator::Any | Operator::All => {
            let Operand::Element {
                operator,
                value: test,
            } = &comparison.operand
            else {
                return None;
            };
            let items: &[String] = match value {
                Some(AttributeValue::List(items)) => items,
                Some(AttributeValue::Text(text)) => std::slice::from_ref(text),
                _ => &[],
            };
            let holds = |item: &String| text_test(*operator, Some(item), test).unwrap_or(false);
            Some(if comparison.operator == Operator::Any {
                items.iter().any(holds)
            } else {
                items.iter().all(holds)
            })
        }
        _ => {
            let text: Option<Cow<'_, str>> = match value {
                Some(AttributeValue::Text(text)) => Some(Cow::Borrowed(text)),
                Some(AttributeValue::Bool(flag)) => {
                    Some(Cow::Borrowed(if *flag { "true" } else { "false" }))
                }
                Some(AttributeValue::List(items)) => Some(Cow::Owned(items.join(","))),
                None => None,
            };
            let text = text.filter(|text| !text.is_empty());
            text_test(comparison.operator, text.as_deref(), &comparison.operand)
        }
    }
}

/// One test of a (possibly unset) text value.
pub fn text_test(operator: Operator, value: Option<&str>, operand: &Operand) -> Option<bool> {
    if let Some(negated) = operator.negated()
        && matches!(
            operator,
            Operator::NotEquals
                | Operator::NotStartsWith
                | Operator::NotEndsWith
                | Operator::NotContains
                | Operator::NotMatches
                | Operator::NotIn
        )
    {
        return text_test(negated, value, operand).map(|holds| !holds);
    }
    match (operator, operand, value) {
        (_, Operand::Opaque(_) | Operand::Element { .. }, _) => None,
        (Operator::Equals, Operand::Null, value) => Some(value.is_none()),
        (Operator::Equals, Operand::Bool(flag), value) => {
            Some(value == Some(if *flag { "true" } else { "false" }))
        }
        (_, Operand::Null | Operand::Bool(_), _) => Some(false),
        (_, _, None) => Some(false),
        (Operator::Equals, Operand::Text(expected), Some(value)) => Some(value == expected),
        (Operator::StartsWith, Operand::Text(prefix), Some(value)) => {
            Some(value.starts_with(prefix.as_str()))
        }
        (Operator::EndsWith, Operand::Text(suffix), Some(value)) => {
            Some(value.ends_with(suffix.as_str()))
        }
        (Operator::Contains, Operand::Text(part), Some(value)) => {
            Some(value.contains(part.as_str()))
        }
        (Operator::In, Operand::List(items), Some(value)) => {
            Some(items.iter().any(|item| item == value))
        }
        (Operator::Matches, Operand::Pattern(pattern), Some(value)) => {
            Some(pattern.regex.is_match(value))
        }
        (
            Operator::AtMost | Operator::AtLeast | Operator::Below | Operator::Above,
            Operand::Text(bound),
            Some(value),
        ) => {
            let order = compare_versions(value, bound);
            Some(match operator {
                Operator::AtMost => order.is_le(),
                Operator::AtLeast => order.is_ge(),
                Operator::Below => order.is_lt(),
                _ => order.is_gt(),
            })
        }
        _ => Some(false),
    }
}

/// Compares dotted numbers part by part (`10.0.9` < `10.0.10`); texts that are not
/// dotted numbers compare as text.
pub fn compare_versions(left: &str, right: &str) -> std::cmp::Ordering {
    let parse = |text: &str| -> Option<Vec<u64>> {
        text.split('.')
            .map(|part| part.parse::<u64>().ok())
            .collect()
    };
    match (parse(left), parse(right)) {
        (Some(mut left), Some(mut right)) => {
            let length = left.len().max(right.len());
            left.resize(length, 0);
            right.resize(length, 0);
            left.cmp(&right)
        }
        _ => left.cmp(right),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule_language::{RuleLanguage, parse_rule};

    #[test]
    fn three_valued_and_and_or() {
        let (yes, no, unknown) = (Some(true), Some(false), None);
        let all = |parts: &[Option<bool>]| all_hold(parts.iter().copied());
        let any = |parts: &[Option<bool>]| any_holds(parts.iter().copied());
        assert_eq!(all(&[]), yes);
        assert_eq!(all(&[yes, yes]), yes);
        assert_eq!(all(&[yes, unknown]), unknown);
        assert_eq!(all(&[unknown, no]), no);
        assert_eq!(any(&[]), no);
        assert_eq!(any(&[no, no]), no);
        assert_eq!(any(&[no, unknown]), unknown);
        assert_eq!(any(&[unknown, yes]), yes);
        // The first decisive part ends the evaluation.
        let mut evaluated = 0;
        let parts = [no, yes, yes].into_iter().inspect(|_| evaluated += 1);
        assert_eq!(all_hold(parts), no);
        assert_eq!(evaluated, 1);
    }

    fn device(pairs: &[(Attribute, &str)]) -> Attributes {
        pairs
            .iter()
            .map(|(attribute, value)| {
                (
                    attribute.clone(),
                    AttributeValue::Text(attribute.canonical_value(value)),
                )
            })
            .collect()
    }

    fn holds(text: &str, attributes: &Attributes) -> Option<bool> {
        let rule = parse_rule(RuleLanguage::MembershipRule, text).expect("valid rule");
        evaluate(&rule, attributes)
    }

    #[test]
    fn comparisons_ignore_case_and_unset_properties_are_null() {
        let pc = device(&[
            (Attribute::OsType, "Windows"),
            (Attribute::OsVersion, "10.0.22631.4460"),
        ]);
        assert_eq!(
            holds(r#"device.deviceOSType -eq "WINDOWS""#, &pc),
            Some(true)
        );
        assert_eq!(
            holds(r#"device.deviceOSVersion -startsWith "10.0.2""#, &pc),
            Some(true)
        );
        assert_eq!(
            holds(r#"device.enrollmentProfileName -eq null"#, &pc),
            Some(true)
        );
        assert_eq!(
            holds(r#"device.enrollmentProfileName -ne "Kiosk""#, &pc),
            Some(true)
        );
        assert_eq!(
            holds(r#"device.enrollmentProfileName -startsWith "K""#, &pc),
            Some(false)
        );
        assert_eq!(
            holds(r#"device.deviceOSVersion -ge "10.0.22000""#, &pc),
            Some(true)
        );
        assert_eq!(
            holds(r#"device.deviceOSType -match "^win""#, &pc),
            Some(true)
        );
        assert_eq!(
            holds(
                r#"device.deviceOwnership -eq "Company""#,
                &device(&[(Attribute::Ownership, "Corporate")])
            ),
            Some(true)
        );
    }

    #[test]
    fn collections_any_and_all() {
        let mut autopilot = Attributes::new();
        autopilot.insert(
            Attribute::PhysicalIds,
            AttributeValue::List(vec!["[ztdid]:abc".to_owned(), "[orderid]:x".to_owned()]),
        );
        assert_eq!(
            holds(
                r#"device.devicePhysicalIds -any (_ -startsWith "[ZTDId]")"#,
                &autopilot
            ),
            Some(true)
        );
        assert_eq!(
            holds(
                r#"device.devicePhysicalIds -all (_ -notStartsWith "[ZTDId]")"#,
                &autopilot
            ),
            Some(false)
        );
        assert_eq!(
            holds(
                r#"device.devicePhysicalIds -all (_ -notStartsWith "[ZTDId]")"#,
                &Attributes::new()
            ),
            Some(true)
        );
    }

    #[test]
    fn opaque_tests_are_undecided() {
        let rule = r#"user.assignedPlans -any (assignedPlan.servicePlanId -eq "x" -and assignedPlan.capabilityStatus -eq "Enabled")"#;
        assert_eq!(holds(rule, &Attributes::new()), None);
        assert_eq!(
            holds(
                &format!("({rule}) and user.department -eq \"x\""),
                &Attributes::new()
            ),
            Some(false)
        );
    }
}
