//! Turns the parser's and normalizer's input problems of one kind into findings.

use preflight_parser::{InputProblemKind, SourceLocation};

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label};
use crate::fingerprint::fingerprint;
use crate::rules::RuleMetadata;

/// Appends a finding of `rule` for every input problem of `kind`.
pub fn report_input_problems(
    context: &AnalysisContext<'_>,
    kind: InputProblemKind,
    rule: &'static RuleMetadata,
    findings: &mut Vec<Finding>,
) {
    let tenant = context.tenant;
    for problem in tenant
        .problems
        .iter()
        .filter(|problem| problem.kind == kind)
    {
        let path = tenant
            .file(problem.file)
            .map_or("", |file| file.display_path.as_str());
        let labels = problem
            .span
            .map(|span| Label {
                location: SourceLocation {
                    file: problem.file,
                    span,
                },
                message: "here".into(),
            })
            .into_iter()
            .collect();
        findings.push(Finding {
            rule: rule.name,
            severity: rule.default_severity,
            message: problem.message.clone(),
            help: problem.help.clone(),
            file: Some(problem.file),
            labels,
            setting: None,
            policies: Vec::new(),
            overlap: None,
            fingerprint: fingerprint(rule.name, [path, problem.message.as_str()]),
        });
    }
}
