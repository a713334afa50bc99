//! A spanned YAML tree built from one pass over the parser's events.
//!
//! Each document's nodes live in flat vectors in pre-order (17 bytes a node,
//! no allocation per node); scalar values are slices of the file's text
//! unless escapes or folding changed them. `Node` is a cheap handle into it.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use super::Text;

use granit_parser::{Event, Parser, ScalarStyle, Span, StructureStyle};

/// Most nodes that alias expansion may add to one document (billion-laughs guard).
pub const ALIAS_BUDGET: usize = 100_000;

const SCALAR: u8 = 0;
const SEQ: u8 = 1;
const MAP: u8 = 2;
const PLAIN: u8 = 1;
const IN_EXTRA: u8 = 2;

/// A node as the builder makes it and readers see it. Trees store it in
/// two arrays (`Slot` and one byte of kind and flags): 17 bytes a node.
#[derive(Debug, Clone, Copy)]
struct Rec {
    start: u32,
    end: u32,
    /// Scalar: value offset (in the text or in `extra`). Collection: number
    /// of child nodes (keys and values of a map both count).
    a: u32,
    /// Scalar: value length. Collection: records in its subtree, itself included.
    b: u32,
    kind: u8,
    /// PLAIN | IN_EXTRA, and the tag in the high nibble.
    flags: u8,
}

/// Offsets and sizes of a stored node (see `Rec`).
#[derive(Debug, Clone, Copy)]
struct Slot {
    start: u32,
    end: u32,
    a: u32,
    b: u32,
}

/// Kind in bits 2-3 of the packed byte; flags use bits 0-1 and 4-6.
fn pack(r: &Rec) -> (Slot, u8) {
    let slot = Slot {
        start: r.start,
        end: r.end,
        a: r.a,
        b: r.b,
    };
    (slot, r.flags | (r.kind << 2))
}

fn unpack(s: Slot, bits: u8) -> Rec {
    Rec {
        start: s.start,
        end: s.end,
        a: s.a,
        b: s.b,
        kind: (bits >> 2) & 3,
        flags: bits & !0b1100,
    }
}

/// The nodes of one document.
#[derive(Debug, Clone)]
pub struct Tree {
    /// The file's text from offset `base` on: the whole file while
    /// loading, only this document's text once the tree is kept alone
    /// (`own_text`).
    text: Text,
    base: usize,
    nodes: Vec<Slot>,
    bits: Vec<u8>,
    /// Scalar values that are not a slice of the text.
    extra: String,
}

impl Tree {
    pub fn root(&self) -> Option<Node<'_>> {
        (!self.nodes.is_empty()).then_some(Node { t: self, i: 0 })
    }

    /// Heap bytes of the tree's nodes (not of the text it slices).
    pub fn bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Slot>()
            + self.bits.capacity()
            + self.extra.capacity()
    }

    /// Keep only `from..to` of the file's text (the document's), so that
    /// the tree no longer holds the whole file.
    pub fn own_text(&mut self, from: usize, to: usize) {
        let part = window(&self.text, self.base, from..to).unwrap_or("");
        self.text = Arc::new(part.to_owned());
        self.base = from;
    }

    /// The text at byte range `r` of the file, if the tree holds it.
    pub fn text_at(&self, r: Range<usize>) -> Option<&str> {
        window(&self.text, self.base, r)
    }

    /// The text the tree holds from byte offset `from` of the file on.
    pub fn text_from(&self, from: usize) -> Option<&str> {
        self.text.get(from.checked_sub(self.base)?..)
    }

    /// The node at record index `i` (see [`Node::index`]).
    pub fn node(&self, i: u32) -> Option<Node<'_>> {
        ((i as usize) < self.nodes.len()).then_some(Node { t: self, i })
    }

    fn rec(&self, i: u32) -> Rec {
        unpack(self.nodes[i as usize], self.bits[i as usize])
    }

    /// Shift every offset (spans and text-slice values) with `f`.
    pub(crate) fn remap(&mut self, f: impl Fn(usize) -> usize) {
        for (s, &bits) in self.nodes.iter_mut().zip(&self.bits) {
            let r = unpack(*s, bits);
            s.start = to_u32(f(r.start as usize));
            s.end = to_u32(f(r.end as usize));
            if r.kind == SCALAR && r.flags & IN_EXTRA == 0 {
                s.a = to_u32(f(r.a as usize));
            }
        }
    }
}

