use super::{Rule, RuleMeta};
use crate::finding::Severity;

pub static META: RuleMeta = RuleMeta {
    id: "policy-invalid",
    severity: Severity::Error,
    summary: "a ValidatingAdmissionPolicy or its binding is malformed: an expression does not compile, a required field is missing",
    why: "The API server rejects such a policy or binding, or runs it with every request failing; \
          either way the policy does not do what its author meant. A CEL expression that does not \
          compile is reported at the line and column where the parser gave up, inside the YAML \
          string.",
    bad: r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas-at-least-three
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [statefulsets]
  validations:
  - expression: "object.spec.replicas >= 3 &&"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replicas-at-least-three
spec:
  policyName: replicas-at-least-three
  validationActions: [Deny]
"#,
    good: r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas-at-least-three
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [statefulsets]
  validations:
  - expression: "object.spec.replicas >= 3"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replicas-at-least-three
spec:
  policyName: replicas-at-least-three
  validationActions: [Deny]
"#,
    since: "0.2.0",
    needs_baseline: false,
    options: &[],
};

/// Reported while the policies are read; the rule exists for its metadata.
pub struct PolicyInvalid;

impl Rule for PolicyInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
