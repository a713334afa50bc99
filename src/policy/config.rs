//! `.stslint.yaml`: found by walking up from the current directory (or
//! given with `--config`), merged under the command line's own flags.
//!
//! ```yaml
//! rules:
//!   pdb-blocks-drain: off
//!   undefined-env-reference: error
//!   volume-claim-size-drift: {severity: info}
//! exclude: [vendor/, charts/*/templates]
//! namespace: prod
//! fail-on: error
//! context: [k8s/]          # loaded for cross-references, not reported on
//! policies: [policies/]     # ValidatingAdmissionPolicies and bindings to run
//! ```

use std::path::{Path, PathBuf};

use super::suggest;
use crate::discover::UsageError;
use crate::finding::Severity;
use crate::rules;
use crate::source::{self, Node, NodeKind};

pub const FILE_NAME: &str = ".stslint.yaml";

/// Rule ids that were renamed: (old, new). Old ids keep working with a note.
pub const RENAMED: &[(&str, &str)] = &[("pgdata-mount-root", "data-dir-mount-root")];

/// What a config file says.
#[derive(Debug, Default, Clone)]
pub struct Config {
    pub path: Option<PathBuf>,
    /// Rule id -> severity (`None`: off), in file order.
    pub rules: Vec<(String, Option<Severity>)>,
    pub exclude: Vec<String>,
    pub namespace: Option<String>,
    pub fail_on: Option<Severity>,
    pub fail_if_no_objects: Option<bool>,
    /// The rules whose fixes `--fix` may apply (`None`: all).
    pub fixable: Option<Vec<String>>,
    /// The rules whose fixes are never applied.
    pub unfixable: Vec<String>,
    /// `kubernetes-version:`.
    pub kubernetes_version: Option<crate::kubernetes::Version>,
    /// Paths loaded for cross-references only, relative to the config
    /// file's directory.
    pub context: Vec<String>,
    /// Policy files and directories (ValidatingAdmissionPolicies and
    /// bindings, their params), relative to the config file's directory.
    pub policies: Vec<String>,
    /// Rule options: (rule id, option name, values).
    pub options: Vec<(String, String, Vec<String>)>,
    /// Notes for stderr (renamed ids).
    pub notes: Vec<String>,
}

/// The nearest `.stslint.yaml` in `start` or one of its parents.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Resolve a rule id as written by a user: known, renamed (with a note),
/// or an error with a did-you-mean.
pub fn rule_id(id: &str, notes: &mut Vec<String>) -> Result<&'static str, String> {
    resolve_id(id, RENAMED, notes)
}

fn resolve_id(
    id: &str,
    renamed: &[(&str, &'static str)],
    notes: &mut Vec<String>,
) -> Result<&'static str, String> {
    if let Some(r) = rules::find(id) {
        return Ok(r.meta().id);
    }
    // A policy's findings: `vap:<name>`, `policy/<name>`.
    if crate::finding::policy_name(id).is_some() {
        return Ok(crate::finding::intern(id));
    }
    if let Some((_, new)) = renamed.iter().find(|(old, _)| *old == id) {
        notes.push(format!("rule `{id}` is now called `{new}`"));
        return Ok(new);
    }
    Err(match suggest(id) {
        Some(s) => format!("unknown rule `{id}`; did you mean `{s}`?"),
        None => format!("unknown rule `{id}` (see `stslint rules`)"),
    })
}

/// A severity as written in config or on the command line; `off` is `None`.
pub fn level(s: &str) -> Result<Option<Severity>, String> {
    match s {
        "off" => Ok(None),
        _ => Severity::parse(s)
            .map(Some)
            .ok_or_else(|| format!("`{s}` is not one of off, info, warning, error")),
    }
}

const KEYS: &[&str] = &[
    "rules",
    "exclude",
    "namespace",
    "fail-on",
    "fail-if-no-objects",
    "context",
    "policies",
    "fixable",
    "unfixable",
    "kubernetes-version",
];

/// A located problem in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based; 0 when the file could not be read at all.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

/// Every problem of a config file as one usage error, a line each.
pub fn usage_error(errors: &[ConfigError]) -> UsageError {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    UsageError(lines.join("\nerror: "))
}

/// Read and check a config file; every problem is reported, each at its
/// place.
pub fn load(path: &Path) -> Result<Config, Vec<ConfigError>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![ConfigError {
            path: path.to_owned(),
            line: 0,
            column: 0,
            message: format!("cannot read config: {e}"),
        }]
    })?;
    load_text(path, text)
}

