//! Deciding from rules alone whether two audiences can share a device or user.
//!
//! An audience is a [`Formula`]: a boolean combination of tests of attributes (a
//! dynamic group's rule, a filter's rule, the policy's platform, the negation of an
//! excluded group's rule). [`decide`] answers for two formulas:
//! - [`Decision::Disjoint`]: proved that no device or user satisfies both (sound:
//!   said only when a contradiction is found in every case);
//! - [`Decision::Possible`]: a witness, attribute values of an example device or
//!   user that satisfies both, checked by evaluating both formulas on it;
//! - [`Decision::Unknown`]: outside what the procedure decides (regular
//!   expressions it cannot satisfy by construction, opaque collection tests, or too
//!   many cases for the budget).
//!
//! The procedure puts both formulas in disjunctive normal form and, for each pair of
//! cases, solves each attribute's constraints: closed sets and equalities by trying
//! every candidate, open strings by building a value from the prefixes, substrings
//! and suffixes required and checking it against every constraint, versions by
//! their bounds.

use std::collections::BTreeMap;
use std::sync::Arc;

use preflight_parser::rule_language::{
    Attribute, AttributeValue, Attributes, Comparison, Expression, Operand, Operator, Rule,
    all_hold, any_holds, evaluate::compare_versions, text_test,
};

/// One test of one attribute, in positive form, with its polarity.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Literal {
    /// The attribute tested.
    pub attribute: Attribute,
    /// The test.
    pub test: Test,
    /// Whether the test must hold (`true`) or must not (`false`).
    pub positive: bool,
}

/// A test of an attribute.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Test {
    /// A text test with a positive operator (`-eq`, `-startsWith`, `-contains`,
    /// `-endsWith`, `-match`, `-in`, `-le`, `-ge`, `-lt`, `-gt`).
    Text(Operator, Operand),
    /// Some element of a collection passes a text test (positive operator).
    AnyElement(Operator, Operand),
    /// A test preflight does not decide, by its text.
    Opaque(String),
}

/// An audience as a formula in negation normal form.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Formula {
    /// Everyone.
    True,
    /// No one.
    False,
    /// One test.
    Literal(Literal),
    /// All of these.
    And(Vec<Formula>),
    /// One of these.
    Or(Vec<Formula>),
}

/// The answer for two audiences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// No device or user can be in both.
    Disjoint,
    /// This device or user is in both.
    Possible {
        /// Attribute values of the example (attribute name → value; `(not set)`
        /// for a property that must be empty).
        witness: BTreeMap<String, String>,
        /// The example itself, as attributes both formulas hold for.
        example: Attributes,
    },
    /// Not decided.
    Unknown {
        /// Why.
        reason: String,
    },
}

impl Formula {
    /// The formula of a parsed rule.
    pub fn of_rule(rule: &Rule) -> Formula {
        of_expression(&rule.expression, true)
    }

    /// Devices whose OS type is one of `os_types` (canonical values), as a
    /// platform bounds an audience.
    pub fn os_type_in(os_types: &[&str]) -> Formula {
        if os_types.is_empty() {
            return Formula::True;
        }
        Formula::Literal(Literal {
            attribute: Attribute::OsType,
            test: Test::Text(
                Operator::In,
                Operand::List(os_types.iter().map(|os| (*os).to_owned()).collect()),
            ),
            positive: true,
        })
    }

    /// All of `parts`.
    pub fn all(parts: Vec<Formula>) -> Formula {
        let mut flat = Vec::new();
        for part in parts {
            match part {
                Formula::True => {}
                Formula::False => return Formula::False,
                Formula::And(inner) => flat.extend(inner),
                other => flat.push(other),
            }
        }
        match flat.len() {
            0 => Formula::True,
            1 => flat.swap_remove(0),
            _ => Formula::And(flat),
        }
    }

    /// The negation, in negation normal form.
    pub fn negated(&self) -> Formula {
        match self {
            Formula::True => Formula::False,
            Formula::False => Formula::True,
            Formula::Literal(literal) => Formula::Literal(Literal {
                positive: !literal.positive,
                ..literal.clone()
            }),
            Formula::And(parts) => Formula::Or(parts.iter().map(Formula::negated).collect()),
            Formula::Or(parts) => Formula::all(parts.iter().map(Formula::negated).collect()),
        }
    }

    /// Whether the formula holds for `attributes`; `None` for opaque tests.
    pub fn holds(&self, attributes: &Attributes) -> Option<bool> {
        match self {
            Formula::True => Some(true),
            Formula::False => Some(false),
            Formula::Literal(literal) => literal_holds(literal, attributes),
            Formula::And(parts) => all_hold(parts.iter().map(|part| part.holds(attributes))),
            Formula::Or(parts) => any_holds(parts.iter().map(|part| part.holds(attributes))),
        }
    }
}

fn of_expression(expression: &Expression, positive: bool) -> Formula {
    match expression {
        Expression::Not(inner) => of_expression(inner, !positive),
        Expression::And(parts) if positive => {
            Formula::all(parts.iter().map(|part| of_expression(part, true)).collect())
        }
        Expression::Or(parts) if !positive => Formula::all(
            parts
                .iter()
                .map(|part| of_expression(part, false))
                .collect(),
        ),
        Expression::And(parts) | Expression::Or(parts) => Formula::Or(
            parts
                .iter()
                .map(|part| of_expression(part, positive))
                .collect(),
        ),
        Expression::Comparison(comparison) => match strict_bound(comparison) {
            Some(formula) if positive => formula,
            Some(formula) => formula.negated(),
            None => Formula::Literal(literal_of(comparison, positive)),
        },
    }
}

/// `-lt` and `-gt` as formulas over the positive operators. Like every test but
/// `-eq null`, they fail on an unset property, so `-lt b` is "set and not
/// `-ge b`", not merely "not `-ge b`" (which an unset property passes); and they
/// fail whatever the property when compared with `null` or a boolean.
fn strict_bound(comparison: &Comparison) -> Option<Formula> {
    let opposite = match comparison.operator {
        Operator::Below => Operator::AtLeast,
        Operator::Above => Operator::AtMost,
        _ => return None,
    };
    let literal = |test: Test, positive: bool| {
        Formula::Literal(Literal {
            attribute: comparison.attribute.clone(),
            test,
            positive,
        })
    };
    Some(match &comparison.operand {
        Operand::Text(_) => Formula::all(vec![
            literal(Test::Text(Operator::Equals, Operand::Null), false),
            literal(Test::Text(opposite, comparison.operand.clone()), false),
        ]),
        _ => Formula::False,
    })
}

fn literal_of(comparison: &Comparison, positive: bool) -> Literal {
    let attribute = comparison.attribute.clone();
    let opaque = |text: String| Literal {
        attribute: attribute.clone(),
        test: Test::Opaque(text),
        positive,
    };
    match (&comparison.operator, &comparison.operand) {
        (_, Operand::Opaque(text)) => opaque(text.clone()),
        (Operator::Any | Operator::All, Operand::Element { operator, value }) => {
            let (element_operator, element_positive) = positive_form(*operator);
            // `-any (_ op v)` is "some element passes op"; `-all (_ notOp v)` is
            // "no element passes op". The other two forms ("some element fails",
            // "every element passes") are not one literal: kept opaque.
            let any_positive = match (comparison.operator, element_positive) {
                (Operator::Any, true) => true,
                (Operator::All, false) => false,
                _ => {
                    return opaque(format!(
                        "{} ({})",
                        comparison.operator.text(),
                        operator.text()
                    ));
                }
            };
            Literal {
                attribute,
                test: Test::AnyElement(element_operator, (**value).clone()),
                positive: any_positive == positive,
            }
        }
        (operator, operand) => {
            let (operator, operator_positive) = positive_form(*operator);
            Literal {
                attribute,
                test: Test::Text(operator, operand.clone()),
                positive: positive == operator_positive,
            }
        }
    }
}

