use super::{Cx, Rule, RuleMeta, Sts, command_and_args, replicas};
use crate::finding::Severity;
use crate::model::path::{FieldPath, container};

pub static META: RuleMeta = RuleMeta {
    id: "quorum-members-mismatch",
    severity: Severity::Error,
    summary: "a quorum member list (KAFKA_CONTROLLER_QUORUM_VOTERS, ZOO_SERVERS, ETCD_INITIAL_CLUSTER, --initial-cluster) does not match the StatefulSet",
    why: "The member list is written by hand next to `replicas` and drifts from it: after a scale-up \
          the new pods are not voters, after a scale-down the quorum still waits for members that no \
          longer exist (and may never reach a majority), and a typo in a host name or a copied \
          namespace makes a member unreachable. Members must be `<name>-<ordinal>.<serviceName>`, \
          optionally followed by `.<namespace>.svc.<cluster domain>`, one per replica; a per-pod \
          Service (one that selects `statefulset.kubernetes.io/pod-name: <name>-<ordinal>`) stands \
          for its pod, and in a one-replica set the pod's bare name (which resolves in its own pod) \
          is that pod.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: zk
spec:
  serviceName: zk-hs
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
        env:
        - name: ZOO_SERVERS
          value: server.1=zk-0.zk-hs:2888:3888;2181 server.2=zk-1.zk-hs:2888:3888;2181 server.3=zk-2.zk-hs:2888:3888;2181
"#,
    good: r#"apiVersion: v1
kind: Service
metadata: {name: zk-hs}
spec:
  clusterIP: None
  selector: {app: zk}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: zk}
spec:
  serviceName: zk-hs
  replicas: 3
  selector:
    matchLabels: {app: zk}
  template:
    metadata:
      labels: {app: zk}
    spec:
      containers:
      - name: zk
        image: zookeeper:3.9.2
        env:
        - name: ZOO_SERVERS
          value: server.1=zk-0.zk-hs:2888:3888;2181 server.2=zk-1.zk-hs:2888:3888;2181 server.3=zk-2.zk-hs:2888:3888;2181
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

pub struct QuorumMembersMismatch;

/// Host names of the members in a list, by its format.
fn members(kind: List, value: &str) -> Vec<String> {
    let host_of = |s: &str| -> String {
        let s = s.split("://").last().unwrap_or(s);
        s.split([':', '/', ';'])
            .next()
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    match kind {
        // 1@kafka-0.kafka:9093,2@kafka-1.kafka:9093
        List::KafkaVoters => value
            .split(',')
            .filter_map(|m| m.split_once('@').map(|(_, h)| host_of(h)))
            .collect(),
        // server.1=zk-0.zk:2888:3888;2181 server.2=...
        List::ZooServers => value
            .split([' ', ','])
            .filter_map(|m| m.split_once('=').map(|(_, h)| host_of(h)))
            .collect(),
        // etcd-0=http://etcd-0.etcd:2380,etcd-1=...
        List::EtcdCluster => value
            .split(',')
            .filter_map(|m| m.split_once('=').map(|(_, h)| host_of(h)))
            .collect(),
    }
}

#[derive(Clone, Copy)]
enum List {
    KafkaVoters,
    ZooServers,
    EtcdCluster,
}

/// The value of `--initial-cluster` in a command line or script.
fn initial_cluster(arg: &str) -> Option<&str> {
    arg.match_indices("--initial-cluster")
        .find_map(|(at, flag)| {
            let rest = &arg[at + flag.len()..];
            let rest = rest.strip_prefix('=').or_else(|| rest.strip_prefix(' '))?;
            rest.split_whitespace()
                .next()
                .map(|v| v.trim_matches(['"', '\'']))
        })
}

impl Rule for QuorumMembersMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let n = replicas(s.sts);
        let first = first_ordinal(s, cx);
        let service = s.sts.spec.service_name.as_deref().unwrap_or("");
        for (cpath, c) in s.containers() {
            let env = c.env.as_deref().unwrap_or(&[]);
            let controller = env.iter().any(|e| {
                matches!(
                    e.name.as_str(),
                    "KAFKA_PROCESS_ROLES" | "KAFKA_CFG_PROCESS_ROLES"
                ) && e.value.as_deref().is_some_and(|v| v.contains("controller"))
            });
            let mut lists: Vec<(FieldPath, String, List, &str)> = Vec::new();
            for (j, e) in env.iter().enumerate() {
                let Some(v) = e.value.as_deref() else {
                    continue;
                };
                let kind = match e.name.as_str() {
                    // Brokers list another StatefulSet's controllers.
                    "KAFKA_CONTROLLER_QUORUM_VOTERS" | "KAFKA_CFG_CONTROLLER_QUORUM_VOTERS"
                        if controller =>
                    {
                        List::KafkaVoters
                    }
                    "ZOO_SERVERS" => List::ZooServers,
                    "ETCD_INITIAL_CLUSTER" => List::EtcdCluster,
                    _ => continue,
                };
                lists.push((container::env_value(cpath, j), e.name.clone(), kind, v));
            }
            for (path, _, a) in command_and_args(cpath, c) {
                if let Some(v) = initial_cluster(a) {
                    lists.push((
                        path.path(),
                        "--initial-cluster".to_owned(),
                        List::EtcdCluster,
                        v,
                    ));
                }
            }
            for (path, what, kind, value) in lists {
                // Values built at run time are not judged.
                if value.contains('$') {
                    continue;
                }
                if let Some(message) = mismatch(&members(kind, value), s, cx, n, service) {
                    cx.report(s.id, path, format!("{what}: {message}"))
                        .help(format!(
                            "List exactly the {n} pods {name}-{first} .. {name}-{last} as `{name}-<i>.{service}`, and update the list with replicas.",
                            name = s.obj.name,
                            last = first + n - 1
                        ))
                        .related(s.id, crate::model::path::sts::replicas(), format!("replicas: {n}"));
                }
            }
        }
    }
}

