//! GitHub Actions workflow commands, one line per diagnostic, which the
//! runner turns into annotations on the pull request's diff:
//! `::error file=F,line=L,col=C,endLine=L2,endColumn=C2,title=stslint(RULE)::MESSAGE`.

use std::fmt::Write;

use super::{Diagnostic, RunInfo};
use crate::finding::Severity;

/// Escape a command's message: `%`, CR and LF.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value: as data, and `:` and `,` too.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(diags: &[Diagnostic], run: &RunInfo) -> String {
    let mut out = String::new();
    for d in diags {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let at = &d.at;
        let mut props = format!(
            "file={},line={}",
            property(&run.relative(&at.file_name)),
            at.line
        );
        // GitHub takes columns only for an annotation on a single line.
        if at.end_line == at.line {
            let _ = write!(
                props,
                ",col={},endLine={},endColumn={}",
                at.column, at.end_line, at.end_column
            );
        } else {
            let _ = write!(props, ",endLine={}", at.end_line);
        }
        let _ = write!(
            props,
            ",title={}",
            property(&format!("stslint({})", d.rule))
        );
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            let _ = write!(message, "\nhelp: {help}");
        }
        for r in &d.related {
            let _ = write!(
                message,
                "\n{}:{}:{}: {}",
                run.relative(&r.at.file_name),
                r.at.line,
                r.at.column,
                r.message
            );
        }
        let _ = writeln!(out, "::{command} {props}::{}", data(&message));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_runner_requires() {
        assert_eq!(data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(property("a,b:c%"), "a%2Cb%3Ac%25");
    }
}
