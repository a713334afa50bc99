use super::{Cx, Rule, RuleMeta, Sts};
use crate::finding::Severity;
use crate::model::path::meta;

pub static META: RuleMeta = RuleMeta {
    id: "name-too-long",
    severity: Severity::Error,
    summary: "a StatefulSet name is longer than 52 characters",
    why: "Each pod gets the label controller-revision-hash=<name>-<hash>, and a label value may not \
          exceed 63 characters. With a name over 52 characters the controller cannot create pods: the \
          StatefulSet is accepted and then sits at 0 ready replicas.",
    bad: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: payments-ledger-postgresql-primary-with-streaming-replicas\nspec:\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    good: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: payments-ledger-pg\nspec:\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: postgres:16\n",
    since: "0.1.0",
    needs_baseline: false,
    options: &[],
};

pub struct NameTooLong;

/// Longest StatefulSet name whose controller-revision-hash label still fits.
const MAX: usize = 52;

impl Rule for NameTooLong {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, s: &Sts<'_>, cx: &mut Cx<'_>) {
        let len = s.obj.name.chars().count();
        if len > MAX {
            cx.report(
                s.id,
                meta::name(),
                format!("StatefulSet name is {len} characters; over {MAX}, its pods can never be created"),
            )
            .help(format!("Shorten the name to {MAX} characters or fewer."));
        }
    }
}
