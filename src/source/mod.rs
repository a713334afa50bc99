//! Source files: reading bytes, parsing YAML/JSON into a spanned tree, and
//! mapping byte offsets to line/column.

pub mod de;
pub mod edit;
pub mod locate;
pub mod stream;
pub mod tree;
pub mod yaml11;

use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

pub use tree::{Document, Node, NodeKind, ParseProblem, Tree};

/// A file's text, shared by the trees that slice it. An `Arc<String>`
/// rather than `Arc<str>`: the text read from disk is moved in, not copied
/// (a copy would briefly hold every file twice).
pub type Text = Arc<String>;

/// Index of a file in the run's file list.
pub type FileId = usize;

/// Lines per entry of a file's line index.
const LINE_BLOCK: usize = 32;

/// Where a file's text can be read again: its path, and its length and
/// modification time when it was read (to notice a file changed since).
#[derive(Debug, Clone)]
pub struct OnDisk {
    pub path: PathBuf,
    pub len: u64,
    pub modified: Option<SystemTime>,
}

impl OnDisk {
    /// The file, opened, if it is still what was read.
    fn open_unchanged(&self) -> Option<std::fs::File> {
        let f = std::fs::File::open(&self.path).ok()?;
        let meta = f.metadata().ok()?;
        (meta.len() == self.len && meta.modified().ok() == self.modified).then_some(f)
    }
}

/// A file's sparse line index (the start of every `LINE_BLOCK`th line),
/// built from its bytes fed in order.
#[derive(Debug)]
pub struct LineBlocks {
    starts: Vec<u32>,
    newlines: usize,
}

impl Default for LineBlocks {
    fn default() -> Self {
        LineBlocks {
            starts: vec![0],
            newlines: 0,
        }
    }
}

impl LineBlocks {
    /// Feed the next bytes of the file, which start at offset `base`.
    pub fn feed(&mut self, bytes: &[u8], base: usize) {
        for i in memchr::memchr_iter(b'\n', bytes) {
            self.newlines += 1;
            if self.newlines.is_multiple_of(LINE_BLOCK) {
                self.starts
                    .push(u32::try_from(base + i + 1).unwrap_or(u32::MAX));
            }
        }
    }
}

/// One input file and its text.
///
/// The text of a file read from disk is released once the file is parsed
/// ([`SourceFile::release`]): trees kept for the engine hold their own
/// document's text, and the few files that get a diagnostic are read again
/// when one is located. Peak memory then no longer holds every file.
#[derive(Debug)]
pub struct SourceFile {
    /// Name as given on the command line (or `--stdin-filename`).
    pub name: String,
    text: OnceLock<Text>,
    /// Length of the text in bytes.
    len: usize,
    disk: Option<OnDisk>,
    /// Set when the file could not be read again as it was.
    changed: AtomicBool,
    /// The text contains `stslint:` (a suppression comment, perhaps).
    directives: bool,
    /// The text contains `# Source: ` (the comments of `helm template`).
    helm_sources: bool,
    /// See `block_starts`.
    line_starts: OnceLock<Vec<u32>>,
    /// Parts of the text read again for a while, and the offsets they
    /// start at (see `pin`).
    pinned: Mutex<Vec<(Text, usize)>>,
}

/// The comment `helm template` writes before each document.
pub const HELM_SOURCE: &str = "# Source: ";

/// Files up to this size are read again whole while their diagnostics are
/// located (see [`SourceFile::pin`]); larger ones a document at a time.
pub const PIN_BYTES: usize = 2 << 20;

/// Keeps a part of a file's text read again until dropped.
pub struct Pinned<'a>(&'a SourceFile, Option<Text>);

impl Drop for Pinned<'_> {
    fn drop(&mut self) {
        if let (Some(mine), Ok(mut p)) = (&self.1, self.0.pinned.lock()) {
            p.retain(|(t, _)| !Arc::ptr_eq(t, mine));
        }
    }
}

impl Clone for SourceFile {
    fn clone(&self) -> Self {
        SourceFile {
            name: self.name.clone(),
            text: self.text.clone(),
            len: self.len,
            disk: self.disk.clone(),
            changed: AtomicBool::new(self.changed.load(Ordering::Relaxed)),
            directives: self.directives,
            helm_sources: self.helm_sources,
            line_starts: self.line_starts.clone(),
            pinned: Mutex::new(Vec::new()),
        }
    }
}

impl SourceFile {
    /// A text held in memory (standard input, an editor's buffer, a test).
    pub fn new(name: String, text: String) -> Self {
        SourceFile {
            name,
            len: text.len(),
            directives: memchr::memmem::find(text.as_bytes(), b"stslint:").is_some(),
            helm_sources: memchr::memmem::find(text.as_bytes(), HELM_SOURCE.as_bytes()).is_some(),
            pinned: Mutex::new(Vec::new()),
            text: OnceLock::from(Arc::new(text)),
            disk: None,
            changed: AtomicBool::new(false),
            line_starts: OnceLock::new(),
        }
    }