/// The positive operator and whether the original was positive.
fn positive_form(operator: Operator) -> (Operator, bool) {
    match operator {
        Operator::NotEquals
        | Operator::NotStartsWith
        | Operator::NotEndsWith
        | Operator::NotContains
        | Operator::NotMatches
        | Operator::NotIn => (operator.negated().unwrap_or(operator), false),
        Operator::Below => (Operator::AtLeast, false),
        Operator::Above => (Operator::AtMost, false),
        _ => (operator, true),
    }
}

fn literal_holds(literal: &Literal, attributes: &Attributes) -> Option<bool> {
    literal_holds_for(literal, attributes.get(&literal.attribute))
}

/// Whether `literal` holds when its attribute has `value` (`None`: unset).
fn literal_holds_for(literal: &Literal, value: Option<&AttributeValue>) -> Option<bool> {
    let holds = match &literal.test {
        Test::Opaque(_) => return None,
        Test::Text(operator, operand) => {
            // As evaluation reads it: a collection tested as one value is its
            // items joined, and an empty text is unset.
            let joined;
            let text = match value {
                Some(AttributeValue::Text(text)) => Some(text.as_str()),
                Some(AttributeValue::Bool(flag)) => Some(if *flag { "true" } else { "false" }),
                Some(AttributeValue::List(items)) => {
                    joined = items.join(",");
                    Some(joined.as_str())
                }
                None => None,
            };
            text_test(*operator, text.filter(|text| !text.is_empty()), operand)?
        }
        Test::AnyElement(operator, operand) => {
            // A single text is a collection of one, as evaluation takes it.
            let items: &[String] = match value {
                Some(AttributeValue::List(items)) => items,
                Some(AttributeValue::Text(text)) => std::slice::from_ref(text),
                _ => &[],
            };
            items
                .iter()
                .any(|item| text_test(*operator, Some(item), operand).unwrap_or(false))
        }
    };
    Some(holds == literal.positive)
}

/// How many cases (conjunctions of literals) a formula may expand into.
pub const DEFAULT_BUDGET: usize = 512;

/// Why a decision was not made when the formulas expand beyond the budget.
const TOO_MANY_CASES: &str = "the rules expand into too many cases";

/// Whether two audiences can meet.
pub fn decide(first: &Formula, second: &Formula, budget: usize) -> Decision {
    let decider = Decider::new(vec![first.clone(), second.clone()], budget);
    decider.meet(0, 1)
}

/// A case: a conjunction of literals, by literal id, sorted, without duplicates.
type Case = Vec<u32>;

/// The decision procedure over a fixed set of formulas, remembering what it has
/// worked out: every literal is interned once (with its complement), every
/// formula and its negation are put in disjunctive normal form once, and the
/// constraints on one attribute are solved once whatever cases they occur in. A
/// decision is a pure function of the two formulas, so the memory changes how
/// fast, never what, it answers.
#[derive(Debug)]
pub struct Decider {
    formulas: Vec<Formula>,
    budget: usize,
    /// Every literal met, by id.
    literals: Vec<Literal>,
    /// The attribute of each literal, by literal id, as an attribute id.
    attribute_of: Vec<u32>,
    /// The complement of each literal (same test, other polarity), by literal id.
    complement_of: Vec<u32>,
    /// Each formula's cases (`None`: over the budget), by formula id.
    cases: Vec<Option<Vec<Case>>>,
    /// Each formula with its literals interned, for checking examples.
    interned: Vec<Interned>,
    /// Each attribute, by attribute id.
    attributes: Vec<Attribute>,
    /// Each formula's negation and its cases, computed on first use.
    negated_cases: Vec<std::sync::OnceLock<(Formula, Option<Vec<Case>>)>>,
    /// Each formula decided on its own, computed on first use.
    alone: Vec<std::sync::OnceLock<Found>>,
    /// The id of every literal met (the formulas' and their complements).
    literal_ids: rustc_hash::FxHashMap<Literal, u32>,
    /// Solutions of one attribute's constraints, by attribute id and literal ids,
    /// in shards so that threads rarely wait on each other.
    solutions: Vec<std::sync::Mutex<SolutionMap>>,
    /// Solutions of a single literal's constraint, by literal id: most of an
    /// attribute's constraints in a case are one literal, found here without
    /// a lock.
    single_solutions: Vec<std::sync::OnceLock<Arc<Solved<AttributeValue>>>>,
}

/// Solutions of attribute constraints, by attribute id then literal ids.
type SolutionMap = rustc_hash::FxHashMap<Vec<u32>, Arc<Solved<AttributeValue>>>;

/// How many shards [`Decider::solutions`] has.
const SOLUTION_SHARDS: usize = 64;

/// Interns literals and attributes while formulas are put in normal form.
#[derive(Default)]
struct Interner {
    literals: Vec<Literal>,
    literal_ids: rustc_hash::FxHashMap<Literal, u32>,
    attribute_ids: rustc_hash::FxHashMap<Attribute, u32>,
    attribute_of: Vec<u32>,
    complement_of: Vec<u32>,
}

impl Interner {
    fn literal(&mut self, literal: &Literal) -> u32 {
        if let Some(&id) = self.literal_ids.get(literal) {
            return id;
        }
        let complement = Literal {
            positive: !literal.positive,
            ..literal.clone()
        };
        let next = u32::try_from(self.literals.len()).unwrap_or(u32::MAX);
        let attribute_count = u32::try_from(self.attribute_ids.len()).unwrap_or(u32::MAX);
        let attribute = *self
            .attribute_ids
            .entry(literal.attribute.clone())
            .or_insert(attribute_count);
        for (offset, added) in [literal.clone(), complement].into_iter().enumerate() {
            self.literal_ids.insert(added.clone(), next + offset as u32);
            self.literals.push(added);
            self.attribute_of.push(attribute);
            self.complement_of.push(next + 1 - offset as u32);
        }
        next
    }

    /// The formula with its literals interned.
    fn interned(&mut self, formula: &Formula) -> Interned {
        match formula {
            Formula::True => Interned::True,
            Formula::False => Interned::False,
            Formula::Literal(literal) => Interned::Literal(self.literal(literal)),
            Formula::And(parts) => {
                Interned::And(parts.iter().map(|part| self.interned(part)).collect())
            }
            Formula::Or(parts) => {
                Interned::Or(parts.iter().map(|part| self.interned(part)).collect())
            }
        }
    }

    /// The formula as a disjunction of cases, or `None` when that takes more than
    /// `budget` cases. Cases holding a literal and its complement are dropped.
    /// Literals are interned as the expansion meets them.
    fn cases(&mut self, formula: &Formula, budget: usize) -> Option<Vec<Case>> {
        expanded_cases(self, formula, budget)
    }
}

/// Where the expansion of a formula into cases finds the id of each literal
/// and of each literal's complement.
trait LiteralIds {
    /// The id of `literal`, or `None` when it has none.
    fn id(&mut self, literal: &Literal) -> Option<u32>;
    /// The id of each literal's complement, by literal id.
    fn complement_of(&self) -> &[u32];
}

impl LiteralIds for Interner {
    fn id(&mut self, literal: &Literal) -> Option<u32> {
        Some(self.literal(literal))
    }

    fn complement_of(&self) -> &[u32] {
        &self.complement_of
    }
}

/// The literals a [`Decider`] interned when it was built, looked up only.
struct KnownLiterals<'decider>(&'decider Decider);

impl LiteralIds for KnownLiterals<'_> {
    fn id(&mut self, literal: &Literal) -> Option<u32> {
        self.0.literal_ids.get(literal).copied()
    }

    fn complement_of(&self) -> &[u32] {
        &self.0.complement_of
    }
}

