//! Kubernetes objects: identity, typed decoding (k8s-openapi), field paths.

pub mod decode;
pub mod path;
pub mod quantity;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Service};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use serde_json::Value;

use crate::finding::{Finding, Loc, ObjId};
use crate::source::locate::Seg;
use crate::source::yaml11::to_json;
use crate::source::{FileId, Node, NodeKind};
use path::FieldPath;

/// The typed content of an object, for the kinds stslint checks.
#[derive(Debug)]
pub enum Typed {
    StatefulSet(Box<StatefulSet>),
    Service(Box<Service>),
    Pdb(Box<PodDisruptionBudget>),
    Pvc(Box<PersistentVolumeClaim>),
    /// Another kind, or a known kind that could not be decoded at all.
    Untyped,
}

/// One Kubernetes object of the run.
#[derive(Debug)]
pub struct Object {
    pub file: FileId,
    /// 0-based index of the document in its file.
    pub document: usize,
    /// Path of the object inside its document (`/items/3` in a List).
    pub base: Vec<Seg>,
    pub api_version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub typed: Typed,
}

/// What turning the documents of one file into objects produced.
#[derive(Debug, Default)]
pub struct FileObjects {
    pub objects: Vec<Object>,
    /// Findings (invalid-object) keyed by the object's index in `objects`.
    pub problems: Vec<(usize, FieldPath, String, Option<String>)>,
    /// Documents that are not Kubernetes objects.
    pub skipped: usize,
}

fn str_of<'a>(node: &'a Node, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Node::as_scalar)
}

/// Turn the parsed documents of a file into objects.
pub fn objects_of(file: FileId, docs: &[crate::source::Document], default_ns: &str) -> FileObjects {
    let mut out = FileObjects::default();
    for doc in docs {
        let Some(root) = &doc.root else { continue };
        let (Some(api_version), Some(kind)) = (str_of(root, "apiVersion"), str_of(root, "kind"))
        else {
            out.skipped += 1;
            continue;
        };
        if !matches!(root.kind, NodeKind::Map(_)) {
            out.skipped += 1;
            continue;
        }
        if kind.ends_with("List")
            && let Some(Node {
                kind: NodeKind::Seq(items),
                ..
            }) = root.get("items")
        {
            {
                for (i, item) in items.iter().enumerate() {
                    let base = vec![Seg::Key("items".to_owned()), Seg::Index(i)];
                    add_object(&mut out, file, doc.index, base, item, default_ns);
                }
                continue;
            }
        }
        let _ = api_version;
        add_object(&mut out, file, doc.index, Vec::new(), root, default_ns);
    }
    out
}

fn add_object(
    out: &mut FileObjects,
    file: FileId,
    document: usize,
    base: Vec<Seg>,
    node: &Node,
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
    let namespace = meta
        .and_then(|m| str_of(m, "namespace"))
        .filter(|ns| !ns.is_empty())
        .unwrap_or(default_ns)
        .to_owned();
    let index = out.objects.len();
    let (typed, problems) = decode_known(api_version, kind, node);
    for p in problems {
        out.problems
            .push((index, FieldPath(p.path), p.message, p.help));
    }
    out.objects.push(Object {
        file,
        document,
        base,
        api_version: api_version.to_owned(),
        kind: kind.to_owned(),
        namespace,
        name,
        typed,
    });
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

fn decode_known(api_version: &str, kind: &str, node: &Node) -> (Typed, Vec<decode::DecodeProblem>) {
    let Some(v1) = decoded_as(api_version, kind) else {
        return (Typed::Untyped, Vec::new());
    };
    let mut value = to_json(node);
    let mut missing = Vec::new();
    if kind == "StatefulSet" {
        if api_version == "apps/v1beta1" {
            default_v1beta1_selector(&mut value);
        }
        missing = missing_required_sts(&value);
    }
    if let Value::Object(m) = &mut value {
        m.insert("apiVersion".to_owned(), Value::String(v1.to_owned()));
    }
    fn wrap<T>(
        r: (Option<T>, Vec<decode::DecodeProblem>),
        f: fn(Box<T>) -> Typed,
    ) -> (Typed, Vec<decode::DecodeProblem>) {
        (r.0.map_or(Typed::Untyped, |t| f(Box::new(t))), r.1)
    }
    let (typed, mut problems) = match kind {
        "StatefulSet" => wrap(decode::decode::<StatefulSet>(value), Typed::StatefulSet),
        "Service" => wrap(decode::decode::<Service>(value), Typed::Service),
        "PodDisruptionBudget" => wrap(decode::decode::<PodDisruptionBudget>(value), Typed::Pdb),
        _ => wrap(decode::decode::<PersistentVolumeClaim>(value), Typed::Pvc),
    };
    problems.extend(missing);
    (typed, problems)
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
fn missing_required_sts(value: &Value) -> Vec<decode::DecodeProblem> {
    let mut out = Vec::new();
    let mut need = |parent: &[Seg], obj: Option<&Value>, field: &str| {
        if obj.is_some_and(|o| o.is_object() && o.get(field).is_none_or(Value::is_null)) {
            out.push(decode::DecodeProblem {
                path: parent.to_vec(),
                message: format!("required field `{field}` is missing"),
                help: None,
            });
        }
    };
    let key = |k: &str| Seg::Key(k.to_owned());
    need(&[], Some(value), "spec");
    let spec = value.get("spec");
    need(&[key("spec")], spec, "selector");
    need(&[key("spec")], spec, "template");
    let pod = spec
        .and_then(|s| s.get("template"))
        .and_then(|t| t.get("spec"));
    let pod_path = [key("spec"), key("template"), key("spec")];
    need(&pod_path[..2], spec.and_then(|s| s.get("template")), "spec");
    need(&pod_path, pod, "containers");
    for list in ["initContainers", "containers"] {
        let items = pod.and_then(|p| p.get(list)).and_then(Value::as_array);
        for (i, c) in items.into_iter().flatten().enumerate() {
            let mut cpath = pod_path.to_vec();
            cpath.extend([key(list), Seg::Index(i)]);
            need(&cpath, Some(c), "name");
            let envs = c.get("env").and_then(Value::as_array);
            for (j, e) in envs.into_iter().flatten().enumerate() {
                let mut epath = cpath.clone();
                epath.extend([key("env"), Seg::Index(j)]);
                need(&epath, Some(e), "name");
            }
        }
    }
    if let Some(sel) = spec.and_then(|s| s.get("selector"))
        && sel.is_object()
        && ["matchLabels", "matchExpressions"].iter().all(|k| {
            sel.get(k).is_none_or(|v| {
                v.is_null()
                    || v.as_object().is_some_and(|m| m.is_empty())
                    || v.as_array().is_some_and(Vec::is_empty)
            })
        })
    {
        out.push(decode::DecodeProblem {
            path: vec![key("spec"), key("selector")],
            message:
                "spec.selector is empty: the API server rejects a StatefulSet without a selector"
                    .to_owned(),
            help: Some(
                "Set spec.selector.matchLabels to the pod template's identifying labels."
                    .to_owned(),
            ),
        });
    }
    out
}

/// Build the invalid-object findings of a file's objects, given the
/// object id of its first object.
pub fn problem_findings(fo: &FileObjects, first: ObjId) -> Vec<Finding> {
    fo.problems
        .iter()
        .map(|(i, path, message, help)| Finding {
            rule: "invalid-object",
            message: message.clone(),
            help: help.clone(),
            at: Loc::Field {
                obj: first + i,
                path: path.clone(),
            },
            related: Vec::new(),
        })
        .collect()
}
