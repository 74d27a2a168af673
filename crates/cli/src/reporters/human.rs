//! Human output: each finding as a miette report with labelled source snippets,
//! the related file of a two-policy finding shown as a related report, and a
//! one-line summary at the end. Secrets in the input are masked in every snippet.
//!
//! Findings are rendered in parallel, each into its own string, and written in
//! order. miette finds a snippet's lines by reading its source from the first
//! byte, once for each label and again for each snippet; over a large tenant
//! (35,000 findings, files of two thousand lines) that was nine tenths of the
//! run. Each file's line starts are found once here instead, and miette reads
//! only from a few lines before the label (see [`IndexedSource`]).
//!
//! A label on a line longer than [`LONGEST_LINE_SHOWN`] (Graph writes a whole
//! page of records on one line) is shown on an excerpt of its line, clipped
//! around it with `…`, under its true line and column: a terminal cannot show a
//! line of half a megabyte, and miette panics on a label further into a line than
//! its formatting widths reach (65,535 columns).

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::{Arc, OnceLock};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use preflight_engine::{Finding, Label, Report, Severity};
use preflight_normalizer::Tenant;
use preflight_parser::{FileId, Span};
use rayon::prelude::*;

use crate::reporters::summary_line;

/// How to render.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// Whether to use ANSI colors.
    pub color: bool,
    /// The width to wrap at.
    pub width: usize,
}

/// Writes every finding, then the summary line.
pub fn write(
    output: &mut dyn Write,
    tenant: &Tenant,
    report: &Report,
    style: Style,
) -> io::Result<()> {
    write_findings(output, tenant, &report.findings, style)?;
    writeln!(output, "{}", summary_line(&report.summary))
}

/// Writes each finding as an annotated source snippet, without a summary.
pub fn write_findings(
    output: &mut dyn Write,
    tenant: &Tenant,
    findings: &[preflight_engine::Finding],
    style: Style,
) -> io::Result<()> {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .without_syntax_highlighting();
    let sources = Sources::new(tenant);
    // A chunk of findings is rendered at a time, so that a large report is
    // never all in memory at once.
    for chunk in findings.chunks(FINDINGS_RENDERED_AT_ONCE) {
        let rendered: Vec<String> = chunk
            .par_iter()
            .map(|finding| {
                let diagnostic = FindingDiagnostic::new(tenant, &sources, finding);
                let mut rendered = String::new();
                handler
                    .render_report(&mut rendered, &diagnostic)
                    .map(|()| rendered)
            })
            .collect::<Result<_, fmt::Error>>()
            .map_err(|error| io::Error::other(error.to_string()))?;
        for text in rendered {
            writeln!(output, "{text}")?;
        }
    }
    Ok(())
}

/// How many findings are rendered side by side before they are written.
const FINDINGS_RENDERED_AT_ONCE: usize = 1024;

/// One file's part of a finding: its source and the labels in it.
struct FilePart {
    source: IndexedSource,
    labels: Vec<LabeledSpan>,
}

/// A file's text as snippets show it, with where its lines start: a
/// [`SourceCode`] that reads what miette's own reading of a `str` would, from
/// the start of the first line shown rather than from the start of the file.
struct IndexedSource {
    name: String,
    text: Arc<String>,
    line_starts: Arc<[usize]>,
    /// Where the text is in its file: 0 and 0 for a whole file; for an excerpt
    /// of one line, that line's index and by how many bytes the columns of the
    /// excerpt fall short of the line's.
    first_line: usize,
    column_shift: isize,
}

impl SourceCode for IndexedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // The line holding the span's start, and the line before the first
        // shown with it: miette takes an empty span to end on the byte before
        // it, the line end before a span at the start of a line.
        let line = self
            .line_starts
            .partition_point(|&start| start <= span.offset())
            .saturating_sub(1);
        let first_line = line.saturating_sub(context_lines_before + 1);
        let window_start = self.line_starts.get(first_line).copied().unwrap_or(0);
        let window = self.text.as_bytes().get(window_start..).unwrap_or_default();
        // miette's reading of the text from there on, with the span moved by
        // as much, gives the same bytes; its lines and offsets are then
        // counted from the start of the file again.
        let within = SourceSpan::new((span.offset() - window_start).into(), span.len());
        let inner = window.read_span(&within, context_lines_before, context_lines_after)?;
        let contents = MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            SourceSpan::new(
                (inner.span().offset() + window_start).into(),
                inner.span().len(),
            ),
            inner.line() + first_line + self.first_line,
            // miette counts a column only when no line before is asked for.
            if context_lines_before == 0 {
                inner.column().saturating_add_signed(self.column_shift)
            } else {
                inner.column()
            },
            inner.line_count() + first_line + self.first_line,
        )
        .with_language("json");
        Ok(Box::new(contents))
    }
}

