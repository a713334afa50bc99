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
    /// Paths loaded for cross-references only, relative to the config
    /// file's directory.
    pub context: Vec<String>,
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

const KEYS: &[&str] = &["rules", "exclude", "namespace", "fail-on", "context"];

/// Read and check a config file.
pub fn load(path: &Path) -> Result<Config, UsageError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("cannot read config `{}`: {e}", path.display())))?;
    let file = source::SourceFile::new(path.display().to_string(), text);
    let text = file.text();
    let at = |node: Node<'_>| {
        let (line, col) = file.line_col(node.span().start);
        format!("{}:{line}:{col}", path.display())
    };
    let err = |node: Node<'_>, msg: String| UsageError(format!("{}: {msg}", at(node)));
    let (docs, problems) = source::parse_source(text);
    if let Some(p) = problems.first() {
        let (line, col) = file.line_col(p.span.start);
        return Err(UsageError(format!(
            "{}:{line}:{col}: {}",
            path.display(),
            p.message
        )));
    }
    let mut config = Config {
        path: Some(path.to_path_buf()),
        ..Config::default()
    };
    let Some(root) = docs.first().and_then(|d| d.root()) else {
        return Ok(config);
    };
    let NodeKind::Map(entries) = root.kind() else {
        return Err(err(root, "the config must be a mapping".to_owned()));
    };
    let string = |n: Node<'_>| -> Result<String, UsageError> {
        n.as_scalar()
            .map(str::to_owned)
            .ok_or_else(|| err(n, "expected a string".to_owned()))
    };
    for (k, v) in entries.iter() {
        let key = k.as_scalar().unwrap_or("");
        match key {
            "rules" => {
                let NodeKind::Map(rules) = v.kind() else {
                    return Err(err(v, "`rules` must map rule ids to severities".to_owned()));
                };
                for (rk, rv) in rules.iter() {
                    let id = rule_id(rk.as_scalar().unwrap_or(""), &mut config.notes)
                        .map_err(|m| err(rk, m))?;
                    let sev = match rv.kind() {
                        NodeKind::Scalar(s) => level(s.value).map_err(|m| err(rv, m))?,
                        NodeKind::Map(m) => {
                            let mut sev = rules::find(id).map(|r| Some(r.meta().severity));
                            for (ok, ov) in m.iter() {
                                match ok.as_scalar().unwrap_or("") {
                                    "severity" => {
                                        sev = Some(level(&string(ov)?).map_err(|m| err(ov, m))?);
                                    }
                                    "options" => {
                                        let NodeKind::Map(opts) = ov.kind() else {
                                            return Err(err(
                                                ov,
                                                "`options` must be a mapping".to_owned(),
                                            ));
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
                                                    format!(
                                                        "unknown option `{name}` for rule `{id}` ({})",
                                                        names.join(", ")
                                                    )
                                                };
                                                return Err(err(name_node, msg));
                                            }
                                            let list = match values.kind() {
                                                NodeKind::Seq(items) => items
                                                    .iter()
                                                    .map(string)
                                                    .collect::<Result<Vec<_>, _>>(
                                                )?,
                                                _ => vec![string(values)?],
                                            };
                                            config.options.push((
                                                id.to_owned(),
                                                name.to_owned(),
                                                list,
                                            ));
                                        }
                                    }
                                    other => {
                                        return Err(err(
                                            ok,
                                            format!(
                                                "unknown key `{other}` for rule `{id}` (severity, options)"
                                            ),
                                        ));
                                    }
                                }
                            }
                            sev.flatten()
                        }
                        NodeKind::Seq(_) => {
                            return Err(err(
                                rv,
                                "expected a severity or {severity, options}".to_owned(),
                            ));
                        }
                    };
                    config.rules.push((id.to_owned(), sev));
                }
            }
            "exclude" => match v.kind() {
                NodeKind::Seq(items) => {
                    for item in items.iter() {
                        config.exclude.push(string(item)?);
                    }
                }
                _ => config.exclude.push(string(v)?),
            },
            "context" => match v.kind() {
                NodeKind::Seq(items) => {
                    for item in items.iter() {
                        config.context.push(string(item)?);
                    }
                }
                _ => config.context.push(string(v)?),
            },
            "namespace" => config.namespace = Some(string(v)?),
            "fail-on" => {
                config.fail_on = Some(
                    level(&string(v)?)
                        .map_err(|m| err(v, m))?
                        .ok_or_else(|| err(v, "fail-on cannot be off".to_owned()))?,
                );
            }
            other => {
                let hint = KEYS
                    .iter()
                    .map(|k| (crate::text::edit_distance(other, k), *k))
                    .min()
                    .filter(|(d, _)| *d <= 3)
                    .map(|(_, k)| format!("; did you mean `{k}`?"))
                    .unwrap_or_default();
                return Err(err(k, format!("unknown key `{other}`{hint}")));
            }
        }
    }
    Ok(config)
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
}

/// Merge defaults, the config file and the command line (in that order of
/// precedence, lowest first) into `opts`. Returns notes for stderr.
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
        discover(cwd)
    };
    let config = match &path {
        Some(p) => load(p)?,
        None => Config::default(),
    };
    let mut notes = config.notes.clone();
    for (id, sev) in &config.rules {
        opts.policy.overrides.insert(id.clone(), *sev);
    }
    for (id, name, values) in &config.options {
        opts.policy
            .options
            .entry(id.clone())
            .or_default()
            .insert(name.clone(), values.clone());
    }
    opts.excludes.extend(config.exclude.iter().cloned());
    opts.excludes.extend(flags.exclude.iter().cloned());
    // Context paths in the config file are relative to its directory.
    let base = path
        .as_deref()
        .and_then(Path::parent)
        .filter(|d| !d.as_os_str().is_empty() && *d != cwd);
    opts.context
        .extend(config.context.iter().map(|c| match base {
            Some(d) => d.join(c).to_string_lossy().into_owned(),
            None => c.clone(),
        }));
    opts.context.extend(flags.context.iter().cloned());
    if let Some(ns) = flags.namespace.clone().or(config.namespace.clone()) {
        opts.namespace = ns;
    }
    if let Some(f) = flags.fail_on.or(config.fail_on) {
        opts.policy.fail_on = f;
    }
    let ids = |list: &[String], notes: &mut Vec<String>| -> Result<Vec<&'static str>, UsageError> {
        list.iter()
            .flat_map(|s| s.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|id| rule_id(id, notes).map_err(UsageError))
            .collect()
    };
    let select = ids(&flags.select, &mut notes)?;
    if !select.is_empty() {
        for r in rules::RULES {
            let id = r.meta().id;
            if !select.contains(&id) {
                opts.policy.overrides.insert(id.to_owned(), None);
            } else if opts.policy.overrides.get(id) == Some(&None) {
                // Selected explicitly: on, at its default severity.
                opts.policy.overrides.remove(id);
            }
        }
    }
    for id in ids(&flags.ignore, &mut notes)? {
        opts.policy.overrides.insert(id.to_owned(), None);
    }
    for pair in &flags.severity {
        let (id, lvl) = pair
            .split_once('=')
            .ok_or_else(|| UsageError(format!("--severity expects ID=LEVEL, got `{pair}`")))?;
        let id = rule_id(id.trim(), &mut notes).map_err(UsageError)?;
        let sev = level(lvl.trim()).map_err(|m| UsageError(format!("--severity {id}: {m}")))?;
        opts.policy.overrides.insert(id.to_owned(), sev);
    }
    Ok(notes)
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
