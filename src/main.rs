use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::{ArgAction, ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use stslint::finding::Severity;
use stslint::policy::config;
use stslint::render::{RunInfo, github, human, json, junit, sarif, short};
use stslint::{Options, rules};

#[derive(Parser)]
#[command(
    name = "stslint",
    version,
    about = "Lint Kubernetes StatefulSet manifests and the objects around them"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint manifests (files, directories, or `-` for standard input)
    Check(Box<CheckArgs>),
    /// List every rule with its default severity and summary
    Rules {
        /// Write the rule documentation (one page per rule and README.md) into DIR
        #[arg(long, value_name = "DIR")]
        markdown: Option<std::path::PathBuf>,
        #[command(flatten)]
        policies: PolicyArgs,
    },
    /// Run the language server (LSP over standard input and output)
    Lsp,
    /// Run policy fixtures: each fail-*.yaml / pass-*.yaml under DIR must
    /// get exactly the policy diagnostics its `# expect:` markers name
    Test {
        /// Directories holding policies and their fixtures [default: .]
        paths: Vec<String>,
        /// Output format
        #[arg(long, value_enum, default_value = "text")]
        format: TestFormat,
    },
    /// Print a rule's documentation
    Explain {
        /// The rule id (or a policy's: `vap:NAME`, `policy/NAME`)
        rule: String,
        #[command(flatten)]
        policies: PolicyArgs,
    },
}

/// Where `rules` and `explain` find the team's policies.
#[derive(clap::Args)]
struct PolicyArgs {
    /// Also list the policies in PATH (file or directory); `policies:` in
    /// the .stslint.yaml of the current directory are listed too
    #[arg(long = "policy", value_name = "PATH")]
    policies: Vec<String>,
    /// Read policies: from this config file instead of the discovered one
    #[arg(long, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// Do not read a .stslint.yaml
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
}

