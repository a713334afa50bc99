//! Fixes planned into byte edits of a document, and verified: the edited
//! document is parsed again and must read as the original with the fix's
//! operations applied, or the fix is refused (and the diagnostic says why).

use std::ops::Range;
use std::sync::Arc;

use serde_json::Value;

use crate::finding::{Applicability, Fix, FixOp};
use crate::model::decode;
use crate::source::edit::{self, Op, TextEdit};
use crate::source::locate::Seg;
use crate::source::{Node, parse_source, yaml11};

/// A fix as a diagnostic carries it.
#[derive(Debug, Clone)]
pub struct PlannedFix {
    pub title: String,
    pub applicability: Applicability,
    /// Byte edits of the file, in order and disjoint; empty when refused.
    pub edits: Vec<TextEdit>,
    /// Why it cannot be applied, when it cannot.
    pub refused: Option<String>,
}

impl PlannedFix {
    /// Whether a run asked for fixes of `wanted` and above applies it.
    pub fn applies(&self, wanted: Applicability) -> bool {
        self.refused.is_none()
            && self.applicability >= wanted
            && self.applicability > Applicability::DisplayOnly
    }
}

/// Plan `fix` on the document `doc` (its byte range in the file) whose
/// tree is `root`; the fix's paths are under `base` (the object's place in
/// a List).
pub fn plan(root: Node<'_>, doc: Range<usize>, base: &[Seg], fix: &Fix) -> PlannedFix {
    planned(fix, edits_of(root, doc, base, fix))
}

/// Plan `fix` into its byte edits now, while the document's tree is at
/// hand (see [`plan`]), and keep them in the fix.
pub fn plan_early(root: Node<'_>, doc: Range<usize>, base: &[Seg], fix: &mut Fix) {
    if fix.planned.is_none() {
        fix.planned = Some(edits_of(root, doc, base, fix));
    }
}

/// The fix as planned early ([`plan_early`]), if it was.
pub fn planned_early(fix: &Fix) -> Option<PlannedFix> {
    fix.planned.clone().map(|edits| planned(fix, edits))
}

fn planned(fix: &Fix, edits: Result<Vec<TextEdit>, String>) -> PlannedFix {
    let (edits, refused) = match edits {
        Ok(e) => (e, None),
        Err(why) => (Vec::new(), Some(why)),
    };
    PlannedFix {
        title: fix.title.clone(),
        applicability: fix.applicability,
        edits,
        refused,
    }
}

/// A fix that cannot be planned, and why.
pub fn refused(fix: &Fix, why: &str) -> PlannedFix {
    planned(fix, Err(why.to_owned()))
}

/// A fix given as byte edits (a comment removed), verified to leave the
/// document reading the same.
pub fn plan_text(root: Option<Node<'_>>, doc: Range<usize>, fix: &Fix) -> PlannedFix {
    let checked = match root {
        Some(root) => verify(root, doc, fix.text.clone(), vec![yaml11::to_json(&root)]),
        None => Ok(fix.text.clone()),
    };
    planned(fix, checked)
}

