//! The CI formats: SARIF (checked against what the SARIF 2.1.0 standard
//! requires, and against its schema when it is beside the repository), GitHub
//! workflow commands, JUnit XML, and --format/--output pairs.

use std::fs;

use assert_cmd::Command;
use serde_json::Value;

fn stslint() -> Command {
    Command::cargo_bin("stslint").expect("binary builds")
}

fn run(args: &[&str]) -> (i32, String) {
    let out = stslint().args(args).output().expect("runs");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("utf-8 output"),
    )
}

const KAFKA: &str = "testdata/examples/broken/kafka.yaml";

/// The SARIF 2.1.0 schema, when it is beside the repository. A fresh clone
/// has none (also in a user's own CI, where `CI` is set), and the
/// structural checks still run; this project's `.ci/run` sets
/// STSLINT_REQUIRE_SARIF_SCHEMA so that a missing schema fails there.
fn schema() -> Option<Value> {
    match fs::read_to_string("../shared/schemas/sarif-2.1.0.json") {
        Ok(text) => Some(serde_json::from_str(&text).expect("schema is JSON")),
        Err(_) if std::env::var_os("STSLINT_REQUIRE_SARIF_SCHEMA").is_some() => {
            panic!(
                "STSLINT_REQUIRE_SARIF_SCHEMA is set but ../shared/schemas/sarif-2.1.0.json is missing"
            )
        }
        Err(_) => {
            eprintln!("note: no SARIF schema beside the repository; schema validation skipped");
            None
        }
    }
}

