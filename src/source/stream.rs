//! Reading a large file piece by piece, cut at lines that start a document,
//! so that its text is never whole in memory: each piece is parsed and
//! dropped (trees kept for the engine copy their own document's text).

use std::io::Read;

use super::LineBlocks;

/// Bytes read from the file at a time.
const READ_BYTES: usize = 256 << 10;

/// One piece of the file: its text and the offset it starts at.
pub struct Piece {
    pub base: usize,
    pub text: String,
}

/// Why a file could not be read piece by piece (the caller then reads it
/// whole, which reports the problem where it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    Io,
    NotUtf8,
    TooBig,
}

/// Yields the pieces of a file in order, and learns on the way what the
/// whole text would tell: its length, line index, and whether it holds
/// suppression comments or Helm template syntax.
pub struct PieceReader<R> {
    r: R,
    /// Bytes read and not yet yielded; `buf[0]` is at offset `base`.
    buf: Vec<u8>,
    base: usize,
    /// `buf[..scanned]` holds no document start past `target`.
    scanned: usize,
    eof: bool,
    target: usize,
    limit: u64,
    pub lines: LineBlocks,
    pub directives: bool,
    /// `# Source: ` seen (helm template output).
    pub sources: bool,
    pub helm: bool,
    pub failed: Option<Failure>,
}

impl<R: Read> PieceReader<R> {
    /// Pieces of about `target` bytes; more than `limit` bytes in all is a
    /// failure.
    pub fn new(r: R, target: usize, limit: u64) -> Self {
        PieceReader {
            r,
            buf: Vec::new(),
            base: 0,
            scanned: 0,
            eof: false,
            target: target.max(1),
            limit,
            lines: LineBlocks::default(),
            directives: false,
            sources: false,
            helm: false,
            failed: None,
        }
    }

    /// Bytes read so far.
    pub fn len(&self) -> usize {
        self.base + self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn fill(&mut self) {
        let before = self.buf.len();
        match (&mut self.r)
            .take(READ_BYTES as u64)
            .read_to_end(&mut self.buf)
        {
            Ok(0) => self.eof = true,
            Ok(_) => {}
            Err(_) => {
                self.buf.truncate(before);
                self.failed = Some(Failure::Io);
            }
        }
        if self.len() as u64 > self.limit {
            self.failed = Some(Failure::TooBig);
        }
    }

    /// Where the first line starting a document (`---` then a blank or the
    /// end) begins, at or past `target`: `Err(())` when more bytes are
    /// needed to tell.
    fn cut(&mut self) -> Result<Option<usize>, ()> {
        let from = self.scanned.max(self.target).min(self.buf.len());
        // Back up so that a `\n---` straddling the last read is seen.
        let from = from.saturating_sub(4).max(self.target.min(from));
        for i in memchr::memmem::find_iter(&self.buf[from..], b"\n---") {
            let line = from + i + 1;
            let after = self.buf.get(line + 3).copied();
            if after.is_none() && !self.eof {
                self.scanned = from + i;
                return Err(());
            }
            if super::ends_marker(after) {
                return Ok(Some(line));
            }
        }
        self.scanned = self.buf.len();
        if self.eof { Ok(None) } else { Err(()) }
    }

    fn take(&mut self, n: usize) -> Option<Piece> {
        let rest = self.buf.split_off(n);
        let bytes = std::mem::replace(&mut self.buf, rest);
        let base = self.base;
        self.base += n;
        self.scanned = 0;
        self.lines.feed(&bytes, base);
        self.directives |= memchr::memmem::find(&bytes, b"stslint:").is_some();
        self.sources |= memchr::memmem::find(&bytes, super::HELM_SOURCE.as_bytes()).is_some();
        self.helm |= memchr::memmem::find(&bytes, b"{{").is_some();
        match String::from_utf8(bytes) {
            Ok(text) => Some(Piece { base, text }),
            Err(_) => {
                self.failed = Some(Failure::NotUtf8);
                None
            }
        }
    }
}

impl<R: Read> Iterator for PieceReader<R> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        loop {
            if self.failed.is_some() {
                return None;
            }
            if self.buf.len() > self.target || self.eof {
                match self.cut() {
                    Ok(Some(line)) => return self.take(line),
                    Ok(None) if self.buf.is_empty() => return None,
                    Ok(None) => return self.take(self.buf.len()),
                    Err(()) => {}
                }
            }
            self.fill();
        }
    }
}

/// A reader that gives at most `.1` bytes a call, to try every way reads
/// can fall across piece boundaries (tests and fuzzing).
pub struct Trickle<'a>(pub &'a [u8], pub usize);

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.len().min(self.1.max(1)).min(out.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str, target: usize, trickle: usize) -> Vec<(usize, String)> {
        PieceReader::new(Trickle(text.as_bytes(), trickle), target, u64::MAX)
            .map(|p| (p.base, p.text))
            .collect()
    }

    #[test]
    fn cuts_only_at_document_starts_and_loses_nothing() {
        let doc = "a: 1\nb: |\n  ---x\n  y\n---\nc: ü\n--- # next\nd: 2\n---\n";
        let text = doc.repeat(50);
        for target in [1, 7, 30, 100, 10_000] {
            for trickle in [1, 3, 64, 1 << 20] {
                let got = pieces(&text, target, trickle);
                let joined: String = got.iter().map(|(_, t)| t.as_str()).collect();
                assert_eq!(joined, text, "target {target} trickle {trickle}");
                let mut at = 0;
                for (base, t) in &got {
                    assert_eq!(*base, at);
                    assert!(*base == 0 || t.starts_with("---"), "{t:?}");
                    assert!(*base == 0 || text[..*base].ends_with('\n'));
                    at += t.len();
                }
                if target == 1 {
                    // Every document start is a cut.
                    assert_eq!(got.len(), 1 + 50 * 3);
                }
            }
        }
        assert_eq!(split_equivalent(&text), pieces(&text, 30, 5).len());
    }

    /// The in-memory splitter cuts in the same places.
    fn split_equivalent(text: &str) -> usize {
        super::super::split_documents(text, 30).len()
    }

    #[test]
    fn knows_what_the_whole_text_would_tell() {
        let text = "x: 1\n".repeat(100) + "# stslint: ignore\n---\ny: \"{{ .v }}\"\n";
        let mut r = PieceReader::new(Trickle(text.as_bytes(), 7), 16, u64::MAX);
        let n = r.by_ref().count();
        assert!(n > 1);
        assert!(r.directives && r.helm && r.failed.is_none());
        assert_eq!(r.len(), text.len());
        let mut whole = LineBlocks::default();
        whole.feed(text.as_bytes(), 0);
        assert_eq!(r.lines.starts, whole.starts);
    }

    #[test]
    fn bad_utf8_and_size_limit_fail() {
        let mut bad = b"a: 1\n---\nb: ".to_vec();
        bad.extend([0xff, b'\n']);
        let mut r = PieceReader::new(Trickle(&bad, 4), 2, u64::MAX);
        while r.next().is_some() {}
        assert_eq!(r.failed, Some(Failure::NotUtf8));
        let mut r = PieceReader::new(Trickle(b"a: 1\n---\nb: 2\n", 4), 2, 6);
        while r.next().is_some() {}
        assert_eq!(r.failed, Some(Failure::TooBig));
    }
}
