//! Kustomizations rendered, and findings placed back on the files people
//! edit. A directory with a `kustomization.yaml` (`.yml`, `Kustomization`)
//! that no other kustomization of the run uses is rendered with the
//! `kustomize` binary or `kubectl kustomize`; the files it includes (its
//! resources, bases, components and patches, and theirs) are linted as
//! part of the rendering, not on their own. The rendering is linted as it
//! will be applied; each finding is then placed in the file its object
//! came from (kustomize's `config.kubernetes.io/origin`, asked for through
//! a wrapper kustomization in a temporary directory, never by editing the
//! user's files): at the field when the field is written there with the
//! value rendered, else at the object, naming what changed it (that
//! placement is `render::origin`).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::discover::Input;
use crate::source::{self, NodeKind, yaml11};

const NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
const ORIGIN: &str = "config.kubernetes.io/origin";
const TRANSFORMATIONS: &str = "alpha.config.kubernetes.io/transformations";

/// How to render.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--no-render`: lint kustomizations' files as plain manifests.
    pub off: bool,
    /// `--kustomize-command`: the command and its arguments, the directory
    /// appended (`kustomize build`, `kubectl kustomize`).
    pub command: Option<Vec<String>>,
}

/// A kustomization rendered: its text, and per document where the object
/// came from.
#[derive(Debug, Clone)]
pub struct Render {
    /// The kustomization's directory, as the run names it.
    pub dir: String,
    /// The file id the rendered text has in the run.
    pub file: usize,
    /// Per rendered document: the file it came from.
    pub origins: Vec<Option<PathBuf>>,
    /// Per rendered document: the transformers that changed it, and the
    /// kustomization that configured each.
    pub changes: Vec<Vec<(String, PathBuf)>>,
}

/// What preparing the inputs gave.
pub struct Prepared {
    /// (name, rendered text, render) for each kustomization rendered.
    pub rendered: Vec<(String, String, Render)>,
    /// Located problems: (kustomization file, message).
    pub errors: Vec<(PathBuf, String)>,
    /// The inputs taken out: linted as part of a rendering.
    pub taken: BTreeSet<PathBuf>,
    pub notes: Vec<String>,
}

fn kustomization_in(dir: &Path) -> Option<PathBuf> {
    NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file())
}

use crate::discover::normal_path as normal;

/// The entries of a kustomization: directories it builds on, and files it
/// includes (resources, patches).
#[derive(Default)]
pub(crate) struct Entries {
    dirs: Vec<PathBuf>,
    files: Vec<PathBuf>,
    /// The patch files among `files`.
    pub(crate) patches: Vec<PathBuf>,
}

pub(crate) fn entries(kustomization: &Path) -> Entries {
    let mut out = Entries::default();
    let Ok(text) = std::fs::read_to_string(kustomization) else {
        return out;
    };
    let dir = kustomization.parent().unwrap_or(Path::new("."));
    let (docs, _) = source::parse_source(&std::sync::Arc::new(text));
    let Some(root) = docs.first().and_then(|d| d.root()) else {
        return out;
    };
    let mut add = |s: &str, patch: bool| {
        if s.contains("://") || s.starts_with("git@") {
            return;
        }
        let p = normal(&dir.join(s));
        if p.is_dir() {
            out.dirs.push(p);
        } else {
            if patch {
                out.patches.push(p.clone());
            }
            out.files.push(p);
        }
    };
    let items = |key: &str| {
        root.get(key)
            .map(|n| n.items().iter().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    for key in ["resources", "bases", "components", "patchesStrategicMerge"] {
        for item in items(key) {
            if let Some(s) = item.as_scalar() {
                add(s, key == "patchesStrategicMerge");
            }
        }
    }
    for key in ["patches", "patchesJson6902"] {
        for item in items(key) {
            if let Some(s) = item.get("path").and_then(|p| p.as_scalar()) {
                add(s, true);
            }
        }
    }
    out
}

/// The command that renders, if one is on PATH.
fn command(settings: &Settings) -> Option<Vec<String>> {
    if let Some(c) = &settings.command {
        return Some(c.clone());
    }
    let on_path = |name: &str| {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
    };
    if on_path("kustomize") {
        Some(vec!["kustomize".to_owned(), "build".to_owned()])
    } else if on_path("kubectl") {
        Some(vec!["kubectl".to_owned(), "kustomize".to_owned()])
    } else {
        None
    }
}

fn run(cmd: &[String], dir: &Path) -> Result<String, String> {
    let out = Command::new(&cmd[0])
        .args(&cmd[1..])
        .arg(dir)
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", cmd.join(" ")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        // kubectl prefixes its log format; keep the message.
        let msg = err
            .lines()
            .map(|l| {
                l.split_once("err=\"")
                    .map_or(l, |(_, m)| m.trim_end_matches('"'))
            })
            .collect::<Vec<_>>()
            .join(" ");
        return Err(msg.trim().to_owned());
    }
    String::from_utf8(out.stdout).map_err(|_| "the rendering is not UTF-8".to_owned())
}

/// `to` relative to `from` (both absolute).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..a.len() {
        out.push("..");
    }
    for c in &b[common..] {
        out.push(c);
    }
    out
}