/// Schema violations of `doc`, or `None` when there is no schema to use.
fn schema_errors(doc: &Value) -> Option<Vec<String>> {
    let schema = schema()?;
    let validator = jsonschema::draft202012::new(&schema).expect("schema compiles");
    Some(
        validator
            .iter_errors(doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect(),
    )
}

/// What SARIF 2.1.0 (OASIS standard, sections 3.11-3.30) requires of the
/// parts stslint writes, checked without the schema: required properties,
/// their types and ranges, enumerations, and the cross-references between
/// results and rules. Returns every violation, with its JSON pointer.
fn sarif_structure_errors(doc: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let mut bad = |at: String, what: &str| errors.push(format!("{at}: {what}"));
    let text = |v: &Value| v.as_str().is_some();
    let int_at_least = |v: &Value, min: i64| v.as_i64().is_some_and(|n| n >= min);
    if doc["version"] != "2.1.0" {
        bad("/version".into(), "must be \"2.1.0\"");
    }
    if !doc["$schema"].is_null() && !text(&doc["$schema"]) {
        bad("/$schema".into(), "must be a string");
    }
    let Some(runs) = doc["runs"].as_array() else {
        bad("/runs".into(), "required array");
        return errors;
    };
    for (r, run) in runs.iter().enumerate() {
        let at = format!("/runs/{r}");
        let driver = &run["tool"]["driver"];
        if !text(&driver["name"]) {
            bad(format!("{at}/tool/driver/name"), "required string");
        }
        let rules = driver["rules"].as_array().cloned().unwrap_or_default();
        for (i, rule) in rules.iter().enumerate() {
            if !text(&rule["id"]) {
                bad(format!("{at}/tool/driver/rules/{i}/id"), "required string");
            }
            let level = &rule["defaultConfiguration"]["level"];
            if !level.is_null()
                && !["none", "note", "warning", "error"].contains(&level.as_str().unwrap_or("?"))
            {
                bad(
                    format!("{at}/tool/driver/rules/{i}/defaultConfiguration/level"),
                    "not a level",
                );
            }
            for d in ["shortDescription", "fullDescription"] {
                if !rule[d].is_null() && !text(&rule[d]["text"]) {
                    bad(
                        format!("{at}/tool/driver/rules/{i}/{d}/text"),
                        "required string",
                    );
                }
            }
        }
        if !run["columnKind"].is_null()
            && !["utf16CodeUnits", "unicodeCodePoints"]
                .contains(&run["columnKind"].as_str().unwrap_or("?"))
        {
            bad(format!("{at}/columnKind"), "not a column kind");
        }
        if let Some(bases) = run["originalUriBaseIds"].as_object() {
            for (name, base) in bases {
                let uri = base["uri"].as_str().unwrap_or("");
                // 3.14.14: an absolute URI that ends with a slash.
                if !uri.contains("://") || !uri.ends_with('/') {
                    bad(
                        format!("{at}/originalUriBaseIds/{name}/uri"),
                        "absolute URI ending in /",
                    );
                }
            }
        }
        for (i, inv) in run["invocations"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if !inv["executionSuccessful"].is_boolean() {
                bad(
                    format!("{at}/invocations/{i}/executionSuccessful"),
                    "required boolean",
                );
            }
            for (n, note) in inv["toolExecutionNotifications"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                if !text(&note["message"]["text"]) {
                    bad(
                        format!("{at}/invocations/{i}/toolExecutionNotifications/{n}/message/text"),
                        "required string",
                    );
                }
            }
        }
        let Some(results) = run["results"].as_array() else {
            bad(format!("{at}/results"), "array expected");
            continue;
        };
        let location = |at: String, loc: &Value, bad: &mut dyn FnMut(String, &str)| {
            let phys = &loc["physicalLocation"];
            if phys.is_null() {
                return;
            }
            let uri = phys["artifactLocation"]["uri"].as_str();
            match uri {
                None => bad(
                    format!("{at}/physicalLocation/artifactLocation/uri"),
                    "required string",
                ),
                // A URI reference: no spaces, nothing outside ASCII.
                Some(u) if !u.is_ascii() || u.contains(' ') => bad(
                    format!("{at}/physicalLocation/artifactLocation/uri"),
                    "not percent-encoded",
                ),
                _ => {}
            }
            let base = &phys["artifactLocation"]["uriBaseId"];
            if !base.is_null()
                && run["originalUriBaseIds"]
                    .get(base.as_str().unwrap_or("?"))
                    .is_none()
            {
                bad(
                    format!("{at}/physicalLocation/artifactLocation/uriBaseId"),
                    "names no originalUriBaseIds entry",
                );
            }
            let region = &phys["region"];
            if region.is_null() {
                return;
            }
            for k in ["startLine", "startColumn", "endLine", "endColumn"] {
                if !region[k].is_null() && !int_at_least(&region[k], 1) {
                    bad(format!("{at}/physicalLocation/region/{k}"), "integer >= 1");
                }
            }
            let (sl, el) = (region["startLine"].as_i64(), region["endLine"].as_i64());
            if sl.is_none() {
                bad(
                    format!("{at}/physicalLocation/region/startLine"),
                    "required for a text region",
                );
            }
            if let (Some(sl), Some(el)) = (sl, el) {
                if el < sl {
                    bad(
                        format!("{at}/physicalLocation/region/endLine"),
                        "before startLine",
                    );
                }
                let (sc, ec) = (region["startColumn"].as_i64(), region["endColumn"].as_i64());
                if let (true, Some(sc), Some(ec)) = (el == sl, sc, ec)
                    && ec < sc
                {
                    bad(
                        format!("{at}/physicalLocation/region/endColumn"),
                        "before startColumn",
                    );
                }
            }
            if !region["snippet"].is_null() && !text(&region["snippet"]["text"]) {
                bad(
                    format!("{at}/physicalLocation/region/snippet/text"),
                    "required string",
                );
            }
        };
        for (i, res) in results.iter().enumerate() {
            let at = format!("{at}/results/{i}");
            if !text(&res["message"]["text"]) && !text(&res["message"]["id"]) {
                bad(format!("{at}/message"), "needs text or id");
            }
            if !["none", "note", "warning", "error"].contains(&res["level"].as_str().unwrap_or("?"))
            {
                bad(format!("{at}/level"), "not a level");
            }
            match (res["ruleId"].as_str(), res["ruleIndex"].as_i64()) {
                (Some(id), Some(ix)) => {
                    let named = usize::try_from(ix)
                        .ok()
                        .and_then(|ix| rules.get(ix))
                        .map(|r| &r["id"]);
                    if named.and_then(Value::as_str) != Some(id) {
                        bad(
                            format!("{at}/ruleIndex"),
                            "does not point at the rule named by ruleId",
                        );
                    }
                }
                (None, _) => bad(format!("{at}/ruleId"), "required string here"),
                (_, None) => bad(format!("{at}/ruleIndex"), "required integer here"),
            }
            for (l, loc) in res["locations"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                location(format!("{at}/locations/{l}"), loc, &mut bad);
            }
            for (l, loc) in res["relatedLocations"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                location(format!("{at}/relatedLocations/{l}"), loc, &mut bad);
                if !int_at_least(&loc["id"], 0) {
                    bad(format!("{at}/relatedLocations/{l}/id"), "integer >= 0");
                }
            }
            if let Some(fp) = res["partialFingerprints"].as_object()
                && fp.values().any(|v| !text(v))
            {
                bad(
                    format!("{at}/partialFingerprints"),
                    "values must be strings",
                );
            }
        }
    }
    errors
}

#[test]
fn the_structural_sarif_check_rejects_what_the_standard_forbids() {
    let (_, out) = run(&["check", KAFKA, "--format", "sarif"]);
    let doc: Value = serde_json::from_str(&out).expect("SARIF is JSON");
    assert_eq!(sarif_structure_errors(&doc), Vec::<String>::new());
    let broken = |f: &dyn Fn(&mut Value)| {
        let mut d = doc.clone();
        f(&mut d);
        sarif_structure_errors(&d)
    };
    assert_eq!(
        broken(&|d| d["runs"][0]["results"][0]["level"] = Value::from("fatal")),
        ["/runs/0/results/0/level: not a level"]
    );
    assert_eq!(
        broken(&|d| d["runs"][0]["results"][0]["ruleIndex"] = Value::from(0)),
        ["/runs/0/results/0/ruleIndex: does not point at the rule named by ruleId"]
    );
    assert_eq!(
        broken(&|d| {
            d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] =
                Value::from(0)
        }),
        ["/runs/0/results/0/locations/0/physicalLocation/region/startColumn: integer >= 1"]
    );
    assert_eq!(
        broken(&|d| {
            d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
                Value::from("a dir/ü.yaml")
        }),
        [
            "/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri: not percent-encoded"
        ]
    );
    assert_eq!(
        broken(&|d| d["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"] = Value::from("file:///x")),
        ["/runs/0/originalUriBaseIds/SRCROOT/uri: absolute URI ending in /"]
    );
    assert_eq!(
        broken(&|d| d["version"] = Value::from("2.0")),
        ["/version: must be \"2.1.0\""]
    );
}

