use super::{Cx, Rule, RuleMeta, Sts, replicas};
use crate::finding::Severity;
use crate::knowledge::{Origin, Setting, View};
use crate::model::path::{FieldPath, container};

pub static META: RuleMeta = RuleMeta {
    id: "kafka-unsafe-durability",
    severity: Severity::Warning,
    summary: "a multi-broker Kafka set keeps one copy of data (replication factor 1), acknowledges writes with one in-sync replica, or allows unclean leader election",
    why: "Kafka's durability is its replication: a partition with one replica is lost with its \
          broker's disk, and losing the `__consumer_offsets` or `__transaction_state` topic loses \
          every consumer group's position or every open transaction. `min.insync.replicas: 1` lets \
          `acks=all` writes succeed with a single copy, so a broker failure right after loses \
          acknowledged data, and `unclean.leader.election.enable: true` lets an out-of-date replica \
          become leader, silently truncating what the others had. stslint reads the settings from \
          KAFKA_* env (bitnami's KAFKA_CFG_* too), `--override` arguments and a mounted \
          server.properties. An unset default.replication.factor (Kafka's default is 1) is \
          reported as info, unless auto.create.topics.enable is false.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kafka
spec:
  serviceName: kafka
  replicas: 3
  selector:
    matchLabels: {app: kafka}
  template:
    metadata:
      labels: {app: kafka}
    spec:
      containers:
      - name: kafka
        image: confluentinc/cp-kafka:7.7.1
        env:
        - name: KAFKA_DEFAULT_REPLICATION_FACTOR
          value: "3"
        - name: KAFKA_MIN_INSYNC_REPLICAS
          value: "1"
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
  replicas: 3
  selector:
    matchLabels: {app: kafka}
  template:
    metadata:
      labels: {app: kafka}
    spec:
      containers:
      - name: kafka
        image: confluentinc/cp-kafka:7.7.1
        env:
        - name: KAFKA_DEFAULT_REPLICATION_FACTOR
          value: '3'
        - name: KAFKA_MIN_INSYNC_REPLICAS
          value: '2'
        readinessProbe:
          tcpSocket: {port: 9092}
        volumeMounts:
        - name: data
          mountPath: /var/lib/kafka
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector:
                matchLabels: {app: kafka}
              topologyKey: kubernetes.io/hostname
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 10Gi}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: kafka}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: kafka}
"#,
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

pub struct KafkaUnsafeDurability;

/// Where a setting is written, and the text to point at when it is a
/// line of a config file.
fn place(
    s: &Sts<'_>,
    set: &Setting,
    key: &str,
) -> (crate::finding::ObjId, FieldPath, Option<String>) {
    let (obj, path) = set.origin.place(s.id);
    let focus = match &set.origin {
        Origin::ConfigMap { .. } => Some(format!("{key}={}", set.value)),
        Origin::Field(_) if set.name.starts_with("`--override") => {
            Some(format!("{key}={}", set.value))
        }
        Origin::Field(_) => None,
    };
    (obj, path, focus)
}

fn number(set: &Setting) -> Option<i64> {
    set.value.trim().trim_matches('"').parse().ok()
}

impl Rule for KafkaUnsafeDurability {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let n = replicas(s.sts);
        if n < 2 {
            return;
        }
        let pod = s.pod();
        let profiles = s.known();
        for (cpath, c) in s.containers() {
            if !profiles
                .iter()
                .any(|p| p.system == crate::knowledge::System::Kafka && p.container == *cpath)
            {
                continue;
            }
            let view = View::new(pod, cpath, c);
            // Controllers only (KRaft) hold no topic data.
            if view
                .kafka_setting("process.roles")
                .is_some_and(|r| !r.value.contains("broker"))
            {
                continue;
            }
            let mut report = |set: &Setting, key: &str, message: String, help: String| {
                let (obj, path, focus) = place(s, set, key);
                let mut r = cx.report(obj, path, message).help(help);
                if let Some(f) = focus {
                    r = r.focus(f);
                }
                if obj != s.id {
                    r.related(
                        s.id,
                        crate::model::path::sts::replicas(),
                        format!("replicas: {n}"),
                    );
                }
            };
            let rf = view.kafka_setting("default.replication.factor");
            for key in [
                "default.replication.factor",
                "offsets.topic.replication.factor",
                "transaction.state.log.replication.factor",
            ] {
                let Some(set) = view.kafka_setting(key) else {
                    continue;
                };
                match number(&set) {
                    Some(1) => report(
                        &set,
                        key,
                        format!(
                            "{key} is 1 ({}) on {n} brokers: each of those partitions lives on one broker and is lost with its disk",
                            set.name
                        ),
                        format!("Set {key} to {}.", n.min(3)),
                    ),
                    Some(f) if f > i64::from(n) => report(
                        &set,
                        key,
                        format!(
                            "{key} is {f} ({}) but there are only {n} brokers: those topics cannot be created",
                            set.name
                        ),
                        format!("Set {key} to at most {n}."),
                    ),
                    _ => {}
                }
            }
            if let Some(min) = view.kafka_setting("min.insync.replicas")
                && number(&min) == Some(1)
                && rf.as_ref().and_then(number).is_some_and(|f| f >= 3)
            {
                report(
                    &min,
                    "min.insync.replicas",
                    format!(
                        "min.insync.replicas is 1 ({}) with replication factor 3 or more: `acks=all` writes are acknowledged with one copy, and a broker lost right after takes them along",
                        min.name
                    ),
                    "Set min.insync.replicas to 2 (replication factor minus one).".to_owned(),
                );
            }
            if let Some(unclean) = view.kafka_setting("unclean.leader.election.enable")
                && unclean
                    .value
                    .trim()
                    .trim_matches('"')
                    .eq_ignore_ascii_case("true")
            {
                report(
                    &unclean,
                    "unclean.leader.election.enable",
                    format!("unclean.leader.election.enable is true ({}): an out-of-date replica may become leader and silently drop acknowledged writes", unclean.name),
                    "Remove it (the default is false), and prefer unavailability to silent data loss.".to_owned(),
                );
            }
            let auto_create = view
                .kafka_setting("auto.create.topics.enable")
                .is_none_or(|a| {
                    !a.value
                        .trim()
                        .trim_matches('"')
                        .eq_ignore_ascii_case("false")
                });
            if rf.is_none() && auto_create {
                cx.report(
                    s.id,
                    container::image(cpath),
                    format!("default.replication.factor is not set on {n} brokers: Kafka's default, 1, gives auto-created topics a single copy"),
                )
                .at_most(Severity::Info)
                .help(format!("Set default.replication.factor (env KAFKA_DEFAULT_REPLICATION_FACTOR) to {}, or turn off auto.create.topics.enable and create topics with a factor.", n.min(3)));
            }
        }
    }
}
