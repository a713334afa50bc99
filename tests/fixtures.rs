//! Data-driven fixture test: for every file under testdata/<rule-id>/, the
//! set of (line, rule) diagnostics must equal the `# expect: <rule-id>`
//! markers exactly, so both misses and false positives fail. A marker may
//! name the severity too (`# expect: rule(warning)`): then it must match.
//! A line `# kubernetes-version: 1.N[.P]` lints the fixture for that
//! version (as `--kubernetes-version` does).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use stslint::Options;

/// (line, rule) of each marker, and the severities markers name.
type Marks = (BTreeSet<(usize, String)>, BTreeSet<(usize, String, String)>);

fn markers(text: &str) -> Marks {
    let mut out = BTreeSet::new();
    let mut severities = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(pos) = line.find("# expect:") {
            for id in line[pos + "# expect:".len()..].split(',') {
                let id = id.trim();
                if id.is_empty() {
                    continue;
                }
                let (id, sev) = match id.strip_suffix(')').and_then(|x| x.split_once('(')) {
                    Some((id, sev)) => (id.trim(), Some(sev.trim())),
                    None => (id, None),
                };
                out.insert((i + 1, id.to_owned()));
                if let Some(sev) = sev {
                    severities.insert((i + 1, id.to_owned(), sev.to_owned()));
                }
            }
        }
    }
    (out, severities)
}

/// A fixture `testdata/<rule>/NAME` is compared with the baseline
/// `testdata/<rule>/base/NAME` when there is one.
fn found(file: &Path) -> Marks {
    let base = file
        .parent()
        .zip(file.file_name())
        .map(|(dir, name)| dir.join("base").join(name))
        .filter(|b| b.is_file());
    let mut opts = Options {
        paths: vec![file.to_string_lossy().into_owned()],
        baseline: base.map(|b| stslint::Baseline::Dir(b.to_string_lossy().into_owned())),
        ..Options::default()
    };
    let text = String::from_utf8_lossy(&fs::read(file).expect("readable")).into_owned();
    if let Some(v) = text
        .lines()
        .find_map(|l| l.strip_prefix("# kubernetes-version:"))
    {
        opts.policy.kubernetes = stslint::kubernetes::Version::parse(v).expect("a version");
    }
    let report = stslint::run(&opts).expect("fixture path exists");
    let lines = report
        .diagnostics
        .iter()
        .map(|d| (d.at.line, d.rule.to_owned()))
        .collect();
    let severities = report
        .diagnostics
        .iter()
        .map(|d| (d.at.line, d.rule.to_owned(), d.severity.to_string()))
        .collect();
    (lines, severities)
}

fn fixture_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in fs::read_dir("testdata").expect("testdata exists") {
        let dir = dir.expect("readable").path();
        if !dir.is_dir() || dir.ends_with("examples") {
            continue;
        }
        for f in fs::read_dir(&dir).expect("readable") {
            let path = f.expect("readable").path();
            // Subdirectories hold baselines, not fixtures; `*.fixed.*` is
            // what a fix fixture becomes (tests/fixes.rs). A JSON fix
            // fixture holds no `# expect:` markers: tests/fixes.rs checks
            // that its rule fires before the fix and not after.
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let skip =
                name.contains(".fixed.") || (name.starts_with("fix-") && name.ends_with(".json"));
            if path.is_file() && !skip {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn diagnostics_match_expect_markers() {
    let mut failures = Vec::new();
    let files = fixture_files();
    assert!(files.len() > 20, "fixtures are missing");
    for file in files {
        let text = String::from_utf8_lossy(&fs::read(&file).expect("readable")).into_owned();
        let (want, want_severity) = markers(&text);
        let (got, got_severity) = found(&file);
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with("pass-") {
            assert!(
                want.is_empty(),
                "{} is a pass fixture with markers",
                file.display()
            );
        } else {
            assert!(
                !want.is_empty(),
                "{} is a fail fixture without markers",
                file.display()
            );
        }
        let wrong: Vec<_> = want_severity.difference(&got_severity).collect();
        if !wrong.is_empty() {
            failures.push(format!(
                "{}\n  not found at this severity: {wrong:?}",
                file.display()
            ));
        }
        if want != got {
            let missed: Vec<_> = want.difference(&got).collect();
            let extra: Vec<_> = got.difference(&want).collect();
            failures.push(format!(
                "{}\n  expected but not found: {missed:?}\n  found but not expected: {extra:?}",
                file.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_pass_and_fail_fixtures() {
    for rule in stslint::rules::RULES {
        let id = rule.meta().id;
        let dir = Path::new("testdata").join(id);
        let names: Vec<String> = fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("testdata/{id} is missing"))
            .map(|e| {
                e.expect("readable")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("pass-")),
            "{id}: no pass fixture"
        );
        assert!(
            names.iter().any(|n| n.starts_with("fail-")),
            "{id}: no fail fixture"
        );
        // Each fail fixture of a rule must fire that rule.
        for n in names.iter().filter(|n| n.starts_with("fail-")) {
            let (got, _) = found(&dir.join(n));
            assert!(
                got.iter().any(|(_, r)| r == id),
                "{id}/{n} does not fire {id}"
            );
        }
    }
}

#[test]
fn markers_are_parsed() {
    let (m, sev) = markers("a: 1\nb: 2  # expect: pdb-quorum, yaml-syntax(warning)\n");
    let want: BTreeSet<_> = [(2, "pdb-quorum".to_owned()), (2, "yaml-syntax".to_owned())]
        .into_iter()
        .collect();
    assert_eq!(m, want);
    let want_sev: BTreeSet<_> = [(2, "yaml-syntax".to_owned(), "warning".to_owned())]
        .into_iter()
        .collect();
    assert_eq!(sev, want_sev);
}

#[test]
fn examples_match_their_markers() {
    let opts = Options {
        paths: vec!["testdata/examples".to_owned()],
        ..Options::default()
    };
    let report = stslint::run(&opts).expect("examples exist");
    let got: BTreeSet<(String, usize, String)> = report
        .diagnostics
        .iter()
        .map(|d| (d.at.file_name.clone(), d.at.line, d.rule.to_owned()))
        .collect();
    let mut want = BTreeSet::new();
    for dir in ["testdata/examples/broken", "testdata/examples/fixed"] {
        for f in fs::read_dir(dir).expect("examples dir") {
            let path = f.expect("readable").path();
            let text = fs::read_to_string(&path).expect("utf-8");
            for (line, rule) in markers(&text).0 {
                want.insert((path.to_string_lossy().into_owned(), line, rule));
            }
        }
    }
    assert!(want.len() >= 10);
    assert_eq!(got, want);
}
