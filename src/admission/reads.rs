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
/// property names, unescaped), each with what is read below it, or, for a
/// list a comprehension ranges over, what is read of each item.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Reads {
    all: bool,
    fields: BTreeMap<String, Reads>,
    /// Ranged over: a list keeps every item, each with what this reads of
    /// it; a map (a comprehension ranges over its keys) is kept whole.
    items: Option<Box<Reads>>,
}

/// Everything, for the parts that are kept whole.
pub static ALL: Reads = Reads {
    all: true,
    fields: BTreeMap::new(),
    items: None,
};

/// One step of a path: a field, or the items of a list.
#[derive(Debug, Clone)]
enum Step {
    Field(String),
    Item,
}

/// Maps whose defaults depend on their own fields (the rolling update's
/// partition is defaulted only when the strategy's type is RollingUpdate):
/// a read below one keeps it whole, so that defaulting sees what it needs.
const DEFAULTED_TOGETHER: &[&[&str]] = &[&["spec", "updateStrategy"]];

/// Fields defaulted from a sibling (a container's imagePullPolicy from its
/// image, a Service port's targetPort from its port): reading one reads
/// the sibling too, so that defaulting sees it.
const DEFAULTED_FROM: &[(&str, &str)] = &[("imagePullPolicy", "image"), ("targetPort", "port")];

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
    /// What is read below field `name` (as written in the manifest), if
    /// anything.
    pub fn field(&self, name: &str) -> Option<&Reads> {
        if self.all || self.items.is_some() {
            Some(&ALL)
        } else {
            self.fields.get(name)
        }
    }

    /// What is read of each item of a list.
    pub fn items(&self) -> &Reads {
        match &self.items {
            Some(items) if !self.all => items,
            _ => &ALL,
        }
    }

    /// The node at `path`, made when missing; `None` when all of some
    /// value on the way is read already.
    fn node(&mut self, path: &[Step]) -> Option<&mut Reads> {
        let mut path: Vec<Step> = path
            .iter()
            .map(|s| match s {
                Step::Field(f) => Step::Field(unescaped(f)),
                Step::Item => Step::Item,
            })
            .collect();
        let field = |s: &Step, name: &str| matches!(s, Step::Field(f) if f == name);
        let whole = DEFAULTED_TOGETHER
            .iter()
            .find(|d| {
                path.len() > d.len() && path.iter().zip(d.iter()).all(|(s, name)| field(s, name))
            })
            .map(|d| d.len());
        if let Some(end) = whole {
            path.truncate(end);
            if let Some(n) = self.node(&path) {
                n.read_all();
            }
            return None;
        }
        let mut at = self;
        for step in &path {
            if at.all {
                return None;
            }
            at = match step {
                Step::Field(f) => at.fields.entry(f.clone()).or_default(),
                Step::Item => at.items.get_or_insert_default(),
            };
        }
        (!at.all).then_some(at)
    }

    fn read_all(&mut self) {
        *self = ALL.clone();
    }

    /// Read `path` and all below it.
    fn add(&mut self, path: &[Step]) {
        for (i, step) in path.iter().enumerate() {
            if let Step::Field(f) = step
                && let Some((_, from)) = DEFAULTED_FROM.iter().find(|(d, _)| d == f)
            {
                let mut sibling = path[..i].to_vec();
                sibling.push(Step::Field((*from).to_owned()));
                self.add(&sibling);
            }
        }
        if let Some(n) = self.node(path) {
            n.read_all();
        }
    }

    /// A comprehension ranges over `path`.
    fn range(&mut self, path: &[Step]) {
        if let Some(n) = self.node(path) {
            n.items.get_or_insert_default();
        }
    }

    fn add_static(&mut self, paths: &[&[&str]]) {
        for p in paths {
            self.add(
                &p.iter()
                    .map(|s| Step::Field((*s).to_owned()))
                    .collect::<Vec<_>>(),
            );
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
            needs.add(p.expression());
        }
    }
    needs
}

/// The names in scope: what each stands for, innermost last. A
/// comprehension variable over anything but the object stands for nothing
/// of it (and hides the outer name).
type Names<'a> = Vec<(&'a str, Option<Vec<Step>>)>;