/// The longest line a snippet shows whole, in bytes; a label on a longer line is
/// shown on an excerpt of it.
const LONGEST_LINE_SHOWN: usize = 512;

/// How many bytes of its line an excerpt shows on each side of a label.
const EXCERPT_CONTEXT: usize = 60;

/// How much of a label an excerpt shows, in bytes.
const LONGEST_LABEL_SHOWN: usize = 200;

/// Where the line holding `offset` starts and ends (before its line end), by
/// `line_starts` (see [`line_starts`]), and its index.
fn line_around(text: &str, line_starts: &[usize], offset: usize) -> (usize, usize, usize) {
    let line = line_starts
        .partition_point(|&start| start <= offset)
        .saturating_sub(1);
    let start = line_starts.get(line).copied().unwrap_or(0);
    let next = line_starts.get(line + 1).copied().unwrap_or(text.len());
    let bytes = text.as_bytes();
    let mut end = next.max(start);
    while end > start && matches!(bytes.get(end - 1), Some(b'\n' | b'\r')) {
        end -= 1;
    }
    (line, start, end)
}

/// An excerpt of the line holding `span` in `text` (whose lines start at
/// `line_starts`): up to [`EXCERPT_CONTEXT`] bytes on each side of the span (of
/// which up to [`LONGEST_LABEL_SHOWN`] are shown), `…` where the line goes on,
/// and the span within the excerpt.
fn excerpt(
    name: String,
    text: &str,
    line_starts: &[usize],
    span: Span,
) -> (IndexedSource, std::ops::Range<usize>) {
    const MORE: &str = "\u{2026}";
    let (line, line_start, line_end) = line_around(text, line_starts, span.start as usize);
    let label_start = floor_char_boundary(text, (span.start as usize).clamp(line_start, line_end));
    let label_end = floor_char_boundary(
        text,
        (span.end as usize)
            .min(line_end)
            .min(label_start + LONGEST_LABEL_SHOWN)
            .max(label_start),
    );
    let shown_start = floor_char_boundary(
        text,
        label_start.saturating_sub(EXCERPT_CONTEXT).max(line_start),
    );
    let shown_end = ceil_char_boundary(text, (label_end + EXCERPT_CONTEXT).min(line_end));
    let before = if shown_start > line_start { MORE } else { "" };
    let after = if shown_end < line_end { MORE } else { "" };
    let shown = text.get(shown_start..shown_end).unwrap_or_default();
    let excerpt = format!("{before}{shown}{after}");
    let label = before.len() + label_start - shown_start..before.len() + label_end - shown_start;
    let column_shift = (shown_start - line_start) as isize - before.len() as isize;
    let source = IndexedSource {
        name,
        line_starts: line_starts_of(&excerpt),
        text: Arc::new(excerpt),
        first_line: line,
        column_shift,
    };
    (source, label)
}

/// The largest character boundary of `text` at or before `offset`.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The smallest character boundary of `text` at or after `offset`.
fn ceil_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

/// Where each line of `text` starts, lines ending as miette ends them: at
/// `\n`, at `\r\n` and at a `\r` alone.
fn line_starts_of(text: &str) -> Arc<[usize]> {
    let bytes = text.as_bytes();
    std::iter::once(0)
        .chain(
            memchr::memchr2_iter(b'\n', b'\r', bytes)
                .filter(|&offset| {
                    !(bytes[offset] == b'\r' && bytes.get(offset + 1) == Some(&b'\n'))
                })
                .map(|offset| offset + 1),
        )
        .collect()
}

/// The text of each input file as snippets may show it: a file holding secrets
/// (encrypted OMA-URI values, pre-shared keys, passwords) with each secret's text
/// replaced by `*`, byte for byte, so that every span and line stays where it was
/// and no secret reaches the output. Each file's line starts are found the first
/// time a snippet is taken from it.
struct Sources {
    masked: BTreeMap<FileId, Arc<String>>,
    line_starts: Vec<OnceLock<Arc<[usize]>>>,
}

