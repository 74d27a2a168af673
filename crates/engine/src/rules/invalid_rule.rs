//! `invalid-rule`: a dynamic group's membership rule or an assignment filter's
//! rule that does not parse, pointing at the offending text inside the rule.

use preflight_normalizer::Tenant;
use preflight_parser::rule_language::{RuleError, span_in_json_string};
use preflight_parser::{SourceLocation, Span};

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label};
use crate::fingerprint::fingerprint;
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// A dynamic group membership rule or an assignment filter rule that is not
    /// valid in its language: a syntax error (an unclosed quote or parenthesis, a
    /// missing operand), a property the language does not have (`device.osType`
    /// instead of `device.deviceOSType` in a group rule, `device.deviceOSType` in
    /// a filter, where the platform is the filter's own), an operator the language
    /// does not have, a regular expression that does not compile or is too large,
    /// or a rule longer than Entra ID accepts (3,072 characters). The finding
    /// points at the offending text inside the rule.
    ///
    /// ## Why it matters
    /// Entra ID and Intune refuse such a rule when the group or filter is saved,
    /// so the rollout step that depends on it cannot start. Until it is fixed,
    /// preflight cannot tell who is in the group or passes the filter: audiences
    /// through it are compared as "possibly" overlapping.
    ///
    /// ## Example
    /// `(device.deviceOSType -eq "Windows") and (device.deviceOSVersion -startsWith "10.0.2"`
    /// (the last parenthesis is missing) as a group rule, or
    /// `(device.manufacturer -eq "Dell Inc.") and (device.osType -eq "Windows")`
    /// as a filter rule (filters have no `osType`: a filter's platform is set on
    /// the filter itself).
    ///
    /// ## How to fix
    /// Correct the rule as the help says; Entra ID's rule builder (for groups) and
    /// the filter's rule preview (for filters) validate the syntax as well.
    pub struct InvalidRule {
        name: "invalid-rule",
        default_severity: Error,
        summary: "a dynamic group's or an assignment filter's rule is not valid",
    }
}

impl Rule for InvalidRule {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let tenant = context.tenant;
        let rules = context.inventory_rules();
        for (index, group) in tenant.groups.iter().enumerate() {
            let (Some(error), preflight_normalizer::GroupMembership::Dynamic { rule, rule_source }) =
                (rules.group_error(index), &group.membership)
            else {
                continue;
            };
            findings.push(finding(
                tenant,
                error,
                (rule, *rule_source),
                format!(
                    "the membership rule of group `{}` is not valid: {}",
                    group.name, error.message
                ),
                ["group", group.name.as_str(), error.message.as_str()],
            ));
        }
        for (index, filter) in tenant.filters.iter().enumerate() {
            let Some(error) = rules.filter_error(index) else {
                continue;
            };
            findings.push(finding(
                tenant,
                error,
                (&filter.rule, filter.rule_source),
                format!(
                    "the rule of filter `{}` is not valid: {}",
                    filter.name, error.message
                ),
                ["filter", filter.name.as_str(), error.message.as_str()],
            ));
        }
    }
}

fn finding(
    tenant: &Tenant,
    error: &RuleError,
    (rule, rule_source): (&str, SourceLocation),
    message: String,
    identity: [&str; 3],
) -> Finding {
    let location = SourceLocation {
        file: rule_source.file,
        span: span_in_file(tenant, rule, rule_source, error),
    };
    Finding {
        rule: InvalidRule::METADATA.name,
        severity: InvalidRule::METADATA.default_severity,
        message,
        help: error.help.clone(),
        file: Some(rule_source.file),
        labels: vec![Label {
            location,
            message: error.message.clone().into(),
        }],
        setting: None,
        policies: Vec::new(),
        overlap: None,
        fingerprint: fingerprint(InvalidRule::METADATA.name, identity),
    }
}

/// The error's range of the rule, as a range of the file the rule is written
/// in: through the JSON string literal's escapes when the rule is a JSON string,
/// offset from the start of the value when the value is the rule's text as is (a
/// plain YAML scalar), and the whole value otherwise.
fn span_in_file(
    tenant: &Tenant,
    rule: &str,
    rule_source: SourceLocation,
    error: &RuleError,
) -> Span {
    let start = rule_source.span.start as usize;
    let end = rule_source.span.end as usize;
    let Some(text) = tenant
        .file(rule_source.file)
        .and_then(|file| file.text.get(start..end))
    else {
        return rule_source.span;
    };
    if text.starts_with('"') {
        let file_text = tenant
            .file(rule_source.file)
            .map(|file| file.text.as_str())
            .unwrap_or_default();
        let range = span_in_json_string(file_text, start..end, error.span.clone());
        return Span::new(range.start, range.end);
    }
    if text == rule && error.span.end <= text.len() {
        return Span::new(start + error.span.start, start + error.span.end);
    }
    rule_source.span
}
