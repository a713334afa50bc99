//! Kubernetes objects: identity, typed decoding (k8s-openapi), field paths.

pub mod decode;
pub mod fields;
pub mod labels;
pub mod path;
pub mod quantity;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Service};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use serde_json::Value;
use std::borrow::Cow;

use crate::finding::{Finding, Loc, ObjId};
use crate::source;
use crate::source::locate::Seg;
use crate::source::yaml11::{self, to_json};
use crate::source::{FileId, Node, NodeKind};
use path::FieldPath;

/// The typed content of an object, for the kinds stslint checks.
#[derive(Debug, Clone)]
pub enum Typed {
    /// A StatefulSet: its tree is kept and the engine decodes it right
    /// before running the rules on it (decoded StatefulSets are large).
    StatefulSet,
    Service(Box<Svc>),
    Pdb(Box<Pdb>),
    Pvc(Pvc),
    /// A ConfigMap's `data` that rules read (config files the pods may
    /// mount, env-style entries); `None` when there is none.
    ConfigMap(Option<Box<labels::LabelMap>>),
    /// An Endpoints object, or an EndpointSlice: the Service whose
    /// endpoints it holds (written by hand or by the application).
    Endpoints(Box<str>),
    /// Another kind, or a known kind that could not be decoded at all.
    Untyped,
}

/// What rules read of a Service.
#[derive(Debug, Clone)]
pub struct Svc {
    pub cluster_ip: Option<String>,
    pub selector: Option<labels::LabelMap>,
}

/// What rules read of a PodDisruptionBudget: its spec.
#[derive(Debug, Clone)]
pub struct Pdb {
    pub spec: Option<k8s_openapi::api::policy::v1::PodDisruptionBudgetSpec>,
}

/// What rules read of a PersistentVolumeClaim (PVCs are numerous and a
/// decoded k8s-openapi one is about 1 KB).
#[derive(Debug, Clone)]
pub struct Pvc {
    /// `spec.resources.requests.storage`, as written.
    pub storage: Option<String>,
}

/// One Kubernetes object of the run.
#[derive(Debug, Clone)]
pub struct Object {
    pub file: FileId,
    /// 0-based index of the document in its file.
    pub document: usize,
    /// Path of the object inside its document (`/items/3` in a List).
    pub base: Box<[Seg]>,
    /// Common apiVersions and kinds are static strings, not copies.
    pub api_version: Cow<'static, str>,
    pub kind: Cow<'static, str>,
    pub namespace: String,
    /// False when the manifest sets no namespace (`namespace` is then the
    /// run's default, `--namespace` or `default`).
    pub namespace_set: bool,
    /// A kustomization beside the file adds labels to it that the file
    /// does not show (see `kustomization.rs`).
    pub labels_added: bool,
    pub name: String,
    /// The `stslint.io/ignore` annotation, if the object has one.
    pub ignore: Option<Box<str>>,
    /// The labels of the pods a workload creates (pod template labels; a
    /// Pod's own labels), for PodDisruptionBudget selectors.
    pub pod_labels: Option<Box<labels::LabelMap>>,
    pub typed: Typed,
}

/// apiVersions and kinds common enough to keep as static strings.
const ATOMS: &[&str] = &[
    "v1",
    "apps/v1",
    "policy/v1",
    "batch/v1",
    "networking.k8s.io/v1",
    "rbac.authorization.k8s.io/v1",
    "autoscaling/v2",
    "StatefulSet",
    "Service",
    "PodDisruptionBudget",
    "PersistentVolumeClaim",
    "ConfigMap",
    "Secret",
    "Deployment",
    "DaemonSet",
    "Job",
    "CronJob",
    "Pod",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "Ingress",
    "NetworkPolicy",
    "HorizontalPodAutoscaler",
];

/// `s` as a static string when it is a common one, else a copy.
fn atom(s: &str) -> Cow<'static, str> {
    match ATOMS.iter().find(|a| **a == s) {
        Some(a) => Cow::Borrowed(a),
        None => Cow::Owned(s.to_owned()),
    }
}

/// The annotation that silences rules for one object.
pub const IGNORE_ANNOTATION: &str = "stslint.io/ignore";

