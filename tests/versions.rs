//! `--kubernetes-version` and `kubernetes-version:`: the messages, help
//! and fixes that depend on the target, on both sides of each version the
//! rules use (the fields themselves are fixtures under
//! testdata/field-not-in-version/, with `# kubernetes-version:` lines).

mod common;

use common::{check_json, repo, stslint};
use serde_json::Value;

fn diagnostic<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {report}"))
}

fn at(version: &str, file: &str, rule: &str) -> Value {
    let (_, report, err) = check_json(
        std::path::Path::new("."),
        &["--no-config", "--kubernetes-version", version, file],
    );
    assert!(report.is_object(), "{err}");
    diagnostic(&report, rule).clone()
}

#[test]
fn the_pod_index_label_is_advised_and_fixed_to_from_1_28_only() {
    let file = "testdata/broker-id-from-pod-name/fail-pod-name.yaml";
    let new = at("1.28", file, "broker-id-from-pod-name");
    assert_eq!(new["fix"]["applicability"], "unsafe");
    assert!(new["help"].as_str().expect("help").contains("pod-index"));
    let old = at("1.27", file, "broker-id-from-pod-name");
    assert_eq!(old["fix"], Value::Null);
    assert_eq!(
        old["help"],
        "Derive it in the entrypoint with `${HOSTNAME##*-}` (the pod-index label, set from Kubernetes 1.28, is not there in 1.27)."
    );
}

#[test]
fn service_name_is_required_by_the_schema_before_1_33() {
    let file = "testdata/missing-headless-service/fail-no-service-name.yaml";
    let old = at("1.32", file, "missing-headless-service");
    assert!(
        old["message"]
            .as_str()
            .expect("message")
            .ends_with(", and before Kubernetes 1.33 the API schema requires it (kubectl's client-side validation and schema validators reject the manifest on 1.32)"),
        "{old}"
    );
    let new = at("1.33", file, "missing-headless-service");
    assert!(
        !new["message"].as_str().expect("message").contains("1.33"),
        "{new}"
    );
}

