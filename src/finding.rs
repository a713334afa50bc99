//! The vocabulary every stage shares: severities, locations and findings.
//! Findings name an object and a field path; spans are resolved only when
//! rendering.

use std::fmt;
use std::ops::Range;

use crate::model::path::FieldPath;
use crate::source::FileId;

/// Index of an object in the run's object set.
pub type ObjId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a finding points.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Loc {
    /// A field of an object (the only kind of location rules produce).
    Field { obj: ObjId, path: FieldPath },
    /// A field whose span the engine already found while it held the
    /// object's tree (so the document need not be parsed again).
    Located {
        obj: ObjId,
        path: FieldPath,
        span: Range<usize>,
        missing: Option<String>,
    },
    /// A raw byte range of a file (syntax errors, unreadable files).
    Span {
        file: FileId,
        document: Option<usize>,
        span: Range<usize>,
    },
}

#[derive(Debug, Clone)]
pub struct Related {
    pub at: Loc,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static str,
    /// The most the finding's evidence supports, when that is below the
    /// rule's severity: the finding is reported at the lower of the two.
    pub at_most: Option<Severity>,
    pub message: String,
    pub help: Option<String>,
    pub at: Loc,
    /// A text inside the field's value to point at (a DNS name inside a
    /// multi-line script), when the value is longer than what is wrong.
    pub focus: Option<Box<str>>,
    pub related: Vec<Related>,
    /// How to fix it, when that is mechanical.
    pub fix: Option<Box<Fix>>,
}

/// How far a fix may be trusted, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Shown as a suggestion, never applied (it needs values only the
    /// operator knows).
    DisplayOnly,
    /// Applied with `--unsafe-fixes`: it changes behaviour, or is right
    /// for a new object but needs judgement for one already running.
    Unsafe,
    /// Applied with `--fix`: the object means what was intended, and
    /// nothing else changes.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display-only",
        }
    }
}

/// An operation at a field path of the finding's object.
#[derive(Debug, Clone, PartialEq)]
pub enum FixOp {
    /// Quote the plain scalar: the text it is written with becomes a
    /// string (`value: yes` -> `value: "yes"`).
    Quote,
    /// Set the scalar to a value.
    Set(serde_json::Value),
    /// Add a key to the mapping (the key must not be written yet).
    Insert(String, serde_json::Value),
    /// Remove the mapping entry or list item.
    Remove,
    /// Add an item at the end of the list.
    Append(serde_json::Value),
    /// Add an object as a new document after the finding's (path: the
    /// object itself).
    AddDocument(serde_json::Value),
}

/// One operation of a fix.
#[derive(Debug, Clone, PartialEq)]
pub struct FixEdit {
    pub path: FieldPath,
    pub op: FixOp,
}

/// A fix: operations on fields of the finding's object, planned into byte
/// edits when the finding is located. Findings of the policy layer that
/// point at text, not at a field (an unused suppression comment), give
/// byte edits of that file directly.
#[derive(Debug, Clone)]
pub struct Fix {
    /// What it does, imperative: "quote the value".
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<FixEdit>,
    pub text: Vec<crate::source::edit::TextEdit>,
    /// The edits planned and verified already (by the engine, while the
    /// object's tree was at hand), or why they cannot be.
    pub planned: Option<Result<Vec<crate::source::edit::TextEdit>, String>>,
}

impl Fix {
    pub fn new(title: impl Into<String>, applicability: Applicability) -> Fix {
        Fix {
            title: title.into(),
            applicability,
            edits: Vec::new(),
            text: Vec::new(),
            planned: None,
        }
    }

    pub fn edit(mut self, path: FieldPath, op: FixOp) -> Fix {
        self.edits.push(FixEdit { path, op });
        self
    }
}

/// `span` narrowed to the first occurrence of `focus` in `text` (the
/// source from the start of `span` on: a block scalar's span may cover only
/// its first line, and the value's text occurs in its source first).
pub fn narrow(span: Range<usize>, text: Option<&str>, focus: Option<&str>) -> Range<usize> {
    match (text, focus) {
        (Some(t), Some(f)) if !f.is_empty() => t
            .find(f)
            .map_or(span.clone(), |k| span.start + k..span.start + k + f.len()),
        _ => span,
    }
}

/// The prefix of the rule ids of ValidatingAdmissionPolicies
/// (`vap:<policy name>`).
pub const POLICY_PREFIX: &str = "vap:";

/// The prefix of the rule ids of stslint's own StatefulSetPolicies
/// (`policy/<policy name>`).
pub const NATIVE_PREFIX: &str = "policy/";

/// What a run's policy is, for `rules`, `explain` and SARIF's catalogue.
#[derive(Debug, Clone)]
pub struct PolicyInfo {
    /// Its findings' rule id: `vap:<name>` or `policy/<name>`.
    pub id: &'static str,
    /// `ValidatingAdmissionPolicy` or `StatefulSetPolicy`.
    pub kind: &'static str,
    /// The severity of its findings: a StatefulSetPolicy's own, or the
    /// strongest its bindings' validationActions give (none: unbound).
    pub severity: Option<Severity>,
    /// `spec.description` (StatefulSetPolicy), the `description`
    /// annotation, else the first validation's message.
    pub summary: String,
    pub help: Option<String>,
    pub url: Option<String>,
    /// The file it is written in, as the run names it.
    pub file: String,
}

/// The policy name of a policy's rule id (`vap:x`, `policy/x`), if it is
/// one.
pub fn policy_name(id: &str) -> Option<&str> {
    id.strip_prefix(POLICY_PREFIX)
        .or_else(|| id.strip_prefix(NATIVE_PREFIX))
        .filter(|n| !n.is_empty())
}

/// A rule id made at run time (a policy's `vap:<name>`) as a static
/// string: each distinct id is allocated once for the life of the process.
pub fn intern(id: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static IDS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut ids = IDS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(s) = ids.get(id) {
        return s;
    }
    let s: &'static str = Box::leak(id.to_owned().into_boxed_str());
    ids.insert(s);
    s
}
