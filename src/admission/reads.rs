//! What a run's policies read of the object under review: the field paths
//! their expressions select on `object` and `oldObject`, so that only those
//! parts of each object are converted to CEL values (most of a StatefulSet,
//! its pod template above all, is read by no policy). A path keeps
//! everything under it; anything that is not a plain selection (an index, a
//! function of the object, the object itself) keeps everything under the
//! selection that leads to it. Keeping more than is read is always safe;
//! this module only ever errs that way.

use std::collections::BTreeMap;

use cel::IdedExpr;
use cel::common::ast::{Expr, LiteralValue, operators};

use super::spec::Vap;
use super::value::unescaped;

/// The fields read below one value: everything, or some fields (by their
/// property names, unescaped), each with what is read below it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Reads {
    all: bool,
    fields: BTreeMap<String, Reads>,
}

/// Everything, for the parts that are kept whole.
pub static ALL: Reads = Reads {
    all: true,
    fields: BTreeMap::new(),
};

/// Maps whose defaults depend on their own fields (the rolling update's
/// partition is defaulted only when the strategy's type is RollingUpdate):
/// a read below one keeps it whole, so that defaulting sees what it needs.
const DEFAULTED_TOGETHER: &[&[&str]] = &[&["spec", "updateStrategy"]];

/// What stslint itself reads of the object, besides the policies: the
/// labels, for objectSelector.
const ALWAYS: &[&[&str]] = &[&["metadata", "labels"]];

/// What a StatefulSetPolicy reads to find the objects around a set and to
/// match its image globs.
const NATIVE: &[&[&str]] = &[
    &["spec", "serviceName"],
    &["spec", "replicas"],
    &["spec", "volumeClaimTemplates"],
    &["spec", "template", "metadata", "labels"],
    &["spec", "template", "spec", "containers"],
    &["spec", "template", "spec", "initContainers"],
];

impl Reads {
    /// Whether everything below is read.
    pub fn all(&self) -> bool {
        self.all
    }

    /// What is read below field `name` (as written in the manifest), if
    /// anything.
    pub fn field(&self, name: &str) -> Option<&Reads> {
        if self.all {
            Some(&ALL)
        } else {
            self.fields.get(name)
        }
    }

    /// Read `path` (property names as CEL spells them) and all below it.
    fn add(&mut self, path: &[String]) {
        let path: Vec<String> = path.iter().map(|f| unescaped(f)).collect();
        let keep = DEFAULTED_TOGETHER
            .iter()
            .find(|d| path.len() > d.len() && path.iter().zip(d.iter()).all(|(a, b)| a == b))
            .map_or(path.len(), |d| d.len());
        let mut at = self;
        for f in &path[..keep] {
            if at.all {
                return;
            }
            at = at.fields.entry(f.clone()).or_default();
        }
        at.all = true;
        at.fields.clear();
    }

