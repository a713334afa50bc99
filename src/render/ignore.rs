//! Suppressions written for located diagnostics: a `# stslint: ignore[...]`
//! comment at the end of the line a diagnostic starts on, or the object's
//! `stslint.io/ignore` annotation where a comment cannot go (JSON, a line
//! inside a block scalar, an object kustomize renders). Like fixes, they
//! are verified: the edited document must read exactly as before (the
//! comment), or as before with the annotation set.

use serde_json::Value;

use super::{Position, Trees, document_range, fix};
use crate::finding::{Applicability, Fix, FixOp};
use crate::load::LoadedFile;
use crate::model::IGNORE_ANNOTATION;
use crate::model::path::FieldPath;
use crate::source::edit::TextEdit;
use crate::source::yaml11;

/// Where a suppression goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A comment at the end of the diagnostic's line.
    Line,
    /// The annotation of the object the diagnostic is on.
    Object,
}

/// Rules whose diagnostics are not silenced this way: a syntax error has no
/// object, and a suppression that silences nothing is removed, not ignored.
pub fn suppressible(rule: &str) -> bool {
    !matches!(rule, "yaml-syntax" | "unused-suppression")
}

/// The edits that silence `rules` where `at` is, with `reason` (may be
/// empty), or why they cannot be made.
pub fn plan(
    files: &[LoadedFile],
    at: &Position,
    rules: &[&str],
    reason: &str,
    place: Place,
) -> Result<Vec<TextEdit>, String> {
    let f = files
        .get(at.file)
        .ok_or_else(|| "the file is not at hand".to_owned())?;
    let document = at
        .document
        .ok_or_else(|| "the diagnostic is on no document".to_owned())?;
    let mut trees = Trees::default();
    let root = trees
        .root(files, at.file, document)
        .ok_or_else(|| "the document could not be read again".to_owned())?;
    let doc = document_range(f, document);
    let text = f.source.text();
    let json_doc = text
        .get(root.span())
        .is_some_and(|t| t.trim_start().starts_with('{'));
    let planned = match place {
        Place::Line if json_doc => {
            return Err("a JSON document has no comments".to_owned());
        }
        Place::Line => {
            let edit = comment_edit(text, at.span.start, rules, reason)?;
            let fix = Fix {
                text: vec![edit],
                ..Fix::new("ignore on this line", Applicability::Safe)
            };
            fix::plan_text(Some(root), doc, &fix)
        }
        Place::Object => {
            if at.path.starts_with("/items/") {
                return Err("the object is an item of a List".to_owned());
            }
            let fix = annotation_fix(&yaml11::to_json(&root), rules, reason)?;
            fix::plan(root, doc, &[], &fix)
        }
    };
    match planned.refused {
        Some(why) => Err(why),
        None => Ok(planned.edits),
    }
}

/// A comment at the end of the line holding `offset`, or the rules added
/// to the ignore comment already there.
fn comment_edit(
    text: &str,
    offset: usize,
    rules: &[&str],
    reason: &str,
) -> Result<TextEdit, String> {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let end = if text[..end].ends_with('\r') {
        end - 1
    } else {
        end
    };
    let line = &text[start..end];
    if let Some(k) = line.find("# stslint: ignore") {
        let rest = &line[k + "# stslint: ignore".len()..];
        let Some(list) = rest
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .map(|(l, _)| l)
        else {
            return Err("the line's ignore comment silences every rule already".to_owned());
        };
        let named: Vec<&str> = list.split(',').map(str::trim).collect();
        let new: Vec<&str> = rules
            .iter()
            .copied()
            .filter(|r| !named.contains(r))
            .collect();
        if new.is_empty() {
            return Err("the line's ignore comment names the rule already".to_owned());
        }
        let close = start + k + "# stslint: ignore[".len() + list.len();
        return Ok(TextEdit {
            span: close..close,
            text: format!(", {}", new.join(", ")),
        });
    }
    let mut comment = format!("  # stslint: ignore[{}]", rules.join(", "));
    if !reason.trim().is_empty() {
        comment.push(' ');
        comment.push_str(reason.trim());
    }
    let at = start + line.trim_end().len();
    Ok(TextEdit {
        span: at..end,
        text: comment,
    })
}

