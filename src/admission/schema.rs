//! Field names a policy selects that the matched kind's schema does not
//! have (`object.spec.replica`): found statically, once per run, by
//! following every selection chain rooted in `object`, `oldObject` (and a
//! StatefulSetPolicy's `service`, `pdbs` and `claims`) through
//! comprehension variables and policy variables, and asking the schema
//! stslint decodes the kind with.

use std::collections::HashMap;

use cel::common::ast::{EntryExpr, Expr, LiteralValue, operators};
use cel::{IdedExpr, Program};

use crate::source::locate::Seg;

/// What a name is bound to: an object of one of `kinds`, at `path`.
#[derive(Clone)]
struct Bound {
    kinds: Vec<&'static str>,
    path: Vec<Seg>,
    /// A list of such objects (`pdbs`, `claims`): an index or a
    /// comprehension reaches one, a selection nothing.
    list: bool,
}

/// The names an expression can select from, and the policy's variables.
#[derive(Clone, Default)]
pub struct Roots<'e> {
    bound: HashMap<String, Option<Bound>>,
    variables: HashMap<String, &'e IdedExpr>,
}

impl<'e> Roots<'e> {
    /// `object` and `oldObject` of `kinds`, and the policy's variables.
    pub fn new(kinds: &[&'static str], variables: HashMap<String, &'e IdedExpr>) -> Self {
        let mut r = Roots {
            bound: HashMap::new(),
            variables,
        };
        for name in ["object", "oldObject"] {
            r.bind(name, kinds, Vec::new());
        }
        r
    }

    pub fn set_variables(&mut self, variables: HashMap<String, &'e IdedExpr>) {
        self.variables = variables;
    }

    /// Bind `name` to the field at `path` of an object of `kinds` (no
    /// kinds: to nothing the schema knows, hiding an outer name).
    pub fn bind(&mut self, name: &str, kinds: &[&'static str], path: Vec<Seg>) {
        let b = (!kinds.is_empty()).then(|| Bound {
            kinds: kinds.to_vec(),
            path,
            list: false,
        });
        self.bound.insert(name.to_owned(), b);
    }

    /// Bind `name` to a list of whole objects of `kind`.
    pub fn bind_list(&mut self, name: &str, kind: &'static str) {
        let b = Bound {
            kinds: vec![kind],
            path: Vec::new(),
            list: true,
        };
        self.bound.insert(name.to_owned(), Some(b));
    }

    /// Bind `name` to an element of the list `e` evaluates to (a
    /// StatefulSetPolicy's forEach).
    pub fn bind_element(&mut self, name: &str, e: &IdedExpr) {
        match chain(e, self).map(element) {
            Some(b) => {
                self.bound.insert(name.to_owned(), Some(b));
            }
            None => self.bind(name, &[], Vec::new()),
        }
    }

    /// Bind `name` to what `e` names (a `cel.bind` variable).
    fn bind_to(&mut self, name: &str, e: &IdedExpr) {
        let b = chain(e, self);
        self.bound.insert(name.to_owned(), b);
    }
}

/// One element of the list `b` names.
fn element(mut b: Bound) -> Bound {
    if b.list {
        b.list = false;
    } else {
        b.path.push(Seg::Index(0));
    }
    b
}

/// A selection of a field no matched kind has.
#[derive(Debug, PartialEq, Eq)]
pub struct Unknown {
    /// Char offset of the selection in the expression.
    pub offset: usize,
    /// The field's name, as the schema would spell its path.
    pub field: String,
    /// The path up to and including it.
    pub path: Vec<Seg>,
    pub kinds: Vec<&'static str>,
}

fn chain(e: &IdedExpr, roots: &Roots<'_>) -> Option<Bound> {
    match &e.expr {
        Expr::Ident(name) => roots.bound.get(name).cloned().flatten(),
        Expr::Select(s) => {
            if let Expr::Ident(v) = &s.operand.expr
                && v == "variables"
                && !roots.bound.contains_key("variables")
            {
                return chain(roots.variables.get(&s.field)?, roots);
            }
            let mut b = chain(&s.operand, roots).filter(|b| !b.list)?;
            b.path.push(Seg::Key(super::value::unescaped(&s.field)));
            Some(b)
        }
        Expr::Call(c) => match (c.func_name.as_str(), &c.target, c.args.as_slice()) {
            (operators::OPT_SELECT, None, [operand, field]) => {
                let Expr::Literal(LiteralValue::String(k)) = &field.expr else {
                    return None;
                };
                let mut b = chain(operand, roots).filter(|b| !b.list)?;
                b.path.push(Seg::Key(super::value::unescaped(k)));
                Some(b)
            }
            (operators::INDEX | operators::OPT_INDEX, None, [operand, index]) => {
                let b = chain(operand, roots)?;
                match &index.expr {
                    Expr::Literal(LiteralValue::String(k)) if !b.list => {
                        let mut b = b;
                        b.path.push(Seg::Key(k.to_string()));
                        Some(b)
                    }
                    Expr::Literal(LiteralValue::String(_)) => None,
                    // Any element stands for all: the schema is the same.
                    _ => Some(element(b)),
                }
            }
            ("orValue" | "value", Some(target), _) => chain(target, roots),
            _ => None,
        },
        _ => None,
    }
}

/// `spec.template.spec.containers[*].image`.
pub fn dotted(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(_) => out.push_str("[*]"),
        }
    }
    out
}

