//! The Kubernetes CEL libraries, on top of the `cel` crate's standard
//! library and its strings and lists extensions: quantity, the Kubernetes
//! list functions, regex `find`/`findAll`, `image()`, semver, ip/cidr,
//! `url()` (parsed as Go's `net/url`, in [`super::url`]) and the named
//! formats (in [`super::format`]).
//!
//! Functions with the semantics Kubernetes documents; each is tested below
//! with the values its documentation uses.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use cel::common::ast::{CallExpr, ComprehensionExpr, Expr, LiteralValue, operators};
use cel::extractors::{Arguments, This};
use cel::objects::{Opaque, OptionalValue};
use cel::parser::{Macro, MacroExprHelper, ParseError};
use cel::{Context, Env, ExecutionError, IdedExpr, Value};

use crate::model::quantity::parse_nanos;

type Result<T> = std::result::Result<T, ExecutionError>;

/// Functions stslint provides beyond the `cel` crate (for messages naming
/// what is supported).
pub const FUNCTIONS: &[&str] = &[
    "quantity",
    "isQuantity",
    "isGreaterThan",
    "isLessThan",
    "compareTo",
    "add",
    "sub",
    "isInteger",
    "asInteger",
    "asApproximateFloat",
    "sign",
    "sum",
    "min",
    "max",
    "isSorted",
    "find",
    "findAll",
    "image",
    "isImage",
    "registry",
    "repository",
    "tag",
    "digest",
    "identifier",
    "containsDigest",
    "lookup",
    "sets.contains",
    "sets.equivalent",
    "sets.intersects",
    "semver",
    "isSemver",
    "major",
    "minor",
    "patch",
    "ip",
    "isIP",
    "ip.isCanonical",
    "family",
    "isUnspecified",
    "isLoopback",
    "isLinkLocalMulticast",
    "isLinkLocalUnicast",
    "isGlobalUnicast",
    "cidr",
    "isCIDR",
    "containsIP",
    "containsCIDR",
    "masked",
    "prefixLength",
    "url",
    "isURL",
    "getScheme",
    "getHost",
    "getHostname",
    "getPort",
    "getEscapedPath",
    "getQuery",
    "format.named",
    "format.<name>",
    "validate",
];

/// The environment every policy expression compiles in.
pub fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // Both are the crate's own; they cannot fail on a fresh stdlib.
        let _ = env.add_extension(cel::extensions::strings);
        let _ = env.add_extension(cel::extensions::lists);
        // Fails only if `bind` were already a receiver macro of 3 arguments.
        let _ = env.add_macro(Macro::receiver("bind", 3, bind_macro));
        super::comprehensions::add_macros(&mut env);
        Arc::new(env)
    })
    .clone()
}

