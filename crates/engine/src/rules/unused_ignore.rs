//! `unused-ignore`: an ignore in `preflight.toml` that matched no finding.

use preflight_parser::SourceLocation;

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label};
use crate::fingerprint::fingerprint;
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// An `[[ignore]]` entry in `preflight.toml` that silenced no finding in this
    /// run: the conflict it was written for is gone, a policy was renamed, or the
    /// entry never matched (a typo in a policy name).
    ///
    /// ## Why it matters
    /// Stale ignores pile up and hide the next real problem: an ignore for a
    /// policy pair that no longer conflicts will silently swallow a new conflict
    /// between the same policies on another setting.
    ///
    /// ## Example
    /// ```toml
    /// [[ignore]]
    /// rule = "conflicting-setting"
    /// policies = ["Win - Defender - Baseline", "Win - Dev Exceptions (old name)"]
    /// reason = "approved in CAB-1234"
    /// ```
    /// after the second policy was renamed.
    ///
    /// ## How to fix
    /// Delete the entry, or correct the rule, policy names or setting it names.
    pub struct UnusedIgnore {
        name: "unused-ignore",
        default_severity: Info,
        summary: "an ignore in the configuration matched no finding",
        after_ignores: true,
    }
}

impl Rule for UnusedIgnore {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let (Some(usage), Some(config_file)) = (context.ignore_use(), context.config_file) else {
            return;
        };
        for (ignore, uses) in context.config.ignores.iter().zip(usage) {
            if *uses > 0 {
                continue;
            }
            let location = SourceLocation {
                file: config_file,
                span: ignore.span,
            };
            let mut parts = vec![ignore.rule.as_str()];
            parts.extend(ignore.policies.iter().map(String::as_str));
            parts.extend(ignore.setting.as_deref());
            findings.push(Finding {
                rule: Self::METADATA.name,
                severity: Self::METADATA.default_severity,
                message: format!("this ignore of `{}` matched no finding", ignore.rule),
                help: Some("remove it, or correct the policy names or setting it names".to_owned()),
                file: Some(config_file),
                labels: vec![Label {
                    location,
                    message: "matches nothing".into(),
                }],
                setting: None,
                policies: Vec::new(),
                overlap: None,
                fingerprint: fingerprint(Self::METADATA.name, parts),
            });
        }
    }
}
