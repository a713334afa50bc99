//! Edits on the text of a document, planned from its spanned tree: a fix's
//! operation on a field path becomes byte edits that change that field and
//! nothing else, in the file's own style (indentation, quoting, flow or
//! block, line endings), so that comments and layout survive. Scalars are
//! written by the YAML 1.1 rules the loader reads with: a string that
//! kubectl would read as something else (`yes`, `0644`, `y`, `1_000`) is
//! quoted.

use std::ops::Range;

use serde_json::Value;

use super::locate::Seg;
use super::tree::{Node, NodeKind, Tag};
use super::yaml11::{key_string, resolve_plain};

/// Replace `span` of the file with `text` (an insertion when `span` is
/// empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub span: Range<usize>,
    pub text: String,
}

/// What to do at a field path.
#[derive(Debug, Clone, Copy)]
pub enum Op<'v> {
    /// Quote the plain scalar there: its text becomes a string.
    Quote,
    /// Set the scalar there to a value.
    Set(&'v Value),
    /// Add `key: value` to the mapping there (the key must be absent).
    Insert(&'v str, &'v Value),
    /// Remove the entry or item there.
    Remove,
    /// Add an item at the end of the sequence there.
    Append(&'v Value),
    /// Add a document after the one `root` is (the path must be empty).
    AddDocument(&'v Value),
}

/// How a scalar is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Block,
}

/// A node on the path, with the key it is under (for a mapping entry) and
/// its parent.
struct Step<'a> {
    node: Node<'a>,
    key: Option<Node<'a>>,
    parent: Option<Node<'a>>,
}

/// The node at `path` under `root`, refusing what an edit must not touch:
/// a path through an alias (its records copy the anchor's, so an edit
/// would land on the anchor and change every use) or a merge key.
fn walk<'a>(root: Node<'a>, path: &[Seg]) -> Result<Step<'a>, String> {
    let mut at = Step {
        node: root,
        key: None,
        parent: None,
    };
    for seg in path {
        let parent = at.node;
        let (key, node) = match (seg, parent.kind()) {
            (Seg::Key(want), NodeKind::Map(entries)) => {
                let found = entries
                    .iter()
                    .filter(|(k, _)| key_string(k) == *want)
                    .last();
                match found {
                    Some((k, v)) => (Some(k), v),
                    None => return Err(format!("`{want}` is not written here")),
                }
            }
            (Seg::Index(i), NodeKind::Seq(items)) => match items.get(*i) {
                Some(n) => (None, n),
                None => return Err(format!("there is no item {i}")),
            },
            _ => return Err("the path does not lead through this document".to_owned()),
        };
        let inside = |n: &Node<'_>| {
            n.span().start >= parent.span().start && n.span().end <= parent.span().end
        };
        if !inside(&node) || key.as_ref().is_some_and(|k| !inside(k)) {
            return Err("the field is written through an alias (`*anchor`)".to_owned());
        }
        at = Step {
            node,
            key,
            parent: Some(parent),
        };
    }
    Ok(at)
}

/// The scalar at `path` as written (what quoting it makes its value).
pub fn written(root: Node<'_>, path: &[Seg]) -> Option<String> {
    let n = walk(root, path).ok()?.node;
    n.scalar().map(|s| s.value.to_owned())
}

fn text<'a>(n: &Node<'a>, r: Range<usize>) -> Result<&'a str, String> {
    n.text_at(r)
        .ok_or_else(|| "the text is not at hand".to_owned())
}

fn style(n: &Node<'_>) -> Style {
    match n.text_at(n.span()).and_then(|t| t.chars().next()) {
        Some('"') => Style::Double,
        Some('\'') => Style::Single,
        // A block scalar's span starts at its content, after the `|`.
        _ if n.scalar().is_some_and(|s| !s.plain) => Style::Block,
        _ => Style::Plain,
    }
}

