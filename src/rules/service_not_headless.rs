use super::{Cx, Rule, RuleMeta, Sts, named_service, replicas, self_managed_endpoints};
use crate::finding::Severity;
use crate::knowledge::pod_dns_use;
use crate::model::path::{sts as p, svc};

pub static META: RuleMeta = RuleMeta {
    id: "service-not-headless",
    severity: Severity::Error,
    summary: "the Service named by serviceName is not headless (clusterIP is not None)",
    why: "Only a headless Service (`clusterIP: None`) publishes a DNS record per pod. With a normal \
          ClusterIP Service, `db-0.db` does not resolve and members that address each other by pod \
          name cannot connect. The severity follows the evidence: an error when the manifests use \
          per-pod names (`<pod>.<service>` in env, command, args or a mounted ConfigMap, a member \
          list, peer discovery through the Service's name, `hostname -f`, RabbitMQ's hostname \
          naming); a warning for several replicas where no such use is written; info for one replica \
          reached through the Service's virtual IP, or a Service whose endpoints the application \
          writes itself (Patroni, or an Endpoints object in the manifests).",
    bad: r#"apiVersion: v1
kind: Service
metadata:
  name: zk
spec:
  selector: {app: zk}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: zk
spec:
  serviceName: zk
  replicas: 3
  selector:
    matchLabels: {app: zk}
  template:
    metadata:
      labels: {app: zk}
    spec:
      containers:
      - name: zk
        image: zookeeper:3.9
        env:
        - name: ZOO_SERVERS
          value: server.1=zk-0.zk:2888:3888;2181 server.2=zk-1.zk:2888:3888;2181 server.3=zk-2.zk:2888:3888;2181
"#,
    good: r#"apiVersion: v1
kind: Service
metadata: {name: zk}
spec:
  clusterIP: None
  selector: {app: zk}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: zk}
spec:
  serviceName: zk
  replicas: 3
  selector:
    matchLabels: {app: zk}
  template:
    metadata:
      labels: {app: zk}
    spec:
      containers:
      - name: zk
        image: zookeeper:3.9
        env:
        - name: ZOO_SERVERS
          value: server.1=zk-0.zk:2888:3888;2181 server.2=zk-1.zk:2888:3888;2181 server.3=zk-2.zk:2888:3888;2181
        readinessProbe:
          tcpSocket: {port: 2181}
        volumeMounts:
        - name: data
          mountPath: /data
        - name: datalog
          mountPath: /datalog
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector:
                matchLabels: {app: zk}
              topologyKey: kubernetes.io/hostname
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 10Gi}
  - metadata: {name: datalog}
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 10Gi}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: zk}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: zk}
"#,
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
        let sts = &s.obj.name;
        let n = replicas(s.sts);
        let help = "Set `clusterIP: None` on the Service (clusterIP cannot change in place: delete and re-create the Service), or add a headless Service for the pods and name it in serviceName.";
        if let Some(used) = pod_dns_use(s, name) {
            let (obj, path) = used.origin.place(s.id);
            cx.report(
                svc_id,
                svc::cluster_ip(),
                format!("Service `{name}` is not headless ({what}), but the pods of StatefulSet `{sts}` are addressed by per-pod DNS names (`{}`) that only a headless Service publishes", used.text),
            )
            .help(help)
            .related(s.id, p::service_name(), "the StatefulSet names this Service here")
            .related(obj, path, "a per-pod name is used here");
            return;
        }
        let (message, at_most) = if let Some(why) = self_managed_endpoints(s, cx, name, service) {
            (
                format!(
                    "Service `{name}` is not headless ({what}): the pods of StatefulSet `{sts}` get no per-pod DNS names ({why}, and no `<pod>.{name}` name is used in these manifests)"
                ),
                Severity::Info,
            )
        } else if n > 1 {
            (
                format!(
                    "Service `{name}` is not headless ({what}): the {n} pods of StatefulSet `{sts}` get no per-pod DNS names (none is used in these manifests, but members of a replicated set usually find each other by them)"
                ),
                Severity::Warning,
            )
        } else {
            (
                format!(
                    "Service `{name}` is not headless ({what}): the one pod of StatefulSet `{sts}` gets no per-pod DNS name and is reached through the Service's virtual IP (no `<pod>.{name}` name is used in these manifests)"
                ),
                Severity::Info,
            )
        };
        cx.report(svc_id, svc::cluster_ip(), message)
            .at_most(at_most)
            .help(help)
            .related(
                s.id,
                p::service_name(),
                "the StatefulSet names this Service here",
            );
    }
}
