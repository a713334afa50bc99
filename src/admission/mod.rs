//! The cluster's ValidatingAdmissionPolicies, run offline on the manifests
//! as the API server would run them at admission: policies and bindings are
//! read from the run's objects, matched by resource rules and selectors,
//! evaluated with params, `namespaceObject`, `oldObject` (from the
//! baseline) and the object with its defaults, and each failure is located
//! at the fields that made the validation false.
//!
//! Data flow: index (policy, binding, param and Namespace objects) ->
//! [`load`] (read and compile once) -> [`Set::check`] per object, called by
//! the engine while it holds the object's tree -> findings like any rule's.

pub mod ast;
pub mod blame;
pub mod comprehensions;
pub mod format;
pub mod library;
pub mod matching;
pub mod object;
pub mod plain;
pub mod reads;
pub mod schema;
pub mod shared;
pub mod spec;
pub mod url;
pub mod value;

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use cel::{Context, ExecutionError, Value};

use crate::finding::{Finding, Loc, ObjId, Related, Severity};
use crate::index::Index;
use crate::load::{LoadedFile, Role};
use crate::model::path::FieldPath;
use crate::source::Node;
use crate::source::locate::descend;
use crate::source::reparse_document;
use matching::Resource;
use spec::{Action, Binding, Expr, Vap};

const GROUP: &str = "admissionregistration.k8s.io/";