/// What turning the documents of one file into objects produced.
#[derive(Debug, Default, Clone)]
pub struct FileObjects {
    pub objects: Vec<Object>,
    /// Findings (invalid-object) keyed by the object's index in `objects`.
    pub problems: Vec<(usize, decode::DecodeProblem)>,
    /// Documents that are not Kubernetes objects.
    pub skipped: usize,
}

fn str_of<'a>(node: Node<'a>, key: &str) -> Option<&'a str> {
    node.get(key).and_then(|n| n.as_scalar())
}

impl FileObjects {
    /// The objects of document `doc` (objects are in document order).
    pub fn objects_in(&self, doc: usize) -> impl Iterator<Item = &Object> {
        let start = self.objects.partition_point(|o| o.document < doc);
        self.objects[start..]
            .iter()
            .take_while(move |o| o.document == doc)
    }
}

/// Turn the parsed documents of a file into objects.
pub fn objects_of(file: FileId, docs: &[crate::source::Document], default_ns: &str) -> FileObjects {
    let mut out = FileObjects::default();
    for doc in docs {
        let Some(root) = doc.root() else { continue };
        if str_of(root, "apiVersion").is_some()
            && str_of(root, "kind").is_some_and(|k| k.ends_with("List"))
            && let Some(items) = root.get("items")
            && let NodeKind::Seq(items) = items.kind()
        {
            for (i, item) in items.iter().enumerate() {
                let base = vec![Seg::Key("items".to_owned()), Seg::Index(i)];
                add_object(&mut out, file, doc.index, base, item, default_ns);
            }
            continue;
        }
        add_object(&mut out, file, doc.index, Vec::new(), root, default_ns);
    }
    out.objects.shrink_to_fit();
    out
}

fn add_object(
    out: &mut FileObjects,
    file: FileId,
    document: usize,
    base: Vec<Seg>,
    node: Node<'_>,
    default_ns: &str,
) {
    let (Some(api_version), Some(kind)) = (str_of(node, "apiVersion"), str_of(node, "kind")) else {
        out.skipped += 1;
        return;
    };
    let meta = node.get("metadata");
    let name = meta
        .and_then(|m| str_of(m, "name").or_else(|| str_of(m, "generateName")))
        .unwrap_or("")
        .to_owned();
    let written = meta
        .and_then(|m| str_of(m, "namespace"))
        .filter(|ns| !ns.is_empty());
    let namespace_set = written.is_some();
    let namespace = written.unwrap_or(default_ns).to_owned();
    let ignore = meta
        .and_then(|m| m.get("annotations"))
        .and_then(|a| str_of(a, IGNORE_ANNOTATION))
        .map(Box::from);
    let pod_labels = pod_labels_of(kind, node).map(Box::new);
    let index = out.objects.len();
    let (typed, problems) = decode_known(api_version, kind, node);
    for p in problems {
        out.problems.push((index, p));
    }
    out.objects.push(Object {
        file,
        document,
        base: base.into_boxed_slice(),
        api_version: atom(api_version),
        kind: atom(kind),
        namespace,
        namespace_set,
        labels_added: false,
        name,
        ignore,
        pod_labels,
        typed,
    });
}

/// Pod labels of a workload, read from its tree.
fn pod_labels_of(kind: &str, node: Node<'_>) -> Option<labels::LabelMap> {
    let labels = match kind {
        "Pod" => node.get("metadata")?.get("labels"),
        "Deployment"
        | "ReplicaSet"
        | "DaemonSet"
        | "StatefulSet"
        | "Job"
        | "ReplicationController" => node
            .get("spec")?
            .get("template")?
            .get("metadata")?
            .get("labels"),
        "CronJob" => node
            .get("spec")?
            .get("jobTemplate")?
            .get("spec")?
            .get("template")?
            .get("metadata")?
            .get("labels"),
        _ => return None,
    };
    let mut pairs = Vec::new();
    if let Some(NodeKind::Map(entries)) = labels.map(|l| l.kind()) {
        for (k, v) in entries.iter() {
            if let (Some(k), Some(v)) = (k.as_scalar(), v.as_scalar()) {
                pairs.push((k, v));
            }
        }
    }
    Some(labels::LabelMap::from_pairs(pairs))
}

