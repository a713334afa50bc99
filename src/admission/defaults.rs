//! The defaults the API server fills in before admission runs, so that a
//! policy sees what the cluster's policy sees (`object.spec.replicas` is 1
//! when the manifest leaves it out).

use std::sync::Arc;

use cel::Value;
use cel::objects::{AsKeyRef, Key, KeyRef};

use super::value::string;

/// The map under `k` of map `v`, for changing.
fn child<'a>(v: &'a mut Value, k: &str) -> Option<&'a mut Value> {
    match v {
        Value::Map(m) => Arc::make_mut(&mut m.map).get_mut(&KeyRef::String(k) as &dyn AsKeyRef),
        _ => None,
    }
}

/// Set `k` of map `v` to `default` when it is not written.
fn or_set(v: &mut Value, k: &str, default: Value) {
    if let Value::Map(m) = v
        && !m.map.contains_key(&KeyRef::String(k) as &dyn AsKeyRef)
    {
        Arc::make_mut(&mut m.map).insert(Key::String(Arc::new(k.to_owned())), default);
    }
}

fn empty_map() -> Value {
    super::value::map(std::iter::empty())
}

fn each(v: Option<&mut Value>, f: impl Fn(&mut Value)) {
    if let Some(Value::List(l)) = v {
        for item in Arc::make_mut(l).iter_mut() {
            f(item);
        }
    }
}

/// The image pull policy a container without one gets: Always for
/// `:latest` or no tag, else IfNotPresent.
fn pull_policy(image: Option<&Value>) -> &'static str {
    let Some(Value::String(image)) = image else {
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

fn container(c: &mut Value) {
    let policy = pull_policy(super::value::get(c, "image"));
    or_set(c, "imagePullPolicy", string(policy));
    or_set(c, "terminationMessagePath", string("/dev/termination-log"));
    or_set(c, "terminationMessagePolicy", string("File"));
    each(child(c, "ports"), |p| or_set(p, "protocol", string("TCP")));
}

fn pod_spec(spec: &mut Value) {
    or_set(spec, "restartPolicy", string("Always"));
    or_set(spec, "terminationGracePeriodSeconds", Value::Int(30));
    or_set(spec, "dnsPolicy", string("ClusterFirst"));
    or_set(spec, "schedulerName", string("default-scheduler"));
    or_set(spec, "securityContext", empty_map());
    each(child(spec, "containers"), container);
    each(child(spec, "initContainers"), container);
}

fn template(spec: &mut Value) {
    if let Some(t) = child(spec, "template")
        && let Some(s) = child(t, "spec")
    {
        pod_spec(s);
    }
}

/// Apply the defaults of `kind` to object `v`.
pub fn apply(kind: &str, v: &mut Value) {
    let Some(spec) = child(v, "spec") else {
        return;
    };
    match kind {
        "StatefulSet" => {
            or_set(spec, "replicas", Value::Int(1));
            or_set(spec, "podManagementPolicy", string("OrderedReady"));
            or_set(spec, "revisionHistoryLimit", Value::Int(10));
            or_set(
                spec,
                "updateStrategy",
                super::value::map([("type".to_owned(), string("RollingUpdate"))]),
            );
            if let Some(u) = child(spec, "updateStrategy") {
                // A strategy written without a type is a rolling one.
                or_set(u, "type", string("RollingUpdate"));
                let rolling = matches!(super::value::get(u, "type"), Some(Value::String(t)) if t.as_str() == "RollingUpdate");
                if rolling {
                    or_set(u, "rollingUpdate", empty_map());
                    if let Some(r) = child(u, "rollingUpdate") {
                        or_set(r, "partition", Value::Int(0));
                    }
                }
            }
            or_set(spec, "persistentVolumeClaimRetentionPolicy", empty_map());
            if let Some(p) = child(spec, "persistentVolumeClaimRetentionPolicy") {
                or_set(p, "whenDeleted", string("Retain"));
                or_set(p, "whenScaled", string("Retain"));
            }
            each(child(spec, "volumeClaimTemplates"), |t| {
                if let Some(s) = child(t, "spec") {
                    or_set(s, "volumeMode", string("Filesystem"));
                }
            });
            template(spec);
        }
        "Deployment" => {
            or_set(spec, "replicas", Value::Int(1));
            or_set(spec, "revisionHistoryLimit", Value::Int(10));
            or_set(spec, "progressDeadlineSeconds", Value::Int(600));
            template(spec);
        }
        "DaemonSet" | "ReplicaSet" | "Job" => template(spec),
        "Pod" => pod_spec(spec),
        "Service" => {
            or_set(spec, "type", string("ClusterIP"));
            or_set(spec, "sessionAffinity", string("None"));
            each(child(spec, "ports"), |p| {
                or_set(p, "protocol", string("TCP"));
                if let Some(port) = super::value::get(p, "port").cloned() {
                    or_set(p, "targetPort", port);
                }
            });
        }
        "PersistentVolumeClaim" => or_set(spec, "volumeMode", string("Filesystem")),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policy_follows_the_tag() {
        assert_eq!(pull_policy(Some(&string("postgres"))), "Always");
        assert_eq!(pull_policy(Some(&string("postgres:latest"))), "Always");
        assert_eq!(pull_policy(Some(&string("postgres:16"))), "IfNotPresent");
        assert_eq!(pull_policy(Some(&string("localhost:5000/pg"))), "Always");
        assert_eq!(pull_policy(Some(&string("pg@sha256:abc"))), "IfNotPresent");
    }

    #[test]
    fn a_strategy_without_a_type_is_a_rolling_update() {
        use super::super::value::{get, map};
        let strategy = map([(
            "rollingUpdate".to_owned(),
            map([("partition".to_owned(), Value::Int(2))]),
        )]);
        let mut v = map([(
            "spec".to_owned(),
            map([("updateStrategy".to_owned(), strategy)]),
        )]);
        apply("StatefulSet", &mut v);
        let u = get(get(&v, "spec").unwrap(), "updateStrategy").unwrap();
        assert_eq!(get(u, "type"), Some(&string("RollingUpdate")));
        let r = get(u, "rollingUpdate").unwrap();
        assert_eq!(get(r, "partition"), Some(&Value::Int(2)));
    }
}
