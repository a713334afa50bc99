//! Two-variable comprehensions, as cel-go's comprehensions extension has
//! them: `all(i, v, p)`, `exists(i, v, p)`, `existsOne(i, v, p)`,
//! `transformList(i, v, [filter,] f)`, `transformMap(i, v, [filter,] f)` and
//! `transformMapEntry(i, v, [filter,] f)`. Over a list, `i` is the index and
//! `v` the element; over a map, `i` is the key and `v` its value.
//!
//! The `cel` crate's interpreter binds one variable per element, so each
//! macro expands to one-variable form the interpreter runs as written:
//!
//! ```text
//! cel.bind(@__2var_input__, TARGET,
//!   @__2var_input__.@keys().<one-variable comprehension over i>)
//! ```
//!
//! where every expression of the user's is wrapped in
//! `cel.bind(v, @__2var_input__[i], EXPR)`. [`TwoVar::of`] recognises the
//! expansion, so that blame can name the element that failed.

use std::collections::HashMap;
use std::sync::Arc;

use cel::common::ast::{
    CallExpr, ComprehensionExpr, Expr, ListExpr, LiteralValue, MapExpr, operators,
};
use cel::extractors::{Arguments, This};
use cel::objects::{Key, Map};
use cel::parser::{Macro, MacroExprHelper, ParseError};
use cel::{Env, ExecutionError, IdedExpr, Value};

use super::library::err;

/// The variable the target is bound to, so that it is evaluated once.
const INPUT: &str = "@__2var_input__";
/// The accumulator, named as cel-go names it.
const RESULT: &str = "@result";
/// `x.@keys()`: a list's indexes, or the map itself (iterating a map yields
/// its keys). Named so that a policy cannot call it.
pub const KEYS: &str = "@keys";
/// `@mapInsert(m, k, v)` and `@mapInsert(m, entry)`.
pub const MAP_INSERT: &str = "@mapInsert";

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    All,
    Exists,
    ExistsOne,
    TransformList,
    TransformMap,
    TransformMapEntry,
}

/// Adds the macros to `env`.
pub fn add_macros(env: &mut Env) {
    let macros = [
        ("all", 3, Kind::All),
        ("exists", 3, Kind::Exists),
        ("existsOne", 3, Kind::ExistsOne),
        ("exists_one", 3, Kind::ExistsOne),
        ("transformList", 3, Kind::TransformList),
        ("transformList", 4, Kind::TransformList),
        ("transformMap", 3, Kind::TransformMap),
        ("transformMap", 4, Kind::TransformMap),
        ("transformMapEntry", 3, Kind::TransformMapEntry),
        ("transformMapEntry", 4, Kind::TransformMapEntry),
    ];
    for (name, arity, kind) in macros {
        // Fails only for a macro already declared for these calls; the
        // crate's own are for two arguments (and `map` for three).
        let r = env.add_macro(Macro::receiver(name, arity, move |h, t, a| {
            expand(kind, h, t, a).map(Some)
        }));
        debug_assert!(r.is_ok(), "{name}/{arity}: {r:?}");
    }
}

fn ident(h: &mut MacroExprHelper<'_>, name: &str) -> IdedExpr {
    h.next_expr(Expr::Ident(name.to_owned()))
}

fn call(h: &mut MacroExprHelper<'_>, name: &str, args: Vec<IdedExpr>) -> IdedExpr {
    h.next_expr(Expr::Call(CallExpr {
        func_name: name.to_owned(),
        target: None,
        args,
    }))
}

fn literal(h: &mut MacroExprHelper<'_>, v: LiteralValue) -> IdedExpr {
    h.next_expr(Expr::Literal(v))
}

/// `cel.bind(name, init, result)` in the form [`super::library::is_bind`]
/// recognises.
pub fn bind(h: &mut MacroExprHelper<'_>, name: &str, init: IdedExpr, result: IdedExpr) -> IdedExpr {
    let c = ComprehensionExpr {
        iter_range: h.next_expr(Expr::List(ListExpr::new(Vec::new()))),
        iter_var: "#unused".to_owned(),
        iter_var2: None,
        accu_var: name.to_owned(),
        accu_init: init,
        loop_cond: literal(h, LiteralValue::Boolean(false.into())),
        loop_step: ident(h, name),
        result,
    };
    h.next_expr(Expr::Comprehension(Box::new(c)))
}

