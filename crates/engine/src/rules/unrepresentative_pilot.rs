//! `unrepresentative-pilot`: a rollout's pilot lacks kinds of devices its
//! enterprise audience holds (with an inventory), or its groups' rules exclude
//! kinds of devices the enterprise audience's rules admit (without one).
//!
//! The pilot is every group up to the last pilot phase, the enterprise audience
//! every group of every phase; both are the rollout's policies assigned to those
//! groups (their exclusions and platforms kept), so a Windows policy's enterprise
//! audience never holds an iOS device. The finding belongs to the last pilot phase
//! ([`reported_phase`]), where its label points.
//!
//! From the rules, a kind is reported only when the decision procedure proves it:
//! some device of that kind satisfies the enterprise audience's formula (a checked
//! example), and no device of that kind can satisfy the pilot's. A pilot of static
//! groups, whose members nothing is known of, is never reported from the rules.

use std::collections::BTreeMap;

use fixedbitset::FixedBitSet;
use preflight_normalizer::plan::{PhaseGroup, PhaseKind, RolloutPlan};
use preflight_normalizer::{InventoryValue, Platform, Policy, Tenant};
use preflight_parser::rule_language::{Attribute, Operand, Operator};

use crate::audience_logic::{DEFAULT_BUDGET, Decision, Formula, Literal, Test, decide};
use crate::context::AnalysisContext;
use crate::finding::{Finding, Label};
use crate::fingerprint::fingerprint;
use crate::inventory_rules::os_types;
use crate::rollout::{assigned, rollout_policies};
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// With a rollout plan (`check --plan`, `preflight plan`): the pilot (every
    /// group up to the last pilot phase) against the enterprise audience (every
    /// group of every phase), both bounded by the platforms of the rollout's
    /// policies. With an inventory, each platform, OS build, ownership and
    /// enrollment profile present in the enterprise audience but absent from the
    /// pilot is named, with how many enterprise devices have it. Without one, the
    /// groups' rules decide: each platform, OS version range, ownership and
    /// enrollment profile the enterprise audience's rules admit but the pilot's
    /// rules exclude is named. `preflight plan` reports it in the last pilot phase.
    ///
    /// ## Why it matters
    /// A pilot exists to meet problems on a few devices before they reach many.
    /// A kind of device the pilot does not hold meets the rollout for the first
    /// time in an enterprise wave: a Windows 10 build, personal devices, kiosks
    /// enrolled with their own profile. That is where the help-desk calls come from.
    ///
    /// ## Example
    /// The pilot group holds only Windows 11 corporate laptops; wave 2 adds 40
    /// devices on `10.0.19045` and 12 personal devices. Or, from the rules: the
    /// pilot is the dynamic group `(device.deviceOSType -eq "Windows") and
    /// (device.deviceOSVersion -startsWith "10.0.22")` while the enterprise wave
    /// is `(device.deviceOSType -eq "Windows")`, which admits Windows 10 too.
    ///
    /// ## How to fix
    /// Add a few devices of each missing kind to the pilot groups, or widen the
    /// pilot's rules. Only what the rules prove missing is reported: a pilot of
    /// static groups without an inventory is never reported.
    pub struct UnrepresentativePilot {
        name: "unrepresentative-pilot",
        default_severity: Warning,
        summary: "a rollout's pilot lacks kinds of devices its enterprise audience holds",
    }
}

/// The rule's name.
pub(crate) const NAME: &str = UnrepresentativePilot::METADATA.name;

/// The phase the finding belongs to and points at: the last pilot phase, when an
/// enterprise phase follows it.
pub(crate) fn reported_phase(plan: &RolloutPlan) -> Option<usize> {
    let last_pilot = plan
        .phases
        .iter()
        .rposition(|phase| phase.kind == PhaseKind::Pilot)?;
    (last_pilot + 1 < plan.phases.len()).then_some(last_pilot)
}

