use super::{Cx, Rule, RuleMeta, Sts, replicas};
use crate::finding::{Applicability, Fix, FixOp, Severity};
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "partition-exceeds-replicas",
    severity: Severity::Warning,
    summary: "updateStrategy.rollingUpdate.partition is at least replicas: no pod will ever be updated",
    why: "A rolling update only replaces pods whose ordinal is at least the partition. A partition \
          left at or above the replica count (a canary that was never finished, or a scale-down) makes \
          every later change to the pod template a silent no-op: the StatefulSet reports the new \
          revision while every pod runs the old one.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  replicas: 3
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      partition: 3
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
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  updateStrategy:
    type: RollingUpdate
    rollingUpdate: {partition: 2}
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
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: db}
"#,
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

pub struct PartitionExceedsReplicas;

impl Rule for PartitionExceedsReplicas {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let n = replicas(s.sts);
        let partition = s
            .sts
            .spec
            .update_strategy
            .as_ref()
            .and_then(|u| u.rolling_update.as_ref())
            .and_then(|r| r.partition);
        let Some(partition) = partition else { return };
        if n < 1 || partition < n {
            return;
        }
        cx.report(
            s.id,
            p::partition(),
            format!("partition {partition} is not below replicas {n}: no pod of StatefulSet `{}` will be updated", s.obj.name),
        )
        .help("Lower the partition step by step to roll the update out, to 0 once the canary is verified.")
        .related(s.id, p::replicas(), format!("replicas: {n}"))
        .fix(canary(n));
    }
}

/// The first step of the rollout: the partition just below replicas, so
/// the pod with the highest ordinal is updated (a canary). Unsafe: it
/// starts replacing a pod.
fn canary(n: i32) -> Fix {
    let to = (n - 1).max(0);
    Fix::new(
        format!("set partition to {to}: update the last pod first"),
        Applicability::Unsafe,
    )
    .edit(p::partition(), FixOp::Set(to.into()))
}
