//! The object under review as the interpreter holds it, made straight from
//! its tree in one pass: only the fields the run's policies read
//! ([`Reads`]), strings borrowed from the tree (nothing is copied but the
//! containers), scalars read as kubectl reads YAML 1.1, and the defaults the
//! API server fills in before admission runs, so that a policy sees what the
//! cluster's policy sees (`object.spec.replicas` is 1 when the manifest
//! leaves it out). A default no policy reads is not set: it could not change
//! a result, and setting it costs an allocation per object.
//!
//! Other objects (params, the objects around a set) are converted by
//! [`super::value`], with no defaults.

use std::collections::HashMap;

use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, CelUInt,
};
use cel::common::value::Val;

use super::reads::{ALL, Reads};
use super::shared::{SharedList, SharedMap};
use super::value::{FREE_MAPS, QUANTITY_MAPS, escaped};
use crate::source::Node;
use crate::source::tree::NodeKind;
use crate::source::yaml11::{Resolved, key_str, resolve_ref};

type Entries<'t> = HashMap<CelMapKey<'t>, Box<dyn Val + 't>>;

/// The value of object `node` of `kind`, with what `reads` names, defaulted.
pub fn of<'t>(node: &Node<'t>, kind: &str, reads: &Reads) -> Box<dyn Val + 't> {
    convert(node, false, reads, At::Root(Kind::of(kind)))
}

/// The kinds the API server defaults fields of that a policy may read.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    StatefulSet,
    Deployment,
    /// DaemonSet, ReplicaSet, Job: their pod template only.
    Templated,
    Pod,
    Service,
    Claim,
    Other,
}

impl Kind {
    fn of(kind: &str) -> Kind {
        match kind {
            "StatefulSet" => Kind::StatefulSet,
            "Deployment" => Kind::Deployment,
            "DaemonSet" | "ReplicaSet" | "Job" => Kind::Templated,
            "Pod" => Kind::Pod,
            "Service" => Kind::Service,
            "PersistentVolumeClaim" => Kind::Claim,
            _ => Kind::Other,
        }
    }
}

/// Where a map is in the object, for its defaults.
#[derive(Clone, Copy, PartialEq)]
enum At {
    Nowhere,
    Root(Kind),
    Spec(Kind),
    UpdateStrategy,
    RollingUpdate,
    RetentionPolicy,
    ClaimTemplate,
    ClaimSpec,
    Template,
    PodSpec,
    Container,
    ContainerPort,
    ServicePort,
}

impl At {
    /// Where the value of field `key` of a map here is.
    fn field(self, key: &str) -> At {
        match (self, key) {
            (At::Root(Kind::Pod), "spec") => At::PodSpec,
            (At::Root(k), "spec") => At::Spec(k),
            (At::Spec(Kind::StatefulSet), "updateStrategy") => At::UpdateStrategy,
            (At::Spec(Kind::StatefulSet), "persistentVolumeClaimRetentionPolicy") => {
                At::RetentionPolicy
            }
            (At::Spec(Kind::StatefulSet | Kind::Deployment | Kind::Templated), "template") => {
                At::Template
            }
            (At::UpdateStrategy, "rollingUpdate") => At::RollingUpdate,
            (At::ClaimTemplate, "spec") => At::ClaimSpec,
            (At::Template, "spec") => At::PodSpec,
            _ => At::Nowhere,
        }
    }

    /// Where the items of list field `key` of a map here are.
    fn items(self, key: &str) -> At {
        match (self, key) {
            (At::Spec(Kind::StatefulSet), "volumeClaimTemplates") => At::ClaimTemplate,
            (At::PodSpec, "containers" | "initContainers") => At::Container,
            (At::Container, "ports") => At::ContainerPort,
            (At::Spec(Kind::Service), "ports") => At::ServicePort,
            _ => At::Nowhere,
        }
    }
}

fn string<'t>(s: &'static str) -> Box<dyn Val + 't> {
    Box::new(CelString::from(s))
}