/// A kind of device the pilot misses.
#[derive(Clone, Debug, PartialEq, Eq)]
struct MissingKind {
    /// What it is, e.g. "OS version not starting with `10.0.22`".
    description: String,
    /// With an inventory: how many enterprise devices have it.
    devices: Option<usize>,
    /// From the rules: an example value the enterprise audience admits.
    example: Option<String>,
}

impl MissingKind {
    fn text(&self) -> String {
        match (self.devices, &self.example) {
            (Some(1), _) => format!("{} (1 device in the enterprise audience)", self.description),
            (Some(count), _) => format!(
                "{} ({count} devices in the enterprise audience)",
                self.description
            ),
            (None, Some(example)) => format!("{} (for example `{example}`)", self.description),
            (None, None) => self.description.clone(),
        }
    }
}

impl Rule for UnrepresentativePilot {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let Some(plan) = context.plan else {
            return;
        };
        let Some(last_pilot) = reported_phase(plan) else {
            return;
        };
        let tenant = context.tenant;
        let groups_until = |end: usize| -> Vec<&PhaseGroup> {
            plan.phases[..=end]
                .iter()
                .flat_map(|phase| phase.groups.iter())
                .collect()
        };
        let phase = &plan.phases[last_pilot];
        let policies = audience_policies(tenant, plan, phase.source);
        let pilot_policies: Vec<Policy> = policies
            .iter()
            .map(|policy| assigned(tenant, policy, &groups_until(last_pilot)))
            .collect();
        let enterprise_policies: Vec<Policy> = policies
            .iter()
            .map(|policy| assigned(tenant, policy, &groups_until(plan.phases.len() - 1)))
            .collect();

        let (missing, help) = match (
            devices_of(context, &pilot_policies),
            devices_of(context, &enterprise_policies),
        ) {
            (Some(pilot), Some(enterprise)) => (
                missing_from_inventory(tenant, &pilot, &enterprise),
                format!(
                    "add devices of each missing kind to the pilot groups; the pilot reaches {} devices, the whole rollout {}",
                    pilot.count_ones(..),
                    enterprise.count_ones(..)
                ),
            ),
            _ => (
                missing_from_rules(
                    &audience_formula(context, &pilot_policies),
                    &audience_formula(context, &enterprise_policies),
                ),
                "add devices of each missing kind to the pilot groups, or widen their rules; decided from the groups' rules, as no inventory says who is in them"
                    .to_owned(),
            ),
        };
        if missing.is_empty() {
            return;
        }
        let listed: Vec<String> = missing.iter().map(MissingKind::text).collect();
        let message = if missing[0].devices.is_some() {
            format!(
                "the pilot does not represent the enterprise audience: it has no device with {}",
                listed.join(", ")
            )
        } else {
            format!(
                "the pilot does not represent the enterprise audience: its rules admit no device with {}, which the enterprise audience's rules admit",
                listed.join(", ")
            )
        };
        findings.push(Finding {
            rule: Self::METADATA.name,
            severity: Self::METADATA.default_severity,
            message,
            help: Some(help),
            file: Some(phase.source.file),
            labels: vec![Label {
                location: phase.source,
                message: "the last pilot phase".into(),
            }],
            setting: None,
            policies: Vec::new(),
            overlap: None,
            fingerprint: fingerprint(
                Self::METADATA.name,
                [plan.name.as_str(), phase.name.as_str()],
            ),
        });
    }
}

/// The rollout's policies as the tenant holds them; when the plan names none
/// that is known, one policy with no platform and no exclusion stands for them.
fn audience_policies(
    tenant: &Tenant,
    plan: &RolloutPlan,
    source: preflight_parser::SourceLocation,
) -> Vec<Policy> {
    let known: Vec<Policy> = rollout_policies(tenant, plan)
        .into_iter()
        .map(|index| tenant.policies[index].clone())
        .collect();
    if !known.is_empty() {
        return known;
    }
    vec![Policy {
        id: None,
        name: plan.name.as_str().into(),
        family: preflight_normalizer::PolicyFamily::SettingsCatalog,
        platforms: Vec::new(),
        settings: Vec::new(),
        assignments: Some(Vec::new()),
        source,
    }]
}

