//! The Rule trait, rule metadata, the registry and helpers rules share.
//! Rules say what is wrong, on which object, at which field path; they never
//! see spans.

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::Container;

use std::collections::HashMap;

use crate::finding::{Finding, Loc, ObjId, Related, Severity};
use crate::index::{Index, Labels};
use crate::model::path::{FieldPath, container};
use crate::model::{Object, Pdb};

mod broker_id_from_pod_name;
mod data_dir_mount_root;
mod data_on_emptydir;
mod duplicate_object;
mod env_command_substitution;
mod env_value_not_string;
mod even_quorum_replicas;
mod field_not_in_version;
mod hardcoded_namespace_dns;
mod image_mutable_tag;
mod immutable_field_change;
mod invalid_object;
mod kafka_unsafe_durability;
mod kraft_with_zookeeper;
mod missing_anti_affinity;
mod missing_headless_service;
mod missing_pdb;
mod missing_readiness_probe;
mod name_too_long;
mod partition_exceeds_replicas;
mod pdb_blocks_drain;
mod pdb_overlap;
mod pdb_quorum;
mod pdb_selects_nothing;
mod plaintext_secret_config;
mod plaintext_secret_env;
mod policy_invalid;
mod policy_not_evaluable;
mod policy_unknown_field;
mod pvc_retention_delete;
mod quorum_members_mismatch;
mod removed_api_version;
mod selector_template_mismatch;
mod service_not_headless;
mod service_selector_mismatch;
mod termination_grace_too_short;
mod undefined_env_reference;
mod unknown_field;
mod unused_suppression;
mod volume_claim_missing_storage;
mod volume_claim_shadowed;
mod volume_claim_size_drift;
mod volume_mount_undefined;
mod yaml_syntax;

/// What a rule is, for users: shown by `stslint rules`, in docs and reports.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// A manifest the rule fires on.
    pub bad: &'static str,
    /// The same manifest, fixed.
    pub good: &'static str,
    /// The stslint version that introduced the rule.
    pub since: &'static str,
    /// The rule compares with a baseline (`--baseline`): its bad example
    /// fires when compared with its good example.
    pub needs_baseline: bool,
    /// Options users can set in `.stslint.yaml` (`rules: {id: {options: ...}}`).
    pub options: &'static [RuleOption],
}

/// A rule option: a list of strings with a default.
#[derive(Debug)]
pub struct RuleOption {
    pub name: &'static str,
    pub doc: &'static str,
    pub default: &'static [&'static str],
}

