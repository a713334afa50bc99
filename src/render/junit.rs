//! JUnit XML for GitLab, Jenkins and Azure Pipelines: one testsuite per
//! file, one testcase per diagnostic, named by object and rule (Jenkins and
//! Azure Pipelines show only the first `<failure>` of a testcase, so no two
//! diagnostics share one), and one passing testcase per object without
//! diagnostics. Diagnostics at or above the fail-on severity are failures;
//! those below it are passing testcases that carry the diagnostic in
//! `<system-out>`, so the report agrees with the exit status.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use super::{Diagnostic, ObjectInfo, RunInfo};
use crate::finding::Severity;

/// Escape text for an XML attribute or element, dropping characters XML
/// cannot carry at all.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn object_name(o: Option<&ObjectInfo>) -> String {
    match o {
        Some(o) => format!("{} {}/{}", o.kind, o.namespace, o.name),
        None => "file".to_owned(),
    }
}

/// An object of a file (or the file itself, first) and its diagnostics.
struct Group<'a> {
    name: String,
    line: usize,
    diags: Vec<&'a Diagnostic>,
}

/// One testcase.
struct Case<'a> {
    name: String,
    line: usize,
    diag: Option<&'a Diagnostic>,
}

pub fn render(
    diags: &[Diagnostic],
    objects: &[(usize, ObjectInfo, usize)],
    run: &RunInfo,
    fails: &dyn Fn(Severity) -> bool,
) -> String {
    // Per file: order -> group. The file's own group (key 0) comes first,
    // then the objects in the order they were read.
    let mut groups: Vec<BTreeMap<usize, Group>> =
        (0..run.files.len()).map(|_| BTreeMap::new()).collect();
    let mut order: HashMap<(usize, String), usize> = HashMap::new();
    let mut key_of = |file: usize, name: &str, object: bool| {
        if !object {
            return 0;
        }
        let next = order.len() + 1;
        *order.entry((file, name.to_owned())).or_insert(next)
    };
    for (file, info, line) in objects {
        let name = object_name(Some(info));
        let key = key_of(*file, &name, true);
        if let Some(suite) = groups.get_mut(*file) {
            suite.entry(key).or_insert(Group {
                name,
                line: *line,
                diags: Vec::new(),
            });
        }
    }
    for d in diags {
        let name = object_name(d.at.object.as_ref());
        let key = key_of(d.at.file, &name, d.at.object.is_some());
        if let Some(suite) = groups.get_mut(d.at.file) {
            suite
                .entry(key)
                .or_insert(Group {
                    name,
                    line: d.at.line,
                    diags: Vec::new(),
                })
                .diags
                .push(d);
        }
    }
    // Testcases: a passing one per clean object, one per diagnostic. A
    // name repeated in a file (one rule twice on an object) gets `#2`.
    let suites: Vec<Vec<Case>> = groups
        .iter()
        .map(|suite| {
            let mut seen: HashMap<String, usize> = HashMap::new();
            let mut cases = Vec::new();
            for g in suite.values() {
                if g.diags.is_empty() {
                    cases.push(Case {
                        name: g.name.clone(),
                        line: g.line,
                        diag: None,
                    });
                }
                for d in &g.diags {
                    let mut name = format!("{}: {}", g.name, d.rule);
                    let n = seen.entry(name.clone()).or_insert(0);
                    *n += 1;
                    if *n > 1 {
                        let _ = write!(name, " #{n}");
                    }
                    cases.push(Case {
                        name,
                        line: d.at.line,
                        diag: Some(d),
                    });
                }
            }
            cases
        })
        .collect();
    let failed = |c: &Case| c.diag.is_some_and(|d| fails(d.severity));
    let reported = || {
        suites
            .iter()
            .enumerate()
            .filter(|(file, _)| run.files[*file].reported())
    };
    let tests: usize = reported().map(|(_, s)| s.len()).sum();
    let failures: usize = reported()
        .map(|(_, s)| s.iter().filter(|c| failed(c)).count())
        .sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"stslint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">"
    );
    for (file, cases) in reported() {
        let name = xml(&run.relative(&run.files[file].source.name));
        let _ = writeln!(
            out,
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
            cases.len(),
            cases.iter().filter(|c| failed(c)).count()
        );
        for case in cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{name}\" file=\"{name}\" line=\"{}\"",
                xml(&case.name),
                case.line
            );
            let Some(d) = case.diag else {
                out.push_str("/>\n");
                continue;
            };
            out.push_str(">\n");
            if fails(d.severity) {
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                    xml(&d.message),
                    d.rule,
                    xml(&detail(d, run))
                );
            } else {
                let _ = writeln!(
                    out,
                    "      <system-out>{}</system-out>",
                    xml(&detail(d, run))
                );
            }
            out.push_str("    </testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// `file:line:col: severity[rule]: message`, the help and related places.
fn detail(d: &Diagnostic, run: &RunInfo) -> String {
    let mut s = format!(
        "{}:{}:{}: {}[{}]: {}",
        run.relative(&d.at.file_name),
        d.at.line,
        d.at.column,
        d.severity,
        d.rule,
        d.message
    );
    for r in &d.related {
        let _ = write!(
            s,
            "\n  {}:{}:{}: {}",
            run.relative(&r.at.file_name),
            r.at.line,
            r.at.column,
            r.message
        );
    }
    if let Some(help) = &d.help {
        let _ = write!(s, "\n  help: {help}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_carry() {
        assert_eq!(xml("a<b>&\"c'\0"), "a&lt;b&gt;&amp;&quot;c&apos;\u{fffd}");
    }
}
