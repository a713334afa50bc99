//! Source files: reading bytes, parsing YAML/JSON into a spanned tree, and
//! mapping byte offsets to line/column.

pub mod de;
pub mod locate;
pub mod tree;
pub mod yaml11;

use std::ops::Range;
use std::sync::{Arc, OnceLock};

pub use tree::{Document, Node, NodeKind, ParseProblem, Tree};

/// A file's text, shared by the trees that slice it. An `Arc<String>`
/// rather than `Arc<str>`: the text read from disk is moved in, not copied
/// (a copy would briefly hold every file twice).
pub type Text = Arc<String>;

/// Index of a file in the run's file list.
pub type FileId = usize;

/// Lines per entry of a file's line index.
const LINE_BLOCK: usize = 32;

/// One input file and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Name as given on the command line (or `--stdin-filename`).
    pub name: String,
    pub text: Text,
    /// See `block_starts`.
    line_starts: OnceLock<Vec<u32>>,
}

impl SourceFile {
    pub fn new(name: String, text: String) -> Self {
        SourceFile {
            name,
            text: Arc::new(text),
            line_starts: OnceLock::new(),
        }
    }

    /// The start of every `LINE_BLOCK`th line, computed the first time a
    /// position is asked for. Sparse: a full index would take 4 bytes a
    /// line, a sixth of the text; the lines in between are counted when
    /// asked for (at most `LINE_BLOCK` of them).
    fn block_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(
                memchr::memchr_iter(b'\n', self.text.as_bytes())
                    .skip(LINE_BLOCK - 1)
                    .step_by(LINE_BLOCK)
                    .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)),
            );
            starts
        })
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.clamp(offset);
        let blocks = self.block_starts();
        let at = u32::try_from(offset).unwrap_or(u32::MAX);
        let block = blocks.partition_point(|&s| s <= at).saturating_sub(1);
        let from = (blocks[block] as usize).min(offset);
        let between = &self.text.as_bytes()[from..offset];
        let newlines = memchr::memchr_iter(b'\n', between).count();
        let start = memchr::memrchr(b'\n', between).map_or(from, |i| from + i + 1);
        let col = self.text[start..offset].chars().count();
        (block * LINE_BLOCK + newlines + 1, col + 1)
    }

    /// Clamp an offset into the text and onto a char boundary.
    pub fn clamp(&self, offset: usize) -> usize {
        let mut o = offset.min(self.text.len());
        while !self.text.is_char_boundary(o) {
            o -= 1;
        }
        o
    }

    /// A span trimmed of trailing whitespace and newlines.
    pub fn tidy(&self, span: Range<usize>) -> Range<usize> {
        let start = self.clamp(span.start);
        let mut end = self.clamp(span.end.max(start));
        while end > start && self.text.as_bytes()[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        start..end
    }
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
pub fn parse_source(text: &Text) -> (Vec<Document>, Vec<ParseProblem>) {
    parse_range(text, 0, text.len())
}

/// Parse `text[from..to]`; offsets in the result are offsets in `text`.
pub fn parse_range(text: &Text, from: usize, to: usize) -> (Vec<Document>, Vec<ParseProblem>) {
    let Some(slice) = text.get(from..to) else {
        return (Vec::new(), Vec::new());
    };
    let body = slice.strip_prefix('\u{feff}').unwrap_or(slice);
    let base = from + (slice.len() - body.len());
    let looks_json = body.trim_start().starts_with(['{', '[']);
    if looks_json && body.contains('\t') {
        // Same length, so offsets stay valid; tabs inside JSON strings are
        // invalid JSON anyway.
        tree::parse(text, &body.replace('\t', " "), base)
    } else {
        parse_lenient(text, body, base)
    }
}

/// Cut `text` into pieces of about `target` bytes at lines that start a
/// document (`---` at column 0). Such a line ends any scalar or collection
/// before it (YAML forbids document markers inside them), so each piece
/// parses on its own exactly as it would in the whole file.
pub fn split_documents(text: &str, target: usize) -> Vec<(usize, usize)> {
    let mut pieces = Vec::new();
    let mut from = 0;
    let bytes = text.as_bytes();
    while text.len() - from > target {
        let mut at = from + target;
        let cut = loop {
            match text.get(at..).and_then(|rest| rest.find("\n---")) {
                Some(i) => {
                    let line = at + i + 1;
                    let after = bytes.get(line + 3).copied();
                    if matches!(after, None | Some(b'\n' | b'\r' | b' ' | b'\t')) {
                        break Some(line);
                    }
                    at = line;
                }
                None => break None,
            }
        };
        match cut {
            Some(line) => {
                pieces.push((from, line));
                from = line;
            }
            None => break,
        }
    }
    pieces.push((from, text.len()));
    pieces
}

/// Re-parse one document of a file (trees are released after decoding) and
/// return its tree, with offsets in the whole file.
pub fn reparse_document(text: &Text, docs: &[Document], index: usize) -> Option<Tree> {
    let start = docs.get(index)?.start.min(text.len());
    let end = docs
        .get(index + 1)
        .map_or(text.len(), |d| d.start)
        .clamp(start, text.len());
    let (parsed, _) = parse_range(text, start, end);
    parsed.into_iter().find_map(|d| d.tree).map(|t| *t)
}

/// Most under-indented quoted-scalar lines re-indented in one file.
const MAX_REINDENTS: usize = 64;

/// Parse, accepting what libyaml (and so kubectl) accepts but a strict YAML
/// 1.2 parser rejects: a continuation line of a multi-line quoted scalar
/// indented less than its parent. Such lines are re-indented in a copy (line
/// folding strips that whitespace from the value anyway) and offsets are
/// mapped back to the original text.
fn parse_lenient(text: &Text, body: &str, base: usize) -> (Vec<Document>, Vec<ParseProblem>) {
    const KIND: &str = "invalid indentation in multiline quoted scalar";
    let first = tree::parse(text, body, base);
    if !first.1.iter().any(|p| p.message.contains(KIND)) {
        return first;
    }
    // (offset in `body`, spaces inserted there), in order.
    let mut inserts: Vec<(usize, usize)> = Vec::new();
    let mut patched = body.to_owned();
    for _ in 0..MAX_REINDENTS {
        // Offsets from this parse are `base` + offsets in `patched`.
        let (docs, problems) = tree::parse(text, &patched, base);
        let Some(p) = problems.iter().find(|p| p.message.contains(KIND)) else {
            return map_back(docs, problems, &inserts, base);
        };
        let at = p.span.start.saturating_sub(base).min(patched.len());
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
    base: usize,
) -> (Vec<Document>, Vec<ParseProblem>) {
    let f = |o: usize| to_original(o.saturating_sub(base), inserts) + base;
    for d in &mut docs {
        d.start = f(d.start);
        if let Some(t) = &mut d.tree {
            t.remap(f);
        }
    }
    for p in &mut problems {
        p.span = f(p.span.start)..f(p.span.end);
    }
    (docs, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_agrees_with_counting_every_line() {
        // Lines of varied length, some empty, some with multi-byte
        // characters, across many blocks of the sparse index.
        let text: String = (0..500)
            .map(|i| match i % 4 {
                0 => String::new(),
                1 => format!("k{i}: ü€😀{i}"),
                _ => "x".repeat(i % 37),
            } + "\n")
            .collect::<String>()
            + "last";
        let f = SourceFile::new("t".into(), text.clone());
        let mut line = 1;
        let mut col = 1;
        for (offset, c) in text.char_indices() {
            assert_eq!(f.line_col(offset), (line, col), "offset {offset}");
            if c == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
        assert_eq!(f.line_col(text.len()), (line, col));
        assert_eq!(f.line_col(text.len() + 10), (line, col));
    }
}
