//! From command-line paths to the list of inputs: directories are walked
//! (hidden entries skipped, .gitignore honoured), explicit files always read.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

#[derive(Debug, Clone)]
pub enum Input {
    /// `explicit`: named on the command line (an unreadable one is exit 2),
    /// rather than found by walking a directory.
    File {
        name: String,
        path: PathBuf,
        explicit: bool,
    },
    Stdin {
        name: String,
    },
}

impl Input {
    pub fn name(&self) -> &str {
        match self {
            Input::File { name, .. } | Input::Stdin { name } => name,
        }
    }
}

/// A problem with the command line itself (exit code 2).
#[derive(Debug)]
pub struct UsageError(pub String);

/// Things found while walking that are not inputs but deserve a note.
#[derive(Debug, Default)]
pub struct Discovered {
    pub inputs: Vec<Input>,
    pub notes: Vec<String>,
}

fn is_manifest(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    match s.strip_prefix("./") {
        Some(rest) => rest.to_owned(),
        None => s.into_owned(),
    }
}

pub fn build_globs(excludes: &[String]) -> Result<GlobSet, UsageError> {
    let mut b = GlobSetBuilder::new();
    for g in excludes {
        let glob =
            Glob::new(g).map_err(|e| UsageError(format!("invalid --exclude glob `{g}`: {e}")))?;
        b.add(glob);
        // `vendor` or `vendor/` also excludes everything below it.
        let below = format!("{}/**", g.trim_end_matches('/'));
        if let Ok(glob) = Glob::new(&below) {
            b.add(glob);
        }
    }
    b.build()
        .map_err(|e| UsageError(format!("invalid --exclude globs: {e}")))
}

/// True when `rel`, a path relative to a config file's directory, is
/// excluded by `set` (or its file name is).
pub fn excluded_relative(set: &GlobSet, rel: &Path) -> bool {
    let shown = rel.to_string_lossy().replace('\\', "/");
    set.is_match(&shown) || rel.file_name().is_some_and(|n| set.is_match(n))
}

fn excluded(set: &GlobSet, path: &Path) -> bool {
    let shown = display(path);
    set.is_match(&shown) || path.file_name().is_some_and(|n| set.is_match(n))
}

pub fn discover(
    paths: &[String],
    stdin_name: Option<&str>,
    excludes: &[String],
) -> Result<Discovered, UsageError> {
    let globs = build_globs(excludes)?;
    let mut out = Discovered::default();
    let paths: Vec<String> = if paths.is_empty() {
        vec![".".to_owned()]
    } else {
        paths.to_vec()
    };
    for p in &paths {
        if p == "-" {
            out.inputs.push(Input::Stdin {
                name: stdin_name.unwrap_or("<stdin>").to_owned(),
            });
            continue;
        }
        let path = Path::new(p);
        let meta =
            std::fs::metadata(path).map_err(|e| UsageError(format!("cannot read `{p}`: {e}")))?;
        if !meta.is_dir() {
            out.inputs.push(Input::File {
                name: p.clone(),
                path: path.to_path_buf(),
                explicit: true,
            });
            continue;
        }
        let mut found = Vec::new();
        let walker = ignore::WalkBuilder::new(path)
            .hidden(true)
            .git_ignore(true)
            .git_global(false)
            .git_exclude(true)
            .require_git(false)
            .parents(true)
            .ignore(false)
            .follow_links(true)
            .build();
        for entry in walker {
            match entry {
                Ok(e) => {
                    let ep = e.path();
                    let Some(ft) = e.file_type() else { continue };
                    if ft.is_dir() || !is_manifest(ep) || excluded(&globs, ep) {
                        continue;
                    }
                    if !ft.is_file() {
                        out.notes
                            .push(format!("skipped `{}`: not a regular file", display(ep)));
                        continue;
                    }
                    found.push(Input::File {
                        name: display(ep),
                        path: ep.to_path_buf(),
                        explicit: false,
                    });
                }
                Err(e) => out.notes.push(format!("skipped while walking `{p}`: {e}")),
            }
        }
        found.sort_by(|a, b| a.name().cmp(b.name()));
        out.inputs.extend(found);
    }
    Ok(out)
}

/// The inputs under `--context` paths that are not inputs already. They are
/// read like walked files: one that cannot be read is a diagnostic (not
/// reported, as nothing in a context file is), never exit 2.
pub fn discover_context(
    paths: &[String],
    excludes: &[String],
    inputs: &[Input],
) -> Result<Discovered, UsageError> {
    if paths.iter().any(|p| p == "-") {
        return Err(UsageError(
            "standard input cannot be a --context path".to_owned(),
        ));
    }
    let key = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let seen: std::collections::HashSet<PathBuf> = inputs
        .iter()
        .filter_map(|i| match i {
            Input::File { path, .. } => Some(key(path)),
            Input::Stdin { .. } => None,
        })
        .collect();
    let mut found = discover_walked(paths, excludes, "--context")?;
    found.inputs.retain(|i| match i {
        Input::File { path, .. } => !seen.contains(&key(path)),
        Input::Stdin { .. } => false,
    });
    Ok(found)
}

/// The inputs under `paths`, read as files found by walking: one that
/// cannot be read is a diagnostic, never exit 2 (context and baseline
/// directories). `flag` names the option in errors.
pub fn discover_walked(
    paths: &[String],
    excludes: &[String],
    flag: &str,
) -> Result<Discovered, UsageError> {
    let mut found =
        discover(paths, None, excludes).map_err(|e| UsageError(format!("{flag}: {}", e.0)))?;
    for input in &mut found.inputs {
        if let Input::File { explicit, .. } = input {
            *explicit = false;
        }
    }
    Ok(found)
}

/// `a/./b/../c` as `a/c`, without touching the disk.
pub fn normal_path(path: &std::path::Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}