/// Check a config file's text (the language server's unsaved buffer too).
pub fn load_text(path: &Path, text: String) -> Result<Config, Vec<ConfigError>> {
    let file = source::SourceFile::new(path.display().to_string(), text);
    let text = file.text();
    let mut errors: Vec<ConfigError> = Vec::new();
    let mut err_at = |offset: usize, message: String| {
        let (line, column) = file.line_col(offset);
        errors.push(ConfigError {
            path: path.to_owned(),
            line,
            column,
            message,
        });
    };
    let (docs, problems) = source::parse_source(text);
    if let Some(p) = problems.first() {
        err_at(p.span.start, p.message.clone());
        return Err(errors);
    }
    let mut config = Config {
        path: Some(path.to_path_buf()),
        ..Config::default()
    };
    let Some(root) = docs.first().and_then(|d| d.root()) else {
        return Ok(config);
    };
    let NodeKind::Map(entries) = root.kind() else {
        err_at(root.span().start, "the config must be a mapping".to_owned());
        return Err(errors);
    };
    // A problem at a node; the check goes on with the next entry.
    let mut problems: Vec<(usize, String)> = Vec::new();
    let mut bad = |n: Node<'_>, msg: String| problems.push((n.span().start, msg));
    let string = |n: Node<'_>| n.as_scalar().map(str::to_owned);
    let strings = |v: Node<'_>, bad: &mut dyn FnMut(Node<'_>, String)| -> Vec<String> {
        let items: Vec<Node<'_>> = match v.kind() {
            NodeKind::Seq(items) => items.iter().collect(),
            _ => vec![v],
        };
        items
            .into_iter()
            .filter_map(|n| {
                let s = string(n);
                if s.is_none() {
                    bad(n, "expected a string".to_owned());
                }
                s
            })
            .collect()
    };
    for (k, v) in entries.iter() {
        let key = k.as_scalar().unwrap_or("");
        match key {
            "rules" => {
                let NodeKind::Map(rules) = v.kind() else {
                    bad(v, "`rules` must map rule ids to severities".to_owned());
                    continue;
                };
                for (rk, rv) in rules.iter() {
                    let id = match rule_id(rk.as_scalar().unwrap_or(""), &mut config.notes) {
                        Ok(id) => id,
                        Err(m) => {
                            bad(rk, m);
                            continue;
                        }
                    };
                    let sev = match rv.kind() {
                        NodeKind::Scalar(s) => match level(s.value) {
                            Ok(sev) => sev,
                            Err(m) => {
                                bad(rv, m);
                                continue;
                            }
                        },
                        NodeKind::Map(m) => {
                            let mut sev = rules::find(id).map(|r| r.meta().severity);
                            for (ok, ov) in m.iter() {
                                match ok.as_scalar().unwrap_or("") {
                                    "severity" => match string(ov).map(|s| level(&s)) {
                                        Some(Ok(s)) => sev = s,
                                        Some(Err(m)) => bad(ov, m),
                                        None => bad(ov, "expected a string".to_owned()),
                                    },
                                    "options" => {
                                        let NodeKind::Map(opts) = ov.kind() else {
                                            bad(ov, "`options` must be a mapping".to_owned());
                                            continue;
                                        };
                                        let known =
                                            rules::find(id).map_or(&[][..], |r| r.meta().options);
                                        for (name_node, values) in opts.iter() {
                                            let name = name_node.as_scalar().unwrap_or("");
                                            if !known.iter().any(|o| o.name == name) {
                                                let names: Vec<&str> =
                                                    known.iter().map(|o| o.name).collect();
                                                let msg = if names.is_empty() {
                                                    format!("rule `{id}` has no options")
                                                } else {
                                                    let hint = crate::text::closest(
                                                        name,
                                                        names.iter().copied(),
                                                        |n| n.len() / 3 + 1,
                                                    )
                                                    .map(|n| format!("; did you mean `{n}`?"))
                                                    .unwrap_or_default();
                                                    format!(
                                                        "unknown option `{name}` for rule `{id}` ({}){hint}",
                                                        names.join(", ")
                                                    )
                                                };
                                                bad(name_node, msg);
                                                continue;
                                            }
                                            let list = strings(values, &mut bad);
                                            config.options.push((
                                                id.to_owned(),
                                                name.to_owned(),
                                                list,
                                            ));
                                        }
                                    }
                                    other => bad(
                                        ok,
                                        format!(
                                            "unknown key `{other}` for rule `{id}` (severity, options)"
                                        ),
                                    ),
                                }
                            }
                            sev
                        }
                        NodeKind::Seq(_) => {
                            bad(rv, "expected a severity or {severity, options}".to_owned());
                            continue;
                        }
                    };
                    config.rules.push((id.to_owned(), sev));
                }
            }
            "fixable" | "unfixable" => {
                let items: Vec<Node<'_>> = match v.kind() {
                    NodeKind::Seq(items) => items.iter().collect(),
                    _ => vec![v],
                };
                let mut ids = Vec::new();
                for n in items {
                    match rule_id(n.as_scalar().unwrap_or(""), &mut config.notes) {
                        Ok(id) => ids.push(id.to_owned()),
                        Err(m) => bad(n, m),
                    }
                }
                if key == "fixable" {
                    config.fixable.get_or_insert_with(Vec::new).extend(ids);
                } else {
                    config.unfixable.extend(ids);
                }
            }
            "exclude" => config.exclude.extend(strings(v, &mut bad)),
            "context" => config.context.extend(strings(v, &mut bad)),
            "policies" => config.policies.extend(strings(v, &mut bad)),
            "namespace" => match string(v) {
                Some(ns) => config.namespace = Some(ns),
                None => bad(v, "expected a string".to_owned()),
            },
            "fail-if-no-objects" => match v.as_scalar().map(crate::source::yaml11::bool_of) {
                Some(Some(b)) => config.fail_if_no_objects = Some(b),
                _ => bad(v, "expected true or false".to_owned()),
            },
            "kubernetes-version" => {
                match string(v).map(|s| crate::kubernetes::Version::parse(&s)) {
                    Some(Ok(version)) => config.kubernetes_version = Some(version),
                    Some(Err(m)) => bad(v, m),
                    None => bad(v, "expected a version such as \"1.31\"".to_owned()),
                }
            }
            "fail-on" => match string(v).map(|s| level(&s)) {
                Some(Ok(Some(sev))) => config.fail_on = Some(sev),
                Some(Ok(None)) => bad(v, "fail-on cannot be off".to_owned()),
                Some(Err(m)) => bad(v, m),
                None => bad(v, "expected a string".to_owned()),
            },
            other => {
                let hint = crate::text::closest(other, KEYS.iter().copied(), |_| 3)
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_default();
                bad(k, format!("unknown key `{other}`{hint}"));
            }
        }
    }
    for (offset, msg) in problems {
        err_at(offset, msg);
    }
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(errors)
    }
}

