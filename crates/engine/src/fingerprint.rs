//! Stable finding fingerprints, built from what a finding is about (rule, setting
//! key, policies by family and name, file for input problems) and never from
//! where it is (line numbers, file order), so they survive reformatting, file
//! moves and unrelated edits. Used by baselines and SARIF `partialFingerprints`.

use preflight_normalizer::Policy;
use preflight_normalizer::stable_hash::StableHasher;

use crate::finding::Fingerprint;

/// The fingerprint of a finding of `rule` about `parts`, in the given order.
pub fn fingerprint<'part>(rule: &str, parts: impl IntoIterator<Item = &'part str>) -> Fingerprint {
    let mut hasher = StableHasher::default();
    hasher.add(rule);
    for part in parts {
        hasher.add(part);
    }
    Fingerprint(hasher.finish())
}

/// How a policy takes part in a fingerprint: its family and name. Ids are not
/// used because IntuneCD backups drop them.
pub fn policy_identity(policy: &Policy) -> String {
    format!("{}/{}", policy.family.name(), policy.name)
}

/// The keys under which two policies are one object: family and name, and the
/// Intune id when the export kept it.
pub fn object_keys(policy: &Policy) -> Vec<String> {
    let mut keys = vec![format!("name:{}", policy_identity(policy))];
    if let Some(id) = &policy.id {
        keys.push(format!("id:{}", id.0.to_ascii_lowercase()));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_order_sensitive() {
        let first = fingerprint("conflicting-setting", ["key", "a", "b"]);
        assert_eq!(first, fingerprint("conflicting-setting", ["key", "a", "b"]));
        assert_ne!(first, fingerprint("conflicting-setting", ["key", "b", "a"]));
        assert_ne!(first, fingerprint("duplicate-setting", ["key", "a", "b"]));
        assert_eq!(first.to_string().len(), 16);
    }
}
