//! The named formats of Kubernetes' CEL `format` library (1.31):
//! `format.dns1123Label().validate(s)` and the others give the messages the
//! API server's own validation gives, so a `messageExpression` that joins
//! them reads the same offline.

use std::sync::OnceLock;

use regex::Regex;

/// The names `format.named()` knows, each also `format.<name>()`.
pub const NAMES: &[&str] = &[
    "dns1123Label",
    "dns1123Subdomain",
    "dns1035Label",
    "qualifiedName",
    "dns1123LabelPrefix",
    "dns1123SubdomainPrefix",
    "dns1035LabelPrefix",
    "labelValue",
    "uri",
    "uuid",
    "byte",
    "date",
    "datetime",
];

const LABEL: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const LABEL_1035: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QUALIFIED: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";

/// A whole-string match of `pattern`, compiled once.
fn full(pattern: &str) -> Regex {
    Regex::new(&format!("^(?:{pattern})$")).expect("the patterns below are valid")
}

fn matches(cell: &OnceLock<Regex>, pattern: impl FnOnce() -> String, s: &str) -> bool {
    cell.get_or_init(|| full(&pattern())).is_match(s)
}

/// Kubernetes' `RegexError`: the message, examples and the pattern.
fn regex_error(msg: &str, pattern: &str, examples: &[&str]) -> String {
    let mut out = msg.to_owned();
    if !examples.is_empty() {
        out.push_str(" (e.g. ");
        for (i, e) in examples.iter().enumerate() {
            if i > 0 {
                out.push_str(" or ");
            }
            out.push_str(&format!("'{e}', "));
        }
        out.push_str(&format!("regex used for validation is '{pattern}')"));
    } else {
        out.push_str(&format!(" (regex used for validation is '{pattern}')"));
    }
    out
}

fn max_len(n: usize) -> String {
    format!("must be no more than {n} characters")
}

/// Kubernetes' check of a name against a length and a pattern: the too-long
/// message, the pattern's message, or both.
fn checked(
    s: &str,
    max: usize,
    re: &OnceLock<Regex>,
    pattern: &str,
    msg: &str,
    examples: &[&str],
) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > max {
        errs.push(max_len(max));
    }
    if !matches(re, || pattern.to_owned(), s) {
        errs.push(regex_error(msg, pattern, examples));
    }
    errs
}

fn dns1123_label(s: &str) -> Vec<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let msg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
    checked(s, 63, &RE, LABEL, msg, &["my-name", "123-abc"])
}

fn dns1123_subdomain(s: &str) -> Vec<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let msg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    checked(
        s,
        253,
        &RE,
        &format!("{LABEL}(\\.{LABEL})*"),
        msg,
        &["example.com"],
    )
}

fn dns1035_label(s: &str) -> Vec<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let msg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
    checked(s, 63, &RE, LABEL_1035, msg, &["my-name", "abc-123"])
}

/// A name that is a prefix for generated names may end in `-`: Kubernetes
/// checks it with its last two characters replaced by `a`.
fn mask_trailing_dash(s: &str) -> String {
    match s.strip_suffix('-') {
        Some(_) if s.len() > 1 => {
            // The byte before the dash may be the end of a multi-byte char.
            let mut cut = s.len() - 2;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}a", &s[..cut])
        }
        _ => s.to_owned(),
    }
}

fn qualified_name(s: &str) -> Vec<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    const MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    const EXAMPLES: &[&str] = &["MyName", "my.name", "123-abc"];
    let mut errs = Vec::new();
    let parts: Vec<&str> = s.split('/').collect();
    let name = match parts[..] {
        [name] => name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_owned());
            } else {
                errs.extend(
                    dns1123_subdomain(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            name
        }
        _ => {
            return vec![format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(MSG, QUALIFIED, EXAMPLES)
            )];
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_owned());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len(63)));
    }
    if !matches(&RE, || QUALIFIED.to_owned(), name) {
        errs.push(format!(
            "name part {}",
            regex_error(MSG, QUALIFIED, EXAMPLES)
        ));
    }
    errs
}

fn label_value(s: &str) -> Vec<String> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let msg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    let examples = ["MyValue", "my_value", "12345"];
    checked(s, 63, &RE, &format!("({QUALIFIED})?"), msg, &examples)
}

/// Go's `time.Parse("2006-01-02", s)`: four-digit year, two-digit month and
/// a day that the month has.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r.clone()]
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| s[r].parse().ok())?
    };
    let (Some(year), Some(month), Some(day)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// kube-openapi's `IsDateTime`: a date, `T` (any case), and
/// `hh:mm:ss[.frac]` with `Z` or `±hh:mm`.
fn is_datetime(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    if s.len() < 4 {
        return false;
    }
    let lower = s.to_lowercase();
    let mut parts = lower.split('t');
    let (Some(date), Some(time)) = (parts.next(), parts.next()) else {
        return false;
    };
    if !is_date(date) {
        return false;
    }
    let re = RE.get_or_init(|| {
        Regex::new(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$")
            .expect("a valid pattern")
    });
    re.captures(time)
        .is_some_and(|c| &c[1] <= "23" && &c[2] <= "59" && &c[3] <= "59")
}

fn is_uuid(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
            .expect("a valid pattern")
    })
    .is_match(s)
}

