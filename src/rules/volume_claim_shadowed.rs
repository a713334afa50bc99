use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::{Applicability, Fix, FixOp, Severity};
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "volume-claim-shadowed",
    severity: Severity::Warning,
    summary: "a pod volume has the same name as a volumeClaimTemplate (the template silently wins)",
    why: "When a pod volume and a volumeClaimTemplate share a name, the StatefulSet controller replaces \
          the pod volume with the claim. Whatever the volume was meant to provide (an emptyDir, a \
          ConfigMap, an existing claim) is silently not mounted. A pod volume with no source at \
          all (only a name, a placeholder that an overlay patches) shadows nothing and is not \
          reported.",
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
      volumes:
      - name: data
        emptyDir: {}
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
      volumes:
      - name: scratch
        emptyDir: {}
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

pub struct VolumeClaimShadowed;

/// True when a pod volume names no source at all (only its name).
fn has_no_source(vol: &k8s_openapi::api::core::v1::Volume) -> bool {
    serde_json::to_value(vol)
        .ok()
        .and_then(|v| v.as_object().map(|m| m.keys().all(|k| k == "name")))
        .unwrap_or(false)
}

impl Rule for VolumeClaimShadowed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let spec = &s.sts.spec;
        let volumes = spec.template.spec.as_ref().and_then(|p| p.volumes.as_ref());
        for (v, vol) in volumes.into_iter().flatten().enumerate() {
            // A volume with no source is a placeholder (an overlay patches
            // it, or it stands for the claim): it shadows nothing.
            if has_no_source(vol) {
                continue;
            }
            let template = spec
                .volume_claim_templates
                .iter()
                .flatten()
                .position(|t| t.metadata.name.as_deref() == Some(vol.name.as_str()));
            if let Some(t) = template {
                // The pods already get the claim, so removing the volume
                // keeps them as they are; but it changes the pod template,
                // which rolls every pod: unsafe. The only volume goes with
                // its list.
                let only = volumes.is_some_and(|all| all.len() == 1);
                let (target, title) = if only {
                    (
                        p::volumes(),
                        "remove `volumes`, whose only volume the claim template replaces"
                            .to_owned(),
                    )
                } else {
                    (p::volume(v), format!("remove pod volume `{}`", vol.name))
                };
                cx.report(
                    s.id,
                    p::volume_name(v),
                    format!("pod volume `{}` is replaced by the volumeClaimTemplate of the same name", vol.name),
                )
                .help("Rename the pod volume (and its mounts), or remove it if the claim is what you want.")
                .related(s.id, p::claim_template_name(t), "the claim template with this name")
                .fix(Fix::new(title, Applicability::Unsafe).edit(target, FixOp::Remove));
            }
        }
    }
}
