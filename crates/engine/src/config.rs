//! preflight's configuration (`preflight.toml`): the typed model and its parser.
//!
//! Parsing is a pure function of the text, keeping the byte span of every entry
//! so that a mistake, or an ignore that matches nothing, points into the file.
//! Finding and reading the file is the CLI's job.
//!
//! ```toml
//! fail-on = "warning"
//!
//! [rules]
//! duplicate-setting = "off"
//!
//! [input]
//! exclude = ["archive/**"]
//! max-file-size = 67108864   # bytes; files over it are reported and skipped
//! max-files = 100000         # files read at most; the rest are reported
//!
//! [[ignore]]
//! rule = "conflicting-setting"
//! policies = ["Win - Defender Antivirus - Baseline", "Win - Developer Workstations - Defender Exceptions"]
//! reason = "developer exception approved in change CAB-1234"
//! ```

use std::collections::BTreeMap;

use preflight_parser::Span;
use serde::Deserialize;
use toml::Spanned;

use crate::finding::{Finding, Severity};
use crate::rules::find_rule;

/// A rule's configured level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleLevel {
    /// The rule does not run.
    Off,
    /// Every finding of the rule gets this severity.
    Severity(Severity),
}

/// An ignore: findings it matches are not reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ignore {
    /// The rule whose findings are ignored.
    pub rule: String,
    /// Display names of policies that must all be involved in the finding.
    pub policies: Vec<String>,
    /// A setting (key or name) the finding must be about.
    pub setting: Option<String>,
    /// Why; required.
    pub reason: String,
    /// Where the ignore is written in the configuration file.
    pub span: Span,
}

impl Ignore {
    /// Whether `finding` is one this ignore silences.
    pub fn matches(&self, finding: &Finding) -> bool {
        self.matches_parts(
            finding.rule,
            finding
                .setting
                .as_ref()
                .map(|setting| (setting.key.0.as_str(), setting.name.as_str())),
            &finding
                .policies
                .iter()
                .map(|policy| &*policy.name)
                .collect::<Vec<_>>(),
        )
    }

    /// Whether this ignore silences what `rule` says about the setting with
    /// `setting`'s key and name (when about a setting) among `policies` (display
    /// names): the setting rules ask it of each pair of policies before grouping
    /// pairs into findings.
    pub fn matches_parts(
        &self,
        rule: &str,
        setting: Option<(&str, &str)>,
        policies: &[&str],
    ) -> bool {
        rule == self.rule
            && self
                .policies
                .iter()
                .all(|name| policies.contains(&name.as_str()))
            && self.setting.as_ref().is_none_or(|wanted| {
                setting.is_some_and(|(key, name)| key == wanted || name == wanted)
            })
    }
}

/// The configuration of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Exit with status 1 when a finding is at least this severe (`None`: the CLI's default).
    pub fail_on: Option<Severity>,
    /// Per-rule levels, by rule name.
    pub rule_levels: BTreeMap<String, RuleLevel>,
    /// Ignores, in file order.
    pub ignores: Vec<Ignore>,
    /// Which files under the checked directories are input.
    pub input: InputSelection,
    /// Sets of groups that by design never share a member.
    pub exclusive: Vec<ExclusiveGroups>,
}

/// Groups that, by the planner's design, never share a member (rollout rings,
/// regions). preflight treats assignments to two of them as disjoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExclusiveGroups {
    /// Group display names (or ids).
    pub groups: Vec<String>,
    /// Where the set is written in the configuration file.
    pub span: Span,
}

impl Config {
    /// Whether the design declares groups `first` and `second` (each given by
    /// id and display name) never to share a member.
    pub fn declared_exclusive(&self, first: (&str, &str), second: (&str, &str)) -> bool {
        let names = |set: &ExclusiveGroups, (id, name): (&str, &str)| {
            set.groups
                .iter()
                .any(|listed| listed == id || listed == name)
        };
        first != second
            && self
                .exclusive
                .iter()
                .any(|set| names(set, first) && names(set, second))
    }
}

/// Glob patterns, relative to the configuration file's directory, that select
/// the input files found while walking directories.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InputSelection {
    /// Only files matching one of these are read (empty: every file).
    pub include: Vec<String>,
    /// Files matching one of these are not read.
    pub exclude: Vec<String>,
    /// Files larger than this many bytes are reported and not read (`max-file-size`).
    pub max_file_size: Option<u64>,
    /// At most this many files are read (`max-files`).
    pub max_files: Option<usize>,
}

