use super::{Cx, Rule, RuleMeta, Sts, namespace_shown, replicas};
use crate::finding::{Applicability, Fix, FixOp, Severity};
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

/// A headless Service named `name` that selects the pods, as a new
/// document after the StatefulSet (with `serviceName` set when `set_name`;
/// only that when the Service `exists`). Ports come from the containers'
/// ports when they can be named as a Service needs. Unsafe: it adds an
/// object (which may live in another repository), and serviceName is
/// immutable. None when the selector is not plain labels.
fn headless_fix(s: &Sts<'_>, name: &str, set_name: bool, exists: bool) -> Option<Fix> {
    use serde_json::{Value, json};
    let selector = &s.sts.spec.selector;
    let labels = selector.match_labels.as_ref().filter(|l| !l.is_empty())?;
    if selector
        .match_expressions
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        return None;
    }
    let mut fix = if exists {
        Fix::new(
            format!("set serviceName to `{name}`"),
            Applicability::Unsafe,
        )
    } else {
        Fix::new(
            format!("add a headless Service `{name}`"),
            Applicability::Unsafe,
        )
    };
    if set_name {
        fix = match s.sts.spec.service_name {
            Some(_) => fix.edit(p::service_name(), FixOp::Set(name.into())),
            None => fix.edit(
                p::spec(),
                FixOp::Insert("serviceName".to_owned(), name.into()),
            ),
        };
    }
    if exists {
        return Some(fix);
    }
    let ports: Vec<_> = s
        .sts
        .spec
        .template
        .spec
        .iter()
        .flat_map(|pod| pod.containers.iter())
        .flat_map(|c| c.ports.iter().flatten())
        .collect();
    let mut names: Vec<_> = ports.iter().filter_map(|p| p.name.as_deref()).collect();
    names.sort_unstable();
    names.dedup();
    let named = names.len() == ports.len();
    let ports: Vec<Value> = if ports.len() == 1 || named {
        ports
            .iter()
            .map(|p| {
                let mut port = json!({ "port": p.container_port });
                if let Some(n) = &p.name {
                    port["name"] = n.as_str().into();
                }
                if let Some(proto) = p.protocol.as_deref().filter(|&p| p != "TCP") {
                    port["protocol"] = proto.into();
                }
                port
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut metadata = json!({ "name": name });
    if let Some(ns) = &s.sts.metadata.namespace {
        metadata["namespace"] = ns.as_str().into();
    }
    let mut spec = json!({ "clusterIP": "None", "selector": labels });
    if !ports.is_empty() {
        spec["ports"] = Value::Array(ports);
    }
    let service = json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": spec,
    });
    Some(fix.edit(FieldPath::root(), FixOp::AddDocument(service)))
}

impl Rule for MissingHeadlessService {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let name = s.sts.spec.service_name.as_deref().unwrap_or("");
        let ns = &s.obj.namespace;
        if name.is_empty() {
            let exists = cx.index.service(ns, &s.obj.name).is_some();
            // Optional from 1.33; before, the OpenAPI schema marks it
            // required, so strict validators reject the manifest.
            let mut message = format!(
                "StatefulSet `{}` sets no serviceName: its pods get no stable DNS names",
                s.obj.name
            );
            if !cx
                .version
                .at_least(crate::kubernetes::SERVICE_NAME_OPTIONAL)
            {
                message.push_str(&format!(
                    ", and before Kubernetes 1.33 the API schema requires it (kubectl's client-side validation and schema validators reject the manifest on {})",
                    cx.version
                ));
            }
            cx.report(s.id, p::service_name(), message)
            .help("Create a headless Service (clusterIP: None) that selects the pods and set spec.serviceName to its name.")
            .fix_opt(headless_fix(s, &s.obj.name, true, exists));
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
                    .related(obj, path, "a per-pod name is used here")
                    .fix_opt(headless_fix(s, name, false, false));
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
                    .help(help)
                    .fix_opt(headless_fix(s, name, false, false));
            }
        }
    }
}
