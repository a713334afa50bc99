//! Files that a kustomization beside them lists as resources, and whose
//! labels it changes (`commonLabels`, or `labels` with `includeSelectors` or
//! `includeTemplates`): linted as written, without rendering, their
//! selectors and pod labels are not what will be applied. Their objects are
//! marked so that label-matching rules say less.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::load::{LoadedFile, Role};
use crate::source::{self, NodeKind};

const NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Mark the objects of every file that a kustomization in its directory
/// lists and adds labels to.
pub fn mark_added_labels(files: &mut [LoadedFile]) {
    let mut by_dir: HashMap<PathBuf, Option<Vec<String>>> = HashMap::new();
    for f in files.iter_mut().filter(|f| f.role != Role::Baseline) {
        let path = Path::new(&f.source.name);
        let (Some(name), Some(dir)) = (path.file_name().and_then(|n| n.to_str()), path.parent())
        else {
            continue;
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let listed = by_dir
            .entry(dir.to_path_buf())
            .or_insert_with(|| labelling_resources(dir));
        if listed
            .as_ref()
            .is_some_and(|r| r.iter().any(|x| x.trim_start_matches("./") == name))
        {
            for o in &mut f.objects.objects {
                o.labels_added = true;
            }
        }
    }
}

/// The resources of the kustomization in `dir`, when it adds labels to
/// selectors or pod templates.
fn labelling_resources(dir: &Path) -> Option<Vec<String>> {
    let path = NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file())?;
    if std::fs::metadata(&path).ok()?.len() > 1 << 20 {
        return None;
    }
    let text = std::fs::read_to_string(&path).ok()?;
    let file = source::SourceFile::new(path.display().to_string(), text);
    let (docs, _) = source::parse_source(file.text());
    let root = docs.first()?.root()?;
    let common = root
        .get("commonLabels")
        .is_some_and(|m| matches!(m.kind(), NodeKind::Map(e) if !e.is_empty()));
    let labels = root.get("labels").is_some_and(|l| {
        l.items().iter().any(|item| {
            ["includeSelectors", "includeTemplates"]
                .iter()
                .any(|k| item.get(k).and_then(|v| v.as_scalar()) == Some("true"))
        })
    });
    if !common && !labels {
        return None;
    }
    let resources = ["resources", "bases"]
        .iter()
        .filter_map(|k| root.get(k))
        .flat_map(|r| {
            r.items()
                .iter()
                .filter_map(|i| i.as_scalar().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect();
    Some(resources)
}
