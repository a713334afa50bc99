use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::Severity;
use crate::model::path::meta;

pub static META: RuleMeta = RuleMeta {
    id: "name-too-long",
    severity: Severity::Error,
    summary: "a StatefulSet name is longer than 52 characters",
    why: "Each pod gets the label controller-revision-hash=<name>-<hash>, and a label value may not \
          exceed 63 characters. With a name over 52 characters the controller cannot create pods: the \
          StatefulSet is accepted and then sits at 0 ready replicas.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: payments-ledger-postgresql-primary-with-streaming-replicas
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
metadata: {name: payments-ledger-pg}
spec:
  clusterIP: None
  selector: {app: db}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: payments-ledger-pg}
spec:
  serviceName: payments-ledger-pg
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

pub struct NameTooLong;

/// Longest StatefulSet name whose controller-revision-hash label still fits.
const MAX: usize = 52;

impl Rule for NameTooLong {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let len = s.obj.name.chars().count();
        if len > MAX {
            cx.report(
                s.id,
                meta::name(),
                format!("StatefulSet name is {len} characters; over {MAX}, its pods can never be created"),
            )
            .help(format!("Shorten the name to {MAX} characters or fewer."));
        }
    }
}
