//! The command-line interface: exit codes, formats, stdin, bad input.

use std::fs;

mod common;

use assert_cmd::Command;
use common::{HEADLESS_SERVICE, MISSING_SERVICE};
use serde_json::Value;

fn stslint() -> Command {
    let mut c = Command::cargo_bin("stslint").expect("binary builds");
    c.env_remove("NO_COLOR");
    c
}

fn stdout_of(cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().expect("runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("utf-8 output"),
    )
}

#[test]
fn examples_exit_1_with_short_lines() {
    let (code, out) =
        stdout_of(stslint().args(["check", "testdata/examples", "--format", "short"]));
    assert_eq!(code, 1);
    assert!(out.lines().any(|l| l
        == "testdata/examples/broken/kafka.yaml:23:3: warning[pdb-quorum]: minAvailable: 1 keeps only 1 of 3 pods of StatefulSet `kafka` available; a majority needs 2"));
    assert!(out.lines().any(|l| {
        l.starts_with("testdata/examples/broken/postgres.yaml:80:11: error[data-dir-mount-root]: ")
    }));
    assert_eq!(out.lines().count(), 10);
}

#[test]
fn fixed_examples_exit_0() {
    let (code, out) =
        stdout_of(stslint().args(["check", "testdata/examples/fixed", "--color", "never"]));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.trim(), "0 errors, 0 warnings in 2 files (8 objects)");
}

#[test]
fn human_report_has_location_rule_snippet_help_and_summary() {
    let (code, out) = stdout_of(stslint().args([
        "check",
        "testdata/examples/broken/kafka.yaml",
        "--color",
        "never",
    ]));
    assert_eq!(code, 1);
    assert!(out.contains("warning[pdb-quorum]"), "{out}");
    assert!(
        out.contains("[testdata/examples/broken/kafka.yaml:23:3]"),
        "{out}"
    );
    assert!(out.contains("minAvailable: 1"), "{out}");
    assert!(
        out.contains("help: Set minAvailable to 2 or maxUnavailable to 1."),
        "{out}"
    );
    assert!(
        !out.contains('\u{1b}'),
        "no colour codes with --color never"
    );
    assert!(
        out.ends_with(
            "3 errors, 1 warning in 1 file (3 objects)\n1 fixable with --fix (2 more with --unsafe-fixes)\n"
        ),
        "{out}"
    );
}

#[test]
fn human_columns_count_characters_as_every_other_format() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {ü: x}}\n---\n\
                apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  \
                serviceName: db\n  selector: {matchLabels: {app: db}}\n  template:\n    \
                metadata: {labels: {app: db}}\n    spec:\n      containers:\n      - name: db\n        \
                image: busybox:1.36\n        env: [{name: \"ÄÖÜ\", value: true}]\n";
    let lint = |format: &str| {
        stdout_of(
            stslint()
                .args(["check", "-", "--stdin-filename", "u.yaml", "--no-config"])
                .args(["--color", "never", "--format", format])
                .write_stdin(text),
        )
        .1
    };
    let short = lint("short");
    let line = short
        .lines()
        .find(|l| l.contains("env-value-not-string"))
        .expect("the env finding");
    // `value: true` starts after `        env: [{name: "ÄÖÜ", ` (28 characters, 31 bytes).
    assert!(
        line.starts_with("u.yaml:17:29: error[env-value-not-string]"),
        "{line}"
    );
    let human = lint("human");
    assert!(human.contains("[u.yaml:17:29]"), "{human}");
}

#[test]
fn no_color_env_is_honoured_and_always_colours() {
    let (_, plain) = stdout_of(
        stslint()
            .env("NO_COLOR", "1")
            .args(["check", "testdata/examples/broken/kafka.yaml"]),
    );
    assert!(!plain.contains('\u{1b}'));
    let (_, coloured) = stdout_of(stslint().args([
        "check",
        "testdata/examples/broken/kafka.yaml",
        "--color",
        "always",
    ]));
    assert!(coloured.contains('\u{1b}'));
}

#[test]
fn json_format_has_every_field() {
    let (code, out) = stdout_of(stslint().args([
        "check",
        "testdata/examples/broken/postgres.yaml",
        "--format",
        "json",
    ]));
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).expect("valid json");
    assert_eq!(v["version"], 1);
    let d = v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .find(|d| d["rule"] == "volume-claim-size-drift")
        .expect("drift reported");
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["file"], "testdata/examples/broken/postgres.yaml");
    assert_eq!(d["line"], 88);
    assert_eq!(d["column"], 11);
    assert_eq!(d["end_line"], 88);
    assert_eq!(d["end_column"], 24);
    assert_eq!(
        d["path"],
        "/spec/volumeClaimTemplates/0/spec/resources/requests/storage"
    );
    assert_eq!(d["document"], 3);
    assert_eq!(d["object"]["kind"], "StatefulSet");
    assert_eq!(d["object"]["apiVersion"], "apps/v1");
    assert_eq!(d["object"]["namespace"], "demo-broken");
    assert_eq!(d["object"]["name"], "pg");
    assert!(
        d["help"]
            .as_str()
            .expect("help")
            .contains("--cascade=orphan")
    );
    assert_eq!(d["related"][0]["line"], 35);
    assert_eq!(
        d["related"][0]["file"],
        "testdata/examples/broken/postgres.yaml"
    );
    let s = &v["summary"];
    assert_eq!(s["files"], 1);
    assert_eq!(s["documents"], 4);
    assert_eq!(s["objects"], 4);
    assert_eq!(s["errors"], 3);
    assert_eq!(s["warnings"], 3);
    assert_eq!(s["infos"], 0);
}

