//! A JSON parser that keeps the byte range of every value and key.
//!
//! Diagnostics must point at the exact value a finding is about, in files written
//! by PowerShell, the admin center and IntuneCD alike. serde_json does not expose
//! positions, so documents are parsed here into a small tree of [`Node`]s, each with
//! its [`Span`]. The grammar is strict RFC 8259 JSON; nesting is limited to
//! [`MAX_DEPTH`] levels so that hostile input cannot exhaust the stack.

use std::sync::Arc;

use crate::span::Span;
pub use crate::text::Text;

/// Deepest nesting of arrays and objects accepted, as serde_json does by default.
pub const MAX_DEPTH: usize = 128;

/// A JSON value with the byte range it occupies in the source text.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Where the value is, from its first to its last byte.
    pub span: Span,
    /// The value.
    pub value: Value,
}

/// The kinds of JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, kept as written so that large integers lose nothing.
    Number(Number),
    /// A string, with escapes resolved.
    String(Text),
    /// An array.
    Array(Vec<Node>),
    /// An object, members in source order.
    Object(Object),
}

/// A JSON number as written in the source.
#[derive(Clone, Debug, PartialEq)]
pub struct Number(Text);

impl Number {
    /// A number from text that is already a valid JSON number (for readers of
    /// other syntaxes, such as YAML, that produce the same tree).
    pub(crate) fn from_json_text(text: impl Into<Text>) -> Self {
        Self(text.into())
    }

    /// The number as an `i64`, when it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.0.parse().ok()
    }

    /// The number as an `f64` (may round).
    pub fn as_f64(&self) -> Option<f64> {
        self.0.parse().ok()
    }

    /// The number exactly as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A JSON object: members in source order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Object {
    /// The members, in the order they appear.
    pub members: Vec<Member>,
}

/// One `"key": value` pair of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// The key, with escapes resolved.
    pub key: Text,
    /// Where the key is, quotes included.
    pub key_span: Span,
    /// The value.
    pub value: Node,
}

impl Object {
    /// The value of `key`. When a key appears twice, the last one wins, as in
    /// serde_json and in the JavaScript and PowerShell readers that Intune tools use.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.members
            .iter()
            .rev()
            .find(|member| member.key == key)
            .map(|member| &member.value)
    }

    /// The value of `key` compared without regard to ASCII case.
    pub fn get_ignore_case(&self, key: &str) -> Option<&Node> {
        self.members
            .iter()
            .rev()
            .find(|member| member.key.as_bytes().eq_ignore_ascii_case(key.as_bytes()))
            .map(|member| &member.value)
    }
}

impl Node {
    /// The object inside, if this is an object.
    pub fn as_object(&self) -> Option<&Object> {
        match &self.value {
            Value::Object(object) => Some(object),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Array(elements) => Some(elements),
            _ => None,
        }
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// The boolean, if this is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(flag) => Some(flag),
            _ => None,
        }
    }

    /// The number, if this is a number.
    pub fn as_number(&self) -> Option<&Number> {
        match &self.value {
            Value::Number(number) => Some(number),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The member `key` of this object; `None` if this is not an object or has no such key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_object().and_then(|object| object.get(key))
    }

    /// A word for the kind of value, for messages such as "expected an array, found a string".
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// Why a text is not valid JSON, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JsonError {
    /// One lowercase line saying what was expected.
    pub message: String,
    /// Where the problem is: the offending character, or the end of the text.
    pub span: Span,
}

/// Parses `text` as one JSON value with optional surrounding whitespace.
pub fn parse(text: &str) -> Result<Node, JsonError> {
    parse_shared(&Arc::new(text.to_owned()))
}

/// Parses `text` as [`parse`] does; the strings, member names and numbers of the
/// tree share `text` (a file's decoded text) instead of copying from it.
pub fn parse_shared(text: &Arc<String>) -> Result<Node, JsonError> {
    parse_shared_noting(text).map(|parsed| parsed.root)
}

/// A parsed text, and what was noted while its members were at hand.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The tree.
    pub root: Node,
    /// Every member name written twice in one object, in text order (what
    /// [`duplicate_members`] finds in the tree).
    pub duplicates: Vec<DuplicateMember>,
    /// The spans of the secret text values, in text order (what
    /// [`crate::secrets::secret_values`] finds in the tree).
    pub secrets: Vec<Span>,
}

