use super::{Cx, Rule, RuleMeta, Sts, pdb_budget, replicas};
use crate::finding::Severity;
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "pdb-blocks-drain",
    severity: Severity::Warning,
    summary: "a PodDisruptionBudget allows zero voluntary disruptions of a StatefulSet's pods",
    why: "With minAvailable >= replicas (or 100%), or maxUnavailable 0 (or 0%), the eviction API \
          refuses every eviction: `kubectl drain`, cluster autoscaler scale-downs and node upgrades \
          hang until someone deletes the budget by hand.",
    bad: r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: db
spec:
  minAvailable: 3
  selector:
    matchLabels: {app: db}
---
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  clusterIP: None
  selector: {app: db}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 3
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: postgres:16
"#,
    good: r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db}
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: db}
---
apiVersion: v1
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
  replicas: 3
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: postgres:16
        readinessProbe:
          tcpSocket: {port: 5432}
        volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector:
                matchLabels: {app: db}
              topologyKey: kubernetes.io/hostname
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

pub struct PdbBlocksDrain;

impl Rule for PdbBlocksDrain {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let n = replicas(s.sts);
        if n < 1 {
            return;
        }
        let pdbs = &s.pdbs;
        for &(pdb_id, pdb) in pdbs {
            let Some(b) = pdb_budget(pdb, n) else {
                continue;
            };
            if b.keeps < i64::from(n) {
                continue;
            }
            let mut help = if n > 1 {
                "Set maxUnavailable: 1 so that drains evict one pod at a time.".to_owned()
            } else {
                "A single replica cannot be kept available through a drain: remove the budget or run more replicas.".to_owned()
            };
            // Where the field exists and is on, it lets drains evict pods
            // that are not ready (crash-looping) even so.
            let unhealthy = &crate::kubernetes::UNHEALTHY_POD_EVICTION;
            let set = pdb
                .spec
                .as_ref()
                .is_some_and(|s| s.unhealthy_pod_eviction_policy.is_some());
            if !set && unhealthy.enabled(cx.version) {
                help.push_str(" With `unhealthyPodEvictionPolicy: AlwaysAllow` pods that are not ready can be evicted even so (Kubernetes 1.27+).");
            }
            let fix = (n > 1).then(|| b.fix_keeping(i64::from(n) - 1, i64::from(n)));
            let r = cx.report(
                pdb_id,
                b.path,
                format!(
                    "{} allows no voluntary disruption of the {n} pods of StatefulSet `{}`: node drains hang",
                    b.shown, s.obj.name
                ),
            )
            .help(help)
            .related(s.id, p::replicas(), format!("replicas: {n}"));
            if let Some(fix) = fix {
                r.fix(fix);
            }
        }
    }
}
