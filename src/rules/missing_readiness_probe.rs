use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::Severity;
use crate::model::path::container;

pub static META: RuleMeta = RuleMeta {
    id: "missing-readiness-probe",
    severity: Severity::Warning,
    summary: "a container of a StatefulSet has no readinessProbe",
    why: "With the default OrderedReady policy the next pod starts, and a rolling update moves on, as \
          soon as the previous pod counts as ready; without a probe that is the moment its process \
          starts, long before a database has replayed its log or joined its cluster. The headless \
          Service also publishes the pod's address before it can serve.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
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
          exec:
            command: [pg_isready, -U, postgres]
        volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql
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

pub struct MissingReadinessProbe;

impl Rule for MissingReadinessProbe {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let Some(pod) = s.sts.spec.template.spec.as_ref() else {
            return;
        };
        // Init containers cannot have readiness probes; sidecars (restartPolicy: Always) can, but
        // their readiness does not gate the pod's.
        for (i, c) in pod.containers.iter().enumerate() {
            if c.readiness_probe.is_none() {
                cx.report(
                    s.id,
                    container::at(false, i),
                    format!("container `{}` has no readinessProbe: it counts as ready as soon as it starts", c.name),
                )
                .help("Add a readinessProbe that passes only when the member can serve (pg_isready, a client ping, a health endpoint).");
            }
        }
    }
}