/// (object, policy id, whether it failed there): a policy that applied.
pub type Applied = (ObjId, &'static str, bool);

/// A param object (`paramKind`) of the run.
struct Param {
    obj: ObjId,
    namespace: String,
    name: String,
    labels: BTreeMap<String, String>,
    value: Value,
}

/// The params found per (binding, namespace): indexes into the kind's list.
type Found = HashMap<(usize, String), Arc<[usize]>>;

/// The policies of a run, compiled, with what they read besides the object.
pub struct Set {
    vaps: Vec<Vap>,
    /// Each binding with the index of its policy.
    bindings: Vec<(Binding, usize)>,
    /// Namespace manifests of the run: name -> (object value, labels).
    namespaces: HashMap<String, (Value, BTreeMap<String, String>)>,
    /// Param objects by (apiVersion, kind).
    params: HashMap<(String, String), Vec<Param>>,
    /// The params each binding finds in a namespace (indexes into
    /// `params`), found on first use.
    found: std::sync::Mutex<Found>,
    /// The inline params of StatefulSetPolicies, by policy index.
    inline: HashMap<usize, Param>,
    /// The run's objects for `lookup()` (an opaque value), built only when
    /// a StatefulSetPolicy calls it.
    objects: Value,
    /// When tracing (`stslint test`): each (object, policy) that applied,
    /// and whether it failed.
    trace: Option<std::sync::Mutex<Vec<Applied>>>,
    /// Problems of the policies' own text (policy-invalid) and notes.
    pub problems: Vec<Finding>,
    /// What the policies read of each object: only that is converted.
    needs: reads::Needs,
}

impl Default for Set {
    fn default() -> Self {
        Set {
            vaps: Vec::new(),
            bindings: Vec::new(),
            namespaces: HashMap::new(),
            params: HashMap::new(),
            found: Default::default(),
            inline: HashMap::new(),
            objects: Value::Opaque(Arc::new(library::Objects::default())),
            trace: None,
            problems: Vec::new(),
            needs: reads::Needs::default(),
        }
    }
}

/// The kinds `lookup('Kind', ...)` calls name in `vaps`' StatefulSetPolicy
/// expressions: `None` when none calls it, an empty list when a call's
/// kind is not a literal (every kind is then wanted).
fn looked_up_kinds(vaps: &[Vap]) -> Option<Vec<String>> {
    let mut kinds = Vec::new();
    let mut any = false;
    let mut every = false;
    let programs = vaps
        .iter()
        .filter(|v| v.native.is_some())
        .flat_map(Vap::expressions)
        .filter_map(|e| e.program.as_ref());
    for program in programs {
        for (_, kind) in schema::calls(program, "lookup") {
            any = true;
            match kind {
                Some(k) => kinds.push(k),
                None => every = true,
            }
        }
    }
    if every {
        kinds.clear();
    }
    any.then_some(kinds)
}

/// stslint's own policy form.
fn is_native(o: &crate::model::Object) -> bool {
    o.kind == "StatefulSetPolicy" && o.api_version.starts_with("stslint.io/")
}

fn is_kind(o: &crate::model::Object, kind: &str) -> bool {
    o.kind == kind && o.api_version.starts_with(GROUP)
}

/// The object `id` as a CEL value, its document parsed again.
fn object_value(index: &Index, files: &[LoadedFile], id: ObjId) -> Option<Value> {
    let o = index.object(id);
    let f = files.get(o.file)?;
    let tree = reparse_document(&f.source, &f.docs, o.document)?;
    let root = descend(tree.root()?, &o.base)?;
    Some(value::of(&root))
}

fn labels_of(v: &Value) -> BTreeMap<String, String> {
    let meta = value::get(v, "metadata");
    value::string_map(meta.and_then(|m| value::get(m, "labels")))
        .into_iter()
        .collect()
}

/// Read and compile the policies and bindings among the run's objects.
/// Nothing is done (and nothing costs) when there are none.
pub fn load(index: &Index, files: &[LoadedFile]) -> Set {
    let mut set = Set::default();
    let wanted = |id: ObjId| {
        let o = index.object(id);
        !index.is_baseline(id) && files.get(o.file).is_some_and(|f| f.role != Role::Baseline)
    };
    let ids: Vec<ObjId> = (0..index.objects.len())
        .filter(|&id| {
            let o = index.object(id);
            (is_kind(o, "ValidatingAdmissionPolicy")
                || is_kind(o, "ValidatingAdmissionPolicyBinding")
                || is_native(o))
                && wanted(id)
        })
        .collect();
    if ids.is_empty() {
        return set;
    }
    let mut reader = spec::Reader {
        problems: Vec::new(),
    };
    let mut bindings = Vec::new();
    let mut native_bindings = Vec::new();
    for id in ids {
        let o = index.object(id);
        let Some(f) = files.get(o.file) else { continue };
        let Some(tree) = reparse_document(&f.source, &f.docs, o.document) else {
            continue;
        };
        let Some(root) = tree.root().and_then(|r| descend(r, &o.base)) else {
            continue;
        };
        let place = spec::Place {
            obj: id,
            file: o.file,
            document: o.document,
            root,
        };
        if is_native(o) {
            if let Some((v, b)) = reader.native(&place) {
                set.vaps.push(v);
                native_bindings.push((b, set.vaps.len() - 1));
            }
        } else if o.kind == "ValidatingAdmissionPolicy" {
            if let Some(v) = reader.policy(&place) {
                set.vaps.push(v);
            }
        } else if let Some(b) = reader.binding(&place) {
            bindings.push(b);
        }
    }
    set.problems = reader.problems;
    for (b, i) in native_bindings {
        if let Some(params) = set.vaps[i].native.as_ref().and_then(|n| n.params.clone()) {
            set.inline.insert(
                i,
                Param {
                    obj: set.vaps[i].obj,
                    namespace: String::new(),
                    name: format!("the inline params of {}", set.vaps[i].name),
                    labels: BTreeMap::new(),
                    value: params,
                },
            );
        }
        set.bindings.push((b, i));
    }
    for b in bindings {
        match set.vaps.iter().position(|v| v.name == b.policy_name) {
            Some(i) => set.bindings.push((b, i)),
            None => set.problems.push(note(
                b.obj,
                FieldPath::from_keys(&["spec", "policyName"]),
                format!(
                    "binding {} names ValidatingAdmissionPolicy {}, which is not among the manifests, so it is not checked",
                    b.name, b.policy_name
                ),
                "Add the policy's manifest to the run (a path, `--context`) to check it.",
            )),
        }
    }
    for (i, v) in set.vaps.iter().enumerate() {
        if v.native.is_none() && !set.bindings.iter().any(|(_, p)| *p == i) {
            set.problems.push(note(
                v.obj,
                FieldPath::from_keys(&["metadata", "name"]),
                format!(
                    "ValidatingAdmissionPolicy {} is not bound: no ValidatingAdmissionPolicyBinding among the manifests names it, so it does not run",
                    v.name
                ),
                "Add its binding to the run (a path, `--context`), or remove the policy.",
            ));
        }
    }
    // The objects `lookup()` may return, read once.
    if let Some(kinds) = looked_up_kinds(&set.vaps) {
        let mut table = HashMap::new();
        for id in 0..index.objects.len() {
            let o = index.object(id);
            if !wanted(id) || (!kinds.is_empty() && !kinds.iter().any(|k| *k == o.kind)) {
                continue;
            }
            let namespaced = matching::resource_of(&o.api_version, &o.kind)
                .map_or(o.namespace_set, |r| r.namespaced);
            let key = (
                o.kind.to_string(),
                if namespaced {
                    o.namespace.clone()
                } else {
                    String::new()
                },
                o.name.clone(),
            );
            if table.contains_key(&key) {
                continue;
            }
            if let Some(v) = object_value(index, files, id) {
                table.insert(key, v);
            }
        }
        set.objects = Value::Opaque(Arc::new(library::Objects(table)));
    }
    // Params and Namespaces, read once.
    let kinds: Vec<(String, String)> = set
        .bindings
        .iter()
        .filter_map(|(_, p)| set.vaps[*p].param_kind.clone())
        .collect();
    for id in 0..index.objects.len() {
        let o = index.object(id);
        if !wanted(id) {
            continue;
        }
        let is_param = kinds
            .iter()
            .any(|(av, k)| *k == o.kind && *av == o.api_version);
        if o.kind == "Namespace"
            && o.api_version == "v1"
            && let Some(v) = object_value(index, files, id)
        {
            let labels = labels_of(&v);
            set.namespaces.insert(o.name.clone(), (v, labels));
        }
        if is_param && let Some(v) = object_value(index, files, id) {
            set.params
                .entry((o.api_version.to_string(), o.kind.to_string()))
                .or_default()
                .push(Param {
                    obj: id,
                    namespace: if o.namespace_set || o.kind != "Namespace" {
                        o.namespace.clone()
                    } else {
                        String::new()
                    },
                    name: o.name.clone(),
                    labels: labels_of(&v),
                    value: v,
                });
        }
    }
    set.needs = reads::of(&set.vaps);
    set
}

fn note(obj: ObjId, path: FieldPath, message: String, help: &str) -> Finding {
    Finding {
        rule: "policy-not-evaluable",
        at_most: Some(Severity::Info),
        message,
        help: Some(help.to_owned()),
        at: Loc::Field { obj, path },
        focus: None,
        related: Vec::new(),
        fix: None,
    }
}

/// The severity a binding's actions give its findings.
fn severity(actions: &[Action]) -> Severity {
    if actions.contains(&Action::Deny) {
        Severity::Error
    } else if actions.contains(&Action::Warn) {
        Severity::Warning
    } else {
        Severity::Info
    }
}

fn actions_text(actions: &[Action]) -> String {
    let names: Vec<&str> = actions
        .iter()
        .map(|a| match a {
            Action::Deny => "Deny",
            Action::Warn => "Warn",
            Action::Audit => "Audit",
        })
        .collect();
    names.join(", ")
}

/// One object under review.
pub struct Subject<'a> {
    pub id: ObjId,
    pub obj: &'a crate::model::Object,
    /// The object's root in its tree.
    pub root: Node<'a>,
    /// The same object in the baseline (`--baseline`): UPDATE with
    /// `oldObject`, else CREATE.
    pub old: Option<Node<'a>>,
    /// The run's objects and files, for the objects a StatefulSetPolicy
    /// reads besides this one (`service`, `pdbs`).
    pub index: &'a Index,
    pub files: &'a [LoadedFile],
}

