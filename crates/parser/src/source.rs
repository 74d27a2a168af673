//! A file read from disk: its path as shown to users, its decoded text, and the
//! line index that turns byte offsets into line and column numbers.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::decode::Encoding;
use crate::span::FileId;

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
    pub text: Arc<str>,
    /// The encoding the bytes were in; `None` when the file could not be read.
    pub encoding: Option<Encoding>,
    /// The offset of the start of every line, computed the first time a line
    /// number is asked for: most files never need one.
    line_starts: OnceLock<Vec<u32>>,
}

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
        text: Arc<str>,
        encoding: Option<Encoding>,
    ) -> Self {
        Self {
            id,
            path,
            display_path,
            text,
            encoding,
            line_starts: OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(
                    self.text
                        .bytes()
                        .enumerate()
                        .filter(|(_, byte)| *byte == b'\n')
                        .map(|(offset, _)| u32::try_from(offset + 1).unwrap_or(u32::MAX)),
                )
                .collect()
        })
    }

    /// The line and column of byte `offset` (clamped to the text).
    pub fn line_column(&self, offset: u32) -> LineColumn {
        let offset = offset.min(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
        let line_starts = self.line_starts();
        let line_index = line_starts
            .partition_point(|start| *start <= offset)
            .saturating_sub(1);
        let line_start = line_starts[line_index] as usize;
        let mut end = offset as usize;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = self.text[line_start..end].chars().count();
        LineColumn {
            line: u32::try_from(line_index + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }
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
            text.into(),
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