/// What the command line says about policy; `None` means "not given".
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub no_config: bool,
    /// `--select`: only these rules run.
    pub select: Vec<String>,
    /// `--ignore`: these rules do not run.
    pub ignore: Vec<String>,
    /// `--severity ID=LEVEL`.
    pub severity: Vec<String>,
    pub namespace: Option<String>,
    pub fail_on: Option<Severity>,
    pub exclude: Vec<String>,
    /// `--context PATH`.
    pub context: Vec<String>,
    /// `--policy PATH`.
    pub policies: Vec<String>,
    /// `--fail-if-no-objects`.
    pub fail_if_no_objects: bool,
    /// `--kubernetes-version`.
    pub kubernetes_version: Option<crate::kubernetes::Version>,
}

/// True when the config nearest `path` excludes it (its `exclude` globs,
/// relative to the config's directory): the language server does not lint
/// such a file when it is opened, as `stslint check DIR` would not.
pub fn excludes_file(path: &Path) -> bool {
    let Some(config) = path.parent().and_then(discover) else {
        return false;
    };
    let Ok(c) = load(&config) else {
        return false;
    };
    let Ok(globs) = crate::discover::build_globs(&c.exclude) else {
        return false;
    };
    let base = config.parent().unwrap_or(Path::new(""));
    path.strip_prefix(base)
        .is_ok_and(|rel| crate::discover::excluded_relative(&globs, rel))
}