/// What a StatefulSetPolicy sees around the StatefulSet, as CEL values.
struct Around {
    /// The governing Service, or null.
    service: Value,
    /// The PodDisruptionBudgets selecting the pod template's labels.
    pdbs: Value,
    /// The PersistentVolumeClaims of the pods that exist among the
    /// manifests: `<template>-<name>-<ordinal>` for each claim template
    /// and each ordinal below `replicas`, by template and ordinal.
    claims: Value,
}

/// What is around StatefulSet value `obj` (defaulted) in the run.
fn around(s: &Subject<'_>, obj: &Value) -> Around {
    let spec = value::get(obj, "spec");
    let ns = &s.obj.namespace;
    let service = match spec.and_then(|sp| value::get(sp, "serviceName")) {
        Some(Value::String(name)) => s
            .index
            .service(ns, name)
            .and_then(|(id, _)| object_value(s.index, s.files, id))
            .unwrap_or(Value::Null),
        _ => Value::Null,
    };
    let labels: BTreeMap<String, String> = value::string_map(
        spec.and_then(|sp| value::get(sp, "template"))
            .and_then(|t| value::get(t, "metadata"))
            .and_then(|m| value::get(m, "labels")),
    )
    .into_iter()
    .collect();
    let pdbs = s
        .index
        .pdbs_selecting(ns, &labels)
        .into_iter()
        .filter_map(|(id, _)| object_value(s.index, s.files, id))
        .collect();
    let replicas = match spec.and_then(|sp| value::get(sp, "replicas")) {
        Some(Value::Int(n)) => u64::try_from(*n).unwrap_or(0),
        _ => 1,
    };
    let mut claims = Vec::new();
    if let Some(Value::List(templates)) = spec.and_then(|sp| value::get(sp, "volumeClaimTemplates"))
    {
        for t in templates.iter() {
            let Some(Value::String(tname)) =
                value::get(t, "metadata").and_then(|m| value::get(m, "name"))
            else {
                continue;
            };
            let prefix = format!("{tname}-{}", s.obj.name);
            for (_, id, _) in s.index.claims(ns, &prefix, replicas) {
                claims.extend(object_value(s.index, s.files, id));
            }
        }
    }
    Around {
        service,
        pdbs: Value::List(Arc::new(pdbs)),
        claims: Value::List(Arc::new(claims)),
    }
}

/// What one evaluation needs besides the object.
struct Run<'a> {
    vap: &'a Vap,
    binding: &'a Binding,
    param: Option<&'a Param>,
}

