//! `stslint lsp`: a language server over stdio. Each open YAML or JSON
//! document is linted as it is in the editor (unsaved text included), with
//! the workspace's manifests as cross-reference context, and its
//! diagnostics are published on open, change and save.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use std::str::FromStr;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, Diagnostic, DiagnosticSeverity, DidChangeTextDocumentParams,
    DidOpenTextDocumentParams, DocumentChanges, Hover, HoverContents, HoverParams,
    HoverProviderCapability, InitializeResult, MarkupContent, MarkupKind, MessageType,
    NumberOrString, OneOf, OptionalVersionedTextDocumentIdentifier, Position, PositionEncodingKind,
    PublishDiagnosticsParams, Range, SaveOptions, ServerCapabilities, ServerInfo,
    ShowMessageParams, TextDocumentEdit, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, TextEdit, Uri, WorkspaceEdit,
};
use rayon::prelude::*;
use serde_json::Value;

use crate::finding::Applicability;
use crate::load::{self, LoadedFile, Role, TreeBudget};
use crate::policy::config;
use crate::render::ignore::{self, Place};
use crate::render::{lsp as render, percent_encode};
use crate::{Options, Report, lint_loaded};

/// The code action kind of "apply every safe fix" (on save, say).
const FIX_ALL: &str = "source.fixAll.stslint";

/// Workspace files are read again on every save and watched-file event;
/// for clients that cannot watch files, also when a lint finds the last
/// look older than this.
const RESCAN: Duration = Duration::from_secs(2);

/// `file:///a%20b/c.yaml` -> `/a b/c.yaml`.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let path = rest.get(rest.find('/')?..)?;
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = path
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

/// `/a b/c.yaml` -> `file:///a%20b/c.yaml`.
pub fn path_to_uri(path: &str) -> Option<String> {
    path.starts_with('/')
        .then(|| format!("file://{}", percent_encode(path)))
}

fn is_manifest(uri: &str) -> bool {
    let path = uri.split(['?', '#']).next().unwrap_or(uri);
    [".yaml", ".yml", ".json"].iter().any(|e| path.ends_with(e))
}

struct Doc {
    /// The name diagnostics use: the file's path, or the URI when it has none.
    name: String,
    path: Option<PathBuf>,
    text: String,
    /// The version the client gave the text.
    version: i32,
}

/// A lint of the open documents: the report, and which of its files each
/// open document is (by URI).
struct Linted {
    report: Report,
    file_of: HashMap<String, usize>,
    /// Open documents the config excludes.
    excluded: Vec<String>,
}

struct Server {
    root: Option<PathBuf>,
    opts: Options,
    /// Open documents by URI.
    open: BTreeMap<String, Doc>,
    /// Manifests on disk under the root, parsed once per change:
    /// path -> (modified, file).
    disk: HashMap<PathBuf, (Option<SystemTime>, LoadedFile)>,
    /// The namespace the cached files were parsed with.
    parsed_namespace: String,
    scanned: Option<Instant>,
    /// The client reports file changes: no periodic look at the disk.
    watched: bool,
    /// The workspace config's located problems, published as its
    /// diagnostics (and the URI they were last published on).
    config_problems: Option<(PathBuf, Vec<config::ConfigError>)>,
    config_published: Option<String>,
    /// The last lint of the open documents: code actions and hovers answer
    /// from it.
    last: Option<Linted>,
    /// The client applies versioned `documentChanges`.
    document_changes: bool,
}

impl Server {
    fn new(root: Option<PathBuf>, watched: bool, document_changes: bool) -> Self {
        let mut s = Server {
            root,
            opts: Options::default(),
            open: BTreeMap::new(),
            disk: HashMap::new(),
            parsed_namespace: String::new(),
            scanned: None,
            watched,
            config_problems: None,
            config_published: None,
            last: None,
            document_changes,
        };
        s.load_config();
        s
    }

    /// `.stslint.yaml` as the command line would find it from the root.
    /// A problem that has no place in a file is returned for a message;
    /// located ones become the config file's diagnostics.
    fn load_config(&mut self) -> Option<String> {
        let mut opts = Options::default();
        let root = self.root.clone().unwrap_or_default();
        self.config_problems = config::discover(&root)
            .and_then(|p| config::load(&p).err().map(|e| (p, e)))
            .filter(|(_, e)| e.iter().all(|e| e.line > 0));
        let result = config::apply(&mut opts, &config::Flags::default(), &root);
        self.opts = opts;
        match self.config_problems {
            Some(_) => None,
            None => result.err().map(|e| e.0),
        }
    }

