//! Human output: each finding as a miette report with labelled source snippets,
//! the related file of a two-policy finding shown as a related report, and a
//! one-line summary at the end. Secrets in the input are masked in every snippet.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use preflight_engine::{Finding, Label, Report, Severity};
use preflight_normalizer::Tenant;
use preflight_parser::{FileId, Span};

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
    let masked = MaskedSources::new(tenant);
    for finding in findings {
        let diagnostic = FindingDiagnostic::new(tenant, &masked, finding);
        let mut rendered = String::new();
        handler
            .render_report(&mut rendered, &diagnostic)
            .map_err(|error| io::Error::other(error.to_string()))?;
        writeln!(output, "{rendered}")?;
    }
    Ok(())
}

/// One file's part of a finding: its source and the labels in it.
struct FilePart {
    source: NamedSource<Arc<String>>,
    labels: Vec<LabeledSpan>,
}

/// The text of each input file as snippets may show it: a file holding secrets
/// (encrypted OMA-URI values, pre-shared keys, passwords) with each secret's text
/// replaced by `*`, byte for byte, so that every span and line stays where it was
/// and no secret reaches the output.
struct MaskedSources {
    masked: BTreeMap<FileId, Arc<String>>,
}

impl MaskedSources {
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
        Self { masked }
    }

    fn text(&self, tenant: &Tenant, file: FileId) -> Option<Arc<String>> {
        match self.masked.get(&file) {
            Some(text) => Some(text.clone()),
            None => tenant.file(file).map(|source| source.text.clone()),
        }
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
        masked: &MaskedSources,
        finding: &Finding,
        file: FileId,
        labels: &[&Label],
    ) -> Option<Self> {
        let source_file = tenant.file(file)?;
        let text = masked.text(tenant, file)?;
        let source = NamedSource::new(source_file.display_path.clone(), text).with_language("json");
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
    fn new(tenant: &Tenant, masked: &MaskedSources, finding: &Finding) -> Self {
        // Group the labels by file, files in order of first appearance.
        let mut files: Vec<(FileId, Vec<&Label>)> = Vec::new();
        for label in &finding.labels {
            match files
                .iter_mut()
                .find(|(file, _)| *file == label.location.file)
            {
                Some((_, labels)) => labels.push(label),
                None => files.push((label.location.file, vec![label])),
            }
        }
        let mut parts = files
            .into_iter()
            .filter_map(|(file, labels)| FilePart::new(tenant, masked, finding, file, &labels));
        let mut message = finding.message.clone();
        let primary = parts.next();
        if primary.is_none()
            && let Some(file) = finding.file.and_then(|file| tenant.file(file))
        {
            message = format!("{}: {message}", file.display_path);
        }
        let mut related: Vec<RelatedPart> = parts
            .map(|part| RelatedPart {
                message: format!("and here, in `{}`", part.source.name()),
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
}
