//! Reading and parsing the inputs (in parallel) into files, documents and
//! objects.

use std::io::Read;

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use crate::discover::Input;
use crate::finding::{Finding, Loc};
use crate::model::{self, FileObjects};
use crate::source::{self, Document, FileId, Node, NodeKind, OnDisk, SourceFile};

/// Files larger than this are reported, not read.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// One input after reading and parsing.
#[derive(Debug, Clone)]
pub struct LoadedFile {
    pub source: SourceFile,
    pub docs: Vec<Document>,
    /// Syntax and read problems (yaml-syntax findings).
    pub findings: Vec<Finding>,
    pub objects: FileObjects,
    /// False when a file named on the command line could not be read at
    /// all (the run then exits 2).
    pub readable: bool,
    /// Why the file is in the run.
    pub role: Role,
    /// Whose settings hold for it: 0 for the run's, `k` for a nearer
    /// config's (`Options::scopes[k - 1]`).
    pub scope: usize,
}

/// Why a file is in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Linted and reported on.
    Reported,
    /// Loaded for cross-references only (`--context`): not reported on.
    Context,
    /// Policy files (`--policy`): their ValidatingAdmissionPolicies and
    /// bindings run and their params are read; no rule checks their
    /// objects, and only their own problems are reported.
    Policy,
    /// The manifests as they were before the change (`--baseline`): only
    /// compared with, never linted or cross-referenced.
    Baseline,
    /// A file a rendered object came from (a kustomization's resource):
    /// the findings on that object are placed in it; it is not linted on
    /// its own.
    Source,
}

impl LoadedFile {
    /// The same file as file `id` of another run (the language server keeps
    /// parsed workspace files and lints them again with other open files).
    pub fn renumbered(&self, id: FileId) -> LoadedFile {
        let mut f = self.clone();
        for o in &mut f.objects.objects {
            o.file = id;
        }
        for finding in &mut f.findings {
            if let crate::finding::Loc::Span { file, .. } = &mut finding.at {
                *file = id;
            }
        }
        f
    }

    /// True when diagnostics in this file are reported.
    pub fn reported(&self) -> bool {
        matches!(self.role, Role::Reported | Role::Policy | Role::Source)
    }
}

/// A file a finding is placed in after linting (a template, the origin
/// of a rendered object): read from `path`, named `name`, added to `files`
/// as a source (no objects, no findings of its own). Its id, or `None`
/// when it cannot be read.
pub fn add_source(
    files: &mut Vec<LoadedFile>,
    path: &std::path::Path,
    name: String,
) -> Option<FileId> {
    let text = std::fs::read_to_string(path).ok()?;
    let id = files.len();
    let mut f = parse_text(id, name, text, "default", &TreeBudget::default());
    f.role = Role::Source;
    f.objects = Default::default();
    f.findings.clear();
    files.push(f);
    Some(id)
}

const HELM_HELP: &str = "This looks like a Helm template; lint the rendered manifests instead: `helm template CHART | stslint check -`.";

/// How many bytes of StatefulSet tree nodes a run keeps for the engine
/// (each kept tree also holds its document's text, about 0.6 bytes per node
/// byte). Past this, trees are released and the engine reads and parses
/// those documents again: a little time for bounded memory on very large
/// inputs.
pub const TREE_BUDGET_BYTES: usize = 32 << 20;

/// The bytes of kept trees, shared by the parallel loaders of one run.
#[derive(Debug, Default)]
pub struct TreeBudget(AtomicUsize);

impl TreeBudget {
    /// Take `bytes` from the budget if they fit.
    fn take(&self, bytes: usize) -> bool {
        self.0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                (used + bytes <= TREE_BUDGET_BYTES).then_some(used + bytes)
            })
            .is_ok()
    }
}

/// Read and parse every input; `namespace(i)` is the default namespace of
/// input `i` (set by the config nearest it).
/// `overlay` holds texts to read instead of an input's (by its name): the
/// files as fixes left them, before they are written.
pub fn load_all<'a>(
    inputs: &[Input],
    namespace: &(dyn Fn(usize) -> &'a str + Sync),
    max_bytes: u64,
    overlay: &std::collections::HashMap<String, String>,
) -> Vec<LoadedFile> {
    let budget = TreeBudget::default();
    inputs
        .par_iter()
        .enumerate()
        .map(|(id, input)| match overlay.get(input.name()) {
            Some(text) => parse_text(
                id,
                input.name().to_owned(),
                text.clone(),
                namespace(id),
                &budget,
            ),
            None => load_one(id, input, namespace(id), max_bytes, &budget),
        })
        .collect()
}

