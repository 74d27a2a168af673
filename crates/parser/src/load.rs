//! Finds the input files under the given paths and reads each into a document.
//!
//! This is the only place in the library crates that touches the file system.
//! Directories are walked recursively, skipping hidden and git-ignored entries;
//! files named explicitly are always read. Files are read, decoded and parsed in
//! parallel, then ordered by display path so that file ids, and everything
//! downstream, do not depend on the order the paths were given or the disk returned.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::decode::{Encoding, decode_owned};
use crate::json::{self, Node};
use crate::problem::{InputProblem, InputProblemKind};
use crate::sniff::{DocumentKind, sniff_documents};
use crate::source::{SourceFile, display_path};
use crate::span::{FileId, Span};
use crate::yaml;

/// The name of preflight's own configuration file, never read as policy input.
pub const CONFIG_FILE_NAME: &str = "preflight.toml";

/// Default for [`LoadOptions::max_file_size`]: 64 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// Default for [`LoadOptions::max_files`].
pub const DEFAULT_MAX_FILES: usize = 100_000;

/// Decides whether a file found while walking a directory is input.
pub type PathFilter = Arc<dyn Fn(&Path) -> bool + Send + Sync>;

/// Called once for each file read, from any thread (for progress reporting).
pub type FileReadCallback = Arc<dyn Fn() + Send + Sync>;

/// How to read the input.
#[derive(Clone)]
pub struct LoadOptions {
    /// Paths are shown relative to this directory (normally the working directory).
    pub base_directory: PathBuf,
    /// Files larger than this many bytes are reported and not read.
    pub max_file_size: u64,
    /// At most this many files are read: the first ones in display-path order;
    /// the rest are reported (once) and skipped.
    pub max_files: usize,
    /// Files found while walking a directory are read only when this accepts
    /// them (files named explicitly are always read).
    pub path_filter: Option<PathFilter>,
    /// Input paths (as given to [`load`]) whose directories are read whole, without
    /// `path_filter`: the inventory and catalog paths, named for what they hold,
    /// even when the project's `exclude` keeps them out of the policy input.
    pub unfiltered_paths: Vec<PathBuf>,
    /// Called after each file is read.
    pub on_file_read: Option<FileReadCallback>,
}

impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("LoadOptions")
            .field("base_directory", &self.base_directory)
            .field("max_file_size", &self.max_file_size)
            .field("max_files", &self.max_files)
            .field("path_filter", &self.path_filter.is_some())
            .field("unfiltered_paths", &self.unfiltered_paths)
            .finish_non_exhaustive()
    }
}

impl LoadOptions {
    /// Options with paths shown relative to `base_directory` and the default limits.
    pub fn new(base_directory: impl Into<PathBuf>) -> Self {
        Self {
            base_directory: base_directory.into(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_files: DEFAULT_MAX_FILES,
            path_filter: None,
            unfiltered_paths: Vec::new(),
            on_file_read: None,
        }
    }
}

/// A parsed and recognized input document.
#[derive(Clone, Debug)]
pub struct Document {
    /// The file it came from.
    pub file: FileId,
    /// What it is.
    pub kind: DocumentKind,
    /// The parsed JSON or YAML, with spans.
    pub root: Node,
    /// The spans of the secret text values in `root`, in text order
    /// ([`crate::secrets`]), noted while parsing.
    pub secrets: Vec<Span>,
}

impl Document {
    /// A document of `root`, whose secret values are found by walking it (the
    /// loader notes them while parsing instead).
    pub fn new(file: FileId, kind: DocumentKind, root: Node) -> Self {
        let secrets = crate::secrets::secret_values(&root);
        Self {
            file,
            kind,
            root,
            secrets,
        }
    }
}

/// Everything read from the input paths.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Every file found, in display-path order; `files[i].id == FileId(i)`.
    pub files: Vec<SourceFile>,
    /// The documents recognized, in file order.
    pub documents: Vec<Document>,
    /// Problems found while reading, in file order.
    pub problems: Vec<InputProblem>,
}

/// Why no input could be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A path given on the command line does not exist.
    #[error("`{path}` does not exist")]
    PathNotFound {
        /// The path as given.
        path: String,
    },
}

