//! Which fields made a validation false. A ValidatingAdmissionPolicy
//! validation names no field, so the expression is walked again on failure:
//! the false arm of `&&`, each failing element of `all()` with its index,
//! the target of a false `has()`, the taken branch of `?:`, and otherwise
//! the field selections of the comparison or call that was false.

use std::collections::HashMap;

use cel::common::ast::{CallExpr, Expr, LiteralValue, operators};
use cel::{Context, IdedExpr, Value};

use super::comprehensions::TwoVar;
use crate::model::path::FieldPath;

/// A field of the object under review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blamed {
    pub path: FieldPath,
    /// The field is not written (`has()` was false): shown at its nearest
    /// ancestor.
    pub missing: bool,
}

/// Names bound to fields of the object: `object` itself, comprehension
/// variables bound to one element, and policy variables whose expression
/// is a field selection.
#[derive(Clone, Default)]
pub struct Scope<'e> {
    bound: HashMap<String, FieldPath>,
    variables: HashMap<String, &'e IdedExpr>,
}

impl<'e> Scope<'e> {
    pub fn new(variables: HashMap<String, &'e IdedExpr>) -> Self {
        let mut bound = HashMap::new();
        bound.insert("object".to_owned(), FieldPath::root());
        Scope { bound, variables }
    }

    /// Bind `name` to the field at `path` (a forEach element).
    pub fn bind(&mut self, name: &str, path: FieldPath) {
        self.bound.insert(name.to_owned(), path);
    }
}

fn eval(e: &IdedExpr, cx: &Context<'_, '_>) -> Option<Value> {
    Value::resolve(e, cx).ok()
}

fn is_false(e: &IdedExpr, cx: &Context<'_, '_>) -> bool {
    matches!(eval(e, cx), Some(Value::Bool(false)))
}

/// The field a selection chain names (`object.spec.replicas`,
/// `c.?resources.?limits`, `labels['team']`, `variables.claims`), if it is
/// rooted in a bound name.
pub fn chain(e: &IdedExpr, scope: &Scope<'_>) -> Option<FieldPath> {
    match &e.expr {
        Expr::Ident(name) => scope.bound.get(name).cloned(),
        Expr::Select(s) => {
            if let Expr::Ident(v) = &s.operand.expr
                && v == "variables"
            {
                let ve = scope.variables.get(&s.field)?;
                return chain(ve, scope);
            }
            let base = chain(&s.operand, scope)?;
            Some(base.key(&super::value::unescaped(&s.field)))
        }
        Expr::Call(c) => call_chain(c, scope),
        _ => None,
    }
}

fn literal_key(e: &IdedExpr) -> Option<Result<String, usize>> {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Some(Ok(s.to_string())),
        Expr::Literal(LiteralValue::Int(i)) => usize::try_from(**i).ok().map(Err),
        _ => None,
    }
}

fn call_chain(c: &CallExpr, scope: &Scope<'_>) -> Option<FieldPath> {
    match (c.func_name.as_str(), &c.target, c.args.as_slice()) {
        (operators::OPT_SELECT, None, [operand, field]) => {
            let base = chain(operand, scope)?;
            match literal_key(field)? {
                Ok(k) => Some(base.key(&super::value::unescaped(&k))),
                Err(_) => None,
            }
        }
        (operators::INDEX | operators::OPT_INDEX, None, [operand, index]) => {
            let base = chain(operand, scope)?;
            Some(match literal_key(index)? {
                Ok(k) => base.key(&k),
                Err(i) => base.idx(i),
            })
        }
        // `x.orValue(d)`, `x.hasValue()`, `x.value()`: the field x.
        ("orValue" | "hasValue" | "value", Some(target), _) => chain(target, scope),
        _ => None,
    }
}

/// Every field selection inside `e` (deepest chains only).
fn selections(e: &IdedExpr, scope: &Scope<'_>, out: &mut Vec<Blamed>) {
    if let Some(p) = chain(e, scope) {
        let b = Blamed {
            path: p,
            missing: false,
        };
        if !out.contains(&b) {
            out.push(b);
        }
        return;
    }
    match &e.expr {
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                selections(t, scope, out);
            }
            for a in &c.args {
                selections(a, scope, out);
            }
        }
        Expr::List(l) => {
            for item in &l.elements {
                selections(item, scope, out);
            }
        }
        Expr::Select(s) => selections(&s.operand, scope, out),
        // A bind (and a two-variable comprehension, a bind of its target):
        // what it binds.
        Expr::Comprehension(c) if super::library::is_bind(c) => {
            selections(&c.accu_init, scope, out)
        }
        Expr::Comprehension(c) => selections(&c.iter_range, scope, out),
        _ => {}
    }
}