/// A rendering: its text without the origin annotations (`None` when they
/// could not be taken out), and per document the file it came from and
/// what changed it.
type Rendered = (
    Option<String>,
    Vec<Option<PathBuf>>,
    Vec<Vec<(String, PathBuf)>>,
);

/// Render `dir` with origin annotations, through a wrapper kustomization
/// in a temporary directory: per document, the file it came from and what
/// changed it; and the text as the rules must see it, the annotations
/// taken out again.
fn origins(cmd: &[String], dir: &Path) -> Result<Rendered, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let target = std::fs::canonicalize(dir).map_err(|e| e.to_string())?;
    let wrap = std::env::temp_dir().join(format!(
        "stslint-kustomize-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&wrap).map_err(|e| e.to_string())?;
    let wrap = std::fs::canonicalize(&wrap).map_err(|e| e.to_string())?;
    let text = format!(
        "resources:\n- {}\nbuildMetadata: [originAnnotations, transformerAnnotations]\n",
        serde_json::Value::String(relative(&wrap, &target).to_string_lossy().into_owned())
    );
    let result = std::fs::write(wrap.join("kustomization.yaml"), text)
        .map_err(|e| e.to_string())
        .and_then(|()| run(cmd, &wrap));
    let _ = std::fs::remove_dir_all(&wrap);
    let rendered = std::sync::Arc::new(result?);
    let (docs, _) = source::parse_source(&rendered);
    let mut origins = Vec::new();
    let mut edits = Vec::new();
    let mut stripped = true;
    let mut changes = Vec::new();
    for d in &docs {
        let annotation = |key: &str| -> Option<Value> {
            let a = d.root()?.get("metadata")?.get("annotations")?.get(key)?;
            let (inner, _) = source::parse_source(&std::sync::Arc::new(a.as_scalar()?.to_owned()));
            inner.first()?.root().map(|r| yaml11::to_json(&r))
        };
        origins.push(annotation(ORIGIN).and_then(|o| {
            o.get("path")
                .and_then(Value::as_str)
                .map(|p| normal(&wrap.join(p)))
        }));
        let changed = annotation(TRANSFORMATIONS)
            .and_then(|t| t.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|t| {
                let kind = t.get("configuredBy")?.get("kind")?.as_str()?.to_owned();
                let at = normal(&wrap.join(t.get("configuredIn")?.as_str()?));
                Some((kind, at))
            })
            .collect();
        changes.push(changed);
        match strip(d) {
            Some(e) => edits.extend(e),
            None => stripped = false,
        }
    }
    edits.sort_by_key(|e| e.span.start);
    let text = stripped
        .then(|| crate::source::edit::apply(&rendered, 0, &edits))
        .flatten();
    Ok((text, origins, changes))
}

/// The edits that take the origin annotations out of a rendered document
/// (the whole `annotations` when they are all it holds); `None` when that
/// cannot be done in place.
fn strip(d: &source::Document) -> Option<Vec<crate::source::edit::TextEdit>> {
    use crate::source::edit::{Op, plan};
    use crate::source::locate::Seg;
    let Some(root) = d.root() else {
        return Some(Vec::new());
    };
    let Some(NodeKind::Map(entries)) = root
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .map(|a| a.kind())
    else {
        return Some(Vec::new());
    };
    let ours: Vec<String> = entries
        .iter()
        .filter_map(|(k, _)| k.as_scalar())
        .filter(|k| [ORIGIN, TRANSFORMATIONS].contains(k))
        .map(str::to_owned)
        .collect();
    let key = |k: &str| Seg::Key(k.to_owned());
    if !ours.is_empty() && ours.len() == entries.len() {
        return plan(root, &[key("metadata"), key("annotations")], Op::Remove).ok();
    }
    let mut out = Vec::new();
    for k in ours {
        out.extend(
            plan(
                root,
                &[key("metadata"), key("annotations"), key(&k)],
                Op::Remove,
            )
            .ok()?,
        );
    }
    Some(out)
}

/// The directory of a kustomization file, `.` for one in the current
/// directory.
fn dir_of(path: &Path) -> PathBuf {
    let d = normal(path.parent().unwrap_or(Path::new(".")));
    if d.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        d
    }
}