    /// The config file's diagnostics to publish: (uri, diagnostics), also
    /// an empty list for a file whose problems were fixed.
    fn config_diagnostics(&mut self) -> Option<(String, Vec<Diagnostic>)> {
        let now = self.config_problems.as_ref().and_then(|(path, errors)| {
            let uri = path_to_uri(&path.to_string_lossy())?;
            let diags = errors
                .iter()
                .map(|e| {
                    let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
                    let start = Position::new(n(e.line - 1), n(e.column.saturating_sub(1)));
                    let end = Position::new(start.line, start.character + 1);
                    Diagnostic {
                        range: Range::new(start, end),
                        severity: Some(DiagnosticSeverity::ERROR),
                        code: Some(NumberOrString::String("config".to_owned())),
                        source: Some("stslint".to_owned()),
                        message: e.message.clone(),
                        ..Diagnostic::default()
                    }
                })
                .collect();
            Some((uri, diags))
        });
        let before = self.config_published.take();
        self.config_published = now.as_ref().map(|(u, _)| u.clone());
        match (now, before) {
            (Some(now), _) => Some(now),
            (None, Some(uri)) => Some((uri, Vec::new())),
            (None, None) => None,
        }
    }

    /// Read the workspace's manifests again where they changed. Returns a
    /// problem for a message, and whether any file changed.
    fn rescan(&mut self) -> (Option<String>, bool) {
        let problem = self.load_config();
        self.scanned = Some(Instant::now());
        let Some(root) = self.root.clone() else {
            return (problem, false);
        };
        let root_s = root.to_string_lossy().into_owned();
        let Ok(found) = crate::discover::discover(&[root_s], None, &self.opts.excludes) else {
            return (problem, false);
        };
        if self.parsed_namespace != self.opts.namespace {
            // Objects without a namespace take the configured one.
            self.disk.clear();
            self.parsed_namespace = self.opts.namespace.clone();
        }
        let mut seen = HashMap::new();
        let mut changed = Vec::new();
        for input in found.inputs {
            let crate::discover::Input::File { path, .. } = input else {
                continue;
            };
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() || meta.len() > self.opts.max_file_bytes {
                continue;
            }
            let modified = meta.modified().ok();
            match self.disk.remove(&path) {
                Some((m, file)) if m == modified && modified.is_some() => {
                    seen.insert(path, (m, file));
                }
                _ => changed.push((path, modified)),
            }
        }
        // Parse what changed, in parallel.
        let budget = TreeBudget::default();
        let ns = &self.opts.namespace;
        let parsed: Vec<_> = changed
            .into_par_iter()
            .filter_map(|(path, modified)| {
                let text = String::from_utf8(std::fs::read(&path).ok()?).ok()?;
                let name = path.to_string_lossy().into_owned();
                let mut file = load::parse_text(0, name, text, ns, &budget);
                file.role = Role::Context;
                Some((path, (modified, file)))
            })
            .collect();
        let any = !parsed.is_empty() || !self.disk.is_empty();
        seen.extend(parsed);
        self.disk = seen;
        (problem, any)
    }

    /// Lint every open manifest in one run, with the workspace as context:
    /// the diagnostics of each open document, with its version.
    fn lint_open(&mut self) -> Vec<(String, Option<i32>, Vec<Diagnostic>)> {
        let linted = self.lint();
        let report = &linted.report;
        let uri_of = |name: &str| {
            self.open
                .iter()
                .find(|(_, d)| d.name == name)
                .map(|(uri, _)| uri.clone())
                .or_else(|| path_to_uri(name))
        };
        let out = linted
            .file_of
            .iter()
            .map(|(uri, &id)| {
                let diags = render::diagnostics(&report.diagnostics, &report.files, id, &uri_of);
                let version = self.open.get(uri).map(|d| d.version);
                (uri.clone(), version, diags)
            })
            .chain(linted.excluded.iter().map(|uri| {
                let version = self.open.get(uri).map(|d| d.version);
                (uri.clone(), version, Vec::new())
            }))
            .collect();
        self.last = Some(linted);
        out
    }

