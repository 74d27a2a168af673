//! Reads YAML into the same span-keeping tree the JSON parser builds.
//!
//! IntuneCD writes its backups as YAML when run with `-o yaml`: the same objects as
//! its JSON backups, dumped by PyYAML (`yaml.dump(…, sort_keys=False,
//! default_flow_style=False)`), so block mappings and sequences, plain, quoted and
//! block scalars, `null`, booleans and numbers, long strings folded over lines and
//! non-ASCII text escaped in double quotes. Planners write rollout plans in YAML by
//! hand, with flow collections and comments. This module turns any such text into
//! [`json::Node`]s whose spans are byte ranges of the YAML text, so that every later
//! stage, and every diagnostic, works unchanged.
//!
//! The grammar is YAML 1.2's, read with `granit-parser`'s event API (the parser
//! behind serde-saphyr), which gives each event a byte range. Plain scalars are
//! typed as PyYAML types them (YAML 1.1: `yes`/`no`/`on`/`off` are booleans, a float
//! needs a `.`), since PyYAML is what IntuneCD writes and reads its backups with; a
//! YAML value then means what IntuneCD meant by it. Mapping keys become text as
//! IntuneCD's own YAML-to-JSON conversion makes them (`true` → `"true"`). Aliases
//! are expanded, within a budget, so that a small hostile file cannot grow without
//! bound; nesting is limited to [`json::MAX_DEPTH`] as for JSON.

use std::collections::BTreeMap;

use granit_parser::{Event, Marker, Options, Parser, ScalarStyle, StructureStyle, Tag};

use crate::json::{self, Member, Node, Number, Object, Text, Value};
use crate::span::Span;

/// How many values aliases may add to a document, in all, by repeating what an
/// anchor names. Real files rarely use aliases at all.
pub const MAX_ALIAS_EXPANSION: usize = 100_000;

/// Why a text is not valid YAML (or not one YAML document), and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// One lowercase line saying what is wrong.
    pub message: String,
    /// Where the problem is: the offending character, or the end of the text.
    pub span: Span,
}

/// Parses `text` as one YAML document into a tree of [`Node`]s.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut options = Options::default();
    options.set_emit_comments(false);
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut builder = Builder {
        text,
        stack: Vec::new(),
        anchors: BTreeMap::new(),
        alias_budget: MAX_ALIAS_EXPANSION,
        root: None,
    };
    while let Some(result) = parser.next_event() {
        let (event, span) = result.map_err(|error| builder.scan_error(&error))?;
        let start = builder.offset(&span.start);
        let end = builder.offset(&span.end).max(start);
        match event {
            Event::StreamEnd => break,
            Event::DocumentStart(..) if builder.root.is_some() => {
                return Err(YamlError {
                    message: "the file holds more than one YAML document; preflight reads one object per file".to_owned(),
                    span: Span::new(start, end.max(start + 1).min(text.len())),
                });
            }
            Event::Scalar(value, style, anchor, tag) => {
                let node = Node {
                    span: Span::new(start, end),
                    value: scalar_value(&value, style, tag.as_deref()),
                };
                builder.complete(node, anchor)?;
            }
            Event::SequenceStart(style, anchor, _) => {
                builder.open(Frame::new(
                    start,
                    style,
                    anchor,
                    Container::Sequence(Vec::new()),
                ))?;
            }
            Event::MappingStart(style, anchor, _) => {
                let mapping = Container::Mapping {
                    members: Vec::new(),
                    key: None,
                };
                builder.open(Frame::new(start, style, anchor, mapping))?;
            }
            Event::SequenceEnd | Event::MappingEnd => builder.close(end)?,
            Event::Alias(anchor) => builder.alias(anchor, Span::new(start, end))?,
            _ => {}
        }
    }
    builder.root.ok_or_else(|| YamlError {
        message: "the file is empty; expected a YAML document".to_owned(),
        span: Span::point(0),
    })
}

/// A collection being read: where it starts, how it is written, its anchor.
struct Frame {
    start: usize,
    flow: bool,
    anchor: usize,
    container: Container,
}

