//! Hostile input: none of it may panic, hang, or hide the other documents.

use stslint::{Options, lint_text};

fn rules_and_lines(text: &str) -> Vec<(String, usize)> {
    lint_text("hostile.yaml", text, &Options::default())
        .diagnostics
        .iter()
        .map(|d| (d.rule.to_owned(), d.at.line))
        .collect()
}

#[test]
fn alias_bomb_is_a_located_error() {
    let mut doc = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n");
    doc.push_str("  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let mut prev = 'a';
    for c in 'b'..='j' {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        doc.push_str(&format!("  {c}: &{c} [{refs}]\n"));
        prev = c;
    }
    let start = std::time::Instant::now();
    let got = rules_and_lines(&doc);
    assert!(start.elapsed().as_secs() < 5);
    assert_eq!(got, vec![("yaml-syntax".to_owned(), 11)]);
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let flow = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(rules_and_lines(&flow), vec![("yaml-syntax".to_owned(), 1)]);
    let block: String = (0..1000)
        .map(|i| format!("{}k:\n", "  ".repeat(i)))
        .collect();
    let got = rules_and_lines(&block);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "yaml-syntax");
}

#[test]
fn duplicate_keys_are_reported_at_the_second_key() {
    let doc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n";
    assert_eq!(rules_and_lines(doc), vec![("yaml-syntax".to_owned(), 5)]);
    let r = lint_text("dup.yaml", doc, &Options::default());
    assert_eq!(
        r.diagnostics[0].message,
        "duplicate key `name` (first `a`, then `b`): kubectl keeps the last value, `b`; kustomize refuses the file"
    );
    // Nested values are named by what they are, in maps with many keys too.
    let mut big = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n");
    for i in 0..40 {
        big.push_str(&format!("  k{i}: v\n"));
    }
    big.push_str("  k3:\n    nested: 1\n");
    let r = lint_text("big.yaml", &big, &Options::default());
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(
        r.diagnostics[0].message,
        "duplicate key `k3` (first `v`, then a mapping): kubectl keeps the last value, a mapping; kustomize refuses the file"
    );
}

#[test]
fn many_documents_and_long_lines() {
    let many: String = (0..10_000)
        .map(|i| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n---\n"))
        .collect();
    let r = lint_text("many.yaml", &many, &Options::default());
    assert!(r.diagnostics.is_empty());
    assert_eq!(r.summary.objects, 10_000);
    let long = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: long\ndata:\n  blob: \"{}\"\n",
        "x".repeat(10 * 1024 * 1024)
    );
    assert!(rules_and_lines(&long).is_empty());
}

#[test]
fn nul_bytes_and_tabs_do_not_panic() {
    let nul = "apiVersion: v1\nkind: Service\nmetadata:\n  name: \u{0}x\n";
    let _ = rules_and_lines(nul);
    let tabs = "apiVersion: v1\nkind: Service\nmetadata:\n\tname: x\n";
    assert_eq!(rules_and_lines(tabs)[0].0, "yaml-syntax");
}

/// Every fixture cut short at many points (mid-token, mid-document) and
/// with bytes flipped still lints without a panic.
#[test]
fn truncated_and_mangled_fixtures_never_panic() {
    let mut files = Vec::new();
    for dir in std::fs::read_dir("testdata").expect("testdata") {
        let dir = dir.expect("entry").path();
        if dir.is_dir() {
            for f in std::fs::read_dir(&dir).expect("dir") {
                files.push(f.expect("entry").path());
            }
        }
    }
    let mut runs = 0;
    for f in files.iter().filter(|f| !f.is_dir()) {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let cuts: Vec<usize> = (0..text.len()).step_by(37).collect();
        for &cut in &cuts {
            if !text.is_char_boundary(cut) {
                continue;
            }
            let _ = lint_text("cut.yaml", &text[..cut], &Options::default());
            let mangled: String = text
                .char_indices()
                .map(|(i, c)| if i == cut { ':' } else { c })
                .collect();
            let _ = lint_text("mangled.yaml", &mangled, &Options::default());
            runs += 2;
        }
    }
    assert!(runs > 500, "only {runs} runs");
}

/// Files over the chunk size are cut at document boundaries and parsed in
/// pieces; diagnostics keep their exact lines and document indexes.
#[test]
fn big_files_are_parsed_in_pieces_with_exact_positions() {
    let filler = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler\ndata:\n  script: |\n    echo start\n    ---\n    echo not a marker\n----: not a marker either\n";
    let bad = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  selector:\n    matchLabels:\n      app: db\n  template:\n    metadata:\n      labels:\n        app: db\n    spec:\n      containers:\n      - name: db\n        image: postgres:16.4\n        readinessProbe:\n          exec:\n            command: [pg_isready]\n        volumeMounts:\n        - name: data\n          mountPath: /var/lib/postgresql\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources:\n        requests:\n          storage: 10Gi\n";
    let mut text = String::new();
    let mut want = Vec::new();
    for i in 0..30_000 {
        if i % 10_000 == 5_000 {
            text.push_str("--- # a marker with a comment\n");
            let line = text.lines().count() + 6;
            text.push_str(&bad.replacen("name: db", &format!("name: db{i}"), 1));
            want.push((line, i));
        } else {
            text.push_str("---\n");
            text.push_str(&filler.replace("name: filler", &format!("name: filler-{i}")));
        }
    }
    assert!(text.len() > 3 * stslint::load::CHUNK_BYTES);
    let r = lint_text("big.yaml", &text, &Options::default());
    let got: Vec<(usize, usize)> = r
        .diagnostics
        .iter()
        .map(|d| (d.at.line, d.at.document.unwrap_or(usize::MAX)))
        .collect();
    assert_eq!(got, want);
    assert_eq!(r.summary.documents, 30_000);
    assert_eq!(r.summary.objects, 30_000);
}

#[test]
fn a_huge_replica_count_costs_nothing() {
    // Work per StatefulSet follows the objects that exist, never `replicas`.
    let pvc = |name: &str, size: &str| {
        format!(
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {name}\nspec:\n  resources:\n    requests:\n      storage: {size}\n---\n"
        )
    };
    let mut doc = pvc("data-pg-7", "20Gi") + &pvc("data-pg-07", "30Gi") + &pvc("data-pg-3", "10Gi");
    doc.push_str(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: pg\nspec:\n  replicas: 2147483647\n  selector:\n    matchLabels: {app: pg}\n  template:\n    metadata:\n      labels: {app: pg}\n    spec:\n      containers:\n      - name: pg\n        image: postgres:16\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n      resources:\n        requests:\n          storage: 10Gi\n",
    );
    let start = std::time::Instant::now();
    let r = lint_text("huge.yaml", &doc, &Options::default());
    assert!(start.elapsed().as_secs() < 5);
    let drift: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.rule == "volume-claim-size-drift")
        .collect();
    assert_eq!(drift.len(), 1);
    assert_eq!(drift[0].at.line, 49);
    assert!(
        drift[0].message.contains("data-pg-7 (20Gi)"),
        "{}",
        drift[0].message
    );
    assert!(!drift[0].message.contains("data-pg-07"));
}
