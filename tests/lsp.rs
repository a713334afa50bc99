//! `stslint lsp`, spoken to over real JSON-RPC on stdio: initialize,
//! didOpen, didChange, watched files; published diagnostics and their
//! ranges in 0-based UTF-16 positions.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

mod common;

use common::{MISSING_SERVICE, NOT_HEADLESS};

struct Client {
    child: Child,
    stdin: ChildStdin,
    inbox: Receiver<Value>,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stslint"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("stslint lsp starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, inbox) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        len = n.parse().expect("length");
                    }
                }
                let mut body = vec![0; len];
                r.read_exact(&mut body).expect("body");
                let msg: Value = serde_json::from_slice(&body).expect("JSON-RPC message");
                if tx.send(msg).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            inbox,
        }
    }

    /// Start the server and complete the handshake for workspace `root_uri`;
    /// returns the initialize result.
    fn initialized(root_uri: &str) -> (Client, Value) {
        Client::initialized_with(root_uri, json!({}))
    }

    fn initialized_with(root_uri: &str, capabilities: Value) -> (Client, Value) {
        let mut c = Client::start();
        c.send(
            json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "processId": null, "rootUri": root_uri, "capabilities": capabilities,
            }}),
        );
        let init = c.wait(|m| m["id"] == 1);
        c.notify("initialized", json!({}));
        (c, init)
    }

    /// Shut the server down as a client does; it must exit cleanly.
    fn shutdown(mut self) {
        self.send(json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
        let down = self.wait(|m| m["id"] == 2);
        assert!(down.get("error").is_none(), "{down}");
        self.notify("exit", Value::Null);
        assert!(self.child.wait().expect("exits").success());
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next message with this method (or the response to request `id`).
    fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            let msg = self
                .inbox
                .recv_timeout(Duration::from_secs(20))
                .expect("the server answers in time");
            if pred(&msg) {
                return msg;
            }
        }
    }

    /// Send request `id`: its response, and the messages that came before it.
    fn request(&mut self, id: u64, msg: Value) -> (Value, Vec<Value>) {
        self.send(msg);
        let mut before = Vec::new();
        loop {
            let msg = self
                .inbox
                .recv_timeout(Duration::from_secs(20))
                .expect("the server answers in time");
            if msg["id"] == id {
                return (msg, before);
            }
            before.push(msg);
        }
    }

    /// The next publishDiagnostics: (uri, diagnostics).
    fn next_diagnostics(&mut self) -> (String, Vec<Value>) {
        let msg = self.wait(|m| m["method"] == "textDocument/publishDiagnostics");
        (
            msg["params"]["uri"].as_str().unwrap_or("").to_owned(),
            msg["params"]["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        )
    }

    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let msg = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        msg["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// MISSING_SERVICE with an env entry on line 19 whose value YAML reads as
/// a boolean, after characters that take 1 (é) and 2 (😀) UTF-16 code units.
fn statefulset(env_value: &str) -> String {
    MISSING_SERVICE.replace(
        "        env:\n",
        &format!("        env:\n        - {{name: CAFÉ_😀, value: {env_value}}}\n"),
    )
}

fn codes(diags: &[Value]) -> Vec<&str> {
    diags
        .iter()
        .map(|d| d["code"].as_str().unwrap_or(""))
        .collect()
}

#[test]
fn publishes_located_diagnostics_for_unsaved_text_with_workspace_context() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(dir.path()).expect("canonical");
    fs::write(root.join("svc.yaml"), NOT_HEADLESS).expect("write");
    // On disk the StatefulSet is fine; the editor's unsaved text is not.
    fs::write(root.join("db.yaml"), statefulset("\"on\"")).expect("write");
    let root_uri = format!("file://{}", root.display());
    let uri = format!("{root_uri}/db.yaml");

    let (mut c, init) = Client::initialized(&root_uri);
    assert_eq!(
        init["result"]["capabilities"]["textDocumentSync"]["change"],
        1
    );
    assert_eq!(init["result"]["serverInfo"]["name"], "stslint");

    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": statefulset("on"),
        }}),
    );
    let diags = c.diagnostics(&uri);
    assert_eq!(
        codes(&diags),
        ["service-not-headless", "env-value-not-string"]
    );

    // The workspace Service is not headless: reported at serviceName, with
    // the Service in svc.yaml as related information.
    let svc = &diags[0];
    assert_eq!(svc["severity"], 1);
    assert_eq!(svc["source"], "stslint");
    assert_eq!(
        svc["range"],
        json!({"start": {"line": 5, "character": 2}, "end": {"line": 5, "character": 17}})
    );
    assert!(
        svc["codeDescription"]["href"]
            .as_str()
            .expect("href")
            .ends_with("/rules/service-not-headless.md")
    );
    let rel = &svc["relatedInformation"][0];
    assert_eq!(rel["location"]["uri"], format!("{root_uri}/svc.yaml"));
    assert_eq!(
        rel["location"]["range"]["start"],
        json!({"line": 4, "character": 0})
    );

    // `value: on` on line 19 (0-based 18): `        - {name: CAFÉ_😀, ` is 25
    // characters, 26 UTF-16 code units and 29 bytes.
    let env = &diags[1];
    assert_eq!(env["severity"], 1);
    assert_eq!(
        env["range"],
        json!({"start": {"line": 18, "character": 26}, "end": {"line": 18, "character": 35}})
    );
    assert!(
        env["message"]
            .as_str()
            .expect("message")
            .starts_with("env value `on` is not a string: YAML 1.1 reads it as the boolean true")
    );

    // The user fixes the value without saving.
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"text": statefulset("\"on\"")}],
        }),
    );
    assert_eq!(codes(&c.diagnostics(&uri)), ["service-not-headless"]);

    // The Service is fixed on disk: a watched-file event re-lints.
    fs::write(
        root.join("svc.yaml"),
        NOT_HEADLESS.replace("spec:\n", "spec:\n  clusterIP: None\n"),
    )
    .expect("write");
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [
            {"uri": format!("{root_uri}/svc.yaml"), "type": 2},
        ]}),
    );
    assert_eq!(codes(&c.diagnostics(&uri)), Vec::<&str>::new());

    // Closing clears the document's diagnostics.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(c.diagnostics(&uri), Vec::<Value>::new());

    c.shutdown();
}

