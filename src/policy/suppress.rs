//! Suppression: the `stslint.io/ignore` object annotation and
//! `# stslint: ignore[...]` comments, and the unused-suppression findings
//! for those that silenced nothing.

use std::collections::HashMap;
use std::ops::Range;

use super::suggest;
use crate::finding::{Applicability, Finding, Fix, Loc, ObjId};
use crate::index::Index;
use crate::load::LoadedFile;
use crate::model::IGNORE_ANNOTATION;
use crate::model::path::FieldPath;
use crate::render::Diagnostic;
use crate::source::FileId;
use crate::source::edit::TextEdit;

/// The rules one suppression names (`None`: all rules).
#[derive(Debug, Clone)]
struct Rules(Option<Vec<String>>);

impl Rules {
    fn parse(list: &str) -> Rules {
        let ids: Vec<String> = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if ids.is_empty() || ids.iter().any(|id| id == "all") {
            Rules(None)
        } else {
            Rules(Some(ids))
        }
    }

    /// The index of the named rule that covers `rule` (0 for `all`).
    fn covers(&self, rule: &str) -> Option<usize> {
        match &self.0 {
            None => Some(0),
            Some(ids) => ids
                .iter()
                .position(|id| id == rule || renamed_to(id) == Some(rule)),
        }
    }

    fn names(&self) -> Vec<String> {
        self.0.clone().unwrap_or_else(|| vec!["all".to_owned()])
    }
}

/// A `# stslint: ignore[...]` or `# stslint: ignore-file[...]` comment.
#[derive(Debug)]
struct Comment {
    file: FileId,
    span: Range<usize>,
    /// The 1-based line it silences (`None` for ignore-file).
    line: Option<usize>,
    rules: Rules,
    used: Vec<bool>,
}

/// Find suppression comments in a file. A comment alone on its line
/// silences the next line; a trailing comment silences its own line.
fn comments(file: FileId, f: &LoadedFile) -> Vec<Comment> {
    let text = f.source.text();
    let mut out = Vec::new();
    for (at, _) in text.match_indices("stslint:") {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let before = &text[line_start..at];
        let Some(hash) = before.rfind('#') else {
            continue;
        };
        if !before[hash + 1..].trim().is_empty() {
            continue;
        }
        let code = &before[..hash];
        if !(code.is_empty() || code.ends_with([' ', '\t'])) {
            continue;
        }
        let line_end = text[at..].find(['\n', '\r']).map_or(text.len(), |i| at + i);
        let body = text[at + "stslint:".len()..line_end].trim_start();
        let (whole_file, rest) = if let Some(r) = body.strip_prefix("ignore-file") {
            (true, r)
        } else if let Some(r) = body.strip_prefix("ignore") {
            (false, r)
        } else {
            continue;
        };
        let rules = match rest.strip_prefix('[').and_then(|r| r.split_once(']')) {
            Some((list, _)) => Rules::parse(list),
            None => Rules(None),
        };
        let (this_line, _) = f.source.line_col(at);
        let line = if whole_file {
            None
        } else if code.trim().is_empty() {
            Some(this_line + 1)
        } else {
            Some(this_line)
        };
        let n = rules.names().len();
        out.push(Comment {
            file,
            span: line_start + hash..line_end,
            line,
            rules,
            used: vec![false; n],
        });
    }
    out
}

/// An object's `stslint.io/ignore` annotation: `rule-a, rule-b -- reason`.
struct Annotation {
    obj: ObjId,
    rules: Rules,
    used: Vec<bool>,
}

fn annotation(obj: ObjId, value: &str) -> Annotation {
    let list = value.split_once("--").map_or(value, |(l, _)| l);
    let rules = Rules::parse(list);
    let n = rules.names().len();
    Annotation {
        obj,
        rules,
        used: vec![false; n],
    }
}

fn annotation_path() -> FieldPath {
    FieldPath::from_keys(&["metadata", "annotations", IGNORE_ANNOTATION])
}

