use super::{Cx, Rule, RuleMeta, Sts, majority, pdb_budget, replicas};
use crate::finding::Severity;
use crate::knowledge::{Quorum, weighted_survives};
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "pdb-quorum",
    severity: Severity::Warning,
    summary: "a PodDisruptionBudget lets a quorum-based StatefulSet drop below its majority (or a Redis Cluster lose more than one pod)",
    why: "Quorum systems (etcd, ZooKeeper, Kafka KRaft controllers, Consul, CockroachDB) stop \
          accepting writes when fewer than a majority, floor(n/2)+1, of members are up. A budget that \
          allows more evictions than n - majority lets a routine node drain take the cluster down. \
          Percentages round up, as the disruption controller computes them. The rule applies to \
          systems that keep a majority as configured (the knowledge model: ZooKeeper, etcd, Consul \
          servers, KRaft controllers, Vault on raft, RabbitMQ, MongoDB replica sets, Galera, \
          Sentinel, NATS JetStream, and the per-replica majorities of CockroachDB, Cassandra and \
          Elasticsearch), not to primary/replica databases. A ZooKeeper with hierarchical weights \
          (`weight.N`, `group.N` in zoo.cfg) needs its weighted majority: a budget that lets the \
          heaviest members go is reported with their weights. Redis Cluster has no pod majority: \
          more than one pod at a time may take a shard's primary and replica together.",
    bad: r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: zk
spec:
  maxUnavailable: 2
  selector:
    matchLabels: {app: zk}
---
apiVersion: v1
kind: Service
metadata:
  name: zk
spec:
  clusterIP: None
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
"#,
    good: r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: zk}
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: zk}
---
apiVersion: v1
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
"#,
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

pub struct PdbQuorum;

/// How the set's members agree, from the first container the knowledge
/// model reads as a quorum member.
fn quorum_of(s: &Sts<'_>) -> Option<(String, Quorum)> {
    s.known()
        .iter()
        .find(|p| !matches!(p.quorum, Quorum::None(_)))
        .map(|p| (p.system.name().to_owned(), p.quorum.clone()))
}

/// The servers of a weighted ZooKeeper whose loss, `d` at a time, breaks
/// the weighted majority (the first such set found, heaviest first).
fn weighted_break(servers: &[(u32, u64, Option<u32>)], d: usize) -> Option<Vec<u32>> {
    let mut ids: Vec<(u64, u32)> = servers.iter().map(|s| (s.1, s.0)).collect();
    ids.sort_unstable_by(|a, b| b.cmp(a));
    let ids: Vec<u32> = ids.into_iter().map(|(_, id)| id).collect();
    if d == 0 || d > ids.len() || ids.len() > 16 {
        return None;
    }
    // Every subset of size d (at most C(16, 8) = 12,870).
    let mut pick: Vec<usize> = (0..d).collect();
    loop {
        let down: Vec<u32> = pick.iter().map(|&i| ids[i]).collect();
        if !weighted_survives(servers, &down) {
            return Some(down);
        }
        let mut k = d;
        while k > 0 && pick[k - 1] == ids.len() - d + k - 1 {
            k -= 1;
        }
        if k == 0 {
            return None;
        }
        pick[k - 1] += 1;
        for j in k..d {
            pick[j] = pick[j - 1] + 1;
        }
    }
}

impl Rule for PdbQuorum {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let n = replicas(s.sts);
        if n < 2 || s.pdbs.is_empty() {
            return;
        }
        let Some((system, quorum)) = quorum_of(s) else {
            return;
        };
        let n64 = i64::from(n);
        for &(pdb_id, pdb) in &s.pdbs {
            let Some(b) = pdb_budget(pdb, n) else {
                continue;
            };
            let keeps = b.keeps.max(0);
            let gone = n64 - keeps;
            let sts = &s.obj.name;
            match &quorum {
                Quorum::Majority | Quorum::MajorityOfReplicas if n >= 3 => {
                    let need = majority(n64);
                    if keeps >= need {
                        continue;
                    }
                    let fix = b.fix_keeping(need, n64);
                    cx.report(
                        pdb_id,
                        b.path,
                        format!(
                            "{} keeps only {keeps} of {n} pods of StatefulSet `{sts}` available; a majority needs {need}",
                            b.shown
                        ),
                    )
                    .help(format!("Set minAvailable to {need} or maxUnavailable to {}.", n64 - need))
                    .fix(fix)
                    .related(s.id, p::replicas(), format!("replicas: {n}"));
                }
                Quorum::Sharded if gone > 1 => {
                    let fix = b.fix_keeping(n64 - 1, n64);
                    cx.report(
                        pdb_id,
                        b.path,
                        format!(
                            "{} lets {gone} of {n} pods of StatefulSet `{sts}` ({system} Cluster) go at once: a shard whose primary and replicas go together is lost",
                            b.shown
                        ),
                    )
                    .help("Set maxUnavailable to 1: Redis Cluster has no pod majority, one pod at a time is the safe budget.")
                    .fix(fix)
                    .related(s.id, p::replicas(), format!("replicas: {n}"));
                }
                Quorum::Weighted(servers) => {
                    let Some(down) = usize::try_from(gone)
                        .ok()
                        .and_then(|d| weighted_break(servers, d))
                    else {
                        continue;
                    };
                    let total: u64 = servers.iter().map(|s| s.1).sum();
                    let shown: Vec<String> = down
                        .iter()
                        .filter_map(|id| servers.iter().find(|s| s.0 == *id))
                        .map(|(id, w, g)| match g {
                            Some(g) => format!("server.{id} (weight {w}, group {g})"),
                            None => format!("server.{id} (weight {w})"),
                        })
                        .collect();
                    let safe = (0..gone).rev().find(|&d| {
                        usize::try_from(d).is_ok_and(|d| weighted_break(servers, d).is_none())
                    });
                    let help = match safe {
                        Some(1) => "Set maxUnavailable to 1: with these weights no single server carries the quorum.".to_owned(),
                        Some(d) if d > 1 => format!("Set maxUnavailable to {d}: with these weights no {d} servers together carry the quorum."),
                        _ => "Rebalance the weights so that no single server carries the quorum, then allow one disruption.".to_owned(),
                    };
                    let fix = safe
                        .filter(|d| *d >= 1)
                        .map(|d| b.fix_keeping(n64 - d, n64));
                    let r = cx.report(
                        pdb_id,
                        b.path,
                        format!(
                            "{} lets {} go at once, and the weighted quorum of StatefulSet `{sts}` ({system}, total weight {total}) is lost",
                            b.shown,
                            shown.join(" and ")
                        ),
                    )
                    .help(help)
                    .related(s.id, p::replicas(), format!("replicas: {n}"));
                    if let Some(fix) = fix {
                        r.fix(fix);
                    }
                }
                _ => {}
            }
        }
    }
}
