//! Field selections on manifest data, evaluated as indexes.
//!
//! The `cel` crate resolves a selection chain as a qualified name first:
//! `c.spec.resources` is looked up whole as a variable, then `c.spec`, then
//! `c`, in each scope, and a chain whose root is not a name (`x['a'].b.c`)
//! still collects its fields into a vector at every step before it finds
//! that out. On a map, `m.f` and `m['f']` give the same value and fail in
//! the same cases, so a selection on a value that is known to be manifest
//! data is evaluated as an index, which is none of that.
//!
//! Known to be data, here called plain: the variables made from manifests
//! (`object`, `oldObject`, `params`, the objects around a set, ...), what is
//! selected or indexed on plain values, the items a comprehension binds
//! when it ranges over a plain list, literals, and `x.?f.orValue(d)` over
//! plain ones. A plain value is never an optional, at any depth: that is
//! where `.f` and `['f']` differ (`.f` on an optional of a value that is no
//! map is an error, `['f']` an empty optional).
//!
//! The two differ in the words of an error (a selection on a string names
//! `_._`, an index `_[_]`), so an expression that fails is evaluated again
//! as written ([`super::spec::Compiled::execute`]): the error is the one a
//! policy author reads in cel-go's terms.

use cel::IdedExpr;
use cel::common::ast::{CallExpr, EntryExpr, Expr, operators};

/// Variables that hold manifest data (or null): never an optional.
const DATA: &[&str] = &[
    "object",
    "oldObject",
    "namespaceObject",
    "request",
    "params",
    "service",
    "pdbs",
    "claims",
    super::library::OBJECTS,
];

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// Manifest data or a literal: never an optional, nor anything in it.
    Plain,
    /// An optional of a plain value (`x.?f`).
    OptionalPlain,
    Other,
}

/// `e`, with each field selection on a plain value made an index.
pub fn selections_as_indexes(mut e: IdedExpr) -> IdedExpr {
    let mut names: Vec<(String, bool)> = DATA.iter().map(|n| ((*n).to_owned(), true)).collect();
    visit(&mut e, &mut names);
    e
}

/// Whether `name` is bound to plain data, innermost binding first.
fn plain_name(names: &[(String, bool)], name: &str) -> bool {
    names
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .is_some_and(|(_, plain)| *plain)
}

fn visit(e: &mut IdedExpr, names: &mut Vec<(String, bool)>) -> Shape {
    let id = e.id;
    match &mut e.expr {
        Expr::Ident(name) => {
            if plain_name(names, name) {
                Shape::Plain
            } else {
                Shape::Other
            }
        }
        Expr::Literal(_) => Shape::Plain,
        Expr::Select(s) if s.test => {
            visit(&mut s.operand, names);
            Shape::Plain
        }
        Expr::Select(s) => {
            if visit(&mut s.operand, names) != Shape::Plain {
                return Shape::Other;
            }
            e.expr = super::library::index_of(id, s);
            Shape::Plain
        }
        Expr::Call(c) => call(c, names),
        Expr::List(l) => {
            let mut shape = if l.optional_indices.is_empty() {
                Shape::Plain
            } else {
                Shape::Other
            };
            for x in &mut l.elements {
                if visit(x, names) != Shape::Plain {
                    shape = Shape::Other;
                }
            }
            shape
        }
        Expr::Map(m) => {
            let mut shape = Shape::Plain;
            for entry in &mut m.entries {
                match &mut entry.expr {
                    EntryExpr::MapEntry(me) => {
                        visit(&mut me.key, names);
                        if visit(&mut me.value, names) != Shape::Plain || me.optional {
                            shape = Shape::Other;
                        }
                    }
                    EntryExpr::StructField(f) => {
                        visit(&mut f.value, names);
                        shape = Shape::Other;
                    }
                }
            }
            shape
        }
        Expr::Struct(_) => {
            for child in super::ast::children_mut(e) {
                visit(child, names);
            }
            Shape::Other
        }
        Expr::Comprehension(c) => {
            let range = visit(&mut c.iter_range, names);
            visit(&mut c.accu_init, names);
            let depth = names.len();
            // The items of a plain list are plain (a map's keys too).
            let items = range == Shape::Plain && c.iter_var2.is_none();
            names.push((c.iter_var.clone(), items));
            if let Some(v) = &c.iter_var2 {
                names.push((v.clone(), false));
            }
            names.push((c.accu_var.clone(), false));
            for part in [&mut c.loop_cond, &mut c.loop_step, &mut c.result] {
                visit(part, names);
            }
            names.truncate(depth);
            Shape::Other
        }
        Expr::Unspecified => Shape::Other,
    }
}

fn call(c: &mut CallExpr, names: &mut Vec<(String, bool)>) -> Shape {
    let target = c.target.as_deref_mut().map(|t| visit(t, names));
    let args: Vec<Shape> = c.args.iter_mut().map(|a| visit(a, names)).collect();
    let name = c.func_name.as_str();
    match (name, target, args.as_slice()) {
        (operators::INDEX, None, [Shape::Plain, _]) => Shape::Plain,
        (operators::OPT_SELECT | operators::OPT_INDEX, None, [op, _]) if *op != Shape::Other => {
            Shape::OptionalPlain
        }
        ("orValue", Some(Shape::OptionalPlain), [Shape::Plain]) => Shape::Plain,
        _ => Shape::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The indexes and selections left in `e` after the rewrite.
    fn shape_of(e: &str) -> (usize, usize) {
        let p = super::super::library::env().compile(e).unwrap();
        let run = selections_as_indexes(super::super::library::for_evaluation(p.expression()));
        fn count(e: &IdedExpr, out: &mut (usize, usize)) {
            match &e.expr {
                Expr::Call(c) if c.func_name == operators::INDEX => out.0 += 1,
                Expr::Select(s) if !s.test => out.1 += 1,
                _ => {}
            }
            for child in super::super::ast::children(e) {
                count(child, out);
            }
        }
        let mut out = (0, 0);
        count(&run, &mut out);
        out
    }

    #[test]
    fn selections_on_data_become_indexes_and_others_stay() {
        // The object, an item of a list of it, a default over an optional.
        assert_eq!(
            shape_of("object.spec.template.spec.containers.all(c, c.name != '')"),
            (5, 0)
        );
        assert_eq!(
            shape_of("object.spec.?volumeClaimTemplates.orValue([]).all(t, has(t.spec.resources))"),
            (2, 0)
        );
        // An optional's value may be anything: left as written.
        assert_eq!(shape_of("optional.of({'a': 1}).value().a == 1"), (0, 1));
        assert_eq!(shape_of("[optional.of({'a': 1})].all(x, x.a == 1)"), (0, 1));
        assert_eq!(
            shape_of("object.spec.?x.orValue(optional.none()).a"),
            (1, 1)
        );
        // A variable's value too, below its own name.
        assert_eq!(shape_of("variables.v.a == 1"), (1, 1));
        // A comprehension that binds a data name hides it.
        assert_eq!(
            shape_of("[optional.of(1)].all(object, object.spec == 1)"),
            (0, 1)
        );
    }
}