/// The field of element `i` of the list `e` evaluates to: `e[i]` for a
/// field, through a policy variable, and across `a + b` concatenations.
pub fn element_path(
    e: &IdedExpr,
    i: usize,
    cx: &Context<'_, '_>,
    scope: &Scope<'_>,
) -> Option<FieldPath> {
    if let Some(p) = chain(e, scope) {
        return Some(p.idx(i));
    }
    match &e.expr {
        Expr::Select(s) if matches!(&s.operand.expr, Expr::Ident(v) if v == "variables") => {
            let ve = scope.variables.get(&s.field)?;
            element_path(ve, i, cx, scope)
        }
        Expr::Call(c) if c.func_name == operators::ADD && c.args.len() == 2 => {
            let left = match eval(&c.args[0], cx)? {
                Value::List(l) => l.len(),
                _ => return None,
            };
            if i < left {
                element_path(&c.args[0], i, cx, scope)
            } else {
                element_path(&c.args[1], i - left, cx, scope)
            }
        }
        _ => None,
    }
}

/// The predicate of an `all()` comprehension (`@result && P`).
fn all_predicate(c: &cel::common::ast::ComprehensionExpr) -> Option<&IdedExpr> {
    let init_true = matches!(c.accu_init.expr, Expr::Literal(LiteralValue::Boolean(b)) if *b);
    match &c.loop_step.expr {
        Expr::Call(step) if init_true && step.func_name == operators::LOGICAL_AND => {
            step.args.get(1)
        }
        _ => None,
    }
}

fn push(out: &mut Vec<Blamed>, path: FieldPath, missing: bool) {
    let b = Blamed { path, missing };
    if !out.contains(&b) {
        out.push(b);
    }
}

/// The fields that made `e` (a boolean expression, false in `cx`) false.
pub fn blame(e: &IdedExpr, cx: &Context<'_, '_>, scope: &Scope<'_>) -> Vec<Blamed> {
    let mut out = Vec::new();
    walk(e, cx, scope, &mut out, 0);
    out
}

fn walk(
    e: &IdedExpr,
    cx: &Context<'_, '_>,
    scope: &Scope<'_>,
    out: &mut Vec<Blamed>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    match &e.expr {
        Expr::Call(c) if c.func_name == operators::LOGICAL_AND => {
            for a in &c.args {
                if is_false(a, cx) {
                    walk(a, cx, scope, out, depth + 1);
                }
            }
        }
        Expr::Call(c) if c.func_name == operators::LOGICAL_OR => {
            // `guard || check`: every arm is false; the check, written
            // last, is what the author wants fixed. The others only when
            // it names no field.
            let before = out.len();
            if let Some(last) = c.args.last() {
                walk(last, cx, scope, out, depth + 1);
            }
            if out.len() == before {
                for a in c.args.iter().rev().skip(1) {
                    walk(a, cx, scope, out, depth + 1);
                }
            }
        }
        Expr::Call(c) if c.func_name == operators::CONDITIONAL && c.args.len() == 3 => {
            match eval(&c.args[0], cx) {
                Some(Value::Bool(true)) => walk(&c.args[1], cx, scope, out, depth + 1),
                Some(Value::Bool(false)) => walk(&c.args[2], cx, scope, out, depth + 1),
                _ => selections(&c.args[0], scope, out),
            }
        }
        Expr::Select(s) if s.test => {
            // has(x.f) is false: x.f is missing.
            if let Some(p) = chain(&s.operand, scope) {
                push(out, p.key(&super::value::unescaped(&s.field)), true);
            }
        }
        Expr::Comprehension(c) if let Some(tv) = TwoVar::of(c) => {
            two_var(&tv, cx, scope, out, depth)
        }
        Expr::Comprehension(c) if super::library::is_bind(c) => {
            // `cel.bind(v, init, result)`: the result, with `v` the value of
            // `init` and, when `init` is a field, that field.
            let Some(value) = eval(&c.accu_init, cx) else {
                return selections(&c.accu_init, scope, out);
            };
            let mut inner = cx.new_inner_scope();
            inner.add_variable_from_value(c.accu_var.clone(), value);
            let mut s = scope.clone();
            match chain(&c.accu_init, scope) {
                Some(p) => s.bound.insert(c.accu_var.clone(), p),
                None => s.bound.remove(&c.accu_var),
            };
            walk(&c.result, &inner, &s, out, depth + 1);
        }
        Expr::Comprehension(c) => {
            let range_path = chain(&c.iter_range, scope);
            // The elements an `all()` iterates: a list's items, a map's keys.
            let items: Option<Vec<Value>> = match eval(&c.iter_range, cx) {
                Some(Value::List(items)) => Some(items.to_vec()),
                Some(Value::Map(m)) => Some(m.map.keys().map(|k| Value::from(k.clone())).collect()),
                _ => None,
            };
            match (all_predicate(c), items) {
                (Some(pred), Some(items)) => {
                    for (i, item) in items.into_iter().enumerate() {
                        let mut inner = cx.new_inner_scope();
                        inner.add_variable_from_value(c.iter_var.clone(), item);
                        if !is_false(pred, &inner) {
                            continue;
                        }
                        let element = element_path(&c.iter_range, i, cx, scope);
                        let s = scope.clone();
                        failing_element(pred, &inner, s, &c.iter_var, element, out, depth);
                    }
                }
                _ => match range_path {
                    Some(p) => push(out, p, false),
                    None => selections(&c.iter_range, scope, out),
                },
            }
        }
        Expr::Select(s)
            if matches!(&s.operand.expr, Expr::Ident(v) if v == "variables")
                && scope.variables.contains_key(&s.field) =>
        {
            // A boolean variable: blame its expression.
            let ve = scope.variables[&s.field];
            walk(ve, cx, scope, out, depth + 1);
        }
        _ => selections(e, scope, out),
    }
}

