//! What runs in a StatefulSet's containers, read from the manifests: which
//! system each container is, which directories hold its durable data and
//! which setting put them there, whether it votes in a majority quorum,
//! and whether anything addresses the pods by their per-pod DNS names.
//!
//! Evidence, strongest first: explicit settings (env, command-line flags,
//! config files in ConfigMaps the pods mount or read env from), the
//! command, server-only env families, then the image name and its
//! documented defaults. Rules read this module; it reads the StatefulSet
//! and the index, never spans.

pub mod files;

use std::borrow::Cow;

use k8s_openapi::api::core::v1::Container;

use crate::finding::ObjId;
use crate::index::Index;
use crate::model::path::{FieldPath, container};
use crate::rules::{Sts, image_parts};

/// Where a value was written, so a diagnostic can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A field of the StatefulSet (an env value, a command or args entry).
    Field(FieldPath),
    /// A key of a ConfigMap the pods mount, or read env from.
    ConfigMap { obj: ObjId, key: String },
}

impl Origin {
    /// The object and field path to label.
    pub fn place(&self, sts: ObjId) -> (ObjId, FieldPath) {
        match self {
            Origin::Field(p) => (sts, p.clone()),
            Origin::ConfigMap { obj, key } => (*obj, FieldPath::from_keys(&["data", key])),
        }
    }
}

/// A setting found in the manifests.
#[derive(Debug, Clone)]
pub struct Setting {
    /// As a user would name it: `env PGDATA`, `log.dirs in server.properties`.
    pub name: String,
    pub value: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    Postgres,
    Patroni,
    MySql,
    MariaDb,
    MongoDb,
    Cassandra,
    Kafka,
    ZooKeeper,
    Etcd,
    Elasticsearch,
    RabbitMq,
    Redis,
    Vault,
    Consul,
    CockroachDb,
    Nats,
    /// An image listed in the `images` option of data-on-emptydir.
    Configured,
}

impl System {
    pub fn name(self) -> &'static str {
        match self {
            System::Postgres => "PostgreSQL",
            System::Patroni => "Patroni",
            System::MySql => "MySQL",
            System::MariaDb => "MariaDB",
            System::MongoDb => "MongoDB",
            System::Cassandra => "Cassandra",
            System::Kafka => "Kafka",
            System::ZooKeeper => "ZooKeeper",
            System::Etcd => "etcd",
            System::Elasticsearch => "Elasticsearch",
            System::RabbitMq => "RabbitMQ",
            System::Redis => "Redis",
            System::Vault => "Vault",
            System::Consul => "Consul",
            System::CockroachDb => "CockroachDB",
            System::Nats => "NATS",
            System::Configured => "a configured data image",
        }
    }
}

/// Who fails when a data directory is exactly a volume's mount root (its
/// `lost+found` makes the directory non-empty).
#[derive(Debug, Clone, Copy)]
pub struct Trap {
    /// What goes wrong, e.g. `initdb refuses to initialise it`.
    pub who: &'static str,
    /// True when every version fails; false when only some do.
    pub always: bool,
}

/// A directory that holds durable data.
#[derive(Debug, Clone)]
pub struct DataDir {
    pub path: String,
    /// `data`, `commit log`, `hints`, ...
    pub role: &'static str,
    /// The setting that put the data there; `None` for the image's
    /// documented default.
    pub set_by: Option<Setting>,
    pub trap: Option<Trap>,
    /// The default is assumed: the image is not one whose defaults are
    /// documented, but it reads the official image's env variables.
    pub assumed: bool,
}

/// How members of a system agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quorum {
    /// Every member votes; a majority, floor(n/2)+1, must be up.
    Majority,
    /// A majority of replicas (or of master-eligible members) must be up,
    /// but the system itself copes with an even count.
    MajorityOfReplicas,
    /// ZooKeeper with hierarchical weights: (server id, weight, group).
    Weighted(Vec<(u32, u64, Option<u32>)>),
    /// Redis Cluster: shards with their own replicas, no pod majority; one
    /// pod at a time is the safe budget.
    Sharded,
    /// Not a quorum (primary/replica, active/standby, standalone): why.
    None(&'static str),
}

/// One container the model recognises.
#[derive(Debug, Clone)]
pub struct Profile {
    pub system: System,
    /// Path of the container in the StatefulSet.
    pub container: FieldPath,
    /// What it was recognised by: "image `postgres:16`", "env PGDATA".
    pub evidence: String,
    pub dirs: Vec<DataDir>,
    /// No data path is known: any volume mount counts as the data.
    pub any_mount: bool,
    /// Persistence is turned off (a cache): why.
    pub cache: Option<String>,
    pub quorum: Quorum,
}

/// What users add to the model in `.stslint.yaml` (options of
/// data-on-emptydir): image names that keep data somewhere unknown (any
/// mount counts), and `IMAGE=PATH` data directories of their own images.
#[derive(Debug, Default)]
pub struct Extra {
    pub images: Vec<String>,
    pub dirs: Vec<String>,
}

/// The main containers of a StatefulSet the model recognises.
pub fn profiles(s: &Sts<'_>, extra: &Extra) -> Vec<Profile> {
    let pod = s.pod();
    s.containers()
        .iter()
        .filter(|(p, _)| !is_init(p))
        .filter_map(|(cpath, c)| {
            let view = View::new(pod, cpath, c);
            configured(&view, extra).or_else(|| recognise(&view, &extra.images))
        })
        .collect()
}

/// A container whose image has `IMAGE=PATH` entries in the `data-dirs`
/// option: those are its data directories.
fn configured(v: &View<'_>, extra: &Extra) -> Option<Profile> {
    let last = repo(v.image()).rsplit('/').next().unwrap_or("");
    let dirs: Vec<DataDir> = extra
        .dirs
        .iter()
        .filter_map(|e| e.split_once('='))
        .filter(|(image, _)| *image == last)
        .map(|(_, path)| dir(path.to_owned(), "data", None, None))
        .collect();
    if dirs.is_empty() {
        return None;
    }
    let evidence = format!("image `{}` (option `data-dirs`)", v.image());
    Some(profile(
        v,
        System::Configured,
        evidence,
        dirs,
        Quorum::None("not known"),
    ))
}

fn is_init(p: &FieldPath) -> bool {
    p.segs()
        .iter()
        .any(|seg| matches!(seg, crate::source::locate::Seg::Key(k) if k == "initContainers"))
}

/// What the pod reads besides its containers: the config files of the
/// ConfigMaps its volumes mount (`configMap` and `projected` sources).
pub struct Pod<'a> {
    /// (ConfigMap, key, text).
    pub files: Vec<(ObjId, &'a str, &'a str)>,
    index: &'a Index,
    ns: &'a str,
}

