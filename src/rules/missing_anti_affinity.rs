use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::{Cx, Rule, RuleMeta, Sts, replicas};
use crate::finding::Severity;
use crate::index::selector_matches;
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "missing-anti-affinity",
    severity: Severity::Warning,
    summary: "the pods of a StatefulSet with more than one replica are not spread (no podAntiAffinity or topologySpreadConstraints that selects them)",
    why: "Without anti-affinity or topology spread, the scheduler may put several members on one node \
          or in one zone, and losing that node takes down the replicas (or the quorum) together. An \
          anti-affinity term whose label selector does not match the StatefulSet's own pods spreads \
          nothing.",
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
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              topologyKey: kubernetes.io/hostname
              labelSelector:
                matchLabels: {app: database}
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
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              topologyKey: kubernetes.io/hostname
              labelSelector:
                matchLabels: {app: db}
      containers:
      - name: db
        image: postgres:16
        readinessProbe:
          tcpSocket: {port: 5432}
        volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql
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

pub struct MissingAntiAffinity;

impl Rule for MissingAntiAffinity {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let n = replicas(s.sts);
        if n < 2 {
            return;
        }
        let Some(pod) = s.sts.spec.template.spec.as_ref() else {
            return;
        };
        let anti = pod
            .affinity
            .as_ref()
            .and_then(|a| a.pod_anti_affinity.as_ref());
        let mut selectors: Vec<Option<&LabelSelector>> = Vec::new();
        if let Some(anti) = anti {
            for t in anti
                .required_during_scheduling_ignored_during_execution
                .iter()
                .flatten()
            {
                selectors.push(t.label_selector.as_ref());
            }
            for w in anti
                .preferred_during_scheduling_ignored_during_execution
                .iter()
                .flatten()
            {
                selectors.push(w.pod_affinity_term.label_selector.as_ref());
            }
        }
        let spread: Vec<Option<&LabelSelector>> = pod
            .topology_spread_constraints
            .iter()
            .flatten()
            .map(|t| t.label_selector.as_ref())
            .collect();
        let selects_own =
            |sel: &Option<&LabelSelector>| sel.is_some_and(|sel| selector_matches(sel, &s.labels));
        if selectors.iter().any(selects_own) || spread.iter().any(selects_own) {
            return;
        }
        if selectors.is_empty() && spread.is_empty() {
            cx.report(
                s.id,
                p::pod_spec(),
                format!("the {n} pods of StatefulSet `{}` may all be scheduled onto one node", s.obj.name),
            )
            .help("Add podAntiAffinity (preferred or required, topologyKey kubernetes.io/hostname) or a topologySpreadConstraint whose labelSelector matches the pod template labels.");
        } else {
            cx.report(
                s.id,
                if selectors.is_empty() { p::pod_spec().key("topologySpreadConstraints") } else { p::affinity() },
                format!("the spreading rules of StatefulSet `{}` do not select its own pods: they spread nothing", s.obj.name),
            )
            .help("Make the labelSelector match the pod template labels.")
            .related(s.id, p::template_labels(), "the pods carry these labels");
        }
    }
}
