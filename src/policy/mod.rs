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
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            overrides: HashMap::new(),
            fail_on: Severity::Warning,
            options: HashMap::new(),
        }
    }
}

impl Policy {
    /// The severity a rule reports at, or `None` when it is off.
    pub fn severity(&self, rule: &str) -> Option<Severity> {
        if let Some(o) = self.overrides.get(rule) {
            return *o;
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
    rules::RULES
        .iter()
        .map(|r| r.meta().id)
        .map(|known| (edit_distance(id, known), known))
        .filter(|(d, known)| *d <= known.len() / 3 + 1)
        .min()
        .map(|(_, known)| known)
}

/// Levenshtein distance.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