/// The v1 apiVersion a known kind is decoded as, if stslint checks it.
fn decoded_as(api_version: &str, kind: &str) -> Option<&'static str> {
    match (api_version, kind) {
        ("apps/v1" | "apps/v1beta1" | "apps/v1beta2", "StatefulSet") => Some("apps/v1"),
        ("v1", "Service") => Some("v1"),
        ("policy/v1" | "policy/v1beta1", "PodDisruptionBudget") => Some("policy/v1"),
        ("v1", "PersistentVolumeClaim") => Some("v1"),
        _ => None,
    }
}

fn decode_known(
    api_version: &str,
    kind: &str,
    node: Node<'_>,
) -> (Typed, Vec<decode::DecodeProblem>) {
    let Some(v1) = decoded_as(api_version, kind) else {
        return (read_untyped(api_version, kind, node), Vec::new());
    };
    fn wrap<T>(
        r: (Option<T>, Vec<decode::DecodeProblem>),
        f: fn(Box<T>) -> Typed,
    ) -> (Typed, Vec<decode::DecodeProblem>) {
        (r.0.map_or(Typed::Untyped, |t| f(Box::new(t))), r.1)
    }
    // Kept for the whole run: drop what no rule reads (the object's own
    // metadata is in `Object`; status is not a manifest's business).
    match kind {
        // Decoded by the engine, one at a time, right before its rules run.
        "StatefulSet" => (Typed::StatefulSet, Vec::new()),
        "Service" => wrap(decode_as(api_version, v1, node), |s: Box<Service>| {
            let spec = s.spec.unwrap_or_default();
            Typed::Service(Box::new(Svc {
                cluster_ip: spec.cluster_ip,
                selector: spec.selector.as_ref().map(|m| {
                    labels::LabelMap::from_pairs(m.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                }),
            }))
        }),
        "PodDisruptionBudget" => wrap(
            decode_as(api_version, v1, node),
            |p: Box<PodDisruptionBudget>| Typed::Pdb(Box::new(Pdb { spec: p.spec })),
        ),
        _ => wrap(
            decode_as(api_version, v1, node),
            |p: Box<PersistentVolumeClaim>| {
                let storage = p
                    .spec
                    .and_then(|s| s.resources)
                    .and_then(|r| r.requests)
                    .and_then(|mut r| r.remove("storage"))
                    .map(|q| q.0);
                Typed::Pvc(Pvc { storage })
            },
        ),
    }
}

/// A ConfigMap key written as an environment variable: upper-case
/// letters, digits and `_`.
fn is_env_style(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// What rules read of kinds that are not decoded into k8s-openapi types:
/// a ConfigMap's data, the Service an Endpoints or EndpointSlice serves.
fn read_untyped(api_version: &str, kind: &str, node: Node<'_>) -> Typed {
    match (api_version, kind) {
        ("v1", "ConfigMap") => {
            // Kept for the whole run, so only what rules read: config
            // files (multi-line values), env-style entries (UPPER_CASE
            // keys, for envFrom and configMapKeyRef), and one-line values
            // that can name a host, a path, a setting or a list (`.`, `:`,
            // `/`, `=`, `,` or a space); bare words and numbers are dropped.
            let mut pairs = Vec::new();
            if let Some(NodeKind::Map(entries)) = node.get("data").map(|d| d.kind()) {
                for (k, v) in entries.iter() {
                    if let (Some(k), Some(v)) = (k.as_scalar(), v.as_scalar())
                        && (is_env_style(k) || v.contains(['\n', '.', ':', '/', '=', ',', ' ']))
                    {
                        pairs.push((k, v));
                    }
                }
            }
            Typed::ConfigMap(
                (!pairs.is_empty()).then(|| Box::new(labels::LabelMap::from_pairs(pairs))),
            )
        }
        ("v1", "Endpoints") => node
            .get("metadata")
            .and_then(|m| str_of(m, "name"))
            .map_or(Typed::Untyped, |n| Typed::Endpoints(n.into())),
        (v, "EndpointSlice") if v.starts_with("discovery.k8s.io/") => node
            .get("metadata")
            .and_then(|m| m.get("labels"))
            .and_then(|l| str_of(l, "kubernetes.io/service-name"))
            .map_or(Typed::Untyped, |n| Typed::Endpoints(n.into())),
        _ => Typed::Untyped,
    }
}

/// Decode a StatefulSet (any supported apiVersion) from its tree, with the
/// problems found on the way.
pub fn decode_statefulset(
    api_version: &str,
    node: Node<'_>,
) -> (Option<StatefulSet>, Vec<decode::DecodeProblem>) {
    let missing = missing_required_sts(node, api_version == "apps/v1beta1");
    let (typed, mut problems) = decode_as::<StatefulSet>(api_version, "apps/v1", node);
    problems.extend(missing);
    if api_version == "apps/v1beta1" {
        problems.push(v1beta1_removed(node));
    }
    (typed, problems)
}

/// removed-api-version for an apps/v1beta1 StatefulSet, reported here
/// because only the tree still shows whether it wrote a selector:
/// apps/v1beta1 defaulted it to the template's labels, apps/v1 requires it.
fn v1beta1_removed(node: Node<'_>) -> decode::DecodeProblem {
    let spec = node.get("spec");
    let has_selector = spec.and_then(|s| s.get("selector")).is_some();
    let labels: Vec<String> = match spec
        .and_then(|s| s.get("template"))
        .and_then(|t| t.get("metadata"))
        .and_then(|m| m.get("labels"))
        .map(|l| l.kind())
    {
        Some(NodeKind::Map(entries)) => entries
            .iter()
            .filter_map(|(k, v)| Some(format!("{}: {}", k.as_scalar()?, v.as_scalar()?)))
            .collect(),
        _ => Vec::new(),
    };
    let help = if has_selector {
        "Use apiVersion: apps/v1.".to_owned()
    } else if labels.is_empty() {
        "Use apiVersion: apps/v1, and add spec.selector, which apps/v1 requires (apps/v1beta1 defaulted it to the pod template's labels; give the template labels to select).".to_owned()
    } else {
        format!(
            "Use apiVersion: apps/v1, and add spec.selector, which apps/v1 requires (apps/v1beta1 defaulted it to the pod template's labels): `selector: {{matchLabels: {{{}}}}}`.",
            labels.join(", ")
        )
    };
    decode::DecodeProblem {
        rule: "removed-api-version",
        path: vec![Seg::Key("apiVersion".to_owned())],
        message: "apps/v1beta1 StatefulSet was removed in Kubernetes 1.16".to_owned(),
        help: Some(help),
        fix: v1beta1_fix(&to_json(&node)).map(Box::new),
    }
}

/// The move to apps/v1 with what apps/v1beta1 defaulted made explicit, so
/// the object means the same (safe): the selector and the object's labels
/// from the template's labels, and the OnDelete update strategy (apps/v1
/// defaults RollingUpdate). None when there is no selector to write.
fn v1beta1_fix(object: &Value) -> Option<crate::finding::Fix> {
    use crate::finding::{Applicability, Fix, FixOp};
    let spec = object.get("spec")?.as_object()?;
    let labels = spec
        .get("template")
        .and_then(|t| t.get("metadata"))
        .and_then(|m| m.get("labels"))
        .filter(|l| l.as_object().is_some_and(|m| !m.is_empty()));
    if !spec.contains_key("selector") && labels.is_none() {
        return None;
    }
    let key = |k: &str| Seg::Key(k.to_owned());
    let mut fix = Fix::new(
        "move to apps/v1, writing out what apps/v1beta1 defaulted",
        Applicability::Safe,
    )
    .edit(
        path::FieldPath(vec![key("apiVersion")]),
        FixOp::Set(Value::from("apps/v1")),
    );
    if let (false, Some(labels)) = (spec.contains_key("selector"), labels) {
        fix = fix.edit(
            path::FieldPath(vec![key("spec")]),
            FixOp::Insert(
                "selector".to_owned(),
                serde_json::json!({ "matchLabels": labels }),
            ),
        );
    }
    if !spec.contains_key("updateStrategy") {
        fix = fix.edit(
            path::FieldPath(vec![key("spec")]),
            FixOp::Insert(
                "updateStrategy".to_owned(),
                serde_json::json!({ "type": "OnDelete" }),
            ),
        );
    }
    let meta = object.get("metadata").and_then(Value::as_object);
    if let (Some(m), Some(labels)) = (meta, labels)
        && !m.contains_key("labels")
        && !m.is_empty()
    {
        fix = fix.edit(
            path::FieldPath(vec![key("metadata")]),
            FixOp::Insert("labels".to_owned(), labels.clone()),
        );
    }
    Some(fix)
}

/// Decode `node` as `T`: straight from the tree when that succeeds; anything
/// unusual (an error to locate and repair, an old apiVersion, merge keys)
/// takes the JSON path.
fn decode_as<T: serde::de::DeserializeOwned>(
    api_version: &str,
    v1: &str,
    node: Node<'_>,
) -> (Option<T>, Vec<decode::DecodeProblem>) {
    if api_version == v1 && source::de::direct_ok(&node) {
        let mut unknown = Vec::new();
        let decoded = serde_ignored::deserialize(source::de::NodeDe(node), |path| {
            unknown.push(ignored_path(&path));
        });
        if let Ok(t) = decoded {
            let problems = unknown.into_iter().map(unknown_field).collect();
            return (Some(t), problems);
        }
    }
    let mut value = to_json(&node);
    if api_version == "apps/v1beta1" {
        default_v1beta1_selector(&mut value);
    }
    if let Value::Object(m) = &mut value {
        m.insert("apiVersion".to_owned(), Value::String(v1.to_owned()));
    }
    let written = |path: &[Seg]| {
        let n = crate::source::locate::descend(node, path)?;
        n.scalar()?;
        n.text_at(n.span()).map(str::to_owned)
    };
    decode::decode::<T>(value, &written)
}

/// The fields of `probe` (part of an object of `kind`, its leaves null)
/// that the kind's schema does not have, or `None` when stslint has no
/// schema for the kind. Decoded through the same code as the manifests.
pub fn unknown_fields(kind: &str, probe: Value) -> Option<Vec<Vec<Seg>>> {
    fn of<T: serde::de::DeserializeOwned>(probe: Value) -> Vec<Vec<Seg>> {
        decode::decode::<T>(probe, &|_| None)
            .1
            .into_iter()
            .filter(|p| p.rule == "unknown-field")
            .map(|p| p.path)
            .collect()
    }
    Some(match kind {
        "StatefulSet" => of::<StatefulSet>(probe),
        "Service" => of::<Service>(probe),
        "PodDisruptionBudget" => of::<PodDisruptionBudget>(probe),
        "PersistentVolumeClaim" => of::<PersistentVolumeClaim>(probe),
        _ => return None,
    })
}

/// The segments of a path serde_ignored reports.
pub(crate) fn ignored_path(path: &serde_ignored::Path<'_>) -> Vec<Seg> {
    use serde_ignored::Path;
    match path {
        Path::Root => Vec::new(),
        Path::Seq { parent, index } => {
            let mut p = ignored_path(parent);
            p.push(Seg::Index(*index));
            p
        }
        Path::Map { parent, key } => {
            let mut p = ignored_path(parent);
            p.push(Seg::Key(key.clone()));
            p
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

pub(crate) fn unknown_field(path: Vec<Seg>) -> decode::DecodeProblem {
    let key = match path.last() {
        Some(Seg::Key(k)) => k.clone(),
        _ => String::new(),
    };
    let help = fields::suggest_field(&key).map_or_else(
        || "Remove it, or check the field's spelling and level in the API reference.".to_owned(),
        |s| format!("Did you mean `{s}`?"),
    );
    decode::DecodeProblem {
        rule: "unknown-field",
        path,
        message: format!("unknown field `{key}`: the API server drops it"),
        help: Some(help),
        fix: None,
    }
}

/// apps/v1beta1 defaulted a missing selector to the pod template's labels.
fn default_v1beta1_selector(value: &mut Value) {
    let Some(spec) = value.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    if spec.contains_key("selector") {
        return;
    }
    let labels = spec
        .get("template")
        .and_then(|t| t.get("metadata"))
        .and_then(|m| m.get("labels"))
        .cloned();
    if let Some(labels) = labels {
        spec.insert(
            "selector".to_owned(),
            serde_json::json!({ "matchLabels": labels }),
        );
    }
}

/// Required fields that k8s-openapi would silently default but the API
/// server rejects when missing.
fn missing_required_sts(root: Node<'_>, v1beta1: bool) -> Vec<decode::DecodeProblem> {
    fn is_null(n: Node<'_>) -> bool {
        matches!(n.kind(), NodeKind::Scalar(s) if yaml11::resolve_ref(&s) == yaml11::Resolved::Null)
    }
    fn items(n: Option<Node<'_>>) -> Vec<Node<'_>> {
        n.map(|n| n.items().iter().collect()).unwrap_or_default()
    }
    let mut out = Vec::new();
    let mut need = |parent: &[Seg], obj: Option<Node<'_>>, field: &str| {
        if obj.is_some_and(|o| o.is_map() && o.get(field).is_none_or(is_null)) {
            out.push(decode::DecodeProblem {
                rule: "invalid-object",
                path: parent.to_vec(),
                message: format!("required field `{field}` is missing"),
                help: None,
                fix: None,
            });
        }
    };
    let key = |k: &str| Seg::Key(k.to_owned());
    need(&[], Some(root), "spec");
    let spec = root.get("spec");
    if !v1beta1 {
        // apps/v1beta1 defaulted the selector from the template's labels.
        need(&[key("spec")], spec, "selector");
    }
    need(&[key("spec")], spec, "template");
    let template = spec.and_then(|s| s.get("template"));
    let pod = template.and_then(|t| t.get("spec"));
    let pod_path = [key("spec"), key("template"), key("spec")];
    need(&pod_path[..2], template, "spec");
    need(&pod_path, pod, "containers");
    for list in ["initContainers", "containers"] {
        for (i, c) in items(pod.and_then(|p| p.get(list))).into_iter().enumerate() {
            let mut cpath = pod_path.to_vec();
            cpath.extend([key(list), Seg::Index(i)]);
            need(&cpath, Some(c), "name");
            for (j, e) in items(c.get("env")).into_iter().enumerate() {
                let mut epath = cpath.clone();
                epath.extend([key("env"), Seg::Index(j)]);
                need(&epath, Some(e), "name");
            }
        }
    }
    let empty = |n: Node<'_>| {
        is_null(n)
            || matches!(n.kind(), NodeKind::Map(m) if m.is_empty())
            || matches!(n.kind(), NodeKind::Seq(s) if s.is_empty())
    };
    if let Some(sel) = spec.and_then(|s| s.get("selector"))
        && sel.is_map()
        && ["matchLabels", "matchExpressions"]
            .iter()
            .all(|k| sel.get(k).is_none_or(empty))
    {
        out.push(decode::DecodeProblem {
            rule: "invalid-object",
            path: vec![key("spec"), key("selector")],
            message:
                "spec.selector is empty: the API server rejects a StatefulSet without a selector"
                    .to_owned(),
            help: Some(
                "Set spec.selector.matchLabels to the pod template's identifying labels."
                    .to_owned(),
            ),
            fix: None,
        });
    }
    out
}

/// Build the invalid-object findings of a file's objects, given the
/// object id of its first object.
pub fn problem_findings(fo: &FileObjects, first: ObjId) -> Vec<Finding> {
    fo.problems
        .iter()
        .map(|(i, p)| Finding {
            rule: p.rule,
            at_most: None,
            focus: None,
            message: p.message.clone(),
            help: p.help.clone(),
            at: Loc::Field {
                obj: first + i,
                path: FieldPath(p.path.clone()),
            },
            related: Vec::new(),
            fix: p.fix.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::labels::LabelSet;

    #[test]
    fn config_maps_keep_what_rules_read() {
        let text: source::Text = std::sync::Arc::new(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  mode: primary\n  retries: \"3\"\n  peers: zk-0.zk:2888,zk-1.zk:2888\n  DB_PASSWORD: hunter2\n  zoo.cfg: |\n    dataDir=/data\n    tickTime=2000\n"
                .to_owned(),
        );
        let (docs, _) = source::parse_source(&text);
        let fo = objects_of(0, &docs, "default");
        let Typed::ConfigMap(Some(data)) = &fo.objects[0].typed else {
            panic!("a ConfigMap with data: {:?}", fo.objects[0].typed);
        };
        let keys: Vec<&str> = data.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["DB_PASSWORD", "peers", "zoo.cfg"]);
        assert_eq!(data.label("DB_PASSWORD"), Some("hunter2"));
        let bare: source::Text = std::sync::Arc::new(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  mode: primary\n"
                .to_owned(),
        );
        let (docs, _) = source::parse_source(&bare);
        assert!(matches!(
            objects_of(0, &docs, "default").objects[0].typed,
            Typed::ConfigMap(None)
        ));
    }
}
