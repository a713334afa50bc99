use super::{Cx, Rule, RuleMeta};
use crate::finding::{ObjId, Severity};
use crate::model::path::pdb;
use crate::model::{Object, Typed};

pub static META: RuleMeta = RuleMeta {
    id: "pdb-selects-nothing",
    severity: Severity::Warning,
    summary: "a PodDisruptionBudget selects no pod template of any workload in the set",
    why: "A budget whose selector matches no workload protects nothing: usually its labels drifted \
          from the StatefulSet's (a renamed app label, a chart's new naming) and the pods it was \
          written for can all be evicted at once. A budget without a selector selects no pods at all. \
          Workloads are StatefulSets, Deployments, ReplicaSets, DaemonSets, Jobs, CronJobs and Pods \
          in the same namespace, among the files of the run.",
    bad: r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: kafka
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app.kubernetes.io/name: kafka}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kafka
spec:
  selector:
    matchLabels: {app: kafka}
  template:
    metadata:
      labels: {app: kafka}
    spec:
      containers:
      - name: kafka
        image: apache/kafka:3.9.0
"#,
    good: r#"apiVersion: v1
kind: Service
metadata: {name: kafka}
spec:
  clusterIP: None
  selector: {app: kafka}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: kafka}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: kafka}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kafka}
spec:
  serviceName: kafka
  selector:
    matchLabels: {app: kafka}
  template:
    metadata:
      labels: {app: kafka}
    spec:
      containers:
      - name: kafka
        image: apache/kafka:3.9.0
        readinessProbe:
          tcpSocket: {port: 9092}
        volumeMounts:
        - name: data
          mountPath: /tmp/kraft-combined-logs
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 10Gi}
"#,
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

pub struct PdbSelectsNothing;

impl Rule for PdbSelectsNothing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, id: ObjId, obj: &Object, cx: &mut Cx<'_>) {
        let Typed::Pdb(p) = &obj.typed else { return };
        let selector = p.spec.as_ref().and_then(|s| s.selector.as_ref());
        let Some(selector) = selector else {
            cx.report(
                id,
                pdb::selector(),
                format!("PodDisruptionBudget `{}` has no selector: it selects no pods", obj.name),
            )
            .help("Add spec.selector.matchLabels with the pod template labels of the workload to protect.");
            return;
        };
        if cx
            .index
            .workloads_selected(&obj.namespace, selector)
            .is_empty()
        {
            let (at_most, why) = super::labels_evidence(&[obj]);
            cx.report(
                id,
                pdb::selector(),
                format!(
                    "PodDisruptionBudget `{}` selects the pods of no workload in namespace {}{why}",
                    obj.name,
                    super::namespace_shown(obj)
                ),
            )
            .at_most(at_most)
            .help("Match the selector to the pod template labels of the StatefulSet it protects (or lint the workload's manifest in the same run).");
        }
    }
}