/// The partial object `path` describes, its leaf null.
fn probe(path: &[Seg]) -> serde_json::Value {
    path.iter()
        .rev()
        .fold(serde_json::Value::Null, |inner, seg| match seg {
            Seg::Key(k) => {
                let mut m = serde_json::Map::new();
                m.insert(k.clone(), inner);
                serde_json::Value::Object(m)
            }
            Seg::Index(_) => serde_json::Value::Array(vec![inner]),
        })
}

/// Every selection in `e` (with `roots`) of a field that none of its
/// kinds has. Kinds stslint has no schema for are never reported on.
pub fn unknown(program: &Program, roots: &Roots<'_>) -> Vec<Unknown> {
    let mut out = Vec::new();
    walk(program.expression(), program, roots, &mut out);
    out
}

fn walk(e: &IdedExpr, program: &Program, roots: &Roots<'_>, out: &mut Vec<Unknown>) {
    let field = match &e.expr {
        Expr::Select(s) => Some(s.field.as_str()),
        Expr::Call(c) if c.func_name == operators::OPT_SELECT => match c.args.get(1) {
            Some(IdedExpr {
                expr: Expr::Literal(LiteralValue::String(k)),
                ..
            }) => Some(&**k),
            _ => None,
        },
        _ => None,
    };
    let through_variable = matches!(&e.expr, Expr::Select(s)
        if matches!(&s.operand.expr, Expr::Ident(v) if v == "variables"));
    if let Some(field) = field
        && !through_variable
        && let Some(b) = chain(e, roots)
        && check(&b)
    {
        out.push(Unknown {
            offset: offset_of(program, e.id, field),
            field: field.to_owned(),
            path: b.path,
            kinds: b.kinds,
        });
    }
    match &e.expr {
        Expr::Select(s) => walk(&s.operand, program, roots, out),
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                walk(t, program, roots, out);
            }
            for a in &c.args {
                walk(a, program, roots, out);
            }
        }
        Expr::List(l) => {
            for item in &l.elements {
                walk(item, program, roots, out);
            }
        }
        Expr::Map(m) => {
            for entry in &m.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    walk(&me.key, program, roots, out);
                    walk(&me.value, program, roots, out);
                }
            }
        }
        Expr::Struct(s) => {
            for entry in &s.entries {
                if let EntryExpr::StructField(f) = &entry.expr {
                    walk(&f.value, program, roots, out);
                }
            }
        }
        Expr::Comprehension(c) => {
            walk(&c.iter_range, program, roots, out);
            walk(&c.accu_init, program, roots, out);
            let mut inner = roots.clone();
            inner.bind_element(&c.iter_var, &c.iter_range);
            if let Some(v2) = &c.iter_var2 {
                inner.bind(v2, &[], Vec::new());
            }
            if super::library::is_bind(c) {
                inner.bind_to(&c.accu_var, &c.accu_init);
            } else {
                inner.bind(&c.accu_var, &[], Vec::new());
            }
            for part in [&c.loop_cond, &c.loop_step, &c.result] {
                walk(part, program, &inner, out);
            }
        }
        _ => {}
    }
}

/// Whether the last field of `b` is unknown to every kind it may be, and
/// every one of them has a schema.
fn check(b: &Bound) -> bool {
    !b.kinds.is_empty()
        && !b.path.is_empty()
        && b.kinds.iter().all(|kind| {
            crate::model::unknown_fields(kind, probe(&b.path))
                .is_some_and(|ignored| ignored.contains(&b.path))
        })
}