#[test]
fn unknown_requests_get_an_error_and_broken_yaml_a_diagnostic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(dir.path()).expect("canonical");
    let root_uri = format!("file://{}", root.display());
    let uri = format!("{root_uri}/broken.yaml");
    let (mut c, _) = Client::initialized(&root_uri);
    c.send(json!({"jsonrpc": "2.0", "id": 7, "method": "textDocument/completion", "params": {}}));
    let resp = c.wait(|m| m["id"] == 7);
    assert_eq!(resp["error"]["code"], -32601);
    c.send(json!({"jsonrpc": "2.0", "id": 8, "method": "textDocument/hover", "params": {}}));
    let resp = c.wait(|m| m["id"] == 8);
    assert_eq!(resp["error"]["code"], -32602, "bad params: {resp}");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": "kind: [\n",
        }}),
    );
    let diags = c.diagnostics(&uri);
    assert_eq!(codes(&diags), ["yaml-syntax"]);
    c.shutdown();
}

#[test]
fn a_change_in_one_open_document_updates_the_others() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(dir.path()).expect("canonical");
    let root_uri = format!("file://{}", root.display());
    let db = format!("{root_uri}/db.yaml");
    let svc = format!("{root_uri}/svc.yaml");
    let (mut c, _) = Client::initialized(&root_uri);
    // Neither file exists on disk: both live only in the editor.
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {
            "uri": db, "languageId": "yaml", "version": 1, "text": statefulset("\"x\""),
        }}),
    );
    assert_eq!(codes(&c.diagnostics(&db)), ["missing-headless-service"]);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {
            "uri": svc, "languageId": "yaml", "version": 1, "text": NOT_HEADLESS,
        }}),
    );
    // The unsaved Service now exists: the StatefulSet's finding moves to it.
    let (first, second) = (c.next_diagnostics(), c.next_diagnostics());
    let mut got = [first, second];
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got[0].0, db);
    assert_eq!(codes(&got[0].1), Vec::<&str>::new());
    assert_eq!(got[1].0, svc);
    assert_eq!(codes(&got[1].1), ["service-not-headless"]);
    let rel = &got[1].1[0]["relatedInformation"][0]["location"];
    assert_eq!(rel["uri"], db);
    assert_eq!(rel["range"]["start"], json!({"line": 5, "character": 2}));
    c.shutdown();
}

