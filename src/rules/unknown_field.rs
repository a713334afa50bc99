use super::{Rule, RuleMeta};
use crate::finding::Severity;

pub static META: RuleMeta = RuleMeta {
    id: "unknown-field",
    severity: Severity::Warning,
    summary: "a key that the object's schema does not have (`volumeClaimTemplate`, `servicename`, `replica`)",
    why: "Unknown fields are dropped by the API server (or refused with server-side field validation), \
          so a misspelt `volumeClaimTemplate` silently means no storage and `servicename` no stable \
          network identity, while the manifest looks right to a reader.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  servicename: db
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

/// Reported while decoding; the rule exists for its metadata.
pub struct UnknownField;

impl Rule for UnknownField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
