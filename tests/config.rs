//! Configuration (.stslint.yaml discovery, --config, --no-config), rule
//! selection flags, and both suppression forms, through the CLI.

mod common;

use std::fs;

use assert_cmd::Command;
use common::MISSING_SERVICE;

/// A StatefulSet with two findings: missing-headless-service (line 6) and
/// broker-id-from-pod-name (line 22).
const TWO_FINDINGS: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kafka
spec:
  serviceName: kafka
  selector:
    matchLabels:
      app: kafka
  template:
    metadata:
      labels:
        app: kafka
    spec:
      containers:
      - name: kafka
        image: apache/kafka:3.9.0
        env:
        - name: KAFKA_NODE_ID
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: KAFKA_LOG_DIRS
          value: /var/lib/kafka/data
        readinessProbe:
          tcpSocket:
            port: 9092
        volumeMounts:
        - name: data
          mountPath: /var/lib/kafka
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 10Gi
";

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("stslint")
        .expect("binary")
        .current_dir(dir)
        .arg("check")
        .args(args)
        .args(["--format", "short"])
        .output()
        .expect("runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rules_in(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.split('[').nth(1))
        .filter_map(|r| r.split(']').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn config_is_found_by_walking_up_and_sets_severities() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("deploy/prod");
    fs::create_dir_all(&sub).expect("mkdir");
    fs::write(sub.join("kafka.yaml"), TWO_FINDINGS).expect("write");
    fs::write(
        dir.path().join(".stslint.yaml"),
        "rules:\n  missing-headless-service: off\n  broker-id-from-pod-name: {severity: info}\nfail-on: warning\n",
    )
    .expect("write");
    let (code, out, _) = run(&sub, &["."]);
    assert_eq!(code, 0, "only an info is left: {out}");
    assert_eq!(
        out,
        "kafka.yaml:22:15: info[broker-id-from-pod-name]: `KAFKA_NODE_ID` is set from metadata.name, which is `kafka-0`, not the number 0\n"
    );
    // --no-config: both findings at their default severity.
    let (code, out, _) = run(&sub, &[".", "--no-config"]);
    assert_eq!(code, 1);
    assert_eq!(
        rules_in(&out),
        ["missing-headless-service", "broker-id-from-pod-name"]
    );
    // --config names another file.
    fs::write(dir.path().join("strict.yaml"), "namespace: kafka\n").expect("write");
    let (_, out, _) = run(&sub, &[".", "--config", "../../strict.yaml"]);
    assert!(
        out.contains("names no Service in namespace `kafka`"),
        "{out}"
    );
}

#[test]
fn config_errors_exit_2_with_a_suggestion() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.yaml"), MISSING_SERVICE).expect("write");
    fs::write(
        dir.path().join(".stslint.yaml"),
        "rules:\n  pdb-quorom: off\n",
    )
    .expect("write");
    let (code, _, err) = run(dir.path(), &["."]);
    assert_eq!(code, 2);
    assert!(
        err.contains(".stslint.yaml:2:3: unknown rule `pdb-quorom`; did you mean `pdb-quorum`?"),
        "{err}"
    );
    fs::write(
        dir.path().join(".stslint.yaml"),
        "rule:\n  pdb-quorum: off\n",
    )
    .expect("write");
    let (code, _, err) = run(dir.path(), &["."]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown key `rule`; did you mean `rules`?"),
        "{err}"
    );
    fs::write(
        dir.path().join(".stslint.yaml"),
        "rules:\n  pdb-quorum: loud\n",
    )
    .expect("write");
    let (code, _, err) = run(dir.path(), &["."]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`loud` is not one of off, info, warning, error"),
        "{err}"
    );
}

#[test]
fn select_ignore_and_severity_flags() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("kafka.yaml"), TWO_FINDINGS).expect("write");
    let (_, out, _) = run(dir.path(), &[".", "--select", "broker-id-from-pod-name"]);
    assert_eq!(rules_in(&out), ["broker-id-from-pod-name"]);
    let (_, out, _) = run(
        dir.path(),
        &[".", "--ignore", "broker-id-from-pod-name,yaml-syntax"],
    );
    assert_eq!(rules_in(&out), ["missing-headless-service"]);
    let (code, out, _) = run(
        dir.path(),
        &[
            ".",
            "--severity",
            "missing-headless-service=info",
            "--severity",
            "broker-id-from-pod-name=off",
        ],
    );
    assert_eq!(code, 0);
    assert!(
        out.starts_with("kafka.yaml:6:3: info[missing-headless-service]"),
        "{out}"
    );
    let (code, _, err) = run(dir.path(), &[".", "--select", "brokerid-from-pod-name"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("did you mean `broker-id-from-pod-name`?"),
        "{err}"
    );
}