#[test]
fn sarif_is_valid_and_locates_each_result() {
    let (code, out) = run(&["check", "testdata", "--format", "sarif"]);
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).expect("SARIF is JSON");
    assert_eq!(sarif_structure_errors(&doc), Vec::<String>::new());
    if let Some(errors) = schema_errors(&doc) {
        assert_eq!(errors, Vec::<String>::new());
        // The validator does reject what the schema forbids.
        let mut bad = doc.clone();
        bad["runs"][0]["results"][0]["level"] = Value::from("fatal");
        assert_eq!(schema_errors(&bad).map(|e| e.len()), Some(1));
    }
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    // The built-in rules, then each policy with results
    // (testdata/vap and the policy fixtures).
    let policies: Vec<&str> = rules[stslint::rules::RULES.len()..]
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(
        policies
            .iter()
            .all(|id| id.starts_with("vap:") || id.starts_with("policy/")),
        "{policies:?}"
    );
    assert!(policies.contains(&"vap:storage-limit"), "{policies:?}");
    let quorum = rules
        .iter()
        .find(|r| r["id"] == "pdb-quorum")
        .expect("pdb-quorum");
    assert_eq!(quorum["name"], "PdbQuorum");
    assert_eq!(quorum["defaultConfiguration"]["level"], "warning");
    assert!(
        quorum["helpUri"]
            .as_str()
            .expect("helpUri")
            .ends_with("/rules/pdb-quorum.md")
    );
    let result = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| {
            r["ruleId"] == "pdb-quorum"
                && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == KAFKA
        })
        .expect("the kafka pdb-quorum result");
    assert_eq!(result["level"], "warning");
    assert_eq!(
        rules[result["ruleIndex"].as_u64().expect("ruleIndex") as usize]["id"],
        "pdb-quorum"
    );
    let phys = &result["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uriBaseId"], "SRCROOT");
    assert_eq!(phys["region"]["startLine"], 23);
    assert_eq!(phys["region"]["startColumn"], 3);
    assert_eq!(phys["region"]["endLine"], 23);
    assert_eq!(phys["region"]["endColumn"], 18);
    assert_eq!(phys["region"]["snippet"]["text"], "minAvailable: 1");
    let related = &result["relatedLocations"][0];
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 35);
    assert_eq!(related["message"]["text"], "replicas: 3");
    assert_eq!(
        result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "policy/v1/PodDisruptionBudget/demo-broken/kafka"
    );
    assert!(
        run["originalUriBaseIds"]["SRCROOT"]["uri"]
            .as_str()
            .expect("SRCROOT")
            .starts_with("file:///")
    );
}