/// `formula` as a disjunction of cases (each a sorted conjunction of literal
/// ids), or `None` when that takes more than `budget` cases or `ids` has no id
/// for one of its literals. Cases holding a literal and its complement are
/// dropped; parts are expanded left to right, so literals get their ids in
/// the order they are written.
fn expanded_cases(
    ids: &mut impl LiteralIds,
    formula: &Formula,
    budget: usize,
) -> Option<Vec<Case>> {
    match formula {
        Formula::True => Some(vec![Vec::new()]),
        Formula::False => Some(Vec::new()),
        Formula::Literal(literal) => Some(vec![vec![ids.id(literal)?]]),
        Formula::Or(parts) => {
            let mut all = Vec::new();
            for part in parts {
                all.extend(expanded_cases(ids, part, budget)?);
                if all.len() > budget {
                    return None;
                }
            }
            all.sort();
            all.dedup();
            Some(all)
        }
        Formula::And(parts) => {
            let mut product: Vec<Case> = vec![Vec::new()];
            for part in parts {
                let part_cases = expanded_cases(ids, part, budget)?;
                let mut next = Vec::with_capacity(product.len() * part_cases.len());
                for left in &product {
                    for right in &part_cases {
                        if let Some(joined) = join(left, right, ids.complement_of()) {
                            next.push(joined);
                        }
                    }
                }
                if next.len() > budget {
                    return None;
                }
                product = next;
            }
            product.sort();
            product.dedup();
            Some(product)
        }
    }
}

/// The conjunction of two cases, or `None` when it holds a literal and its
/// complement.
fn join(left: &[u32], right: &[u32], complement_of: &[u32]) -> Option<Case> {
    let mut joined = Vec::with_capacity(left.len() + right.len());
    join_into(left, right, complement_of, &mut joined).then_some(joined)
}

/// Writes the conjunction of two cases into `joined` (cleared first); whether
/// it holds no literal together with its complement.
fn join_into(left: &[u32], right: &[u32], complement_of: &[u32], joined: &mut Vec<u32>) -> bool {
    joined.clear();
    let (mut left_index, mut right_index) = (0, 0);
    while left_index < left.len() || right_index < right.len() {
        let next = match (left.get(left_index), right.get(right_index)) {
            (Some(&left_id), Some(&right_id)) if left_id == right_id => {
                left_index += 1;
                right_index += 1;
                left_id
            }
            (Some(&left_id), Some(&right_id)) if left_id < right_id => {
                left_index += 1;
                left_id
            }
            (Some(_), Some(&right_id)) => {
                right_index += 1;
                right_id
            }
            (Some(&left_id), None) => {
                left_index += 1;
                left_id
            }
            (None, Some(&right_id)) => {
                right_index += 1;
                right_id
            }
            (None, None) => break,
        };
        joined.push(next);
    }
    let contradictory = joined.iter().any(|&id| {
        complement_of
            .get(id as usize)
            .is_some_and(|complement| joined.binary_search(complement).is_ok())
    });
    !contradictory
}

impl Decider {
    /// A decider over `formulas` (decided by index), expanding each into at most
    /// `budget` cases.
    pub fn new(formulas: Vec<Formula>, budget: usize) -> Self {
        let mut interner = Interner::default();
        let cases: Vec<Option<Vec<Case>>> = formulas
            .iter()
            .map(|formula| interner.cases(formula, budget))
            .collect();
        let interned = formulas
            .iter()
            .map(|formula| interner.interned(formula))
            .collect();
        let mut attributes: Vec<(u32, Attribute)> = interner
            .attribute_ids
            .into_iter()
            .map(|(attribute, id)| (id, attribute))
            .collect();
        attributes.sort_unstable_by_key(|(id, _)| *id);
        let attributes = attributes
            .into_iter()
            .map(|(_, attribute)| attribute)
            .collect();
        // Literals of negations are interned up front too (negating keeps the
        // literals and flips polarities, and complements are interned already),
        // so that later expansions only look ids up.
        let negated_cases = formulas
            .iter()
            .map(|_| std::sync::OnceLock::new())
            .collect();
        let alone = formulas
            .iter()
            .map(|_| std::sync::OnceLock::new())
            .collect();
        let literal_count = interner.literals.len();
        Self {
            formulas,
            budget,
            literals: interner.literals,
            literal_ids: interner.literal_ids,
            attribute_of: interner.attribute_of,
            complement_of: interner.complement_of,
            cases,
            interned,
            attributes,
            negated_cases,
            alone,
            solutions: (0..SOLUTION_SHARDS)
                .map(|_| std::sync::Mutex::new(SolutionMap::default()))
                .collect(),
            single_solutions: (0..literal_count)
                .map(|_| std::sync::OnceLock::new())
                .collect(),
        }
    }

    /// The formulas decided, by index.
    pub fn formula(&self, index: usize) -> &Formula {
        &self.formulas[index]
    }

    /// Formula `index`'s negation and its cases.
    fn negated(&self, index: usize) -> &(Formula, Option<Vec<Case>>) {
        self.negated_cases[index].get_or_init(|| {
            let negation = self.formulas[index].negated();
            let cases = self.cases_of(&negation);
            (negation, cases)
        })
    }

    /// A formula's cases with literals already interned (those of the formulas
    /// and their complements), or `None` over the budget or for a literal never
    /// seen.
    fn cases_of(&self, formula: &Formula) -> Option<Vec<Case>> {
        expanded_cases(&mut KnownLiterals(self), formula, self.budget)
    }

    /// Whether formula `index` admits anyone (decided once).
    fn alone_found(&self, index: usize) -> &Found {
        self.alone[index].get_or_init(|| match &self.cases[index] {
            Some(cases) => with_scratch(|scratch| {
                let verdict = self.decide_cases(
                    (&self.interned[index], cases),
                    (&Interned::True, &[Vec::new()]),
                    scratch,
                );
                Found::of(verdict, scratch)
            }),
            None => Found::Unknown(TOO_MANY_CASES.to_owned()),
        })
    }

    /// Whether formula `index` admits anyone, without the example.
    pub fn alone_verdict(&self, index: usize) -> Verdict {
        self.alone_found(index).verdict()
    }

    /// Whether formula `index` admits anyone, with an example.
    pub fn alone(&self, index: usize) -> Solution {
        self.solution(self.alone_found(index))
    }

    /// Whether formulas `first` and `second` can meet.
    pub fn meet(&self, first: usize, second: usize) -> Decision {
        match self.meet_example(first, second) {
            Solution::Disjoint => Decision::Disjoint,
            Solution::Unknown(reason) => Decision::Unknown { reason },
            Solution::Possible(example, tested) => {
                let tested: Vec<&Attribute> = tested.iter().collect();
                Decision::Possible {
                    witness: witness_of(&example, &tested),
                    example,
                }
            }
        }
    }

    /// Whether formulas `first` and `second` can meet, with an example and the
    /// attributes the solved case tests, but no words yet.
    pub fn meet_example(&self, first: usize, second: usize) -> Solution {
        self.solution(&self.meet_found(first, second))
    }

    /// Whether formulas `first` and `second` can meet, without the example:
    /// what deciding many pairs needs ([`Self::meet_example`] finds the same
    /// example again for the few that are shown).
    pub fn meet_verdict(&self, first: usize, second: usize) -> Verdict {
        with_scratch(|scratch| self.meet_in(first, second, scratch))
    }

    fn meet_found(&self, first: usize, second: usize) -> Found {
        with_scratch(|scratch| {
            let verdict = self.meet_in(first, second, scratch);
            Found::of(verdict, scratch)
        })
    }

    /// Whether formulas `first` and `second` can meet, the case solved left in
    /// `scratch` when they can.
    fn meet_in(&self, first: usize, second: usize, scratch: &mut Scratch) -> Verdict {
        match (&self.cases[first], &self.cases[second]) {
            (Some(first_cases), Some(second_cases)) => self.decide_cases(
                (&self.interned[first], first_cases),
                (&self.interned[second], second_cases),
                scratch,
            ),
            _ => Verdict::Unknown(TOO_MANY_CASES.to_owned()),
        }
    }