/// Every global call of function `name` in `program`: the char offset of
/// its name, and its first argument when that is a string literal.
pub fn calls(program: &Program, name: &str) -> Vec<(usize, Option<String>)> {
    fn visit(e: &IdedExpr, program: &Program, name: &str, out: &mut Vec<(usize, Option<String>)>) {
        if let Expr::Call(c) = &e.expr
            && c.func_name == name
            && c.target.is_none()
        {
            // A call is placed at its `(`: the name ends there.
            let info = program.source_info();
            let at = info.offset_for(e.id).map_or(0, |(s, _)| s as usize);
            let chars: Vec<char> = info.source.chars().collect();
            let len = name.chars().count();
            let before = at.checked_sub(len).filter(|b| {
                chars
                    .get(*b..at)
                    .is_some_and(|w| w.iter().copied().eq(name.chars()))
            });
            let first = match c.args.first().map(|a| &a.expr) {
                Some(Expr::Literal(LiteralValue::String(k))) => Some(k.to_string()),
                _ => None,
            };
            out.push((before.unwrap_or(at), first));
        }
        for c in super::ast::children(e) {
            visit(c, program, name, out);
        }
    }
    let mut out = Vec::new();
    visit(program.expression(), program, name, &mut out);
    out
}

/// The char offset of the field name of selection `id` in the source: the
/// parser places a selection at its `.` (or at the `(` of `has(...)`), so
/// the name is its first occurrence from there.
fn offset_of(program: &Program, id: u64, field: &str) -> usize {
    let info = program.source_info();
    let start = info.offset_for(id).map_or(0, |(s, _)| s as usize);
    let chars: Vec<char> = info.source.chars().collect();
    let name: Vec<char> = field.chars().collect();
    (start..chars.len().saturating_sub(name.len()) + 1)
        .find(|&i| chars[i..].starts_with(&name))
        .unwrap_or(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(src: &str, kinds: &[&'static str]) -> Vec<(usize, String)> {
        let p = super::super::library::env().compile(src).unwrap();
        unknown(&p, &Roots::new(kinds, HashMap::new()))
            .into_iter()
            .map(|u| (u.offset, u.field))
            .collect()
    }

    #[test]
    fn unknown_fields_are_found_through_macros_and_optionals() {
        let sts = &["StatefulSet"];
        assert_eq!(
            find("object.spec.replica >= 3", sts),
            vec![(12, "replica".to_owned())]
        );
        assert_eq!(find("object.spec.replicas >= 3", sts), vec![]);
        let src = "object.spec.template.spec.containers.all(c, c.imagee != '' && has(c.resources.limits))";
        assert_eq!(find(src, sts), vec![(46, "imagee".to_owned())]);
        assert_eq!(
            find("object.spec.?selector.?matchLabel.orValue({}) == {}", sts),
            vec![(23, "matchLabel".to_owned())]
        );
        // Map keys are not fields; a bad prefix is reported once.
        assert_eq!(
            find(
                "object.metadata.labels.team == 'a' && object.spec.templat.spec.x == 1",
                sts
            ),
            vec![(50, "templat".to_owned())]
        );
        // Several kinds: only what none of them has.
        let both = &["StatefulSet", "Service"];
        assert_eq!(find("object.spec.clusterIP == 'None'", both), vec![]);
        // Lists of objects, and forEach elements.
        let p = super::super::library::env()
            .compile("pdbs.all(p, p.spec.minAvailabl == 1) && pdbs[0].spec.maxUnavailable == 1 && item.nam == ''")
            .unwrap();
        let each = super::super::library::env()
            .compile("object.spec.template.spec.containers")
            .unwrap();
        let mut roots = Roots::new(sts, HashMap::new());
        roots.bind_list("pdbs", "PodDisruptionBudget");
        roots.bind_element("item", each.expression());
        let found: Vec<(usize, String)> = unknown(&p, &roots)
            .into_iter()
            .map(|u| (u.offset, u.field))
            .collect();
        assert_eq!(
            found,
            vec![(19, "minAvailabl".to_owned()), (81, "nam".to_owned())]
        );
        // A kind without a schema here: nothing is said.
        assert_eq!(find("object.spec.replica == 1", &["Deployment"]), vec![]);
    }
}
