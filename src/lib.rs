//! stslint: a linter for Kubernetes StatefulSet manifests and the objects
//! around them. The pipeline, in order:
//! discover -> load (source + model) -> index -> engine (rules) -> policy -> render.

pub mod admission;
pub mod baseline;
pub mod discover;
pub mod engine;
pub mod finding;
pub mod fixing;
pub mod index;
pub mod knowledge;
pub mod kubernetes;
pub mod kustomization;
pub mod kustomize;
pub mod load;
pub mod lsp;
pub mod model;
pub mod policy;
pub mod render;
pub mod rules;
pub mod source;
pub mod testing;
pub mod text;

pub use baseline::Baseline;
use discover::UsageError;
use finding::Finding;
use index::Index;
use load::LoadedFile;
pub use load::Role;
use policy::Policy;
use render::Diagnostic;

/// What a run is asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub paths: Vec<String>,
    /// Paths whose manifests feed the cross-reference index but are not
    /// reported on (`--context`).
    pub context: Vec<String>,
    /// Paths whose ValidatingAdmissionPolicies and bindings run (`--policy`):
    /// only the policies' own problems are reported on them.
    pub policies: Vec<String>,
    pub stdin_filename: Option<String>,
    pub namespace: String,
    pub excludes: Vec<String>,
    pub policy: Policy,
    pub max_file_bytes: u64,
    /// The manifests before the change, for immutable-field-change.
    pub baseline: Option<Baseline>,
    /// Keep a list of every object read (for formats that list them).
    pub list_objects: bool,
    /// Exit 2 when a path holds no Kubernetes object.
    pub fail_if_no_objects: bool,
    /// Record which policies applied to which objects (`stslint test`).
    pub trace_policies: bool,
    /// How each file finds its nearest config (set by `config::apply`);
    /// `None` lints every file with `policy` and `namespace`.
    pub nested: Option<policy::config::Nested>,
    /// The settings of configs nearer to some files than the run's own:
    /// scope `k` is `scopes[k - 1]`, scope 0 is `policy` and `namespace`.
    pub scopes: Vec<policy::config::Scope>,
    /// Texts to lint instead of those of the inputs with these names (the
    /// files as fixes left them).
    pub overlay: std::collections::HashMap<String, String>,
    /// Whether and how kustomizations are rendered.
    pub render: kustomize::Settings,
    /// `--helm CHART` (with `--values FILE`s): lint `helm template`'s output.
    pub helm: Option<(String, Vec<String>)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            paths: Vec::new(),
            context: Vec::new(),
            policies: Vec::new(),
            stdin_filename: None,
            namespace: "default".to_owned(),
            excludes: Vec::new(),
            policy: Policy::default(),
            max_file_bytes: load::MAX_FILE_BYTES,
            list_objects: false,
            baseline: None,
            nested: None,
            scopes: Vec::new(),
            fail_if_no_objects: false,
            trace_policies: false,
            overlay: std::collections::HashMap::new(),
            render: kustomize::Settings::default(),
            helm: None,
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
    /// Paths given to `run` under which no Kubernetes object was found.
    pub empty_paths: Vec<String>,
    /// How many objects each file holds.
    pub objects_per_file: Vec<usize>,
    /// Every object read, with its file and first line, when
    /// `Options::list_objects` asked for them.
    pub objects: Vec<(source::FileId, render::ObjectInfo, usize)>,
    /// The policies that ran (ValidatingAdmissionPolicies and
    /// StatefulSetPolicies).
    pub policies: Vec<finding::PolicyInfo>,
    /// With `Options::trace_policies`: each policy that applied to an
    /// object, and whether it failed there.
    pub applied: Vec<Applied>,
}

/// A policy that applied to an object (it matched and its conditions held).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub rule: &'static str,
    pub kind: String,
    /// As the run reads it (the default namespace when none is written).
    pub namespace: String,
    pub name: String,
    pub failed: bool,
}