impl Needs {
    fn add(&mut self, e: &IdedExpr) {
        let mut names: Names<'_> = vec![
            ("object", Some(Vec::new())),
            ("oldObject", Some(Vec::new())),
        ];
        self.visit(e, &mut names);
    }

    /// The path a chain rooted at `root` reads from, if it is the object's;
    /// notes the request and namespace.
    fn base(&mut self, root: &str, names: &Names<'_>) -> Option<Vec<Step>> {
        match names.iter().rev().find(|(n, _)| *n == root) {
            Some((_, base)) => base.clone(),
            None => {
                match root {
                    "namespaceObject" => self.namespace_object = true,
                    "request" => self.request = true,
                    _ => {}
                }
                None
            }
        }
    }

    fn visit<'a>(&mut self, e: &'a IdedExpr, names: &mut Names<'a>) {
        // Visited from the top, so the first chain met is a whole one.
        if let Some(c) = chain(e) {
            for side in c.sides {
                self.visit(side, names);
            }
            if let Some(mut path) = self.base(c.root, names) {
                path.extend(c.fields.into_iter().map(Step::Field));
                self.object.add(&path);
            }
            return;
        }
        let Expr::Comprehension(c) = &e.expr else {
            for child in super::ast::children(e) {
                self.visit(child, names);
            }
            return;
        };
        self.visit(&c.accu_init, names);
        // Over a chain of the object, only what the body reads of each
        // item is read (two-variable comprehensions keep it all).
        let ranged = chain(&c.iter_range).filter(|_| c.iter_var2.is_none());
        let item = match ranged {
            Some(r) => {
                for side in r.sides {
                    self.visit(side, names);
                }
                self.base(r.root, names).map(|mut path| {
                    path.extend(r.fields.into_iter().map(Step::Field));
                    self.object.range(&path);
                    path.push(Step::Item);
                    path
                })
            }
            None => {
                self.visit(&c.iter_range, names);
                None
            }
        };
        let depth = names.len();
        names.push((&c.iter_var, item));
        if let Some(v) = &c.iter_var2 {
            names.push((v, None));
        }
        names.push((&c.accu_var, None));
        for part in [&c.loop_cond, &c.loop_step, &c.result] {
            self.visit(part, names);
        }
        names.truncate(depth);
    }
}

/// A name and the fields selected on it: `a.b`, `a.?b`, `has(a.b)`,
/// `a.?b.orValue(d).c` (with `d` among the sides, to be visited).
struct Chain<'a> {
    root: &'a str,
    fields: Vec<String>,
    sides: Vec<&'a IdedExpr>,
}