/// The offset where the line holding `at` starts.
fn line_start(n: &Node<'_>, at: usize) -> usize {
    let start = n.text_start();
    n.text_at(start..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(start, |i| start + i + 1)
}

/// The offset of the end of the line holding `at` (before its `\r\n` or
/// `\n`), and the line ending the file uses there.
fn line_end(n: &Node<'_>, at: usize) -> (usize, &'static str) {
    let rest = n.text_from(at).unwrap_or("");
    match rest.find('\n') {
        Some(i) if i > 0 && rest.as_bytes()[i - 1] == b'\r' => (at + i - 1, "\r\n"),
        Some(i) => (at + i, "\n"),
        None => (at + rest.len(), "\n"),
    }
}

/// Where a node's content ends: a block scalar's span runs over the blank
/// and comment lines after it.
fn content_end(n: &Node<'_>) -> usize {
    let span = n.span();
    match (style(n), n.text_at(span.clone())) {
        (Style::Block, Some(t)) => span.start + t.trim_end().len(),
        _ => span.end,
    }
}

/// Whether the document is written in JSON (or flow style throughout):
/// new text is then JSON too.
fn is_flow(n: &Node<'_>) -> bool {
    matches!(
        n.text_at(n.span()).and_then(|t| t.chars().next()),
        Some('{' | '[')
    )
}

/// Whether a document's text is JSON: an object whose first key is quoted.
fn is_json(doc: &str) -> bool {
    doc.trim_start()
        .strip_prefix('{')
        .is_some_and(|rest| rest.trim_start().starts_with(['"', '}']))
}

/// The offset of a flow collection's closing bracket, and whether the
/// document is JSON (new text is then JSON too).
fn flow_end(root: &Node<'_>, n: &Node<'_>, closer: &str) -> Result<(usize, bool), String> {
    let close = n.span().end.saturating_sub(1);
    if text(n, close..n.span().end)? != closer {
        return Err("the collection's end is not at hand".to_owned());
    }
    let json = is_json(text(root, root.span())?);
    Ok((close, json))
}

/// Whether `s` can be written as a plain scalar and be read back as that
/// same string (by YAML 1.1, as kubectl reads).
pub fn plain_ok(s: &str, in_flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let indicator = "-?:,[]{}#&*!|>'\"%@`".contains(first)
        && !(matches!(first, '-' | '?' | ':') && s.len() > 1 && !s[1..].starts_with(' '));
    !indicator
        && s.trim() == s
        && !s.contains(": ")
        && !s.ends_with(':')
        && !s.contains(" #")
        && !s.chars().any(|c| c.is_control())
        && !(in_flow && s.contains([',', '[', ']', '{', '}']))
        // Infinity and NaN have no JSON value, so the resolver keeps them
        // as text, but YAML 1.1 reads them as floats.
        && !matches!(s.trim_start_matches(['+', '-']).to_ascii_lowercase().as_str(), ".inf" | ".nan")
        && resolve_plain(s) == Value::String(s.to_owned())
}

/// A value as YAML text on one line: a plain scalar when it reads back as
/// the same value, else JSON (a double-quoted string, a flow collection).
pub fn scalar_text(v: &Value, in_flow: bool) -> String {
    match v {
        Value::String(s) if plain_ok(s, in_flow) => s.clone(),
        other => other.to_string(),
    }
}

/// A value on one line, in flow style: JSON (`{"app": "db"}`) for a JSON
/// document, else YAML with scalars quoted only where they must be
/// (`{app: db}`, `[a, b]`).
fn flow_text(v: &Value, json: bool) -> String {
    let scalar = |v: &Value| {
        if json {
            v.to_string()
        } else {
            scalar_text(v, true)
        }
    };
    match v {
        Value::Object(m) => {
            let entries: Vec<String> = m
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{}: {}",
                        scalar(&Value::String(k.clone())),
                        flow_text(v, json)
                    )
                })
                .collect();
            format!("{{{}}}", entries.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|i| flow_text(i, json)).collect();
            format!("[{}]", items.join(", "))
        }
        _ => scalar(v),
    }
}