impl Frame {
    fn new(start: usize, style: StructureStyle, anchor: usize, container: Container) -> Self {
        Self {
            start,
            flow: style == StructureStyle::Flow,
            anchor,
            container,
        }
    }
}

enum Container {
    Sequence(Vec<Node>),
    Mapping {
        members: Vec<Member>,
        /// The key read, waiting for its value.
        key: Option<(Text, Span)>,
    },
}

struct Builder<'text> {
    text: &'text str,
    stack: Vec<Frame>,
    anchors: BTreeMap<usize, Node>,
    alias_budget: usize,
    root: Option<Node>,
}

impl Builder<'_> {
    /// The byte offset of a parser marker (parsing from a `&str` always has one).
    fn offset(&self, marker: &Marker) -> usize {
        marker
            .byte_offset()
            .unwrap_or_else(|| byte_offset_of_character(self.text, marker.index()))
            .min(self.text.len())
    }

    fn scan_error(&self, error: &granit_parser::ScanError) -> YamlError {
        let offset = self.offset(error.marker());
        let info = error.info();
        match self.text[offset..].chars().next() {
            None => YamlError {
                message: format!("{info}, but the file ends here (is it truncated?)"),
                span: Span::point(offset),
            },
            Some(character) => YamlError {
                message: info,
                span: Span::new(offset, offset + character.len_utf8()),
            },
        }
    }

    /// Whether the innermost collection is a mapping waiting for a key.
    fn expects_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                container: Container::Mapping { key: None, .. },
                ..
            })
        )
    }

    fn open(&mut self, frame: Frame) -> Result<(), YamlError> {
        let at = Span::new(frame.start, frame.start + 1);
        if self.expects_key() {
            return Err(YamlError {
                message: "a mapping key must be a text, number or boolean, not a collection"
                    .to_owned(),
                span: at,
            });
        }
        if self.stack.len() >= json::MAX_DEPTH {
            return Err(YamlError {
                message: format!("nesting is deeper than {} levels", json::MAX_DEPTH),
                span: at,
            });
        }
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self, end_event_end: usize) -> Result<(), YamlError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let (value, last_end) = match frame.container {
            Container::Sequence(items) => {
                let last_end = items.last().map(|item| item.span.end as usize);
                (Value::Array(items), last_end)
            }
            Container::Mapping { members, .. } => {
                let last_end = members.last().map(|member| member.value.span.end as usize);
                (Value::Object(Object { members }), last_end)
            }
        };
        let (start, end) = if frame.flow {
            (frame.start, end_event_end)
        } else {
            let start = match value {
                Value::Array(_) => self.sequence_indicator_before(frame.start),
                _ => frame.start,
            };
            (start, last_end.unwrap_or(frame.start).max(start))
        };
        let node = Node {
            span: Span::new(start, end),
            value,
        };
        self.complete(node, frame.anchor)
    }

    /// A block sequence's first event starts after its `- `: the `-` before it, on
    /// the same line, is where the sequence starts.
    fn sequence_indicator_before(&self, start: usize) -> usize {
        let before = &self.text.as_bytes()[..start];
        let blanks = before
            .iter()
            .rev()
            .take_while(|byte| matches!(byte, b' ' | b'\t'))
            .count();
        let indicator = start - blanks;
        if self.text.as_bytes().get(start) != Some(&b'-')
            && indicator > 0
            && before[indicator - 1] == b'-'
        {
            indicator - 1
        } else {
            start
        }
    }

    fn alias(&mut self, anchor: usize, at: Span) -> Result<(), YamlError> {
        let Some(target) = self.anchors.get(&anchor) else {
            return Err(YamlError {
                message: "this alias names no anchor defined before it".to_owned(),
                span: at,
            });
        };
        let size = node_count(target);
        if size > self.alias_budget {
            return Err(YamlError {
                message: format!(
                    "aliases in this file repeat more than {MAX_ALIAS_EXPANSION} values; preflight stops expanding them"
                ),
                span: at,
            });
        }
        self.alias_budget -= size;
        let node = target.clone();
        self.complete(node, 0)
    }

    /// Puts a finished value where it belongs: the root, an array element, a key or
    /// a member's value.
    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut frame.container {
            Container::Sequence(items) => items.push(node),
            Container::Mapping { members, key } => match key.take() {
                Some((key, key_span)) => members.push(Member {
                    key,
                    key_span,
                    value: node,
                }),
                None => {
                    let span = node.span;
                    let kind = node.kind_name();
                    let text = into_key_text(node).ok_or_else(|| YamlError {
                        message: format!(
                            "a mapping key must be a text, number or boolean, not {kind}"
                        ),
                        span,
                    })?;
                    *key = Some((text, span));
                }
            },
        }
        Ok(())
    }
}