    /// What was found, with the example written out as attributes.
    fn solution(&self, found: &Found) -> Solution {
        match found {
            Found::Disjoint => Solution::Disjoint,
            Found::Unknown(reason) => Solution::Unknown(reason.clone()),
            Found::Possible { case, values } => {
                let attributes = values
                    .iter()
                    .filter_map(|(attribute, solved)| match solved.as_ref() {
                        Solved::Value(Some(value)) => {
                            Some((self.attributes[*attribute as usize].clone(), value.clone()))
                        }
                        _ => None,
                    })
                    .collect();
                let mut tested: Vec<Attribute> = case
                    .iter()
                    .map(|&id| self.literals[id as usize].attribute.clone())
                    .collect();
                tested.sort();
                tested.dedup();
                Solution::Possible(attributes, tested)
            }
        }
    }

    /// Whether everyone formula `inner` admits is admitted by formula `outer`:
    /// proved when `inner` and the negation of `outer` cannot meet. Refuted
    /// at once when `inner`'s own example (checked to satisfy it) fails `outer`:
    /// that subject is in `inner` and not in `outer`, so no proof exists.
    pub fn within(&self, inner: usize, outer: usize) -> bool {
        if let Found::Possible { values, .. } = self.alone_found(inner)
            && self.holds(&self.interned[outer], values) == Some(false)
        {
            return false;
        }
        let (_, negated_cases) = self.negated(outer);
        let (Some(inner_cases), Some(negated_cases)) = (&self.cases[inner], negated_cases) else {
            return false;
        };
        if inner_cases.len().saturating_mul(negated_cases.len()) > self.budget * self.budget {
            return false;
        }
        // Any case that is not proved unsatisfiable leaves the containment
        // unproved; no example needs to be built.
        with_scratch(|scratch| {
            inner_cases.iter().all(|left| {
                negated_cases.iter().all(|right| {
                    !join_into(left, right, &self.complement_of, &mut scratch.case)
                        || matches!(
                            self.solve_case(&scratch.case, &mut scratch.solve, None),
                            CaseResult::Unsatisfiable
                        )
                })
            })
        })
    }

    /// Whether the two formulas (with their cases) meet; when they do, the
    /// case solved and its values are left in `scratch.case` and
    /// `scratch.values`.
    fn decide_cases(
        &self,
        (first, first_cases): (&Interned, &[Case]),
        (second, second_cases): (&Interned, &[Case]),
        scratch: &mut Scratch,
    ) -> Verdict {
        if first_cases.len().saturating_mul(second_cases.len()) > self.budget * self.budget {
            return Verdict::Unknown(TOO_MANY_CASES.to_owned());
        }
        let mut unknown_reason: Option<String> = None;
        for left in first_cases {
            for right in second_cases {
                if !join_into(left, right, &self.complement_of, &mut scratch.case) {
                    continue;
                }
                scratch.values.clear();
                match self.solve_case(&scratch.case, &mut scratch.solve, Some(&mut scratch.values))
                {
                    CaseResult::Unsatisfiable => {}
                    CaseResult::Unknown(reason) => {
                        unknown_reason.get_or_insert(reason);
                    }
                    CaseResult::Satisfied => {
                        // The case joins one case of each formula (a choice of
                        // one branch at every `Or`): when each of its literals
                        // holds, each formula does, unknowns elsewhere or not
                        // (a true branch decides an `Or`). Only when some
                        // literal fails are the whole formulas checked.
                        let checked = self.case_holds(&scratch.case, &scratch.values)
                            || (self.holds(first, &scratch.values) == Some(true)
                                && self.holds(second, &scratch.values) == Some(true));
                        if checked {
                            return Verdict::Possible;
                        }
                        unknown_reason
                            .get_or_insert_with(|| "a candidate example did not check".to_owned());
                    }
                }
            }
        }
        match unknown_reason {
            None => Verdict::Disjoint,
            Some(reason) => Verdict::Unknown(reason),
        }
    }

    /// Whether every literal of `case` holds for its solved values.
    fn case_holds(&self, case: &[u32], values: &CaseValues) -> bool {
        case.iter()
            .all(|&id| self.literal_holds_for_values(id, values) == Some(true))
    }

    /// Whether literal `id` holds for the values of a solved case (an
    /// attribute without a value is unset).
    fn literal_holds_for_values(&self, id: u32, values: &CaseValues) -> Option<bool> {
        let attribute = self.attribute_of[id as usize];
        let value = values
            .iter()
            .find(|(solved_attribute, _)| *solved_attribute == attribute)
            .and_then(|(_, solved)| match solved.as_ref() {
                Solved::Value(Some(value)) => Some(value),
                _ => None,
            });
        literal_holds_for(&self.literals[id as usize], value)
    }

    /// Whether an interned formula holds for the values of a solved case, as
    /// [`Formula::holds`] says for the same values written out as attributes
    /// (an attribute without a value is unset).
    fn holds(&self, formula: &Interned, values: &CaseValues) -> Option<bool> {
        match formula {
            Interned::True => Some(true),
            Interned::False => Some(false),
            Interned::Literal(id) => self.literal_holds_for_values(*id, values),
            Interned::And(parts) => all_hold(parts.iter().map(|part| self.holds(part, values))),
            Interned::Or(parts) => any_holds(parts.iter().map(|part| self.holds(part, values))),
        }
    }

    /// Solves one case attribute by attribute, each attribute's constraints once
    /// per run; with `example`, writes the values found there.
    fn solve_case(
        &self,
        case: &[u32],
        scratch: &mut SolveBuffers,
        mut example: Option<&mut CaseValues>,
    ) -> CaseResult {
        scratch.by_attribute.clear();
        scratch
            .by_attribute
            .extend(case.iter().map(|&id| (self.attribute_of[id as usize], id)));
        scratch.by_attribute.sort_unstable();
        let mut unknown: Option<String> = None;
        let mut start = 0;
        while start < scratch.by_attribute.len() {
            let attribute_id = scratch.by_attribute[start].0;
            let end = start
                + scratch.by_attribute[start..]
                    .partition_point(|(attribute, _)| *attribute == attribute_id);
            // The key: the attribute id, then the literal ids.
            scratch.key.clear();
            scratch.key.push(attribute_id);
            scratch
                .key
                .extend(scratch.by_attribute[start..end].iter().map(|(_, id)| *id));
            let first_literal = scratch.key[1] as usize;
            let attribute = &self.literals[first_literal].attribute;
            let solved = if let [_, only] = scratch.key.as_slice() {
                Arc::clone(self.single_solutions[*only as usize].get_or_init(|| {
                    Arc::new(solve_attribute(
                        attribute,
                        &[&self.literals[*only as usize]],
                    ))
                }))
            } else {
                self.remembered_solution(&scratch.key, attribute)
            };
            match &*solved {
                Solved::Value(Some(_)) => {
                    if let Some(example) = example.as_deref_mut() {
                        example.push((attribute_id, Arc::clone(&solved)));
                    }
                }
                Solved::Value(None) => {}
                Solved::Unsatisfiable => return CaseResult::Unsatisfiable,
                Solved::Unknown(reason) => {
                    unknown.get_or_insert_with(|| reason.clone());
                }
            }
            start = end;
        }
        match unknown {
            Some(reason) => CaseResult::Unknown(reason),
            None => CaseResult::Satisfied,
        }
    }

