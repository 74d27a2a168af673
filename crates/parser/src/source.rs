//! A file read from disk: its path as shown to users, its decoded text, and the
//! line index that turns byte offsets into line and column numbers.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::decode::Encoding;
use crate::span::{FileId, Span};

/// One input file of a run.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Position of the file in the run's sorted file list.
    pub id: FileId,
    /// The path as found on disk.
    pub path: PathBuf,
    /// The path shown in diagnostics and JSON: relative to the working directory,
    /// with forward slashes on every platform.
    pub display_path: String,
    /// The decoded text; empty when the file could not be read.
    pub text: Arc<String>,
    /// The encoding the bytes were in; `None` when the file could not be read.
    pub encoding: Option<Encoding>,
    /// The offset of the start of every line, computed the first time a line
    /// number is asked for: most files never need one.
    line_starts: OnceLock<Vec<u32>>,
    /// How many characters come before each block of [`CHARACTER_BLOCK`] bytes,
    /// computed the first time a column far into a line is asked for: Graph
    /// writes a whole page of records on one line, and counting the characters
    /// from the start of a 4 MB line for every finding in it added up.
    characters_before_block: OnceLock<Vec<u32>>,
}

/// The bytes between two character counts kept by
/// [`SourceFile::characters_before_block`].
const CHARACTER_BLOCK: usize = 4096;

/// A 1-based line and column, the column counted in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineColumn {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, in Unicode characters from the start of the line.
    pub column: u32,
}

impl SourceFile {
    /// A file with its decoded text.
    pub fn new(
        id: FileId,
        path: PathBuf,
        display_path: String,
        text: Arc<String>,
        encoding: Option<Encoding>,
    ) -> Self {
        Self {
            id,
            path,
            display_path,
            text,
            encoding,
            line_starts: OnceLock::new(),
            characters_before_block: OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[u32] {
        // The newlines are found with SIMD (memchr): the reporters ask for a
        // line in thousands of files, and a byte-by-byte scan of them took a
        // tenth of a large run.
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(
                    memchr::memchr_iter(b'\n', self.text.as_bytes())
                        .map(|offset| u32::try_from(offset + 1).unwrap_or(u32::MAX)),
                )
                .collect()
        })
    }

    /// How many characters the text holds before byte `offset` (a character
    /// boundary): the count kept for its block, plus the characters of the
    /// block before it, counted as the bytes that begin a character.
    fn characters_before(&self, offset: usize) -> usize {
        let bytes = self.text.as_bytes();
        let before_block = self.characters_before_block.get_or_init(|| {
            let mut count = 0_u32;
            bytes
                .chunks(CHARACTER_BLOCK)
                .map(|block| {
                    let before = count;
                    count = count
                        .saturating_add(u32::try_from(characters_begun(block)).unwrap_or(u32::MAX));
                    before
                })
                .collect()
        });
        let block = offset / CHARACTER_BLOCK;
        let counted = before_block.get(block).map_or(0, |&count| count as usize);
        counted + characters_begun(&bytes[block * CHARACTER_BLOCK..offset])
    }

    /// The line and column of byte `offset` (clamped to the text).
    pub fn line_column(&self, offset: u32) -> LineColumn {
        let offset = self.clamped(offset);
        self.line_column_on(self.line_of(offset, 0), offset)
    }

    /// The line and column of the start and of the end of `span`: the end's
    /// line is searched for only past the start's (most spans end on the line
    /// they start on, and every search reads a line index cold in cache).
    pub fn span_line_columns(&self, span: Span) -> (LineColumn, LineColumn) {
        let (start, end) = (self.clamped(span.start), self.clamped(span.end));
        let start_line = self.line_of(start, 0);
        let end_line = self.line_of(end, if end >= start { start_line } else { 0 });
        (
            self.line_column_on(start_line, start),
            self.line_column_on(end_line, end),
        )
    }

