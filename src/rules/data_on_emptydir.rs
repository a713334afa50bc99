use k8s_openapi::api::core::v1::{Volume, VolumeMount};

use super::{Cx, Rule, RuleMeta, RuleOption, Sts};
use crate::finding::Severity;
use crate::knowledge::{DataDir, Extra, Profile, System, major, profiles};
use crate::model::path::container;

pub static META: RuleMeta = RuleMeta {
    id: "data-on-emptydir",
    severity: Severity::Warning,
    summary: "a database or broker keeps a data directory on emptyDir or on no volume",
    why: "emptyDir lives and dies with the pod, and a path on no volume lives in the container's \
          writable layer. Every reschedule, node drain or eviction then starts that member empty: a \
          replica resyncs everything, a quorum member rejoins without its log, a single instance \
          loses all data. stslint finds each system's data directories from its settings (PGDATA, \
          PATRONI_POSTGRESQL_DATA_DIR, KAFKA_LOG_DIRS or `log.dirs` in a mounted server.properties, \
          ZOO_DATA_DIR or `dataDir` in zoo.cfg, `--datadir`, `--dbpath`, `--data-dir`, `path.data`, \
          Cassandra's data, commit log, hints and saved caches directories, RABBITMQ_MNESIA_BASE, \
          Redis `dir`, Vault's raft `path`), then from the documented defaults of the official and \
          vendor images, and reports the directory that is not on a claim, with the setting that \
          put it there. A directory on a volumeClaimTemplate or on a pod `persistentVolumeClaim` \
          (or hostPath, CSI, NFS, ...) volume is fine. A Redis whose snapshots are off (`save \"\"`) \
          and whose append-only file is not on is a cache, and is not reported.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: pg
spec:
  selector:
    matchLabels: {app: pg}
  template:
    metadata:
      labels: {app: pg}
    spec:
      containers:
      - name: pg
        image: postgres:16.4
        volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql/data
      volumes:
      - name: data
        emptyDir: {}
"#,
    good: r#"apiVersion: v1
kind: Service
metadata: {name: pg}
spec:
  clusterIP: None
  selector: {app: pg}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: pg}
spec:
  serviceName: pg
  selector:
    matchLabels: {app: pg}
  template:
    metadata:
      labels: {app: pg}
    spec:
      containers:
      - name: pg
        image: postgres:16.4
        env:
        - name: PGDATA
          value: /var/lib/postgresql/data/pgdata
        volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql/data
        readinessProbe:
          tcpSocket: {port: 5432}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests: {storage: 10Gi}
"#,
    since: "0.1.0",
    needs_baseline: false,
    options: &[
        RuleOption {
            name: "images",
            doc: "more image names (last path component, without tag) that keep data somewhere stslint does not know: any volume mount counts as their data",
            default: &[],
        },
        RuleOption {
            name: "data-dirs",
            doc: "data directories of your own images, as IMAGE=PATH (last path component of the image, without tag)",
            default: &[],
        },
    ],
};

pub struct DataOnEmptydir;

/// Where a directory lives.
enum Place<'a> {
    /// On a claim or another lasting volume.
    Kept,
    /// On the emptyDir volume mounted by mount `m`.
    EmptyDir(usize, &'a VolumeMount),
    /// On no volume at all.
    Nowhere,
}

/// The mount that holds `path`: the one with the longest mount path that
/// is `path` or one of its parents.
pub fn mount_of<'a>(mounts: &'a [VolumeMount], path: &str) -> Option<(usize, &'a VolumeMount)> {
    let path = path.trim_end_matches('/');
    mounts
        .iter()
        .enumerate()
        .filter(|(_, m)| {
            let mp = m.mount_path.trim_end_matches('/');
            mp.is_empty() || path == mp || path.starts_with(&format!("{mp}/"))
        })
        .max_by_key(|(_, m)| m.mount_path.trim_end_matches('/').len())
}

