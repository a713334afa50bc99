use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::{Applicability, Fix, FixOp, Severity};
use crate::model::path::container;

pub static META: RuleMeta = RuleMeta {
    id: "broker-id-from-pod-name",
    severity: Severity::Error,
    summary: "a numeric member id (KAFKA_BROKER_ID, KAFKA_NODE_ID, ZOO_MY_ID, ...) is taken from metadata.name",
    why: "fieldRef `metadata.name` gives the pod name, `kafka-0`, not the ordinal 0. Kafka, \
          ZooKeeper and similar systems expect an integer and fail to start, or every member gets \
          the same unparseable id.",
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
        image: apache/kafka:3.9.0
        env:
        - name: KAFKA_NODE_ID
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
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
        image: apache/kafka:3.9.0
        env:
        - name: KAFKA_NODE_ID
          valueFrom:
            fieldRef:
              fieldPath: metadata.labels['apps.kubernetes.io/pod-index']
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

pub struct BrokerIdFromPodName;

const POD_INDEX: &str = "metadata.labels['apps.kubernetes.io/pod-index']";

/// Env names that must carry a numeric member id.
fn is_id_name(name: &str) -> bool {
    const EXACT: [&str; 5] = [
        "KAFKA_BROKER_ID",
        "KAFKA_NODE_ID",
        "KAFKA_CFG_NODE_ID",
        "KAFKA_CFG_BROKER_ID",
        "ZOO_MY_ID",
    ];
    const SUFFIXES: [&str; 4] = ["_BROKER_ID", "_NODE_ID", "_SERVER_ID", "MY_ID"];
    EXACT.contains(&name) || SUFFIXES.iter().any(|s| name.ends_with(s))
}

impl Rule for BrokerIdFromPodName {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        for (cpath, c) in s.containers() {
            for (j, e) in c.env.iter().flatten().enumerate() {
                let from_name = e
                    .value_from
                    .as_ref()
                    .and_then(|v| v.field_ref.as_ref())
                    .is_some_and(|f| f.field_path == "metadata.name");
                if !from_name || !is_id_name(&e.name) {
                    continue;
                }
                // Unsafe: ids become the ordinals (0-based, or from
                // spec.ordinals.start), which member lists must match, and
                // pods created before 1.28 lack the label.
                let field = container::env_field_path(cpath, j);
                let fix = Fix::new(
                    "take the id from the pod-index label",
                    Applicability::Unsafe,
                )
                .edit(field.clone(), FixOp::Set(POD_INDEX.into()));
                let message = format!(
                    "`{}` is set from metadata.name, which is `{}-0`, not the number 0",
                    e.name, s.obj.name
                );
                // The label exists from 1.28: before, no fix and no advice
                // to use it.
                if crate::kubernetes::POD_INDEX_LABEL.exists(cx.version) {
                    cx.report(s.id, field, message)
                        .help("Use fieldRef `metadata.labels['apps.kubernetes.io/pod-index']` (Kubernetes 1.28+, GA in 1.32), or derive it in the entrypoint with `${HOSTNAME##*-}`.")
                        .fix(fix);
                } else {
                    let v = cx.version;
                    cx.report(s.id, field, message).help(format!(
                        "Derive it in the entrypoint with `${{HOSTNAME##*-}}` (the pod-index label, set from Kubernetes 1.28, is not there in {v}).",
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn id_names() {
        assert!(super::is_id_name("KAFKA_BROKER_ID"));
        assert!(super::is_id_name("ZOO_MY_ID"));
        assert!(super::is_id_name("MYAPP_SERVER_ID"));
        assert!(!super::is_id_name("POD_NAME"));
        assert!(!super::is_id_name("KAFKA_CLUSTER_ID_FILE"));
    }
}