fn int<'t>(i: i64) -> Box<dyn Val + 't> {
    Box::new(CelInt::from(i))
}

/// The string value of `k` in `map`, if it is one.
fn text<'a>(map: &'a Entries<'_>, k: &'static str) -> Option<&'a str> {
    map.get(&CelMapKey::from(k))
        .and_then(|v| v.downcast_ref::<CelString>())
        .map(|s| s.inner())
}

/// Sets the defaults of the map at `at`, with what `reads` reads of it.
fn fill<'t>(at: At, map: &mut Entries<'t>, reads: &Reads) {
    // Set `k` to `default()` when it is not written and is read.
    let or_set =
        |map: &mut Entries<'t>, k: &'static str, default: &dyn Fn() -> Box<dyn Val + 't>| {
            if reads.field(k).is_some() && !map.contains_key(&CelMapKey::from(k)) {
                map.insert(CelMapKey::from(k), default());
            }
        };
    // A map default, itself defaulted.
    let sub = |k: &str, at: At| -> Box<dyn Val + 't> {
        let mut m = Entries::new();
        fill(at, &mut m, reads.field(k).unwrap_or(&ALL));
        Box::new(CelMap::from(m))
    };
    match at {
        At::Spec(Kind::StatefulSet) => {
            or_set(map, "replicas", &|| int(1));
            or_set(map, "podManagementPolicy", &|| string("OrderedReady"));
            or_set(map, "revisionHistoryLimit", &|| int(10));
            or_set(map, "updateStrategy", &|| {
                sub("updateStrategy", At::UpdateStrategy)
            });
            or_set(map, "persistentVolumeClaimRetentionPolicy", &|| {
                sub("persistentVolumeClaimRetentionPolicy", At::RetentionPolicy)
            });
        }
        At::UpdateStrategy => {
            // A strategy written without a type is a rolling one.
            or_set(map, "type", &|| string("RollingUpdate"));
            if text(map, "type") == Some("RollingUpdate") {
                or_set(map, "rollingUpdate", &|| {
                    sub("rollingUpdate", At::RollingUpdate)
                });
            }
        }
        At::RollingUpdate => or_set(map, "partition", &|| int(0)),
        At::RetentionPolicy => {
            or_set(map, "whenDeleted", &|| string("Retain"));
            or_set(map, "whenScaled", &|| string("Retain"));
        }
        At::ClaimSpec | At::Spec(Kind::Claim) => {
            or_set(map, "volumeMode", &|| string("Filesystem"));
        }
        At::Spec(Kind::Deployment) => {
            or_set(map, "replicas", &|| int(1));
            or_set(map, "revisionHistoryLimit", &|| int(10));
            or_set(map, "progressDeadlineSeconds", &|| int(600));
        }
        At::PodSpec => {
            or_set(map, "restartPolicy", &|| string("Always"));
            or_set(map, "terminationGracePeriodSeconds", &|| int(30));
            or_set(map, "dnsPolicy", &|| string("ClusterFirst"));
            or_set(map, "schedulerName", &|| string("default-scheduler"));
            or_set(map, "securityContext", &|| {
                Box::new(CelMap::from(Entries::new()))
            });
        }
        At::Container => {
            if reads.field("imagePullPolicy").is_some() {
                let policy = pull_policy(text(map, "image"));
                or_set(map, "imagePullPolicy", &|| string(policy));
            }
            or_set(map, "terminationMessagePath", &|| {
                string("/dev/termination-log")
            });
            or_set(map, "terminationMessagePolicy", &|| string("File"));
        }
        At::ContainerPort => or_set(map, "protocol", &|| string("TCP")),
        At::Spec(Kind::Service) => {
            or_set(map, "type", &|| string("ClusterIP"));
            or_set(map, "sessionAffinity", &|| string("None"));
        }
        At::ServicePort => {
            or_set(map, "protocol", &|| string("TCP"));
            if reads.field("targetPort").is_some()
                && let Some(port) = map.get(&CelMapKey::from("port")).cloned()
            {
                or_set(map, "targetPort", &|| port.clone());
            }
        }
        _ => {}
    }
}

