//! Runs every enabled rule over every StatefulSet. Each StatefulSet is
//! decoded from its tree here, checked, and dropped, in parallel.

use rayon::prelude::*;

use crate::finding::{Finding, Loc, ObjId};
use crate::index::Index;
use crate::model::decode_statefulset;
use crate::model::path::FieldPath;
use crate::rules::{Cx, RULES, Rule, Sts};
use crate::source::Tree;

/// A StatefulSet waiting for the engine: its object and its tree.
pub struct Pending {
    pub id: ObjId,
    pub tree: Tree,
    /// Record index of the StatefulSet's node in the tree.
    pub node: u32,
}

/// Decode and check the StatefulSets (`pending`: object id and its tree);
/// findings carry no spans yet.
pub fn run(
    index: &Index,
    pending: Vec<Pending>,
    enabled: &(dyn Fn(&str) -> bool + Sync),
) -> Vec<Finding> {
    let rules: Vec<&dyn Rule> = RULES
        .iter()
        .copied()
        .filter(|r| enabled(r.meta().id))
        .collect();
    pending
        .into_par_iter()
        .with_min_len(16)
        .flat_map_iter(|p| {
            let id = p.id;
            let obj = index.object(id);
            let (sts, problems) = match p.tree.node(p.node) {
                Some(node) => decode_statefulset(&obj.api_version, node),
                None => (None, Vec::new()),
            };
            drop(p);
            let mut out: Vec<Finding> = problems
                .into_iter()
                .map(|p| Finding {
                    rule: "invalid-object",
                    message: p.message,
                    help: p.help,
                    at: Loc::Field {
                        obj: id,
                        path: FieldPath(p.path),
                    },
                    related: Vec::new(),
                })
                .collect();
            if let Some(sts) = sts {
                let s = Sts { id, obj, sts: &sts };
                for rule in &rules {
                    let mut cx = Cx::new(index, rule.meta().id, &mut out);
                    rule.check(&s, &mut cx);
                }
            }
            out
        })
        .collect()
}