#[test]
fn stdin_uses_stdin_filename() {
    let (code, out) = stdout_of(
        stslint()
            .args([
                "check",
                "-",
                "--stdin-filename",
                "rendered/db.yaml",
                "--format",
                "short",
            ])
            .write_stdin(MISSING_SERVICE),
    );
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "rendered/db.yaml:6:3: error[missing-headless-service]: serviceName `db` names no Service in namespace `default` (assumed: the manifest sets none), but the pods are addressed by per-pod DNS names (`db-0.db`)\n"
    );
}

#[test]
fn namespace_flag_sets_the_default_namespace() {
    let (_, out) = stdout_of(
        stslint()
            .args(["check", "-", "--namespace", "prod", "--format", "short"])
            .write_stdin(MISSING_SERVICE),
    );
    assert!(
        out.contains("names no Service in namespace `prod`"),
        "{out}"
    );
}

#[test]
fn fail_on_sets_the_threshold() {
    // Only warnings in this input.
    let input = fs::read_to_string("testdata/pdb-quorum/fail-quorum.yaml").expect("fixture");
    let (code, _) = stdout_of(
        stslint()
            .args(["check", "-", "--fail-on", "error"])
            .write_stdin(input.clone()),
    );
    assert_eq!(code, 0);
    let (code, _) = stdout_of(
        stslint()
            .args(["check", "-", "--fail-on", "warning"])
            .write_stdin(input),
    );
    assert_eq!(code, 1);
}

