//! Typed decoding with repair: a field that fails to decode is reported and
//! dropped (or a missing required field filled in), and decoding is retried,
//! so one bad field does not hide the rest of the object.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::finding::{Applicability, Fix, FixOp};
use crate::model::path::FieldPath;
use crate::source::locate::Seg;

/// A field that could not be decoded.
#[derive(Debug, Clone)]
pub struct DecodeProblem {
    /// `invalid-object`, or `env-value-not-string` for a non-string env value.
    pub rule: &'static str,
    /// Path of the field inside the object.
    pub path: Vec<Seg>,
    pub message: String,
    /// The help line, if one applies.
    pub help: Option<String>,
    /// The fix, when the problem has a mechanical one (quote a scalar).
    pub fix: Option<Box<Fix>>,
}

const MAX_REPAIRS: usize = 32;

/// Decode `value` into `T`, repairing it as needed. Returns the object (if it
/// could be decoded at all) and every problem found.
/// `written(path)` is the scalar at `path` as the file spells it (`0644`,
/// `on`, `"3"`), so messages can quote what the user wrote.
pub fn decode<T: DeserializeOwned>(
    mut value: Value,
    written: &dyn Fn(&[Seg]) -> Option<String>,
) -> (Option<T>, Vec<DecodeProblem>) {
    let mut problems = Vec::new();
    let mut synthetic: Vec<Vec<Seg>> = Vec::new();
    for _ in 0..MAX_REPAIRS {
        let err = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(t) => {
                // The fields the repaired object still has that its schema
                // does not know (unknown-field), as the direct path finds.
                let mut unknown = Vec::new();
                let _ = serde_ignored::deserialize::<_, _, T>(&value, |path| {
                    unknown.push(super::ignored_path(&path));
                });
                let known = |p: &DecodeProblem| p.path.clone();
                let seen: Vec<Vec<Seg>> = problems.iter().map(known).collect();
                problems.extend(
                    unknown
                        .into_iter()
                        .filter(|p| !seen.contains(p))
                        .map(super::unknown_field),
                );
                return (Some(t), problems);
            }
            Err(e) => e,
        };
        let path = to_segs(err.path());
        let inner = err.inner().to_string();
        if let Some(field) = missing_field(&inner) {
            let mut full = path.clone();
            full.push(Seg::Key(field.to_owned()));
            if !insert(&mut value, &path, field, Value::Object(Default::default())) {
                problems.push(problem(path, inner, None, None));
                return (None, problems);
            }
            problems.push(problem(
                path,
                format!("required field `{field}` is missing"),
                None,
                None,
            ));
            synthetic.push(full);
            continue;
        }
        if synthetic.contains(&path) {
            // Our placeholder has the wrong type: use the one the message expects.
            if !set(&mut value, &path, placeholder_for(&inner)) {
                return (None, problems);
            }
            continue;
        }
        let as_written = written(&path);
        match env_value_problem(&path, &inner, as_written.as_deref()) {
            Some(p) => problems.push(p),
            None => {
                let (message, help, fix) = reword(&path, &inner, as_written.as_deref());
                problems.push(problem(path.clone(), message, help, fix));
            }
        }
        // A bad list item is replaced, not removed, so that the items
        // after it keep their indexes for the next error.
        let repaired = match path.last() {
            Some(Seg::Index(_)) => set(&mut value, &path, placeholder_for(&inner)),
            _ => remove(&mut value, &path),
        };
        if path.is_empty() || !repaired {
            return (None, problems);
        }
    }
    (None, problems)
}

fn problem(
    path: Vec<Seg>,
    message: String,
    help: Option<String>,
    fix: Option<Fix>,
) -> DecodeProblem {
    DecodeProblem {
        rule: "invalid-object",
        path,
        message,
        help,
        fix: fix.map(Box::new),
    }
}