/// The object's `stslint.io/ignore` annotation naming `rules` too: set (the
/// rules added to those it names), or added with the annotations.
fn annotation_fix(object: &Value, rules: &[&str], reason: &str) -> Result<Fix, String> {
    let value = |names: &[&str], why: &str| {
        let mut v = names.join(", ");
        if !why.trim().is_empty() {
            v.push_str(" -- ");
            v.push_str(why.trim());
        }
        Value::String(v)
    };
    let fix = Fix::new("ignore on this object", Applicability::Safe);
    let metadata = object
        .get("metadata")
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| "the object has no metadata to annotate".to_owned())?;
    let annotations = metadata.get("annotations");
    let path = FieldPath::from_keys(&["metadata", "annotations"]);
    match annotations {
        Some(Value::Object(a)) => match a.get(IGNORE_ANNOTATION) {
            Some(Value::String(have)) => {
                let (list, why) = have.split_once("--").unwrap_or((have, ""));
                let mut names: Vec<&str> = list
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect();
                if names.contains(&"all") || rules.iter().all(|r| names.contains(r)) {
                    return Err("the object's annotation silences the rule already".to_owned());
                }
                let new: Vec<&str> = rules
                    .iter()
                    .copied()
                    .filter(|r| !names.contains(r))
                    .collect();
                names.extend(new);
                let why = if why.trim().is_empty() { reason } else { why };
                Ok(fix.edit(path.key(IGNORE_ANNOTATION), FixOp::Set(value(&names, why))))
            }
            Some(_) => Err("the object's ignore annotation is not a string".to_owned()),
            None if a.is_empty() => Err("the object's annotations are empty".to_owned()),
            None => Ok(fix.edit(
                path,
                FixOp::Insert(IGNORE_ANNOTATION.to_owned(), value(rules, reason)),
            )),
        },
        Some(_) => Err("the object's annotations are not a mapping".to_owned()),
        None => {
            let mut m = serde_json::Map::new();
            m.insert(IGNORE_ANNOTATION.to_owned(), value(rules, reason));
            Ok(fix.edit(
                FieldPath::from_keys(&["metadata"]),
                FixOp::Insert("annotations".to_owned(), Value::Object(m)),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_go_at_the_line_end_or_join_the_one_there() {
        let text = "a: 1   \r\nb: 2 # stslint: ignore[x] why\nc: 3\n";
        let e = comment_edit(text, 0, &["r"], "legacy").expect("comment");
        assert_eq!(e.span, 4..7);
        assert_eq!(e.text, "  # stslint: ignore[r] legacy");
        let b = text.find("b:").expect("b");
        let e = comment_edit(text, b, &["x", "y"], "").expect("joined");
        assert_eq!(
            &text[..e.span.start],
            &text[..text.find("] why").expect("]")]
        );
        assert_eq!(e.text, ", y");
        assert!(comment_edit(text, b, &["x"], "").is_err());
    }

    #[test]
    fn annotations_are_added_or_extended() {
        let obj = serde_json::json!({"metadata": {"name": "a", "annotations": {IGNORE_ANNOTATION: "x -- old"}}});
        let fix = annotation_fix(&obj, &["y"], "new").expect("fix");
        assert_eq!(fix.edits[0].op, FixOp::Set(Value::from("x, y -- old")));
        let bare = serde_json::json!({"metadata": {"name": "a"}});
        let fix = annotation_fix(&bare, &["y"], "").expect("fix");
        assert_eq!(
            fix.edits[0].op,
            FixOp::Insert(
                "annotations".into(),
                serde_json::json!({IGNORE_ANNOTATION: "y"})
            )
        );
    }
}
