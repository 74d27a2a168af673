//! What every target asserts beyond "no panic": every location a problem, a
//! model object or a finding points at lies inside its file, on character
//! boundaries; and runs with different thread counts give the same findings.

use preflight_engine::Report;
use preflight_normalizer::Tenant;
use preflight_parser::{FileId, SourceFile, SourceLocation, Span};

fn check_span(files: &[SourceFile], file: FileId, span: Span, what: &str) {
    let Some(source) = files.get(file.index()) else {
        panic!("{what} points at file {file:?}, which does not exist");
    };
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(
        start <= end && end <= source.text.len(),
        "{what} span {start}..{end} outside `{}` ({} bytes)",
        source.display_path,
        source.text.len()
    );
    assert!(
        source.text.is_char_boundary(start) && source.text.is_char_boundary(end),
        "{what} span {start}..{end} not on character boundaries"
    );
    let _ = source.line_column(span.start);
}

fn check_location(files: &[SourceFile], location: SourceLocation, what: &str) {
    check_span(files, location.file, location.span, what);
}

/// Every location in the tenant: problems, policies, settings, assignments,
/// groups, filters, inventory.
pub fn check_tenant(tenant: &Tenant) {
    let files = &tenant.files;
    for problem in &tenant.problems {
        if let Some(span) = problem.span {
            check_span(files, problem.file, span, "a problem");
        }
    }
    for policy in &tenant.policies {
        check_location(files, policy.source, "a policy");
        for setting in &policy.settings {
            check_location(files, setting.source, "a setting");
        }
        for assignment in policy.assignments.iter().flatten() {
            check_location(files, assignment.source, "an assignment");
        }
    }
    for group in &tenant.groups {
        check_location(files, group.source, "a group");
        if let preflight_normalizer::GroupMembership::Dynamic { rule_source, .. } =
            &group.membership
        {
            check_location(files, *rule_source, "a membership rule");
        }
    }
    for filter in &tenant.filters {
        check_location(files, filter.source, "a filter");
        check_location(files, filter.rule_source, "a filter rule");
    }
    for device in &tenant.devices {
        check_location(files, device.source, "a device");
    }
    for user in &tenant.users {
        check_location(files, user.source, "a user");
    }
}

/// Every location a finding points at.
pub fn check_report(tenant: &Tenant, report: &Report) {
    for finding in &report.findings {
        if let Some(file) = finding.file {
            assert!(file.index() < tenant.files.len(), "a finding's file");
        }
        for label in &finding.labels {
            check_location(&tenant.files, label.location, finding.rule);
        }
        for policy in &finding.policies {
            check_location(&tenant.files, policy.location, finding.rule);
        }
    }
    let counted = report.summary.findings.error
        + report.summary.findings.warning
        + report.summary.findings.info;
    assert_eq!(counted, report.findings.len(), "summary counts");
}

/// What must not change between runs: each finding's rule, severity, message,
/// fingerprint, and overlap certainty, in order.
pub fn outcome(report: &Report) -> Vec<(String, String, String, u64, Option<&'static str>)> {
    report
        .findings
        .iter()
        .map(|finding| {
            (
                finding.rule.to_owned(),
                finding.severity.name().to_owned(),
                finding.message.clone(),
                finding.fingerprint.0,
                finding
                    .overlap
                    .as_ref()
                    .map(|overlap| overlap.certainty.name()),
            )
        })
        .collect()
}

/// A rayon pool of `threads` threads, for comparing runs.
pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap_or_else(|error| panic!("thread pool: {error}"))
}