    /// The solution of the constraints `key` names (an attribute id, then
    /// literal ids, of two literals or more), solved once per run.
    fn remembered_solution(
        &self,
        key: &[u32],
        attribute: &Attribute,
    ) -> Arc<Solved<AttributeValue>> {
        let shard = &self.solutions[shard_of(key)];
        let remembered = shard
            .lock()
            .ok()
            .and_then(|solutions| solutions.get(key).cloned());
        remembered.unwrap_or_else(|| {
            let literals: Vec<&Literal> = key[1..]
                .iter()
                .map(|&id| &self.literals[id as usize])
                .collect();
            let solved = Arc::new(solve_attribute(attribute, &literals));
            if let Ok(mut solutions) = shard.lock() {
                solutions.insert(key.to_vec(), Arc::clone(&solved));
            }
            solved
        })
    }
}

/// A formula with its literals interned (by literal id), as the decider
/// checks examples against it.
#[derive(Debug)]
enum Interned {
    True,
    False,
    Literal(u32),
    And(Vec<Interned>),
    Or(Vec<Interned>),
}

/// The values solved for the attributes of one case (those that are set), by
/// attribute id, in the order of the ids.
type CaseValues = Vec<(u32, Arc<Solved<AttributeValue>>)>;

/// What deciding found, before any example is written out.
#[derive(Debug)]
enum Found {
    Disjoint,
    /// The case solved, and its values (checked to satisfy both formulas).
    Possible {
        case: Case,
        values: CaseValues,
    },
    Unknown(String),
}

impl Found {
    /// What `verdict` says, with the case and values `scratch` holds when
    /// the formulas meet.
    fn of(verdict: Verdict, scratch: &Scratch) -> Self {
        match verdict {
            Verdict::Disjoint => Found::Disjoint,
            Verdict::Possible => Found::Possible {
                case: scratch.case.clone(),
                values: scratch.values.clone(),
            },
            Verdict::Unknown(reason) => Found::Unknown(reason),
        }
    }

    fn verdict(&self) -> Verdict {
        match self {
            Found::Disjoint => Verdict::Disjoint,
            Found::Possible { .. } => Verdict::Possible,
            Found::Unknown(reason) => Verdict::Unknown(reason.clone()),
        }
    }
}

/// Whether two formulas (or one alone) admit a common subject, without the
/// example.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No subject satisfies both.
    Disjoint,
    /// Some subject satisfies both (an example was found and checked).
    Possible,
    /// Not decided, and why.
    Unknown(String),
}

/// Buffers one thread reuses from case to case and from decision to decision:
/// deciding a pair allocates nothing once they have grown.
#[derive(Default)]
struct Scratch {
    /// What solving one case needs.
    solve: SolveBuffers,
    /// The case being solved.
    case: Case,
    /// The values solved for its attributes.
    values: CaseValues,
}

/// What solving one case needs: its literals by attribute, and the key of one
/// attribute's constraints.
#[derive(Default)]
struct SolveBuffers {
    by_attribute: Vec<(u32, u32)>,
    key: Vec<u32>,
}

thread_local! {
    /// Each thread's buffers.
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Runs `work` with this thread's buffers, or fresh ones when they are in use
/// further up the stack.
fn with_scratch<T>(work: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => work(&mut scratch),
        Err(_) => work(&mut Scratch::default()),
    })
}

fn shard_of(key: &[u32]) -> usize {
    // FNV-1a over the ids: cheap, and the shard only spreads the locks.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for id in key {
        hash = (hash ^ u64::from(*id)).wrapping_mul(0x0100_0000_01b3);
    }
    (hash % SOLUTION_SHARDS as u64) as usize
}

/// What the procedure found for two formulas, before any words are written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Solution {
    /// No subject satisfies both.
    Disjoint,
    /// This example satisfies both; the attributes the solved case tests.
    Possible(Attributes, Vec<Attribute>),
    /// Not decided, and why.
    Unknown(String),
}

/// The witness as attribute name → value, for every attribute `tested` (an
/// attribute tested and left unset shows as `(not set)`).
pub fn witness_of(attributes: &Attributes, tested: &[&Attribute]) -> BTreeMap<String, String> {
    let mut witness = BTreeMap::new();
    for attribute in tested {
        let value = match attributes.get(*attribute) {
            Some(AttributeValue::Text(text)) if !text.is_empty() => text.clone(),
            Some(AttributeValue::Bool(flag)) => flag.to_string(),
            Some(AttributeValue::List(items)) if !items.is_empty() => items.join(", "),
            _ => "(not set)".to_owned(),
        };
        witness.insert(attribute.name(), value);
    }
    witness
}

/// Renders a witness for messages: "a device with deviceOSType `windows` and
/// osVersion `10.0.22`", or, with static group memberships (the `member of`
/// entry, unless `name_memberships` is false), "a member of `Ring 1` with
/// deviceOSType `windows`". Written into one string.
pub fn describe_witness(witness: &BTreeMap<String, String>, name_memberships: bool) -> String {
    let mut text = String::with_capacity(64);
    match witness.get(MEMBER_OF).filter(|_| name_memberships) {
        Some(groups) => {
            text.push_str("a member of ");
            for (index, name) in groups.split(", ").enumerate() {
                if index > 0 {
                    text.push_str(" and ");
                }
                text.push('`');
                text.push_str(name);
                text.push('`');
            }
        }
        None => text.push_str("a device"),
    }
    let parts: Vec<(&String, &String)> = witness
        .iter()
        .filter(|(attribute, _)| attribute.as_str() != MEMBER_OF)
        .collect();
    for (index, (attribute, value)) in parts.iter().enumerate() {
        text.push_str(match index {
            0 => " with ",
            _ if index + 1 == parts.len() => " and ",
            _ => ", ",
        });
        text.push_str(attribute);
        text.push_str(" `");
        text.push_str(value);
        text.push('`');
    }
    text
}

/// The witness entry that names the static groups an example is a member of.
pub const MEMBER_OF: &str = "member of";

enum CaseResult {
    Satisfied,
    Unsatisfiable,
    Unknown(String),
}

/// The constraints of one case on one attribute, solved.
fn solve_attribute(attribute: &Attribute, literals: &[&Literal]) -> Solved<AttributeValue> {
    if literals
        .iter()
        .any(|literal| matches!(literal.test, Test::Opaque(_)))
    {
        return Solved::Unknown(format!(
            "`{}` is tested in a way preflight does not decide",
            attribute.name()
        ));
    }
    if literals
        .iter()
        .any(|literal| matches!(literal.test, Test::AnyElement(..)))
    {
        return solve_collection(attribute, literals);
    }
    let constraints: Vec<(Operator, &Operand, bool)> = literals
        .iter()
        .filter_map(|literal| match &literal.test {
            Test::Text(operator, operand) => Some((*operator, operand, literal.positive)),
            _ => None,
        })
        .collect();
    solve_text(attribute, &constraints).map(AttributeValue::Text)
}

#[derive(Clone, Debug)]
enum Solved<T> {
    /// A value that satisfies every constraint (`None`: leave the property unset).
    Value(Option<T>),
    Unsatisfiable,
    Unknown(String),
}

impl<T> Solved<T> {
    fn map<U>(self, change: impl FnOnce(T) -> U) -> Solved<U> {
        match self {
            Solved::Value(value) => Solved::Value(value.map(change)),
            Solved::Unsatisfiable => Solved::Unsatisfiable,
            Solved::Unknown(reason) => Solved::Unknown(reason),
        }
    }
}

