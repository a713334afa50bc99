//! Turning findings into located diagnostics, and the output formats.

pub mod fix;
pub mod github;
pub mod helm;
pub mod human;
pub mod ignore;
pub mod json;
pub mod junit;
pub mod lsp;
pub mod origin;
pub mod sarif;
pub mod short;

use std::ops::Range;

use crate::finding::{Finding, Loc, ObjId, Severity};
use crate::index::Index;
use crate::load::LoadedFile;
use crate::policy::Policy;
use std::collections::HashMap;

use crate::source::locate::{Seg, locate};
use crate::source::{FileId, Node, PIN_BYTES, Tree, reparse_document};

/// The object a diagnostic is about.
#[derive(Debug, Clone)]
pub struct ObjectInfo {
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

/// A resolved position in a file.
#[derive(Debug, Clone)]
pub struct Position {
    pub file: FileId,
    pub file_name: String,
    /// Byte range in the file.
    pub span: Range<usize>,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// RFC 6901 pointer inside the document.
    pub path: String,
    pub document: Option<usize>,
    pub object: Option<ObjectInfo>,
    /// The object's id in the run's object set.
    pub object_id: Option<ObjId>,
    /// The first field of the path that does not exist, when the position
    /// is that of its nearest existing ancestor.
    pub missing: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RelatedDiag {
    pub at: Position,
    pub message: String,
}

/// A finding with its location resolved: what every renderer prints.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub at: Position,
    pub related: Vec<RelatedDiag>,
    /// The finding's fix, planned into edits of the file (or refused).
    pub fix: Option<fix::PlannedFix>,
    /// Where the finding is in a rendering, when `at` was moved to the
    /// template that renders it (Helm): the human report shows this
    /// snippet.
    pub rendered: Option<Box<Position>>,
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub files: usize,
    pub documents: usize,
    pub objects: usize,
    pub skipped: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn of(files: &[LoadedFile], index: &Index, diags: &[Diagnostic]) -> Summary {
        let count = |s| diags.iter().filter(|d| d.severity == s).count();
        // Context and baseline files are not reported on, nor counted.
        let reported = || files.iter().filter(|f| f.reported());
        Summary {
            files: reported().count(),
            documents: reported().map(|f| f.docs.len()).sum(),
            objects: index
                .objects
                .iter()
                .filter(|o| files.get(o.file).is_some_and(LoadedFile::reported))
                .count(),
            skipped: reported().map(|f| f.objects.skipped).sum(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
        }
    }
}

/// What renderers that name files need besides the diagnostics.
pub struct RunInfo<'a> {
    pub files: &'a [LoadedFile],
    /// The current directory: relative input paths are relative to it.
    pub cwd: std::path::PathBuf,
    /// The repository root that CI reports name files relative to (see
    /// [`repo_root`]).
    pub root: std::path::PathBuf,
    /// Notes from the walk (skipped entries).
    pub notes: &'a [String],
    /// False when an input could not be read.
    pub successful: bool,
    /// The run's policies (for SARIF's rule catalogue).
    pub policies: &'a [crate::finding::PolicyInfo],
}

/// The directory CI reports (SARIF, GitHub, JUnit) name files relative to:
/// `GITHUB_WORKSPACE` or `CI_PROJECT_DIR` when set, else the nearest
/// directory above `cwd` holding `.git` (the git top level), else `cwd`.
pub fn repo_root(cwd: &std::path::Path) -> std::path::PathBuf {
    let canonical = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    for var in ["GITHUB_WORKSPACE", "CI_PROJECT_DIR"] {
        if let Some(dir) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            return canonical(&cwd.join(dir));
        }
    }
    let cwd = canonical(cwd);
    cwd.ancestors()
        .find(|dir| dir.join(".git").exists())
        .map_or_else(|| cwd.clone(), std::path::Path::to_owned)
}

