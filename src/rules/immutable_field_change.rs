use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use serde_json::Value;

use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::{ObjId, Severity};
use crate::model::path::{FieldPath, sts as p};
use crate::model::quantity::parse_nanos;
use crate::source::locate::Seg;

pub static META: RuleMeta = RuleMeta {
    id: "immutable-field-change",
    severity: Severity::Error,
    summary: "a StatefulSet's selector, serviceName, podManagementPolicy or volumeClaimTemplates differ from the baseline (`--baseline`), and the API server refuses such an update",
    why: "Only replicas, ordinals, template, updateStrategy, revisionHistoryLimit, \
          persistentVolumeClaimRetentionPolicy and minReadySeconds of a StatefulSet's spec can change: \
          the API server answers any other change with \"updates to statefulset spec for fields other \
          than ... are forbidden\", so the pull request merges and the deploy fails. The classic case \
          is raising a volumeClaimTemplate's storage size. Run with `--baseline origin/main` (or \
          `--baseline-dir` for rendered manifests) to compare each StatefulSet with the same object \
          at the base; the good example below is the baseline the bad one is compared with.",
    bad: r#"apiVersion: v1
kind: Service
metadata: {name: pg}
spec:
  clusterIP: None
  selector: {app: pg}
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
        image: postgres:16.4
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
        requests: {storage: 20Gi}
"#,
    good: r#"apiVersion: v1
kind: Service
metadata: {name: pg}
spec:
  clusterIP: None
  selector: {app: pg}
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
        image: postgres:16.4
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
    since: "0.2.0",
    needs_baseline: true,
    options: &[],
};

pub struct ImmutableFieldChange;

/// A value as JSON, with empty lists, maps and strings read as absent (the
/// API server compares specs semantically: nil and empty are equal).
fn json<T: serde::Serialize>(v: &T) -> Value {
    fn prune(v: Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .map(|(k, v)| (k, prune(v)))
                    .filter(|(_, v)| !empty(v))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.into_iter().map(prune).collect()),
            v => v,
        }
    }
    fn empty(v: &Value) -> bool {
        match v {
            Value::Null => true,
            Value::Object(m) => m.is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::String(s) => s.is_empty(),
            _ => false,
        }
    }
    let v = prune(serde_json::to_value(v).unwrap_or(Value::Null));
    if empty(&v) { Value::Null } else { v }
}

/// A short rendering of a value for a label.
fn show(v: &Value) -> String {
    let s = match v {
        Value::Null => "not set".to_owned(),
        Value::String(s) => format!("`{s}`"),
        v => format!("`{v}`"),
    };
    if s.chars().count() > 120 {
        let cut: String = s.chars().take(117).collect();
        format!("{cut}...`")
    } else {
        s
    }
}

fn storage(t: &PersistentVolumeClaim) -> Option<&str> {
    t.spec
        .as_ref()?
        .resources
        .as_ref()?
        .requests
        .as_ref()?
        .get("storage")
        .map(|q| q.0.as_str())
}

/// What the server compares of a claim template besides the storage
/// request, field by field: (path below the template, value).
fn template_fields(t: &PersistentVolumeClaim) -> Vec<(FieldPath, Value)> {
    let mut out = vec![
        (
            FieldPath::from_keys(&["metadata", "labels"]),
            json(&t.metadata.labels),
        ),
        (
            FieldPath::from_keys(&["metadata", "annotations"]),
            json(&t.metadata.annotations),
        ),
    ];
    if let Some(spec) = &t.spec {
        let mut spec = json(spec);
        if let Value::Object(m) = &mut spec {
            // Defaulted by the API server.
            if m.get("volumeMode") == Some(&Value::from("Filesystem")) {
                m.remove("volumeMode");
            }
            // The storage request is compared as a quantity, on its own.
            if let Some(Value::Object(req)) =
                m.get_mut("resources").and_then(|r| r.get_mut("requests"))
            {
                req.remove("storage");
            }
            let resources = m.remove("resources").map(|r| json(&r));
            for (k, v) in m.iter() {
                out.push((FieldPath::from_keys(&["spec", k]), v.clone()));
            }
            if let Some(r) = resources {
                out.push((FieldPath::from_keys(&["spec", "resources"]), r));
            }
        }
    }
    out
}

fn under(t: usize, rel: &FieldPath) -> FieldPath {
    let mut path = p::claim_template(t);
    path.0.extend(rel.segs().iter().cloned());
    path
}

impl ImmutableFieldChange {
    fn simple(
        &self,
        s: &Sts<'_>,
        cx: &mut Cx<'_>,
        before: ObjId,
        path: FieldPath,
        field: &str,
        (new, old): (Value, Value),
    ) {
        if new == old {
            return;
        }
        cx.report(
            s.id,
            path.clone(),
            format!(
                "{field} changed from {} to {}: the API server refuses this update of StatefulSet `{}`",
                show(&old),
                show(&new),
                s.obj.name,
            ),
        )
        .help(format!(
            "Keep the old {field}, or replace the StatefulSet: `kubectl delete statefulset {} --cascade=orphan` (the pods and PVCs stay), then apply the new manifest.",
            s.obj.name
        ))
        .related(before, path, format!("was {} at the baseline", show(&old)));
    }

