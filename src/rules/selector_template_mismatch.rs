use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::{Applicability, Fix, FixOp, Severity};
use crate::index::{selector_is_empty, selector_matches};
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "selector-template-mismatch",
    severity: Severity::Error,
    summary: "spec.selector does not select spec.template.metadata.labels",
    why: "The API server rejects a StatefulSet whose selector does not match its own pod template \
          (`selector does not match template labels`), and an empty selector is invalid. Because \
          the selector is immutable, fixing it later means deleting the StatefulSet.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  selector:
    matchLabels: {app: database}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: postgres:16
"#,
    good: r#"apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: postgres:16
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

pub struct SelectorTemplateMismatch;

/// Giving the pod template the selector's labels (the selector is
/// immutable, the template is not). Unsafe: the new labels roll every pod
/// and may bring the pods into other Services, budgets and policies.
/// None when the selector uses expressions.
fn labels_fix(s: &Sts<'_>) -> Option<Fix> {
    let selector = &s.sts.spec.selector;
    if selector
        .match_expressions
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        return None;
    }
    let wanted = selector.match_labels.as_ref()?;
    let template = &s.sts.spec.template.metadata;
    let fix = Fix::new(
        "give the pod template the selector's labels",
        Applicability::Unsafe,
    );
    let Some(labels) = template.as_ref().and_then(|m| m.labels.as_ref()) else {
        let labels = serde_json::to_value(wanted).ok()?;
        return Some(match template {
            Some(_) => fix.edit(
                p::spec().keys(&["template", "metadata"]),
                FixOp::Insert("labels".to_owned(), labels),
            ),
            None => fix.edit(
                p::spec().key("template"),
                FixOp::Insert(
                    "metadata".to_owned(),
                    serde_json::json!({ "labels": labels }),
                ),
            ),
        });
    };
    let mut fix = fix;
    for (k, v) in wanted {
        fix = match labels.get(k) {
            Some(have) if have == v => continue,
            Some(_) => fix.edit(p::template_labels().key(k), FixOp::Set(v.as_str().into())),
            None => fix.edit(
                p::template_labels(),
                FixOp::Insert(k.clone(), v.as_str().into()),
            ),
        };
    }
    Some(fix)
}

impl Rule for SelectorTemplateMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let spec = &s.sts.spec;
        // A missing or empty selector is reported by invalid-object.
        if selector_is_empty(&spec.selector) {
            return;
        }
        if !selector_matches(&spec.selector, &s.labels) {
            let (at_most, why) = super::labels_evidence(&[s.obj]);
            cx.report(
                s.id,
                p::selector(),
                format!("spec.selector does not select the pod template labels of StatefulSet `{}`{why}", s.obj.name),
            )
            .at_most(at_most)
            .help("Make spec.selector match spec.template.metadata.labels (the selector is immutable: fix the labels, or re-create the StatefulSet).")
            .related(s.id, p::template_labels(), "the pod template's labels")
            .fix_opt(labels_fix(s));
        }
    }
}