/// Discover, load and lint.
pub fn run(opts: &Options) -> Result<Report, UsageError> {
    if let Some((chart, values)) = &opts.helm {
        return run_helm(opts, chart, values);
    }
    let mut found =
        discover::discover(&opts.paths, opts.stdin_filename.as_deref(), &opts.excludes)?;
    let mut reported = found.inputs.len();
    // Kustomizations are rendered; the files they include leave the inputs.
    let mut prepared = kustomize::prepare(&mut found.inputs, &mut reported, &opts.render);
    found.notes.append(&mut prepared.notes);
    let (mut scope_of, scopes) = match &opts.nested {
        Some(nested) => {
            policy::config::scope_inputs(&mut found.inputs, &mut reported, nested, &opts.namespace)?
        }
        None => (vec![0; reported], Vec::new()),
    };
    let scopes = if scopes.is_empty() {
        opts.scopes.clone()
    } else {
        scopes
    };
    if !opts.context.is_empty() {
        let context = discover::discover_context(&opts.context, &opts.excludes, &found.inputs)?;
        found.inputs.extend(context.inputs);
        found.notes.extend(context.notes);
    }
    let with_context = found.inputs.len();
    if !opts.policies.is_empty() {
        let policies = discover::discover_context(&opts.policies, &opts.excludes, &found.inputs)?;
        found.inputs.extend(policies.inputs);
        found.notes.extend(policies.notes);
    }
    let with_policies = found.inputs.len();
    let from_git = match &opts.baseline {
        Some(Baseline::Rev(rev)) => {
            baseline::from_git(rev, &opts.paths, &found.inputs[..reported])?
        }
        Some(Baseline::Dir(dir)) => {
            found
                .inputs
                .extend(baseline::from_dir(dir, &opts.excludes)?);
            Vec::new()
        }
        None => Vec::new(),
    };
    scope_of.resize(found.inputs.len(), 0);
    let namespace_of = |i: usize| match scope_of[i] {
        0 => opts.namespace.as_str(),
        k => scopes[k - 1].namespace.as_str(),
    };
    let mut files = load::load_all(
        &found.inputs,
        &namespace_of,
        opts.max_file_bytes,
        &opts.overlay,
    );
    for (i, f) in files.iter_mut().enumerate() {
        f.scope = scope_of[i];
        f.role = match i {
            i if i < reported => Role::Reported,
            i if i < with_context => Role::Context,
            i if i < with_policies => Role::Policy,
            _ => Role::Baseline,
        };
    }
    kustomization::mark_added_labels(&mut files);
    let sources = from_git
        .into_iter()
        .map(|b| (b.name, b.text, Role::Baseline));
    files.extend(load_texts(files.len(), sources.collect(), &opts.namespace));
    add_render_errors(&mut files, prepared.errors);
    let taken = std::mem::take(&mut prepared.taken);
    // Each rendering is linted on its own, with the run's context and
    // policy files: two overlays of one base are alternatives, not
    // neighbours.
    let shared: Vec<LoadedFile> = files
        .iter()
        .filter(|f| matches!(f.role, Role::Context | Role::Policy))
        .cloned()
        .collect();
    let mut report = finish(files, found.notes, opts, &scopes, &[]);
    report.empty_paths = empty_paths(opts, &found.inputs[..reported], &report.objects_per_file);
    // A file linted as part of a rendering is not empty.
    report
        .empty_paths
        .retain(|p| !taken.contains(&discover::normal_path(std::path::Path::new(p))));
    for (name, text, mut render) in prepared.rendered {
        let mut world = load_texts(0, vec![(name, text, Role::Reported)], &opts.namespace);
        for f in &shared {
            world.push(f.renumbered(world.len()));
        }
        render.file = 0;
        let dir = render.dir.clone();
        let w = finish(
            world,
            Vec::new(),
            opts,
            &scopes,
            std::slice::from_ref(&render),
        );
        // A path whose kustomization rendered objects is not empty.
        if w.objects_per_file.first().is_some_and(|n| *n > 0) {
            report
                .empty_paths
                .retain(|p| !(p == "." || std::path::Path::new(&dir).starts_with(p)));
        }
        merge(
            &mut report,
            w,
            shared.iter().filter(|f| f.reported()).count(),
        );
    }
    Ok(report)
}

