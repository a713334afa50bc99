use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::Severity;
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "termination-grace-too-short",
    severity: Severity::Warning,
    summary: "a database or broker gets less than 10 seconds between SIGTERM and SIGKILL (terminationGracePeriodSeconds)",
    why: "On every rolling update, drain and scale-down the kubelet sends SIGTERM and, after \
          terminationGracePeriodSeconds, SIGKILL. A database needs that time to finish a checkpoint \
          and close its files; a leader needs it to hand leadership over (a Kafka controlled \
          shutdown, an etcd or ZooKeeper leader transfer, a Patroni switchover). Killed at once, it \
          recovers from its log on the next start (slow, and risky with unsafe fsync settings), \
          and its peers wait out a session or election timeout with no leader. The default, 30 \
          seconds, is fine for most; 0 means no grace at all. Caches with persistence off are not \
          reported.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: pg
spec:
  serviceName: pg
  selector:
    matchLabels: {app: pg}
  template:
    metadata:
      labels: {app: pg}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: pg
        image: postgres:16.4
"#,
    good: r#"apiVersion: v1
kind: Service
metadata: {name: pg}
spec:
  clusterIP: None
  selector: {app: pg}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: pg}
spec:
  serviceName: pg
  selector:
    matchLabels: {app: pg}
  template:
    metadata:
      labels: {app: pg}
    spec:
      terminationGracePeriodSeconds: 60
      containers:
      - name: pg
        image: postgres:16.4
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

/// Seconds below which a stateful server is not given time to stop cleanly.
const ENOUGH: i64 = 10;

pub struct TerminationGraceTooShort;

impl Rule for TerminationGraceTooShort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let Some(grace) = s
            .sts
            .spec
            .template
            .spec
            .as_ref()
            .and_then(|p| p.termination_grace_period_seconds)
        else {
            return;
        };
        if grace >= ENOUGH {
            return;
        }
        let Some(server) = s.known().iter().find(|p| p.cache.is_none()) else {
            return;
        };
        let what = if grace <= 0 {
            "no time at all".to_owned()
        } else {
            format!("{grace} second{}", if grace == 1 { "" } else { "s" })
        };
        cx.report(
            s.id,
            p::pod_spec().key("terminationGracePeriodSeconds"),
            format!(
                "terminationGracePeriodSeconds: {grace} gives {} ({}) {what} to shut down before SIGKILL: it stops without a clean shutdown or leader hand-off",
                server.system.name(),
                server.evidence
            ),
        )
        .help("Remove the field (30 seconds by default) or give it more, e.g. `terminationGracePeriodSeconds: 60` for a database or broker.");
    }
}