/// The StatefulSet being checked.
pub struct Sts<'a> {
    pub id: ObjId,
    pub obj: &'a Object,
    pub sts: &'a StatefulSet,
    /// The pod template's labels.
    pub labels: Labels,
    /// The PodDisruptionBudgets selecting the pods, in object order.
    pub pdbs: Vec<(ObjId, &'a Pdb)>,
    /// The same StatefulSet in the baseline (`--baseline`), if it is there.
    pub before: Option<(ObjId, &'a StatefulSet)>,
    index: &'a Index,
    /// What the knowledge model reads of the containers, once per
    /// StatefulSet for all the rules that ask.
    known: std::cell::OnceCell<Vec<crate::knowledge::Profile>>,
    /// The ConfigMap files the pods mount, looked up once.
    pod: std::cell::OnceCell<crate::knowledge::Pod<'a>>,
    /// The containers with their paths, built once.
    containers: std::cell::OnceCell<Vec<(FieldPath, &'a Container)>>,
}

impl<'a> Sts<'a> {
    /// Labels and budgets are looked up once here and shared by the rules.
    pub fn new(index: &'a Index, id: ObjId, obj: &'a Object, sts: &'a StatefulSet) -> Self {
        let labels = template_labels(sts);
        let pdbs = index.pdbs_selecting(&obj.namespace, &labels);
        Sts {
            id,
            obj,
            sts,
            labels,
            pdbs,
            before: None,
            index,
            known: std::cell::OnceCell::new(),
            pod: std::cell::OnceCell::new(),
            containers: std::cell::OnceCell::new(),
        }
    }

    /// What the pod reads besides its containers (mounted ConfigMaps),
    /// looked up on first use.
    pub fn pod(&self) -> &crate::knowledge::Pod<'a> {
        self.pod
            .get_or_init(|| crate::knowledge::Pod::new(self, self.index))
    }

    /// The init and main containers with their paths ([`containers`]),
    /// built on first use and shared by the rules.
    pub fn containers(&self) -> &[(FieldPath, &'a Container)] {
        self.containers.get_or_init(|| containers(self.sts))
    }

    /// The containers the knowledge model recognises (without the options
    /// of data-on-emptydir), computed on first use.
    pub fn known(&self) -> &[crate::knowledge::Profile] {
        self.known
            .get_or_init(|| crate::knowledge::profiles(self, &crate::knowledge::Extra::default()))
    }
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Check one StatefulSet. Rules produced by the loader itself
    /// (yaml-syntax, invalid-object) keep the default, which does nothing.
    fn check(&self, _sts: &Sts<'_>, _cx: &mut Cx<'_>) {}
    /// Check any object (every object of the run passes here once).
    fn check_object(&self, _id: ObjId, _obj: &Object, _cx: &mut Cx<'_>) {}
}

/// Every rule, in id order. Adding a rule is one line here.
pub static RULES: &[&dyn Rule] = &[
    &broker_id_from_pod_name::BrokerIdFromPodName,
    &data_dir_mount_root::DataDirMountRoot,
    &data_on_emptydir::DataOnEmptydir,
    &duplicate_object::DuplicateObject,
    &env_command_substitution::EnvCommandSubstitution,
    &env_value_not_string::EnvValueNotString,
    &even_quorum_replicas::EvenQuorumReplicas,
    &field_not_in_version::FieldNotInVersion,
    &hardcoded_namespace_dns::HardcodedNamespaceDns,
    &image_mutable_tag::ImageMutableTag,
    &immutable_field_change::ImmutableFieldChange,
    &invalid_object::InvalidObject,
    &kafka_unsafe_durability::KafkaUnsafeDurability,
    &kraft_with_zookeeper::KraftWithZookeeper,
    &missing_anti_affinity::MissingAntiAffinity,
    &missing_headless_service::MissingHeadlessService,
    &missing_pdb::MissingPdb,
    &missing_readiness_probe::MissingReadinessProbe,
    &name_too_long::NameTooLong,
    &partition_exceeds_replicas::PartitionExceedsReplicas,
    &pdb_blocks_drain::PdbBlocksDrain,
    &pdb_overlap::PdbOverlap,
    &pdb_quorum::PdbQuorum,
    &pdb_selects_nothing::PdbSelectsNothing,
    &plaintext_secret_config::PlaintextSecretConfig,
    &plaintext_secret_env::PlaintextSecretEnv,
    &policy_invalid::PolicyInvalid,
    &policy_not_evaluable::PolicyNotEvaluable,
    &policy_unknown_field::PolicyUnknownField,
    &pvc_retention_delete::PvcRetentionDelete,
    &quorum_members_mismatch::QuorumMembersMismatch,
    &removed_api_version::RemovedApiVersion,
    &selector_template_mismatch::SelectorTemplateMismatch,
    &service_not_headless::ServiceNotHeadless,
    &service_selector_mismatch::ServiceSelectorMismatch,
    &termination_grace_too_short::TerminationGraceTooShort,
    &undefined_env_reference::UndefinedEnvReference,
    &unknown_field::UnknownField,
    &unused_suppression::UnusedSuppression,
    &volume_claim_missing_storage::VolumeClaimMissingStorage,
    &volume_claim_shadowed::VolumeClaimShadowed,
    &volume_claim_size_drift::VolumeClaimSizeDrift,
    &volume_mount_undefined::VolumeMountUndefined,
    &yaml_syntax::YamlSyntax,
];

pub fn find(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.meta().id == id)
}

/// The context a rule reports through.
pub struct Cx<'a> {
    pub index: &'a Index,
    /// The Kubernetes version the manifests are for.
    pub version: crate::kubernetes::Version,
    rule: &'static dyn Rule,
    options: Option<&'a HashMap<String, Vec<String>>>,
    findings: &'a mut Vec<Finding>,
}

impl<'a> Cx<'a> {
    pub fn new(
        index: &'a Index,
        rule: &'static dyn Rule,
        options: Option<&'a HashMap<String, Vec<String>>>,
        findings: &'a mut Vec<Finding>,
    ) -> Self {
        Cx {
            index,
            version: crate::kubernetes::NEWEST,
            rule,
            options,
            findings,
        }
    }

    /// A list option of the rule: as configured, else its default.
    pub fn option(&self, name: &str) -> Vec<String> {
        if let Some(v) = self.options.and_then(|o| o.get(name)) {
            return v.clone();
        }
        self.rule
            .meta()
            .options
            .iter()
            .find(|o| o.name == name)
            .map(|o| o.default.iter().map(|s| (*s).to_owned()).collect())
            .unwrap_or_default()
    }

    /// Report a finding at `path` of object `obj`.
    pub fn report(
        &mut self,
        obj: ObjId,
        path: FieldPath,
        message: impl Into<String>,
    ) -> Report<'_> {
        self.findings.push(Finding {
            rule: self.rule.meta().id,
            at_most: None,
            focus: None,
            message: message.into(),
            help: None,
            at: Loc::Field { obj, path },
            related: Vec::new(),
            fix: None,
        });
        let last = self.findings.len() - 1;
        Report(&mut self.findings[last])
    }
}