/// Where the run's own config is looked for: from the first path given
/// (`cd /tmp && stslint check repo/k8s` uses repo's), else the current
/// directory.
fn start_dir(paths: &[String], cwd: &Path) -> PathBuf {
    let dir = match paths.iter().find(|p| p.as_str() != "-") {
        Some(p) => {
            let p = cwd.join(p);
            if p.is_dir() {
                p
            } else {
                p.parent().map_or_else(|| cwd.to_owned(), Path::to_owned)
            }
        }
        None => cwd.to_owned(),
    };
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

/// A config path as users see it: relative to the current directory when
/// it is inside it.
fn shown(path: PathBuf, cwd: &Path) -> PathBuf {
    let cwd = std::fs::canonicalize(cwd).unwrap_or_else(|_| cwd.to_owned());
    match path.strip_prefix(&cwd) {
        Ok(rel) => rel.to_owned(),
        Err(_) => path,
    }
}

/// The settings that the config nearest a file decides: rule severities
/// and options, and the default namespace.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub policy: crate::policy::Policy,
    pub namespace: String,
}

/// How a run finds each file's config (see [`scope_inputs`]).
#[derive(Debug, Clone, Default)]
pub struct Nested {
    flags: Flags,
    /// The run's config and what it excludes, relative to its directory.
    primary: Option<(PathBuf, Vec<String>)>,
    /// Look for a nearer config above each file (not with --config).
    discover: bool,
}

/// Merge defaults, the config file and the command line (in that order of
/// precedence, lowest first) into `opts`. Returns notes for stderr.
///
/// The run's config (`--config`, else the nearest above the first path)
/// decides `fail-on` and `context`; each linted file's rules, options,
/// namespace and excludes come from the config nearest that file.
pub fn apply(
    opts: &mut crate::Options,
    flags: &Flags,
    cwd: &Path,
) -> Result<Vec<String>, UsageError> {
    let path = if flags.no_config {
        None
    } else if let Some(p) = &flags.config {
        Some(p.clone())
    } else {
        discover(&start_dir(&opts.paths, cwd)).map(|p| shown(p, cwd))
    };
    let config = match &path {
        Some(p) => load(p).map_err(|e| usage_error(&e))?,
        None => Config::default(),
    };
    let mut notes = config.notes.clone();
    let mut scope = Scope {
        policy: std::mem::take(&mut opts.policy),
        namespace: std::mem::take(&mut opts.namespace),
    };
    apply_scope(&config, flags, &mut scope, &mut notes)?;
    opts.policy = scope.policy;
    opts.namespace = scope.namespace;
    opts.excludes.extend(flags.exclude.iter().cloned());
    // Context paths in the config file are relative to its directory.
    let base = path
        .as_deref()
        .and_then(Path::parent)
        .filter(|d| !d.as_os_str().is_empty() && *d != cwd);
    let relative = |c: &String| match base {
        Some(d) => d.join(c).to_string_lossy().into_owned(),
        None => c.clone(),
    };
    opts.context.extend(config.context.iter().map(relative));
    opts.context.extend(flags.context.iter().cloned());
    opts.policies.extend(config.policies.iter().map(relative));
    opts.policies.extend(flags.policies.iter().cloned());
    if let Some(f) = flags.fail_on.or(config.fail_on) {
        opts.policy.fail_on = f;
    }
    opts.fail_if_no_objects = flags.fail_if_no_objects || config.fail_if_no_objects == Some(true);
    let primary = path.as_deref().map(|p| {
        let p = cwd.join(p);
        (
            std::fs::canonicalize(&p).unwrap_or(p),
            config.exclude.clone(),
        )
    });
    // The run's excludes also hold for --context and --baseline-dir walks.
    if primary
        .as_ref()
        .and_then(|(p, _)| p.parent())
        .is_some_and(|d| std::fs::canonicalize(cwd).is_ok_and(|c| c == d))
    {
        opts.excludes.extend(config.exclude.iter().cloned());
    }
    opts.nested = Some(Nested {
        flags: flags.clone(),
        primary,
        discover: !flags.no_config && flags.config.is_none(),
    });
    Ok(notes)
}