impl RunInfo<'_> {
    /// A file name for CI reports: relative to the repository root when the
    /// file is inside it, with `/` separators and no leading `./`; else as
    /// given (stdin's name, a file outside the repository).
    pub fn relative(&self, name: &str) -> String {
        if name.starts_with('<') {
            return name.to_owned();
        }
        let path = std::path::Path::new(name);
        let absolute = crate::discover::normal_path(&self.cwd.join(path));
        let canonical_cwd = std::fs::canonicalize(&self.cwd).unwrap_or_else(|_| self.cwd.clone());
        let in_root = |abs: &std::path::Path| {
            abs.strip_prefix(&self.root)
                .ok()
                .map(|rel| slashes(&rel.to_string_lossy()))
        };
        // The current directory may be spelt through a symlink.
        let rel = in_root(&absolute).or_else(|| {
            absolute
                .strip_prefix(&self.cwd)
                .ok()
                .and_then(|rest| in_root(&canonical_cwd.join(rest)))
        });
        match rel {
            Some(rel) if !rel.is_empty() => rel,
            _ => {
                let name = slashes(name);
                let mut rel = name.as_str();
                while let Some(rest) = rel.strip_prefix("./") {
                    rel = rest.trim_start_matches('/');
                }
                rel.to_owned()
            }
        }
    }

    /// A file's URI: relative to `%SRCROOT%` (the repository root) when it
    /// is inside it, else an absolute `file://` URI.
    pub fn uri(&self, name: &str) -> (String, Option<&'static str>) {
        let rel = self.relative(name);
        if rel.starts_with('/') {
            (format!("file://{}", percent_encode(&rel)), None)
        } else {
            (percent_encode(&rel), Some("SRCROOT"))
        }
    }

    /// `file:///repository/root/`.
    pub fn root_uri(&self) -> Option<String> {
        let root = slashes(self.root.to_str()?);
        if !root.starts_with('/') {
            return None;
        }
        let root = root.trim_end_matches('/');
        Some(format!("file://{}/", percent_encode(root)))
    }

    /// The source text of a position's span, when it is short.
    pub fn snippet(&self, at: &Position) -> Option<&str> {
        let text = self.files.get(at.file)?.source.text();
        if at.span.is_empty() || at.span.len() > 400 {
            return None;
        }
        text.get(at.span.clone())
    }
}

/// Windows separators as `/` (a backslash is an ordinary character elsewhere).
fn slashes(s: &str) -> String {
    if cfg!(windows) {
        s.replace('\\', "/")
    } else {
        s.to_owned()
    }
}

/// Percent-encode a path for a URI: everything but unreserved characters
/// and `/`.
pub fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Every object with its file and the line its document starts on.
pub fn object_list(files: &[LoadedFile], index: &Index) -> Vec<(FileId, ObjectInfo, usize)> {
    // Objects come file by file: each file is read again once.
    let mut pinned = None;
    index
        .objects
        .iter()
        .filter(|o| files[o.file].reported())
        .map(|o| {
            let f = &files[o.file];
            if pinned.as_ref().is_none_or(|(file, _)| *file != o.file) {
                pinned = None;
                pinned = Some((o.file, f.source.pin()));
            }
            let start = f.docs.get(o.document).map_or(0, |d| d.start);
            let info = ObjectInfo {
                api_version: o.api_version.to_string(),
                kind: o.kind.to_string(),
                namespace: o.namespace.clone(),
                name: o.name.clone(),
            };
            (o.file, info, f.source.line_col(start).0)
        })
        .collect()
}

fn pointer(segs: &[Seg]) -> String {
    crate::model::path::FieldPath(segs.to_vec()).to_string()
}

/// Roots of the documents that diagnostics point into, parsed again on
/// first use.
#[derive(Default)]
struct Trees {
    cache: HashMap<(FileId, usize), Option<Tree>>,
}

impl Trees {
    fn root(&mut self, files: &[LoadedFile], file: FileId, doc: usize) -> Option<Node<'_>> {
        // Findings arrive grouped by document: a few trees at a time suffice.
        if self.cache.len() >= 64 && !self.cache.contains_key(&(file, doc)) {
            self.cache.clear();
        }
        self.cache
            .entry((file, doc))
            .or_insert_with(|| {
                let f = &files[file];
                match f.docs.get(doc).and_then(|d| d.tree.as_deref().cloned()) {
                    Some(tree) => Some(tree),
                    None => reparse_document(&f.source, &f.docs, doc),
                }
            })
            .as_ref()
            .and_then(Tree::root)
    }
}

