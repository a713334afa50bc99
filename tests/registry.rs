//! The rule registry: ids, metadata, examples and one file per rule.

use std::collections::HashSet;
use std::path::Path;

use stslint::{Options, Role, lint_sources, lint_text, rules::RULES};

fn rules_fired(text: &str) -> Vec<&'static str> {
    lint_text("example.yaml", text, &Options::default())
        .diagnostics
        .iter()
        .map(|d| d.rule)
        .collect()
}

/// The rules fired by `text` compared with `baseline`.
fn rules_fired_against(text: &str, baseline: &str) -> Vec<&'static str> {
    let sources = vec![
        ("example.yaml".to_owned(), text.to_owned(), Role::Reported),
        (
            "base:example.yaml".to_owned(),
            baseline.to_owned(),
            Role::Baseline,
        ),
    ];
    lint_sources(sources, &Options::default())
        .diagnostics
        .iter()
        .map(|d| d.rule)
        .collect()
}

#[test]
fn ids_are_unique_kebab_case_and_match_their_file() {
    let mut seen = HashSet::new();
    for r in RULES {
        let id = r.meta().id;
        assert!(seen.insert(id), "duplicate id {id}");
        assert!(
            !id.is_empty()
                && id.split('-').all(|part| !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
            "{id} is not kebab-case"
        );
        assert!(!id.starts_with("sts-"), "{id}: no sts- prefix");
        let file = format!("src/rules/{}.rs", id.replace('-', "_"));
        assert!(Path::new(&file).exists(), "{id}: {file} is missing");
    }
    let mut ids: Vec<_> = RULES.iter().map(|r| r.meta().id).collect();
    let sorted = {
        let mut s = ids.clone();
        s.sort_unstable();
        s
    };
    assert_eq!(ids, sorted, "RULES is kept in id order");
    ids.clear();
}

#[test]
fn metadata_is_complete() {
    for r in RULES {
        let m = r.meta();
        assert!(!m.summary.is_empty() && !m.why.is_empty(), "{}: docs", m.id);
        assert!(
            !m.bad.is_empty() && !m.good.is_empty(),
            "{}: examples",
            m.id
        );
        assert!(
            !m.summary.ends_with('.'),
            "{}: summary ends with a period",
            m.id
        );
    }
}

#[test]
fn bad_example_fires_and_good_example_does_not() {
    for r in RULES {
        let m = r.meta();
        let (bad, good) = if m.needs_baseline {
            (
                rules_fired_against(m.bad, m.good),
                rules_fired_against(m.good, m.good),
            )
        } else {
            (rules_fired(m.bad), rules_fired(m.good))
        };
        assert!(
            bad.contains(&m.id),
            "{}: bad example does not fire it ({bad:?})",
            m.id
        );
        assert!(!good.contains(&m.id), "{}: good example fires it", m.id);
    }
}
