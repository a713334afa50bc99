use super::{Cx, Rule, RuleMeta, Sts, replicas};
use crate::finding::Severity;
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "missing-pdb",
    severity: Severity::Warning,
    summary: "a StatefulSet with more than one replica has no PodDisruptionBudget selecting its pods",
    why: "Without a budget, a node drain, a cluster-autoscaler scale-down or a node pool upgrade may \
          evict several members at once: a replicated database loses its replicas together, a quorum \
          system its majority. A budget makes voluntary disruptions wait for the previous pod to be \
          ready again.",
    bad: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    good: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: db\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {app: db}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

pub struct MissingPdb;

impl Rule for MissingPdb {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let n = replicas(s.sts);
        if n < 2 {
            return;
        }
        if !s.pdbs.is_empty() {
            return;
        }
        cx.report(
            s.id,
            p::replicas(),
            format!("{n} replicas and no PodDisruptionBudget: a drain may evict several pods of StatefulSet `{}` at once", s.obj.name),
        )
        .help("Add a PodDisruptionBudget that selects the pod template labels, with maxUnavailable: 1.");
    }
}