fn place<'a>(s: &Sts<'_>, volumes: &[Volume], mounts: &'a [VolumeMount], d: &DataDir) -> Place<'a> {
    let Some((m, mount)) = mount_of(mounts, &d.path) else {
        return Place::Nowhere;
    };
    let claims = s.sts.spec.volume_claim_templates.iter().flatten();
    if claims
        .clone()
        .any(|t| t.metadata.name.as_deref() == Some(mount.name.as_str()))
    {
        return Place::Kept;
    }
    match volumes.iter().find(|v| v.name == mount.name) {
        Some(v) if v.empty_dir.is_some() => Place::EmptyDir(m, mount),
        _ => Place::Kept,
    }
}

/// postgres 18+ with its volume still mounted at the old data path: the
/// entrypoint refuses to start (data-dir-mount-root's finding).
fn pg18_on_old_path(p: &Profile, d: &DataDir, image: &str, mounts: &[VolumeMount]) -> bool {
    p.system == System::Postgres
        && d.set_by.is_none()
        && major(image).is_some_and(|v| v >= 18)
        && mounts
            .iter()
            .any(|m| m.mount_path.trim_end_matches('/') == "/var/lib/postgresql/data")
}

/// Why a directory is where it is, as a message says it.
fn why(d: &DataDir) -> String {
    match &d.set_by {
        Some(s) => format!("set by {}", s.name),
        None if d.assumed => "the official image's default, assumed for this image".to_owned(),
        None => "the image's default".to_owned(),
    }
}

/// The directories as a message names them, and whether that is plural:
/// "`/var/lib/x` (data of PostgreSQL, set by env PGDATA)", or for several
/// with one reason "the data and commit log of Cassandra (`/a`, `/b`; the
/// image's defaults)".
fn describe(p: &Profile, dirs: &[&DataDir]) -> (String, bool) {
    let system = p.system.name();
    if let [d] = dirs {
        return (
            format!("`{}` ({} of {system}, {})", d.path, d.role, why(d)),
            false,
        );
    }
    let whys: Vec<String> = dirs.iter().map(|d| why(d)).collect();
    if whys.iter().all(|w| *w == whys[0]) {
        let roles: Vec<&str> = dirs.iter().map(|d| d.role).collect();
        let paths: Vec<String> = dirs.iter().map(|d| format!("`{}`", d.path)).collect();
        let reason = whys[0].replace("default", "defaults");
        return (
            format!(
                "the {} of {system} ({}; {reason})",
                and_list(&roles),
                paths.join(", ")
            ),
            true,
        );
    }
    let each: Vec<String> = dirs
        .iter()
        .map(|d| format!("`{}` ({} of {system}, {})", d.path, d.role, why(d)))
        .collect();
    (each.join(", "), true)
}

/// "a", "a and b", "a, b and c".
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