/// The text a scalar key becomes, as in IntuneCD's conversion of YAML to JSON.
fn into_key_text(node: Node) -> Option<Text> {
    match node.value {
        Value::String(text) => Some(text),
        Value::Number(number) => Some(Text::from(number.as_str())),
        Value::Bool(flag) => Some(Text::from(flag.to_string())),
        Value::Null => Some(Text::from("null")),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// How many values `node` holds, itself included.
fn node_count(node: &Node) -> usize {
    let mut count = 0;
    let mut pending = vec![node];
    while let Some(node) = pending.pop() {
        count += 1;
        match &node.value {
            Value::Array(items) => pending.extend(items),
            Value::Object(object) => {
                pending.extend(object.members.iter().map(|member| &member.value))
            }
            _ => {}
        }
    }
    count
}

fn byte_offset_of_character(text: &str, index: usize) -> usize {
    text.char_indices()
        .nth(index)
        .map_or(text.len(), |(offset, _)| offset)
}

const CORE_SCHEMA: &str = "tag:yaml.org,2002:";

/// The value of a scalar: quoted and block scalars are text; plain scalars are
/// typed as PyYAML types them; a core-schema tag (`!!str`, `!!int`, …) decides.
fn scalar_value(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    let core_tag = tag
        .filter(|tag| tag.handle() == CORE_SCHEMA)
        .map(Tag::suffix);
    match core_tag {
        Some("int" | "float" | "bool" | "null") => return plain_value(text),
        Some(_) => return Value::String(Text::from(text)),
        None => {}
    }
    match style {
        ScalarStyle::Plain => plain_value(text),
        _ => Value::String(Text::from(text)),
    }
}

/// A plain scalar typed by PyYAML's implicit resolvers (YAML 1.1).
fn plain_value(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        _ => {}
    }
    match integer_text(text).or_else(|| float_text(text)) {
        Some(number) => Value::Number(Number::from_json_text(number)),
        None => Value::String(Text::from(text)),
    }
}

/// Splits an optional leading sign off.
fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

/// A YAML 1.1 integer (`12`, `-3`, `1_000`, `0x1F`, `017`, `0b101`, `1:30`) as a
/// JSON number, or `None` when the text is not one.
fn integer_text(text: &str) -> Option<String> {
    let (negative, body) = split_sign(text);
    let sign = if negative { "-" } else { "" };
    let digits_of = |digits: &str, radix: u32| -> Option<String> {
        let clean: String = digits
            .chars()
            .filter(|&character| character != '_')
            .collect();
        if digits.is_empty() || !digits.chars().all(|c| c == '_' || c.is_digit(radix)) {
            return None;
        }
        let value =
            i128::from_str_radix(if clean.is_empty() { "0" } else { &clean }, radix).ok()?;
        Some(format!("{}", if negative { -value } else { value }))
    };
    if let Some(binary) = body.strip_prefix("0b") {
        return digits_of(binary, 2);
    }
    if let Some(hexadecimal) = body.strip_prefix("0x") {
        return digits_of(hexadecimal, 16);
    }
    if body == "0" {
        return Some("0".to_owned());
    }
    if let Some(octal) = body.strip_prefix('0') {
        return digits_of(octal, 8);
    }
    let first = body.chars().next()?;
    if !matches!(first, '1'..='9') {
        return None;
    }
    if body.contains(':') {
        return sexagesimal(body).map(|value| format!("{sign}{value}"));
    }
    if !body
        .chars()
        .all(|character| character.is_ascii_digit() || character == '_')
    {
        return None;
    }
    // Kept as written (without `_`), so integers beyond any machine type lose nothing.
    let clean: String = body.chars().filter(|&character| character != '_').collect();
    Some(format!("{sign}{clean}"))
}

/// `1:30:05`-style base-60 integers: a decimal head, then `:` and one or two
/// digits below 60.
fn sexagesimal(body: &str) -> Option<u64> {
    let mut parts = body.split(':');
    let head = parts.next()?;
    if head.is_empty() || !head.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return None;
    }
    let head: String = head.chars().filter(|&c| c != '_').collect();
    let mut value: u64 = head.parse().ok()?;
    for part in parts {
        let digit: u64 = match part.len() {
            1 | 2 if part.chars().all(|c| c.is_ascii_digit()) => part.parse().ok()?,
            _ => return None,
        };
        if digit >= 60 {
            return None;
        }
        value = value.checked_mul(60)?.checked_add(digit)?;
    }
    Some(value)
}

