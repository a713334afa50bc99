//! `--context` and `context:`: manifests loaded for cross-references only,
//! as a pre-commit hook needs when it is given just the changed files.

use std::path::Path;

mod common;

use assert_cmd::Command;
use common::{HEADLESS_SERVICE, MISSING_SERVICE, NOT_HEADLESS, check_json, found, repo};
use serde_json::Value;

fn json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let (code, v, _) = check_json(dir, args);
    (code, v)
}

#[test]
fn without_context_a_changed_file_alone_misses_its_service() {
    let dir = repo(&[
        ("k8s/db.yaml", MISSING_SERVICE),
        ("k8s/svc.yaml", HEADLESS_SERVICE),
    ]);
    let (code, v) = json(dir.path(), &["k8s/db.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&v),
        [("k8s/db.yaml".into(), 6, "missing-headless-service".into())]
    );
    let (code, v) = json(dir.path(), &["k8s/db.yaml", "--context", "k8s"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(found(&v), []);
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(v["summary"]["objects"], 1);
}

#[test]
fn a_finding_on_a_context_object_moves_to_the_reported_side() {
    let dir = repo(&[
        ("k8s/db.yaml", MISSING_SERVICE),
        ("k8s/svc.yaml", NOT_HEADLESS),
    ]);
    let (code, v) = json(dir.path(), &["k8s/db.yaml", "--context", "k8s"]);
    assert_eq!(code, 1);
    // At the StatefulSet's serviceName, with the context Service as a label.
    assert_eq!(
        found(&v),
        [("k8s/db.yaml".into(), 6, "service-not-headless".into())]
    );
    let related = &v["diagnostics"][0]["related"][0];
    assert_eq!(related["file"], "k8s/svc.yaml");
    assert_eq!(related["line"], 5);
    assert_eq!(
        related["message"],
        "Service `db` is here, in a context file"
    );
    // The message names the other file, for editors that show only it.
    let message = v["diagnostics"][0]["message"].as_str().expect("message");
    assert!(
        message.ends_with(" (Service `db` is in k8s/svc.yaml)"),
        "{message}"
    );
    // Linting the Service's file reports it there, as usual.
    let (_, v) = json(dir.path(), &["k8s/svc.yaml", "--context", "k8s"]);
    assert_eq!(
        found(&v),
        [("k8s/svc.yaml".into(), 5, "service-not-headless".into())]
    );
}

#[test]
fn problems_inside_context_files_are_not_reported() {
    let dir = repo(&[
        ("k8s/db.yaml", MISSING_SERVICE),
        ("k8s/svc.yaml", HEADLESS_SERVICE),
        ("k8s/broken.yaml", "kind: [\n"),
        (
            "other/lonely.yaml",
            &MISSING_SERVICE.replace("name: db\n", "name: lonely\n"),
        ),
    ]);
    let (code, v) = json(
        dir.path(),
        &["k8s/db.yaml", "--context", "k8s", "--context", "other"],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(found(&v), []);
}

#[test]
fn context_in_the_config_file_is_relative_to_it() {
    let dir = repo(&[
        (".stslint.yaml", "context: [k8s]\n"),
        ("k8s/db.yaml", MISSING_SERVICE),
        ("k8s/svc.yaml", HEADLESS_SERVICE),
    ]);
    let (code, v) = json(&dir.path().join("k8s"), &["db.yaml"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["summary"]["files"], 1);
}

#[test]
fn a_missing_context_path_is_a_usage_error() {
    let dir = repo(&[("db.yaml", MISSING_SERVICE)]);
    let out = Command::cargo_bin("stslint")
        .expect("binary")
        .current_dir(dir.path())
        .args(["check", "db.yaml", "--context", "nowhere"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--context: cannot read `nowhere`"));
}

#[test]
fn a_changed_budget_is_checked_against_a_statefulset_in_context() {
    // Only the PDB changed; the StatefulSet it protects lives in context.
    let sts = MISSING_SERVICE.replace(
        "spec:\n  serviceName",
        "spec:\n  replicas: 3\n  serviceName",
    );
    let pdb = "apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: db
spec:
  minAvailable: 3
  selector:
    matchLabels:
      app: db
";
    let elsewhere = sts.replace("  name: db\n", "  name: db\n  namespace: other\n");
    let dir = repo(&[
        ("k8s/db.yaml", &sts),
        ("k8s/svc.yaml", HEADLESS_SERVICE),
        ("k8s/other.yaml", &elsewhere),
        ("pdb.yaml", pdb),
    ]);
    let (code, v) = json(dir.path(), &["pdb.yaml", "--context", "k8s"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&v),
        [("pdb.yaml".into(), 6, "pdb-blocks-drain".into())]
    );
    assert_eq!(v["diagnostics"][0]["related"][0]["file"], "k8s/db.yaml");
}
