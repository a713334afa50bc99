//! `{file}:{line}:{column}: {severity}[{rule}]: {message}`, one per line.

use std::fmt::Write;

use super::Diagnostic;

pub fn render(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}]: {}",
            d.at.file_name, d.at.line, d.at.column, d.severity, d.rule, d.message
        );
    }
    out
}