/// A value in the style of the scalar it replaces: a quoted string stays
/// quoted the same way.
fn restyled(v: &Value, was: Style, in_flow: bool) -> String {
    match (v, was) {
        (Value::String(s), Style::Single) if !s.contains('\n') => {
            format!("'{}'", s.replace('\'', "''"))
        }
        (Value::String(s), Style::Double) => Value::String(s.clone()).to_string(),
        _ => scalar_text(v, in_flow),
    }
}

/// How new block text is laid out: the line ending, and how far a
/// sequence's dashes sit right of the key that holds it (0 for the
/// indentless style kubectl writes, 2 for the indented one).
#[derive(Clone, Copy)]
struct Layout<'a> {
    nl: &'a str,
    seq: usize,
}

/// The document's own sequence style: the first block sequence under a
/// key decides; without one, indented.
fn seq_indent(root: &Node<'_>) -> usize {
    fn find(n: &Node<'_>) -> Option<usize> {
        match n.kind() {
            NodeKind::Map(entries) => entries.iter().find_map(|(k, v)| {
                let NodeKind::Seq(items) = v.kind() else {
                    return find(&v);
                };
                if is_flow(&v) {
                    return None;
                }
                match items.iter().next() {
                    Some(first) => {
                        let start = first.span().start;
                        let lead = v.text_at(line_start(&v, start)..start)?;
                        let dash = lead.rfind('-')?;
                        let key = k.span().start - line_start(&k, k.span().start);
                        Some(dash.saturating_sub(key).min(2)).filter(|_| dash >= key)
                    }
                    None => None,
                }
            }),
            NodeKind::Seq(items) => items.iter().find_map(|i| find(&i)),
            NodeKind::Scalar(_) => None,
        }
    }
    find(root).unwrap_or(2)
}

/// `key: value` for a block mapping at `indent`, a nested mapping or list
/// on the lines below it.
fn block_entry(key: &str, v: &Value, indent: usize, l: Layout<'_>) -> String {
    let pad = " ".repeat(indent);
    let key = scalar_text(&Value::String(key.to_owned()), false);
    match v {
        Value::Object(m) if !m.is_empty() => {
            let mut out = format!("{pad}{key}:");
            for (k, v) in m {
                out.push_str(l.nl);
                out.push_str(&block_entry(k, v, indent + 2, l));
            }
            out
        }
        Value::Array(items) if !items.is_empty() => {
            let mut out = format!("{pad}{key}:");
            for item in items {
                out.push_str(l.nl);
                out.push_str(&block_item(item, indent + l.seq, l));
            }
            out
        }
        _ => format!("{pad}{key}: {}", scalar_text(v, false)),
    }
}

/// `- item` of a block sequence whose dashes are at `dash`; a mapping's
/// first key shares the dash's line, the others align with it.
fn block_item(v: &Value, dash: usize, l: Layout<'_>) -> String {
    let pad = " ".repeat(dash);
    match v {
        Value::Object(m) if !m.is_empty() => {
            let mut out = String::new();
            for (i, (k, v)) in m.iter().enumerate() {
                let entry = block_entry(k, v, dash + 2, l);
                if i == 0 {
                    out.push_str(&format!("{pad}- {}", &entry[dash + 2..]));
                } else {
                    out.push_str(l.nl);
                    out.push_str(&entry);
                }
            }
            out
        }
        _ => format!("{pad}- {}", scalar_text(v, false)),
    }
}

/// Where the content of a block collection ends: at its last scalar (a
/// block scalar's span runs over the blank and comment lines after it).
fn deep_end(n: &Node<'_>) -> usize {
    if is_flow(n) {
        return n.span().end;
    }
    match n.kind() {
        NodeKind::Map(entries) => entries.last().map_or(n.span().end, |(_, v)| deep_end(&v)),
        NodeKind::Seq(items) => items.last().map_or(n.span().end, |i| deep_end(&i)),
        NodeKind::Scalar(_) => content_end(n),
    }
}