/// `r` (offsets in the file) of `text`, which starts at file offset `base`.
fn window(text: &str, base: usize, r: Range<usize>) -> Option<&str> {
    text.get(r.start.checked_sub(base)?..r.end.checked_sub(base)?)
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The explicit YAML core-schema tag of a scalar, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    None,
    Str,
    Null,
    Bool,
    Int,
    Float,
    Other,
}

const TAGS: [Tag; 7] = [
    Tag::None,
    Tag::Str,
    Tag::Null,
    Tag::Bool,
    Tag::Int,
    Tag::Float,
    Tag::Other,
];

fn tag_bits(t: Tag) -> u8 {
    (TAGS.iter().position(|x| *x == t).unwrap_or(0) as u8) << 4
}

/// A scalar's value and how it was written.
#[derive(Debug, Clone, Copy)]
pub struct Scalar<'a> {
    pub value: &'a str,
    /// Plain (unquoted, non-block) scalars are resolved to bool/int/null.
    pub plain: bool,
    pub tag: Tag,
}

/// A handle to one node of a [`Tree`].
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    t: &'a Tree,
    i: u32,
}

/// What a node is.
#[derive(Debug, Clone, Copy)]
pub enum NodeKind<'a> {
    Scalar(Scalar<'a>),
    Seq(Items<'a>),
    Map(Entries<'a>),
}

impl<'a> Node<'a> {
    /// Byte range of the node in the file.
    pub fn span(&self) -> Range<usize> {
        let r = self.t.rec(self.i);
        r.start as usize..r.end as usize
    }

    /// The file's text at byte range `r`, if the node's tree holds it.
    pub fn text_at(&self, r: Range<usize>) -> Option<&'a str> {
        self.t.text_at(r)
    }

    /// The text its tree holds from byte offset `from` on.
    pub fn text_from(&self, from: usize) -> Option<&'a str> {
        self.t.text_from(from)
    }

    /// The file offset where the text its tree holds starts (the
    /// document's start, or the file's).
    pub fn text_start(&self) -> usize {
        self.t.base
    }

    /// Record index of the node in its tree.
    pub fn index(&self) -> u32 {
        self.i
    }

    pub fn kind(&self) -> NodeKind<'a> {
        let r = self.t.rec(self.i);
        match r.kind {
            SEQ => NodeKind::Seq(Items {
                t: self.t,
                first: self.i + 1,
                len: r.a,
            }),
            MAP => NodeKind::Map(Entries {
                t: self.t,
                first: self.i + 1,
                len: r.a / 2,
            }),
            _ => NodeKind::Scalar(self.scalar_of(&r)),
        }
    }

    fn scalar_of(&self, r: &Rec) -> Scalar<'a> {
        let range = r.a as usize..(r.a as usize + r.b as usize);
        let value = if r.flags & IN_EXTRA != 0 {
            self.t.extra.get(range)
        } else {
            self.t.text_at(range)
        };
        Scalar {
            value: value.unwrap_or(""),
            plain: r.flags & PLAIN != 0,
            tag: TAGS[usize::from(r.flags >> 4).min(TAGS.len() - 1)],
        }
    }

    pub fn scalar(&self) -> Option<Scalar<'a>> {
        let r = self.t.rec(self.i);
        (r.kind == SCALAR).then(|| self.scalar_of(&r))
    }

    /// The text of a scalar node, whatever its style.
    pub fn as_scalar(&self) -> Option<&'a str> {
        self.scalar().map(|s| s.value)
    }

    pub fn is_map(&self) -> bool {
        self.t.rec(self.i).kind == MAP
    }

    /// The items of a sequence node (empty for anything else).
    pub fn items(&self) -> Items<'a> {
        match self.kind() {
            NodeKind::Seq(items) => items,
            _ => Items {
                t: self.t,
                first: 0,
                len: 0,
            },
        }
    }

    /// The items of the sequence under `key` of a mapping node (empty when
    /// it is missing or not a sequence).
    pub fn list(&self, key: &str) -> Vec<Node<'a>> {
        self.get(key)
            .map(|l| l.items().iter().collect())
            .unwrap_or_default()
    }

    /// Look up a key in a mapping node (the last one wins, as in kubectl).
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Look up a key in a mapping node, returning key and value nodes.
    pub fn entry(&self, key: &str) -> Option<(Node<'a>, Node<'a>)> {
        match self.kind() {
            NodeKind::Map(entries) => entries.iter().filter(|(k, _)| k.is_text(key)).last(),
            _ => None,
        }
    }

    /// True when this is a scalar whose text is `text`; a scalar of another
    /// length is not read (key lookups are the hottest code of a run).
    fn is_text(&self, text: &str) -> bool {
        let r = self.t.rec(self.i);
        r.kind == SCALAR && r.b as usize == text.len() && self.scalar_of(&r).value == text
    }

    fn next_sibling(&self) -> u32 {
        let r = self.t.rec(self.i);
        match r.kind {
            SCALAR => self.i + 1,
            _ => self.i + r.b.max(1),
        }
    }
}

