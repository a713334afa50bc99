use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::{Applicability, Fix, FixOp, Severity};
use crate::knowledge::{DataDir, Origin, System, major};
use crate::model::path::{FieldPath, container};
use k8s_openapi::api::core::v1::Container;

pub static META: RuleMeta = RuleMeta {
    id: "data-dir-mount-root",
    severity: Severity::Error,
    summary: "a data directory that must start empty is exactly a volume's mount path (PostgreSQL, Patroni, MySQL, Kafka)",
    why: "A freshly formatted ext4 volume holds `lost+found`, so a data directory on the mount root \
          is never empty. initdb refuses a non-empty directory, so PostgreSQL <= 17 (and Patroni) \
          with PGDATA on the mount root never initialises; `mysqld --initialize` aborts the same way; \
          Kafka brokers of the 2.x era and earlier stop at start-up because `lost+found` is not a \
          topic-partition directory (reported as a warning: newer brokers may cope). postgres 18+ \
          images keep data in /var/lib/postgresql/18/docker and their entrypoint refuses to start \
          when /var/lib/postgresql/data is a mount point. The data directory comes from the \
          settings (PGDATA, PATRONI_POSTGRESQL_DATA_DIR, `--datadir`, `datadir` in my.cnf, \
          KAFKA_LOG_DIRS, `log.dirs`) or the image's documented default. This rule was called \
          `pgdata-mount-root`; that id still works in configuration and suppressions.",
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
        image: postgres:16
        volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql/data
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 10Gi
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
        image: postgres:16
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
    options: &[],
};

pub struct DataDirMountRoot;

const OLD_PGDATA: &str = "/var/lib/postgresql/data";

fn trim(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() { "/" } else { t }
}

/// True when volume `name` is a freshly formatted file system (a claim
/// from a volumeClaimTemplate or a pod volume, or a disk), which holds
/// `lost+found`; an emptyDir, hostPath or NFS directory does not.
fn formatted(s: &Sts<'_>, name: &str) -> bool {
    let spec = &s.sts.spec;
    if spec
        .volume_claim_templates
        .iter()
        .flatten()
        .any(|t| t.metadata.name.as_deref() == Some(name))
    {
        return true;
    }
    let volumes = super::pod_volumes(s.sts);
    volumes.iter().find(|v| v.name == name).is_some_and(|v| {
        v.persistent_volume_claim.is_some()
            || v.ephemeral.is_some()
            || v.csi.is_some()
            || v.aws_elastic_block_store.is_some()
            || v.gce_persistent_disk.is_some()
            || v.azure_disk.is_some()
            || v.cinder.is_some()
            || v.iscsi.is_some()
            || v.rbd.is_some()
            || v.fc.is_some()
    })
}

/// An init container that removes `lost+found`, or a server told to
/// ignore it (`--ignore-db-dir=lost+found`): the trap is handled.
fn handles_lost_found(s: &Sts<'_>) -> bool {
    s.containers()
        .iter()
        .any(|(path, c)| super::command_and_args(path, c).any(|(_, _, a)| a.contains("lost+found")))
}

/// Pointing the data directory at `sub`, a subdirectory of the mount:
/// the env value that set it, or for postgres's default a PGDATA entry.
/// Unsafe: a volume initialised already (one without lost+found) keeps
/// its data at the root, and the server would start an empty one.
fn subdirectory_fix(
    c: &Container,
    path: &FieldPath,
    d: &DataDir,
    system: System,
    sub: &str,
) -> Option<Fix> {
    let env = c.env.as_deref().unwrap_or(&[]);
    match &d.set_by {
        Some(set) => {
            let name = set.name.strip_prefix("env ")?;
            let j = env.iter().position(|e| {
                e.name == name && e.value.as_deref().is_some_and(|v| trim(v) == trim(&d.path))
            })?;
            Some(
                Fix::new(
                    format!("set {} to `{sub}`", set.name),
                    Applicability::Unsafe,
                )
                .edit(container::env_value(path, j), FixOp::Set(sub.into())),
            )
        }
        None if system == System::Postgres => {
            let item = serde_json::json!({"name": "PGDATA", "value": sub});
            let fix = Fix::new(format!("set env PGDATA to `{sub}`"), Applicability::Unsafe);
            Some(if env.is_empty() {
                if c.env.is_some() {
                    return None;
                }
                fix.edit(
                    path.clone(),
                    FixOp::Insert("env".to_owned(), serde_json::Value::Array(vec![item])),
                )
            } else {
                fix.edit(path.clone().key("env"), FixOp::Append(item))
            })
        }
        None => None,
    }
}

