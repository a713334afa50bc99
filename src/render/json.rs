//! One JSON document: `{"version": 1, "diagnostics": [...], "summary": {...}}`.

use serde_json::{Value, json};

use super::{Diagnostic, Summary};

pub fn render(diags: &[Diagnostic], summary: &Summary) -> String {
    let diagnostics: Vec<Value> = diags
        .iter()
        .map(|d| {
            json!({
                "rule": d.rule,
                "url": crate::rules::doc_url(d.rule),
                "severity": d.severity.as_str(),
                "message": d.message,
                "help": d.help,
                "file": d.at.file_name,
                "line": d.at.line,
                "column": d.at.column,
                "end_line": d.at.end_line,
                "end_column": d.at.end_column,
                "path": d.at.path,
                "document": d.at.document,
                "object": d.at.object.as_ref().map(|o| json!({
                    "apiVersion": o.api_version,
                    "kind": o.kind,
                    "namespace": o.namespace,
                    "name": o.name,
                })),
                "related": d.related.iter().map(|r| json!({
                    "file": r.at.file_name,
                    "line": r.at.line,
                    "column": r.at.column,
                    "message": r.message,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = json!({
        "version": 1,
        "diagnostics": diagnostics,
        "summary": {
            "files": summary.files,
            "documents": summary.documents,
            "objects": summary.objects,
            "skipped": summary.skipped,
            "errors": summary.errors,
            "warnings": summary.warnings,
            "infos": summary.infos,
        },
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
