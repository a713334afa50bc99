use super::{Cx, Rule, RuleMeta, RuleOption, Sts, containers, image_name, majority, replicas};
use crate::finding::Severity;
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "even-quorum-replicas",
    severity: Severity::Warning,
    summary: "a quorum-based system runs an even number of replicas (it tolerates no more failures than one fewer)",
    why: "A quorum needs a majority, floor(n/2)+1. Four members need three and survive one failure, \
          exactly like three; six survive two, like five. The extra member adds cost, another voter to \
          wait for, and a way to split 2-2 in a network partition, and buys no availability.",
    bad: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: zk\nspec:\n  replicas: 4\n  selector:\n    matchLabels: {app: zk}\n  template:\n    metadata:\n      labels: {app: zk}\n    spec:\n      containers:\n      - name: zk\n        image: zookeeper:3.9.2\n",
    good: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: zk\nspec:\n  replicas: 5\n  selector:\n    matchLabels: {app: zk}\n  template:\n    metadata:\n      labels: {app: zk}\n    spec:\n      containers:\n      - name: zk\n        image: zookeeper:3.9.2\n",
    since: "0.1.0",
    needs_baseline: false,
    options: &[RuleOption {
        name: "images",
        doc: "image names (last path component, without tag) of systems that always vote; Kafka KRaft controllers and NATS JetStream are recognised besides",
        default: &[
            "zookeeper",
            "cp-zookeeper",
            "etcd",
            "consul",
            "cockroach",
            "vault",
            "rabbitmq",
        ],
    }],
};

pub struct EvenQuorumReplicas;

impl Rule for EvenQuorumReplicas {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let n = replicas(s.sts);
        if n < 2 || n % 2 != 0 {
            return;
        }
        let quorum_images = cx.option("images");
        let system = containers(s.sts).into_iter().find_map(|(_, c)| {
            let name = image_name(c.image.as_deref().unwrap_or(""));
            let env = c.env.as_deref().unwrap_or(&[]);
            let value = |keys: &[&str]| {
                env.iter()
                    .filter(|e| keys.contains(&e.name.as_str()))
                    .filter_map(|e| e.value.clone())
                    .next()
            };
            let args: Vec<&str> = c
                .args
                .iter()
                .flatten()
                .chain(c.command.iter().flatten())
                .map(String::as_str)
                .collect();
            if quorum_images.iter().any(|q| q == name) {
                Some(name.to_owned())
            } else if name.contains("kafka")
                && value(&["KAFKA_PROCESS_ROLES", "KAFKA_CFG_PROCESS_ROLES"])
                    .is_some_and(|r| r.contains("controller"))
            {
                Some("Kafka KRaft controllers".to_owned())
            } else if name == "nats"
                && args
                    .iter()
                    .any(|a| matches!(*a, "-js" | "--js" | "--jetstream"))
            {
                Some("NATS JetStream".to_owned())
            } else {
                None
            }
        });
        let Some(system) = system else { return };
        let n64 = i64::from(n);
        let tolerated = n64 - majority(n64);
        cx.report(
            s.id,
            p::replicas(),
            format!(
                "{n} replicas of {system} survive {tolerated} failure{}, no more than {}",
                if tolerated == 1 { "" } else { "s" },
                n - 1
            ),
        )
        .help(format!("Run {} or {} replicas.", n - 1, n + 1));
    }
}