#[test]
fn missing_path_and_bad_usage_exit_2() {
    let out = stslint()
        .args(["check", "does/not/exist.yaml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does/not/exist.yaml"));
    let out = stslint()
        .args(["check", "--format", "xml"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let out = stslint().args(["frobnicate"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn version_and_help_exit_0() {
    let (code, out) = stdout_of(stslint().arg("--version"));
    assert_eq!(code, 0);
    assert!(out.starts_with("stslint "));
    let (code, out) = stdout_of(stslint().args(["check", "--help"]));
    assert_eq!(code, 0);
    assert!(out.contains("--stdin-filename"));
}

#[test]
fn rules_lists_every_rule() {
    let (code, out) = stdout_of(stslint().arg("rules"));
    assert_eq!(code, 0);
    for r in stslint::rules::RULES {
        let m = r.meta();
        assert!(
            out.lines().any(|l| l.starts_with(m.id)
                && l.contains(m.severity.as_str())
                && l.ends_with(m.summary)),
            "{} missing from `stslint rules`",
            m.id
        );
    }
}

#[test]
fn bad_files_are_reported_and_the_rest_still_linted() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a-broken.yaml"), "kind: [unclosed\n").expect("write");
    fs::write(dir.path().join("b-latin1.yaml"), b"name: caf\xe9\n").expect("write");
    fs::write(
        dir.path().join("c-chart.yaml"),
        "metadata:\n  labels:\n    {{- include \"x\" . }}\n",
    )
    .expect("write");
    fs::write(dir.path().join("d-db.yaml"), MISSING_SERVICE).expect("write");
    fs::create_dir(dir.path().join("e-dir.yaml")).expect("mkdir");
    // A template that parses: `{{ .Values.replicas }}` is a flow mapping.
    fs::write(
        dir.path().join("f-sts.yaml"),
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n",
    )
    .expect("write");
    let (code, out) = stdout_of(
        stslint()
            .current_dir(dir.path())
            .args(["check", "--format", "json"]),
    );
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).expect("valid json");
    let got: Vec<(String, String, u64)> = v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap_or("").to_owned(),
                d["rule"].as_str().unwrap_or("").to_owned(),
                d["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("a-broken.yaml".to_owned(), "yaml-syntax".to_owned(), 1),
            ("b-latin1.yaml".to_owned(), "yaml-syntax".to_owned(), 1),
            ("c-chart.yaml".to_owned(), "yaml-syntax".to_owned(), 3),
            (
                "d-db.yaml".to_owned(),
                "missing-headless-service".to_owned(),
                6
            ),
            ("f-sts.yaml".to_owned(), "yaml-syntax".to_owned(), 4),
        ]
    );
    for i in [2, 4] {
        let helm = &v["diagnostics"][i]["help"];
        assert!(
            helm.as_str()
                .expect("help")
                .contains("helm template CHART | stslint check -")
        );
    }
    assert_eq!(
        v["diagnostics"][4]["message"],
        "Helm template syntax `{{ ... }}`: this is a template, not a manifest"
    );
    assert_eq!(v["summary"]["files"], 5);
}

#[test]
fn walk_skips_hidden_ignored_and_excluded_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    for sub in [".hidden", "ignored", "vendor", "apps"] {
        fs::create_dir(p.join(sub)).expect("mkdir");
        fs::write(p.join(sub).join("db.yaml"), MISSING_SERVICE).expect("write");
    }
    fs::write(p.join("apps").join("notes.txt"), "not yaml").expect("write");
    fs::write(p.join(".gitignore"), "ignored/\n").expect("write");
    let (code, out) = stdout_of(stslint().current_dir(p).args([
        "check",
        ".",
        "--exclude",
        "vendor",
        "--format",
        "short",
    ]));
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "apps/db.yaml:6:3: error[missing-headless-service]: serviceName `db` names no Service in namespace `default` (assumed: the manifest sets none), but the pods are addressed by per-pod DNS names (`db-0.db`)\n"
    );
    // An explicit file argument is always read, even if ignored.
    let (_, out) =
        stdout_of(
            stslint()
                .current_dir(p)
                .args(["check", "ignored/db.yaml", "--format", "short"]),
        );
    assert!(out.starts_with("ignored/db.yaml:6:3:"), "{out}");
}

#[test]
fn cross_file_references_resolve() {
    let dir = tempfile::tempdir().expect("tempdir");
    let svc = HEADLESS_SERVICE;
    fs::write(dir.path().join("svc.yaml"), svc).expect("write");
    fs::write(dir.path().join("sts.yaml"), MISSING_SERVICE).expect("write");
    let (code, out) = stdout_of(stslint().current_dir(dir.path()).args(["check"]));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_path_without_kubernetes_objects_is_a_warning_or_with_the_flag_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    fs::create_dir_all(root.join("values")).expect("mkdir");
    fs::create_dir_all(root.join("k8s")).expect("mkdir");
    fs::write(root.join("values/values.yaml"), "replicas: 3\n").expect("write");
    fs::write(root.join("k8s/svc.yaml"), HEADLESS_SERVICE).expect("write");
    let run = |args: &[&str]| {
        let out = stslint()
            .current_dir(root)
            .args(["check", "--no-config", "--format", "short"])
            .args(args)
            .output()
            .expect("runs");
        (
            out.status.code().expect("exit code"),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["values", "k8s"]);
    assert_eq!(code, 0);
    assert_eq!(err, "warning: no Kubernetes objects found in values\n");
    let (code, err) = run(&["values", "k8s", "--fail-if-no-objects"]);
    assert_eq!(code, 2);
    assert_eq!(err, "warning: no Kubernetes objects found in values\n");
    let (code, err) = run(&["k8s", "--fail-if-no-objects"]);
    assert_eq!((code, err.as_str()), (0, ""));
    // The config key does the same; stdin is named as such.
    fs::write(root.join("ci.yaml"), "fail-if-no-objects: true\n").expect("write");
    let out = stslint()
        .current_dir(root)
        .args(["check", "-", "--config", "ci.yaml"])
        .write_stdin("a: b\n")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "warning: no Kubernetes objects found in standard input\n"
    );
}

/// Messages quote what the user wrote and name types as users do.
#[test]
fn messages_speak_the_users_terms() {
    let text = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  \
                replicas: \"3\"\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    \
                spec:\n      terminationGracePeriodSeconds: yes\n      containers:\n      - name: db\n        \
                image: busybox:1.36\n        args: [1, true]\n        env:\n        - {name: A, value: 0644}\n        \
                - {name: B, value: 8080}\n";
    let (_, out) = stdout_of(
        stslint()
            .args(["check", "-", "--no-config", "--format", "json"])
            .args(["--select", "invalid-object,env-value-not-string"])
            .write_stdin(text),
    );
    let v: Value = serde_json::from_str(&out).expect("json");
    let got: Vec<(u64, String, String)> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap_or(0),
                d["message"].as_str().unwrap_or("").to_owned(),
                d["help"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let quote = " (YAML 1.1 reads unquoted yes/no/on/off/true/false and numbers as non-strings).";
    assert_eq!(
        got,
        [
            (
                6,
                "`replicas` is the string `\"3\"`; expected an integer".to_owned(),
                "Write the number without quotes: `replicas: 3`.".to_owned()
            ),
            (
                11,
                "`terminationGracePeriodSeconds` is `yes`, which YAML 1.1 reads as the boolean true; expected an integer".to_owned(),
                String::new()
            ),
            (
                15,
                "`args[0]` is the number `1`; expected a string".to_owned(),
                format!("Quote it: `- \"1\"`{quote}")
            ),
            (
                15,
                "`args[1]` is the boolean `true`; expected a string".to_owned(),
                format!("Quote it: `- \"true\"`{quote}")
            ),
            (
                17,
                "env value `0644` is not a string: YAML 1.1 reads it as the number 420, and kubectl rejects the object".to_owned(),
                format!("Quote it: `value: \"0644\"`{quote}")
            ),
            (
                18,
                "env value `8080` is a number, not a string: kubectl rejects the object".to_owned(),
                format!("Quote it: `value: \"8080\"`{quote}")
            ),
        ]
    );
}

/// The human report: plurals agree, no line ends in a space, and a place in
/// another file is a note whose header names it, not a repeated label.
#[test]
fn human_report_reads_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  \
               selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    \
               spec:\n      containers:\n      - name: db\n        image: busybox:1.36\n";
    fs::write(dir.path().join("a.yaml"), sts).expect("write");
    fs::write(dir.path().join("b.yaml"), sts).expect("write");
    let (_, out) = stdout_of(
        stslint()
            .current_dir(dir.path())
            .args(["check", "a.yaml", "--no-config", "--color", "never"])
            .args(["--select", "missing-headless-service"]),
    );
    assert!(
        out.ends_with(
            "0 errors, 0 warnings, 1 info in 1 file (1 object)\n1 fixable with --fix --unsafe-fixes\n"
        ),
        "{out}"
    );
    let (_, out) = stdout_of(
        stslint()
            .current_dir(dir.path())
            .args(["check", ".", "--no-config", "--color", "never"])
            .args(["--select", "duplicate-object"]),
    );
    assert!(out.lines().all(|l| !l.ends_with(' ')), "{out:?}");
    assert!(!out.contains("Advice"), "{out}");
    assert_eq!(out.matches("first defined here").count(), 1, "{out}");
    assert!(
        out.contains("note\n\n  ☞ first defined here\n   ╭─[a.yaml:3:12]\n"),
        "{out}"
    );
}
