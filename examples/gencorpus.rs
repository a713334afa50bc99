//! Deterministic benchmark corpus generator (seeded; no downloaded data).
//!
//! cargo run --release --example gencorpus -- OUT_DIR FILES OBJECTS_PER_FILE [SEED]
//! cargo run --release --example gencorpus -- --single OUT_FILE MEGABYTES [SEED]
//!
//! Writes realistic manifests: StatefulSets (Postgres, Kafka, ZooKeeper, etcd,
//! Redis, Elasticsearch) with their headless Services, PDBs and PVCs, and
//! ConfigMaps and Deployments in between, over varied names, namespaces and
//! sizes. About one group in eight carries a mistake stslint reports.

use std::fmt::Write as _;
use std::io::Write as _;

/// xorshift64*: small, fast, and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const NAMESPACES: &[&str] = &[
    "default",
    "data",
    "payments",
    "search",
    "streaming",
    "platform",
    "analytics",
];
const TEAMS: &[&str] = &[
    "core", "billing", "ledger", "orders", "catalog", "events", "metrics", "audit",
];

struct App {
    image: &'static str,
    port: u16,
    data: &'static str,
    env: &'static [(&'static str, &'static str)],
}

const APPS: &[App] = &[
    App {
        image: "postgres:16.4",
        port: 5432,
        data: "/var/lib/postgresql/data",
        env: &[
            ("PGDATA", "/var/lib/postgresql/data/pgdata"),
            ("POSTGRES_DB", "app"),
        ],
    },
    App {
        image: "apache/kafka:3.9.0",
        port: 9092,
        data: "/var/lib/kafka",
        env: &[
            ("KAFKA_PROCESS_ROLES", "broker,controller"),
            ("KAFKA_LOG_DIRS", "/var/lib/kafka/logs"),
            ("KAFKA_DEFAULT_REPLICATION_FACTOR", "2"),
        ],
    },
    App {
        image: "zookeeper:3.9.2",
        port: 2181,
        data: "/data",
        env: &[
            ("ZOO_TICK_TIME", "2000"),
            ("ZOO_INIT_LIMIT", "10"),
            ("ZOO_DATA_LOG_DIR", "/data/log"),
        ],
    },
    App {
        image: "quay.io/coreos/etcd:v3.5.16",
        port: 2379,
        data: "/var/run/etcd",
        env: &[("ETCD_DATA_DIR", "/var/run/etcd/default.etcd")],
    },
    App {
        image: "redis:7.4",
        port: 6379,
        data: "/data",
        env: &[("REDIS_ARGS", "--appendonly yes")],
    },
    App {
        image: "docker.elastic.co/elasticsearch/elasticsearch:8.15.0",
        port: 9200,
        data: "/usr/share/elasticsearch/data",
        env: &[("discovery.type", "zen"), ("ES_JAVA_OPTS", "-Xms1g -Xmx1g")],
    },
];