impl<'a> Pod<'a> {
    pub fn new(s: &Sts<'a>, index: &'a Index) -> Pod<'a> {
        let mut names: Vec<&str> = Vec::new();
        for v in crate::rules::pod_volumes(s.sts) {
            if let Some(cm) = &v.config_map {
                names.push(cm.name.as_str());
            }
            for src in v
                .projected
                .as_ref()
                .and_then(|p| p.sources.as_deref())
                .unwrap_or(&[])
            {
                if let Some(cm) = &src.config_map {
                    names.push(cm.name.as_str());
                }
            }
        }
        let ns = s.obj.namespace.as_str();
        let mut files = Vec::new();
        for name in names {
            if let Some((id, data)) = index.config_map(ns, name) {
                files.extend(data.iter().map(|(k, v)| (id, k, v)));
            }
        }
        Pod { files, index, ns }
    }

    /// The first setting `key` in a mounted file whose name ends with one
    /// of `file_names` (any file when empty).
    fn file_setting(&self, file_names: &[&str], key: &str) -> Option<Setting> {
        self.files
            .iter()
            .filter(|(_, name, _)| {
                file_names.is_empty() || file_names.iter().any(|f| name.ends_with(f))
            })
            .find_map(|(id, name, text)| {
                files::setting(text, key).map(|value| Setting {
                    name: format!("`{key}` in {name}"),
                    value,
                    origin: Origin::ConfigMap {
                        obj: *id,
                        key: (*name).to_owned(),
                    },
                })
            })
    }
}

/// The pod's name, as `$(VAR)` expansion of a `metadata.name` field
/// reference leaves it in an expanded value.
pub const POD_NAME: &str = "<pod>";

/// One env variable of a container, with `$(VAR)` references to earlier
/// variables expanded as the kubelet does. Borrowed where nothing was
/// expanded; its origin is made into a path only when a setting is used.
#[derive(Debug, Clone)]
struct EnvVar<'a> {
    name: Cow<'a, str>,
    value: Option<Cow<'a, str>>,
    at: EnvAt<'a>,
}

/// Where an env variable was written.
#[derive(Debug, Clone, Copy)]
enum EnvAt<'a> {
    /// `env[j].value`.
    Value(usize),
    /// `env[j].valueFrom.fieldRef.fieldPath`.
    FieldRef(usize),
    /// `env[j]` (a value the model cannot read).
    Entry(usize),
    /// Key `key` of ConfigMap `obj`.
    ConfigMap { obj: ObjId, key: &'a str },
}

impl EnvAt<'_> {
    fn origin(self, cpath: &FieldPath) -> Origin {
        match self {
            EnvAt::Value(j) => Origin::Field(container::env_value(cpath, j)),
            EnvAt::FieldRef(j) => Origin::Field(container::env_field_path(cpath, j)),
            EnvAt::Entry(j) => Origin::Field(container::env(cpath, j)),
            EnvAt::ConfigMap { obj, key } => Origin::ConfigMap {
                obj,
                key: key.to_owned(),
            },
        }
    }
}

/// One container, as the model reads it.
pub struct View<'a> {
    pub path: &'a FieldPath,
    pub container: &'a Container,
    env: Vec<EnvVar<'a>>,
    /// Whitespace-separated words of command and args (scripts included),
    /// with the entry they come from.
    words: Vec<(Cow<'a, str>, crate::rules::Entry<'a>)>,
    pod: &'a Pod<'a>,
}

impl<'a> View<'a> {
    pub fn new(pod: &'a Pod<'a>, cpath: &'a FieldPath, c: &'a Container) -> View<'a> {
        let mut env: Vec<EnvVar> = Vec::new();
        // envFrom comes first: entries of `env` override it.
        for from in c.env_from.iter().flatten() {
            let Some(cm) = &from.config_map_ref else {
                continue;
            };
            let prefix = from.prefix.as_deref().unwrap_or("");
            if let Some((id, data)) = pod.index.config_map(pod.ns, &cm.name) {
                for (k, v) in data.iter() {
                    env.push(EnvVar {
                        name: if prefix.is_empty() {
                            Cow::Borrowed(k)
                        } else {
                            Cow::Owned(format!("{prefix}{k}"))
                        },
                        value: Some(Cow::Borrowed(v)),
                        at: EnvAt::ConfigMap { obj: id, key: k },
                    });
                }
            }
        }
        for (j, e) in c.env.iter().flatten().enumerate() {
            let from = e.value_from.as_ref();
            let (value, at) = if let Some(v) = &e.value {
                (Some(expand(v, &env)), EnvAt::Value(j))
            } else if from
                .and_then(|f| f.field_ref.as_ref())
                .is_some_and(|f| f.field_path == "metadata.name")
            {
                (Some(Cow::Borrowed(POD_NAME)), EnvAt::FieldRef(j))
            } else if let Some(r) = from.and_then(|f| f.config_map_key_ref.as_ref()) {
                match pod.index.config_map(pod.ns, &r.name) {
                    Some((id, data)) => {
                        use crate::model::labels::LabelSet;
                        (
                            data.label(&r.key).map(Cow::Borrowed),
                            EnvAt::ConfigMap {
                                obj: id,
                                key: r.key.as_str(),
                            },
                        )
                    }
                    None => (None, EnvAt::Entry(j)),
                }
            } else {
                (None, EnvAt::Entry(j))
            };
            env.push(EnvVar {
                name: Cow::Borrowed(e.name.as_str()),
                value,
                at,
            });
        }
        let mut words = Vec::new();
        for (at, _, text) in crate::rules::command_and_args(cpath, c) {
            if text.is_empty() {
                words.push((Cow::Borrowed(""), at));
                continue;
            }
            for w in text.split_whitespace() {
                let w = w.trim_matches(['"', '\'']);
                words.push((expand(w, &env), at));
            }
        }
        View {
            path: cpath,
            container: c,
            env,
            words,
            pod,
        }
    }

    /// Env variables the container reads from ConfigMaps (envFrom and
    /// configMapKeyRef): name, value and the ConfigMap key.
    pub fn config_map_env(&self) -> impl Iterator<Item = (&str, &str, ObjId, &str)> {
        self.env.iter().filter_map(|e| match (e.at, &e.value) {
            (EnvAt::ConfigMap { obj, key }, Some(v)) => Some((&*e.name, &**v, obj, key)),
            _ => None,
        })
    }

    /// A Kafka broker setting (`min.insync.replicas`): from env
    /// (`KAFKA_MIN_INSYNC_REPLICAS`, bitnami's `KAFKA_CFG_...`), a
    /// `--override`, or a mounted server.properties.
    pub fn kafka_setting(&self, key: &str) -> Option<Setting> {
        let env = key.to_ascii_uppercase().replace(['.', '-'], "_");
        self.env_setting(&[&format!("KAFKA_{env}"), &format!("KAFKA_CFG_{env}")])
            .or_else(|| self.override_setting(key))
            .or_else(|| self.pod.file_setting(&[".properties"], key))
    }

    pub fn image(&self) -> &'a str {
        self.container.image.as_deref().unwrap_or("")
    }

    /// The env variable `name` as the container sees it (the last entry).
    fn env_setting(&self, names: &[&str]) -> Option<Setting> {
        names.iter().find_map(|n| {
            self.env.iter().rev().find(|e| e.name == *n).and_then(|e| {
                Some(Setting {
                    name: format!("env {}", e.name),
                    value: e.value.as_deref()?.to_owned(),
                    origin: e.at.origin(self.path),
                })
            })
        })
    }

    fn has_env(&self, pred: impl Fn(&str) -> bool) -> Option<&str> {
        self.env.iter().map(|e| &*e.name).find(|n| pred(n))
    }

    /// A command-line flag `--name=value` or `--name value`.
    fn flag(&self, names: &[&str]) -> Option<Setting> {
        for (i, (w, at)) in self.words.iter().enumerate() {
            for n in names {
                let value = if let Some(v) = w.strip_prefix(n).and_then(|r| r.strip_prefix('=')) {
                    Some(v.to_owned())
                } else if w == n {
                    self.words.get(i + 1).map(|(v, _)| v.to_string())
                } else {
                    None
                };
                if let Some(value) = value {
                    return Some(Setting {
                        name: format!("`{n}`"),
                        value,
                        origin: Origin::Field(at.path()),
                    });
                }
            }
        }
        None
    }

    /// A `--override key=value` (Kafka's start script) setting.
    fn override_setting(&self, key: &str) -> Option<Setting> {
        let want = format!("{key}=");
        self.words.iter().enumerate().find_map(|(i, (w, at))| {
            let v = if w == "--override" {
                self.words.get(i + 1)?.0.strip_prefix(&want)?.to_owned()
            } else {
                w.strip_prefix("--override=")?
                    .strip_prefix(&want)?
                    .to_owned()
            };
            Some(Setting {
                name: format!("`--override {key}`"),
                value: v,
                origin: Origin::Field(at.path()),
            })
        })
    }

    fn has_word(&self, pred: impl Fn(&str) -> bool) -> Option<&str> {
        self.words.iter().map(|(w, _)| &**w).find(|w| pred(w))
    }

    /// The program the container runs, by its command words.
    fn runs(&self, program: &str) -> bool {
        self.words.iter().any(|(w, _)| {
            w.strip_suffix(program)
                .is_some_and(|head| head.is_empty() || head.ends_with('/'))
        })
    }
}

