use super::{Rule, RuleMeta};
use crate::finding::Severity;

pub static META: RuleMeta = RuleMeta {
    id: "yaml-syntax",
    severity: Severity::Error,
    summary: "a file or document does not parse as YAML or JSON, or cannot be read",
    why: "kubectl refuses the whole file, so nothing in it is applied. The location is where the \
          parser gave up; the other documents of the file are still linted. A key written twice in \
          one mapping is reported at the second key with both values: kubectl's YAML reader keeps \
          the last one without a word (so the first is silently ignored), while kustomize refuses \
          the file; stslint checks the object with the value kubectl uses.",
    bad: r#"apiVersion: v1
kind: Service
metadata:
  name: db
   namespace: x
"#,
    good: r#"apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: x
"#,
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

/// Reported by the loader; the rule exists for its metadata.
pub struct YamlSyntax;

impl Rule for YamlSyntax {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
