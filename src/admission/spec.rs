//! ValidatingAdmissionPolicies and their bindings as read from their
//! manifests' trees: every part keeps its field path in the policy object,
//! and every expression is compiled once, its errors located at the column
//! inside the YAML scalar.

use std::collections::HashMap;
use std::ops::Range;

use cel::Program;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

use crate::finding::{Finding, Loc, ObjId};
use crate::model::path::FieldPath;
use crate::source::tree::NodeKind;
use crate::source::{FileId, Node};

/// A CEL expression of a policy, compiled.
pub struct Expr {
    pub source: String,
    /// `None` when it did not compile (a policy-invalid finding says why).
    pub program: Option<Compiled>,
    /// Where it is written in the policy object.
    pub at: FieldPath,
}

/// A compiled expression: the program as written (its tree and source
/// positions, for blame and the policy's own checks) and the tree that is
/// evaluated, where library calls are bound to faster implementations
/// ([`library::for_evaluation`](super::library::for_evaluation)).
pub struct Compiled {
    program: Program,
    run: cel::IdedExpr,
    /// `run` with field selections on manifest data evaluated as indexes
    /// ([`super::plain`]): the same results, in fewer steps.
    fast: cel::IdedExpr,
}

impl Compiled {
    pub fn new(program: Program) -> Self {
        let run = super::library::for_evaluation(program.expression());
        let fast = super::plain::selections_as_indexes(run.clone());
        Compiled { program, run, fast }
    }

    /// Evaluates the expression in `cx`. A failure is evaluated again as
    /// written, so that its error is worded as cel-go words it.
    pub fn execute(&self, cx: &cel::Context<'_, '_>) -> cel::ResolveResult {
        cel::Value::resolve(&self.fast, cx).or_else(|_| cel::Value::resolve(&self.run, cx))
    }
}

/// Everything else is the program's: its tree as written, its source info.
impl std::ops::Deref for Compiled {
    type Target = Program;
    fn deref(&self) -> &Program {
        &self.program
    }
}

/// Which requests a policy or binding applies to.
#[derive(Default)]
pub struct Matching {
    /// Unset in a binding: it does not narrow the policy's constraints.
    pub rules: Option<Vec<ResourceRule>>,
    pub exclude: Vec<ResourceRule>,
    pub namespace_selector: Option<LabelSelector>,
    pub object_selector: Option<LabelSelector>,
    /// `matchPolicy: Exact` (the default is Equivalent).
    pub exact: bool,
}

pub struct ResourceRule {
    pub groups: Vec<String>,
    pub versions: Vec<String>,
    pub resources: Vec<String>,
    pub operations: Vec<String>,
    pub names: Vec<String>,
    pub scope: String,
}

pub struct Validation {
    pub expr: Expr,
    pub message: Option<String>,
    pub message_expr: Option<Expr>,
    pub reason: Option<String>,
    /// StatefulSetPolicy: one check (and finding) per element of this list,
    /// bound to `as_name` (default `item`) and `index`.
    pub for_each: Option<Expr>,
    pub as_name: String,
    /// StatefulSetPolicy: where a failure is reported, relative to the
    /// forEach element (or the object).
    pub field_path: Option<FieldPath>,
}

/// What a StatefulSetPolicy adds to a ValidatingAdmissionPolicy.
pub struct Native {
    pub severity: crate::finding::Severity,
    pub help: Option<String>,
    pub url: Option<String>,
    /// Globs on the object's namespace (empty: any).
    pub namespaces: Vec<globset::GlobMatcher>,
    /// Globs on any container's image repository (empty: any).
    pub images: Vec<globset::GlobMatcher>,
    /// Inline `params`, as a CEL value.
    pub params: Option<cel::Value>,
}

