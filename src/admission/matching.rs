//! Which objects a policy and binding apply to, as the API server decides:
//! resource rules (by a kind -> resource table, never guessed), exclusions,
//! `matchPolicy: Equivalent`, namespace and object selectors.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::spec::{Matching, ResourceRule};
use crate::index::selector_matches;
use crate::model::labels::LabelSet;

/// What a request for an object is about.
#[derive(Debug, Clone)]
pub struct Resource {
    pub group: &'static str,
    /// The version written in the manifest.
    pub version: String,
    /// Versions the API server serves the same resource at (for
    /// `matchPolicy: Equivalent`).
    pub equivalent: &'static [&'static str],
    pub resource: &'static str,
    pub namespaced: bool,
}

/// kind -> (group, resource, namespaced, equivalent versions).
const TABLE: &[(&str, &str, &str, bool, &[&str])] = &[
    (
        "StatefulSet",
        "apps",
        "statefulsets",
        true,
        &["v1", "v1beta2", "v1beta1"],
    ),
    (
        "Deployment",
        "apps",
        "deployments",
        true,
        &["v1", "v1beta2", "v1beta1"],
    ),
    ("DaemonSet", "apps", "daemonsets", true, &["v1", "v1beta2"]),
    (
        "ReplicaSet",
        "apps",
        "replicasets",
        true,
        &["v1", "v1beta2"],
    ),
    (
        "ControllerRevision",
        "apps",
        "controllerrevisions",
        true,
        &["v1"],
    ),
    ("Service", "", "services", true, &["v1"]),
    ("ConfigMap", "", "configmaps", true, &["v1"]),
    ("Secret", "", "secrets", true, &["v1"]),
    (
        "PersistentVolumeClaim",
        "",
        "persistentvolumeclaims",
        true,
        &["v1"],
    ),
    ("PersistentVolume", "", "persistentvolumes", false, &["v1"]),
    ("Pod", "", "pods", true, &["v1"]),
    ("ServiceAccount", "", "serviceaccounts", true, &["v1"]),
    ("Namespace", "", "namespaces", false, &["v1"]),
    ("Endpoints", "", "endpoints", true, &["v1"]),
    ("LimitRange", "", "limitranges", true, &["v1"]),
    ("ResourceQuota", "", "resourcequotas", true, &["v1"]),
    (
        "PodDisruptionBudget",
        "policy",
        "poddisruptionbudgets",
        true,
        &["v1", "v1beta1"],
    ),
    ("Job", "batch", "jobs", true, &["v1"]),
    ("CronJob", "batch", "cronjobs", true, &["v1", "v1beta1"]),
    ("Ingress", "networking.k8s.io", "ingresses", true, &["v1"]),
    (
        "NetworkPolicy",
        "networking.k8s.io",
        "networkpolicies",
        true,
        &["v1"],
    ),
    (
        "HorizontalPodAutoscaler",
        "autoscaling",
        "horizontalpodautoscalers",
        true,
        &["v2", "v1"],
    ),
    (
        "StorageClass",
        "storage.k8s.io",
        "storageclasses",
        false,
        &["v1"],
    ),
    ("Role", "rbac.authorization.k8s.io", "roles", true, &["v1"]),
    (
        "RoleBinding",
        "rbac.authorization.k8s.io",
        "rolebindings",
        true,
        &["v1"],
    ),
    (
        "ClusterRole",
        "rbac.authorization.k8s.io",
        "clusterroles",
        false,
        &["v1"],
    ),
    (
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io",
        "clusterrolebindings",
        false,
        &["v1"],
    ),
    (
        "EndpointSlice",
        "discovery.k8s.io",
        "endpointslices",
        true,
        &["v1"],
    ),
];

/// The resource of an object, when the table knows its kind and group.
pub fn resource_of(api_version: &str, kind: &str) -> Option<Resource> {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let (_, g, resource, namespaced, equivalent) =
        TABLE.iter().find(|(k, g, ..)| *k == kind && *g == group)?;
    Some(Resource {
        group: g,
        version: version.to_owned(),
        equivalent,
        resource,
        namespaced: *namespaced,
    })
}

fn listed(list: &[String], want: &str) -> bool {
    list.iter().any(|x| x == "*" || x == want)
}

