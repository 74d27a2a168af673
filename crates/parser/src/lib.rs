//! Reads Intune policy exports into documents that keep exact source spans.
//!
//! The first stage of preflight's pipeline (files → **parser** → normalizer →
//! engine → findings → reporters): it finds the input files, decodes them
//! (UTF-8, UTF-8 with BOM, UTF-16), parses JSON and YAML into span-carrying [`json::Node`]s,
//! recognizes what each document is ([`DocumentKind`]), and reports files it cannot
//! read as [`InputProblem`]s instead of failing the run.

pub mod decode;
pub mod json;
mod load;
mod problem;
pub mod rule_language;
pub mod secrets;
mod sniff;
mod source;
mod span;
mod text;
pub mod yaml;

pub use load::{
    CONFIG_FILE_NAME, DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_FILES, Document, FileReadCallback,
    LoadError, LoadOptions, Loaded, PathFilter, Syntax, SyntaxError, load, load_from_memory,
    read_regular_file,
};
pub use problem::{InputProblem, InputProblemKind};
pub use sniff::{
    DocumentKind, PageOwner, SniffedDocument, SniffedFile, UnrecognizedObject,
    intunecd_folder_family, kind_of_odata_type, page_owner, sniff, sniff_documents,
};
pub use source::{LineColumn, SourceFile, display_path};
pub use span::{FileId, SourceLocation, Span};
pub use text::Text;