/// Expands `cel.bind(v, init, result)` as cel-go does: a comprehension over
/// an empty list whose accumulator `v` is `init`, and whose result is
/// `result`, so `init` is evaluated once and `v` is in scope in `result`.
/// A `bind` on any other target is left as a call.
fn bind_macro(
    helper: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> std::result::Result<Option<IdedExpr>, ParseError> {
    if !matches!(target.as_ref().map(|t| &t.expr), Some(Expr::Ident(n)) if n == "cel") {
        return Ok(None);
    }
    let (Some(result), Some(init), Some(var)) = (args.pop(), args.pop(), args.pop()) else {
        return Ok(None);
    };
    let Expr::Ident(name) = var.expr else {
        return Err(helper.new_error(
            var.id,
            "cel.bind() variable names must be simple identifiers",
        ));
    };
    Ok(Some(super::comprehensions::bind(
        helper, &name, init, result,
    )))
}

/// Whether `c` is a `cel.bind` (a comprehension over a literal empty list
/// that is never stepped).
pub fn is_bind(c: &ComprehensionExpr) -> bool {
    matches!(&c.iter_range.expr, Expr::List(l) if l.elements.is_empty())
        && matches!(&c.loop_cond.expr, Expr::Literal(LiteralValue::Boolean(b)) if !**b)
}

/// A root context with the Kubernetes functions.
pub fn context() -> Context<'static, 'static> {
    let mut cx = Context::with_env(env());
    // Registration fails only for a name the crate already declares, which
    // the library test below rules out.
    macro_rules! add {
        ($($name:literal => $f:expr),* $(,)?) => {$(
            let r = cx.add_function($name, $f);
            debug_assert!(r.is_ok(), "{}: {r:?}", $name);
        )*};
    }
    add! {
        "quantity" => quantity,
        "isQuantity" => is_quantity,
        "isGreaterThan" => is_greater_than,
        "isLessThan" => is_less_than,
        "compareTo" => compare_to,
        "add" => q_add,
        "sub" => q_sub,
        "isInteger" => is_integer,
        "asInteger" => as_integer,
        "asApproximateFloat" => as_float,
        "sign" => sign,
        "sum" => sum,
        "min" => list_min,
        "max" => list_max,
        "isSorted" => is_sorted,
        "@matches" => matches,
        "find" => find,
        "findAll" => find_all,
        "image" => image,
        "isImage" => is_image,
        "registry" => |This(i): This<Value>| image_part(i, Part::Registry),
        "repository" => |This(i): This<Value>| image_part(i, Part::Repository),
        "tag" => |This(i): This<Value>| image_part(i, Part::Tag),
        "digest" => |This(i): This<Value>| image_part(i, Part::Digest),
        "identifier" => |This(i): This<Value>| image_part(i, Part::Identifier),
        "containsDigest" => |This(i): This<Value>| image_part(i, Part::ContainsDigest),
        "lookup" => lookup,
        "@keys" => super::comprehensions::keys,
        "@mapInsert" => super::comprehensions::map_insert,
        "sets.contains" => |a: Value, b: Value| -> Result<bool> {
            let (a, b) = (list_of(&a, "sets.contains")?, list_of(&b, "sets.contains")?);
            Ok(b.iter().all(|x| a.iter().any(|y| same(x, y))))
        },
        "sets.equivalent" => |a: Value, b: Value| -> Result<bool> {
            let (a, b) = (list_of(&a, "sets.equivalent")?, list_of(&b, "sets.equivalent")?);
            let within = |l: &[Value], m: &[Value]| l.iter().all(|x| m.iter().any(|y| same(x, y)));
            Ok(within(a, b) && within(b, a))
        },
        "sets.intersects" => |a: Value, b: Value| -> Result<bool> {
            let (a, b) = (list_of(&a, "sets.intersects")?, list_of(&b, "sets.intersects")?);
            Ok(b.iter().any(|x| a.iter().any(|y| same(x, y))))
        },
        "semver" => |Arguments(args): Arguments| -> Result<Value> {
            let (text, normalize) = semver_args(&args, "semver")?;
            parse_semver(&text, normalize)
                .map(|v| Value::Opaque(Arc::new(v)))
                .map_err(|e| err("semver", e))
        },
        "isSemver" => |Arguments(args): Arguments| -> Result<bool> {
            let (text, normalize) = semver_args(&args, "isSemver")?;
            Ok(parse_semver(&text, normalize).is_ok())
        },
        "major" => |This(v): This<Value>| semver_of(&v, "major").map(|s| s.major),
        "minor" => |This(v): This<Value>| semver_of(&v, "minor").map(|s| s.minor),
        "patch" => |This(v): This<Value>| semver_of(&v, "patch").map(|s| s.patch),
        "ip" => ip_function,
        "isIP" => |s: Arc<String>| parse_ip(&s).is_ok(),
        "ip.isCanonical" => |s: Arc<String>| -> Result<bool> {
            let ip = parse_ip(&s).map_err(|e| err("ip.isCanonical", e))?;
            Ok(ip.to_string() == *s)
        },
        "family" => |This(v): This<Value>| ip_of(&v, "family").map(|ip| if ip.is_ipv4() { 4i64 } else { 6i64 }),
        "isUnspecified" => |This(v): This<Value>| ip_of(&v, "isUnspecified").map(|ip| ip.is_unspecified()),
        "isLoopback" => |This(v): This<Value>| ip_of(&v, "isLoopback").map(|ip| ip.is_loopback()),
        "isLinkLocalMulticast" => |This(v): This<Value>| ip_of(&v, "isLinkLocalMulticast").map(link_local_multicast),
        "isLinkLocalUnicast" => |This(v): This<Value>| ip_of(&v, "isLinkLocalUnicast").map(link_local_unicast),
        "isGlobalUnicast" => |This(v): This<Value>| ip_of(&v, "isGlobalUnicast").map(global_unicast),
        "cidr" => |s: Arc<String>| -> Result<Value> {
            parse_cidr(&s).map(|c| Value::Opaque(Arc::new(c))).map_err(|e| err("cidr", e))
        },
        "isCIDR" => |s: Arc<String>| parse_cidr(&s).is_ok(),
        "containsIP" => |This(v): This<Value>, other: Value| -> Result<bool> {
            let c = cidr_of(&v, "containsIP")?;
            let ip = match &other {
                Value::String(s) => parse_ip(s).map_err(|e| err("containsIP", e))?,
                o => *ip_of(o, "containsIP")?,
            };
            Ok(c.contains(ip))
        },
        "containsCIDR" => |This(v): This<Value>, other: Value| -> Result<bool> {
            let c = cidr_of(&v, "containsCIDR")?;
            let o = match &other {
                Value::String(s) => parse_cidr(s).map_err(|e| err("containsCIDR", e))?,
                o => cidr_of(o, "containsCIDR")?.clone(),
            };
            Ok(o.prefix >= c.prefix && c.contains(o.ip))
        },
        "masked" => |This(v): This<Value>| -> Result<Value> {
            let c = cidr_of(&v, "masked")?;
            Ok(Value::Opaque(Arc::new(Cidr { ip: c.network(), prefix: c.prefix })))
        },
        "prefixLength" => |This(v): This<Value>| cidr_of(&v, "prefixLength").map(|c| i64::from(c.prefix)),
        "url" => |s: Arc<String>| -> Result<Value> {
            // What is a URL is Go's ParseRequestURI; its parts are Parse's.
            let url = super::url::parse_request_uri(&s)
                .and_then(|_| super::url::parse_reference(&s))
                .map_err(|e| err("url", format!("URL parse error during conversion from string: {e}")))?;
            Ok(Value::Opaque(Arc::new(UrlValue(url))))
        },
        "isURL" => |s: Arc<String>| super::url::parse_request_uri(&s).is_ok(),
        "getScheme" => |This(v): This<Value>| url_part(&v, "getScheme", |u| u.scheme.clone()),
        "getHost" => |This(v): This<Value>| url_part(&v, "getHost", |u| u.host.clone()),
        "getHostname" => |This(v): This<Value>| url_part(&v, "getHostname", |u| u.hostname().to_owned()),
        "getPort" => |This(v): This<Value>| url_part(&v, "getPort", |u| u.port().to_owned()),
        "getEscapedPath" => |This(v): This<Value>| url_part(&v, "getEscapedPath", super::url::Url::escaped_path),
        "getQuery" => |This(v): This<Value>| -> Result<Value> {
            let u = url_of(&v, "getQuery")?;
            Ok(Value::from(
                u.query()
                    .into_iter()
                    .map(|(k, vs)| (k, Value::List(Arc::new(vs.into_iter().map(Value::from).collect()))))
                    .collect::<HashMap<String, Value>>(),
            ))
        },
        "format.named" => |name: Arc<String>| -> Value {
            let found = super::format::NAMES.iter().find(|n| **n == name.as_str());
            Value::Opaque(Arc::new(match found {
                Some(n) => OptionalValue::of(Value::Opaque(Arc::new(Format(n)))),
                None => OptionalValue::none(),
            }))
        },
        "validate" => |This(f): This<Value>, s: Arc<String>| -> Result<Value> {
            let name = match &f {
                Value::Opaque(o) => o.downcast_ref::<Format>().map(|f| f.0),
                _ => None,
            }
            .ok_or_else(|| err("validate", format!("{f:?} is not a format")))?;
            let errors = super::format::validate(name, &s).unwrap_or_default();
            Ok(Value::Opaque(Arc::new(if errors.is_empty() {
                OptionalValue::none()
            } else {
                OptionalValue::of(Value::List(Arc::new(errors.into_iter().map(Value::from).collect())))
            })))
        },
    }
    for name in super::format::NAMES {
        let r = cx.add_function(&format!("format.{name}"), move || {
            Value::Opaque(Arc::new(Format(name)))
        });
        debug_assert!(r.is_ok(), "format.{name}: {r:?}");
    }
    cx
}

thread_local! {
    /// The root context of this thread: the functions are registered once.
    static ROOT: Context<'static, 'static> = context();
}

/// Run `f` with this thread's root context (bind variables in a scope of
/// it: `new_inner_scope`).
pub fn with_root<R>(f: impl FnOnce(&Context<'_, 'static>) -> R) -> R {
    ROOT.with(|root| f(root))
}

pub(super) fn err(function: &str, message: impl ToString) -> ExecutionError {
    ExecutionError::function_error(function, message)
}

// ---- quantity -------------------------------------------------------------

/// A Kubernetes resource quantity, exact in nano-units.
#[derive(Debug, Clone)]
pub struct Quantity {
    nanos: i128,
    text: Arc<String>,
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl Opaque for Quantity {
    fn runtime_type_name(&self) -> &str {
        "kubernetes.Quantity"
    }
}

fn quantity_of(v: &Value, function: &str) -> Result<i128> {
    match v {
        Value::Opaque(o) => o
            .downcast_ref::<Quantity>()
            .map(|q| q.nanos)
            .ok_or_else(|| err(function, "not a quantity")),
        Value::Int(i) => Ok(i128::from(*i) * 1_000_000_000),
        _ => Err(err(function, format!("{v:?} is not a quantity"))),
    }
}

fn make_quantity(nanos: i128) -> Value {
    Value::Opaque(Arc::new(Quantity {
        nanos,
        text: Arc::new(format_nanos(nanos)),
    }))
}

/// A quantity's canonical-enough text for messages.
fn format_nanos(nanos: i128) -> String {
    let whole = nanos / 1_000_000_000;
    let frac = (nanos % 1_000_000_000).abs();
    if frac == 0 {
        whole.to_string()
    } else {
        let f = format!("{frac:09}");
        format!("{whole}.{}", f.trim_end_matches('0'))
    }
}

fn quantity(s: Arc<String>) -> Result<Value> {
    match parse_nanos(&s) {
        Some(nanos) if !s.trim().is_empty() && s.trim() == s.as_str() => {
            Ok(Value::Opaque(Arc::new(Quantity {
                nanos,
                text: s.clone(),
            })))
        }
        _ => Err(err("quantity", format!("invalid quantity: {s:?}"))),
    }
}

fn is_quantity(s: Arc<String>) -> bool {
    parse_nanos(&s).is_some() && s.trim() == s.as_str()
}

/// The order of two quantities, or of two semantic versions.
fn order(a: &Value, b: &Value, function: &str) -> Result<std::cmp::Ordering> {
    if let (Some(x), Some(y)) = (as_semver(a), as_semver(b)) {
        return Ok(x.cmp_precedence(y));
    }
    Ok(quantity_of(a, function)?.cmp(&quantity_of(b, function)?))
}

fn is_greater_than(This(a): This<Value>, b: Value) -> Result<bool> {
    Ok(order(&a, &b, "isGreaterThan")?.is_gt())
}

fn is_less_than(This(a): This<Value>, b: Value) -> Result<bool> {
    Ok(order(&a, &b, "isLessThan")?.is_lt())
}

fn compare_to(This(a): This<Value>, b: Value) -> Result<i64> {
    Ok(match order(&a, &b, "compareTo")? {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

fn q_add(This(a): This<Value>, b: Value) -> Result<Value> {
    let s = quantity_of(&a, "add")?
        .checked_add(quantity_of(&b, "add")?)
        .ok_or_else(|| err("add", "overflow"))?;
    Ok(make_quantity(s))
}

fn q_sub(This(a): This<Value>, b: Value) -> Result<Value> {
    let s = quantity_of(&a, "sub")?
        .checked_sub(quantity_of(&b, "sub")?)
        .ok_or_else(|| err("sub", "overflow"))?;
    Ok(make_quantity(s))
}

fn is_integer(This(a): This<Value>) -> Result<bool> {
    let n = quantity_of(&a, "isInteger")?;
    Ok(n % 1_000_000_000 == 0 && i64::try_from(n / 1_000_000_000).is_ok())
}

fn as_integer(This(a): This<Value>) -> Result<i64> {
    let n = quantity_of(&a, "asInteger")?;
    if n % 1_000_000_000 != 0 {
        return Err(err("asInteger", "the quantity is not an integer"));
    }
    i64::try_from(n / 1_000_000_000).map_err(|_| err("asInteger", "the quantity overflows int"))
}

fn as_float(This(a): This<Value>) -> Result<f64> {
    Ok(quantity_of(&a, "asApproximateFloat")? as f64 / 1e9)
}

fn sign(This(a): This<Value>) -> Result<i64> {
    Ok(match quantity_of(&a, "sign")?.signum() {
        1 => 1,
        -1 => -1,
        _ => 0,
    })
}

/// The text a quantity was written as (for messages).
pub fn quantity_text(v: &Value) -> Option<String> {
    match v {
        Value::Opaque(o) => o.downcast_ref::<Quantity>().map(|q| q.text.to_string()),
        _ => None,
    }
}

// ---- lists ----------------------------------------------------------------

fn list_of<'a>(v: &'a Value, function: &str) -> Result<&'a [Value]> {
    match v {
        Value::List(l) => Ok(l.as_slice()),
        _ => Err(err(function, format!("{v:?} is not a list"))),
    }
}

fn sum(This(l): This<Value>) -> Result<Value> {
    let items = list_of(&l, "sum")?;
    let mut int: i64 = 0;
    let mut float: f64 = 0.0;
    let mut floats = false;
    let mut quantity: Option<i128> = None;
    for v in items {
        match v {
            Value::Int(i) => int = int.checked_add(*i).ok_or_else(|| err("sum", "overflow"))?,
            Value::Float(f) => {
                floats = true;
                float += f;
            }
            Value::Opaque(_) => {
                quantity = Some(quantity.unwrap_or(0) + quantity_of(v, "sum")?);
            }
            other => return Err(err("sum", format!("cannot sum {other:?}"))),
        }
    }
    Ok(match (quantity, floats) {
        (Some(q), _) => make_quantity(q),
        (None, true) => Value::Float(float + int as f64),
        (None, false) => Value::Int(int),
    })
}

fn ordered(a: &Value, b: &Value, function: &str) -> Result<std::cmp::Ordering> {
    match (a, b) {
        (Value::Opaque(_), _) | (_, Value::Opaque(_)) => {
            Ok(quantity_of(a, function)?.cmp(&quantity_of(b, function)?))
        }
        _ => a
            .partial_cmp(b)
            .ok_or_else(|| err(function, format!("{a:?} and {b:?} cannot be compared"))),
    }
}

fn extreme(l: &Value, function: &str, want: std::cmp::Ordering) -> Result<Value> {
    let items = list_of(l, function)?;
    let mut best = items
        .first()
        .ok_or_else(|| err(function, "the list is empty"))?;
    for v in &items[1..] {
        if ordered(v, best, function)? == want {
            best = v;
        }
    }
    Ok(best.clone())
}

fn list_min(This(l): This<Value>) -> Result<Value> {
    extreme(&l, "min", std::cmp::Ordering::Less)
}

fn list_max(This(l): This<Value>) -> Result<Value> {
    extreme(&l, "max", std::cmp::Ordering::Greater)
}

fn is_sorted(This(l): This<Value>) -> Result<bool> {
    let items = list_of(&l, "isSorted")?;
    for w in items.windows(2) {
        if ordered(&w[0], &w[1], "isSorted")? == std::cmp::Ordering::Greater {
            return Ok(false);
        }
    }
    Ok(true)
}

// ---- regex ----------------------------------------------------------------

/// The name `matches` calls are evaluated under (see [`for_evaluation`]):
/// no expression can spell it, so only the rewritten calls reach it.
pub const MATCHES: &str = "@matches";

/// Runs `f` on `pattern` compiled: once per thread and pattern, not once per
/// call (the `cel` crate's own `matches` compiles on every call).
fn with_regex<T>(pattern: &str, function: &str, f: impl FnOnce(&regex::Regex) -> T) -> Result<T> {
    thread_local! {
        static CACHE: std::cell::RefCell<HashMap<String, regex::Regex>> =
            std::cell::RefCell::new(HashMap::new());
    }
    CACHE.with_borrow_mut(|cache| {
        if let Some(r) = cache.get(pattern) {
            return Ok(f(r));
        }
        let r = regex::Regex::new(pattern)
            .map_err(|e| err(function, format!("'{pattern}' is not a valid regex: {e}")))?;
        let out = f(&r);
        // Patterns built at run time could be endless: keep the first ones.
        if cache.len() < 1024 {
            cache.insert(pattern.to_owned(), r);
        }
        Ok(out)
    })
}

fn matches(This(s): This<Arc<String>>, pattern: Arc<String>) -> Result<bool> {
    with_regex(&pattern, "matches", |r| r.is_match(&s))
}

fn find(This(s): This<Arc<String>>, pattern: Arc<String>) -> Result<Value> {
    with_regex(&pattern, "find", |r| {
        Value::String(Arc::new(
            r.find(&s).map_or(String::new(), |m| m.as_str().to_owned()),
        ))
    })
}

fn find_all(This(s): This<Arc<String>>, pattern: Arc<String>) -> Result<Value> {
    with_regex(&pattern, "findAll", |r| {
        Value::List(Arc::new(
            r.find_iter(&s)
                .map(|m| Value::String(Arc::new(m.as_str().to_owned())))
                .collect(),
        ))
    })
}

/// Selection `s` (of expression `id`) as an index: `x.f` as `x['f']`.
pub(super) fn index_of(id: u64, s: &mut cel::common::ast::SelectExpr) -> Expr {
    let field = IdedExpr {
        id,
        expr: Expr::Literal(LiteralValue::String(std::mem::take(&mut s.field).into())),
    };
    Expr::Call(CallExpr {
        func_name: operators::INDEX.to_owned(),
        target: None,
        args: vec![std::mem::take(&mut *s.operand), field],
    })
}

/// The expression that is evaluated for `e`: the same tree (same ids, so
/// every location still holds), with each `matches` call, member or global,
/// sent to [`MATCHES`], which compiles its pattern once, and the first field
/// selected on a variable that is always a map (`object.spec`) read as an
/// index (`object['spec']`). The two are the same on a map, missing key
/// included, but the crate resolves a selection chain as a qualified name
/// first: `object.spec.template.spec.containers` is looked up whole, then
/// without its last field, and so on, a hashed lookup in each scope for each
/// prefix.
pub fn for_evaluation(e: &IdedExpr) -> IdedExpr {
    /// Variables that always hold a map, unless a comprehension rebinds them.
    const MAPS: &[&str] = &["object", "variables", "request"];
    fn visit(e: &mut IdedExpr, maps: &[&str]) {
        let id = e.id;
        match &mut e.expr {
            Expr::Call(c)
                if c.func_name == "matches"
                    && c.args.len() + usize::from(c.target.is_some()) == 2 =>
            {
                MATCHES.clone_into(&mut c.func_name);
            }
            Expr::Comprehension(c) => {
                visit(&mut c.iter_range, maps);
                visit(&mut c.accu_init, maps);
                let inner: Vec<&str> = maps
                    .iter()
                    .copied()
                    .filter(|m| *m != c.iter_var && *m != c.accu_var)
                    .collect();
                for part in [&mut c.loop_cond, &mut c.loop_step, &mut c.result] {
                    visit(part, &inner);
                }
                return;
            }
            Expr::Select(s)
                if !s.test
                    && let Expr::Ident(root) = &s.operand.expr
                    && maps.contains(&root.as_str()) =>
            {
                e.expr = index_of(id, s);
                return;
            }
            _ => {}
        }
        for child in super::ast::children_mut(e) {
            visit(child, maps);
        }
    }
    let mut e = e.clone();
    visit(&mut e, MAPS);
    e
}

/// CEL equality across numeric types (`1 == 1u == 1.0`), in lists too.
fn same(a: &Value, b: &Value) -> bool {
    let num = |v: &Value| match v {
        Value::Int(i) => Some(*i as f64),
        Value::UInt(u) => Some(*u as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    };
    match (a, b) {
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q))
        }
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
    }
}

// ---- semver ---------------------------------------------------------------

/// A semantic version (semver.org 2.0.0), as Kubernetes' semver library
/// reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Semver {
    major: i64,
    minor: i64,
    patch: i64,
    pre: Vec<String>,
}

