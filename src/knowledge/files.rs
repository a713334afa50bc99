//! Settings read out of configuration files as they sit in a ConfigMap:
//! `key=value` and `key value` lines (server.properties, zoo.cfg,
//! redis.conf, my.cnf, rabbitmq.conf), `key: value` YAML lines and lists
//! (cassandra.yaml, elasticsearch.yml, mongod.conf, patroni.yml) and the
//! `storage "raft" { path = ... }` block of a Vault HCL file. These are
//! line-based readings, not full parsers: a setting they cannot find is
//! treated as unset, never as a wrong value.

/// The value of `key` in a config file: the last uncommented line that
/// sets it wins (as in properties files and redis.conf). For YAML, `key`
/// is matched at any indentation, so a nested `dbPath:` under `storage:`
/// is found; a value on the next lines as a `- item` list gives the first
/// item.
pub fn setting(text: &str, key: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = None;
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        if t.starts_with('#') || t.starts_with(';') || t.starts_with("//") {
            continue;
        }
        let Some(rest) = t.strip_prefix(key) else {
            continue;
        };
        let value = if let Some(v) = rest.trim_start().strip_prefix('=') {
            v
        } else if let Some(v) = rest.strip_prefix(':') {
            if v.trim().is_empty() {
                // A YAML list on the following lines.
                match lines[i + 1..]
                    .iter()
                    .map(|l| l.trim())
                    .find(|l| !l.is_empty())
                {
                    Some(item) if item.starts_with("- ") => &item[2..],
                    _ => continue,
                }
            } else {
                v
            }
        } else if rest.starts_with([' ', '\t']) {
            rest
        } else {
            continue;
        };
        found = Some(clean(value));
    }
    found
}

/// A value without its trailing comment, surrounding space and quotes.
fn clean(v: &str) -> String {
    let v = v.trim();
    let v = match v.find(" #") {
        Some(i) if !v.starts_with(['"', '\'']) => &v[..i],
        _ => v,
    };
    let v = v.trim();
    let unquoted = v
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')));
    unquoted.unwrap_or(v).to_owned()
}

/// Every value of a redis.conf directive that may repeat (`save`).
pub fn all_settings(text: &str, key: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let t = l.trim_start();
            let rest = t.strip_prefix(key)?;
            (rest.starts_with([' ', '\t']) && !t.starts_with('#')).then(|| clean(rest))
        })
        .collect()
}

/// The storage backend of a Vault HCL (or JSON) config: `raft`, `consul`,
/// `file`, ... and the `path` inside its block, when there is one.
pub fn vault_storage(text: &str) -> Option<(String, Option<String>)> {
    let at = text.find("storage")?;
    let rest = &text[at + "storage".len()..];
    let rest = rest
        .trim_start()
        .trim_start_matches([':', '='])
        .trim_start();
    let kind: String = rest
        .trim_start_matches(['"', '{'])
        .trim_start()
        .trim_start_matches('"')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if kind.is_empty() {
        return None;
    }
    let block_end = rest.find('}').unwrap_or(rest.len());
    let block = &rest[..block_end];
    let path = block.lines().find_map(|l| {
        let t = l.trim().trim_start_matches('{').trim();
        let r = t
            .strip_prefix("path")
            .or_else(|| t.strip_prefix("\"path\""))?;
        let v = r.trim_start().strip_prefix(['=', ':'])?;
        Some(clean(v.trim().trim_end_matches(',')))
    });
    Some((kind, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_yaml_and_redis() {
        let props = "# log.dirs=/nope\nlog.dirs=/var/lib/kafka/data\nnum.partitions=3\n";
        assert_eq!(
            setting(props, "log.dirs").as_deref(),
            Some("/var/lib/kafka/data")
        );
        assert_eq!(setting(props, "log.dir"), None);
        let zoo = "tickTime=2000\ndataDir = /var/lib/zookeeper\n";
        assert_eq!(
            setting(zoo, "dataDir").as_deref(),
            Some("/var/lib/zookeeper")
        );
        let yaml = "storage:\n  dbPath: \"/data/mongo\"\ndata_file_directories:\n  - /var/lib/cassandra/data\n";
        assert_eq!(setting(yaml, "dbPath").as_deref(), Some("/data/mongo"));
        assert_eq!(
            setting(yaml, "data_file_directories").as_deref(),
            Some("/var/lib/cassandra/data")
        );
        let redis = "dir /data\nsave \"\"\nappendonly no # cache\n";
        assert_eq!(setting(redis, "dir").as_deref(), Some("/data"));
        assert_eq!(all_settings(redis, "save"), [""]);
        assert_eq!(setting(redis, "appendonly").as_deref(), Some("no"));
        assert_eq!(setting("dirx /a\n", "dir"), None);
    }

    #[test]
    fn vault_blocks() {
        let hcl = "ui = true\nstorage \"raft\" {\n  path = \"/vault/data\"\n}\n";
        assert_eq!(
            vault_storage(hcl),
            Some(("raft".to_owned(), Some("/vault/data".to_owned())))
        );
        let consul = "storage \"consul\" {\n  address = \"consul:8500\"\n}\n";
        assert_eq!(vault_storage(consul), Some(("consul".to_owned(), None)));
        assert_eq!(vault_storage("listener {}"), None);
    }
}
