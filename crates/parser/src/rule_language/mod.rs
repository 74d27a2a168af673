//! The two rule languages Intune audiences are written in: Entra ID dynamic
//! membership rules (`(device.deviceOSType -eq "Windows") and (device.deviceOSVersion -startsWith "10.0.22")`)
//! and Intune assignment filter rules (`(device.manufacturer -eq "Dell Inc.")`).
//!
//! [`parse_rule`] turns a rule into an [`Expression`] over the shared attribute
//! vocabulary of [`attributes`], with the byte range of each comparison in the rule
//! text; mistakes are [`RuleError`]s with the range of the offending text, which
//! [`span_in_json_string`] maps back into the file the rule was written in.
//! [`evaluate`] decides a rule for one device or user.

pub mod attributes;
pub mod evaluate;
mod lexer;

use std::ops::Range;
use std::sync::Arc;

pub use attributes::{Attribute, Subject, os_types_of_platform};
pub use evaluate::{
    AttributeValue, Attributes, all_hold, any_holds, comparison_holds, evaluate, text_test,
};
use lexer::{Token, TokenKind, tokenize};

/// Which language a rule is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleLanguage {
    /// An Entra ID dynamic group membership rule.
    MembershipRule,
    /// An Intune assignment filter rule.
    FilterRule,
}

/// A mistake in a rule: one lowercase line, the byte range of the offending text
/// in the rule, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleError {
    /// What is wrong.
    pub message: String,
    /// Where, as a byte range of the rule text.
    pub span: Range<usize>,
    /// How to fix it.
    pub help: Option<String>,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operator {
    /// `-eq`
    Equals,
    /// `-ne`
    NotEquals,
    /// `-startsWith`
    StartsWith,
    /// `-notStartsWith`
    NotStartsWith,
    /// `-endsWith`
    EndsWith,
    /// `-notEndsWith`
    NotEndsWith,
    /// `-contains`
    Contains,
    /// `-notContains`
    NotContains,
    /// `-match` (a regular expression)
    Matches,
    /// `-notMatch`
    NotMatches,
    /// `-in`
    In,
    /// `-notIn`
    NotIn,
    /// `-le`
    AtMost,
    /// `-ge`
    AtLeast,
    /// `-lt`
    Below,
    /// `-gt`
    Above,
    /// `-any` over a collection.
    Any,
    /// `-all` over a collection.
    All,
}

impl Operator {
    fn from_word(word: &str) -> Option<Operator> {
        Some(match word {
            "eq" => Operator::Equals,
            "ne" => Operator::NotEquals,
            "startswith" => Operator::StartsWith,
            "notstartswith" => Operator::NotStartsWith,
            "endswith" => Operator::EndsWith,
            "notendswith" => Operator::NotEndsWith,
            "contains" => Operator::Contains,
            "notcontains" => Operator::NotContains,
            "match" => Operator::Matches,
            "notmatch" => Operator::NotMatches,
            "in" => Operator::In,
            "notin" => Operator::NotIn,
            "le" => Operator::AtMost,
            "ge" => Operator::AtLeast,
            "lt" => Operator::Below,
            "gt" => Operator::Above,
            "any" => Operator::Any,
            "all" => Operator::All,
            _ => return None,
        })
    }

