use super::{Rule, RuleMeta};
use crate::finding::Severity;

pub static META: RuleMeta = RuleMeta {
    id: "invalid-object",
    severity: Severity::Error,
    summary: "a StatefulSet, Service, PodDisruptionBudget or PersistentVolumeClaim has a field of the wrong type or misses a required one",
    why: "kubectl reads YAML 1.1, so `value: true`, `value: 8080` or `replicas: three` are the wrong \
          type and the object is rejected. The field is reported, dropped, and the rest of the object \
          is still checked.",
    bad: r#"apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  ports:
  - port: yes
"#,
    good: r#"apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  ports:
  - port: 5432
"#,
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

/// Reported by the loader; the rule exists for its metadata.
pub struct InvalidObject;

impl Rule for InvalidObject {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