/// Finds and reads every file under `paths`.
pub fn load(paths: &[PathBuf], options: &LoadOptions) -> Result<Loaded, LoadError> {
    let mut found = FoundFiles::new(options.max_files);
    for path in paths {
        if std::fs::symlink_metadata(path).is_err() {
            return Err(LoadError::PathNotFound {
                path: path.display().to_string(),
            });
        }
        if path.is_dir() {
            let filter = if options.unfiltered_paths.contains(path) {
                None
            } else {
                options.path_filter.as_ref()
            };
            walk_directory(path, options, filter, &mut found);
        } else {
            let shown = display_path(path, &options.base_directory);
            found.insert(shown, FoundPath::File(path.clone()));
        }
    }
    let FoundFiles {
        kept,
        first_skipped,
        ..
    } = found;

    let results: Vec<(SourceFile, Vec<Document>, Vec<InputProblem>)> = kept
        .into_iter()
        .enumerate()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(index, (shown, found_path))| {
            let id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
            let read = read_one(id, shown, found_path, options);
            if let Some(callback) = &options.on_file_read {
                callback();
            }
            read
        })
        .collect();

    let mut loaded = Loaded::default();
    for (file, document, problems) in results {
        loaded.files.push(file);
        loaded.documents.extend(document);
        loaded.problems.extend(problems);
    }
    if let Some((shown, found_path)) = first_skipped {
        // INVARIANT: every skipped path sorts after every kept one (FoundFiles
        // evicts the greatest), so this file's id keeps the display-path order.
        let id = FileId(u32::try_from(loaded.files.len()).unwrap_or(u32::MAX));
        let path = match found_path {
            FoundPath::File(path) | FoundPath::WalkFailure { path, .. } => path,
        };
        loaded
            .files
            .push(SourceFile::new(id, path, shown, Arc::default(), None));
        loaded.problems.push(
            InputProblem::parse_error(
                id,
                None,
                format!(
                    "not read: the input holds more than the limit of {} files; this file and every file after it in path order are skipped",
                    options.max_files,
                ),
            )
            .with_help("raise `--max-files` (or `max-files` under `[input]` in preflight.toml), or check fewer paths"),
        );
    }
    Ok(loaded)
}

/// A path found while walking: a file to read, or an entry the walk could not follow.
enum FoundPath {
    File(PathBuf),
    WalkFailure { path: PathBuf, message: String },
}

/// The paths found, by display path, holding at most `limit` of them: the first
/// in display-path order, so which files are read does not depend on the order
/// the disk returns them. Memory stays bounded however many files there are.
///
/// Once a path is left out it is forgotten (but for the first), so a file found
/// twice through overlapping paths cannot be told from a new one: how many files
/// were left out is not known, only that some were.
struct FoundFiles {
    limit: usize,
    kept: BTreeMap<String, FoundPath>,
    /// The first path in display-path order that was not kept.
    first_skipped: Option<(String, FoundPath)>,
}

impl FoundFiles {
    fn new(limit: usize) -> Self {
        Self {
            limit,
            kept: BTreeMap::new(),
            first_skipped: None,
        }
    }

    fn insert(&mut self, shown: String, found: FoundPath) {
        if self
            .first_skipped
            .as_ref()
            .is_some_and(|(skipped, _)| *skipped == shown)
        {
            return;
        }
        if self.kept.insert(shown, found).is_some() {
            // The same file given twice (or found twice): one file.
            return;
        }
        if self.kept.len() > self.limit
            && let Some((evicted, path)) = self.kept.pop_last()
        {
            let earlier = self
                .first_skipped
                .as_ref()
                .is_none_or(|(skipped, _)| evicted < *skipped);
            if earlier {
                self.first_skipped = Some((evicted, path));
            }
        }
    }
}

fn walk_directory(
    root: &Path,
    options: &LoadOptions,
    filter: Option<&PathFilter>,
    found: &mut FoundFiles,
) {
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .git_ignore(true)
        .git_exclude(true)
        .parents(true)
        .follow_links(true)
        .build();
    for entry in walker {
        match entry {
            Ok(entry) => {
                // Everything but directories is input: FIFOs, sockets and devices
                // are reported as not regular files when read.
                if entry.file_type().is_some_and(|kind| !kind.is_dir())
                    && entry.file_name() != CONFIG_FILE_NAME
                    && filter.is_none_or(|accepts| accepts(entry.path()))
                {
                    let path = entry.into_path();
                    let shown = display_path(&path, &options.base_directory);
                    found.insert(shown, FoundPath::File(path));
                }
            }
            Err(error) => {
                let path = walk_error_path(&error).unwrap_or_else(|| root.to_path_buf());
                let shown = display_path(&path, &options.base_directory);
                let message =
                    dangling_link_message(&path).unwrap_or_else(|| walk_error_message(&error));
                found.insert(shown, FoundPath::WalkFailure { path, message });
            }
        }
    }
}