/// The config's and the command line's rule settings and namespace.
fn apply_scope(
    config: &Config,
    flags: &Flags,
    scope: &mut Scope,
    notes: &mut Vec<String>,
) -> Result<(), UsageError> {
    let policy = &mut scope.policy;
    if let Some(v) = flags.kubernetes_version.or(config.kubernetes_version) {
        policy.kubernetes = v;
    }
    if let Some(f) = &config.fixable {
        policy.fixable = Some(f.clone());
    }
    policy.unfixable.extend(config.unfixable.iter().cloned());
    for (id, sev) in &config.rules {
        policy.overrides.insert(id.clone(), *sev);
    }
    for (id, name, values) in &config.options {
        policy
            .options
            .entry(id.clone())
            .or_default()
            .insert(name.clone(), values.clone());
    }
    if let Some(ns) = flags.namespace.clone().or(config.namespace.clone()) {
        scope.namespace = ns;
    }
    let ids = |list: &[String], notes: &mut Vec<String>| -> Result<Vec<&'static str>, UsageError> {
        list.iter()
            .flat_map(|s| s.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|id| rule_id(id, notes).map_err(UsageError))
            .collect()
    };
    let select = ids(&flags.select, notes)?;
    if !select.is_empty() {
        for r in rules::RULES {
            let id = r.meta().id;
            if !select.contains(&id) {
                policy.overrides.insert(id.to_owned(), None);
            } else if policy.overrides.get(id) == Some(&None) {
                // Selected explicitly: on, at its default severity.
                policy.overrides.remove(id);
            }
        }
    }
    for id in ids(&flags.ignore, notes)? {
        policy.overrides.insert(id.to_owned(), None);
    }
    for pair in &flags.severity {
        let (id, lvl) = pair
            .split_once('=')
            .ok_or_else(|| UsageError(format!("--severity expects ID=LEVEL, got `{pair}`")))?;
        let id = rule_id(id.trim(), notes).map_err(UsageError)?;
        let sev = level(lvl.trim()).map_err(|m| UsageError(format!("--severity {id}: {m}")))?;
        policy.overrides.insert(id.to_owned(), sev);
    }
    Ok(())
}

