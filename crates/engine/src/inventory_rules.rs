//! Evaluates dynamic membership rules and assignment filter rules on inventory
//! records, with each rule parsed once and cached.

use preflight_normalizer::{Device, Filter, User};

/// What a rule says about one device or user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleVerdict {
    /// The record satisfies the rule.
    Matches,
    /// The record does not satisfy the rule.
    DoesNotMatch,
    /// The rule is about the other kind of object (a `user.` rule on a device).
    NotApplicable,
    /// The rule cannot be evaluated on the record (it does not parse, or needs a
    /// property the record lacks).
    Unknown,
}

/// Parsed rules, shared by the whole run.
#[derive(Debug, Default)]
pub struct InventoryRules {}

impl InventoryRules {
    /// A dynamic group rule on a device.
    pub fn group_rule_on_device(&self, _rule: &str, _device: &Device) -> RuleVerdict {
        RuleVerdict::Unknown
    }

    /// A dynamic group rule on a user.
    pub fn group_rule_on_user(&self, _rule: &str, _user: &User) -> RuleVerdict {
        RuleVerdict::Unknown
    }

    /// An assignment filter on a device.
    pub fn filter_on_device(&self, _filter: &Filter, _device: &Device) -> RuleVerdict {
        RuleVerdict::Unknown
    }
}
