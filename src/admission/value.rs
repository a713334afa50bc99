//! How a manifest's tree is seen in CEL, as the API server hands an object
//! to a ValidatingAdmissionPolicy: scalars read as kubectl reads YAML 1.1,
//! integers as `int` (never `uint`, so `replicas % 2` works), int-or-string
//! fields as written, and property names that CEL cannot spell also
//! reachable in their escaped form (`__namespace__`), while the keys of
//! free-form maps (labels, annotations, ConfigMap data) stay as written.
//! The conversion itself is [`super::object`]'s; this module has the naming
//! rules and owned values (params, the objects around a set), and turns
//! those into the interpreter's form ([`val`]).

use std::collections::HashMap;
use std::sync::Arc;

use cel::Value;
use cel::common::types::{
    CelBool, CelBytes, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, CelUInt,
};
use cel::common::value::Val;
use cel::objects::{AsKeyRef, Key, KeyRef, Map};

use super::reads::{ALL, Reads};
use crate::source::Node;

/// Fields whose values are maps with free keys (`additionalProperties` in
/// the schema): their keys are data, never escaped.
pub(super) const FREE_MAPS: &[&str] = &[
    "labels",
    "annotations",
    "data",
    "binaryData",
    "stringData",
    "nodeSelector",
    "limits",
    "requests",
    "matchLabels",
    "capacity",
    "allocatable",
    "parameters",
    "hard",
    "volumeAttributes",
    "selector",
];

/// Maps of resource quantities: the API server holds them as Quantity,
/// which it writes as a string (`memory: 64` reaches a policy as `'64'`).
pub(super) const QUANTITY_MAPS: &[&str] =
    &["limits", "requests", "capacity", "allocatable", "hard"];

/// CEL's reserved words: a property with one of these names is reached as
/// `__word__` in Kubernetes CEL.
const RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// The escaped spelling of property `name`, when it needs one.
pub fn escaped(name: &str) -> Option<String> {
    if RESERVED.contains(&name) {
        return Some(format!("__{name}__"));
    }
    if !name.contains(['_', '.', '-', '/']) {
        return None;
    }
    let mut out = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        match c {
            '_' => out.push_str("__"),
            '.' => out.push_str("__dot__"),
            '-' => out.push_str("__dash__"),
            '/' => out.push_str("__slash__"),
            c => out.push(c),
        }
    }
    Some(out)
}

/// The property name that escaped spelling `name` stands for.
pub fn unescaped(name: &str) -> String {
    if let Some(inner) = name.strip_prefix("__").and_then(|n| n.strip_suffix("__"))
        && RESERVED.contains(&inner)
    {
        return inner.to_owned();
    }
    name.replace("__dot__", ".")
        .replace("__dash__", "-")
        .replace("__slash__", "/")
        .replace("__", "_")
}

/// The CEL value of a node and everything under it, as written (no
/// defaults: params and the objects around a set).
pub fn of(node: &Node<'_>) -> Value {
    read(node, &ALL)
}

/// The CEL value of a node with only the fields `reads` names (and all
/// under them), as written.
pub fn read(node: &Node<'_>, reads: &Reads) -> Value {
    // One converter for both forms: the interpreter's (made for the object
    // under review), turned into an owned value.
    let v = super::object::of(node, "", reads);
    Value::try_from(v.as_ref()).unwrap_or(Value::Null)
}

/// `value` as the interpreter holds a variable, in one pass and borrowing
/// its strings and keys: nothing is copied but the containers. (The
/// `cel` crate's own conversion copies every map twice and every string.)
pub fn val(value: &Value) -> Box<dyn Val + '_> {
    match value {
        Value::Null => Box::new(CelNull),
        Value::Bool(b) => Box::new(CelBool::from(*b)),
        Value::Int(i) => Box::new(CelInt::from(*i)),
        Value::UInt(u) => Box::new(CelUInt::from(*u)),
        Value::Float(f) => Box::new(CelDouble::from(*f)),
        Value::String(s) => Box::new(CelString::from(s.as_str())),
        Value::Bytes(b) => Box::new(CelBytes::from(b.as_slice())),
        Value::List(items) => Box::new(CelList::from(
            items.iter().map(val).collect::<Vec<Box<dyn Val + '_>>>(),
        )),
        Value::Map(m) => Box::new(CelMap::from(
            m.map
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        Key::String(s) => CelMapKey::from(s.as_str()),
                        Key::Int(i) => CelMapKey::from(*i),
                        Key::Uint(u) => CelMapKey::from(*u),
                        Key::Bool(b) => CelMapKey::from(*b),
                    };
                    (key, val(v))
                })
                .collect::<HashMap<_, _>>(),
        )),
        // Opaque values (quantities, the lookup table) and the rest: the
        // crate's conversion, which only clones an Arc for those.
        other => {
            let v: Result<Box<dyn Val>, _> = other.clone().try_into();
            v.unwrap_or_else(|_| Box::new(CelNull))
        }
    }
}

/// `value.key` of a map value.
pub fn get<'a>(value: &'a Value, key: &str) -> Option<&'a Value> {
    match value {
        Value::Map(m) => m.map.get(&KeyRef::String(key) as &dyn AsKeyRef),
        _ => None,
    }
}

/// A map value from string keys.
pub fn map(entries: impl IntoIterator<Item = (String, Value)>) -> Value {
    let map: HashMap<Key, Value> = entries
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k)), v))
        .collect();
    Value::Map(Map { map: Arc::new(map) })
}

/// A string value.
pub fn string(s: &str) -> Value {
    Value::String(Arc::new(s.to_owned()))
}

/// The string entries of a map value (labels), sorted by key.
pub fn string_map(value: Option<&Value>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = match value {
        Some(Value::Map(m)) => m
            .map
            .iter()
            .filter_map(|(k, v)| match (k, v) {
                (Key::String(k), Value::String(v)) => Some((k.to_string(), v.to_string())),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_kubernetes() {
        assert_eq!(escaped("namespace").as_deref(), Some("__namespace__"));
        assert_eq!(escaped("x-y").as_deref(), Some("x__dash__y"));
        assert_eq!(escaped("a.b/c").as_deref(), Some("a__dot__b__slash__c"));
        assert_eq!(escaped("a_b").as_deref(), Some("a__b"));
        assert_eq!(escaped("replicas"), None);
        assert_eq!(unescaped("__namespace__"), "namespace");
        assert_eq!(unescaped("x__dash__y"), "x-y");
        assert_eq!(unescaped("a__b"), "a_b");
    }
}