/// `$(VAR)` expanded with the variables defined before (unknown ones and
/// `$$(VAR)` escapes stay as written).
fn expand<'a>(v: &'a str, env: &[EnvVar<'_>]) -> Cow<'a, str> {
    if !v.contains("$(") {
        return Cow::Borrowed(v);
    }
    let mut out = String::with_capacity(v.len());
    let mut rest = v;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(t) = tail.strip_prefix("$$") {
            out.push('$');
            rest = t;
            continue;
        }
        if let Some(t) = tail.strip_prefix("$(")
            && let Some(end) = t.find(')')
        {
            let name = &t[..end];
            if let Some(val) = env
                .iter()
                .rev()
                .find(|e| e.name == name)
                .and_then(|e| e.value.as_deref())
            {
                out.push_str(val);
                rest = &t[end + 1..];
                continue;
            }
        }
        out.push('$');
        rest = &tail[1..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The image's repository path, without registry host and tag.
fn repo(image: &str) -> &str {
    image_parts(image).0
}

fn image_is(image: &str, names: &[&str]) -> bool {
    let r = repo(image);
    let last = r.rsplit('/').next().unwrap_or(r);
    names.contains(&last)
}

/// Major version from the image tag (`16`, `17.2-alpine`, `18beta1`).
pub fn major(image: &str) -> Option<u32> {
    let (_, tag) = image_parts(image);
    let digits: String = tag?.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn dir(path: String, role: &'static str, set_by: Option<Setting>, trap: Option<Trap>) -> DataDir {
    DataDir {
        path,
        role,
        set_by,
        trap,
        assumed: false,
    }
}

fn dir_from(s: Setting, role: &'static str, trap: Option<Trap>) -> DataDir {
    dir(s.value.clone(), role, Some(s), trap)
}

const INITDB: Trap = Trap {
    who: "initdb refuses to initialise it",
    always: true,
};

/// The images whose documented defaults the model knows, per system
/// (repository paths without registry host; `None`: the default is the
/// program's own, whatever the image).
fn documented_images(system: System) -> Option<&'static [&'static str]> {
    Some(match system {
        System::Postgres => &[
            "postgres",
            "bitnami/postgresql",
            "bitnami/postgresql-repmgr",
        ],
        System::MySql => &[
            "mysql",
            "mysql/mysql-server",
            "container-registry.oracle.com/mysql/community-server",
            "percona",
            "percona/percona-server",
            "bitnami/mysql",
        ],
        System::MariaDb => &["mariadb", "bitnami/mariadb", "bitnami/mariadb-galera"],
        System::MongoDb => &[
            "mongo",
            "bitnami/mongodb",
            "mongodb/mongodb-community-server",
        ],
        System::Cassandra => &["cassandra", "bitnami/cassandra"],
        System::Elasticsearch => &[
            "elasticsearch",
            "docker.elastic.co/elasticsearch/elasticsearch",
            "docker.elastic.co/elasticsearch/elasticsearch-oss",
            "opensearchproject/opensearch",
            "bitnami/elasticsearch",
        ],
        System::RabbitMq => &["rabbitmq", "bitnami/rabbitmq"],
        System::Redis => &[
            "redis",
            "bitnami/redis",
            "valkey/valkey",
            "redis/redis-stack-server",
        ],
        System::Consul => &["consul", "hashicorp/consul"],
        System::CockroachDb => &["cockroachdb/cockroach", "gcr.io/cockroachdb/cockroach"],
        _ => return None,
    })
}

/// The image's repository as published: Docker Hub's hosts (and the
/// public ECR mirror of its official images) dropped, `library/` dropped,
/// other registry hosts kept (`k8s.gcr.io/elasticsearch` is not Docker
/// Hub's `elasticsearch`).
fn published_as(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    let name = match no_digest[last_slash..].find(':') {
        Some(c) => &no_digest[..last_slash + c],
        None => no_digest,
    };
    let mut r = name;
    for hub in [
        "docker.io/",
        "index.docker.io/",
        "registry-1.docker.io/",
        "public.ecr.aws/docker/",
        "mirror.gcr.io/",
    ] {
        if let Some(rest) = r.strip_prefix(hub) {
            r = rest;
        }
    }
    r.strip_prefix("library/").unwrap_or(r).to_owned()
}

/// The official entrypoint's env variables, which an image built on the
/// official one still reads (so it keeps the official data directory).
fn official_env(system: System) -> &'static [&'static str] {
    match system {
        System::Postgres => &[
            "POSTGRES_PASSWORD",
            "POSTGRES_USER",
            "POSTGRES_DB",
            "POSTGRES_INITDB_ARGS",
            "POSTGRES_HOST_AUTH_METHOD",
        ],
        System::MySql => &[
            "MYSQL_ROOT_PASSWORD",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "MYSQL_RANDOM_ROOT_PASSWORD",
            "MYSQL_DATABASE",
        ],
        System::MariaDb => &[
            "MARIADB_ROOT_PASSWORD",
            "MARIADB_DATABASE",
            "MARIADB_USER",
            "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
        ],
        _ => &[],
    }
}

/// Recognise one container; an image's documented defaults are kept only
/// for the images that document them (or images that read the official
/// entrypoint's variables, as assumed defaults).
fn recognise(v: &View<'_>, extra_images: &[String]) -> Option<Profile> {
    let mut p = recognise_by_evidence(v, extra_images)?;
    if let Some(images) = documented_images(p.system)
        && !images.contains(&published_as(v.image()).as_str())
    {
        let derived = v.has_env(|n| official_env(p.system).contains(&n)).is_some();
        p.dirs.retain(|d| d.set_by.is_some() || derived);
        for d in &mut p.dirs {
            d.assumed = d.set_by.is_none();
        }
        p.any_mount = p.dirs.is_empty();
    }
    Some(p)
}

/// Recognise one container, strongest evidence first.
fn recognise_by_evidence(v: &View<'_>, extra_images: &[String]) -> Option<Profile> {
    let image = v.image();
    let env_family = |prefixes: &[&str], server_only: &[&str]| {
        v.has_env(|n| server_only.contains(&n) && prefixes.iter().any(|p| n.starts_with(p)))
            .map(|n| format!("env {n}"))
    };
    let by_image = |names: &[&str]| image_is(image, names).then(|| format!("image `{image}`"));

    // PostgreSQL and Patroni / Spilo.
    let patroni = v
        .env_setting(&["PATRONI_POSTGRESQL_DATA_DIR"])
        .map(|s| s.name.clone())
        .or_else(|| v.runs("patroni").then(|| "command `patroni`".to_owned()))
        .or_else(|| {
            v.has_env(|n| n.starts_with("PATRONI_"))
                .map(|n| format!("env {n}"))
        })
        .or_else(|| by_image(&["spilo", "spilo-14", "spilo-15", "spilo-16", "spilo-17"]));
    if let Some(evidence) = patroni {
        let data = v
            .env_setting(&["PATRONI_POSTGRESQL_DATA_DIR"])
            .or_else(|| v.pod.file_setting(&[".yml", ".yaml"], "data_dir"))
            .map(|s| dir_from(s, "data", Some(INITDB)))
            .or_else(|| {
                let spilo = image_is(
                    image,
                    &["spilo", "spilo-14", "spilo-15", "spilo-16", "spilo-17"],
                ) || v
                    .has_env(|n| n == "PGROOT" || n == "SPILO_CONFIGURATION")
                    .is_some();
                if !spilo {
                    return None;
                }
                Some(match v.env_setting(&["PGROOT"]) {
                    Some(s) => {
                        let path = format!("{}/data", s.value.trim_end_matches('/'));
                        dir(path, "data", Some(s), Some(INITDB))
                    }
                    None => dir(
                        "/home/postgres/pgdata/pgroot/data".to_owned(),
                        "data",
                        None,
                        Some(INITDB),
                    ),
                })
            });
        return Some(profile(
            v,
            System::Patroni,
            evidence,
            data.into_iter().collect(),
            Quorum::None("Patroni elects its leader through its DCS, not by a majority of pods"),
        ));
    }
    let postgres = v
        .env_setting(&["PGDATA"])
        .map(|s| s.name.clone())
        .or_else(|| by_image(&["postgres", "postgresql"]))
        .or_else(|| {
            (v.runs("postgres")
                || v.runs("docker-entrypoint.sh") && v.has_word(|w| w == "postgres").is_some())
            .then(|| "command `postgres`".to_owned())
        })
        .or_else(|| {
            let client = v
                .has_env(|n| n.ends_with("_HOST") || n.ends_with("_SERVER"))
                .is_some();
            (!client)
                .then(|| {
                    env_family(
                        &["POSTGRES_"],
                        &[
                            "POSTGRES_PASSWORD",
                            "POSTGRES_USER",
                            "POSTGRES_DB",
                            "POSTGRES_INITDB_ARGS",
                            "POSTGRES_HOST_AUTH_METHOD",
                        ],
                    )
                })
                .flatten()
        });
    if let Some(evidence) = postgres {
        let bitnami = repo(image).contains("bitnami/") || image_is(image, &["postgresql"]);
        let data = v
            .env_setting(&["PGDATA", "POSTGRESQL_DATA_DIR"])
            .or_else(|| v.flag(&["-D"]))
            .map(|s| dir_from(s, "data", Some(INITDB)))
            .unwrap_or_else(|| {
                let path = if bitnami {
                    "/bitnami/postgresql/data".to_owned()
                } else {
                    match major(image) {
                        Some(m) if m >= 18 => format!("/var/lib/postgresql/{m}/docker"),
                        _ => "/var/lib/postgresql/data".to_owned(),
                    }
                };
                dir(path, "data", None, Some(INITDB))
            });
        return Some(profile(
            v,
            System::Postgres,
            evidence,
            vec![data],
            Quorum::None("PostgreSQL replicas follow a primary; there is no vote"),
        ));
    }

    // MySQL, MariaDB (Galera counts as a quorum).
    let mariadb = by_image(&["mariadb"]).or_else(|| {
        env_family(
            &["MARIADB_"],
            &[
                "MARIADB_ROOT_PASSWORD",
                "MARIADB_DATABASE",
                "MARIADB_USER",
                "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
            ],
        )
    });
    let mysql = by_image(&["mysql", "percona-server", "percona", "mysql-server"])
        .or_else(|| v.runs("mysqld").then(|| "command `mysqld`".to_owned()))
        .or_else(|| {
            env_family(
                &["MYSQL_"],
                &[
                    "MYSQL_ROOT_PASSWORD",
                    "MYSQL_ALLOW_EMPTY_PASSWORD",
                    "MYSQL_RANDOM_ROOT_PASSWORD",
                    "MYSQL_DATABASE",
                ],
            )
        });
    if let Some((system, evidence)) = mariadb
        .map(|e| (System::MariaDb, e))
        .or_else(|| mysql.map(|e| (System::MySql, e)))
    {
        let trap = (system == System::MySql).then_some(Trap {
            who: "`mysqld --initialize` aborts",
            always: true,
        });
        let data = v
            .flag(&["--datadir"])
            .or_else(|| v.pod.file_setting(&[".cnf"], "datadir"))
            .map(|s| dir_from(s, "data", trap))
            .unwrap_or_else(|| {
                let path = if repo(image).contains("bitnami/") {
                    format!(
                        "/bitnami/{}/data",
                        if system == System::MySql {
                            "mysql"
                        } else {
                            "mariadb"
                        }
                    )
                } else {
                    "/var/lib/mysql".to_owned()
                };
                dir(path, "data", None, trap)
            });
        let galera = v.has_word(|w| w.starts_with("--wsrep")).is_some()
            || v.pod
                .file_setting(&[".cnf"], "wsrep_cluster_address")
                .is_some()
            || image_is(image, &["mariadb-galera", "percona-xtradb-cluster"]);
        let quorum = if galera {
            Quorum::Majority
        } else {
            Quorum::None("MySQL replicas follow a source; there is no vote")
        };
        return Some(profile(v, system, evidence, vec![data], quorum));
    }

    // MongoDB.
    if let Some(evidence) = by_image(&["mongo", "mongodb"])
        .or_else(|| v.runs("mongod").then(|| "command `mongod`".to_owned()))
    {
        let data = v
            .flag(&["--dbpath"])
            .or_else(|| {
                v.pod
                    .file_setting(&["mongod.conf", ".yaml", ".yml"], "dbPath")
            })
            .map(|s| dir_from(s, "data", None))
            .unwrap_or_else(|| {
                let path = if repo(image).contains("bitnami/") {
                    "/bitnami/mongodb/data/db"
                } else {
                    "/data/db"
                };
                dir(path.to_owned(), "data", None, None)
            });
        let replica_set = v.flag(&["--replSet"]).is_some()
            || v.pod.file_setting(&[], "replSetName").is_some()
            || v.has_env(|n| n == "MONGODB_REPLICA_SET_NAME" || n == "MONGODB_REPLICA_SET_MODE")
                .is_some();
        let quorum = if replica_set {
            Quorum::Majority
        } else {
            Quorum::None("a standalone mongod does not vote")
        };
        return Some(profile(v, System::MongoDb, evidence, vec![data], quorum));
    }

    // Cassandra: data, commit log, hints and saved caches.
    if let Some(evidence) = by_image(&["cassandra"]).or_else(|| {
        env_family(
            &["CASSANDRA_"],
            &["CASSANDRA_SEEDS", "CASSANDRA_CLUSTER_NAME"],
        )
    }) {
        let base = if repo(image).contains("bitnami/") {
            "/bitnami/cassandra/data"
        } else {
            "/var/lib/cassandra"
        };
        let mut dirs = Vec::new();
        for (key, role, default) in [
            ("data_file_directories", "data", "data"),
            ("commitlog_directory", "commit log", "commitlog"),
            ("hints_directory", "hints", "hints"),
            ("saved_caches_directory", "saved caches", "saved_caches"),
        ] {
            dirs.push(match v.pod.file_setting(&["cassandra.yaml"], key) {
                Some(s) => dir_from(s, role, None),
                None => dir(format!("{base}/{default}"), role, None, None),
            });
        }
        return Some(profile(
            v,
            System::Cassandra,
            evidence,
            dirs,
            Quorum::MajorityOfReplicas,
        ));
    }

    // Kafka (KRaft controllers vote; brokers replicate).
    let kafka = v
        .env_setting(&["KAFKA_LOG_DIRS", "KAFKA_CFG_LOG_DIRS"])
        .map(|s| s.name.clone())
        .or_else(|| by_image(&["kafka", "cp-kafka", "kafka-native", "cp-server"]))
        .or_else(|| {
            v.runs("kafka-server-start.sh")
                .then(|| "command `kafka-server-start.sh`".to_owned())
        })
        .or_else(|| {
            v.has_env(|n| {
                matches!(
                    n.strip_prefix("KAFKA_CFG_")
                        .or_else(|| n.strip_prefix("KAFKA_")),
                    Some(
                        "BROKER_ID"
                            | "NODE_ID"
                            | "PROCESS_ROLES"
                            | "ADVERTISED_LISTENERS"
                            | "ZOOKEEPER_CONNECT"
                            | "CONTROLLER_QUORUM_VOTERS"
                    )
                )
            })
            .map(|n| format!("env {n}"))
        });
    // Kafka images also ship ZooKeeper's start script.
    let kafka = kafka.filter(|_| !v.runs("zookeeper-server-start.sh"));
    if let Some(evidence) = kafka {
        // Kafka 3 (Confluent Platform 7) and later are not known to stop
        // at lost+found; older or unknown versions may.
        let r = repo(image);
        let kafka_major = major(image).map(|m| {
            if r.starts_with("confluentinc/") {
                m.saturating_sub(4)
            } else {
                m
            }
        });
        let trap = (kafka_major.is_none_or(|m| m < 3)).then_some(Trap {
            who: "Kafka brokers of 2.x and earlier stop at start-up (`lost+found` is not a topic-partition directory)",
            always: false,
        });
        let set = v
            .env_setting(&[
                "KAFKA_LOG_DIRS",
                "KAFKA_CFG_LOG_DIRS",
                "KAFKA_LOG_DIR",
                "KAFKA_CFG_LOG_DIR",
            ])
            .or_else(|| v.override_setting("log.dirs"))
            .or_else(|| v.override_setting("log.dir"))
            .or_else(|| v.pod.file_setting(&[".properties"], "log.dirs"))
            .or_else(|| v.pod.file_setting(&[".properties"], "log.dir"));
        let r = repo(image);
        let dirs: Vec<DataDir> = match set {
            Some(s) => s
                .value
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| dir(p.to_owned(), "log", Some(s.clone()), trap))
                .collect(),
            None if r == "apache/kafka" || r == "apache/kafka-native" => vec![dir(
                "/tmp/kraft-combined-logs".to_owned(),
                "log",
                None,
                trap,
            )],
            None if r.starts_with("confluentinc/") => {
                vec![dir("/var/lib/kafka/data".to_owned(), "log", None, trap)]
            }
            None if r.starts_with("bitnami/") => {
                vec![dir("/bitnami/kafka/data".to_owned(), "log", None, trap)]
            }
            None => Vec::new(),
        };
        let controller = v
            .env_setting(&["KAFKA_PROCESS_ROLES", "KAFKA_CFG_PROCESS_ROLES"])
            .or_else(|| v.pod.file_setting(&[".properties"], "process.roles"))
            .or_else(|| v.override_setting("process.roles"))
            .is_some_and(|s| s.value.contains("controller"));
        let quorum = if controller {
            Quorum::Majority
        } else {
            Quorum::None("Kafka brokers replicate partitions; they do not vote")
        };
        return Some(profile(v, System::Kafka, evidence, dirs, quorum).any_mount_if_unknown());
    }

    // ZooKeeper (also `bin/pulsar zookeeper`).
    let pulsar_zk = v.has_word(|w| w.ends_with("pulsar")).is_some()
        && v.has_word(|w| w == "zookeeper").is_some();
    let zk = v
        .env_setting(&["ZOO_DATA_DIR"])
        .map(|s| s.name.clone())
        .or_else(|| pulsar_zk.then(|| "command `bin/pulsar zookeeper`".to_owned()))
        .or_else(|| by_image(&["zookeeper", "cp-zookeeper"]))
        .or_else(|| {
            v.runs("zkServer.sh")
                .then(|| "command `zkServer.sh`".to_owned())
        })
        .or_else(|| {
            v.has_env(|n| n == "ZOO_MY_ID" || n == "ZOO_SERVERS")
                .map(|n| format!("env {n}"))
        });
    if let Some(evidence) = zk {
        let r = repo(image);
        let data = v
            .env_setting(&["ZOO_DATA_DIR", "ZK_DATA_DIR"])
            .or_else(|| {
                v.pod
                    .file_setting(&["zoo.cfg", ".cfg", "zookeeper.properties"], "dataDir")
            })
            .map(|s| dir_from(s, "data", None))
            .or_else(|| {
                let path = if pulsar_zk {
                    "/pulsar/data/zookeeper"
                } else if r.starts_with("confluentinc/") {
                    "/var/lib/zookeeper/data"
                } else if r.starts_with("bitnami/") {
                    "/bitnami/zookeeper/data"
                } else if r == "zookeeper" || r == "library/zookeeper" {
                    "/data"
                } else {
                    return None;
                };
                Some(dir(path.to_owned(), "data", None, None))
            });
        let log = v
            .env_setting(&["ZOO_DATA_LOG_DIR", "ZK_DATA_LOG_DIR"])
            .or_else(|| {
                v.pod
                    .file_setting(&["zoo.cfg", ".cfg", "zookeeper.properties"], "dataLogDir")
            })
            .map(|s| dir_from(s, "transaction log", None))
            .or_else(|| {
                // A zoo.cfg of the user's own without dataLogDir keeps the
                // log in dataDir; the image's default applies to its own.
                if v.pod
                    .file_setting(&["zoo.cfg", ".cfg"], "dataDir")
                    .is_some()
                {
                    return None;
                }
                let path = match r {
                    "zookeeper" | "library/zookeeper" => "/datalog",
                    _ if r.starts_with("confluentinc/") => "/var/lib/zookeeper/log",
                    _ => return None,
                };
                Some(dir(path.to_owned(), "transaction log", None, None))
            });
        let dirs: Vec<DataDir> = data.into_iter().chain(log).collect();
        let quorum = zk_weights(v).map_or(Quorum::Majority, Quorum::Weighted);
        return Some(profile(v, System::ZooKeeper, evidence, dirs, quorum).any_mount_if_unknown());
    }

    // etcd.
    let etcd = v
        .env_setting(&["ETCD_DATA_DIR"])
        .map(|s| s.name.clone())
        .or_else(|| by_image(&["etcd"]))
        .or_else(|| v.runs("etcd").then(|| "command `etcd`".to_owned()))
        .or_else(|| {
            v.has_env(|n| n == "ETCD_INITIAL_CLUSTER" || n == "ETCD_NAME")
                .map(|n| format!("env {n}"))
        });
    if let Some(evidence) = etcd {
        let data = v
            .env_setting(&["ETCD_DATA_DIR"])
            .or_else(|| v.flag(&["--data-dir", "-data-dir"]))
            .map(|s| dir_from(s, "data", None))
            .or_else(|| {
                if repo(image).contains("bitnami/") {
                    return Some(dir("/bitnami/etcd/data".to_owned(), "data", None, None));
                }
                // etcd's default is `<name>.etcd` in the working directory:
                // the container's, else the image's (/var/lib/etcd in the
                // etcd project's images); unknown for other images.
                let name = v
                    .env_setting(&["ETCD_NAME"])
                    .or_else(|| v.flag(&["--name", "-name"]))
                    .map_or_else(|| "default".to_owned(), |s| s.value);
                let project = matches!(
                    published_as(image).as_str(),
                    "quay.io/coreos/etcd" | "gcr.io/etcd-development/etcd"
                );
                let wd = v
                    .container
                    .working_dir
                    .as_deref()
                    .or(project.then_some("/var/lib/etcd"))?
                    .trim_end_matches('/');
                Some(dir(format!("{wd}/{name}.etcd"), "data", None, None))
            });
        return Some(
            profile(
                v,
                System::Etcd,
                evidence,
                data.into_iter().collect(),
                Quorum::Majority,
            )
            .any_mount_if_unknown(),
        );
    }

    // Elasticsearch.
    if let Some(evidence) = by_image(&["elasticsearch", "opensearch"]).or_else(|| {
        v.has_env(|n| n == "discovery.seed_hosts" || n == "cluster.initial_master_nodes")
            .map(|n| format!("env {n}"))
    }) {
        let opensearch = image_is(image, &["opensearch"]);
        let data = v
            .env_setting(&["path.data"])
            .or_else(|| {
                v.pod
                    .file_setting(&["elasticsearch.yml", "opensearch.yml"], "path.data")
            })
            .map(|s| dir_from(s, "data", None))
            .unwrap_or_else(|| {
                let path = if repo(image).contains("bitnami/") {
                    "/bitnami/elasticsearch/data"
                } else if opensearch {
                    "/usr/share/opensearch/data"
                } else {
                    "/usr/share/elasticsearch/data"
                };
                dir(path.to_owned(), "data", None, None)
            });
        let master = v
            .env_setting(&["node.roles"])
            .or_else(|| v.pod.file_setting(&["elasticsearch.yml"], "node.roles"))
            .is_none_or(|s| s.value.contains("master"))
            && v.env_setting(&["node.master"])
                .is_none_or(|s| s.value != "false");
        let quorum = if master {
            Quorum::MajorityOfReplicas
        } else {
            Quorum::None("these Elasticsearch nodes are not master-eligible")
        };
        return Some(profile(
            v,
            System::Elasticsearch,
            evidence,
            vec![data],
            quorum,
        ));
    }

    // RabbitMQ.
    if let Some(evidence) = v
        .env_setting(&["RABBITMQ_MNESIA_BASE"])
        .map(|s| s.name.clone())
        .or_else(|| by_image(&["rabbitmq"]))
        .or_else(|| {
            v.has_env(|n| n == "RABBITMQ_ERLANG_COOKIE" || n == "RABBITMQ_NODENAME")
                .map(|n| format!("env {n}"))
        })
    {
        let data = v
            .env_setting(&["RABBITMQ_MNESIA_BASE", "RABBITMQ_MNESIA_DIR"])
            .map(|s| dir_from(s, "data", None))
            .unwrap_or_else(|| {
                let path = if repo(image).contains("bitnami/") {
                    "/bitnami/rabbitmq/mnesia"
                } else {
                    "/var/lib/rabbitmq/mnesia"
                };
                dir(path.to_owned(), "data", None, None)
            });
        return Some(profile(
            v,
            System::RabbitMq,
            evidence,
            vec![data],
            Quorum::Majority,
        ));
    }

    // Redis: a cache when persistence is off; Redis Cluster is sharded;
    // Sentinels vote.
    if let Some(evidence) = by_image(&["redis", "redis-stack-server", "valkey"]).or_else(|| {
        v.runs("redis-server")
            .then(|| "command `redis-server`".to_owned())
    }) {
        if v.runs("redis-sentinel") || v.has_word(|w| w == "--sentinel").is_some() {
            return Some(profile(
                v,
                System::Redis,
                format!("{evidence} (Sentinel)"),
                Vec::new(),
                Quorum::Majority,
            ));
        }
        let conf = |key: &str| {
            v.flag(&[&format!("--{key}")])
                .or_else(|| v.pod.file_setting(&[".conf"], key))
        };
        let data = conf("dir")
            .map(|s| dir_from(s, "data", None))
            .unwrap_or_else(|| {
                let path = if repo(image).contains("bitnami/") {
                    "/bitnami/redis/data"
                } else {
                    "/data"
                };
                dir(path.to_owned(), "data", None, None)
            });
        let saves_off = conf("save").is_some_and(|s| s.value.trim_matches(['"', '\'']).is_empty());
        let aof = conf("appendonly").is_some_and(|s| s.value.eq_ignore_ascii_case("yes"));
        let cluster = conf("cluster-enabled").is_some_and(|s| s.value.eq_ignore_ascii_case("yes"));
        let mut p = profile(
            v,
            System::Redis,
            evidence,
            vec![data],
            if cluster {
                Quorum::Sharded
            } else {
                Quorum::None("Redis replicas follow a primary")
            },
        );
        if saves_off && !aof {
            let s = conf("save").map_or_else(String::new, |s| s.name);
            p.cache = Some(format!(
                "{s} turns snapshots off and appendonly is not `yes`"
            ));
        }
        return Some(p);
    }

    // Vault: a quorum only with Raft storage.
    if let Some(evidence) = by_image(&["vault"]).or_else(|| {
        (v.runs("vault") && v.has_word(|w| w == "server").is_some())
            .then(|| "command `vault server`".to_owned())
    }) {
        let local = v.env_setting(&["VAULT_LOCAL_CONFIG"]);
        let storage = local
            .iter()
            .map(|s| (s.value.as_str(), s.origin.clone()))
            .chain(v.pod.files.iter().map(|(id, k, t)| {
                (
                    *t,
                    Origin::ConfigMap {
                        obj: *id,
                        key: (*k).to_owned(),
                    },
                )
            }))
            .find_map(|(text, origin)| files::vault_storage(text).map(|st| (st, origin)));
        let (quorum, dirs) = match storage {
            Some(((kind, path), origin)) if kind == "raft" || kind == "file" => {
                let dirs = path
                    .map(|p| {
                        vec![dir(
                            p.clone(),
                            "data",
                            Some(Setting {
                                name: format!("`storage \"{kind}\"` path"),
                                value: p,
                                origin,
                            }),
                            None,
                        )]
                    })
                    .unwrap_or_default();
                let q = if kind == "raft" {
                    Quorum::Majority
                } else {
                    Quorum::None("Vault with file storage runs one active node")
                };
                (q, dirs)
            }
            Some(_) => (
                Quorum::None(
                    "Vault on this storage backend runs active/standby; the backend keeps the data",
                ),
                Vec::new(),
            ),
            None => (
                Quorum::None("Vault's storage backend is not in the manifests"),
                Vec::new(),
            ),
        };
        return Some(profile(v, System::Vault, evidence, dirs, quorum));
    }

    // Consul servers.
    if let Some(evidence) = by_image(&["consul"]) {
        let data = v
            .flag(&["-data-dir", "--data-dir"])
            .map(|s| dir_from(s, "data", None))
            .unwrap_or_else(|| dir("/consul/data".to_owned(), "data", None, None));
        let server = v.has_word(|w| w == "-server" || w == "--server").is_some();
        if v.has_word(|w| w == "-dev" || w == "--dev").is_some() {
            let mut p = profile(
                v,
                System::Consul,
                evidence,
                Vec::new(),
                Quorum::None("a Consul dev agent runs alone"),
            );
            p.cache = Some("`-dev` keeps everything in memory".to_owned());
            return Some(p);
        }
        let quorum = if server {
            Quorum::Majority
        } else {
            Quorum::None("Consul clients do not vote")
        };
        return Some(profile(v, System::Consul, evidence, vec![data], quorum));
    }

    // CockroachDB: each range keeps a majority of its replicas.
    if let Some(evidence) = by_image(&["cockroach"]) {
        let store = v.flag(&["--store", "-s"]).map(|mut s| {
            let path = s
                .value
                .split(',')
                .find_map(|kv| kv.strip_prefix("path="))
                .unwrap_or(&s.value)
                .to_owned();
            s.value = path;
            dir_from(s, "data", None)
        });
        let data = store
            .unwrap_or_else(|| dir("/cockroach/cockroach-data".to_owned(), "data", None, None));
        return Some(profile(
            v,
            System::CockroachDb,
            evidence,
            vec![data],
            Quorum::MajorityOfReplicas,
        ));
    }

    // NATS with JetStream.
    if let Some(evidence) = by_image(&["nats"]) {
        let js = v
            .has_word(|w| matches!(w, "-js" | "--js" | "--jetstream"))
            .is_some()
            || v.pod.files.iter().any(|(_, _, t)| t.contains("jetstream"));
        let quorum = if js {
            Quorum::Majority
        } else {
            Quorum::None("NATS without JetStream keeps no state")
        };
        return Some(profile(v, System::Nats, evidence, Vec::new(), quorum));
    }

    // Images users declared as keeping data.
    let last = repo(image).rsplit('/').next().unwrap_or("");
    if extra_images
        .iter()
        .any(|i| last == i || last.starts_with(&format!("{i}-")))
    {
        let mut p = profile(
            v,
            System::Configured,
            format!("image `{image}` (option `images`)"),
            Vec::new(),
            Quorum::None("not known"),
        );
        p.any_mount = true;
        return Some(p);
    }
    None
}

fn profile(
    v: &View<'_>,
    system: System,
    evidence: String,
    dirs: Vec<DataDir>,
    quorum: Quorum,
) -> Profile {
    Profile {
        system,
        container: v.path.clone(),
        evidence,
        dirs,
        any_mount: false,
        cache: None,
        quorum,
    }
}

impl Profile {
    /// A system whose data path this image does not document: any mount
    /// counts as the data.
    fn any_mount_if_unknown(mut self) -> Self {
        self.any_mount = self.dirs.is_empty();
        self
    }
}

/// Hierarchical quorum weights of a ZooKeeper ensemble (`weight.N` and
/// `group.G` in zoo.cfg), when there are any.
fn zk_weights(v: &View<'_>) -> Option<Vec<(u32, u64, Option<u32>)>> {
    let (_, _, text) = v
        .pod
        .files
        .iter()
        .find(|(_, k, t)| k.ends_with(".cfg") && t.contains("weight."))?;
    let mut servers: Vec<(u32, u64, Option<u32>)> = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("weight.")
            && let Some((id, w)) = rest.split_once('=')
            && let (Ok(id), Ok(w)) = (id.trim().parse::<u32>(), w.trim().parse::<u64>())
        {
            match servers.iter_mut().find(|s| s.0 == id) {
                Some(s) => s.1 = w,
                None => servers.push((id, w, None)),
            }
        }
    }
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("group.")
            && let Some((g, ids)) = rest.split_once('=')
            && let Ok(g) = g.trim().parse::<u32>()
        {
            for id in ids.split(':').filter_map(|i| i.trim().parse::<u32>().ok()) {
                match servers.iter_mut().find(|s| s.0 == id) {
                    Some(s) => s.2 = Some(g),
                    None => servers.push((id, 1, Some(g))),
                }
            }
        }
    }
    servers.sort_unstable();
    (!servers.is_empty()).then_some(servers)
}

