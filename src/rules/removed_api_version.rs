use super::{Cx, Rule, RuleMeta};
use crate::finding::{Applicability, Fix, FixOp, ObjId, Severity};
use crate::model::Object;
use crate::model::path::meta;

pub static META: RuleMeta = RuleMeta {
    id: "removed-api-version",
    severity: Severity::Error,
    summary: "a StatefulSet in apps/v1beta1 or apps/v1beta2, or a PodDisruptionBudget in policy/v1beta1",
    why: "apps/v1beta1 and apps/v1beta2 StatefulSets were removed in Kubernetes 1.16 and policy/v1beta1 \
          PodDisruptionBudgets in 1.25: current clusters refuse the manifest. Note the differences when \
          moving: apps/v1 requires spec.selector (v1beta1 defaulted it from the template labels), and \
          an empty selector in a policy/v1 PDB selects every pod of the namespace.",
    bad: r#"apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata:
  name: db
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: db}
"#,
    good: r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: db}
---
apiVersion: v1
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
"#,
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

pub struct RemovedApiVersion;

/// A PDB whose selector is written and selects by nothing (`{}`).
fn empty_selector(obj: &Object) -> bool {
    let crate::model::Typed::Pdb(pdb) = &obj.typed else {
        return false;
    };
    pdb.spec
        .as_ref()
        .and_then(|s| s.selector.as_ref())
        .is_some_and(|s| {
            s.match_labels.as_ref().is_none_or(|m| m.is_empty())
                && s.match_expressions.as_ref().is_none_or(|e| e.is_empty())
        })
}

impl Rule for RemovedApiVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, id: ObjId, obj: &Object, cx: &mut Cx<'_>) {
        use crate::kubernetes::{POLICY_V1, POLICY_V1BETA1_REMOVED};
        let (removed_in, replacement) = match (&*obj.api_version, &*obj.kind) {
            // apps/v1beta1 is reported while the StatefulSet is decoded,
            // where its tree shows whether the selector apps/v1 requires
            // is written. Both were removed in 1.16, the oldest target.
            ("apps/v1beta2", "StatefulSet") => (16, "apps/v1"),
            ("policy/v1beta1", "PodDisruptionBudget") => (POLICY_V1BETA1_REMOVED, "policy/v1"),
            _ => return,
        };
        // policy/v1beta1 is the only PDB version before 1.21, deprecated
        // (but served) until 1.25.
        let v = cx.version;
        if obj.kind.as_ref() == "PodDisruptionBudget" && !v.at_least(POLICY_V1) {
            return;
        }
        let deprecated = !v.at_least(removed_in);
        // apps/v1beta2 and apps/v1 StatefulSets have the same fields and
        // defaults. A policy/v1beta1 PDB with an empty selector selects no
        // pod; in policy/v1 it selects every pod of the namespace.
        let widens = obj.kind == "PodDisruptionBudget" && empty_selector(obj);
        let (applicability, help) = if widens {
            (
                Applicability::Unsafe,
                format!(
                    "Use apiVersion: {replacement}; its empty selector then selects every pod in the namespace (in {} it selects none): write the labels to select.",
                    obj.api_version
                ),
            )
        } else {
            (
                Applicability::Safe,
                format!("Use apiVersion: {replacement}."),
            )
        };
        let message = if deprecated {
            format!(
                "{} {} is deprecated: Kubernetes 1.{removed_in} removes it (the target is {v})",
                obj.api_version, obj.kind
            )
        } else {
            format!(
                "{} {} was removed in Kubernetes 1.{removed_in}",
                obj.api_version, obj.kind
            )
        };
        let mut r = cx.report(id, meta::api_version(), message);
        if deprecated {
            r = r.at_most(Severity::Warning);
        }
        r.help(help).fix(
            Fix::new(format!("use apiVersion {replacement}"), applicability)
                .edit(meta::api_version(), FixOp::Set(replacement.into())),
        );
    }
}
