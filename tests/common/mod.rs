//! Manifests shared by the integration tests.

/// A StatefulSet whose serviceName names no Service: one
/// missing-headless-service finding at line 6, column 3.
#[allow(dead_code)] // not every test binary uses it
pub const MISSING_SERVICE: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: postgres:16.4
        env:
        - name: PRIMARY_HOST
          value: db-0.db
        readinessProbe:
          exec:
            command: [pg_isready]
        volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 10Gi
";

/// The headless Service that MISSING_SERVICE's StatefulSet names.
#[allow(dead_code)] // not every test binary uses it
pub const HEADLESS_SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  selector:
    app: db
";

/// A Service named like MISSING_SERVICE's that is not headless.
#[allow(dead_code)] // not every test binary uses it
pub const NOT_HEADLESS: &str = "apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  selector:
    app: db
";

/// (file, line, rule) of each diagnostic of a `--format json` report.
#[allow(dead_code)] // not every test binary uses it
pub fn found(v: &serde_json::Value) -> Vec<(String, u64, String)> {
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or("").to_owned(),
                d["line"].as_u64().unwrap_or(0),
                d["rule"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// Run `stslint ARGS` in `dir`.
#[allow(dead_code)] // not every test binary uses it
pub fn stslint(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("stslint")
        .expect("binary")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs")
}

/// Run `stslint check --format json ARGS` in `dir`: (exit code, the report,
/// or null when there is none, stderr).
#[allow(dead_code)] // not every test binary uses it
pub fn check_json(dir: &std::path::Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = assert_cmd::Command::cargo_bin("stslint")
        .expect("binary")
        .current_dir(dir)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().expect("exit code"), v, stderr)
}

/// A temporary directory holding `files` (relative path, text).
#[allow(dead_code)] // not every test binary uses it
pub fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

/// (file, line, column, rule) of each diagnostic of a `--format json` report.
#[allow(dead_code)] // not every test binary uses it
pub fn placed(v: &serde_json::Value) -> Vec<(String, u64, u64, String)> {
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or("").to_owned(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
                d["rule"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}