fn open(c: &mut Client, uri: &str, text: &str) {
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
}

#[test]
fn a_file_the_config_excludes_is_not_linted_when_opened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(dir.path()).expect("canonical");
    fs::create_dir_all(root.join("charts/db/templates")).expect("mkdir");
    fs::write(
        root.join(".stslint.yaml"),
        "exclude: [charts/*/templates]\n",
    )
    .expect("write");
    let root_uri = format!("file://{}", root.display());
    let template = format!("{root_uri}/charts/db/templates/sts.yaml");
    let (mut c, _) = Client::initialized(&root_uri);
    open(
        &mut c,
        &template,
        "metadata:\n  labels:\n    {{- include \"x\" . }}\n",
    );
    assert_eq!(c.diagnostics(&template), Vec::<Value>::new());
    // A file outside the excluded directory is linted as usual.
    let other = format!("{root_uri}/db.yaml");
    open(&mut c, &other, "kind: [\n");
    assert_eq!(codes(&c.diagnostics(&other)), ["yaml-syntax"]);
    c.shutdown();
}

#[test]
fn closing_an_unsaved_buffer_lints_the_others_against_the_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(dir.path()).expect("canonical");
    fs::write(root.join("svc.yaml"), NOT_HEADLESS).expect("write");
    fs::write(root.join("db.yaml"), MISSING_SERVICE).expect("write");
    let root_uri = format!("file://{}", root.display());
    let (db, svc) = (
        format!("{root_uri}/db.yaml"),
        format!("{root_uri}/svc.yaml"),
    );
    let (mut c, _) = Client::initialized(&root_uri);
    open(&mut c, &db, MISSING_SERVICE);
    let found = codes(&c.diagnostics(&db)).join(",");
    assert_eq!(found, "service-not-headless");
    // The Service is fixed in the editor, not saved: the StatefulSet is clean.
    let headless = NOT_HEADLESS.replace("spec:\n", "spec:\n  clusterIP: None\n");
    open(&mut c, &svc, &headless);
    assert_eq!(codes(&c.diagnostics(&db)), Vec::<&str>::new());
    // Closed without saving: the file on disk holds again.
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": svc}}),
    );
    assert_eq!(codes(&c.diagnostics(&db)), ["service-not-headless"]);
    c.shutdown();
}

#[test]
fn a_change_on_disk_shows_without_a_keystroke() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(dir.path()).expect("canonical");
    fs::write(root.join("svc.yaml"), NOT_HEADLESS).expect("write");
    fs::write(root.join("db.yaml"), MISSING_SERVICE).expect("write");
    let root_uri = format!("file://{}", root.display());
    let db = format!("{root_uri}/db.yaml");
    // The client registers no file watchers (capabilities are empty).
    let (mut c, _) = Client::initialized(&root_uri);
    open(&mut c, &db, MISSING_SERVICE);
    assert_eq!(codes(&c.diagnostics(&db)), ["service-not-headless"]);
    // `git checkout` replaces the Service on disk; nobody types.
    let headless = NOT_HEADLESS.replace("spec:\n", "spec:\n  clusterIP: None\n");
    fs::write(root.join("svc.yaml"), headless).expect("write");
    assert_eq!(codes(&c.diagnostics(&db)), Vec::<&str>::new());
    c.shutdown();
}

