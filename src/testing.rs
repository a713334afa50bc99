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
//!
//! A `*.test.yaml` file (kind `PolicyTest`) states cases for what markers
//! cannot say: which files to lint with which policies, params and
//! baseline, and for each (policy, object) whether the policy fails,
//! passes or does not apply (skip). The files it names are neither
//! fixtures nor policies.

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
    /// A PolicyTest case's results that differ: "expected fail, got pass".
    pub results: Vec<String>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.missing.is_empty()
            && self.unexpected.is_empty()
            && self.problem.is_none()
            && self.results.is_empty()
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
    let tests: Vec<PolicyTest> = files
        .iter()
        .filter(|p| is_test_file(p))
        .map(|p| read_policy_test(p))
        .collect::<Result<_, _>>()?;
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    let named: Vec<PathBuf> = tests
        .iter()
        .flat_map(PolicyTest::named)
        .map(|p| canonical(p))
        .collect();
    let (fixtures, policies): (Vec<PathBuf>, Vec<PathBuf>) = files
        .into_iter()
        .filter(|p| !is_test_file(p))
        .filter(|p| {
            let c = canonical(p);
            !named.iter().any(|n| c.starts_with(n))
        })
        .partition(|p| fixture_kind(p).is_some());
    if fixtures.is_empty() && tests.is_empty() {
        return Err(UsageError(format!(
            "test: no fixtures (fail-*.yaml, pass-*.yaml, *.test.yaml) under `{}`",
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
        let policy_paths = policies_for(fixture.parent().unwrap_or(root), &policies);
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
            results: Vec::new(),
        });
    }
    for test in tests {
        run_policy_test(&test, &policies, &mut report, &mut problems)?;
    }
    report.policy_problems = problems.into_iter().collect();
    Ok(report)
}

/// The policy files of directory `dir` and of the directories above it.
fn policies_for(dir: &Path, policies: &[PathBuf]) -> Vec<String> {
    policies
        .iter()
        .filter(|p| p.parent().is_some_and(|d| dir.starts_with(d)))
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

fn is_test_file(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".test.yaml") || n.ends_with(".test.yml"))
}

/// What a PolicyTest case expects of one policy on one object.
#[derive(Debug, PartialEq, Eq)]
enum Expected {
    Fail,
    Pass,
    Skip,
}

struct CaseResult {
    policy: String,
    kind: String,
    namespace: Option<String>,
    name: String,
    expected: Expected,
}

struct Case {
    name: String,
    resources: Vec<PathBuf>,
    baseline: Option<PathBuf>,
    results: Vec<CaseResult>,
}

struct PolicyTest {
    file: PathBuf,
    /// `spec.policies`; else the policies of the file's directory and
    /// those above it, as for fixtures.
    policies: Option<Vec<PathBuf>>,
    context: Vec<PathBuf>,
    cases: Vec<Case>,
}

impl PolicyTest {
    /// Every file the test names (never fixtures or policies themselves).
    fn named(&self) -> impl Iterator<Item = &PathBuf> {
        self.context.iter().chain(
            self.cases
                .iter()
                .flat_map(|c| c.resources.iter().chain(c.baseline.iter())),
        )
    }
}

