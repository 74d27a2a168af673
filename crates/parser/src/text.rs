//! The text of a parsed string, member name or number, kept as a range of the
//! file's decoded text instead of a copy of it.
//!
//! A tenant's files hold millions of strings; copying each into its own `String`
//! made reading them slower than the `serde_json` floor and doubled the memory the
//! input takes. The file's text is kept for diagnostics anyway (in
//! [`crate::SourceFile`]), so a [`Text`] shares it and only names where it is. Text
//! that differs from what is written (a string with escapes, a YAML scalar) gets
//! its own buffer; either way the value reads as a `&str`.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};
use std::sync::Arc;

/// Immutable text: a range of a shared buffer (usually a file's whole text).
///
/// Compares, orders and hashes as the `str` it reads as, wherever it is stored.
#[derive(Clone)]
pub struct Text {
    /// An `Arc<String>`, not an `Arc<str>`: a file's decoded text moves in
    /// as read, where an `Arc<str>` is made by copying the whole text into a
    /// new allocation (419 MB of fresh pages at the L bench tenant with
    /// inventory); and a `Text` is 16 bytes instead of 24.
    buffer: Arc<String>,
    start: u32,
    end: u32,
}

impl Text {
    /// The text `range` of `buffer`, sharing it. Falls back to a copy when the
    /// range lies beyond 4 GiB or is not a range of whole characters of `buffer`
    /// (neither happens for ranges the parsers produce).
    pub fn shared(buffer: &Arc<String>, range: Range<usize>) -> Self {
        match (u32::try_from(range.start), u32::try_from(range.end)) {
            (Ok(start), Ok(end)) if buffer.get(range.clone()).is_some() => Self {
                buffer: Arc::clone(buffer),
                start,
                end,
            },
            _ => Self::from(buffer.get(range).unwrap_or_default()),
        }
    }

    /// The text as a string slice.
    pub fn as_str(&self) -> &str {
        self.buffer
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }

    /// The text's bytes. Comparisons read these: slicing bytes checks only the
    /// bounds, not that both ends fall between characters (which `shared`
    /// made sure of), and that check read the file's text at both ends of
    /// every name compared.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer
            .as_bytes()
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

impl Default for Text {
    fn default() -> Self {
        Self::from("")
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Self::from(text.to_owned())
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Self::from(Arc::new(text))
    }
}

impl From<Box<str>> for Text {
    fn from(text: Box<str>) -> Self {
        Self::from(String::from(text))
    }
}

impl From<Arc<String>> for Text {
    /// The whole of `buffer` (which must be shorter than 4 GiB to be shared).
    fn from(buffer: Arc<String>) -> Self {
        match u32::try_from(buffer.len()) {
            Ok(end) => Self {
                buffer,
                start: 0,
                end,
            },
            // Longer than any range can name: keep the first 4 GiB of whole characters.
            Err(_) => {
                let mut end = u32::MAX as usize;
                while !buffer.is_char_boundary(end) {
                    end -= 1;
                }
                Self {
                    start: 0,
                    end: u32::try_from(end).unwrap_or(0),
                    buffer,
                }
            }
        }
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.as_str().to_owned()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), formatter)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), formatter)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Strings order as their bytes do.
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_text_reads_its_range_and_compares_as_a_str() {
        let buffer = Arc::new(String::from("{\"name\": \"Win - AV\"}"));
        let name = Text::shared(&buffer, 2..6);
        assert_eq!(name, "name");
        assert_eq!(name.as_str(), "name");
        assert_eq!(format!("{name:?}"), "\"name\"");
        assert_eq!(name, Text::from("name"));
        let (first, second) = (Text::from("a"), Text::from("b"));
        assert!(first < second);
        assert_eq!(first.cmp(&second), "a".cmp("b"));
        assert_eq!(Arc::strong_count(&buffer), 2);
    }

    #[test]
    fn ranges_that_are_not_whole_characters_are_copied_not_panicked_on() {
        let buffer = Arc::new(String::from("\u{e4}b"));
        assert_eq!(Text::shared(&buffer, 1..3), "");
        assert_eq!(Text::shared(&buffer, 0..2), "\u{e4}");
        assert_eq!(Text::shared(&buffer, 2..9), "");
    }
}
