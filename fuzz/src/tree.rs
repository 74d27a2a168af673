//! A JSON document as a tree that keeps member order and repeated keys, and the
//! structural mutations fuzz bytes drive: replace a value by one of another type,
//! delete, repeat or rename a member, splice in a piece of another document, tweak
//! a string.

use arbitrary::{Result, Unstructured};
use preflight_parser::json::{Node, Value};

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Tree {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, as written.
    Number(String),
    /// A string.
    Text(String),
    /// An array.
    Array(Vec<Tree>),
    /// An object, members in order, keys possibly repeated.
    Object(Vec<(String, Tree)>),
}

impl Tree {
    /// The tree of a parsed document.
    pub fn from_node(node: &Node) -> Tree {
        match &node.value {
            Value::Null => Tree::Null,
            Value::Bool(flag) => Tree::Bool(*flag),
            Value::Number(number) => Tree::Number(number.as_str().to_owned()),
            Value::String(text) => Tree::Text(text.as_str().to_owned()),
            Value::Array(items) => Tree::Array(items.iter().map(Tree::from_node).collect()),
            Value::Object(object) => Tree::Object(
                object
                    .members
                    .iter()
                    .map(|member| (member.key.as_str().to_owned(), Tree::from_node(&member.value)))
                    .collect(),
            ),
        }
    }

    /// Parses `text`; `None` when it is not JSON.
    pub fn parse(text: &str) -> Option<Tree> {
        preflight_parser::json::parse(text)
            .ok()
            .map(|root| Tree::from_node(&root))
    }

    /// The document as JSON text, indented like IntuneCD writes it when `pretty`.
    pub fn to_json(&self, pretty: bool) -> String {
        self.to_json_escaped(pretty, false)
    }

    /// The document as JSON text; with `ascii`, every non-ASCII character of a
    /// string is escaped as `\uXXXX` (as Python's `json` writes).
    pub fn to_json_escaped(&self, pretty: bool, ascii: bool) -> String {
        let mut out = String::new();
        self.write(&mut out, pretty, ascii, 0);
        out
    }

    fn write(&self, out: &mut String, pretty: bool, ascii: bool, depth: usize) {
        let quote = if ascii { quote_ascii } else { quote };
        let newline = |out: &mut String, depth: usize| {
            if pretty {
                out.push('\n');
                out.push_str(&"    ".repeat(depth));
            }
        };
        match self {
            Tree::Null => out.push_str("null"),
            Tree::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
            Tree::Number(number) => out.push_str(number),
            Tree::Text(text) => out.push_str(&quote(text)),
            Tree::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    item.write(out, pretty, ascii, depth + 1);
                }
                if !items.is_empty() {
                    newline(out, depth);
                }
                out.push(']');
            }
            Tree::Object(members) => {
                out.push('{');
                for (index, (key, value)) in members.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    newline(out, depth + 1);
                    out.push_str(&quote(key));
                    out.push_str(if pretty { ": " } else { ":" });
                    value.write(out, pretty, ascii, depth + 1);
                }
                if !members.is_empty() {
                    newline(out, depth);
                }
                out.push('}');
            }
        }
    }

    /// Every key and every string value in the tree, for the mutation dictionary.
    pub fn collect_words(&self, words: &mut Vec<String>) {
        match self {
            Tree::Text(text) => words.push(text.clone()),
            Tree::Array(items) => items.iter().for_each(|item| item.collect_words(words)),
            Tree::Object(members) => {
                for (key, value) in members {
                    words.push(key.clone());
                    value.collect_words(words);
                }
            }
            Tree::Null | Tree::Bool(_) | Tree::Number(_) => {}
        }
    }

    /// Every node's path (child positions from the root), in preorder.
    fn paths(&self, prefix: &mut Vec<usize>, paths: &mut Vec<Vec<usize>>) {
        paths.push(prefix.clone());
        let children: Vec<&Tree> = match self {
            Tree::Array(items) => items.iter().collect(),
            Tree::Object(members) => members.iter().map(|(_, value)| value).collect(),
            _ => Vec::new(),
        };
        for (index, child) in children.into_iter().enumerate() {
            prefix.push(index);
            child.paths(prefix, paths);
            prefix.pop();
        }
    }

    fn at_mut(&mut self, path: &[usize]) -> Option<&mut Tree> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self);
        };
        match self {
            Tree::Array(items) => items.get_mut(*first)?.at_mut(rest),
            Tree::Object(members) => members.get_mut(*first)?.1.at_mut(rest),
            _ => None,
        }
    }

    fn at(&self, path: &[usize]) -> Option<&Tree> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self);
        };
        match self {
            Tree::Array(items) => items.get(*first)?.at(rest),
            Tree::Object(members) => members.get(*first)?.1.at(rest),
            _ => None,
        }
    }
}

/// `text` as a JSON string literal.
pub fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