    fn clamped(&self, offset: u32) -> u32 {
        offset.min(u32::try_from(self.text.len()).unwrap_or(u32::MAX))
    }

    /// The index of the line holding `offset`, which is not before line `from`.
    fn line_of(&self, offset: u32, from: usize) -> usize {
        let line_starts = self.line_starts();
        let after = line_starts.get(from + 1..).unwrap_or_default();
        match after.first() {
            Some(next) if *next <= offset => {
                // From the start of the text, where the line would be if all
                // lines were as long; past a given line, right after it (a
                // span's end is near its start).
                let guess = if from == 0 {
                    (u64::from(offset) * after.len() as u64 / self.text.len().max(1) as u64)
                        as usize
                } else {
                    0
                };
                from + 1 + last_start_at_or_before(after, offset, guess)
            }
            _ => from.min(line_starts.len().saturating_sub(1)),
        }
    }

    /// The line and column of `offset`, on line `line_index`.
    fn line_column_on(&self, line_index: usize, offset: u32) -> LineColumn {
        let line_start = self.line_starts()[line_index] as usize;
        let mut end = offset as usize;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = if end - line_start <= CHARACTER_BLOCK {
            self.text[line_start..end].chars().count()
        } else {
            self.characters_before(end) - self.characters_before(line_start)
        };
        LineColumn {
            line: u32::try_from(line_index + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }
}

/// The position in `starts` (ascending line starts, the first at or before
/// `offset`) of the last one at or before `offset`.
///
/// The search gallops from position `guess` before a binary search: the
/// reporters look up hundreds of thousands of places across thousands of
/// files, whose line indices are cold in cache, and a binary search from the
/// middle read a cache line of its own at almost every step.
fn last_start_at_or_before(starts: &[u32], offset: u32, guess: usize) -> usize {
    let count = starts.len();
    let guess = guess.min(count - 1);
    // Bracket the answer: starts[low] <= offset, and starts[high] > offset or
    // high == count.
    let (mut low, mut high);
    let mut step = 1;
    if starts[guess] <= offset {
        low = guess;
        loop {
            high = low + step;
            if high >= count {
                high = count;
                break;
            }
            if starts[high] > offset {
                break;
            }
            low = high;
            step *= 2;
        }
    } else {
        high = guess;
        loop {
            if high <= step {
                low = 0;
                break;
            }
            low = high - step;
            if starts[low] <= offset {
                break;
            }
            high = low;
            step *= 2;
        }
    }
    low + starts[low..high].partition_point(|start| *start <= offset) - 1
}

/// How many characters begin in `bytes` (UTF-8): every byte but the
/// continuation bytes (`0b10xx_xxxx`).
fn characters_begun(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&byte| (byte as i8) >= -0x40).count()
}

/// The path to show for `path`: relative to `base` where possible, forward slashes,
/// no leading `./`.
pub fn display_path(path: &Path, base: &Path) -> String {
    let relative = if path.is_absolute() && base.is_absolute() {
        relative_to(path, base).unwrap_or_else(|| path.to_path_buf())
    } else {
        path.to_path_buf()
    };
    let parts: Vec<String> = relative
        .components()
        .filter(|component| !matches!(component, Component::CurDir))
        .map(|component| match component {
            Component::RootDir => String::new(),
            other => other.as_os_str().to_string_lossy().into_owned(),
        })
        .collect();
    if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    }
}

