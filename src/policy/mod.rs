//! Severities and the exit threshold. (Configuration files and suppression
//! build on this.)

use std::collections::HashMap;

use crate::finding::Severity;
use crate::rules;

#[derive(Debug, Clone)]
pub struct Policy {
    /// Per-rule overrides; `None` turns a rule off.
    pub overrides: HashMap<String, Option<Severity>>,
    pub fail_on: Severity,
    /// Per-rule options: rule id -> option name -> values.
    pub options: HashMap<String, HashMap<String, Vec<String>>>,
    /// `fixable:` in the config: the rules whose fixes may be applied
    /// (`None`: every rule).
    pub fixable: Option<Vec<String>>,
    /// `unfixable:`: rules whose fixes are never applied.
    pub unfixable: Vec<String>,
    /// The Kubernetes version the manifests are for.
    pub kubernetes: crate::kubernetes::Version,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            overrides: HashMap::new(),
            fail_on: Severity::Warning,
            options: HashMap::new(),
            fixable: None,
            unfixable: Vec::new(),
            kubernetes: crate::kubernetes::NEWEST,
        }
    }
}

impl Policy {
    /// Whether `--fix` may apply the fixes of `rule`.
    pub fn may_fix(&self, rule: &str) -> bool {
        self.fixable
            .as_ref()
            .is_none_or(|f| f.iter().any(|r| r == rule))
            && !self.unfixable.iter().any(|r| r == rule)
    }

    /// The severity a rule reports at, or `None` when it is off.
    pub fn severity(&self, rule: &str) -> Option<Severity> {
        if let Some(o) = self.overrides.get(rule) {
            return *o;
        }
        if crate::finding::policy_name(rule).is_some() {
            // A policy's findings carry the severity of their binding's
            // validationActions (`at_most`); a `rules:` entry can lower it
            // or turn the policy off.
            return Some(Severity::Error);
        }
        rules::find(rule).map(|r| r.meta().severity)
    }

    pub fn enabled(&self, rule: &str) -> bool {
        self.severity(rule).is_some()
    }

    /// True when a diagnostic of this severity fails the run.
    pub fn fails(&self, s: Severity) -> bool {
        s >= self.fail_on
    }
}

pub mod config;
pub mod scope;
pub mod suppress;

/// The known rule id closest to `id`, for did-you-mean suggestions.
pub fn suggest(id: &str) -> Option<&'static str> {
    crate::text::closest(id, rules::RULES.iter().map(|r| r.meta().id), |known| {
        known.len() / 3 + 1
    })
}
