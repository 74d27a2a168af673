//! `duplicate-object`: the same policy read from two files.

use std::collections::BTreeMap;

use crate::context::AnalysisContext;
use crate::finding::{Finding, Label, PolicyEvidence};
use crate::fingerprint::{fingerprint, object_keys, policy_identity};
use crate::rules::{Rule, RuleMetadata, declare_rule};

declare_rule! {
    /// ## What it finds
    /// One policy present in two files: the same Intune id, or the same name in
    /// the same policy family. This happens when two exports of one tenant are
    /// checked together (an IntuneManagement export beside an admin center
    /// "Export JSON" of the same policy), or when a backup was copied.
    ///
    /// ## Why it matters
    /// Each copy is analyzed as a policy of its own, so every setting of the pair
    /// looks duplicated, and a copy edited in one place only looks like a
    /// conflict. Intune itself does not allow two policies of one family with
    /// one id.
    ///
    /// ## Example
    /// `IntuneManagement/SettingsCatalog/Win - Timezone.json` and
    /// `NativeImport/Win - Timezone.json` both define policy
    /// `57bf8b16-6539-4cfb-971c-cab04a3c1d1f`.
    ///
    /// ## How to fix
    /// Check only one export of each tenant, or remove the stale copy. Two
    /// different policies that share a name should be renamed: the admin center
    /// cannot tell them apart either.
    pub struct DuplicateObject {
        name: "duplicate-object",
        default_severity: Warning,
        summary: "one policy is defined in two files",
    }
}

impl Rule for DuplicateObject {
    fn metadata(&self) -> &'static RuleMetadata {
        &Self::METADATA
    }

    fn check(&self, context: &AnalysisContext<'_>, findings: &mut Vec<Finding>) {
        let policies = &context.tenant.policies;
        // The first policy seen with each identity key, in file order.
        let mut first_with: BTreeMap<String, usize> = BTreeMap::new();
        for (index, policy) in policies.iter().enumerate() {
            let earlier = object_keys(policy)
                .into_iter()
                .filter_map(|key| match first_with.get(&key) {
                    Some(first) => Some(*first),
                    None => {
                        first_with.insert(key, index);
                        None
                    }
                })
                .min();
            let Some(first) = earlier else {
                continue;
            };
            let original = &policies[first];
            if original.source.file == policy.source.file {
                continue;
            }
            let same_id = original.id.is_some() && original.id == policy.id;
            let what = if same_id { "id" } else { "name and family" };
            findings.push(Finding {
                rule: Self::METADATA.name,
                severity: Self::METADATA.default_severity,
                message: format!("`{}` is defined twice (same {what})", policy.name),
                help: Some("check one export of each tenant, or remove the stale copy".to_owned()),
                file: Some(policy.source.file),
                labels: vec![
                    Label {
                        location: policy.source,
                        message: "defined here".into(),
                    },
                    Label {
                        location: original.source,
                        message: "and first here".into(),
                    },
                ],
                setting: None,
                policies: vec![
                    PolicyEvidence::of_policy(original),
                    PolicyEvidence::of_policy(policy),
                ],
                overlap: None,
                fingerprint: fingerprint(Self::METADATA.name, [policy_identity(policy).as_str()]),
            });
        }
    }
}