/// The devices `policies` reach together; `None` without an inventory or when
/// some membership is unknown.
fn devices_of(context: &AnalysisContext<'_>, policies: &[Policy]) -> Option<FixedBitSet> {
    let tenant = context.tenant;
    let graph = context.target_graph();
    let mut devices = FixedBitSet::with_capacity(tenant.devices.len());
    for policy in policies {
        let reach =
            context
                .audiences()
                .reach_of(tenant, graph, context.inventory_rules(), policy)?;
        devices.union_with(reach.devices());
    }
    Some(devices)
}

/// (attribute, value) → how many of `devices` have it.
fn kinds(tenant: &Tenant, devices: &FixedBitSet) -> BTreeMap<(&'static str, String), usize> {
    let mut kinds = BTreeMap::new();
    for index in devices.ones() {
        let device = &tenant.devices[index];
        let text = |names: &[&str]| -> Option<String> {
            names
                .iter()
                .find_map(|name| match device.properties.get(name) {
                    Some(InventoryValue::String(text)) if !text.trim().is_empty() => {
                        Some(text.to_string())
                    }
                    _ => None,
                })
        };
        let mut add = |attribute: &'static str, value: Option<String>| {
            if let Some(value) = value {
                *kinds.entry((attribute, value)).or_insert(0) += 1;
            }
        };
        add(
            "platform",
            device.platform.map(|platform| platform.name().to_owned()),
        );
        add(
            "OS build",
            text(&["osVersion", "operatingSystemVersion"])
                .map(|version| version.split('.').take(3).collect::<Vec<_>>().join(".")),
        );
        add(
            "ownership",
            text(&["managedDeviceOwnerType", "deviceOwnership"]).map(|owner| {
                match owner.to_ascii_lowercase().as_str() {
                    "company" | "corporate" => "corporate".to_owned(),
                    other => other.to_owned(),
                }
            }),
        );
        add("enrollment profile", text(&["enrollmentProfileName"]));
    }
    kinds
}

/// The kinds of the enterprise devices that no pilot device has.
fn missing_from_inventory(
    tenant: &Tenant,
    pilot: &FixedBitSet,
    enterprise: &FixedBitSet,
) -> Vec<MissingKind> {
    let pilot_kinds = kinds(tenant, pilot);
    kinds(tenant, enterprise)
        .into_iter()
        .filter(|(kind, _)| !pilot_kinds.contains_key(kind))
        .map(|((attribute, value), count)| MissingKind {
            description: format!("{attribute} `{value}`"),
            devices: Some(count),
            example: None,
        })
        .collect()
}

/// Who `policies` reach together, as a formula over their groups' rules.
fn audience_formula(context: &AnalysisContext<'_>, policies: &[Policy]) -> Formula {
    let formulas = context.audience_formulas();
    let includes: Vec<Formula> = policies
        .iter()
        .flat_map(|policy| {
            formulas
                .include_parts(context.tenant, context.inventory_rules(), policy)
                .into_iter()
                .map(|parts| parts.whole())
        })
        .collect();
    match includes.len() {
        0 => Formula::False,
        1 => includes.into_iter().next().unwrap_or(Formula::False),
        _ => Formula::Or(includes),
    }
}

/// A kind of device to look for, as a formula, and how to name it.
struct Candidate {
    formula: Formula,
    description: String,
    /// For OS versions: a narrower kind whose example is a telling version
    /// (just below or at a bound the pilot tests), to show as an example.
    example: Option<Formula>,
}

fn literal(attribute: Attribute, operator: Operator, operand: Operand, positive: bool) -> Formula {
    Formula::Literal(Literal {
        attribute,
        test: Test::Text(operator, operand),
        positive,
    })
}

