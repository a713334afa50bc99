//! The human format: a miette report per diagnostic, then a summary line.

use std::fmt;

use miette::{
    Diagnostic as MietteDiagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan,
    MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::{Diagnostic, Summary};
use crate::finding::Severity;
use crate::load::LoadedFile;

/// A file's text under its display name, borrowed.
struct Src<'a> {
    name: &'a str,
    text: &'a str,
}

impl SourceCode for Src<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        // miette counts the column in bytes; every other format counts
        // characters, and so does this header.
        let at = span.offset();
        let column = self
            .text
            .get(at.saturating_sub(inner.column())..at)
            .map_or(inner.column(), |before| before.chars().count());
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_owned(),
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
        )))
    }
}

struct Report<'a> {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    src: Src<'a>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report<'a>>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl MietteDiagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn MietteDiagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn MietteDiagnostic),
        ))
    }
}

fn span(r: &std::ops::Range<usize>) -> SourceSpan {
    (r.start, r.end.saturating_sub(r.start)).into()
}

fn build<'a>(d: &Diagnostic, files: &'a [LoadedFile]) -> Report<'a> {
    // A finding placed on a Helm template shows the rendered snippet, and
    // the template in a note.
    let at = super::helm::rendered(d);
    let f = &files[at.file];
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        at.missing
            .as_ref()
            .map(|m| format!("`{m}` is missing here")),
        span(&at.span),
    )];
    // A note of its own, shown after the report: its header names the
    // place, so the label does not repeat the message.
    let note = |message: &str, place: &super::Position| {
        let nf = &files[place.file];
        Report {
            message: message.to_owned(),
            code: Some("note".to_owned()),
            severity: miette::Severity::Advice,
            help: None,
            src: Src {
                name: &nf.source.name,
                text: nf.source.text(),
            },
            labels: vec![LabeledSpan::new_primary_with_span(None, span(&place.span))],
            related: Vec::new(),
        }
    };
    let mut related = Vec::new();
    if d.rendered.is_some() {
        related.push(note("the template that renders it", &d.at));
    }
    for r in &d.related {
        if r.at.file == at.file {
            labels.push(LabeledSpan::new_with_span(
                Some(r.message.clone()),
                span(&r.at.span),
            ));
        } else {
            related.push(note(&r.message, &r.at));
        }
    }
    Report {
        message: d.message.clone(),
        code: Some(format!("{}[{}]", d.severity, d.rule)),
        severity: match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        },
        help: with_fix(d),
        src: Src {
            name: &f.source.name,
            text: f.source.text(),
        },
        labels,
        related,
    }
}

/// The help line, and the fix on a line of its own: how to apply it, or
/// why it cannot be.
fn with_fix(d: &Diagnostic) -> Option<String> {
    use crate::finding::Applicability;
    let fix = d.fix.as_ref().map(|f| match (&f.refused, f.applicability) {
        (Some(why), _) => format!("fix not available ({why}): {}", f.title),
        (None, Applicability::Safe) => format!("fix (safe, --fix applies it): {}", f.title),
        (None, Applicability::Unsafe) => {
            format!("fix (unsafe, --fix --unsafe-fixes applies it): {}", f.title)
        }
        (None, Applicability::DisplayOnly) => format!("suggestion: {}", f.title),
    });
    match (d.help.clone(), fix) {
        (Some(h), Some(f)) => Some(format!("{h}\n{f}")),
        (h, f) => h.or(f),
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

pub fn summary_line(s: &Summary) -> String {
    let mut line = format!(
        "{}, {}",
        plural(s.errors, "error"),
        plural(s.warnings, "warning")
    );
    if s.infos > 0 {
        line.push_str(&format!(", {}", plural(s.infos, "info")));
    }
    line.push_str(&format!(
        " in {} ({}",
        plural(s.files, "file"),
        plural(s.objects, "object")
    ));
    if s.skipped > 0 {
        line.push_str(&format!(
            ", {} skipped",
            crate::text::count(
                s.skipped,
                "non-Kubernetes document",
                "non-Kubernetes documents"
            )
        ));
    }
    line.push(')');
    line
}

pub fn render(
    diags: &[Diagnostic],
    files: &[LoadedFile],
    summary: &Summary,
    color: bool,
) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(120)
        .with_links(false)
        .with_context_lines(1);
    let mut out = String::new();
    for d in diags {
        let mut report = build(d, files);
        let notes = std::mem::take(&mut report.related);
        let mut s = String::new();
        if handler.render_report(&mut s, &report).is_err() {
            s = format!(
                "{}:{}:{}: {}[{}]: {}\n",
                d.at.file_name, d.at.line, d.at.column, d.severity, d.rule, d.message
            );
        }
        // What each note says when it cannot be drawn.
        let at = super::helm::rendered(d);
        let template = d
            .rendered
            .as_ref()
            .map(|_| ("the template that renders it", &d.at));
        let plain: Vec<(&str, &super::Position)> = template
            .into_iter()
            .chain(
                d.related
                    .iter()
                    .filter(|r| r.at.file != at.file)
                    .map(|r| (r.message.as_str(), &r.at)),
            )
            .collect();
        for (note, (message, place)) in notes.iter().zip(plain) {
            let mut n = String::new();
            if handler.render_report(&mut n, note).is_err() {
                n = format!(
                    "  note: {} ({}:{}:{})\n",
                    message, place.file_name, place.line, place.column
                );
            }
            s.push('\n');
            s.push_str(&n);
        }
        out.push_str(&s);
        out.push('\n');
    }
    out.push_str(&summary_line(summary));
    out.push('\n');
    out.push_str(&fixable_line(diags));
    out
}

/// `2 fixable with --fix (1 more with --unsafe-fixes)`, when any is.
pub fn fixable_line(diags: &[Diagnostic]) -> String {
    use crate::finding::Applicability;
    let count = |a| {
        diags
            .iter()
            .filter(|d| d.fix.as_ref().is_some_and(|f| f.applies(a)))
            .count()
    };
    let safe = count(Applicability::Safe);
    let unsafe_only = count(Applicability::Unsafe) - safe;
    match (safe, unsafe_only) {
        (0, 0) => String::new(),
        (0, u) => format!("{u} fixable with --fix --unsafe-fixes\n"),
        (n, 0) => format!("{n} fixable with --fix\n"),
        (n, u) => format!("{n} fixable with --fix ({u} more with --unsafe-fixes)\n"),
    }
}