/// Quoting the scalar at `path`: it then reads as the text written, which
/// is what a string field means (safe).
fn quote(path: &[Seg]) -> Fix {
    Fix::new("quote the value", Applicability::Safe).edit(FieldPath(path.to_vec()), FixOp::Quote)
}

/// An env entry's `value` that YAML read as a boolean or a number.
fn env_value_problem(path: &[Seg], msg: &str, written: Option<&str>) -> Option<DecodeProblem> {
    let is_env_value = matches!(path, [.., Seg::Key(env), Seg::Index(_), Seg::Key(v)] if env == "env" && v == "value");
    let (found, expected) = split_type_error(msg)?;
    if !is_env_value || expected != "a string" {
        return None;
    }
    let w = written.unwrap_or("").trim();
    let (kind, value) = found_parts(found);
    let message = if w != value {
        format!(
            "env value `{w}` is not a string: YAML 1.1 reads it as the {kind} {value}, and kubectl rejects the object"
        )
    } else {
        format!("env value `{w}` is a {kind}, not a string: kubectl rejects the object")
    };
    Some(DecodeProblem {
        rule: "env-value-not-string",
        path: path.to_vec(),
        message,
        help: Some(format!(
            "Quote it: `value: \"{}\"` (YAML 1.1 reads unquoted yes/no/on/off/true/false and numbers as non-strings).",
            w.replace('"', "\\\"")
        )),
        fix: Some(Box::new(quote(path))),
    })
}

/// `invalid type: integer `420`, expected a string` -> (`integer `420``,
/// `a string`).
fn split_type_error(msg: &str) -> Option<(&str, &str)> {
    msg.strip_prefix("invalid type: ")?
        .split_once(", expected ")
}

/// What serde found: its kind in the user's terms (`number`, `boolean`,
/// `string`, `mapping`, `list`, `null`) and its value (`420`).
fn found_parts(found: &str) -> (&'static str, &str) {
    let value = found
        .split_once('`')
        .map_or("", |(_, rest)| rest.trim_end_matches('`'));
    let kind = if found.starts_with("boolean") {
        "boolean"
    } else if found.starts_with("integer") || found.starts_with("floating") {
        "number"
    } else if found.starts_with("string") {
        "string"
    } else if found.starts_with("map") {
        "mapping"
    } else if found.starts_with("sequence") {
        "list"
    } else {
        "null"
    };
    (kind, value)
}

/// What serde found, as written: `the number `8080``, `the string `"3"``,
/// `` `0644`, which YAML 1.1 reads as the number 420 ``.
fn found_as(found: &str, written: Option<&str>) -> String {
    let (kind, value) = found_parts(found);
    match (kind, written.map(str::trim)) {
        ("mapping", _) => "a mapping".to_owned(),
        ("list", _) => "a list".to_owned(),
        ("null", _) => "null".to_owned(),
        ("string", Some(w)) => format!("the string `{w}`"),
        (_, Some(w)) if w != value && kind != "string" => {
            format!("`{w}`, which YAML 1.1 reads as the {kind} {value}")
        }
        _ => format!("the {kind} `{value}`"),
    }
}

/// The type serde expected, in the user's terms.
fn expected_as(expected: &str) -> &str {
    match expected.trim() {
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "an integer" => "an integer",
        "f32" | "f64" => "a number",
        "a boolean" | "bool" => "true or false",
        "a sequence" => "a list",
        "a map" => "a mapping",
        "Quantity" => "a quantity (`512Mi`, `2`, `500m`)",
        e if e.starts_with("struct ") => "a mapping",
        e => e,
    }
}

fn to_segs(path: &serde_path_to_error::Path) -> Vec<Seg> {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(Seg::Index(*index)),
            Segment::Map { key } => Some(Seg::Key(key.clone())),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .collect()
}