fn expand(
    kind: Kind,
    h: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Result<IdedExpr, ParseError> {
    let mut args = std::mem::take(args);
    let Some(target) = target.take() else {
        unreachable!("a receiver macro has a target");
    };
    let body = args.pop().expect("the macro's arity is 3 or 4");
    let filter = if args.len() == 3 { args.pop() } else { None };
    let (Some(v), Some(i)) = (args.pop(), args.pop()) else {
        unreachable!("the macro's arity is 3 or 4")
    };
    let name = |h: &mut MacroExprHelper<'_>, e: IdedExpr| match e.expr {
        Expr::Ident(n) if n != RESULT && n != INPUT => Ok(n),
        Expr::Ident(_) => {
            Err(h.new_error(e.id, "iteration variable overwrites accumulator variable"))
        }
        _ => Err(h.new_error(e.id, "argument must be a simple name")),
    };
    let value_id = v.id;
    let index = name(h, i)?;
    let value = name(h, v)?;
    if index == value {
        return Err(h.new_error(value_id, format!("duplicate variable name: {index}")));
    }
    // Each expression of the user's sees `value` as the element at `index`.
    let with_value = |h: &mut MacroExprHelper<'_>, e: IdedExpr| {
        let input = ident(h, INPUT);
        let at = ident(h, &index);
        let element = call(h, operators::INDEX, vec![input, at]);
        bind(h, &value, element, e)
    };
    let body = with_value(h, body);
    let filter = filter.map(|f| with_value(h, f));
    let accu = |h: &mut MacroExprHelper<'_>| ident(h, RESULT);

    let (init, cond, step, result) = match kind {
        Kind::All | Kind::Exists => {
            let all = kind == Kind::All;
            let init = literal(h, LiteralValue::Boolean(all.into()));
            let a = accu(h);
            let a = if all {
                a
            } else {
                call(h, operators::LOGICAL_NOT, vec![a])
            };
            let cond = call(h, operators::NOT_STRICTLY_FALSE, vec![a]);
            let a = accu(h);
            let op = if all {
                operators::LOGICAL_AND
            } else {
                operators::LOGICAL_OR
            };
            let step = call(h, op, vec![a, body]);
            (init, cond, step, accu(h))
        }
        Kind::ExistsOne => {
            let init = literal(h, LiteralValue::Int(0.into()));
            let cond = literal(h, LiteralValue::Boolean(true.into()));
            let (a, one) = (accu(h), literal(h, LiteralValue::Int(1.into())));
            let plus = call(h, operators::ADD, vec![a, one]);
            let a = accu(h);
            let step = call(h, operators::CONDITIONAL, vec![body, plus, a]);
            let (a, one) = (accu(h), literal(h, LiteralValue::Int(1.into())));
            let result = call(h, operators::EQUALS, vec![a, one]);
            (init, cond, step, result)
        }
        Kind::TransformList | Kind::TransformMap | Kind::TransformMapEntry => {
            let init = if kind == Kind::TransformList {
                h.next_expr(Expr::List(ListExpr::new(Vec::new())))
            } else {
                h.next_expr(Expr::Map(MapExpr {
                    entries: Vec::new(),
                }))
            };
            let cond = literal(h, LiteralValue::Boolean(true.into()));
            let a = accu(h);
            let step = match kind {
                Kind::TransformList => {
                    let item = h.next_expr(Expr::List(ListExpr::new(vec![body])));
                    call(h, operators::ADD, vec![a, item])
                }
                Kind::TransformMap => {
                    let key = ident(h, &index);
                    call(h, MAP_INSERT, vec![a, key, body])
                }
                _ => call(h, MAP_INSERT, vec![a, body]),
            };
            let step = match filter {
                Some(f) => {
                    let a = accu(h);
                    call(h, operators::CONDITIONAL, vec![f, step, a])
                }
                None => step,
            };
            (init, cond, step, accu(h))
        }
    };
    let input = ident(h, INPUT);
    let keys = h.next_expr(Expr::Call(CallExpr {
        func_name: KEYS.to_owned(),
        target: Some(Box::new(input)),
        args: Vec::new(),
    }));
    let loop_ = ComprehensionExpr {
        iter_range: keys,
        iter_var: index,
        iter_var2: None,
        accu_var: RESULT.to_owned(),
        accu_init: init,
        loop_cond: cond,
        loop_step: step,
        result,
    };
    let loop_ = h.next_expr(Expr::Comprehension(Box::new(loop_)));
    Ok(bind(h, INPUT, target, loop_))
}