impl Opaque for Semver {
    fn runtime_type_name(&self) -> &str {
        "kubernetes.Semver"
    }
}

impl Semver {
    /// semver.org precedence: build metadata is ignored, a pre-release
    /// ranks below its release, identifiers compare numerically when both
    /// are numbers.
    fn cmp_precedence(&self, o: &Semver) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        let core = (self.major, self.minor, self.patch).cmp(&(o.major, o.minor, o.patch));
        if core != Ordering::Equal {
            return core;
        }
        match (self.pre.is_empty(), o.pre.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            _ => {}
        }
        for (a, b) in self.pre.iter().zip(&o.pre) {
            let c = match (a.parse::<u64>(), b.parse::<u64>()) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                (Ok(_), Err(_)) => Ordering::Less,
                (Err(_), Ok(_)) => Ordering::Greater,
                (Err(_), Err(_)) => a.cmp(b),
            };
            if c != Ordering::Equal {
                return c;
            }
        }
        self.pre.len().cmp(&o.pre.len())
    }
}

fn semver_args(args: &[Value], function: &str) -> Result<(String, bool)> {
    match args {
        [Value::String(s)] => Ok((s.to_string(), false)),
        [Value::String(s), Value::Bool(n)] => Ok((s.to_string(), *n)),
        _ => Err(err(
            function,
            "takes a string and an optional bool (normalize)",
        )),
    }
}