/// The policies `--policy` and the config name, read as a run reads them.
fn policies_of(args: PolicyArgs) -> Result<Vec<stslint::finding::PolicyInfo>, String> {
    let flags = config::Flags {
        config: args.config,
        no_config: args.no_config,
        policies: args.policies,
        ..config::Flags::default()
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut opts = Options::default();
    let notes = config::apply(&mut opts, &flags, &cwd).map_err(|e| e.0)?;
    notes.iter().for_each(|n| eprintln!("note: {n}"));
    if opts.policies.is_empty() {
        return Ok(Vec::new());
    }
    let run = Options {
        paths: std::mem::take(&mut opts.policies),
        ..Options::default()
    };
    stslint::run(&run).map(|r| r.policies).map_err(|e| e.0)
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Format {
    Human,
    Json,
    Short,
    Sarif,
    Github,
    Junit,
}

#[derive(Clone, Copy, ValueEnum)]
enum TestFormat {
    Text,
    Junit,
}

#[derive(Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum Level {
    Error,
    Warning,
    Info,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files and directories to lint; `-` reads standard input [default: .]
    paths: Vec<String>,
    /// File name to show for standard input
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
    /// Output format [default: human]; repeatable: each --output applies to
    /// the --format given before it
    #[arg(long, value_enum, action = ArgAction::Append)]
    format: Vec<Format>,
    /// Write the report in the --format given just before to FILE instead
    /// of standard output (repeatable)
    #[arg(long, short = 'o', value_name = "FILE", action = ArgAction::Append)]
    output: Vec<std::path::PathBuf>,
    /// Colour the human output (NO_COLOR is honoured)
    #[arg(long, value_enum, default_value = "auto")]
    color: Color,
    /// Namespace of objects that set none [default: default]
    #[arg(long, value_name = "NS")]
    namespace: Option<String>,
    /// Run `helm template CHART` and lint its output, each finding placed
    /// on the template that renders it
    #[arg(long, value_name = "CHART")]
    helm: Option<String>,
    /// A values file for --helm (repeatable)
    #[arg(long = "values", value_name = "FILE", requires = "helm")]
    values: Vec<String>,
    /// Lint the files of kustomizations as plain manifests instead of
    /// rendering them
    #[arg(long)]
    no_render: bool,
    /// The command that renders a kustomization directory, appended to it
    /// [default: `kustomize build` if on PATH, else `kubectl kustomize`]
    #[arg(long, value_name = "COMMAND")]
    kustomize_command: Option<String>,
    /// The Kubernetes version the manifests are applied to, 1.N or 1.N.P
    /// (1.16 to 1.37): fields it does not have or ignores are reported, and
    /// advice and fixes follow it [default: 1.37, the newest stslint knows]
    #[arg(long, value_name = "VERSION", value_parser = parse_kubernetes_version)]
    kubernetes_version: Option<stslint::kubernetes::Version>,
    /// Exit 1 when a diagnostic at or above this severity is found [default: warning]
    #[arg(long, value_enum)]
    fail_on: Option<Level>,
    /// Config file to use instead of the nearest .stslint.yaml
    #[arg(long, value_name = "PATH", conflicts_with = "no_config")]
    config: Option<std::path::PathBuf>,
    /// Ignore every .stslint.yaml
    #[arg(long)]
    no_config: bool,
    /// Run only these rules (comma-separated, repeatable)
    #[arg(long, value_name = "ID,...")]
    select: Vec<String>,
    /// Do not run these rules (comma-separated, repeatable)
    #[arg(long, value_name = "ID,...")]
    ignore: Vec<String>,
    /// Set a rule's severity: ID=off|info|warning|error (repeatable)
    #[arg(long, value_name = "ID=LEVEL")]
    severity: Vec<String>,
    /// Load manifests under PATH for cross-references (Services, PDBs, PVCs)
    /// without reporting on them (repeatable)
    #[arg(long, value_name = "PATH")]
    context: Vec<String>,
    /// Run the ValidatingAdmissionPolicies and bindings under PATH (and
    /// read their params there); only problems of the policies' own text
    /// are reported on those files (repeatable)
    #[arg(long = "policy", value_name = "PATH")]
    policies: Vec<String>,
    /// Compare each StatefulSet with the same object at git revision REV
    /// (immutable-field-change)
    #[arg(long, value_name = "REV", conflicts_with = "baseline_dir")]
    baseline: Option<String>,
    /// Compare each StatefulSet with the same object among the manifests
    /// under DIR (rendered at the base, for helm and kustomize users)
    #[arg(long, value_name = "DIR")]
    baseline_dir: Option<String>,
    /// Exit 2 when a path given holds no Kubernetes object (a CI gate
    /// pointed at the wrong directory)
    #[arg(long)]
    fail_if_no_objects: bool,
    /// Skip files matching this glob while walking directories (repeatable)
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Report files larger than this instead of reading them (bytes, or with
    /// a suffix: 64Mi, 1Gi, 500k)
    #[arg(long, value_name = "SIZE", default_value = "64Mi", value_parser = parse_size)]
    max_file_size: u64,
    /// Apply the safe fixes and write the files; then report what is left.
    /// With `-`, the fixed text goes to standard output and the report to
    /// standard error
    #[arg(long)]
    fix: bool,
    /// Apply unsafe fixes too (with --fix or --diff): they change behaviour
    /// or need judgement, so review them
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print the fixes as a unified diff (for `git apply`) instead of
    /// writing them; exit 1 when there is one
    #[arg(long, conflicts_with = "fix")]
    diff: bool,
    /// List the fixes applied, by rule
    #[arg(long)]
    show_fixes: bool,
    /// Silence every current diagnostic where it is reported, giving REASON:
    /// a `# stslint: ignore[rule] REASON` comment at the end of its line, or
    /// the object's stslint.io/ignore annotation where a comment cannot go
    /// (JSON, inside a block scalar). With --diff, print the change instead
    #[arg(long, value_name = "REASON", conflicts_with_all = ["fix", "unsafe_fixes"])]
    add_ignore: Option<String>,
}

fn parse_kubernetes_version(s: &str) -> Result<stslint::kubernetes::Version, String> {
    stslint::kubernetes::Version::parse(s)
}

fn parse_size(s: &str) -> Result<u64, String> {
    stslint::model::quantity::parse_nanos(s)
        .filter(|n| *n >= 0)
        .and_then(|n| u64::try_from(n / 1_000_000_000).ok())
        .ok_or_else(|| format!("`{s}` is not a size (use bytes or a suffix such as 64Mi)"))
}

fn main() -> ExitCode {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|c| (c, m)));
    let (cli, matches) = match parsed {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Command::Rules {
            markdown: Some(dir),
            ..
        } => match rules::write_docs(&dir) {
            Ok(n) => {
                eprintln!("wrote {n} files to {}", dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot write rule docs to {}: {e}", dir.display());
                ExitCode::from(2)
            }
        },
        Command::Explain { rule, policies } => {
            let mut notes = Vec::new();
            match config::rule_id(&rule, &mut notes) {
                Ok(id) => {
                    notes.iter().for_each(|n| eprintln!("note: {n}"));
                    if let Some(meta) = rules::find(id).map(|r| r.meta()) {
                        print(&rules::page(meta));
                        return ExitCode::SUCCESS;
                    }
                    let known = match policies_of(policies) {
                        Ok(p) => p,
                        Err(e) => {
                            eprintln!("error: {e}");
                            return ExitCode::from(2);
                        }
                    };
                    let Some(p) = known.iter().find(|p| p.id == id) else {
                        eprintln!(
                            "error: `{id}` is the id of policy {}'s findings, and no such policy is in --policy or the config's `policies:`",
                            stslint::finding::policy_name(id).unwrap_or(id)
                        );
                        return ExitCode::from(2);
                    };
                    print(&policy_page(p));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Rules {
            markdown: None,
            policies,
        } => {
            let mut out = String::new();
            for r in rules::RULES {
                let m = r.meta();
                out.push_str(&format!(
                    "{:<28} {:<8} {}\n",
                    m.id,
                    m.severity.as_str(),
                    m.summary
                ));
            }
            // Only what was asked for explicitly can fail `rules`: a broken
            // .stslint.yaml in the current directory is a warning here.
            let explicit = !policies.policies.is_empty() || policies.config.is_some();
            match policies_of(policies) {
                Err(e) if !explicit => {
                    eprintln!("warning: policies of the config are not listed: {e}");
                }
                Ok(list) => {
                    for p in list {
                        out.push_str(&format!(
                            "{:<28} {:<8} {}\n",
                            p.id,
                            p.severity.map_or("unbound", |s| s.as_str()),
                            p.summary
                        ));
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            }
            print(&out);
            ExitCode::SUCCESS
        }
        Command::Test { paths, format } => {
            let paths = if paths.is_empty() {
                vec![".".to_owned()]
            } else {
                paths
            };
            let mut failed = 0;
            for p in &paths {
                match stslint::testing::run(std::path::Path::new(p)) {
                    Ok(report) => {
                        failed += report.failed();
                        print(&match format {
                            TestFormat::Text => stslint::testing::render(&report),
                            TestFormat::Junit => stslint::testing::junit(&report),
                        });
                    }
                    Err(e) => {
                        eprintln!("error: {}", e.0);
                        return ExitCode::from(2);
                    }
                }
            }
            ExitCode::from(u8::from(failed > 0))
        }
        Command::Lsp => match stslint::lsp::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: language server: {e}");
                ExitCode::from(2)
            }
        },
        Command::Check(args) => {
            let args = *args;
            let sinks = match matches
                .subcommand_matches("check")
                .ok_or_else(|| "no check arguments".to_owned())
                .and_then(|m| sinks(m, &args))
            {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            // A panic is a bug, but it must not look like a lint result
            // (exit 101): report it and exit 2.
            std::panic::set_hook(Box::new(|info| {
                eprintln!("error: stslint crashed (this is a bug, please report it): {info}");
            }));
            std::panic::catch_unwind(|| check(args, sinks)).unwrap_or(ExitCode::from(2))
        }
    }
}

fn print(s: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(s.as_bytes());
    let _ = stdout.flush();
}

/// Where each report goes: formats paired with output files by their
/// order on the command line; at most one goes to standard output.
type Sinks = Vec<(Format, Option<std::path::PathBuf>)>;

fn sinks(m: &ArgMatches, args: &CheckArgs) -> Result<Sinks, String> {
    let format_at: Vec<usize> = m.indices_of("format").map_or(Vec::new(), Iterator::collect);
    let output_at: Vec<usize> = m.indices_of("output").map_or(Vec::new(), Iterator::collect);
    let mut sinks: Sinks = if args.format.is_empty() {
        vec![(Format::Human, None)]
    } else {
        args.format.iter().map(|f| (*f, None)).collect()
    };
    for (path, at) in args.output.iter().zip(output_at) {
        // The last --format before this --output, else the first one.
        let i = format_at.iter().rposition(|f| *f < at).unwrap_or(0);
        let (format, slot) = &mut sinks[i];
        if let Some(prev) = slot {
            return Err(format!(
                "--format {} is paired with two --output files ({} and {}); give a --format before each --output",
                format_name(*format),
                prev.display(),
                path.display()
            ));
        }
        *slot = Some(path.clone());
    }
    let to_stdout: Vec<&str> = sinks
        .iter()
        .filter(|(_, o)| o.is_none())
        .map(|(f, _)| format_name(*f))
        .collect();
    if to_stdout.len() > 1 {
        return Err(format!(
            "formats {} would all go to standard output; give an --output FILE after each but one",
            to_stdout.join(", ")
        ));
    }
    Ok(sinks)
}

/// `explain` for a policy: what its manifest says of it.
fn policy_page(p: &stslint::finding::PolicyInfo) -> String {
    let mut out = format!("# {}\n\n{} in {}", p.id, p.kind, p.file);
    match p.severity {
        Some(s) => out.push_str(&format!(", severity {}.\n\n", s.as_str())),
        None => out.push_str(", not bound: it does not run.\n\n"),
    }
    out.push_str(&p.summary);
    out.push('\n');
    if let Some(h) = &p.help {
        out.push_str(&format!("\n{h}\n"));
    }
    if let Some(u) = &p.url {
        out.push_str(&format!("\nSee {u}\n"));
    }
    out
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Human => "human",
        Format::Json => "json",
        Format::Short => "short",
        Format::Sarif => "sarif",
        Format::Github => "github",
        Format::Junit => "junit",
    }
}

/// The fixing flags of `check`.
struct FixFlags {
    fix: bool,
    add_ignore: Option<String>,
    unsafe_fixes: bool,
    diff: bool,
    show_fixes: bool,
}

enum Fixing {
    /// `--diff`: printed, with this exit code.
    Diff(ExitCode),
    /// `--fix`: what is left to report, and whether standard output took
    /// the fixed text of standard input.
    Done(Box<stslint::Report>, bool),
}

/// `--fix` and `--diff`.
fn fix(opts: &Options, args: &FixFlags) -> Result<Fixing, ExitCode> {
    use stslint::finding::Applicability;
    use stslint::fixing;
    let want = if args.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    let fixed = match &args.add_ignore {
        Some(reason) => fixing::add_ignores(opts, reason),
        None => fixing::run(opts, want, &|rule| opts.policy.may_fix(rule)),
    }
    .map_err(|e| {
        eprintln!("error: {}", e.0);
        ExitCode::from(2)
    })?;
    let count: usize = fixed.applied.values().sum();
    let verb = match (args.diff, args.add_ignore.is_some()) {
        (true, false) => "would fix",
        (false, false) => "fixed",
        (true, true) => "would silence",
        (false, true) => "silenced",
    };
    let mut line = format!(
        "{verb} {}",
        stslint::text::count(count, "problem", "problems")
    );
    if args.show_fixes || args.diff {
        let by: Vec<String> = fixed
            .applied
            .iter()
            .map(|(rule, n)| format!("{n} {rule}"))
            .collect();
        if !by.is_empty() {
            line.push_str(&format!(" ({})", by.join(", ")));
        }
    }
    if fixed.unsafe_left > 0 {
        line.push_str(&format!("; {} more with --unsafe-fixes", fixed.unsafe_left));
    }
    if args.diff {
        let cwd = std::env::current_dir().unwrap_or_default();
        print(&fixing::diff(&fixed.changed, &cwd));
        eprintln!("{line}");
        let code = u8::from(!fixed.changed.is_empty());
        std::mem::forget(fixed);
        return Ok(Fixing::Diff(ExitCode::from(code)));
    }
    let mut stream = false;
    let mut failed = false;
    for c in &fixed.changed {
        if c.on_disk
            && let Err(e) = fixing::write(c)
        {
            eprintln!("error: {}: {e}", c.name);
            failed = true;
        }
    }
    // Standard input: its fixed text (unchanged if nothing applied).
    if opts.paths.iter().any(|p| p == "-") {
        let name = opts.stdin_filename.as_deref().unwrap_or("<stdin>");
        if let Some(f) = fixed.report.files.iter().find(|f| f.source.name == name) {
            print(f.source.text());
            stream = true;
        }
    }
    eprintln!("{line}");
    if failed {
        return Err(ExitCode::from(2));
    }
    Ok(Fixing::Done(Box::new(fixed.report), stream))
}

fn check(args: CheckArgs, sinks: Sinks) -> ExitCode {
    let fix_flags = FixFlags {
        fix: args.fix,
        add_ignore: args.add_ignore,
        unsafe_fixes: args.unsafe_fixes,
        diff: args.diff,
        show_fixes: args.show_fixes,
    };
    let mut opts = Options {
        paths: args.paths,
        stdin_filename: args.stdin_filename,
        max_file_bytes: args.max_file_size,
        list_objects: sinks.iter().any(|(f, _)| *f == Format::Junit),
        baseline: match (args.baseline, args.baseline_dir) {
            (Some(rev), _) => Some(stslint::Baseline::Rev(rev)),
            (None, Some(dir)) => Some(stslint::Baseline::Dir(dir)),
            (None, None) => None,
        },
        helm: args.helm.map(|chart| (chart, args.values.clone())),
        render: stslint::kustomize::Settings {
            off: args.no_render,
            command: args
                .kustomize_command
                .map(|c| c.split_whitespace().map(str::to_owned).collect()),
        },
        ..Options::default()
    };
    let flags = config::Flags {
        config: args.config,
        no_config: args.no_config,
        select: args.select,
        ignore: args.ignore,
        severity: args.severity,
        namespace: args.namespace,
        fail_on: args.fail_on.map(|l| match l {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
            Level::Info => Severity::Info,
        }),
        exclude: args.exclude,
        context: args.context,
        policies: args.policies,
        fail_if_no_objects: args.fail_if_no_objects,
        kubernetes_version: args.kubernetes_version,
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    match config::apply(&mut opts, &flags, &cwd) {
        Ok(notes) => notes.iter().for_each(|n| eprintln!("note: {n}")),
        Err(e) => {
            eprintln!("error: {}", e.0);
            return ExitCode::from(2);
        }
    }
    let (report, stream) = if fix_flags.fix || fix_flags.diff || fix_flags.add_ignore.is_some() {
        match fix(&opts, &fix_flags) {
            Ok(Fixing::Diff(code)) => return code,
            Ok(Fixing::Done(report, stream)) => (*report, stream),
            Err(code) => return code,
        }
    } else {
        match stslint::run(&opts) {
            Ok(r) => (r, false),
            Err(e) => {
                eprintln!("error: {}", e.0);
                return ExitCode::from(2);
            }
        }
    };
    for note in &report.notes {
        // A note that is a warning says so itself.
        if note.starts_with("warning: ") {
            eprintln!("{note}");
        } else {
            eprintln!("note: {note}");
        }
    }
    for path in &report.empty_paths {
        let shown = if path == "-" { "standard input" } else { path };
        eprintln!("warning: no Kubernetes objects found in {shown}");
    }
    let run = RunInfo {
        files: &report.files,
        root: stslint::render::repo_root(&cwd),
        cwd: cwd.clone(),
        notes: &report.notes,
        successful: !report.unreadable_input,
        policies: &report.policies,
    };
    let fails = |s| opts.policy.fails(s);
    for (format, output) in &sinks {
        let d = &report.diagnostics;
        let out = match format {
            Format::Short => short::render(d),
            Format::Json => json::render(d, &report.summary),
            Format::Sarif => sarif::render(d, &run),
            Format::Github => github::render(d, &run),
            Format::Junit => junit::render(d, &report.objects, &run, &fails),
            Format::Human => {
                let color = output.is_none()
                    && match args.color {
                        Color::Always => true,
                        Color::Never => false,
                        Color::Auto => {
                            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                                && std::io::stdout().is_terminal()
                        }
                    };
                human::render(d, &report.files, &report.summary, color)
            }
        };
        match output {
            // Standard output holds the fixed stream.
            None if stream => eprint!("{out}"),
            None => print(&out),
            Some(path) => {
                if let Err(e) = std::fs::write(path, out) {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    return ExitCode::from(2);
                }
            }
        }
    }
    let code = if opts.fail_if_no_objects && !report.empty_paths.is_empty() {
        ExitCode::from(2)
    } else {
        ExitCode::from(u8::try_from(report.exit_code(&opts.policy)).unwrap_or(2))
    };
    // The process ends here: freeing every tree one by one only costs time.
    std::mem::forget(report);
    code
}
