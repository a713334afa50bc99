use super::{Cx, Rule, RuleMeta, Sts, replicas};
use crate::finding::Severity;
use crate::model::path::{pvc as pvc_path, sts as p};
use crate::model::quantity::parse_nanos;

pub static META: RuleMeta = RuleMeta {
    id: "volume-claim-size-drift",
    severity: Severity::Warning,
    summary: "a PVC `<template>-<statefulset>-<ordinal>` requests a different size than its volumeClaimTemplate",
    why: "volumeClaimTemplates cannot be edited in place, so PVCs are usually resized directly and \
          the template is left behind (or the other way round). The manifest then lies about the \
          storage, new replicas get the old size, and a later edit of the template is refused by \
          the API server.",
    bad: r#"apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data-pg-0
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 20Gi
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: pg
spec:
  selector:
    matchLabels: {app: pg}
  template:
    metadata:
      labels: {app: pg}
    spec:
      containers:
      - name: pg
        image: postgres:16
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 10Gi
"#,
    good: r#"apiVersion: v1
kind: Service
metadata: {name: pg}
spec:
  clusterIP: None
  selector: {app: pg}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data-pg-0}
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 10Gi}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: pg}
spec:
  serviceName: pg
  selector:
    matchLabels: {app: pg}
  template:
    metadata:
      labels: {app: pg}
    spec:
      containers:
      - name: pg
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

pub struct VolumeClaimSizeDrift;

impl Rule for VolumeClaimSizeDrift {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let spec = &s.sts.spec;
        let n = u64::try_from(replicas(s.sts)).unwrap_or(0);
        for (t, tpl) in spec.volume_claim_templates.iter().flatten().enumerate() {
            let Some(tname) = tpl.metadata.name.as_deref() else {
                continue;
            };
            let Some(want) = tpl
                .spec
                .as_ref()
                .and_then(|sp| sp.resources.as_ref())
                .and_then(|r| r.requests.as_ref())
                .and_then(|r| r.get("storage"))
            else {
                continue;
            };
            let Some(want_n) = parse_nanos(&want.0) else {
                continue;
            };
            let mut drifted = Vec::new();
            let prefix = format!("{tname}-{}", s.obj.name);
            for (i, pvc_id, pvc) in cx.index.claims(&s.obj.namespace, &prefix, n) {
                if let Some(have) = &pvc.storage
                    && parse_nanos(have).is_some_and(|h| h != want_n)
                {
                    drifted.push((pvc_id, format!("{prefix}-{i}"), have.clone()));
                }
            }
            if drifted.is_empty() {
                continue;
            }
            let list: Vec<String> = drifted
                .iter()
                .map(|(_, n, q)| format!("{n} ({q})"))
                .collect();
            let mut r = cx
                .report(
                    s.id,
                    p::claim_template_storage(t),
                    format!(
                        "volumeClaimTemplate `{tname}` requests {} but {} PVC{} differ{}: {}",
                        want.0,
                        drifted.len(),
                        if drifted.len() == 1 { "" } else { "s" },
                        if drifted.len() == 1 { "s" } else { "" },
                        list.join(", ")
                    ),
                )
                .help(format!(
                    "The template cannot be edited in place. To resize: patch each PVC to the new size (its StorageClass needs allowVolumeExpansion), wait for the resize, then `kubectl delete statefulset {} --cascade=orphan` and re-apply with the new template size.",
                    s.obj.name
                ));
            for (pvc_id, name, q) in drifted {
                r = r.related(
                    pvc_id,
                    pvc_path::storage(),
                    format!("PVC `{name}` requests {q}"),
                );
            }
        }
    }
}
