use super::{Rule, RuleMeta};
use crate::finding::Severity;

pub static META: RuleMeta = RuleMeta {
    id: "policy-unknown-field",
    severity: Severity::Error,
    summary: "a policy expression selects a field that the kind it matches does not have",
    why: "`object.spec.replica` is never set on a StatefulSet: at admission the expression fails \
          with \"no such key\" (and with `failurePolicy: Fail` every matching request is \
          rejected), or a `has()` of it is always false and the check never runs. The API server \
          accepts such a policy with only a type-check warning in its status. stslint follows \
          every selection rooted in `object` and `oldObject` (and in a StatefulSetPolicy's \
          `service`, `pdbs` and `claims`) through `all()`, `exists()`, `map()`, `?.`, indexes \
          and the policy's variables, and checks it against the schema it decodes the kind \
          with. It says nothing when a matched kind is one it has no schema for (only \
          StatefulSet, Service, PodDisruptionBudget and PersistentVolumeClaim are known), and \
          map keys such as labels are never fields.",
    bad: r#"apiVersion: stslint.io/v1alpha1
kind: StatefulSetPolicy
metadata:
  name: memory-limits
spec:
  severity: error
  validations:
  - forEach: object.spec.template.spec.containers
    as: c
    expression: "has(c.resources.limit.memory)"
    fieldPath: resources
    message: every container sets a memory limit
"#,
    good: r#"apiVersion: stslint.io/v1alpha1
kind: StatefulSetPolicy
metadata:
  name: memory-limits
spec:
  severity: error
  validations:
  - forEach: object.spec.template.spec.containers
    as: c
    expression: "has(c.resources.limits.memory)"
    fieldPath: resources
    message: every container sets a memory limit
"#,
    since: "0.2.0",
    needs_baseline: false,
    options: &[],
};

/// Reported while the policies are read; the rule exists for its metadata.
pub struct PolicyUnknownField;

impl Rule for PolicyUnknownField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
