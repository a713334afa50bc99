use super::{Cx, Rule, RuleMeta, RuleOption, Sts, image_name, majority, replicas};
use crate::finding::Severity;
use crate::knowledge::Quorum;
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "even-quorum-replicas",
    severity: Severity::Warning,
    summary: "a quorum-based system runs an even number of replicas (it tolerates no more failures than one fewer)",
    why: "A quorum needs a majority, floor(n/2)+1. Four members need three and survive one failure, \
          exactly like three; six survive two, like five. The extra member adds cost, another voter to \
          wait for, and a way to split 2-2 in a network partition, and buys no availability. The rule \
          applies to systems whose every member votes, as configured: ZooKeeper (without \
          hierarchical weights), etcd, Consul servers, Kafka KRaft controllers, Vault with raft \
          storage, RabbitMQ, MongoDB replica sets, Galera, Redis Sentinel and NATS JetStream. Vault \
          on another storage backend is active/standby, and CockroachDB, Cassandra and \
          Elasticsearch cope with an even count (their majorities are per range, per replica set \
          or of a voting configuration they adjust themselves).",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: zk
spec:
  replicas: 4
  selector:
    matchLabels: {app: zk}
  template:
    metadata:
      labels: {app: zk}
    spec:
      containers:
      - name: zk
        image: zookeeper:3.9.2
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
  replicas: 5
  selector:
    matchLabels: {app: zk}
  template:
    metadata:
      labels: {app: zk}
    spec:
      containers:
      - name: zk
        image: zookeeper:3.9.2
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
    options: &[RuleOption {
        name: "images",
        doc: "more image names (last path component, without tag) of systems whose every member votes, besides those stslint recognises",
        default: &[],
    }],
};

pub struct EvenQuorumReplicas;

impl Rule for EvenQuorumReplicas {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let n = replicas(s.sts);
        if n < 2 || n % 2 != 0 {
            return;
        }
        let quorum_images = cx.option("images");
        let known = s
            .known()
            .iter()
            .find(|p| p.quorum == Quorum::Majority)
            .map(|p| format!("{} ({})", p.system.name(), p.evidence));
        let configured = || {
            s.containers().iter().find_map(|(_, c)| {
                let image = c.image.as_deref().unwrap_or("");
                quorum_images
                    .iter()
                    .any(|q| q == image_name(image))
                    .then(|| format!("`{image}` (option `images`)"))
            })
        };
        let Some(system) = known.or_else(configured) else {
            return;
        };
        let n64 = i64::from(n);
        let tolerated = n64 - majority(n64);
        cx.report(
            s.id,
            p::replicas(),
            format!(
                "{n} replicas of {system} survive {tolerated} failure{}, no more than {}",
                if tolerated == 1 { "" } else { "s" },
                n - 1
            ),
        )
        .help(format!("Run {} or {} replicas.", n - 1, n + 1));
    }
}