    /// Lint every open manifest in one run, with the workspace as context.
    fn lint(&mut self) -> Linted {
        if self
            .scanned
            .is_none_or(|t| !self.watched && t.elapsed() >= RESCAN)
        {
            self.rescan();
        }
        // The open buffers are parsed now; files on disk come parsed from
        // the cache.
        let budget = TreeBudget::default();
        // A file its config excludes is not linted, as `stslint check`
        // would skip it (Helm templates under charts/, say).
        type Docs<'a> = Vec<(&'a String, &'a Doc)>;
        let (open, excluded): (Docs, Docs) = self
            .open
            .iter()
            .filter(|(uri, _)| is_manifest(uri))
            .partition(|(_, d)| !d.path.as_deref().is_some_and(config::excludes_file));
        let open_paths: Vec<&Path> = open.iter().filter_map(|(_, d)| d.path.as_deref()).collect();
        let on_disk: Vec<(&PathBuf, &LoadedFile)> = self
            .disk
            .iter()
            .filter(|(path, _)| !open_paths.contains(&path.as_path()))
            .map(|(path, (_, file))| (path, file))
            .collect();
        // Each file follows the config nearest it (rules, options,
        // namespace), as on the command line.
        let mut inputs: Vec<crate::discover::Input> = open
            .iter()
            .map(|(_, d)| match &d.path {
                Some(path) => crate::discover::Input::File {
                    name: d.name.clone(),
                    path: path.clone(),
                    explicit: true,
                },
                None => crate::discover::Input::Stdin {
                    name: d.name.clone(),
                },
            })
            .chain(
                on_disk
                    .iter()
                    .map(|(path, _)| crate::discover::Input::File {
                        name: path.to_string_lossy().into_owned(),
                        path: (*path).clone(),
                        explicit: true,
                    }),
            )
            .collect();
        let mut all = inputs.len();
        let (scope_of, scopes) = self
            .opts
            .nested
            .as_ref()
            .and_then(|n| config::scope_inputs(&mut inputs, &mut all, n, &self.opts.namespace).ok())
            .unwrap_or_else(|| (vec![0; inputs.len()], Vec::new()));
        let namespace_of = |i: usize| match scope_of.get(i).copied().unwrap_or(0) {
            0 => self.opts.namespace.as_str(),
            k => scopes[k - 1].namespace.as_str(),
        };
        let mut files: Vec<LoadedFile> = open
            .par_iter()
            .enumerate()
            .map(|(id, (_, doc))| {
                let ns = namespace_of(id);
                load::parse_text(id, doc.name.clone(), doc.text.clone(), ns, &budget)
            })
            .collect();
        for (path, file) in &on_disk {
            let id = files.len();
            let ns = namespace_of(id);
            // The cache was parsed with the run's namespace; a file whose
            // nearer config names another is read again with it.
            let again = (ns != self.parsed_namespace)
                .then(|| std::fs::read_to_string(path).ok())
                .flatten();
            let file = match again {
                Some(text) => {
                    let mut f = load::parse_text(id, file.source.name.clone(), text, ns, &budget);
                    f.role = Role::Context;
                    f
                }
                None => file.renumbered(id),
            };
            files.push(file);
        }
        for (f, scope) in files.iter_mut().zip(&scope_of) {
            f.scope = *scope;
        }
        let mut opts = self.opts.clone();
        opts.scopes = scopes;
        let report = lint_loaded(files, &opts);
        Linted {
            report,
            file_of: open
                .iter()
                .enumerate()
                .map(|(id, (uri, _))| ((*uri).clone(), id))
                .collect(),
            excluded: excluded.iter().map(|(uri, _)| (*uri).clone()).collect(),
        }
    }

