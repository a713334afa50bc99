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
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  replicas: 3
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: postgres:16
"#,
    good: r#"apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: db}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: postgres:16
        readinessProbe:
          tcpSocket: {port: 5432}
        volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector:
                matchLabels: {app: db}
              topologyKey: kubernetes.io/hostname
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