    /// The operator as written (`-startsWith`).
    pub fn text(self) -> &'static str {
        match self {
            Operator::Equals => "-eq",
            Operator::NotEquals => "-ne",
            Operator::StartsWith => "-startsWith",
            Operator::NotStartsWith => "-notStartsWith",
            Operator::EndsWith => "-endsWith",
            Operator::NotEndsWith => "-notEndsWith",
            Operator::Contains => "-contains",
            Operator::NotContains => "-notContains",
            Operator::Matches => "-match",
            Operator::NotMatches => "-notMatch",
            Operator::In => "-in",
            Operator::NotIn => "-notIn",
            Operator::AtMost => "-le",
            Operator::AtLeast => "-ge",
            Operator::Below => "-lt",
            Operator::Above => "-gt",
            Operator::Any => "-any",
            Operator::All => "-all",
        }
    }

    /// The operator that holds exactly when this one does not, for the operators
    /// that have one.
    pub fn negated(self) -> Option<Operator> {
        Some(match self {
            Operator::Equals => Operator::NotEquals,
            Operator::NotEquals => Operator::Equals,
            Operator::StartsWith => Operator::NotStartsWith,
            Operator::NotStartsWith => Operator::StartsWith,
            Operator::EndsWith => Operator::NotEndsWith,
            Operator::NotEndsWith => Operator::EndsWith,
            Operator::Contains => Operator::NotContains,
            Operator::NotContains => Operator::Contains,
            Operator::Matches => Operator::NotMatches,
            Operator::NotMatches => Operator::Matches,
            Operator::In => Operator::NotIn,
            Operator::NotIn => Operator::In,
            Operator::AtMost => Operator::Above,
            Operator::Above => Operator::AtMost,
            Operator::AtLeast => Operator::Below,
            Operator::Below => Operator::AtLeast,
            Operator::Any | Operator::All => return None,
        })
    }

    /// Whether this operator is allowed in `language`.
    fn allowed_in(self, language: RuleLanguage) -> bool {
        match language {
            RuleLanguage::MembershipRule => !matches!(
                self,
                Operator::EndsWith | Operator::NotEndsWith | Operator::Below | Operator::Above
            ),
            RuleLanguage::FilterRule => !matches!(
                self,
                Operator::Matches | Operator::NotMatches | Operator::Any | Operator::All
            ),
        }
    }
}

/// A compiled regular expression with the pattern it came from.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// The pattern as written.
    pub source: String,
    /// The compiled expression (case-insensitive).
    pub regex: Arc<regex::Regex>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for Pattern {}

impl std::hash::Hash for Pattern {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.source.hash(state);
    }
}

/// What a property is compared with.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Operand {
    /// A string, in the attribute's canonical form (lowercased).
    Text(String),
    /// `null`: the property is not set.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A list, for `-in` and `-notIn`, canonical.
    List(Vec<String>),
    /// A regular expression, for `-match` and `-notMatch`.
    Pattern(Pattern),
    /// For `-any` and `-all` over a collection: the test each element gets
    /// (`_ -startsWith "[ZTDId]"`).
    Element {
        /// The element test's operator.
        operator: Operator,
        /// The element test's value.
        value: Box<Operand>,
    },
    /// A test preflight parses but does not decide (`assignedPlans -any
    /// (assignedPlan.servicePlanId -eq "…" -and …)`, `memberOf`), as written.
    Opaque(String),
}

/// One comparison of a property with a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// The attribute compared.
    pub attribute: Attribute,
    /// The comparison operator.
    pub operator: Operator,
    /// The value.
    pub operand: Operand,
    /// The byte range of the whole comparison in the rule text.
    pub span: Range<usize>,
}

/// A rule as a boolean expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expression {
    /// All of these hold.
    And(Vec<Expression>),
    /// One of these holds.
    Or(Vec<Expression>),
    /// This does not hold.
    Not(Box<Expression>),
    /// A comparison.
    Comparison(Comparison),
}

/// A parsed rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Which language it is written in.
    pub language: RuleLanguage,
    /// Whether it is about devices or users.
    pub subject: Subject,
    /// The expression.
    pub expression: Expression,
}

/// The longest rule preflight reads (Entra ID's own limit is 3,072 characters).
pub const MAX_RULE_LENGTH: usize = 3072;
/// How deep parentheses and `not`s may nest.
const MAX_NESTING: usize = 64;