/// Adds help and related labels to a reported finding.
pub struct Report<'f>(&'f mut Finding);

impl Report<'_> {
    pub fn help(self, help: impl Into<String>) -> Self {
        self.0.help = Some(help.into());
        self
    }

    /// Report at `severity` at most: the evidence is weaker than the
    /// rule's severity assumes (the message says what it rests on).
    pub fn at_most(self, severity: Severity) -> Self {
        self.0.at_most = Some(severity);
        self
    }

    /// Point at `text` inside the field's value rather than at the whole
    /// value (the renderer finds it in the source).
    pub fn focus(self, text: impl Into<String>) -> Self {
        self.0.focus = Some(text.into().into_boxed_str());
        self
    }

    /// Attach a fix: operations on fields of the reported object (the
    /// renderer plans them into edits of its text, and verifies them).
    pub fn fix(self, fix: crate::finding::Fix) -> Self {
        self.0.fix = Some(Box::new(fix));
        self
    }

    /// The fix, when there is one.
    pub fn fix_opt(self, fix: Option<crate::finding::Fix>) -> Self {
        match fix {
            Some(f) => self.fix(f),
            None => self,
        }
    }

    pub fn related(self, obj: ObjId, path: FieldPath, message: impl Into<String>) -> Self {
        self.0.related.push(Related {
            at: Loc::Field { obj, path },
            message: message.into(),
        });
        self
    }
}

// ---- helpers shared by rules -------------------------------------------

/// The Service named by the StatefulSet's serviceName, if it exists in the
/// StatefulSet's namespace: (name, object id, Service).
pub fn named_service<'s, 'i>(
    s: &Sts<'s>,
    cx: &Cx<'i>,
) -> Option<(&'s str, ObjId, &'i crate::model::Svc)> {
    let name = s.sts.spec.service_name.as_deref()?;
    let (id, svc) = cx.index.service(&s.obj.namespace, name)?;
    Some((name, id, svc))
}

/// A namespace as a message shows it: `` `prod` ``, or `` `default`
/// (assumed: the manifest sets none) ``.
pub fn namespace_shown(obj: &Object) -> String {
    if obj.namespace_set {
        format!("`{}`", obj.namespace)
    } else {
        format!("`{}` (assumed: the manifest sets none)", obj.namespace)
    }
}

/// True when the Service's endpoints are not made from a selector but
/// written by someone else: it has no selector, and an Endpoints or
/// EndpointSlice of that Service is in the run, or the pods run Patroni
/// (which writes its leader Service's endpoints itself).
pub fn self_managed_endpoints(
    s: &Sts<'_>,
    cx: &Cx<'_>,
    name: &str,
    svc: &crate::model::Svc,
) -> Option<String> {
    if svc.selector.as_ref().is_some_and(|sel| !sel.is_empty()) {
        return None;
    }
    if cx.index.endpoints_of(&s.obj.namespace, name).is_some() {
        return Some(format!(
            "an Endpoints object of `{name}` is in the manifests"
        ));
    }
    s.known()
        .iter()
        .any(|p| p.system == crate::knowledge::System::Patroni)
        .then(|| "Patroni writes the endpoints of its Service itself".to_owned())
}