    fn templates(&self, s: &Sts<'_>, cx: &mut Cx<'_>, before: ObjId, old: &StatefulSet) {
        let new_t: Vec<&PersistentVolumeClaim> =
            s.sts.spec.volume_claim_templates.iter().flatten().collect();
        let old_t: Vec<&PersistentVolumeClaim> =
            old.spec.volume_claim_templates.iter().flatten().collect();
        let name = |t: &PersistentVolumeClaim| t.metadata.name.clone().unwrap_or_default();
        for (o, ot) in old_t.iter().enumerate() {
            if !new_t.iter().any(|t| name(t) == name(ot)) {
                cx.report(
                    s.id,
                    p::claim_templates(),
                    format!(
                        "volumeClaimTemplate `{}` of StatefulSet `{}` was removed: the API server refuses this update",
                        name(ot),
                        s.obj.name
                    ),
                )
                .help("Keep the template; to stop using the volume, remove its volumeMounts from the pod template instead.")
                .related(before, p::claim_template_name(o), "defined here at the baseline");
            }
        }
        for (t, nt) in new_t.iter().enumerate() {
            let Some(o) = old_t.iter().position(|ot| name(ot) == name(nt)) else {
                cx.report(
                    s.id,
                    p::claim_template_name(t),
                    format!(
                        "volumeClaimTemplate `{}` is new to StatefulSet `{}`: the API server refuses this update",
                        name(nt),
                        s.obj.name
                    ),
                )
                .help(format!(
                    "Templates cannot be added in place: `kubectl delete statefulset {} --cascade=orphan` (the pods and PVCs stay), then apply the new manifest; existing pods get the new claim only when they are re-created.",
                    s.obj.name
                ));
                continue;
            };
            let ot = old_t[o];
            if o != t {
                cx.report(
                    s.id,
                    p::claim_template_name(t),
                    format!(
                        "volumeClaimTemplate `{}` moved from position {o} to {t}: the API server compares the list in order and refuses this update",
                        name(nt)
                    ),
                )
                .help("Keep the templates in their old order.")
                .related(before, p::claim_template_name(o), "here at the baseline");
            }
            self.storage(s, cx, before, (t, nt), (o, ot));
            let old_fields = template_fields(ot);
            let new_fields = template_fields(nt);
            let mut keys: Vec<&FieldPath> = new_fields.iter().map(|(k, _)| k).collect();
            keys.extend(
                old_fields
                    .iter()
                    .map(|(k, _)| k)
                    .filter(|k| !new_fields.iter().any(|(n, _)| n == *k)),
            );
            let value = |fields: &[(FieldPath, Value)], k: &FieldPath| {
                fields
                    .iter()
                    .find(|(f, _)| f == k)
                    .map_or(Value::Null, |(_, v)| v.clone())
            };
            for rel in keys {
                let dotted: Vec<String> = rel
                    .segs()
                    .iter()
                    .map(|seg| match seg {
                        Seg::Key(k) => k.clone(),
                        Seg::Index(i) => i.to_string(),
                    })
                    .collect();
                let field = format!(
                    "`{}` of volumeClaimTemplate `{}`",
                    dotted.join("."),
                    name(nt)
                );
                let pair = (value(&new_fields, rel), value(&old_fields, rel));
                self.simple(s, cx, before, under(t, rel), &field, pair);
            }
        }
    }

    fn storage(
        &self,
        s: &Sts<'_>,
        cx: &mut Cx<'_>,
        before: ObjId,
        (t, nt): (usize, &PersistentVolumeClaim),
        (o, ot): (usize, &PersistentVolumeClaim),
    ) {
        let (new, old) = (storage(nt), storage(ot));
        let same = match (new.and_then(parse_nanos), old.and_then(parse_nanos)) {
            (Some(a), Some(b)) => a == b,
            _ => new == old,
        };
        if same {
            return;
        }
        let tname = nt.metadata.name.as_deref().unwrap_or_default();
        let sts = &s.obj.name;
        let shown = |q: Option<&str>| q.map_or("no size".to_owned(), |q| q.to_owned());
        let grows = matches!(
            (new.and_then(parse_nanos), old.and_then(parse_nanos)),
            (Some(a), Some(b)) if a > b
        );
        let help = if grows {
            format!(
                "To grow the volumes: patch each PVC `{tname}-{sts}-<ordinal>` to {} (its StorageClass needs allowVolumeExpansion: true) and wait until the resize is done, then `kubectl delete statefulset {sts} --cascade=orphan` (the pods and PVCs stay) and apply the new manifest.",
                shown(new)
            )
        } else {
            format!(
                "Volumes cannot shrink: keep {}. A smaller volume means new PVCs and moving the data.",
                shown(old)
            )
        };
        cx.report(
            s.id,
            p::claim_template_storage(t),
            format!(
                "volumeClaimTemplate `{tname}` storage changed from {} to {}: the API server refuses this update",
                shown(old),
                shown(new)
            ),
        )
        .help(help)
        .related(
            before,
            p::claim_template_storage(o),
            format!("was {} at the baseline", shown(old)),
        );
    }
}

impl Rule for ImmutableFieldChange {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let Some((before, old)) = s.before else {
            return;
        };
        let (new_spec, old_spec) = (&s.sts.spec, &old.spec);
        self.simple(
            s,
            cx,
            before,
            p::selector(),
            "selector",
            (json(&new_spec.selector), json(&old_spec.selector)),
        );
        self.simple(
            s,
            cx,
            before,
            p::service_name(),
            "serviceName",
            (json(&new_spec.service_name), json(&old_spec.service_name)),
        );
        // OrderedReady is the default the API server fills in.
        let policy = |v: &Option<String>| Value::from(v.as_deref().unwrap_or("OrderedReady"));
        self.simple(
            s,
            cx,
            before,
            p::pod_management_policy(),
            "podManagementPolicy",
            (
                policy(&new_spec.pod_management_policy),
                policy(&old_spec.pod_management_policy),
            ),
        );
        self.templates(s, cx, before, old);
    }
}