/// Read a PolicyTest file; its errors name their line.
fn read_policy_test(path: &Path) -> Result<PolicyTest, UsageError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("test: cannot read `{}`: {e}", path.display())))?;
    let file = crate::source::SourceFile::new(path.display().to_string(), text);
    let (docs, problems) = crate::source::parse_source(file.text());
    let fail = |offset: usize, msg: String| {
        let (line, col) = file.line_col(offset);
        UsageError(format!("test: {}:{line}:{col}: {msg}", path.display()))
    };
    if let Some(p) = problems.first() {
        return Err(fail(p.span.start, p.message.clone()));
    }
    let root = docs
        .first()
        .and_then(|d| d.tree.as_deref())
        .and_then(|t| t.root())
        .ok_or_else(|| fail(0, "an empty PolicyTest".to_owned()))?;
    if root.get("kind").and_then(|k| k.as_scalar()) != Some("PolicyTest") {
        return Err(fail(
            root.span().start,
            "a *.test.yaml file holds `kind: PolicyTest`".to_owned(),
        ));
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let spec = root
        .get("spec")
        .ok_or_else(|| fail(root.span().start, "`spec` is missing".to_owned()))?;
    let paths = |n: Option<crate::source::Node<'_>>| -> Vec<PathBuf> {
        n.map(|l| {
            l.items()
                .iter()
                .filter_map(|i| i.as_scalar())
                .map(|p| dir.join(p))
                .collect()
        })
        .unwrap_or_default()
    };
    let mut cases = Vec::new();
    for (i, c) in spec.list("cases").into_iter().enumerate() {
        let resources = paths(c.get("resources"));
        if resources.is_empty() {
            return Err(fail(
                c.span().start,
                "a case needs `resources`: the files to lint".to_owned(),
            ));
        }
        let mut results = Vec::new();
        for r in c.list("results") {
            let field = |k: &str| r.get(k).and_then(|v| v.as_scalar()).map(str::to_owned);
            let (Some(policy), Some(object), Some(result)) =
                (field("policy"), field("object"), field("result"))
            else {
                return Err(fail(
                    r.span().start,
                    "a result needs `policy`, `object` and `result`".to_owned(),
                ));
            };
            let parts: Vec<&str> = object.split('/').collect();
            let (kind, namespace, name) = match parts.as_slice() {
                [k, n] => (k.to_string(), None, n.to_string()),
                [k, ns, n] => (k.to_string(), Some(ns.to_string()), n.to_string()),
                _ => {
                    return Err(fail(
                        r.span().start,
                        format!("`object: {object}`: write Kind/name or Kind/namespace/name"),
                    ));
                }
            };
            let expected = match result.as_str() {
                "fail" => Expected::Fail,
                "pass" => Expected::Pass,
                "skip" => Expected::Skip,
                other => {
                    return Err(fail(
                        r.span().start,
                        format!("`result: {other}`: use fail, pass or skip"),
                    ));
                }
            };
            results.push(CaseResult {
                policy,
                kind,
                namespace,
                name,
                expected,
            });
        }
        cases.push(Case {
            name: c
                .get("name")
                .and_then(|n| n.as_scalar())
                .map_or_else(|| format!("case {}", i + 1), str::to_owned),
            resources,
            baseline: c
                .get("baseline")
                .and_then(|b| b.as_scalar())
                .map(|b| dir.join(b)),
            results,
        });
    }
    if cases.is_empty() {
        return Err(fail(
            spec.span().start,
            "a PolicyTest needs `cases`".to_owned(),
        ));
    }
    Ok(PolicyTest {
        file: path.to_owned(),
        policies: spec.get("policies").map(|p| paths(Some(p))),
        context: paths(spec.get("context")),
        cases,
    })
}

fn run_policy_test(
    test: &PolicyTest,
    policies: &[PathBuf],
    report: &mut TestReport,
    problems: &mut BTreeSet<String>,
) -> Result<(), UsageError> {
    let dir = test.file.parent().unwrap_or(Path::new("."));
    let policy_paths: Vec<String> = match &test.policies {
        Some(list) => list
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect(),
        None => policies_for(dir, policies),
    };
    let lossy = |p: &PathBuf| p.to_string_lossy().into_owned();
    for case in &test.cases {
        let opts = Options {
            paths: case.resources.iter().map(lossy).collect(),
            context: test.context.iter().map(lossy).collect(),
            policies: policy_paths.clone(),
            baseline: case.baseline.as_ref().map(|b| Baseline::Dir(lossy(b))),
            trace_policies: true,
            ..Options::default()
        };
        let run = crate::run(&opts)?;
        let resources: Vec<String> = opts.paths.clone();
        for d in run.diagnostics.iter().filter(|d| is_policy_rule(d.rule)) {
            let in_resources = resources
                .iter()
                .any(|r| d.at.file_name.starts_with(r.as_str()));
            if !in_resources && d.severity > crate::finding::Severity::Info {
                problems.insert(format!(
                    "{}:{}:{}: {}[{}]: {}",
                    d.at.file_name, d.at.line, d.at.column, d.severity, d.rule, d.message
                ));
            }
        }
        let mut differ = Vec::new();
        for r in &case.results {
            let mut found = run.applied.iter().filter(|a| {
                a.rule == r.policy
                    && a.kind == r.kind
                    && a.name == r.name
                    && r.namespace.as_ref().is_none_or(|ns| *ns == a.namespace)
            });
            let got = match found.next() {
                None => Expected::Skip,
                Some(a) if a.failed => Expected::Fail,
                Some(_) => Expected::Pass,
            };
            if got != r.expected {
                let object = match &r.namespace {
                    Some(ns) => format!("{}/{ns}/{}", r.kind, r.name),
                    None => format!("{}/{}", r.kind, r.name),
                };
                let word = |e: &Expected| match e {
                    Expected::Fail => "fail",
                    Expected::Pass => "pass",
                    Expected::Skip => "skip (the policy does not apply)",
                };
                differ.push(format!(
                    "{} on {object}: expected {}, got {}",
                    r.policy,
                    word(&r.expected),
                    word(&got)
                ));
            }
        }
        report.outcomes.push(Outcome {
            fixture: format!("{} ({})", test.file.display(), case.name),
            missing: Vec::new(),
            unexpected: Vec::new(),
            problem: None,
            results: differ,
        });
    }
    Ok(())
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
        for r in &o.results {
            out.push_str(&format!("        ! {r}\n"));
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
        for r in &o.results {
            text.push_str(&format!("! {r}\n"));
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
