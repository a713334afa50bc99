//! Kustomizations rendered with real kustomize (`kubectl kustomize` here,
//! or the `kustomize` binary), each finding placed on the file a person
//! edits: the base where the field is written there, the strategic-merge
//! patch that set it, the kustomization whose `replicas:` or `images:` set
//! it; a render error on its kustomization; a base used by two overlays,
//! checked in each.

mod common;

use common::{check_json, repo, stslint};

/// Whether a renderer is on PATH; without one, the test says so and
/// passes, except in CI, where it must run.
fn renderer() -> bool {
    let found = ["kubectl", "kustomize"].iter().any(|b| {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(b).is_file()))
    });
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have kubectl or kustomize"
        );
        eprintln!("skipped: neither kubectl nor kustomize is on PATH");
    }
    found
}

const TREE: &[(&str, &str)] = &[
    (
        "base/etcd.yaml",
        r#"apiVersion: v1
kind: Service
metadata:
  name: etcd
spec:
  clusterIP: None
  selector:
    app: etcd
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: etcd
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app: etcd
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: etcd
spec:
  serviceName: etcd
  replicas: 3
  persistentVolumeClaimRetentionPolicy:
    whenDeleted: Delete
  selector:
    matchLabels:
      app: etcd
  template:
    metadata:
      labels:
        app: etcd
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              topologyKey: kubernetes.io/hostname
              labelSelector:
                matchLabels:
                  app: etcd
      containers:
      - name: etcd
        image: quay.io/coreos/etcd:v3.5.17
        readinessProbe:
          httpGet:
            path: /readyz
            port: 2379
        env:
        - name: ETCD_DATA_DIR
          value: /var/lib/etcd/data
        volumeMounts:
        - name: data
          mountPath: /var/lib/etcd
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 10Gi
"#,
    ),
    (
        "base/kustomization.yaml",
        r#"resources:
- etcd.yaml
"#,
    ),
    (
        "components/debug/debug.yaml",
        r#"- op: add
  path: /spec/template/spec/containers/0/env/-
  value:
    name: ETCD_DEBUG
    value: "$(cat /etc/debug)"
"#,
    ),
    (
        "components/debug/kustomization.yaml",
        r#"apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
- path: debug.yaml
  target:
    kind: StatefulSet
"#,
    ),
    (
        "overlays/broken/kustomization.yaml",
        r#"resources:
- ../../base
- missing.yaml
"#,
    ),
    (
        "overlays/prod/kustomization.yaml",
        r#"resources:
- ../../base
components:
- ../../components/debug
namePrefix: prod-
replicas:
- name: etcd
  count: 4
images:
- name: quay.io/coreos/etcd
  newTag: latest
patches:
- path: pdb.yaml
- patch: |-
    - op: add
      path: /spec/updateStrategy
      value: {type: RollingUpdate, rollingUpdate: {partition: 9}}
  target:
    kind: StatefulSet
"#,
    ),
    (
        "overlays/long/kustomization.yaml",
        r#"resources:
- ../../base
namePrefix: a-prefix-long-enough-to-push-the-name-past-the-limit-
"#,
    ),
    (
        "overlays/prod/pdb.yaml",
        r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: etcd
spec:
  maxUnavailable: 0
"#,
    ),
    (
        "overlays/staging/kustomization.yaml",
        r#"resources:
- ../../base
"#,
    ),
];

#[test]
fn findings_are_placed_where_the_field_is_written() {
    if !renderer() {
        return;
    }
    let dir = repo(TREE);
    let (code, report, err) = check_json(dir.path(), &["--no-config", "."]);
    assert_eq!(code, 1, "{err}");
    let found = common::placed(&report);
    let want = [
        // Set by an inline patch, which has no file: the origin object's
        // kind line, with a note at the overlay's `patches`.
        ("base/etcd.yaml", 21, 1, "partition-exceeds-replicas"),
        // Written in the base, rendered by the three overlays.
        ("base/etcd.yaml", 28, 5, "pvc-retention-delete"),
        ("base/etcd.yaml", 28, 5, "pvc-retention-delete"),
        ("base/etcd.yaml", 28, 5, "pvc-retention-delete"),
        // Added by the component's JSON 6902 patch: inside the operation's
        // value.
        (
            "components/debug/debug.yaml",
            5,
            5,
            "env-command-substitution",
        ),
        ("overlays/broken/kustomization.yaml", 1, 1, "yaml-syntax"),
        // The prefix that makes the name too long.
        ("overlays/long/kustomization.yaml", 3, 13, "name-too-long"),
        // `replicas:` and `images:` of the overlay.
        (
            "overlays/prod/kustomization.yaml",
            8,
            3,
            "even-quorum-replicas",
        ),
        (
            "overlays/prod/kustomization.yaml",
            11,
            3,
            "image-mutable-tag",
        ),
        // The strategic-merge patch's field.
        ("overlays/prod/pdb.yaml", 6, 3, "pdb-blocks-drain"),
    ];
    let want: Vec<(String, u64, u64, String)> = want
        .iter()
        .map(|(f, l, c, r)| ((*f).to_owned(), *l, *c, (*r).to_owned()))
        .collect();
    assert_eq!(found, want, "{report}");
    let d = &report["diagnostics"];
    let all = d.as_array().expect("list");
    let messages: Vec<&str> = all
        .iter()
        .map(|x| x["message"].as_str().unwrap_or(""))
        .collect();
    for suffix in [
        "[kustomize overlays/prod: StatefulSet prod-etcd]",
        "[kustomize overlays/staging: StatefulSet etcd]",
    ] {
        assert!(
            messages.iter().any(|m| m.ends_with(suffix)),
            "{suffix}: {messages:?}"
        );
    }
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("kustomize cannot render this kustomization: "))
    );
    let partition = all
        .iter()
        .find(|x| x["rule"] == "partition-exceeds-replicas")
        .expect("partition");
    let note = partition["related"]
        .as_array()
        .expect("related")
        .iter()
        .find(|r| {
            r["message"]
                .as_str()
                .unwrap_or("")
                .starts_with("the rendered value")
        })
        .unwrap_or_else(|| panic!("{partition}"));
    assert_eq!(note["file"], "overlays/prod/kustomization.yaml");
    assert_eq!(note["line"], 12, "{partition}");
    assert_eq!(
        note["message"],
        "the rendered value comes from the PatchTransformer configured here"
    );
    // Placed findings carry no fix: it would edit the rendering.
    assert!(
        d.as_array()
            .expect("list")
            .iter()
            .all(|x| x["fix"].is_null())
    );
    // The staging overlay's budget is not the prod overlay's: each
    // rendering is linted on its own (no pdb-overlap across them).
}