/// Parses `text` as [`parse_shared`] does, noting the member names written twice
/// in one object and the secret values: each object is searched for repeated
/// names as it is read, and each member's name checked, instead of in second
/// walks over the whole tree.
pub fn parse_shared_noting(text: &Arc<String>) -> Result<Parsed, JsonError> {
    let mut parser = Parser {
        source: text,
        text,
        bytes: text.as_bytes(),
        position: 0,
        members: Vec::new(),
        elements: Vec::new(),
        duplicates: Vec::new(),
        secrets: Vec::new(),
    };
    parser.skip_whitespace();
    if parser.position == parser.bytes.len() {
        return Err(JsonError {
            message: "the file is empty; expected a JSON value".to_owned(),
            span: Span::point(parser.position),
        });
    }
    let root = parser.parse_value(0)?;
    parser.skip_whitespace();
    if parser.position < parser.bytes.len() {
        return Err(parser.error_here("unexpected text after the end of the JSON value"));
    }
    // Objects end inner first; the names are reported in the order written.
    // Secret values are text, noted where they are read: already in order.
    let mut duplicates = parser.duplicates;
    duplicates.sort_by_key(|duplicate| duplicate.repeated.start);
    Ok(Parsed {
        root,
        duplicates,
        secrets: parser.secrets,
    })
}

/// A member name written twice in one object: the name, and the spans of the first
/// and the repeated member name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateMember {
    /// The repeated name.
    pub key: String,
    /// Where the name is first written.
    pub first: Span,
    /// Where it is written again.
    pub repeated: Span,
}

/// Every member name written twice in one object, anywhere in `root`, in text
/// order. Readers use the last value ([`Object::get`]), as serde_json and
/// PowerShell do.
pub fn duplicate_members(root: &Node) -> Vec<DuplicateMember> {
    let mut found = Vec::new();
    let mut pending = vec![root];
    while let Some(node) = pending.pop() {
        match &node.value {
            Value::Object(object) => {
                duplicates_in(&object.members, &mut found);
                pending.extend(object.members.iter().map(|member| &member.value));
            }
            Value::Array(items) => pending.extend(items.iter()),
            _ => {}
        }
    }
    found.sort_by_key(|duplicate| duplicate.repeated.start);
    found
}

/// Objects with at most this many members are searched for repeated names by
/// comparing each name with the ones before it, which needs no allocation;
/// larger ones (a device record has about forty) go through a small hash table
/// on the stack, and the few past [`HASHED_DUPLICATE_SEARCH_LIMIT`] a map.
const PAIRWISE_DUPLICATE_SEARCH_LIMIT: usize = 16;

/// Objects with at most this many members are searched through a hash table on
/// the stack, of twice as many slots.
const HASHED_DUPLICATE_SEARCH_LIMIT: usize = 256;

/// Adds each member of one object whose name an earlier member already has,
/// in member order, with the span of the first member of that name.
fn duplicates_in(members: &[Member], found: &mut Vec<DuplicateMember>) {
    let duplicate = |first: &Member, repeated: &Member| DuplicateMember {
        key: repeated.key.to_string(),
        first: first.key_span,
        repeated: repeated.key_span,
    };
    if members.len() <= PAIRWISE_DUPLICATE_SEARCH_LIMIT {
        for (index, member) in members.iter().enumerate().skip(1) {
            if let Some(first) = members[..index]
                .iter()
                .find(|earlier| earlier.key == member.key)
            {
                found.push(duplicate(first, member));
            }
        }
        return;
    }
    if members.len() <= HASHED_DUPLICATE_SEARCH_LIMIT {
        // Open addressing: each slot holds a member's position plus one (zero
        // is empty); a name is looked for from the slot its hash names on.
        const SLOTS: usize = 2 * HASHED_DUPLICATE_SEARCH_LIMIT;
        let mut slots = [0_u16; SLOTS];
        let mask = (2 * members.len()).next_power_of_two().min(SLOTS) - 1;
        for (index, member) in members.iter().enumerate() {
            let mut slot = name_hash(member.key.as_bytes()) & mask;
            loop {
                match slots[slot] {
                    0 => {
                        // At most 256 members: the position fits.
                        slots[slot] = u16::try_from(index + 1).unwrap_or(u16::MAX);
                        break;
                    }
                    taken => {
                        let first = &members[usize::from(taken) - 1];
                        if first.key == member.key {
                            found.push(duplicate(first, member));
                            break;
                        }
                        slot = (slot + 1) & mask;
                    }
                }
            }
        }
        return;
    }
    let mut seen: std::collections::BTreeMap<&str, &Member> = std::collections::BTreeMap::new();
    for member in members {
        match seen.get(member.key.as_str()) {
            Some(first) => found.push(duplicate(first, member)),
            None => {
                seen.insert(&member.key, member);
            }
        }
    }
}

