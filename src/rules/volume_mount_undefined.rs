use std::collections::HashSet;

use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::Severity;
use crate::model::path::container;

pub static META: RuleMeta = RuleMeta {
    id: "volume-mount-undefined",
    severity: Severity::Error,
    summary: "a volumeMount names neither a pod volume nor a volumeClaimTemplate",
    why: "The API server rejects a pod template whose container mounts a volume that does not exist \
          (`volumeMounts[0].name: Not found`), so no pod of the StatefulSet is created. Usually a \
          volumeClaimTemplate was renamed and the mount was not.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: postgres:16
        volumeMounts:
        - name: pgdata
          mountPath: /var/lib/postgresql
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
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: postgres:16
        volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql
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

pub struct VolumeMountUndefined;

impl Rule for VolumeMountUndefined {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let spec = &s.sts.spec;
        let volumes = spec.template.spec.as_ref().and_then(|p| p.volumes.as_ref());
        let known: HashSet<&str> = volumes
            .into_iter()
            .flatten()
            .map(|v| v.name.as_str())
            .chain(
                spec.volume_claim_templates
                    .iter()
                    .flatten()
                    .filter_map(|t| t.metadata.name.as_deref()),
            )
            .collect();
        for (cpath, c) in s.containers() {
            for (m, mount) in c.volume_mounts.iter().flatten().enumerate() {
                if known.contains(mount.name.as_str()) {
                    continue;
                }
                let mut names: Vec<&str> = known.iter().copied().collect();
                names.sort_unstable();
                let help = if names.is_empty() {
                    "Add a volume or a volumeClaimTemplate with this name.".to_owned()
                } else {
                    format!(
                        "Mount one of the defined volumes ({}) or define `{}`.",
                        names.join(", "),
                        mount.name
                    )
                };
                cx.report(
                    s.id,
                    container::mount_name(cpath, m),
                    format!(
                        "volumeMount `{}` names no volume and no volumeClaimTemplate",
                        mount.name
                    ),
                )
                .help(help);
            }
        }
    }
}
