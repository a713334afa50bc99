use super::{Cx, Rule, RuleMeta, Sts, containers, image_parts};
use crate::finding::Severity;
use crate::model::path::container;

pub static META: RuleMeta = RuleMeta {
    id: "pgdata-mount-root",
    severity: Severity::Error,
    summary: "PostgreSQL's data directory is exactly a volume's mount path",
    why: "A freshly formatted volume holds `lost+found`, and initdb refuses a non-empty directory, so \
          postgres <= 17 with PGDATA on the mount root never initialises. postgres 18+ images keep \
          data in /var/lib/postgresql/18/docker and their entrypoint refuses to start when \
          /var/lib/postgresql/data is a mount point.",
    bad: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: pg\nspec:\n  selector:\n    matchLabels: {app: pg}\n  template:\n    metadata:\n      labels: {app: pg}\n    spec:\n      containers:\n      - name: pg\n        image: postgres:16\n        volumeMounts:\n        - name: data\n          mountPath: /var/lib/postgresql/data\n",
    good: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: pg\nspec:\n  selector:\n    matchLabels: {app: pg}\n  template:\n    metadata:\n      labels: {app: pg}\n    spec:\n      containers:\n      - name: pg\n        image: postgres:16\n        env:\n        - name: PGDATA\n          value: /var/lib/postgresql/data/pgdata\n        volumeMounts:\n        - name: data\n          mountPath: /var/lib/postgresql/data\n",
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

const DEFAULT_PGDATA: &str = "/var/lib/postgresql/data";

pub struct PgdataMountRoot;

fn is_postgres_image(image: &str) -> bool {
    let (repo, _) = image_parts(image);
    repo == "postgres" || repo.ends_with("/postgres")
}

/// Major version from a tag like `16`, `17.2-alpine`, `18beta1`; `None` when
/// untagged or unreadable.
fn major(image: &str) -> Option<u32> {
    let (_, tag) = image_parts(image);
    let digits: String = tag?.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn trim(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() { "/" } else { t }
}

impl Rule for PgdataMountRoot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        for (cpath, c) in containers(s.sts) {
            let image = c.image.as_deref().unwrap_or("");
            let env = c.env.as_deref().unwrap_or(&[]);
            let pgdata = env
                .iter()
                .enumerate()
                .rev()
                .find(|(_, e)| e.name == "PGDATA");
            if !is_postgres_image(image) && pgdata.is_none() {
                continue;
            }
            let mounts = c.volume_mounts.as_deref().unwrap_or(&[]);
            match pgdata {
                Some((j, e)) => {
                    let Some(dir) = e.value.as_deref() else {
                        continue;
                    };
                    let hit = mounts.iter().enumerate().find(|(_, m)| {
                        trim(&m.mount_path) == trim(dir)
                            && m.sub_path.as_deref().unwrap_or("").is_empty()
                    });
                    if let Some((m, mount)) = hit {
                        cx.report(
                            s.id,
                            container::env_value(&cpath, j),
                            format!("PGDATA `{dir}` is the mount path of volume `{}`: initdb fails on its lost+found", mount.name),
                        )
                        .help(format!("Set PGDATA to a subdirectory of the mount, such as `{}/pgdata`.", trim(dir)))
                        .related(s.id, container::mount_path(&cpath, m), "the volume is mounted here");
                    }
                }
                None => {
                    let Some((m, mount)) = mounts
                        .iter()
                        .enumerate()
                        .find(|(_, m)| trim(&m.mount_path) == DEFAULT_PGDATA)
                    else {
                        continue;
                    };
                    let version = major(image);
                    if version.is_some_and(|v| v >= 18) {
                        cx.report(
                            s.id,
                            container::mount_path(&cpath, m),
                            format!("`{image}` refuses to start when {DEFAULT_PGDATA} is a mount point (postgres 18+ keeps data in /var/lib/postgresql/18/docker)"),
                        )
                        .help("Mount the volume at /var/lib/postgresql instead.");
                    } else if mount.sub_path.as_deref().unwrap_or("").is_empty() {
                        cx.report(
                            s.id,
                            container::mount_path(&cpath, m),
                            format!("the default PGDATA {DEFAULT_PGDATA} is the mount path of volume `{}`: initdb fails on its lost+found", mount.name),
                        )
                        .help(format!("Set env PGDATA to a subdirectory such as `{DEFAULT_PGDATA}/pgdata`."));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions() {
        assert_eq!(super::major("postgres:17.2-alpine"), Some(17));
        assert_eq!(super::major("postgres:18beta1"), Some(18));
        assert_eq!(super::major("postgres"), None);
        assert_eq!(super::major("postgres:latest"), None);
        assert!(super::is_postgres_image("docker.io/library/postgres:16"));
        assert!(!super::is_postgres_image("bitnami/postgresql:16"));
    }
}