/// The kinds the enterprise formula admits and the pilot formula is proved to
/// exclude, in a fixed order: platforms, OS versions, ownership, enrollment
/// profiles.
fn missing_from_rules(pilot: &Formula, enterprise: &Formula) -> Vec<MissingKind> {
    let mut missing = Vec::new();
    for candidates in [
        platform_candidates(),
        open_candidates(Attribute::OsVersion, "OS version", pilot, enterprise),
        ownership_candidates(),
        open_candidates(
            Attribute::EnrollmentProfileName,
            "enrollment profile",
            pilot,
            enterprise,
        ),
    ] {
        // Kinds of one attribute already reported: a later candidate is reported
        // only for enterprise devices they do not already cover.
        let mut reported: Vec<Formula> = Vec::new();
        for candidate in candidates {
            let uncovered = Formula::all(vec![
                enterprise.clone(),
                candidate.formula.clone(),
                Formula::Or(reported.clone()).negated(),
            ]);
            let Decision::Possible { .. } = decide(&uncovered, &Formula::True, DEFAULT_BUDGET)
            else {
                continue;
            };
            if decide(pilot, &candidate.formula, DEFAULT_BUDGET) != Decision::Disjoint {
                continue;
            }
            let telling = candidate.example.as_ref().and_then(|narrower| {
                match decide(
                    &Formula::all(vec![uncovered.clone(), narrower.clone()]),
                    &Formula::True,
                    DEFAULT_BUDGET,
                ) {
                    Decision::Possible { example, .. } => version_of(&example),
                    _ => None,
                }
            });
            missing.push(MissingKind {
                description: candidate.description,
                devices: None,
                example: telling,
            });
            reported.push(candidate.formula);
        }
    }
    missing
}

/// One candidate per platform: its OS types.
fn platform_candidates() -> Vec<Candidate> {
    [
        Platform::Windows,
        Platform::MacOs,
        Platform::Ios,
        Platform::Android,
        Platform::Linux,
    ]
    .into_iter()
    .map(|platform| Candidate {
        formula: Formula::os_type_in(os_types(platform)),
        description: format!("platform `{}`", platform.name()),
        example: None,
    })
    .collect()
}

/// Corporate and personal devices.
fn ownership_candidates() -> Vec<Candidate> {
    ["corporate", "personal"]
        .into_iter()
        .map(|ownership| Candidate {
            formula: literal(
                Attribute::Ownership,
                Operator::Equals,
                Operand::Text(ownership.to_owned()),
                true,
            ),
            description: format!("ownership `{ownership}`"),
            example: None,
        })
        .collect()
}

/// For an open attribute (OS version, enrollment profile): what the formulas
/// test it for. Each test the enterprise formula makes is a kind (devices that
/// pass it), then each test the pilot formula makes gives one (devices with a
/// value that fails it).
fn open_candidates(
    attribute: Attribute,
    name: &str,
    pilot: &Formula,
    enterprise: &Formula,
) -> Vec<Candidate> {
    let is_set = literal(attribute.clone(), Operator::Equals, Operand::Null, false);
    let mut candidates = Vec::new();
    let mut seen: Vec<(Operator, Operand, bool)> = Vec::new();
    for (formula, positive) in [(enterprise, true), (pilot, false)] {
        for (operator, operand) in tests_of(formula, &attribute) {
            let key = (operator, operand.clone(), positive);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let Some(description) = describe_test(name, operator, &operand, positive) else {
                continue;
            };
            // A version below a bound the test excludes reads better than any
            // text that fails the test.
            let example = match (&attribute, &operand, positive) {
                (Attribute::OsVersion, Operand::Text(bound), false) => {
                    version_below(bound).map(|below| {
                        literal(
                            attribute.clone(),
                            Operator::Equals,
                            Operand::Text(below),
                            true,
                        )
                    })
                }
                _ => None,
            };
            candidates.push(Candidate {
                formula: Formula::all(vec![
                    is_set.clone(),
                    literal(attribute.clone(), operator, operand, positive),
                ]),
                description,
                example,
            });
        }
    }
    candidates
}