/// The items of a sequence.
#[derive(Debug, Clone, Copy)]
pub struct Items<'a> {
    t: &'a Tree,
    first: u32,
    len: u32,
}

impl<'a> Items<'a> {
    pub fn len(&self) -> usize {
        self.len as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = Node<'a>> + 'a {
        let t = self.t;
        let mut next = self.first;
        (0..self.len).map(move |_| {
            let n = Node { t, i: next };
            next = n.next_sibling();
            n
        })
    }
    pub fn get(&self, i: usize) -> Option<Node<'a>> {
        self.iter().nth(i)
    }
    pub fn last(&self) -> Option<Node<'a>> {
        self.iter().last()
    }
}

/// The entries of a mapping.
#[derive(Debug, Clone, Copy)]
pub struct Entries<'a> {
    t: &'a Tree,
    first: u32,
    len: u32,
}

impl<'a> Entries<'a> {
    pub fn len(&self) -> usize {
        self.len as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = (Node<'a>, Node<'a>)> + 'a {
        let t = self.t;
        let mut next = self.first;
        (0..self.len).map(move |_| {
            let k = Node { t, i: next };
            let v = Node {
                t,
                i: k.next_sibling(),
            };
            next = v.next_sibling();
            (k, v)
        })
    }
    pub fn first(&self) -> Option<(Node<'a>, Node<'a>)> {
        self.iter().next()
    }
    pub fn last(&self) -> Option<(Node<'a>, Node<'a>)> {
        self.iter().last()
    }
}

/// One YAML document of a file.
#[derive(Debug, Clone)]
pub struct Document {
    /// 0-based index of the document in its file.
    pub index: usize,
    /// The nodes; `None` for an empty document, one that failed to parse, or
    /// once the tree has been released after decoding. (Boxed: a file's
    /// document list outlives most trees.)
    pub tree: Option<Box<Tree>>,
    /// Byte offset where the document starts (its `---` or first token).
    pub start: usize,
}

impl Document {
    pub fn root(&self) -> Option<Node<'_>> {
        self.tree.as_deref().and_then(Tree::root)
    }
}

/// A syntax problem found while parsing.
#[derive(Debug, Clone)]
pub struct ParseProblem {
    pub span: Range<usize>,
    pub message: String,
    pub document: usize,
}

fn offset(m: &granit_parser::Marker) -> usize {
    m.byte_offset().unwrap_or_else(|| m.index())
}

