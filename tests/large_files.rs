//! Files over the streaming threshold are read piece by piece and their text
//! is released after parsing; every position must be exactly what reading the
//! file whole gives.

mod common;

use common::MISSING_SERVICE;
use stslint::{Options, Report, lint_text};

type Seen = Vec<(
    String,
    usize,
    usize,
    usize,
    usize,
    String,
    Vec<(usize, usize)>,
)>;

fn seen(r: &Report) -> Seen {
    r.diagnostics
        .iter()
        .map(|d| {
            (
                d.rule.to_owned(),
                d.at.line,
                d.at.column,
                d.at.end_line,
                d.at.end_column,
                d.message.clone(),
                d.related.iter().map(|x| (x.at.line, x.at.column)).collect(),
            )
        })
        .collect()
}

/// About 3.6 MB: StatefulSets with findings, a syntax error, a suppression
/// comment and multi-byte text spread through it.
fn big_manifest() -> String {
    let mut text = String::new();
    for i in 0..5000 {
        text.push_str(&MISSING_SERVICE.replace("db", &format!("db-{i}")));
        text.push_str("---\n");
        match i {
            2500 => text.push_str("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [broken\n---\n"),
            3500 => text.push_str(
                "# stslint: disable-next-line missing-headless-service\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg-ü😀\n---\n",
            ),
            _ => {}
        }
    }
    text
}

fn run_on(path: &std::path::Path) -> Report {
    let opts = Options {
        paths: vec![path.display().to_string()],
        ..Options::default()
    };
    stslint::run(&opts).expect("runs")
}

#[test]
fn a_streamed_file_reports_exactly_what_a_whole_one_does() {
    let text = big_manifest();
    assert!(text.len() as u64 > stslint::load::STREAM_BYTES);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.yaml");
    std::fs::write(&path, &text).expect("write");
    let streamed = run_on(&path);
    let whole = lint_text("big.yaml", &text, &Options::default());
    let got = seen(&streamed);
    assert_eq!(got, seen(&whole));
    assert_eq!(streamed.summary.objects, whole.summary.objects);
    assert!(got.len() > 5000, "{}", got.len());
    // The last StatefulSet's finding is at its serviceName, line 6 of its
    // document.
    let last_doc_line = text[..text.rfind("apiVersion: apps/v1").unwrap()]
        .matches('\n')
        .count()
        + 1;
    assert!(
        got.iter()
            .any(|d| d.0 == "missing-headless-service" && d.1 == last_doc_line + 5)
    );
    assert!(got.iter().any(|d| d.0 == "yaml-syntax"));
    assert!(streamed.notes.is_empty(), "{:?}", streamed.notes);
}

#[test]
fn a_large_file_with_invalid_utf8_is_reported_where_it_breaks() {
    let mut bytes = big_manifest().into_bytes();
    assert!(bytes.len() as u64 > stslint::load::STREAM_BYTES);
    let at = bytes.len() - 10;
    bytes[at] = 0xff;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bad.yaml");
    std::fs::write(&path, &bytes).expect("write");
    let r = run_on(&path);
    let d: Vec<_> = r
        .diagnostics
        .iter()
        .filter(|d| d.rule == "yaml-syntax")
        .collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].message, "file is not valid UTF-8");
    let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    assert_eq!(d[0].at.line, line);
}
