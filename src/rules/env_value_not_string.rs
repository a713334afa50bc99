use super::{Rule, RuleMeta};
use crate::finding::Severity;

pub static META: RuleMeta = RuleMeta {
    id: "env-value-not-string",
    severity: Severity::Error,
    summary: "an env value that YAML reads as a boolean or a number (`value: true`, `value: 8080`, `value: yes`)",
    why: "Env values must be strings. kubectl reads YAML 1.1, where unquoted true/false, yes/no, \
          on/off and numbers (also 0644, read as octal 420) are not strings, and rejects the whole \
          object: `cannot unmarshal bool into Go struct field EnvVar.value of type string`.",
    bad: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: kafka\nspec:\n  selector:\n    matchLabels: {app: kafka}\n  template:\n    metadata:\n      labels: {app: kafka}\n    spec:\n      containers:\n      - name: kafka\n        image: apache/kafka:3.9.0\n        env:\n        - name: KAFKA_AUTO_CREATE_TOPICS_ENABLE\n          value: false\n",
    good: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: kafka\nspec:\n  selector:\n    matchLabels: {app: kafka}\n  template:\n    metadata:\n      labels: {app: kafka}\n    spec:\n      containers:\n      - name: kafka\n        image: apache/kafka:3.9.0\n        env:\n        - name: KAFKA_AUTO_CREATE_TOPICS_ENABLE\n          value: \"false\"\n",
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
