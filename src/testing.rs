//! `stslint test`: fixtures for policy authors. Under a directory, every
//! `fail-*.yaml` / `pass-*.yaml` file is a fixture and every other YAML
//! file holds policies. Each fixture is linted alone with the policies of
//! its own directory and the directories above it (up to the one given),
//! so `policies/<name>/` can hold one policy and its fixtures; the
//! policies' diagnostics (`vap:*`, `policy/*`, `policy-invalid`,
//! `policy-not-evaluable`, `policy-unknown-field`) must be exactly the fixture's
//! `# expect: <id>` markers, by line (so the location is tested too).
//! A fixture `DIR/NAME` is compared with the baseline `DIR/base/NAME`
//! (`oldObject`, UPDATE) when there is one.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::discover::UsageError;
use crate::{Baseline, Options};

/// One fixture's outcome.
#[derive(Debug)]
pub struct Outcome {
    pub fixture: String,
    /// (line, id, message) expected and not found.
    pub missing: Vec<(usize, String)>,
    /// (line, id, message) found and not expected.
    pub unexpected: Vec<(usize, String, String)>,
    /// A problem with the fixture itself (a pass fixture with markers...).
    pub problem: Option<String>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.problem.is_none()
    }
}

/// Everything `stslint test` ran.
#[derive(Debug, Default)]
pub struct TestReport {
    pub outcomes: Vec<Outcome>,
    /// Problems of the policies' own files (policy-invalid...): a test
    /// run fails on them too.
    pub policy_problems: Vec<String>,
}

impl TestReport {
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.passed()).count()
    }

    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed() + self.policy_problems.len()
    }
}

/// Whether a diagnostic comes from the policies.
pub fn is_policy_rule(id: &str) -> bool {
    crate::finding::policy_name(id).is_some()
        || id == "policy-invalid"
        || id == "policy-not-evaluable"
        || id == "policy-unknown-field"
}

/// The `# expect: a, b` markers of a text: (line, id).
pub fn markers(text: &str) -> BTreeSet<(usize, String)> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(pos) = line.find("# expect:") {
            for id in line[pos + "# expect:".len()..].split(',') {
                // A severity may follow in parentheses: `id(warning)`.
                let id = id.trim().split('(').next().unwrap_or("").trim();
                if !id.is_empty() {
                    out.insert((i + 1, id.to_owned()));
                }
            }
        }
    }
    out
}

fn is_yaml(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

fn fixture_kind(p: &Path) -> Option<bool> {
    let name = p.file_name()?.to_str()?;
    if name.starts_with("fail-") {
        Some(true)
    } else if name.starts_with("pass-") {
        Some(false)
    } else {
        None
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            // Baselines of fixtures are neither fixtures nor policies.
            if p.file_name().is_some_and(|n| n == "base") {
                continue;
            }
            walk(&p, out)?;
        } else if is_yaml(&p) {
            out.push(p);
        }
    }
    Ok(())
}