    /// A file read piece by piece and never held whole (see
    /// [`stream`]): what is known of its text without the text.
    pub fn streamed(
        name: String,
        disk: OnDisk,
        (directives, helm_sources): (bool, bool),
        lines: LineBlocks,
    ) -> Self {
        SourceFile {
            name,
            text: OnceLock::new(),
            len: usize::try_from(disk.len).unwrap_or(usize::MAX),
            disk: Some(disk),
            changed: AtomicBool::new(false),
            directives,
            helm_sources,
            line_starts: OnceLock::from(lines.starts),
            pinned: Mutex::new(Vec::new()),
        }
    }

    /// A text read from `disk`, which can be released and read again.
    pub fn from_disk(name: String, text: String, disk: OnDisk) -> Self {
        SourceFile {
            disk: Some(disk),
            ..SourceFile::new(name, text)
        }
    }

    /// The whole text, read again from disk if it was released. A file that
    /// changed on disk since it was linted reads as empty (see `changed`).
    pub fn text(&self) -> &Text {
        self.text.get_or_init(|| {
            Arc::new(self.read_again().unwrap_or_else(|| {
                self.changed.store(true, Ordering::Relaxed);
                String::new()
            }))
        })
    }

    /// The whole text read again from disk, if it is what was read.
    fn read_again(&self) -> Option<String> {
        let mut buf = Vec::with_capacity(self.len);
        self.disk
            .as_ref()?
            .open_unchanged()?
            .read_to_end(&mut buf)
            .ok()?;
        String::from_utf8(buf).ok().filter(|t| t.len() == self.len)
    }

    /// Text holding bytes `r`, held or pinned, and the offset it starts at.
    fn held(&self, r: &Range<usize>) -> Option<(Text, usize)> {
        if let Some(t) = self.text.get() {
            return Some((Arc::clone(t), 0));
        }
        let pins = self.pinned.lock().ok()?;
        pins.iter()
            .find(|(t, base)| *base <= r.start && r.start <= r.end && r.end <= base + t.len())
            .cloned()
    }