/// Elements for each positive "some element passes" test, each also passing the
/// negated tests (no element may pass those).
fn solve_collection(attribute: &Attribute, literals: &[&Literal]) -> Solved<AttributeValue> {
    let forbidden: Vec<(Operator, &Operand, bool)> = literals
        .iter()
        .filter(|literal| !literal.positive)
        .filter_map(|literal| match &literal.test {
            Test::AnyElement(operator, operand) => Some((*operator, operand, false)),
            _ => None,
        })
        .collect();
    let mut elements = Vec::new();
    for literal in literals.iter().filter(|literal| literal.positive) {
        let Test::AnyElement(operator, operand) = &literal.test else {
            return Solved::Unknown(format!(
                "`{}` is tested as a single value and as a collection",
                attribute.name()
            ));
        };
        let mut constraints = forbidden.clone();
        constraints.push((*operator, operand, true));
        match solve_text(
            &Attribute::Named(attribute.subject(), "element".to_owned()),
            &constraints,
        ) {
            Solved::Value(Some(element)) => elements.push(element),
            Solved::Value(None) => return Solved::Unsatisfiable,
            Solved::Unsatisfiable => return Solved::Unsatisfiable,
            Solved::Unknown(reason) => return Solved::Unknown(reason),
        }
    }
    if literals
        .iter()
        .any(|literal| !literal.positive && !matches!(literal.test, Test::AnyElement(..)))
    {
        return Solved::Unknown(format!(
            "`{}` is tested as a single value and as a collection",
            attribute.name()
        ));
    }
    Solved::Value(Some(AttributeValue::List(elements)))
}

/// Whether `value` (unset when `None`) passes every constraint.
fn passes(value: Option<&str>, constraints: &[(Operator, &Operand, bool)]) -> Option<bool> {
    for (operator, operand, positive) in constraints {
        let value = value.filter(|value| !value.is_empty());
        if text_test(*operator, value, operand)? != *positive {
            return Some(false);
        }
    }
    Some(true)
}