    fn add_static(&mut self, paths: &[&[&str]]) {
        for p in paths {
            self.add(&p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        }
    }
}

/// What the policies of a run read of the object under review and of the
/// request around it.
#[derive(Debug, Default)]
pub struct Needs {
    /// Of `object` and `oldObject` (one tree for both: a policy comparing
    /// the two reads the same paths of each).
    pub object: Reads,
    pub namespace_object: bool,
    pub request: bool,
}

/// What `vaps` read, from every expression that is evaluated.
pub fn of(vaps: &[Vap]) -> Needs {
    let mut needs = Needs::default();
    needs.object.add_static(ALWAYS);
    if vaps.iter().any(|v| v.native.is_some()) {
        needs.object.add_static(NATIVE);
    }
    for e in vaps.iter().flat_map(Vap::expressions) {
        if let Some(p) = &e.program {
            visit(p.expression(), &mut needs);
        }
    }
    needs
}

fn visit(e: &IdedExpr, needs: &mut Needs) {
    // Visited from the top, so the first chain met is a whole one.
    if let Some((root, path)) = chain(e) {
        match root {
            "object" | "oldObject" => needs.object.add(&path),
            "namespaceObject" => needs.namespace_object = true,
            "request" => needs.request = true,
            _ => {}
        }
        return;
    }
    for c in super::ast::children(e) {
        visit(c, needs);
    }
}

/// `e` as a name and the fields selected on it: `a.b`, `a.?b`, `has(a.b)`.
fn chain(e: &IdedExpr) -> Option<(&str, Vec<String>)> {
    match &e.expr {
        Expr::Ident(name) => Some((name, Vec::new())),
        Expr::Select(s) => chain(&s.operand).map(|(root, mut path)| {
            path.push(s.field.clone());
            (root, path)
        }),
        Expr::Call(c) if c.func_name == operators::OPT_SELECT && c.target.is_none() => {
            let [operand, field] = c.args.as_slice() else {
                return None;
            };
            let Expr::Literal(LiteralValue::String(f)) = &field.expr else {
                return None;
            };
            chain(operand).map(|(root, mut path)| {
                path.push(f.inner().to_owned());
                (root, path)
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(exprs: &[&str]) -> Needs {
        let mut needs = Needs::default();
        for e in exprs {
            let p = super::super::library::env().compile(e).unwrap();
            visit(p.expression(), &mut needs);
        }
        needs
    }

    fn paths(r: &Reads, prefix: &str, out: &mut Vec<String>) {
        if r.all {
            out.push(prefix.to_owned());
        }
        for (k, v) in &r.fields {
            paths(v, &format!("{prefix}.{k}"), out);
        }
    }

    fn object(exprs: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        paths(&reads(exprs).object, "object", &mut out);
        out
    }

    #[test]
    fn selections_are_read_and_what_follows_them_keeps_all_below() {
        assert_eq!(
            object(&["object.spec.replicas >= 1 && has(object.metadata.__namespace__)"]),
            ["object.metadata.namespace", "object.spec.replicas"]
        );
        assert_eq!(
            object(&["object.spec.template.spec.containers.all(c, c.name != '')"]),
            ["object.spec.template.spec.containers"]
        );
        assert_eq!(
            object(&["object.spec.?ordinals.orValue({}).start == 0"]),
            ["object.spec.ordinals"]
        );
        assert_eq!(
            object(&["object.metadata.labels['app'] == 'x'"]),
            ["object.metadata.labels"]
        );
        // A path and one below it: the shorter one wins.
        assert_eq!(
            object(&[
                "object.spec.selector.matchLabels.app == 'x'",
                "size(object.spec.selector) > 0"
            ]),
            ["object.spec.selector"]
        );
        // oldObject shares the tree.
        assert_eq!(
            object(&["object.spec.serviceName == oldObject.spec.serviceName"]),
            ["object.spec.serviceName"]
        );
    }

    #[test]
    fn the_object_itself_keeps_everything() {
        assert_eq!(object(&["object != null"]), ["object"]);
        assert_eq!(object(&["[object, oldObject].size() == 2"]), ["object"]);
    }

    #[test]
    fn a_field_whose_defaults_depend_on_its_siblings_is_read_whole() {
        assert_eq!(
            object(&["object.spec.updateStrategy.rollingUpdate.partition == 0"]),
            ["object.spec.updateStrategy"]
        );
    }

    #[test]
    fn the_request_and_namespace_are_noticed() {
        let n = reads(&["object.spec.replicas > 0"]);
        assert!(!n.request && !n.namespace_object);
        let n = reads(&["request.operation == 'CREATE' && namespaceObject.metadata.name != ''"]);
        assert!(n.request && n.namespace_object);
        assert_eq!(n.object, Reads::default());
    }

    /// Every expression gives the same result (or the same error) on the
    /// object converted with only what the expressions read as on the whole
    /// object, both defaulted.
    #[test]
    fn what_is_read_is_all_an_expression_can_see() {
        let text: crate::source::Text = std::sync::Arc::new(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n  namespace: prod\n  labels: {app.kubernetes.io/name: db, tier: data}\nbase: &base\n  serviceName: db\n  minReadySeconds: 5\nspec:\n  <<: *base\n  replicas: 3\n  updateStrategy: {type: OnDelete}\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers:\n      - name: pg\n        image: postgres:17\n        resources: {limits: {memory: 64}}\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec: {resources: {requests: {storage: 1Gi}}}\n"
                .to_owned(),
        );
        let (docs, _) = crate::source::parse_source(&text);
        let root = docs[0].root().unwrap();
        let exprs = [
            "object.spec.replicas",
            "object.spec.serviceName",
            "object.spec.minReadySeconds",
            "object.spec.updateStrategy.rollingUpdate.partition",
            "object.spec.updateStrategy",
            "has(object.spec.updateStrategy.rollingUpdate)",
            "object.spec.podManagementPolicy",
            "object.metadata.__namespace__",
            "object.metadata.labels['app.kubernetes.io/name']",
            "object.spec.template.spec.containers[0].resources.limits.memory",
            "object.spec.template.spec.containers[0].imagePullPolicy",
            "object.spec.?ordinals.orValue({'start': 0}).start",
            "object.spec.volumeClaimTemplates.map(t, t.spec.resources.requests.storage)",
            "object.spec.selector.matchLabels",
            "size(object.spec.template.metadata)",
            "object.spec.nothing",
            "object.kind",
        ];
        let eval = |v: &cel::Value, e: &str| {
            let p = super::super::library::env().compile(e).unwrap();
            let mut cx = super::super::library::context();
            cx.add_variable_from_value("object", v.clone());
            format!("{:?}", p.execute(&cx))
        };
        let mut whole = super::super::value::of(&root);
        super::super::defaults::apply("StatefulSet", &mut whole);
        for e in exprs {
            let needs = reads(&[e]);
            let mut part = super::super::value::read(&root, &needs.object);
            super::super::defaults::apply("StatefulSet", &mut part);
            assert_eq!(eval(&part, e), eval(&whole, e), "{e}");
            assert_ne!(part, whole, "{e}: only what is read is converted");
        }
    }
}