/// The image pull policy a container without one gets: Always for
/// `:latest` or no tag, else IfNotPresent.
pub fn pull_policy(image: Option<&str>) -> &'static str {
    let Some(image) = image else {
        return "IfNotPresent";
    };
    if image.contains('@') {
        return "IfNotPresent";
    }
    match crate::rules::image_parts(image).1 {
        Some("latest") | None => "Always",
        Some(_) => "IfNotPresent",
    }
}

fn scalar<'t>(node: &Node<'t>) -> Box<dyn Val + 't> {
    match node.scalar().map(|s| resolve_ref(&s)) {
        Some(Resolved::Null) | None => Box::new(CelNull),
        Some(Resolved::Bool(b)) => Box::new(CelBool::from(b)),
        Some(Resolved::Int(i)) => int(i),
        Some(Resolved::UInt(u)) => match i64::try_from(u) {
            Ok(i) => int(i),
            Err(_) => Box::new(CelUInt::from(u)),
        },
        Some(Resolved::Float(f)) => Box::new(CelDouble::from(f)),
        Some(Resolved::Str(s)) => Box::new(CelString::from(s)),
    }
}

fn convert<'t>(node: &Node<'t>, free: bool, reads: &Reads, at: At) -> Box<dyn Val + 't> {
    match node.kind() {
        NodeKind::Scalar(_) => scalar(node),
        // Every item is kept, with what is read of items.
        NodeKind::Seq(items) => SharedList::boxed(CelList::from(
            items
                .iter()
                .map(|n| convert(&n, false, reads.items(), at))
                .collect::<Vec<_>>(),
        )),
        NodeKind::Map(_) => {
            let mut map = entries(node, free, reads, at);
            if !free {
                fill(at, &mut map, reads);
            }
            SharedMap::boxed(CelMap::from(map))
        }
    }
}

/// The entries of map `node` (its merge keys applied), not defaulted.
fn entries<'t>(node: &Node<'t>, free: bool, reads: &Reads, at: At) -> Entries<'t> {
    let NodeKind::Map(items) = node.kind() else {
        return Entries::new();
    };
    let mut map = Entries::with_capacity(if free { items.len() } else { 4 });
    for (k, v) in items.iter() {
        let name = key_str(&k);
        if name == "<<" {
            // Merge keys: entries written in the map win.
            if v.is_map() {
                for (mk, mv) in entries(&v, free, reads, at) {
                    map.entry(mk).or_insert(mv);
                }
            }
            continue;
        }
        // A free map's keys are data: it is kept whole.
        let Some(below) = (if free { Some(&ALL) } else { reads.field(&name) }) else {
            continue;
        };
        let value = if QUANTITY_MAPS.contains(&&*name) {
            quantities(&v)
        } else if FREE_MAPS.contains(&&*name) {
            convert(&v, true, &ALL, At::Nowhere)
        } else if matches!(v.kind(), NodeKind::Seq(_)) {
            convert(&v, false, below, at.items(&name))
        } else {
            convert(&v, false, below, at.field(&name))
        };
        if !free && let Some(e) = escaped(&name) {
            map.insert(CelMapKey::String(CelString::from(e)), value.clone());
        }
        // The last of a repeated key wins, as in kubectl.
        map.insert(key(name), value);
    }
    map
}

/// A map key, borrowed from the tree when the key is written as a string.
fn key<'t>(name: std::borrow::Cow<'t, str>) -> CelMapKey<'t> {
    CelMapKey::String(match name {
        std::borrow::Cow::Borrowed(s) => CelString::from(s),
        std::borrow::Cow::Owned(s) => CelString::from(s),
    })
}

