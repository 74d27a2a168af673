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
    /// Where each value's records start in `records` (one more entry than
    /// values): one allocation for the column, not one per value (device names
    /// have as many values as there are devices).
    starts: Vec<u32>,
    /// The records holding each value, value by value, in record order.
    records: Vec<u32>,
    /// When every value is a text (or unset): the ids of the text values, in
    /// the order of their texts, so that equality, `-in` and prefix tests find
    /// their values by binary search instead of testing each of, for device
    /// names, 200,000 distinct values. Sorted on the first such test.
    texts_in_order: std::sync::OnceLock<Option<Vec<u32>>>,
    /// Every element of every value (a list's items, a text as its one item) as
    /// (value id, item position), in the order of the elements' texts: for
    /// `-any (_ -eq …)` and `-any (_ -startsWith …)` over collections such as
    /// `devicePhysicalIds`, whose values are as many as the devices. Sorted on
    /// the first such test.
    elements_in_order: std::sync::OnceLock<Vec<(u32, u32)>>,
}

impl AttributeIndex {
    /// Indexes `records` by each attribute of `attributes`.
    pub fn build(records: &[Attributes], attributes: &BTreeSet<Attribute>) -> Self {
        Self::read(records.len(), attributes, |record, wanted, values| {
            values.extend(
                wanted
                    .iter()
                    .map(|attribute| records[record].get(*attribute).cloned()),
            );
        })
    }

