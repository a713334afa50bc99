//! The defaults the API server fills in before admission runs, so that a
//! policy sees what the cluster's policy sees (`object.spec.replicas` is 1
//! when the manifest leaves it out).

use std::sync::Arc;

use cel::Value;
use cel::objects::{AsKeyRef, Key, KeyRef};

use super::reads::Reads;
use super::value::string;

/// A value being defaulted, with what the policies read of it: a default
/// no policy reads is not set (it could not change a result, and setting
/// it costs an allocation per object).
type At<'a> = (&'a mut Value, &'a Reads);

/// The map under `k` of map `v`, for changing, when it is read.
fn child<'a>((v, r): At<'a>, k: &str) -> Option<At<'a>> {
    let r = r.field(k)?;
    match v {
        Value::Map(m) => Arc::make_mut(&mut m.map)
            .get_mut(&KeyRef::String(k) as &dyn AsKeyRef)
            .map(|v| (v, r)),
        _ => None,
    }
}

/// Set `k` of map `v` to `default` when it is not written and is read.
fn or_set((v, r): &mut At<'_>, k: &str, default: impl FnOnce() -> Value) {
    if r.field(k).is_none() {
        return;
    }
    if let Value::Map(m) = v
        && !m.map.contains_key(&KeyRef::String(k) as &dyn AsKeyRef)
    {
        Arc::make_mut(&mut m.map).insert(Key::String(Arc::new(k.to_owned())), default());
    }
}

fn empty_map() -> Value {
    super::value::map(std::iter::empty())
}

fn each(v: Option<At<'_>>, f: impl Fn(At<'_>)) {
    if let Some((Value::List(l), r)) = v {
        for item in Arc::make_mut(l).iter_mut() {
            f((item, r.items()));
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

fn container(mut c: At<'_>) {
    let policy = pull_policy(super::value::get(c.0, "image"));
    or_set(&mut c, "imagePullPolicy", || string(policy));
    or_set(&mut c, "terminationMessagePath", || {
        string("/dev/termination-log")
    });
    or_set(&mut c, "terminationMessagePolicy", || string("File"));
    each(child(c, "ports"), |mut p| {
        or_set(&mut p, "protocol", || string("TCP"))
    });
}

fn pod_spec(mut spec: At<'_>) {
    or_set(&mut spec, "restartPolicy", || string("Always"));
    or_set(&mut spec, "terminationGracePeriodSeconds", || {
        Value::Int(30)
    });
    or_set(&mut spec, "dnsPolicy", || string("ClusterFirst"));
    or_set(&mut spec, "schedulerName", || string("default-scheduler"));
    or_set(&mut spec, "securityContext", empty_map);
    let (v, r) = spec;
    each(child((&mut *v, r), "containers"), container);
    each(child((v, r), "initContainers"), container);
}

fn template(spec: At<'_>) {
    if let Some(t) = child(spec, "template")
        && let Some(s) = child(t, "spec")
    {
        pod_spec(s);
    }
}

/// Apply the defaults of `kind` to object `v`, where `reads` reads them
/// ([`ALL`](super::reads::ALL) for every default).
pub fn apply(kind: &str, v: &mut Value, reads: &Reads) {
    let Some(mut spec) = child((v, reads), "spec") else {
        return;
    };
    match kind {
        "StatefulSet" => {
            or_set(&mut spec, "replicas", || Value::Int(1));
            or_set(&mut spec, "podManagementPolicy", || string("OrderedReady"));
            or_set(&mut spec, "revisionHistoryLimit", || Value::Int(10));
            or_set(&mut spec, "updateStrategy", || {
                super::value::map([("type".to_owned(), string("RollingUpdate"))])
            });
            let (v, r) = spec;
            if let Some(mut u) = child((&mut *v, r), "updateStrategy") {
                // A strategy written without a type is a rolling one.
                or_set(&mut u, "type", || string("RollingUpdate"));
                let rolling = matches!(super::value::get(u.0, "type"), Some(Value::String(t)) if t.as_str() == "RollingUpdate");
                if rolling {
                    or_set(&mut u, "rollingUpdate", empty_map);
                    if let Some(mut r) = child(u, "rollingUpdate") {
                        or_set(&mut r, "partition", || Value::Int(0));
                    }
                }
            }
            let mut spec = (v, r);
            or_set(&mut spec, "persistentVolumeClaimRetentionPolicy", empty_map);
            let (v, r) = spec;
            if let Some(mut p) = child((&mut *v, r), "persistentVolumeClaimRetentionPolicy") {
                or_set(&mut p, "whenDeleted", || string("Retain"));
                or_set(&mut p, "whenScaled", || string("Retain"));
            }
            each(child((&mut *v, r), "volumeClaimTemplates"), |t| {
                if let Some(mut s) = child(t, "spec") {
                    or_set(&mut s, "volumeMode", || string("Filesystem"));
                }
            });
            template((v, r));
        }
        "Deployment" => {
            or_set(&mut spec, "replicas", || Value::Int(1));
            or_set(&mut spec, "revisionHistoryLimit", || Value::Int(10));
            or_set(&mut spec, "progressDeadlineSeconds", || Value::Int(600));
            template(spec);
        }
        "DaemonSet" | "ReplicaSet" | "Job" => template(spec),
        "Pod" => pod_spec(spec),
        "Service" => {
            or_set(&mut spec, "type", || string("ClusterIP"));
            or_set(&mut spec, "sessionAffinity", || string("None"));
            each(child(spec, "ports"), |mut p| {
                or_set(&mut p, "protocol", || string("TCP"));
                if let Some(port) = super::value::get(p.0, "port").cloned() {
                    or_set(&mut p, "targetPort", || port);
                }
            });
        }
        "PersistentVolumeClaim" => or_set(&mut spec, "volumeMode", || string("Filesystem")),
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
        apply("StatefulSet", &mut v, &super::super::reads::ALL);
        let u = get(get(&v, "spec").unwrap(), "updateStrategy").unwrap();
        assert_eq!(get(u, "type"), Some(&string("RollingUpdate")));
        let r = get(u, "rollingUpdate").unwrap();
        assert_eq!(get(r, "partition"), Some(&Value::Int(2)));
    }
}
