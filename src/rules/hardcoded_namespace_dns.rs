use super::{Cx, Rule, RuleMeta, Sts, command_and_args, env_values};
use crate::finding::Severity;

pub static META: RuleMeta = RuleMeta {
    id: "hardcoded-namespace-dns",
    severity: Severity::Info,
    summary: "a `*.svc` DNS name in env, args or command names a namespace other than the StatefulSet's own",
    why: "A manifest deployed to several namespaces (staging, per-tenant, per-PR previews) keeps \
          talking to the namespace written into it: every copy joins the same cluster or reads the \
          wrong database. Use the short name (`kafka-0.kafka`), or $(POD_NAMESPACE) from the downward API.",
    bad: r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: app
  namespace: staging
spec:
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
      - name: app
        image: app:1.0
        env:
        - name: KAFKA_BOOTSTRAP
          value: kafka-0.kafka.production.svc.cluster.local:9092
"#,
    good: r#"apiVersion: v1
kind: Service
metadata: {name: app, namespace: staging}
spec:
  clusterIP: None
  selector: {app: app}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: app, namespace: staging}
spec:
  serviceName: app
  selector:
    matchLabels: {app: app}
  template:
    metadata:
      labels: {app: app}
    spec:
      containers:
      - name: app
        image: app:1.0
        env:
        - name: KAFKA_BOOTSTRAP
          value: kafka-0.kafka:9092
        readinessProbe:
          tcpSocket: {port: 8080}
"#,
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

pub struct HardcodedNamespaceDns;

/// The `<...>.<namespace>.svc...` host names in `text`, with their
/// namespace.
fn svc_names(text: &str) -> Vec<(&str, &str)> {
    if !text.contains(".svc") {
        return Vec::new();
    }
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .filter(|host| host.contains(".svc"))
        .filter_map(|host| {
            let labels: Vec<&str> = host.split('.').collect();
            let svc = labels.iter().position(|l| *l == "svc")?;
            // <service>.<namespace>.svc at least.
            (svc >= 2 && !labels[svc - 2].is_empty())
                .then(|| labels[svc - 1])
                .filter(|ns| !ns.is_empty())
                .map(|ns| (host, ns))
        })
        .collect()
}

impl Rule for HardcodedNamespaceDns {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let own = s.obj.namespace.as_str();
        for (cpath, c) in s.containers() {
            let places = env_values(cpath, c)
                .map(|(path, _, value)| (path, value))
                .chain(command_and_args(cpath, c).map(|(path, _, text)| (path, text)));
            for (path, text) in places {
                let other = svc_names(text).into_iter().find(|(_, ns)| *ns != own);
                if let Some((host, ns)) = other {
                    cx.report(
                        s.id,
                        path.path(),
                        format!("DNS name `{host}` in namespace `{ns}` is hard-coded; this StatefulSet runs in {}", super::namespace_shown(s.obj)),
                    )
                    .focus(host)
                    .help("Use the short name (service.namespace-relative), or $(POD_NAMESPACE) from fieldRef metadata.namespace, if the target moves with this StatefulSet.");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::svc_names;

    fn svc_namespaces(text: &str) -> Vec<&str> {
        svc_names(text).into_iter().map(|(_, ns)| ns).collect()
    }

    #[test]
    fn finds_namespaces() {
        assert_eq!(
            svc_namespaces("kafka-0.kafka.prod.svc.cluster.local:9092"),
            ["prod"]
        );
        assert_eq!(
            svc_namespaces("http://db.data.svc:5432,x.y.svc"),
            ["data", "y"]
        );
        assert!(svc_namespaces("pg-0.pg.$(POD_NAMESPACE).svc").is_empty());
        assert!(svc_namespaces("kafka-0.kafka:9092 svc").is_empty());
    }
}
