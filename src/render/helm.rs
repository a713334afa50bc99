//! Findings on `helm template` output placed on the templates people
//! edit. Helm writes `# Source: CHART/templates/FILE` before each document;
//! when that template exists under the current directory (found directly,
//! or through the `Chart.yaml` whose `name` is CHART), a finding points at
//! the line of its field's key in the template when exactly one line
//! writes that key, else at the template's first line. The rendered place
//! is kept: the human report shows its snippet and names the template.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Diagnostic, Position};
use crate::load::{LoadedFile, Role};

use crate::source::HELM_SOURCE as SOURCE;

/// The `# Source:` of each document of `f`, if any.
fn sources(f: &LoadedFile) -> Vec<Option<String>> {
    let text: &str = f.source.text();
    let n = f.docs.len();
    (0..n)
        .map(|i| {
            let from = if i == 0 { 0 } else { f.docs[i].start };
            let to = f.docs.get(i + 1).map_or(text.len(), |d| d.start);
            let part = text.get(from..to)?;
            let line = part.lines().find(|l| l.starts_with(SOURCE))?;
            Some(line[SOURCE.len()..].trim().to_owned())
        })
        .collect()
}

/// Charts under `root` (a few levels deep) by their `name`.
fn charts(root: &Path) -> HashMap<String, PathBuf> {
    let mut out = HashMap::new();
    let mut todo = vec![(root.to_path_buf(), 0)];
    while let Some((dir, depth)) = todo.pop() {
        let chart = dir.join("Chart.yaml");
        if let Ok(text) = std::fs::read_to_string(&chart) {
            let name = text.lines().find_map(|l| {
                l.strip_prefix("name:")
                    .map(|n| n.trim().trim_matches(['"', '\'']).to_owned())
            });
            if let Some(name) = name {
                out.entry(name).or_insert_with(|| dir.clone());
            }
        }
        if depth >= 4 {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || matches!(name.as_ref(), "target" | "node_modules") {
                continue;
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                todo.push((e.path(), depth + 1));
            }
        }
    }
    out
}

struct Placer {
    cwd: PathBuf,
    charts: Option<HashMap<String, PathBuf>>,
    loaded: HashMap<PathBuf, Option<usize>>,
}

impl Placer {
    /// The template a `# Source:` names, as a file under the current
    /// directory.
    fn template(&mut self, source: &str) -> Option<PathBuf> {
        let direct = Path::new(source);
        if direct.is_relative() && self.cwd.join(direct).is_file() {
            return Some(direct.to_path_buf());
        }
        let (chart, rest) = source.split_once('/')?;
        let cwd = self.cwd.clone();
        let charts = self.charts.get_or_insert_with(|| charts(&cwd));
        let dir = charts.get(chart)?;
        let path = dir.join(rest);
        let path = path
            .strip_prefix(&self.cwd)
            .map(Path::to_path_buf)
            .unwrap_or(path);
        self.cwd.join(&path).is_file().then_some(path)
    }

    fn file(&mut self, files: &mut Vec<LoadedFile>, path: &Path) -> Option<usize> {
        if let Some(id) = self.loaded.get(path) {
            return *id;
        }
        let name = path.to_string_lossy().into_owned();
        let id = crate::load::add_source(files, &self.cwd.join(path), name);
        self.loaded.insert(path.to_path_buf(), id);
        id
    }
}

/// The span of the one line that writes `key:` in `text`, or of the first
/// line when none or several do.
fn key_line(text: &str, key: Option<&str>) -> std::ops::Range<usize> {
    let first = 0..text.find('\n').unwrap_or(text.len());
    let Some(key) = key else { return first };
    let mut found = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        let body = body.strip_prefix("- ").unwrap_or(body).trim_start();
        if body.strip_prefix(key).is_some_and(|r| r.starts_with(':')) {
            let start = at + (line.len() - body.len());
            found.push(start..start + key.len());
        }
        at += line.len();
    }
    match found.as_slice() {
        [one] => one.clone(),
        _ => first,
    }
}

/// Place the findings on documents that `# Source:` names a template of
/// onto that template. Their fixes are dropped (they edit the rendering).
pub fn place(diags: &mut [Diagnostic], files: &mut Vec<LoadedFile>) {
    // Only files that have diagnostics and were seen to hold `# Source:`
    // comments when read: a released text is not read again otherwise.
    let diagnosed: std::collections::HashSet<usize> = diags.iter().map(|d| d.at.file).collect();
    let with_sources: HashMap<usize, Vec<Option<String>>> = files
        .iter()
        .enumerate()
        .filter(|(i, f)| {
            f.role == Role::Reported && f.source.has_helm_sources() && diagnosed.contains(i)
        })
        .map(|(i, f)| (i, sources(f)))
        .filter(|(_, s)| s.iter().any(Option::is_some))
        .collect();
    if with_sources.is_empty() {
        return;
    }
    let mut placer = Placer {
        cwd: std::env::current_dir().unwrap_or_default(),
        charts: None,
        loaded: HashMap::new(),
    };
    for d in diags.iter_mut() {
        let Some(source) = with_sources
            .get(&d.at.file)
            .and_then(|s| s.get(d.at.document?)?.clone())
        else {
            continue;
        };
        let Some(template) = placer.template(&source) else {
            continue;
        };
        let Some(id) = placer.file(files, &template) else {
            continue;
        };
        let key =
            d.at.path
                .rsplit('/')
                .find(|s| !s.is_empty() && s.parse::<usize>().is_err())
                .map(|s| s.replace("~1", "/").replace("~0", "~"));
        let span = key_line(files[id].source.text(), key.as_deref());
        let rendered = d.at.clone();
        d.at = crate::render::position_in(
            files,
            id,
            span,
            rendered.path.clone(),
            None,
            rendered.object.clone(),
        );
        d.rendered = Some(Box::new(rendered));
        d.fix = None;
    }
}

/// Where a placed diagnostic was in the rendering.
pub fn rendered(d: &Diagnostic) -> &Position {
    d.rendered.as_deref().unwrap_or(&d.at)
}

#[cfg(test)]
mod tests {
    use super::key_line;

    #[test]
    fn the_key_line_is_used_only_when_it_is_unique() {
        let t = "{{- if .Values.x }}\nspec:\n  replicas: {{ .Values.n }}\n  - name: a\n";
        let r = key_line(t, Some("replicas"));
        assert_eq!(&t[r], "replicas");
        let r = key_line(t, Some("name"));
        assert_eq!(&t[r], "name");
        let twice = "a:\n  name: x\nb:\n  name: y\n";
        assert_eq!(&twice[key_line(twice, Some("name"))], "a:");
        assert_eq!(&twice[key_line(twice, None)], "a:");
    }
}