/// "dangling symbolic link …" when `path` is a symbolic link whose target does not exist.
fn dangling_link_message(path: &Path) -> Option<String> {
    let link = std::fs::symlink_metadata(path).ok()?;
    if !link.file_type().is_symlink() || std::fs::metadata(path).is_ok() {
        return None;
    }
    let target = std::fs::read_link(path).ok()?;
    Some(format!(
        "dangling symbolic link: its target `{}` does not exist",
        target.display()
    ))
}

fn walk_error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

fn walk_error_message(error: &ignore::Error) -> String {
    match error {
        ignore::Error::Loop { ancestor, .. } => format!(
            "symbolic link loop: this directory leads back to `{}`",
            ancestor.display()
        ),
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            walk_error_message(err)
        }
        ignore::Error::Io(io) => format!("cannot read: {}", io_error_text(io)),
        other => format!("cannot read: {other}"),
    }
}

fn io_error_text(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        std::io::ErrorKind::NotFound => "the file disappeared while reading".to_owned(),
        _ => error.to_string(),
    }
}

fn read_one(
    id: FileId,
    shown: String,
    found_path: FoundPath,
    options: &LoadOptions,
) -> (SourceFile, Vec<Document>, Vec<InputProblem>) {
    let unreadable = |path: PathBuf, message: String| {
        let file = SourceFile::new(id, path, shown.clone(), Arc::default(), None);
        (
            file,
            Vec::new(),
            vec![InputProblem::parse_error(id, None, message)],
        )
    };
    let path = match found_path {
        FoundPath::File(path) => path,
        FoundPath::WalkFailure { path, message } => return unreadable(path, message),
    };
    let metadata = match std::fs::metadata(&path) {
        Ok(metadata) => metadata,
        Err(error) => {
            let message = dangling_link_message(&path)
                .unwrap_or_else(|| format!("cannot read: {}", io_error_text(&error)));
            return unreadable(path, message);
        }
    };
    if !metadata.is_file() {
        // Reading a FIFO could wait forever and a device could never end: skip them.
        let file = SourceFile::new(id, path, shown, Arc::default(), None);
        let problem = InputProblem {
            kind: InputProblemKind::UnrecognizedFile,
            file: file.id,
            span: None,
            message: format!(
                "not a regular file ({}); skipped",
                kind_of_special_file(&metadata)
            ),
            help: None,
        };
        return (file, Vec::new(), vec![problem]);
    }
    let over_the_limit = |size: String| {
        format!(
            "the file is {size} bytes, over the limit of {} bytes",
            options.max_file_size
        )
    };
    if metadata.len() > options.max_file_size {
        return unreadable(path, over_the_limit(metadata.len().to_string()));
    }
    let bytes = match read_at_most(&path, options.max_file_size, metadata.len()) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return unreadable(
                path,
                over_the_limit(format!("more than {}", options.max_file_size)),
            );
        }
        Err(error) => return unreadable(path, format!("cannot read: {}", io_error_text(&error))),
    };
    file_from_bytes(id, path, shown, bytes)
}

/// The bytes of a file named on the command line outside the input paths (a
/// rollout plan), read with the same guards as input files: a regular file, at
/// most `limit` bytes. The error is one lowercase line.
pub fn read_regular_file(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let metadata = std::fs::metadata(path).map_err(|error| {
        dangling_link_message(path).unwrap_or_else(|| match error.kind() {
            std::io::ErrorKind::NotFound => "the file does not exist".to_owned(),
            _ => format!("cannot read: {}", io_error_text(&error)),
        })
    })?;
    if !metadata.is_file() {
        return Err(format!(
            "not a regular file ({})",
            kind_of_special_file(&metadata)
        ));
    }
    match read_at_most(path, limit, metadata.len()) {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(format!(
            "the file is more than {limit} bytes, over the limit of {limit} bytes"
        )),
        Err(error) => Err(format!("cannot read: {}", io_error_text(&error))),
    }
}

