//! Byte ranges into decoded source text, and the ids of the files they belong to.
//!
//! Spans are `u32` byte offsets into the *decoded* text of a [`crate::SourceFile`]
//! (after any byte-order mark is removed and UTF-16 is turned into UTF-8). Line and
//! column numbers are computed from them only when a diagnostic is rendered.

use std::ops::Range;

/// Index of a file in the sorted list of files of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

impl FileId {
    /// The position of the file in [`crate::Loaded::files`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A half-open byte range `start..end` into a file's decoded text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end`; offsets beyond `u32::MAX` saturate.
    pub fn new(start: usize, end: usize) -> Self {
        Self {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// An empty span at `offset`, for errors about a position rather than a range.
    pub fn point(offset: usize) -> Self {
        Self::new(offset, offset)
    }

    /// The span as a `usize` range for slicing.
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    /// Whether the span covers no bytes.
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

/// A span inside a particular file: where a value, an error or a label lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceLocation {
    /// The file.
    pub file: FileId,
    /// The byte range inside the file's decoded text.
    pub span: Span,
}