    /// Indexes `attributes` over `records` records, each read by `read`, which
    /// pushes onto its last argument the record's value of each attribute
    /// asked for, in the order asked (`None` where it is not set).
    ///
    /// The inventory's devices and users are read this way straight from the
    /// tenant, without a map of attributes for each record: at tenant scale
    /// building and freeing 300,000 such maps cost more than indexing them.
    pub fn read(
        records: usize,
        attributes: &BTreeSet<Attribute>,
        read: impl Fn(usize, &[&Attribute], &mut Vec<Option<AttributeValue>>) + Sync,
    ) -> Self {
        // The columns in as many groups as threads, each group built in one
        // pass over the records, each record read once for every column of the
        // group (a record's properties are spread over the heap: a pass per
        // column would fetch each of them once per column).
        let wanted: Vec<&Attribute> = attributes.iter().collect();
        let group_size = wanted
            .len()
            .div_ceil(rayon::current_num_threads().max(1))
            .max(1);
        let builders: Vec<ColumnBuilder> = wanted
            .par_chunks(group_size)
            .flat_map_iter(|group| columns_in_one_pass(records, group, &read))
            .collect();
        let columns = wanted
            .into_iter()
            .zip(builders)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(attribute, builder)| (attribute.clone(), builder.finish()))
            .collect();
        Self { records, columns }
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
            Some(column) if let Some(values) = column.text_values_matching(comparison) => {
                for value in values {
                    holding.extend(
                        column
                            .records_of_value(value)
                            .iter()
                            .map(|&record| record as usize),
                    );
                }
            }
            Some(column) => {
                for (id, value) in column.values.iter().enumerate() {
                    let records = column.records_of_value(id);
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

/// The builders of the columns of `wanted`, in one pass over `records` records.
fn columns_in_one_pass(
    records: usize,
    wanted: &[&Attribute],
    read: &impl Fn(usize, &[&Attribute], &mut Vec<Option<AttributeValue>>),
) -> Vec<ColumnBuilder> {
    // Sized for as many values as records: the columns of names and ids have
    // nearly that many, and growing their maps rehashed every value seen so
    // far.
    let mut builders: Vec<ColumnBuilder> = wanted
        .iter()
        .map(|_| ColumnBuilder::with_capacity(records))
        .collect();
    let mut values = Vec::with_capacity(wanted.len());
    for record in 0..records {
        read(record, wanted, &mut values);
        // A reader that gives fewer values leaves the rest unset.
        values.resize(wanted.len(), None);
        for (value, builder) in values.drain(..).zip(&mut builders) {
            builder.push(value);
        }
    }
    builders
}

/// A column being read: its distinct values so far and each record's value id.
struct ColumnBuilder {
    id_of_value: rustc_hash::FxHashMap<Option<AttributeValue>, u32>,
    value_of_record: Vec<u32>,
}

impl ColumnBuilder {
    /// A builder for `records` records.
    fn with_capacity(records: usize) -> Self {
        let mut id_of_value = rustc_hash::FxHashMap::default();
        id_of_value.reserve(records);
        Self {
            id_of_value,
            value_of_record: Vec::with_capacity(records),
        }
    }

    /// The next record's value (kept when it is the first of its kind, else
    /// dropped at once).
    fn push(&mut self, value: Option<AttributeValue>) {
        let next = u32::try_from(self.id_of_value.len()).unwrap_or(u32::MAX);
        let id = *self.id_of_value.entry(value).or_insert(next);
        self.value_of_record.push(id);
    }

    /// The column: each value's records, counted then placed in record order.
    fn finish(self) -> Column {
        let mut values = vec![None; self.id_of_value.len()];
        // Each value goes to the place its id names: the order of the walk
        // cannot show in the column.
        #[allow(clippy::iter_over_hash_type)]
        for (value, id) in self.id_of_value {
            if let Some(slot) = values.get_mut(id as usize) {
                *slot = value;
            }
        }
        let (starts, records) = crate::grouped::grouped_by_key(
            values.len(),
            self.value_of_record
                .iter()
                .enumerate()
                .map(|(record, &value)| {
                    (value as usize, u32::try_from(record).unwrap_or(u32::MAX))
                }),
        );
        Column {
            values,
            starts: starts
                .into_iter()
                .map(|start| u32::try_from(start).unwrap_or(u32::MAX))
                .collect(),
            records,
            ..Column::default()
        }
    }
}

impl Column {
    /// The records holding value `id`, in record order.
    fn records_of_value(&self, id: usize) -> &[u32] {
        match (self.starts.get(id), self.starts.get(id + 1)) {
            (Some(&start), Some(&end)) => &self.records[start as usize..end as usize],
            _ => &[],
        }
    }

    /// The ids of the text values in the order of their texts; `None` when some
    /// value is not a text.
    fn texts_in_order(&self) -> Option<&[u32]> {
        self.texts_in_order
            .get_or_init(|| {
                let all_texts = self
                    .values
                    .iter()
                    .all(|value| matches!(value, None | Some(AttributeValue::Text(_))));
                all_texts.then(|| {
                    let order: Vec<u32> = (0..self.values.len())
                        .filter(|&id| self.values[id].is_some())
                        .map(|id| u32::try_from(id).unwrap_or(u32::MAX))
                        .collect();
                    sorted_by_text(order, |id| self.text(id))
                })
            })
            .as_deref()
    }

    /// The text of value `id` (empty for an unset or non-text value).
    fn text(&self, id: u32) -> &str {
        match self.values.get(id as usize) {
            Some(Some(AttributeValue::Text(text))) => text,
            _ => "",
        }
    }

    /// Element `item` of value `id` (a list's item, or the text itself).
    fn element(&self, (id, item): (u32, u32)) -> &str {
        match self.values.get(id as usize) {
            Some(Some(AttributeValue::List(items))) => {
                items.get(item as usize).map_or("", String::as_str)
            }
            Some(Some(AttributeValue::Text(text))) => text,
            _ => "",
        }
    }

    fn elements_in_order(&self) -> &[(u32, u32)] {
        self.elements_in_order.get_or_init(|| {
            let mut elements: Vec<(u32, u32)> = Vec::new();
            for (id, value) in self.values.iter().enumerate() {
                let id = u32::try_from(id).unwrap_or(u32::MAX);
                let count = match value {
                    Some(AttributeValue::List(items)) => items.len(),
                    Some(AttributeValue::Text(_)) => 1,
                    Some(AttributeValue::Bool(_)) | None => 0,
                };
                elements
                    .extend((0..count).map(|item| (id, u32::try_from(item).unwrap_or(u32::MAX))));
            }
            sorted_by_text(elements, |element| self.element(element))
        })
    }

    /// The values (by id) an `-any` test holds for, found in the sorted
    /// elements: `-any (_ -eq "text")` and `-any (_ -startsWith "text")` with a
    /// non-empty text. `None` for every other test. Agrees with
    /// [`comparison_holds`]: such a test holds for a value exactly when one of
    /// its elements equals (starts with) the text.
    fn any_element_matching(&self, comparison: &Comparison) -> Option<Vec<usize>> {
        let Operand::Element { operator, value } = &comparison.operand else {
            return None;
        };
        let Operand::Text(wanted) = value.as_ref() else {
            return None;
        };
        if comparison.operator != Operator::Any || wanted.is_empty() {
            return None;
        }
        let elements = self.elements_in_order();
        let start = elements.partition_point(|&element| self.element(element) < wanted.as_str());
        let end = start
            + match operator {
                Operator::Equals => elements[start..]
                    .partition_point(|&element| self.element(element) == wanted.as_str()),
                Operator::StartsWith => elements[start..]
                    .partition_point(|&element| self.element(element).starts_with(wanted.as_str())),
                _ => return None,
            };
        let mut found: Vec<usize> = elements[start..end]
            .iter()
            .map(|&(id, _)| id as usize)
            .collect();
        found.sort_unstable();
        found.dedup();
        Some(found)
    }

    /// The values (by id) `comparison` holds for, found in the sorted texts, for
    /// the tests that are plain text equality or prefix: `-eq`, `-in`,
    /// `-startsWith` with a non-empty text, and their negations. `None` for
    /// every other test, and when the values are not all texts. Agrees with
    /// [`comparison_holds`] on every value: a test holds for a value exactly
    /// when its text equals (starts with) the operand, an empty or unset value
    /// never does, and a negation holds exactly where its test does not.
    fn text_values_matching(&self, comparison: &Comparison) -> Option<Vec<usize>> {
        if comparison.operator == Operator::Any {
            return self.any_element_matching(comparison);
        }
        let (positive, negated) = match comparison.operator {
            Operator::Equals | Operator::In | Operator::StartsWith => (comparison.operator, false),
            Operator::NotEquals => (Operator::Equals, true),
            Operator::NotIn => (Operator::In, true),
            Operator::NotStartsWith => (Operator::StartsWith, true),
            _ => return None,
        };
        let order = self.texts_in_order()?;
        let mut found: Vec<usize> = Vec::new();
        let mut equal_to = |wanted: &str| {
            let start = order.partition_point(|&id| self.text(id) < wanted);
            let end = order.partition_point(|&id| self.text(id) <= wanted);
            found.extend(order[start..end].iter().map(|&id| id as usize));
        };
        match (positive, &comparison.operand) {
            (Operator::Equals, Operand::Text(wanted)) if !wanted.is_empty() => equal_to(wanted),
            (Operator::In, Operand::List(items)) => {
                let mut items: Vec<&str> = items
                    .iter()
                    .map(String::as_str)
                    .filter(|item| !item.is_empty())
                    .collect();
                items.sort_unstable();
                items.dedup();
                for item in items {
                    equal_to(item);
                }
            }
            (Operator::StartsWith, Operand::Text(prefix)) if !prefix.is_empty() => {
                let start = order.partition_point(|&id| self.text(id) < prefix.as_str());
                let end = start
                    + order[start..]
                        .partition_point(|&id| self.text(id).starts_with(prefix.as_str()));
                found.extend(order[start..end].iter().map(|&id| id as usize));
            }
            _ => return None,
        }
        if !negated {
            return Some(found);
        }
        let mut matched = vec![false; self.values.len()];
        for id in found {
            matched[id] = true;
        }
        Some((0..self.values.len()).filter(|&id| !matched[id]).collect())
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

/// `items` in the order of their texts. Each text's first 16 bytes are read
/// once into a number, and most comparisons compare those numbers: sorting
/// 200,000 device names or 600,000 physical ids through their texts fetched
/// each from its own allocation, every comparison, cost hundreds of
/// milliseconds at tenant scale.
fn sorted_by_text<'text, Item: Copy>(
    items: Vec<Item>,
    text: impl Fn(Item) -> &'text str,
) -> Vec<Item> {
    let mut keyed: Vec<(u128, Item)> = items
        .into_iter()
        .map(|item| (text_prefix(text(item)), item))
        .collect();
    // Two texts whose prefixes differ are in the order of their prefixes.
    keyed.sort_unstable_by(|(left_prefix, left), (right_prefix, right)| {
        left_prefix
            .cmp(right_prefix)
            .then_with(|| text(*left).cmp(text(*right)))
    });
    keyed.into_iter().map(|(_, item)| item).collect()
}

/// The first 16 bytes of `text` as a big-endian number, zeros past its end:
/// when the prefixes of two texts differ, they compare as the texts do.
fn text_prefix(text: &str) -> u128 {
    let mut bytes = [0_u8; 16];
    let length = text.len().min(16);
    bytes[..length].copy_from_slice(&text.as_bytes()[..length]);
    u128::from_be_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_parser::rule_language::{RuleLanguage, evaluate, parse_rule};

    proptest::proptest! {
        /// Sorting by prefix numbers first gives the order of the texts, for
        /// texts that share long prefixes, end early or hold zero bytes.
        #[test]
        fn texts_sorted_by_prefix_are_in_text_order(
            texts in proptest::collection::vec("(device_vendor_msft_[a-c]{0,3}|[a\\x00]{0,18}|)", 0..60),
        ) {
            let sorted = sorted_by_text((0..texts.len()).collect(), |index| texts[index].as_str());
            let in_order: Vec<&str> = sorted.iter().map(|&index| texts[index].as_str()).collect();
            let mut expected: Vec<&str> = texts.iter().map(String::as_str).collect();
            expected.sort_unstable();
            proptest::prop_assert_eq!(in_order, expected);
        }
    }

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

    /// Every rule of `rules`, decided over `index`, holds for exactly the
    /// records it holds for one by one.
    fn assert_index_agrees(index: &AttributeIndex, records: &[Attributes], rules: &[&str]) {
        for text in rules {
            let rule = parse_rule(RuleLanguage::MembershipRule, text).expect("valid rule");
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

    /// Equality, `-in` and prefix tests found in the sorted texts agree with
    /// testing each value, on names that are prefixes of one another, empty,
    /// unset, and differ only past the prefix.
    #[test]
    fn sorted_text_lookups_agree_with_testing_each_value() {
        let names = [
            "", "dev-", "dev-01", "dev-010", "dev-02", "deva", "dev", "lab-01", "kiosk-01",
            "dev-01",
        ];
        let mut records: Vec<Attributes> = names
            .iter()
            .map(|name| record(&[(Attribute::DeviceName, name)]))
            .collect();
        records.push(Attributes::new());
        let mut attributes = BTreeSet::new();
        attributes.insert(Attribute::DeviceName);
        let index = AttributeIndex::build(&records, &attributes);
        let rules = [
            r#"(device.displayName -eq "DEV-01")"#,
            r#"(device.displayName -ne "DEV-01")"#,
            r#"(device.displayName -eq "")"#,
            r#"(device.displayName -ne "")"#,
            r#"(device.displayName -eq "nothing")"#,
            r#"(device.displayName -in ["dev-01", "LAB-01", "", "dev-01"])"#,
            r#"(device.displayName -notIn ["dev-01", "lab-01"])"#,
            r#"(device.displayName -startsWith "DEV-0")"#,
            r#"(device.displayName -startsWith "dev")"#,
            r#"(device.displayName -startsWith "")"#,
            r#"(device.displayName -notStartsWith "dev-")"#,
            r#"(device.displayName -startsWith "zzz")"#,
            r#"(device.displayName -any (_ -eq "dev-01"))"#,
            r#"(device.displayName -any (_ -startsWith "dev-0"))"#,
        ];
        assert_index_agrees(&index, &records, &rules);
    }

    /// `-any` tests found in the sorted elements of a collection agree with
    /// testing each value: several items, no items, one text, unset.
    #[test]
    fn sorted_element_lookups_agree_with_testing_each_value() {
        let list = |items: &[&str]| {
            let mut attributes = Attributes::new();
            attributes.insert(
                Attribute::PhysicalIds,
                AttributeValue::List(items.iter().map(|item| (*item).to_owned()).collect()),
            );
            attributes
        };
        let mut records = vec![
            list(&["[zt did]:1", "[orderid]:sales"]),
            list(&["[orderid]:sales-austin"]),
            list(&["[orderid]:engineering", "[orderid]:sales"]),
            list(&[]),
            list(&[""]),
            Attributes::new(),
        ];
        let mut text = Attributes::new();
        text.insert(
            Attribute::PhysicalIds,
            AttributeValue::Text("[orderid]:sales".to_owned()),
        );
        records.push(text);
        let mut attributes = BTreeSet::new();
        attributes.insert(Attribute::PhysicalIds);
        let index = AttributeIndex::build(&records, &attributes);
        let rules = [
            r#"(device.devicePhysicalIds -any (_ -eq "[OrderId]:Sales"))"#,
            r#"(device.devicePhysicalIds -any (_ -startsWith "[OrderId]:Sales"))"#,
            r#"(device.devicePhysicalIds -any (_ -startsWith "[OrderId]"))"#,
            r#"(device.devicePhysicalIds -any (_ -eq "nothing"))"#,
            r#"(device.devicePhysicalIds -all (_ -startsWith "[OrderId]"))"#,
            r#"not (device.devicePhysicalIds -any (_ -eq "[OrderId]:Sales"))"#,
        ];
        assert_index_agrees(&index, &records, &rules);
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
            // Indexed by the attributes this rule reads, and no others.
            let rule = parse_rule(RuleLanguage::MembershipRule, text).expect("valid rule");
            let mut attributes = BTreeSet::new();
            attributes_read(&rule.expression, &mut attributes);
            let index = AttributeIndex::build(&records, &attributes);
            assert_index_agrees(&index, &records, &[text]);
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
