use super::{Cx, Rule, RuleMeta, Sts, is_secret_name, is_switch};
use crate::finding::{ObjId, Severity};
use crate::knowledge::{Pod, View};
use crate::model::path::FieldPath;

pub static META: RuleMeta = RuleMeta {
    id: "plaintext-secret-config",
    severity: Severity::Warning,
    summary: "a password-like setting has a literal value in a ConfigMap the pods read, or in a `--password VALUE` argument",
    why: "A ConfigMap is not a secret: anyone who may read ConfigMaps in the namespace (most \
          service accounts, every dashboard) sees it, it is not encrypted at rest with Secrets, and \
          it lives in git next to the manifests. The same holds for a command-line flag, which is \
          also visible to every process on the node (`ps`) and in the StatefulSet's revisions. \
          stslint reads the ConfigMaps the pods consume (envFrom, configMapKeyRef, mounted files: \
          `key=value`, `key: value` and `key value` lines such as redis.conf's `requirepass`) and \
          the words of command and args. Placeholders (`${VAR}`, `$(VAR)`, `{{ }}`, or a value \
          that a script of the pod replaces with `sed`) and yes/no switches are not secrets.",
    bad: r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: cache
data:
  redis.conf: |
    requirepass s3cr3t-cache
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: cache
spec:
  serviceName: cache
  selector:
    matchLabels: {app: cache}
  template:
    metadata:
      labels: {app: cache}
    spec:
      containers:
      - name: redis
        image: redis:7.4.1
        args: [/conf/redis.conf]
        volumeMounts:
        - name: conf
          mountPath: /conf
      volumes:
      - name: conf
        configMap:
          name: cache
"#,
    good: r#"apiVersion: v1
kind: Service
metadata: {name: cache}
spec:
  clusterIP: None
  selector: {app: cache}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cache}
data:
  redis.conf: 'include /secrets/auth.conf

    '
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cache}
spec:
  serviceName: cache
  selector:
    matchLabels: {app: cache}
  template:
    metadata:
      labels: {app: cache}
    spec:
      containers:
      - name: redis
        image: redis:7.4.1
        args: [/conf/redis.conf]
        volumeMounts:
        - name: conf
          mountPath: /conf
        - name: auth
          mountPath: /secrets
        - name: data
          mountPath: /data
        readinessProbe:
          tcpSocket: {port: 6379}
      volumes:
      - name: conf
        configMap: {name: cache}
      - name: auth
        secret: {secretName: cache-auth}
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

pub struct PlaintextSecretConfig;

/// A literal secret value: not empty, not a placeholder, not a switch.
fn literal(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']);
    !v.is_empty()
        && !is_switch(v)
        && !v.starts_with('$')
        && !v.contains("${")
        && !v.contains("$(")
        && !v.contains("{{")
        && !(v.starts_with('<') && v.ends_with('>'))
}

/// Password-like `key=value`, `key: value` or `key value` lines of a config
/// file: (key, the line as written).
fn secret_lines(text: &str) -> Vec<(&str, &str)> {
    text.lines()
        .filter_map(|line| {
            let t = line.trim();
            if t.starts_with(['#', ';']) || t.starts_with("//") {
                return None;
            }
            let end = t.find(['=', ':', ' ', '\t'])?;
            let (key, rest) = t.split_at(end);
            let value = rest.trim_start_matches(['=', ':', ' ', '\t']);
            let value = value.split(" #").next().unwrap_or(value);
            (is_secret_name(key) && literal(value)).then_some((key, t))
        })
        .collect()
}

/// A `--password VALUE` or `--password=VALUE` flag among command words:
/// (flag, the word to point at, its entry).
fn secret_flags<P: Clone>(words: &[(String, P)]) -> Vec<(String, String, P)> {
    let mut out = Vec::new();
    for (i, (w, path)) in words.iter().enumerate() {
        let Some(flag) = w.strip_prefix("--") else {
            continue;
        };
        let (name, value) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (flag, words.get(i + 1).map(|(v, _)| v.clone())),
        };
        if !is_secret_name(&name.replace('-', "_")) {
            continue;
        }
        if let Some(v) = value
            && !v.starts_with('-')
            && literal(&v)
        {
            out.push((format!("--{name}"), w.clone(), path.clone()));
        }
    }
    out
}

/// The value of a `key=value`, `key: value` or `key value` line.
fn line_value(line: &str) -> &str {
    let end = line.find(['=', ':', ' ', '\t']).unwrap_or(line.len());
    let v = line[end..].trim_start_matches(['=', ':', ' ', '\t']);
    v.split(" #")
        .next()
        .unwrap_or(v)
        .trim()
        .trim_matches(['"', '\''])
}

