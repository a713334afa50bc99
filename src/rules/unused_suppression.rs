use super::{Rule, RuleMeta};
use crate::finding::Severity;

pub static META: RuleMeta = RuleMeta {
    id: "unused-suppression",
    severity: Severity::Warning,
    summary: "a suppression (annotation or comment) silences nothing, or names an unknown rule",
    why: "Suppressions outlive the problems they were written for. One that silences nothing hides \
          nothing today but will silently hide the next real problem of that kind on that object or \
          line; one with a misspelt rule id never worked.",
    bad: "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  clusterIP: None\n  selector: {app: db}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n  annotations:\n    stslint.io/ignore: \"pdb-quorum -- the budget is managed elsewhere\"\nspec:\n  serviceName: db\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    good: "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  clusterIP: None\n  selector: {app: db}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

/// Reported by the suppression stage; the rule exists for its metadata.
pub struct UnusedSuppression;

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