const MARKERS: [&str; 8] = [
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "PRIVATE_KEY",
    // Redis: `requirepass` and `masterauth` are its passwords.
    "REQUIREPASS",
    "MASTERAUTH",
];

/// A name that carries a secret itself (not a path to one: *_FILE, *_PATH).
pub fn is_secret_name(name: &str) -> bool {
    // Compared without case, in place: this runs for every env entry of
    // every container.
    let n = name.as_bytes();
    let has = |m: &str| {
        n.windows(m.len())
            .any(|w| w.eq_ignore_ascii_case(m.as_bytes()))
    };
    let ends =
        |m: &str| n.len() >= m.len() && n[n.len() - m.len()..].eq_ignore_ascii_case(m.as_bytes());
    MARKERS.iter().any(|m| has(m))
        // etcd's initial cluster token names the cluster; it grants nothing.
        && !has("INITIAL_CLUSTER_TOKEN")
        && !ends("_FILE")
        && !ends("_PATH")
        && !ends("_DIR")
}

/// A yes/no value: a switch, not a secret (MYSQL_ALLOW_EMPTY_PASSWORD).
pub fn is_switch(value: &str) -> bool {
    ["yes", "no", "true", "false", "on", "off", "1", "0"]
        .iter()
        .any(|w| value.eq_ignore_ascii_case(w))
}

/// Said of a finding that compares labels on a file whose kustomization
/// adds labels it does not show.
pub const LABELS_ADDED: &str = " (the kustomization beside the file adds labels that it does not show: lint the rendered output, `kubectl kustomize DIR | stslint check -`)";

/// The severity a label-comparing finding may have: info when a
/// kustomization adds labels to one of the objects compared.
pub fn labels_evidence(objects: &[&Object]) -> (Severity, &'static str) {
    if objects.iter().any(|o| o.labels_added) {
        (Severity::Info, LABELS_ADDED)
    } else {
        (Severity::Error, "")
    }
}

/// Replicas, defaulting to 1 as the API server does.
pub fn replicas(sts: &StatefulSet) -> i32 {
    sts.spec.replicas.unwrap_or(1)
}

/// The pod template's labels.
pub fn template_labels(sts: &StatefulSet) -> Labels {
    sts.spec
        .template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default()
}

/// The pod template's volumes.
pub fn pod_volumes(sts: &StatefulSet) -> &[k8s_openapi::api::core::v1::Volume] {
    sts.spec
        .template
        .spec
        .as_ref()
        .and_then(|p| p.volumes.as_deref())
        .unwrap_or(&[])
}

/// Init containers and containers of the pod template, with their paths.
pub fn containers(sts: &StatefulSet) -> Vec<(FieldPath, &Container)> {
    let Some(pod) = sts.spec.template.spec.as_ref() else {
        return Vec::new();
    };
    let init = pod.init_containers.iter().flatten().enumerate();
    let main = pod.containers.iter().enumerate();
    init.map(|(i, c)| (container::at(true, i), c))
        .chain(main.map(|(i, c)| (container::at(false, i), c)))
        .collect()
}

/// An env value or a command/args entry of a container; its path is made
/// only when something is reported there (most entries never are).
#[derive(Debug, Clone, Copy)]
pub struct Entry<'p> {
    cpath: &'p FieldPath,
    /// `env`, `command` or `args`.
    field: &'static str,
    k: usize,
}

impl Entry<'_> {
    pub fn path(&self) -> FieldPath {
        match self.field {
            "env" => container::env_value(self.cpath, self.k),
            field => container::arg(self.cpath, field, self.k),
        }
    }
}