    /// Read a released text again and keep it until the guard is dropped,
    /// for locating many diagnostics in one file with one read (files up
    /// to `PIN_BYTES`; see `pin_part` for larger ones).
    pub fn pin(&self) -> Pinned<'_> {
        if self.text.get().is_some() || self.len > PIN_BYTES {
            return Pinned(self, None);
        }
        match self.read_again() {
            Some(t) => self.pin_text(Arc::new(t), 0),
            None => Pinned(self, None),
        }
    }

    /// Like `pin`, for bytes `from..to` of a file (a document), from the
    /// start of the line block before them so positions in them need no
    /// other read.
    pub fn pin_part(&self, from: usize, to: usize) -> Pinned<'_> {
        if self.text.get().is_some() {
            return Pinned(self, None);
        }
        let blocks = self.block_starts();
        let at = u32::try_from(from).unwrap_or(u32::MAX);
        let block = blocks.partition_point(|&s| s <= at).saturating_sub(1);
        let from = (blocks[block] as usize).min(from);
        let text = self
            .read_range(from..to.min(self.len))
            .and_then(|b| String::from_utf8(b).ok());
        match text {
            Some(t) => self.pin_text(Arc::new(t), from),
            None => Pinned(self, None),
        }
    }

    fn pin_text(&self, text: Text, base: usize) -> Pinned<'_> {
        match self.pinned.lock() {
            Ok(mut p) => {
                p.push((Arc::clone(&text), base));
                Pinned(self, Some(text))
            }
            Err(_) => Pinned(self, None),
        }
    }

    /// Bytes `r` read again from disk, if the file is what was read.
    fn read_range(&self, r: Range<usize>) -> Option<Vec<u8>> {
        let mut f = self.disk.as_ref()?.open_unchanged()?;
        f.seek(SeekFrom::Start(r.start as u64)).ok()?;
        let mut buf = vec![0; r.end.checked_sub(r.start)?];
        f.read_exact(&mut buf).ok()?;
        Some(buf)
    }

    /// True when the text was read from a file (not standard input, an
    /// editor's buffer or a fix's result).
    pub fn is_on_disk(&self) -> bool {
        self.disk.is_some()
    }

    /// True when the text may hold suppression comments (`stslint:`).
    pub fn has_directives(&self) -> bool {
        self.directives
    }

    /// True when the text may hold `helm template`'s `# Source:` comments
    /// (known without the text, which may have been released).
    pub fn has_helm_sources(&self) -> bool {
        self.helm_sources
    }

    /// Length of the text in bytes (without reading it again).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when the file changed on disk while it was being linted, so
    /// that positions in it could not be shown.
    pub fn changed(&self) -> bool {
        self.changed.load(Ordering::Relaxed)
    }

    /// Drop the text if it can be read again from disk. Positions are
    /// computed from then on with a few bytes read again, not the text.
    pub fn release(&mut self) {
        if self.disk.is_some() {
            self.block_starts();
            self.text.take();
        }
    }

    /// Bytes `from..to` of the file and the offset they start at: the whole
    /// text if it is held, else just that part, read from disk (and not
    /// kept).
    pub fn part(&self, from: usize, to: usize) -> Option<(Text, usize)> {
        if let Some(held) = self.held(&(from..to)) {
            return Some(held);
        }
        match self
            .read_range(from..to)
            .and_then(|b| String::from_utf8(b).ok())
        {
            Some(t) => Some((Arc::new(t), from)),
            None => {
                self.changed.store(true, Ordering::Relaxed);
                None
            }
        }
    }

    /// The start of every `LINE_BLOCK`th line, computed the first time a
    /// position is asked for. Sparse: a full index would take 4 bytes a
    /// line, a sixth of the text; the lines in between are counted when
    /// asked for (at most `LINE_BLOCK` of them).
    fn block_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut blocks = LineBlocks::default();
            blocks.feed(self.text().as_bytes(), 0);
            blocks.starts
        })
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.clamp(offset);
        let blocks = self.block_starts();
        let at = u32::try_from(offset).unwrap_or(u32::MAX);
        let block = blocks.partition_point(|&s| s <= at).saturating_sub(1);
        let from = (blocks[block] as usize).min(offset);
        let between = self.bytes(from..offset);
        let newlines = memchr::memchr_iter(b'\n', &between).count();
        let line_start = memchr::memrchr(b'\n', &between).map_or(0, |i| i + 1);
        // Characters: every byte but UTF-8 continuation bytes.
        let col = between[line_start..]
            .iter()
            .filter(|&&b| b & 0xC0 != 0x80)
            .count();
        (block * LINE_BLOCK + newlines + 1, col + 1)
    }

    /// Bytes `r` of the text: borrowed when the text is held, else read
    /// from disk (empty if the file changed since it was linted).
    fn bytes(&self, r: Range<usize>) -> std::borrow::Cow<'_, [u8]> {
        use std::borrow::Cow;
        if let Some(t) = self.text.get() {
            return Cow::Borrowed(t.as_bytes().get(r).unwrap_or(&[]));
        }
        if let Some((t, base)) = self.held(&r) {
            let part = t.as_bytes().get(r.start - base..r.end - base);
            return Cow::Owned(part.unwrap_or(&[]).to_vec());
        }
        Cow::Owned(self.read_range(r).unwrap_or_else(|| {
            self.changed.store(true, Ordering::Relaxed);
            Vec::new()
        }))
    }

    /// Clamp an offset into the text and onto a char boundary.
    pub fn clamp(&self, offset: usize) -> usize {
        let mut o = offset.min(self.len);
        if o == self.len {
            return o;
        }
        // A char is at most 4 bytes: look at the byte and the 3 before.
        let from = o.saturating_sub(3);
        let b = self.bytes(from..o + 1);
        while o > from && b.get(o - from).is_some_and(|c| c & 0xC0 == 0x80) {
            o -= 1;
        }
        o
    }

    /// A span trimmed of trailing whitespace and newlines.
    pub fn tidy(&self, span: Range<usize>) -> Range<usize> {
        let start = self.clamp(span.start);
        let mut end = self.clamp(span.end.max(start));
        while end > start {
            let from = end.saturating_sub(256).max(start);
            match self
                .bytes(from..end)
                .iter()
                .rposition(|c| !c.is_ascii_whitespace())
            {
                Some(i) => {
                    end = from + i + 1;
                    break;
                }
                None => end = from,
            }
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
    parse_part(text, 0, from, to)
}

/// Parse bytes `from..to` of a file of which `text` holds the part from
/// offset `text_base` on; offsets in the result are offsets in the file.
pub fn parse_part(
    text: &Text,
    text_base: usize,
    from: usize,
    to: usize,
) -> (Vec<Document>, Vec<ParseProblem>) {
    let part = from
        .checked_sub(text_base)
        .zip(to.checked_sub(text_base))
        .and_then(|(a, b)| text.get(a..b));
    let Some(slice) = part else {
        return (Vec::new(), Vec::new());
    };
    let body = slice.strip_prefix('\u{feff}').unwrap_or(slice);
    let base = from + (slice.len() - body.len());
    let looks_json = body.trim_start().starts_with(['{', '[']);
    if looks_json && body.contains('\t') {
        // Same length, so offsets stay valid; tabs inside JSON strings are
        // invalid JSON anyway.
        tree::parse(text, text_base, &body.replace('\t', " "), base)
    } else {
        parse_lenient(text, text_base, body, base)
    }
}

/// True when the byte after a `---` at the start of a line (`None`: the
/// end of the text) makes it a document marker.
pub fn ends_marker(after: Option<u8>) -> bool {
    matches!(after, None | Some(b'\n' | b'\r' | b' ' | b'\t'))
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
                    if ends_marker(bytes.get(line + 3).copied()) {
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
/// return its tree, with offsets in the whole file. Only that document's
/// bytes are read again if the file's text was released.
pub fn reparse_document(source: &SourceFile, docs: &[Document], index: usize) -> Option<Tree> {
    let start = docs.get(index)?.start.min(source.len());
    let end = docs
        .get(index + 1)
        .map_or(source.len(), |d| d.start)
        .clamp(start, source.len());
    let (text, base) = source.part(start, end)?;
    let (parsed, _) = parse_part(&text, base, start, end);
    parsed.into_iter().find_map(|d| d.tree).map(|t| *t)
}

/// Most under-indented quoted-scalar lines re-indented in one file.
const MAX_REINDENTS: usize = 64;

/// Parse, accepting what libyaml (and so kubectl) accepts but a strict YAML
/// 1.2 parser rejects: a continuation line of a multi-line quoted scalar
/// indented less than its parent. Such lines are re-indented in a copy (line
/// folding strips that whitespace from the value anyway) and offsets are
/// mapped back to the original text.
fn parse_lenient(
    text: &Text,
    text_base: usize,
    body: &str,
    base: usize,
) -> (Vec<Document>, Vec<ParseProblem>) {
    const KIND: &str = "invalid indentation in multiline quoted scalar";
    let first = tree::parse(text, text_base, body, base);
    if !first.1.iter().any(|p| p.message.contains(KIND)) {
        return first;
    }
    // (offset in `body`, spaces inserted there), in order.
    let mut inserts: Vec<(usize, usize)> = Vec::new();
    let mut patched = body.to_owned();
    for _ in 0..MAX_REINDENTS {
        // Offsets from this parse are `base` + offsets in `patched`.
        let (docs, problems) = tree::parse(text, text_base, &patched, base);
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

    fn on_disk(dir: &std::path::Path, text: &str) -> SourceFile {
        let path = dir.join("f.yaml");
        std::fs::write(&path, text).unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let disk = OnDisk {
            path,
            len: meta.len(),
            modified: meta.modified().ok(),
        };
        SourceFile::from_disk("f.yaml".into(), text.to_owned(), disk)
    }

    #[test]
    fn a_released_text_gives_the_same_positions_and_parts() {
        let dir = tempfile::tempdir().unwrap();
        let text = "a: 1\nb: ü\n---\nc:  \n  d\n".repeat(40);
        let held = SourceFile::new("f.yaml".into(), text.clone());
        let mut released = on_disk(dir.path(), &text);
        released.release();
        for offset in 0..text.len() + 2 {
            assert_eq!(released.line_col(offset), held.line_col(offset), "{offset}");
            assert_eq!(released.clamp(offset), held.clamp(offset));
            assert_eq!(
                released.tidy(offset / 2..offset),
                held.tidy(offset / 2..offset)
            );
        }
        for (from, to) in [(0, text.len()), (300, 900), (1000, 1000)] {
            let _whole = (from == 0).then(|| released.pin());
            let _part = released.pin_part(from, to);
            for offset in (0..text.len() + 2).step_by(7) {
                assert_eq!(released.line_col(offset), held.line_col(offset), "{offset}");
                assert_eq!(
                    released.tidy(offset / 2..offset),
                    held.tidy(offset / 2..offset)
                );
            }
        }
        assert!(released.pinned.lock().unwrap().is_empty());
        let (part, base) = released.part(16, 40).unwrap();
        assert_eq!((part.as_str(), base), (&text[16..40], 16));
        assert_eq!(released.text().as_str(), text);
        assert!(!released.changed());
    }

    #[test]
    fn a_file_changed_after_linting_is_noticed() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = on_disk(dir.path(), "a: 1\n");
        f.release();
        std::fs::write(dir.path().join("f.yaml"), "a: 12\n").unwrap();
        assert_eq!(f.line_col(3), (1, 1));
        assert!(f.changed());
        assert_eq!(f.text().as_str(), "");
    }
}
