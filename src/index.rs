//! The object set of one run and its cross-reference lookups, built once.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::finding::ObjId;
use crate::model::labels::{LabelMap, LabelSet};
use crate::model::{Object, Pdb, Pvc, Svc, Typed};

pub type Labels = BTreeMap<String, String>;

/// All objects of the run, with lookups by namespace and name.
///
/// Every lookup table is a sorted vector of (hash of the key, object):
/// 16 bytes an entry, no string copied, no allocation per key. Lookups
/// check each candidate's real namespace, name or labels, so a hash
/// collision costs a comparison, not a wrong answer.
#[derive(Debug, Default)]
pub struct Index {
    pub objects: Vec<Object>,
    /// Services by (namespace, name), and by name alone.
    services: Keyed,
    services_by_name: Keyed,
    /// PDBs keyed by (namespace, one of their matchLabels pairs): a pod can
    /// only be selected by a PDB whose pair it carries.
    pdbs_by_label: Keyed,
    /// PDBs without matchLabels (expressions only, or empty), by namespace.
    pdbs_unkeyed: Keyed,
    /// ConfigMaps by (namespace, name).
    config_maps: Keyed,
    /// Endpoints and EndpointSlices by (namespace, Service name).
    endpoints: Keyed,
    /// PVCs named `<prefix>-<ordinal>` by (namespace, prefix).
    claims: Keyed,
    /// Workloads by (namespace, pod label key, value), and by namespace.
    workloads_by_label: Keyed,
    workloads_by_ns: Keyed,
    /// (object, the first object of the run with its API group, kind,
    /// namespace and name), for the objects defined a second time, by
    /// object. The lookup table it is made from is dropped after the build.
    repeats: Vec<(ObjId, ObjId)>,
    /// Objects of baseline files (`--baseline`) by (API group, kind,
    /// namespace, name). They take part in nothing else.
    baseline: Keyed,
    /// Per object: true when it is from a baseline file.
    in_baseline: Vec<bool>,
    /// (first object of a file that an earlier file defines too, how many
    /// of the file's objects the earlier file defines), by object.
    copies: Vec<(ObjId, usize)>,
}

/// A multimap from a key's hash to objects, in object order per key.
#[derive(Debug, Default)]
struct Keyed(Vec<(u64, ObjId)>);

impl Keyed {
    fn push(&mut self, key: u64, id: ObjId) {
        self.0.push((key, id));
    }

    fn seal(&mut self) {
        self.0.sort_unstable();
        self.0.shrink_to_fit();
    }

    /// The objects under `key`, in object order.
    fn get(&self, key: u64) -> impl Iterator<Item = ObjId> + '_ {
        let from = self.0.partition_point(|&(k, _)| k < key);
        self.0[from..]
            .iter()
            .take_while(move |&&(k, _)| k == key)
            .map(|&(_, id)| id)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The hash of a key made of strings (64-bit FNV-1a: lookups verify what
/// they find, and these keys are short, where SipHash's setup dominates).
/// Each component ends with a byte no UTF-8 text has, so ("ab", "c") and
/// ("a", "bc") differ.
fn key(parts: &[&str]) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.as_bytes().iter().chain(&[0xff]) {
            h = (h ^ u64::from(b)).wrapping_mul(PRIME);
        }
    }
    h
}

/// The API group of an apiVersion (`apps/v1` -> `apps`, `v1` -> ``).
pub fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

fn identity(o: &Object) -> u64 {
    key(&[api_group(&o.api_version), &o.kind, &o.namespace, &o.name])
}

