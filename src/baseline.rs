//! The manifests as they were before a change, to compare with
//! (`--baseline REV` reads each tracked input file at a git revision;
//! `--baseline-dir DIR` reads a directory of rendered manifests).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::discover::{Input, UsageError};

/// Where the baseline comes from.
#[derive(Debug, Clone)]
pub enum Baseline {
    Rev(String),
    Dir(String),
}

/// A baseline file: its display name and its text.
pub struct BaseFile {
    pub name: String,
    pub text: String,
}

fn git(args: &[&str], cwd: &Path) -> Result<String, UsageError> {
    let out = Command::new("git")
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| UsageError(format!("--baseline needs git: {e}")))?;
    if !out.status.success() {
        return Err(UsageError(
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Each input file as it is at `rev`, and every manifest under the input
/// directories at `rev` (so an object that moved to another file, or whose
/// file was deleted, is still found), read with one `git cat-file --batch`
/// (no shell, one process for all files). A file that is new since `rev`,
/// untracked or outside the repository has no baseline; a revision that
/// does not exist is a usage error.
pub fn from_git(
    rev: &str,
    paths: &[String],
    inputs: &[Input],
) -> Result<Vec<BaseFile>, UsageError> {
    let cwd = std::env::current_dir().map_err(|e| UsageError(format!("--baseline: {e}")))?;
    let root = git(&["rev-parse", "--show-toplevel"], &cwd)
        .map_err(|e| UsageError(format!("--baseline: not in a git repository ({})", e.0)))?;
    let root = std::fs::canonicalize(&root).unwrap_or_else(|_| PathBuf::from(&root));
    let spec = format!("{rev}^{{commit}}");
    let commit = git(
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ],
        &cwd,
    )
    .map_err(|_| {
        UsageError(format!(
            "--baseline: `{rev}` is not a revision of this git repository"
        ))
    })?;
    let relative = |path: &Path| -> Option<String> {
        let abs = std::fs::canonicalize(path).ok()?;
        let rel = abs.strip_prefix(&root).ok()?.to_str()?;
        Some(rel.replace(std::path::MAIN_SEPARATOR, "/"))
    };
    let mut wanted: Vec<String> = Vec::new();
    for input in inputs {
        if let Input::File { path, .. } = input
            && let Some(rel) = relative(path)
        {
            wanted.push(rel);
        }
    }
    let dirs: Vec<String> = paths
        .iter()
        .map(Path::new)
        .filter(|p| p.is_dir())
        .filter_map(relative)
        .map(|d| if d.is_empty() { ".".to_owned() } else { d })
        .collect();
    if !dirs.is_empty() {
        let mut args = vec!["ls-tree", "-r", "-z", "--name-only", commit.as_str(), "--"];
        args.extend(dirs.iter().map(String::as_str));
        let listed = git(&args, &root)?;
        wanted.extend(
            listed
                .split('\0')
                .filter(|f| [".yaml", ".yml", ".json"].iter().any(|e| f.ends_with(e)))
                .map(str::to_owned),
        );
    }
    wanted.retain(|r| !r.is_empty() && !r.contains('\n'));
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .args(["cat-file", "--batch"])
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| UsageError(format!("--baseline needs git: {e}")))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| UsageError("--baseline: cannot talk to git".to_owned()))?;
    let requests: String = wanted.iter().map(|r| format!("{commit}:{r}\n")).collect();
    // Write from another thread: git answers while it reads.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(requests.as_bytes());
    });
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| UsageError("--baseline: cannot talk to git".to_owned()))?;
    let mut reader = BufReader::new(stdout);
    let mut out = Vec::new();
    for rel in &wanted {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 {
            break;
        }
        // `<oid> <type> <size>`, or `<name> missing`.
        let parts: Vec<&str> = header.split_whitespace().collect();
        let size = match parts.as_slice() {
            [_, kind, size] => size.parse::<usize>().ok().map(|s| (*kind, s)),
            _ => None,
        };
        let Some((kind, size)) = size else { continue };
        let mut body = vec![0; size + 1];
        if reader.read_exact(&mut body).is_err() {
            break;
        }
        body.pop();
        if kind != "blob" {
            continue;
        }
        if let Ok(text) = String::from_utf8(body) {
            out.push(BaseFile {
                name: format!("{rev}:{rel}"),
                text,
            });
        }
    }
    drop(reader);
    let _ = writer.join();
    let _ = child.wait();
    Ok(out)
}

/// Every manifest under `dir` (walked like an input directory).
pub fn from_dir(dir: &str, excludes: &[String]) -> Result<Vec<Input>, UsageError> {
    crate::discover::discover_walked(&[dir.to_owned()], excludes, "--baseline-dir")
        .map(|f| f.inputs)
}
