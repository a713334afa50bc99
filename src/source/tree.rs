//! A spanned YAML tree built from one pass over the parser's events.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use granit_parser::{Event, Parser, ScalarStyle, Span, StructureStyle};

/// Most nodes that alias expansion may add to one document (billion-laughs guard).
pub const ALIAS_BUDGET: usize = 100_000;

/// A node of the tree. Kept small (32 bytes): trees of every document
/// stay in memory until diagnostics are located.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    start: u32,
    end: u32,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Scalar(Scalar),
    Seq(Box<[Node]>),
    Map(Box<[(Node, Node)]>),
}

#[derive(Debug, Clone)]
pub struct Scalar {
    pub value: Box<str>,
    /// Plain (unquoted, non-block) scalars are resolved to bool/int/null.
    pub plain: bool,
    /// Explicit core-schema tag (`!!str`, `!!int`, ...).
    pub tag: Tag,
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

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Node {
    pub fn new(kind: NodeKind, span: Range<usize>) -> Node {
        Node {
            kind,
            start: to_u32(span.start),
            end: to_u32(span.end),
        }
    }

    /// Byte range of the node in the file.
    pub fn span(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn set_span(&mut self, span: Range<usize>) {
        self.start = to_u32(span.start);
        self.end = to_u32(span.end);
    }

    /// The text of a scalar node, whatever its style.
    pub fn as_scalar(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(&s.value),
            _ => None,
        }
    }

    /// Look up a key in a mapping node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Look up a key in a mapping node, returning key and value nodes.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.as_scalar() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }
}

/// One YAML document of a file.
#[derive(Debug)]
pub struct Document {
    /// 0-based index of the document in its file.
    pub index: usize,
    /// The root node; `None` for an empty document, one that failed to
    /// parse, or once the tree has been released after decoding.
    pub root: Option<Node>,
    /// Byte offset where the document starts (its `---` or first token).
    pub start: usize,
}

/// A syntax problem found while parsing.
#[derive(Debug, Clone)]
pub struct ParseProblem {
    pub span: Range<usize>,
    pub message: String,
    pub document: usize,
}

enum Frame {
    Seq {
        start: usize,
        flow: bool,
        anchor: usize,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        flow: bool,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

fn offset(m: &granit_parser::Marker) -> usize {
    m.byte_offset().unwrap_or_else(|| m.index())
}

fn span_of(s: &Span) -> Range<usize> {
    offset(&s.start)..offset(&s.end)
}

/// Parse a whole file into documents, recovering at the next document after
/// a syntax error.
pub fn parse(text: &str) -> (Vec<Document>, Vec<ParseProblem>) {
    let options = granit_parser::options! { emit_comments: false };
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut b = Builder::default();
    loop {
        match parser.next_event() {
            None => break,
            Some(Ok((event, span))) => b.event(event, &span),
            Some(Err(e)) => {
                let at = offset(e.marker());
                let message = e.info().to_string();
                b.fail(at..at, message);
                match parser.proceed_next_document() {
                    Ok(true) => {}
                    _ => break,
                }
            }
        }
    }
    b.finish_open(text.len());
    (b.docs, b.problems)
}

#[derive(Default)]
struct Builder {
    docs: Vec<Document>,
    problems: Vec<ParseProblem>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    in_doc: bool,
    doc_start: usize,
    failed: bool,
    budget_used: usize,
}

impl Builder {
    fn doc_index(&self) -> usize {
        self.docs.len()
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
                self.doc_start = offset(&span.start);
                self.stack.clear();
                self.anchors.clear();
                self.root = None;
                self.in_doc = true;
                self.budget_used = 0;
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
                let node = Node::new(
                    NodeKind::Scalar(Scalar {
                        value: value.into(),
                        plain,
                        tag,
                    }),
                    span_of(span),
                );
                if anchor != 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.attach(node);
            }
            Event::SequenceStart(style, anchor, _) => self.stack.push(Frame::Seq {
                start: offset(&span.start),
                flow: style == StructureStyle::Flow,
                anchor,
                items: Vec::new(),
            }),
            Event::MappingStart(style, anchor, _) => self.stack.push(Frame::Map {
                start: offset(&span.start),
                flow: style == StructureStyle::Flow,
                anchor,
                entries: Vec::new(),
                key: None,
            }),
            Event::SequenceEnd | Event::MappingEnd => self.close(span),
            Event::Alias(id) => {
                let at = span_of(span);
                match self.anchors.get(&id) {
                    Some(target) => {
                        let size = count_nodes(target);
                        self.budget_used = self.budget_used.saturating_add(size);
                        if self.budget_used > ALIAS_BUDGET {
                            self.fail(
                                at,
                                format!(
                                    "aliases expand this document to more than {ALIAS_BUDGET} nodes (an alias bomb?)"
                                ),
                            );
                            return;
                        }
                        let node = target.clone();
                        self.attach(node);
                    }
                    None => self.fail(at, "alias to an unknown anchor".to_owned()),
                }
            }
            _ => {}
        }
    }

    fn close(&mut self, span: &Span) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let end_event = offset(&span.end);
        let (node, anchor) = match frame {
            Frame::Seq {
                start,
                flow,
                anchor,
                items,
            } => {
                let end = if flow {
                    end_event
                } else {
                    items.last().map_or(start, |n| n.span().end)
                };
                (
                    Node::new(
                        NodeKind::Seq(items.into_boxed_slice()),
                        start..end.max(start),
                    ),
                    anchor,
                )
            }
            Frame::Map {
                start,
                flow,
                anchor,
                entries,
                ..
            } => {
                self.check_duplicates(&entries);
                let end = if flow {
                    end_event
                } else {
                    entries.last().map_or(start, |(_, v)| v.span().end)
                };
                (
                    Node::new(
                        NodeKind::Map(entries.into_boxed_slice()),
                        start..end.max(start),
                    ),
                    anchor,
                )
            }
        };
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        self.attach(node);
    }

    fn check_duplicates(&mut self, entries: &[(Node, Node)]) {
        let mut seen = HashSet::new();
        for (k, _) in entries {
            if let Some(key) = k.as_scalar()
                && key != "<<"
                && !seen.insert(key)
            {
                self.problems.push(ParseProblem {
                    span: k.span(),
                    message: format!("duplicate key `{key}`"),
                    document: self.doc_index(),
                });
            }
        }
    }

    fn attach(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }

    fn end_doc(&mut self) {
        if !self.in_doc {
            return;
        }
        self.in_doc = false;
        self.stack.clear();
        self.anchors.clear();
        let root = self.root.take();
        self.docs.push(Document {
            index: self.docs.len(),
            root,
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
            document: self.doc_index(),
        });
        self.stack.clear();
        self.anchors.clear();
        self.root = None;
        // The document is kept (as unparsable) so document indexes stay right.
        self.docs.push(Document {
            index: self.docs.len(),
            root: None,
            start,
        });
        self.in_doc = false;
        self.failed = true;
    }

    fn finish_open(&mut self, _len: usize) {
        if self.in_doc && !self.failed {
            self.end_doc();
        }
    }
}

fn count_nodes(node: &Node) -> usize {
    match &node.kind {
        NodeKind::Scalar(_) => 1,
        NodeKind::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        NodeKind::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| count_nodes(k) + count_nodes(v))
                .sum::<usize>()
        }
    }
}
