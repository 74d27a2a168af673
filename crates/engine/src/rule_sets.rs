//! Rules decided over a whole inventory at once: the set of devices (or users)
//! a rule holds for, as a bitset.
//!
//! Deciding a rule record by record costs rules × records evaluations: at tenant
//! scale (2,000 dynamic groups, 200,000 devices) hundreds of millions. But a
//! comparison reads one attribute, and an attribute takes far fewer distinct
//! values than there are records (a few OS types, a few hundred OS versions). So
//! the inventory is indexed by attribute value ([`AttributeIndex`]: for each
//! attribute a rule reads, each distinct value and the records holding it); a
//! comparison is decided once per distinct value, its records are the union of
//! those values' records, and `and`, `or` and `not` become intersection, union
//! and complement. Each comparison is decided by the same code that decides it
//! on one record ([`comparison_holds`]), so the two cannot disagree; a test
//! preflight does not decide makes the whole rule undecided here, and the caller
//! falls back to deciding it record by record.

use std::collections::{BTreeSet, HashMap};

use fixedbitset::FixedBitSet;
use preflight_parser::rule_language::{
    Attribute, AttributeValue, Attributes, Comparison, Expression, Operand, Operator, Rule,
    comparison_holds,
};
use rayon::prelude::*;

/// For each attribute some rule reads, the records (by index) holding each of
/// its distinct values.
#[derive(Debug, Default)]
pub struct AttributeIndex {
    /// How many records are indexed.
    records: usize,
    /// The index of each attribute read.
    columns: HashMap<Attribute, Column>,
}

/// One attribute's distinct values and the records that hold each.
#[derive(Debug, Default)]
struct Column {
    /// Each distinct value (`None`: the records where the attribute is not set).
    values: Vec<Option<AttributeValue>>,
    /// The records holding each value, in record order; parallel to `values`.
    records_of_value: Vec<Vec<u32>>,
}

impl AttributeIndex {
    /// Indexes `records` by each attribute of `attributes`.
    pub fn build(records: &[Attributes], attributes: &BTreeSet<Attribute>) -> Self {
        let columns = attributes
            .par_iter()
            .map(|attribute| (attribute.clone(), Column::build(records, attribute)))
            .collect();
        Self {
            records: records.len(),
            columns,
        }
    }

    /// The records `rule` holds for; `None` when some comparison of it is a test
    /// preflight does not decide (then decide it record by record).
    pub fn records_matching(&self, rule: &Rule) -> Option<FixedBitSet> {
        self.records_matching_each(&[rule]).pop().flatten()
    }

    /// The records each of `rules` holds for, as [`Self::records_matching`]
    /// answers for one. A comparison written in several rules (tenants repeat
    /// `device.deviceOSType -eq "Windows"` in many groups) is decided once.
    // The keys hold operands, whose compiled patterns cache matches inside; a
    // pattern hashes and compares by its source text alone, so keys never change.
    #[allow(clippy::mutable_key_type)]
    pub fn records_matching_each(&self, rules: &[&Rule]) -> Vec<Option<FixedBitSet>> {
        let mut distinct: HashMap<ComparisonKey<'_>, usize> = HashMap::new();
        let mut comparisons: Vec<&Comparison> = Vec::new();
        for rule in rules {
            collect_comparisons(&rule.expression, &mut distinct, &mut comparisons);
        }
        let decided: Vec<Option<FixedBitSet>> = comparisons
            .par_iter()
            .map(|comparison| self.comparison_matching(comparison))
            .collect();
        rules
            .par_iter()
            .map(|rule| self.matching(&rule.expression, &distinct, &decided))
            .collect()
    }

    #[allow(clippy::mutable_key_type)] // as in `records_matching_each`
    fn matching(
        &self,
        expression: &Expression,
        distinct: &HashMap<ComparisonKey<'_>, usize>,
        decided: &[Option<FixedBitSet>],
    ) -> Option<FixedBitSet> {
        match expression {
            Expression::And(parts) => {
                let mut all = self.everyone();
                for part in parts {
                    all.intersect_with(&self.matching(part, distinct, decided)?);
                }
                Some(all)
            }
            Expression::Or(parts) => {
                let mut any = FixedBitSet::with_capacity(self.records);
                for part in parts {
                    any.union_with(&self.matching(part, distinct, decided)?);
                }
                Some(any)
            }
            Expression::Not(inner) => {
                let mut complement = self.matching(inner, distinct, decided)?;
                complement.toggle_range(..);
                Some(complement)
            }
            Expression::Comparison(comparison) => {
                let position = distinct.get(&ComparisonKey::of(comparison))?;
                decided.get(*position)?.clone()
            }
        }
    }