/// True when a script of the pod replaces `value` at start-up (`sed
/// s/replace-default-auth/...`): it is a placeholder, not the secret.
fn substituted(pod: &Pod<'_>, s: &Sts<'_>, value: &str) -> bool {
    if value.is_empty() {
        return false;
    }
    let replaces = |text: &str| {
        text.lines().any(|l| {
            l.contains(value)
                && (l.contains("sed ") || l.contains("envsubst") || l.contains(".replace("))
        })
    };
    pod.files.iter().any(|(_, _, t)| replaces(t))
        || s.containers()
            .iter()
            .any(|(p, c)| super::command_and_args(p, c).any(|(_, _, t)| replaces(t)))
}

impl Rule for PlaintextSecretConfig {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let pod = s.pod();
        let sts = &s.obj.name;
        let mut seen: Vec<(ObjId, String)> = Vec::new();
        let substituted = |value: &str| substituted(pod, s, value);
        for (id, key, text) in &pod.files {
            for (setting, line) in secret_lines(text) {
                if seen.iter().any(|(o, k)| o == id && k == setting)
                    || substituted(line_value(line))
                {
                    continue;
                }
                seen.push((*id, setting.to_owned()));
                let cm = &cx.index.object(*id).name;
                cx.report(
                    *id,
                    FieldPath::from_keys(&["data", key]),
                    format!("`{setting}` in {key} of ConfigMap `{cm}` holds a literal secret: a ConfigMap is readable by anyone who may read ConfigMaps"),
                )
                .focus(line)
                .help("Move the value into a Secret and mount that (or include a file from it); keep the ConfigMap for settings that are not secret.")
                .related(s.id, crate::model::path::sts::pod_spec().key("volumes"), format!("StatefulSet `{sts}` mounts it"));
            }
        }
        for (cpath, c) in s.containers() {
            // Flags: the words of command and args as written (a `$(VAR)`
            // value is no literal either way).
            let words: Vec<(String, super::Entry<'_>)> = super::command_and_args(cpath, c)
                .flat_map(|(path, _, text)| {
                    text.split_whitespace()
                        .map(move |w| (w.trim_matches(['"', '\'']).to_owned(), path))
                })
                .collect();
            for (flag, word, path) in secret_flags(&words) {
                cx.report(
                    s.id,
                    path.path(),
                    format!("`{flag}` is given a literal secret on the command line: it is in the manifest and visible to every process on the node"),
                )
                .focus(word)
                .help("Read it from a Secret: an env variable from secretKeyRef (`--password=$(DB_PASSWORD)`), or the program's file option pointing at a mounted Secret.");
            }
            let reads_config_maps = c.env_from.as_ref().is_some_and(|e| !e.is_empty())
                || c.env.iter().flatten().any(|e| {
                    e.value_from
                        .as_ref()
                        .is_some_and(|f| f.config_map_key_ref.is_some())
                });
            if !reads_config_maps {
                continue;
            }
            let view = View::new(pod, cpath, c);
            for (name, value, obj, key) in view.config_map_env() {
                if !is_secret_name(name)
                    || !literal(value)
                    || seen.iter().any(|(o, k)| *o == obj && k == key)
                {
                    continue;
                }
                seen.push((obj, key.to_owned()));
                let cm = &cx.index.object(obj).name;
                cx.report(
                    obj,
                    FieldPath::from_keys(&["data", key]),
                    format!("ConfigMap `{cm}` key `{key}` holds a literal secret that the pods read as env `{name}`: a ConfigMap is readable by anyone who may read ConfigMaps"),
                )
                .help("Move it into a Secret and read it with secretKeyRef (or envFrom a secretRef).")
                .related(s.id, cpath.clone(), format!("StatefulSet `{sts}` reads it here"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_flags() {
        let conf = "requirepass s3cr3t\nmasterauth ${AUTH}\n# password=old\nssl.keystore.password=changeit\npassword_file=/run/x\nallow_empty_password: yes\n";
        let keys: Vec<&str> = secret_lines(conf).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["requirepass", "ssl.keystore.password"]);
        let words: Vec<(String, FieldPath)> = [
            "mysqld",
            "--password=hunter2",
            "--db-password",
            "$(DB_PASS)",
            "--token",
            "abc",
            "--password-file",
            "/x",
        ]
        .iter()
        .map(|w| ((*w).to_owned(), FieldPath::root()))
        .collect();
        let flags: Vec<String> = secret_flags(&words)
            .into_iter()
            .map(|(f, _, _)| f)
            .collect();
        assert_eq!(flags, ["--password", "--token"]);
    }
}