/// A mistake in the configuration file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    /// One lowercase line.
    pub message: String,
    /// Where, when known.
    pub span: Option<Span>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<RawIgnore>>,
    #[serde(default)]
    input: RawInput,
    #[serde(default)]
    exclusive: Vec<Spanned<RawExclusive>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExclusive {
    groups: Vec<String>,
    #[serde(default)]
    #[allow(
        dead_code,
        reason = "documentation for people reading the file; accepted, not used"
    )]
    reason: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawInput {
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    max_file_size: Option<Spanned<i64>>,
    max_files: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    rule: Spanned<String>,
    #[serde(default)]
    policies: Vec<String>,
    setting: Option<String>,
    reason: Option<String>,
}

fn span_of<T>(spanned: &Spanned<T>) -> Span {
    let range = spanned.span();
    Span::new(range.start, range.end)
}

fn parse_severity(word: &Spanned<String>, allow_off: bool) -> Result<RuleLevel, ConfigError> {
    match word.get_ref().as_str() {
        "error" => Ok(RuleLevel::Severity(Severity::Error)),
        "warning" => Ok(RuleLevel::Severity(Severity::Warning)),
        "info" => Ok(RuleLevel::Severity(Severity::Info)),
        "off" if allow_off => Ok(RuleLevel::Off),
        other => Err(ConfigError {
            message: format!(
                "expected {}, found `{other}`",
                if allow_off {
                    "`error`, `warning`, `info` or `off`"
                } else {
                    "`error`, `warning` or `info`"
                }
            ),
            span: Some(span_of(word)),
        }),
    }
}

fn known_rule(name: &Spanned<String>) -> Result<(), ConfigError> {
    if find_rule(name.get_ref()).is_some() {
        return Ok(());
    }
    Err(ConfigError {
        message: format!(
            "unknown rule `{}`; `preflight rules` lists them",
            name.get_ref()
        ),
        span: Some(span_of(name)),
    })
}

