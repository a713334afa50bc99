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
    bad: r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: db
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: db}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: all-databases
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {tier: data}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  replicas: 3
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db, tier: data}
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
  selector: {app: db, tier: data}
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
      labels: {app: db, tier: data}
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
                matchLabels: {app: db, tier: data}
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
