//! SARIF 2.1.0: one run, the rule catalogue as `tool.driver.rules`, one
//! result per diagnostic, related objects as `relatedLocations`.
//!
//! Columns are counted in Unicode code points (`columnKind`), as every other
//! stslint format counts them; `endColumn` is the column just after the span.

use serde_json::{Value, json};

use super::{Diagnostic, Position, RunInfo};
use crate::finding::Severity;
use crate::rules::{RULES, doc_url};

pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `pdb-quorum` -> `PdbQuorum`: SARIF's friendly rule name.
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn text(s: &str) -> Value {
    json!({ "text": s })
}

fn rules() -> Vec<Value> {
    RULES
        .iter()
        .map(|r| {
            let m = r.meta();
            let why = m.why.split_whitespace().collect::<Vec<_>>().join(" ");
            json!({
                "id": m.id,
                "name": pascal(m.id),
                "shortDescription": text(&format!("{}.", crate::rules::capitalise(m.summary))),
                "fullDescription": text(&why),
                "helpUri": doc_url(m.id),
                "help": {
                    "text": format!("{why}\n\nExample that fires:\n{}\nFixed:\n{}", m.bad, m.good),
                    "markdown": crate::rules::page(m),
                },
                "defaultConfiguration": { "level": level(m.severity) },
                "properties": { "tags": ["kubernetes", "statefulset"] },
            })
        })
        .collect()
}

/// The catalogue entry of a policy: a ValidatingAdmissionPolicy
/// (`vap:<name>`) or a StatefulSetPolicy (`policy/<name>`), with what the
/// run knows of it.
fn policy_rule(id: &str, info: Option<&crate::finding::PolicyInfo>) -> Value {
    let name = crate::finding::policy_name(id).unwrap_or(id);
    let vap = id.starts_with(crate::finding::POLICY_PREFIX);
    let (kind, what, severity) = if vap {
        (
            "Vap",
            format!(
                "The cluster's ValidatingAdmissionPolicy {name}, evaluated by stslint as the API server would; the severity of each result is that of its binding's validationActions."
            ),
            "error",
        )
    } else {
        (
            "Policy",
            format!(
                "The team's StatefulSetPolicy {name}; the severity of each result is the policy's own."
            ),
            "warning",
        )
    };
    let short = info.map_or_else(|| format!("{name}."), |i| i.summary.clone());
    let full = match info.and_then(|i| i.help.as_deref()) {
        Some(help) => format!("{what} {help}"),
        None => what,
    };
    let level = info.and_then(|i| i.severity).map_or(severity, level);
    let mut rule = json!({
        "id": id,
        "name": format!("{kind}{}", pascal(name)),
        "shortDescription": text(&short),
        "fullDescription": text(&full),
        "defaultConfiguration": { "level": level },
        "properties": { "tags": ["kubernetes", "policy"] },
    });
    if let Some(url) = info.and_then(|i| i.url.as_deref()) {
        rule["helpUri"] = json!(url);
    }
    rule
}

/// A fix as SARIF's `fix`: the edits as byte regions of the file, its
/// applicability in the description and the property bag.
fn sarif_fix(fix: &super::fix::PlannedFix, at: &Position, run: &RunInfo) -> Value {
    let (uri, base) = run.uri(&at.file_name);
    let mut artifact = json!({ "uri": uri });
    if let Some(base) = base {
        artifact["uriBaseId"] = json!(base);
    }
    let replacements: Vec<Value> = fix
        .edits
        .iter()
        .map(|e| {
            json!({
                "deletedRegion": { "byteOffset": e.span.start, "byteLength": e.span.len() },
                "insertedContent": { "text": e.text },
            })
        })
        .collect();
    json!({
        "description": text(&format!("{} ({})", fix.title, fix.applicability.as_str())),
        "artifactChanges": [{ "artifactLocation": artifact, "replacements": replacements }],
        "properties": { "applicability": fix.applicability.as_str() },
    })
}

