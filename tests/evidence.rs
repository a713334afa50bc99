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
