use super::{Cx, Rule, RuleMeta, Sts, image_parts};
use crate::finding::Severity;
use crate::model::path::container;

pub static META: RuleMeta = RuleMeta {
    id: "image-mutable-tag",
    severity: Severity::Warning,
    summary: "an image has no tag, the tag `latest` or another moving tag (`latest-alpine`, `stable`, `alpine`), and no digest",
    why: "A StatefulSet replaces its pods one at a time, so with a moving tag different ordinals can \
          run different versions of a database after any restart, and a node that pulls later gets a \
          newer major version than its peers (postgres:latest moving from 17 to 18 changes the data \
          layout).",
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
        image: postgres:latest
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
        image: postgres:16.4
        readinessProbe:
          tcpSocket: {port: 5432}
        volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql
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

pub struct ImageMutableTag;

/// Tags that follow the newest release: `latest` with a variant
/// (`latest-alpine`, `alpine-latest`, `latest_ubuntu`), and the bare
/// channel names `stable`, `edge`, `nightly`, `master`, `main`, `dev`,
/// `alpine` (the newest release on Alpine).
fn moving(tag: &str) -> bool {
    let t = tag.to_ascii_lowercase();
    t.split(['-', '_', '.']).any(|part| part == "latest")
        || matches!(
            t.as_str(),
            "stable"
                | "edge"
                | "nightly"
                | "master"
                | "main"
                | "dev"
                | "alpine"
                | "slim"
                | "bookworm"
                | "bullseye"
                | "jammy"
                | "noble"
        )
}

impl Rule for ImageMutableTag {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        for (cpath, c) in s.containers() {
            let Some(image) = c.image.as_deref() else {
                continue;
            };
            if image.is_empty() || image.contains('@') {
                continue;
            }
            let what = match image_parts(image).1 {
                None => "has no tag (it means `latest`)".to_owned(),
                Some("latest") => "uses the tag `latest`".to_owned(),
                Some(t) if moving(t) => {
                    format!("uses the moving tag `{t}`, as mutable as `latest`")
                }
                Some(_) => continue,
            };
            cx.report(s.id, container::image(cpath), format!("image `{image}` {what}"))
                .help("Pin a version tag (postgres:16.4) or a digest (@sha256:...), so every pod runs the same image.");
        }
    }
}