#[test]
fn sarif_for_unparsable_stdin_and_odd_names_is_valid() {
    let out = stslint()
        .args([
            "check",
            "-",
            "--format",
            "sarif",
            "--stdin-filename",
            "a dir/ü.yaml",
        ])
        .write_stdin("kind: [\n")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(sarif_structure_errors(&doc), Vec::<String>::new());
    if let Some(errors) = schema_errors(&doc) {
        assert_eq!(errors, Vec::<String>::new());
    }
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "yaml-syntax");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a%20dir/%C3%BC.yaml"
    );
}

#[test]
fn github_prints_one_escaped_command_per_diagnostic() {
    let (code, out) = run(&["check", KAFKA, "--format", "github"]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(
        lines[1],
        "::warning file=testdata/examples/broken/kafka.yaml,line=23,col=3,endLine=23,endColumn=18,\
         title=stslint(pdb-quorum)::minAvailable: 1 keeps only 1 of 3 pods of StatefulSet `kafka` \
         available; a majority needs 2%0Ahelp: Set minAvailable to 2 or maxUnavailable to 1.\
         %0Atestdata/examples/broken/kafka.yaml:35:3: replicas: 3"
    );
    assert!(lines[0].starts_with("::error file=testdata/examples/broken/kafka.yaml,line=9,col=3,"));
}

#[test]
fn github_severity_names_and_property_escapes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("a,b:c.yaml");
    fs::write(&path, "kind: [\n").expect("write");
    let (code, out) = run(&[
        "check",
        path.to_str().expect("utf-8 path"),
        "--format",
        "github",
        "--severity",
        "yaml-syntax=info",
        "--fail-on",
        "info",
    ]);
    assert_eq!(code, 1);
    assert!(out.starts_with("::notice file="), "{out}");
    assert!(out.contains("a%2Cb%3Ac.yaml,line=1,"), "{out}");
}

