use super::{Cx, Rule, RuleMeta, Sts, named_service};
use crate::finding::Severity;
use crate::model::path::{sts as p, svc};

pub static META: RuleMeta = RuleMeta {
    id: "service-not-headless",
    severity: Severity::Error,
    summary: "the Service named by serviceName is not headless (clusterIP is not None)",
    why: "Only a headless Service (`clusterIP: None`) publishes a DNS record per pod. With a normal \
          ClusterIP Service, `db-0.db` does not resolve and members that address each other by pod \
          name cannot connect.",
    bad: "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  selector: {app: db}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    good: "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  clusterIP: None\n  selector: {app: db}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

pub struct ServiceNotHeadless;

impl Rule for ServiceNotHeadless {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let Some((name, svc_id, service)) = named_service(s, cx) else {
            return;
        };
        let cluster_ip = service.cluster_ip.as_deref();
        if cluster_ip == Some("None") {
            return;
        }
        let what = match cluster_ip {
            Some(ip) if !ip.is_empty() => format!("clusterIP is `{ip}`"),
            _ => "clusterIP is not set".to_owned(),
        };
        cx.report(
            svc_id,
            svc::cluster_ip(),
            format!("Service `{name}` is not headless ({what}): pods of StatefulSet `{}` get no DNS names", s.obj.name),
        )
        .help("Set `clusterIP: None` on the Service (clusterIP cannot change in place: delete and re-create the Service).")
        .related(s.id, p::service_name(), "the StatefulSet names this Service here");
    }
}