fn chain(e: &IdedExpr) -> Option<Chain<'_>> {
    let then = |operand, field| {
        chain(operand).map(|mut c: Chain<'_>| {
            c.fields.push(field);
            c
        })
    };
    match &e.expr {
        Expr::Ident(name) => Some(Chain {
            root: name,
            fields: Vec::new(),
            sides: Vec::new(),
        }),
        Expr::Select(s) => then(&s.operand, s.field.clone()),
        Expr::Call(c) if c.func_name == operators::OPT_SELECT && c.target.is_none() => {
            let [operand, field] = c.args.as_slice() else {
                return None;
            };
            let Expr::Literal(LiteralValue::String(f)) = &field.expr else {
                return None;
            };
            then(operand, f.inner().to_owned())
        }
        // The optional's value, else the default: what the chain reads.
        Expr::Call(c) if c.func_name == "orValue" && c.args.len() == 1 => {
            let target = c.target.as_deref()?;
            chain(target).map(|mut ch| {
                ch.sides.push(&c.args[0]);
                ch
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
            needs.add(p.expression());
        }
        needs
    }

    /// Each path read whole; `[]` for the items of a list ranged over.
    fn paths(r: &Reads, prefix: &str, out: &mut Vec<String>) {
        if r.all {
            out.push(prefix.to_owned());
        }
        for (k, v) in &r.fields {
            paths(v, &format!("{prefix}.{k}"), out);
        }
        if let Some(items) = &r.items {
            if !items.all && items.fields.is_empty() && items.items.is_none() {
                out.push(format!("{prefix}[]"));
            }
            paths(items, &format!("{prefix}[]"), out);
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
            object(&["object.spec.?ordinals.orValue({}).start == 0"]),
            ["object.spec.ordinals.start"]
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
    fn a_comprehension_over_a_list_reads_what_its_body_reads_of_each_item() {
        assert_eq!(
            object(&["object.spec.template.spec.volumes.all(v, v.name != '')"]),
            ["object.spec.template.spec.volumes[].name"]
        );
        assert_eq!(
            object(&[
                "object.spec.volumeClaimTemplates.all(t, t.spec.accessModes.exists(m, m == 'x' && has(t.metadata.name)))"
            ]),
            [
                "object.spec.volumeClaimTemplates[].metadata.name",
                "object.spec.volumeClaimTemplates[].spec.accessModes[]"
            ]
        );
        // The items themselves: all of each.
        assert_eq!(
            object(&["object.spec.containers.filter(c, c.name == 'a').size() == 1"]),
            ["object.spec.containers[]"]
        );
        assert_eq!(
            object(&[
                "object.spec.?volumeClaimTemplates.orValue([]).all(t, t.spec.resources.requests.storage != '')"
            ]),
            ["object.spec.volumeClaimTemplates[].spec.resources.requests.storage"]
        );
        // Nothing read of the items: they are kept, empty.
        assert_eq!(
            object(&["object.spec.containers.all(c, true)"]),
            ["object.spec.containers[]"]
        );
        // A comprehension variable hides the object's name.
        assert_eq!(
            object(&["[{'spec': 1}].all(object, object.spec == 1)"]),
            Vec::<String>::new()
        );
        // An index, or a list that is not the object's, reads all of it.
        assert_eq!(
            object(&["object.spec.containers[0].name == 'a'"]),
            ["object.spec.containers"]
        );
        assert_eq!(
            object(&["[object.spec.containers].all(l, l.size() > 0)"]),
            ["object.spec.containers"]
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
        assert_eq!(
            object(&["object.spec.template.spec.containers.all(c, c.imagePullPolicy == 'Always')"]),
            [
                "object.spec.template.spec.containers[].image",
                "object.spec.template.spec.containers[].imagePullPolicy"
            ]
        );
        assert_eq!(
            object(&["object.spec.ports.all(p, p.targetPort > 0)"]),
            ["object.spec.ports[].port", "object.spec.ports[].targetPort"]
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

    /// `exprs` give the same result (or the same error) on the object of
    /// `yaml` converted with only what each reads as on the whole object,
    /// both defaulted.
    fn same_as_whole(yaml: &str, kind: &str, exprs: &[&str]) {
        let text: crate::source::Text = std::sync::Arc::new(yaml.to_owned());
        let (docs, _) = crate::source::parse_source(&text);
        let root = docs[0].root().unwrap();
        let object = |r: &Reads| super::super::object::of(&root, kind, r);
        let eval = |r: &Reads, e: &str| {
            let p = super::super::library::env().compile(e).unwrap();
            let mut cx = super::super::library::context();
            cx.add_variable_as_val("object", object(r));
            p.execute(&cx)
        };
        for e in exprs {
            let needs = reads(&[e]);
            assert_eq!(eval(&needs.object, e), eval(&ALL, e), "{e}");
            assert!(
                object(&needs.object).as_ref() != object(&ALL).as_ref(),
                "{e}: only what is read is converted"
            );
        }
    }

    #[test]
    fn what_is_read_is_all_an_expression_can_see() {
        same_as_whole(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\n  namespace: prod\n  labels: {app.kubernetes.io/name: db, tier: data}\nbase: &base\n  serviceName: db\n  minReadySeconds: 5\nspec:\n  <<: *base\n  replicas: 3\n  updateStrategy: {type: OnDelete}\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers:\n      - name: pg\n        image: postgres\n        resources: {limits: {memory: 64}}\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec: {resources: {requests: {storage: 1Gi}}}\n",
            "StatefulSet",
            &[
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
                "object.spec.template.spec.containers.map(c, c.imagePullPolicy)",
                "object.spec.template.spec.containers.all(c, c.name == 'pg')",
                "object.spec.template.spec.containers.filter(c, c.name == 'pg')",
                "object.spec.template.spec.containers.exists(c, c.resources.limits.memory == '64')",
                "object.spec.volumeClaimTemplates.all(t, has(t.spec.storageClassName))",
                "object.spec.volumeClaimTemplates.exists_one(t, t.metadata.name == 'data')",
                "object.spec.template.metadata.labels.all(k, k.size() < 10)",
                "object.spec.all(k, k != 'x')",
                "object.spec.?ordinals.orValue({'start': 0}).start",
                "object.spec.volumeClaimTemplates.map(t, t.spec.resources.requests.storage)",
                "object.spec.selector.matchLabels",
                "size(object.spec.template.metadata)",
                "object.spec.nothing",
                "object.kind",
                "cel.bind(cs, object.spec.template.spec.containers, cs.map(c, c.imagePullPolicy))",
                "cel.bind(object, object.spec, object.replicas)",
                "object.spec.template.spec.containers.all(i, c, i == 0 || c.imagePullPolicy == 'Always')",
                "object.spec.template.metadata.labels.exists(k, v, k == 'app' && v == 'db')",
                "object.spec.volumeClaimTemplates.transformMap(i, t, t.spec.resources.requests.storage)",
            ],
        );
        same_as_whole(
            "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  clusterIP: None\n  ports:\n  - {name: pg, port: 5432}\n",
            "Service",
            &[
                "object.spec.ports.map(p, p.targetPort)",
                "object.spec.ports.all(p, p.protocol == 'TCP')",
                "object.spec.type",
            ],
        );
    }
}