/// `path` relative to `base`, both absolute, going up with `..` where needed.
fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let mut path_components = path.components().peekable();
    let mut base_components = base.components().peekable();
    // Different roots (Windows drives) have no relative path.
    if path_components.peek() != base_components.peek() {
        return None;
    }
    while let (Some(left), Some(right)) = (path_components.peek(), base_components.peek()) {
        if left != right {
            break;
        }
        path_components.next();
        base_components.next();
    }
    let mut relative = PathBuf::new();
    for _ in base_components {
        relative.push("..");
    }
    relative.extend(path_components);
    Some(relative)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new(
            FileId(0),
            PathBuf::from("a.json"),
            "a.json".into(),
            Arc::new(text.to_owned()),
            None,
        )
    }

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let source = file("{\n  \"\u{e4}\": 1,\r\n  \"b\": 2\n}");
        assert_eq!(source.line_column(0), LineColumn { line: 1, column: 1 });
        let offset = source.text.find("1,").expect("present");
        assert_eq!(
            source.line_column(offset as u32),
            LineColumn { line: 2, column: 8 }
        );
        let offset = source.text.find("2").expect("present");
        assert_eq!(
            source.line_column(offset as u32),
            LineColumn { line: 3, column: 8 }
        );
        assert_eq!(source.line_column(10_000).line, 4);
    }

    proptest::proptest! {
        /// Columns far into long lines (counted from kept block counts) are the
        /// characters from the start of the line, at every byte offset, inside
        /// characters too (which count from the character's start).
        #[test]
        fn columns_of_long_lines_count_the_characters_from_the_line_start(
            // Lines of a few thousand bytes: newlines are rare.
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    1500 => proptest::sample::select(vec!["a", "\u{e4}", "\u{20ac}", "\u{1f600}"]),
                    1 => proptest::sample::select(vec!["\n", "\r\n"]),
                ],
                0..8000,
            ),
            probes in proptest::collection::vec(proptest::num::usize::ANY, 1..40),
        ) {
            let text: String = pieces.concat();
            let source = file(&text);
            for probe in probes {
                let offset = probe % (text.len() + 1);
                let mut boundary = offset;
                while !text.is_char_boundary(boundary) {
                    boundary -= 1;
                }
                let line_start = text[..boundary].rfind('\n').map_or(0, |newline| newline + 1);
                let expected = LineColumn {
                    line: u32::try_from(text[..boundary].matches('\n').count() + 1).unwrap_or(u32::MAX),
                    column: u32::try_from(text[line_start..boundary].chars().count() + 1).unwrap_or(u32::MAX),
                };
                let offset = u32::try_from(offset).unwrap_or(u32::MAX);
                proptest::prop_assert_eq!(source.line_column(offset), expected);
                // A span's two ends, the end searched for past the start.
                let other = u32::try_from(probe / 7 % (text.len() + 1)).unwrap_or(0);
                let span = Span { start: offset, end: other };
                proptest::prop_assert_eq!(
                    source.span_line_columns(span),
                    (source.line_column(span.start), source.line_column(span.end))
                );
            }
        }
    }

    proptest::proptest! {
        /// Galloping from any guess finds what a binary search from the middle
        /// finds.
        #[test]
        fn galloping_from_any_guess_finds_the_line_a_binary_search_finds(
            gaps in proptest::collection::vec(1_u32..50, 1..300),
            near in 0_usize..400,
            past in 0_u32..3,
            guess in 0_usize..400,
        ) {
            let starts: Vec<u32> = std::iter::once(0)
                .chain(gaps.iter().scan(0, |start, gap| {
                    *start += gap;
                    Some(*start)
                }))
                .collect();
            // At a line start, or just past one (or past the last).
            let offset = starts[near % starts.len()] + past;
            let expected = starts.partition_point(|start| *start <= offset) - 1;
            proptest::prop_assert_eq!(last_start_at_or_before(&starts, offset, guess), expected);
        }
    }

    #[test]
    fn display_paths_are_relative_with_forward_slashes() {
        let base = Path::new("/work/repo");
        assert_eq!(
            display_path(Path::new("/work/repo/Settings Catalog/a.json"), base),
            "Settings Catalog/a.json"
        );
        assert_eq!(
            display_path(Path::new("/work/other/a.json"), base),
            "../other/a.json"
        );
        assert_eq!(
            display_path(Path::new("./tenant/a.json"), base),
            "tenant/a.json"
        );
        assert_eq!(display_path(Path::new("tenant"), base), "tenant");
    }
}