/// The ordinal of the first pod: `spec.ordinals.start` where the target
/// version honours it (StatefulSetStartOrdinal, on by default from 1.27),
/// else 0.
fn first_ordinal(s: &Sts<'_>, cx: &Cx<'_>) -> i32 {
    if !crate::kubernetes::START_ORDINAL.enabled(cx.version) {
        return 0;
    }
    s.sts
        .spec
        .ordinals
        .as_ref()
        .and_then(|o| o.start)
        .unwrap_or(0)
        .max(0)
}

/// The ordinal of the pod a member host names, if it is a pod of the set:
/// `<sts>-N.<service>...`, the pod's bare name `<sts>-N` in a one-replica
/// set (its own name resolves in its own pod), or a per-pod Service that
/// selects `statefulset.kubernetes.io/pod-name: <sts>-N`.
fn member_ordinal<'h>(
    host: &'h str,
    s: &Sts<'_>,
    cx: &Cx<'_>,
    n: i32,
    service: &str,
) -> Member<'h> {
    use crate::model::labels::LabelSet;
    let labels: Vec<&str> = host.split('.').collect();
    let prefix = format!("{}-", s.obj.name);
    let ordinal = |name: &str| {
        name.strip_prefix(&prefix)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|o| o.parse::<i32>().ok())
    };
    let ns_label = |at: usize| labels.get(at).copied();
    if let Some((_, svc)) = cx.index.service(&s.obj.namespace, labels[0])
        && let Some(sel) = &svc.selector
        && let Some(o) = sel
            .label("statefulset.kubernetes.io/pod-name")
            .and_then(ordinal)
    {
        return Member::Pod(o, ns_label(1));
    }
    if let Some(o) = ordinal(labels[0]) {
        if labels.get(1) == Some(&service) && !service.is_empty() {
            return Member::Pod(o, ns_label(2));
        }
        if labels.len() == 1 {
            return if n == 1 {
                Member::Pod(o, None)
            } else {
                Member::BareName(o)
            };
        }
    }
    Member::Other
}

enum Member<'h> {
    /// Pod N, and the namespace label of the name, if it has one.
    Pod(i32, Option<&'h str>),
    /// `<sts>-N` without the Service part, in a set of several pods.
    BareName(i32),
    Other,
}

/// What is wrong with a member list, if anything.
fn mismatch(hosts: &[String], s: &Sts<'_>, cx: &Cx<'_>, n: i32, service: &str) -> Option<String> {
    if hosts.is_empty() {
        return None;
    }
    let count = i32::try_from(hosts.len()).unwrap_or(i32::MAX);
    if count != n {
        return Some(format!(
            "lists {count} members but StatefulSet `{}` has {n} replicas",
            s.obj.name
        ));
    }
    let prefix = format!("{}-", s.obj.name);
    let first = first_ordinal(s, cx);
    for host in hosts {
        match member_ordinal(host, s, cx, n, service) {
            Member::Pod(o, ns) => {
                if !(first..first + n).contains(&o) {
                    return Some(format!(
                        "member `{host}` is pod {o} of StatefulSet `{}`, which has only pods {first}..{}",
                        s.obj.name,
                        first + n - 1
                    ));
                }
                if let Some(ns) = ns
                    && ns != s.obj.namespace
                {
                    return Some(format!(
                        "member `{host}` is in namespace `{ns}`, not {}",
                        super::namespace_shown(s.obj)
                    ));
                }
            }
            Member::BareName(o) => {
                return Some(format!(
                    "member `{host}` is pod {o} of StatefulSet `{}` without its Service part: only that pod itself resolves the bare name (`{host}.{service}`)",
                    s.obj.name
                ));
            }
            Member::Other => {
                return Some(format!(
                    "member `{host}` is not a pod of StatefulSet `{}` (`{}<0..{}>.{service}`, or a per-pod Service)",
                    s.obj.name,
                    prefix,
                    n - 1
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{List, initial_cluster, members};

    #[test]
    fn member_lists() {
        assert_eq!(
            members(
                List::KafkaVoters,
                "1@kafka-0.kafka:9093,2@kafka-1.kafka:9093"
            ),
            ["kafka-0.kafka", "kafka-1.kafka"]
        );
        assert_eq!(
            members(
                List::ZooServers,
                "server.1=zk-0.zk:2888:3888;2181 server.2=zk-1.zk:2888:3888;2181"
            ),
            ["zk-0.zk", "zk-1.zk"]
        );
        assert_eq!(
            members(
                List::EtcdCluster,
                "etcd-0=http://etcd-0.etcd:2380,etcd-1=https://etcd-1.etcd.db.svc:2380"
            ),
            ["etcd-0.etcd", "etcd-1.etcd.db.svc"]
        );
        assert_eq!(
            initial_cluster("etcd --initial-cluster=a=http://x:2380 --foo"),
            Some("a=http://x:2380")
        );
        assert_eq!(
            initial_cluster("--initial-cluster a=http://x:2380"),
            Some("a=http://x:2380")
        );
        assert_eq!(initial_cluster("--initial-cluster-state=new"), None);
        assert_eq!(
            initial_cluster("--initial-cluster-state=new --initial-cluster=a=http://x:2380"),
            Some("a=http://x:2380")
        );
    }
}