/// What reading an input gave.
enum Got {
    /// Its bytes, and for a file where to read it again.
    Bytes(Vec<u8>, Option<OnDisk>),
    /// A file large enough to be read piece by piece (when `stream`).
    Large(std::fs::Metadata),
}

fn read(input: &Input, max_bytes: u64, stream: bool) -> Result<Got, String> {
    match input {
        Input::Stdin { .. } => {
            let mut buf = Vec::new();
            std::io::stdin()
                .take(max_bytes + 1)
                .read_to_end(&mut buf)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            if buf.len() as u64 > max_bytes {
                return Err(format!(
                    "standard input is larger than the limit of {max_bytes} bytes"
                ));
            }
            Ok(Got::Bytes(buf, None))
        }
        Input::File { path, .. } => {
            // Check the type before opening: opening a FIFO would block.
            let meta = std::fs::metadata(path).map_err(|e| format!("cannot read file: {e}"))?;
            if meta.is_dir() {
                return Err("is a directory, not a file".to_owned());
            }
            if !meta.is_file() {
                return Err(
                    "not a regular file (a FIFO, socket or device); it was not read".to_owned(),
                );
            }
            if meta.len() > max_bytes {
                return Err(format!(
                    "file is {} bytes, over the limit of {max_bytes} bytes; it was not read",
                    meta.len()
                ));
            }
            if stream && meta.len() > STREAM_BYTES {
                return Ok(Got::Large(meta));
            }
            let f = std::fs::File::open(path).map_err(|e| format!("cannot read file: {e}"))?;
            let mut buf = Vec::with_capacity(meta.len() as usize);
            f.take(max_bytes + 1)
                .read_to_end(&mut buf)
                .map_err(|e| format!("cannot read file: {e}"))?;
            if buf.len() as u64 > max_bytes {
                return Err(format!(
                    "file is over the limit of {max_bytes} bytes; it was not read"
                ));
            }
            let disk = OnDisk {
                path: path.clone(),
                len: buf.len() as u64,
                modified: meta.modified().ok(),
            };
            Ok(Got::Bytes(buf, Some(disk)))
        }
    }
}

fn syntax(
    file: FileId,
    document: Option<usize>,
    span: std::ops::Range<usize>,
    message: String,
) -> Finding {
    Finding {
        rule: "yaml-syntax",
        at_most: None,
        focus: None,
        message,
        help: None,
        at: Loc::Span {
            file,
            document,
            span,
        },
        related: Vec::new(),
        fix: None,
    }
}

pub fn load_one(
    id: FileId,
    input: &Input,
    namespace: &str,
    max_bytes: u64,
    budget: &TreeBudget,
) -> LoadedFile {
    let name = input.name().to_owned();
    let got = match read(input, max_bytes, true) {
        Ok(Got::Large(meta)) => match load_streamed(id, input, &meta, namespace, max_bytes, budget)
        {
            Some(f) => return f,
            // Read it whole: that reports what went wrong, where.
            None => read(input, max_bytes, false),
        },
        other => other,
    };
    let got = got.and_then(|g| match g {
        Got::Bytes(b, disk) => Ok((b, disk)),
        // Not returned when not asked to stream.
        Got::Large(_) => Err("cannot read file".to_owned()),
    });
    let (bytes, disk) = match got {
        Ok(b) => b,
        Err(message) => {
            // A file found by walking that cannot be read is a diagnostic;
            // an input named on the command line also makes the exit code 2.
            let explicit = !matches!(
                input,
                Input::File {
                    explicit: false,
                    ..
                }
            );
            return LoadedFile {
                source: SourceFile::new(name, String::new()),
                docs: Vec::new(),
                findings: vec![syntax(id, None, 0..0, message)],
                objects: FileObjects::default(),
                readable: !explicit,
                role: Role::Reported,
                scope: 0,
            };
        }
    };
    let text = match source::decode_text(bytes) {
        Ok(t) => t,
        Err((at, prefix)) => {
            return LoadedFile {
                source: SourceFile::new(name, prefix),
                docs: Vec::new(),
                findings: vec![syntax(
                    id,
                    None,
                    at..at,
                    "file is not valid UTF-8".to_owned(),
                )],
                objects: FileObjects::default(),
                readable: true,
                role: Role::Reported,
                scope: 0,
            };
        }
    };
    let source = match disk {
        Some(disk) => SourceFile::from_disk(name, text, disk),
        None => SourceFile::new(name, text),
    };
    parse_file(id, source, namespace, budget)
}