impl Index {
    /// `is_baseline` tells the files whose objects are only compared with.
    pub fn build(objects: Vec<Object>, is_baseline: &dyn Fn(usize) -> bool) -> Index {
        let mut ix = Index::default();
        let mut pdb_names = std::collections::HashSet::new();
        let mut identities = Keyed::default();
        for (id, o) in objects.iter().enumerate() {
            let base = is_baseline(o.file);
            ix.in_baseline.push(base);
            if base {
                ix.baseline.push(identity(o), id);
                continue;
            }
            if !o.name.is_empty() {
                identities.push(identity(o), id);
            }
            let ns = o.namespace.as_str();
            if let Some(labels) = &o.pod_labels {
                ix.workloads_by_ns.push(key(&[ns]), id);
                for (k, v) in labels.iter() {
                    ix.workloads_by_label.push(key(&[ns, k, v]), id);
                }
            }
            match &o.typed {
                Typed::Service(_) => {
                    ix.services.push(key(&[ns, &o.name]), id);
                    ix.services_by_name.push(key(&[&o.name]), id);
                }
                // The same object in two files is one object in a cluster:
                // only the first PDB of a namespace/name counts.
                Typed::Pdb(_) if !pdb_names.insert((ns, o.name.as_str())) => {}
                Typed::Pdb(p) => {
                    let pair = p
                        .spec
                        .as_ref()
                        .and_then(|sp| sp.selector.as_ref())
                        .and_then(|sel| sel.match_labels.as_ref())
                        .and_then(|ml| ml.iter().next());
                    match pair {
                        Some((k, v)) => ix.pdbs_by_label.push(key(&[ns, k, v]), id),
                        None => ix.pdbs_unkeyed.push(key(&[ns]), id),
                    }
                }
                Typed::Pvc(_) => {
                    if let Some((prefix, _)) = split_ordinal(&o.name) {
                        ix.claims.push(key(&[ns, prefix]), id);
                    }
                }
                Typed::ConfigMap(_) => ix.config_maps.push(key(&[ns, &o.name]), id),
                Typed::Endpoints(svc) => ix.endpoints.push(key(&[ns, svc]), id),
                Typed::StatefulSet => {}
                Typed::Untyped => {}
            }
        }
        for k in [
            &mut ix.services,
            &mut ix.services_by_name,
            &mut ix.pdbs_by_label,
            &mut ix.pdbs_unkeyed,
            &mut ix.claims,
            &mut ix.config_maps,
            &mut ix.endpoints,
            &mut ix.workloads_by_label,
            &mut ix.workloads_by_ns,
            &mut ix.baseline,
            &mut identities,
        ] {
            k.seal();
        }
        ix.objects = objects;
        ix.find_repeats(&identities);
        ix.group_copies();
        ix
    }

    /// Record each object defined a second time with the first definition:
    /// `identities` is sorted by (hash of the identity, object), so equal
    /// identities are neighbours and no identity is hashed again.
    fn find_repeats(&mut self, identities: &Keyed) {
        let same = |a: &Object, b: &Object| {
            api_group(&b.api_version) == api_group(&a.api_version)
                && b.kind == a.kind
                && b.namespace == a.namespace
                && b.name == a.name
        };
        for group in identities
            .0
            .chunk_by(|x, y| x.0 == y.0)
            .filter(|g| g.len() > 1)
        {
            for (k, &(_, id)) in group.iter().enumerate() {
                let o = &self.objects[id];
                if let Some(&(_, first)) =
                    group[..k].iter().find(|&&(_, e)| same(o, &self.objects[e]))
                {
                    self.repeats.push((id, first));
                }
            }
        }
        self.repeats.sort_unstable();
    }

    /// For each pair of files that define the same objects, the first such
    /// object of the later file and how many there are (a file copied as a
    /// variant repeats most of its objects: one finding says so).
    fn group_copies(&mut self) {
        let mut groups: Vec<((usize, usize), ObjId, usize)> = Vec::new();
        for id in 0..self.objects.len() {
            let Some(first) = self.earlier_same_object(id) else {
                continue;
            };
            let pair = (self.objects[id].file, self.objects[first].file);
            if pair.0 == pair.1 {
                continue;
            }
            match groups.iter_mut().rev().find(|g| g.0 == pair) {
                Some(g) => g.2 += 1,
                None => groups.push((pair, id, 1)),
            }
        }
        self.copies = groups.into_iter().map(|(_, id, n)| (id, n)).collect();
        self.copies.sort_unstable();
    }

    /// When `id` is the first object of its file that another, earlier
    /// file defines too: how many of the file's objects that file defines.
    pub fn copies_from_file(&self, id: ObjId) -> Option<usize> {
        self.copies
            .binary_search_by_key(&id, |&(i, _)| i)
            .ok()
            .map(|k| self.copies[k].1)
    }

    pub fn object(&self, id: ObjId) -> &Object {
        &self.objects[id]
    }

    /// True for an object of a baseline file.
    pub fn is_baseline(&self, id: ObjId) -> bool {
        self.in_baseline.get(id).copied().unwrap_or(false)
    }