pub struct Vap {
    pub obj: ObjId,
    pub name: String,
    /// The rule id its findings carry: `vap:<name>`.
    pub rule: &'static str,
    /// `failurePolicy: Ignore` (the default is Fail).
    pub ignore_failures: bool,
    pub param_kind: Option<(String, String)>,
    pub constraints: Matching,
    pub match_conditions: Vec<(String, Expr)>,
    pub variables: Vec<(String, Expr)>,
    pub validations: Vec<Validation>,
    /// Set for a StatefulSetPolicy (stslint's own form).
    pub native: Option<Native>,
    /// What it checks, in its author's words (`spec.description` of a
    /// StatefulSetPolicy, a `description` annotation).
    pub description: Option<String>,
}

impl Vap {
    /// Every expression of the policy: matchConditions, variables, and each
    /// validation's expression, messageExpression and forEach.
    pub fn expressions(&self) -> impl Iterator<Item = &Expr> {
        self.match_conditions
            .iter()
            .chain(&self.variables)
            .map(|(_, e)| e)
            .chain(self.validations.iter().flat_map(|v| {
                [Some(&v.expr), v.message_expr.as_ref(), v.for_each.as_ref()]
                    .into_iter()
                    .flatten()
            }))
    }
}

pub struct ParamRef {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub selector: Option<LabelSelector>,
    /// `parameterNotFoundAction: Deny` (the default, Allow, passes).
    pub deny_if_missing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Deny,
    Warn,
    Audit,
}

pub struct Binding {
    pub obj: ObjId,
    pub name: String,
    pub policy_name: String,
    pub actions: Vec<Action>,
    pub param_ref: Option<ParamRef>,
    pub matching: Option<Matching>,
}

/// Where a policy object is, for findings on its own text.
pub struct Place<'a> {
    pub obj: ObjId,
    pub file: FileId,
    pub document: usize,
    /// The object's root in its document's tree.
    pub root: Node<'a>,
}

/// The id of policy `name`'s findings, interned for the run's lifetime.
pub fn rule_id(name: &str) -> &'static str {
    crate::finding::intern(&format!("vap:{name}"))
}

fn text<'a>(n: Node<'a>, key: &str) -> Option<&'a str> {
    n.get(key)
        .and_then(|v| v.as_scalar())
        .filter(|s| !s.is_empty())
}