fn as_semver(v: &Value) -> Option<&Semver> {
    match v {
        Value::Opaque(o) => o.downcast_ref::<Semver>(),
        _ => None,
    }
}

fn semver_of<'a>(v: &'a Value, function: &str) -> Result<&'a Semver> {
    as_semver(v).ok_or_else(|| err(function, format!("{v:?} is not a semver")))
}

/// Parse `s` strictly (`1.2.3`, `1.2.3-rc.1+build.5`), or with
/// `normalize` as Kubernetes does: a leading `v`, missing minor or patch
/// (`v1.2` is 1.2.0) and leading zeros are accepted.
pub fn parse_semver(s: &str, normalize: bool) -> std::result::Result<Semver, String> {
    let bad = || format!("{s:?} is not a semantic version");
    let mut rest = s;
    if normalize {
        rest = rest.strip_prefix('v').unwrap_or(rest);
    }
    let (rest, _build) = match rest.split_once('+') {
        Some((r, b)) => {
            let ok = !b.is_empty()
                && b.split('.').all(|i| {
                    !i.is_empty() && i.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                });
            if !ok {
                return Err(bad());
            }
            (r, Some(b))
        }
        None => (rest, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let mut parts: Vec<&str> = core.split('.').collect();
    if normalize {
        while parts.len() < 3 {
            parts.push("0");
        }
    }
    if parts.len() != 3 {
        return Err(bad());
    }
    let mut nums = [0i64; 3];
    for (i, p) in parts.iter().enumerate() {
        let leading_zero = p.len() > 1 && p.starts_with('0');
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) || (leading_zero && !normalize) {
            return Err(bad());
        }
        nums[i] = p.parse().map_err(|_| bad())?;
    }
    let pre: Vec<String> = match pre {
        None => Vec::new(),
        Some(p) => {
            let ids: Vec<&str> = p.split('.').collect();
            let ok = ids.iter().all(|i| {
                !i.is_empty()
                    && i.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !(i.len() > 1 && i.starts_with('0') && i.chars().all(|c| c.is_ascii_digit()))
            });
            if !ok {
                return Err(bad());
            }
            ids.into_iter().map(str::to_owned).collect()
        }
    };
    Ok(Semver {
        major: nums[0],
        minor: nums[1],
        patch: nums[2],
        pre,
    })
}

// ---- ip and cidr ----------------------------------------------------------

/// An IP address, as Kubernetes' `ip()` reads it: no IPv4-mapped IPv6 form,
/// no zone, no leading zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ip(std::net::IpAddr);

impl std::ops::Deref for Ip {
    type Target = std::net::IpAddr;
    fn deref(&self) -> &std::net::IpAddr {
        &self.0
    }
}

impl Opaque for Ip {
    fn runtime_type_name(&self) -> &str {
        "net.IP"
    }
}

/// A CIDR: an address and a prefix length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cidr {
    ip: std::net::IpAddr,
    prefix: u8,
}