#[test]
fn annotation_and_comment_suppression() {
    let dir = tempfile::tempdir().expect("tempdir");
    let annotated = TWO_FINDINGS.replace(
        "  name: kafka\nspec:",
        "  name: kafka\n  annotations:\n    stslint.io/ignore: \"missing-headless-service -- the Service comes from the chart\"\nspec:",
    );
    let commented = annotated.replace(
        "              fieldPath: metadata.name",
        "              # stslint: ignore[broker-id-from-pod-name] ids are remapped by the entrypoint\n              fieldPath: metadata.name",
    );
    fs::write(dir.path().join("kafka.yaml"), &annotated).expect("write");
    let (_, out, _) = run(dir.path(), &["."]);
    assert_eq!(rules_in(&out), ["broker-id-from-pod-name"]);
    fs::write(dir.path().join("kafka.yaml"), &commented).expect("write");
    let (code, out, _) = run(dir.path(), &["."]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "");
    // A suppression that silences nothing is reported where it is written.
    let stale = commented.replace(
        "fieldPath: metadata.name",
        "fieldPath: metadata.labels['apps.kubernetes.io/pod-index']",
    );
    fs::write(dir.path().join("kafka.yaml"), stale).expect("write");
    let (code, out, _) = run(dir.path(), &["."]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        "kafka.yaml:24:15: warning[unused-suppression]: suppression of `broker-id-from-pod-name` silences nothing here\n"
    );
}

#[test]
fn rule_options_change_what_a_rule_judges() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A queue image stslint does not know, keeping its data nowhere.
    let queue = "apiVersion: v1
kind: Service
metadata:
  name: q
spec:
  clusterIP: None
  selector:
    app: q
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: q
spec:
  serviceName: q
  selector:
    matchLabels:
      app: q
  template:
    metadata:
      labels:
        app: q
    spec:
      containers:
      - name: q
        image: registry.example.com/team/queue:2.0
        readinessProbe:
          tcpSocket:
            port: 5555
";
    fs::write(dir.path().join("q.yaml"), queue).expect("write");
    let (code, out, _) = run(dir.path(), &["."]);
    assert_eq!((code, out.as_str()), (0, ""));
    fs::write(
        dir.path().join(".stslint.yaml"),
        "rules:\n  data-on-emptydir:\n    options:\n      images: [postgres, queue]\n",
    )
    .expect("write");
    let (code, out, _) = run(dir.path(), &["."]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("q.yaml:26:9: warning[data-on-emptydir]"),
        "{out}"
    );
    fs::write(
        dir.path().join(".stslint.yaml"),
        "rules:\n  data-on-emptydir:\n    options:\n      image: [queue]\n",
    )
    .expect("write");
    let (code, _, err) = run(dir.path(), &["."]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown option `image` for rule `data-on-emptydir` (images, data-dirs)"),
        "{err}"
    );
}

/// PostgreSQL with its data directory on the claim's mount root.
const PG_ON_MOUNT_ROOT: &str = "apiVersion: v1
kind: Service
metadata:
  name: pg
spec:
  clusterIP: None
  selector:
    app: pg
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: pg
spec:
  serviceName: pg
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
        image: postgres:16.4
        readinessProbe:
          exec:
            command: [pg_isready]
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
";

#[test]
fn the_old_id_pgdata_mount_root_still_works() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("pg.yaml"), PG_ON_MOUNT_ROOT).expect("write");
    let (code, out, _) = run(dir.path(), &["."]);
    assert_eq!(code, 1);
    assert!(
        out.starts_with("pg.yaml:32:11: error[data-dir-mount-root]"),
        "{out}"
    );
    // In the configuration, with a note.
    fs::write(
        dir.path().join(".stslint.yaml"),
        "rules:\n  pgdata-mount-root: off\n",
    )
    .expect("write");
    let (code, out, err) = run(dir.path(), &["."]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(
        err.contains("rule `pgdata-mount-root` is now called `data-dir-mount-root`"),
        "{err}"
    );
    // In a suppression comment, which is then used.
    fs::remove_file(dir.path().join(".stslint.yaml")).expect("rm");
    fs::write(
        dir.path().join("pg.yaml"),
        PG_ON_MOUNT_ROOT.replace(
            "mountPath: /var/lib/postgresql/data\n",
            "mountPath: /var/lib/postgresql/data  # stslint: ignore[pgdata-mount-root] xfs volume\n",
        ),
    )
    .expect("write");
    let (code, out, _) = run(dir.path(), &["."]);
    assert_eq!((code, out.as_str()), (0, ""));
}