/// Run the fixtures under `root` against the policies under it.
pub fn run(root: &Path) -> Result<TestReport, UsageError> {
    let mut files = Vec::new();
    walk(root, &mut files)
        .map_err(|e| UsageError(format!("test: cannot read `{}`: {e}", root.display())))?;
    let (fixtures, policies): (Vec<PathBuf>, Vec<PathBuf>) =
        files.into_iter().partition(|p| fixture_kind(p).is_some());
    if fixtures.is_empty() {
        return Err(UsageError(format!(
            "test: no fixtures (fail-*.yaml, pass-*.yaml) under `{}`",
            root.display()
        )));
    }
    let mut report = TestReport::default();
    let mut problems = BTreeSet::new();
    for fixture in fixtures {
        let fail = fixture_kind(&fixture) == Some(true);
        let base = fixture
            .parent()
            .zip(fixture.file_name())
            .map(|(d, n)| d.join("base").join(n))
            .filter(|b| b.is_file());
        let dir = fixture.parent().unwrap_or(root);
        let policy_paths: Vec<String> = policies
            .iter()
            .filter(|p| p.parent().is_some_and(|d| dir.starts_with(d)))
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let opts = Options {
            paths: vec![fixture.to_string_lossy().into_owned()],
            policies: policy_paths,
            baseline: base.map(|b| Baseline::Dir(b.to_string_lossy().into_owned())),
            ..Options::default()
        };
        let run = crate::run(&opts)?;
        let name = fixture.to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&fixture).unwrap_or_default();
        let want = markers(&text);
        let mut got: Vec<(usize, String, String)> = Vec::new();
        for d in run.diagnostics.iter().filter(|d| is_policy_rule(d.rule)) {
            if d.at.file_name == name {
                got.push((d.at.line, d.rule.to_owned(), d.message.clone()));
            } else if d.severity > crate::finding::Severity::Info {
                problems.insert(format!(
                    "{}:{}:{}: {}[{}]: {}",
                    d.at.file_name, d.at.line, d.at.column, d.severity, d.rule, d.message
                ));
            }
        }
        let got_keys: BTreeSet<(usize, String)> =
            got.iter().map(|(l, r, _)| (*l, r.clone())).collect();
        let problem = match (fail, want.is_empty()) {
            (true, true) => Some("a fail fixture without `# expect:` markers".to_owned()),
            (false, false) => Some("a pass fixture with `# expect:` markers".to_owned()),
            _ => None,
        };
        report.outcomes.push(Outcome {
            fixture: name,
            missing: want.difference(&got_keys).cloned().collect(),
            unexpected: got
                .into_iter()
                .filter(|(l, r, _)| !want.contains(&(*l, r.clone())))
                .collect(),
            problem,
        });
    }
    report.policy_problems = problems.into_iter().collect();
    Ok(report)
}

/// The report as text: one line per fixture, the differences below each
/// failed one, and `N passed, N failed`.
pub fn render(report: &TestReport) -> String {
    let mut out = String::new();
    for p in &report.policy_problems {
        out.push_str(&format!("policy problem: {p}\n"));
    }
    for o in &report.outcomes {
        if o.passed() {
            out.push_str(&format!("ok      {}\n", o.fixture));
            continue;
        }
        out.push_str(&format!("FAILED  {}\n", o.fixture));
        if let Some(p) = &o.problem {
            out.push_str(&format!("        {p}\n"));
        }
        for (line, id) in &o.missing {
            out.push_str(&format!(
                "        - {}:{line}: expected {id}, not found\n",
                o.fixture
            ));
        }
        for (line, id, message) in &o.unexpected {
            out.push_str(&format!(
                "        + {}:{line}: found {id}, not expected: {message}\n",
                o.fixture
            ));
        }
    }
    out.push_str(&format!(
        "{} passed, {} failed\n",
        report.passed(),
        report.failed()
    ));
    out
}

/// The report as JUnit XML: one testcase per fixture.
pub fn junit(report: &TestReport) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"stslint test\" tests=\"{}\" failures=\"{}\">\n  <testsuite name=\"policies\" tests=\"{}\" failures=\"{}\">\n",
        report.outcomes.len() + report.policy_problems.len(),
        report.failed(),
        report.outcomes.len() + report.policy_problems.len(),
        report.failed()
    );
    for p in &report.policy_problems {
        out.push_str(&format!(
            "    <testcase name=\"policy files\" classname=\"policies\"><failure message=\"{}\"/></testcase>\n",
            esc(p)
        ));
    }
    for o in &report.outcomes {
        out.push_str(&format!(
            "    <testcase name=\"{}\" classname=\"policies\"",
            esc(&o.fixture)
        ));
        if o.passed() {
            out.push_str("/>\n");
            continue;
        }
        let mut text = String::new();
        if let Some(p) = &o.problem {
            text.push_str(&format!("{p}\n"));
        }
        for (line, id) in &o.missing {
            text.push_str(&format!("- line {line}: expected {id}, not found\n"));
        }
        for (line, id, m) in &o.unexpected {
            text.push_str(&format!("+ line {line}: found {id}, not expected: {m}\n"));
        }
        out.push_str(&format!(
            "><failure message=\"fixture does not match its markers\">{}</failure></testcase>\n",
            esc(&text)
        ));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_carry_line_and_id() {
        let m = markers("a: 1\nb: 2  # expect: vap:x, policy-invalid(error)\n");
        let want: BTreeSet<(usize, String)> =
            [(2, "vap:x".to_owned()), (2, "policy-invalid".to_owned())]
                .into_iter()
                .collect();
        assert_eq!(m, want);
    }
}