impl Sources {
    fn new(tenant: &Tenant) -> Self {
        let mut secrets: BTreeMap<FileId, Vec<Span>> = BTreeMap::new();
        for secret in &tenant.secrets {
            secrets.entry(secret.file).or_default().push(secret.span);
        }
        let masked = secrets
            .into_iter()
            .filter_map(|(file, spans)| {
                let text = &tenant.file(file)?.text;
                Some((file, Arc::new(mask_spans(text, &spans))))
            })
            .collect();
        Self {
            masked,
            line_starts: (0..tenant.files.len()).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The file as snippets show it, named by its display path.
    fn source(&self, tenant: &Tenant, file: FileId) -> Option<IndexedSource> {
        let (name, text, line_starts) = self.file(tenant, file)?;
        Some(IndexedSource {
            name,
            text,
            line_starts,
            first_line: 0,
            column_shift: 0,
        })
    }

    /// The display path, the text as shown and the line starts of `file`.
    fn file(&self, tenant: &Tenant, file: FileId) -> Option<(String, Arc<String>, Arc<[usize]>)> {
        let source_file = tenant.file(file)?;
        let text = match self.masked.get(&file) {
            Some(text) => Arc::clone(text),
            None => Arc::clone(&source_file.text),
        };
        let line_starts = self
            .line_starts
            .get(file.index())?
            .get_or_init(|| line_starts_of(&text));
        Some((
            source_file.display_path.clone(),
            text,
            Arc::clone(line_starts),
        ))
    }

    /// Whether `label` starts on a line too long to show whole.
    fn on_long_line(&self, tenant: &Tenant, label: &Label) -> bool {
        self.file(tenant, label.location.file)
            .is_some_and(|(_, text, line_starts)| {
                let (_, start, end) =
                    line_around(&text, &line_starts, label.location.span.start as usize);
                end - start > LONGEST_LINE_SHOWN
            })
    }
}

/// `text` with every character inside `spans` replaced by as many `*` as it has
/// bytes; quotes around a quoted value and line breaks are kept.
fn mask_spans(text: &str, spans: &[Span]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for span in spans {
        let range = span.range();
        let Some(slice) = text.get(range.clone()) else {
            continue;
        };
        let quoted = slice.len() >= 2
            && matches!(slice.as_bytes()[0], b'"' | b'\'')
            && slice.as_bytes()[slice.len() - 1] == slice.as_bytes()[0];
        let inner = if quoted {
            range.start + 1..range.end - 1
        } else {
            range
        };
        for byte in &mut bytes[inner] {
            if !matches!(*byte, b'\n' | b'\r') {
                *byte = b'*';
            }
        }
    }
    // Only whole characters inside the spans were replaced, each byte by an
    // ASCII `*`, so the text is still UTF-8; fall back to hiding all of it.
    String::from_utf8(bytes).unwrap_or_else(|_| "*".repeat(text.len()))
}

impl FilePart {
    fn new(
        tenant: &Tenant,
        sources: &Sources,
        finding: &Finding,
        file: FileId,
        labels: &[&Label],
    ) -> Option<Self> {
        let source = sources.source(tenant, file)?;
        let labels = labels
            .iter()
            .map(|label| {
                LabeledSpan::new(
                    Some(finding.label_text(label).into_owned()),
                    label.location.span.start as usize,
                    label.location.span.len(),
                )
            })
            .collect();
        Some(Self { source, labels })
    }

    /// `label`, on a line too long to show, shown on an excerpt of its line.
    fn excerpt(
        tenant: &Tenant,
        sources: &Sources,
        finding: &Finding,
        label: &Label,
    ) -> Option<Self> {
        let (name, text, line_starts) = sources.file(tenant, label.location.file)?;
        let (source, span) = excerpt(name, &text, &line_starts, label.location.span);
        let labels = vec![LabeledSpan::new(
            Some(finding.label_text(label).into_owned()),
            span.start,
            span.len(),
        )];
        Some(Self { source, labels })
    }
}

/// How many other files a finding shows in the terminal, besides its own.
const MOST_RELATED_FILES_SHOWN: usize = 9;

/// A finding as a miette diagnostic.
struct FindingDiagnostic {
    message: String,
    code: &'static str,
    severity: Severity,
    help: Option<String>,
    /// The file of the primary label (or the finding's file) with its labels.
    primary: Option<FilePart>,
    /// Other files with labels, each shown as a related report.
    related: Vec<RelatedPart>,
}

impl FindingDiagnostic {
    fn new(tenant: &Tenant, sources: &Sources, finding: &Finding) -> Self {
        // Group the labels by file, files in order of first appearance; a label
        // on a line too long to show is a part of its own, on an excerpt.
        let mut files: Vec<(FileId, Vec<&Label>, bool)> = Vec::new();
        for label in &finding.labels {
            if sources.on_long_line(tenant, label) {
                files.push((label.location.file, vec![label], true));
                continue;
            }
            match files
                .iter_mut()
                .find(|(file, _, excerpt)| *file == label.location.file && !excerpt)
            {
                Some((_, labels, _)) => labels.push(label),
                None => files.push((label.location.file, vec![label], false)),
            }
        }
        let mut parts = files.into_iter().filter_map(|(file, labels, excerpt)| {
            match (excerpt, labels.as_slice()) {
                (true, [label]) => FilePart::excerpt(tenant, sources, finding, label),
                _ => FilePart::new(tenant, sources, finding, file, &labels),
            }
        });
        let mut message = finding.message.clone();
        let primary = parts.next();
        if primary.is_none()
            && let Some(file) = finding.file.and_then(|file| tenant.file(file))
        {
            message = format!("{}: {message}", file.display_path);
        }
        let mut related: Vec<RelatedPart> = parts
            .map(|part| RelatedPart {
                message: format!("and here, in `{}`", part.source.name),
                part,
            })
            .collect();
        // A setting set by dozens of policies is one finding; a terminal shows
        // the first files, the machine formats every one.
        let mut help = finding.help.clone();
        if related.len() > MOST_RELATED_FILES_SHOWN {
            let hidden = related.len() - MOST_RELATED_FILES_SHOWN;
            related.truncate(MOST_RELATED_FILES_SHOWN);
            let note = format!(
                "{hidden} more files of this finding are not shown here; `--format json` and `--format sarif` list every one"
            );
            help = Some(match help {
                Some(help) => format!("{help}\n{note}"),
                None => note,
            });
        }
        Self {
            message,
            code: finding.rule,
            severity: finding.severity,
            help,
            primary,
            related,
        }
    }
}

fn miette_severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

impl fmt::Debug for FindingDiagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(miette_severity(self.severity))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.primary
            .as_ref()
            .map(|part| &part.source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.primary
            .as_ref()
            .map(|part| Box::new(part.labels.iter().cloned()) as Box<dyn Iterator<Item = _>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related
                .iter()
                .map(|related| related as &dyn Diagnostic),
        ))
    }
}