/// A hash of a member name for [`duplicates_in`] (FNV-1a: names are short).
fn name_hash(name: &[u8]) -> usize {
    let hash = name.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    // The high bits mix every byte; the table is indexed by the low ones.
    (hash ^ (hash >> 32)) as usize
}

struct Parser<'text> {
    /// The text, shared by the strings of the tree.
    source: &'text Arc<String>,
    text: &'text str,
    bytes: &'text [u8],
    position: usize,
    /// Members of the objects being read, innermost last: each object's members
    /// are moved into a vector of exactly their number once it is complete.
    members: Vec<Member>,
    /// Elements of the arrays being read, likewise.
    elements: Vec<Node>,
    /// The member names written twice in one object, as objects end.
    duplicates: Vec<DuplicateMember>,
    /// The spans of the secret text values, as they are read.
    secrets: Vec<Span>,
}

/// `0x01` in every byte of a word.
const EVERY_BYTE: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte of a word.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Whether any of the eight bytes of `word` ends a run of plain string text: a
/// quote, a backslash or a control character (below `0x20`). The classic
/// "has a zero byte" test: `(x - 0x01…) & !x & 0x80…` is non-zero exactly when
/// some byte of `x` is zero (or, with `0x20…`, below `0x20`).
fn has_string_delimiter(word: u64) -> bool {
    let quote = word ^ (EVERY_BYTE * u64::from(b'"'));
    let backslash = word ^ (EVERY_BYTE * u64::from(b'\\'));
    let found = (quote.wrapping_sub(EVERY_BYTE) & !quote)
        | (backslash.wrapping_sub(EVERY_BYTE) & !backslash)
        | (word.wrapping_sub(EVERY_BYTE * 0x20) & !word);
    found & HIGH_BITS != 0
}