/// The byte edits that perform `op` at `path` of the document `root`.
pub fn plan(root: Node<'_>, path: &[Seg], op: Op<'_>) -> Result<Vec<TextEdit>, String> {
    let at = walk(root, path)?;
    let n = at.node;
    let in_flow = is_flow(&root) || at.parent.is_some_and(|p| is_flow(&p));
    let span = n.span();
    match op {
        Op::Quote => {
            let Some(s) = n.scalar() else {
                return Err("the field is not a scalar".to_owned());
            };
            if style(&n) != Style::Plain || s.tag != Tag::None {
                return Err("the value is already quoted or tagged".to_owned());
            }
            let raw = text(&n, span.clone())?;
            if raw.starts_with('*') || raw.contains('\n') || raw != s.value {
                return Err("the value is an alias or spans lines".to_owned());
            }
            if s.value.contains(['"', '\\']) {
                let json = Value::String(s.value.to_owned()).to_string();
                return Ok(vec![TextEdit { span, text: json }]);
            }
            Ok(vec![
                TextEdit {
                    span: span.start..span.start,
                    text: "\"".to_owned(),
                },
                TextEdit {
                    span: span.end..span.end,
                    text: "\"".to_owned(),
                },
            ])
        }
        Op::Set(v) => {
            if n.scalar().is_none() {
                return Err("the field is not a scalar".to_owned());
            }
            let was = style(&n);
            if was == Style::Block || text(&n, span.clone())?.starts_with('*') {
                return Err("the value is a block scalar or an alias".to_owned());
            }
            Ok(vec![TextEdit {
                span,
                text: restyled(v, was, in_flow),
            }])
        }
        Op::Insert(key, v) => {
            let NodeKind::Map(entries) = n.kind() else {
                return Err("the field is not a mapping".to_owned());
            };
            if entries.iter().any(|(k, _)| key_string(&k) == key) {
                return Err(format!("`{key}` is written already"));
            }
            if is_flow(&n) {
                let (close, json) = flow_end(&root, &n, "}")?;
                let k = flow_text(&Value::String(key.to_owned()), json);
                let value = flow_text(v, json);
                let Some((lk, lv)) = entries.last() else {
                    return Ok(vec![TextEdit {
                        span: close..close,
                        text: format!("{k}: {value}"),
                    }]);
                };
                let after = lv.span().end;
                let gap = text(&n, after..close)?;
                let text = if gap.contains('\n') {
                    // A mapping over several lines (pretty JSON): a line of
                    // its own, at the last key's indentation.
                    let (_, nl) = line_end(&n, lk.span().start);
                    let pad = lk.span().start - line_start(&n, lk.span().start);
                    format!(",{nl}{}{k}: {value}", " ".repeat(pad))
                } else {
                    format!(", {k}: {value}")
                };
                return Ok(vec![TextEdit {
                    span: after..after,
                    text,
                }]);
            }
            let Some((first, _)) = entries.first() else {
                return Err("the mapping is empty".to_owned());
            };
            let Some((_, last)) = entries.last() else {
                return Err("the mapping is empty".to_owned());
            };
            let indent = first.span().start - line_start(&n, first.span().start);
            Ok(lines_after(&root, &last, |l| {
                block_entry(key, v, indent, l)
            }))
        }
        Op::Remove => {
            let Some(parent) = at.parent else {
                return Err("a document is not removed".to_owned());
            };
            if is_flow(&parent) {
                return Err("entries of flow collections are not removed".to_owned());
            }
            let first = at.key.as_ref().map_or(span.start, |k| k.span().start);
            let start = line_start(&n, first);
            let lead = text(&n, start..first)?;
            let only_indent = match at.key {
                Some(_) => lead.trim().is_empty(),
                // An item: its dash and the indentation before it.
                None => lead.trim() == "-",
            };
            if !only_indent {
                return Err("the entry shares its line with another".to_owned());
            }
            let siblings = match parent.kind() {
                NodeKind::Map(e) => e.len(),
                NodeKind::Seq(i) => i.len(),
                NodeKind::Scalar(_) => 0,
            };
            if siblings < 2 {
                return Err("the entry is the only one of its collection".to_owned());
            }
            // Through the end of its last line, and that line's ending.
            let (end, nl) = line_end(&n, deep_end(&n));
            let end = match n.text_at(end..end + nl.len()) {
                Some(t) if t == nl => end + nl.len(),
                _ => end,
            };
            Ok(vec![TextEdit {
                span: start..end,
                text: String::new(),
            }])
        }
        Op::Append(v) => {
            let NodeKind::Seq(items) = n.kind() else {
                return Err("the field is not a list".to_owned());
            };
            if is_flow(&n) {
                let (close, json) = flow_end(&root, &n, "]")?;
                let item = flow_text(v, json);
                return Ok(match items.iter().last() {
                    Some(last) => vec![TextEdit {
                        span: last.span().end..last.span().end,
                        text: format!(", {item}"),
                    }],
                    None => vec![TextEdit {
                        span: close..close,
                        text: item,
                    }],
                });
            }
            let Some(first) = items.iter().next() else {
                return Err("the list is empty".to_owned());
            };
            let start = first.span().start;
            let lead = text(&n, line_start(&n, start)..start)?;
            let Some(dash) = lead.rfind('-') else {
                return Err("the list's first item is not on a line of its own".to_owned());
            };
            if !lead[..dash].trim().is_empty() {
                return Err("the list's first item shares its line".to_owned());
            }
            Ok(lines_after(&root, &n, |l| block_item(v, dash, l)))
        }
        Op::AddDocument(v) => {
            if !path.is_empty() {
                return Err("a document is added after a whole document only".to_owned());
            }
            if is_flow(&root) {
                return Err(
                    "a JSON file holds one document: add the object in a file of its own"
                        .to_owned(),
                );
            }
            let Value::Object(m) = v else {
                return Err("a document must be a mapping".to_owned());
            };
            Ok(lines_after(&root, &root, |l| {
                let mut out = "---".to_owned();
                for (k, v) in m {
                    out.push_str(l.nl);
                    out.push_str(&block_entry(k, v, 0, l));
                }
                out
            }))
        }
    }
}

