//! Field paths inside an object, and the shared helpers rules build them with.

use std::fmt;

use crate::source::locate::Seg;

/// A path from an object's root to one of its fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(pub Vec<Seg>);

impl FieldPath {
    pub fn root() -> Self {
        FieldPath(Vec::new())
    }

    pub fn from_keys(keys: &[&str]) -> Self {
        FieldPath(keys.iter().map(|k| Seg::Key((*k).to_owned())).collect())
    }

    #[must_use]
    pub fn key(mut self, k: &str) -> Self {
        self.0.push(Seg::Key(k.to_owned()));
        self
    }

    #[must_use]
    pub fn idx(mut self, i: usize) -> Self {
        self.0.push(Seg::Index(i));
        self
    }

    #[must_use]
    pub fn keys(mut self, keys: &[&str]) -> Self {
        self.0
            .extend(keys.iter().map(|k| Seg::Key((*k).to_owned())));
        self
    }

    pub fn segs(&self) -> &[Seg] {
        &self.0
    }
}

/// RFC 6901 JSON pointer.
impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for seg in &self.0 {
            match seg {
                Seg::Key(k) => write!(f, "/{}", k.replace('~', "~0").replace('/', "~1"))?,
                Seg::Index(i) => write!(f, "/{i}")?,
            }
        }
        Ok(())
    }
}

/// Paths inside a StatefulSet.
pub mod sts {
    use super::FieldPath;

    pub fn spec() -> FieldPath {
        FieldPath::from_keys(&["spec"])
    }
    pub fn service_name() -> FieldPath {
        spec().key("serviceName")
    }
    pub fn replicas() -> FieldPath {
        spec().key("replicas")
    }
    pub fn selector() -> FieldPath {
        spec().key("selector")
    }
    pub fn template_labels() -> FieldPath {
        spec().keys(&["template", "metadata", "labels"])
    }
    pub fn pod_spec() -> FieldPath {
        spec().keys(&["template", "spec"])
    }
    pub fn pod_management_policy() -> FieldPath {
        spec().key("podManagementPolicy")
    }
    pub fn claim_templates() -> FieldPath {
        spec().key("volumeClaimTemplates")
    }
    pub fn claim_template(t: usize) -> FieldPath {
        spec().key("volumeClaimTemplates").idx(t)
    }
    pub fn claim_template_storage(t: usize) -> FieldPath {
        claim_template(t).keys(&["spec", "resources", "requests", "storage"])
    }
    pub fn claim_template_name(t: usize) -> FieldPath {
        claim_template(t).keys(&["metadata", "name"])
    }
    pub fn claim_template_access_modes(t: usize) -> FieldPath {
        claim_template(t).keys(&["spec", "accessModes"])
    }
    pub fn partition() -> FieldPath {
        spec().keys(&["updateStrategy", "rollingUpdate", "partition"])
    }
    pub fn retention(field: &str) -> FieldPath {
        spec().keys(&["persistentVolumeClaimRetentionPolicy", field])
    }
    pub fn affinity() -> FieldPath {
        pod_spec().keys(&["affinity", "podAntiAffinity"])
    }
    pub fn volume_name(v: usize) -> FieldPath {
        volume(v).key("name")
    }

    pub fn volume(v: usize) -> FieldPath {
        volumes().idx(v)
    }

    pub fn volumes() -> FieldPath {
        pod_spec().key("volumes")
    }
}

/// Paths every object has.
pub mod meta {
    use super::FieldPath;

    pub fn api_version() -> FieldPath {
        FieldPath::from_keys(&["apiVersion"])
    }
    pub fn name() -> FieldPath {
        FieldPath::from_keys(&["metadata", "name"])
    }
}

/// Paths inside a container (relative to the container).
pub mod container {
    use super::FieldPath;

    /// `initContainers[i]` or `containers[i]` of a StatefulSet's pod template.
    pub fn at(init: bool, i: usize) -> FieldPath {
        super::sts::pod_spec()
            .key(if init { "initContainers" } else { "containers" })
            .idx(i)
    }
    pub fn image(c: &FieldPath) -> FieldPath {
        c.clone().key("image")
    }
    pub fn env(c: &FieldPath, j: usize) -> FieldPath {
        c.clone().key("env").idx(j)
    }
    pub fn env_value(c: &FieldPath, j: usize) -> FieldPath {
        env(c, j).key("value")
    }
    pub fn env_field_path(c: &FieldPath, j: usize) -> FieldPath {
        env(c, j).keys(&["valueFrom", "fieldRef", "fieldPath"])
    }
    pub fn arg(c: &FieldPath, field: &str, k: usize) -> FieldPath {
        c.clone().key(field).idx(k)
    }
    pub fn mount_path(c: &FieldPath, m: usize) -> FieldPath {
        c.clone().key("volumeMounts").idx(m).key("mountPath")
    }
    pub fn mount_name(c: &FieldPath, m: usize) -> FieldPath {
        c.clone().key("volumeMounts").idx(m).key("name")
    }
}

/// Paths inside a Service.
pub mod svc {
    use super::FieldPath;

    pub fn cluster_ip() -> FieldPath {
        FieldPath::from_keys(&["spec", "clusterIP"])
    }
    pub fn selector() -> FieldPath {
        FieldPath::from_keys(&["spec", "selector"])
    }
    pub fn spec() -> FieldPath {
        FieldPath::from_keys(&["spec"])
    }
}

/// Paths inside a PodDisruptionBudget.
pub mod pdb {
    use super::FieldPath;

    pub fn min_available() -> FieldPath {
        FieldPath::from_keys(&["spec", "minAvailable"])
    }
    pub fn max_unavailable() -> FieldPath {
        FieldPath::from_keys(&["spec", "maxUnavailable"])
    }
    pub fn selector() -> FieldPath {
        FieldPath::from_keys(&["spec", "selector"])
    }
}

/// Paths inside a PersistentVolumeClaim.
pub mod pvc {
    use super::FieldPath;

    pub fn storage() -> FieldPath {
        FieldPath::from_keys(&["spec", "resources", "requests", "storage"])
    }
}
