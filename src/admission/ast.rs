//! The CEL tree as the walks over a policy's expressions need it.

use cel::IdedExpr;
use cel::common::ast::{EntryExpr, Expr};

/// The direct subexpressions of `e`, in the order they are written.
pub fn children(e: &IdedExpr) -> Vec<&IdedExpr> {
    match &e.expr {
        Expr::Call(c) => c.target.as_deref().into_iter().chain(&c.args).collect(),
        Expr::Comprehension(c) => vec![
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ],
        Expr::List(l) => l.elements.iter().collect(),
        Expr::Map(m) => m.entries.iter().flat_map(|x| entry(&x.expr)).collect(),
        Expr::Struct(s) => s.entries.iter().flat_map(|x| entry(&x.expr)).collect(),
        Expr::Select(s) => vec![&s.operand],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

fn entry(e: &EntryExpr) -> Vec<&IdedExpr> {
    match e {
        EntryExpr::MapEntry(m) => vec![&m.key, &m.value],
        EntryExpr::StructField(f) => vec![&f.value],
    }
}

/// The direct subexpressions of `e`, as [`children`], for the walks that
/// rewrite the tree.
pub fn children_mut(e: &mut IdedExpr) -> Vec<&mut IdedExpr> {
    match &mut e.expr {
        Expr::Call(c) => c
            .target
            .as_deref_mut()
            .into_iter()
            .chain(&mut c.args)
            .collect(),
        Expr::Comprehension(c) => vec![
            &mut c.iter_range,
            &mut c.accu_init,
            &mut c.loop_cond,
            &mut c.loop_step,
            &mut c.result,
        ],
        Expr::List(l) => l.elements.iter_mut().collect(),
        Expr::Map(m) => m
            .entries
            .iter_mut()
            .flat_map(|x| entry_mut(&mut x.expr))
            .collect(),
        Expr::Struct(s) => s
            .entries
            .iter_mut()
            .flat_map(|x| entry_mut(&mut x.expr))
            .collect(),
        Expr::Select(s) => vec![&mut s.operand],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

fn entry_mut(e: &mut EntryExpr) -> Vec<&mut IdedExpr> {
    match e {
        EntryExpr::MapEntry(m) => vec![&mut m.key, &mut m.value],
        EntryExpr::StructField(f) => vec![&mut f.value],
    }
}
