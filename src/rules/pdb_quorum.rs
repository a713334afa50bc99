use super::{Cx, Rule, RuleMeta, Sts, majority, pdb_budget, replicas};
use crate::finding::Severity;
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "pdb-quorum",
    severity: Severity::Warning,
    summary: "a PodDisruptionBudget lets a StatefulSet of 3 or more replicas drop below a majority",
    why: "Quorum systems (etcd, ZooKeeper, Kafka KRaft controllers, Consul, CockroachDB) stop \
          accepting writes when fewer than a majority, floor(n/2)+1, of members are up. A budget that \
          allows more evictions than n - majority lets a routine node drain take the cluster down. \
          Percentages round up, as the disruption controller computes them.",
    bad: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: zk\nspec:\n  maxUnavailable: 2\n  selector:\n    matchLabels: {app: zk}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: zk\nspec:\n  clusterIP: None\n  selector: {app: zk}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: zk\nspec:\n  serviceName: zk\n  replicas: 3\n  selector:\n    matchLabels: {app: zk}\n  template:\n    metadata:\n      labels: {app: zk}\n    spec:\n      containers:\n      - name: zk\n        image: zookeeper:3.9\n",
    good: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: zk\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels: {app: zk}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: zk\nspec:\n  clusterIP: None\n  selector: {app: zk}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: zk\nspec:\n  serviceName: zk\n  replicas: 3\n  selector:\n    matchLabels: {app: zk}\n  template:\n    metadata:\n      labels: {app: zk}\n    spec:\n      containers:\n      - name: zk\n        image: zookeeper:3.9\n",
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

pub struct PdbQuorum;

impl Rule for PdbQuorum {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let n = replicas(s.sts);
        if n < 3 {
            return;
        }
        let need = majority(i64::from(n));
        let pdbs = &s.pdbs;
        for &(pdb_id, pdb) in pdbs {
            let Some(b) = pdb_budget(pdb, n) else {
                continue;
            };
            if b.keeps >= need {
                continue;
            }
            let keeps = b.keeps.max(0);
            cx.report(
                pdb_id,
                b.path,
                format!(
                    "{} keeps only {keeps} of {n} pods of StatefulSet `{}` available; a majority needs {need}",
                    b.shown, s.obj.name
                ),
            )
            .help(format!(
                "Set minAvailable to {need} or maxUnavailable to {}.",
                i64::from(n) - need
            ))
            .related(s.id, p::replicas(), format!("replicas: {n}"));
        }
    }
}
