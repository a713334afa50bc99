use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::Severity;
use crate::model::path::sts as p;

pub static META: RuleMeta = RuleMeta {
    id: "pvc-retention-delete",
    severity: Severity::Info,
    summary: "persistentVolumeClaimRetentionPolicy deletes claims when the StatefulSet is deleted or scaled down",
    why: "With whenDeleted: Delete, deleting the StatefulSet (also by mistake, or by a tool that \
          re-creates it to change an immutable field) deletes every claim and, with the usual Delete \
          reclaim policy, the data. With whenScaled: Delete, scaling down deletes the claims of the \
          removed ordinals. Retain is the default for a reason.",
    bad: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  persistentVolumeClaimRetentionPolicy:\n    whenDeleted: Delete\n    whenScaled: Retain\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    good: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  persistentVolumeClaimRetentionPolicy:\n    whenDeleted: Retain\n    whenScaled: Retain\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

pub struct PvcRetentionDelete;

impl Rule for PvcRetentionDelete {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let Some(policy) = &s.sts.spec.persistent_volume_claim_retention_policy else {
            return;
        };
        let fields = [
            (
                "whenDeleted",
                &policy.when_deleted,
                "deleting the StatefulSet deletes every claim",
            ),
            (
                "whenScaled",
                &policy.when_scaled,
                "scaling down deletes the claims of the removed pods",
            ),
        ];
        for (field, value, what) in fields {
            if value.as_deref() == Some("Delete") {
                cx.report(
                    s.id,
                    p::retention(field),
                    format!("{field}: Delete: {what}, and with them the data"),
                )
                .help(
                    "Use Retain unless losing this data is intended; back it up first either way.",
                );
            }
        }
    }
}