    /// The same object (API group, kind, namespace, name) in the baseline:
    /// the first one read.
    pub fn baseline_of(&self, id: ObjId) -> Option<ObjId> {
        if self.baseline.is_empty() || self.is_baseline(id) {
            return None;
        }
        let o = &self.objects[id];
        let same = |b: &Object| {
            api_group(&b.api_version) == api_group(&o.api_version)
                && b.kind == o.kind
                && b.namespace == o.namespace
                && b.name == o.name
        };
        self.baseline
            .get(identity(o))
            .find(|&b| same(&self.objects[b]))
    }

    /// The first object of the run with the same API group, kind,
    /// namespace and name as `id`, read before it.
    pub fn earlier_same_object(&self, id: ObjId) -> Option<ObjId> {
        self.repeats
            .binary_search_by_key(&id, |&(i, _)| i)
            .ok()
            .map(|k| self.repeats[k].1)
    }

    /// True when the run has a baseline to compare with.
    pub fn has_baseline(&self) -> bool {
        !self.baseline.is_empty()
    }

    /// The Service `name` in namespace `ns` (the first one read).
    pub fn service(&self, ns: &str, name: &str) -> Option<(ObjId, &Svc)> {
        self.services.get(key(&[ns, name])).find_map(|id| {
            let o = &self.objects[id];
            match &o.typed {
                Typed::Service(s) if o.namespace == ns && o.name == name => Some((id, s.as_ref())),
                _ => None,
            }
        })
    }

    /// The data of ConfigMap `name` in namespace `ns` (the first one read).
    pub fn config_map(&self, ns: &str, name: &str) -> Option<(ObjId, &LabelMap)> {
        static EMPTY: std::sync::OnceLock<LabelMap> = std::sync::OnceLock::new();
        self.config_maps.get(key(&[ns, name])).find_map(|id| {
            let o = &self.objects[id];
            match &o.typed {
                Typed::ConfigMap(d) if o.namespace == ns && o.name == name => Some((
                    id,
                    d.as_deref()
                        .unwrap_or_else(|| EMPTY.get_or_init(LabelMap::default)),
                )),
                _ => None,
            }
        })
    }

    /// An Endpoints object or EndpointSlice for Service `service` in `ns`.
    pub fn endpoints_of(&self, ns: &str, service: &str) -> Option<ObjId> {
        self.endpoints.get(key(&[ns, service])).find(|&id| {
            let o = &self.objects[id];
            matches!(&o.typed, Typed::Endpoints(s) if o.namespace == ns && s.as_ref() == service)
        })
    }

    /// Services called `name` in any namespace.
    pub fn services_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = ObjId> + 'a {
        self.services_by_name
            .get(key(&[name]))
            .filter(move |&id| self.objects[id].name == name)
    }

    /// PodDisruptionBudgets in `ns` whose selector selects pods with `labels`,
    /// in object order.
    pub fn pdbs_selecting(&self, ns: &str, labels: &Labels) -> Vec<(ObjId, &Pdb)> {
        let mut candidates: Vec<ObjId> = self.pdbs_unkeyed.get(key(&[ns])).collect();
        for (k, v) in labels {
            candidates.extend(self.pdbs_by_label.get(key(&[ns, k, v])));
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates
            .into_iter()
            .filter(|id| self.objects[*id].namespace == ns)
            .filter_map(|id| match &self.objects[id].typed {
                Typed::Pdb(p) => {
                    let sel = p.spec.as_ref()?.selector.as_ref()?;
                    selector_matches(sel, labels).then_some((id, p.as_ref()))
                }
                _ => None,
            })
            .collect()
    }

    /// Workloads in `ns` whose pods `sel` selects.
    pub fn workloads_selected(&self, ns: &str, sel: &LabelSelector) -> Vec<ObjId> {
        let pair = sel.match_labels.as_ref().and_then(|m| m.iter().next());
        let candidates = match pair {
            Some((k, v)) => self.workloads_by_label.get(key(&[ns, k, v])),
            None => self.workloads_by_ns.get(key(&[ns])),
        };
        candidates
            .filter(|&id| {
                let o = &self.objects[id];
                o.namespace == ns
                    && o.pod_labels
                        .as_ref()
                        .is_some_and(|l| selector_matches(sel, l.as_ref()))
            })
            .collect()
    }

    /// The PersistentVolumeClaims `<prefix>-<ordinal>` in namespace `ns`
    /// with an ordinal below `below`, by ordinal (of two with one name, the
    /// first read): the claims a StatefulSet's pods use (prefix
    /// `<template>-<statefulset>`). The cost follows the PVCs that exist,
    /// not the replica count.
    pub fn claims(&self, ns: &str, prefix: &str, below: u64) -> Vec<(u64, ObjId, &Pvc)> {
        let mut out: Vec<(u64, ObjId, &Pvc)> = self
            .claims
            .get(key(&[ns, prefix]))
            .filter_map(|id| {
                let o = &self.objects[id];
                let (p, ordinal) = split_ordinal(&o.name)?;
                match &o.typed {
                    Typed::Pvc(pvc) if o.namespace == ns && p == prefix && ordinal < below => {
                        Some((ordinal, id, pvc))
                    }
                    _ => None,
                }
            })
            .collect();
        // Stable, and ids ascend: of two PVCs with one name the first stays.
        out.sort_by_key(|&(ordinal, _, _)| ordinal);
        out.dedup_by_key(|&mut (ordinal, _, _)| ordinal);
        out
    }
}