/// Files larger than this are cut at document boundaries into pieces of
/// about this size, parsed in parallel; each piece's trees are released as
/// soon as its objects are decoded, which bounds memory.
pub const CHUNK_BYTES: usize = 1 << 20;

/// Parse text already in memory (also used by tests and the fuzzers).
pub fn parse_text(
    id: FileId,
    name: String,
    text: String,
    namespace: &str,
    budget: &TreeBudget,
) -> LoadedFile {
    parse_file(id, SourceFile::new(name, text), namespace, budget)
}

/// Parse a file; its text is released afterwards if it can be read again.
fn parse_file(
    id: FileId,
    mut source: SourceFile,
    namespace: &str,
    budget: &TreeBudget,
) -> LoadedFile {
    let helm = source.text().contains("{{");
    let pieces = source::split_documents(source.text(), CHUNK_BYTES);
    let parsed: Vec<Piece> = pieces
        .par_iter()
        .map(|&range| parse_piece((source.text(), 0), id, range, namespace, budget))
        .collect();
    source.release();
    let mut file = Assembler::default();
    for piece in parsed {
        file.push(id, piece);
    }
    file.finish(source, helm)
}

/// Files larger than this are read piece by piece, never whole.
pub const STREAM_BYTES: u64 = 2 * CHUNK_BYTES as u64;

/// Read and parse a large file piece by piece (pieces parsed in parallel
/// as they are read), so that its whole text is never in memory. `None`
/// when that did not work out (invalid UTF-8, a read error, over the size
/// limit): the caller reads the file whole, and reports the problem.
fn load_streamed(
    id: FileId,
    input: &Input,
    meta: &std::fs::Metadata,
    namespace: &str,
    max_bytes: u64,
    budget: &TreeBudget,
) -> Option<LoadedFile> {
    let Input::File { name, path, .. } = input else {
        return None;
    };
    let file = std::fs::File::open(path).ok()?;
    let mut reader = source::stream::PieceReader::new(file, CHUNK_BYTES, max_bytes);
    // Pieces finish out of order: each is appended once those before it
    // are, so only the few in between wait.
    let state = std::sync::Mutex::new((0, std::collections::BTreeMap::new(), Assembler::default()));
    (&mut reader).enumerate().par_bridge().for_each(|(i, p)| {
        let range = (p.base, p.base + p.text.len());
        let text = std::sync::Arc::new(p.text);
        let piece = parse_piece((&text, p.base), id, range, namespace, budget);
        drop(text);
        let mut guard = state.lock().unwrap_or_else(|e| e.into_inner());
        let (next, waiting, file) = &mut *guard;
        waiting.insert(i, piece);
        while let Some(piece) = waiting.remove(next) {
            file.push(id, piece);
            *next += 1;
        }
    });
    if reader.failed.is_some() {
        return None;
    }
    let (_, _, file) = state.into_inner().unwrap_or_else(|e| e.into_inner());
    let disk = OnDisk {
        path: path.clone(),
        len: reader.len() as u64,
        modified: meta.modified().ok(),
    };
    let helm = reader.helm;
    let source = SourceFile::streamed(
        name.clone(),
        disk,
        (reader.directives, reader.sources),
        reader.lines,
    );
    Some(file.finish(source, helm))
}

/// A file put together from its pieces, taken in order.
#[derive(Default)]
struct Assembler {
    docs: Vec<Document>,
    findings: Vec<Finding>,
    objects: FileObjects,
}