/// What a kustomization includes, through the directories it builds on:
/// its files (kustomization files, resources, patches) and those
/// directories.
struct Closure {
    files: BTreeSet<PathBuf>,
    dirs: BTreeSet<PathBuf>,
}

fn closure(d: &Path) -> Closure {
    let mut files = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut todo = vec![d.to_path_buf()];
    while let Some(dir) = todo.pop() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        let Some(k) = kustomization_in(&dir) else {
            continue;
        };
        let e = entries(&k);
        files.insert(normal(&k));
        files.extend(e.files);
        todo.extend(e.dirs);
    }
    seen.remove(d);
    Closure { files, dirs: seen }
}

/// Find the kustomizations among `inputs` (reported ones: the first
/// `reported`), render the ones no other uses, and take the files they
/// include out of the inputs. Returns the renderings and the new number of
/// reported inputs.
pub fn prepare(inputs: &mut Vec<Input>, reported: &mut usize, settings: &Settings) -> Prepared {
    let mut out = Prepared {
        rendered: Vec::new(),
        errors: Vec::new(),
        taken: BTreeSet::new(),
        notes: Vec::new(),
    };
    if settings.off {
        return out;
    }
    let kdir = |path: &Path| -> Option<PathBuf> {
        let name = path.file_name()?.to_str()?;
        NAMES.contains(&name).then(|| dir_of(path))
    };
    let mut dirs: Vec<PathBuf> = inputs[..*reported]
        .iter()
        .filter_map(|i| match i {
            Input::File { path, .. } => kdir(path),
            Input::Stdin { .. } => None,
        })
        .collect();
    // A `Kustomization` file (no extension) is not met while walking: the
    // directories of the inputs are looked at for one.
    let parents: BTreeSet<PathBuf> = inputs[..*reported]
        .iter()
        .filter_map(|i| match i {
            Input::File { path, .. } => Some(dir_of(path)),
            Input::Stdin { .. } => None,
        })
        .collect();
    for d in parents {
        let k = d.join("Kustomization");
        if !dirs.contains(&d) && k.is_file() && kustomization_in(&d) == Some(k.clone()) {
            inputs.insert(
                *reported,
                Input::File {
                    name: k.display().to_string(),
                    path: k,
                    explicit: false,
                },
            );
            *reported += 1;
            dirs.push(d);
        }
    }
    // Files named on the command line (pre-commit's changed files) that a
    // kustomization under the current directory includes: that
    // kustomization is rendered (each one that uses it, for a base).
    let explicit: Vec<PathBuf> = inputs[..*reported]
        .iter()
        .filter_map(|i| match i {
            Input::File {
                path,
                explicit: true,
                ..
            } => Some(normal(path)),
            _ => None,
        })
        .collect();
    // What each kustomization includes, found once.
    let mut closures: HashMap<PathBuf, Closure> = HashMap::new();
    if !explicit.is_empty() {
        let all: Vec<PathBuf> = crate::discover::discover(&[".".to_owned()], None, &[])
            .map(|d| d.inputs)
            .unwrap_or_default()
            .iter()
            .filter_map(|i| match i {
                Input::File { path, .. } => kdir(path),
                Input::Stdin { .. } => None,
            })
            .collect();
        for d in &all {
            closures.entry(d.clone()).or_insert_with(|| closure(d));
        }
        let used: BTreeSet<PathBuf> = closures
            .values()
            .flat_map(|c| c.dirs.iter().cloned())
            .collect();
        for d in &all {
            let c = &closures[d];
            if used.contains(d) || dirs.contains(d) {
                continue;
            }
            if explicit.iter().any(|f| c.files.contains(f)) {
                // Its kustomization file joins the inputs, to carry a
                // render error.
                let k = kustomization_in(d).unwrap_or_else(|| d.join(NAMES[0]));
                inputs.insert(
                    *reported,
                    Input::File {
                        name: k.display().to_string(),
                        path: k,
                        explicit: false,
                    },
                );
                *reported += 1;
                dirs.push(d.clone());
            }
        }
    }
    if dirs.is_empty() {
        return out;
    }
    // Everything each kustomization includes, through the directories it
    // builds on.
    for d in &dirs {
        closures.entry(d.clone()).or_insert_with(|| closure(d));
    }
    let used: BTreeSet<PathBuf> = dirs
        .iter()
        .flat_map(|d| closures[d].dirs.iter().cloned())
        .collect();
    let roots: Vec<&PathBuf> = dirs.iter().filter(|d| !used.contains(*d)).collect();
    let Some(cmd) = command(settings) else {
        out.notes.push(format!(
            "warning: {} not rendered: neither `kustomize` nor `kubectl` is on PATH, so the files are linted as plain manifests (a patch reads as a whole object); install one, or pass --kustomize-command",
            crate::text::count(roots.len(), "kustomization is", "kustomizations are")
        ));
        return out;
    };
    let mut taken: BTreeSet<PathBuf> = BTreeSet::new();
    for dir in roots {
        let kfile = kustomization_in(dir).unwrap_or_else(|| dir.join(NAMES[0]));
        // One rendering with origin annotations, taken out again; a
        // rendering of the directory itself when that fails (kustomize's
        // message then names the user's paths, not the wrapper's).
        let rendered = origins(&cmd, dir).or_else(|_| Ok((None, Vec::new(), Vec::new())));
        let rendered = rendered.and_then(|(text, o, c)| match text {
            Some(t) => Ok((t, (o, c))),
            None => run(&cmd, dir).map(|t| (t, (o, c))),
        });
        let (text, (origins, changes)) = match rendered {
            Ok(r) => r,
            Err(e) => {
                out.errors.push((
                    kfile,
                    format!("kustomize cannot render this kustomization: {e}"),
                ));
                continue;
            }
        };
        taken.extend(
            closures[dir]
                .files
                .iter()
                .filter(|f| !NAMES.iter().any(|n| f.ends_with(n)))
                .cloned(),
        );
        taken.extend(origins.iter().flatten().filter_map(|o| abs_to_input(o)));
        let name = format!("{} (rendered by kustomize)", kfile.display());
        out.rendered.push((
            name,
            text,
            Render {
                dir: dir.display().to_string(),
                file: 0,
                origins,
                changes,
            },
        ));
    }
    // The included files leave the plain inputs (in order, so ids stay
    // those of the remaining inputs).
    let mut k = 0;
    let mut kept_reported = 0;
    inputs.retain(|i| {
        let reported_input = k < *reported;
        k += 1;
        let keep = !reported_input
            || match i {
                Input::File { path, .. } => {
                    let p = normal(path);
                    !(taken.contains(&p) || abs_to_input(&p).is_some_and(|a| taken.contains(&a)))
                }
                Input::Stdin { .. } => true,
            };
        kept_reported += usize::from(keep && reported_input);
        keep
    });
    *reported = kept_reported;
    out.taken = taken;
    out
}

