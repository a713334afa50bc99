use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::Severity;
use crate::model::path::{FieldPath, sts as p};

pub static META: RuleMeta = RuleMeta {
    id: "missing-headless-service",
    severity: Severity::Error,
    summary: "spec.serviceName is not set, or names no Service in the StatefulSet's namespace",
    why: "A StatefulSet's pods get their stable DNS names (`pod-0.service.namespace.svc`) from the \
          headless Service named by serviceName. serviceName has been optional since 2025, but \
          without it, or with a name that matches no Service, peers cannot find each other and \
          clustered databases never form.",
    bad: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db-hl\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    good: "apiVersion: v1\nkind: Service\nmetadata:\n  name: db-hl\nspec:\n  clusterIP: None\n  selector: {app: db}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db-hl\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
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
        let mut message = format!("serviceName `{name}` names no Service in namespace `{ns}`");
        if let Some(other) = elsewhere {
            let other_ns = cx.index.object(other).namespace.clone();
            message.push_str(&format!(
                " (a Service `{name}` exists in namespace `{other_ns}`)"
            ));
            cx.report(s.id, p::service_name(), message)
                .help("A StatefulSet only uses a Service in its own namespace: move the Service or the StatefulSet so they share one.")
                .related(other, FieldPath::from_keys(&["metadata", "namespace"]), "the Service is in this namespace");
        } else {
            cx.report(s.id, p::service_name(), message)
                .help("Add a headless Service (clusterIP: None) with this name that selects the pods, or fix the name.");
        }
    }
}