/// The file's bytes, reading at most `limit + 1` of them (a file may grow after
/// its size was checked); `None` when it holds more than `limit`. `expected_size`
/// (the size the file had when checked) sizes the buffer, so that it is
/// allocated once.
fn read_at_most(path: &Path, limit: u64, expected_size: u64) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    // One byte more than the size, so that reading to the end needs no second buffer.
    let capacity = expected_size.min(limit).saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// What a file that is not a regular file is, for the message.
fn kind_of_special_file(metadata: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
    }
    if metadata.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// Decodes, parses and recognizes one file's bytes.
fn file_from_bytes(
    id: FileId,
    path: PathBuf,
    shown: String,
    bytes: Vec<u8>,
) -> (SourceFile, Vec<Document>, Vec<InputProblem>) {
    let decoded = decode_owned(bytes);
    let file = SourceFile::new(
        id,
        path,
        shown,
        Arc::new(decoded.text),
        Some(decoded.encoding),
    );
    let (document, problems) = parse_document(&file, decoded.first_invalid);
    (file, document, problems)
}

/// Reads files already in memory, given as (display path, bytes), exactly as
/// [`load`] reads files from disk: sorted by display path, decoded, parsed and
/// recognized. For fuzzing and for tools that hold the files themselves.
pub fn load_from_memory(files: Vec<(String, Vec<u8>)>) -> Loaded {
    let mut files = files;
    files.sort_by(|left, right| left.0.cmp(&right.0));
    files.dedup_by(|later, first| later.0 == first.0);
    let mut loaded = Loaded::default();
    for (index, (shown, bytes)) in files.into_iter().enumerate() {
        let id = FileId(u32::try_from(index).unwrap_or(u32::MAX));
        let (file, documents, problems) = file_from_bytes(id, PathBuf::from(&shown), shown, bytes);
        loaded.files.push(file);
        loaded.documents.extend(documents);
        loaded.problems.extend(problems);
    }
    loaded
}

/// Parses and recognizes one decoded file.
fn parse_document(
    file: &SourceFile,
    first_invalid: Option<usize>,
) -> (Vec<Document>, Vec<InputProblem>) {
    let Some(syntax) = Syntax::of_path(&file.path) else {
        let problem = InputProblem {
            kind: InputProblemKind::UnrecognizedFile,
            file: file.id,
            span: None,
            message: "not a JSON or YAML file; skipped".to_owned(),
            help: Some(
                "preflight reads Intune exports in JSON and IntuneCD backups in YAML; move other files out of the input or add them to `.gitignore`"
                    .to_owned(),
            ),
        };
        return (Vec::new(), vec![problem]);
    };
    if let Some(offset) = first_invalid {
        let encoding = file
            .encoding
            .map_or("the detected encoding", Encoding::name);
        let end = offset + char::REPLACEMENT_CHARACTER.len_utf8();
        let problem = InputProblem::parse_error(
            file.id,
            Some(Span::new(offset, end.min(file.text.len()))),
            format!("invalid {encoding} byte sequence"),
        )
        .with_help("save the file as UTF-8 or UTF-16 with a byte-order mark");
        return (Vec::new(), vec![problem]);
    }
    let json::Parsed {
        root,
        duplicates,
        secrets,
    } = match syntax.parse_shared_noting(&file.text) {
        Ok(parsed) => parsed,
        Err(problem) => {
            let problem = InputProblem::parse_error(file.id, Some(problem.span), problem.message);
            return (Vec::new(), vec![problem]);
        }
    };
    let duplicates: Vec<InputProblem> = duplicates
        .into_iter()
        .map(|duplicate| {
            InputProblem::parse_error(
                file.id,
                Some(duplicate.repeated),
                format!(
                    "member `{}` is written twice in one object; the last value is used",
                    duplicate.key
                ),
            )
            .with_help("remove one of them; tools that read this file may pick either")
        })
        .collect();
    let sniffed = sniff_documents(root, &file.display_path);
    let documents = sniffed
        .documents
        .into_iter()
        .map(|document| {
            // The documents of a file are apart, and the secrets in text order.
            let span = document.root.span;
            let first = secrets.partition_point(|secret| secret.start < span.start);
            let end = secrets.partition_point(|secret| secret.start < span.end);
            Document {
                file: file.id,
                kind: document.kind,
                root: document.root,
                secrets: secrets[first..end].to_vec(),
            }
        })
        .collect();
    let mut problems = duplicates;
    problems.extend(sniffed.unrecognized.into_iter().map(|object| InputProblem {
        kind: InputProblemKind::UnrecognizedFile,
        file: file.id,
        span: object.cause.or(object.span),
        message: match object.span {
            None => format!("not an Intune export: {}; skipped", object.reason),
            Some(_) => format!(
                "an item that is not Intune data: {}; skipped",
                object.reason
            ),
        },
        help: None,
    }));
    (documents, problems)
}