    /// The code actions for `params`: from the last lint's diagnostics that
    /// overlap the range, a quick fix each (unsafe ones marked, never
    /// preferred), "ignore on this line" and "ignore on this object"; and
    /// every safe fix of the document as `source.fixAll.stslint`.
    fn code_actions(&mut self, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
        let uri = params.text_document.uri.as_str().to_owned();
        let only = params.context.only.as_ref();
        let wants = |kind: &str| {
            only.is_none_or(|ks| {
                ks.iter()
                    .any(|k| kind == k.as_str() || kind.starts_with(&format!("{}.", k.as_str())))
            })
        };
        let Some(version) = self.open.get(&uri).map(|d| d.version) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(last) = &self.last
            && let Some(&file) = last.file_of.get(&uri)
            && wants(CodeActionKind::QUICKFIX.as_str())
        {
            let files = &last.report.files;
            let text = files[file].source.text();
            // The lines of the range: a client may send only the cursor.
            let want = Range::new(
                Position::new(params.range.start.line, 0),
                Position::new(params.range.end.line, u32::MAX),
            );
            for d in last.report.diagnostics.iter().filter(|d| d.at.file == file) {
                let r = render::range_of(text, &d.at.span);
                if r.end < want.start || want.end < r.start {
                    continue;
                }
                let diag = render::diagnostic(d, files, &|_| None);
                let mut action = |title: String,
                                  edits: Vec<crate::source::edit::TextEdit>,
                                  preferred: bool| {
                    let edits = edits
                        .iter()
                        .map(|e| TextEdit::new(render::range_of(text, &e.span), e.text.clone()))
                        .collect();
                    out.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title,
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![diag.clone()]),
                        edit: Some(self.workspace_edit(&params.text_document.uri, version, edits)),
                        is_preferred: Some(preferred),
                        ..CodeAction::default()
                    }));
                };
                if let Some(fix) = &d.fix
                    && fix.applies(Applicability::Unsafe)
                {
                    let safe = fix.applicability == Applicability::Safe;
                    let title = if safe {
                        format!("Fix: {}", fix.title)
                    } else {
                        format!("Fix (unsafe, review it): {}", fix.title)
                    };
                    action(title, fix.edits.clone(), safe);
                }
                if ignore::suppressible(d.rule) {
                    for (place, what) in [(Place::Line, "line"), (Place::Object, "object")] {
                        if let Ok(edits) = ignore::plan(files, &d.at, &[d.rule], "", place) {
                            action(format!("Ignore {} on this {what}", d.rule), edits, false);
                        }
                    }
                }
            }
        }
        if wants(FIX_ALL)
            && let Some(edit) = self.fix_all(&uri)
        {
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: "Fix all safely fixable stslint problems".to_owned(),
                kind: Some(CodeActionKind::from(FIX_ALL)),
                edit: Some(self.workspace_edit(&params.text_document.uri, version, vec![edit])),
                ..CodeAction::default()
            }));
        }
        out
    }

    /// Every safe fix of an open document, applied round after round on its
    /// text (at most `fixing::MAX_ROUNDS`), as one edit of the lines that
    /// change; `None` when nothing is fixable.
    fn fix_all(&mut self, uri: &str) -> Option<TextEdit> {
        let original = self.open.get(uri)?.text.clone();
        let mut text = original.clone();
        for _ in 0..crate::fixing::MAX_ROUNDS {
            let linted = self.lint();
            let Some(&file) = linted.file_of.get(uri) else {
                break;
            };
            let policy = &self.opts.policy;
            let chosen =
                crate::fixing::choose(&linted.report.diagnostics, Applicability::Safe, &|r| {
                    policy.may_fix(r)
                });
            let Some(fixes) = chosen.get(&file) else {
                break;
            };
            let now: &str = linted.report.files[file].source.text();
            let Some(after) = crate::source::edit::apply(now, 0, &crate::fixing::edits_of(fixes))
            else {
                break;
            };
            if after == now {
                break;
            }
            text = after;
            if let Some(d) = self.open.get_mut(uri) {
                d.text = text.clone();
            }
        }
        if let Some(d) = self.open.get_mut(uri) {
            d.text = original.clone();
        }
        (text != original).then(|| changed_lines(&original, &text))
    }

    /// `edits` of an open document as a versioned workspace edit (or plain
    /// `changes` for a client without `documentChanges`).
    fn workspace_edit(&self, uri: &Uri, version: i32, edits: Vec<TextEdit>) -> WorkspaceEdit {
        if self.document_changes {
            WorkspaceEdit {
                document_changes: Some(DocumentChanges::Edits(vec![TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier {
                        uri: uri.clone(),
                        version: Some(version),
                    },
                    edits: edits.into_iter().map(OneOf::Left).collect(),
                }])),
                ..WorkspaceEdit::default()
            }
        } else {
            WorkspaceEdit {
                changes: Some(std::iter::once((uri.clone(), edits)).collect()),
                ..WorkspaceEdit::default()
            }
        }
    }

    /// The page of each rule with a diagnostic under the cursor.
    fn hover(&self, params: &HoverParams) -> Option<Hover> {
        let at = &params.text_document_position_params;
        let last = self.last.as_ref()?;
        let &file = last.file_of.get(at.text_document.uri.as_str())?;
        let files = &last.report.files;
        let text = files[file].source.text();
        let mut pages: Vec<String> = Vec::new();
        let mut range = None;
        for d in last.report.diagnostics.iter().filter(|d| d.at.file == file) {
            let r = render::range_of(text, &d.at.span);
            if at.position < r.start || r.end < at.position {
                continue;
            }
            range.get_or_insert(r);
            let page = match crate::rules::find(d.rule) {
                Some(rule) => crate::rules::page(rule.meta()),
                None => {
                    let mut p = format!("**{}**\n\n{}", d.rule, d.message);
                    if let Some(help) = &d.help {
                        p.push_str(&format!("\n\nhelp: {help}"));
                    }
                    p
                }
            };
            if !pages.contains(&page) {
                pages.push(page);
            }
        }
        (!pages.is_empty()).then(|| Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: pages.join("\n\n---\n\n"),
            }),
            range,
        })
    }
}