/// A dotted number below `version`, its last non-zero part lowered by one
/// (`10.0.22` → `10.0.21`, `10.0` → `9.0`); `None` for a text that is not a
/// dotted number, or for zero.
fn version_below(version: &str) -> Option<String> {
    let mut parts: Vec<u64> = version
        .split('.')
        .map(|part| part.parse::<u64>().ok())
        .collect::<Option<_>>()?;
    let last = parts.iter().rposition(|part| *part > 0)?;
    parts[last] -= 1;
    Some(
        parts
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// The OS version of an example, when it is a dotted number.
fn version_of(example: &preflight_parser::rule_language::Attributes) -> Option<String> {
    match example.get(&Attribute::OsVersion) {
        Some(preflight_parser::rule_language::AttributeValue::Text(text))
            if !text.is_empty()
                && text.split('.').all(|part| {
                    !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit())
                }) =>
        {
            Some(text.clone())
        }
        _ => None,
    }
}

/// The text tests (positive operator, operand) `formula` makes of `attribute`,
/// in the order met.
fn tests_of(formula: &Formula, attribute: &Attribute) -> Vec<(Operator, Operand)> {
    let mut tests = Vec::new();
    collect_tests(formula, attribute, &mut tests);
    tests
}

fn collect_tests(formula: &Formula, attribute: &Attribute, tests: &mut Vec<(Operator, Operand)>) {
    match formula {
        Formula::True | Formula::False => {}
        Formula::Literal(literal) => {
            if &literal.attribute == attribute
                && let Test::Text(operator, operand) = &literal.test
                && matches!(operand, Operand::Text(_) | Operand::List(_))
                && !tests.contains(&(*operator, operand.clone()))
            {
                tests.push((*operator, operand.clone()));
            }
        }
        Formula::And(parts) | Formula::Or(parts) => {
            for part in parts {
                collect_tests(part, attribute, tests);
            }
        }
    }
}

/// "OS version starting with `10.0.22`", or with `positive` false "OS version
/// not starting with `10.0.22`"; `None` for tests not worth naming.
fn describe_test(
    name: &str,
    operator: Operator,
    operand: &Operand,
    positive: bool,
) -> Option<String> {
    let value = match operand {
        Operand::Text(text) => format!("`{text}`"),
        Operand::List(items) => items
            .iter()
            .map(|item| format!("`{item}`"))
            .collect::<Vec<_>>()
            .join(", "),
        _ => return None,
    };
    let test = match (operator, positive) {
        (Operator::Equals, true) => value,
        (Operator::Equals, false) => format!("other than {value}"),
        (Operator::StartsWith, true) => format!("starting with {value}"),
        (Operator::StartsWith, false) => format!("not starting with {value}"),
        (Operator::EndsWith, true) => format!("ending with {value}"),
        (Operator::EndsWith, false) => format!("not ending with {value}"),
        (Operator::Contains, true) => format!("containing {value}"),
        (Operator::Contains, false) => format!("not containing {value}"),
        (Operator::In, true) => format!("one of {value}"),
        (Operator::In, false) => format!("none of {value}"),
        (Operator::AtLeast, true) => format!("{value} or later"),
        (Operator::AtLeast, false) => format!("earlier than {value}"),
        (Operator::AtMost, true) => format!("{value} or earlier"),
        (Operator::AtMost, false) => format!("later than {value}"),
        (other, true) => format!("passing `{}` {value}", other.text()),
        (other, false) => format!("failing `{}` {value}", other.text()),
    };
    Some(format!("{name} {test}"))
}

#[cfg(test)]
mod tests {
    use preflight_normalizer::plan::{Phase, PlannedPolicy};
    use preflight_normalizer::{Group, GroupId, GroupMembership, GroupOrigin, PolicyFamily};
    use preflight_parser::{FileId, SourceLocation, Span};

    use super::*;
    use crate::Config;

    fn location() -> SourceLocation {
        SourceLocation {
            file: FileId(0),
            span: Span::default(),
        }
    }

    /// A dynamic group (with a rule) or a static one.
    fn group(name: &str, rule: Option<&str>) -> Group {
        Group {
            id: GroupId(name.to_owned()),
            name: name.to_owned(),
            membership: rule.map_or(GroupMembership::Static, |rule| GroupMembership::Dynamic {
                rule: rule.to_owned(),
                rule_source: location(),
            }),
            members: None,
            transitive_members: None,
            origin: GroupOrigin::Directory,
            source: location(),
        }
    }

    fn phase(name: &str, kind: PhaseKind, groups: &[&str]) -> Phase {
        Phase {
            name: name.to_owned(),
            kind,
            groups: groups
                .iter()
                .map(|group| PhaseGroup {
                    name: (*group).to_owned(),
                    source: location(),
                })
                .collect(),
            isolated: false,
            source: location(),
        }
    }

    const WINDOWS: &str = r#"(device.deviceOSType -eq "Windows")"#;
    const WINDOWS_11: &str =
        r#"(device.deviceOSType -eq "Windows") and (device.deviceOSVersion -startsWith "10.0.22")"#;

    /// The rule's message over a tenant of `groups` and one policy of
    /// `platforms`, with a pilot of `pilot` and an enterprise wave of `wave`.
    fn message(
        groups: &[(&str, Option<&str>)],
        platforms: &[Platform],
        pilot: &[&str],
        wave: &[&str],
    ) -> Option<String> {
        let mut groups: Vec<Group> = groups
            .iter()
            .map(|(name, rule)| group(name, *rule))
            .collect();
        groups.sort_by(|left, right| left.id.cmp(&right.id));
        let tenant = Tenant {
            groups,
            policies: vec![Policy {
                id: None,
                name: "Win - Device Lock - Hardened".into(),
                family: PolicyFamily::SettingsCatalog,
                platforms: platforms.to_vec(),
                settings: Vec::new(),
                assignments: None,
                source: location(),
            }],
            ..Tenant::default()
        };
        let plan = RolloutPlan {
            name: "rollout".to_owned(),
            policies: vec![PlannedPolicy {
                reference: "Win - Device Lock - Hardened".to_owned(),
                source: location(),
            }],
            phases: vec![
                phase("Pilot", PhaseKind::Pilot, pilot),
                phase("Wave", PhaseKind::Enterprise, wave),
            ],
            file: FileId(0),
        };
        let config = Config::default();
        let mut context = AnalysisContext::new(&tenant, &config, None);
        context.plan = Some(&plan);
        let mut findings = Vec::new();
        UnrepresentativePilot.check(&context, &mut findings);
        assert!(findings.len() <= 1, "{findings:#?}");
        findings.pop().map(|finding| finding.message)
    }

    #[test]
    fn rules_prove_what_the_pilot_misses() {
        let reported = message(
            &[("Windows 11", Some(WINDOWS_11)), ("Windows", Some(WINDOWS))],
            &[Platform::Windows],
            &["Windows 11"],
            &["Windows"],
        );
        assert_eq!(
            reported.as_deref(),
            Some(
                "the pilot does not represent the enterprise audience: its rules admit no device with OS version not starting with `10.0.22` (for example `10.0.21`), which the enterprise audience's rules admit"
            )
        );
    }

    #[test]
    fn an_enterprise_wave_of_another_build_is_named_once() {
        let reported = message(
            &[
                ("Windows 11", Some(WINDOWS_11)),
                (
                    "Windows 10",
                    Some(
                        r#"(device.deviceOSType -eq "Windows") and (device.deviceOSVersion -startsWith "10.0.19")"#,
                    ),
                ),
            ],
            &[Platform::Windows],
            &["Windows 11"],
            &["Windows 10"],
        );
        assert_eq!(
            reported.as_deref(),
            Some(
                "the pilot does not represent the enterprise audience: its rules admit no device with OS version starting with `10.0.19`, which the enterprise audience's rules admit"
            ),
            "the pilot's own test, negated, covers no enterprise device the wave's test does not"
        );
    }

    #[test]
    fn ownership_and_enrollment_profiles_are_named() {
        let reported = message(
            &[
                (
                    "Corporate Windows",
                    Some(
                        r#"(device.deviceOSType -eq "Windows") and (device.deviceOwnership -eq "Company") and (device.enrollmentProfileName -ne "Kiosk")"#,
                    ),
                ),
                ("Windows", Some(WINDOWS)),
            ],
            &[Platform::Windows],
            &["Corporate Windows"],
            &["Windows"],
        );
        assert_eq!(
            reported.as_deref(),
            Some(
                "the pilot does not represent the enterprise audience: its rules admit no device with ownership `personal`, enrollment profile `kiosk`, which the enterprise audience's rules admit"
            )
        );
    }

    #[test]
    fn the_policy_platform_bounds_both_audiences() {
        let groups = [("Windows", Some(WINDOWS))];
        assert_eq!(
            message(
                &groups,
                &[Platform::Windows],
                &["Windows"],
                &["All devices"]
            ),
            None,
            "a Windows policy never reaches the other platforms All devices holds"
        );
        assert_eq!(
            message(&groups, &[], &["Windows"], &["All devices"]).as_deref(),
            Some(
                "the pilot does not represent the enterprise audience: its rules admit no device with platform `macOS`, platform `iOS/iPadOS`, platform `Android`, platform `Linux`, which the enterprise audience's rules admit"
            ),
            "a policy of every platform reaches them"
        );
    }

    #[test]
    fn nothing_unproved_is_reported() {
        for (name, pilot_rule) in [
            ("a static pilot group, whose members are unknown", None),
            (
                "a pilot rule that does not parse",
                Some("(device.deviceOSType -eq"),
            ),
        ] {
            assert_eq!(
                message(
                    &[("Pilot", pilot_rule), ("Windows", Some(WINDOWS))],
                    &[Platform::Windows],
                    &["Pilot"],
                    &["Windows"],
                ),
                None,
                "{name}"
            );
        }
        assert_eq!(
            message(
                &[("Windows 11", Some(WINDOWS_11))],
                &[Platform::Windows],
                &["Windows 11"],
                &["Windows 11"],
            ),
            None,
            "a pilot that is the whole enterprise audience"
        );
    }

    #[test]
    fn the_finding_belongs_to_the_last_pilot_phase() {
        let plan = |kinds: &[PhaseKind]| RolloutPlan {
            name: "rollout".to_owned(),
            policies: Vec::new(),
            phases: kinds
                .iter()
                .map(|kind| phase("phase", *kind, &[]))
                .collect(),
            file: FileId(0),
        };
        use PhaseKind::{Enterprise, Pilot, ProofOfConcept};
        assert_eq!(reported_phase(&plan(&[Pilot, Pilot, Enterprise])), Some(1));
        assert_eq!(
            reported_phase(&plan(&[ProofOfConcept, Pilot, Enterprise, Enterprise])),
            Some(1)
        );
        assert_eq!(
            reported_phase(&plan(&[Pilot])),
            None,
            "no enterprise phase follows"
        );
        assert_eq!(reported_phase(&plan(&[ProofOfConcept, Enterprise])), None);
    }

    #[test]
    fn versions_just_below() {
        assert_eq!(version_below("10.0.22").as_deref(), Some("10.0.21"));
        assert_eq!(version_below("10.0").as_deref(), Some("9.0"));
        assert_eq!(version_below("0.0"), None);
        assert_eq!(version_below("ten"), None);
    }
}