impl Parser<'_> {
    fn skip_whitespace(&mut self) {
        while let Some(&byte) = self.bytes.get(self.position) {
            match byte {
                b' ' | b'\t' | b'\r' => self.position += 1,
                b'\n' => {
                    self.position += 1;
                    self.skip_indentation();
                }
                _ => return,
            }
        }
    }

    /// Skips the spaces of pretty-printed indentation eight at a time.
    fn skip_indentation(&mut self) {
        const EIGHT_SPACES: &[u8] = b"        ";
        while self.bytes.get(self.position..self.position + 8) == Some(EIGHT_SPACES) {
            self.position += 8;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    /// An error at the current character (or at the end of the text).
    fn error_here(&self, message: &str) -> JsonError {
        match self.text[self.position..].chars().next() {
            None => JsonError {
                message: format!("{message}, but the file ends here (is it truncated?)"),
                span: Span::point(self.position),
            },
            Some(character) => JsonError {
                message: format!("{message}, found {}", describe_character(character)),
                span: Span::new(self.position, self.position + character.len_utf8()),
            },
        }
    }

    fn parse_value(&mut self, depth: usize) -> Result<Node, JsonError> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => self.parse_object(depth + 1),
            Some(b'[') => self.parse_array(depth + 1),
            Some(b'"') => {
                let start = self.position;
                let text = self.parse_string()?;
                Ok(Node {
                    span: Span::new(start, self.position),
                    value: Value::String(text),
                })
            }
            Some(b't') => self.parse_literal("true", Value::Bool(true)),
            Some(b'f') => self.parse_literal("false", Value::Bool(false)),
            Some(b'n') => self.parse_literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.parse_number(),
            _ => Err(self.error_here("expected a JSON value")),
        }
    }

    fn check_depth(&self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError {
                message: format!("nesting is deeper than {MAX_DEPTH} levels"),
                span: Span::new(self.position, self.position + 1),
            });
        }
        Ok(())
    }

    fn parse_object(&mut self, depth: usize) -> Result<Node, JsonError> {
        self.check_depth(depth)?;
        let start = self.position;
        self.position += 1;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.position += 1;
            return Ok(Node {
                span: Span::new(start, self.position),
                value: Value::Object(Object::default()),
            });
        }
        let first_member = self.members.len();
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error_here("expected a quoted member name"));
            }
            let key_start = self.position;
            let key = self.parse_string()?;
            let key_span = Span::new(key_start, self.position);
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error_here("expected `:` after the member name"));
            }
            self.position += 1;
            let value = self.parse_value(depth)?;
            if crate::secrets::is_secret_member(&key, &value) {
                self.secrets.push(value.span);
            }
            self.members.push(Member {
                key,
                key_span,
                value,
            });
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.position += 1,
                Some(b'}') => {
                    self.position += 1;
                    duplicates_in(&self.members[first_member..], &mut self.duplicates);
                    let members = self.members.drain(first_member..).collect();
                    return Ok(Node {
                        span: Span::new(start, self.position),
                        value: Value::Object(Object { members }),
                    });
                }
                _ => return Err(self.error_here("expected `,` or `}` after an object member")),
            }
        }
    }

    fn parse_array(&mut self, depth: usize) -> Result<Node, JsonError> {
        self.check_depth(depth)?;
        let start = self.position;
        self.position += 1;
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.position += 1;
            return Ok(Node {
                span: Span::new(start, self.position),
                value: Value::Array(Vec::new()),
            });
        }
        let first_element = self.elements.len();
        loop {
            let element = self.parse_value(depth)?;
            self.elements.push(element);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.position += 1,
                Some(b']') => {
                    self.position += 1;
                    let elements = self.elements.drain(first_element..).collect();
                    return Ok(Node {
                        span: Span::new(start, self.position),
                        value: Value::Array(elements),
                    });
                }
                _ => return Err(self.error_here("expected `,` or `]` after an array element")),
            }
        }
    }

    fn parse_literal(&mut self, word: &str, value: Value) -> Result<Node, JsonError> {
        let start = self.position;
        if self.bytes[start..].starts_with(word.as_bytes()) {
            self.position += word.len();
            Ok(Node {
                span: Span::new(start, self.position),
                value,
            })
        } else {
            Err(self.error_here("expected a JSON value"))
        }
    }

    fn parse_number(&mut self) -> Result<Node, JsonError> {
        let start = self.position;
        if self.peek() == Some(b'-') {
            self.position += 1;
        }
        match self.peek() {
            Some(b'0') => self.position += 1,
            Some(b'1'..=b'9') => self.skip_digits(),
            _ => return Err(self.error_here("expected a digit in the number")),
        }
        if self.peek() == Some(b'.') {
            self.position += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error_here("expected a digit after the decimal point"));
            }
            self.skip_digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.position += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.position += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error_here("expected a digit in the exponent"));
            }
            self.skip_digits();
        }
        Ok(Node {
            span: Span::new(start, self.position),
            value: Value::Number(Number(Text::shared(self.source, start..self.position))),
        })
    }

    fn skip_digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.position += 1;
        }
    }

    /// Moves past string text that is neither a quote, nor a backslash, nor a
    /// control character: eight bytes at a time, then byte by byte.
    fn skip_plain_string_text(&mut self) {
        while let Some(chunk) = self.bytes.get(self.position..self.position + 8) {
            let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
                break;
            };
            if has_string_delimiter(u64::from_le_bytes(chunk)) {
                break;
            }
            self.position += 8;
        }
        while let Some(byte) = self.peek() {
            if matches!(byte, b'"' | b'\\' | 0x00..=0x1F) {
                break;
            }
            self.position += 1;
        }
    }

    /// The error for a string whose opening quote is at `opening_quote` and that
    /// has no closing one.
    fn unclosed_string(opening_quote: usize) -> JsonError {
        JsonError {
            message: "this string is never closed (is the file truncated?)".to_owned(),
            span: Span::new(opening_quote, opening_quote + 1),
        }
    }

    fn unescaped_control_character(&self) -> JsonError {
        self.error_here(
            "control characters must be escaped inside strings (write `\\n`, `\\t` or `\\u00XX`)",
        )
    }

    /// Parses a string starting at the opening quote; leaves the position after
    /// the closing one. A string without escapes shares the source text.
    fn parse_string(&mut self) -> Result<Text, JsonError> {
        let opening_quote = self.position;
        self.position += 1;
        let content_start = self.position;
        self.skip_plain_string_text();
        match self.peek() {
            Some(b'"') => {
                let text = Text::shared(self.source, content_start..self.position);
                self.position += 1;
                return Ok(text);
            }
            Some(b'\\') => {}
            Some(_) => return Err(self.unescaped_control_character()),
            None => return Err(Self::unclosed_string(opening_quote)),
        }
        // Escapes: the string gets text of its own.
        let mut text = String::from(&self.text[content_start..self.position]);
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.position += 1;
                    return Ok(Text::from(text));
                }
                Some(b'\\') => self.parse_escape(&mut text)?,
                Some(0x00..=0x1F) => return Err(self.unescaped_control_character()),
                Some(_) => {
                    let chunk_start = self.position;
                    self.skip_plain_string_text();
                    text.push_str(&self.text[chunk_start..self.position]);
                }
                None => return Err(Self::unclosed_string(opening_quote)),
            }
        }
    }

    fn parse_escape(&mut self, text: &mut String) -> Result<(), JsonError> {
        let escape_start = self.position;
        self.position += 1;
        let Some(kind) = self.peek() else {
            return Err(self.error_here("expected an escape character after `\\`"));
        };
        self.position += 1;
        let simple = match kind {
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            b'/' => Some('/'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            b'u' => None,
            _ => {
                self.position -= 1;
                return Err(self.error_here("unknown escape in string"));
            }
        };
        if let Some(character) = simple {
            text.push(character);
            return Ok(());
        }
        let first = self.parse_hex4(escape_start)?;
        let code_point = if (0xD800..0xDC00).contains(&first)
            && self.bytes[self.position..].starts_with(b"\\u")
        {
            let saved = self.position;
            self.position += 2;
            let second = self.parse_hex4(escape_start)?;
            if (0xDC00..0xE000).contains(&second) {
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            } else {
                // Not a low surrogate: keep it for the next round.
                self.position = saved;
                first
            }
        } else {
            first
        };
        // Lone surrogates are not scalar values; PowerShell can write them, so keep going.
        text.push(char::from_u32(code_point).unwrap_or(char::REPLACEMENT_CHARACTER));
        Ok(())
    }

    fn parse_hex4(&mut self, escape_start: usize) -> Result<u32, JsonError> {
        let digits = self.bytes.get(self.position..self.position + 4);
        let value = digits
            .filter(|digits| digits.iter().all(u8::is_ascii_hexdigit))
            .and_then(|digits| std::str::from_utf8(digits).ok())
            .and_then(|digits| u32::from_str_radix(digits, 16).ok());
        match value {
            Some(value) => {
                self.position += 4;
                Ok(value)
            }
            None => Err(JsonError {
                message: "expected four hexadecimal digits after `\\u`".to_owned(),
                span: Span::new(escape_start, (self.position + 4).min(self.bytes.len())),
            }),
        }
    }
}