impl Opaque for Cidr {
    fn runtime_type_name(&self) -> &str {
        "net.CIDR"
    }
}

fn to_bits(ip: std::net::IpAddr) -> (u128, u8) {
    match ip {
        std::net::IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
        std::net::IpAddr::V6(v) => (u128::from(v), 128),
    }
}

impl Cidr {
    fn mask(&self) -> u128 {
        let (_, width) = to_bits(self.ip);
        let host = u32::from(width - self.prefix);
        let all = if width == 32 {
            u128::from(u32::MAX)
        } else {
            u128::MAX
        };
        all & all.checked_shl(host).unwrap_or(0)
    }

    fn network(&self) -> std::net::IpAddr {
        let (bits, width) = to_bits(self.ip);
        let n = bits & self.mask();
        if width == 32 {
            std::net::IpAddr::V4(std::net::Ipv4Addr::from(u32::try_from(n).unwrap_or(0)))
        } else {
            std::net::IpAddr::V6(std::net::Ipv6Addr::from(n))
        }
    }

    fn contains(&self, ip: std::net::IpAddr) -> bool {
        let ((a, wa), (b, wb)) = (to_bits(self.ip), to_bits(ip));
        wa == wb && (a & self.mask()) == (b & self.mask())
    }
}

fn parse_ip(s: &str) -> std::result::Result<std::net::IpAddr, String> {
    let bad = || format!("{s:?} is not an IP address");
    if s.contains('%') {
        return Err(format!("{s:?}: IP addresses with zones are not allowed"));
    }
    let ip: std::net::IpAddr = s.parse().map_err(|_| bad())?;
    if let std::net::IpAddr::V6(v6) = ip
        && v6.to_ipv4_mapped().is_some()
    {
        return Err(format!("{s:?}: IPv4-mapped IPv6 addresses are not allowed"));
    }
    Ok(ip)
}

fn parse_cidr(s: &str) -> std::result::Result<Cidr, String> {
    let bad = || format!("{s:?} is not a CIDR");
    let (addr, prefix) = s.split_once('/').ok_or_else(bad)?;
    let ip = parse_ip(addr).map_err(|_| bad())?;
    let canonical_number = !prefix.is_empty()
        && prefix.chars().all(|c| c.is_ascii_digit())
        && (prefix == "0" || !prefix.starts_with('0'));
    let prefix: u8 = prefix
        .parse()
        .ok()
        .filter(|_| canonical_number)
        .ok_or_else(bad)?;
    if prefix > to_bits(ip).1 {
        return Err(bad());
    }
    Ok(Cidr { ip, prefix })
}

/// `ip(string)`, and `<CIDR>.ip()`: the address of the CIDR.
fn ip_function(This(v): This<Value>) -> Result<Value> {
    let ip = match &v {
        Value::String(s) => parse_ip(s).map_err(|e| err("ip", e))?,
        other => cidr_of(other, "ip")?.ip,
    };
    Ok(Value::Opaque(Arc::new(Ip(ip))))
}

fn ip_of<'a>(v: &'a Value, function: &str) -> Result<&'a std::net::IpAddr> {
    match v {
        Value::Opaque(o) => o.downcast_ref::<Ip>().map(|i| &i.0),
        _ => None,
    }
    .ok_or_else(|| err(function, format!("{v:?} is not an IP address")))
}

fn cidr_of<'a>(v: &'a Value, function: &str) -> Result<&'a Cidr> {
    match v {
        Value::Opaque(o) => o.downcast_ref::<Cidr>(),
        _ => None,
    }
    .ok_or_else(|| err(function, format!("{v:?} is not a CIDR")))
}

fn link_local_unicast(ip: &std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v) => v.octets()[0] == 169 && v.octets()[1] == 254,
        std::net::IpAddr::V6(v) => v.segments()[0] & 0xffc0 == 0xfe80,
    }
}

fn link_local_multicast(ip: &std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v) => v.octets()[..3] == [224, 0, 0],
        std::net::IpAddr::V6(v) => v.segments()[0] & 0xff0f == 0xff02,
    }
}

/// As Go's `IsGlobalUnicast`: not unspecified, loopback, multicast,
/// link-local or the IPv4 broadcast address (private ranges count).
fn global_unicast(ip: &std::net::IpAddr) -> bool {
    let broadcast = matches!(ip, std::net::IpAddr::V4(v) if v.is_broadcast());
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || link_local_unicast(ip)
        || broadcast)
}

// ---- url and format -----------------------------------------------------

/// A URL value (`url()`).
#[derive(Debug, PartialEq, Eq)]
struct UrlValue(super::url::Url);

impl Opaque for UrlValue {
    fn runtime_type_name(&self) -> &str {
        "kubernetes.URL"
    }
}

fn url_of<'a>(v: &'a Value, function: &str) -> Result<&'a super::url::Url> {
    match v {
        Value::Opaque(o) => o.downcast_ref::<UrlValue>().map(|u| &u.0),
        _ => None,
    }
    .ok_or_else(|| err(function, format!("{v:?} is not a URL")))
}

fn url_part(v: &Value, function: &str, f: impl Fn(&super::url::Url) -> String) -> Result<Value> {
    url_of(v, function).map(|u| Value::from(f(u)))
}