#[test]
fn without_rendering_the_files_are_plain_manifests() {
    if !renderer() {
        return;
    }
    let dir = repo(TREE);
    let (_, report, _) = check_json(dir.path(), &["--no-config", "--no-render", "."]);
    let files: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["file"].as_str().unwrap_or(""))
        .collect();
    // The patch is linted as a whole budget, as the issue describes.
    assert!(files.contains(&"overlays/prod/pdb.yaml"), "{files:?}");
    assert!(!report.to_string().contains("[kustomize "));
}

#[test]
fn no_renderer_is_a_warning_and_a_bad_command_a_located_error() {
    let dir = repo(TREE);
    let out = assert_cmd::Command::cargo_bin("stslint")
        .expect("binary")
        .current_dir(dir.path())
        .env("PATH", "")
        .args(["check", "--no-config", "--format", "short", "."])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: 4 kustomizations are not rendered: neither `kustomize` nor `kubectl` is on PATH"),
        "{err}"
    );
    let out = stslint(
        dir.path(),
        &[
            "check",
            "--no-config",
            "--format",
            "short",
            "--kustomize-command",
            "/nonexistent/kustomize build",
            "overlays/staging",
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("overlays/staging/kustomization.yaml:1:1: error[yaml-syntax]: kustomize cannot render this kustomization: cannot run `/nonexistent/kustomize build`"),
        "{text}"
    );
}

#[test]
fn comments_in_the_origin_files_suppress_what_is_placed_there() {
    if !renderer() {
        return;
    }
    let dir = repo(TREE);
    let base = dir.path().join("base/etcd.yaml");
    let text = std::fs::read_to_string(&base).expect("base");
    let text = text.replace(
        "    whenDeleted: Delete\n",
        "    whenDeleted: Delete  # stslint: ignore[pvc-retention-delete] a cache\n",
    );
    std::fs::write(&base, text).expect("write");
    let (_, report, _) = check_json(dir.path(), &["--no-config", "."]);
    let rules: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["rule"].as_str().unwrap_or(""))
        .collect();
    assert!(!rules.contains(&"pvc-retention-delete"), "{rules:?}");
    assert!(!rules.contains(&"unused-suppression"), "{rules:?}");
}

#[test]
fn a_changed_file_lints_the_kustomizations_that_include_it() {
    if !renderer() {
        return;
    }
    // As pre-commit passes it: the changed patch renders its overlay only.
    let dir = repo(TREE);
    let (code, report, err) = check_json(dir.path(), &["--no-config", "overlays/prod/pdb.yaml"]);
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("no Kubernetes objects"), "{err}");
    let found = common::placed(&report);
    assert!(
        found.contains(&(
            "overlays/prod/pdb.yaml".to_owned(),
            6,
            3,
            "pdb-blocks-drain".to_owned()
        )),
        "{found:?}"
    );
    assert!(!report.to_string().contains("[kustomize overlays/staging"));
    // A changed base renders every overlay that uses it.
    let (_, report, _) = check_json(dir.path(), &["--no-config", "base/etcd.yaml"]);
    let text = report.to_string();
    for overlay in ["prod", "staging"] {
        assert!(
            text.contains(&format!("[kustomize overlays/{overlay}: ")),
            "{overlay}: {text}"
        );
    }
}

#[test]
fn a_kustomization_file_without_extension_is_rendered_too() {
    if !renderer() {
        return;
    }
    let base: Vec<(&str, &str)> = TREE
        .iter()
        .filter(|(name, _)| name.starts_with("base/") && !name.ends_with("kustomization.yaml"))
        .copied()
        .chain([("base/Kustomization", "resources:\n- etcd.yaml\n")])
        .collect();
    let dir = repo(&base);
    let (_, report, err) = check_json(dir.path(), &["--no-config", "."]);
    assert!(
        report
            .to_string()
            .contains("[kustomize base: StatefulSet etcd]"),
        "{err} {report}"
    );
}
