//! A serde Deserializer straight over the spanned tree, so typed decoding
//! needs no intermediate JSON value. Scalars resolve as kubectl reads them
//! (YAML 1.1). Trees with merge keys are left to the JSON path.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::tree::{Node, NodeKind};
use super::yaml11::{Resolved, key_string, resolve_ref};

#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// True when the tree can be decoded directly (no `<<` merge keys).
pub fn direct_ok(node: &Node<'_>) -> bool {
    match node.kind() {
        NodeKind::Scalar(_) => true,
        NodeKind::Seq(items) => items.iter().all(|n| direct_ok(&n)),
        NodeKind::Map(entries) => entries
            .iter()
            .all(|(k, v)| k.as_scalar() != Some("<<") && direct_ok(&v)),
    }
}

#[derive(Clone, Copy)]
pub struct NodeDe<'a>(pub Node<'a>);

impl<'de> de::Deserializer<'de> for NodeDe<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.kind() {
            NodeKind::Scalar(s) => match resolve_ref(&s) {
                Resolved::Null => visitor.visit_unit(),
                Resolved::Bool(b) => visitor.visit_bool(b),
                Resolved::Int(i) => visitor.visit_i64(i),
                Resolved::UInt(u) => visitor.visit_u64(u),
                Resolved::Float(f) => visitor.visit_f64(f),
                Resolved::Str(t) => visitor.visit_borrowed_str(t),
            },
            NodeKind::Seq(items) => visitor.visit_seq(Seq {
                left: items.len(),
                items: Box::new(items.iter()),
            }),
            NodeKind::Map(entries) => visitor.visit_map(Map {
                left: entries.len(),
                entries: Box::new(entries.iter()),
                value: None,
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0.kind() {
            NodeKind::Scalar(s) if resolve_ref(&s) == Resolved::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct Seq<'a> {
    items: Box<dyn Iterator<Item = Node<'a>> + 'a>,
    left: usize,
}

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.items.next() {
            Some(n) => {
                self.left -= 1;
                seed.deserialize(NodeDe(n)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

struct Map<'a> {
    entries: Box<dyn Iterator<Item = (Node<'a>, Node<'a>)> + 'a>,
    left: usize,
    value: Option<Node<'a>>,
}

impl<'de> MapAccess<'de> for Map<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((k, v)) = self.entries.next() else {
            return Ok(None);
        };
        self.left -= 1;
        self.value = Some(v);
        match k.kind() {
            // Keys are strings in JSON; a plain `true:` key becomes "true".
            NodeKind::Scalar(s) if matches!(resolve_ref(&s), Resolved::Str(_)) => seed
                .deserialize(de::value::BorrowedStrDeserializer::new(s.value))
                .map(Some),
            _ => seed
                .deserialize(key_string(&k).into_deserializer())
                .map(Some),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(NodeDe(v)),
            None => Err(de::Error::custom("value without a key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}
