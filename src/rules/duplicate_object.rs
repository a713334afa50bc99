use super::{Cx, Rule, RuleMeta, namespace_shown};
use crate::finding::{ObjId, Severity};
use crate::model::Object;
use crate::model::path::meta;

pub static META: RuleMeta = RuleMeta {
    id: "duplicate-object",
    severity: Severity::Warning,
    summary: "two manifests of one run define the same object (API group, kind, namespace and name)",
    why: "In a cluster an object exists once: applying both manifests makes the last one applied \
          win, and which one that is depends on file order. Two definitions in one file are a \
          warning; two files that define the same objects get one info per pair of files (at the \
          first object they share, with the count), since they may be variants that are never \
          applied together. stslint checks cross-references with the \
          first one it read, so a difference between the two (replicas, a selector, a budget) goes \
          unnoticed where it matters. Two copies are usually a stale file, a copy-paste that forgot \
          to rename, or two variants of one app (kustomize overlays, per-environment folders) linted \
          together: lint each variant on its own, or render it first.",
    bad: r#"apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  selector: {app: db}
---
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  selector: {app: db-v2}
"#,
    good: r#"apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  selector: {app: db}
---
apiVersion: v1
kind: Service
metadata:
  name: db-v2
spec:
  clusterIP: None
  selector: {app: db-v2}
"#,
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

pub struct DuplicateObject;

impl Rule for DuplicateObject {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, id: ObjId, obj: &Object, cx: &mut Cx<'_>) {
        let Some(first) = cx.index.earlier_same_object(id) else {
            return;
        };
        let first_obj = cx.index.object(first);
        let what = format!(
            "{} `{}` in namespace {}",
            obj.kind,
            obj.name,
            namespace_shown(obj)
        );
        if first_obj.file == obj.file {
            cx.report(
                id,
                meta::name(),
                format!("{what} is defined a second time in this file: stslint checks the first one, the cluster keeps the last one applied"),
            )
            .help("Remove one of the two, or rename one.")
            .related(first, meta::name(), "first defined here");
            return;
        }
        // Across files: one finding per pair of files, at info, since two
        // files may be variants of one app that are never applied together.
        let Some(n) = cx.index.copies_from_file(id) else {
            return;
        };
        let message = if n == 1 {
            format!(
                "{what} is also defined in another file: if both are applied, the last one wins; stslint checks the first one read"
            )
        } else {
            format!(
                "{what} and {} of this file are also defined in another file: if both files are applied, the last one wins; stslint checks the first ones read",
                crate::text::count(n - 1, "more object", "more objects")
            )
        };
        cx.report(id, meta::name(), message)
            .at_most(Severity::Info)
            .help("Remove the stale copy; if the files are variants of one app (per environment, kustomize overlays), lint each variant on its own.")
            .related(first, meta::name(), "first defined here");
    }
}