#[test]
fn config_errors_are_diagnostics_on_the_config_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(dir.path()).expect("canonical");
    fs::write(
        root.join(".stslint.yaml"),
        "rules:\n  pdb-quorom: off\nnamesapce: x\n",
    )
    .expect("write");
    let root_uri = format!("file://{}", root.display());
    let config = format!("{root_uri}/.stslint.yaml");
    let (mut c, _) = Client::initialized(&root_uri);
    let diags = c.diagnostics(&config);
    let got: Vec<(Value, &str)> = diags
        .iter()
        .map(|d| {
            (
                d["range"]["start"].clone(),
                d["message"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                json!({"line": 1, "character": 2}),
                "unknown rule `pdb-quorom`; did you mean `pdb-quorum`?"
            ),
            (
                json!({"line": 2, "character": 0}),
                "unknown key `namesapce`; did you mean `namespace`?"
            ),
        ]
    );
    // Fixed and saved: the diagnostics are cleared.
    fs::write(root.join(".stslint.yaml"), "rules:\n  pdb-quorum: off\n").expect("write");
    c.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": config}}),
    );
    assert_eq!(c.diagnostics(&config), Vec::<Value>::new());
    c.shutdown();
}

#[test]
fn each_document_follows_the_config_nearest_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(dir.path()).expect("canonical");
    fs::create_dir_all(root.join("team")).expect("mkdir");
    fs::write(
        root.join("team/.stslint.yaml"),
        "rules:\n  missing-headless-service: off\nnamespace: team\n",
    )
    .expect("write");
    let root_uri = format!("file://{}", root.display());
    let (team, other) = (
        format!("{root_uri}/team/db.yaml"),
        format!("{root_uri}/db.yaml"),
    );
    let (mut c, _) = Client::initialized(&root_uri);
    open(&mut c, &team, MISSING_SERVICE);
    assert_eq!(codes(&c.diagnostics(&team)), Vec::<&str>::new());
    let elsewhere = MISSING_SERVICE.replace("name: db\n", "name: web\n");
    open(&mut c, &other, &elsewhere);
    let diags = c.diagnostics(&other);
    assert_eq!(codes(&diags), ["missing-headless-service"]);
    assert!(
        diags[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("namespace `default`")),
        "{diags:?}"
    );
    c.shutdown();
}

const REPLICAS_POLICY: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: three-replicas
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [statefulsets]}
  validations:
  - expression: "object.spec.replicas >= 3"
    message: quorum sets run three replicas or more
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: three-replicas
spec:
  policyName: three-replicas
  validationActions: [Warn]
"#;

fn replicas_set(n: u32) -> String {
    format!(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: zk}}\nspec:\n  serviceName: zk\n  replicas: {n}\n  selector: {{matchLabels: {{app: zk}}}}\n  template:\n    metadata: {{labels: {{app: zk}}}}\n    spec:\n      containers:\n      - name: zk\n        image: registry.example.com/zk:3.9.2\n"
    )
}

#[test]
fn workspace_policies_check_the_open_buffer_and_their_own_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(dir.path()).expect("canonical");
    fs::create_dir_all(root.join("policies")).expect("mkdir");
    fs::write(root.join("policies/replicas.yaml"), REPLICAS_POLICY).expect("write");
    fs::write(root.join(".stslint.yaml"), "policies: [policies]\n").expect("write");
    let root_uri = format!("file://{}", root.display());
    let uri = format!("{root_uri}/zk.yaml");
    let (mut c, _) = Client::initialized(&root_uri);
    open(&mut c, &uri, &replicas_set(1));
    let diags = c.diagnostics(&uri);
    let vap: Vec<&Value> = diags
        .iter()
        .filter(|d| d["code"] == "vap:three-replicas")
        .collect();
    assert_eq!(vap.len(), 1, "{diags:?}");
    assert_eq!(vap[0]["range"]["start"], json!({"line": 5, "character": 2}));
    assert_eq!(vap[0]["severity"], 2);
    assert_eq!(
        vap[0]["message"]
            .as_str()
            .map(|m| m.starts_with("quorum sets run three replicas or more")),
        Some(true),
        "{:?}",
        vap[0]
    );
    // Fixed in the buffer: the policy passes.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"text": replicas_set(3)}]}),
    );
    let diags = c.diagnostics(&uri);
    assert!(!codes(&diags).contains(&"vap:three-replicas"), "{diags:?}");
    // The policy's own text is linted when it is open: a misspelt field.
    let policy_uri = format!("{root_uri}/policies/replicas.yaml");
    open(
        &mut c,
        &policy_uri,
        &REPLICAS_POLICY.replace("object.spec.replicas", "object.spec.replica"),
    );
    let diags = c.diagnostics(&policy_uri);
    assert_eq!(codes(&diags), ["policy-unknown-field"], "{diags:?}");
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 9, "character": 29})
    );
    c.shutdown();
}

