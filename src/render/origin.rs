//! Findings on kustomize renderings placed in the files people edit: the
//! origin file at the field when the field is written there with the
//! rendered value, else the patch or kustomization (`replicas:`,
//! `images:`, `namePrefix:`, `namespace:`) that set it, else the origin
//! object's nearest field, with a note naming what changed it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::{Diagnostic, ObjectInfo, Position, RelatedDiag};
use crate::kustomize::{Render, abs_to_input, entries};
use crate::load::LoadedFile;
use crate::source::locate::Seg;
use crate::source::{self, Node, NodeKind, yaml11};

/// The segments of an RFC 6901 pointer.
fn segments(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// The path `pointer` names under `root`: a number is an index where the
/// node met is a list, a key elsewhere.
fn segs_for(root: Node<'_>, pointer: &str) -> Vec<Seg> {
    let mut node = Some(root);
    segments(pointer)
        .into_iter()
        .map(|s| {
            let seg = match (node.map(|n| n.kind()), s.parse::<usize>()) {
                (Some(NodeKind::Seq(_)), Ok(i)) => Seg::Index(i),
                _ => Seg::Key(s),
            };
            node = node.and_then(|n| source::locate::descend(n, std::slice::from_ref(&seg)));
            seg
        })
        .collect()
}

/// Where findings on renderings are placed: the origin files, loaded once.
struct Placer<'r> {
    renders: &'r [Render],
    loaded: HashMap<PathBuf, usize>,
    /// The documents of each rendering, parsed again (their trees were
    /// released after loading).
    parsed: HashMap<usize, std::rc::Rc<Vec<source::Document>>>,
    /// The patch files of each kustomization, read once.
    patch_files: HashMap<PathBuf, std::rc::Rc<Vec<PathBuf>>>,
}

/// A place in a loaded file: (file, document, span).
type Place = (usize, usize, std::ops::Range<usize>);

