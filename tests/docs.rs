//! rules/ is generated from the rules' metadata by `stslint rules --markdown
//! rules/`; this test fails when a page is stale or missing.
//! `STSLINT_BLESS=1 cargo test --test docs` regenerates them too.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use stslint::rules::{RULES, index_markdown, markdown};

#[test]
fn rule_docs_are_up_to_date() {
    if std::env::var_os("STSLINT_BLESS").is_some() {
        stslint::rules::write_docs(Path::new("rules")).expect("write docs");
    }
    let mut stale = Vec::new();
    for r in RULES {
        let m = r.meta();
        let path = Path::new("rules").join(format!("{}.md", m.id));
        if fs::read_to_string(&path).ok().as_deref() != Some(markdown(m).as_str()) {
            stale.push(path.display().to_string());
        }
    }
    if fs::read_to_string("rules/README.md").ok() != Some(index_markdown()) {
        stale.push("rules/README.md".to_owned());
    }
    assert!(
        stale.is_empty(),
        "stale rule docs (run `cargo run -- rules --markdown rules/`): {stale:?}"
    );
    for entry in fs::read_dir("rules").expect("rules dir") {
        let name = entry
            .expect("readable")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let id = name.trim_end_matches(".md");
        assert!(
            name == "README.md" || RULES.iter().any(|r| r.meta().id == id),
            "rules/{name} documents no rule"
        );
    }
}

#[test]
fn markdown_command_writes_the_same_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::cargo_bin("stslint")
        .expect("binary")
        .args(["rules", "--markdown"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    for r in RULES {
        let m = r.meta();
        let page =
            fs::read_to_string(dir.path().join(format!("{}.md", m.id))).expect("page written");
        assert_eq!(page, markdown(m));
    }
    assert_eq!(
        fs::read_to_string(dir.path().join("README.md")).expect("index written"),
        index_markdown()
    );
}

#[test]
fn explain_prints_the_page_and_suggests_on_typos() {
    let out = Command::cargo_bin("stslint")
        .expect("binary")
        .args(["explain", "pdb-quorum"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.starts_with("# pdb-quorum\n\nDefault severity: **warning**"),
        "{page}"
    );
    assert!(!page.contains("<!--"), "{page}");
    assert!(page.contains("floor(n/2)+1"));
    let out = Command::cargo_bin("stslint")
        .expect("binary")
        .args(["explain", "pdb-quorom"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `pdb-quorum`?"));
}

#[test]
fn readme_lists_every_rule() {
    let readme = fs::read_to_string("README.md").expect("README.md");
    for r in RULES {
        let m = r.meta();
        let row = format!(
            "| [{id}](rules/{id}.md) | {} | {} |",
            m.severity,
            m.summary,
            id = m.id
        );
        assert!(readme.contains(&row), "README.md lacks the row: {row}");
    }
}

/// A rule page's "Fixed" example is clean under every default rule, not
/// only its own: a reader who copies it gets no other diagnostic.
#[test]
fn every_good_example_is_clean_under_all_default_rules() {
    let mut dirty = Vec::new();
    for r in RULES {
        let m = r.meta();
        let report = stslint::lint_text("good.yaml", m.good, &stslint::Options::default());
        for d in &report.diagnostics {
            dirty.push(format!(
                "{}: {}:{} {}: {}",
                m.id, d.at.line, d.at.column, d.rule, d.message
            ));
        }
    }
    assert!(dirty.is_empty(), "{}", dirty.join("\n"));
}
