//! `stslint lsp`: a language server over stdio. Each open YAML or JSON
//! document is linted as it is in the editor (unsaved text included), with
//! the workspace's manifests as cross-reference context, and its
//! diagnostics are published on open, change and save.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::load::{self, LoadedFile, Role, TreeBudget};
use crate::policy::config;
use crate::render::{lsp as render, percent_encode};
use crate::{Options, lint_loaded};

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
}

impl Server {
    fn new(root: Option<PathBuf>, watched: bool) -> Self {
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
    fn config_diagnostics(&mut self) -> Option<(String, Vec<Value>)> {
        let now = self.config_problems.as_ref().and_then(|(path, errors)| {
            let uri = path_to_uri(&path.to_string_lossy())?;
            let diags = errors
                .iter()
                .map(|e| {
                    let pos = json!({ "line": e.line - 1, "character": e.column.saturating_sub(1) });
                    json!({
                        "range": { "start": pos, "end": { "line": e.line - 1, "character": e.column.saturating_sub(1) + 1 } },
                        "severity": 1,
                        "source": "stslint",
                        "code": "config",
                        "message": e.message,
                    })
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
    /// the diagnostics of each open document.
    fn lint_open(&mut self) -> Vec<(String, Vec<Value>)> {
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
        let uri_of = |name: &str| {
            open.iter()
                .find(|(_, d)| d.name == name)
                .map(|(uri, _)| (*uri).clone())
                .or_else(|| path_to_uri(name))
        };
        open.iter()
            .enumerate()
            .map(|(id, (uri, _))| {
                let diags = render::diagnostics(&report.diagnostics, &report.files, id, &uri_of);
                ((*uri).clone(), diags)
            })
            .chain(excluded.iter().map(|(uri, _)| ((*uri).clone(), Vec::new())))
            .collect()
    }
}

fn publish(conn: &Connection, uri: &str, diagnostics: Vec<Value>) {
    let params = json!({ "uri": uri, "diagnostics": diagnostics });
    let _ = conn.sender.send(Message::Notification(Notification::new(
        "textDocument/publishDiagnostics".to_owned(),
        params,
    )));
}

fn show_error(conn: &Connection, message: &str) {
    let params = json!({ "type": 1, "message": format!("stslint: {message}") });
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
    let result = json!({
        "capabilities": {
            "positionEncoding": "utf-16",
            "textDocumentSync": { "openClose": true, "change": 1, "save": { "includeText": false } },
        },
        "serverInfo": { "name": "stslint", "version": env!("CARGO_PKG_VERSION") },
    });
    conn.initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    if watch {
        let register = json!({ "registrations": [{
            "id": "stslint-watch",
            "method": "workspace/didChangeWatchedFiles",
            "registerOptions": { "watchers": [
                { "globPattern": "**/*.{yaml,yml,json}" },
                { "globPattern": "**/.stslint.yaml" },
            ]},
        }]});
        let _ = conn.sender.send(Message::Request(Request::new(
            RequestId::from("stslint-register-watchers".to_owned()),
            "client/registerCapability".to_owned(),
            register,
        )));
    }
    let mut server = Server::new(root, watch);
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
        publish(conn, &uri, diags);
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
                    let resp = Response::new_err(
                        req.id,
                        ErrorCode::MethodNotFound as i32,
                        format!("stslint does not handle {}", req.method),
                    );
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
        if rescan {
            if let (Some(problem), _) = server.rescan() {
                show_error(conn, &problem);
            }
            publish_config(conn, server);
            // Any open document may depend on what changed.
            dirty = server.open.keys().cloned().collect();
        }
        // A change in one document can change the diagnostics of another:
        // all open documents are linted together and published.
        if !dirty.is_empty() {
            lint_and_publish(conn, server);
        }
    }
}

fn lint_and_publish(conn: &Connection, server: &mut Server) {
    // A panic is a bug, but it must not take the editor's server down.
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.lint_open()));
    match run {
        Ok(results) => {
            for (uri, diags) in results {
                publish(conn, &uri, diags);
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
            let path = uri_to_path(&uri);
            let name = path
                .as_ref()
                .map_or_else(|| uri.clone(), |p| p.to_string_lossy().into_owned());
            let text = p["textDocument"]["text"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            server.open.insert(uri.clone(), Doc { name, path, text });
            dirty.push(uri);
        }
        "textDocument/didChange" => {
            // Full sync: the last change holds the whole text.
            let text = p["contentChanges"]
                .as_array()
                .and_then(|c| c.last())
                .and_then(|c| c["text"].as_str());
            if let (Some(doc), Some(text)) = (server.open.get_mut(&uri), text) {
                doc.text = text.to_owned();
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
            publish(conn, &uri, Vec::new());
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