impl Rule for DataDirMountRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let all = s.containers();
        for p in s.known() {
            let Some((_, c)) = all.iter().find(|(path, _)| *path == p.container) else {
                continue;
            };
            let image = c.image.as_deref().unwrap_or("");
            let mounts = c.volume_mounts.as_deref().unwrap_or(&[]);
            let unsplit = |m: &&k8s_openapi::api::core::v1::VolumeMount| {
                m.sub_path.as_deref().unwrap_or("").is_empty()
                    && m.sub_path_expr.as_deref().unwrap_or("").is_empty()
            };
            if handles_lost_found(s) {
                continue;
            }
            for d in &p.dirs {
                // postgres 18+: the old data path must not be a mount point.
                if p.system == System::Postgres
                    && d.set_by.is_none()
                    && major(image).is_some_and(|v| v >= 18)
                {
                    if let Some((m, _)) = mounts
                        .iter()
                        .enumerate()
                        .find(|(_, m)| trim(&m.mount_path) == OLD_PGDATA)
                    {
                        cx.report(
                            s.id,
                            container::mount_path(&p.container, m),
                            format!("`{image}` refuses to start when {OLD_PGDATA} is a mount point (postgres 18+ keeps data in {})", d.path),
                        )
                        .help("Mount the volume at /var/lib/postgresql instead.")
                        .fix(
                            Fix::new("mount the volume at /var/lib/postgresql", Applicability::Unsafe)
                                .edit(container::mount_path(&p.container, m), FixOp::Set("/var/lib/postgresql".into())),
                        );
                    }
                    continue;
                }
                let Some(trap) = d.trap else { continue };
                let Some((m, mount)) = mounts
                    .iter()
                    .enumerate()
                    .find(|(_, m)| trim(&m.mount_path) == trim(&d.path) && unsplit(m))
                else {
                    continue;
                };
                if !formatted(s, &mount.name) {
                    continue;
                }
                let system = p.system.name();
                let why = match &d.set_by {
                    Some(set) => format!("set by {}", set.name),
                    None if d.assumed => {
                        "the official image's default, assumed for this image".to_owned()
                    }
                    None => "the image's default".to_owned(),
                };
                let message = format!(
                    "the {} directory `{}` of {system} ({why}) is the mount path of volume `{}`, which holds lost+found: {}",
                    d.role,
                    trim(&d.path),
                    mount.name,
                    trap.who
                );
                let sub = format!(
                    "{}/{}",
                    trim(&d.path).trim_end_matches('/'),
                    if p.system == System::Postgres {
                        "pgdata"
                    } else {
                        "data"
                    }
                );
                let help = match (&d.set_by, p.system) {
                    (Some(set), _) => format!("Point {} at a subdirectory of the mount, such as `{sub}`, or give the mount a `subPath`.", set.name),
                    (None, System::Postgres) => format!("Set env PGDATA to a subdirectory such as `{sub}`."),
                    (None, _) => "Give this mount a `subPath` (the data then lives in a subdirectory of the volume), or point the data directory at a subdirectory of the mount.".to_owned(),
                };
                let mount_at = container::mount_path(&p.container, m);
                let on_setting = d.set_by.as_ref().and_then(|set| match &set.origin {
                    Origin::Field(f) => Some(f.clone()),
                    Origin::ConfigMap { .. } => None,
                });
                let mut r = match on_setting {
                    Some(at) => cx.report(s.id, at, message).related(
                        s.id,
                        mount_at,
                        "the volume is mounted here",
                    ),
                    None => {
                        let mut r = cx.report(s.id, mount_at, message);
                        if let Some(set) = &d.set_by {
                            let (obj, path) = set.origin.place(s.id);
                            r = r.related(obj, path, format!("{} sets it here", set.name));
                        }
                        r
                    }
                };
                r = r.help(help);
                if let Some(fix) = subdirectory_fix(c, &p.container, d, p.system, &sub) {
                    r = r.fix(fix);
                }
                if !trap.always || d.assumed {
                    r.at_most(Severity::Warning);
                }
            }
        }
    }
}