/// `data-pg-3` -> (`data-pg`, 3). The ordinal is written as Kubernetes
/// writes it: decimal digits, no sign, no leading zero.
fn split_ordinal(name: &str) -> Option<(&str, u64)> {
    let (prefix, digits) = name.rsplit_once('-')?;
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    canonical.then(|| digits.parse().ok().map(|n| (prefix, n)))?
}

/// Kubernetes label-selector semantics: every matchLabels pair and every
/// matchExpressions requirement must hold. An empty selector selects
/// everything.
pub fn selector_matches(sel: &LabelSelector, labels: &impl LabelSet) -> bool {
    let labels_ok = sel
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.label(k) == Some(v.as_str()));
    let exprs_ok = sel.match_expressions.iter().flatten().all(|e| {
        let values = e.values.as_deref().unwrap_or(&[]);
        let have = labels.label(&e.key);
        let listed = |v: &str| values.iter().any(|x| x == v);
        match e.operator.as_str() {
            "In" => have.is_some_and(listed),
            "NotIn" => have.is_none_or(|v| !listed(v)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        }
    });
    labels_ok && exprs_ok
}

/// A Service selector (a plain map) selects pods carrying all its pairs.
pub fn map_selector_matches(sel: &LabelMap, labels: &impl LabelSet) -> bool {
    sel.iter().all(|(k, v)| labels.label(k) == Some(v))
}

/// True when the selector has no requirement at all.
pub fn selector_is_empty(sel: &LabelSelector) -> bool {
    sel.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
        && sel.match_expressions.as_ref().is_none_or(Vec::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn expr(key: &str, op: &str, values: &[&str]) -> LabelSelector {
        LabelSelector {
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: key.to_owned(),
                operator: op.to_owned(),
                values: Some(values.iter().map(|v| (*v).to_owned()).collect()),
            }]),
            ..Default::default()
        }
    }

    #[test]
    fn claim_ordinals() {
        assert_eq!(split_ordinal("data-pg-3"), Some(("data-pg", 3)));
        assert_eq!(split_ordinal("data-pg-0"), Some(("data-pg", 0)));
        assert_eq!(split_ordinal("data-pg-03"), None);
        assert_eq!(split_ordinal("data-pg-"), None);
        assert_eq!(split_ordinal("data-pg-+3"), None);
        assert_eq!(split_ordinal("data"), None);
        assert_eq!(split_ordinal("d-99999999999999999999999"), None);
    }

    #[test]
    fn selector_operators() {
        let l = labels(&[("app", "kafka"), ("tier", "data")]);
        assert!(selector_matches(&expr("app", "In", &["kafka", "zk"]), &l));
        assert!(!selector_matches(&expr("app", "In", &["zk"]), &l));
        assert!(selector_matches(&expr("app", "NotIn", &["zk"]), &l));
        assert!(selector_matches(&expr("missing", "NotIn", &["zk"]), &l));
        assert!(!selector_matches(&expr("app", "NotIn", &["kafka"]), &l));
        assert!(selector_matches(&expr("tier", "Exists", &[]), &l));
        assert!(!selector_matches(&expr("tier", "DoesNotExist", &[]), &l));
        assert!(selector_matches(&expr("zone", "DoesNotExist", &[]), &l));
        assert!(!selector_matches(&expr("app", "Bogus", &[]), &l));
        let ml = LabelSelector {
            match_labels: Some(labels(&[("app", "kafka")])),
            ..Default::default()
        };
        assert!(selector_matches(&ml, &l));
        assert!(!selector_matches(&ml, &labels(&[("app", "zk")])));
    }
}
