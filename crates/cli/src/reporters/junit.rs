//! JUnit XML, for CI systems that show test reports: one test suite per file
//! with findings, one failing test case per finding; a passing test case when
//! there is nothing to report, so the report is never empty.

use std::collections::BTreeMap;
use std::io::{self, Write};

use preflight_engine::{Finding, Report};
use preflight_normalizer::Tenant;

use crate::reporters::primary_place;

/// Escapes text for XML attributes and content.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters, even escaped.
            character if character.is_control() && !matches!(character, '\n' | '\t') => {
                escaped.push('\u{FFFD}');
            }
            character => escaped.push(character),
        }
    }
    escaped
}

/// A finding with its 1-based line and column, when it has a place.
type PlacedFinding<'a> = (&'a Finding, Option<(u32, u32)>);

/// Writes `report` as a JUnit XML document.
pub fn write(output: &mut dyn Write, tenant: &Tenant, report: &Report) -> io::Result<()> {
    let mut by_file: BTreeMap<&str, Vec<PlacedFinding<'_>>> = BTreeMap::new();
    for finding in &report.findings {
        let place = primary_place(tenant, finding);
        let path = place.as_ref().map_or("(no file)", |place| place.path);
        let position = place
            .and_then(|place| place.range)
            .map(|(start, _)| (start.line, start.column));
        by_file.entry(path).or_default().push((finding, position));
    }
    let total = report.findings.len();
    writeln!(output, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        output,
        "<testsuites name=\"preflight\" tests=\"{}\" failures=\"{total}\">",
        total.max(1)
    )?;
    if by_file.is_empty() {
        writeln!(
            output,
            "  <testsuite name=\"preflight\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\">"
        )?;
        writeln!(
            output,
            "    <testcase name=\"no findings\" classname=\"preflight\"/>"
        )?;
        writeln!(output, "  </testsuite>")?;
    }
    for (path, findings) in &by_file {
        let path = escape(path);
        writeln!(
            output,
            "  <testsuite name=\"{path}\" tests=\"{count}\" failures=\"{count}\" errors=\"0\" skipped=\"0\">",
            count = findings.len()
        )?;
        for (finding, position) in findings {
            let (line, place) = match position {
                Some((line, column)) => (
                    format!(" line=\"{line}\""),
                    format!("{path}:{line}:{column}"),
                ),
                None => (String::new(), path.clone()),
            };
            writeln!(
                output,
                "    <testcase name=\"{rule}: {message}\" classname=\"{path}\" file=\"{path}\"{line}>",
                rule = finding.rule,
                message = escape(&finding.message),
            )?;
            writeln!(
                output,
                "      <failure type=\"{rule}\" message=\"{message}\">{severity} at {place}{help}</failure>",
                rule = finding.rule,
                message = escape(&finding.message),
                severity = finding.severity.name(),
                help = finding
                    .help
                    .as_deref()
                    .map(|help| format!("\n{}", escape(help)))
                    .unwrap_or_default(),
            )?;
            writeln!(output, "    </testcase>")?;
        }
        writeln!(output, "  </testsuite>")?;
    }
    writeln!(output, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_special_and_control_characters_are_escaped() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(escape("nul\0"), "nul\u{FFFD}");
    }
}
