//! Hostile file systems: loops, dangling links, FIFOs, unreadable files,
//! directories named like manifests, oversized and vanishing files. Each is a
//! diagnostic or a skip with a note, never a hang, and the good file next to
//! them is still linted.

use std::fs;
use std::os::unix::fs::symlink;
use std::time::{Duration, Instant};

mod common;

use assert_cmd::Command;
use common::MISSING_SERVICE;
use serde_json::Value;
use stslint::discover::Input;

/// Run with JSON on stdout and SARIF into a file; both must parse and
/// agree whatever failed.
fn run_json(dir: &std::path::Path, args: &[&str]) -> (i32, Value, String) {
    let sarif_dir = tempfile::tempdir().expect("tempdir");
    let sarif_path = sarif_dir.path().join("out.sarif");
    let out = Command::cargo_bin("stslint")
        .expect("binary")
        .current_dir(dir)
        .args(["check", "--format", "json", "--format", "sarif", "--output"])
        .arg(&sarif_path)
        .args(args)
        .timeout(Duration::from_secs(20))
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("valid json whatever failed");
    let code = out.status.code().expect("not killed by the timeout");
    let sarif: Value =
        serde_json::from_str(&fs::read_to_string(&sarif_path).expect("SARIF written"))
            .expect("valid SARIF JSON whatever failed");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        v["diagnostics"].as_array().map(Vec::len)
    );
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["executionSuccessful"],
        Value::Bool(code != 2)
    );
    (code, v, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn rules(v: &Value) -> Vec<(String, String)> {
    v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or("").to_owned(),
                d["rule"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn walk_survives_loops_dangling_links_fifos_and_directories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    fs::write(p.join("db.yaml"), MISSING_SERVICE).expect("write");
    fs::create_dir(p.join("loop")).expect("mkdir");
    symlink(p.join("loop"), p.join("loop").join("again")).expect("symlink loop");
    symlink(p.join("nowhere.yaml"), p.join("dangling.yaml")).expect("dangling symlink");
    fs::create_dir(p.join("dir.yaml")).expect("directory named like a manifest");
    let fifo = p.join("pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let start = Instant::now();
    let (code, v, stderr) = run_json(p, &["."]);
    assert!(start.elapsed() < Duration::from_secs(10), "no hang");
    assert_eq!(code, 1);
    assert_eq!(
        rules(&v),
        vec![("db.yaml".to_owned(), "missing-headless-service".to_owned())]
    );
    assert!(
        stderr.contains("pipe.yaml"),
        "FIFO skipped with a note: {stderr}"
    );
    assert!(
        stderr.contains("dangling.yaml"),
        "dangling link noted: {stderr}"
    );
    assert!(stderr.contains("loop"), "loop noted: {stderr}");
}

#[test]
fn explicit_fifo_is_a_diagnostic_not_a_hang() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("pipe.yaml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    fs::write(dir.path().join("db.yaml"), MISSING_SERVICE).expect("write");
    let (code, v, _) = run_json(dir.path(), &["pipe.yaml", "db.yaml"]);
    assert_eq!(code, 2, "an explicit input that cannot be read is exit 2");
    assert_eq!(
        rules(&v),
        vec![
            ("db.yaml".to_owned(), "missing-headless-service".to_owned()),
            ("pipe.yaml".to_owned(), "yaml-syntax".to_owned()),
        ]
    );
}

#[test]
fn oversized_file_is_reported_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = format!("{MISSING_SERVICE}# {}\n", "x".repeat(4096));
    fs::write(dir.path().join("big.yaml"), big).expect("write");
    fs::write(dir.path().join("db.yaml"), MISSING_SERVICE).expect("write");
    let (code, v, _) = run_json(dir.path(), &[".", "--max-file-size", "2Ki"]);
    assert_eq!(code, 1);
    let diags = v["diagnostics"].as_array().expect("array");
    assert_eq!(diags.len(), 2);
    assert_eq!(diags[0]["file"], "big.yaml");
    assert_eq!(diags[0]["rule"], "yaml-syntax");
    assert!(
        diags[0]["message"]
            .as_str()
            .expect("message")
            .contains("over the limit of 2048 bytes")
    );
    assert_eq!(diags[1]["file"], "db.yaml");
    let out = Command::cargo_bin("stslint")
        .expect("binary")
        .args(["check", "--max-file-size", "lots"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unreadable_file_is_a_diagnostic() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = dir.path().join("secret.yaml");
    fs::write(&secret, MISSING_SERVICE).expect("write");
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).expect("chmod");
    fs::write(dir.path().join("db.yaml"), MISSING_SERVICE).expect("write");
    let (code, v, _) = run_json(dir.path(), &["."]);
    assert_eq!(code, 1);
    let got = rules(&v);
    assert!(got.contains(&("db.yaml".to_owned(), "missing-headless-service".to_owned())));
    if fs::read(&secret).is_err() {
        // Not root: the permission holds and the file is reported.
        assert!(got.contains(&("secret.yaml".to_owned(), "yaml-syntax".to_owned())));
    } else {
        // Root reads it anyway: it is linted like any other file.
        assert!(got.contains(&(
            "secret.yaml".to_owned(),
            "missing-headless-service".to_owned()
        )));
    }
}

#[test]
fn a_file_that_vanishes_after_the_walk_is_a_diagnostic() {
    let dir = tempfile::tempdir().expect("tempdir");
    let gone = Input::File {
        name: "gone.yaml".to_owned(),
        path: dir.path().join("gone.yaml"),
        explicit: false,
    };
    let files = stslint::load::load_all(&[gone], &|_| "default", 1 << 20, &Default::default());
    assert_eq!(files.len(), 1);
    assert!(files[0].readable, "a walked file is not an exit-2 input");
    assert_eq!(files[0].findings.len(), 1);
    assert_eq!(files[0].findings[0].rule, "yaml-syntax");
    assert!(files[0].findings[0].message.starts_with("cannot read file"));
}