/// The env entries of a container with a literal value: (where the value
/// is, variable name, value).
pub fn env_values<'c>(
    cpath: &'c FieldPath,
    c: &'c Container,
) -> impl Iterator<Item = (Entry<'c>, &'c str, &'c str)> + 'c {
    c.env
        .iter()
        .flatten()
        .enumerate()
        .filter_map(move |(k, e)| {
            let value = e.value.as_deref()?;
            let at = Entry {
                cpath,
                field: "env",
                k,
            };
            Some((at, e.name.as_str(), value))
        })
}

/// The command and args entries of a container: (where it is, field name,
/// text).
pub fn command_and_args<'c>(
    cpath: &'c FieldPath,
    c: &'c Container,
) -> impl Iterator<Item = (Entry<'c>, &'static str, &'c str)> + 'c {
    [("command", &c.command), ("args", &c.args)]
        .into_iter()
        .flat_map(move |(field, list)| {
            list.iter()
                .flatten()
                .enumerate()
                .map(move |(k, a)| (Entry { cpath, field, k }, field, a.as_str()))
        })
}

/// Image reference split into repository path (no registry host) and tag.
pub fn image_parts(image: &str) -> (&str, Option<&str>) {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match no_digest[last_slash..].find(':') {
        Some(c) => (
            &no_digest[..last_slash + c],
            Some(&no_digest[last_slash + c + 1..]),
        ),
        None => (no_digest, None),
    };
    // Drop a registry host (first component with a dot or port, or localhost).
    let repo = match repo.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => rest,
        _ => repo,
    };
    (repo, tag)
}

/// The last component of an image repository (`bitnami/kafka` -> `kafka`).
pub fn image_name(image: &str) -> &str {
    let (repo, _) = image_parts(image);
    repo.rsplit('/').next().unwrap_or(repo)
}

/// How many of `n` pods a PodDisruptionBudget keeps available, computed as
/// the disruption controller does (percentages round up).
pub struct Budget {
    /// The field that sets it (minAvailable or maxUnavailable).
    pub path: FieldPath,
    /// The field as written, e.g. `maxUnavailable: 50%`.
    pub shown: String,
    /// Pods that must stay available.
    pub keeps: i64,
}

impl Budget {
    /// The fix that makes the budget keep `keeps` of `n` pods, through the
    /// field already written (minAvailable: keeps; maxUnavailable: the
    /// rest). Unsafe: it changes how drains and autoscalers may evict.
    pub fn fix_keeping(&self, keeps: i64, n: i64) -> crate::finding::Fix {
        use crate::finding::{Applicability, Fix, FixOp};
        let min = matches!(self.path.segs().last(), Some(crate::source::locate::Seg::Key(k)) if k == "minAvailable");
        let (field, value) = if min {
            ("minAvailable", keeps)
        } else {
            ("maxUnavailable", n - keeps)
        };
        Fix::new(format!("set {field} to {value}"), Applicability::Unsafe)
            .edit(self.path.clone(), FixOp::Set(value.into()))
    }
}

pub fn pdb_budget(pdb: &crate::model::Pdb, n: i32) -> Option<Budget> {
    use crate::model::path::pdb;
    use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    let spec = pdb.spec.as_ref()?;
    let n = i64::from(n);
    let scaled = |v: &IntOrString| -> Option<(i64, String)> {
        match v {
            IntOrString::Int(i) => Some((i64::from(*i), i.to_string())),
            IntOrString::String(s) => {
                let p: i64 = s.strip_suffix('%')?.trim().parse().ok()?;
                // ceil(p * n / 100)
                Some(((p * n + 99).div_euclid(100), s.clone()))
            }
        }
    };
    if let Some(min) = &spec.min_available {
        let (v, shown) = scaled(min)?;
        return Some(Budget {
            path: pdb::min_available(),
            shown: format!("minAvailable: {shown}"),
            keeps: v,
        });
    }
    let max = spec.max_unavailable.as_ref()?;
    let (v, shown) = scaled(max)?;
    Some(Budget {
        path: pdb::max_unavailable(),
        shown: format!("maxUnavailable: {shown}"),
        keeps: n - v,
    })
}

/// Majority of `n` voters: floor(n/2)+1.
pub fn majority(n: i64) -> i64 {
    n / 2 + 1
}

/// A `$(...)` in a value, as Kubernetes variable expansion sees it.
pub struct DollarParen<'a> {
    /// The text between the parentheses (to the end of the value if unclosed).
    pub inner: &'a str,
    pub closed: bool,
}