/// The syntax a file is written in, told by its extension (any case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// `.json`
    Json,
    /// `.yaml` or `.yml`, as IntuneCD writes with `-o yaml` and planners write by hand.
    Yaml,
}

/// Why a text could not be parsed, and where: a JSON or a YAML syntax error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// One lowercase line saying what is wrong.
    pub message: String,
    /// Where the problem is.
    pub span: Span,
}

impl Syntax {
    /// The syntax of the file at `path`, or `None` when it is neither JSON nor YAML.
    pub fn of_path(path: &Path) -> Option<Self> {
        let extension = path.extension()?;
        if extension.eq_ignore_ascii_case("json") {
            Some(Syntax::Json)
        } else if extension.eq_ignore_ascii_case("yaml") || extension.eq_ignore_ascii_case("yml") {
            Some(Syntax::Yaml)
        } else {
            None
        }
    }

    /// Parses `text` into a span-keeping tree.
    pub fn parse(self, text: &str) -> Result<Node, SyntaxError> {
        self.parse_shared(&Arc::new(text.to_owned()))
    }

    /// Parses `text` as [`Syntax::parse`] does; the tree's strings share `text`
    /// where they are written as they read (JSON strings without escapes).
    pub fn parse_shared(self, text: &Arc<String>) -> Result<Node, SyntaxError> {
        match self {
            Syntax::Json => json::parse_shared(text).map_err(|error| SyntaxError {
                message: error.message,
                span: error.span,
            }),
            Syntax::Yaml => yaml::parse(text).map_err(|error| SyntaxError {
                message: error.message,
                span: error.span,
            }),
        }
    }

    /// Parses `text` as [`Syntax::parse_shared`] does, with the member names
    /// written twice in one object and the secret values, in text order.
    pub fn parse_shared_noting(self, text: &Arc<String>) -> Result<json::Parsed, SyntaxError> {
        match self {
            Syntax::Json => json::parse_shared_noting(text).map_err(|error| SyntaxError {
                message: error.message,
                span: error.span,
            }),
            Syntax::Yaml => self.parse_shared(text).map(|root| json::Parsed {
                duplicates: json::duplicate_members(&root),
                secrets: crate::secrets::secret_values(&root),
                root,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(names: &[&str], limit: usize) -> (Vec<String>, Option<String>) {
        let mut found = FoundFiles::new(limit);
        for name in names {
            found.insert((*name).to_owned(), FoundPath::File(PathBuf::from(name)));
        }
        (
            found.kept.into_keys().collect(),
            found.first_skipped.map(|(name, _)| name),
        )
    }

    #[test]
    fn the_first_files_in_path_order_are_kept_whatever_the_order_found() {
        let orders = [
            ["e", "a", "d", "b", "c", "a", "e"],
            ["a", "b", "c", "d", "e", "c", "d"],
            ["e", "d", "c", "b", "a", "e", "b"],
        ];
        for names in orders {
            assert_eq!(
                found(&names, 3),
                (
                    vec!["a".to_owned(), "b".to_owned(), "c".to_owned()],
                    Some("d".to_owned())
                ),
                "{names:?}"
            );
        }
        assert_eq!(
            found(&["b", "a", "b", "c"], 3),
            (vec!["a".to_owned(), "b".to_owned(), "c".to_owned()], None),
            "a file found twice is one file"
        );
    }

    #[test]
    fn syntax_follows_the_extension_in_any_case() {
        assert_eq!(Syntax::of_path(Path::new("a/B.JSON")), Some(Syntax::Json));
        assert_eq!(Syntax::of_path(Path::new("a/b.yaml")), Some(Syntax::Yaml));
        assert_eq!(Syntax::of_path(Path::new("a/b.Yml")), Some(Syntax::Yaml));
        assert_eq!(Syntax::of_path(Path::new("a/b.ps1")), None);
        assert_eq!(Syntax::of_path(Path::new("README")), None);
    }
}