/// The labels of a finding that sit in another file than the primary one. Shown
/// as advice: it is the same finding, not a second one.
struct RelatedPart {
    message: String,
    part: FilePart,
}

impl fmt::Debug for RelatedPart {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl fmt::Display for RelatedPart {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for RelatedPart {}

impl Diagnostic for RelatedPart {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.part.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.part.labels.iter().cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_byte_for_byte_keeping_quotes_and_lines() {
        let text = "{\"k\": \"h\u{e4}x\", \"n\": 1}\nkey: |\n  ab\n  cd\n";
        let quoted = Span::new(6, 12);
        let block_start = text.find("  ab").unwrap_or_default();
        let block = Span::new(block_start, text.len());
        let masked = mask_spans(text, &[quoted, block]);
        assert_eq!(masked.len(), text.len());
        assert_eq!(masked, "{\"k\": \"****\", \"n\": 1}\nkey: |\n****\n****\n");
    }

    /// What a reading says: its bytes, span, line, column, line count and name.
    type Reading = (Vec<u8>, SourceSpan, usize, usize, usize, Option<String>);

    /// What a reading of a span says, to compare two readings.
    fn reading(
        source: &dyn SourceCode,
        span: SourceSpan,
        before: usize,
        after: usize,
    ) -> Option<Reading> {
        let contents = source.read_span(&span, before, after).ok()?;
        Some((
            contents.data().to_vec(),
            *contents.span(),
            contents.line(),
            contents.column(),
            contents.line_count(),
            contents.name().map(String::from),
        ))
    }