/// A failing two-variable `all(i, v, p)`: each failing element, its field
/// (`x[i]` of a list, `x[k]` of a map) bound to `v` while `p` is blamed.
fn two_var(
    tv: &TwoVar<'_>,
    cx: &Context<'_, '_>,
    scope: &Scope<'_>,
    out: &mut Vec<Blamed>,
    depth: usize,
) {
    let range_path = chain(tv.target, scope);
    let pred = all_predicate(tv.inner).map(|p| tv.unwrap(p));
    let items: Option<Vec<(Value, Value, Option<FieldPath>)>> = match eval(tv.target, cx) {
        Some(Value::List(items)) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let path = element_path(tv.target, i, cx, scope);
                    (Value::Int(i as i64), v.clone(), path)
                })
                .collect(),
        ),
        Some(Value::Map(m)) => Some(
            m.map
                .iter()
                .map(|(k, v)| {
                    let key = Value::from(k.clone());
                    let path = match (&range_path, k) {
                        (Some(p), cel::objects::Key::String(s)) => Some(p.clone().key(s)),
                        _ => None,
                    };
                    (key, v.clone(), path)
                })
                .collect(),
        ),
        _ => None,
    };
    let (Some(pred), Some(items)) = (pred, items) else {
        match range_path {
            Some(p) => push(out, p, false),
            None => selections(tv.target, scope, out),
        }
        return;
    };
    for (index, value, element) in items {
        let mut inner = cx.new_inner_scope();
        inner.add_variable_from_value(tv.index.to_owned(), index);
        inner.add_variable_from_value(tv.value.to_owned(), value);
        if !is_false(pred, &inner) {
            continue;
        }
        let mut s = scope.clone();
        s.bound.remove(tv.index);
        failing_element(pred, &inner, s, tv.value, element, out, depth);
    }
}

/// Blames `pred`, false for one element of a comprehension, with `var`
/// bound to the element's field when the range is one; else (a literal
/// list, a param) what the predicate reads of the object is blamed.
fn failing_element(
    pred: &IdedExpr,
    cx: &Context<'_, '_>,
    mut s: Scope<'_>,
    var: &str,
    element: Option<FieldPath>,
    out: &mut Vec<Blamed>,
    depth: usize,
) {
    match &element {
        Some(p) => s.bound.insert(var.to_owned(), p.clone()),
        None => s.bound.remove(var),
    };
    let before = out.len();
    walk(pred, cx, &s, out, depth + 1);
    if let Some(p) = &element {
        if out.len() == before {
            push(out, p.clone(), false);
        }
        // The element's own fields first: they are what differs between
        // the passing and failing elements.
        out[before..].sort_by_key(|b| !b.path.segs().starts_with(p.segs()));
    }
}