/// Drop suppressed diagnostics; return the kept ones and the
/// unused-suppression findings (not yet located).
pub fn apply(
    diags: Vec<Diagnostic>,
    files: &[LoadedFile],
    index: &Index,
) -> (Vec<Diagnostic>, Vec<Finding>) {
    let mut comments: Vec<Comment> = files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.source.has_directives())
        .flat_map(|(id, f)| comments(id, f))
        .collect();
    let mut annotations: Vec<Annotation> = index
        .objects
        .iter()
        .enumerate()
        .filter_map(|(id, o)| o.ignore.as_deref().map(|v| annotation(id, v)))
        .collect();
    // Each diagnostic looks up its file's comments and its objects'
    // annotations directly, not by scanning all of them.
    let by_object: HashMap<ObjId, usize> = annotations
        .iter()
        .enumerate()
        .map(|(i, a)| (a.obj, i))
        .collect();
    let mut by_file: HashMap<FileId, Vec<usize>> = HashMap::new();
    for (i, c) in comments.iter().enumerate() {
        by_file.entry(c.file).or_default().push(i);
    }
    let kept = diags
        .into_iter()
        .filter(|d| {
            let mut silenced = false;
            for &i in by_file.get(&d.at.file).into_iter().flatten() {
                let c = &mut comments[i];
                if c.line.is_none_or(|l| l == d.at.line)
                    && let Some(i) = c.rules.covers(d.rule)
                {
                    c.used[i] = true;
                    silenced = true;
                }
            }
            let objects =
                d.at.object_id
                    .into_iter()
                    .chain(d.related.iter().filter_map(|r| r.at.object_id));
            for obj in objects {
                if let Some(&ai) = by_object.get(&obj) {
                    let a = &mut annotations[ai];
                    if let Some(i) = a.rules.covers(d.rule) {
                        a.used[i] = true;
                        silenced = true;
                    }
                }
            }
            !silenced
        })
        .collect();
    let mut unused = Vec::new();
    for c in &comments {
        // A comment that silences nothing at all goes (safe: a comment
        // changes nothing the cluster sees; the renderer checks that the
        // document reads the same without it).
        let none_used = !c.used.iter().any(|u| *u);
        for (name, used) in c.rules.names().iter().zip(&c.used) {
            if !used {
                let mut f = unused_finding(
                    name,
                    Loc::Span {
                        file: c.file,
                        document: None,
                        span: c.span.clone(),
                    },
                );
                if none_used && is_known(name) {
                    let edit = removal(&files[c.file], &c.span);
                    let mut fix = Fix::new("remove the comment", Applicability::Safe);
                    fix.text.push(edit);
                    f.fix = Some(Box::new(fix));
                }
                unused.push(f);
            }
        }
    }
    for a in &annotations {
        for (name, used) in a.rules.names().iter().zip(&a.used) {
            if !used {
                unused.push(unused_finding(
                    name,
                    Loc::Field {
                        obj: a.obj,
                        path: annotation_path(),
                    },
                ));
            }
        }
    }
    (kept, unused)
}

/// The current id of a renamed rule id.
fn renamed_to(id: &str) -> Option<&'static str> {
    crate::policy::config::RENAMED
        .iter()
        .find(|(old, _)| *old == id)
        .map(|(_, new)| *new)
}

/// The edit that removes the comment at `span`: its whole line when it is
/// alone there, else the comment and the blanks before it.
fn removal(f: &LoadedFile, span: &Range<usize>) -> TextEdit {
    let text = f.source.text();
    let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..span.start];
    if before.trim().is_empty() {
        let end = text[span.end..]
            .find('\n')
            .map_or(text.len(), |i| span.end + i + 1);
        TextEdit {
            span: line_start..end,
            text: String::new(),
        }
    } else {
        TextEdit {
            span: line_start + before.trim_end().len()..span.end,
            text: String::new(),
        }
    }
}

fn is_known(name: &str) -> bool {
    name == "all"
        || crate::rules::find(name).is_some()
        || renamed_to(name).is_some()
        || crate::finding::policy_name(name).is_some()
}

fn unused_finding(name: &str, at: Loc) -> Finding {
    let (message, help) = if is_known(name) {
        (
            format!("suppression of `{name}` silences nothing here"),
            "Remove it: the diagnostic it was written for is gone.".to_owned(),
        )
    } else {
        (
            format!("suppression names unknown rule `{name}`"),
            match suggest(name) {
                Some(s) => format!("Did you mean `{s}`?"),
                None => "Run `stslint rules` for the rule ids.".to_owned(),
            },
        )
    };
    Finding {
        rule: "unused-suppression",
        at_most: None,
        focus: None,
        message,
        help: Some(help),
        at,
        related: Vec::new(),
        fix: None,
    }
}