/// The byte offset of an LSP position (UTF-16 characters) in `text`.
fn offset_of(text: &str, pos: &Value) -> usize {
    let line = pos["line"].as_u64().expect("line") as usize;
    let character = pos["character"].as_u64().expect("character") as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (i, ch) in text[start..].char_indices() {
        if units >= character || ch == '\n' {
            return start + i;
        }
        units += ch.len_utf16();
    }
    text.len()
}

/// `text` with a TextDocumentEdit's edits applied, as an editor does.
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset_of(text, &e["range"]["start"]),
                offset_of(text, &e["range"]["end"]),
                e["newText"].as_str().expect("newText"),
            )
        })
        .collect();
    spans.sort();
    let mut out = text.to_owned();
    for (start, end, new) in spans.into_iter().rev() {
        out.replace_range(start..end, new);
    }
    out
}

/// A budget that blocks every drain (pdb-blocks-drain, an unsafe fix)
/// beside MISSING_SERVICE's StatefulSet (3 replicas, so missing-anti-affinity
/// too, which has no fix) and its Service.
fn pdb_and_sts(env_value: &str) -> String {
    format!(
        "{}---\n{}---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: db}}\nspec:\n  maxUnavailable: 0\n  selector: {{matchLabels: {{app: db}}}}\n",
        common::HEADLESS_SERVICE,
        statefulset(env_value).replace("  serviceName: db\n", "  serviceName: db\n  replicas: 3\n")
    )
}

/// The code actions for the cursor on `line` (as Neovim asks), and the
/// messages that came before the answer.
fn code_actions_after(
    c: &mut Client,
    id: u64,
    uri: &str,
    line: u64,
    only: Option<&[&str]>,
) -> (Vec<Value>, Vec<Value>) {
    let mut context = json!({"diagnostics": []});
    if let Some(only) = only {
        context["only"] = json!(only);
    }
    let (resp, before) = c.request(
        id,
        json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/codeAction", "params": {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": line, "character": 3}, "end": {"line": line, "character": 3}},
            "context": context,
        }}),
    );
    let actions = resp["result"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("{resp}"));
    (actions, before)
}

fn code_actions(
    c: &mut Client,
    id: u64,
    uri: &str,
    line: u64,
    only: Option<&[&str]>,
) -> Vec<Value> {
    code_actions_after(c, id, uri, line, only).0
}

