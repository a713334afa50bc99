//! Typed decoding with repair: a field that fails to decode is reported and
//! dropped (or a missing required field filled in), and decoding is retried,
//! so one bad field does not hide the rest of the object.

use serde::de::DeserializeOwned;
use serde_json::Value;

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
}

const MAX_REPAIRS: usize = 32;

/// Decode `value` into `T`, repairing it as needed. Returns the object (if it
/// could be decoded at all) and every problem found.
pub fn decode<T: DeserializeOwned>(mut value: Value) -> (Option<T>, Vec<DecodeProblem>) {
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
                problems.push(problem(path, inner, None));
                return (None, problems);
            }
            problems.push(problem(
                path,
                format!("required field `{field}` is missing"),
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
        match env_value_problem(&path, &inner) {
            Some(p) => problems.push(p),
            None => {
                let help = help_for(&inner);
                problems.push(problem(path.clone(), reword(&path, &inner), help));
            }
        }
        if path.is_empty() || !remove(&mut value, &path) {
            return (None, problems);
        }
    }
    (None, problems)
}

fn problem(path: Vec<Seg>, message: String, help: Option<String>) -> DecodeProblem {
    DecodeProblem {
        rule: "invalid-object",
        path,
        message,
        help,
    }
}

/// An env entry's `value` that YAML read as a boolean or a number.
fn env_value_problem(path: &[Seg], msg: &str) -> Option<DecodeProblem> {
    let is_env_value = matches!(path, [.., Seg::Key(env), Seg::Index(_), Seg::Key(v)] if env == "env" && v == "value");
    let found = msg
        .strip_prefix("invalid type: ")?
        .split(", expected")
        .next()?;
    if !is_env_value || !msg.contains("expected a string") {
        return None;
    }
    Some(DecodeProblem {
        rule: "env-value-not-string",
        path: path.to_vec(),
        message: format!("env value is {found}, not a string: kubectl rejects the object"),
        help: Some(
            "Quote the value (`value: \"true\"`): YAML reads unquoted yes/no/on/off/true/false and numbers as non-strings."
                .to_owned(),
        ),
    })
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

/// `invalid type: boolean `true`, expected a string` ->
/// `` `value` is boolean `true`, expected a string ``.
fn reword(path: &[Seg], msg: &str) -> String {
    let field = match path.last() {
        Some(Seg::Key(k)) => format!("`{k}`"),
        Some(Seg::Index(i)) => format!("item {i}"),
        None => "the object".to_owned(),
    };
    match msg.strip_prefix("invalid type: ") {
        Some(rest) => format!("{field} is {rest}"),
        None => match msg.strip_prefix("invalid value: ") {
            Some(rest) => format!("{field} has {rest}"),
            None => format!("{field}: {msg}"),
        },
    }
}

fn missing_field(msg: &str) -> Option<&str> {
    let rest = msg.strip_prefix("missing field `")?;
    rest.split('`').next()
}

fn help_for(msg: &str) -> Option<String> {
    let not_string = msg.contains("expected a string")
        && (msg.contains("boolean") || msg.contains("integer") || msg.contains("floating"));
    if not_string {
        return Some(
            "Quote the value: YAML reads unquoted yes/no/on/off/true/false and numbers as non-strings."
                .to_owned(),
        );
    }
    None
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

fn insert(value: &mut Value, parent: &[Seg], field: &str, new: Value) -> bool {
    match get_mut(value, parent) {
        Some(Value::Object(m)) => {
            m.insert(field.to_owned(), new);
            true
        }
        _ => false,
    }
}

fn set(value: &mut Value, path: &[Seg], new: Value) -> bool {
    match get_mut(value, path) {
        Some(slot) => {
            *slot = new;
            true
        }
        None => false,
    }
}

fn remove(value: &mut Value, path: &[Seg]) -> bool {
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
