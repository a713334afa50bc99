use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::Severity;
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "volume-claim-missing-storage",
    severity: Severity::Error,
    summary: "a volumeClaimTemplate has no resources.requests.storage or no accessModes",
    why: "The API server rejects a claim without a storage request or access modes, so the \
          StatefulSet's pods are never created, and because volumeClaimTemplates are immutable the \
          fix means deleting and re-creating the StatefulSet.",
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
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
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

pub struct VolumeClaimMissingStorage;

impl Rule for VolumeClaimMissingStorage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        for (t, tpl) in s
            .sts
            .spec
            .volume_claim_templates
            .iter()
            .flatten()
            .enumerate()
        {
            let name = tpl.metadata.name.as_deref().unwrap_or("");
            let spec = tpl.spec.as_ref();
            let no_modes = spec
                .and_then(|sp| sp.access_modes.as_ref())
                .is_none_or(Vec::is_empty);
            let storage = spec
                .and_then(|sp| sp.resources.as_ref())
                .and_then(|r| r.requests.as_ref())
                .and_then(|r| r.get("storage"));
            if storage.is_none() && no_modes {
                // One mistake, one diagnostic: the claim says neither.
                cx.report(
                    s.id,
                    p::claim_template(t).key("spec"),
                    format!("volumeClaimTemplate `{name}` has no accessModes and requests no storage: the API server rejects the claim"),
                )
                .help("Set spec.accessModes (usually `[ReadWriteOnce]`) and spec.resources.requests.storage (e.g. `storage: 10Gi`).");
                continue;
            }
            if storage.is_none() {
                cx.report(
                    s.id,
                    p::claim_template_storage(t),
                    format!("volumeClaimTemplate `{name}` requests no storage: the API server rejects the claim"),
                )
                .help("Set spec.resources.requests.storage, e.g. `storage: 10Gi`.");
            }
            if no_modes {
                cx.report(
                    s.id,
                    p::claim_template_access_modes(t),
                    format!("volumeClaimTemplate `{name}` has no accessModes: the API server rejects the claim"),
                )
                .help("Set spec.accessModes, usually `[ReadWriteOnce]` (or ReadWriteOncePod) for a StatefulSet.");
            }
        }
    }
}