/// `text` as a JSON string literal in ASCII: every other character as `\uXXXX`,
/// characters beyond the Basic Multilingual Plane as a surrogate pair.
pub fn quote_ascii(text: &str) -> String {
    let mut literal = String::new();
    for character in quote(text).chars() {
        if character.is_ascii() {
            literal.push(character);
        } else {
            let mut units = [0_u16; 2];
            for unit in character.encode_utf16(&mut units) {
                literal.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    literal
}

/// Numbers that break readers: out of range, fractions, exponents, negative zero.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999999999",
    "1e400",
    "-0",
    "1.5",
    "1E2",
];

/// Strings that break readers, beside the words of the documents themselves.
const STRINGS: &[&str] = &[
    "",
    " ",
    "#microsoft.graph.",
    "#microsoft.graph.group",
    "#microsoft.graph.allDevicesAssignmentTarget",
    "#microsoft.graph.allLicensedUsersAssignmentTarget",
    "#microsoft.graph.groupAssignmentTarget",
    "#microsoft.graph.exclusionGroupAssignmentTarget",
    "include",
    "exclude",
    "none",
    "DynamicMembership",
    "(device.deviceOSType -eq \"Windows\")",
    "(device.manufacturer -eq \"Dell Inc.\") and (device.model -startsWith \"Lat",
    "(user.department -eq \"Finance\"",
    "00000000-0000-0000-0000-000000000000",
    "https://graph.microsoft.com/beta/$metadata#deviceManagement/configurationPolicies('x')/settings",
    "https://graph.microsoft.com/beta/$metadata#deviceManagement/configurationPolicies('')/assignments",
    "https://graph.microsoft.com/beta/$metadata#groups",
    "\u{0}",
    "\u{feff}",
    "é",
    "\\",
    "\"",
    "windows10",
    "macOS",
    "iOS",
    "android",
    "linux",
];

/// Words mutations draw from: the documents' own keys and strings, and the
/// strings that break readers.
#[derive(Clone, Debug, Default)]
pub struct Dictionary {
    words: Vec<String>,
}

impl Dictionary {
    /// The dictionary of `trees`.
    pub fn of(trees: &[&Tree]) -> Self {
        let mut words: Vec<String> = STRINGS.iter().map(|word| (*word).to_owned()).collect();
        for tree in trees {
            tree.collect_words(&mut words);
        }
        words.sort();
        words.dedup();
        Self { words }
    }

    fn word(&self, data: &mut Unstructured<'_>) -> Result<String> {
        if self.words.is_empty() || data.ratio(1, 8)? {
            return Ok(data.arbitrary::<String>()?);
        }
        Ok(self.words[data.choose_index(self.words.len())?].clone())
    }
}

/// A small value of any type.
fn scalar(data: &mut Unstructured<'_>, dictionary: &Dictionary) -> Result<Tree> {
    Ok(match data.int_in_range(0..=6u8)? {
        0 => Tree::Null,
        1 => Tree::Bool(data.arbitrary()?),
        2 => Tree::Number(NUMBERS[data.choose_index(NUMBERS.len())?].to_owned()),
        3 => Tree::Number(data.arbitrary::<i64>()?.to_string()),
        4 => Tree::Array(Vec::new()),
        5 => Tree::Object(Vec::new()),
        _ => Tree::Text(dictionary.word(data)?),
    })
}

/// Applies between one and eight structural mutations to `tree`, splicing in
/// pieces of `donors` (other documents) now and then.
pub fn mutate(
    tree: &mut Tree,
    data: &mut Unstructured<'_>,
    dictionary: &Dictionary,
    donors: &[&Tree],
) -> Result<()> {
    let count = data.int_in_range(1..=8u8)?;
    for _ in 0..count {
        if data.is_empty() {
            break;
        }
        mutate_once(tree, data, dictionary, donors)?;
    }
    Ok(())
}

fn mutate_once(
    tree: &mut Tree,
    data: &mut Unstructured<'_>,
    dictionary: &Dictionary,
    donors: &[&Tree],
) -> Result<()> {
    let mut paths = Vec::new();
    tree.paths(&mut Vec::new(), &mut paths);
    let path = paths[data.choose_index(paths.len())?].clone();
    let operation = data.int_in_range(0..=9u8)?;
    // Operations on the node's parent: delete, repeat, rename, insert beside.
    if let Some((&position, parent_path)) = path.split_last()
        && operation <= 3
    {
        let Some(parent) = tree.at_mut(parent_path) else {
            return Ok(());
        };
        match (operation, parent) {
            (0, Tree::Array(items)) => {
                items.remove(position);
            }
            (0, Tree::Object(members)) => {
                members.remove(position);
            }
            (1, Tree::Array(items)) => {
                let copy = items[position].clone();
                items.insert(position, copy);
            }
            (1, Tree::Object(members)) => {
                let copy = members[position].clone();
                members.insert(position + 1, copy);
            }
            (2, Tree::Object(members)) => members[position].0 = dictionary.word(data)?,
            (_, Tree::Array(items)) => items.insert(position, scalar(data, dictionary)?),
            (_, Tree::Object(members)) => {
                let key = dictionary.word(data)?;
                let value = scalar(data, dictionary)?;
                members.insert(position, (key, value));
            }
            _ => {}
        }
        return Ok(());
    }
    let splice = if operation == 9 && !donors.is_empty() {
        let donor = donors[data.choose_index(donors.len())?];
        let mut donor_paths = Vec::new();
        donor.paths(&mut Vec::new(), &mut donor_paths);
        let donor_path = &donor_paths[data.choose_index(donor_paths.len())?];
        donor.at(donor_path).cloned()
    } else {
        None
    };
    let Some(node) = tree.at_mut(&path) else {
        return Ok(());
    };
    *node = match (operation, std::mem::replace(node, Tree::Null)) {
        (9, original) => splice.unwrap_or(original),
        (4, original) => Tree::Array(vec![original]),
        (5, original) => Tree::Object(vec![(dictionary.word(data)?, original)]),
        (6, Tree::Text(text)) => {
            let mut cut = data.choose_index(text.len() + 1)?;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let extra = if data.arbitrary()? {
                dictionary.word(data)?
            } else {
                String::new()
            };
            Tree::Text(format!("{}{extra}", &text[..cut]))
        }
        (7, Tree::Object(members)) if !members.is_empty() => {
            // Reorder: move one member to the front.
            let mut members = members;
            let moved = members.remove(data.choose_index(members.len())?);
            members.insert(0, moved);
            Tree::Object(members)
        }
        _ => scalar(data, dictionary)?,
    };
    Ok(())
}