fn location(at: &Position, run: &RunInfo) -> Value {
    let (uri, base) = run.uri(&at.file_name);
    let mut artifact = json!({ "uri": uri });
    if let Some(base) = base {
        artifact["uriBaseId"] = json!(base);
    }
    let mut physical = json!({
        "artifactLocation": artifact,
        "region": {
            "startLine": at.line,
            "startColumn": at.column,
            "endLine": at.end_line,
            "endColumn": at.end_column,
        },
    });
    if let Some(snippet) = run.snippet(at) {
        physical["region"]["snippet"] = text(snippet);
    }
    let mut loc = json!({ "physicalLocation": physical });
    if let Some(o) = &at.object {
        loc["logicalLocations"] = json!([{
            "fullyQualifiedName": format!("{}/{}/{}/{}", o.api_version, o.kind, o.namespace, o.name),
            "name": o.name,
            "kind": "object",
        }]);
    }
    loc
}

/// A fingerprint that survives lines moving: the rule, the object and the
/// field path (or the file and line when there is no object).
fn fingerprint(d: &Diagnostic) -> String {
    let key = match &d.at.object {
        Some(o) => format!(
            "{}\0{}\0{}\0{}\0{}\0{}",
            d.rule, o.api_version, o.kind, o.namespace, o.name, d.at.path
        ),
        None => format!("{}\0{}\0{}", d.rule, d.at.file_name, d.at.line),
    };
    // FNV-1a, 64 bits: stable across versions and platforms.
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

pub fn render(diags: &[Diagnostic], run: &RunInfo) -> String {
    // The cluster's policies found in this run follow the built-in rules.
    let mut policies: Vec<&str> = diags
        .iter()
        .map(|d| d.rule)
        .filter(|r| crate::finding::policy_name(r).is_some())
        .collect();
    policies.sort_unstable();
    policies.dedup();
    let index_of = |id: &str| {
        RULES.iter().position(|r| r.meta().id == id).or_else(|| {
            policies
                .iter()
                .position(|p| *p == id)
                .map(|i| RULES.len() + i)
        })
    };
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str(&format!(". {help}"));
            }
            let mut r = json!({
                "ruleId": d.rule,
                "level": level(d.severity),
                "message": text(&message),
                "locations": [location(&d.at, run)],
                "partialFingerprints": { "stslint/v1": fingerprint(d) },
            });
            if let Some(i) = index_of(d.rule) {
                r["ruleIndex"] = json!(i);
            }
            if let Some(fix) = d
                .fix
                .as_ref()
                .filter(|f| f.refused.is_none() && !f.edits.is_empty())
            {
                r["fixes"] = json!([sarif_fix(fix, &d.at, run)]);
            }
            if !d.related.is_empty() {
                r["relatedLocations"] = d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, rel)| {
                        let mut l = location(&rel.at, run);
                        l["id"] = json!(i + 1);
                        l["message"] = text(&rel.message);
                        l
                    })
                    .collect();
            }
            r
        })
        .collect();
    let notifications: Vec<Value> = run
        .notes
        .iter()
        .map(|n| json!({ "level": "note", "message": text(n) }))
        .collect();
    let driver = json!({
        "name": "stslint",
        "fullName": format!("stslint {}", env!("CARGO_PKG_VERSION")),
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "informationUri": env!("CARGO_PKG_REPOSITORY"),
        "rules": rules().into_iter().chain(policies.iter().map(|id| policy_rule(id, run.policies.iter().find(|p| p.id == *id)))).collect::<Vec<_>>(),
    });
    let mut sarif_run = json!({
        "tool": { "driver": driver },
        "invocations": [{
            "executionSuccessful": run.successful,
            "toolExecutionNotifications": notifications,
        }],
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(root) = run.root_uri() {
        sarif_run["originalUriBaseIds"] = json!({ "SRCROOT": { "uri": root } });
    }
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [sarif_run],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
