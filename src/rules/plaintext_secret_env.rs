use super::{Cx, Rule, RuleMeta, Sts, env_values, is_secret_name, is_switch};
use crate::finding::Severity;

pub static META: RuleMeta = RuleMeta {
    id: "plaintext-secret-env",
    severity: Severity::Warning,
    summary: "an env var named like a secret (PASSWORD, SECRET, TOKEN, API_KEY, ...) has a literal value",
    why: "A literal value puts the secret in the manifest, so in git, in `kubectl get -o yaml` output \
          for anyone who can read StatefulSets, and in the controller revision history. Secrets \
          belong in a Secret, referenced with valueFrom.secretKeyRef.",
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
        env:
        - name: POSTGRES_PASSWORD
          value: hunter2
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
        env:
        - name: POSTGRES_PASSWORD
          valueFrom:
            secretKeyRef:
              name: db-credentials
              key: password
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

pub struct PlaintextSecretEnv;

impl Rule for PlaintextSecretEnv {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        for (cpath, c) in s.containers() {
            for (path, name, value) in env_values(cpath, c) {
                // `$(OTHER_VAR)` is a reference, not the secret itself, and a
                // yes/no value is a switch (MYSQL_ALLOW_EMPTY_PASSWORD).
                if value.is_empty()
                    || value.contains("$(")
                    || is_switch(value)
                    || !is_secret_name(name)
                {
                    continue;
                }
                cx.report(s.id, path.path(), format!("env `{name}` holds a literal secret"))
                .help("Store it in a Secret and use valueFrom.secretKeyRef (or mount it and point a *_FILE variable at it).");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_names() {
        assert!(super::is_secret_name("POSTGRES_PASSWORD"));
        assert!(super::is_secret_name("github_token"));
        assert!(!super::is_secret_name("POSTGRES_PASSWORD_FILE"));
        assert!(!super::is_secret_name("POSTGRES_USER"));
        assert!(!super::is_secret_name("ETCD_INITIAL_CLUSTER_TOKEN"));
        assert!(super::is_secret_name("requirepass"));
    }
}
