//! The modules depend downwards only (README "Design"): text and source
//! below model, model below rules, rules below policy, engine and render.
//! And rule examples read like YAML: raw multi-line strings, not escapes.

use std::fs;
use std::path::Path;

fn sources(dir: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let path = Path::new(dir);
    if path.is_file() {
        out.push((dir.to_owned(), fs::read_to_string(path).expect("source")));
        return out;
    }
    for entry in fs::read_dir(path).expect("dir") {
        let p = entry.expect("entry").path();
        if p.extension().is_some_and(|e| e == "rs") {
            out.push((
                p.display().to_string(),
                fs::read_to_string(&p).expect("source"),
            ));
        }
    }
    out
}

#[test]
fn modules_depend_downwards_only() {
    let above: &[(&str, &[&str])] = &[
        (
            "src/text.rs",
            &[
                "crate::source",
                "crate::model",
                "crate::rules",
                "crate::policy",
            ],
        ),
        (
            "src/source",
            &[
                "crate::model",
                "crate::rules",
                "crate::policy",
                "crate::render",
            ],
        ),
        (
            "src/model",
            &[
                "crate::rules",
                "crate::policy",
                "crate::engine",
                "crate::render",
            ],
        ),
        (
            "src/rules",
            &["crate::policy", "crate::engine", "crate::render"],
        ),
        (
            "src/admission",
            &["crate::policy", "crate::engine", "crate::render"],
        ),
    ];
    let mut wrong = Vec::new();
    for (dir, forbidden) in above {
        for (file, text) in sources(dir) {
            for f in *forbidden {
                if text.contains(&format!("{f}::")) || text.contains(&format!("use {f};")) {
                    wrong.push(format!("{file} uses {f}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn rule_examples_are_raw_multi_line_strings() {
    let mut escaped = Vec::new();
    for (file, text) in sources("src/rules") {
        for key in ["    bad: \"", "    good: \""] {
            if text.contains(key) {
                escaped.push(format!("{file}: {}", key.trim()));
            }
        }
    }
    assert!(escaped.is_empty(), "{escaped:#?}");
}
