use super::{Cx, Rule, RuleMeta, RuleOption, Sts, containers, image_name};
use crate::finding::Severity;
use crate::model::path::container;

pub static META: RuleMeta = RuleMeta {
    id: "data-on-emptydir",
    severity: Severity::Warning,
    summary: "a database or broker keeps its data on emptyDir or on no volume while the StatefulSet has no volumeClaimTemplates",
    why: "emptyDir lives and dies with the pod, and a path on no volume lives in the container's \
          writable layer. Every reschedule, node drain or eviction then starts that member empty: a \
          replica resyncs everything, a quorum member rejoins without its log, a single instance \
          loses all data. volumeClaimTemplates give each ordinal its own persistent claim.",
    bad: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: pg\nspec:\n  selector:\n    matchLabels: {app: pg}\n  template:\n    metadata:\n      labels: {app: pg}\n    spec:\n      containers:\n      - name: pg\n        image: postgres:16.4\n        volumeMounts:\n        - name: data\n          mountPath: /var/lib/postgresql/data\n      volumes:\n      - name: data\n        emptyDir: {}\n",
    good: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: pg\nspec:\n  selector:\n    matchLabels: {app: pg}\n  template:\n    metadata:\n      labels: {app: pg}\n    spec:\n      containers:\n      - name: pg\n        image: postgres:16.4\n        env:\n        - name: PGDATA\n          value: /var/lib/postgresql/data/pgdata\n        volumeMounts:\n        - name: data\n          mountPath: /var/lib/postgresql/data\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources:\n        requests:\n          storage: 10Gi\n",
    since: "0.1.0",
    needs_baseline: false,
    options: &[RuleOption {
        name: "images",
        doc: "image names (last path component, without tag) that keep data; for names without a known data path any mount counts",
        default: &[
            "postgres",
            "mysql",
            "mariadb",
            "mongo",
            "cassandra",
            "kafka",
            "zookeeper",
            "etcd",
            "elasticsearch",
            "rabbitmq",
            "redis",
        ],
    }],
};

pub struct DataOnEmptydir;

/// Where an image keeps its data by default.
fn data_paths(image: &str) -> &'static [&'static str] {
    match image {
        "postgres" => &["/var/lib/postgresql"],
        "mysql" | "mariadb" => &["/var/lib/mysql"],
        "mongo" => &["/data/db"],
        "cassandra" => &["/var/lib/cassandra"],
        "kafka" => &[
            "/var/lib/kafka",
            "/bitnami/kafka",
            "/opt/kafka/data",
            "/tmp/kraft-combined-logs",
        ],
        "zookeeper" => &[
            "/data",
            "/datalog",
            "/var/lib/zookeeper",
            "/bitnami/zookeeper",
        ],
        "etcd" => &[
            "/var/lib/etcd",
            "/var/run/etcd",
            "/etcd-data",
            "/bitnami/etcd",
        ],
        "elasticsearch" => &["/usr/share/elasticsearch/data"],
        "rabbitmq" => &["/var/lib/rabbitmq"],
        "redis" => &["/data"],
        _ => &[],
    }
}

fn under(path: &str, dir: &str) -> bool {
    let path = path.trim_end_matches('/');
    path == dir || path.starts_with(&format!("{dir}/")) || dir.starts_with(&format!("{path}/"))
}

impl Rule for DataOnEmptydir {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let spec = &s.sts.spec;
        if spec
            .volume_claim_templates
            .as_ref()
            .is_some_and(|t| !t.is_empty())
        {
            return;
        }
        let images = cx.option("images");
        let volumes = spec
            .template
            .spec
            .as_ref()
            .and_then(|p| p.volumes.as_deref())
            .unwrap_or(&[]);
        for (cpath, c) in containers(s.sts) {
            if cpath.segs().iter().any(
                |seg| matches!(seg, crate::source::locate::Seg::Key(k) if k == "initContainers"),
            ) {
                continue;
            }
            let image = c.image.as_deref().unwrap_or("");
            let name = image_name(image);
            let Some(known) = images
                .iter()
                .find(|i| name == i.as_str() || name.starts_with(&format!("{i}-")))
            else {
                continue;
            };
            let paths = data_paths(known);
            let mounts = c.volume_mounts.as_deref().unwrap_or(&[]);
            // The mounts that hold the data (any mount for unknown images).
            let data: Vec<(usize, &k8s_openapi::api::core::v1::VolumeMount)> = mounts
                .iter()
                .enumerate()
                .filter(|(_, m)| paths.is_empty() || paths.iter().any(|p| under(&m.mount_path, p)))
                .collect();
            let persistent = data.iter().any(|(_, m)| {
                volumes.iter().any(|v| {
                    v.name == m.name
                        && (v.persistent_volume_claim.is_some()
                            || v.host_path.is_some()
                            || v.ephemeral.is_some()
                            || v.csi.is_some()
                            || v.nfs.is_some())
                })
            });
            if persistent {
                continue;
            }
            let on_empty_dir = data.iter().find(|(_, m)| {
                volumes
                    .iter()
                    .any(|v| v.name == m.name && v.empty_dir.is_some())
            });
            match on_empty_dir {
                Some((m, mount)) => {
                    cx.report(
                        s.id,
                        container::mount_path(&cpath, *m),
                        format!("`{image}` keeps its data on emptyDir `{}`: it is lost whenever the pod moves", mount.name),
                    )
                    .help("Replace the emptyDir with a volumeClaimTemplate of the same name, so each pod keeps its own claim.");
                }
                None if data.is_empty() => {
                    let where_ = paths
                        .first()
                        .map_or_else(String::new, |p| format!(" ({p})"));
                    cx.report(
                        s.id,
                        container::image(&cpath),
                        format!("`{image}` keeps its data{where_} on no volume: it is lost whenever the pod restarts elsewhere"),
                    )
                    .help("Add a volumeClaimTemplate and mount it at the data directory.");
                }
                None => {}
            }
        }
    }
}
