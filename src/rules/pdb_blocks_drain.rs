use super::{Cx, Rule, RuleMeta, Sts, pdb_budget, replicas};
use crate::finding::Severity;
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "pdb-blocks-drain",
    severity: Severity::Warning,
    summary: "a PodDisruptionBudget allows zero voluntary disruptions of a StatefulSet's pods",
    why: "With minAvailable >= replicas (or 100%), or maxUnavailable 0 (or 0%), the eviction API \
          refuses every eviction: `kubectl drain`, cluster autoscaler scale-downs and node upgrades \
          hang until someone deletes the budget by hand.",
    bad: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: db\nspec:\n  minAvailable: 3\n  selector:\n    matchLabels: {app: db}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  clusterIP: None\n  selector: {app: db}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  replicas: 3\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    good: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: db\nspec:\n  minAvailable: 2\n  selector:\n    matchLabels: {app: db}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  clusterIP: None\n  selector: {app: db}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  replicas: 3\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

pub struct PdbBlocksDrain;

impl Rule for PdbBlocksDrain {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let n = replicas(s.sts);
        if n < 1 {
            return;
        }
        let pdbs = &s.pdbs;
        for &(pdb_id, pdb) in pdbs {
            let Some(b) = pdb_budget(pdb, n) else {
                continue;
            };
            if b.keeps < i64::from(n) {
                continue;
            }
            let help = if n > 1 {
                "Set maxUnavailable: 1 so that drains evict one pod at a time.".to_owned()
            } else {
                "A single replica cannot be kept available through a drain: remove the budget or run more replicas.".to_owned()
            };
            cx.report(
                pdb_id,
                b.path,
                format!(
                    "{} allows no voluntary disruption of the {n} pods of StatefulSet `{}`: node drains hang",
                    b.shown, s.obj.name
                ),
            )
            .help(help)
            .related(s.id, p::replicas(), format!("replicas: {n}"));
        }
    }
}