/// Parses a rule written in `language`.
pub fn parse_rule(language: RuleLanguage, text: &str) -> Result<Rule, RuleError> {
    if text.len() > MAX_RULE_LENGTH {
        return Err(RuleError {
            message: format!(
                "the rule is {} characters long, over the limit of {MAX_RULE_LENGTH}",
                text.chars().count()
            ),
            span: 0..text.len(),
            help: Some("Entra ID refuses rules over 3,072 characters; split the group".to_owned()),
        });
    }
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Err(RuleError {
            message: "the rule is empty".to_owned(),
            span: 0..text.len(),
            help: None,
        });
    }
    let mut parser = Parser {
        language,
        tokens: &tokens,
        position: 0,
        text,
        subject: None,
    };
    let expression = parser.expression(0)?;
    if let Some(token) = parser.peek() {
        return Err(RuleError {
            message: format!(
                "unexpected `{}` after a complete rule",
                &text[token.span.clone()]
            ),
            span: token.span.clone(),
            help: Some("join comparisons with `and` or `or`".to_owned()),
        });
    }
    Ok(Rule {
        language,
        subject: parser.subject.unwrap_or(Subject::Device),
        expression,
    })
}

struct Parser<'tokens> {
    language: RuleLanguage,
    tokens: &'tokens [Token],
    position: usize,
    text: &'tokens str,
    subject: Option<Subject>,
}

