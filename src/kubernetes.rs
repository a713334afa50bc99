//! The Kubernetes version a run targets (`--kubernetes-version`,
//! `kubernetes-version:`), and a hand-kept table of the StatefulSet and
//! PodDisruptionBudget features whose presence or default depends on it:
//! when each field appeared (alpha, off by default), when it was on by
//! default (beta), when it went GA, with the source of each row. Rules ask
//! this module; the table is the one place these facts live.
//!
//! Sources: the feature-gate pages of kubernetes/website
//! (`content/en/docs/reference/command-line-tools-reference/feature-gates/`),
//! `pkg/features/kube_features.go` of kubernetes/kubernetes (versioned
//! specs), the KEPs under `keps/sig-apps/`, and the API deprecation guide.

use std::fmt;

/// A Kubernetes 1.x version: `1.N` means the newest patch release of 1.N
/// (it matters only where a default changed within a minor release).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    pub minor: u16,
    pub patch: Option<u16>,
}

/// The oldest version the table knows: before it, apps/v1 StatefulSets
/// were not the only ones served.
pub const OLDEST: u16 = 16;

/// The newest version the table knows, and the default target.
pub const NEWEST: Version = Version {
    minor: 37,
    patch: None,
};

impl Version {
    pub const fn minor(minor: u16) -> Version {
        Version { minor, patch: None }
    }

    /// `1.N`, `1.N.P`, with or without a leading `v`.
    pub fn parse(s: &str) -> Result<Version, String> {
        let bad = || {
            format!(
                "`{s}` is not a Kubernetes version: write 1.N or 1.N.P, from 1.{OLDEST} to {NEWEST}"
            )
        };
        let t = s.trim().trim_start_matches('v');
        let mut parts = t.split('.');
        if parts.next() != Some("1") {
            return Err(bad());
        }
        let minor: u16 = parts.next().and_then(|m| m.parse().ok()).ok_or_else(bad)?;
        let patch = match parts.next() {
            Some(p) => Some(p.parse::<u16>().map_err(|_| bad())?),
            None => None,
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        if !(OLDEST..=NEWEST.minor).contains(&minor) {
            return Err(format!(
                "Kubernetes {t} is outside what stslint knows: 1.{OLDEST} to {NEWEST}"
            ));
        }
        Ok(Version { minor, patch })
    }

    /// Whether this version is `minor` or later.
    pub fn at_least(self, minor: u16) -> bool {
        self.minor >= minor
    }

    /// (minor, patch) with the newest patch for `1.N`.
    fn key(self) -> (u16, u16) {
        (self.minor, self.patch.unwrap_or(u16::MAX))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch {
            Some(p) => write!(f, "1.{}.{p}", self.minor),
            None => write!(f, "1.{}", self.minor),
        }
    }
}

/// A release as (minor, patch).
pub type Release = (u16, u16);

/// `[from, until)`, open when `until` is `None`.
pub type Span = (Release, Option<Release>);

/// A field that appeared behind a feature gate.
#[derive(Debug)]
pub struct Feature {
    /// The field, as a user writes its path.
    pub field: &'static str,
    pub kind: &'static str,
    pub gate: &'static str,
    /// The first minor version with the field (alpha: off by default).
    pub added: u16,
    /// Where the gate is on by default: `[from, until)` as (minor, patch)
    /// pairs, `until` open when `None`.
    pub on: &'static [Span],
    /// The minor version it went GA, if it has.
    pub ga: Option<u16>,
    pub source: &'static str,
}

impl Feature {
    /// Whether the field exists in `v` (the API server knows it).
    pub fn exists(&self, v: Version) -> bool {
        v.minor >= self.added
    }

    /// Whether the feature is on by default in `v`.
    pub fn enabled(&self, v: Version) -> bool {
        let k = v.key();
        self.on
            .iter()
            .any(|(from, until)| k >= *from && until.is_none_or(|u| k < u))
    }