/// Parse `buf` into documents. `buf` is `text[base..]` or a same-layout
/// copy of it; every offset in the result is `base` + the offset in `buf`.
/// Recovers at the next document after a syntax error.
///
/// `text` is the file's text from offset `text_base` on (all of it, or the
/// part read again for one document).
pub fn parse(
    text: &Text,
    text_base: usize,
    buf: &str,
    base: usize,
) -> (Vec<Document>, Vec<ParseProblem>) {
    let options = granit_parser::options! { emit_comments: false };
    let mut parser = Parser::new_from_str_with_options(buf, options);
    let mut b = Builder {
        text: Arc::clone(text),
        text_base,
        buf_ptr: buf.as_ptr() as usize,
        buf_len: buf.len(),
        base,
        docs: Vec::new(),
        problems: Vec::new(),
        nodes: Vec::new(),
        extra: String::new(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        in_doc: false,
        doc_start: 0,
        failed: false,
        budget_used: 0,
    };
    loop {
        match parser.next_event() {
            None => break,
            Some(Ok((event, span))) => b.event(event, &span),
            Some(Err(e)) => {
                let at = offset(e.marker()) + base;
                let message = e.info().to_string();
                b.fail(at..at, message);
                match parser.proceed_next_document() {
                    Ok(true) => {}
                    _ => break,
                }
            }
        }
    }
    if b.in_doc && !b.failed {
        b.end_doc();
    }
    (b.docs, b.problems)
}

struct Open {
    rec: u32,
    children: u32,
    flow: bool,
    anchor: usize,
}

struct Builder {
    text: Text,
    text_base: usize,
    buf_ptr: usize,
    buf_len: usize,
    base: usize,
    docs: Vec<Document>,
    problems: Vec<ParseProblem>,
    nodes: Vec<Rec>,
    extra: String,
    stack: Vec<Open>,
    /// Anchor id -> (first record, record count) of the anchored node.
    anchors: HashMap<usize, (u32, u32)>,
    in_doc: bool,
    doc_start: usize,
    failed: bool,
    budget_used: usize,
}

impl Builder {
    fn span(&self, s: &Span) -> Range<usize> {
        offset(&s.start) + self.base..offset(&s.end) + self.base
    }

    fn event(&mut self, event: Event<'_>, span: &Span) {
        if self.failed {
            // The rest of a failed document is ignored until the next one.
            if !matches!(event, Event::DocumentStart(..) | Event::StreamEnd) {
                return;
            }
            self.failed = false;
        }
        match event {
            Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(..) => {
                self.doc_start = offset(&span.start) + self.base;
                self.reset();
                self.in_doc = true;
            }
            Event::DocumentEnd => self.end_doc(),
            Event::Scalar(value, style, anchor, tag) => {
                let plain = matches!(style, ScalarStyle::Plain) && tag.is_none();
                let tag = match tag.as_deref().map(|t| t.core_suffix()) {
                    None => Tag::None,
                    Some(Some("str" | "binary" | "timestamp")) => Tag::Str,
                    Some(Some("null")) => Tag::Null,
                    Some(Some("bool")) => Tag::Bool,
                    Some(Some("int")) => Tag::Int,
                    Some(Some("float")) => Tag::Float,
                    Some(_) => Tag::Other,
                };
                let mut flags = tag_bits(tag) | if plain { PLAIN } else { 0 };
                // A value that is a slice of the input is stored as an offset.
                let ptr = value.as_ptr() as usize;
                let a = if ptr >= self.buf_ptr && ptr + value.len() <= self.buf_ptr + self.buf_len {
                    ptr - self.buf_ptr + self.base
                } else {
                    flags |= IN_EXTRA;
                    let at = self.extra.len();
                    self.extra.push_str(&value);
                    at
                };
                let sp = self.span(span);
                let i = to_u32(self.nodes.len());
                self.nodes.push(Rec {
                    start: to_u32(sp.start),
                    end: to_u32(sp.end),
                    a: to_u32(a),
                    b: to_u32(value.len()),
                    kind: SCALAR,
                    flags,
                });
                if anchor != 0 {
                    self.anchors.insert(anchor, (i, 1));
                }
                self.added();
            }
            Event::SequenceStart(style, anchor, _) => self.open(SEQ, style, anchor, span),
            Event::MappingStart(style, anchor, _) => self.open(MAP, style, anchor, span),
            Event::SequenceEnd | Event::MappingEnd => self.close(span),
            Event::Alias(id) => {
                let at = self.span(span);
                let Some(&(first, count)) = self.anchors.get(&id) else {
                    self.fail(at, "alias to an unknown anchor".to_owned());
                    return;
                };
                if count == 0 {
                    self.fail(at, "alias to a node that contains it".to_owned());
                    return;
                }
                self.budget_used = self.budget_used.saturating_add(count as usize);
                if self.budget_used > ALIAS_BUDGET {
                    self.fail(
                        at,
                        format!(
                            "aliases expand this document to more than {ALIAS_BUDGET} nodes (an alias bomb?)"
                        ),
                    );
                    return;
                }
                // Records are position-independent: a copy is the same subtree.
                self.nodes
                    .extend_from_within(first as usize..(first + count) as usize);
                self.added();
            }
            _ => {}
        }
    }

    fn open(&mut self, kind: u8, style: StructureStyle, anchor: usize, span: &Span) {
        let start = offset(&span.start) + self.base;
        let i = to_u32(self.nodes.len());
        self.nodes.push(Rec {
            start: to_u32(start),
            end: to_u32(start),
            a: 0,
            b: 1,
            kind,
            flags: 0,
        });
        if anchor != 0 {
            // Not complete yet: an alias to it from inside is refused.
            self.anchors.insert(anchor, (i, 0));
        }
        self.stack.push(Open {
            rec: i,
            children: 0,
            flow: style == StructureStyle::Flow,
            anchor,
        });
    }

    fn close(&mut self, span: &Span) {
        let Some(open) = self.stack.pop() else {
            return;
        };
        let i = open.rec as usize;
        let size = self.nodes.len() - i;
        self.nodes[i].a = open.children;
        self.nodes[i].b = to_u32(size);
        let start = self.nodes[i].start as usize;
        let end = if open.flow {
            offset(&span.end) + self.base
        } else {
            // A block collection ends with its last child.
            self.last_child_end(i).unwrap_or(start)
        };
        self.nodes[i].end = to_u32(end.max(start));
        if self.nodes[i].kind == MAP {
            self.check_duplicates(open.rec);
        }
        if open.anchor != 0 {
            self.anchors.insert(open.anchor, (open.rec, to_u32(size)));
        }
        self.added();
    }

    /// End offset of the last child of the collection at record `i`.
    fn last_child_end(&self, i: usize) -> Option<usize> {
        let r = self.nodes[i];
        if r.a == 0 {
            return None;
        }
        let mut next = i + 1;
        let mut last = next;
        for _ in 0..r.a {
            last = next;
            let c = self.nodes[next];
            next += if c.kind == SCALAR {
                1
            } else {
                c.b.max(1) as usize
            };
        }
        Some(self.nodes[last].end as usize)
    }

    fn check_duplicates(&mut self, map: u32) {
        let r = self.nodes[map as usize];
        if r.a < 4 {
            return;
        }
        // The scalar keys of the map, without allocating for small maps,
        // each with the record index of its value.
        let mut keys: Vec<(&str, u32, u32, usize)> = Vec::with_capacity(r.a as usize / 2);
        let mut next = map as usize + 1;
        for child in 0..r.a {
            let c = self.nodes[next];
            if child % 2 == 0 && c.kind == SCALAR {
                let range = c.a as usize..c.a as usize + c.b as usize;
                let key = if c.flags & IN_EXTRA != 0 {
                    self.extra.get(range)
                } else {
                    window(&self.text, self.text_base, range)
                };
                let key = key.unwrap_or("");
                if key != "<<" {
                    let value = next + 1;
                    keys.push((key, c.start, c.end, value));
                }
            }
            next += if c.kind == SCALAR {
                1
            } else {
                c.b.max(1) as usize
            };
        }
        // (span of the repeated key, key, value index of the first one,
        // value index of the repeat).
        let mut dups: Vec<(Range<usize>, String, usize, usize)> = Vec::new();
        if keys.len() <= 32 {
            for (i, (k, start, end, v)) in keys.iter().enumerate() {
                if let Some((_, _, _, first)) = keys[..i].iter().find(|(prev, ..)| prev == k) {
                    dups.push((*start as usize..*end as usize, (*k).to_owned(), *first, *v));
                }
            }
        } else {
            let mut seen: HashMap<&str, usize> = HashMap::with_capacity(keys.len());
            for (k, start, end, v) in &keys {
                match seen.get(k) {
                    Some(first) => {
                        dups.push((*start as usize..*end as usize, (*k).to_owned(), *first, *v))
                    }
                    None => {
                        seen.insert(k, *v);
                    }
                }
            }
        }
        let document = self.docs.len();
        for (span, key, first, repeat) in dups {
            let (a, b) = (self.shown_value(first), self.shown_value(repeat));
            self.problems.push(ParseProblem {
                span,
                message: format!(
                    "duplicate key `{key}` (first {a}, then {b}): kubectl keeps the last value, {b}; kustomize refuses the file"
                ),
                document,
            });
        }
    }

    /// A value as a message shows it: a short scalar in backticks, else
    /// what it is.
    fn shown_value(&self, i: usize) -> String {
        let Some(c) = self.nodes.get(i).copied() else {
            return "a value".to_owned();
        };
        match c.kind {
            SCALAR => {
                let range = c.a as usize..c.a as usize + c.b as usize;
                let text = if c.flags & IN_EXTRA != 0 {
                    self.extra.get(range)
                } else {
                    window(&self.text, self.text_base, range)
                };
                match text {
                    Some(t) if t.chars().count() <= 40 && !t.contains('\n') => format!("`{t}`"),
                    Some(_) => "a long text".to_owned(),
                    None => "a value".to_owned(),
                }
            }
            SEQ => "a list".to_owned(),
            _ => "a mapping".to_owned(),
        }
    }

    /// A node was completed: count it as a child of the open collection.
    fn added(&mut self) {
        if let Some(open) = self.stack.last_mut() {
            open.children += 1;
        }
    }

    fn reset(&mut self) {
        self.nodes.clear();
        self.extra.clear();
        self.stack.clear();
        self.anchors.clear();
        self.budget_used = 0;
    }

    fn end_doc(&mut self) {
        if !self.in_doc {
            return;
        }
        self.in_doc = false;
        // Exact-size copies: trees of StatefulSets live until the engine runs,
        // and the builder's buffers are reused for the next document.
        let tree = (!self.nodes.is_empty()).then(|| {
            Box::new(Tree {
                text: Arc::clone(&self.text),
                base: self.text_base,
                nodes: self.nodes.iter().map(|r| pack(r).0).collect(),
                bits: self.nodes.iter().map(|r| pack(r).1).collect(),
                extra: self.extra.as_str().to_owned(),
            })
        });
        self.reset();
        self.docs.push(Document {
            index: self.docs.len(),
            tree,
            start: self.doc_start,
        });
    }

    fn fail(&mut self, span: Range<usize>, message: String) {
        let start = if self.in_doc {
            self.doc_start
        } else {
            span.start
        };
        self.problems.push(ParseProblem {
            span,
            message,
            document: self.docs.len(),
        });
        self.reset();
        // The document is kept (as unparsable) so document indexes stay right.
        self.docs.push(Document {
            index: self.docs.len(),
            tree: None,
            start,
        });
        self.in_doc = false;
        self.failed = true;
    }
}