/// A value for one text attribute that passes every constraint.
fn solve_text(attribute: &Attribute, constraints: &[(Operator, &Operand, bool)]) -> Solved<String> {
    // Unset passes when only negative text tests (and `-eq null`) are asked. A
    // version just below a forbidden one makes a more telling example (an
    // osVersion `10.0.21` rather than none), when it passes too.
    if passes(None, constraints) == Some(true) {
        let versioned = constraints
            .iter()
            .find_map(|(_, operand, positive)| match operand {
                Operand::Text(text) if !positive && is_version_like(text) => {
                    Some(lower_version(text))
                }
                _ => None,
            });
        return Solved::Value(
            versioned.filter(|candidate| passes(Some(candidate), constraints) == Some(true)),
        );
    }
    // A finite set of candidates decides completely: a closed attribute, or a
    // required value or list.
    let required: Option<Vec<String>> =
        constraints
            .iter()
            .find_map(
                |(operator, operand, positive)| match (operator, operand, positive) {
                    (Operator::Equals, Operand::Text(value), true) => Some(vec![value.clone()]),
                    (Operator::Equals, Operand::Bool(flag), true) => Some(vec![flag.to_string()]),
                    (Operator::In, Operand::List(values), true) => Some(values.clone()),
                    _ => None,
                },
            );
    // OS types are listed, but not a closed set in practice (Entra ID records
    // what devices report): the listed ones are tried first, and when none
    // passes, values are built as for any open text.
    let open_list = *attribute == Attribute::OsType;
    let finite = required.map(|values| (values, true)).or_else(|| {
        attribute.closed_values().map(|values| {
            let values: Vec<String> = values.iter().map(|value| (*value).to_owned()).collect();
            (values, !open_list)
        })
    });
    if let Some((candidates, exhaustive)) = finite {
        if let Some(found) = candidates
            .iter()
            .find(|candidate| passes(Some(candidate), constraints) == Some(true))
        {
            return Solved::Value(Some(found.clone()));
        }
        // A required value or a closed set leaves no other value to try.
        if exhaustive {
            return Solved::Unsatisfiable;
        }
    }
    // `-eq null` with a test that needs a value.
    let needs_unset = constraints.iter().any(|(operator, operand, positive)| {
        *operator == Operator::Equals && **operand == Operand::Null && *positive
    });
    if needs_unset {
        return Solved::Unsatisfiable;
    }
    let text_of = |wanted: Operator, polarity: bool| -> Vec<&str> {
        constraints
            .iter()
            .filter(|(operator, _, positive)| *operator == wanted && *positive == polarity)
            .filter_map(|(_, operand, _)| match operand {
                Operand::Text(text) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    };
    let prefixes = text_of(Operator::StartsWith, true);
    let suffixes = text_of(Operator::EndsWith, true);
    let parts = text_of(Operator::Contains, true);
    let longest_prefix = prefixes
        .iter()
        .copied()
        .max_by_key(|prefix| prefix.len())
        .unwrap_or("");
    if prefixes
        .iter()
        .any(|prefix| !longest_prefix.starts_with(prefix))
    {
        return Solved::Unsatisfiable;
    }
    let longest_suffix = suffixes
        .iter()
        .copied()
        .max_by_key(|suffix| suffix.len())
        .unwrap_or("");
    if suffixes
        .iter()
        .any(|suffix| !longest_suffix.ends_with(suffix))
    {
        return Solved::Unsatisfiable;
    }
    // Definite contradictions with negative tests.
    for forbidden in text_of(Operator::StartsWith, false) {
        if longest_prefix.starts_with(forbidden) {
            return Solved::Unsatisfiable;
        }
    }
    for forbidden in text_of(Operator::EndsWith, false) {
        if longest_suffix.ends_with(forbidden) {
            return Solved::Unsatisfiable;
        }
    }
    for forbidden in text_of(Operator::Contains, false) {
        if longest_prefix.contains(forbidden)
            || longest_suffix.contains(forbidden)
            || parts.iter().any(|part| part.contains(forbidden))
        {
            return Solved::Unsatisfiable;
        }
    }
    let lower: Vec<&str> = text_of(Operator::AtLeast, true);
    let upper: Vec<&str> = text_of(Operator::AtMost, true);
    let strict_lower: Vec<&str> = text_of(Operator::AtMost, false);
    let strict_upper: Vec<&str> = text_of(Operator::AtLeast, false);
    for low in lower.iter().chain(&strict_lower) {
        for high in upper.iter().chain(&strict_upper) {
            let order = compare_versions(low, high);
            let strict = strict_lower.contains(low) || strict_upper.contains(high);
            if order.is_gt() || (strict && order.is_eq()) {
                return Solved::Unsatisfiable;
            }
        }
    }
    // Build candidates from what is required, and check each.
    let joined_parts: String = parts.concat();
    let mut candidates: Vec<String> = vec![
        format!("{longest_prefix}{joined_parts}{longest_suffix}"),
        format!("{longest_prefix}{longest_suffix}"),
        format!("{longest_prefix}x{joined_parts}x{longest_suffix}"),
        format!("{longest_prefix}{joined_parts}0{longest_suffix}"),
        format!("{longest_prefix}zz{joined_parts}{longest_suffix}"),
    ];
    for bound in lower.iter().chain(&upper) {
        candidates.push((*bound).to_owned());
        candidates.push(format!("{bound}.1"));
    }
    for bound in strict_lower.iter() {
        candidates.push(format!("{bound}.1"));
    }
    for bound in strict_upper.iter() {
        candidates.push(lower_version(bound));
    }
    if !longest_prefix.is_empty()
        && longest_prefix
            .chars()
            .all(|character| character.is_ascii_digit() || character == '.')
    {
        candidates.push(format!("{longest_prefix}0"));
        candidates.push(format!("{longest_prefix}9999"));
    }
    for (operator, operand, positive) in constraints {
        if let (Operator::Matches, Operand::Pattern(pattern), true) = (operator, operand, positive)
        {
            let literal: String = pattern
                .source
                .chars()
                .filter(|character| character.is_alphanumeric() || " -_.".contains(*character))
                .collect();
            candidates.push(literal.to_lowercase());
            candidates.push(format!("{longest_prefix}{}", literal.to_lowercase()));
        }
    }
    if constraints
        .iter()
        .any(|(_, operand, _)| matches!(operand, Operand::Bool(_)))
    {
        candidates.extend(["true".to_owned(), "false".to_owned()]);
    }
    for candidate in candidates {
        if !candidate.is_empty() && passes(Some(&candidate), constraints) == Some(true) {
            return Solved::Value(Some(candidate));
        }
    }
    Solved::Unknown(format!(
        "no example value of `{}` was found",
        attribute.name()
    ))
}

/// Whether `text` is a dotted number such as `10.0.22`.
fn is_version_like(text: &str) -> bool {
    text.contains('.')
        && text.split('.').all(|part| {
            !part.is_empty() && part.chars().all(|character| character.is_ascii_digit())
        })
}

/// A version just below `bound` when there is an obvious one (`10.0.22` → `10.0.21`).
fn lower_version(bound: &str) -> String {
    let mut parts: Vec<u64> = bound
        .split('.')
        .filter_map(|part| part.parse().ok())
        .collect();
    if let Some(last) = parts.iter_mut().rev().find(|part| **part > 0) {
        *last -= 1;
    }
    parts
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use preflight_parser::rule_language::{RuleLanguage, parse_rule};

    fn group(text: &str) -> Formula {
        Formula::of_rule(&parse_rule(RuleLanguage::MembershipRule, text).expect("valid rule"))
    }

    fn witness(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|(attribute, value)| ((*attribute).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn witnesses_read_as_prose() {
        assert_eq!(describe_witness(&witness(&[]), true), "a device");
        assert_eq!(
            describe_witness(&witness(&[("deviceOSType", "windows")]), true),
            "a device with deviceOSType `windows`"
        );
        assert_eq!(
            describe_witness(
                &witness(&[("deviceOSType", "windows"), ("osVersion", "10.0.22")]),
                true
            ),
            "a device with deviceOSType `windows` and osVersion `10.0.22`"
        );
        let three = witness(&[
            ("deviceOSType", "windows"),
            ("manufacturer", "Dell"),
            (MEMBER_OF, "Ring 1, Ring 2"),
            ("osVersion", "10.0.22"),
        ]);
        assert_eq!(
            describe_witness(&three, true),
            "a member of `Ring 1` and `Ring 2` with deviceOSType `windows`, manufacturer `Dell` and osVersion `10.0.22`"
        );
        assert_eq!(
            describe_witness(&three, false),
            "a device with deviceOSType `windows`, manufacturer `Dell` and osVersion `10.0.22`"
        );
        assert_eq!(
            describe_witness(&witness(&[(MEMBER_OF, "Ring 1")]), true),
            "a member of `Ring 1`"
        );
    }

    fn filter(text: &str, platform: &str) -> Formula {
        Formula::all(vec![
            Formula::of_rule(&parse_rule(RuleLanguage::FilterRule, text).expect("valid rule")),
            Formula::os_type_in(preflight_parser::rule_language::os_types_of_platform(
                platform,
            )),
        ])
    }

    fn answer(first: &Formula, second: &Formula) -> &'static str {
        match decide(first, second, DEFAULT_BUDGET) {
            Decision::Disjoint => "disjoint",
            Decision::Possible { .. } => "possible",
            Decision::Unknown { .. } => "unknown",
        }
    }

    #[test]
    fn equalities_prefixes_and_closed_sets() {
        let windows_10 = group(
            r#"(device.deviceOSType -eq "Windows") and (device.deviceOSVersion -startsWith "10.0.1")"#,
        );
        let windows_11 = group(
            r#"(device.deviceOSType -eq "Windows") and (device.deviceOSVersion -startsWith "10.0.2")"#,
        );
        let windows = group(r#"(device.deviceOSType -eq "Windows")"#);
        let mac = group(r#"(device.deviceOSType -eq "MacMDM")"#);
        assert_eq!(answer(&windows_10, &windows_11), "disjoint");
        assert_eq!(answer(&windows, &windows_11), "possible");
        assert_eq!(answer(&windows, &mac), "disjoint");
        let corporate = group(r#"device.deviceOwnership -eq "Company""#);
        let personal = filter(r#"device.deviceOwnership -eq "Personal""#, "iOS");
        assert_eq!(answer(&corporate, &personal), "disjoint");
        let ios_filter = filter(r#"device.deviceOwnership -eq "Corporate""#, "iOS");
        assert_eq!(
            answer(&windows, &ios_filter),
            "disjoint",
            "platform bounds the filter"
        );
        assert_eq!(answer(&corporate, &ios_filter), "possible");
    }

    #[test]
    fn os_types_outside_the_known_list_still_exist() {
        // Entra ID records what devices report: an OS type preflight does not list
        // is someone, not no one.
        let chrome = group(r#"(device.deviceOSType -startsWith "Chrome")"#);
        let anything = group(r#"(device.deviceOSType -ne "Windows")"#);
        assert_eq!(answer(&chrome, &anything), "possible");
        let windows = group(r#"(device.deviceOSType -eq "Windows")"#);
        assert_eq!(answer(&chrome, &windows), "disjoint");
    }

    #[test]
    fn collections_and_their_complements() {
        let autopilot = group(r#"(device.devicePhysicalIDs -any (_ -startsWith "[ZTDID]"))"#);
        let not_autopilot = group(
            r#"(device.deviceOSType -eq "Windows") and (device.devicePhysicalIDs -all (_ -notStartsWith "[ZTDID]"))"#,
        );
        assert_eq!(answer(&autopilot, &not_autopilot), "disjoint");
        let windows = group(r#"(device.deviceOSType -eq "Windows")"#);
        assert_eq!(answer(&autopilot, &windows), "possible");
    }

    #[test]
    fn contains_and_negations() {
        let virtual_machines = group(r#"(device.deviceModel -contains "Virtual")"#);
        let physical = group(
            r#"(device.deviceModel -notContains "Virtual") and (device.deviceModel -notContains "Cloud PC")"#,
        );
        let avd = group(r#"(device.deviceModel -contains "Virtual Machine")"#);
        assert_eq!(answer(&virtual_machines, &physical), "disjoint");
        assert_eq!(answer(&avd, &physical), "disjoint");
        assert_eq!(answer(&avd, &virtual_machines), "possible");
    }

    #[test]
    fn witnesses_are_examples_of_both() {
        let first = group(
            r#"(device.deviceOSType -eq "Windows") and (device.deviceModel -startsWith "Surface")"#,
        );
        let second = filter(r#"(device.model -contains "Laptop")"#, "windows10AndLater");
        let Decision::Possible { witness, .. } = decide(&first, &second, DEFAULT_BUDGET) else {
            panic!("possible");
        };
        assert_eq!(
            witness.get("deviceOSType").map(String::as_str),
            Some("windows")
        );
        assert!(
            witness
                .get("model")
                .is_some_and(|model| model.starts_with("surface") && model.contains("laptop"))
        );
    }

    #[test]
    fn versions_by_their_bounds() {
        let old = group(r#"device.deviceOSVersion -le "10.0.19045""#);
        let new = group(r#"device.deviceOSVersion -ge "10.0.22000""#);
        assert_eq!(answer(&old, &new), "disjoint");
        let middle = group(r#"device.deviceOSVersion -ge "10.0.19000""#);
        assert_eq!(answer(&old, &middle), "possible");
    }

    #[test]
    fn strict_bounds_fail_on_an_unset_property_as_evaluation_does() {
        // Found by the `rule_language` fuzz target: `-lt` was taken as "not
        // `-ge`", which an unset property passes, where evaluation fails it.
        let rule = |text: &str| parse_rule(RuleLanguage::FilterRule, text).expect("valid rule");
        let unset = Attributes::new();
        for text in [
            r#"device.osVersion -lt "10""#,
            r#"device.osVersion -gt "10""#,
            r#"device.osVersion -lt null"#,
            r#"not (device.osVersion -gt "10")"#,
        ] {
            assert_eq!(
                Formula::of_rule(&rule(text)).holds(&unset),
                preflight_parser::rule_language::evaluate(&rule(text), &unset),
                "{text}"
            );
        }
        // So excluding the old versions keeps the devices that report none.
        let not_old = Formula::of_rule(&rule(r#"device.osVersion -lt "10""#)).negated();
        let unreported = Formula::of_rule(&rule(r#"device.osVersion -eq null"#));
        assert_eq!(answer(&not_old, &unreported), "possible");
        let old = Formula::of_rule(&rule(r#"device.osVersion -lt "10""#));
        assert_eq!(answer(&old, &unreported), "disjoint");
        let newer = Formula::of_rule(&rule(r#"device.osVersion -gt "10.0.22000""#));
        assert_eq!(answer(&old, &newer), "disjoint");
    }

    #[test]
    fn a_single_text_is_a_collection_of_one_as_evaluation_takes_it() {
        // Found by the `rule_language` fuzz target.
        let rule = parse_rule(
            RuleLanguage::MembershipRule,
            r#"device.deviceOSType -all (_ -notStartsWith "")"#,
        )
        .expect("valid rule");
        let mut device = Attributes::new();
        device.insert(
            Attribute::OsType,
            AttributeValue::Text("windows".to_owned()),
        );
        assert_eq!(
            Formula::of_rule(&rule).holds(&device),
            preflight_parser::rule_language::evaluate(&rule, &device)
        );
    }

    #[test]
    fn a_collection_tested_as_one_value_is_its_items_joined_as_evaluation_takes_it() {
        // Found by the `rule_language` fuzz target: `-eq null` on a device with
        // physical ids was true for the formula (the list read as unset) and
        // false for evaluation.
        let mut device = Attributes::new();
        device.insert(
            Attribute::PhysicalIds,
            AttributeValue::List(vec!["[ztdid]:1234".to_owned()]),
        );
        for text in [
            r#"device.devicePhysicalIds -eq null"#,
            r#"device.devicePhysicalIds -startsWith "[ZTDId]""#,
        ] {
            let rule = parse_rule(RuleLanguage::MembershipRule, text).expect("valid rule");
            assert_eq!(
                Formula::of_rule(&rule).holds(&device),
                preflight_parser::rule_language::evaluate(&rule, &device),
                "{text}"
            );
        }
    }

    #[test]
    fn opaque_tests_and_unsatisfiable_regexes_are_unknown() {
        let licensed = group(
            r#"(user.assignedPlans -any (assignedPlan.servicePlanId -eq "c1ec" -and assignedPlan.capabilityStatus -eq "Enabled"))"#,
        );
        assert_eq!(answer(&licensed, &licensed), "unknown");
        let android = group(r#"(device.deviceOSType -match "Android")"#);
        let enterprise = group(r#"(device.deviceOSType -match "AndroidEnterprise")"#);
        assert_eq!(answer(&android, &enterprise), "possible");
    }
}

#[cfg(test)]
mod soundness {
    //! Random rules over a small attribute universe, random devices: whenever the
    //! procedure says disjoint, no device satisfies both; whenever it gives an
    //! example, the example satisfies both.

    use super::*;
    use preflight_parser::rule_language::{
        Comparison, Expression, RuleLanguage, Subject, evaluate,
    };
    use proptest::prelude::*;

    const VALUES: [&str; 5] = ["a", "ab", "b", "ba", "abb"];

    fn attribute() -> impl Strategy<Value = Attribute> {
        prop_oneof![
            Just(Attribute::OsType),
            Just(Attribute::Model),
            Just(Attribute::Manufacturer)
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        (0..VALUES.len()).prop_map(|index| VALUES[index].to_owned())
    }

    fn comparison() -> impl Strategy<Value = Expression> {
        let operator = prop_oneof![
            Just(Operator::Equals),
            Just(Operator::NotEquals),
            Just(Operator::StartsWith),
            Just(Operator::NotStartsWith),
            Just(Operator::Contains),
            Just(Operator::NotContains),
            Just(Operator::EndsWith),
            Just(Operator::NotEndsWith),
            Just(Operator::In),
            Just(Operator::NotIn),
        ];
        (
            attribute(),
            operator,
            value(),
            prop::collection::vec(value(), 1..3),
        )
            .prop_map(|(attribute, operator, value, list)| {
                let value = match attribute {
                    Attribute::OsType => ["windows", "ios", "android", "macmdm", "windows"]
                        [value.len() % 5]
                        .to_owned(),
                    _ => value,
                };
                let operand = if matches!(operator, Operator::In | Operator::NotIn) {
                    Operand::List(list)
                } else {
                    Operand::Text(value)
                };
                Expression::Comparison(Comparison {
                    attribute,
                    operator,
                    operand,
                    span: 0..0,
                })
            })
    }

    fn expression() -> impl Strategy<Value = Expression> {
        comparison().prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..3).prop_map(Expression::And),
                prop::collection::vec(inner.clone(), 2..3).prop_map(Expression::Or),
                inner.prop_map(|expression| Expression::Not(Box::new(expression))),
            ]
        })
    }

    fn device() -> impl Strategy<Value = Attributes> {
        let slot = || {
            prop::option::of(prop_oneof![
                value(),
                Just("windows".to_owned()),
                Just("ios".to_owned())
            ])
        };
        (slot(), slot(), slot()).prop_map(|(os, model, manufacturer)| {
            let mut attributes = Attributes::new();
            for (attribute, value) in [
                (Attribute::OsType, os),
                (Attribute::Model, model),
                (Attribute::Manufacturer, manufacturer),
            ] {
                if let Some(value) = value {
                    attributes.insert(attribute, AttributeValue::Text(value));
                }
            }
            attributes
        })
    }

    fn rule(expression: Expression) -> Rule {
        Rule {
            language: RuleLanguage::FilterRule,
            subject: Subject::Device,
            expression,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn disjoint_is_never_contradicted_and_examples_check(
            first in expression(),
            second in expression(),
            devices in prop::collection::vec(device(), 40),
        ) {
            let (first, second) = (rule(first), rule(second));
            match decide(&Formula::of_rule(&first), &Formula::of_rule(&second), DEFAULT_BUDGET) {
                Decision::Disjoint => {
                    for device in &devices {
                        let both = evaluate(&first, device) == Some(true) && evaluate(&second, device) == Some(true);
                        prop_assert!(!both, "disjoint, yet {device:?} satisfies both");
                    }
                }
                Decision::Possible { example, .. } => {
                    prop_assert_eq!(evaluate(&first, &example), Some(true));
                    prop_assert_eq!(evaluate(&second, &example), Some(true));
                }
                Decision::Unknown { .. } => {}
            }
        }

        #[test]
        fn containment_is_never_contradicted_and_verdicts_match_examples(
            first in expression(),
            second in expression(),
            devices in prop::collection::vec(device(), 40),
        ) {
            let (first, second) = (rule(first), rule(second));
            let decider = Decider::new(
                vec![Formula::of_rule(&first), Formula::of_rule(&second)],
                DEFAULT_BUDGET,
            );
            // Deciding without the example says what finding it again says.
            let found_again = match decider.meet_example(0, 1) {
                Solution::Disjoint => Verdict::Disjoint,
                Solution::Possible(..) => Verdict::Possible,
                Solution::Unknown(reason) => Verdict::Unknown(reason),
            };
            prop_assert_eq!(decider.meet_verdict(0, 1), found_again);
            for (inner, outer, inner_rule, outer_rule) in
                [(0, 1, &first, &second), (1, 0, &second, &first)]
            {
                if !decider.within(inner, outer) {
                    continue;
                }
                for device in &devices {
                    let escapes = evaluate(inner_rule, device) == Some(true)
                        && evaluate(outer_rule, device) == Some(false);
                    prop_assert!(!escapes, "within, yet {device:?} is in one and not the other");
                }
            }
        }
    }
}
