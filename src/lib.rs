//! stslint: a linter for Kubernetes StatefulSet manifests and the objects
//! around them. The pipeline, in order:
//! discover -> load (source + model) -> index -> engine (rules) -> policy -> render.

pub mod discover;
pub mod engine;
pub mod finding;
pub mod index;
pub mod load;
pub mod model;
pub mod policy;
pub mod render;
pub mod rules;
pub mod source;

use discover::UsageError;
use finding::Finding;
use index::Index;
use load::LoadedFile;
use policy::Policy;
use render::Diagnostic;

/// What a run is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub paths: Vec<String>,
    /// Paths whose manifests feed the cross-reference index but are not
    /// reported on (`--context`).
    pub context: Vec<String>,
    pub stdin_filename: Option<String>,
    pub namespace: String,
    pub excludes: Vec<String>,
    pub policy: Policy,
    pub max_file_bytes: u64,
    /// Keep a list of every object read (for formats that list them).
    pub list_objects: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            paths: Vec::new(),
            context: Vec::new(),
            stdin_filename: None,
            namespace: "default".to_owned(),
            excludes: Vec::new(),
            policy: Policy::default(),
            max_file_bytes: load::MAX_FILE_BYTES,
            list_objects: false,
        }
    }
}

/// Everything a run produced, ready to render.
pub struct Report {
    pub files: Vec<LoadedFile>,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: render::Summary,
    /// Notes from the walk (skipped entries).
    pub notes: Vec<String>,
    /// True when an input named on the command line could not be read.
    pub unreadable_input: bool,
    /// Every object read, with its file and first line, when
    /// `Options::list_objects` asked for them.
    pub objects: Vec<(source::FileId, render::ObjectInfo, usize)>,
}

/// Discover, load and lint.
pub fn run(opts: &Options) -> Result<Report, UsageError> {
    let mut found =
        discover::discover(&opts.paths, opts.stdin_filename.as_deref(), &opts.excludes)?;
    let reported = found.inputs.len();
    if !opts.context.is_empty() {
        let context = discover::discover_context(&opts.context, &opts.excludes, &found.inputs)?;
        found.inputs.extend(context.inputs);
        found.notes.extend(context.notes);
    }
    let mut files = load::load_all(&found.inputs, &opts.namespace, opts.max_file_bytes);
    for f in &mut files[reported..] {
        f.context = true;
    }
    Ok(finish(files, found.notes, opts))
}

/// Lint in-memory text as one file (tests, fuzzing, the language server).
pub fn lint_text(name: &str, text: &str, opts: &Options) -> Report {
    let budget = load::TreeBudget::default();
    let file = load::parse_text(
        0,
        name.to_owned(),
        text.to_owned(),
        &opts.namespace,
        &budget,
    );
    finish(vec![file], Vec::new(), opts)
}

fn finish(mut files: Vec<LoadedFile>, notes: Vec<String>, opts: &Options) -> Report {
    let mut findings: Vec<Finding> = Vec::new();
    let mut objects = Vec::with_capacity(files.iter().map(|f| f.objects.objects.len()).sum());
    for f in &mut files {
        findings.append(&mut f.findings);
        findings.extend(model::problem_findings(&f.objects, objects.len()));
        objects.append(&mut f.objects.objects);
    }
    let unreadable_input = files.iter().any(|f| !f.readable);
    let pending = take_statefulset_trees(&mut files, &objects);
    let index = Index::build(objects);
    findings.extend(engine::run(&index, &files, pending, &opts.policy));
    let mut diagnostics = render::resolve(&files, &index, findings, &opts.policy);
    policy::scope::move_out_of_context(&mut diagnostics, &files);
    let (mut diagnostics, unused) = policy::suppress::apply(diagnostics, &files, &index);
    diagnostics.extend(render::resolve(&files, &index, unused, &opts.policy));
    diagnostics.retain(|d| !files[d.at.file].context);
    render::sort(&mut diagnostics);
    let summary = render::Summary::of(&files, &index, &diagnostics);
    let objects = if opts.list_objects {
        render::object_list(&files, &index)
    } else {
        Vec::new()
    };
    // The objects are not needed to render: free them first.
    drop(index);
    Report {
        files,
        diagnostics,
        summary,
        notes,
        unreadable_input,
        objects,
    }
}

/// Move the trees of StatefulSets out of their files, for the engine to
/// decode and drop one by one (a StatefulSet whose tree was released is
/// parsed again by the engine). Every other tree was released after loading.
fn take_statefulset_trees(
    files: &mut [LoadedFile],
    objects: &[model::Object],
) -> Vec<engine::Pending> {
    let mut pending = Vec::new();
    for (id, o) in objects.iter().enumerate() {
        if !matches!(o.typed, model::Typed::StatefulSet) {
            continue;
        }
        let Some(doc) = files[o.file].docs.get_mut(o.document) else {
            continue;
        };
        // A List holds other objects too: its tree is shared, not taken.
        let tree = if o.base.is_empty() {
            doc.tree.take().map(|t| *t)
        } else {
            doc.tree.as_deref().cloned()
        };
        pending.push(engine::Pending { id, tree });
    }
    for f in files.iter_mut() {
        for d in &mut f.docs {
            d.tree = None;
        }
    }
    pending
}

impl Report {
    /// 0: nothing at or above the threshold; 1: something; 2: an input could not be read.
    pub fn exit_code(&self, policy: &Policy) -> i32 {
        if self.unreadable_input {
            return 2;
        }
        i32::from(self.diagnostics.iter().any(|d| policy.fails(d.severity)))
    }
}
