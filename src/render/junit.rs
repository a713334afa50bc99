//! JUnit XML for GitLab, Jenkins and Azure Pipelines: one testsuite per
//! file, one testcase per object (and one for the file itself when a
//! diagnostic belongs to no object), one `<failure>` per diagnostic at or
//! above the fail-on severity. Diagnostics below it are listed in the
//! testcase's `<system-out>`, so the report agrees with the exit status.

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

fn case_name(o: Option<&ObjectInfo>) -> String {
    match o {
        Some(o) => format!("{} {}/{}", o.kind, o.namespace, o.name),
        None => "file".to_owned(),
    }
}

#[derive(Default)]
struct Case<'a> {
    line: Option<usize>,
    failures: Vec<&'a Diagnostic>,
    other: Vec<&'a Diagnostic>,
}

pub fn render(
    diags: &[Diagnostic],
    objects: &[(usize, ObjectInfo, usize)],
    run: &RunInfo,
    fails: &dyn Fn(Severity) -> bool,
) -> String {
    // Per file: testcase order -> (name, case). The file's own case comes
    // first, then the objects in the order they were read.
    let mut suites: Vec<BTreeMap<usize, (String, Case)>> =
        (0..run.files.len()).map(|_| BTreeMap::new()).collect();
    let mut order: HashMap<(usize, String), usize> = HashMap::new();
    for (file, info, line) in objects {
        let name = case_name(Some(info));
        let next = order.len() + 1;
        let key = *order.entry((*file, name.clone())).or_insert(next);
        if let Some(suite) = suites.get_mut(*file) {
            suite
                .entry(key)
                .or_insert_with(|| (name, Case::default()))
                .1
                .line = Some(*line);
        }
    }
    for d in diags {
        let Some(suite) = suites.get_mut(d.at.file) else {
            continue;
        };
        let name = case_name(d.at.object.as_ref());
        let next = order.len() + 1;
        let key = match &d.at.object {
            Some(_) => *order.entry((d.at.file, name.clone())).or_insert(next),
            None => 0,
        };
        let case = &mut suite
            .entry(key)
            .or_insert_with(|| (name, Case::default()))
            .1;
        case.line.get_or_insert(d.at.line);
        if fails(d.severity) {
            case.failures.push(d);
        } else {
            case.other.push(d);
        }
    }
    let tests: usize = suites.iter().map(BTreeMap::len).sum();
    let failures: usize = suites
        .iter()
        .flat_map(|s| s.values())
        .filter(|(_, c)| !c.failures.is_empty())
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"stslint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">"
    );
    for (file, suite) in suites.iter().enumerate() {
        if !run.files[file].reported() {
            continue;
        }
        let name = xml(&run.relative(&run.files[file].source.name));
        let failed = suite
            .values()
            .filter(|(_, c)| !c.failures.is_empty())
            .count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"0\">",
            suite.len()
        );
        for (case_name, case) in suite.values() {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{name}\" file=\"{name}\"",
                xml(case_name)
            );
            if let Some(line) = case.line {
                let _ = write!(out, " line=\"{line}\"");
            }
            if case.failures.is_empty() && case.other.is_empty() {
                out.push_str("/>\n");
                continue;
            }
            out.push_str(">\n");
            for d in &case.failures {
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                    xml(&d.message),
                    d.rule,
                    xml(&detail(d, run))
                );
            }
            if !case.other.is_empty() {
                let text: Vec<String> = case.other.iter().map(|d| detail(d, run)).collect();
                let _ = writeln!(
                    out,
                    "      <system-out>{}</system-out>",
                    xml(&text.join("\n"))
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