#[test]
fn junit_has_a_suite_per_file_and_a_case_per_diagnostic_or_clean_object() {
    let (code, out) = run(&["check", "testdata/examples", "--format", "junit"]);
    assert_eq!(code, 1);
    let xml = roxmltree::Document::parse(&out).expect("well-formed XML");
    let root = xml.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let names: Vec<_> = suites
        .iter()
        .map(|s| s.attribute("name").unwrap_or(""))
        .collect();
    assert_eq!(
        names,
        [
            "testdata/examples/broken/kafka.yaml",
            "testdata/examples/broken/postgres.yaml",
            "testdata/examples/fixed/kafka.yaml",
            "testdata/examples/fixed/postgres.yaml",
        ]
    );
    let cases = |s: &roxmltree::Node| -> Vec<String> {
        s.children()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|n| n.attribute("name").unwrap_or("").to_owned())
            .collect()
    };
    // Each diagnostic is its own testcase, named by object and rule, with
    // exactly one failure; the fixed files' objects are passing testcases.
    assert_eq!(
        cases(&suites[0]),
        [
            "Service demo-broken/kafka-headless: service-selector-mismatch",
            "PodDisruptionBudget demo-broken/kafka: pdb-quorum",
            "StatefulSet demo-broken/kafka: broker-id-from-pod-name",
            "StatefulSet demo-broken/kafka: env-value-not-string",
        ]
    );
    assert_eq!(
        cases(&suites[2]),
        [
            "Service demo-fixed/kafka-headless",
            "PodDisruptionBudget demo-fixed/kafka",
            "StatefulSet demo-fixed/kafka",
        ]
    );
    assert_eq!(suites[2].attribute("failures"), Some("0"));
    for case in suites[0].children().filter(|n| n.has_tag_name("testcase")) {
        let failures: Vec<_> = case
            .children()
            .filter(|n| n.has_tag_name("failure"))
            .collect();
        assert_eq!(failures.len(), 1, "{:?}", case.attribute("name"));
        let name = case.attribute("name").unwrap_or("");
        assert!(name.ends_with(failures[0].attribute("type").unwrap_or("?")));
    }
    let env = suites[0]
        .children()
        .find(|n| {
            n.attribute("name") == Some("StatefulSet demo-broken/kafka: env-value-not-string")
        })
        .expect("the env-value-not-string testcase");
    assert_eq!(env.attribute("line"), Some("67"));
    let total = |attr: &str| -> usize {
        suites
            .iter()
            .map(|s| {
                s.attribute(attr)
                    .and_then(|f| f.parse::<usize>().ok())
                    .unwrap_or(0)
            })
            .sum()
    };
    assert_eq!(
        root.attribute("failures"),
        Some(total("failures").to_string().as_str())
    );
    assert_eq!(
        root.attribute("tests"),
        Some(total("tests").to_string().as_str())
    );
}

#[test]
fn junit_names_a_rule_repeated_on_one_object_apart() {
    let out = stslint()
        .args(["check", "-", "--format", "junit", "--stdin-filename", "db.yaml"])
        .write_stdin(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  \
             selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    \
             spec:\n      containers:\n      - name: db\n        image: busybox:1.36\n        env:\n        \
             - {name: A, value: true}\n        - {name: B, value: 8080}\n",
        )
        .output()
        .expect("runs");
    let out = String::from_utf8(out.stdout).expect("utf-8");
    let xml = roxmltree::Document::parse(&out).expect("well-formed XML");
    let names: Vec<_> = xml
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter_map(|n| n.attribute("name"))
        .filter(|n| n.contains("env-value-not-string"))
        .collect();
    assert_eq!(
        names,
        [
            "StatefulSet default/db: env-value-not-string",
            "StatefulSet default/db: env-value-not-string #2",
        ]
    );
}

#[test]
fn junit_keeps_diagnostics_below_fail_on_out_of_failures() {
    let (code, out) = run(&["check", KAFKA, "--format", "junit", "--fail-on", "error"]);
    assert_eq!(code, 1);
    let xml = roxmltree::Document::parse(&out).expect("well-formed XML");
    let pdb = xml
        .descendants()
        .find(|n| n.attribute("name") == Some("PodDisruptionBudget demo-broken/kafka: pdb-quorum"))
        .expect("the PDB testcase");
    assert!(!pdb.children().any(|n| n.has_tag_name("failure")));
    let out_text = pdb
        .children()
        .find(|n| n.has_tag_name("system-out"))
        .and_then(|n| n.text())
        .expect("system-out");
    assert!(out_text.starts_with(
        "testdata/examples/broken/kafka.yaml:23:3: warning[pdb-quorum]: minAvailable: 1"
    ));
}