    /// The records `comparison` holds for, deciding it once per distinct value.
    fn comparison_matching(&self, comparison: &Comparison) -> Option<FixedBitSet> {
        let mut holding = FixedBitSet::with_capacity(self.records);
        match self.columns.get(&comparison.attribute) {
            Some(column) => {
                for (value, records) in column.values.iter().zip(&column.records_of_value) {
                    if comparison_holds(comparison, value.as_ref())? {
                        holding.extend(records.iter().map(|&record| record as usize));
                    }
                }
            }
            // Not indexed: set on no record.
            None => {
                if comparison_holds(comparison, None)? {
                    holding.insert_range(..);
                }
            }
        }
        Some(holding)
    }

    fn everyone(&self) -> FixedBitSet {
        let mut all = FixedBitSet::with_capacity(self.records);
        all.insert_range(..);
        all
    }
}

impl Column {
    fn build(records: &[Attributes], attribute: &Attribute) -> Self {
        let mut column = Column::default();
        let mut id_of_value: HashMap<Option<&AttributeValue>, usize> = HashMap::new();
        for (record, attributes) in records.iter().enumerate() {
            let value = attributes.get(attribute);
            let id = *id_of_value.entry(value).or_insert_with(|| {
                column.values.push(value.cloned());
                column.records_of_value.push(Vec::new());
                column.values.len() - 1
            });
            column.records_of_value[id].push(u32::try_from(record).unwrap_or(u32::MAX));
        }
        column
    }
}

/// What makes two comparisons the same test: attribute, operator and operand
/// (not where they are written).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct ComparisonKey<'rule> {
    attribute: &'rule Attribute,
    operator: Operator,
    operand: &'rule Operand,
}

impl<'rule> ComparisonKey<'rule> {
    fn of(comparison: &'rule Comparison) -> Self {
        Self {
            attribute: &comparison.attribute,
            operator: comparison.operator,
            operand: &comparison.operand,
        }
    }
}

/// Each distinct comparison of `expression` not yet in `distinct`, appended to
/// `comparisons` with its position recorded in `distinct`.
#[allow(clippy::mutable_key_type)] // as in `AttributeIndex::records_matching_each`
fn collect_comparisons<'rule>(
    expression: &'rule Expression,
    distinct: &mut HashMap<ComparisonKey<'rule>, usize>,
    comparisons: &mut Vec<&'rule Comparison>,
) {
    match expression {
        Expression::And(parts) | Expression::Or(parts) => {
            for part in parts {
                collect_comparisons(part, distinct, comparisons);
            }
        }
        Expression::Not(inner) => collect_comparisons(inner, distinct, comparisons),
        Expression::Comparison(comparison) => {
            distinct
                .entry(ComparisonKey::of(comparison))
                .or_insert_with(|| {
                    comparisons.push(comparison);
                    comparisons.len() - 1
                });
        }
    }
}

