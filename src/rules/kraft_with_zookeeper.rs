use super::{Cx, Rule, RuleMeta, Sts, image_parts};
use crate::finding::Severity;
use crate::model::path::container;

pub static META: RuleMeta = RuleMeta {
    id: "kraft-with-zookeeper",
    severity: Severity::Error,
    summary: "Kafka is configured for KRaft (process roles, or an apache/kafka 4.x image) and for ZooKeeper at once",
    why: "A broker runs either in KRaft mode (process.roles set) or in ZooKeeper mode, never both, \
          and ZooKeeper mode was removed in Kafka 4.0. With both settings the broker refuses to start \
          or ignores one of them, usually after a half-finished migration.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kafka
spec:
  selector:
    matchLabels: {app: kafka}
  template:
    metadata:
      labels: {app: kafka}
    spec:
      containers:
      - name: kafka
        image: apache/kafka:4.0.0
        env:
        - name: KAFKA_ZOOKEEPER_CONNECT
          value: zk-0.zk:2181
"#,
    good: r#"apiVersion: v1
kind: Service
metadata: {name: kafka}
spec:
  clusterIP: None
  selector: {app: kafka}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kafka}
spec:
  serviceName: kafka
  selector:
    matchLabels: {app: kafka}
  template:
    metadata:
      labels: {app: kafka}
    spec:
      containers:
      - name: kafka
        image: apache/kafka:4.0.0
        env:
        - name: KAFKA_PROCESS_ROLES
          value: broker,controller
        readinessProbe:
          tcpSocket: {port: 9092}
        volumeMounts:
        - name: data
          mountPath: /tmp/kraft-combined-logs
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

pub struct KraftWithZookeeper;

impl Rule for KraftWithZookeeper {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        for (cpath, c) in s.containers() {
            let env = c.env.as_deref().unwrap_or(&[]);
            let Some((j, zk)) = env.iter().enumerate().find(|(_, e)| {
                matches!(
                    e.name.as_str(),
                    "KAFKA_ZOOKEEPER_CONNECT" | "KAFKA_CFG_ZOOKEEPER_CONNECT"
                )
            }) else {
                continue;
            };
            let roles = env.iter().find(|e| {
                matches!(
                    e.name.as_str(),
                    "KAFKA_PROCESS_ROLES" | "KAFKA_CFG_PROCESS_ROLES"
                ) && e.value.as_deref().is_some_and(|v| !v.trim().is_empty())
            });
            let image = c.image.as_deref().unwrap_or("");
            let (repo, tag) = image_parts(image);
            let kafka4 = repo == "apache/kafka"
                && tag
                    .and_then(|t| t.split('.').next())
                    .and_then(|m| m.parse::<u32>().ok())
                    .is_some_and(|m| m >= 4);
            let why = match (roles, kafka4) {
                (Some(r), _) => format!("{} is set (KRaft mode)", r.name),
                (None, true) => format!("`{image}` is Kafka 4, which has no ZooKeeper mode"),
                (None, false) => continue,
            };
            cx.report(
                s.id,
                container::env(cpath, j),
                format!("`{}` configures ZooKeeper but {why}", zk.name),
            )
            .help("Remove the ZooKeeper settings once the KRaft migration is done (or finish it first); Kafka 4 runs KRaft only.");
        }
    }
}
