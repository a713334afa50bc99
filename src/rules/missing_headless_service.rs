use super::{Cx, Rule, RuleMeta, Sts, namespace_shown, replicas};
use crate::finding::Severity;
use crate::knowledge::pod_dns_use;
use crate::model::path::{FieldPath, sts as p};

pub static META: RuleMeta = RuleMeta {
    id: "missing-headless-service",
    severity: Severity::Error,
    summary: "spec.serviceName is not set, or names no Service in the StatefulSet's namespace",
    why: "A StatefulSet's pods get their stable DNS names (`pod-0.service.namespace.svc`) from the \
          headless Service named by serviceName. serviceName has been optional since Kubernetes \
          1.33, but without it, or with a name that matches no Service, peers cannot find each other \
          and clustered databases never form. A missing Service is an error when the manifests use \
          per-pod names (`<pod>.<service>` in env, command, args or a mounted ConfigMap, a member \
          list, peer discovery through the Service's name); otherwise a warning for several \
          replicas and info for one. When the Service lives in files not given to stslint, name \
          them with `--context`.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db-hl
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
metadata: {name: db-hl}
spec:
  clusterIP: None
  selector: {app: db}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db-hl
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

pub struct MissingHeadlessService;

impl Rule for MissingHeadlessService {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let name = s.sts.spec.service_name.as_deref().unwrap_or("");
        let ns = &s.obj.namespace;
        if name.is_empty() {
            cx.report(
                s.id,
                p::service_name(),
                format!("StatefulSet `{}` sets no serviceName: its pods get no stable DNS names", s.obj.name),
            )
            .help("Create a headless Service (clusterIP: None) that selects the pods and set spec.serviceName to its name.");
            return;
        }
        if cx.index.service(ns, name).is_some() {
            return;
        }
        let elsewhere = cx.index.services_named(name).next();
        let mut message = format!(
            "serviceName `{name}` names no Service in namespace {}",
            namespace_shown(s.obj)
        );
        if let Some(other) = elsewhere {
            let other_ns = cx.index.object(other).namespace.clone();
            message.push_str(&format!(
                " (a Service `{name}` exists in namespace `{other_ns}`)"
            ));
            cx.report(s.id, p::service_name(), message)
                .help("A StatefulSet only uses a Service in its own namespace: move the Service or the StatefulSet so they share one.")
                .related(other, FieldPath::from_keys(&["metadata", "namespace"]), "the Service is in this namespace");
            return;
        }
        let help = "Add a headless Service (clusterIP: None) with this name that selects the pods, or fix the name.";
        let n = replicas(s.sts);
        match pod_dns_use(s, name) {
            Some(used) => {
                let (obj, path) = used.origin.place(s.id);
                message.push_str(&format!(
                    ", but the pods are addressed by per-pod DNS names (`{}`)",
                    used.text
                ));
                cx.report(s.id, p::service_name(), message)
                    .help(help)
                    .related(obj, path, "a per-pod name is used here");
            }
            None => {
                let (tail, at_most) = if n > 1 {
                    (
                        format!(
                            ": the {n} pods get no per-pod DNS names (none is used in these manifests)"
                        ),
                        Severity::Warning,
                    )
                } else {
                    (
                        ": the pod gets no per-pod DNS name (none is used in these manifests)"
                            .to_owned(),
                        Severity::Info,
                    )
                };
                message.push_str(&tail);
                cx.report(s.id, p::service_name(), message)
                    .at_most(at_most)
                    .help(help);
            }
        }
    }
}