fn edits_of(
    root: Node<'_>,
    doc: Range<usize>,
    base: &[Seg],
    fix: &Fix,
) -> Result<Vec<TextEdit>, String> {
    let mut expected = yaml11::to_json(&root);
    let mut added = Vec::new();
    let mut edits = Vec::new();
    for e in &fix.edits {
        let mut path = base.to_vec();
        path.extend(e.path.segs().iter().cloned());
        let op = match &e.op {
            FixOp::Quote => Op::Quote,
            FixOp::Set(v) => Op::Set(v),
            FixOp::Insert(k, v) => Op::Insert(k, v),
            FixOp::Remove => Op::Remove,
            FixOp::Append(v) => Op::Append(v),
            FixOp::AddDocument(v) => Op::AddDocument(v),
        };
        if matches!(e.op, FixOp::AddDocument(_)) && !base.is_empty() {
            return Err("the object is an item of a List".to_owned());
        }
        edits.extend(edit::plan(root, &path, op)?);
        let applied = match &e.op {
            FixOp::Quote => edit::written(root, &path)
                .is_some_and(|w| decode::set(&mut expected, &path, Value::String(w))),
            FixOp::Set(v) => decode::set(&mut expected, &path, v.clone()),
            FixOp::Insert(k, v) => decode::insert(&mut expected, &path, k, v.clone()),
            FixOp::Remove => decode::remove(&mut expected, &path),
            FixOp::Append(v) => decode::append(&mut expected, &path, v.clone()),
            FixOp::AddDocument(v) => {
                added.push(v.clone());
                true
            }
        };
        if !applied {
            return Err("the field it changes is not there".to_owned());
        }
    }
    let mut expected = vec![expected];
    expected.extend(added);
    verify(root, doc, edits, expected)
}