/// Every `$(...)` of a value, skipping `$$` escapes.
pub fn dollar_parens(s: &str) -> Vec<DollarParen<'_>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    // Most values hold no `$` at all.
    let Some(mut i) = memchr::memchr(b'$', b) else {
        return out;
    };
    while i + 1 < b.len() {
        if b[i] == b'$' && b[i + 1] == b'$' {
            i += 2;
            continue;
        }
        if b[i] == b'$' && b[i + 1] == b'(' {
            let start = i + 2;
            match s[start..].find(')') {
                Some(end) => {
                    out.push(DollarParen {
                        inner: &s[start..start + end],
                        closed: true,
                    });
                    i = start + end + 1;
                }
                None => {
                    out.push(DollarParen {
                        inner: &s[start..],
                        closed: false,
                    });
                    break;
                }
            }
            continue;
        }
        i += 1;
    }
    out
}

/// A name Kubernetes accepts for an environment variable.
pub fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '-' || c == '.')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// The documentation page of a rule as written to rules/<id>.md: the page,
/// with a comment naming what it is generated from.
pub fn markdown(m: &RuleMeta) -> String {
    let page = page(m);
    let (title, rest) = page.split_once("\n\n").unwrap_or((&page, ""));
    format!(
        "{title}\n\n<!-- generated from src/rules/{}.rs by `stslint rules --markdown rules/`; do not edit -->\n\n{rest}",
        m.id.replace('-', "_")
    )
}

/// The documentation of a rule, generated from its metadata so the two
/// cannot drift apart (`stslint explain`, SARIF help).
pub fn page(m: &RuleMeta) -> String {
    format!(
        "# {id}\n\n\
         Default severity: **{sev}** · since stslint {since}\n\n## What it finds\n\n{summary}.\n\n## Why it matters\n\n{why}\n\n\
         ## Example that fires\n\n{bad_intro}```yaml\n{bad}```\n\n## Fixed\n\n```yaml\n{good}```\n{options}",
        id = m.id,
        sev = m.severity,
        since = m.since,
        summary = capitalise(m.summary),
        options = options_doc(m),
        bad_intro = if m.needs_baseline {
            "Compared with the manifest under *Fixed* as the baseline (`--baseline REV` or `--baseline-dir DIR`):\n\n"
        } else {
            ""
        },
        why = m.why.split_whitespace().collect::<Vec<_>>().join(" "),
        bad = m.bad,
        good = m.good,
    )
}

/// Where a rule's documentation is published: its generated page in the
/// repository named in Cargo.toml.
pub fn doc_url(id: &str) -> String {
    format!("{}/blob/main/rules/{id}.md", env!("CARGO_PKG_REPOSITORY"))
}

/// rules/README.md: the table of every rule.
pub fn index_markdown() -> String {
    let mut out = String::from(
        "# Rules\n\n<!-- generated by `stslint rules --markdown rules/`; do not edit -->\n\n| rule | severity | finds |\n|---|---|---|\n",
    );
    for r in RULES {
        let m = r.meta();
        out.push_str(&format!(
            "| [{id}]({id}.md) | {} | {} |\n",
            m.severity,
            m.summary.replace('|', "\\|"),
            id = m.id
        ));
    }
    out
}

/// Write one page per rule and the index into `dir`; returns the number
/// of files written.
pub fn write_docs(dir: &std::path::Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    for r in RULES {
        let m = r.meta();
        std::fs::write(dir.join(format!("{}.md", m.id)), markdown(m))?;
    }
    std::fs::write(dir.join("README.md"), index_markdown())?;
    Ok(RULES.len() + 1)
}

fn options_doc(m: &RuleMeta) -> String {
    if m.options.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\n## Options\n\n```yaml\n# .stslint.yaml\nrules:\n  {}:\n    options:\n",
        m.id
    );
    for o in m.options {
        out.push_str(&format!(
            "      # {}\n      {}: [{}]\n",
            o.doc,
            o.name,
            o.default.join(", ")
        ));
    }
    out.push_str("```\n");
    out
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_parts_split() {
        assert_eq!(image_parts("postgres:16"), ("postgres", Some("16")));
        assert_eq!(
            image_parts("docker.io/library/postgres:18.1@sha256:abc"),
            ("library/postgres", Some("18.1"))
        );
        assert_eq!(image_parts("localhost:5000/pg"), ("pg", None));
        assert_eq!(image_name("quay.io/bitnami/kafka:3.7"), "kafka");
    }
}
