//! --baseline REV (git) and --baseline-dir DIR: immutable-field-change
//! against the manifests before the change.

use std::fs;
use std::path::Path;
use std::process::Command as Process;

mod common;

use assert_cmd::Command;
use common::{HEADLESS_SERVICE, MISSING_SERVICE, check_json as check, found};
use serde_json::Value;

fn git(dir: &Path, args: &[&str]) {
    let ok = Process::new("git")
        .args([
            "-c",
            "user.email=t@example.invalid",
            "-c",
            "user.name=t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs")
        .status
        .success();
    assert!(ok, "git {args:?}");
}

/// A repository whose first commit holds the Service and the StatefulSet.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    fs::create_dir(p.join("k8s")).expect("mkdir");
    fs::write(p.join("k8s/svc.yaml"), HEADLESS_SERVICE).expect("write");
    fs::write(p.join("k8s/db.yaml"), MISSING_SERVICE).expect("write");
    git(p, &["init", "--quiet"]);
    git(p, &["add", "."]);
    git(p, &["commit", "--quiet", "-m", "base"]);
    dir
}

fn changes(v: &Value) -> Vec<(String, u64, String)> {
    found(v)
        .into_iter()
        .filter(|(_, _, r)| r == "immutable-field-change")
        .collect()
}

#[test]
fn a_storage_increase_since_the_base_revision_is_reported_with_the_old_value() {
    let dir = repo();
    let p = dir.path();
    fs::write(
        p.join("k8s/db.yaml"),
        MISSING_SERVICE.replace("10Gi", "20Gi"),
    )
    .expect("write");
    let (code, v, stderr) = check(p, &["k8s", "--baseline", "HEAD"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        found(&v),
        [("k8s/db.yaml".into(), 34, "immutable-field-change".into())]
    );
    let d = &v["diagnostics"][0];
    assert_eq!(
        d["message"],
        "volumeClaimTemplate `data` storage changed from 10Gi to 20Gi: the API server refuses this update"
    );
    assert!(
        d["help"]
            .as_str()
            .expect("help")
            .contains("--cascade=orphan")
    );
    assert_eq!(d["related"][0]["file"], "HEAD:k8s/db.yaml");
    assert_eq!(d["related"][0]["line"], 34);
    assert_eq!(d["related"][0]["message"], "was 10Gi at the baseline");
}

#[test]
fn objects_are_matched_by_identity_across_files_and_new_ones_are_not_compared() {
    let dir = repo();
    let p = dir.path();
    // The StatefulSet moves to another file and changes its serviceName; a
    // new StatefulSet appears in a new, untracked file.
    fs::remove_file(p.join("k8s/db.yaml")).expect("rm");
    fs::write(
        p.join("k8s/svc.yaml"),
        format!(
            "{HEADLESS_SERVICE}---\n{}",
            MISSING_SERVICE.replace("serviceName: db", "serviceName: database")
        ),
    )
    .expect("write");
    fs::write(
        p.join("k8s/new.yaml"),
        MISSING_SERVICE.replace("name: db\n", "name: other\n"),
    )
    .expect("write");
    let (_, v, stderr) = check(p, &["k8s", "--baseline", "HEAD"]);
    let changed = changes(&v);
    // Found in HEAD:k8s/db.yaml, a file deleted since.
    assert_eq!(
        changed,
        [("k8s/svc.yaml".into(), 15, "immutable-field-change".into())],
        "{stderr}"
    );
    assert_eq!(
        v["diagnostics"][0]["related"][0]["file"],
        "HEAD:k8s/db.yaml"
    );
    // With the base rendered to a directory, identity matching finds it too.
    let base = tempfile::tempdir().expect("tempdir");
    fs::write(
        base.path().join("all.yaml"),
        format!("{HEADLESS_SERVICE}---\n{MISSING_SERVICE}"),
    )
    .expect("write");
    let (_, v, _) = check(
        p,
        &[
            "k8s",
            "--baseline-dir",
            base.path().to_str().expect("utf-8"),
        ],
    );
    let changed = changes(&v);
    assert_eq!(
        changed,
        [("k8s/svc.yaml".into(), 15, "immutable-field-change".into())]
    );
}

#[test]
fn an_unchanged_tree_passes_and_an_unknown_revision_is_exit_2() {
    let dir = repo();
    let p = dir.path();
    let (code, v, _) = check(p, &["k8s", "--baseline", "HEAD"]);
    assert_eq!(code, 0, "{v}");
    let (code, _, stderr) = check(p, &["k8s", "--baseline", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("`no-such-branch` is not a revision"),
        "{stderr}"
    );
    let outside = tempfile::tempdir().expect("tempdir");
    fs::write(outside.path().join("db.yaml"), MISSING_SERVICE).expect("write");
    let (code, _, stderr) = check(outside.path(), &["db.yaml", "--baseline", "HEAD"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not in a git repository"), "{stderr}");
}

#[test]
fn rendered_manifests_on_stdin_are_compared_with_a_rendered_base() {
    let base = tempfile::tempdir().expect("tempdir");
    fs::write(base.path().join("app.yaml"), MISSING_SERVICE).expect("write");
    let out = Command::cargo_bin("stslint")
        .expect("binary")
        .args([
            "check",
            "-",
            "--format",
            "json",
            "--select",
            "immutable-field-change",
        ])
        .arg("--baseline-dir")
        .arg(base.path())
        .write_stdin(MISSING_SERVICE.replace("10Gi", "5Gi"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        found(&v),
        [("<stdin>".into(), 34, "immutable-field-change".into())]
    );
    assert!(
        v["diagnostics"][0]["help"]
            .as_str()
            .expect("help")
            .starts_with("Volumes cannot shrink")
    );
}