fn position(
    files: &[LoadedFile],
    index: &Index,
    trees: &mut Trees,
    loc: &Loc,
    focus: Option<&str>,
) -> Position {
    match loc {
        Loc::Span {
            file,
            document,
            span,
        } => {
            let f = &files[*file];
            let span = f.source.tidy(span.clone());
            make(f, *file, span, String::new(), *document, None)
        }
        Loc::Field { obj, path } | Loc::Located { obj, path, .. } => {
            let o = index.object(*obj);
            let f = &files[o.file];
            let mut full = o.base.to_vec();
            full.extend(path.segs().iter().cloned());
            let (span, missing) = match loc {
                Loc::Located { span, missing, .. } => (span.clone(), missing.clone()),
                _ => {
                    let root = trees.root(files, o.file, o.document);
                    let located = root.map(|root| locate(root, &full));
                    let span = located.as_ref().map_or(0..0, |l| l.span.clone());
                    let text = root.and_then(|r| r.text_from(span.start));
                    let span = crate::finding::narrow(span, text, focus);
                    (span, located.and_then(|l| l.missing))
                }
            };
            let info = ObjectInfo {
                api_version: o.api_version.to_string(),
                kind: o.kind.to_string(),
                namespace: o.namespace.clone(),
                name: o.name.clone(),
            };
            let mut pos = make(
                f,
                o.file,
                span,
                pointer(&full),
                Some(o.document),
                Some(info),
            );
            pos.missing = missing;
            pos.object_id = Some(*obj);
            pos
        }
    }
}

/// The byte range of document `doc` of a file.
pub fn document_range(f: &LoadedFile, doc: usize) -> Range<usize> {
    let start = f.docs.get(doc).map_or(0, |d| d.start);
    let end = f.docs.get(doc + 1).map_or(f.source.len(), |d| d.start);
    start..end.max(start)
}

/// A finding's fix planned on the document it is in.
fn plan_fix(
    files: &[LoadedFile],
    index: &Index,
    trees: &mut Trees,
    loc: &Loc,
    fx: &crate::finding::Fix,
) -> fix::PlannedFix {
    if let Some(p) = fix::planned_early(fx) {
        return p;
    }
    match loc {
        Loc::Field { obj, .. } | Loc::Located { obj, .. } => {
            let o = index.object(*obj);
            let doc = document_range(&files[o.file], o.document);
            match trees.root(files, o.file, o.document) {
                Some(root) => fix::plan(root, doc, &o.base, fx),
                None => fix::refused(fx, "the document could not be read again"),
            }
        }
        Loc::Span {
            file,
            document,
            span,
        } => {
            let f = &files[*file];
            // The document holding the span (a comment knows only its file).
            let document = document.or_else(|| {
                let after = f.docs.partition_point(|d| d.start <= span.start);
                after.checked_sub(1)
            });
            let doc = document.map_or(0..f.source.len(), |d| document_range(f, d));
            let inside = fx
                .text
                .iter()
                .all(|e| doc.start <= e.span.start && e.span.end <= doc.end);
            if !inside {
                return fix::refused(fx, "its edits cross a document boundary");
            }
            let root = document.and_then(|d| trees.root(files, *file, d));
            fix::plan_text(root, doc, fx)
        }
    }
}

/// A position in file `file` (a file findings are placed in after
/// linting: the source of a rendered object).
pub fn position_in(
    files: &[LoadedFile],
    file: FileId,
    span: Range<usize>,
    path: String,
    document: Option<usize>,
    object: Option<ObjectInfo>,
) -> Position {
    make(&files[file], file, span, path, document, object)
}

fn make(
    f: &LoadedFile,
    file: FileId,
    span: Range<usize>,
    path: String,
    document: Option<usize>,
    object: Option<ObjectInfo>,
) -> Position {
    let (line, column) = f.source.line_col(span.start);
    let (end_line, end_column) = f.source.line_col(span.end);
    Position {
        file,
        file_name: f.source.name.clone(),
        span,
        line,
        column,
        end_line,
        end_column,
        path,
        document,
        object,
        object_id: None,
        missing: None,
    }
}

