//! Bytes -> diagnostics -> every renderer. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stslint::render::{human, json, short};
use stslint::{Options, lint_text};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let report = lint_text("fuzz.yaml", text, &Options::default());
    let _ = short::render(&report.diagnostics);
    let out = json::render(&report.diagnostics, &report.summary);
    assert!(serde_json_valid(&out));
    let _ = human::render(&report.diagnostics, &report.files, &report.summary, false);
});

fn serde_json_valid(s: &str) -> bool {
    s.starts_with('{') && s.trim_end().ends_with('}')
}
