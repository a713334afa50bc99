use super::{Cx, Rule, RuleMeta, Sts, command_and_args, dollar_parens, is_env_name};
use crate::finding::Severity;
use crate::model::path::container;

pub static META: RuleMeta = RuleMeta {
    id: "undefined-env-reference",
    severity: Severity::Warning,
    summary: "`$(NAME)` refers to a variable the container does not define (before this point)",
    why: "Kubernetes expands `$(NAME)` in env values only for variables defined earlier in the \
          same container's env list, and in command/args only for the container's env; anything \
          else stays literal, so the process sees the text `$(NAME)`. Order matters: a reference \
          to a variable defined later is not expanded. `$$(NAME)` is the escape for a literal.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: kafka
spec:
  selector:
    matchLabels: {app: kafka}
  template:
    metadata:
      labels: {app: kafka}
    spec:
      containers:
      - name: kafka
        image: apache/kafka:3.9.0
        env:
        - name: KAFKA_ADVERTISED_LISTENERS
          value: PLAINTEXT://$(POD_NAME).kafka:9092
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
"#,
    good: r#"apiVersion: v1
kind: Service
metadata: {name: kafka}
spec:
  clusterIP: None
  selector: {app: kafka}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kafka}
spec:
  serviceName: kafka
  selector:
    matchLabels: {app: kafka}
  template:
    metadata:
      labels: {app: kafka}
    spec:
      containers:
      - name: kafka
        image: apache/kafka:3.9.0
        env:
        - name: POD_NAME
          valueFrom:
            fieldRef: {fieldPath: metadata.name}
        - name: KAFKA_ADVERTISED_LISTENERS
          value: PLAINTEXT://$(POD_NAME).kafka:9092
        readinessProbe:
          tcpSocket: {port: 9092}
        volumeMounts:
        - name: data
          mountPath: /tmp/kraft-combined-logs
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

pub struct UndefinedEnvReference;

fn is_upper_name(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

impl Rule for UndefinedEnvReference {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        for (cpath, c) in s.containers() {
            if c.env_from.as_ref().is_some_and(|v| !v.is_empty()) {
                continue;
            }
            let env = c.env.as_deref().unwrap_or(&[]);
            // Env lists are short: looked up in place, no sets built.
            let defined = |list: &[k8s_openapi::api::core::v1::EnvVar], name: &str| {
                list.iter().any(|e| e.name == name)
            };
            for (j, e) in env.iter().enumerate() {
                if let Some(value) = e.value.as_deref() {
                    for d in dollar_parens(value) {
                        if !d.closed || !is_env_name(d.inner) || defined(&env[..j], d.inner) {
                            continue;
                        }
                        let message = if defined(env, d.inner) {
                            format!(
                                "env `{}` refers to `$({})`, which is defined later in the list: it is not expanded",
                                e.name, d.inner
                            )
                        } else {
                            format!(
                                "env `{}` refers to `$({})`, which this container does not define: it stays literal",
                                e.name, d.inner
                            )
                        };
                        cx.report(s.id, container::env_value(cpath, j), message)
                            .help(format!("Define `{}` earlier in this container's env, or write `$$({})` for a literal.", d.inner, d.inner));
                    }
                }
            }
            for (path, field, arg) in command_and_args(cpath, c) {
                for d in dollar_parens(arg) {
                    if d.closed && is_upper_name(d.inner) && !defined(env, d.inner) {
                        cx.report(
                            s.id,
                            path.path(),
                            format!(
                                "{field} refers to `$({})`, which this container's env does not define: it stays literal",
                                d.inner
                            ),
                        )
                        .help(format!("Add `{}` to the container's env, or write `$$({})` if the shell should see it.", d.inner, d.inner));
                    }
                }
            }
        }
    }
}