/// A YAML 1.1 float (`1.5`, `-0.5`, `1.0e+16`, `.5`, `.inf`, `.nan`) as number
/// text that Rust and JSON readers accept, or `None`.
fn float_text(text: &str) -> Option<String> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some("inf".to_owned()),
        "-.inf" | "-.Inf" | "-.INF" => return Some("-inf".to_owned()),
        ".nan" | ".NaN" | ".NAN" => return Some("NaN".to_owned()),
        _ => {}
    }
    let (negative, body) = split_sign(text);
    if body.starts_with('.') && text.len() != body.len() {
        // PyYAML reads `.5` as a float, but not `-.5`.
        return None;
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(position) => (&body[..position], Some(&body[position + 1..])),
        None => (body, None),
    };
    let (whole, fraction) = mantissa.split_once('.')?;
    let is_digits = |part: &str| part.chars().all(|c| c.is_ascii_digit() || c == '_');
    if !is_digits(fraction) || (whole.is_empty() && fraction.is_empty()) {
        return None;
    }
    if !whole.is_empty() && !whole.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if whole.contains(':') {
        if exponent.is_some() || !fraction.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let whole = sexagesimal(whole)?;
        let fraction: String = fraction.chars().filter(|&c| c != '_').collect();
        let value: f64 = format!("{whole}.{fraction}0").parse().ok()?;
        return Some(format!("{}{value:?}", if negative { "-" } else { "" }));
    }
    if !is_digits(whole) {
        return None;
    }
    let exponent = match exponent {
        None => String::new(),
        Some(exponent) => {
            let (sign, digits) = match exponent.as_bytes().first() {
                Some(b'+' | b'-') => (&exponent[..1], &exponent[1..]),
                _ => return None,
            };
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            format!("e{sign}{digits}")
        }
    };
    let clean = |part: &str| -> String { part.chars().filter(|&c| c != '_').collect() };
    let whole = clean(whole);
    let fraction = clean(fraction);
    let whole = if whole.is_empty() {
        "0".to_owned()
    } else {
        whole
    };
    let fraction = if fraction.is_empty() {
        "0".to_owned()
    } else {
        fraction
    };
    let sign = if negative { "-" } else { "" };
    Some(format!("{sign}{whole}.{fraction}{exponent}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(text: &str, span: Span) -> &str {
        &text[span.range()]
    }

    fn parsed(text: &str) -> Node {
        parse(text).unwrap_or_else(|error| panic!("{error} at {:?}", error.span))
    }

    #[test]
    fn an_intunecd_document_keeps_spans_on_every_value() {
        let text = "\
'@odata.type': '#microsoft.graph.windows10CustomConfiguration'
displayName: Win - Custom - Realtime
roleScopeTagIds:
- '0'
omaSettings:
- '@odata.type': '#microsoft.graph.omaSettingInteger'
  omaUri: ./Device/Vendor/MSFT/Policy/Config/Defender/AllowRealtimeMonitoring
  value: 0
  isEncrypted: false
assignments: []
";
        let root = parsed(text);
        let object = root.as_object().expect("a mapping");
        assert_eq!(slice(text, object.members[0].key_span), "'@odata.type'");
        assert_eq!(
            root.get("@odata.type").and_then(Node::as_str),
            Some("#microsoft.graph.windows10CustomConfiguration")
        );
        assert_eq!(
            slice(text, root.get("displayName").expect("name").span),
            "Win - Custom - Realtime"
        );
        let settings = root.get("omaSettings").expect("settings");
        assert!(slice(text, settings.span).starts_with("- '@odata.type'"));
        assert!(slice(text, settings.span).ends_with("isEncrypted: false"));
        let setting = &settings.as_array().expect("a sequence")[0];
        let value = setting.get("value").expect("value");
        assert_eq!(slice(text, value.span), "0");
        assert_eq!(value.as_number().and_then(Number::as_i64), Some(0));
        assert_eq!(
            setting.get("isEncrypted").and_then(Node::as_bool),
            Some(false)
        );
        let roles = root.get("roleScopeTagIds").expect("roles");
        assert_eq!(slice(text, roles.span), "- '0'");
        assert_eq!(roles.as_array().expect("a sequence")[0].as_str(), Some("0"));
        assert_eq!(slice(text, root.get("assignments").expect("a").span), "[]");
    }

    #[test]
    fn pyyaml_scalars_mean_what_pyyaml_meant() {
        let text = "\
a: null
b: ~
c:
d: true
e: no
f: 12
g: -3
h: 1_000
i: 0x1F
j: 017
k: 1.5
l: 1.0e+16
m: .inf
n: '12'
o: \"yes\"
p: 1e5
q: 10.0.19045
r: !!str 7
s: 0b101
t: 1:30
u: 123456789012345678901234567890
";
        let root = parsed(text);
        let value = |key: &str| root.get(key).expect(key).value.clone();
        let number = |text: &str| Value::Number(Number::from_json_text(text));
        assert_eq!(value("a"), Value::Null);
        assert_eq!(value("b"), Value::Null);
        assert_eq!(value("c"), Value::Null);
        assert_eq!(value("d"), Value::Bool(true));
        assert_eq!(value("e"), Value::Bool(false));
        assert_eq!(value("f"), number("12"));
        assert_eq!(value("g"), number("-3"));
        assert_eq!(value("h"), number("1000"));
        assert_eq!(value("i"), number("31"));
        assert_eq!(value("j"), number("15"));
        assert_eq!(value("k"), number("1.5"));
        assert_eq!(value("l"), number("1.0e+16"));
        assert_eq!(value("m"), number("inf"));
        assert_eq!(value("n"), Value::String(Text::from("12")));
        assert_eq!(value("o"), Value::String(Text::from("yes")));
        assert_eq!(value("p"), Value::String(Text::from("1e5")));
        assert_eq!(value("q"), Value::String(Text::from("10.0.19045")));
        assert_eq!(value("r"), Value::String(Text::from("7")));
        assert_eq!(value("s"), number("5"));
        assert_eq!(value("t"), number("90"));
        assert_eq!(value("u"), number("123456789012345678901234567890"));
    }

    #[test]
    fn folded_escaped_and_block_text_is_read_whole() {
        let text = "\
long: this is a plain
  scalar over two lines
quoted: \"Win \\u2013 Baseline \\xE4\"
folded: \"a long line broken \\
  by PyYAML\"
script: |
  Write-Host 'hi'
  exit 0
";
        let root = parsed(text);
        let text_of = |key: &str| root.get(key).and_then(Node::as_str).expect(key).to_owned();
        assert_eq!(text_of("long"), "this is a plain scalar over two lines");
        assert_eq!(text_of("quoted"), "Win \u{2013} Baseline \u{e4}");
        assert_eq!(text_of("folded"), "a long line broken by PyYAML");
        assert_eq!(text_of("script"), "Write-Host 'hi'\nexit 0\n");
        let quoted = root.get("quoted").expect("quoted");
        assert_eq!(slice(text, quoted.span), "\"Win \\u2013 Baseline \\xE4\"");
    }

    #[test]
    fn flow_collections_comments_and_keys_of_other_types() {
        let text = "# a plan\nphases: [{name: Pilot, groups: [Ring 0]}]  # inline\ntrue: 1\n";
        let root = parsed(text);
        let phases = root.get("phases").expect("phases");
        assert_eq!(
            slice(text, phases.span),
            "[{name: Pilot, groups: [Ring 0]}]"
        );
        let phase = &phases.as_array().expect("a sequence")[0];
        assert_eq!(slice(text, phase.span), "{name: Pilot, groups: [Ring 0]}");
        assert!(root.get("true").is_some());
    }

    #[test]
    fn nested_sequences_start_at_their_indicator() {
        let text = "a:\n  - - x\n    - y\n  - k: v\n";
        let root = parsed(text);
        let outer = root.get("a").expect("a");
        assert!(slice(text, outer.span).starts_with("- - x"));
        let inner = &outer.as_array().expect("outer")[0];
        assert_eq!(slice(text, inner.span), "- x\n    - y");
    }

    #[test]
    fn repeated_keys_are_kept_for_the_duplicate_check() {
        let root = parsed("a: 1\na: 2\n");
        assert_eq!(json::duplicate_members(&root).len(), 1);
    }

    #[test]
    fn aliases_are_expanded_within_a_budget() {
        let root = parsed("base: &b {x: 1}\ncopy: *b\n");
        assert!(root.get("copy").and_then(|copy| copy.get("x")).is_some());
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let names = ["b", "c", "d", "e", "f", "g"];
        let mut previous = "a";
        for name in names {
            bomb.push_str(&format!("{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"));
            previous = name;
        }
        let error = parse(&bomb).expect_err("too many repeated values");
        assert!(
            error.message.contains("repeat more than"),
            "{}",
            error.message
        );
    }

    #[test]
    fn errors_point_at_the_offending_place() {
        let cases = [
            ("a: b: c\n", 4, "mapping values are not allowed"),
            ("a:\n  - b\n c: d\n", 10, "did not find expected key"),
            ("a: 'never closed\n", 3, "unclosed quote"),
            ("a:\n\tb: 1\n", 4, "tabs"),
            ("a: [1, 2\n", 3, "unclosed bracket"),
            ("a: 1\n---\nb: 2\n", 5, "more than one YAML document"),
            ("? [a]\n: b\n", 2, "mapping key must be"),
        ];
        for (text, offset, message) in cases {
            let error = parse(text).expect_err(text);
            assert!(
                error.message.contains(message),
                "{text:?}: {}",
                error.message
            );
            assert_eq!(
                error.span.start as usize, offset,
                "{text:?}: {}",
                error.message
            );
        }
        for text in ["", "# only a comment\n", "\n\n"] {
            let error = parse(text).expect_err("empty");
            assert!(error.message.contains("empty"), "{}", error.message);
        }
    }

    #[test]
    fn nesting_is_limited() {
        let deep = "[".repeat(json::MAX_DEPTH + 1) + &"]".repeat(json::MAX_DEPTH + 1);
        let error = parse(&deep).expect_err("too deep");
        assert!(
            error.message.contains("deeper than 128"),
            "{}",
            error.message
        );
        let fine = "[".repeat(json::MAX_DEPTH) + &"]".repeat(json::MAX_DEPTH);
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn multibyte_text_keeps_byte_spans() {
        let text = "n\u{e4}me: \u{1F600} x\nnext: 1\n";
        let root = parsed(text);
        assert_eq!(
            slice(text, root.get("n\u{e4}me").expect("m").span),
            "\u{1F600} x"
        );
        assert_eq!(slice(text, root.get("next").expect("n").span), "1");
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// A JSON value to write as text: what JSON and PyYAML agree on (integers,
        /// decimals with a `.`, any text).
        #[derive(Clone, Debug)]
        enum Generated {
            Null,
            Bool(bool),
            Integer(i64),
            Decimal(i32, u16),
            Text(String),
            List(Vec<Generated>),
            Map(Vec<(String, Generated)>),
        }

        fn text() -> impl Strategy<Value = String> {
            proptest::collection::vec(
                prop_oneof![
                    proptest::char::range('a', 'z'),
                    Just(' '),
                    Just('"'),
                    Just('\\'),
                    Just('\n'),
                    Just('\t'),
                    Just(':'),
                    Just('#'),
                    Just('-'),
                    Just('\u{e4}'),
                    Just('\u{2013}'),
                    Just('\u{1F600}'),
                ],
                0..12,
            )
            .prop_map(|characters| characters.into_iter().collect())
        }

        fn generated() -> impl Strategy<Value = Generated> {
            let leaf = prop_oneof![
                Just(Generated::Null),
                any::<bool>().prop_map(Generated::Bool),
                any::<i64>().prop_map(Generated::Integer),
                (any::<i32>(), any::<u16>())
                    .prop_map(|(whole, fraction)| Generated::Decimal(whole, fraction)),
                text().prop_map(Generated::Text),
            ];
            leaf.prop_recursive(4, 40, 5, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..5).prop_map(Generated::List),
                    proptest::collection::vec((text(), inner), 0..5).prop_map(Generated::Map),
                ]
            })
        }

        fn quoted(text: &str) -> String {
            let mut out = String::from("\"");
            for character in text.chars() {
                match character {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    other => out.push(other),
                }
            }
            out.push('"');
            out
        }

        fn json_text(value: &Generated) -> String {
            match value {
                Generated::Null => "null".to_owned(),
                Generated::Bool(flag) => flag.to_string(),
                Generated::Integer(integer) => integer.to_string(),
                Generated::Decimal(whole, fraction) => format!("{whole}.{fraction}"),
                Generated::Text(text) => quoted(text),
                Generated::List(items) => {
                    let items: Vec<String> = items.iter().map(json_text).collect();
                    format!("[{}]", items.join(", "))
                }
                Generated::Map(members) => {
                    let members: Vec<String> = members
                        .iter()
                        .map(|(key, value)| format!("{}: {}", quoted(key), json_text(value)))
                        .collect();
                    format!("{{{}}}", members.join(", "))
                }
            }
        }

        fn is_collection(value: &Generated) -> bool {
            match value {
                Generated::List(items) => !items.is_empty(),
                Generated::Map(members) => !members.is_empty(),
                _ => false,
            }
        }

        /// Block YAML, as PyYAML lays it out: one key or item per line, nested
        /// collections indented below their key or `-`; scalars as in JSON.
        fn block_text(value: &Generated, indent: usize, out: &mut String) {
            let pad = " ".repeat(indent);
            match value {
                Generated::Map(members) if !members.is_empty() => {
                    for (key, member) in members {
                        out.push_str(&format!("{pad}{}:", quoted(key)));
                        if is_collection(member) {
                            out.push('\n');
                            block_text(member, indent + 2, out);
                        } else {
                            out.push_str(&format!(" {}\n", json_text(member)));
                        }
                    }
                }
                Generated::List(items) if !items.is_empty() => {
                    for item in items {
                        if is_collection(item) {
                            out.push_str(&format!("{pad}-\n"));
                            block_text(item, indent + 2, out);
                        } else {
                            out.push_str(&format!("{pad}- {}\n", json_text(item)));
                        }
                    }
                }
                scalar => out.push_str(&format!("{pad}{}\n", json_text(scalar))),
            }
        }

        /// The text of every scalar value and key, in order.
        fn scalar_texts<'text>(text: &'text str, node: &Node, out: &mut Vec<&'text str>) {
            match &node.value {
                Value::Array(items) => items.iter().for_each(|item| scalar_texts(text, item, out)),
                Value::Object(object) => {
                    for member in &object.members {
                        out.push(&text[member.key_span.range()]);
                        scalar_texts(text, &member.value, out);
                    }
                }
                _ => out.push(&text[node.span.range()]),
            }
        }

        /// The value without spans, numbers compared by value.
        fn shape(node: &Node) -> String {
            match &node.value {
                Value::Null => "null".to_owned(),
                Value::Bool(flag) => flag.to_string(),
                Value::Number(number) => format!("{:?}", number.as_f64()),
                Value::String(text) => format!("{text:?}"),
                Value::Array(items) => {
                    let items: Vec<String> = items.iter().map(shape).collect();
                    format!("[{}]", items.join(","))
                }
                Value::Object(object) => {
                    let members: Vec<String> = object
                        .members
                        .iter()
                        .map(|member| format!("{:?}:{}", member.key, shape(&member.value)))
                        .collect();
                    format!("{{{}}}", members.join(","))
                }
            }
        }

        /// The span of every value and key, in text order.
        fn all_spans(node: &Node) -> Vec<Span> {
            let mut spans = vec![node.span];
            match &node.value {
                Value::Array(items) => spans.extend(items.iter().flat_map(all_spans)),
                Value::Object(object) => {
                    for member in &object.members {
                        spans.push(member.key_span);
                        spans.extend(all_spans(&member.value));
                    }
                }
                _ => {}
            }
            spans
        }

        fn spans_inside(text: &str, node: &Node) -> bool {
            let range = node.span.range();
            range.start <= range.end
                && range.end <= text.len()
                && text.is_char_boundary(range.start)
                && text.is_char_boundary(range.end)
                && match &node.value {
                    Value::Array(items) => items.iter().all(|item| spans_inside(text, item)),
                    Value::Object(object) => object
                        .members
                        .iter()
                        .all(|member| spans_inside(text, &member.value)),
                    _ => true,
                }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            /// JSON is YAML: read either way, a JSON text gives the same values, and
            /// the YAML spans cover the same text as the JSON spans.
            #[test]
            fn json_text_reads_the_same_as_yaml(value in generated()) {
                let text = json_text(&value);
                let from_json = json::parse(&text).expect("generated JSON is valid");
                let from_yaml = parse(&text).map_err(|error| TestCaseError::fail(format!("{error} at {:?} in {text}", error.span)))?;
                prop_assert_eq!(shape(&from_yaml), shape(&from_json), "{}", text);
                prop_assert_eq!(all_spans(&from_yaml), all_spans(&from_json), "{}", text);
            }

            /// Block YAML of a value reads as its JSON does, and each scalar's span
            /// covers exactly the text written for it.
            #[test]
            fn block_yaml_reads_as_its_json(value in generated()) {
                let json = json_text(&value);
                let mut yaml = String::new();
                block_text(&value, 0, &mut yaml);
                let from_json = json::parse(&json).expect("generated JSON is valid");
                let from_yaml = parse(&yaml).map_err(|error| TestCaseError::fail(format!("{error} at {:?} in\n{yaml}", error.span)))?;
                prop_assert_eq!(shape(&from_yaml), shape(&from_json), "{}", yaml);
                let (mut in_yaml, mut in_json) = (Vec::new(), Vec::new());
                scalar_texts(&yaml, &from_yaml, &mut in_yaml);
                scalar_texts(&json, &from_json, &mut in_json);
                prop_assert_eq!(in_yaml, in_json, "{}", yaml);
                prop_assert!(spans_inside(&yaml, &from_yaml));
            }

            /// Any text: no panic, and every span lies inside the text.
            #[test]
            fn any_text_is_read_or_refused_with_a_place(text in "[a-z0-9 :#&*!|>'\"{}\\[\\],?\n\t-]{0,80}") {
                match parse(&text) {
                    Ok(root) => prop_assert!(spans_inside(&text, &root)),
                    Err(error) => prop_assert!(error.span.end as usize <= text.len()),
                }
            }
        }
    }
}