/// The edits, sorted, if the document they produce reads as `expected`.
fn verify(
    root: Node<'_>,
    doc: Range<usize>,
    mut edits: Vec<TextEdit>,
    expected: Vec<Value>,
) -> Result<Vec<TextEdit>, String> {
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    if edits.windows(2).any(|w| w[1].span.start < w[0].span.end) {
        return Err("its edits overlap".to_owned());
    }
    let text = root
        .text_at(doc.clone())
        .ok_or_else(|| "the document's text is not at hand".to_owned())?;
    let edited = edit::apply(text, doc.start, &edits)
        .ok_or_else(|| "its edits fall outside the document".to_owned())?;
    let (docs, problems) = parse_source(&Arc::new(edited));
    let again = docs
        .iter()
        .filter_map(|d| d.tree.as_deref())
        .filter_map(|t| t.root())
        .map(|r| yaml11::to_json(&r))
        .collect::<Vec<_>>();
    if !problems.is_empty() || again != expected {
        return Err("the edited text would not read back as intended".to_owned());
    }
    Ok(edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::path::FieldPath;

    fn fixed(text: &str, fix: &Fix) -> Result<String, String> {
        let (docs, _) = parse_source(&Arc::new(text.to_owned()));
        let tree = docs[0].tree.as_deref().ok_or("no tree")?;
        let root = tree.root().ok_or("no root")?;
        let p = plan(root, 0..text.len(), &[], fix);
        match p.refused {
            Some(why) => Err(why),
            None => Ok(edit::apply(text, 0, &p.edits).ok_or("apply")?),
        }
    }

    fn at(keys: &[&str]) -> FieldPath {
        FieldPath(
            keys.iter()
                .map(|k| match k.parse::<usize>() {
                    Ok(i) => Seg::Index(i),
                    Err(_) => Seg::Key((*k).to_owned()),
                })
                .collect(),
        )
    }

    #[test]
    fn quoting_keeps_comments_and_layout() {
        let fix = Fix::new("q", Applicability::Safe).edit(at(&["env", "0", "value"]), FixOp::Quote);
        let text = "env:\n  - name: A\n    value: yes   # on purpose\n";
        assert_eq!(
            fixed(text, &fix).as_deref(),
            Ok("env:\n  - name: A\n    value: \"yes\"   # on purpose\n")
        );
        let crlf = "env:\r\n- name: A\r\n  value: 0644\r\n";
        assert_eq!(
            fixed(crlf, &fix).as_deref(),
            Ok("env:\r\n- name: A\r\n  value: \"0644\"\r\n")
        );
    }

    #[test]
    fn set_insert_and_remove_follow_the_style_around_them() {
        let set = Fix::new("s", Applicability::Unsafe)
            .edit(at(&["spec", "a"]), FixOp::Set(Value::from(1)));
        assert_eq!(
            fixed("spec: {a: 0, b: x}\n", &set).as_deref(),
            Ok("spec: {a: 1, b: x}\n")
        );
        let ins = Fix::new("i", Applicability::Unsafe)
            .edit(at(&["spec"]), FixOp::Insert("k".into(), Value::from("on")));
        assert_eq!(
            fixed("spec:\n    a: 0  # c\nother: 1\n", &ins).as_deref(),
            Ok("spec:\n    a: 0  # c\n    k: \"on\"\nother: 1\n")
        );
        assert_eq!(
            fixed("{\"spec\": {\"a\": 0}}", &ins).as_deref(),
            Ok("{\"spec\": {\"a\": 0, \"k\": \"on\"}}")
        );
        let rm = Fix::new("r", Applicability::Unsafe).edit(at(&["spec", "a"]), FixOp::Remove);
        assert_eq!(
            fixed("spec:\n  a: |\n    a\n    b\n\n  b: 1\n", &rm).as_deref(),
            Ok("spec:\n\n  b: 1\n")
        );
        // A mapping that ends in a block scalar ends there, not at the key
        // after it.
        let rm = Fix::new("r", Applicability::Unsafe).edit(at(&["m", "a"]), FixOp::Remove);
        assert_eq!(
            fixed("m:\n  a:\n    x: |\n      text\n  name: db\n", &rm).as_deref(),
            Ok("m:\n  name: db\n")
        );
    }

    #[test]
    fn appended_items_and_documents_follow_the_sequence_style() {
        let item = serde_json::json!({"name": "PGDATA", "value": "/data/pgdata"});
        let app = Fix::new("a", Applicability::Unsafe).edit(at(&["env"]), FixOp::Append(item));
        assert_eq!(
            fixed("env:\n- name: A\n  value: x # c\nb: 1\n", &app).as_deref(),
            Ok("env:\n- name: A\n  value: x # c\n- name: PGDATA\n  value: /data/pgdata\nb: 1\n")
        );
        assert_eq!(
            fixed("env:\r\n    - name: A\r\n", &app).as_deref(),
            Ok("env:\r\n    - name: A\r\n    - name: PGDATA\r\n      value: /data/pgdata\r\n")
        );
        assert_eq!(
            fixed("{\"env\": [{\"name\": \"A\"}]}", &app).as_deref(),
            Ok(
                "{\"env\": [{\"name\": \"A\"}, {\"name\": \"PGDATA\", \"value\": \"/data/pgdata\"}]}"
            )
        );
        let svc = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Service",
            "spec": {"clusterIP": "None", "ports": [{"name": "pg", "port": 5432}]},
        });
        let doc = Fix::new("d", Applicability::Unsafe).edit(at(&[]), FixOp::AddDocument(svc));
        assert_eq!(
            fixed("kind: X\nspec:\n  l:\n    - 1\n", &doc).as_deref(),
            Ok(
                "kind: X\nspec:\n  l:\n    - 1\n---\napiVersion: v1\nkind: Service\nspec:\n  clusterIP: None\n  ports:\n    - name: pg\n      port: 5432\n"
            )
        );
        assert_eq!(
            fixed("kind: X\nl:\n- 1", &doc).as_deref(),
            Ok(
                "kind: X\nl:\n- 1\n---\napiVersion: v1\nkind: Service\nspec:\n  clusterIP: None\n  ports:\n  - name: pg\n    port: 5432"
            )
        );
        assert!(fixed("{\"kind\": \"X\"}", &doc).is_err());
    }

    #[test]
    fn what_would_not_read_back_is_refused() {
        let fix = Fix::new("q", Applicability::Safe).edit(at(&["a"]), FixOp::Quote);
        assert!(fixed("a: &x yes\nb: *x\n", &fix).is_err());
        assert!(fixed("a: \"yes\"\n", &fix).is_err());
        let alias =
            Fix::new("s", Applicability::Safe).edit(at(&["b", "c"]), FixOp::Set(Value::from(2)));
        assert!(fixed("a: &x {c: 1}\nb: *x\n", &alias).is_err());
    }
}