impl Placer<'_> {
    /// The file id of `path`, loaded as a source of findings.
    fn file(&mut self, files: &mut Vec<LoadedFile>, path: &Path) -> Option<usize> {
        if let Some(&id) = self.loaded.get(path) {
            return Some(id);
        }
        let name = abs_to_input(path).unwrap_or_else(|| path.to_path_buf());
        let id = crate::load::add_source(files, path, name.to_string_lossy().into_owned())?;
        self.loaded.insert(path.to_path_buf(), id);
        Some(id)
    }

    /// The patch files kustomization `k` lists.
    fn patches(&mut self, k: &Path) -> std::rc::Rc<Vec<PathBuf>> {
        self.patch_files
            .entry(k.to_path_buf())
            .or_insert_with(|| std::rc::Rc::new(entries(k).patches))
            .clone()
    }

    /// The documents of file `id`, parsed again (trees are released after
    /// loading).
    fn docs(&mut self, files: &[LoadedFile], id: usize) -> std::rc::Rc<Vec<source::Document>> {
        self.parsed
            .entry(id)
            .or_insert_with(|| std::rc::Rc::new(source::parse_source(files[id].source.text()).0))
            .clone()
    }

    /// The object `info` in `path` (same kind, a name the rendered one
    /// contains: a prefix or suffix may have been added), and where
    /// `pointer` is in it: the field when `exact` finds it written there
    /// (a scalar with the rendered value), else its nearest ancestor.
    fn in_file(
        &mut self,
        files: &mut Vec<LoadedFile>,
        path: &Path,
        info: &ObjectInfo,
        pointer: &str,
        value: Option<&Value>,
        exact: bool,
    ) -> Option<Place> {
        let id = self.file(files, path)?;
        let docs = self.docs(files, id);
        let mut found = docs.iter().enumerate().filter_map(|(i, d)| {
            let root = d.root()?;
            let kind = root.get("kind")?.as_scalar()?;
            let name = root.get("metadata")?.get("name")?.as_scalar()?;
            (kind == info.kind && info.name.contains(name)).then_some((i, root))
        });
        let (i, root) = found.next()?;
        if found.next().is_some() {
            return None;
        }
        let segs = segs_for(root, pointer);
        let written = source::locate::descend(root, &segs);
        let matches = match written {
            Some(n) if n.scalar().is_some() => value == Some(&yaml11::to_json(&n)),
            Some(_) => true,
            None => false,
        };
        if exact && !matches {
            return None;
        }
        Some((id, i, source::locate::locate(root, &segs).span))
    }

    /// The line `key` of the entry of list `list` in kustomization `k` whose
    /// `name` is `name` (or, for `images`, a prefix of the image).
    fn in_kustomization(
        &mut self,
        files: &mut Vec<LoadedFile>,
        k: &Path,
        list: &str,
        keys: &[&str],
        matches: &dyn Fn(&str) -> bool,
    ) -> Option<Place> {
        let id = self.file(files, k)?;
        let docs = self.docs(files, id);
        let root = docs.first()?.root()?;
        let entry = root.get(list)?;
        let span = match entry.kind() {
            NodeKind::Scalar(_) => entry.span(),
            _ => {
                let item = entry.items().iter().find(|i| {
                    i.get("name")
                        .and_then(|n| n.as_scalar())
                        .is_some_and(matches)
                })?;
                let key = keys.iter().find(|k| item.get(k).is_some())?;
                source::locate::locate(item, &[Seg::Key((*key).to_owned())]).span
            }
        };
        Some((id, 0, span))
    }

    /// `at` (in a rendering) placed in the file its object came from, or
    /// in the patch or kustomization that set the field; with a note when
    /// neither holds the rendered value.
    fn place(
        &mut self,
        files: &mut Vec<LoadedFile>,
        at: &Position,
    ) -> Option<(Position, Option<RelatedDiag>)> {
        let r = self.renders.iter().find(|r| r.file == at.file)?;
        let doc = at.document?;
        let origin = r.origins.get(doc)?.clone()?;
        let info = at.object.clone()?;
        let docs = self.docs(files, at.file);
        let value = docs
            .get(doc)
            .and_then(|d| d.root())
            .and_then(|root| source::locate::descend(root, &segs_for(root, &at.path)))
            .map(|n| yaml11::to_json(&n));
        let value = value.as_ref();
        let changes = r.changes.get(doc).cloned().unwrap_or_default();
        let done = |files: &[LoadedFile], (id, i, span): Place, note: Option<RelatedDiag>| {
            let pos = crate::render::position_in(
                files,
                id,
                span,
                at.path.clone(),
                Some(i),
                Some(info.clone()),
            );
            Some((pos, note))
        };
        if let Some(p) = self.in_file(files, &origin, &info, &at.path, value, true) {
            return done(files, p, None);
        }
        // The transformers that changed the object, the last first.
        let scalar = value.and_then(Value::as_str).unwrap_or("");
        for (kind, k) in changes.iter().rev() {
            let place = match (kind.as_str(), at.path.as_str()) {
                (
                    "PatchTransformer"
                    | "PatchStrategicMergeTransformer"
                    | "PatchJson6902Transformer",
                    _,
                ) => self.patches(k).iter().find_map(|patch| {
                    self.in_file(files, patch, &info, &at.path, value, true)
                        .or_else(|| self.in_json_patch(files, patch, &at.path))
                }),
                ("ReplicaCountTransformer", "/spec/replicas") => {
                    let name = info.name.clone();
                    self.in_kustomization(files, k, "replicas", &["count"], &|n| name.contains(n))
                }
                ("ImageTagTransformer", p) if p.ends_with("/image") => {
                    let image = scalar.to_owned();
                    self.in_kustomization(
                        files,
                        k,
                        "images",
                        &["digest", "newTag", "newName"],
                        &|n| image.starts_with(n) || image.contains(&format!("/{n}")),
                    )
                }
                (
                    "PrefixTransformer" | "SuffixTransformer" | "PrefixSuffixTransformer",
                    "/metadata/name",
                ) => self
                    .in_kustomization(files, k, "namePrefix", &[], &|_| true)
                    .or_else(|| self.in_kustomization(files, k, "nameSuffix", &[], &|_| true)),
                ("NamespaceTransformer", "/metadata/namespace") => {
                    self.in_kustomization(files, k, "namespace", &[], &|_| true)
                }
                _ => None,
            };
            if let Some(p) = place {
                return done(files, p, None);
            }
        }
        // A field the rendering has but no file writes as rendered: the
        // origin object's kind line, with a note at what changed it last.
        // A field the rendering lacks too: its nearest written ancestor.
        // A patch can set any field; other transformers set their own.
        let changed = value
            .is_some()
            .then(|| {
                changes
                    .iter()
                    .rev()
                    .find(|(kind, _)| kind.starts_with("Patch"))
                    .or(changes.last())
            })
            .flatten();
        let Some((kind, k)) = changed else {
            let p = self.in_file(files, &origin, &info, &at.path, value, false)?;
            return done(files, p, None);
        };
        let p = self.in_file(files, &origin, &info, "/kind", None, false)?;
        let note = self
            .transformer(files, kind, k)
            .map(|(id, span)| RelatedDiag {
                at: crate::render::position_in(files, id, span, String::new(), Some(0), None),
                message: format!("the rendered value comes from the {kind} configured here"),
            });
        done(files, p, note)
    }

    /// A JSON 6902 patch's operation on `pointer` (or on a parent of it,
    /// `-` standing for any index): at the field inside its `value`, else
    /// at its `path`.
    fn in_json_patch(
        &mut self,
        files: &mut Vec<LoadedFile>,
        patch: &Path,
        pointer: &str,
    ) -> Option<Place> {
        let id = self.file(files, patch)?;
        let docs = self.docs(files, id);
        let root = docs.first()?.root()?;
        let want = segments(pointer);
        for op in root.items().iter() {
            let Some(path) = op.get("path").and_then(|p| p.as_scalar()) else {
                continue;
            };
            let have = segments(path);
            let covers = have.len() <= want.len()
                && have
                    .iter()
                    .zip(&want)
                    .all(|(h, w)| h == w || (h == "-" && w.parse::<usize>().is_ok()));
            if !covers {
                continue;
            }
            let rest = format!("/{}", want[have.len()..].join("/"));
            let inside = op.get("value").and_then(|v| {
                let segs = segs_for(v, &rest);
                source::locate::descend(v, &segs).map(|_| source::locate::locate(v, &segs).span)
            });
            let span = match inside {
                Some(span) if have.len() < want.len() => span,
                _ => source::locate::locate(op, &[Seg::Key("path".to_owned())]).span,
            };
            return Some((id, 0, span));
        }
        None
    }

    /// Where kustomization `k` configures a transformer of `kind`: its key
    /// (`patches`, `images`, `replicas`, ...), else its first line.
    fn transformer(
        &mut self,
        files: &mut Vec<LoadedFile>,
        kind: &str,
        k: &Path,
    ) -> Option<(usize, std::ops::Range<usize>)> {
        let id = self.file(files, k)?;
        let docs = self.docs(files, id);
        let root = docs.first()?.root()?;
        let keys: &[&str] = match kind {
            "PatchTransformer" | "PatchStrategicMergeTransformer" | "PatchJson6902Transformer" => {
                &["patches", "patchesStrategicMerge", "patchesJson6902"]
            }
            "ImageTagTransformer" => &["images"],
            "ReplicaCountTransformer" => &["replicas"],
            "PrefixTransformer" | "SuffixTransformer" | "PrefixSuffixTransformer" => {
                &["namePrefix", "nameSuffix"]
            }
            "NamespaceTransformer" => &["namespace"],
            "LabelTransformer" => &["labels", "commonLabels"],
            "AnnotationsTransformer" => &["commonAnnotations"],
            _ => &[],
        };
        let key = keys.iter().find(|k| root.get(k).is_some());
        let span = match key {
            Some(key) => source::locate::locate(root, &[Seg::Key((*key).to_owned())]).span,
            None => 0..files[id].source.text().find('\n').unwrap_or(0),
        };
        Some((id, span))
    }
}

/// Place the findings on renderings in the files their objects came from.
/// A finding whose object came from no file stays on the rendering. Fixes
/// are dropped: they would edit the rendering.
pub fn place(diags: &mut [Diagnostic], files: &mut Vec<LoadedFile>, renders: &[Render]) {
    if renders.is_empty() {
        return;
    }
    let mut placer = Placer {
        renders,
        loaded: HashMap::new(),
        parsed: HashMap::new(),
        patch_files: HashMap::new(),
    };
    for d in diags.iter_mut() {
        let Some(r) = renders.iter().find(|r| r.file == d.at.file) else {
            continue;
        };
        let object =
            d.at.object
                .as_ref()
                .map(|o| format!("{} {}", o.kind, o.name))
                .unwrap_or_default();
        if let Some((pos, note)) = placer.place(files, &d.at) {
            d.at = pos;
            d.related.extend(note);
        }
        d.fix = None;
        if !object.is_empty() {
            d.message
                .push_str(&format!(" [kustomize {}: {object}]", r.dir));
        }
        for rel in &mut d.related {
            if renders.iter().any(|r| r.file == rel.at.file)
                && let Some((pos, _)) = placer.place(files, &rel.at)
            {
                rel.at = pos;
            }
        }
    }
}