impl<'tokens> Parser<'tokens> {
    fn peek(&self) -> Option<&'tokens Token> {
        self.tokens.get(self.position)
    }

    fn next(&mut self) -> Option<&'tokens Token> {
        let token = self.tokens.get(self.position);
        self.position += 1;
        token
    }

    fn end_error(&self, expected: &str) -> RuleError {
        RuleError {
            message: format!("the rule ends where {expected} was expected"),
            span: self.text.len()..self.text.len(),
            help: None,
        }
    }

    fn is_connective(&self, name: &str) -> bool {
        match self.peek().map(|token| &token.kind) {
            Some(TokenKind::Word(word)) => word.eq_ignore_ascii_case(name),
            Some(TokenKind::Operator(operator)) => operator == name,
            _ => false,
        }
    }

    fn expression(&mut self, depth: usize) -> Result<Expression, RuleError> {
        let mut alternatives = vec![self.conjunction(depth)?];
        while self.is_connective("or") {
            self.next();
            alternatives.push(self.conjunction(depth)?);
        }
        Ok(if alternatives.len() == 1 {
            alternatives.swap_remove(0)
        } else {
            Expression::Or(alternatives)
        })
    }

    fn conjunction(&mut self, depth: usize) -> Result<Expression, RuleError> {
        let mut parts = vec![self.negation(depth)?];
        while self.is_connective("and") {
            self.next();
            parts.push(self.negation(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.swap_remove(0)
        } else {
            Expression::And(parts)
        })
    }

    fn negation(&mut self, depth: usize) -> Result<Expression, RuleError> {
        if depth > MAX_NESTING {
            let span = self.peek().map_or(0..0, |token| token.span.clone());
            return Err(RuleError {
                message: format!("the rule nests deeper than {MAX_NESTING} levels"),
                span,
                help: None,
            });
        }
        if self.is_connective("not") {
            self.next();
            return Ok(Expression::Not(Box::new(self.negation(depth + 1)?)));
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Expression, RuleError> {
        let Some(token) = self.next() else {
            return Err(self.end_error("a comparison"));
        };
        match &token.kind {
            TokenKind::LeftParenthesis => {
                let inner = self.expression(depth + 1)?;
                match self.next() {
                    Some(Token {
                        kind: TokenKind::RightParenthesis,
                        ..
                    }) => Ok(inner),
                    Some(other) => Err(RuleError {
                        message: format!(
                            "expected `)`, found `{}`",
                            &self.text[other.span.clone()]
                        ),
                        span: other.span.clone(),
                        help: Some("close the parenthesis opened before".to_owned()),
                    }),
                    None => Err(RuleError {
                        message: "this parenthesis is never closed".to_owned(),
                        span: token.span.clone(),
                        help: Some("add the missing `)`".to_owned()),
                    }),
                }
            }
            TokenKind::Word(word) => self.comparison(word, token.span.clone()),
            _ => Err(RuleError {
                message: format!(
                    "expected a property such as `device.deviceOSType`, found `{}`",
                    &self.text[token.span.clone()]
                ),
                span: token.span.clone(),
                help: None,
            }),
        }
    }

    fn attribute(&mut self, word: &str, span: Range<usize>) -> Result<Attribute, RuleError> {
        let lowered = word.to_ascii_lowercase();
        let (subject, property) = if let Some(property) = lowered.strip_prefix("device.") {
            (Subject::Device, &word[word.len() - property.len()..])
        } else if let Some(property) = lowered.strip_prefix("user.") {
            (Subject::User, &word[word.len() - property.len()..])
        } else {
            return Err(RuleError {
                message: format!(
                    "`{word}` is not a property: properties start with `device.` or `user.`"
                ),
                span,
                help: None,
            });
        };
        let attribute = match self.language {
            RuleLanguage::MembershipRule => attributes::membership_attribute(subject, property),
            RuleLanguage::FilterRule if subject == Subject::Device => {
                attributes::filter_attribute(property)
            }
            RuleLanguage::FilterRule => {
                return Err(RuleError {
                    message: format!("assignment filters test devices, not users: `{word}`"),
                    span,
                    help: Some(
                        "use a `device.` property, or a user group to target users".to_owned(),
                    ),
                });
            }
        };
        let Some(attribute) = attribute else {
            let language = match self.language {
                RuleLanguage::MembershipRule => "dynamic membership rules",
                RuleLanguage::FilterRule => "assignment filters",
            };
            return Err(RuleError {
                message: format!("`{word}` is not a property {language} know"),
                span,
                help: None,
            });
        };
        match self.subject {
            None => self.subject = Some(subject),
            Some(known) if known != subject => {
                return Err(RuleError {
                    message: "a rule cannot test both `device.` and `user.` properties".to_owned(),
                    span,
                    help: Some("a group holds either devices or users; split the rule".to_owned()),
                });
            }
            Some(_) => {}
        }
        Ok(attribute)
    }

    fn comparison(&mut self, word: &str, start: Range<usize>) -> Result<Expression, RuleError> {
        let attribute = self.attribute(word, start.clone())?;
        let Some(operator_token) = self.next() else {
            return Err(self.end_error("an operator such as `-eq`"));
        };
        let operator = match &operator_token.kind {
            TokenKind::Operator(name) => Operator::from_word(name).ok_or_else(|| RuleError {
                message: format!("`-{name}` is not an operator"),
                span: operator_token.span.clone(),
                help: Some("operators are -eq -ne -startsWith -notStartsWith -contains -notContains -in -notIn, and -match -notMatch -any -all -le -ge in membership rules".to_owned()),
            })?,
            _ => {
                return Err(RuleError {
                    message: format!(
                        "expected an operator such as `-eq` after `{word}`, found `{}`",
                        &self.text[operator_token.span.clone()]
                    ),
                    span: operator_token.span.clone(),
                    help: None,
                });
            }
        };
        if !operator.allowed_in(self.language) {
            return Err(RuleError {
                message: format!("`{}` cannot be used in this kind of rule", operator.text()),
                span: operator_token.span.clone(),
                help: None,
            });
        }
        let operand = if matches!(operator, Operator::Any | Operator::All) {
            self.element_test(&attribute, operator_token.span.clone())?
        } else {
            self.operand(&attribute, operator, operator_token.span.clone())?
        };
        let end = self
            .tokens
            .get(self.position.saturating_sub(1))
            .map_or(start.end, |token| token.span.end);
        Ok(Expression::Comparison(Comparison {
            attribute,
            operator,
            operand,
            span: start.start..end,
        }))
    }

    fn operand(
        &mut self,
        attribute: &Attribute,
        operator: Operator,
        operator_span: Range<usize>,
    ) -> Result<Operand, RuleError> {
        let Some(token) = self.next() else {
            return Err(self.end_error("a value"));
        };
        let operand = match &token.kind {
            TokenKind::Text(text) => Operand::Text(attribute.canonical_value(text)),
            TokenKind::Word(word) if word.eq_ignore_ascii_case("null") => Operand::Null,
            TokenKind::Word(word) if word.eq_ignore_ascii_case("true") => Operand::Bool(true),
            TokenKind::Word(word) if word.eq_ignore_ascii_case("false") => Operand::Bool(false),
            TokenKind::Word(word)
                if word
                    .chars()
                    .all(|character| character.is_ascii_digit() || character == '.') =>
            {
                Operand::Text(word.clone())
            }
            TokenKind::LeftBracket | TokenKind::LeftParenthesis => {
                let closing = if token.kind == TokenKind::LeftBracket {
                    TokenKind::RightBracket
                } else {
                    TokenKind::RightParenthesis
                };
                let items = self.list(attribute, &closing, token.span.clone())?;
                Operand::List(items)
            }
            _ => {
                return Err(RuleError {
                    message: format!(
                        "expected a quoted value, found `{}`",
                        &self.text[token.span.clone()]
                    ),
                    span: token.span.clone(),
                    help: Some("values are written in double quotes: \"Windows\"".to_owned()),
                });
            }
        };
        let is_list = matches!(operand, Operand::List(_));
        let wants_list = matches!(operator, Operator::In | Operator::NotIn);
        if is_list != wants_list {
            return Err(RuleError {
                message: if wants_list {
                    format!(
                        "`{}` needs a list of values: [\"a\", \"b\"]",
                        operator.text()
                    )
                } else {
                    format!("`{}` compares with one value, not a list", operator.text())
                },
                span: token.span.start.min(operator_span.start)..self.previous_end(),
                help: None,
            });
        }
        if let (Operator::Matches | Operator::NotMatches, Operand::Text(pattern)) =
            (operator, &operand)
        {
            let regex = regex::RegexBuilder::new(pattern)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .dfa_size_limit(1 << 20)
                .build()
                .map_err(|error| RuleError {
                    message: format!(
                        "`{pattern}` is not a regular expression preflight can use: {}",
                        first_line(&error.to_string())
                    ),
                    span: token.span.clone(),
                    help: None,
                })?;
            return Ok(Operand::Pattern(Pattern {
                source: pattern.clone(),
                regex: Arc::new(regex),
            }));
        }
        Ok(operand)
    }

    fn previous_end(&self) -> usize {
        self.tokens
            .get(self.position.saturating_sub(1))
            .map_or(0, |token| token.span.end)
    }

    fn list(
        &mut self,
        attribute: &Attribute,
        closing: &TokenKind,
        opening: Range<usize>,
    ) -> Result<Vec<String>, RuleError> {
        let mut items = Vec::new();
        loop {
            let Some(token) = self.next() else {
                return Err(RuleError {
                    message: "this list is never closed".to_owned(),
                    span: opening,
                    help: None,
                });
            };
            match &token.kind {
                kind if kind == closing => return Ok(items),
                TokenKind::Comma => {}
                TokenKind::Text(text) => items.push(attribute.canonical_value(text)),
                _ => {
                    return Err(RuleError {
                        message: format!(
                            "expected a quoted value in the list, found `{}`",
                            &self.text[token.span.clone()]
                        ),
                        span: token.span.clone(),
                        help: None,
                    });
                }
            }
        }
    }

    /// `(_ -startsWith "[ZTDId]")` after `-any` / `-all`; anything else inside the
    /// parentheses (a test of an object's fields) is kept opaque.
    fn element_test(
        &mut self,
        attribute: &Attribute,
        operator_span: Range<usize>,
    ) -> Result<Operand, RuleError> {
        let Some(open) = self.next() else {
            return Err(self.end_error("`(` after `-any` or `-all`"));
        };
        if open.kind != TokenKind::LeftParenthesis {
            return Err(RuleError {
                message: "`-any` and `-all` take a test in parentheses: (_ -startsWith \"x\")"
                    .to_owned(),
                span: operator_span.start..open.span.end,
                help: None,
            });
        }
        let is_element = matches!(self.peek().map(|token| &token.kind), Some(TokenKind::Word(word)) if word == "_");
        if is_element {
            self.next();
            let Some(operator_token) = self.next() else {
                return Err(self.end_error("an operator"));
            };
            let operator = match &operator_token.kind {
                TokenKind::Operator(name) => Operator::from_word(name)
                    .filter(|operator| !matches!(operator, Operator::Any | Operator::All)),
                _ => None,
            }
            .ok_or_else(|| RuleError {
                message: format!(
                    "expected an operator after `_`, found `{}`",
                    &self.text[operator_token.span.clone()]
                ),
                span: operator_token.span.clone(),
                help: None,
            })?;
            let value = self.operand(attribute, operator, operator_token.span.clone())?;
            match self.next() {
                Some(Token {
                    kind: TokenKind::RightParenthesis,
                    ..
                }) => Ok(Operand::Element {
                    operator,
                    value: Box::new(value),
                }),
                _ => Err(RuleError {
                    message: "expected `)` after the element test".to_owned(),
                    span: open.span.clone(),
                    help: None,
                }),
            }
        } else {
            // Skip to the matching parenthesis, keeping the text.
            let mut depth = 1_usize;
            let start = open.span.start;
            while depth > 0 {
                let Some(token) = self.next() else {
                    return Err(RuleError {
                        message: "this parenthesis is never closed".to_owned(),
                        span: open.span.clone(),
                        help: Some("add the missing `)`".to_owned()),
                    });
                };
                match token.kind {
                    TokenKind::LeftParenthesis => depth += 1,
                    TokenKind::RightParenthesis => depth -= 1,
                    _ => {}
                }
            }
            Ok(Operand::Opaque(
                self.text[start..self.previous_end()].to_owned(),
            ))
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().last().unwrap_or(text).trim()
}

/// Maps a byte range of a rule to a byte range of the file the rule is written in,
/// given the span of the rule's JSON string literal (quotes included) in the file
/// text: escapes (`\"`, `\\`, `\uXXXX`) take more bytes in the file than in the rule.
pub fn span_in_json_string(
    file_text: &str,
    literal: Range<usize>,
    range: Range<usize>,
) -> Range<usize> {
    let Some(body) = file_text.get(literal.start + 1..literal.end.saturating_sub(1)) else {
        return literal;
    };
    // For each byte offset of the rule text, the offset in the file.
    let mut rule_offset = 0_usize;
    let mut file_offset = literal.start + 1;
    let mut map_start = None;
    let mut map_end = None;
    let mut characters = body.char_indices().peekable();
    while let Some((position, character)) = characters.next() {
        if rule_offset == range.start && map_start.is_none() {
            map_start = Some(file_offset);
        }
        if rule_offset == range.end && map_end.is_none() {
            map_end = Some(file_offset);
        }
        let (consumed, produced) = if character == '\\' {
            match characters.next() {
                Some((_, 'u')) => {
                    let unit = |at: usize| {
                        body.get(at..at + 4)
                            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    };
                    for _ in 0..4 {
                        characters.next();
                    }
                    let first = unit(position + 2);
                    let second = body
                        .get(position + 6..position + 8)
                        .filter(|escape| *escape == "\\u")
                        .and_then(|_| unit(position + 8));
                    match (first, second) {
                        // A surrogate pair: one character beyond the Basic
                        // Multilingual Plane, four bytes in the rule.
                        (Some(0xD800..=0xDBFF), Some(0xDC00..=0xDFFF)) => {
                            for _ in 0..6 {
                                characters.next();
                            }
                            (12, 4)
                        }
                        _ => (6, first.and_then(char::from_u32).map_or(3, char::len_utf8)),
                    }
                }
                Some((_, escaped)) => (1 + escaped.len_utf8(), 1),
                None => (1, 1),
            }
        } else {
            (character.len_utf8(), character.len_utf8())
        };
        rule_offset += produced;
        file_offset = literal.start + 1 + position + consumed;
    }
    let end_of_body = literal.end.saturating_sub(1);
    let start = map_start.unwrap_or(end_of_body);
    let end = map_end.unwrap_or(end_of_body).max(start);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(language: RuleLanguage, text: &str) -> Expression {
        parse_rule(language, text)
            .unwrap_or_else(|error| panic!("{text}: {error:?}"))
            .expression
    }

    fn comparison(attribute: Attribute, operator: Operator, operand: Operand) -> Expression {
        Expression::Comparison(Comparison {
            attribute,
            operator,
            operand,
            span: 0..0,
        })
    }

    /// The expression with every span zeroed, to compare shapes.
    fn shape(expression: Expression) -> Expression {
        match expression {
            Expression::And(parts) => Expression::And(parts.into_iter().map(shape).collect()),
            Expression::Or(parts) => Expression::Or(parts.into_iter().map(shape).collect()),
            Expression::Not(inner) => Expression::Not(Box::new(shape(*inner))),
            Expression::Comparison(mut comparison) => {
                comparison.span = 0..0;
                Expression::Comparison(comparison)
            }
        }
    }

    #[test]
    fn and_binds_tighter_than_or_and_not_tighter_than_and() {
        let parsed = shape(parse(
            RuleLanguage::MembershipRule,
            r#"device.deviceOSType -eq "Windows" or not device.deviceOwnership -eq "Personal" and device.deviceModel -startsWith "Surface""#,
        ));
        assert_eq!(
            parsed,
            Expression::Or(vec![
                comparison(
                    Attribute::OsType,
                    Operator::Equals,
                    Operand::Text("windows".to_owned())
                ),
                Expression::And(vec![
                    Expression::Not(Box::new(comparison(
                        Attribute::Ownership,
                        Operator::Equals,
                        Operand::Text("personal".to_owned())
                    ))),
                    comparison(
                        Attribute::Model,
                        Operator::StartsWith,
                        Operand::Text("surface".to_owned())
                    ),
                ]),
            ])
        );
    }

    #[test]
    fn collections_lists_null_and_opaque_tests() {
        let parsed = shape(parse(
            RuleLanguage::MembershipRule,
            r#"(device.devicePhysicalIDs -any (_ -startsWith "[ZTDID]")) -and (device.enrollmentProfileName -eq null) -and (device.deviceOSType -in ["iPad","iPhone"])"#,
        ));
        let Expression::And(parts) = parsed else {
            panic!("an and");
        };
        assert_eq!(
            parts[0],
            comparison(
                Attribute::PhysicalIds,
                Operator::Any,
                Operand::Element {
                    operator: Operator::StartsWith,
                    value: Box::new(Operand::Text("[ztdid]".to_owned()))
                }
            )
        );
        assert!(matches!(&parts[1], Expression::Comparison(c) if c.operand == Operand::Null));
        assert!(
            matches!(&parts[2], Expression::Comparison(c) if c.operand == Operand::List(vec!["ipad".to_owned(), "iphone".to_owned()]))
        );
        let opaque = parse(
            RuleLanguage::MembershipRule,
            r#"(user.assignedPlans -any (assignedPlan.servicePlanId -eq "c1ec" -and assignedPlan.capabilityStatus -eq "Enabled"))"#,
        );
        assert!(
            matches!(opaque, Expression::Comparison(c) if matches!(c.operand, Operand::Opaque(_)))
        );
    }

    #[test]
    fn filter_rules_use_their_own_properties_and_operators() {
        let parsed = shape(parse(
            RuleLanguage::FilterRule,
            r#"(device.manufacturer -eq "Dell Inc.") or (device.model -endsWith "7440")"#,
        ));
        assert!(matches!(parsed, Expression::Or(_)));
        let error = parse_rule(
            RuleLanguage::FilterRule,
            r#"(device.deviceOSType -eq "Windows")"#,
        )
        .expect_err("not a filter property");
        assert_eq!(error.span, 1..20);
        let error = parse_rule(RuleLanguage::FilterRule, r#"(device.model -match "x")"#)
            .expect_err("no -match in filters");
        assert_eq!(error.span, 14..20);
    }

    #[test]
    fn mistakes_point_at_the_offending_text() {
        let cases = [
            (
                r#"(device.deviceOSType -eq "Windows""#,
                0..1,
                "never closed",
            ),
            (
                r#"device.deviceOSType -eqq "Windows""#,
                20..24,
                "not an operator",
            ),
            (r#"device.deviceOSType -eq Windows"#, 24..31, "quoted value"),
            (r#"device.nope -eq "x""#, 0..11, "not a property"),
            (
                r#"(device.deviceOSType -eq "a") (device.deviceModel -eq "b")"#,
                30..31,
                "unexpected",
            ),
            (
                r#"device.deviceOSType -eq "x" and user.department -eq "y""#,
                32..47,
                "both",
            ),
            (
                r#"device.deviceOSType -match "(""#,
                27..30,
                "regular expression",
            ),
            (r#"device.deviceOSType -in "x""#, 20..27, "needs a list"),
        ];
        for (text, span, words) in cases {
            let error = parse_rule(RuleLanguage::MembershipRule, text).expect_err(text);
            assert_eq!(error.span, span, "{text}: {error:?}");
            assert!(error.message.contains(words), "{text}: {}", error.message);
        }
    }

    #[test]
    fn huge_and_pathological_rules_are_refused_not_hung() {
        let long = format!(r#"device.deviceModel -eq "{}""#, "x".repeat(4000));
        assert!(parse_rule(RuleLanguage::MembershipRule, &long).is_err());
        let deep = format!(
            "{}device.deviceModel -eq \"x\"{}",
            "(".repeat(200),
            ")".repeat(200)
        );
        assert!(parse_rule(RuleLanguage::MembershipRule, &deep).is_err());
        let huge_regex = r#"device.deviceModel -match "(a{1000}){1000}""#;
        let error = parse_rule(RuleLanguage::MembershipRule, huge_regex).expect_err("too big");
        assert!(error.message.contains("regular expression"));
    }

    #[test]
    fn rule_ranges_map_back_through_json_escapes() {
        let file = r#"{"rule": "(device.model -eq \"A\\B\") or x"}"#;
        let literal = 9..file.len() - 1;
        let rule = "(device.model -eq \"A\\B\") or x";
        let start = rule.find("or").expect("or");
        let mapped = span_in_json_string(file, literal, start..start + 2);
        assert_eq!(&file[mapped], "or");
        let quote = rule.find('"').expect("quote");
        let mapped = span_in_json_string(file, 9..file.len() - 1, quote..quote + 1);
        assert_eq!(&file[mapped], "\\\"");
        // Found by the `rule_language` fuzz target: a character beyond the Basic
        // Multilingual Plane escaped as a surrogate pair is one character.
        let file = r#"{"rule": "(device.deviceModel -eq \"\ud83d\ude00\u00e9\") -eqq x"}"#;
        let rule = "(device.deviceModel -eq \"\u{1f600}\u{e9}\") -eqq x";
        let start = rule.find("-eqq").expect("-eqq");
        let mapped = span_in_json_string(file, 9..file.len() - 1, start..start + 4);
        assert_eq!(&file[mapped], "-eqq");
        let emoji = rule.find('\u{1f600}').expect("emoji");
        let mapped = span_in_json_string(file, 9..file.len() - 1, emoji..emoji + 4);
        assert_eq!(&file[mapped], "\\ud83d\\ude00");
    }
}