/// A two-variable comprehension as [`expand`] wrote it.
pub struct TwoVar<'e> {
    /// What it iterates, as written.
    pub target: &'e IdedExpr,
    pub index: &'e str,
    pub value: &'e str,
    /// The one-variable loop over the target's keys.
    pub inner: &'e ComprehensionExpr,
}

impl<'e> TwoVar<'e> {
    /// The expansion of a two-variable comprehension whose outer bind is `c`.
    pub fn of(c: &'e ComprehensionExpr) -> Option<TwoVar<'e>> {
        if c.accu_var != INPUT || !super::library::is_bind(c) {
            return None;
        }
        let Expr::Comprehension(inner) = &c.result.expr else {
            return None;
        };
        let value = inner_value(&inner.loop_step)?;
        Some(TwoVar {
            target: &c.accu_init,
            index: &inner.iter_var,
            value,
            inner,
        })
    }

    /// The user's expression inside `e`, one of the loop's parts: the result
    /// of the bind of the value variable.
    pub fn unwrap(&self, e: &'e IdedExpr) -> &'e IdedExpr {
        match &e.expr {
            Expr::Comprehension(b) if b.accu_var == self.value && super::library::is_bind(b) => {
                &b.result
            }
            _ => e,
        }
    }
}

/// The value variable bound in a loop step (`@result && cel.bind(v, ..)`).
fn inner_value(step: &IdedExpr) -> Option<&str> {
    let Expr::Call(c) = &step.expr else {
        return None;
    };
    c.args.iter().find_map(|a| match &a.expr {
        Expr::Comprehension(b) if super::library::is_bind(b) => match &b.accu_init.expr {
            Expr::Call(ix) if ix.func_name == operators::INDEX => {
                matches!(&ix.args.first()?.expr, Expr::Ident(n) if n == INPUT)
                    .then_some(b.accu_var.as_str())
            }
            _ => None,
        },
        Expr::Call(_) => inner_value(a),
        _ => None,
    })
}

// ---- runtime --------------------------------------------------------------

/// `x.@keys()`.
pub fn keys(This(x): This<Value>) -> Result<Value, ExecutionError> {
    match x {
        Value::List(l) => Ok(Value::List(Arc::new(
            (0..l.len() as i64).map(Value::Int).collect(),
        ))),
        Value::Map(_) => Ok(x),
        other => Err(ExecutionError::no_such_overload(
            "two-variable comprehension",
            vec![format!("{:?}", other.type_of())],
        )),
    }
}

/// `@mapInsert(m, k, v)`, and `@mapInsert(m, entries)` for
/// `transformMapEntry`, where a key already present is an error as in
/// cel-go.
pub fn map_insert(Arguments(args): Arguments) -> Result<Value, ExecutionError> {
    let (m, add): (&Map, Vec<(Key, Value)>) = match args.as_slice() {
        [Value::Map(m), k, v] => (m, vec![(key(k)?, v.clone())]),
        [Value::Map(m), Value::Map(e)] => (
            m,
            e.map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        ),
        [Value::Map(_), other] => {
            return Err(err(
                "transformMapEntry",
                format!("the transform must give a map, not {:?}", other.type_of()),
            ));
        }
        _ => return Err(err(MAP_INSERT, "expected a map and its entries")),
    };
    let mut out: HashMap<Key, Value> = (*m.map).clone();
    for (k, v) in add {
        if out.contains_key(&k) {
            return Err(err(
                "transformMapEntry",
                format!("insert failed: key {:?} already exists", Value::from(k)),
            ));
        }
        out.insert(k, v);
    }
    Ok(Value::Map(Map { map: Arc::new(out) }))
}

fn key(v: &Value) -> Result<Key, ExecutionError> {
    v.clone().try_into().map_err(|v: Value| {
        err(
            "transformMap",
            format!("{:?} cannot be a map key", v.type_of()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::library::{context, env, for_evaluation};
    use cel::Value;

    fn eval(expr: &str) -> Result<Value, String> {
        let p = env().compile(expr).map_err(|e| e.to_string())?;
        Value::resolve(&for_evaluation(p.expression()), &context()).map_err(|e| e.to_string())
    }

    fn t(expr: &str) {
        assert_eq!(eval(expr), Ok(Value::Bool(true)), "{expr}");
    }

    /// The examples of cel-go's comprehensions extension documentation.
    #[test]
    fn two_variable_comprehensions_give_the_documented_values() {
        t("[1, 2, 3].all(i, j, i < j)");
        t("!{'hello': 'world', 'taco': 'taco'}.all(k, v, k != v)");
        t(
            "{'h': ['hello', 'hi'], 'j': ['joke', 'jog']}.all(k, vals, vals.all(v, v.startsWith(k)))",
        );
        t(
            "{'greeting': 'hello', 'farewell': 'goodbye'}.exists(k, v, k.startsWith('good') || v.endsWith('bye'))",
        );
        t("!{'greeting': 'hello'}.exists(k, v, k == v)");
        t("[1, 2, 1, 3, 1, 4].existsOne(i, v, i == 1 || v == 1) == false");
        t("[1, 1, 1, 1, 1].existsOne(i, v, i == 2 && v == 1)");
        t("{'a': 'b', 'c': 'c'}.exists_one(k, v, k == v)");
        t(
            "[1, 2, 3].transformList(indexVar, valueVar, (indexVar * valueVar) + valueVar) == [1, 4, 9]",
        );
        t(
            "[1, 2, 3].transformList(indexVar, valueVar, indexVar % 2 == 0, (indexVar * valueVar) + valueVar) == [1, 9]",
        );
        t(
            "{'greeting': 'hello', 'farewell': 'goodbye'}.transformList(k, _, k).sort() == ['farewell', 'greeting']",
        );
        t(
            "{'greeting': 'hello', 'farewell': 'goodbye'}.transformList(_, v, v).sort() == ['goodbye', 'hello']",
        );
        t(
            "[1, 2, 3].transformMap(indexVar, valueVar, (indexVar * valueVar) + valueVar) == {0: 1, 1: 4, 2: 9}",
        );
        t(
            "[1, 2, 3].transformMap(indexVar, valueVar, indexVar % 2 == 0, (indexVar * valueVar) + valueVar) == {0: 1, 2: 9}",
        );
        t("{'greeting': 'hello'}.transformMap(k, v, v + '!') == {'greeting': 'hello!'}");
        t(
            "{'greeting': 'hello', 'farewell': 'goodbye'}.transformMapEntry(k, v, {v: k}) == {'hello': 'greeting', 'goodbye': 'farewell'}",
        );
        t("[1, 2, 3].transformMapEntry(i, v, i > 0, {v: i}) == {2: 1, 3: 2}");
        // Nested, and a two-variable loop inside a one-variable one.
        t("[[1, 2], [3]].all(i, l, l.all(j, x, x > i))");
        t("[[1], [5, 2]].all(l, l.exists(i, x, x == i + 1))");
        // Each variable is its own: an index var shadows an outer name.
        t("[5].transformList(i, v, [7].transformList(i, w, i + v + w)) == [[12]]");
    }

    #[test]
    fn two_variable_comprehension_errors_are_cel_gos() {
        let e = eval("{'a': 1, 'b': 1}.transformMapEntry(k, v, {'x': v})").unwrap_err();
        assert!(e.contains("already exists"), "{e}");
        let e = eval("[1].transformMapEntry(k, v, v)").unwrap_err();
        assert!(e.contains("must give a map"), "{e}");
        let e = eval("'abc'.all(i, v, true)").unwrap_err();
        assert!(e.contains("two-variable comprehension"), "{e}");
        let e = env()
            .compile("[1].all(x, x, true)")
            .unwrap_err()
            .to_string();
        assert!(e.contains("duplicate variable name: x"), "{e}");
        let e = env()
            .compile("[1].all(x.y, v, true)")
            .unwrap_err()
            .to_string();
        assert!(e.contains("simple name"), "{e}");
        // Errors inside the predicate are the predicate's, short-circuited
        // as in one-variable form.
        t("[0, 1].exists(i, v, i == 0 || 1 / v == 1)");
    }
}