/// Each reported input's scope: 0 for the run's own settings, `k` for
/// `scopes[k - 1]`, the settings of a nearer config. Walked files that a
/// config excludes (its `exclude` globs, relative to its directory) are
/// dropped. Returns the scope of every input (context and baseline inputs
/// are in scope 0) and the extra scopes.
pub fn scope_inputs(
    inputs: &mut Vec<crate::discover::Input>,
    reported: &mut usize,
    nested: &Nested,
    base_namespace: &str,
) -> Result<(Vec<usize>, Vec<Scope>), UsageError> {
    use crate::discover::{Input, build_globs, excluded_relative};
    use std::collections::HashMap;
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    let primary = nested.primary.as_ref().map(|(p, _)| p.clone());
    // Config path -> (scope, its directory, its excludes).
    let mut configs: HashMap<PathBuf, (usize, PathBuf, globset::GlobSet)> = HashMap::new();
    if let Some((p, ex)) = &nested.primary {
        let dir = p.parent().map(Path::to_owned).unwrap_or_default();
        configs.insert(p.clone(), (0, dir, build_globs(ex)?));
    }
    let mut by_dir: HashMap<PathBuf, (PathBuf, Option<PathBuf>)> = HashMap::new();
    let mut scopes: Vec<Scope> = Vec::new();
    let mut errors: Vec<ConfigError> = Vec::new();
    let mut scope_of = Vec::with_capacity(inputs.len());
    let mut keep = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let Input::File { path, explicit, .. } = input else {
            scope_of.push(0);
            keep.push(true);
            continue;
        };
        if i >= *reported {
            scope_of.push(0);
            keep.push(true);
            continue;
        }
        let parent = path.parent().map(Path::to_owned).unwrap_or_default();
        // Per directory, once: its canonical path and its nearest config.
        let (canonical_dir, config) = by_dir
            .entry(parent.clone())
            .or_insert_with(|| {
                let dir = canonical(if parent.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    &parent
                });
                let config = if nested.discover {
                    discover(&dir).map(|p| canonical(&p))
                } else {
                    primary.clone()
                };
                (dir, config)
            })
            .clone();
        let Some(config) = config else {
            scope_of.push(0);
            keep.push(true);
            continue;
        };
        if !configs.contains_key(&config) {
            let cwd = std::env::current_dir().unwrap_or_default();
            match load(&shown(config.clone(), &cwd)) {
                Ok(c) => {
                    let mut scope = Scope {
                        policy: crate::policy::Policy::default(),
                        namespace: base_namespace.to_owned(),
                    };
                    let mut notes = Vec::new();
                    apply_scope(&c, &nested.flags, &mut scope, &mut notes)?;
                    scopes.push(scope);
                    let dir = config.parent().map(Path::to_owned).unwrap_or_default();
                    configs.insert(
                        config.clone(),
                        (scopes.len(), dir, build_globs(&c.exclude)?),
                    );
                }
                Err(e) => {
                    errors.extend(e);
                    configs.insert(
                        config.clone(),
                        (0, PathBuf::new(), globset::GlobSet::empty()),
                    );
                }
            }
        }
        let (scope, dir, globs) = &configs[&config];
        let out = !*explicit
            && path.file_name().is_some_and(|name| {
                canonical_dir
                    .join(name)
                    .strip_prefix(dir)
                    .is_ok_and(|rel| excluded_relative(globs, rel))
            });
        scope_of.push(*scope);
        keep.push(!out);
    }
    if !errors.is_empty() {
        return Err(usage_error(&errors));
    }
    let mut k = keep.iter();
    let mut s = scope_of.iter();
    let dropped = keep[..*reported].iter().filter(|k| !**k).count();
    *reported -= dropped;
    let mut scoped = Vec::with_capacity(inputs.len());
    inputs.retain(|_| {
        let kept = *k.next().unwrap_or(&true);
        let scope = *s.next().unwrap_or(&0);
        if kept {
            scoped.push(scope);
        }
        kept
    });
    Ok((scoped, scopes))
}

#[cfg(test)]
mod tests {
    use super::resolve_id;

    #[test]
    fn renamed_ids_keep_working_with_a_note() {
        let renamed = [("pdb-majority", "pdb-quorum")];
        let mut notes = Vec::new();
        assert_eq!(
            resolve_id("pdb-majority", &renamed, &mut notes),
            Ok("pdb-quorum")
        );
        assert_eq!(notes, ["rule `pdb-majority` is now called `pdb-quorum`"]);
        assert_eq!(
            resolve_id("pdb-quorum", &renamed, &mut notes),
            Ok("pdb-quorum")
        );
        assert_eq!(notes.len(), 1);
        let err = resolve_id("pdb-quorom", &renamed, &mut notes).unwrap_err();
        assert!(err.contains("did you mean `pdb-quorum`?"), "{err}");
    }
}
