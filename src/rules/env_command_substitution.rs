use super::{Cx, Rule, RuleMeta, Sts, dollar_parens, env_values, is_env_name};
use crate::finding::Severity;

pub static META: RuleMeta = RuleMeta {
    id: "env-command-substitution",
    severity: Severity::Error,
    summary: "an env value contains shell command substitution (`$(cmd ...)` or backticks)",
    why: "Kubernetes does not run env values through a shell. It expands only `$(VAR_NAME)` for \
          variables defined earlier in the same container; `$(cat /etc/secret)`, `$(hostname -f)` \
          or backticks reach the process as literal text, so the application gets a password or \
          host name of `$(cat /etc/secret)`.",
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
          value: $(cat /run/secrets/pg)
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
        - name: POSTGRES_PASSWORD_FILE
          value: /run/secrets/pg
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

pub struct EnvCommandSubstitution;

/// The first backtick-quoted text of a value (to its end if unclosed).
fn backticks(value: &str) -> Option<String> {
    let start = value.find('`')?;
    let rest = &value[start + 1..];
    Some(match rest.find('`') {
        Some(end) => format!("`{}`", &rest[..end]),
        None => format!("`{rest}"),
    })
}

impl Rule for EnvCommandSubstitution {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        for (cpath, c) in s.containers() {
            for (path, name, value) in env_values(cpath, c) {
                let shell = dollar_parens(value)
                    .into_iter()
                    .find(|d| !d.closed || !is_env_name(d.inner))
                    .map(|d| format!("`$({}{}`", d.inner, if d.closed { ")" } else { "" }))
                    .or_else(|| backticks(value));
                let Some(what) = shell else { continue };
                cx.report(
                    s.id,
                    path.path(),
                    format!(
                        "env `{name}` contains shell command substitution {what}: Kubernetes passes it to the process literally"
                    ),
                )
                .help("Compute the value in the container's command (`sh -c 'export X=$(...); exec ...'`), or use valueFrom (fieldRef, secretKeyRef) or a *_FILE variable.");
            }
        }
    }
}
