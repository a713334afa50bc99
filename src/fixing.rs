//! `--fix`, `--unsafe-fixes` and `--diff`: lint, apply the fixes of the
//! diagnostics that allow it, lint the fixed texts again, until nothing is
//! left to apply (at most `MAX_ROUNDS` rounds). The texts are kept in
//! memory between rounds ([`Options::overlay`]); files are written once, at
//! the end, only if they did not change meanwhile, through a temporary file
//! renamed over them.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::discover::UsageError;
use crate::finding::Applicability;
use crate::render::Diagnostic;
use crate::source::edit::{TextEdit, apply};
use crate::{Options, Report};

/// Rounds of fixing before giving up on reaching a fixed point.
pub const MAX_ROUNDS: usize = 10;

/// A file the fixes changed.
#[derive(Debug, Clone)]
pub struct Changed {
    pub name: String,
    /// False for standard input.
    pub on_disk: bool,
    pub before: String,
    pub after: String,
}

/// What fixing did.
pub struct Fixed {
    /// The lint of the fixed texts: what is left.
    pub report: Report,
    pub changed: Vec<Changed>,
    /// Fixes applied, by rule.
    pub applied: BTreeMap<&'static str, usize>,
    /// Diagnostics left whose fix `--unsafe-fixes` would apply.
    pub unsafe_left: usize,
}

/// Whether a diagnostic's fix is applied in a run asking for `wanted`.
pub fn wanted(d: &Diagnostic, wanted: Applicability, allowed: &dyn Fn(&str) -> bool) -> bool {
    d.fix.as_ref().is_some_and(|f| f.applies(wanted)) && allowed(d.rule)
}

/// Per file, the edits a round applies, with the rule of each diagnostic
/// they settle.
pub type Chosen = BTreeMap<usize, Vec<(&'static str, Vec<TextEdit>)>>;

/// Lint `opts`, fixing what `wanted` and `allowed` let through.
pub fn run(
    opts: &Options,
    want: Applicability,
    allowed: &dyn Fn(&str) -> bool,
) -> Result<Fixed, UsageError> {
    let mut fixed = rounds(opts, &|report: &Report| {
        choose(&report.diagnostics, want, allowed)
    })?;
    fixed.unsafe_left = fixed
        .report
        .diagnostics
        .iter()
        .filter(|d| want == Applicability::Safe && wanted(d, Applicability::Unsafe, allowed))
        .count();
    Ok(fixed)
}

/// Per file, the fixes of one round: those whose edits do not overlap an
/// earlier one's (the rest wait for the next round, on the fixed text).
pub fn choose(diags: &[Diagnostic], want: Applicability, allowed: &dyn Fn(&str) -> bool) -> Chosen {
    let mut chosen = Chosen::new();
    for d in diags {
        if !wanted(d, want, allowed) {
            continue;
        }
        let Some(fix) = &d.fix else { continue };
        take(&mut chosen, d.at.file, d.rule, &fix.edits);
    }
    chosen
}

/// The edits of one file's chosen fixes, sorted, each once.
pub fn edits_of(fixes: &[(&'static str, Vec<TextEdit>)]) -> Vec<TextEdit> {
    let mut edits: Vec<TextEdit> = fixes.iter().flat_map(|(_, e)| e.clone()).collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    edits.dedup();
    edits
}

/// `--add-ignore REASON`: silence every diagnostic where it is reported,
/// with a comment on its line (all the rules reported on one line in one
/// comment), or the object's annotation where a comment cannot go.
pub fn add_ignores(opts: &Options, reason: &str) -> Result<Fixed, UsageError> {
    use crate::render::ignore::{self, Place};
    rounds(opts, &|report: &Report| {
        let mut lines: BTreeMap<(usize, usize), Vec<&Diagnostic>> = BTreeMap::new();
        for d in &report.diagnostics {
            if ignore::suppressible(d.rule) {
                lines.entry((d.at.file, d.at.line)).or_default().push(d);
            }
        }
        let mut chosen = Chosen::new();
        let mut objects: BTreeMap<(usize, usize), Vec<&Diagnostic>> = BTreeMap::new();
        for ((file, _), ds) in lines {
            let rules = rule_list(&ds);
            match ignore::plan(&report.files, &ds[0].at, &rules, reason, Place::Line) {
                Ok(edits) => {
                    for d in &ds {
                        take(&mut chosen, file, d.rule, &edits);
                    }
                }
                Err(_) => {
                    for d in ds {
                        if let Some(doc) = d.at.document {
                            objects.entry((file, doc)).or_default().push(d);
                        }
                    }
                }
            }
        }
        for ((file, _), ds) in objects {
            let rules = rule_list(&ds);
            if let Ok(edits) = ignore::plan(&report.files, &ds[0].at, &rules, reason, Place::Object)
            {
                for d in &ds {
                    take(&mut chosen, file, d.rule, &edits);
                }
            }
        }
        chosen
    })
}

/// The distinct rules of `ds`, in order.
fn rule_list<'a>(ds: &[&'a Diagnostic]) -> Vec<&'a str> {
    let mut rules: Vec<&str> = ds.iter().map(|d| d.rule).collect();
    rules.sort_unstable();
    rules.dedup();
    rules
}

