//! Runs every enabled rule over every StatefulSet. Each StatefulSet is
//! decoded from its tree here, checked, and dropped, in parallel.

use rayon::prelude::*;

use crate::admission::{Set, Subject};
use crate::finding::{Finding, Loc, ObjId};
use crate::index::Index;
use crate::load::{LoadedFile, Role};
use k8s_openapi::api::apps::v1::StatefulSet;

use crate::model::decode::DecodeProblem;
use crate::model::decode_statefulset;
use crate::model::path::FieldPath;
use crate::policy::Policy;
use crate::rules::{Cx, RULES, Rule, Sts};
use crate::source::Node;
use crate::source::locate::{Seg, descend, locate};
use crate::source::{Tree, reparse_document};

/// A StatefulSet waiting for the engine: its object and its document's
/// tree, if it was kept (otherwise the document is parsed again).
pub struct Pending {
    pub id: ObjId,
    pub tree: Option<Tree>,
}

/// Turn a field location on object `id` into a located one.
fn locate_on(at: &mut Loc, id: ObjId, base: &[Seg], root: Node<'_>, focus: Option<&str>) {
    let Loc::Field { obj, path } = at else { return };
    if *obj != id {
        return;
    }
    let mut full = base.to_vec();
    full.extend(path.segs().iter().cloned());
    let l = locate(root, &full);
    let span = crate::finding::narrow(l.span.clone(), root.text_from(l.span.start), focus);
    *at = Loc::Located {
        obj: id,
        path: std::mem::take(path),
        span,
        missing: l.missing,
    };
}

/// Run the policies on object `id` (not a StatefulSet: those are checked
/// with their decoded tree), its document parsed again, and locate what
/// they find on it.
fn admit(index: &Index, files: &[LoadedFile], admission: &Set, id: ObjId, out: &mut Vec<Finding>) {
    let obj = index.object(id);
    let Some(f) = files.get(obj.file) else { return };
    let Some(tree) = reparse_document(&f.source, &f.docs, obj.document) else {
        return;
    };
    let Some(root) = tree.root() else { return };
    let Some(node) = descend(root, &obj.base) else {
        return;
    };
    let old_tree = index.baseline_of(id).and_then(|b| {
        let o = index.object(b);
        let bf = files.get(o.file)?;
        reparse_document(&bf.source, &bf.docs, o.document).map(|t| (b, t))
    });
    let old = old_tree
        .as_ref()
        .and_then(|(b, t)| t.root().and_then(|r| descend(r, &index.object(*b).base)));
    let first = out.len();
    admission.check(
        &Subject {
            id,
            obj,
            root: node,
            old,
            index,
            files,
        },
        out,
    );
    locate_all(&mut out[first..], id, &obj.base, root, None);
}

/// Locate the findings on object `id` while its tree is here, and plan
/// the fixes of those on it (`doc`: its document's byte range), which
/// would otherwise need the document parsed again.
fn locate_all(
    findings: &mut [Finding],
    id: ObjId,
    base: &[Seg],
    root: Node<'_>,
    doc: Option<std::ops::Range<usize>>,
) {
    for f in findings {
        locate_on(&mut f.at, id, base, root, f.focus.as_deref());
        for r in &mut f.related {
            locate_on(&mut r.at, id, base, root, None);
        }
        if let (Some(doc), Some(fix), Loc::Located { obj, .. }) = (&doc, &mut f.fix, &f.at)
            && *obj == id
        {
            crate::render::fix::plan_early(root, doc.clone(), base, fix);
        }
    }
}

/// Decode StatefulSet `id` from its tree (parsed again when there is none).
fn decode(
    index: &Index,
    files: &[LoadedFile],
    id: ObjId,
    tree: Option<Tree>,
) -> (Option<Tree>, Option<StatefulSet>, Vec<DecodeProblem>) {
    let obj = index.object(id);
    let tree = tree.or_else(|| {
        let f = &files[obj.file];
        reparse_document(&f.source, &f.docs, obj.document)
    });
    let node = tree
        .as_ref()
        .and_then(Tree::root)
        .and_then(|root| descend(root, &obj.base));
    let (sts, problems) = match node {
        Some(node) => decode_statefulset(&obj.api_version, node),
        None => (None, Vec::new()),
    };
    (tree, sts, problems)
}