#[test]
fn formats_pair_with_outputs_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sarif = dir.path().join("report.sarif");
    let junit = dir.path().join("report.xml");
    let (code, out) = run(&[
        "check",
        KAFKA,
        "--format",
        "short",
        "--format",
        "sarif",
        "--output",
        sarif.to_str().expect("utf-8"),
        "--format",
        "junit",
        "-o",
        junit.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 4, "short report on stdout: {out}");
    assert!(
        out.starts_with(
            "testdata/examples/broken/kafka.yaml:9:3: error[service-selector-mismatch]"
        )
    );
    let doc: Value =
        serde_json::from_str(&fs::read_to_string(&sarif).expect("sarif written")).expect("json");
    assert_eq!(doc["runs"][0]["results"].as_array().map(Vec::len), Some(4));
    let xml = fs::read_to_string(&junit).expect("junit written");
    assert!(roxmltree::Document::parse(&xml).is_ok());
}

#[test]
fn output_alone_writes_the_human_report_without_colour() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("report.txt");
    let (code, out) = run(&[
        "check",
        KAFKA,
        "--color",
        "always",
        "-o",
        file.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    let text = fs::read_to_string(&file).expect("written");
    assert!(text.contains("warning[pdb-quorum]"));
    assert!(!text.contains('\u{1b}'), "no escape codes in a file");
}

#[test]
fn two_formats_on_stdout_or_an_unwritable_output_exit_2() {
    let out = stslint()
        .args(["check", KAFKA, "--format", "json", "--format", "sarif"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("formats json, sarif would all go to standard output")
    );
    let out = stslint()
        .args([
            "check",
            KAFKA,
            "--format",
            "sarif",
            "-o",
            "/nonexistent/dir/x.sarif",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write /nonexistent/dir/x.sarif"));
}

/// `cd k8s && stslint check . --format X` in a repository: CI reports name
/// `k8s/kafka.yaml`, relative to the repository root, found by `.git` or
/// given by GITHUB_WORKSPACE / CI_PROJECT_DIR.
#[test]
fn ci_reports_name_files_relative_to_the_repository_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical");
    fs::create_dir_all(root.join("repo/.git")).expect("mkdir");
    fs::create_dir_all(root.join("repo/k8s")).expect("mkdir");
    fs::create_dir_all(root.join("ws/deploy/k8s")).expect("mkdir");
    let text = fs::read_to_string(KAFKA).expect("example");
    fs::write(root.join("repo/k8s/kafka.yaml"), &text).expect("write");
    fs::write(root.join("ws/deploy/k8s/kafka.yaml"), &text).expect("write");
    let report = |cwd: &std::path::Path, format: &str, env: &[(&str, &std::path::Path)]| {
        let mut cmd = stslint();
        cmd.current_dir(cwd)
            .env_remove("GITHUB_WORKSPACE")
            .env_remove("CI_PROJECT_DIR")
            .args(["check", ".", "--no-config", "--format", format]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        String::from_utf8(cmd.output().expect("runs").stdout).expect("utf-8")
    };
    let k8s = root.join("repo/k8s");
    let github = report(&k8s, "github", &[]);
    assert!(
        github.starts_with("::error file=k8s/kafka.yaml,line=9,"),
        "{github}"
    );
    let sarif: Value = serde_json::from_str(&report(&k8s, "sarif", &[])).expect("SARIF");
    let run = &sarif["runs"][0];
    assert_eq!(
        run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "k8s/kafka.yaml"
    );
    assert_eq!(
        run["originalUriBaseIds"]["SRCROOT"]["uri"],
        format!("file://{}/", root.join("repo").display())
    );
    let junit = report(&k8s, "junit", &[]);
    assert!(
        junit.contains("<testsuite name=\"k8s/kafka.yaml\""),
        "{junit}"
    );
    // GitLab and GitHub name the checkout; `ws` has no `.git`.
    let deep = root.join("ws/deploy/k8s");
    let ws = root.join("ws");
    for var in ["GITHUB_WORKSPACE", "CI_PROJECT_DIR"] {
        let github = report(&deep, "github", &[(var, &ws)]);
        assert!(
            github.starts_with("::error file=deploy/k8s/kafka.yaml,line=9,"),
            "{var}: {github}"
        );
    }
    // Without either, a directory outside any repository is its own root.
    let github = report(&deep, "github", &[]);
    assert!(
        github.starts_with("::error file=kafka.yaml,line=9,"),
        "{github}"
    );
}