impl Rule for DataOnEmptydir {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let extra = Extra {
            images: cx.option("images"),
            dirs: cx.option("data-dirs"),
        };
        let spec = &s.sts.spec;
        let volumes = super::pod_volumes(s.sts);
        let has_claims = spec
            .volume_claim_templates
            .as_ref()
            .is_some_and(|t| !t.is_empty());
        let containers = s.containers();
        let configured;
        let known = if extra.images.is_empty() && extra.dirs.is_empty() {
            s.known()
        } else {
            configured = profiles(s, &extra);
            &configured
        };
        for p in known {
            if p.cache.is_some() {
                continue;
            }
            let Some((_, c)) = containers.iter().find(|(path, _)| *path == p.container) else {
                continue;
            };
            let image = c.image.as_deref().unwrap_or("");
            let mounts = c.volume_mounts.as_deref().unwrap_or(&[]);
            if p.any_mount {
                any_mount(s, cx, p, image, volumes, mounts, has_claims);
                continue;
            }
            // emptyDir: one finding per volume; no volume: one per container.
            let mut on_empty: Vec<(usize, &VolumeMount, Vec<&DataDir>)> = Vec::new();
            let mut nowhere: Vec<&DataDir> = Vec::new();
            for d in &p.dirs {
                if pg18_on_old_path(p, d, image, mounts) {
                    // data-dir-mount-root reports this one mistake.
                    continue;
                }
                match place(s, volumes, mounts, d) {
                    Place::Kept => {}
                    Place::EmptyDir(m, mount) => match on_empty.iter_mut().find(|x| x.0 == m) {
                        Some(x) => x.2.push(d),
                        None => on_empty.push((m, mount, vec![d])),
                    },
                    Place::Nowhere => nowhere.push(d),
                }
            }
            for (m, mount, dirs) in on_empty {
                let (what, plural) = describe(p, &dirs);
                let (is, it) = if plural {
                    ("are", "they are")
                } else {
                    ("is", "it is")
                };
                let mut r = cx
                    .report(
                        s.id,
                        container::mount_path(&p.container, m),
                        format!(
                            "{what} {is} on emptyDir `{}`: {it} lost whenever the pod moves",
                            mount.name
                        ),
                    )
                    .help("Replace the emptyDir with a volumeClaimTemplate of the same name, so each pod keeps its own claim.");
                for d in dirs {
                    if let Some(set) = &d.set_by {
                        let (obj, path) = set.origin.place(s.id);
                        r = r.related(obj, path, format!("{} sets it here", set.name));
                    }
                }
            }
            if nowhere.is_empty() {
                continue;
            }
            let (what, plural) = describe(p, &nowhere);
            let (is, it) = if plural {
                ("are", "they live")
            } else {
                ("is", "it lives")
            };
            let (obj, at) = nowhere
                .iter()
                .find_map(|d| d.set_by.as_ref())
                .map(|set| set.origin.place(s.id))
                .filter(|(obj, _)| *obj == s.id)
                .unwrap_or((s.id, container::image(&p.container)));
            let mut r = cx
                .report(
                    obj,
                    at.clone(),
                    format!(
                        "{what} {is} on no volume: {it} in the container's writable layer, lost when the pod is recreated"
                    ),
                )
                .help("Mount a volumeClaimTemplate at the directory (or at a parent of it).");
            for d in nowhere {
                if let Some(set) = &d.set_by {
                    let (o, path) = set.origin.place(s.id);
                    if (o, &path) != (obj, &at) {
                        r = r.related(o, path, format!("{} sets it here", set.name));
                    }
                }
            }
        }
    }
}

/// A system whose data directory is not known: any mount counts as its
/// data, and it is reported only when the StatefulSet has no claims.
fn any_mount(
    s: &Sts<'_>,
    cx: &mut Cx<'_>,
    p: &Profile,
    image: &str,
    volumes: &[Volume],
    mounts: &[VolumeMount],
    has_claims: bool,
) {
    if has_claims {
        return;
    }
    let lasting = |m: &VolumeMount| {
        volumes.iter().any(|v| {
            v.name == m.name
                && v.empty_dir.is_none()
                && v.config_map.is_none()
                && v.secret.is_none()
                && v.downward_api.is_none()
                && v.projected.is_none()
        })
    };
    if mounts.iter().any(lasting) {
        return;
    }
    let empty = mounts.iter().enumerate().find(|(_, m)| {
        volumes
            .iter()
            .any(|v| v.name == m.name && v.empty_dir.is_some())
    });
    match empty {
        Some((m, mount)) => {
            cx.report(
                s.id,
                container::mount_path(&p.container, m),
                format!("`{image}` ({}, recognised by {}) keeps its data on emptyDir `{}`, it seems (its data directory is not known; this is its only data mount): it is lost whenever the pod moves", p.system.name(), p.evidence, mount.name),
            )
            .help("Replace the emptyDir with a volumeClaimTemplate of the same name, so each pod keeps its own claim.");
        }
        None if mounts.is_empty() => {
            cx.report(
                s.id,
                container::image(&p.container),
                format!("`{image}` ({}, recognised by {}) has no volume for its data: it lives in the container's writable layer and is lost when the pod is recreated", p.system.name(), p.evidence),
            )
            .help("Add a volumeClaimTemplate and mount it at the data directory.");
        }
        None => {}
    }
}