#[test]
fn unhealthy_pod_eviction_is_suggested_where_it_is_on() {
    let file = "testdata/examples/broken/postgres.yaml";
    let help = |v| {
        at(v, file, "pdb-blocks-drain")["help"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    assert!(help("1.27").contains("unhealthyPodEvictionPolicy: AlwaysAllow"));
    assert!(!help("1.26").contains("unhealthyPodEvictionPolicy"));
}

#[test]
fn policy_v1beta1_is_an_error_from_1_25_a_warning_before() {
    let file = "testdata/removed-api-version/fail-legacy.yaml";
    let removed = at("1.25", file, "removed-api-version");
    assert_eq!(removed["severity"], "error");
    assert_eq!(
        removed["message"],
        "policy/v1beta1 PodDisruptionBudget was removed in Kubernetes 1.25"
    );
    let deprecated = at("1.24", file, "removed-api-version");
    assert_eq!(deprecated["severity"], "warning");
    assert_eq!(
        deprecated["message"],
        "policy/v1beta1 PodDisruptionBudget is deprecated: Kubernetes 1.25 removes it (the target is 1.24)"
    );
    assert_eq!(deprecated["fix"]["applicability"], "safe");
}

const ORDINALS: &str = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  \
    ordinals: {start: 1}\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    \
    spec:\n      containers:\n      - {name: db, image: busybox:1.36}\n";

fn field_rule_lines(dir: &std::path::Path, args: &[&str]) -> Vec<u64> {
    let (_, report, err) = check_json(dir, args);
    assert!(report.is_object(), "{err}");
    report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == "field-not-in-version")
        .map(|d| d["line"].as_u64().unwrap_or(0))
        .collect()
}

#[test]
fn the_config_sets_the_version_and_the_flag_overrides_it() {
    // Written unquoted, 1.30 is still 1.30 (not the float 1.3).
    let dir = repo(&[
        (".stslint.yaml", "kubernetes-version: 1.25\n"),
        ("s.yaml", ORDINALS),
    ]);
    assert_eq!(field_rule_lines(dir.path(), &["s.yaml"]), [6]);
    assert!(field_rule_lines(dir.path(), &["--kubernetes-version", "1.30", "s.yaml"]).is_empty());
    std::fs::write(
        dir.path().join(".stslint.yaml"),
        "kubernetes-version: 1.30\n",
    )
    .expect("write");
    assert!(field_rule_lines(dir.path(), &["s.yaml"]).is_empty());

    std::fs::write(
        dir.path().join(".stslint.yaml"),
        "kubernetes-version: 1.9\n",
    )
    .expect("write");
    let out = stslint(dir.path(), &["check", "s.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            ".stslint.yaml:1:21: Kubernetes 1.9 is outside what stslint knows: 1.16 to 1.37"
        ),
        "{err}"
    );
}

#[test]
fn help_names_the_default_version() {
    let out = stslint(std::path::Path::new("."), &["check", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    let newest = stslint::kubernetes::NEWEST.to_string();
    assert!(
        help.contains(&format!("[default: {newest}, the newest stslint knows]")),
        "{help}"
    );
    let bad = stslint(
        std::path::Path::new("."),
        &["check", "--kubernetes-version", "2.0", "."],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`2.0` is not a Kubernetes version"));
}

/// A manifest that writes the field of `f` and nothing newer, with the
/// line the field is on.
fn writes(f: &stslint::kubernetes::Feature) -> Option<(String, u64)> {
    let sts = |field: &str| {
        format!(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: db}}\nspec:\n  serviceName: db\n  {field}\n  \
             selector: {{matchLabels: {{app: db}}}}\n  template:\n    metadata: {{labels: {{app: db}}}}\n    \
             spec:\n      containers:\n      - {{name: db, image: busybox:1.36}}\n"
        )
    };
    Some(match f.field {
        "spec.minReadySeconds" => (sts("minReadySeconds: 10"), 6),
        "spec.persistentVolumeClaimRetentionPolicy" => (
            sts("persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain}"),
            6,
        ),
        "spec.ordinals" => (sts("ordinals: {start: 0}"), 6),
        "spec.updateStrategy.rollingUpdate.maxUnavailable" => (
            sts("updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1}}"),
            6,
        ),
        "spec.unhealthyPodEvictionPolicy" => (
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: db}\nspec:\n  \
             unhealthyPodEvictionPolicy: AlwaysAllow\n  maxUnavailable: 1\n  selector: {matchLabels: {app: db}}\n"
                .to_owned(),
            5,
        ),
        _ => return None,
    })
}

/// Every field row of the table, on both sides of each of its versions:
/// before it was added (error), while its gate is off (warning), from the
/// release that turns it on (nothing).
#[test]
fn every_field_of_the_table_on_both_sides_of_its_versions() {
    use stslint::kubernetes::{FEATURES, Version};
    let mut checked = 0;
    for f in FEATURES {
        let Some((text, line)) = writes(f) else {
            continue;
        };
        let dir = repo(&[("m.yaml", &text)]);
        let found = |v: Version| {
            let (_, report, err) = check_json(
                dir.path(),
                &[
                    "--no-config",
                    "--kubernetes-version",
                    &v.to_string(),
                    "m.yaml",
                ],
            );
            assert!(report.is_object(), "{err}");
            report["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .filter(|d| d["rule"] == "field-not-in-version")
                .map(|d| {
                    (
                        d["line"].as_u64().unwrap_or(0),
                        d["severity"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        };
        let before = Version::minor(f.added - 1);
        assert_eq!(
            found(before),
            [(line, "error".to_owned())],
            "{} on {before}",
            f.field
        );
        for minor in f.added..=stslint::kubernetes::NEWEST.minor {
            let v = Version::minor(minor);
            let want: Vec<(u64, String)> = if f.enabled(v) {
                Vec::new()
            } else {
                vec![(line, "warning".to_owned())]
            };
            assert_eq!(found(v), want, "{} on {v}", f.field);
        }
        checked += 1;
    }
    assert_eq!(checked, 5, "a field row has no manifest here");
}
