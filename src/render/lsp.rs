//! Diagnostics as the Language Server Protocol publishes them: 0-based
//! lines, columns in UTF-16 code units, the rule id as `code`, its page as
//! `codeDescription`, related objects as `relatedInformation`.

use serde_json::{Value, json};

use super::{Diagnostic, Position};
use crate::finding::Severity;
use crate::load::LoadedFile;
use crate::rules::doc_url;

/// The LSP position (line, UTF-16 character) of a byte offset.
pub fn position(text: &str, offset: usize) -> Value {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|b| *b == b'\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before[start..].encode_utf16().count();
    json!({ "line": line, "character": character })
}

fn range(files: &[LoadedFile], at: &Position) -> Value {
    let text = files.get(at.file).map_or("", |f| f.source.text());
    json!({
        "start": position(text, at.span.start),
        "end": position(text, at.span.end),
    })
}

fn severity(s: Severity) -> u8 {
    match s {
        Severity::Error => 1,
        Severity::Warning => 2,
        Severity::Info => 3,
    }
}

/// The diagnostics located in file `file`, for `textDocument/publishDiagnostics`.
/// `uri` maps a file name to its URI (related places without one are left out).
pub fn diagnostics(
    diags: &[Diagnostic],
    files: &[LoadedFile],
    file: usize,
    uri: &dyn Fn(&str) -> Option<String>,
) -> Vec<Value> {
    diags
        .iter()
        .filter(|d| d.at.file == file)
        .map(|d| {
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            let related: Vec<Value> = d
                .related
                .iter()
                .filter_map(|r| {
                    Some(json!({
                        "location": { "uri": uri(&r.at.file_name)?, "range": range(files, &r.at) },
                        "message": r.message,
                    }))
                })
                .collect();
            let mut v = json!({
                "range": range(files, &d.at),
                "severity": severity(d.severity),
                "code": d.rule,
                "codeDescription": { "href": doc_url(d.rule) },
                "source": "stslint",
                "message": message,
            });
            if !related.is_empty() {
                v["relatedInformation"] = Value::Array(related);
            }
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::position;
    use serde_json::json;

    #[test]
    fn columns_count_utf16_code_units() {
        let text = "a: 1\nb: \"é😀\" x\n";
        // `x` is 8 characters in, after é (1 unit, 2 bytes) and 😀 (2 units,
        // 4 bytes): character 9.
        let x = text.find(" x").expect("x") + 1;
        assert_eq!(position(text, x), json!({"line": 1, "character": 9}));
        assert_eq!(position(text, 0), json!({"line": 0, "character": 0}));
        assert_eq!(
            position(text, text.len()),
            json!({"line": 2, "character": 0})
        );
    }
}