/// Locate findings, apply severities, drop rules that are off, sort.
pub fn resolve(
    files: &[LoadedFile],
    index: &Index,
    findings: Vec<Finding>,
    policies: &[&Policy],
) -> Vec<Diagnostic> {
    use rayon::prelude::*;
    let doc_of = |f: &Finding| match &f.at {
        Loc::Field { obj, .. } | Loc::Located { obj, .. } => {
            let o = index.object(*obj);
            (o.file, o.document)
        }
        Loc::Span { file, document, .. } => (*file, document.unwrap_or(0)),
    };
    // Group by file (by document in files over `PIN_BYTES`), in document
    // order so each document is parsed again at most once, and read each
    // group's text again once for all its diagnostics. The groups are
    // located in parallel.
    let group_of = |f: &Finding| {
        let (file, doc) = doc_of(f);
        let big = files.get(file).is_some_and(|f| f.source.len() > PIN_BYTES);
        (file, big.then_some(doc))
    };
    let mut findings = findings;
    findings.sort_by_key(doc_of);
    // (file, document when grouped by document) and the findings.
    type Group = ((FileId, Option<usize>), Vec<Finding>);
    let mut groups: Vec<Group> = Vec::new();
    for f in findings {
        let key = group_of(&f);
        match groups.last_mut() {
            Some((last, g)) if *last == key => g.push(f),
            _ => groups.push((key, vec![f])),
        }
    }
    // Related notes in other files (a policy's expression, named by each
    // of its failures): those files are read again once, and each place
    // is located once, for all groups.
    let file_of = |at: &Loc| match at {
        Loc::Field { obj, .. } | Loc::Located { obj, .. } => index.object(*obj).file,
        Loc::Span { file, .. } => *file,
    };
    let elsewhere: std::collections::BTreeSet<FileId> = groups
        .iter()
        .flat_map(|((file, _), g)| {
            g.iter()
                .flat_map(|f| &f.related)
                .map(|r| file_of(&r.at))
                .filter(move |rf| rf != file)
        })
        .collect();
    let _pins: Vec<_> = elsewhere
        .iter()
        .take(256)
        .filter_map(|&f| files.get(f).map(|f| f.source.pin()))
        .collect();
    let located: std::sync::Mutex<(Trees, HashMap<Loc, Position>)> = Default::default();
    let related_at = |group_file: FileId, trees: &mut Trees, at: &Loc| {
        if file_of(at) == group_file {
            return position(files, index, trees, at, None);
        }
        let mut cache = located.lock().unwrap_or_else(|e| e.into_inner());
        let (shared, seen) = &mut *cache;
        if let Some(p) = seen.get(at) {
            return p.clone();
        }
        let p = position(files, index, shared, at, None);
        seen.insert(at.clone(), p.clone());
        p
    };
    let mut out: Vec<Diagnostic> = groups
        .into_par_iter()
        .flat_map_iter(|((file, doc), group)| {
            let _pinned = files.get(file).map(|f| match doc {
                None => f.source.pin(),
                Some(d) => {
                    let start = f.docs.get(d).map_or(0, |x| x.start);
                    let end = f.docs.get(d + 1).map_or(f.source.len(), |x| x.start);
                    f.source.pin_part(start, end)
                }
            });
            let mut trees = Trees::default();
            // Severities are those of the config nearest the file.
            let scope = files.get(file).map_or(0, |f| f.scope);
            let policy = policies[scope.min(policies.len() - 1)];
            group
                .into_iter()
                .filter_map(|f| {
                    let severity = policy
                        .severity(f.rule)?
                        .min(f.at_most.unwrap_or(Severity::Error));
                    let related = f
                        .related
                        .iter()
                        .map(|r| RelatedDiag {
                            at: related_at(file, &mut trees, &r.at),
                            message: r.message.clone(),
                        })
                        .collect();
                    let fix = f
                        .fix
                        .as_deref()
                        .map(|fx| plan_fix(files, index, &mut trees, &f.at, fx));
                    Some(Diagnostic {
                        rule: f.rule,
                        severity,
                        fix,
                        at: position(files, index, &mut trees, &f.at, f.focus.as_deref()),
                        message: f.message,
                        help: f.help,
                        related,
                        rendered: None,
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect();
    sort(&mut out);
    out
}

/// Sort by file, line, column, rule and message, and drop duplicates.
pub fn sort(out: &mut Vec<Diagnostic>) {
    out.sort_by(|a, b| {
        (&a.at.file_name, a.at.line, a.at.column, a.rule, &a.message).cmp(&(
            &b.at.file_name,
            b.at.line,
            b.at.column,
            b.rule,
            &b.message,
        ))
    });
    out.dedup_by(|a, b| {
        a.rule == b.rule
            && a.message == b.message
            && a.at.file == b.at.file
            && a.at.span == b.at.span
    });
}
