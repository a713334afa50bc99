//! Runs every enabled rule over every StatefulSet of the index.

use rayon::prelude::*;

use crate::finding::Finding;
use crate::index::Index;
use crate::rules::{Cx, RULES, Rule, Sts};

/// Run the rules `enabled` accepts; findings carry no spans yet.
pub fn run(index: &Index, enabled: &(dyn Fn(&str) -> bool + Sync)) -> Vec<Finding> {
    let rules: Vec<&dyn Rule> = RULES
        .iter()
        .copied()
        .filter(|r| enabled(r.meta().id))
        .collect();
    let sets: Vec<_> = index.statefulsets().collect();
    sets.par_iter()
        .with_min_len(64)
        .flat_map_iter(|&(id, obj, sts)| {
            let mut out = Vec::new();
            let s = Sts { id, obj, sts };
            for rule in &rules {
                let mut cx = Cx::new(index, rule.meta().id, &mut out);
                rule.check(&s, &mut cx);
            }
            out
        })
        .collect()
}