/// One edit that turns `before` into `after`: the lines from the first that
/// differs to the last that differs.
fn changed_lines(before: &str, after: &str) -> TextEdit {
    let head = before
        .bytes()
        .zip(after.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let head = before[..head].rfind('\n').map_or(0, |i| i + 1);
    let tail = before[head..]
        .bytes()
        .rev()
        .zip(after[head..].bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let keep = |s: &str| {
        // Back to the end of a line, so whole lines are replaced.
        let end = s.len() - tail;
        s[end..].find('\n').map_or(s.len(), |i| end + i + 1)
    };
    let (b_end, a_end) = (keep(before), keep(after));
    let (b_end, a_end) = if before.len() - b_end == after.len() - a_end {
        (b_end, a_end)
    } else {
        (before.len(), after.len())
    };
    TextEdit::new(
        render::range_of(before, &(head..b_end)),
        after[head..a_end].to_owned(),
    )
}

fn publish(conn: &Connection, uri: &str, version: Option<i32>, diagnostics: Vec<Diagnostic>) {
    let Ok(uri) = Uri::from_str(uri) else { return };
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version,
    };
    let _ = conn.sender.send(Message::Notification(Notification::new(
        "textDocument/publishDiagnostics".to_owned(),
        params,
    )));
}

fn show_error(conn: &Connection, message: &str) {
    let params = ShowMessageParams {
        typ: MessageType::ERROR,
        message: format!("stslint: {message}"),
    };
    let _ = conn.sender.send(Message::Notification(Notification::new(
        "window/showMessage".to_owned(),
        params,
    )));
}

/// Run the server until the client says exit. Returns an error message
/// when the protocol broke down.
pub fn run() -> Result<(), String> {
    let (conn, io) = Connection::stdio();
    let (id, params) = conn.initialize_start().map_err(|e| e.to_string())?;
    let root = params["rootUri"]
        .as_str()
        .or_else(|| params["workspaceFolders"][0]["uri"].as_str())
        .and_then(uri_to_path)
        .or_else(|| params["rootPath"].as_str().map(PathBuf::from));
    let watch = params["capabilities"]["workspace"]["didChangeWatchedFiles"]["dynamicRegistration"]
        .as_bool()
        .unwrap_or(false);
    let document_changes = params["capabilities"]["workspace"]["workspaceEdit"]["documentChanges"]
        .as_bool()
        .unwrap_or(false);
    let result = InitializeResult {
        capabilities: ServerCapabilities {
            position_encoding: Some(PositionEncodingKind::UTF16),
            text_document_sync: Some(TextDocumentSyncCapability::Options(
                TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(TextDocumentSyncKind::FULL),
                    save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                        include_text: Some(false),
                    })),
                    ..TextDocumentSyncOptions::default()
                },
            )),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![
                    CodeActionKind::QUICKFIX,
                    CodeActionKind::from(FIX_ALL),
                ]),
                resolve_provider: Some(false),
                ..CodeActionOptions::default()
            })),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            ..ServerCapabilities::default()
        },
        server_info: Some(ServerInfo {
            name: "stslint".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
    };
    let result = serde_json::to_value(result).map_err(|e| e.to_string())?;
    conn.initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    if watch {
        let watcher = |glob: &str| lsp_types::FileSystemWatcher {
            glob_pattern: lsp_types::GlobPattern::String(glob.to_owned()),
            kind: None,
        };
        let options = lsp_types::DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![watcher("**/*.{yaml,yml,json}"), watcher("**/.stslint.yaml")],
        };
        let register = lsp_types::RegistrationParams {
            registrations: vec![lsp_types::Registration {
                id: "stslint-watch".to_owned(),
                method: "workspace/didChangeWatchedFiles".to_owned(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        let _ = conn.sender.send(Message::Request(Request::new(
            RequestId::from("stslint-register-watchers".to_owned()),
            "client/registerCapability".to_owned(),
            register,
        )));
    }
    let mut server = Server::new(root, watch, document_changes);
    if let (Some(problem), _) = server.rescan() {
        show_error(&conn, &problem);
    }
    publish_config(&conn, &mut server);
    main_loop(&conn, &mut server)?;
    drop(conn);
    io.join().map_err(|e| e.to_string())
}

/// Publish the workspace config's problems on the config file (or clear
/// them once fixed).
fn publish_config(conn: &Connection, server: &mut Server) {
    if let Some((uri, diags)) = server.config_diagnostics() {
        publish(conn, &uri, None, diags);
    }
}

fn main_loop(conn: &Connection, server: &mut Server) -> Result<(), String> {
    loop {
        // A client that does not report file changes gets the disk looked
        // at every RESCAN while idle: a `git checkout` shows without a
        // keystroke.
        let first = if server.watched {
            match conn.receiver.recv() {
                Ok(m) => m,
                Err(_) => return Ok(()),
            }
        } else {
            match conn.receiver.recv_timeout(RESCAN) {
                Ok(m) => m,
                Err(e) if e.is_timeout() => {
                    let (problem, changed) = server.rescan();
                    if let Some(problem) = problem {
                        show_error(conn, &problem);
                    }
                    publish_config(conn, server);
                    if changed && !server.open.is_empty() {
                        lint_and_publish(conn, server);
                    }
                    continue;
                }
                Err(_) => return Ok(()),
            }
        };
        // Take every message already waiting, so that a burst of changes
        // is linted once, with the last text.
        let mut batch = vec![first];
        batch.extend(conn.receiver.try_iter());
        let mut dirty: Vec<String> = Vec::new();
        let mut rescan = false;
        for msg in batch {
            match msg {
                Message::Request(req) => {
                    if conn.handle_shutdown(&req).map_err(|e| e.to_string())? {
                        return Ok(());
                    }
                    // Answered from the latest text: what changed before
                    // the request is linted first.
                    if matches!(
                        req.method.as_str(),
                        "textDocument/codeAction" | "textDocument/hover"
                    ) && (rescan || !dirty.is_empty())
                    {
                        flush(conn, server, &mut dirty, &mut rescan);
                    }
                    let resp = answer(server, req);
                    let _ = conn.sender.send(Message::Response(resp));
                }
                Message::Response(_) => {}
                Message::Notification(n) => {
                    if n.method == "exit" {
                        return Ok(());
                    }
                    handle(conn, server, &n, &mut dirty, &mut rescan);
                }
            }
        }
        flush(conn, server, &mut dirty, &mut rescan);
    }
}

/// Look at the disk again if asked, and lint and publish if anything is
/// dirty.
fn flush(conn: &Connection, server: &mut Server, dirty: &mut Vec<String>, rescan: &mut bool) {
    if std::mem::take(rescan) {
        if let (Some(problem), _) = server.rescan() {
            show_error(conn, &problem);
        }
        publish_config(conn, server);
        // Any open document may depend on what changed.
        *dirty = server.open.keys().cloned().collect();
    }
    // A change in one document can change the diagnostics of another:
    // all open documents are linted together and published.
    if !std::mem::take(dirty).is_empty() {
        lint_and_publish(conn, server);
    }
}

/// The response to a request.
fn answer(server: &mut Server, req: Request) -> Response {
    fn reply<P: serde::de::DeserializeOwned, R: serde::Serialize>(
        req: Request,
        f: impl FnOnce(P) -> R,
    ) -> Response {
        match serde_json::from_value::<P>(req.params) {
            Ok(p) => {
                let value = serde_json::to_value(f(p)).unwrap_or(Value::Null);
                Response::new_ok(req.id, value)
            }
            Err(e) => Response::new_err(req.id, ErrorCode::InvalidParams as i32, e.to_string()),
        }
    }
    // A panic is a bug, but it must not take the editor's server down.
    let id = req.id.clone();
    let method = req.method.clone();
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match method.as_str() {
        "textDocument/codeAction" => reply(req, |p: CodeActionParams| server.code_actions(&p)),
        "textDocument/hover" => reply(req, |p: HoverParams| server.hover(&p)),
        _ => Response::new_err(
            req.id,
            ErrorCode::MethodNotFound as i32,
            format!("stslint does not handle {method}"),
        ),
    }));
    run.unwrap_or_else(|_| {
        Response::new_err(
            id,
            ErrorCode::InternalError as i32,
            "stslint crashed answering this (this is a bug, please report it)".to_owned(),
        )
    })
}

fn lint_and_publish(conn: &Connection, server: &mut Server) {
    // A panic is a bug, but it must not take the editor's server down.
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.lint_open()));
    match run {
        Ok(results) => {
            for (uri, version, diags) in results {
                publish(conn, &uri, version, diags);
            }
        }
        Err(_) => show_error(
            conn,
            "crashed while linting (this is a bug, please report it)",
        ),
    }
}

