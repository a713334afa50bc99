use super::{Rule, RuleMeta};
use crate::finding::Severity;

pub static META: RuleMeta = RuleMeta {
    id: "env-value-not-string",
    severity: Severity::Error,
    summary: "an env value that YAML reads as a boolean or a number (`value: true`, `value: 8080`, `value: yes`)",
    why: "Env values must be strings. kubectl reads YAML 1.1, where unquoted true/false, yes/no, \
          on/off and numbers (also 0644, read as octal 420) are not strings, and rejects the whole \
          object: `cannot unmarshal bool into Go struct field EnvVar.value of type string`.",
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
        - name: KAFKA_AUTO_CREATE_TOPICS_ENABLE
          value: false
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
        - name: KAFKA_AUTO_CREATE_TOPICS_ENABLE
          value: 'false'
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

/// Reported while decoding; the rule exists for its metadata.
pub struct EnvValueNotString;

impl Rule for EnvValueNotString {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