/// Every attribute `expression` reads, into `attributes`.
pub fn attributes_read(expression: &Expression, attributes: &mut BTreeSet<Attribute>) {
    match expression {
        Expression::And(parts) | Expression::Or(parts) => {
            for part in parts {
                attributes_read(part, attributes);
            }
        }
        Expression::Not(inner) => attributes_read(inner, attributes),
        Expression::Comparison(comparison) => {
            attributes.insert(comparison.attribute.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_parser::rule_language::{RuleLanguage, evaluate, parse_rule};

    fn record(pairs: &[(Attribute, &str)]) -> Attributes {
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

    fn inventory() -> Vec<Attributes> {
        vec![
            record(&[
                (Attribute::OsType, "Windows"),
                (Attribute::OsVersion, "10.0.22631.4460"),
                (Attribute::DeviceName, "PC-01"),
            ]),
            record(&[
                (Attribute::OsType, "Windows"),
                (Attribute::OsVersion, "10.0.19045.1"),
                (Attribute::DeviceName, "KIOSK-01"),
            ]),
            record(&[
                (Attribute::OsType, "IPad"),
                (Attribute::DeviceName, "PAD-01"),
            ]),
            record(&[(Attribute::DeviceName, "UNKNOWN-01")]),
            Attributes::new(),
        ]
    }

    /// The set a rule decides over the index is the records it holds for one by one.
    #[test]
    fn sets_agree_with_record_by_record_evaluation() {
        let records = inventory();
        for text in [
            r#"(device.deviceOSType -eq "Windows")"#,
            r#"(device.deviceOSType -ne "Windows")"#,
            r#"(device.deviceOSType -eq "Windows") and (device.deviceOSVersion -startsWith "10.0.22")"#,
            r#"(device.deviceOSType -eq "Windows") or not (device.displayName -startsWith "pad")"#,
            r#"(device.deviceOSVersion -ge "10.0.20000")"#,
            r#"(device.deviceOSType -in ["IPad", "IPhone"]) or (device.deviceOSType -eq null)"#,
            r#"(device.displayName -contains "kiosk") and (device.managementType -eq "MDM")"#,
            r#"(device.devicePhysicalIds -any (_ -startsWith "[ZTDId]"))"#,
        ] {
            let rule = parse_rule(RuleLanguage::MembershipRule, text).expect("valid rule");
            let mut attributes = BTreeSet::new();
            attributes_read(&rule.expression, &mut attributes);
            let index = AttributeIndex::build(&records, &attributes);
            let set = index.records_matching(&rule).expect("decided");
            for (position, attributes) in records.iter().enumerate() {
                assert_eq!(
                    Some(set.contains(position)),
                    evaluate(&rule, attributes),
                    "{text} on record {position}"
                );
            }
        }
    }

    /// Rules decided together, sharing comparisons, get the sets they get alone.
    #[test]
    fn rules_decided_together_agree_with_each_alone() {
        let records = inventory();
        let texts = [
            r#"(device.deviceOSType -eq "Windows")"#,
            r#"(device.deviceOSType -eq "Windows") and (device.displayName -startsWith "kiosk")"#,
            r#"not (device.deviceOSType -eq "Windows") or (device.displayName -startsWith "kiosk")"#,
            r#"(device.deviceOSType -eq "IPad")"#,
        ];
        let rules: Vec<Rule> = texts
            .iter()
            .map(|text| parse_rule(RuleLanguage::MembershipRule, text).expect("valid rule"))
            .collect();
        let mut attributes = BTreeSet::new();
        for rule in &rules {
            attributes_read(&rule.expression, &mut attributes);
        }
        let index = AttributeIndex::build(&records, &attributes);
        let together = index.records_matching_each(&rules.iter().collect::<Vec<_>>());
        for ((rule, set), text) in rules.iter().zip(&together).zip(texts) {
            let set = set.as_ref().expect("decided");
            assert_eq!(Some(set), index.records_matching(rule).as_ref(), "{text}");
            for (position, attributes) in records.iter().enumerate() {
                assert_eq!(
                    Some(set.contains(position)),
                    evaluate(rule, attributes),
                    "{text} on record {position}"
                );
            }
        }
    }

    #[test]
    fn a_test_preflight_does_not_decide_leaves_the_rule_to_the_records() {
        let rule = parse_rule(
            RuleLanguage::MembershipRule,
            r#"(user.assignedPlans -any (assignedPlan.servicePlanId -eq "c1ec" -and assignedPlan.capabilityStatus -eq "Enabled")) or (user.department -eq "Sales")"#,
        )
        .expect("valid rule");
        let sales = [(
            Attribute::Named(
                preflight_parser::rule_language::Subject::User,
                "department".to_owned(),
            ),
            AttributeValue::Text("sales".to_owned()),
        )]
        .into_iter()
        .collect();
        let records = vec![sales, Attributes::new()];
        // Record by record, the first is decided (the `or` holds), the second not.
        assert_eq!(evaluate(&rule, &records[0]), Some(true));
        assert_eq!(evaluate(&rule, &records[1]), None);
        let mut attributes = BTreeSet::new();
        attributes_read(&rule.expression, &mut attributes);
        let index = AttributeIndex::build(&records, &attributes);
        assert_eq!(index.records_matching(&rule), None);
    }
}
