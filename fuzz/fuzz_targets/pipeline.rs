//! Bytes -> diagnostics -> every renderer. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stslint::render::{RunInfo, github, human, json, junit, sarif, short};
use stslint::{Options, lint_text};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let opts = Options {
        list_objects: true,
        ..Options::default()
    };
    let report = lint_text("fuzz.yaml", text, &opts);
    let _ = short::render(&report.diagnostics);
    let out = json::render(&report.diagnostics, &report.summary);
    assert!(serde_json_valid(&out));
    let _ = human::render(&report.diagnostics, &report.files, &report.summary, false);
    let run = RunInfo {
        files: &report.files,
        cwd: std::path::PathBuf::from("/work/k8s"),
        root: std::path::PathBuf::from("/work"),
        notes: &report.notes,
        successful: true,
    };
    let out = sarif::render(&report.diagnostics, &run);
    assert!(serde_json_valid(&out));
    let _ = github::render(&report.diagnostics, &run);
    let _ = junit::render(&report.diagnostics, &report.objects, &run, &|_| true);
});

fn serde_json_valid(s: &str) -> bool {
    s.starts_with('{') && s.trim_end().ends_with('}')
}