/// `cd /tmp && stslint check repo/k8s` uses repo's config; a nearer
/// config wins for the files below it (as ruff does), and its excludes
/// are relative to its own directory.
#[test]
fn the_config_nearest_each_file_decides_its_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    let team = repo.join("k8s/team");
    fs::create_dir_all(team.join("vendor")).expect("mkdir");
    fs::write(repo.join("k8s/kafka.yaml"), TWO_FINDINGS).expect("write");
    let in_team = TWO_FINDINGS.replace("  name: kafka\n", "  name: kafka\n  namespace: team\n");
    fs::write(team.join("kafka.yaml"), &in_team).expect("write");
    fs::write(team.join("vendor/kafka.yaml"), &in_team).expect("write");
    fs::write(
        repo.join(".stslint.yaml"),
        "rules:\n  missing-headless-service: off\nfail-on: error\n",
    )
    .expect("write");
    fs::write(
        team.join(".stslint.yaml"),
        "rules:\n  broker-id-from-pod-name: off\nexclude: [vendor/]\n",
    )
    .expect("write");
    let (code, out, err) = run(dir.path(), &["repo/k8s"]);
    assert_eq!(
        out,
        "repo/k8s/kafka.yaml:22:15: error[broker-id-from-pod-name]: `KAFKA_NODE_ID` is set from metadata.name, which is `kafka-0`, not the number 0\n\
         repo/k8s/team/kafka.yaml:7:3: info[missing-headless-service]: serviceName `kafka` names no Service in namespace `team`: the pod gets no per-pod DNS name (none is used in these manifests)\n",
        "{err}"
    );
    assert_eq!(code, 1);
    // From inside the team directory the same settings hold.
    let (_, out, _) = run(&team, &["."]);
    assert_eq!(rules_in(&out), ["missing-headless-service"]);
    // --config is one config for every file: the team's exclude is not
    // read, so its vendored copy is linted too (and duplicates its object).
    let (_, out, _) = run(dir.path(), &["repo/k8s", "--config", "repo/.stslint.yaml"]);
    assert_eq!(
        rules_in(&out),
        [
            "broker-id-from-pod-name",
            "broker-id-from-pod-name",
            "duplicate-object",
            "broker-id-from-pod-name"
        ]
    );
}

#[test]
fn every_config_error_is_reported_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.yaml"), MISSING_SERVICE).expect("write");
    fs::write(
        dir.path().join(".stslint.yaml"),
        "rules:\n  pdb-quorom: off\n  pdb-quorum: loud\n  data-on-emptydir: {options: {imagez: [x]}}\nfail-on: off\nnamesapce: prod\n",
    )
    .expect("write");
    let (code, out, err) = run(dir.path(), &["."]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "error: .stslint.yaml:2:3: unknown rule `pdb-quorom`; did you mean `pdb-quorum`?",
            "error: .stslint.yaml:3:15: `loud` is not one of off, info, warning, error",
            "error: .stslint.yaml:4:32: unknown option `imagez` for rule `data-on-emptydir` (images, data-dirs); did you mean `images`?",
            "error: .stslint.yaml:5:10: fail-on cannot be off",
            "error: .stslint.yaml:6:1: unknown key `namesapce`; did you mean `namespace`?",
        ]
    );
}

#[test]
fn a_suppression_naming_an_unknown_rule_gets_a_did_you_mean() {
    let dir = tempfile::tempdir().expect("tempdir");
    let typo = TWO_FINDINGS.replace(
        "              fieldPath: metadata.name",
        "              # stslint: ignore[broker-id-from-podname] remapped by the entrypoint\n              fieldPath: metadata.name",
    );
    fs::write(dir.path().join("kafka.yaml"), typo).expect("write");
    let out = Command::cargo_bin("stslint")
        .expect("binary")
        .current_dir(dir.path())
        .args([
            "check",
            ".",
            "--format",
            "json",
            "--select",
            "unused-suppression",
        ])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let d = &v["diagnostics"][0];
    assert_eq!(d["rule"], "unused-suppression");
    assert_eq!(d["line"], 22);
    assert_eq!(
        d["message"],
        "suppression names unknown rule `broker-id-from-podname`"
    );
    assert_eq!(d["help"], "Did you mean `broker-id-from-pod-name`?");
}
