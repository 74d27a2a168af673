//! GitHub Actions workflow commands (`::error file=…,line=…,col=…::message`):
//! findings show as annotations on the pull request's changed lines.

use std::io::{self, Write};

use preflight_engine::{Report, Severity};
use preflight_normalizer::Tenant;

use crate::reporters::{primary_place, summary_line};

/// Escapes the message part of a workflow command.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Writes one workflow command per finding, then the summary as a notice.
pub fn write(output: &mut dyn Write, tenant: &Tenant, report: &Report) -> io::Result<()> {
    for finding in &report.findings {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut properties = Vec::new();
        if let Some(place) = primary_place(tenant, finding) {
            properties.push(format!("file={}", escape_property(place.path)));
            if let Some((start, end)) = place.range {
                properties.push(format!("line={}", start.line));
                properties.push(format!("col={}", start.column));
                properties.push(format!("endLine={}", end.line));
                properties.push(format!("endColumn={}", end.column));
            }
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("preflight {}", finding.rule))
        ));
        let mut message = finding.message.clone();
        if let Some(help) = &finding.help {
            message = format!("{message}\n{help}");
        }
        writeln!(
            output,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(&message)
        )?;
    }
    writeln!(
        output,
        "::notice title=preflight::{}",
        escape_data(&summary_line(&report.summary))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