impl Config {
    /// Parses the text of a `preflight.toml`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|error| ConfigError {
            message: error.message().trim_end_matches('\n').to_owned(),
            span: error.span().map(|range| Span::new(range.start, range.end)),
        })?;
        let fail_on = match &raw.fail_on {
            None => None,
            Some(word) => match parse_severity(word, false)? {
                RuleLevel::Severity(severity) => Some(severity),
                RuleLevel::Off => None,
            },
        };
        let mut rule_levels = BTreeMap::new();
        for (name, level) in &raw.rules {
            known_rule(name)?;
            rule_levels.insert(name.get_ref().clone(), parse_severity(level, true)?);
        }
        let mut ignores = Vec::new();
        for entry in &raw.ignore {
            let span = span_of(entry);
            let ignore = entry.get_ref();
            known_rule(&ignore.rule)?;
            let reason = ignore
                .reason
                .clone()
                .filter(|reason| !reason.trim().is_empty())
                .ok_or_else(|| ConfigError {
                    message: "every ignore needs a `reason`".to_owned(),
                    span: Some(span),
                })?;
            if ignore.policies.is_empty() && ignore.setting.is_none() {
                return Err(ConfigError {
                    message: format!(
                        "this ignore names no `policies` and no `setting`; to turn `{}` off everywhere, write `{} = \"off\"` under `[rules]`",
                        ignore.rule.get_ref(),
                        ignore.rule.get_ref()
                    ),
                    span: Some(span),
                });
            }
            ignores.push(Ignore {
                rule: ignore.rule.get_ref().clone(),
                policies: ignore.policies.clone(),
                setting: ignore.setting.clone(),
                reason,
                span,
            });
        }
        let patterns = |globs: &[Spanned<String>]| -> Result<Vec<String>, ConfigError> {
            globs
                .iter()
                .map(|glob| {
                    if glob.get_ref().trim().is_empty() {
                        Err(ConfigError {
                            message: "an empty glob pattern matches nothing".to_owned(),
                            span: Some(span_of(glob)),
                        })
                    } else {
                        Ok(glob.get_ref().clone())
                    }
                })
                .collect()
        };
        let positive =
            |limit: &Option<Spanned<i64>>, what: &str| -> Result<Option<u64>, ConfigError> {
                let Some(limit) = limit else {
                    return Ok(None);
                };
                match u64::try_from(*limit.get_ref()) {
                    Ok(value) if value > 0 => Ok(Some(value)),
                    _ => Err(ConfigError {
                        message: format!(
                            "`{what}` must be a positive number, found `{}`",
                            limit.get_ref()
                        ),
                        span: Some(span_of(limit)),
                    }),
                }
            };
        let input = InputSelection {
            include: patterns(&raw.input.include)?,
            exclude: patterns(&raw.input.exclude)?,
            max_file_size: positive(&raw.input.max_file_size, "max-file-size")?,
            max_files: positive(&raw.input.max_files, "max-files")?
                .map(|files| usize::try_from(files).unwrap_or(usize::MAX)),
        };
        let mut exclusive = Vec::new();
        for entry in &raw.exclusive {
            let groups = entry.get_ref().groups.clone();
            if groups.len() < 2 {
                return Err(ConfigError {
                    message: "an exclusive set needs at least two groups".to_owned(),
                    span: Some(span_of(entry)),
                });
            }
            exclusive.push(ExclusiveGroups {
                groups,
                span: span_of(entry),
            });
        }
        Ok(Self {
            fail_on,
            rule_levels,
            ignores,
            input,
            exclusive,
        })
    }

    /// The configured level of `rule`, if any.
    pub fn level(&self, rule: &str) -> Option<RuleLevel> {
        self.rule_levels.get(rule).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_levels_ignores_and_fail_on() {
        let config = Config::parse(
            r#"
fail-on = "warning"
[rules]
duplicate-setting = "off"
conflicting-setting = "warning"
[[ignore]]
rule = "conflicting-setting"
policies = ["A", "B"]
reason = "approved"
"#,
        )
        .expect("valid");
        assert_eq!(config.fail_on, Some(Severity::Warning));
        assert_eq!(config.level("duplicate-setting"), Some(RuleLevel::Off));
        assert_eq!(
            config.level("conflicting-setting"),
            Some(RuleLevel::Severity(Severity::Warning))
        );
        assert_eq!(config.ignores.len(), 1);
        assert_eq!(config.ignores[0].policies, vec!["A", "B"]);
    }

    #[test]
    fn exclusive_sets_match_by_name_or_id() {
        let config = Config::parse(
            "[[exclusive]]\ngroups = [\"Ring 1\", \"Ring 2\", \"b0e1\"]\nreason = \"rings never overlap\"\n",
        )
        .expect("valid");
        assert!(config.declared_exclusive(("g1", "Ring 1"), ("g2", "Ring 2")));
        assert!(config.declared_exclusive(("g1", "Ring 1"), ("b0e1", "Ring 3 (renamed)")));
        assert!(
            !config.declared_exclusive(("g1", "Ring 1"), ("g1", "Ring 1")),
            "a group meets itself"
        );
        assert!(!config.declared_exclusive(("g1", "Ring 1"), ("g9", "Finance")));
        let error = Config::parse("[[exclusive]]\ngroups = [\"Ring 1\"]\n").expect_err("one group");
        assert!(error.message.contains("at least two"));
    }

    #[test]
    fn input_limits_are_read_and_checked() {
        let config =
            Config::parse("[input]\nmax-file-size = 1048576\nmax-files = 500\n").expect("valid");
        assert_eq!(config.input.max_file_size, Some(1_048_576));
        assert_eq!(config.input.max_files, Some(500));
        let text = "[input]\nmax-files = 0\n";
        let error = Config::parse(text).expect_err("zero files");
        assert!(
            error.message.contains("must be a positive number"),
            "{error:?}"
        );
        assert_eq!(error.span.map(|span| span.start as usize), text.find('0'));
    }

    #[test]
    fn mistakes_point_at_their_place() {
        let cases = [
            (
                "fail-on = \"never\"\n",
                "fail-on = ",
                "expected `error`, `warning` or `info`, found `never`",
            ),
            (
                "[rules]\nconflicting-settings = \"off\"\n",
                "conflicting-settings",
                "unknown rule `conflicting-settings`",
            ),
            (
                "[rules]\nduplicate-setting = \"loud\"\n",
                "\"loud\"",
                "found `loud`",
            ),
            ("colour = true\n", "colour", "unknown field `colour`"),
            (
                "[[ignore]]\nrule = \"conflicting-setting\"\npolicies = [\"A\"]\n",
                "[[ignore]]",
                "every ignore needs a `reason`",
            ),
            (
                "[[ignore]]\nrule = \"conflicting-setting\"\nreason = \"x\"\n",
                "[[ignore]]",
                "names no `policies` and no `setting`",
            ),
        ];
        for (text, at, message) in cases {
            let error = Config::parse(text).expect_err(text);
            assert!(error.message.contains(message), "{text}: {}", error.message);
            let span = error.span.expect("span");
            let expected_start =
                text.find(at).expect("marker") + if at == "fail-on = " { at.len() } else { 0 };
            assert_eq!(span.start as usize, expected_start, "{text}: {error:?}");
        }
    }
}
