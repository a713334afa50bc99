//! Source files: reading bytes, parsing YAML/JSON into a spanned tree, and
//! mapping byte offsets to line/column.

pub mod de;
pub mod locate;
pub mod tree;
pub mod yaml11;

use std::ops::Range;

pub use tree::{Document, Node, NodeKind, ParseProblem};

/// Index of a file in the run's file list.
pub type FileId = usize;

/// One input file, its text and its parsed documents.
#[derive(Debug)]
pub struct SourceFile {
    /// Name as given on the command line (or `--stdin-filename`).
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: String, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        SourceFile {
            name,
            text,
            line_starts,
        }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.clamp(offset);
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self.text[start..offset].chars().count();
        (line + 1, col + 1)
    }

    /// Clamp an offset into the text and onto a char boundary.
    pub fn clamp(&self, offset: usize) -> usize {
        let mut o = offset.min(self.text.len());
        while !self.text.is_char_boundary(o) {
            o -= 1;
        }
        o
    }

    /// A span trimmed of trailing whitespace and newlines, never empty when
    /// the text allows.
    pub fn tidy(&self, span: Range<usize>) -> Range<usize> {
        let start = self.clamp(span.start);
        let mut end = self.clamp(span.end.max(start));
        while end > start && self.text.as_bytes()[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        start..end
    }
}

fn memchr_iter(needle: u8, hay: &[u8]) -> impl Iterator<Item = usize> + '_ {
    hay.iter()
        .enumerate()
        .filter(move |(_, b)| **b == needle)
        .map(|(i, _)| i)
}

/// Decode raw bytes as UTF-8 text, or report where the first invalid byte is.
pub fn decode_text(bytes: Vec<u8>) -> Result<String, (usize, String)> {
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            // Keep the valid prefix so the location can be shown.
            let prefix = String::from_utf8_lossy(&bytes[..at]).into_owned();
            Err((at, prefix))
        }
    }
}

/// Parse a file's text: YAML, or JSON (where tabs are whitespace, which YAML
/// block indentation rejects). A UTF-8 byte order mark is skipped.
pub fn parse_source(text: &str) -> (Vec<Document>, Vec<ParseProblem>) {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let skip = text.len() - body.len();
    let looks_json = body.trim_start().starts_with(['{', '[']);
    let (mut docs, mut problems) = if looks_json && body.contains('\t') {
        // Same length, so offsets stay valid; tabs inside JSON strings are
        // invalid JSON anyway.
        tree::parse(&body.replace('\t', " "))
    } else {
        parse_lenient(body)
    };
    if skip > 0 {
        for d in &mut docs {
            d.start += skip;
            if let Some(root) = &mut d.root {
                shift(root, skip);
            }
        }
        for p in &mut problems {
            p.span = p.span.start + skip..p.span.end + skip;
        }
    }
    (docs, problems)
}

/// Re-parse one document of a file (its trees are released after
/// decoding) and return its root with spans relative to the whole file.
pub fn reparse_document(text: &str, docs: &[Document], index: usize) -> Option<Node> {
    let start = docs.get(index)?.start.min(text.len());
    let end = docs
        .get(index + 1)
        .map_or(text.len(), |d| d.start)
        .clamp(start, text.len());
    let slice = text.get(start..end)?;
    let (parsed, _) = parse_source(slice);
    let mut root = parsed.into_iter().find_map(|d| d.root)?;
    shift(&mut root, start);
    Some(root)
}

fn shift(node: &mut Node, by: usize) {
    let span = node.span();
    node.set_span(span.start + by..span.end + by);
    match &mut node.kind {
        NodeKind::Scalar(_) => {}
        NodeKind::Seq(items) => items.iter_mut().for_each(|n| shift(n, by)),
        NodeKind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            shift(k, by);
            shift(v, by);
        }),
    }
}

/// Most under-indented quoted-scalar lines re-indented in one file.
const MAX_REINDENTS: usize = 64;

/// Parse, accepting what libyaml (and so kubectl) accepts but a strict YAML
/// 1.2 parser rejects: a continuation line of a multi-line quoted scalar
/// indented less than its parent. Such lines are re-indented in a copy (line
/// folding strips that whitespace from the value anyway) and spans are mapped
/// back to the original text.
fn parse_lenient(text: &str) -> (Vec<Document>, Vec<ParseProblem>) {
    const KIND: &str = "invalid indentation in multiline quoted scalar";
    let first = tree::parse(text);
    if !first.1.iter().any(|p| p.message.contains(KIND)) {
        return first;
    }
    // (offset in the original text, spaces inserted there), in order.
    let mut inserts: Vec<(usize, usize)> = Vec::new();
    let mut patched = text.to_owned();
    for _ in 0..MAX_REINDENTS {
        let (docs, problems) = tree::parse(&patched);
        let Some(p) = problems.iter().find(|p| p.message.contains(KIND)) else {
            return map_back(docs, problems, &inserts);
        };
        let at = p.span.start.min(patched.len());
        let line_start = patched[..at].rfind('\n').map_or(0, |i| i + 1);
        let orig = to_original(line_start, &inserts);
        match inserts.iter_mut().find(|(o, _)| *o == orig) {
            Some((_, n)) if *n >= 64 => return first,
            Some((_, n)) => *n += 2,
            None => {
                inserts.push((orig, 2));
                inserts.sort_unstable();
            }
        }
        patched.insert_str(line_start, "  ");
    }
    first
}

fn to_original(patched_offset: usize, inserts: &[(usize, usize)]) -> usize {
    let mut shift = 0;
    for &(orig, n) in inserts {
        if orig + shift + n <= patched_offset {
            shift += n;
        } else if orig + shift <= patched_offset {
            // Inside inserted spaces: map to the line start.
            return orig;
        } else {
            break;
        }
    }
    patched_offset - shift
}

fn map_back(
    mut docs: Vec<Document>,
    mut problems: Vec<ParseProblem>,
    inserts: &[(usize, usize)],
) -> (Vec<Document>, Vec<ParseProblem>) {
    fn walk(node: &mut Node, inserts: &[(usize, usize)]) {
        let span = node.span();
        node.set_span(to_original(span.start, inserts)..to_original(span.end, inserts));
        match &mut node.kind {
            NodeKind::Scalar(_) => {}
            NodeKind::Seq(items) => items.iter_mut().for_each(|n| walk(n, inserts)),
            NodeKind::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                walk(k, inserts);
                walk(v, inserts);
            }),
        }
    }
    for d in &mut docs {
        d.start = to_original(d.start, inserts);
        if let Some(root) = &mut d.root {
            walk(root, inserts);
        }
    }
    for p in &mut problems {
        p.span = to_original(p.span.start, inserts)..to_original(p.span.end, inserts);
    }
    (docs, problems)
}
