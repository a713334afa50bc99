//! Fix fixtures: each `testdata/<rule>/fix-*.yaml` (or `.json`) becomes,
//! byte for byte, the `fix-*.fixed.yaml` (`.fixed.json`) beside it under
//! `check --fix` (`--unsafe-fixes` too when its name holds `unsafe`);
//! linting the result finds nothing of that rule; and `--diff` prints a
//! patch that `patch -p1` and `git apply` apply to the same result.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{check_json, found, repo, stslint};

/// (rule, input, expected output) of every fix fixture.
fn fix_fixtures() -> Vec<(String, PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for dir in fs::read_dir("testdata").expect("testdata") {
        let dir = dir.expect("entry").path();
        let Some(rule) = dir.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        if !dir.is_dir() {
            continue;
        }
        for f in fs::read_dir(&dir).expect("readable") {
            let path = f.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let fixed_suffix = format!(".fixed.{ext}");
            if name.starts_with("fix-") && !name.ends_with(&fixed_suffix) {
                let fixed = dir.join(name.replace(&format!(".{ext}"), &fixed_suffix));
                assert!(fixed.is_file(), "{} has no {fixed_suffix}", path.display());
                out.push((rule.clone(), path, fixed));
            }
        }
    }
    out.sort();
    out
}

/// The name a fixture is copied to: `m.yaml`, or `m.json` for JSON.
fn copy_name(input: &Path) -> &'static str {
    if input.extension().is_some_and(|e| e == "json") {
        "m.json"
    } else {
        "m.yaml"
    }
}

fn flags(input: &Path) -> Vec<&'static str> {
    let mut f = vec!["--no-config"];
    if input.to_string_lossy().contains("unsafe") {
        f.push("--unsafe-fixes");
    }
    f
}

#[test]
fn fix_fixtures_become_their_fixed_files() {
    let fixtures = fix_fixtures();
    assert!(fixtures.len() >= 2, "fix fixtures are missing");
    for (rule, input, expected) in fixtures {
        let dir = repo(&[]);
        let m = copy_name(&input);
        fs::copy(&input, dir.path().join(m)).expect("copy");
        // The rule fires before (JSON fixtures have no `# expect:` markers).
        let (_, before, _) = check_json(dir.path(), &["--no-config", m]);
        assert!(
            found(&before).iter().any(|(_, _, r)| *r == rule),
            "{}: no {rule} to fix",
            input.display()
        );
        let mut args = vec!["check", "--fix", m];
        args.extend(flags(&input));
        let out = stslint(dir.path(), &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("fixed "), "{}: {err}", input.display());
        let got = fs::read(dir.path().join(m)).expect("fixed file");
        let want = fs::read(&expected).expect("expected file");
        assert!(
            got == want,
            "{}: --fix gave\n{}",
            input.display(),
            String::from_utf8_lossy(&got)
        );
        let (_, report, _) = check_json(dir.path(), &["--no-config", m]);
        let left: Vec<_> = found(&report)
            .into_iter()
            .filter(|(_, _, r)| *r == rule)
            .collect();
        assert!(left.is_empty(), "{}: still {left:?}", input.display());
    }
}

#[test]
fn diffs_apply_with_patch_and_git_apply() {
    for (_, input, expected) in fix_fixtures() {
        let dir = repo(&[]);
        let m = copy_name(&input);
        fs::copy(&input, dir.path().join(m)).expect("copy");
        let mut args = vec!["check", "--diff", m];
        args.extend(flags(&input));
        let out = stslint(dir.path(), &args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}: a diff exits 1",
            input.display()
        );
        assert_eq!(
            fs::read(dir.path().join(m)).expect("file"),
            fs::read(&input).expect("input"),
            "--diff writes nothing"
        );
        fs::write(dir.path().join("p.diff"), &out.stdout).expect("write diff");
        for tool in [
            &["patch", "-p1", "-s", "-i", "p.diff"][..],
            &["git", "apply", "p.diff"],
        ] {
            fs::copy(&input, dir.path().join(m)).expect("copy");
            let applied = std::process::Command::new(tool[0])
                .args(&tool[1..])
                .current_dir(dir.path())
                .output()
                .expect("patch tool runs");
            assert!(
                applied.status.success(),
                "{} {}: {}",
                tool[0],
                input.display(),
                String::from_utf8_lossy(&applied.stderr)
            );
            assert_eq!(
                fs::read(dir.path().join(m)).expect("patched"),
                fs::read(&expected).expect("expected"),
                "{} applies {}'s diff",
                tool[0],
                input.display()
            );
        }
        // Nothing left to fix: no diff, exit 0.
        let again = stslint(dir.path(), &args);
        assert_eq!(again.status.code(), Some(0));
        assert!(again.stdout.is_empty());
    }
}

