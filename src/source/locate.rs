//! Mapping a field path inside a document to a source span.

use std::ops::Range;

use super::tree::{Node, NodeKind};
use super::yaml11::key_string;

/// One step of a field path: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Where a path landed.
#[derive(Debug, Clone)]
pub struct Located {
    /// The span to put the label on (first line only).
    pub span: Range<usize>,
    /// False when the path ends at a missing field and the span is that of
    /// its nearest existing ancestor.
    pub exact: bool,
    /// The first key of the path that does not exist, if any.
    pub missing: Option<String>,
}

/// The entry `want` of a map (the last one, as kubectl keeps).
fn find_key<'a>(node: Node<'a>, want: &str) -> Option<(Node<'a>, Node<'a>)> {
    match node.kind() {
        NodeKind::Map(entries) => entries.iter().filter(|(k, _)| key_matches(k, want)).last(),
        _ => None,
    }
}

fn step<'a>(node: Node<'a>, seg: &Seg) -> Option<(Range<usize>, Node<'a>)> {
    match seg {
        Seg::Key(want) => find_key(node, want).map(|(k, v)| (entry_label(&k, &v), v)),
        Seg::Index(i) => match node.kind() {
            NodeKind::Seq(items) => items.get(*i).map(|n| (item_label(&n), n)),
            _ => None,
        },
    }
}

/// Find the span for `path` under `root`.
pub fn locate(root: Node<'_>, path: &[Seg]) -> Located {
    let mut node = root;
    // The label for the deepest node reached so far.
    let mut label = object_label(&root);
    let mut exact = true;
    let mut missing = None;
    for seg in path {
        match step(node, seg) {
            Some((l, n)) => {
                label = l;
                node = n;
            }
            None => {
                exact = false;
                missing = Some(match seg {
                    Seg::Key(k) => k.clone(),
                    Seg::Index(i) => format!("[{i}]"),
                });
                break;
            }
        }
    }
    Located {
        span: first_line(root, label),
        exact,
        missing,
    }
}

/// The node at `path` under `root`, if it exists.
pub fn descend<'a>(root: Node<'a>, path: &[Seg]) -> Option<Node<'a>> {
    let mut node = root;
    for seg in path {
        node = step(node, seg)?.1;
    }
    Some(node)
}

fn key_matches(k: &Node<'_>, want: &str) -> bool {
    match k.as_scalar() {
        Some(s) if s == want => true,
        Some(_) => key_string(k) == want,
        None => false,
    }
}

fn entry_label(k: &Node<'_>, v: &Node<'_>) -> Range<usize> {
    match v.kind() {
        NodeKind::Scalar(_) if v.span().end >= k.span().start => k.span().start..v.span().end,
        _ => k.span(),
    }
}

fn item_label(n: &Node<'_>) -> Range<usize> {
    match n.kind() {
        NodeKind::Map(entries) => entries
            .first()
            .map_or(n.span(), |(k, v)| entry_label(&k, &v)),
        _ => n.span(),
    }
}

/// An object as a whole is labelled at its name (or kind).
fn object_label(root: &Node<'_>) -> Range<usize> {
    if let Some(meta) = root.get("metadata")
        && let Some((k, v)) = meta.entry("name")
    {
        return entry_label(&k, &v);
    }
    if let Some((k, v)) = root.entry("kind") {
        return entry_label(&k, &v);
    }
    root.span().start..root.span().start
}

/// The part of `span` on its first line.
fn first_line(root: Node<'_>, span: Range<usize>) -> Range<usize> {
    let end = span.end.max(span.start);
    let cut = root
        .text_at(span.start..end)
        .and_then(|s| s.find(['\n', '\r']))
        .map_or(end, |i| span.start + i);
    span.start..cut
}