impl Assembler {
    /// Append the next piece (its vectors are freed as it goes: the large
    /// vectors here grow in place, so a big file's objects are never held
    /// twice).
    fn push(&mut self, id: FileId, mut piece: Piece) {
        let doc_offset = self.docs.len();
        let obj_offset = self.objects.objects.len();
        for d in &mut piece.docs {
            d.index += doc_offset;
        }
        for o in &mut piece.objects.objects {
            o.document += doc_offset;
        }
        for p in &mut piece.objects.problems {
            p.0 += obj_offset;
        }
        self.findings.extend(
            piece
                .problems
                .into_iter()
                .map(|p| syntax(id, Some(p.document + doc_offset), p.span, p.message)),
        );
        self.docs.append(&mut piece.docs);
        self.objects.objects.append(&mut piece.objects.objects);
        self.objects.problems.append(&mut piece.objects.problems);
        self.objects.skipped += piece.objects.skipped;
    }

    fn finish(mut self, source: SourceFile, helm: bool) -> LoadedFile {
        if helm {
            for f in &mut self.findings {
                f.help = Some(HELM_HELP.to_owned());
            }
        }
        LoadedFile {
            source,
            docs: self.docs,
            findings: self.findings,
            objects: self.objects,
            readable: true,
            role: Role::Reported,
            scope: 0,
        }
    }
}

struct Piece {
    docs: Vec<source::Document>,
    problems: Vec<source::ParseProblem>,
    objects: FileObjects,
}

/// Where a Helm template action is in a parsed document: a flow mapping
/// whose first key is itself a mapping (`{{ .Values.x }}`), or a plain
/// scalar holding `{{ ... }}` (`image: repo:{{ .Values.tag }}`). Quoted and
/// block scalars are left alone: ConfigMaps carry Go and alerting
/// templates as data.
fn template_action(node: Node<'_>) -> Option<usize> {
    match node.kind() {
        NodeKind::Scalar(s) => (s.plain
            && s.value
                .find("{{")
                .is_some_and(|i| s.value[i..].contains("}}")))
        .then(|| node.span().start + s.value.find("{{").unwrap_or(0)),
        NodeKind::Seq(items) => items.iter().find_map(template_action),
        NodeKind::Map(entries) => {
            if let Some((k, _)) = entries.first()
                && k.is_map()
            {
                return Some(node.span().start);
            }
            entries
                .iter()
                .find_map(|(k, v)| template_action(k).or_else(|| template_action(v)))
        }
    }
}

/// Parse bytes `from..to` of a file, of which `text` holds the part from
/// offset `text_base` on.
fn parse_piece(
    (text, text_base): (&source::Text, usize),
    id: FileId,
    (from, to): (usize, usize),
    namespace: &str,
    budget: &TreeBudget,
) -> Piece {
    let (mut docs, mut problems) = source::parse_part(text, text_base, from, to);
    // A Helm template that happens to parse (`replicas: {{ .Values.n }}`
    // is a flow mapping) is not linted as objects: it gets the Helm hint,
    // as a template that does not parse does, and no type errors.
    let braces = text
        .get(from.saturating_sub(text_base)..to.saturating_sub(text_base))
        .is_some_and(|t| memchr::memmem::find(t.as_bytes(), b"{{").is_some());
    let template = if braces {
        docs.iter()
            .find_map(|d| Some((d.index, template_action(d.root()?)?)))
    } else {
        None
    };
    let objects = match template {
        Some((document, at)) => {
            problems.push(source::ParseProblem {
                span: at..at + 2,
                message: "Helm template syntax `{{ ... }}`: this is a template, not a manifest"
                    .to_owned(),
                document,
            });
            FileObjects {
                skipped: docs.len(),
                ..FileObjects::default()
            }
        }
        None => model::objects_of(id, &docs, namespace),
    };
    // Trees are released once objects are decoded (StatefulSets' trees are
    // kept for the engine); the few documents that get a diagnostic are
    // parsed again to locate it (render::resolve).
    let ends: Vec<usize> = docs.iter().skip(1).map(|d| d.start).chain([to]).collect();
    for (d, end) in docs.iter_mut().zip(ends) {
        let sts = objects
            .objects_in(d.index)
            .any(|o| matches!(o.typed, model::Typed::StatefulSet));
        let keep = match &mut d.tree {
            Some(t) if sts => {
                // The kept tree holds only its document's text, so that
                // the file's can be released.
                t.own_text(d.start, end);
                budget.take(t.bytes())
            }
            _ => false,
        };
        if !keep {
            d.tree = None;
        }
    }
    Piece {
        docs,
        problems,
        objects,
    }
}