/// A field's problem in the user's terms, with help where a fix is clear:
/// `` `replicas` is the string `"3"`, expected an integer ``.
fn reword(path: &[Seg], msg: &str, written: Option<&str>) -> (String, Option<String>, Option<Fix>) {
    let field = match path {
        [.., Seg::Key(k), Seg::Index(i)] => format!("`{k}[{i}]`"),
        [.., Seg::Key(k)] => format!("`{k}`"),
        [.., Seg::Index(i)] => format!("item {i}"),
        [] => "the object".to_owned(),
    };
    if let Some((found, expected)) = split_type_error(msg) {
        let expected = expected_as(expected);
        let message = format!(
            "{field} is {}; expected {expected}",
            found_as(found, written)
        );
        let w = written.map(str::trim).unwrap_or("");
        let key = match path.last() {
            Some(Seg::Key(k)) => format!("{k}: "),
            _ => "- ".to_owned(),
        };
        let scalar = !found.starts_with("map") && !found.starts_with("sequence");
        let mut fix = None;
        let help = if expected == "a string" && scalar && !w.is_empty() {
            fix = Some(quote(path));
            Some(format!(
                "Quote it: `{key}\"{}\"` (YAML 1.1 reads unquoted yes/no/on/off/true/false and numbers as non-strings).",
                w.replace('"', "\\\"")
            ))
        } else if expected == "an integer" && found.starts_with("string") {
            let bare = w.trim_matches(['"', '\'']);
            bare.parse::<i64>().ok().map(|n| {
                fix = Some(
                    Fix::new("write the number without quotes", Applicability::Safe)
                        .edit(FieldPath(path.to_vec()), FixOp::Set(Value::from(n))),
                );
                format!("Write the number without quotes: `{key}{bare}`.")
            })
        } else {
            None
        };
        return (message, help, fix);
    }
    let message = match msg.strip_prefix("invalid value: ") {
        Some(rest) => format!("{field} has {rest}"),
        None => format!("{field}: {msg}"),
    };
    (message, None, None)
}

fn missing_field(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("missing field `")?;
    rest.split('`').next()
}

fn placeholder_for(msg: &str) -> Value {
    let expected = msg.rsplit("expected").next().unwrap_or("");
    if expected.contains("string") || expected.contains("Quantity") {
        Value::String(String::new())
    } else if expected.contains("sequence") {
        Value::Array(Vec::new())
    } else if expected.contains("bool") {
        Value::Bool(false)
    } else if expected.contains("i32") || expected.contains("i64") || expected.contains("integer") {
        Value::from(0)
    } else {
        Value::Object(Default::default())
    }
}

fn get_mut<'a>(mut v: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    for seg in path {
        v = match (seg, v) {
            (Seg::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (Seg::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// For fixes too: the value a fix expects the edited document to read as.
pub fn insert(value: &mut Value, parent: &[Seg], field: &str, new: Value) -> bool {
    match get_mut(value, parent) {
        Some(Value::Object(m)) => {
            m.insert(field.to_owned(), new);
            true
        }
        _ => false,
    }
}

/// For fixes too: the value a fix expects the edited document to read as.
pub fn set(value: &mut Value, path: &[Seg], new: Value) -> bool {
    match get_mut(value, path) {
        Some(slot) => {
            *slot = new;
            true
        }
        None => false,
    }
}

/// For fixes too: the value a fix expects the edited document to read as.
pub fn append(value: &mut Value, path: &[Seg], new: Value) -> bool {
    match get_mut(value, path) {
        Some(Value::Array(a)) => {
            a.push(new);
            true
        }
        _ => false,
    }
}

/// For fixes too: the value a fix expects the edited document to read as.
pub fn remove(value: &mut Value, path: &[Seg]) -> bool {
    let Some((last, parent)) = path.split_last() else {
        return false;
    };
    match (last, get_mut(value, parent)) {
        (Seg::Key(k), Some(Value::Object(m))) => m.remove(k).is_some(),
        (Seg::Index(i), Some(Value::Array(a))) if *i < a.len() => {
            a.remove(*i);
            true
        }
        _ => false,
    }
}
