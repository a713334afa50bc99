//! Scalar resolution as kubectl reads YAML (YAML 1.1 through go-yaml), and
//! conversion of a spanned tree to a JSON value for typed decoding.

use serde_json::{Map, Number, Value};

use super::tree::{Node, NodeKind, Scalar, Tag};

/// A scalar resolved without allocating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Resolved<'a> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(&'a str),
}

/// Resolve a scalar the way kubectl's YAML reader does, borrowing strings.
pub fn resolve_ref<'a>(s: &Scalar<'a>) -> Resolved<'a> {
    let text = Resolved::Str(s.value);
    let number = |v: Value| match v {
        Value::Number(n) => n
            .as_u64()
            .map(Resolved::UInt)
            .or_else(|| n.as_i64().map(Resolved::Int))
            .or_else(|| n.as_f64().map(Resolved::Float))
            .unwrap_or(text),
        _ => text,
    };
    match s.tag {
        Tag::None => {}
        Tag::Str | Tag::Other => return text,
        Tag::Null => return Resolved::Null,
        Tag::Bool => return bool_of(s.value).map_or(text, Resolved::Bool),
        Tag::Int | Tag::Float => return number_of(s.value).map_or(text, number),
    }
    if !s.plain {
        return text;
    }
    match s.value {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        _ => {}
    }
    if let Some(b) = bool_of(s.value) {
        return Resolved::Bool(b);
    }
    // Only text that can start a number is tried as one.
    match s.value.as_bytes()[0] {
        b'0'..=b'9' | b'-' | b'+' | b'.' => number_of(s.value).map_or(text, number),
        _ => text,
    }
}

/// Resolve a scalar the way kubectl's YAML reader does.
pub fn resolve(s: &Scalar<'_>) -> Value {
    let text = || Value::String(s.value.to_string());
    match s.tag {
        Tag::None => {}
        Tag::Str | Tag::Other => return text(),
        Tag::Null => return Value::Null,
        Tag::Bool => return bool_of(s.value).map_or_else(text, Value::Bool),
        Tag::Int | Tag::Float => return number_of(s.value).unwrap_or_else(text),
    }
    if !s.plain {
        return text();
    }
    resolve_plain(s.value)
}

/// Resolve an untagged plain scalar.
pub fn resolve_plain(v: &str) -> Value {
    match v {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(b) = bool_of(v) {
        return Value::Bool(b);
    }
    number_of(v).unwrap_or_else(|| Value::String(v.to_owned()))
}

pub fn bool_of(v: &str) -> Option<bool> {
    match v {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

/// YAML 1.1 integers (decimal, 0-octal, 0x hex, 0b binary, `_` separators)
/// and floats.
fn number_of(v: &str) -> Option<Value> {
    let first = v.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    let (neg, body) = match v.as_bytes()[0] {
        b'-' => (true, &v[1..]),
        b'+' => (false, &v[1..]),
        _ => (false, v),
    };
    if body.is_empty() {
        return None;
    }
    let digits: String = body.chars().filter(|c| *c != '_').collect();
    let int = if let Some(hex) = digits.strip_prefix("0x") {
        u64::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = digits.strip_prefix("0b") {
        u64::from_str_radix(bin, 2).ok()
    } else if digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        u64::from_str_radix(&digits[1..], 8).ok()
    } else if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<u64>().ok()
    } else {
        None
    };
    if let Some(n) = int {
        if body.starts_with('_') {
            return None;
        }
        return Some(if neg {
            i64::try_from(n)
                .ok()
                .map(|n| Value::Number(Number::from(-n)))
                .unwrap_or_else(|| Value::String(v.to_owned()))
        } else {
            Value::Number(Number::from(n))
        });
    }
    if is_float(body) {
        let f: f64 = digits.parse().ok()?;
        let f = if neg { -f } else { f };
        return Number::from_f64(f).map(Value::Number);
    }
    None
}

/// `[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?)`, with a dot
/// or exponent (plain integers were handled before).
fn is_float(body: &str) -> bool {
    let b = body.as_bytes();
    let mut i = 0;
    let mut int_digits = 0;
    while i < b.len() && (b[i].is_ascii_digit() || (b[i] == b'_' && i > 0)) {
        i += 1;
        int_digits += 1;
    }
    let mut frac = false;
    if i < b.len() && b[i] == b'.' {
        frac = true;
        i += 1;
        let s = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
        if int_digits == 0 && i == s {
            return false;
        }
    }
    if int_digits == 0 && !frac {
        return false;
    }
    let mut exp = false;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        exp = true;
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == s {
            return false;
        }
    }
    i == b.len() && (frac || exp)
}

/// The string a mapping key becomes in JSON.
/// [`key_string`], borrowed from the tree when the key is a string (most
/// keys): no allocation for a key that is only compared.
pub fn key_str<'a>(node: &Node<'a>) -> std::borrow::Cow<'a, str> {
    if let Some(s) = node.scalar()
        && let Resolved::Str(text) = resolve_ref(&s)
    {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(key_string(node))
}

pub fn key_string(node: &Node<'_>) -> String {
    match node.kind() {
        NodeKind::Scalar(s) => match resolve(&s) {
            Value::String(s) => s,
            Value::Null => "null".to_owned(),
            other => other.to_string(),
        },
        _ => String::new(),
    }
}

/// Convert a spanned tree to a JSON value, applying `<<` merge keys.
pub fn to_json(node: &Node<'_>) -> Value {
    match node.kind() {
        NodeKind::Scalar(s) => resolve(&s),
        NodeKind::Seq(items) => Value::Array(items.iter().map(|n| to_json(&n)).collect()),
        NodeKind::Map(entries) => {
            let mut map = Map::with_capacity(entries.len());
            let mut merges = Vec::new();
            for (k, v) in entries.iter() {
                if matches!(k.kind(), NodeKind::Scalar(s) if s.plain && s.value == "<<") {
                    merges.push(v);
                    continue;
                }
                map.insert(key_string(&k), to_json(&v));
            }
            for m in merges {
                let sources: Vec<Node<'_>> = match m.kind() {
                    NodeKind::Seq(items) => items.iter().collect(),
                    _ => vec![m],
                };
                for src in sources {
                    if let Value::Object(extra) = to_json(&src) {
                        for (k, v) in extra {
                            map.entry(k).or_insert(v);
                        }
                    }
                }
            }
            Value::Object(map)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_1_1_scalars() {
        assert_eq!(resolve_plain("yes"), Value::Bool(true));
        assert_eq!(resolve_plain("off"), Value::Bool(false));
        assert_eq!(resolve_plain("0644"), Value::from(420));
        assert_eq!(resolve_plain("0x1F"), Value::from(31));
        assert_eq!(resolve_plain("-3"), Value::from(-3));
        assert_eq!(resolve_plain("1_000"), Value::from(1000));
        assert_eq!(resolve_plain("1.5"), Value::from(1.5));
        assert_eq!(resolve_plain("1e3"), Value::from(1000.0));
        assert_eq!(resolve_plain("~"), Value::Null);
        assert_eq!(resolve_plain("three"), Value::from("three"));
        assert_eq!(resolve_plain("10Gi"), Value::from("10Gi"));
        assert_eq!(resolve_plain("08"), Value::from("08"));
        assert_eq!(resolve_plain("."), Value::from("."));
        assert_eq!(resolve_plain("-"), Value::from("-"));
        assert_eq!(resolve_plain("1.2.3"), Value::from("1.2.3"));
    }
}
