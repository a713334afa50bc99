//! rules/<id>.md is generated from each rule's metadata; this test fails
//! when a page is stale. Regenerate with `STSLINT_BLESS=1 cargo test --test docs`.

use std::fs;
use std::path::Path;

use stslint::rules::{RULES, markdown};

#[test]
fn rule_docs_are_up_to_date() {
    let bless = std::env::var_os("STSLINT_BLESS").is_some();
    let mut stale = Vec::new();
    for r in RULES {
        let m = r.meta();
        let path = Path::new("rules").join(format!("{}.md", m.id));
        let want = markdown(m);
        if bless {
            fs::create_dir_all("rules").expect("mkdir rules");
            fs::write(&path, &want).expect("write doc");
            continue;
        }
        if fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale rule docs (run `STSLINT_BLESS=1 cargo test --test docs`): {stale:?}"
    );
    // No page for a rule that no longer exists.
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
