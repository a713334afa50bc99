use super::{Cx, Rule, RuleMeta, Sts, named_service, self_managed_endpoints};
use crate::finding::Severity;
use crate::index::map_selector_matches;
use crate::model::path::{sts as p, svc};

pub static META: RuleMeta = RuleMeta {
    id: "service-selector-mismatch",
    severity: Severity::Error,
    summary: "the Service named by serviceName has no selector, or its selector does not select the pod template's labels",
    why: "The headless Service's endpoints, and with them the per-pod DNS records, come from its \
          selector. A selector that misses the StatefulSet's pods (a typo, a renamed label) leaves \
          every pod without a DNS name while everything looks deployed. A Service without a \
          selector whose endpoints the application writes itself (Patroni's leader Service, or an \
          Endpoints or EndpointSlice object of that name in the manifests) is a known design and \
          is not reported.",
    bad: r#"apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  selector: {app: postgres}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
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

pub struct ServiceSelectorMismatch;

impl Rule for ServiceSelectorMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let Some((name, svc_id, service)) = named_service(s, cx) else {
            return;
        };
        match service.selector.as_ref() {
            Some(sel) if !sel.is_empty() => {
                if !map_selector_matches(sel, &s.labels) {
                    let want: Vec<String> = sel.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    let (at_most, why) = super::labels_evidence(&[s.obj, cx.index.object(svc_id)]);
                    cx.report(
                        svc_id,
                        svc::selector(),
                        format!(
                            "selector {} of Service `{name}` does not select the pods of StatefulSet `{}`{why}",
                            want.join(","),
                            s.obj.name
                        ),
                    )
                    .at_most(at_most)
                    .help("Make the Service selector a subset of the pod template's labels.")
                    .related(s.id, p::template_labels(), "the pods carry these labels");
                }
            }
            _ if self_managed_endpoints(s, cx, name, service).is_some() => {}
            _ => {
                cx.report(
                    svc_id,
                    svc::selector(),
                    format!("Service `{name}` has no selector: the pods of StatefulSet `{}` get no DNS records", s.obj.name),
                )
                .help("Add a selector matching the pod template's labels.")
                .related(s.id, p::template_labels(), "the pods carry these labels");
            }
        }
    }
}
