//! Messages and help that carry their evidence: the setting that put a
//! data directory somewhere, the selector an apps/v1 StatefulSet needs,
//! the per-pod name that makes a missing headless Service an error.

use stslint::{Options, lint_text};

fn lint(text: &str) -> Vec<(usize, &'static str, String, String, Option<String>)> {
    lint_text("m.yaml", text, &Options::default())
        .diagnostics
        .into_iter()
        .map(|d| (d.at.line, d.rule, d.severity.to_string(), d.message, d.help))
        .collect()
}

const V1BETA1: &str = "apiVersion: apps/v1beta1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  template:
    metadata:
      labels:
        app: web
        tier: front
    spec:
      containers:
      - name: nginx
        image: nginx:1.27.3
        readinessProbe:
          httpGet:
            path: /
            port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  clusterIP: None
  selector:
    app: web
";

#[test]
fn a_selector_less_v1beta1_statefulset_is_told_which_selector_apps_v1_needs() {
    let got = lint(V1BETA1);
    assert_eq!(got.len(), 1, "{got:?}");
    let (line, rule, severity, message, help) = &got[0];
    assert_eq!(
        (*line, *rule, severity.as_str()),
        (1, "removed-api-version", "error")
    );
    assert_eq!(
        message,
        "apps/v1beta1 StatefulSet was removed in Kubernetes 1.16"
    );
    assert_eq!(
        help.as_deref(),
        Some(
            "Use apiVersion: apps/v1, and add spec.selector, which apps/v1 requires (apps/v1beta1 defaulted it to the pod template's labels): `selector: {matchLabels: {app: web, tier: front}}`."
        )
    );
    // With a selector written, the help is the plain conversion.
    let with_selector = V1BETA1.replace(
        "  serviceName: web\n",
        "  serviceName: web\n  selector:\n    matchLabels:\n      app: web\n",
    );
    let got = lint(&with_selector);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].4.as_deref(), Some("Use apiVersion: apps/v1."));
}

#[test]
fn a_data_directory_finding_names_the_setting_and_points_at_it() {
    let text = "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ledger
  namespace: fin
spec:
  serviceName: ledger
  selector:
    matchLabels:
      app: ledger
  template:
    metadata:
      labels:
        app: ledger
    spec:
      containers:
      - name: db
        image: registry.example.com/ledger-db:4.1
        env:
        - name: PGDATA
          value: /var/lib/ledger/pg
        readinessProbe:
          exec:
            command: [pg_isready]
---
apiVersion: v1
kind: Service
metadata:
  name: ledger
  namespace: fin
spec:
  clusterIP: None
  selector:
    app: ledger
";
    let got = lint(text);
    assert_eq!(
        got,
        [(
            21,
            "data-on-emptydir",
            "warning".to_owned(),
            "`/var/lib/ledger/pg` (data of PostgreSQL, set by env PGDATA) is on no volume: it lives in the container's writable layer, lost when the pod is recreated".to_owned(),
            Some("Mount a volumeClaimTemplate at the directory (or at a parent of it).".to_owned()),
        )]
    );
}