    /// Where it is on by default, for messages: "from 1.27",
    /// "in 1.35.0-1.35.3 and from 1.37".
    pub fn when_on(&self) -> String {
        let parts: Vec<String> = self
            .on
            .iter()
            .map(|(from, until)| match until {
                None if from.1 == 0 => format!("from 1.{}", from.0),
                None => format!("from 1.{}.{}", from.0, from.1),
                Some(u) => format!("in 1.{}.{}-1.{}.{}", from.0, from.1, u.0, u.1 - 1),
            })
            .collect();
        parts.join(" and ")
    }
}

pub const MIN_READY_SECONDS: Feature = Feature {
    field: "spec.minReadySeconds",
    kind: "StatefulSet",
    gate: "StatefulSetMinReadySeconds",
    added: 22,
    on: &[((23, 0), None)],
    ga: Some(25),
    source: "KEP-2599; feature gate StatefulSetMinReadySeconds",
};

pub const PVC_RETENTION: Feature = Feature {
    field: "spec.persistentVolumeClaimRetentionPolicy",
    kind: "StatefulSet",
    gate: "StatefulSetAutoDeletePVC",
    added: 23,
    on: &[((27, 0), None)],
    ga: Some(32),
    source: "KEP-1847; feature gate StatefulSetAutoDeletePVC",
};

pub const MAX_UNAVAILABLE: Feature = Feature {
    field: "spec.updateStrategy.rollingUpdate.maxUnavailable",
    kind: "StatefulSet",
    gate: "MaxUnavailableStatefulSet",
    added: 24,
    // Beta on in 1.35.0-1.35.3, turned off again in 1.35.4 and 1.36, on
    // from 1.37 (kube_features.go versioned specs).
    on: &[((35, 0), Some((35, 4))), ((37, 0), None)],
    ga: None,
    source: "KEP-961; feature gate MaxUnavailableStatefulSet; kube_features.go",
};

pub const START_ORDINAL: Feature = Feature {
    field: "spec.ordinals",
    kind: "StatefulSet",
    gate: "StatefulSetStartOrdinal",
    added: 26,
    on: &[((27, 0), None)],
    ga: Some(31),
    source: "KEP-3335; feature gate StatefulSetStartOrdinal",
};

pub const UNHEALTHY_POD_EVICTION: Feature = Feature {
    field: "spec.unhealthyPodEvictionPolicy",
    kind: "PodDisruptionBudget",
    gate: "PDBUnhealthyPodEvictionPolicy",
    added: 26,
    on: &[((27, 0), None)],
    ga: Some(31),
    source: "KEP-3017; feature gate PDBUnhealthyPodEvictionPolicy",
};

/// `updateStrategy.type: Recreate` (a value, not a field).
pub const RECREATE_STRATEGY: Feature = Feature {
    field: "spec.updateStrategy.type: Recreate",
    kind: "StatefulSet",
    gate: "StatefulSetRecreateStrategy",
    added: 37,
    on: &[],
    ga: None,
    source: "KEP-3541; feature gate StatefulSetRecreateStrategy",
};

/// The controller sets the `apps.kubernetes.io/pod-index` pod label.
pub const POD_INDEX_LABEL: Feature = Feature {
    field: "the apps.kubernetes.io/pod-index pod label",
    kind: "StatefulSet",
    gate: "PodIndexLabel",
    added: 28,
    on: &[((28, 0), None)],
    ga: Some(32),
    source: "KEP-4017; feature gate PodIndexLabel",
};

/// Every row, for `--help` and the README.
pub const FEATURES: &[&Feature] = &[
    &MIN_READY_SECONDS,
    &PVC_RETENTION,
    &MAX_UNAVAILABLE,
    &START_ORDINAL,
    &UNHEALTHY_POD_EVICTION,
    &RECREATE_STRATEGY,
    &POD_INDEX_LABEL,
];

/// policy/v1 PodDisruptionBudgets are served from 1.21 (KEP-85);
/// policy/v1beta1 was deprecated then and removed in 1.25 (deprecation
/// guide).
pub const POLICY_V1: u16 = 21;
pub const POLICY_V1BETA1_REMOVED: u16 = 25;

/// `spec.serviceName` optional from 1.33 (kubernetes/kubernetes#130233):
/// before, the OpenAPI schema marks it required, so schema validators and
/// older kubectl client-side validation reject a StatefulSet without it.
pub const SERVICE_NAME_OPTIONAL: u16 = 33;

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).expect(s)
    }

    #[test]
    fn versions_parse_and_compare_on_minor_and_patch() {
        assert_eq!(v("1.28"), Version::minor(28));
        assert_eq!(v("v1.35.2").patch, Some(2));
        for bad in ["1", "2.1", "1.x", "1.28.1.1", "1.15", "1.38", ""] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(v("1.35.3").to_string(), "1.35.3");
    }

    #[test]
    fn gates_follow_their_ranges() {
        assert!(!MAX_UNAVAILABLE.enabled(v("1.34")));
        assert!(MAX_UNAVAILABLE.enabled(v("1.35.0")));
        assert!(MAX_UNAVAILABLE.enabled(v("1.35.3")));
        assert!(!MAX_UNAVAILABLE.enabled(v("1.35.4")));
        // 1.35 means its newest patch: off.
        assert!(!MAX_UNAVAILABLE.enabled(v("1.35")));
        assert!(!MAX_UNAVAILABLE.enabled(v("1.36")));
        assert!(MAX_UNAVAILABLE.enabled(v("1.37")));
        assert_eq!(MAX_UNAVAILABLE.when_on(), "in 1.35.0-1.35.3 and from 1.37");
        assert!(!START_ORDINAL.exists(v("1.25")));
        assert!(START_ORDINAL.exists(v("1.26")) && !START_ORDINAL.enabled(v("1.26")));
        assert!(START_ORDINAL.enabled(v("1.27")));
        assert_eq!(START_ORDINAL.when_on(), "from 1.27");
        assert!(RECREATE_STRATEGY.exists(v("1.37")) && !RECREATE_STRATEGY.enabled(v("1.37")));
        // The first release each is on by default in, written out.
        for (f, added, on) in [
            (&MIN_READY_SECONDS, 22, 23),
            (&PVC_RETENTION, 23, 27),
            (&UNHEALTHY_POD_EVICTION, 26, 27),
            (&POD_INDEX_LABEL, 28, 28),
        ] {
            assert!(!f.exists(Version::minor(added - 1)), "{}", f.field);
            assert!(f.exists(Version::minor(added)), "{}", f.field);
            assert!(!f.enabled(Version::minor(on - 1)), "{}", f.field);
            assert!(f.enabled(Version::minor(on)), "{}", f.field);
        }
    }
}
