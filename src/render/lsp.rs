//! Diagnostics as the Language Server Protocol publishes them: 0-based
//! lines, columns in UTF-16 code units, the rule id as `code`, its page as
//! `codeDescription`, related objects as `relatedInformation`.

use std::str::FromStr;

use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position as LspPosition, Range, Uri,
};

use super::{Diagnostic, Position};
use crate::finding::Severity;
use crate::load::LoadedFile;
use crate::rules::doc_url;

/// The LSP position (line, UTF-16 character) of a byte offset.
pub fn position(text: &str, offset: usize) -> LspPosition {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|b| *b == b'\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before[start..].encode_utf16().count();
    LspPosition::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(character).unwrap_or(u32::MAX),
    )
}

/// The byte offset of an LSP position (the inverse of [`position`]; a
/// position past a line's end is its end).
pub fn offset(text: &str, at: LspPosition) -> usize {
    let mut start = 0;
    for _ in 0..at.line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let mut units = 0u32;
    for (i, c) in text[start..line_end].char_indices() {
        if units >= at.character {
            return start + i;
        }
        units += u32::try_from(c.len_utf16()).unwrap_or(2);
    }
    line_end
}

/// The LSP range of a byte range of `text`.
pub fn range_of(text: &str, span: &std::ops::Range<usize>) -> Range {
    Range::new(position(text, span.start), position(text, span.end))
}

fn range(files: &[LoadedFile], at: &Position) -> Range {
    let text = files.get(at.file).map_or("", |f| f.source.text());
    range_of(text, &at.span)
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// One diagnostic as the protocol carries it. `uri` maps a file name to its
/// URI (related places without one are left out).
pub fn diagnostic(
    d: &Diagnostic,
    files: &[LoadedFile],
    uri: &dyn Fn(&str) -> Option<String>,
) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .filter_map(|r| {
            Some(DiagnosticRelatedInformation {
                location: Location::new(
                    Uri::from_str(&uri(&r.at.file_name)?).ok()?,
                    range(files, &r.at),
                ),
                message: r.message.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: range(files, &d.at),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.rule.to_owned())),
        code_description: Uri::from_str(&doc_url(d.rule))
            .ok()
            .map(|href| CodeDescription { href }),
        source: Some("stslint".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// The diagnostics located in file `file`, for `textDocument/publishDiagnostics`.
pub fn diagnostics(
    diags: &[Diagnostic],
    files: &[LoadedFile],
    file: usize,
    uri: &dyn Fn(&str) -> Option<String>,
) -> Vec<lsp_types::Diagnostic> {
    diags
        .iter()
        .filter(|d| d.at.file == file)
        .map(|d| diagnostic(d, files, uri))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{offset, position};
    use lsp_types::Position;

    #[test]
    fn columns_count_utf16_code_units() {
        let text = "a: 1\nb: \"é😀\" x\n";
        // `x` is 8 characters in, after é (1 unit, 2 bytes) and 😀 (2 units,
        // 4 bytes): character 9.
        let x = text.find(" x").expect("x") + 1;
        assert_eq!(position(text, x), Position::new(1, 9));
        assert_eq!(position(text, 0), Position::new(0, 0));
        assert_eq!(position(text, text.len()), Position::new(2, 0));
        for at in [0, 3, x, text.len()] {
            assert_eq!(offset(text, position(text, at)), at);
        }
        assert_eq!(offset(text, Position::new(0, 99)), 4);
    }
}
