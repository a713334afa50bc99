//! ValidatingAdmissionPolicies from `--policy` and `policies:`: they run on
//! the linted manifests, their own problems are reported on their files,
//! and their findings work like any rule's (suppression, `rules:`, SARIF).

mod common;

use common::{check_json, found, repo, stslint};

const POLICY: &str = r#"apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: three-replicas
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [statefulsets]}
  validations:
  - expression: "object.spec.replicas >= 3"
    messageExpression: "'3 replicas at least, not ' + string(object.spec.replicas)"
  - expression: "object.metadata.name.size() < 3 ||"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: three-replicas
spec:
  policyName: three-replicas
  validationActions: [Warn]
"#;

const STS: &str = r#"apiVersion: v1
kind: Service
metadata: {name: app}
spec:
  clusterIP: None
  selector: {app: app}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: app}
spec:
  serviceName: app
  replicas: 1
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
      - name: app
        image: registry.example.com/app:1.4.2
        readinessProbe: {httpGet: {path: /ready, port: 8080}}
"#;

fn expected() -> Vec<(String, u64, String)> {
    vec![
        ("k8s/app.yaml".into(), 13, "vap:three-replicas".into()),
        ("policies/vap.yaml".into(), 12, "policy-invalid".into()),
    ]
}

#[test]
fn policy_flag_runs_the_policies_and_reports_their_own_problems() {
    let dir = repo(&[("k8s/app.yaml", STS), ("policies/vap.yaml", POLICY)]);
    let (code, v, _) = check_json(dir.path(), &["k8s", "--policy", "policies", "--no-config"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(found(&v), expected());
    let d = &v["diagnostics"][0];
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["message"], "3 replicas at least, not 1");
    assert_eq!(d["column"], 3);
    // Without the policies nothing is found.
    let (code, v, _) = check_json(dir.path(), &["k8s", "--no-config"]);
    assert_eq!((code, found(&v)), (0, vec![]));
}

#[test]
fn policies_in_the_config_file_are_relative_to_it() {
    let dir = repo(&[
        ("deploy/.stslint.yaml", "policies: [../policies]\n"),
        ("deploy/k8s/app.yaml", STS),
        ("policies/vap.yaml", POLICY),
    ]);
    let (code, v, _) = check_json(&dir.path().join("deploy"), &["k8s"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        found(&v),
        vec![
            ("../policies/vap.yaml".into(), 12, "policy-invalid".into()),
            ("k8s/app.yaml".into(), 13, "vap:three-replicas".into()),
        ]
    );
}

#[test]
fn policy_findings_are_suppressed_and_configured_like_rules() {
    let suppressed = STS.replace(
        "metadata: {name: app}\nspec:\n  serviceName",
        "metadata:\n  name: app\n  annotations:\n    stslint.io/ignore: \"vap:three-replicas -- scaled by the operator\"\nspec:\n  serviceName",
    );
    let dir = repo(&[("k8s/app.yaml", &suppressed), ("policies/vap.yaml", POLICY)]);
    let (_, v, _) = check_json(dir.path(), &["k8s", "--policy", "policies", "--no-config"]);
    assert_eq!(
        found(&v),
        vec![("policies/vap.yaml".into(), 12, "policy-invalid".into())]
    );
    let dir = repo(&[
        (
            ".stslint.yaml",
            "rules:\n  vap:three-replicas: info\n  policy-invalid: off\n",
        ),
        ("k8s/app.yaml", STS),
        ("policies/vap.yaml", POLICY),
    ]);
    let (code, v, _) = check_json(dir.path(), &["k8s", "--policy", "policies"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["diagnostics"][0]["rule"], "vap:three-replicas");
    assert_eq!(v["diagnostics"][0]["severity"], "info");
    assert_eq!(v["diagnostics"].as_array().map(Vec::len), Some(1));
}

#[test]
fn sarif_lists_each_policy_as_a_rule() {
    let dir = repo(&[("k8s/app.yaml", STS), ("policies/vap.yaml", POLICY)]);
    let out = stslint(
        dir.path(),
        &[
            "check",
            "k8s",
            "--policy",
            "policies",
            "--no-config",
            "--format",
            "sarif",
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let result = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "vap:three-replicas")
        .expect("policy result");
    let i = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(rules[i]["id"], "vap:three-replicas");
    assert_eq!(result["level"], "warning");
    // The catalogue entry says what the policy checks, at its binding's
    // severity.
    assert_eq!(
        rules[i]["shortDescription"]["text"],
        "requires `object.spec.replicas >= 3`"
    );
    assert_eq!(rules[i]["defaultConfiguration"]["level"], "warning");
}

const NATIVE: &str = r#"apiVersion: stslint.io/v1alpha1
kind: StatefulSetPolicy
metadata:
  name: budgets
spec:
  description: replicated sets have a PodDisruptionBudget
  severity: error
  help: Add a PodDisruptionBudget with maxUnavailable 1.
  url: https://wiki.example.com/budgets
  validations:
  - expression: "object.spec.replicas < 2 || size(pdbs) > 0"
"#;

#[test]
fn rules_and_explain_describe_the_configured_policies() {
    let dir = repo(&[
        ("policies/vap.yaml", POLICY),
        ("policies/native.yaml", NATIVE),
        (".stslint.yaml", "policies: [policies/native.yaml]\n"),
    ]);
    let run = |args: &[&str]| {
        let out = stslint(dir.path(), args);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // The config's policies, and --policy's.
    let (code, out, _) = run(&["rules"]);
    assert_eq!(code, Some(0));
    let policy_lines: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("policy/") || l.starts_with("vap:"))
        .collect();
    assert_eq!(policy_lines.len(), 1, "{out}");
    assert!(policy_lines[0].starts_with("policy/budgets"), "{out}");
    assert!(policy_lines[0].contains(" error "), "{out}");
    assert!(
        policy_lines[0].ends_with("replicated sets have a PodDisruptionBudget"),
        "{out}"
    );
    let (_, out, _) = run(&["rules", "--policy", "policies/vap.yaml"]);
    assert!(
        out.lines().any(|l| l.starts_with("vap:three-replicas")
            && l.contains(" warning ")
            && l.ends_with("requires `object.spec.replicas >= 3`")),
        "{out}"
    );
    let (_, out, _) = run(&["rules", "--no-config"]);
    assert!(!out.contains("policy/budgets"), "{out}");
    // explain prints the policy's own words.
    let (code, out, _) = run(&["explain", "policy/budgets"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        out,
        "# policy/budgets\n\nStatefulSetPolicy in policies/native.yaml, severity error.\n\n\
         replicated sets have a PodDisruptionBudget\n\n\
         Add a PodDisruptionBudget with maxUnavailable 1.\n\n\
         See https://wiki.example.com/budgets\n"
    );
    let (code, _, err) = run(&["explain", "vap:three-replicas", "--no-config"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no such policy is in --policy"), "{err}");
    // A broken config does not stop `rules` from listing the rules.
    std::fs::write(dir.path().join(".stslint.yaml"), "policies: [policies\n").expect("write");
    let (code, out, err) = run(&["rules"]);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("broker-id-from-pod-name"), "{out}");
    assert!(
        err.starts_with("warning: policies of the config are not listed: .stslint.yaml:1:"),
        "{err}"
    );
}

#[test]
fn example_policies_pass_their_fixtures() {
    let report = stslint::testing::run(std::path::Path::new("examples/policies")).expect("runs");
    let text = stslint::testing::render(&report);
    assert_eq!(report.failed(), 0, "{text}");
    let dirs: std::collections::BTreeSet<_> = report
        .outcomes
        .iter()
        .filter_map(|o| {
            std::path::Path::new(&o.fixture)
                .parent()
                .map(|p| p.to_owned())
        })
        .collect();
    assert!(dirs.len() >= 10, "{dirs:?}");
    // Every policy directory has both kinds of fixture.
    for d in &dirs {
        for kind in ["fail-", "pass-"] {
            assert!(
                report
                    .outcomes
                    .iter()
                    .any(|o| o.fixture.starts_with(&format!("{}/{kind}", d.display()))),
                "{} has no {kind} fixture",
                d.display()
            );
        }
    }
}

#[test]
fn stslint_test_shows_what_differs_and_fails() {
    let dir = repo(&[
        (
            "policies/vap.yaml",
            POLICY
                .replace(
                    "  - expression: \"object.metadata.name.size() < 3 ||\"\n",
                    "",
                )
                .as_str(),
        ),
        (
            "policies/fail-marked-wrong.yaml",
            &STS.replace(
                "  replicas: 1\n",
                "  replicas: 1\n  # expect: vap:three-replicas\n",
            ),
        ),
        (
            "policies/pass-ok.yaml",
            &STS.replace("replicas: 1", "replicas: 3"),
        ),
    ]);
    let out = stslint(dir.path(), &["test", "policies"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout,
        "FAILED  policies/fail-marked-wrong.yaml\n\
         \x20       - policies/fail-marked-wrong.yaml:14: expected vap:three-replicas, not found\n\
         \x20       + policies/fail-marked-wrong.yaml:13: found vap:three-replicas, not expected: 3 replicas at least, not 1\n\
         ok      policies/pass-ok.yaml\n\
         1 passed, 1 failed\n"
    );
    let out = stslint(dir.path(), &["test", "policies", "--format", "junit"]);
    let xml = String::from_utf8_lossy(&out.stdout);
    let doc = roxmltree::Document::parse(&xml).expect("junit parses");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2);
    assert_eq!(
        cases[0].attribute("name"),
        Some("policies/fail-marked-wrong.yaml")
    );
    assert!(cases[0].children().any(|c| c.has_tag_name("failure")));
    assert!(!cases[1].children().any(|c| c.has_tag_name("failure")));
}

#[test]
fn a_policy_test_file_states_fail_pass_and_skip_per_object() {
    let test = r#"apiVersion: stslint.io/v1alpha1
kind: PolicyTest
metadata: {name: three-replicas}
spec:
  policies: [vap.yaml]
  cases:
  - name: right
    resources: [cases/app.yaml]
    results:
    - {policy: vap:three-replicas, object: StatefulSet/default/app, result: fail}
    - {policy: vap:three-replicas, object: StatefulSet/big, result: pass}
    - {policy: vap:three-replicas, object: Service/app, result: skip}
  - name: wrong
    resources: [cases/app.yaml]
    results:
    - {policy: vap:three-replicas, object: StatefulSet/app, result: pass}
    - {policy: vap:three-replicas, object: StatefulSet/big, result: skip}
"#;
    let big = STS
        .replace("name: app}", "name: big}")
        .replace("replicas: 1", "replicas: 3");
    let dir = repo(&[
        (
            "policies/vap.yaml",
            POLICY
                .replace(
                    "  - expression: \"object.metadata.name.size() < 3 ||\"\n",
                    "",
                )
                .as_str(),
        ),
        ("policies/replicas.test.yaml", test),
        ("policies/cases/app.yaml", &format!("{STS}---\n{big}")),
    ]);
    let out = stslint(dir.path(), &["test", "policies"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout,
        "ok      policies/replicas.test.yaml (right)\n\
         FAILED  policies/replicas.test.yaml (wrong)\n\
         \x20       ! vap:three-replicas on StatefulSet/app: expected pass, got fail\n\
         \x20       ! vap:three-replicas on StatefulSet/big: expected skip (the policy does not apply), got pass\n\
         1 passed, 1 failed\n"
    );
    // A malformed test file is a usage error at its line.
    std::fs::write(
        dir.path().join("policies/replicas.test.yaml"),
        test.replace("result: fail}", "result: failed}"),
    )
    .expect("write");
    let out = stslint(dir.path(), &["test", "policies"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: test: policies/replicas.test.yaml:10:7: `result: failed`: use fail, pass or skip\n"
    );
}