/// A path as the inputs name it: relative to the current directory when
/// under it.
pub(crate) fn abs_to_input(p: &Path) -> Option<PathBuf> {
    if !p.is_absolute() {
        return Some(p.to_path_buf());
    }
    let cwd = std::env::current_dir().ok()?;
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    p.strip_prefix(&cwd).ok().map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    fn stripped(text: &str) -> Option<String> {
        let text = std::sync::Arc::new(text.to_owned());
        let (docs, _) = crate::source::parse_source(&text);
        let mut edits = Vec::new();
        for d in &docs {
            edits.extend(super::strip(d)?);
        }
        edits.sort_by_key(|e| e.span.start);
        crate::source::edit::apply(&text, 0, &edits)
    }

    /// The origin annotations kustomize adds are taken out as if never
    /// asked for: the whole `annotations` when they are all of it.
    #[test]
    fn origin_annotations_are_taken_out() {
        let annotated = "apiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      path: ../base/svc.yaml\n  name: db\nspec:\n  clusterIP: None\n---\napiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n    alpha.config.kubernetes.io/transformations: |\n      - configuredIn: k.yaml\n        configuredBy:\n          kind: PrefixTransformer\n    config.kubernetes.io/origin: |\n      path: svc.yaml\n    team: db\n  name: x\n";
        assert_eq!(
            stripped(annotated).as_deref(),
            Some(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  clusterIP: None\n---\napiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n    team: db\n  name: x\n"
            )
        );
    }
}