/// New lines after the last line of `after`, in the layout of the document
/// `root`.
fn lines_after(
    root: &Node<'_>,
    after: &Node<'_>,
    lines: impl FnOnce(Layout<'_>) -> String,
) -> Vec<TextEdit> {
    let (end, nl) = line_end(after, deep_end(after));
    let l = Layout {
        nl,
        seq: seq_indent(root),
    };
    vec![TextEdit {
        span: end..end,
        text: format!("{nl}{}", lines(l)),
    }]
}

/// `text` with `edits` applied (their spans are offsets of `text` plus
/// `base`, in order and disjoint).
pub fn apply(text: &str, base: usize, edits: &[TextEdit]) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in edits {
        let start = e.span.start.checked_sub(base)?;
        let end = e.span.end.checked_sub(base)?;
        if start < at || end < start {
            return None;
        }
        out.push_str(text.get(at..start)?);
        out.push_str(&e.text);
        at = end;
    }
    out.push_str(text.get(at..)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_scalars_are_those_that_read_back_as_strings() {
        for s in ["postgres", "10Gi", "a-b", "1.2.3", "-x", "http://x", "a:b"] {
            assert!(plain_ok(s, false), "{s}");
        }
        for s in [
            "", "yes", "y", "n", "on", "0644", "1_000", "8080", "true", "~", "null", "- x", "a: b",
            "a #b", " x", "*x", "&x", "!x", "{x", "'x", "\"x", "x:", "1e3", ".inf",
        ] {
            assert!(!plain_ok(s, false), "{s}");
        }
        assert!(plain_ok("a,b", false));
        assert!(!plain_ok("a,b", true));
        assert_eq!(scalar_text(&Value::from("yes"), false), "\"yes\"");
        assert_eq!(scalar_text(&Value::from(3), false), "3");
        assert_eq!(scalar_text(&Value::from("gp3"), false), "gp3");
    }
}