    #[test]
    fn indexed_reading_is_mietes_own_reading_for_every_span_and_context() {
        // Every kind of line end miette knows, blank lines, and no end at the end.
        let text = "{\n  \"a\": 1,\r\n\r\n  \"b\": [\r  2\n]\n\n}  ";
        let indexed = IndexedSource {
            name: "policy.json".to_owned(),
            text: Arc::new(text.to_owned()),
            line_starts: line_starts_of(text),
            first_line: 0,
            column_shift: 0,
        };
        let named = miette::NamedSource::new("policy.json", text.to_owned()).with_language("json");
        let mut compared = 0;
        // Spans inside the text, as findings' are (miette's own reading panics
        // on some past its end).
        for offset in 0..=text.len() {
            for length in 0..=4.min(text.len() - offset) {
                for before in 0..=3 {
                    for after in 0..=3 {
                        let span = SourceSpan::new(offset.into(), length);
                        let expected = reading(&named, span, before, after);
                        assert_eq!(
                            reading(&indexed, span, before, after),
                            expected,
                            "span {offset}+{length}, {before} lines before, {after} after"
                        );
                        compared += usize::from(expected.is_some());
                    }
                }
            }
        }
        assert!(compared > 1000);
    }

    #[test]
    fn an_excerpt_shows_its_label_under_the_true_line_and_column() {
        // A short first line, then one long line of records with accents in it.
        let records: String = (0..40).map(|n| format!("{{\"n\":\"é{n:03}\"}},")).collect();
        let text = format!("[\n{records}{{\"n\":\"target\"}}]\n");
        let start = text.find("\"target\"").unwrap_or_default();
        let span = Span::new(start, start + "\"target\"".len());
        let (source, label) = excerpt("page.json".to_owned(), &text, &line_starts_of(&text), span);
        let excerpt_text = source.text.as_str();
        assert_eq!(&excerpt_text[label.clone()], "\"target\"");
        assert!(excerpt_text.starts_with('\u{2026}'), "{excerpt_text}");
        assert!(excerpt_text.ends_with("\"target\"}]"), "{excerpt_text}");
        assert!(excerpt_text.len() <= EXCERPT_CONTEXT + "\"target\"}]".len() + 4);
        let reading = source
            .read_span(&SourceSpan::new(label.start.into(), label.len()), 0, 0)
            .unwrap_or_else(|error| panic!("{error}"));
        // miette's line and column (bytes) of the span in the whole file.
        assert_eq!(reading.line(), 1);
        assert_eq!(reading.column(), start - 2);
        assert_eq!(reading.name(), Some("page.json"));
    }

    #[test]
    fn an_excerpt_clips_a_long_label_and_keeps_characters_whole() {
        let text = format!("{}é{}", "a".repeat(59), "b".repeat(600));
        // A label from the accent to the end: the excerpt starts at the line's
        // start and shows only the first bytes of the label.
        let span = Span::new(59, text.len());
        let (source, label) = excerpt("long.json".to_owned(), &text, &line_starts_of(&text), span);
        let excerpt_text = source.text.as_str();
        assert!(!excerpt_text.starts_with('\u{2026}'), "{excerpt_text}");
        assert!(excerpt_text.ends_with('\u{2026}'), "{excerpt_text}");
        assert!(excerpt_text[label.clone()].starts_with('é'));
        assert!(label.len() <= LONGEST_LABEL_SHOWN);
        assert_eq!(source.column_shift, 0);
        // An offset inside the accent is taken back to its first byte.
        let (inside_source, inside) = excerpt(
            "long.json".to_owned(),
            &text,
            &line_starts_of(&text),
            Span::new(60, 70),
        );
        assert!(inside_source.text[inside].starts_with('é'));
    }

    #[test]
    fn line_starts_follow_every_kind_of_line_end() {
        assert_eq!(&*line_starts_of("a\nb\r\nc\rd"), &[0, 2, 5, 7]);
        assert_eq!(&*line_starts_of(""), &[0]);
        assert_eq!(&*line_starts_of("\r\n\n"), &[0, 2, 3]);
    }
}
