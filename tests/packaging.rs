//! The Python packaging follows Cargo.toml: the wheel takes its version
//! from the crate, and the pre-commit hook's package pins that very wheel.
//! The hooks file offers the python hook and the cargo-built one.

use std::fs;

fn value_of<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(key)?
                .trim()
                .strip_prefix('=')?
                .trim()
                .strip_prefix('"')
        })
        .and_then(|v| v.split('"').next())
}

#[test]
fn the_hook_package_pins_the_crates_version() {
    let version = env!("CARGO_PKG_VERSION");
    let root = fs::read_to_string("pyproject.toml").expect("pyproject.toml");
    assert_eq!(value_of(&root, "version"), Some(version));
    assert!(
        root.contains(&format!("dependencies = [\"stslint=={version}\"]")),
        "pyproject.toml must pin stslint=={version}"
    );
    let wheel = fs::read_to_string("packaging/wheel/pyproject.toml").expect("wheel pyproject");
    assert_eq!(value_of(&wheel, "name"), Some("stslint"));
    assert!(
        wheel.contains("dynamic = [\"version\"]"),
        "the wheel's version comes from Cargo.toml"
    );
    assert!(wheel.contains("bindings = \"bin\""));
    assert_eq!(value_of(&wheel, "manifest-path"), Some("../../Cargo.toml"));
}

#[test]
fn hooks_offer_python_and_cargo() {
    let hooks = fs::read_to_string(".pre-commit-hooks.yaml").expect("hooks");
    let ids: Vec<(&str, &str)> = hooks
        .split("- id: ")
        .skip(1)
        .map(|h| {
            let id = h.lines().next().unwrap_or("").trim();
            let lang = h
                .lines()
                .find_map(|l| l.trim().strip_prefix("language: "))
                .unwrap_or("");
            (id, lang)
        })
        .collect();
    assert_eq!(ids, [("stslint", "python"), ("stslint-cargo", "rust")]);
}