/// A map of quantities: numbers as the strings the API server writes.
fn quantities<'t>(node: &Node<'t>) -> Box<dyn Val + 't> {
    let NodeKind::Map(items) = node.kind() else {
        return convert(node, true, &ALL, At::Nowhere);
    };
    let mut map = Entries::with_capacity(items.len());
    for (k, v) in items.iter() {
        let value = match v.scalar().map(|s| resolve_ref(&s)) {
            Some(Resolved::Int(_) | Resolved::UInt(_) | Resolved::Float(_)) => {
                Box::new(CelString::from(v.as_scalar().unwrap_or(""))) as Box<dyn Val + 't>
            }
            _ => convert(&v, true, &ALL, At::Nowhere),
        };
        map.insert(key(key_str(&k)), value);
    }
    Box::new(CelMap::from(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policy_follows_the_tag() {
        assert_eq!(pull_policy(Some("postgres")), "Always");
        assert_eq!(pull_policy(Some("postgres:latest")), "Always");
        assert_eq!(pull_policy(Some("postgres:16")), "IfNotPresent");
        assert_eq!(pull_policy(Some("localhost:5000/pg")), "Always");
        assert_eq!(pull_policy(Some("pg@sha256:abc")), "IfNotPresent");
    }

    fn eval(yaml: &str, expr: &str) -> cel::Value {
        run(yaml, expr).unwrap()
    }

    fn run(yaml: &str, expr: &str) -> cel::ResolveResult {
        let text: crate::source::Text = std::sync::Arc::new(yaml.to_owned());
        let (docs, _) = crate::source::parse_source(&text);
        let root = docs[0].root().unwrap();
        let kind = root.get("kind").and_then(|k| k.as_scalar()).unwrap_or("");
        let p = super::super::library::env().compile(expr).unwrap();
        let mut cx = super::super::library::context();
        cx.add_variable_as_val("object", of(&root, kind, &ALL));
        p.execute(&cx)
    }

    /// The object's maps and lists are shared (`super::super::shared`):
    /// they must be maps and lists to everything the crate and the library
    /// do with one, on either side of an operator.
    #[test]
    fn shared_maps_and_lists_are_maps_and_lists() {
        let sts = "kind: StatefulSet\nmetadata:\n  labels: {app: pg, tier: db}\nspec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: pg}\n      - {name: b, image: 'pg:16'}\n";
        let t = |e: &str| assert_eq!(eval(sts, e), cel::Value::Bool(true), "{e}");
        t("{'app': 'pg', 'tier': 'db'} == object.metadata.labels");
        t("object.metadata.labels == {'tier': 'db', 'app': 'pg'}");
        t("object.metadata.labels != {'app': 'pg'}");
        t("[{'app': 'pg', 'tier': 'db'}] == [object.metadata.labels]");
        t("object.spec.template.spec.containers[1] in object.spec.template.spec.containers");
        // (A container also has the defaults the API server gives it.)
        t("{'app': 'pg', 'tier': 'db'} in [object.metadata.labels]");
        t("'app' in object.metadata.labels && !('x' in object.metadata.labels)");
        t("size(object.metadata.labels) == 2 && object.metadata.labels.size() == 2");
        t("object.metadata.labels.all(k, k in ['app', 'tier'])");
        t("object.metadata.labels.exists(k, object.metadata.labels[k] == 'db')");
        t("size(object.spec.template.spec.containers + [1]) == 3");
        t("size([1] + object.spec.template.spec.containers) == 3");
        t(
            "type(object.metadata.labels) == map && type(object.spec.template.spec.containers) == list",
        );
        t("object.metadata.?labels.orValue({}).app == 'pg'");
        t("object.metadata.labels[?'app'] == optional.of('pg')");
        t("object.spec.?template.orValue({}).spec.containers[0].name == 'a'");
        t("object.spec.template.spec.containers.map(c, c.name) == ['a', 'b']");
        t("object.spec.template.spec.containers.filter(c, c.image == 'pg')[0].name == 'a'");
        t("object.spec.template.spec.containers.all(i, c, i < 2 && c.name != '')");
        t("!has(object.metadata.labels.x) && has(object.metadata.labels.app)");
        let labels = eval(sts, "object.metadata.labels");
        let want: std::collections::HashMap<String, cel::Value> = [
            ("app".to_owned(), cel::Value::String("pg".to_owned().into())),
            (
                "tier".to_owned(),
                cel::Value::String("db".to_owned().into()),
            ),
        ]
        .into_iter()
        .collect();
        assert_eq!(labels, cel::Value::from(want));
        let names = eval(sts, "object.spec.template.spec.containers.map(c, c.name)");
        assert_eq!(names, cel::Value::from(vec!["a", "b"]));
    }

    /// The last of a repeated key wins; merge keys give way to the map's
    /// own; keys that are not strings are looked up as the crate does.
    #[test]
    fn map_entries_are_found_as_written() {
        let many: String = (0..40).map(|i| format!("k{i}: v{i}, ")).collect();
        let yaml = format!(
            "kind: ConfigMap\ndata: {{{many}k3: again}}\nbase: &b {{a: 1, c: 2}}\nmerged: {{<<: *b, c: 3}}\n"
        );
        let t = |e: &str| assert_eq!(eval(&yaml, e), cel::Value::Bool(true), "{e}");
        t("size(object.data) == 40 && object.data.k39 == 'v39' && object.data['k0'] == 'v0'");
        t("object.data.k3 == 'again' && !has(object.data.k40) && !('k40' in object.data)");
        t("object.data.all(k, object.data[k].startsWith('v') || k == 'k3')");
        t("object.merged == {'a': 1, 'c': 3}");
        // Keys that are not strings are looked up as the crate does.
        let err = |e: &str| run(&yaml, e).unwrap_err().to_string();
        assert_eq!(err("object.data[1]"), "No such key: 1");
        assert_eq!(err("object.data.k40"), "No such key: k40");
        assert_eq!(err("object.merged[[1]]"), err("{'a': 1}[[1]]"));
    }

    #[test]
    fn defaults_are_the_api_servers() {
        let sts = "kind: StatefulSet\nspec:\n  updateStrategy:\n    rollingUpdate: {partition: 2}\n  template:\n    spec:\n      containers:\n      - {name: a, image: pg, ports: [{containerPort: 5432}]}\n      - {name: b, image: 'pg:16'}\n";
        let t = |e: &str| assert_eq!(eval(sts, e), cel::Value::Bool(true), "{e}");
        // A strategy written without a type is a rolling one; its partition
        // stays as written.
        t("object.spec.updateStrategy.type == 'RollingUpdate'");
        t("object.spec.updateStrategy.rollingUpdate.partition == 2");
        t("object.spec.replicas == 1 && object.spec.podManagementPolicy == 'OrderedReady'");
        t("object.spec.persistentVolumeClaimRetentionPolicy.whenScaled == 'Retain'");
        t(
            "object.spec.template.spec.containers.map(c, c.imagePullPolicy) == ['Always', 'IfNotPresent']",
        );
        t("object.spec.template.spec.containers[0].ports[0].protocol == 'TCP'");
        t("object.spec.template.spec.terminationGracePeriodSeconds == 30");
        let on_delete = "kind: StatefulSet\nspec: {updateStrategy: {type: OnDelete}}\n";
        assert_eq!(
            eval(on_delete, "has(object.spec.updateStrategy.rollingUpdate)"),
            cel::Value::Bool(false)
        );
        let missing = "kind: StatefulSet\nspec: {}\n";
        assert_eq!(
            eval(
                missing,
                "object.spec.updateStrategy.rollingUpdate.partition"
            ),
            cel::Value::Int(0)
        );
        let svc = "kind: Service\nspec: {ports: [{port: 80}]}\n";
        assert_eq!(
            eval(
                svc,
                "object.spec.ports[0].targetPort == 80 && object.spec.type == 'ClusterIP'"
            ),
            cel::Value::Bool(true)
        );
    }
}