fn rule_matches(
    r: &ResourceRule,
    res: &Resource,
    operation: &str,
    name: &str,
    exact: bool,
) -> bool {
    let version_ok = if exact {
        listed(&r.versions, &res.version)
    } else {
        listed(&r.versions, &res.version) || res.equivalent.iter().any(|v| listed(&r.versions, v))
    };
    // `*` is every resource but subresources; `*/*` every one of both.
    let resource_ok = r
        .resources
        .iter()
        .any(|x| x == "*" || x == "*/*" || x == res.resource);
    let scope_ok = match r.scope.as_str() {
        "Namespaced" => res.namespaced,
        "Cluster" => !res.namespaced,
        _ => true,
    };
    listed(&r.groups, res.group)
        && version_ok
        && resource_ok
        && listed(&r.operations, operation)
        && (r.names.is_empty() || r.names.iter().any(|n| n == name))
        && scope_ok
}

/// Whether the resource rules of `m` take the request (`None`: they do
/// not narrow it).
pub fn rules_take(m: &Matching, res: &Resource, operation: &str, name: &str) -> bool {
    let taken = m.rules.as_ref().is_none_or(|rules| {
        rules
            .iter()
            .any(|r| rule_matches(r, res, operation, name, m.exact))
    });
    taken
        && !m
            .exclude
            .iter()
            .any(|r| rule_matches(r, res, operation, name, m.exact))
}

/// Whether some request for the resource could be taken by `m`'s rules
/// (whatever its operation, version or name).
pub fn may_take(m: &Matching, res: &Resource) -> bool {
    m.rules.as_ref().is_none_or(|rules| {
        rules.iter().any(|r| {
            listed(&r.groups, res.group)
                && r.resources
                    .iter()
                    .any(|x| x == "*" || x == "*/*" || x == res.resource)
        })
    })
}

/// The kinds (of the table) whose resources `m` may take.
pub fn kinds_taken(m: &Matching) -> Vec<&'static str> {
    TABLE
        .iter()
        .filter(|(_, group, resource, namespaced, eq)| {
            let res = Resource {
                group,
                version: eq[0].to_owned(),
                equivalent: eq,
                resource,
                namespaced: *namespaced,
            };
            m.rules.is_some() && may_take(m, &res)
        })
        .map(|(kind, ..)| *kind)
        .collect()
}

/// A selector against labels (unset selects everything).
pub fn selects(sel: Option<&LabelSelector>, labels: &impl LabelSet) -> bool {
    sel.is_none_or(|s| selector_matches(s, labels))
}

/// The label keys a selector reads.
pub fn keys(sel: &LabelSelector) -> Vec<&str> {
    let mut out: Vec<&str> = sel
        .match_labels
        .iter()
        .flatten()
        .map(|(k, _)| k.as_str())
        .collect();
    out.extend(
        sel.match_expressions
            .iter()
            .flatten()
            .map(|e| e.key.as_str()),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(groups: &[&str], versions: &[&str], resources: &[&str], ops: &[&str]) -> ResourceRule {
        let v = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect();
        ResourceRule {
            groups: v(groups),
            versions: v(versions),
            resources: v(resources),
            operations: v(ops),
            names: Vec::new(),
            scope: "*".to_owned(),
        }
    }

    #[test]
    fn resource_rules_match_as_the_api_server_does() {
        let sts = resource_of("apps/v1", "StatefulSet").expect("known kind");
        let old = resource_of("apps/v1beta2", "StatefulSet").expect("known kind");
        let r = rule(&["apps"], &["v1"], &["statefulsets"], &["CREATE", "UPDATE"]);
        assert!(rule_matches(&r, &sts, "CREATE", "db", false));
        assert!(!rule_matches(&r, &sts, "DELETE", "db", false));
        // Equivalent: an apps/v1beta2 StatefulSet is converted and matched.
        assert!(rule_matches(&r, &old, "CREATE", "db", false));
        assert!(!rule_matches(&r, &old, "CREATE", "db", true));
        assert!(rule_matches(
            &rule(&["*"], &["*"], &["*"], &["*"]),
            &sts,
            "UPDATE",
            "db",
            false
        ));
        assert!(!rule_matches(
            &rule(&["*"], &["*"], &["statefulsets/scale"], &["*"]),
            &sts,
            "CREATE",
            "db",
            false
        ));
        assert!(!rule_matches(
            &rule(&[""], &["v1"], &["statefulsets"], &["*"]),
            &sts,
            "CREATE",
            "db",
            false
        ));
        assert!(resource_of("example.com/v1", "StatefulSet").is_none());
    }
}
