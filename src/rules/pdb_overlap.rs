use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::Severity;
use crate::model::path::pdb;

pub static META: RuleMeta = RuleMeta {
    id: "pdb-overlap",
    severity: Severity::Error,
    summary: "more than one PodDisruptionBudget selects the same StatefulSet's pods",
    why: "The eviction API refuses to evict a pod covered by more than one PodDisruptionBudget \
          (`This pod has more than one PodDisruptionBudget, which the eviction subresource does not \
          support`), so node drains hang on these pods whatever the budgets say.",
    bad: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: db\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {app: db}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: all-databases\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {tier: data}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db, tier: data}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    good: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: db\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {app: db}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db, tier: data}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

pub struct PdbOverlap;

impl Rule for PdbOverlap {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let pdbs = &s.pdbs;
        let Some(&(first, _)) = pdbs.first() else {
            return;
        };
        let first_name = cx.index.object(first).name.clone();
        for &(other, _) in &pdbs[1..] {
            let name = cx.index.object(other).name.clone();
            cx.report(
                other,
                pdb::selector(),
                format!("PodDisruptionBudget `{name}` also selects the pods of StatefulSet `{}`: evictions of them fail", s.obj.name),
            )
            .help("Keep exactly one budget per pod: narrow this selector or remove one of the budgets.")
            .related(first, pdb::selector(), format!("`{first_name}` selects them too"));
        }
    }
}