/// A named format (`format.dns1123Label()`, `format.named(...)`).
#[derive(Debug, PartialEq, Eq)]
struct Format(&'static str);

impl Opaque for Format {
    fn runtime_type_name(&self) -> &str {
        "kubernetes.NamedFormat"
    }
}

// ---- lookup (StatefulSetPolicy) ------------------------------------------

/// The variable a StatefulSetPolicy's evaluation binds to the run's objects.
pub const OBJECTS: &str = "__objects__";

/// The run's objects by (kind, namespace, name), for `lookup()`. The
/// namespace of a cluster-scoped object is empty.
#[derive(Debug, Default)]
pub struct Objects(pub HashMap<(String, String, String), Value>);

impl PartialEq for Objects {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Objects {}

impl Opaque for Objects {
    fn runtime_type_name(&self) -> &str {
        "stslint.Objects"
    }
}

/// `lookup(kind, namespace, name)`: the object among the manifests, or
/// null. stslint's own, for StatefulSetPolicies.
fn lookup(
    ftx: &cel::FunctionContext,
    kind: Arc<String>,
    namespace: Arc<String>,
    name: Arc<String>,
) -> Result<Value> {
    let table = ftx
        .ptx
        .get_variable(OBJECTS)
        .and_then(|v| Value::try_from(&*v).ok());
    let Some(Value::Opaque(o)) = table else {
        return Err(err(
            "lookup",
            "lookup() is stslint's own: it exists in StatefulSetPolicies, not in a ValidatingAdmissionPolicy",
        ));
    };
    let Some(objects) = o.downcast_ref::<Objects>() else {
        return Err(err("lookup", "no objects"));
    };
    let key = (kind.to_string(), namespace.to_string(), name.to_string());
    Ok(objects.0.get(&key).cloned().unwrap_or(Value::Null))
}

// ---- image ----------------------------------------------------------------

/// A container image reference, read as go-containerregistry reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    registry: String,
    repository: String,
    tag: String,
    digest: String,
}

impl Image {
    /// The repository, normalised (`library/postgres` for `postgres`).
    pub fn repository(&self) -> &str {
        &self.repository
    }
}

impl Opaque for Image {
    fn runtime_type_name(&self) -> &str {
        "kubernetes.Image"
    }
}

/// The parts of image reference `s`, or why it is not one.
pub fn parse_image(s: &str) -> std::result::Result<Image, String> {
    if s.is_empty() || s.trim() != s || s.contains(char::is_whitespace) {
        return Err(format!("invalid image reference {s:?}"));
    }
    let (name, digest) = match s.split_once('@') {
        Some((n, d)) => {
            let Some((algo, hex)) = d.split_once(':') else {
                return Err(format!("invalid digest in {s:?}"));
            };
            if algo != "sha256" || hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("invalid digest in {s:?}"));
            }
            (n, d.to_owned())
        }
        None => (s, String::new()),
    };
    // A tag follows the last ':' after the last '/'.
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name[slash..].rfind(':') {
        Some(i) => (&name[..slash + i], name[slash + i + 1..].to_owned()),
        None => (name, String::new()),
    };
    if tag.is_empty() && name.len() != s.split('@').next().map_or(0, str::len) {
        return Err(format!("empty tag in {s:?}"));
    }
    let (registry, repository) = match name.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
            (first.to_owned(), rest.to_owned())
        }
        _ => ("index.docker.io".to_owned(), name.to_owned()),
    };
    let repository = if registry == "index.docker.io" && !repository.contains('/') {
        format!("library/{repository}")
    } else {
        repository
    };
    let valid_repo = !repository.is_empty()
        && repository.split('/').all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        });
    if !valid_repo {
        return Err(format!("invalid repository in {s:?}"));
    }
    let tag = if tag.is_empty() && digest.is_empty() {
        "latest".to_owned()
    } else {
        tag
    };
    Ok(Image {
        registry,
        repository,
        tag,
        digest,
    })
}

fn image(s: Arc<String>) -> Result<Value> {
    parse_image(&s)
        .map(|i| Value::Opaque(Arc::new(i)))
        .map_err(|e| err("image", e))
}

fn is_image(s: Arc<String>) -> bool {
    parse_image(&s).is_ok()
}

enum Part {
    Registry,
    Repository,
    Tag,
    Digest,
    Identifier,
    ContainsDigest,
}