/// Decode and check the StatefulSets (`pending`: object id and its tree);
/// findings carry no spans yet.
///
/// Objects of context files (`--context`, the language server's workspace)
/// are checked only in the namespaces of the reported files' objects:
/// nothing found on them elsewhere could be reported.
pub fn run(
    index: &Index,
    files: &[LoadedFile],
    pending: Vec<Pending>,
    policies: &[&Policy],
    admission: &Set,
) -> Vec<Finding> {
    let focus: Option<std::collections::HashSet<&str>> =
        files.iter().any(|f| f.role == Role::Context).then(|| {
            index
                .objects
                .iter()
                .filter(|o| files[o.file].role == Role::Reported)
                .map(|o| o.namespace.as_str())
                .collect()
        });
    // Objects of policy files (`--policy`) are read by the policies, not
    // checked.
    let wanted = |id: ObjId| {
        let o = index.object(id);
        match files[o.file].role {
            Role::Reported => true,
            Role::Policy | Role::Source => false,
            Role::Context | Role::Baseline => focus
                .as_ref()
                .is_none_or(|ns| ns.contains(o.namespace.as_str())),
        }
    };
    // The enabled rules of each scope (the config nearest the object's file).
    let by_scope: Vec<Vec<&'static dyn Rule>> = policies
        .iter()
        .map(|policy| {
            RULES
                .iter()
                .copied()
                .filter(|r| policy.enabled(r.meta().id))
                .collect()
        })
        .collect();
    let scope_of = |obj: &crate::model::Object| files.get(obj.file).map_or(0, |f| f.scope);
    let rules_of = |obj: &crate::model::Object| {
        let scope = scope_of(obj).min(policies.len() - 1);
        (&by_scope[scope], policies[scope])
    };
    let mut findings: Vec<Finding> = index
        .objects
        .par_iter()
        .enumerate()
        .with_min_len(256)
        .filter(|(id, _)| !index.is_baseline(*id) && wanted(*id))
        .flat_map_iter(|(id, obj)| {
            let mut out = Vec::new();
            let (rules, policy) = rules_of(obj);
            for rule in rules {
                let mut cx = Cx::new(index, *rule, policy.options.get(rule.meta().id), &mut out);
                cx.version = policy.kubernetes;
                rule.check_object(id, obj, &mut cx);
            }
            if !matches!(obj.typed, crate::model::Typed::StatefulSet)
                && !admission.is_empty()
                && admission.wants(&obj.api_version, &obj.kind)
            {
                admit(index, files, admission, id, &mut out);
            }
            out
        })
        .collect();
    let pending: Vec<Pending> = pending.into_iter().filter(|p| wanted(p.id)).collect();
    let per_sts: Vec<Finding> = pending
        .into_par_iter()
        .with_min_len(16)
        .flat_map_iter(|p| {
            let id = p.id;
            let obj = index.object(id);
            let (tree, sts, problems) = decode(index, files, id, p.tree);
            let mut out: Vec<Finding> = problems
                .into_iter()
                .map(|p| Finding {
                    rule: p.rule,
                    at_most: None,
                    focus: None,
                    message: p.message,
                    help: p.help,
                    at: Loc::Field {
                        obj: id,
                        path: FieldPath(p.path),
                    },
                    related: Vec::new(),
                    fix: p.fix,
                })
                .collect();
            let before_tree = index
                .baseline_of(id)
                .map(|b| decode(index, files, b, None))
                .map(|(t, old, _)| (t, old));
            if let Some(sts) = sts {
                let mut s = Sts::new(index, id, obj, &sts);
                let before = index
                    .baseline_of(id)
                    .zip(before_tree.as_ref().and_then(|(_, old)| old.as_ref()));
                s.before = before;
                let (rules, policy) = rules_of(obj);
                for rule in rules {
                    let mut cx =
                        Cx::new(index, *rule, policy.options.get(rule.meta().id), &mut out);
                    cx.version = policy.kubernetes;
                    rule.check(&s, &mut cx);
                }
            }
            if !admission.is_empty()
                && let Some(root) = tree.as_ref().and_then(Tree::root)
                && let Some(node) = descend(root, &obj.base)
            {
                let old = index.baseline_of(id).zip(
                    before_tree
                        .as_ref()
                        .and_then(|(t, _)| t.as_ref())
                        .and_then(Tree::root),
                );
                let old = old.and_then(|(b, r)| descend(r, &index.object(b).base));
                admission.check(
                    &Subject {
                        id,
                        obj,
                        root: node,
                        old,
                        index,
                        files,
                    },
                    &mut out,
                );
            }
            // Locate the findings on this StatefulSet while its tree is here.
            if let Some(root) = tree.as_ref().and_then(Tree::root) {
                let doc = files
                    .get(obj.file)
                    .map(|f| crate::render::document_range(f, obj.document));
                locate_all(&mut out, id, &obj.base, root, doc);
            }
            drop(tree);
            out
        })
        .collect();
    findings.extend(per_sts);
    findings
}