fn describe_character(character: char) -> String {
    match character {
        '\0' => "a NUL byte".to_owned(),
        '\u{FFFD}' => "an invalid byte sequence".to_owned(),
        character if character.is_control() => {
            format!("control character U+{:04X}", character as u32)
        }
        character => format!("`{character}`"),
    }
}

#[cfg(test)]
mod duplicate_tests {
    use super::*;

    #[test]
    fn repeated_member_names_are_found_at_every_level() {
        let root = parse(r#"{"a": 1, "b": {"c": 1, "c": 2}, "a": [ {"d": 1, "d": 1} ]}"#)
            .expect("valid JSON");
        let keys: Vec<String> = duplicate_members(&root)
            .into_iter()
            .map(|duplicate| duplicate.key)
            .collect();
        assert_eq!(keys, vec!["c", "a", "d"]);
    }

    /// Every repeated name of every object, found by comparing each name with
    /// every one before it, in text order.
    fn repeated_by_brute_force(root: &Node) -> Vec<DuplicateMember> {
        let mut found = Vec::new();
        let mut pending = vec![root];
        while let Some(node) = pending.pop() {
            match &node.value {
                Value::Object(object) => {
                    for (index, member) in object.members.iter().enumerate() {
                        if let Some(first) = object.members[..index]
                            .iter()
                            .find(|earlier| earlier.key == member.key)
                        {
                            found.push(DuplicateMember {
                                key: member.key.to_string(),
                                first: first.key_span,
                                repeated: member.key_span,
                            });
                        }
                        pending.push(&member.value);
                    }
                }
                Value::Array(items) => pending.extend(items),
                _ => {}
            }
        }
        found.sort_by_key(|duplicate| duplicate.repeated.start);
        found
    }

    /// An object of `sizes[0]` members named from `names` (few, so that names
    /// repeat), the first member holding an object of `sizes[1]` members, and so on.
    fn nested_objects(sizes: &[usize], names: &[u8]) -> String {
        let Some((&size, inner)) = sizes.split_first() else {
            return "0".to_owned();
        };
        let members: Vec<String> = (0..size)
            .map(|index| {
                let name = names.get(index % names.len().max(1)).copied().unwrap_or(0);
                let value = if index == 0 {
                    nested_objects(inner, &names[1.min(names.len())..])
                } else {
                    index.to_string()
                };
                format!("\"k{name}\": {value}")
            })
            .collect();
        format!("{{{}}}", members.join(", "))
    }

    proptest::proptest! {
        /// The names found while parsing (through all three searches: pairwise,
        /// hashed, and by map) are the ones a walk of the tree finds, and the
        /// ones brute force finds.
        #[test]
        fn repeated_names_found_while_parsing_match_brute_force(
            sizes in proptest::collection::vec(0_usize..320, 1..4),
            names in proptest::collection::vec(0_u8..200, 1..400),
        ) {
            let text = Arc::new(nested_objects(&sizes, &names));
            let parsed = parse_shared_noting(&text)
                .map_err(|error| proptest::test_runner::TestCaseError::fail(error.message))?;
            let (root, while_parsing) = (parsed.root, parsed.duplicates);
            let expected = repeated_by_brute_force(&root);
            proptest::prop_assert_eq!(&while_parsing, &expected);
            proptest::prop_assert_eq!(&duplicate_members(&root), &expected);
        }

        /// The secret values noted while parsing are the ones a walk of the
        /// tree finds, in the same order, whatever the nesting, names and values.
        #[test]
        fn secrets_noted_while_parsing_match_a_walk_of_the_tree(
            items in proptest::collection::vec((0_usize..6, 0_usize..6, 0_u8..4), 0..60),
        ) {
            let text = Arc::new(objects_with_secrets(&items));
            let parsed = parse_shared_noting(&text)
                .map_err(|error| proptest::test_runner::TestCaseError::fail(error.message))?;
            proptest::prop_assert_eq!(
                &parsed.secrets,
                &crate::secrets::secret_values(&parsed.root)
            );
        }
    }

    /// Objects and arrays nested as `items` say: each item is a member (name
    /// number, value kind, and whether its value is an object, an array holding
    /// an object, or a scalar), with names that may be a secret's.
    fn objects_with_secrets(items: &[(usize, usize, u8)]) -> String {
        const NAMES: [&str; 6] = [
            "displayName",
            "password",
            "wifi.PreSharedKey",
            "passwordMinimumLength",
            "sharedSecret",
            "token",
        ];
        fn scalar(kind: usize) -> &'static str {
            match kind {
                0 => r#""text""#,
                1 => r#""""#,
                2 => "true",
                3 => "8",
                4 => r#""a\"b""#,
                _ => "null",
            }
        }
        fn object(items: &mut std::slice::Iter<'_, (usize, usize, u8)>, depth: usize) -> String {
            let mut members = Vec::new();
            while members.len() < 4 {
                let Some(&(name, kind, nesting)) = items.next() else {
                    break;
                };
                let value = match nesting {
                    1 if depth < 4 => object(items, depth + 1),
                    2 if depth < 4 => format!("[{}, {}]", object(items, depth + 1), scalar(kind)),
                    _ => scalar(kind).to_owned(),
                };
                members.push(format!(r#""{}": {value}"#, NAMES[name % NAMES.len()]));
            }
            format!("{{{}}}", members.join(", "))
        }
        let mut items = items.iter();
        let mut objects = vec![object(&mut items, 0)];
        while items.len() > 0 {
            objects.push(object(&mut items, 0));
        }
        format!("[{}]", objects.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(text: &str, span: Span) -> &str {
        &text[span.range()]
    }

    #[test]
    fn spans_cover_values_and_keys_exactly() {
        let text = r#"{ "name" : "Win - AV", "count": -12.5e3, "list": [true, null], "o": {} }"#;
        let root = parse(text).expect("valid JSON");
        let object = root.as_object().expect("object");
        assert_eq!(slice(text, root.span), text);
        assert_eq!(slice(text, object.members[0].key_span), "\"name\"");
        assert_eq!(
            slice(text, object.get("name").expect("name").span),
            "\"Win - AV\""
        );
        assert_eq!(
            slice(text, object.get("count").expect("count").span),
            "-12.5e3"
        );
        let list = object.get("list").expect("list");
        assert_eq!(slice(text, list.span), "[true, null]");
        assert_eq!(slice(text, list.as_array().expect("array")[1].span), "null");
        assert_eq!(slice(text, object.get("o").expect("o").span), "{}");
    }

    #[test]
    fn escapes_are_resolved() {
        let root = parse(r#""a\"b\\c\/\n\u0041\u00e9\ud83d\ude00\u0027""#).expect("valid");
        assert_eq!(root.as_str(), Some("a\"b\\c/\nA\u{e9}\u{1F600}'"));
    }

    #[test]
    fn lone_surrogate_becomes_replacement_character() {
        let root = parse(r#""\ud800x""#).expect("valid");
        assert_eq!(root.as_str(), Some("\u{FFFD}x"));
    }

    #[test]
    fn duplicate_keys_take_the_last_value() {
        let root = parse(r#"{"a": 1, "a": 2}"#).expect("valid");
        assert_eq!(
            root.get("a")
                .and_then(Node::as_number)
                .and_then(Number::as_i64),
            Some(2)
        );
    }

    #[test]
    fn huge_integers_are_kept_as_written() {
        let root = parse("123456789012345678901234567890").expect("valid");
        let number = root.as_number().expect("number");
        assert_eq!(number.as_str(), "123456789012345678901234567890");
        assert_eq!(number.as_i64(), None);
    }

    #[test]
    fn errors_point_at_the_offending_character() {
        let cases = [
            ("{\"a\": 1,}", 8, "expected a quoted member name, found `}`"),
            (
                "{\"a\" 1}",
                5,
                "expected `:` after the member name, found `1`",
            ),
            (
                "[1 2]",
                3,
                "expected `,` or `]` after an array element, found `2`",
            ),
            ("{\"a\": tru}", 6, "expected a JSON value, found `t`"),
            (
                "{} {}",
                3,
                "unexpected text after the end of the JSON value, found `{`",
            ),
            (
                "01",
                1,
                "unexpected text after the end of the JSON value, found `1`",
            ),
            ("\"\\x\"", 2, "unknown escape in string, found `x`"),
        ];
        for (text, offset, message) in cases {
            let error = parse(text).expect_err(text);
            assert_eq!(error.span.start as usize, offset, "{text}");
            assert_eq!(error.message, message, "{text}");
        }
    }

    #[test]
    fn truncated_input_says_so() {
        let error = parse("{\"settings\": [").expect_err("truncated");
        assert!(error.message.contains("truncated"), "{}", error.message);
        let error = parse("{\"name\": \"Win").expect_err("truncated string");
        assert_eq!(error.span, Span::new(9, 10));
        assert!(error.message.contains("never closed"));
    }

    #[test]
    fn empty_and_whitespace_only_files_are_errors() {
        for text in ["", "  \r\n"] {
            let error = parse(text).expect_err("empty");
            assert!(error.message.contains("empty"));
        }
    }

    #[test]
    fn control_characters_and_nul_bytes_in_strings_are_errors() {
        let error = parse("\"a\0b\"").expect_err("nul");
        assert!(error.message.contains("a NUL byte"), "{}", error.message);
        assert_eq!(error.span, Span::new(2, 3));
    }

    #[test]
    fn nesting_is_limited() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        let error = parse(&deep).expect_err("too deep");
        assert!(error.message.contains("deeper than 128"));
        let fine = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn multibyte_text_keeps_byte_spans() {
        let text = "{\"n\u{e4}me\": \"\u{1F600}\"}";
        let root = parse(text).expect("valid");
        let value = root.get("n\u{e4}me").expect("member");
        assert_eq!(slice(text, value.span), "\"\u{1F600}\"");
    }

    #[test]
    fn strings_without_escapes_share_the_source_and_strings_with_escapes_do_not() {
        let text = Arc::new(String::from(
            r#"{"plain": "a long value past eight bytes", "escaped": "a\tb", "n": 12}"#,
        ));
        let root = parse_shared(&text).expect("valid");
        assert_eq!(
            root.get("plain").and_then(Node::as_str),
            Some("a long value past eight bytes")
        );
        assert_eq!(root.get("escaped").and_then(Node::as_str), Some("a\tb"));
        assert_eq!(
            root.get("n").and_then(Node::as_number).map(Number::as_str),
            Some("12")
        );
        // The text itself, and the three member names, the plain string and the number.
        assert_eq!(Arc::strong_count(&text), 6);
    }

    #[test]
    fn a_delimiter_is_found_at_every_position_of_an_eight_byte_chunk() {
        for length in 0..24 {
            let plain = "x".repeat(length);
            let closed = format!("\"{plain}\"");
            assert_eq!(
                parse(&closed).expect("valid").as_str(),
                Some(plain.as_str())
            );
            let escaped = format!("\"{plain}\\n{plain}\"");
            assert_eq!(
                parse(&escaped).expect("valid").as_str(),
                Some(format!("{plain}\n{plain}").as_str())
            );
            let control = format!("\"{plain}\u{1}{plain}\"");
            let error = parse(&control).expect_err("control character");
            assert_eq!(error.span, Span::new(length + 1, length + 2), "{length}");
            let unclosed = format!("\"{plain}");
            let error = parse(&unclosed).expect_err("unclosed");
            assert_eq!(error.span, Span::new(0, 1), "{length}");
        }
    }

    #[test]
    fn indentation_of_any_width_is_skipped() {
        for width in 0..20 {
            let indent = " ".repeat(width);
            let text = format!("{{\n{indent}\"a\":\n{indent}\t1\r\n{indent}}}");
            let root = parse(&text).expect("valid");
            let member = &root.as_object().expect("object").members[0];
            assert_eq!(member.key_span.start as usize, width + 2, "{width}");
        }
    }

    /// `text` as a JSON string: escapes where JSON needs them, and wherever
    /// `escape_all` says for the other characters.
    fn json_string(text: &str, escape_all: &[bool]) -> String {
        let mut written = String::from("\"");
        for (index, character) in text.chars().enumerate() {
            match character {
                '"' => written.push_str("\\\""),
                '\\' => written.push_str("\\\\"),
                character if (character as u32) < 0x20 => {
                    written.push_str(&format!("\\u{:04x}", character as u32));
                }
                character if escape_all.get(index).copied().unwrap_or(false) => {
                    let mut units = [0_u16; 2];
                    for unit in character.encode_utf16(&mut units) {
                        written.push_str(&format!("\\u{unit:04X}"));
                    }
                }
                character => written.push(character),
            }
        }
        written.push('"');
        written
    }

    /// Repeated names found the way they were before the pairwise search: a map
    /// from each name to its first member, in member order.
    fn duplicates_by_map(members: &[Member]) -> Vec<DuplicateMember> {
        let mut seen: std::collections::BTreeMap<&str, Span> = std::collections::BTreeMap::new();
        let mut found = Vec::new();
        for member in members {
            match seen.get(member.key.as_str()) {
                Some(first) => found.push(DuplicateMember {
                    key: member.key.to_string(),
                    first: *first,
                    repeated: member.key_span,
                }),
                None => {
                    seen.insert(&member.key, member.key_span);
                }
            }
        }
        found
    }

    proptest::proptest! {
        #[test]
        fn any_string_reads_back_as_written(
            text in "\\PC{0,40}|[\"\\\\\u{0}-\u{1f}a-z]{0,40}",
            escape_all in proptest::collection::vec(proptest::bool::ANY, 0..40),
        ) {
            let written = json_string(&text, &escape_all);
            let root = parse(&written).map_err(|error| proptest::test_runner::TestCaseError::fail(error.message))?;
            proptest::prop_assert_eq!(root.as_str(), Some(text.as_str()));
            proptest::prop_assert_eq!(root.span, Span::new(0, written.len()));
        }

        #[test]
        fn repeated_names_are_found_as_a_map_finds_them(
            names in proptest::collection::vec("[a-e]{1,2}", 0..40),
        ) {
            let body: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(index, name)| format!("\"{name}\": {index}"))
                .collect();
            let root = parse(&format!("{{{}}}", body.join(", "))).expect("valid");
            let members = &root.as_object().expect("object").members;
            let mut found = Vec::new();
            duplicates_in(members, &mut found);
            proptest::prop_assert_eq!(found, duplicates_by_map(members));
        }
    }
}