/// Whether a hierarchical quorum survives with the servers in `down`
/// gone: a majority of the groups (of non-zero weight) must each keep
/// more than half of their weight. Without groups, one group of all.
pub fn weighted_survives(servers: &[(u32, u64, Option<u32>)], down: &[u32]) -> bool {
    let mut groups: Vec<(Option<u32>, u64, u64)> = Vec::new();
    for &(id, w, g) in servers {
        let up = if down.contains(&id) { 0 } else { w };
        match groups.iter_mut().find(|x| x.0 == g) {
            Some(x) => {
                x.1 += w;
                x.2 += up;
            }
            None => groups.push((g, w, up)),
        }
    }
    let voting: Vec<_> = groups.iter().filter(|g| g.1 > 0).collect();
    let ok = voting.iter().filter(|g| 2 * g.2 > g.1).count();
    2 * ok > voting.len()
}

/// A place in the manifests that addresses the pods by their per-pod DNS
/// names (`<pod>.<service>`), which only a headless Service publishes.
#[derive(Debug, Clone)]
pub struct DnsUse {
    pub origin: Origin,
    /// What was found, e.g. `zk-0.zk-hs` or `$(POD_NAME).rabbitmq`.
    pub text: String,
}

/// The first use of per-pod DNS names of StatefulSet `s` through Service
/// `service`: in env values (expanded), command and args of every
/// container, and the ConfigMaps the pods mount.
pub fn pod_dns_use(s: &Sts<'_>, service: &str) -> Option<DnsUse> {
    let pod = s.pod();
    let name = s.obj.name.as_str();
    let mut pod_vars: Vec<String> = vec!["HOSTNAME".into(), "hostname".into(), "POD_NAME".into()];
    for (cpath, c) in s.containers() {
        let view = View::new(pod, cpath, c);
        pod_vars.extend(
            view.env
                .iter()
                .filter(|e| e.value.as_deref() == Some(POD_NAME))
                .map(|e| e.name.to_string()),
        );
        for e in &view.env {
            let Some(v) = &e.value else { continue };
            let discovery = s.sts.spec.replicas.unwrap_or(1) > 1
                && is_discovery(&e.name)
                && names_host(v, service);
            let found = dns_in(v, name, service, &pod_vars)
                .or_else(|| discovery.then(|| format!("{}: {v}", e.name)));
            if let Some(text) = found {
                return Some(DnsUse {
                    origin: e.at.origin(view.path),
                    text,
                });
            }
        }
        for (path, _, text) in crate::rules::command_and_args(cpath, c) {
            let expanded = expand(text, &view.env);
            if let Some(found) =
                dns_in(&expanded, name, service, &pod_vars).or_else(|| fqdn_in(&expanded))
            {
                return Some(DnsUse {
                    origin: Origin::Field(path.path()),
                    text: found,
                });
            }
        }
    }
    for (id, key, text) in &pod.files {
        let hostname_naming = files::setting(text, "cluster_formation.k8s.address_type")
            .is_some_and(|v| v == "hostname");
        let found = dns_in(text, name, service, &pod_vars)
            .or_else(|| fqdn_in(text))
            .or_else(|| {
                hostname_naming.then(|| "cluster_formation.k8s.address_type = hostname".to_owned())
            });
        if let Some(found) = found {
            return Some(DnsUse {
                origin: Origin::ConfigMap {
                    obj: *id,
                    key: (*key).to_owned(),
                },
                text: found,
            });
        }
    }
    None
}