fn handle(
    conn: &Connection,
    server: &mut Server,
    n: &Notification,
    dirty: &mut Vec<String>,
    rescan: &mut bool,
) {
    let p = &n.params;
    let uri = p["textDocument"]["uri"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    match n.method.as_str() {
        "textDocument/didOpen" => {
            let Ok(params) = serde_json::from_value::<DidOpenTextDocumentParams>(p.clone()) else {
                return;
            };
            let path = uri_to_path(&uri);
            let name = path
                .as_ref()
                .map_or_else(|| uri.clone(), |p| p.to_string_lossy().into_owned());
            let doc = params.text_document;
            server.open.insert(
                uri.clone(),
                Doc {
                    name,
                    path,
                    text: doc.text,
                    version: doc.version,
                },
            );
            dirty.push(uri);
        }
        "textDocument/didChange" => {
            let Ok(params) = serde_json::from_value::<DidChangeTextDocumentParams>(p.clone())
            else {
                return;
            };
            // Full sync: the last change holds the whole text.
            if let (Some(doc), Some(change)) = (
                server.open.get_mut(&uri),
                params.content_changes.into_iter().last(),
            ) {
                doc.text = change.text;
                doc.version = params.text_document.version;
                dirty.push(uri);
            }
        }
        "textDocument/didSave" | "workspace/didChangeWatchedFiles" => {
            // Read these files again even if their modification time did
            // not move (coarse clocks).
            let changed = p["changes"].as_array().into_iter().flatten();
            for u in changed
                .filter_map(|c| c["uri"].as_str())
                .chain(Some(uri.as_str()))
            {
                if let Some(path) = uri_to_path(u) {
                    server.disk.remove(&path);
                }
            }
            *rescan = true;
        }
        "textDocument/didClose" => {
            server.open.remove(&uri);
            publish(conn, &uri, None, Vec::new());
            // The others were linted against its unsaved text: lint them
            // again against the file on disk.
            dirty.extend(server.open.keys().cloned());
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uris_and_paths_round_trip() {
        let path = "/a b/ü%.yaml";
        let uri = path_to_uri(path).expect("absolute");
        assert_eq!(uri, "file:///a%20b/%C3%BC%25.yaml");
        assert_eq!(uri_to_path(&uri), Some(PathBuf::from(path)));
        assert_eq!(
            uri_to_path("file://host/x.yaml"),
            Some(PathBuf::from("/x.yaml"))
        );
        assert_eq!(uri_to_path("untitled:Untitled-1"), None);
        assert_eq!(path_to_uri("relative.yaml"), None);
    }
}
