//! `helm template` output, piped: each finding is placed on the template
//! its document's `# Source:` names (found under the current directory,
//! a subchart's too), at the line of the field's key when one line writes
//! it, else at the template's first line; the human report keeps the
//! rendered snippet. Written by hand: several templates, a subchart, a
//! hook, and a Source whose template is not here.

mod common;

use common::repo;

const CHART: &[(&str, &str)] = &[
    (
        "charts/db/Chart.yaml",
        r#"apiVersion: v2
name: pgdb
version: 0.1.0
"#,
    ),
    (
        "charts/db/charts/cache/Chart.yaml",
        r#"apiVersion: v2
name: cache
version: 0.1.0
"#,
    ),
    (
        "charts/db/charts/cache/templates/sts.yaml",
        r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ .Release.Name }}-cache
spec:
  serviceName: {{ .Release.Name }}-cache
  selector:
    matchLabels: {app: cache}
  template:
    metadata:
      labels: {app: cache}
    spec:
      containers:
      - name: redis
        image: redis:latest
"#,
    ),
    (
        "charts/db/templates/statefulset.yaml",
        r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ .Release.Name }}-pg
spec:
  serviceName: {{ .Release.Name }}-pg
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app: pg
  template:
    metadata:
      labels:
        app: pg
    spec:
      containers:
        - name: pg
          image: "postgres:{{ .Values.tag }}"
          env:
            - name: PGDATA
              value: /var/lib/postgresql/data
          volumeMounts:
            - name: data
              mountPath: /var/lib/postgresql/data
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: {{ .Values.size }}
"#,
    ),
    (
        "charts/db/templates/hooks/pdb.yaml",
        r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ .Release.Name }}-pg
  annotations:
    "helm.sh/hook": post-install
spec:
  maxUnavailable: 0
  selector:
    matchLabels:
      app: pg
"#,
    ),
];

const RENDERED: &str = r#"---
# Source: pgdb/charts/cache/templates/sts.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: rel-cache
spec:
  serviceName: rel-cache
  selector:
    matchLabels: {app: cache}
  template:
    metadata:
      labels: {app: cache}
    spec:
      containers:
      - name: redis
        image: redis:latest
---
# Source: pgdb/templates/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: rel-pg
spec:
  serviceName: rel-pg
  replicas: 2
  selector:
    matchLabels:
      app: pg
  template:
    metadata:
      labels:
        app: pg
    spec:
      containers:
        - name: pg
          image: "postgres:16.4"
          env:
            - name: PGDATA
              value: /var/lib/postgresql/data
          volumeMounts:
            - name: data
              mountPath: /var/lib/postgresql/data
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: 10Gi
---
# Source: pgdb/templates/hooks/pdb.yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: rel-pg
  annotations:
    "helm.sh/hook": post-install
spec:
  maxUnavailable: 0
  selector:
    matchLabels:
      app: pg
---
# Source: other/templates/gone.yaml
apiVersion: v1
kind: Service
metadata:
  name: rel-pg
spec:
  selector:
    app: pg
"#;

fn run(dir: &std::path::Path, format: &str) -> String {
    let out = assert_cmd::Command::cargo_bin("stslint")
        .expect("binary")
        .current_dir(dir)
        .args([
            "check",
            "--no-config",
            "-",
            "--stdin-filename",
            "rendered.yaml",
            "--format",
            format,
        ])
        .write_stdin(RENDERED)
        .output()
        .expect("runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn findings_point_at_the_templates() {
    let dir = repo(CHART);
    let report: serde_json::Value = serde_json::from_str(&run(dir.path(), "json")).expect("json");
    let found = common::placed(&report);
    let want = [
        // The subchart's template.
        (
            "charts/db/charts/cache/templates/sts.yaml",
            6,
            3,
            "missing-headless-service",
        ),
        (
            "charts/db/charts/cache/templates/sts.yaml",
            13,
            7,
            "missing-readiness-probe",
        ),
        (
            "charts/db/charts/cache/templates/sts.yaml",
            15,
            9,
            "data-on-emptydir",
        ),
        (
            "charts/db/charts/cache/templates/sts.yaml",
            15,
            9,
            "image-mutable-tag",
        ),
        // The hook's template.
        (
            "charts/db/templates/hooks/pdb.yaml",
            8,
            3,
            "pdb-blocks-drain",
        ),
        // `spec:` is written twice: the template's first line.
        (
            "charts/db/templates/statefulset.yaml",
            1,
            1,
            "missing-anti-affinity",
        ),
        (
            "charts/db/templates/statefulset.yaml",
            16,
            7,
            "missing-readiness-probe",
        ),
        (
            "charts/db/templates/statefulset.yaml",
            21,
            15,
            "data-dir-mount-root",
        ),
        // No such template here: the rendered stream.
        ("rendered.yaml", 71, 1, "service-not-headless"),
    ];
    let want: Vec<(String, u64, u64, String)> = want
        .iter()
        .map(|(f, l, c, r)| ((*f).to_owned(), *l, *c, (*r).to_owned()))
        .collect();
    assert_eq!(found, want, "{report}");
}

#[test]
fn the_human_report_keeps_the_rendered_snippet_and_names_the_template() {
    let dir = repo(CHART);
    let out = run(dir.path(), "human");
    assert!(
        out.contains(
            "  ⚠ image `redis:latest` uses the tag `latest`\n    ╭─[rendered.yaml:17:9]\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("  ☞ the template that renders it\n    ╭─[charts/db/charts/cache/templates/sts.yaml:15:9]\n"),
        "{out}"
    );
}

#[test]
fn helm_runs_helm_template_and_says_when_helm_is_missing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = repo(CHART);
    let out = assert_cmd::Command::cargo_bin("stslint")
        .expect("binary")
        .current_dir(dir.path())
        .env("PATH", "")
        .args(["check", "--no-config", "--helm", "charts/db"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--helm needs `helm` on PATH"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A stand-in helm that records its arguments and prints the rendering.
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).expect("bin");
    std::fs::write(dir.path().join("rendered.txt"), RENDERED).expect("write");
    let script = bin.join("helm");
    let root = dir.path().display();
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho \"$@\" > '{root}/args.txt'\nwhile IFS= read -r l; do echo \"$l\"; done < '{root}/rendered.txt'\n"),
    )
    .expect("write");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = assert_cmd::Command::cargo_bin("stslint")
        .expect("binary")
        .current_dir(dir.path())
        .env("PATH", &bin)
        .args([
            "check",
            "--no-config",
            "--format",
            "short",
            "--helm",
            "charts/db",
            "--values",
            "prod.yaml",
        ])
        .output()
        .expect("runs");
    let args = std::fs::read_to_string(dir.path().join("args.txt")).expect("helm ran");
    assert_eq!(args.trim(), "template charts/db --values prod.yaml");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("charts/db/templates/hooks/pdb.yaml:8:3: warning[pdb-blocks-drain]"),
        "{text}"
    );
}