const JSON_STS: &str = r#"{
  "apiVersion": "apps/v1",
  "kind": "StatefulSet",
  "metadata": {"name": "db"},
  "spec": {
    "serviceName": "db",
    "replicas": "1",
    "selector": {"matchLabels": {"app": "db"}},
    "template": {
      "metadata": {"labels": {"app": "db"}},
      "spec": {"containers": [{"name": "db", "image": "busybox:1.36", "env": [{"name": "A", "value": 1}]}]}
    }
  }
}
"#;

/// `JSON_STS` with its two safe fixes applied.
fn json_fixed() -> String {
    JSON_STS
        .replace(r#""replicas": "1""#, r#""replicas": 1"#)
        .replace(r#""value": 1"#, r#""value": "1""#)
}

#[test]
fn json_files_stay_json_and_stdin_is_fixed_to_stdout() {
    let dir = repo(&[("s.json", JSON_STS)]);
    let out = stslint(
        dir.path(),
        &["check", "--fix", "--no-config", "--show-fixes", "s.json"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("fixed 2 problems (1 env-value-not-string, 1 invalid-object)"),
        "{err}"
    );
    let fixed = fs::read_to_string(dir.path().join("s.json")).expect("fixed");
    let want = json_fixed();
    assert_eq!(fixed, want);
    assert!(serde_json::from_str::<serde_json::Value>(&fixed).is_ok());

    let out = assert_cmd::Command::cargo_bin("stslint")
        .expect("binary")
        .current_dir(dir.path())
        .args(["check", "--fix", "--no-config", "-"])
        .write_stdin(JSON_STS)
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
    assert!(String::from_utf8_lossy(&out.stderr).contains("fixed 2 problems"));
}

#[test]
fn a_file_changed_since_it_was_read_is_not_written() {
    let dir = repo(&[("s.json", JSON_STS)]);
    let path = dir.path().join("s.json");
    let fixed = stslint::fixing::Changed {
        name: path.to_string_lossy().into_owned(),
        on_disk: true,
        before: "something else".to_owned(),
        after: "{}".to_owned(),
    };
    let err = stslint::fixing::write(&fixed).expect_err("refused");
    assert!(err.contains("changed since it was read"), "{err}");
    assert_eq!(fs::read_to_string(&path).expect("file"), JSON_STS);
}

#[test]
fn a_fix_that_would_not_read_back_is_refused_and_says_so() {
    // `# stslint:` inside a block scalar is text, not a comment: removing
    // it would change the ConfigMap's data, so verification refuses.
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  script: |\n    echo hi\n    # stslint: ignore[missing-pdb] not a comment\n";
    let dir = repo(&[("c.yaml", text)]);
    let (_, report, _) = check_json(dir.path(), &["--no-config", "c.yaml"]);
    let fix = &report["diagnostics"][0]["fix"];
    assert_eq!(fix["title"], "remove the comment");
    assert_eq!(
        fix["refused"],
        "the edited text would not read back as intended"
    );
    assert_eq!(fix["edits"], serde_json::json!([]));
    let out = stslint(dir.path(), &["check", "--fix", "--no-config", "c.yaml"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("fixed 0 problems"));
    assert_eq!(
        fs::read_to_string(dir.path().join("c.yaml")).expect("file"),
        text
    );
}

#[test]
fn the_config_says_which_rules_may_be_fixed() {
    let dir = repo(&[
        ("s.json", JSON_STS),
        (".stslint.yaml", "unfixable: [env-value-not-string]\n"),
    ]);
    let out = stslint(dir.path(), &["check", "--fix", "--show-fixes", "s.json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fixed 1 problem (1 invalid-object)"), "{err}");
    let fixed = fs::read_to_string(dir.path().join("s.json")).expect("fixed");
    assert!(
        fixed.contains(r#""replicas": 1"#) && fixed.contains(r#""value": 1"#),
        "{fixed}"
    );

    let dir = repo(&[
        ("s.json", JSON_STS),
        (".stslint.yaml", "fixable: [env-value-not-string]\n"),
    ]);
    let out = stslint(dir.path(), &["check", "--fix", "s.json"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("fixed 1 problem"));
    let fixed = fs::read_to_string(dir.path().join("s.json")).expect("fixed");
    assert!(
        fixed.contains(r#""replicas": "1""#) && fixed.contains(r#""value": "1""#),
        "{fixed}"
    );

    let dir = repo(&[
        ("s.json", JSON_STS),
        (".stslint.yaml", "fixable: [env-valu-not-string]\n"),
    ]);
    let out = stslint(dir.path(), &["check", "--fix", "s.json"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".stslint.yaml:1:11"), "{err}");
    assert_eq!(
        fs::read_to_string(dir.path().join("s.json")).expect("file"),
        JSON_STS
    );
}

#[test]
fn sarif_results_carry_their_fixes_as_byte_replacements() {
    let dir = repo(&[("s.json", JSON_STS)]);
    let out = stslint(
        dir.path(),
        &["check", "--no-config", "--format", "sarif", "s.json"],
    );
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for r in sarif["runs"][0]["results"].as_array().expect("results") {
        let Some(fixes) = r["fixes"].as_array() else {
            continue;
        };
        assert_eq!(fixes[0]["properties"]["applicability"], "safe");
        for rep in fixes[0]["artifactChanges"][0]["replacements"]
            .as_array()
            .expect("replacements")
        {
            let at = rep["deletedRegion"]["byteOffset"].as_u64().expect("offset") as usize;
            let len = rep["deletedRegion"]["byteLength"].as_u64().expect("length") as usize;
            let text = rep["insertedContent"]["text"]
                .as_str()
                .expect("text")
                .to_owned();
            edits.push((at, at + len, text));
        }
    }
    edits.sort();
    let mut fixed = String::new();
    let mut at = 0;
    for (start, end, text) in edits {
        fixed.push_str(&JSON_STS[at..start]);
        fixed.push_str(&text);
        at = end;
    }
    fixed.push_str(&JSON_STS[at..]);
    let want = json_fixed();
    assert_eq!(fixed, want);
}

#[test]
fn add_ignore_silences_every_diagnostic_where_it_is_reported() {
    // Comments on the lines diagnostics start on (joining an ignore
    // comment already there); the annotation where a comment cannot go:
    // a JSON file, a DNS name inside a block scalar.
    let yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: zk}\nspec:\n  clusterIP: None\n  selector: {app: zk}\n---\n\
                apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: zk\nspec:\n  serviceName: zk\n  \
                replicas: 3  # stslint: ignore[even-quorum-replicas] unrelated\n  selector:\n    matchLabels: {app: zk}\n  \
                template:\n    metadata:\n      labels: {app: zk}\n    spec:\n      containers:\n      - name: zk\n        \
                image: zookeeper:3.9.2\n        command:\n        - sh\n        - -c\n        - |\n          \
                export ZOO_SERVERS=server.1=zk-0.zk.prod.svc.cluster.local:2888:3888\n";
    let dir = repo(&[("s.yaml", yaml), ("d.json", JSON_STS)]);
    let (code, report, _) = check_json(dir.path(), &["--no-config", "."]);
    assert_eq!(code, 1);
    let before = found(&report).len();
    let out = stslint(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--add-ignore",
            "adopted in 2026-12",
            ".",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    // The even-quorum suppression silenced nothing and is reported, not
    // silenced: it is removed by --fix.
    assert!(
        err.contains(&format!("silenced {} problems", before - 1)),
        "{before}: {err}"
    );
    let s = fs::read_to_string(dir.path().join("s.yaml")).expect("s.yaml");
    assert!(
        s.contains(
            "  replicas: 3  # stslint: ignore[even-quorum-replicas, missing-pdb] unrelated\n"
        ),
        "{s}"
    );
    assert!(
        s.contains("  name: zk\n  annotations:\n    stslint.io/ignore: hardcoded-namespace-dns -- adopted in 2026-12\nspec:"),
        "{s}"
    );
    assert!(
        s.contains(
            "      - name: zk  # stslint: ignore[missing-readiness-probe] adopted in 2026-12\n"
        ),
        "{s}"
    );
    let d = fs::read_to_string(dir.path().join("d.json")).expect("d.json");
    let v: serde_json::Value = serde_json::from_str(&d).expect("still JSON");
    assert_eq!(
        v["metadata"]["annotations"]["stslint.io/ignore"],
        "env-value-not-string, invalid-object, missing-headless-service, missing-readiness-probe -- adopted in 2026-12"
    );
    let (_, report, _) = check_json(dir.path(), &["--no-config", "."]);
    let left: Vec<_> = found(&report)
        .into_iter()
        .map(|(_, line, rule)| (line, rule))
        .collect();
    assert_eq!(left, vec![(16, "unused-suppression".to_owned())]);
}