fn image_part(v: Value, part: Part) -> Result<Value> {
    let Value::Opaque(o) = &v else {
        return Err(err("image", format!("{v:?} is not an image")));
    };
    let Some(i) = o.downcast_ref::<Image>() else {
        return Err(err("image", "not an image"));
    };
    let s = |t: &str| Value::String(Arc::new(t.to_owned()));
    Ok(match part {
        Part::Registry => s(&i.registry),
        Part::Repository => s(&i.repository),
        Part::Tag => s(&i.tag),
        Part::Digest => s(&i.digest),
        Part::Identifier => s(if i.digest.is_empty() {
            &i.tag
        } else {
            &i.digest
        }),
        Part::ContainsDigest => Value::Bool(!i.digest.is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Evaluated as a policy's expression is: the tree for evaluation.
    fn eval(expr: &str) -> std::result::Result<Value, String> {
        let p = env().compile(expr).map_err(|e| e.to_string())?;
        Value::resolve(&for_evaluation(p.expression()), &context()).map_err(|e| e.to_string())
    }

    #[test]
    fn quantity_functions_follow_the_kubernetes_documentation() {
        assert_eq!(
            eval("quantity('10Gi').isGreaterThan(quantity('5Gi'))"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            eval("quantity('1.5Gi') == quantity('1536Mi')"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            eval("quantity('500m').isLessThan(quantity('1'))"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            eval("quantity('1Gi').compareTo(quantity('1024Mi'))"),
            Ok(Value::Int(0))
        );
        assert_eq!(
            eval("quantity('50k').add(quantity('20k')) == quantity('70k')"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            eval("quantity('50k').add(20) == quantity('50020')"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            eval("quantity('50k').sub(quantity('70k')).sign()"),
            Ok(Value::Int(-1))
        );
        assert_eq!(eval("quantity('50k').asInteger()"), Ok(Value::Int(50000)));
        assert_eq!(eval("quantity('50.5').isInteger()"), Ok(Value::Bool(false)));
        assert_eq!(
            eval("quantity('50.5').asApproximateFloat()"),
            Ok(Value::Float(50.5))
        );
        assert_eq!(eval("isQuantity('1.3G')"), Ok(Value::Bool(true)));
        assert_eq!(eval("isQuantity('1.3GB')"), Ok(Value::Bool(false)));
        assert!(eval("quantity('10GB')").is_err_and(|e| e.contains("invalid quantity")));
        assert!(eval("quantity('1.5').asInteger()").is_err());
    }

    #[test]
    fn list_functions_follow_the_kubernetes_documentation() {
        assert_eq!(eval("[1, 2, 3].sum()"), Ok(Value::Int(6)));
        assert_eq!(eval("[1.5, 2.0].sum()"), Ok(Value::Float(3.5)));
        assert_eq!(eval("[].sum()"), Ok(Value::Int(0)));
        assert_eq!(eval("[3, 1, 2].min()"), Ok(Value::Int(1)));
        assert_eq!(eval("[3, 1, 2].max()"), Ok(Value::Int(3)));
        assert_eq!(eval("[1, 2, 3].isSorted()"), Ok(Value::Bool(true)));
        assert_eq!(eval("['b', 'a'].isSorted()"), Ok(Value::Bool(false)));
        assert!(eval("[].min()").is_err());
        assert_eq!(
            eval("[quantity('1Gi'), quantity('512Mi')].sum() == quantity('1536Mi')"),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            eval("[quantity('1Gi'), quantity('512Mi')].max() == quantity('1Gi')"),
            Ok(Value::Bool(true))
        );
    }

    #[test]
    fn regex_functions_follow_the_kubernetes_documentation() {
        assert_eq!(eval("'abc 123'.find('[0-9]+')"), Ok(Value::from("123")));
        assert_eq!(eval("'abc'.find('[0-9]+')"), Ok(Value::from("")));
        assert_eq!(
            eval("'123 abc 456'.findAll('[0-9]+')"),
            Ok(Value::List(Arc::new(vec![
                Value::from("123"),
                Value::from("456")
            ])))
        );
        assert!(eval("'x'.find('[')").is_err());
        // `matches` is unanchored RE2, member and global; evaluated by
        // stslint's own implementation, which compiles the pattern once.
        assert_eq!(eval("'abc'.matches('^a')"), Ok(Value::Bool(true)));
        assert_eq!(eval("'abc'.matches('b')"), Ok(Value::Bool(true)));
        assert_eq!(eval("matches('abc', 'c$')"), Ok(Value::Bool(true)));
        assert_eq!(eval("'abc'.matches('^b')"), Ok(Value::Bool(false)));
        assert_eq!(
            eval("['a1', 'b2', 'cc'].filter(s, s.matches('[0-9]$'))"),
            Ok(Value::List(Arc::new(vec![
                Value::from("a1"),
                Value::from("b2")
            ])))
        );
        let bad = eval("'x'.matches('(')").unwrap_err();
        assert!(bad.contains("'(' is not a valid regex"), "{bad}");
        let p = env()
            .compile("'x'.matches('x') && matches('y', 'y')")
            .unwrap();
        let calls = |e: &IdedExpr| format!("{e:?}").matches("\"@matches\"").count();
        assert_eq!(calls(&for_evaluation(p.expression())), 2);
        assert_eq!(calls(p.expression()), 0);
    }

    #[test]
    fn set_functions_follow_the_kubernetes_documentation() {
        let t = |e: &str| assert_eq!(eval(e), Ok(Value::Bool(true)), "{e}");
        let f = |e: &str| assert_eq!(eval(e), Ok(Value::Bool(false)), "{e}");
        t("sets.contains([], [])");
        f("sets.contains([], [1])");
        t("sets.contains([1, 2, 3, 4], [2, 3])");
        t("sets.contains([1, 2.0, 3u], [1.0, 2u, 3])");
        t("sets.equivalent([], [])");
        t("sets.equivalent([1], [1, 1])");
        t("sets.equivalent([1], [1u, 1.0])");
        t("sets.equivalent([1, 2, 3], [3u, 2.0, 1])");
        f("sets.equivalent([1, 2], [2, 2, 2])");
        f("sets.intersects([1], [])");
        t("sets.intersects([1], [1, 2])");
        t("sets.intersects([[1], [2, 3]], [[1, 2], [2, 3.0]])");
    }

    #[test]
    fn semver_functions_follow_the_kubernetes_documentation() {
        let t = |e: &str| assert_eq!(eval(e), Ok(Value::Bool(true)), "{e}");
        let f = |e: &str| assert_eq!(eval(e), Ok(Value::Bool(false)), "{e}");
        t("isSemver('1.0.0')");
        t("isSemver('1.0.0-rc.1+build.5')");
        f("isSemver('v1.0.0')");
        f("isSemver('1.0')");
        f("isSemver('01.0.0')");
        f("isSemver('200K')");
        t("isSemver('v1.0', true)");
        t("isSemver('01.02.003', true)");
        t("semver('v1.2', true) == semver('1.2.0')");
        assert_eq!(eval("semver('1.2.3').major()"), Ok(Value::Int(1)));
        assert_eq!(eval("semver('1.2.3').minor()"), Ok(Value::Int(2)));
        assert_eq!(eval("semver('1.2.3').patch()"), Ok(Value::Int(3)));
        t("semver('1.2.3').isLessThan(semver('1.2.4'))");
        t("semver('1.10.0').isGreaterThan(semver('1.9.9'))");
        assert_eq!(
            eval("semver('1.2.3').compareTo(semver('2.0.0'))"),
            Ok(Value::Int(-1))
        );
        assert_eq!(
            eval("semver('1.2.3+a').compareTo(semver('1.2.3+b'))"),
            Ok(Value::Int(0))
        );
        // Pre-releases rank below their release, numbers below words.
        t("semver('1.0.0-alpha').isLessThan(semver('1.0.0-alpha.1'))");
        t("semver('1.0.0-alpha.1').isLessThan(semver('1.0.0-alpha.beta'))");
        t("semver('1.0.0-beta.2').isLessThan(semver('1.0.0-beta.11'))");
        t("semver('1.0.0-rc.1').isLessThan(semver('1.0.0'))");
        assert!(eval("semver('1.0')").is_err());
        // Quantities still compare as quantities.
        t("quantity('1Gi').isGreaterThan(quantity('1G'))");
    }

    #[test]
    fn cel_bind_follows_cel_go() {
        let t = |e: &str| assert_eq!(eval(e), Ok(Value::Bool(true)), "{e}");
        t("cel.bind(a, 'hello', cel.bind(b, 'world', a + b + b + a)) == 'helloworldworldhello'");
        t("cel.bind(valid, ['a', 'b'], ['a', 'b', 'c'].exists(x, !(x in valid)))");
        t("cel.bind(sum, 1 + 2 + 3, sum < 10 || sum > 20)");
        // The variable is scoped to the result, and shadows an outer one.
        t("[1, 2].all(x, cel.bind(x, 10, x == 10))");
        // `bind` on any other target is an ordinary call.
        assert!(eval("'a'.bind(x, 1, x)").is_err());
        assert!(
            eval("cel.bind('x', 1, 2)")
                .unwrap_err()
                .contains("simple identifiers")
        );
    }

    #[test]
    fn url_functions_follow_the_kubernetes_documentation() {
        let t = |e: &str| assert_eq!(eval(e), Ok(Value::Bool(true)), "{e}");
        t("isURL('https://user:pass@example.com:80/path?query=val#fragment')");
        t("isURL('/absolute-path')");
        t("!isURL('https://a:b:c/')");
        t("!isURL('../relative-path')");
        t("url('/path').getScheme() == ''");
        t("url('https://example.com/').getScheme() == 'https'");
        t("url('https://example.com:80/').getHost() == 'example.com:80'");
        t("url('https://[::1]:80/').getHost() == '[::1]:80'");
        t("url('https://[::1]:80/').getHostname() == '::1'");
        t("url('https://127.0.0.1:80/').getHostname() == '127.0.0.1'");
        t("url('https://example.com:80/').getPort() == '80'");
        t("url('/path').getPort() == ''");
        t(
            "url('https://example.com/path with spaces/').getEscapedPath() == '/path%20with%20spaces/'",
        );
        t("url('https://example.com').getEscapedPath() == ''");
        t(
            "url('https://example.com/path?k1=a&k2=b&k2=c').getQuery() == {'k1': ['a'], 'k2': ['b', 'c']}",
        );
        t(
            "url('https://example.com/path?key with spaces=value with spaces').getQuery() == {'key with spaces': ['value with spaces']}",
        );
        t("url('https://example.com/path?').getQuery() == {}");
        t("url('https://example.com/path').getQuery() == {}");
        let e = eval("url('https://a:b:c/')").unwrap_err();
        assert!(
            e.contains(r#"URL parse error during conversion from string: parse "https://a:b:c/": invalid port ":c" after host"#),
            "{e}"
        );
        assert!(eval("url('x')").is_err());
    }

    #[test]
    fn format_functions_follow_the_kubernetes_documentation() {
        let t = |e: &str| assert_eq!(eval(e), Ok(Value::Bool(true)), "{e}");
        t("!format.dns1123Label().validate('my-label-name').hasValue()");
        t("!format.dns1123Subdomain().validate('apiextensions.k8s.io').hasValue()");
        t("!format.dns1035Label().validate('my-label-name').hasValue()");
        t("!format.qualifiedName().validate('apiextensions.k8s.io/v1beta1').hasValue()");
        t("!format.dns1123LabelPrefix().validate('my-label-prefix-').hasValue()");
        t("!format.dns1123SubdomainPrefix().validate('mysubdomain.prefix.-').hasValue()");
        t("!format.dns1035LabelPrefix().validate('my-label-prefix-').hasValue()");
        t("!format.labelValue().validate('my_value').hasValue()");
        t("!format.uri().validate('http://example.com').hasValue()");
        t("!format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()");
        t("!format.byte().validate('aGVsbG8=').hasValue()");
        t("!format.date().validate('2021-01-01').hasValue()");
        t("!format.datetime().validate('2021-01-01T00:00:00Z').hasValue()");
        t("format.dns1123Label().validate('Bad_Name').hasValue()");
        t("format.dns1123Label().validate('Bad_Name').value().size() == 1");
        t("format.uuid().validate('nope').value() == ['does not match the UUID format']");
        t("format.named('dns1123Label').hasValue()");
        t("!format.named('email').hasValue()");
        t("format.named('dns1035Label').value().validate('1abc').hasValue()");
        t("format.date().validate('2023-02-29').value().join('\\n') == 'invalid date'");
    }

    #[test]
    fn ip_and_cidr_functions_follow_the_kubernetes_documentation() {
        let t = |e: &str| assert_eq!(eval(e), Ok(Value::Bool(true)), "{e}");
        let f = |e: &str| assert_eq!(eval(e), Ok(Value::Bool(false)), "{e}");
        t("isIP('127.0.0.1')");
        t("isIP('::1')");
        f("isIP('127.0.0.256')");
        f("isIP('01.2.3.4')");
        f("isIP('::ffff:127.0.0.1')");
        f("isIP('fe80::1%eth0')");
        f("isIP('127.0.0.1/24')");
        t("ip.isCanonical('127.0.0.1')");
        t("ip.isCanonical('2001:db8::abcd')");
        f("ip.isCanonical('2001:DB8::ABCD')");
        f("ip.isCanonical('2001:db8:0:0:0:0:0:abcd')");
        assert_eq!(eval("ip('127.0.0.1').family()"), Ok(Value::Int(4)));
        assert_eq!(eval("ip('::1').family()"), Ok(Value::Int(6)));
        t("ip('0.0.0.0').isUnspecified()");
        t("ip('::').isUnspecified()");
        t("ip('127.0.0.1').isLoopback()");
        t("ip('::1').isLoopback()");
        t("ip('224.0.0.1').isLinkLocalMulticast()");
        f("ip('224.0.1.1').isLinkLocalMulticast()");
        t("ip('ff02::1').isLinkLocalMulticast()");
        t("ip('169.254.169.254').isLinkLocalUnicast()");
        t("ip('fe80::1').isLinkLocalUnicast()");
        t("ip('192.168.0.1').isGlobalUnicast()");
        t("ip('2001:db8::abcd').isGlobalUnicast()");
        f("ip('255.255.255.255').isGlobalUnicast()");
        f("ip('ff00::1').isGlobalUnicast()");
        t("ip('127.0.0.1') == ip('127.0.0.1')");
        t("isCIDR('192.168.0.0/16')");
        f("isCIDR('192.168.0.0/33')");
        f("isCIDR('192.168.0.0')");
        f("isCIDR('192.168.0.0/016')");
        t("cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))");
        t("cidr('192.168.0.0/24').containsIP('192.168.0.1')");
        f("cidr('192.168.0.0/24').containsIP(ip('192.168.1.1'))");
        f("cidr('192.168.0.0/24').containsIP('::1')");
        t("cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/25'))");
        t("cidr('192.168.0.0/24').containsCIDR('192.168.0.0/24')");
        f("cidr('192.168.0.0/24').containsCIDR('192.168.0.0/23')");
        t("cidr('2001:db8::/32').containsIP(ip('2001:db8::1'))");
        t("cidr('192.168.0.0/24').ip() == ip('192.168.0.0')");
        t("cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')");
        t("cidr('::1/0').masked() == cidr('::/0')");
        assert_eq!(
            eval("cidr('192.168.0.0/16').prefixLength()"),
            Ok(Value::Int(16))
        );
        assert!(eval("ip('1.2.3')").is_err());
        assert!(eval("cidr('1.2.3.4')").is_err());
    }

    #[test]
    fn image_functions_follow_go_containerregistry() {
        assert_eq!(
            eval("image('postgres').registry()"),
            Ok(Value::from("index.docker.io"))
        );
        assert_eq!(
            eval("image('postgres').repository()"),
            Ok(Value::from("library/postgres"))
        );
        assert_eq!(eval("image('postgres').tag()"), Ok(Value::from("latest")));
        assert_eq!(
            eval("image('ghcr.io/acme/db:1.2').registry()"),
            Ok(Value::from("ghcr.io"))
        );
        assert_eq!(
            eval("image('ghcr.io/acme/db:1.2').repository()"),
            Ok(Value::from("acme/db"))
        );
        assert_eq!(
            eval("image('localhost:5000/db:1').registry()"),
            Ok(Value::from("localhost:5000"))
        );
        assert_eq!(
            eval("image('bitnami/kafka:3.7').repository()"),
            Ok(Value::from("bitnami/kafka"))
        );
        let digest = "sha256:".to_owned() + &"a".repeat(64);
        assert_eq!(
            eval(&format!("image('db@{digest}').containsDigest()")),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            eval(&format!("image('db@{digest}').identifier()")),
            Ok(Value::from(digest.as_str()))
        );
        assert_eq!(
            eval("image('db:1').containsDigest()"),
            Ok(Value::Bool(false))
        );
        assert_eq!(eval("isImage('Not An Image')"), Ok(Value::Bool(false)));
        assert_eq!(eval("isImage('db:')"), Ok(Value::Bool(false)));
        assert!(eval("image('db@sha256:xyz')").is_err());
    }
}