impl Set {
    /// The run's policies, for `rules`, `explain` and SARIF.
    pub fn describe(&self, index: &Index, files: &[LoadedFile]) -> Vec<crate::finding::PolicyInfo> {
        self.vaps
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let actions: Vec<Action> = self
                    .bindings
                    .iter()
                    .filter(|(_, p)| *p == i)
                    .flat_map(|(b, _)| b.actions.iter().copied())
                    .collect();
                let severity = match &v.native {
                    Some(n) => Some(n.severity),
                    None => (!actions.is_empty()).then(|| severity(&actions)),
                };
                let first_message = v.validations.iter().find_map(|val| val.message.clone());
                let summary = v.description.clone().or(first_message).unwrap_or_else(|| {
                    v.validations.first().map_or_else(
                        || format!("{} has no validations", v.name),
                        |val| format!("requires `{}`", val.expr.source.trim()),
                    )
                });
                let file = files
                    .get(index.object(v.obj).file)
                    .map(|f| f.source.name.clone())
                    .unwrap_or_default();
                crate::finding::PolicyInfo {
                    id: v.rule,
                    kind: if v.native.is_some() {
                        "StatefulSetPolicy"
                    } else {
                        "ValidatingAdmissionPolicy"
                    },
                    severity,
                    summary: summary.split_whitespace().collect::<Vec<_>>().join(" "),
                    help: v.native.as_ref().and_then(|n| n.help.clone()),
                    url: v.native.as_ref().and_then(|n| n.url.clone()),
                    file,
                }
            })
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.bindings.is_empty()
    }

    /// Record which policies apply to which objects (see [`Set::applied`]).
    pub fn trace(&mut self) {
        self.trace = Some(std::sync::Mutex::new(Vec::new()));
    }

    /// Each (object, policy id) a policy applied to (it matched, its
    /// conditions held), and whether it failed there; empty unless traced.
    pub fn applied(&mut self) -> Vec<Applied> {
        let mut v = self
            .trace
            .take()
            .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
            .unwrap_or_default();
        v.sort_unstable();
        v.dedup_by(|b, a| {
            // One entry per (object, policy): failed if any run failed.
            let same = a.0 == b.0 && a.1 == b.1;
            if same {
                a.2 |= b.2;
            }
            same
        });
        v
    }

    /// Whether any binding may apply to objects of this kind (the engine
    /// parses other objects' documents again only for those).
    pub fn wants(&self, api_version: &str, kind: &str) -> bool {
        let Some(res) = matching::resource_of(api_version, kind) else {
            return false;
        };
        self.bindings
            .iter()
            .any(|(_, p)| matching::may_take(&self.vaps[*p].constraints, &res))
    }

    /// The Namespace object and labels of namespace `ns`, and whether they
    /// come from a manifest (else only the label the API server adds).
    fn namespace(&self, ns: &str) -> (Value, BTreeMap<String, String>, bool) {
        if let Some((v, l)) = self.namespaces.get(ns) {
            return (v.clone(), l.clone(), true);
        }
        let mut labels = BTreeMap::new();
        labels.insert("kubernetes.io/metadata.name".to_owned(), ns.to_owned());
        let v = value::map([
            ("apiVersion".to_owned(), value::string("v1")),
            ("kind".to_owned(), value::string("Namespace")),
            (
                "metadata".to_owned(),
                value::map([
                    ("name".to_owned(), value::string(ns)),
                    (
                        "labels".to_owned(),
                        value::map(labels.iter().map(|(k, v)| (k.clone(), value::string(v)))),
                    ),
                ]),
            ),
        ]);
        (v, labels, false)
    }

    /// Run every binding that applies to `s`; findings go to `out`.
    pub fn check(&self, s: &Subject<'_>, out: &mut Vec<Finding>) {
        let Some(res) = matching::resource_of(&s.obj.api_version, &s.obj.kind) else {
            return;
        };
        library::with_root(|root| self.check_in(s, res, root, out));
    }

    /// [`Set::check`] over `root`, this thread's root context: what every
    /// evaluation on `s` sees is bound once, in a scope of it.
    fn check_in(
        &self,
        s: &Subject<'_>,
        res: Resource,
        root: &Context<'_, 'static>,
        out: &mut Vec<Finding>,
    ) {
        // The object's labels and old labels (for objectSelector), the
        // object as a value (for a StatefulSetPolicy's image globs and the
        // objects around it), the Namespace (object, labels, from a
        // manifest): each made once, when a policy needs it.
        type Labels = BTreeMap<String, String>;
        let labels: OnceCell<(Labels, Option<Labels>)> = OnceCell::new();
        let plain_cell: OnceCell<Value> = OnceCell::new();
        let plain = || plain_cell.get_or_init(|| value::read(&s.root, &self.needs.object));
        let namespace = OnceCell::new();
        // What every evaluation on `s` sees, bound once: the object and the
        // old object, defaulted, made straight from their trees.
        let mut subject: Option<Context<'_, '_>> = None;
        let operation = if s.old.is_some() { "UPDATE" } else { "CREATE" };
        let mut nearby: Option<Around> = None;
        // Policies that applied, with where their findings start (traced).
        let mut applied: Vec<(&'static str, usize)> = Vec::new();
        for (b, (binding, p)) in self.bindings.iter().enumerate() {
            let vap = &self.vaps[*p];
            let take = |m: &spec::Matching| matching::rules_take(m, &res, operation, &s.obj.name);
            if !take(&vap.constraints) || !binding.matching.as_ref().is_none_or(take) {
                continue;
            }
            // Selectors: the namespace's labels, the object's (or the old
            // object's) labels.
            // Made only when a selector or an expression needs it.
            let ns = || {
                namespace.get_or_init(|| res.namespaced.then(|| self.namespace(&s.obj.namespace)))
            };
            let mut selected = true;
            for (m, owner) in [
                (Some(&vap.constraints), vap.obj),
                (binding.matching.as_ref(), binding.obj),
            ] {
                let Some(m) = m else { continue };
                if let Some(sel) = &m.namespace_selector
                    && let Some((_, labels, from_manifest)) = ns()
                {
                    let only_name = matching::keys(sel)
                        .iter()
                        .all(|k| *k == "kubernetes.io/metadata.name");
                    if !from_manifest && !only_name {
                        out.push(note(
                            s.id,
                            FieldPath::root().key("kind"),
                            format!(
                                "{} does not know the labels of namespace {}: no Namespace manifest is in the run, so the namespaceSelector of {} cannot be evaluated",
                                vap.rule, s.obj.namespace, if owner == vap.obj { "the policy" } else { "binding" }
                            ),
                            "Add the Namespace manifest to the run (`--context`) to check this policy here.",
                        ));
                        selected = false;
                        break;
                    }
                    if !matching::selects(Some(sel), labels) {
                        selected = false;
                        break;
                    }
                }
                if let Some(sel) = &m.object_selector {
                    let (now, before) = labels.get_or_init(|| {
                        let old = s
                            .old
                            .map(|o| labels_of(&value::read(&o, &self.needs.object)));
                        (labels_of(plain()), old)
                    });
                    let before = before
                        .as_ref()
                        .is_some_and(|b| matching::selects(Some(sel), b));
                    let now = matching::selects(Some(sel), now);
                    if !now && !before {
                        selected = false;
                        break;
                    }
                }
            }
            if !selected {
                continue;
            }

            // Params: one evaluation per param object, all must pass.
            if let Some(n) = &vap.native
                && !native_matches(n, &s.obj.namespace, plain())
            {
                continue;
            }
            let params: Vec<Option<&Param>> = match (&vap.param_kind, &binding.param_ref) {
                _ if vap.native.is_some() => vec![self.inline.get(p)],
                (Some(kind), Some(r)) => {
                    let candidates = self.params.get(kind).map_or(&[][..], Vec::as_slice);
                    let ns = r
                        .namespace
                        .clone()
                        .unwrap_or_else(|| s.obj.namespace.clone());
                    // The same for every object of a namespace: found once.
                    let key = (b, ns);
                    let cached = self.found.lock().ok().and_then(|c| c.get(&key).cloned());
                    let ids = cached.unwrap_or_else(|| {
                        let ids: Arc<[usize]> = candidates
                            .iter()
                            .enumerate()
                            .filter(|(_, c)| c.namespace == key.1 || c.namespace.is_empty())
                            .filter(|(_, c)| match (&r.name, &r.selector) {
                                (Some(n), _) => c.name == *n,
                                (None, Some(sel)) => matching::selects(Some(sel), &c.labels),
                                (None, None) => false,
                            })
                            .map(|(i, _)| i)
                            .collect();
                        if let Ok(mut c) = self.found.lock() {
                            c.insert(key.clone(), Arc::clone(&ids));
                        }
                        ids
                    });
                    let ns = key.1;
                    let found: Vec<Option<&Param>> =
                        ids.iter().map(|&i| candidates.get(i)).collect();
                    if found.is_empty() {
                        if r.deny_if_missing {
                            let what = r.name.as_ref().map_or_else(
                                || format!("{} matching the binding's selector", kind.1),
                                |n| format!("{} {ns}/{n}", kind.1),
                            );
                            self.failure(
                                s,
                                &Run { vap, binding, param: None },
                                None,
                                format!("its param {what} is not among the manifests (parameterNotFoundAction: Deny)"),
                                out,
                            );
                            applied.push((vap.rule, out.len() - 1));
                        }
                        continue;
                    }
                    found
                }
                _ => vec![None],
            };
            let start = out.len();
            let mut ran = false;
            for param in params {
                let run = Run {
                    vap,
                    binding,
                    param,
                };
                let cx = subject.get_or_insert_with(|| {
                    let mut cx = root.new_inner_scope();
                    let reads = &self.needs.object;
                    cx.add_variable_as_val("object", object::of(&s.root, &s.obj.kind, reads));
                    cx.add_variable_as_val(
                        "oldObject",
                        s.old.map_or_else(
                            || {
                                Box::new(cel::common::types::CelNull)
                                    as Box<dyn cel::common::value::Val>
                            },
                            |o| object::of(&o, &s.obj.kind, reads),
                        ),
                    );
                    // What a policy without params or variables sees of them.
                    cx.add_variable_from_value("params", Value::Null);
                    cx.add_variable_from_value("variables", value::map(std::iter::empty()));
                    // Unread, they are not bound: no expression names them.
                    if self.needs.namespace_object {
                        cx.add_variable_as_val(
                            "namespaceObject",
                            value::val(ns().as_ref().map_or(&Value::Null, |n| &n.0)),
                        );
                    }
                    if self.needs.request {
                        cx.add_variable_from_value("request", request(s, &res, operation));
                    }
                    cx
                });
                let near = vap
                    .native
                    .as_ref()
                    .map(|_| &*nearby.get_or_insert_with(|| around(s, plain())));
                ran |= self.evaluate(s, &run, cx, near, out);
            }
            if ran {
                applied.push((vap.rule, start));
            }
        }
        if let Some(trace) = &self.trace {
            let mut t = trace.lock().unwrap_or_else(|e| e.into_inner());
            for (rule, start) in applied {
                let failed = out[start.min(out.len())..].iter().any(|f| f.rule == rule);
                t.push((s.id, rule, failed));
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn evaluate(
        &self,
        s: &Subject<'_>,
        run: &Run<'_>,
        subject: &Context<'_, '_>,
        near: Option<&Around>,
        out: &mut Vec<Finding>,
    ) -> bool {
        // The subject's scope holds object, oldObject, namespaceObject and
        // request (converted once per object); params and variables go in
        // a scope of their own. Without any, the run is evaluated in the
        // subject's scope itself: each scope a name is looked up in costs.
        let own = near.is_some() || run.param.is_some() || !run.vap.variables.is_empty();
        let mut inner = subject.new_inner_scope();
        // Only a StatefulSetPolicy sees the objects around the set.
        if let Some(a) = near {
            inner.add_variable_as_val("service", value::val(&a.service));
            inner.add_variable_as_val("pdbs", value::val(&a.pdbs));
            inner.add_variable_as_val("claims", value::val(&a.claims));
            inner.add_variable_as_val(library::OBJECTS, value::val(&self.objects));
        }
        // Without a param, `params` is the subject scope's null.
        if let Some(p) = run.param {
            inner.add_variable_as_val("params", value::val(&p.value));
        }
        {
            let cx: &Context<'_, '_> = if own { &inner } else { subject };
            // matchConditions: any false skips; an error is a failure.
            for (name, e) in &run.vap.match_conditions {
                let Some(p) = &e.program else { return false };
                match p.execute(cx) {
                    Ok(Value::Bool(true)) => {}
                    Ok(Value::Bool(false)) => return false,
                    Ok(other) => {
                        let msg = format!("matchCondition {name} gave {other:?}, not a bool");
                        self.failure(s, run, Some(e), msg, out);
                        return true;
                    }
                    Err(err) => {
                        self.error(s, run, e, &err, out);
                        return true;
                    }
                }
            }
        }
        // variables, in order; a failing one fails only its users.
        let mut vars: Vec<(String, Value)> = Vec::new();
        let mut failed: Vec<(&str, &Expr, ExecutionError)> = Vec::new();
        for (name, e) in &run.vap.variables {
            let Some(p) = &e.program else { continue };
            inner.add_variable_from_value("variables", value::map(vars.iter().cloned()));
            match p.execute(&inner) {
                Ok(v) => vars.push((name.clone(), v)),
                Err(err) => failed.push((name, e, err)),
            }
        }
        // Without any, `variables` is the subject scope's empty map.
        if !run.vap.variables.is_empty() {
            inner.add_variable_from_value("variables", value::map(vars.iter().cloned()));
        }
        let cx: &Context<'_, '_> = if own { &inner } else { subject };
        {
            // What blame needs, built on the first failure only.
            let blame_scope = std::cell::OnceCell::new();
            let scope = || {
                blame_scope.get_or_init(|| {
                    let var_exprs: HashMap<String, &cel::IdedExpr> = run
                        .vap
                        .variables
                        .iter()
                        .filter_map(|(n, e)| {
                            e.program.as_ref().map(|p| (n.clone(), p.expression()))
                        })
                        .collect();
                    blame::Scope::new(var_exprs)
                })
            };
            for (i, v) in run.vap.validations.iter().enumerate() {
                let Some(p) = &v.expr.program else { continue };
                let uses = |n: &str| v.expr.source.contains(&format!("variables.{n}"));
                if let Some((_, e, err)) = failed.iter().find(|(n, ..)| uses(n)) {
                    self.error(s, run, e, err, out);
                    continue;
                }
                if let Some(fe) = &v.for_each {
                    let Some(fp) = &fe.program else { continue };
                    let items = match fp.execute(cx) {
                        Ok(Value::List(items)) => items,
                        Ok(other) => {
                            let msg =
                                format!("forEach of validation {i} gave {other:?}, not a list");
                            self.failure(s, run, Some(fe), msg, out);
                            continue;
                        }
                        Err(err) => {
                            self.error(s, run, fe, &err, out);
                            continue;
                        }
                    };
                    for (k, item) in items.iter().enumerate() {
                        let mut inner = cx.new_inner_scope();
                        inner.add_variable_from_value(v.as_name.clone(), item.clone());
                        inner.add_variable_from_value(
                            "index",
                            Value::Int(i64::try_from(k).unwrap_or(i64::MAX)),
                        );
                        match p.execute(&inner) {
                            Ok(Value::Bool(true)) => {}
                            Ok(Value::Bool(false)) => {
                                let element = blame::element_path(fp.expression(), k, cx, scope());
                                let paths = match (&element, &v.field_path) {
                                    (Some(e), Some(f)) => vec![FieldPath(
                                        e.segs().iter().chain(f.segs()).cloned().collect(),
                                    )],
                                    (Some(e), None) => {
                                        let mut s2 = scope().clone();
                                        s2.bind(&v.as_name, e.clone());
                                        let blamed: Vec<FieldPath> =
                                            blame::blame(p.expression(), &inner, &s2)
                                                .into_iter()
                                                .map(|b| b.path)
                                                .collect();
                                        if blamed.is_empty() {
                                            vec![e.clone()]
                                        } else {
                                            blamed
                                        }
                                    }
                                    (None, Some(f)) => vec![f.clone()],
                                    (None, None) => Vec::new(),
                                };
                                let message = message(v, &inner);
                                out.push(self.violation(s, run, i, message, paths));
                            }
                            Ok(other) => {
                                let msg = format!(
                                    "validation {i} gave {other:?} for element {k}, not a bool"
                                );
                                self.failure(s, run, Some(&v.expr), msg, out);
                            }
                            Err(err) => self.error(s, run, &v.expr, &err, out),
                        }
                    }
                    continue;
                }
                match p.execute(cx) {
                    Ok(Value::Bool(true)) => {}
                    Ok(Value::Bool(false)) => {
                        let paths = match &v.field_path {
                            Some(f) => vec![f.clone()],
                            None => blame::blame(p.expression(), cx, scope())
                                .into_iter()
                                .map(|b| b.path)
                                .collect(),
                        };
                        let message = message(v, cx);
                        out.push(self.violation(s, run, i, message, paths));
                    }
                    Ok(other) => {
                        let msg = format!("validation {i} gave {other:?}, not a bool");
                        self.failure(s, run, Some(&v.expr), msg, out);
                    }
                    Err(err) => self.error(s, run, &v.expr, &err, out),
                }
            }
            true
        }
    }

    fn related(&self, run: &Run<'_>, at: Option<&Expr>) -> Vec<Related> {
        let mut related = vec![Related {
            at: Loc::Field {
                obj: run.vap.obj,
                path: at.map_or_else(
                    || FieldPath::from_keys(&["metadata", "name"]),
                    |e| e.at.clone(),
                ),
            },
            message: format!("ValidatingAdmissionPolicy {}", run.vap.name),
        }];
        if run.vap.native.is_some() {
            return related;
        }
        related.push(Related {
            at: Loc::Field {
                obj: run.binding.obj,
                path: FieldPath::from_keys(&["spec", "validationActions"]),
            },
            message: format!(
                "bound by {} ({})",
                run.binding.name,
                actions_text(&run.binding.actions)
            ),
        });
        if let Some(p) = run.param {
            related.push(Related {
                at: Loc::Field {
                    obj: p.obj,
                    path: FieldPath::from_keys(&["metadata", "name"]),
                },
                message: format!("params from {}", p.name),
            });
        }
        related
    }

    fn violation(
        &self,
        s: &Subject<'_>,
        run: &Run<'_>,
        index: usize,
        message: String,
        blamed: Vec<FieldPath>,
    ) -> Finding {
        let v = &run.vap.validations[index];
        let mut related = self.related(run, Some(&v.expr));
        let mut paths = blamed.into_iter();
        let primary = paths
            .next()
            .unwrap_or_else(|| FieldPath::root().key("kind"));
        for path in paths {
            related.push(Related {
                at: Loc::Field { obj: s.id, path },
                message: "and here".to_owned(),
            });
        }
        let reason = v.reason.as_deref().unwrap_or("Invalid");
        let help = match &run.vap.native {
            Some(n) => match (&n.help, &n.url) {
                (Some(h), Some(u)) => Some(format!("{h} ({u})")),
                (Some(h), None) => Some(h.clone()),
                (None, Some(u)) => Some(format!("See {u}.")),
                (None, None) => None,
            },
            None => Some(format!(
                "The API server answers {reason} ({}) when this is applied: change the manifest, or the policy.",
                actions_text(&run.binding.actions)
            )),
        };
        Finding {
            rule: run.vap.rule,
            at_most: Some(severity(&run.binding.actions)),
            message,
            help,
            at: Loc::Field {
                obj: s.id,
                path: primary,
            },
            focus: None,
            related,
            fix: None,
        }
    }

    /// A validation or condition that could not be evaluated.
    fn error(
        &self,
        s: &Subject<'_>,
        run: &Run<'_>,
        e: &Expr,
        err: &ExecutionError,
        out: &mut Vec<Finding>,
    ) {
        if let ExecutionError::UndeclaredReference(name) = err {
            let why = if name.as_str() == "authorizer" {
                "it uses `authorizer`, which needs the cluster's authorization and cannot be evaluated offline".to_owned()
            } else {
                format!(
                    "`{name}` is not defined: a function or macro stslint's CEL engine does not support, or a name the policy does not declare"
                )
            };
            out.push(Finding {
                rule: "policy-not-evaluable",
                at_most: None,
                message: format!(
                    "{} cannot check {} {}: {why}",
                    run.vap.rule, s.obj.kind, s.obj.name
                ),
                help: Some("The result is unknown, not a pass: check this policy in the cluster (`kubectl apply --dry-run=server`), or set `policy-not-evaluable: info` to accept it.".to_owned()),
                at: Loc::Field {
                    obj: run.vap.obj,
                    path: e.at.clone(),
                },
                focus: None,
                related: vec![Related {
                    at: Loc::Field {
                        obj: s.id,
                        path: FieldPath::root().key("kind"),
                    },
                    message: format!("{} {} is matched", s.obj.kind, s.obj.name),
                }],
                fix: None,
            });
            return;
        }
        self.failure(s, run, Some(e), format!("evaluation failed: {err}"), out);
    }

    /// A failure (runtime error, missing param): failurePolicy decides.
    fn failure(
        &self,
        s: &Subject<'_>,
        run: &Run<'_>,
        at: Option<&Expr>,
        why: String,
        out: &mut Vec<Finding>,
    ) {
        let related = self.related(run, at);
        if run.vap.ignore_failures {
            out.push(Finding {
                rule: "policy-not-evaluable",
                at_most: Some(Severity::Info),
                message: format!(
                    "{} could not be evaluated on {} {} and its failurePolicy Ignore lets it pass: {why}",
                    run.vap.rule, s.obj.kind, s.obj.name
                ),
                help: Some("Make the expression safe for this object (`has()`, `.?field.orValue()`).".to_owned()),
                at: Loc::Field {
                    obj: s.id,
                    path: FieldPath::root().key("kind"),
                },
                focus: None,
                related,
                fix: None,
            });
            return;
        }
        out.push(Finding {
            rule: run.vap.rule,
            at_most: Some(severity(&run.binding.actions)),
            message: format!("the policy could not be evaluated and its failurePolicy Fail rejects the object: {why}"),
            help: Some("Make the expression safe for this object (`has()`, `.?field.orValue()`), or supply what it needs.".to_owned()),
            at: Loc::Field {
                obj: s.id,
                path: FieldPath::root().key("kind"),
            },
            focus: None,
            related,
            fix: None,
        });
    }
}

/// Whether a StatefulSetPolicy's namespace and image globs take the
/// object.
fn native_matches(n: &spec::Native, namespace: &str, obj: &Value) -> bool {
    let ns_ok = n.namespaces.is_empty() || n.namespaces.iter().any(|g| g.is_match(namespace));
    if !ns_ok {
        return false;
    }
    if n.images.is_empty() {
        return true;
    }
    let pod = value::get(obj, "spec")
        .and_then(|s| value::get(s, "template"))
        .and_then(|t| value::get(t, "spec"));
    let images: Vec<String> = ["containers", "initContainers"]
        .iter()
        .filter_map(|k| pod.and_then(|p| value::get(p, k)))
        .filter_map(|l| match l {
            Value::List(items) => Some(
                items
                    .iter()
                    .filter_map(|c| match value::get(c, "image") {
                        Some(Value::String(s)) => Some(s.to_string()),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect();
    images.iter().any(|image| {
        // The repository as written (no tag or digest), and as normalised
        // (`postgres` is `library/postgres` on `index.docker.io`).
        let written = image.split('@').next().unwrap_or(image);
        let slash = written.rfind('/').map_or(0, |i| i + 1);
        let written = match written[slash..].rfind(':') {
            Some(i) => &written[..slash + i],
            None => written,
        };
        let normal = library::parse_image(image)
            .ok()
            .map(|i| i.repository().to_owned());
        n.images
            .iter()
            .any(|g| g.is_match(written) || normal.as_deref().is_some_and(|r| g.is_match(r)))
    })
}

/// The message of a false validation: messageExpression's result when it
/// is a non-empty single-line string, else message, else the expression.
fn message(v: &spec::Validation, cx: &Context<'_, '_>) -> String {
    if let Some(p) = v.message_expr.as_ref().and_then(|m| m.program.as_ref())
        && let Ok(Value::String(s)) = p.execute(cx)
        && !s.trim().is_empty()
        && !s.contains('\n')
    {
        return s.to_string();
    }
    if let Some(m) = &v.message
        && !m.trim().is_empty()
    {
        return m.clone();
    }
    format!("failed expression: {}", v.expr.source.trim())
}

fn request(s: &Subject<'_>, res: &Resource, operation: &str) -> Value {
    let s_ = value::string;
    let gvk = |version: &str| {
        value::map([
            ("group".to_owned(), s_(res.group)),
            ("version".to_owned(), s_(version)),
            ("kind".to_owned(), s_(&s.obj.kind)),
        ])
    };
    value::map([
        ("operation".to_owned(), s_(operation)),
        ("kind".to_owned(), gvk(&res.version)),
        ("requestKind".to_owned(), gvk(&res.version)),
        (
            "resource".to_owned(),
            value::map([
                ("group".to_owned(), s_(res.group)),
                ("version".to_owned(), s_(&res.version)),
                ("resource".to_owned(), s_(res.resource)),
            ]),
        ),
        ("name".to_owned(), s_(&s.obj.name)),
        (
            "namespace".to_owned(),
            s_(if res.namespaced { &s.obj.namespace } else { "" }),
        ),
        ("dryRun".to_owned(), Value::Bool(true)),
        (
            "userInfo".to_owned(),
            value::map([
                ("username".to_owned(), s_("stslint")),
                ("groups".to_owned(), Value::List(Arc::new(Vec::new()))),
            ]),
        ),
    ])
}