fn strings(n: Node<'_>, key: &str) -> Vec<String> {
    n.get(key)
        .map(|v| {
            v.items()
                .iter()
                .filter_map(|i| i.as_scalar().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A label selector written in a policy or binding.
pub fn selector(n: Option<Node<'_>>) -> Option<LabelSelector> {
    let n = n?;
    let labels = n.get("matchLabels").map(|m| match m.kind() {
        NodeKind::Map(entries) => entries
            .iter()
            .map(|(k, v)| {
                (
                    crate::source::yaml11::key_string(&k),
                    v.as_scalar().unwrap_or("").to_owned(),
                )
            })
            .collect(),
        _ => Default::default(),
    });
    let exprs = n.get("matchExpressions").map(|e| {
        e.items()
            .iter()
            .map(|r| LabelSelectorRequirement {
                key: text(r, "key").unwrap_or("").to_owned(),
                operator: text(r, "operator").unwrap_or("").to_owned(),
                values: r.get("values").map(|_| strings(r, "values")),
            })
            .collect()
    });
    Some(LabelSelector {
        match_labels: labels,
        match_expressions: exprs,
    })
}

fn resource_rules(n: Option<Node<'_>>) -> Vec<ResourceRule> {
    n.map(|n| {
        n.items()
            .iter()
            .map(|r| ResourceRule {
                groups: strings(r, "apiGroups"),
                versions: strings(r, "apiVersions"),
                resources: strings(r, "resources"),
                operations: strings(r, "operations"),
                names: strings(r, "resourceNames"),
                scope: text(r, "scope").unwrap_or("*").to_owned(),
            })
            .collect()
    })
    .unwrap_or_default()
}

fn matching(n: Node<'_>) -> Matching {
    Matching {
        rules: n.get("resourceRules").map(|r| resource_rules(Some(r))),
        exclude: resource_rules(n.get("excludeResourceRules")),
        namespace_selector: selector(n.get("namespaceSelector")),
        object_selector: selector(n.get("objectSelector")),
        exact: text(n, "matchPolicy") == Some("Exact"),
    }
}

/// Reads and compiles policies and bindings, collecting the problems of
/// their text.
pub struct Reader {
    pub problems: Vec<Finding>,
}

impl Reader {
    fn invalid(&mut self, place: &Place<'_>, path: FieldPath, message: String, help: &str) {
        self.problems.push(Finding {
            rule: "policy-invalid",
            at_most: None,
            message,
            help: Some(help.to_owned()),
            at: Loc::Field {
                obj: place.obj,
                path,
            },
            focus: None,
            related: Vec::new(),
            fix: None,
        });
    }

    /// Compile the expression at `key` of `n` (which sits at `path`).
    fn expr(
        &mut self,
        place: &Place<'_>,
        n: Node<'_>,
        path: &FieldPath,
        key: &str,
    ) -> Option<Expr> {
        let node = n.get(key)?;
        let at = path.clone().key(key);
        let Some(source) = node.as_scalar() else {
            self.invalid(
                place,
                at,
                format!("`{key}` must be a CEL expression written as a string"),
                "Write the expression as a YAML string.",
            );
            return None;
        };
        let program = match super::library::env().compile(source) {
            Ok(p) => Some(Compiled::new(p)),
            Err(errors) => {
                let first = errors.errors.first();
                let (line, col) = first.map_or((1, 1), |e| e.pos);
                let msg = first.map_or_else(|| errors.to_string(), |e| e.msg.clone());
                // ANTLR lists every token it expected: keep what it found.
                let msg = msg.split(" expecting {").next().unwrap_or(&msg).to_owned();
                let offset = char_offset(source, line, col);
                let span = source_offset(node, source, offset);
                self.problems.push(Finding {
                    rule: "policy-invalid",
                    at_most: None,
                    message: format!("`{key}` does not compile: {}", msg.trim()),
                    help: Some(
                        "Fix the CEL expression; the API server rejects the policy as it is."
                            .to_owned(),
                    ),
                    at: Loc::Span {
                        file: place.file,
                        document: Some(place.document),
                        span,
                    },
                    focus: None,
                    related: Vec::new(),
                    fix: None,
                });
                None
            }
        };
        Some(Expr {
            source: source.to_owned(),
            program,
            at,
        })
    }

    /// `lookup()` is stslint's own: the API server does not know it, so a
    /// ValidatingAdmissionPolicy that calls it does not compile there.
    fn native_only_calls(&mut self, place: &Place<'_>, vap: &Vap) {
        for e in vap.expressions() {
            let Some(program) = &e.program else { continue };
            let Some(node) = crate::source::locate::descend(place.root, e.at.segs()) else {
                continue;
            };
            for (offset, _) in super::schema::calls(program, "lookup") {
                let start = source_offset(node, &e.source, offset).start;
                let end = source_offset(node, &e.source, offset + "lookup".len() - 1).end;
                self.problems.push(Finding {
                    rule: "policy-invalid",
                    at_most: None,
                    message: "`lookup()` is stslint's own function: the API server does not know it, so this ValidatingAdmissionPolicy does not compile in the cluster".to_owned(),
                    help: Some("Move the check to a StatefulSetPolicy (stslint.io/v1alpha1), which has `lookup()`, or drop it from the VAP.".to_owned()),
                    at: Loc::Span {
                        file: place.file,
                        document: Some(place.document),
                        span: start..end.max(start),
                    },
                    focus: None,
                    related: Vec::new(),
                    fix: None,
                });
            }
        }
    }

    /// Selections of fields the matched kinds do not have
    /// (policy-unknown-field), in every expression of `vap`.
    fn unknown_fields<'v>(
        &mut self,
        place: &Place<'_>,
        vap: &'v Vap,
        mut roots: super::schema::Roots<'v>,
    ) {
        let mut variables = HashMap::new();
        for (name, e) in &vap.variables {
            if let Some(p) = &e.program {
                variables.insert(name.clone(), p.expression());
            }
        }
        roots.set_variables(variables);
        let mut exprs: Vec<(&Expr, super::schema::Roots<'_>)> = Vec::new();
        for (_, e) in vap.match_conditions.iter().chain(&vap.variables) {
            exprs.push((e, roots.clone()));
        }
        for v in &vap.validations {
            let mut inner = roots.clone();
            if let Some(fe) = &v.for_each {
                exprs.push((fe, roots.clone()));
                if let Some(p) = &fe.program {
                    inner.bind_element(&v.as_name, p.expression());
                }
                inner.bind("index", &[], Vec::new());
            }
            exprs.push((&v.expr, inner.clone()));
            if let Some(m) = &v.message_expr {
                exprs.push((m, inner));
            }
        }
        for (e, roots) in exprs {
            let Some(program) = &e.program else { continue };
            let Some(node) = crate::source::locate::descend(place.root, e.at.segs()) else {
                continue;
            };
            for u in super::schema::unknown(program, &roots) {
                let start = source_offset(node, &e.source, u.offset).start;
                let len = u.field.chars().count().max(1);
                let end = source_offset(node, &e.source, u.offset + len - 1)
                    .end
                    .max(start);
                let kinds = u.kinds.join(" or ");
                let help = crate::model::fields::suggest_field(&u.field)
                    .filter(|s| *s != u.field)
                    .map_or_else(
                        || "Check the field's spelling and level in the API reference.".to_owned(),
                        |s| format!("Did you mean `{s}`?"),
                    );
                self.problems.push(Finding {
                    rule: "policy-unknown-field",
                    at_most: None,
                    message: format!(
                        "{kinds} has no field `{}`: this selection never finds a value: the expression fails with \"no such key\", or is always false under `has()`",
                        super::schema::dotted(&u.path)
                    ),
                    help: Some(help),
                    at: Loc::Span {
                        file: place.file,
                        document: Some(place.document),
                        span: start..end,
                    },
                    focus: None,
                    related: Vec::new(),
                    fix: None,
                });
            }
        }
    }

    /// A ValidatingAdmissionPolicy.
    pub fn policy(&mut self, place: &Place<'_>) -> Option<Vap> {
        let vap = self.policy_body(place)?;
        self.native_only_calls(place, &vap);
        let kinds = super::matching::kinds_taken(&vap.constraints);
        self.unknown_fields(
            place,
            &vap,
            super::schema::Roots::new(&kinds, HashMap::new()),
        );
        if vap.constraints.rules.is_none() {
            self.invalid(
                place,
                FieldPath::root().key("spec"),
                "`matchConstraints` is missing: the API server rejects the policy".to_owned(),
                "Add matchConstraints.resourceRules naming the resources the policy checks.",
            );
        }
        Some(vap)
    }

    /// What both policy forms share: name, params, conditions, variables
    /// and validations.
    fn policy_body(&mut self, place: &Place<'_>) -> Option<Vap> {
        let root = place.root;
        let name = text(root.get("metadata")?, "name")?.to_owned();
        let spec_path = FieldPath::root().key("spec");
        let Some(spec) = root.get("spec") else {
            self.invalid(
                place,
                FieldPath::root(),
                format!("ValidatingAdmissionPolicy {name} has no `spec`"),
                "Add a spec with matchConstraints and validations.",
            );
            return None;
        };
        let constraints = spec
            .get("matchConstraints")
            .map(matching)
            .unwrap_or_default();
        let param_kind = spec.get("paramKind").map(|p| {
            (
                text(p, "apiVersion").unwrap_or("").to_owned(),
                text(p, "kind").unwrap_or("").to_owned(),
            )
        });
        let named = |this: &mut Self, list: &str| -> Vec<(String, Expr)> {
            let mut out = Vec::new();
            for (i, item) in spec.list(list).into_iter().enumerate() {
                let at = spec_path.clone().key(list).idx(i);
                let n = text(item, "name").unwrap_or("").to_owned();
                if let Some(e) = this.expr(place, item, &at, "expression") {
                    out.push((n, e));
                }
            }
            out
        };
        let match_conditions = named(self, "matchConditions");
        let variables = named(self, "variables");
        let mut validations = Vec::new();
        for (i, item) in spec.list("validations").into_iter().enumerate() {
            let at = spec_path.clone().key("validations").idx(i);
            let Some(expr) = self.expr(place, item, &at, "expression") else {
                continue;
            };
            let message_expr = self.expr(place, item, &at, "messageExpression");
            let for_each = self.expr(place, item, &at, "forEach");
            let field_path = match text(item, "fieldPath") {
                Some(f) => match parse_field_path(f) {
                    Some(p) => Some(p),
                    None => {
                        self.invalid(
                            place,
                            at.clone().key("fieldPath"),
                            format!("`fieldPath` {f:?} is not a field path"),
                            "Write it as `spec.template.spec.containers[0].image` or `metadata.labels['team']`.",
                        );
                        None
                    }
                },
                None => None,
            };
            validations.push(Validation {
                expr,
                message: text(item, "message").map(str::to_owned),
                message_expr,
                reason: text(item, "reason").map(str::to_owned),
                for_each,
                as_name: text(item, "as").unwrap_or("item").to_owned(),
                field_path,
            });
        }
        Some(Vap {
            obj: place.obj,
            rule: rule_id(&name),
            name,
            ignore_failures: text(spec, "failurePolicy") == Some("Ignore"),
            param_kind,
            constraints,
            match_conditions,
            variables,
            validations,
            native: None,
            description: root
                .get("metadata")
                .and_then(|m| m.get("annotations"))
                .and_then(|a| text(a, "description"))
                .map(str::to_owned),
        })
    }

    /// A StatefulSetPolicy: a policy with its own binding, severity,
    /// matching by namespace and image, inline params, and forEach /
    /// fieldPath validations.
    pub fn native(&mut self, place: &Place<'_>) -> Option<(Vap, Binding)> {
        let mut vap = self.policy_body(place)?;
        let root = place.root;
        let spec = root.get("spec")?;
        let spec_path = FieldPath::root().key("spec");
        // stslint's own schema: a misspelt key would be silently ignored.
        self.known_keys(place, spec, &spec_path, NATIVE_SPEC);
        if let Some(m) = spec.get("match") {
            self.known_keys(place, m, &spec_path.clone().key("match"), NATIVE_MATCH);
        }
        for (i, v) in spec.list("validations").into_iter().enumerate() {
            self.known_keys(
                place,
                v,
                &spec_path.clone().key("validations").idx(i),
                NATIVE_VALIDATION,
            );
        }
        let severity = match text(spec, "severity") {
            None => crate::finding::Severity::Warning,
            Some(s) => crate::finding::Severity::parse(s).unwrap_or_else(|| {
                self.invalid(
                    place,
                    spec_path.clone().key("severity"),
                    format!("unknown severity `{s}`"),
                    "Use error, warning or info.",
                );
                crate::finding::Severity::Warning
            }),
        };
        let m = spec.get("match");
        let mut globs = |key: &str| -> Vec<globset::GlobMatcher> {
            let Some(m) = m else { return Vec::new() };
            strings(m, key)
                .into_iter()
                .filter_map(|g| match globset::Glob::new(&g) {
                    Ok(g) => Some(g.compile_matcher()),
                    Err(e) => {
                        self.invalid(
                            place,
                            spec_path.clone().keys(&["match", key]),
                            format!("`{g}` is not a glob: {e}"),
                            "Use `*` and `?` wildcards.",
                        );
                        None
                    }
                })
                .collect()
        };
        let namespaces = globs("namespaces");
        let images = globs("images");
        vap.constraints = Matching {
            rules: Some(vec![ResourceRule {
                groups: vec!["apps".to_owned()],
                versions: vec!["*".to_owned()],
                resources: vec!["statefulsets".to_owned()],
                operations: vec!["CREATE".to_owned(), "UPDATE".to_owned()],
                names: Vec::new(),
                scope: "*".to_owned(),
            }]),
            exclude: Vec::new(),
            namespace_selector: selector(m.and_then(|m| m.get("namespaceSelector"))),
            object_selector: selector(m.and_then(|m| m.get("objectSelector"))),
            exact: false,
        };
        vap.rule =
            crate::finding::intern(&format!("{}{}", crate::finding::NATIVE_PREFIX, vap.name));
        if let Some(d) = text(spec, "description") {
            vap.description = Some(d.to_owned());
        }
        vap.native = Some(Native {
            severity,
            help: text(spec, "help").map(str::to_owned),
            url: text(spec, "url").map(str::to_owned),
            namespaces,
            images,
            params: spec.get("params").map(|p| super::value::of(&p)),
        });
        let mut roots = super::schema::Roots::new(&["StatefulSet"], HashMap::new());
        roots.bind("service", &["Service"], Vec::new());
        roots.bind_list("pdbs", "PodDisruptionBudget");
        roots.bind_list("claims", "PersistentVolumeClaim");
        self.unknown_fields(place, &vap, roots);
        let action = match severity {
            crate::finding::Severity::Error => Action::Deny,
            crate::finding::Severity::Warning => Action::Warn,
            crate::finding::Severity::Info => Action::Audit,
        };
        let binding = Binding {
            obj: place.obj,
            name: vap.name.clone(),
            policy_name: vap.name.clone(),
            actions: vec![action],
            param_ref: None,
            matching: None,
        };
        Some((vap, binding))
    }

    /// A ValidatingAdmissionPolicyBinding.
    pub fn binding(&mut self, place: &Place<'_>) -> Option<Binding> {
        let root = place.root;
        let name = text(root.get("metadata")?, "name")?.to_owned();
        let spec = root.get("spec")?;
        let spec_path = FieldPath::root().key("spec");
        let Some(policy_name) = text(spec, "policyName") else {
            self.invalid(
                place,
                spec_path,
                format!("ValidatingAdmissionPolicyBinding {name} names no policy (`policyName`)"),
                "Set policyName to the ValidatingAdmissionPolicy this binding applies.",
            );
            return None;
        };
        let mut actions = Vec::new();
        for a in strings(spec, "validationActions") {
            match a.as_str() {
                "Deny" => actions.push(Action::Deny),
                "Warn" => actions.push(Action::Warn),
                "Audit" => actions.push(Action::Audit),
                other => self.invalid(
                    place,
                    spec_path.clone().key("validationActions"),
                    format!("unknown validation action `{other}`"),
                    "Use Deny, Warn or Audit.",
                ),
            }
        }
        if actions.is_empty() {
            self.invalid(
                place,
                spec_path.clone(),
                "`validationActions` is empty: the API server rejects the binding".to_owned(),
                "Set validationActions to [Deny], [Warn], [Audit] or a combination.",
            );
        }
        if actions.contains(&Action::Deny) && actions.contains(&Action::Warn) {
            self.invalid(
                place,
                spec_path.clone().key("validationActions"),
                "`Deny` and `Warn` cannot both be set: the API server rejects the binding"
                    .to_owned(),
                "Keep one of them.",
            );
        }
        let param_ref = spec.get("paramRef").map(|p| ParamRef {
            name: text(p, "name").map(str::to_owned),
            namespace: text(p, "namespace").map(str::to_owned),
            selector: selector(p.get("selector")),
            deny_if_missing: text(p, "parameterNotFoundAction") == Some("Deny"),
        });
        Some(Binding {
            obj: place.obj,
            name,
            policy_name: policy_name.to_owned(),
            actions,
            param_ref,
            matching: spec.get("matchResources").map(matching),
        })
    }
}

const NATIVE_SPEC: &[&str] = &[
    "description",
    "severity",
    "help",
    "url",
    "match",
    "params",
    "failurePolicy",
    "matchConditions",
    "variables",
    "validations",
];
const NATIVE_MATCH: &[&str] = &[
    "namespaces",
    "images",
    "namespaceSelector",
    "objectSelector",
];
const NATIVE_VALIDATION: &[&str] = &[
    "expression",
    "message",
    "messageExpression",
    "reason",
    "forEach",
    "as",
    "fieldPath",
];

impl Reader {
    /// Keys of map `n` (at `path`) that a StatefulSetPolicy does not have.
    fn known_keys(&mut self, place: &Place<'_>, n: Node<'_>, path: &FieldPath, known: &[&str]) {
        let NodeKind::Map(entries) = n.kind() else {
            return;
        };
        for (k, _) in entries.iter() {
            let Some(key) = k.as_scalar() else { continue };
            if known.contains(&key) {
                continue;
            }
            let help = crate::text::closest(key, known.iter().copied(), |f| 2.min(f.len() / 3))
                .map_or_else(
                    || format!("Known fields here: {}.", known.join(", ")),
                    |s| format!("Did you mean `{s}`?"),
                );
            self.invalid(
                place,
                path.clone().key(key),
                format!("unknown field `{key}` in a StatefulSetPolicy: it is ignored"),
                &help,
            );
        }
    }
}

/// A StatefulSetPolicy `fieldPath`: `spec.replicas`,
/// `containers[0].image`, `metadata.labels['app.kubernetes.io/name']`.
pub fn parse_field_path(s: &str) -> Option<FieldPath> {
    let mut path = FieldPath::root();
    let mut rest = s.trim().trim_start_matches('.');
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            path = match inner.strip_prefix(['\'', '"']) {
                Some(q) => path.key(q.strip_suffix(['\'', '"'])?),
                None => path.idx(inner.parse().ok()?),
            };
            rest = r[end + 1..].trim_start_matches('.');
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        if end == 0 {
            return None;
        }
        path = path.key(&rest[..end]);
        rest = rest[end..].trim_start_matches('.');
    }
    (!path.segs().is_empty()).then_some(path)
}

/// The char offset in `source` of 1-based (`line`, `col`).
fn char_offset(source: &str, line: isize, col: isize) -> usize {
    let line = usize::try_from(line.max(1) - 1).unwrap_or(0);
    let col = usize::try_from(col.max(1) - 1).unwrap_or(0);
    let before: usize = source
        .split('\n')
        .take(line)
        .map(|l| l.chars().count() + 1)
        .sum();
    before + col
}

/// The byte range in the file of the character at char offset `offset` of
/// scalar `node`'s value `value`: its non-blank characters are matched one
/// by one with the scalar's source (which adds quotes, indentation, a block
/// header or folded line breaks, but no other character).
fn source_offset(node: Node<'_>, value: &str, offset: usize) -> Range<usize> {
    let span = node.span();
    let Some(src) = node.text_at(span.clone()) else {
        return span;
    };
    let n = value
        .chars()
        .take(offset)
        .filter(|c| !c.is_whitespace())
        .count();
    // Skip a block scalar's header line, or an opening quote.
    let body = if src.starts_with(['|', '>']) {
        src.find('\n').map_or(src.len(), |i| i + 1)
    } else if src.starts_with(['"', '\'']) {
        1
    } else {
        0
    };
    let mut seen = 0;
    for (i, c) in src[body..].char_indices() {
        if c.is_whitespace() {
            continue;
        }
        if seen == n {
            let at = span.start + body + i;
            return at..at + c.len_utf8();
        }
        seen += 1;
    }
    // Past the last character (an error at the end): point after it.
    let end = span.start + src.trim_end_matches(['"', '\'', ' ', '\n']).len();
    end..end
}