/// `--helm CHART`: `helm template` run on the chart, its output linted
/// (with the paths of the command line, if any) and its findings placed on
/// the templates.
fn run_helm(opts: &Options, chart: &str, values: &[String]) -> Result<Report, UsageError> {
    let mut cmd = std::process::Command::new("helm");
    cmd.arg("template").arg(chart);
    for v in values {
        cmd.arg("--values").arg(v);
    }
    let out = cmd.output().map_err(|e| {
        UsageError(match e.kind() {
            std::io::ErrorKind::NotFound => {
                "--helm needs `helm` on PATH; or pipe the output in: `helm template CHART | stslint check -`".to_owned()
            }
            _ => format!("cannot run helm: {e}"),
        })
    })?;
    if !out.status.success() {
        return Err(UsageError(format!(
            "helm template {chart} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let name = format!("{chart} (helm template)");
    let mut opts = opts.clone();
    opts.overlay.insert(
        name.clone(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    );
    opts.helm = None;
    opts.stdin_filename = Some(name);
    opts.paths.push("-".to_owned());
    run(&opts)
}

/// The paths of the command line (`-` for stdin) under which no reported
/// file holds a Kubernetes object.
fn empty_paths(opts: &Options, inputs: &[discover::Input], counts: &[usize]) -> Vec<String> {
    let paths: Vec<String> = if opts.paths.is_empty() {
        vec![".".to_owned()]
    } else {
        opts.paths.clone()
    };
    paths
        .into_iter()
        .filter(|p| {
            let under = |input: &discover::Input| match input {
                discover::Input::Stdin { .. } => p == "-",
                discover::Input::File { path, .. } => {
                    p != "-" && path.starts_with(std::path::Path::new(p))
                }
            };
            !inputs
                .iter()
                .enumerate()
                .any(|(i, input)| under(input) && counts.get(i).is_some_and(|n| *n > 0))
        })
        .collect()
}

/// Lint in-memory text as one file (tests, fuzzing).
pub fn lint_text(name: &str, text: &str, opts: &Options) -> Report {
    lint_sources(
        vec![(name.to_owned(), text.to_owned(), Role::Reported)],
        opts,
    )
}

/// Lint in-memory texts, each a file with its role: reported, context or
/// baseline (the language server, tests).
pub fn lint_sources(sources: Vec<(String, String, Role)>, opts: &Options) -> Report {
    let files = load_texts(0, sources, &opts.namespace);
    finish(files, Vec::new(), opts, &opts.scopes, &[])
}

/// Lint files already loaded (the language server's cached workspace);
/// each file's id must be its position.
pub fn lint_loaded(files: Vec<LoadedFile>, opts: &Options) -> Report {
    finish(files, Vec::new(), opts, &opts.scopes, &[])
}

fn load_texts(
    first: usize,
    sources: Vec<(String, String, Role)>,
    namespace: &str,
) -> Vec<LoadedFile> {
    use rayon::prelude::*;
    let budget = load::TreeBudget::default();
    sources
        .into_par_iter()
        .enumerate()
        .map(|(i, (name, text, role))| {
            let mut f = load::parse_text(first + i, name, text, namespace, &budget);
            f.role = role;
            f
        })
        .collect()
}

/// Render errors as diagnostics on the kustomization files.
fn add_render_errors(files: &mut [LoadedFile], errors: Vec<(std::path::PathBuf, String)>) {
    for (kfile, message) in errors {
        let Some((id, f)) = files
            .iter_mut()
            .enumerate()
            .find(|(_, f)| std::path::Path::new(&f.source.name) == kfile)
        else {
            continue;
        };
        let end = f.source.text().find('\n').unwrap_or(f.source.len());
        f.findings.push(Finding {
            rule: "yaml-syntax",
            at_most: None,
            message,
            help: Some("Run the kustomize build yourself to see it; --no-render lints the files as plain manifests.".to_owned()),
            at: finding::Loc::Span {
                file: id,
                document: None,
                span: 0..end,
            },
            focus: None,
            related: Vec::new(),
            fix: None,
        });
    }
}

/// Add the report of one rendering (its own run) to the run's: its files
/// after the run's, less the `shared` reported files both count.
fn merge(report: &mut Report, w: Report, shared: usize) {
    let offset = report.files.len();
    for mut d in w.diagnostics {
        d.at.file += offset;
        d.at.object_id = None;
        for r in &mut d.related {
            r.at.file += offset;
            r.at.object_id = None;
        }
        report.diagnostics.push(d);
    }
    render::sort(&mut report.diagnostics);
    // Files are counted once, by name (two renderings place findings in
    // one base file); a rendering counts as a file.
    let known: std::collections::HashSet<&str> = report
        .files
        .iter()
        .filter(|f| f.reported())
        .map(|f| f.source.name.as_str())
        .collect();
    let new_files = w
        .files
        .iter()
        .filter(|f| f.reported() && !known.contains(f.source.name.as_str()))
        .count();
    let (a, b) = (&mut report.summary, &w.summary);
    a.files += new_files.saturating_sub(shared);
    a.documents += b.documents;
    a.objects += b.objects;
    a.skipped += b.skipped;
    a.errors = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == finding::Severity::Error)
        .count();
    a.warnings = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == finding::Severity::Warning)
        .count();
    a.infos = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == finding::Severity::Info)
        .count();
    report.objects.extend(
        w.objects
            .into_iter()
            .map(|(f, info, line)| (f + offset, info, line)),
    );
    report.objects_per_file.extend(w.objects_per_file);
    report.notes.extend(w.notes);
    report.unreadable_input |= w.unreadable_input;
    for p in w.policies {
        if !report.policies.iter().any(|q| q.id == p.id) {
            report.policies.push(p);
        }
    }
    report.applied.extend(w.applied);
    for (i, f) in w.files.into_iter().enumerate() {
        report.files.push(f.renumbered(offset + i));
    }
}

fn finish(
    mut files: Vec<LoadedFile>,
    mut notes: Vec<String>,
    opts: &Options,
    scopes: &[policy::config::Scope],
    renders: &[kustomize::Render],
) -> Report {
    // The policy of each scope: the run's own, then nearer configs'.
    let policies: Vec<&Policy> = std::iter::once(&opts.policy)
        .chain(scopes.iter().map(|s| &s.policy))
        .collect();
    let mut findings: Vec<Finding> = Vec::new();
    let total: usize = files.iter().map(|f| f.objects.objects.len()).sum();
    let mut objects = Vec::new();
    let mut objects_per_file = Vec::with_capacity(files.len());
    for f in &mut files {
        objects_per_file.push(f.objects.objects.len());
        findings.append(&mut f.findings);
        findings.extend(model::problem_findings(&f.objects, objects.len()));
        let mine = std::mem::take(&mut f.objects.objects);
        if mine.len() == total {
            // One file holds every object: its vector is the run's.
            objects = mine;
        } else {
            // Moved, not appended: the file's vector is freed now.
            objects.reserve_exact(total - objects.len());
            objects.extend(mine);
        }
    }
    let unreadable_input = files.iter().any(|f| !f.readable);

    let pending = take_statefulset_trees(&mut files, &objects);
    let roles: Vec<load::Role> = files.iter().map(|f| f.role).collect();
    let index = Index::build(objects, &|file| roles[file] == load::Role::Baseline);
    let mut admission = admission::load(&index, &files);
    let policy_infos = admission.describe(&index, &files);
    if opts.trace_policies {
        admission.trace();
    }
    findings.extend(std::mem::take(&mut admission.problems));
    findings.extend(engine::run(&index, &files, pending, &policies, &admission));
    let applied = admission
        .applied()
        .into_iter()
        .map(|(id, rule, failed)| {
            let o = index.object(id);
            Applied {
                rule,
                kind: o.kind.to_string(),
                namespace: o.namespace.clone(),
                name: o.name.clone(),
                failed,
            }
        })
        .collect();
    let mut diagnostics = render::resolve(&files, &index, findings, &policies);
    policy::scope::move_out_of_context(&mut diagnostics, &files);
    render::origin::place(&mut diagnostics, &mut files, renders);
    let (mut diagnostics, unused) = policy::suppress::apply(diagnostics, &files, &index);
    diagnostics.extend(render::resolve(&files, &index, unused, &policies));
    render::helm::place(&mut diagnostics, &mut files);
    diagnostics.retain(|d| files[d.at.file].reported());
    render::sort(&mut diagnostics);
    notes.extend(files.iter().filter(|f| f.source.changed()).map(|f| {
        format!(
            "{}: the file changed while it was being linted; positions in it may be wrong",
            f.source.name
        )
    }));
    let summary = render::Summary::of(&files, &index, &diagnostics);
    let objects = if opts.list_objects {
        render::object_list(&files, &index)
    } else {
        Vec::new()
    };
    // The objects are not needed to render: free them on another thread
    // while the caller renders (if no thread can be started, the index is
    // dropped here all the same).
    let _ = std::thread::Builder::new().spawn(move || drop(index));
    Report {
        files,
        diagnostics,
        summary,
        notes,
        unreadable_input,
        objects,
        objects_per_file,
        empty_paths: Vec::new(),
        policies: policy_infos,
        applied,
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
        if !matches!(o.typed, model::Typed::StatefulSet)
            || files[o.file].role == load::Role::Baseline
        {
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
