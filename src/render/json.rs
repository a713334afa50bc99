//! One JSON document: `{"version": 1, "diagnostics": [...], "summary": {...}}`.
//!
//! Serialized from borrowed structs (no intermediate `serde_json::Value`);
//! keys are in alphabetical order, as consumers of earlier versions saw them.

use serde::Serialize;

use super::{Diagnostic, Summary};

#[derive(Serialize)]
struct Doc<'a> {
    diagnostics: Vec<Diag<'a>>,
    summary: Counts,
    version: u32,
}

#[derive(Serialize)]
struct Diag<'a> {
    column: usize,
    document: Option<usize>,
    end_column: usize,
    end_line: usize,
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<FixJson<'a>>,
    help: Option<&'a str>,
    line: usize,
    message: &'a str,
    object: Option<Obj<'a>>,
    path: &'a str,
    related: Vec<Related<'a>>,
    rule: &'a str,
    severity: &'a str,
    url: String,
}

/// A diagnostic's fix: byte edits of its file (`start`..`end` replaced by
/// `text`), or why it cannot be applied.
#[derive(Serialize)]
struct FixJson<'a> {
    applicability: &'a str,
    edits: Vec<EditJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refused: Option<&'a str>,
    title: &'a str,
}

#[derive(Serialize)]
struct EditJson<'a> {
    end: usize,
    start: usize,
    text: &'a str,
}

#[derive(Serialize)]
struct Obj<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    kind: &'a str,
    name: &'a str,
    namespace: &'a str,
}

#[derive(Serialize)]
struct Related<'a> {
    column: usize,
    file: &'a str,
    line: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct Counts {
    documents: usize,
    errors: usize,
    files: usize,
    infos: usize,
    objects: usize,
    skipped: usize,
    warnings: usize,
}

pub fn render(diags: &[Diagnostic], summary: &Summary) -> String {
    let diagnostics = diags
        .iter()
        .map(|d| Diag {
            column: d.at.column,
            document: d.at.document,
            end_column: d.at.end_column,
            end_line: d.at.end_line,
            file: &d.at.file_name,
            fix: d.fix.as_ref().map(|f| FixJson {
                applicability: f.applicability.as_str(),
                edits: f
                    .edits
                    .iter()
                    .map(|e| EditJson {
                        end: e.span.end,
                        start: e.span.start,
                        text: &e.text,
                    })
                    .collect(),
                refused: f.refused.as_deref(),
                title: &f.title,
            }),
            help: d.help.as_deref(),
            line: d.at.line,
            message: &d.message,
            object: d.at.object.as_ref().map(|o| Obj {
                api_version: &o.api_version,
                kind: &o.kind,
                name: &o.name,
                namespace: &o.namespace,
            }),
            path: &d.at.path,
            related: d
                .related
                .iter()
                .map(|r| Related {
                    column: r.at.column,
                    file: &r.at.file_name,
                    line: r.at.line,
                    message: &r.message,
                })
                .collect(),
            rule: d.rule,
            severity: d.severity.as_str(),
            url: crate::rules::doc_url(d.rule),
        })
        .collect();
    let doc = Doc {
        diagnostics,
        summary: Counts {
            documents: summary.documents,
            errors: summary.errors,
            files: summary.files,
            infos: summary.infos,
            objects: summary.objects,
            skipped: summary.skipped,
            warnings: summary.warnings,
        },
        version: 1,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