#[test]
fn code_actions_are_versioned_quick_fixes_and_ignores_and_fix_all_is_safe_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(dir.path()).expect("canonical");
    let root_uri = format!("file://{}", root.display());
    let uri = format!("{root_uri}/db.yaml");
    let caps = json!({"workspace": {"workspaceEdit": {"documentChanges": true}}});
    let (mut c, init) = Client::initialized_with(&root_uri, caps);
    assert_eq!(
        init["result"]["capabilities"]["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix", "source.fixAll.stslint"])
    );
    assert_eq!(init["result"]["capabilities"]["hoverProvider"], true);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 3, "text": pdb_and_sts("\"x\"")}}),
    );
    c.diagnostics(&uri);
    // A change, and at once a request: it is answered for the new text.
    let text = pdb_and_sts("on");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": text}]}),
    );
    let env_line = text
        .lines()
        .position(|l| l.contains("CAFÉ"))
        .expect("env line") as u64;
    let (actions, before) = code_actions_after(&mut c, 10, &uri, env_line, None);
    // The diagnostics of version 4 came first.
    let published = before
        .iter()
        .find(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 4)
        .expect("version 4 published before the answer");
    assert_eq!(
        codes(
            published["params"]["diagnostics"]
                .as_array()
                .expect("diagnostics")
        ),
        [
            "missing-anti-affinity",
            "env-value-not-string",
            "pdb-blocks-drain"
        ]
    );
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        titles,
        [
            "Fix: quote the value",
            "Ignore env-value-not-string on this line",
            "Ignore env-value-not-string on this object",
            "Fix all safely fixable stslint problems",
        ]
    );
    let quick = &actions[0];
    assert_eq!(quick["kind"], "quickfix");
    assert_eq!(quick["isPreferred"], true);
    assert_eq!(quick["diagnostics"][0]["code"], "env-value-not-string");
    let change = &quick["edit"]["documentChanges"][0];
    assert_eq!(change["textDocument"], json!({"uri": uri, "version": 4}));
    let fixed = apply_edits(&text, change["edits"].as_array().expect("edits"));
    assert_eq!(fixed, pdb_and_sts("\"on\""));

    // The budget's fix is unsafe: offered, marked, never preferred.
    let pdb_line = text
        .lines()
        .position(|l| l.contains("maxUnavailable"))
        .expect("pdb") as u64;
    let actions = code_actions(&mut c, 11, &uri, pdb_line, Some(&["quickfix"]));
    assert_eq!(
        actions[0]["title"],
        "Fix (unsafe, review it): set maxUnavailable to 1"
    );
    assert_eq!(actions[0]["isPreferred"], false);

    // Ignoring on the line writes the comment; the edited text lints clean
    // of the rule.
    let ignore = &actions[1];
    assert_eq!(ignore["title"], "Ignore pdb-blocks-drain on this line");
    let edits = ignore["edit"]["documentChanges"][0]["edits"]
        .as_array()
        .expect("edits");
    let ignored = apply_edits(&text, edits);
    assert!(
        ignored.contains("  maxUnavailable: 0  # stslint: ignore[pdb-blocks-drain]\n"),
        "{ignored}"
    );

    // Fix all: the safe fix only, and the result lints clean of it.
    let all = code_actions(&mut c, 12, &uri, 0, Some(&["source.fixAll"]));
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["kind"], "source.fixAll.stslint");
    let change = &all[0]["edit"]["documentChanges"][0];
    assert_eq!(change["textDocument"]["version"], 4);
    let fixed_all = apply_edits(&text, change["edits"].as_array().expect("edits"));
    assert_eq!(fixed_all, pdb_and_sts("\"on\""));
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 5}, "contentChanges": [{"text": fixed_all}]}),
    );
    let published =
        c.wait(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == 5);
    assert_eq!(
        codes(
            published["params"]["diagnostics"]
                .as_array()
                .expect("diagnostics")
        ),
        ["missing-anti-affinity", "pdb-blocks-drain"]
    );

    // Hover on the budget shows the rule's page.
    c.send(
        json!({"jsonrpc": "2.0", "id": 13, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": uri},
            "position": {"line": pdb_line, "character": 4},
        }}),
    );
    let hover = c.wait(|m| m["id"] == 13);
    let page = hover["result"]["contents"]["value"]
        .as_str()
        .expect("markdown");
    assert!(page.starts_with("# pdb-blocks-drain\n"), "{page}");
    assert!(page.contains("## Why it matters"), "{page}");
    assert_eq!(hover["result"]["contents"]["kind"], "markdown");
    // Nowhere near a diagnostic: no hover.
    c.send(
        json!({"jsonrpc": "2.0", "id": 14, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": uri}, "position": {"line": 0, "character": 0},
        }}),
    );
    assert_eq!(c.wait(|m| m["id"] == 14)["result"], Value::Null);
    c.shutdown();
}

#[test]
fn without_document_changes_edits_come_as_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = fs::canonicalize(dir.path()).expect("canonical");
    let root_uri = format!("file://{}", root.display());
    let uri = format!("{root_uri}/db.yaml");
    let (mut c, _) = Client::initialized(&root_uri);
    let text = pdb_and_sts("on");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    let line = text
        .lines()
        .position(|l| l.contains("CAFÉ"))
        .expect("env line") as u64;
    let actions = code_actions(&mut c, 10, &uri, line, Some(&["quickfix"]));
    let edits = actions[0]["edit"]["changes"][&uri]
        .as_array()
        .expect("changes");
    assert_eq!(apply_edits(&text, edits), pdb_and_sts("\"on\""));
    c.shutdown();
}
