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
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            overrides: HashMap::new(),
            fail_on: Severity::Warning,
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
