use super::{Rule, RuleMeta};
use crate::finding::Severity;

pub static META: RuleMeta = RuleMeta {
    id: "policy-not-evaluable",
    severity: Severity::Warning,
    summary: "a ValidatingAdmissionPolicy cannot be checked offline on an object it matches, or does not run at all",
    why: "An unknown result must not look like a pass. A policy that calls `authorizer`, or a CEL \
          function stslint does not implement, is reported at that expression (a warning); a \
          namespaceSelector on labels of a namespace whose manifest is not in the run, a binding \
          whose policy is not among the manifests, a policy no binding names, and a failure that \
          `failurePolicy: Ignore` lets pass are notes (info).",
    bad: r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: only-admins-scale
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [statefulsets]
  validations:
  - expression: "authorizer.group('apps').resource('statefulsets').check('scale').allowed()"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: only-admins-scale
spec:
  policyName: only-admins-scale
  validationActions: [Deny]
---
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  selector: {app: db}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: registry.example.com/app:1.4.2
        readinessProbe:
          httpGet: {path: /ready, port: 8080}
"#,
    good: r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: only-admins-scale
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [statefulsets]
  validations:
  - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: only-admins-scale
spec:
  policyName: only-admins-scale
  validationActions: [Deny]
---
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  selector: {app: db}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: registry.example.com/app:1.4.2
        readinessProbe:
          httpGet: {path: /ready, port: 8080}
"#,
    since: "0.2.0",
    needs_baseline: false,
    options: &[],
};

/// Reported while the policies run; the rule exists for its metadata.
pub struct PolicyNotEvaluable;

impl Rule for PolicyNotEvaluable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
}
