use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::Severity;
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "pvc-retention-delete",
    severity: Severity::Info,
    summary: "persistentVolumeClaimRetentionPolicy deletes claims when the StatefulSet is deleted or scaled down",
    why: "With whenDeleted: Delete, deleting the StatefulSet (also by mistake, or by a tool that \
          re-creates it to change an immutable field) deletes every claim and, with the usual Delete \
          reclaim policy, the data. With whenScaled: Delete, scaling down deletes the claims of the \
          removed ordinals. Retain is the default for a reason.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  persistentVolumeClaimRetentionPolicy:
    whenDeleted: Delete
    whenScaled: Retain
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
  persistentVolumeClaimRetentionPolicy:
    whenDeleted: Retain
    whenScaled: Retain
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

pub struct PvcRetentionDelete;

impl Rule for PvcRetentionDelete {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let Some(policy) = &s.sts.spec.persistent_volume_claim_retention_policy else {
            return;
        };
        let fields = [
            (
                "whenDeleted",
                &policy.when_deleted,
                "deleting the StatefulSet deletes every claim",
            ),
            (
                "whenScaled",
                &policy.when_scaled,
                "scaling down deletes the claims of the removed pods",
            ),
        ];
        for (field, value, what) in fields {
            if value.as_deref() == Some("Delete") {
                cx.report(
                    s.id,
                    p::retention(field),
                    format!("{field}: Delete: {what}, and with them the data"),
                )
                .help(
                    "Use Retain unless losing this data is intended; back it up first either way.",
                );
            }
        }
    }
}
