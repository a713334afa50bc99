use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::{ObjId, Severity};
use crate::kubernetes::{self as k8s, Feature};
use crate::model::path::{FieldPath, container, meta, sts as p};
use crate::model::{Object, Typed};

pub static META: RuleMeta = RuleMeta {
    id: "field-not-in-version",
    severity: Severity::Error,
    summary: "a field or value the target Kubernetes version does not have, or ignores while its feature gate is off",
    why: "A field newer than the cluster is rejected by kubectl's strict validation as an unknown \
          field (other clients drop it silently); a value it does not support is rejected. A field \
          whose feature gate is off by default exists but is dropped by the API server, so the \
          setting has no effect (a warning: a cluster may have enabled the gate). The target is \
          `--kubernetes-version` or `kubernetes-version:` in .stslint.yaml, the newest version \
          stslint knows by default. Covered: spec.minReadySeconds (1.22, on from 1.23), \
          spec.persistentVolumeClaimRetentionPolicy (1.23, on from 1.27), \
          updateStrategy.rollingUpdate.maxUnavailable (1.24, on in 1.35.0-1.35.3 and from 1.37), \
          spec.ordinals (1.26, on from 1.27), updateStrategy.type Recreate (alpha in 1.37), the \
          apps.kubernetes.io/pod-index label in the downward API (from 1.28), a PDB's \
          unhealthyPodEvictionPolicy (1.26, on from 1.27) and policy/v1 PDBs (from 1.21).",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector:
    matchLabels: {app: db}
  updateStrategy:
    type: Recreate
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
  updateStrategy:
    type: RollingUpdate
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
    since: "0.2.0",
    needs_baseline: false,
    options: &[],
};

pub struct FieldNotInVersion;

const POD_INDEX: &str = "metadata.labels['apps.kubernetes.io/pod-index']";

/// Report `f`, written at `path`, as the target version has it.
fn report(cx: &mut Cx<'_>, id: ObjId, path: FieldPath, f: &Feature) {
    let v = cx.version;
    if !f.exists(v) {
        cx.report(
            id,
            path,
            format!(
                "{} does not exist in Kubernetes {v} (added in 1.{}): kubectl rejects it as an unknown field, other clients drop it",
                f.field, f.added
            ),
        )
        .help(format!(
            "Remove it, or lint for the version the cluster runs (--kubernetes-version; {}).",
            f.source
        ));
    } else if !f.enabled(v) {
        let when = if f.on.is_empty() {
            "alpha, off by default".to_owned()
        } else {
            format!("on by default {}", f.when_on())
        };
        cx.report(
            id,
            path,
            format!(
                "{} is dropped by the API server and has no effect in Kubernetes {v}: the {} feature gate is off by default ({when})",
                f.field, f.gate
            ),
        )
        .at_most(Severity::Warning)
        .help(format!(
            "Enable the {} feature gate on the cluster, or remove the field ({}).",
            f.gate, f.source
        ));
    }
}

impl Rule for FieldNotInVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let spec = &s.sts.spec;
        if spec.min_ready_seconds.is_some() {
            report(
                cx,
                s.id,
                p::spec().key("minReadySeconds"),
                &k8s::MIN_READY_SECONDS,
            );
        }
        if spec.persistent_volume_claim_retention_policy.is_some() {
            let path = p::spec().key("persistentVolumeClaimRetentionPolicy");
            report(cx, s.id, path, &k8s::PVC_RETENTION);
        }
        if spec.ordinals.is_some() {
            report(cx, s.id, p::spec().key("ordinals"), &k8s::START_ORDINAL);
        }
        let strategy = p::spec().key("updateStrategy");
        if let Some(u) = &spec.update_strategy {
            if u.rolling_update
                .as_ref()
                .is_some_and(|r| r.max_unavailable.is_some())
            {
                let path = strategy.clone().keys(&["rollingUpdate", "maxUnavailable"]);
                report(cx, s.id, path, &k8s::MAX_UNAVAILABLE);
            }
            if u.type_.as_deref() == Some("Recreate") {
                recreate(cx, s.id, strategy.key("type"));
            }
        }
        if !k8s::POD_INDEX_LABEL.exists(cx.version) {
            for (cpath, c) in s.containers() {
                for (j, e) in c.env.iter().flatten().enumerate() {
                    let path = e
                        .value_from
                        .as_ref()
                        .and_then(|v| v.field_ref.as_ref())
                        .map(|f| f.field_path.replace('"', "'"));
                    if path.as_deref() == Some(POD_INDEX) {
                        pod_index(cx, s.id, container::env_field_path(cpath, j), &e.name);
                    }
                }
            }
        }
    }

    fn check_object(&self, id: ObjId, obj: &Object, cx: &mut Cx<'_>) {
        let Typed::Pdb(pdb) = &obj.typed else { return };
        if obj.api_version.as_ref() == "policy/v1" && !cx.version.at_least(k8s::POLICY_V1) {
            let v = cx.version;
            cx.report(
                id,
                meta::api_version(),
                format!("policy/v1 PodDisruptionBudgets are served from Kubernetes 1.{}: Kubernetes {v} rejects the manifest", k8s::POLICY_V1),
            )
            .help("Use apiVersion: policy/v1beta1 for this cluster (an empty selector there selects no pod), or lint for the version the cluster runs (--kubernetes-version).");
        }
        if pdb
            .spec
            .as_ref()
            .is_some_and(|s| s.unhealthy_pod_eviction_policy.is_some())
        {
            let path = FieldPath::from_keys(&["spec", "unhealthyPodEvictionPolicy"]);
            report(cx, id, path, &k8s::UNHEALTHY_POD_EVICTION);
        }
    }
}

/// `updateStrategy.type: Recreate`: an unsupported value before 1.37; on
/// 1.37 accepted only with the alpha gate on (validation rejects it
/// otherwise, it is not dropped).
fn recreate(cx: &mut Cx<'_>, id: ObjId, path: FieldPath) {
    let f = &k8s::RECREATE_STRATEGY;
    let v = cx.version;
    let message = if f.exists(v) {
        format!(
            "updateStrategy.type Recreate is rejected in Kubernetes {v} unless the {} feature gate (alpha, off by default) is enabled",
            f.gate
        )
    } else {
        format!(
            "updateStrategy.type Recreate is not a value Kubernetes {v} supports (RollingUpdate, OnDelete; Recreate is alpha in 1.37)"
        )
    };
    cx.report(id, path, message)
        .help("Use RollingUpdate or OnDelete (KEP-3541).");
}

/// The downward API reads the pod-index label, which the controller sets
/// from 1.28 only: before, the value is empty.
fn pod_index(cx: &mut Cx<'_>, id: ObjId, path: FieldPath, name: &str) {
    let v = cx.version;
    cx.report(
        id,
        path,
        format!(
            "`{name}` reads the apps.kubernetes.io/pod-index label, which StatefulSet pods carry from Kubernetes 1.28: in Kubernetes {v} it is empty"
        ),
    )
    .help("Derive the ordinal from the pod name in the entrypoint (`${HOSTNAME##*-}`), or lint for the version the cluster runs (--kubernetes-version).");
}