#[test]
fn an_object_defined_in_two_files_is_reported_at_the_second_with_the_first_as_label() {
    use stslint::{Role, lint_sources};
    let svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\n  namespace: prod\nspec:\n  clusterIP: None\n  selector:\n    app: db\n";
    let sources = vec![
        ("a.yaml".to_owned(), svc.to_owned(), Role::Reported),
        ("b.yaml".to_owned(), svc.to_owned(), Role::Reported),
    ];
    let r = lint_sources(sources, &Options::default());
    let got: Vec<_> = r
        .diagnostics
        .iter()
        .map(|d| {
            (
                d.at.file_name.as_str(),
                d.at.line,
                d.rule,
                d.severity.to_string(),
            )
        })
        .collect();
    // Across files: one info per pair of files, since they may be
    // variants that are never applied together.
    assert_eq!(got, [("b.yaml", 4, "duplicate-object", "info".to_owned())]);
    let d = &r.diagnostics[0];
    assert_eq!(
        d.message,
        "Service `db` in namespace `prod` is also defined in another file: if both are applied, the last one wins; stslint checks the first one read"
    );
    assert_eq!(d.related.len(), 1);
    assert_eq!(
        (d.related[0].at.file_name.as_str(), d.related[0].at.line),
        ("a.yaml", 4)
    );
    // Three shared objects: one finding, with the count.
    let three = format!(
        "{svc}---\n{}---\n{}",
        svc.replace("name: db", "name: db2"),
        svc.replace("name: db", "name: db3")
    );
    let sources = vec![
        ("a.yaml".to_owned(), three.clone(), Role::Reported),
        ("b.yaml".to_owned(), three, Role::Reported),
    ];
    let r = lint_sources(sources, &Options::default());
    assert_eq!(r.diagnostics.len(), 1, "{:?}", r.diagnostics);
    assert!(r.diagnostics[0].message.starts_with("Service `db` in namespace `prod` and 2 more objects of this file are also defined in another file"));
    // A baseline copy of the same object is no duplicate.
    let sources = vec![
        ("a.yaml".to_owned(), svc.to_owned(), Role::Reported),
        ("base:a.yaml".to_owned(), svc.to_owned(), Role::Baseline),
    ];
    assert!(
        lint_sources(sources, &Options::default())
            .diagnostics
            .is_empty()
    );
}

#[test]
fn labels_that_a_kustomization_adds_make_label_mismatches_an_info() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().join("base");
    std::fs::create_dir(&base).expect("mkdir");
    let sts = "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: queue
spec:
  serviceName: queue
  replicas: 1
  selector:
    matchLabels:
      app: queue
  template:
    spec:
      containers:
      - name: queue
        image: registry.example.com/queue:1.2.3
        readinessProbe:
          tcpSocket:
            port: 5672
";
    let svc = "apiVersion: v1
kind: Service
metadata:
  name: queue
spec:
  clusterIP: None
  selector:
    app: queue
";
    std::fs::write(base.join("statefulset.yaml"), sts).expect("write");
    std::fs::write(base.join("service.yaml"), svc).expect("write");
    let lint_with = |off: bool| {
        let opts = Options {
            paths: vec![base.to_string_lossy().into_owned()],
            render: stslint::kustomize::Settings { off, command: None },
            ..Options::default()
        };
        let r = stslint::run(&opts).expect("runs");
        r.diagnostics
            .into_iter()
            .map(|d| (d.at.line, d.rule, d.severity.to_string(), d.message))
            .collect::<Vec<_>>()
    };
    let lint = || lint_with(true);
    // Without a kustomization, the template has no labels: errors.
    let plain = lint();
    let rules: Vec<_> = plain.iter().map(|d| (d.0, d.1, d.2.as_str())).collect();
    assert_eq!(
        rules,
        [
            (7, "service-selector-mismatch", "error"),
            (8, "selector-template-mismatch", "error")
        ]
    );
    // commonLabels in the kustomization that lists both files: not
    // rendered (--no-render), infos that say why.
    std::fs::write(
        base.join("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\ncommonLabels:\n  app: queue\nresources:\n- statefulset.yaml\n- ./service.yaml\n",
    )
    .expect("write");
    let kustomized = lint();
    let rules: Vec<_> = kustomized
        .iter()
        .map(|d| (d.0, d.1, d.2.as_str()))
        .collect();
    assert_eq!(
        rules,
        [
            (7, "service-selector-mismatch", "info"),
            (8, "selector-template-mismatch", "info")
        ]
    );
    assert!(
        kustomized[1].3.ends_with("(the kustomization beside the file adds labels that it does not show: lint the rendered output, `kubectl kustomize DIR | stslint check -`)"),
        "{}",
        kustomized[1].3
    );
    // Rendered, the labels are there: neither mismatch is reported.
    let renderer = ["kubectl", "kustomize"].iter().any(|b| {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(b).is_file()))
    });
    if !renderer {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have kubectl or kustomize"
        );
        eprintln!("skipped the rendered half: neither kubectl nor kustomize is on PATH");
        return;
    }
    let rendered = lint_with(false);
    assert!(
        rendered
            .iter()
            .all(|d| !d.1.contains("selector-mismatch") && d.1 != "selector-template-mismatch"),
        "{rendered:?}"
    );
}