/// Take `edits` for a diagnostic of `rule` in `file` unless they overlap
/// edits taken already (the same edits again settle one more diagnostic).
fn take(chosen: &mut Chosen, file: usize, rule: &'static str, edits: &[TextEdit]) {
    if edits.is_empty() {
        return;
    }
    let taken = chosen.entry(file).or_default();
    if let Some((_, same)) = taken.iter().find(|(_, es)| es.as_slice() == edits) {
        let same = same.clone();
        taken.push((rule, same));
        return;
    }
    let clashes = edits.iter().any(|e| {
        taken
            .iter()
            .flat_map(|(_, es)| es)
            .any(|t| overlaps(&t.span, &e.span))
    });
    if !clashes {
        taken.push((rule, edits.to_vec()));
    }
}

/// Lint, apply what `pick` chooses, lint the edited texts again, until
/// nothing changes (at most `MAX_ROUNDS` rounds).
fn rounds(opts: &Options, pick: &dyn Fn(&Report) -> Chosen) -> Result<Fixed, UsageError> {
    let mut opts = opts.clone();
    let mut before: HashMap<String, (String, bool)> = HashMap::new();
    let mut applied: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut report = crate::run(&opts)?;
    for _ in 0..MAX_ROUNDS {
        let chosen = pick(&report);
        let mut progress = false;
        for (file, fixes) in chosen {
            let f = &report.files[file];
            let name = f.source.name.clone();
            let text: &str = f.source.text();
            let Some(after) = apply(text, 0, &edits_of(&fixes)) else {
                continue;
            };
            if after == text {
                continue;
            }
            before
                .entry(name.clone())
                .or_insert_with(|| (text.to_owned(), f.source.is_on_disk()));
            for (rule, _) in &fixes {
                *applied.entry(rule).or_default() += 1;
            }
            opts.overlay.insert(name, after);
            progress = true;
        }
        if !progress {
            break;
        }
        report = crate::run(&opts)?;
    }
    let mut changed: Vec<Changed> = before
        .into_iter()
        .filter_map(|(name, (before, on_disk))| {
            let after = opts.overlay.remove(&name)?;
            Some(Changed {
                name,
                on_disk,
                before,
                after,
            })
        })
        .collect();
    changed.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Fixed {
        report,
        changed,
        applied,
        unsafe_left: 0,
    })
}

fn overlaps(a: &std::ops::Range<usize>, b: &std::ops::Range<usize>) -> bool {
    // Two insertions at one offset clash too: their order would be a guess.
    a.start < b.end && b.start < a.end || a.start == b.start
}

/// Write a changed file: only if it still holds what was read, through a
/// temporary file in its directory renamed over it, keeping its mode.
pub fn write(c: &Changed) -> Result<(), String> {
    let path = Path::new(&c.name);
    let now = std::fs::read(path).map_err(|e| format!("cannot read it again: {e}"))?;
    if now != c.before.as_bytes() {
        return Err("it changed since it was read; it was not written".to_owned());
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.stslint-fix.{}", std::process::id()));
    let result = (|| {
        std::fs::write(&temp, c.after.as_bytes())?;
        let perms = std::fs::metadata(path)?.permissions();
        std::fs::set_permissions(&temp, perms)?;
        std::fs::rename(&temp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!("cannot write it: {e}")
    })
}

/// A unified diff of the changes (`a/` and `b/` prefixes, as `git apply`
/// and `patch -p1` read them).
/// Names are relative to `cwd` when the file is under it.
pub fn diff(changed: &[Changed], cwd: &Path) -> String {
    let mut out = String::new();
    for c in changed {
        let path = Path::new(&c.name);
        let shown = path.strip_prefix(cwd).unwrap_or(path).to_string_lossy();
        let name = shown.trim_start_matches("./").trim_start_matches('/');
        let text = similar::TextDiff::from_lines(&c.before, &c.after);
        out.push_str(
            &text
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{name}"), &format!("b/{name}"))
                .to_string(),
        );
    }
    out
}