fn is_base64(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$",
        )
        .expect("a valid pattern")
    })
    .is_match(s)
}

/// The errors of `s` in the named format (empty: valid), or `None` for a
/// name that is not a format.
pub fn validate(name: &str, s: &str) -> Option<Vec<String>> {
    let one = |ok: bool, why: &str| if ok { vec![] } else { vec![why.to_owned()] };
    Some(match name {
        "dns1123Label" => dns1123_label(s),
        "dns1123Subdomain" => dns1123_subdomain(s),
        "dns1035Label" => dns1035_label(s),
        "qualifiedName" => qualified_name(s),
        "dns1123LabelPrefix" => dns1123_label(&mask_trailing_dash(s)),
        "dns1123SubdomainPrefix" => dns1123_subdomain(&mask_trailing_dash(s)),
        "dns1035LabelPrefix" => dns1035_label(&mask_trailing_dash(s)),
        "labelValue" => label_value(s),
        "uri" => match super::url::parse_request_uri(s) {
            Ok(_) => vec![],
            Err(e) => vec![e],
        },
        "uuid" => one(is_uuid(s), "does not match the UUID format"),
        "byte" => one(is_base64(s), "invalid base64"),
        "date" => one(is_date(s), "invalid date"),
        "datetime" => one(is_datetime(s), "invalid datetime"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(name: &str, s: &str) -> bool {
        validate(name, s).unwrap().is_empty()
    }

    #[test]
    fn the_documented_examples_are_valid() {
        for (name, s) in [
            ("dns1123Label", "my-label-name"),
            ("dns1123Subdomain", "apiextensions.k8s.io"),
            ("dns1035Label", "my-label-name"),
            ("qualifiedName", "apiextensions.k8s.io/v1beta1"),
            ("dns1123LabelPrefix", "my-label-prefix-"),
            ("dns1123SubdomainPrefix", "mysubdomain.prefix.-"),
            ("dns1035LabelPrefix", "my-label-prefix-"),
            ("labelValue", ""),
            ("labelValue", "my_value"),
            ("uri", "http://example.com"),
            ("uuid", "123e4567-e89b-12d3-a456-426614174000"),
            ("uuid", "123E4567E89B12D3A456426614174000"),
            ("byte", "aGVsbG8="),
            ("date", "2021-01-01"),
            ("date", "2024-02-29"),
            ("datetime", "2021-01-01T00:00:00Z"),
            ("datetime", "2021-01-01t23:59:59.123+02:00"),
        ] {
            assert!(ok(name, s), "{name} {s}");
        }
        assert!(validate("email", "a@b").is_none());
    }

    #[test]
    fn invalid_values_get_the_api_servers_messages() {
        assert_eq!(
            validate("dns1123Label", "My_Name").unwrap(),
            [
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            ]
        );
        let long = "a".repeat(64);
        assert_eq!(
            validate("dns1123Label", &long).unwrap(),
            ["must be no more than 63 characters"]
        );
        assert_eq!(
            validate("dns1123Subdomain", "-bad.example").unwrap(),
            [
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            ]
        );
        assert_eq!(
            validate("dns1035Label", "1abc").unwrap(),
            [
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
            ]
        );
        assert!(!ok("dns1123LabelPrefix", "-"));
        assert!(!ok("dns1123Label", "my-label-prefix-"));
        assert_eq!(
            validate("qualifiedName", "/x").unwrap(),
            ["prefix part must be non-empty"]
        );
        assert_eq!(validate("qualifiedName", "Example.com/x").unwrap().len(), 1);
        assert_eq!(validate("qualifiedName", "a/").unwrap().len(), 2);
        assert!(
            validate("qualifiedName", "a/b/c").unwrap()[0]
                .starts_with("a qualified name must consist of")
        );
        assert_eq!(
            validate("labelValue", "-x").unwrap(),
            [
                "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
            ]
        );
        assert_eq!(
            validate("uri", "relative").unwrap(),
            [r#"parse "relative": invalid URI for request"#]
        );
        for (name, s) in [
            ("uuid", "123e4567-e89b-12d3-a456-42661417400"),
            ("byte", "aGVsbG8"),
            ("byte", ""),
            ("date", "2023-02-29"),
            ("date", "2021-1-01"),
            ("date", "2021-13-01"),
            ("datetime", "2021-01-01"),
            ("datetime", "2021-01-01T24:00:00Z"),
            ("datetime", "2021-01-01T00:00:00"),
        ] {
            assert!(!ok(name, s), "{name} {s}");
        }
    }
}