/// Env variables through which members of a replicated system find their
/// peers by the governing Service's name (which resolves to every pod
/// only when the Service is headless).
fn is_discovery(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("seed")
        || n.starts_with("discovery.")
        || n.contains("discovery_")
        || n == "cluster.initial_master_nodes"
}

/// True when `value` names `host` as a host (`svc`, `svc:9300`, `svc.ns.svc`).
fn names_host(value: &str, host: &str) -> bool {
    value
        .split([',', ' ', ';'])
        .map(|h| h.split("://").last().unwrap_or(h))
        .any(|h| {
            h == host
                || h.strip_prefix(host)
                    .is_some_and(|r| r.starts_with([':', '.']))
        })
}

/// `hostname -f` (or `--fqdn`): the pod's FQDN, which is a per-pod DNS
/// name only with a headless governing Service.
fn fqdn_in(text: &str) -> Option<String> {
    ["hostname -f", "hostname --fqdn"]
        .into_iter()
        .find(|p| text.contains(p))
        .map(str::to_owned)
}

/// A `<pod>.<service>` name in `text`: `sts-3.svc`, an expanded
/// `$(POD_NAME).svc`, or a shell `$HOSTNAME.svc` / `${POD_NAME}.svc` /
/// `$(hostname).svc`.
fn dns_in(text: &str, sts: &str, service: &str, pod_vars: &[String]) -> Option<String> {
    if service.is_empty() {
        return None;
    }
    let needle = format!(".{service}");
    let mut from = 0;
    while let Some(at) = text[from..].find(&needle).map(|i| i + from) {
        from = at + needle.len();
        let after = text[from..].chars().next();
        if after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            continue;
        }
        let before = &text[..at];
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "-_${}()`<>".contains(c)))
            .map_or(0, |i| i + 1);
        let host = &before[start..];
        let trimmed = host
            .trim_start_matches(['$', '{', '(', '`'])
            .trim_end_matches(['}', ')', '`']);
        let ordinal = host
            .strip_prefix(sts)
            .and_then(|r| r.strip_prefix('-'))
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
        let pod_var = host.starts_with('$') && pod_vars.iter().any(|v| v == trimmed);
        if ordinal || host.ends_with(POD_NAME) || pod_var {
            return Some(format!("{host}{needle}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        let vars = vec![
            "HOSTNAME".to_owned(),
            "hostname".to_owned(),
            "MY_POD".to_owned(),
        ];
        assert_eq!(
            dns_in("server.1=zk-0.zk-hs:2888", "zk", "zk-hs", &vars).as_deref(),
            Some("zk-0.zk-hs")
        );
        assert_eq!(dns_in("zk-0.zk-hsx:2888", "zk", "zk-hs", &vars), None);
        assert_eq!(dns_in("zk-client.zk-hs", "zk", "zk-hs", &vars), None);
        assert_eq!(
            dns_in(
                "rabbit@<pod>.rabbitmq.ns.svc",
                "rabbitmq",
                "rabbitmq",
                &vars
            )
            .as_deref(),
            Some("<pod>.rabbitmq")
        );
        assert_eq!(
            dns_in("--advertise=${HOSTNAME}.db:26257", "db", "db", &vars).as_deref(),
            Some("${HOSTNAME}.db")
        );
        assert_eq!(
            dns_in("$(hostname).db", "db", "db", &vars).as_deref(),
            Some("$(hostname).db")
        );
        assert_eq!(
            dns_in("$MY_POD.db", "db", "db", &vars).as_deref(),
            Some("$MY_POD.db")
        );
        assert_eq!(dns_in("$OTHER.db", "db", "db", &vars), None);
        assert_eq!(dns_in("db.db", "db", "", &vars), None);
    }

    #[test]
    fn published_names() {
        assert_eq!(
            published_as("docker.io/library/postgres:16@sha256:ab"),
            "postgres"
        );
        assert_eq!(
            published_as("public.ecr.aws/docker/library/redis:8-alpine"),
            "redis"
        );
        assert_eq!(
            published_as("k8s.gcr.io/elasticsearch:v6.5.1"),
            "k8s.gcr.io/elasticsearch"
        );
        assert_eq!(published_as("bitnami/kafka:3.7"), "bitnami/kafka");
        assert_eq!(published_as("localhost:5000/pg"), "localhost:5000/pg");
    }

    #[test]
    fn expansion() {
        let env = vec![
            EnvVar {
                name: "SVC".into(),
                value: Some("kafka".into()),
                at: EnvAt::Entry(0),
            },
            EnvVar {
                name: "POD".into(),
                value: Some(POD_NAME.into()),
                at: EnvAt::Entry(0),
            },
        ];
        assert_eq!(expand("$(POD).$(SVC):9092", &env), "<pod>.kafka:9092");
        assert_eq!(expand("$$(SVC) $(NOPE) $", &env), "$(SVC) $(NOPE) $");
    }

    #[test]
    fn weighted_quorum() {
        // Three groups; server 1 weighs 3 in group 1 with server 2 (weight 1).
        let servers = vec![
            (1, 3, Some(1)),
            (2, 1, Some(1)),
            (3, 1, Some(2)),
            (4, 1, Some(3)),
        ];
        assert!(weighted_survives(&servers, &[2]));
        assert!(weighted_survives(&servers, &[3]));
        assert!(!weighted_survives(&servers, &[1, 3]));
        assert!(weighted_survives(&servers, &[1]));
        let flat = vec![(1, 3, None), (2, 1, None), (3, 1, None)];
        assert!(!weighted_survives(&flat, &[1]));
        assert!(weighted_survives(&flat, &[2]));
    }
}