/// One application: Service, StatefulSet, PDB, PVCs, a ConfigMap and a
/// Deployment. Returns the number of objects written.
fn group(out: &mut String, rng: &mut Rng, id: usize) -> usize {
    let app = &APPS[rng.below(APPS.len() as u64) as usize];
    let kind = app
        .image
        .rsplit('/')
        .next()
        .unwrap_or("app")
        .split(':')
        .next()
        .unwrap_or("app");
    let name = format!("{}-{}-{id}", rng.pick(TEAMS), kind);
    let ns = rng.pick(NAMESPACES);
    let replicas = [1u64, 3, 3, 5, 2][rng.below(5) as usize];
    let mistake = rng.below(8) == 0;
    let which = rng.below(4);
    let size = [10u64, 20, 50, 100, 200][rng.below(5) as usize];
    let mut n = 0;

    // A ConfigMap in between, of varied size.
    let _ = writeln!(
        out,
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/name: {name}\ndata:"
    );
    for k in 0..(2 + rng.below(12)) {
        let _ = writeln!(
            out,
            "  setting_{k}.conf: \"value-{}-{}\"",
            rng.below(100_000),
            kind
        );
    }
    n += 1;

    let svc_name = if mistake && which == 0 {
        format!("{name}-hl")
    } else {
        name.clone()
    };
    let _ = writeln!(
        out,
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {svc_name}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/name: {name}\nspec:\n  clusterIP: None\n  publishNotReadyAddresses: true\n  selector:\n    app.kubernetes.io/name: {name}\n  ports:\n  - name: main\n    port: {port}\n    targetPort: {port}",
        port = app.port
    );
    n += 1;

    if replicas > 1 {
        let budget = if mistake && which == 1 {
            "minAvailable: 1".to_owned()
        } else {
            "maxUnavailable: 1".to_owned()
        };
        let _ = writeln!(
            out,
            "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  {budget}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}"
        );
        n += 1;
    }

    let _ = writeln!(
        out,
        "---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/name: {name}\n    app.kubernetes.io/part-of: {team}\nspec:\n  serviceName: {name}\n  replicas: {replicas}\n  podManagementPolicy: Parallel\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {name}\n        app.kubernetes.io/part-of: {team}\n      annotations:\n        checksum/config: \"{sum:016x}\"\n    spec:\n      terminationGracePeriodSeconds: 30\n      affinity:\n        podAntiAffinity:\n          preferredDuringSchedulingIgnoredDuringExecution:\n          - weight: 100\n            podAffinityTerm:\n              topologyKey: kubernetes.io/hostname\n              labelSelector:\n                matchLabels:\n                  app.kubernetes.io/name: {name}\n      securityContext:\n        fsGroup: 1000\n        runAsNonRoot: true\n      containers:\n      - name: {kind}\n        image: {image}\n        imagePullPolicy: IfNotPresent\n        ports:\n        - name: main\n          containerPort: {port}\n        env:\n        - name: POD_NAME\n          valueFrom:\n            fieldRef:\n              fieldPath: metadata.name",
        team = rng.pick(TEAMS),
        sum = rng.next(),
        image = app.image,
        port = app.port,
    );
    if mistake && which == 2 {
        let _ = writeln!(
            out,
            "        - name: NODE_ID\n          valueFrom:\n            fieldRef:\n              fieldPath: metadata.name"
        );
    }
    if mistake && which == 3 {
        let _ = writeln!(
            out,
            "        - name: ADVERTISED_HOST\n          value: $(hostname -f)"
        );
    }
    for (k, v) in app.env {
        let _ = writeln!(out, "        - name: {k}\n          value: \"{v}\"");
    }
    let _ = writeln!(
        out,
        "        resources:\n          requests:\n            cpu: {cpu}m\n            memory: {mem}Mi\n          limits:\n            memory: {mem}Mi\n        readinessProbe:\n          tcpSocket:\n            port: {port}\n          periodSeconds: 10\n        volumeMounts:\n        - name: data\n          mountPath: {data}\n        - name: config\n          mountPath: /etc/{kind}\n      volumes:\n      - name: config\n        configMap:\n          name: {name}-config\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n      accessModes: [ReadWriteOnce]\n      storageClassName: fast-ssd\n      resources:\n        requests:\n          storage: {size}Gi",
        cpu = 100 * (1 + rng.below(20)),
        mem = 256 * (1 + rng.below(16)),
        port = app.port,
        data = app.data,
    );
    n += 1;

    // Existing claims, one of them sometimes resized by hand.
    for i in 0..replicas.min(2) {
        let have = if mistake && i == 1 { size * 2 } else { size };
        let _ = writeln!(
            out,
            "---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data-{name}-{i}\n  namespace: {ns}\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: fast-ssd\n  resources:\n    requests:\n      storage: {have}Gi"
        );
        n += 1;
    }

    let _ = writeln!(
        out,
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}-exporter\n  namespace: {ns}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {name}-exporter\n  template:\n    metadata:\n      labels:\n        app: {name}-exporter\n    spec:\n      containers:\n      - name: exporter\n        image: prom/exporter:v0.{minor}.0\n        args: [\"--target={name}.{ns}.svc:{port}\"]",
        minor = rng.below(20),
        port = app.port
    );
    n += 1;
    n
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--single") {
        let (Some(path), Some(mb)) = (
            args.get(1),
            args.get(2).and_then(|m| m.parse::<usize>().ok()),
        ) else {
            eprintln!("usage: gencorpus --single OUT_FILE MEGABYTES [SEED]");
            std::process::exit(2);
        };
        let mut rng = Rng(args.get(3).and_then(|s| s.parse().ok()).unwrap_or(42) | 1);
        let mut text = String::new();
        let mut objects = 0;
        let mut id = 0;
        while text.len() < mb * 1024 * 1024 {
            objects += group(&mut text, &mut rng, id);
            id += 1;
        }
        std::fs::write(path, text).expect("write the corpus file");
        println!("{objects}");
        return;
    }
    let (Some(dir), Some(files), Some(per_file)) = (
        args.first(),
        args.get(1).and_then(|s| s.parse::<usize>().ok()),
        args.get(2).and_then(|s| s.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: gencorpus OUT_DIR FILES OBJECTS_PER_FILE [SEED]");
        std::process::exit(2);
    };
    let mut rng = Rng(args.get(3).and_then(|s| s.parse().ok()).unwrap_or(42) | 1);
    std::fs::create_dir_all(dir).expect("create the corpus directory");
    let mut objects = 0;
    let mut id = 0;
    for f in 0..files {
        let mut text = String::new();
        let mut in_file = 0;
        while in_file < per_file {
            in_file += group(&mut text, &mut rng, id);
            id += 1;
        }
        objects += in_file;
        let sub = format!("{dir}/team-{:03}", f % 100);
        std::fs::create_dir_all(&sub).expect("create a subdirectory");
        let mut file =
            std::fs::File::create(format!("{sub}/app-{f:05}.yaml")).expect("create a file");
        file.write_all(text.as_bytes()).expect("write a file");
    }
    println!("{objects}");
}
