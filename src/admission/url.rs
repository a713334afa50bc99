//! URLs as Kubernetes' CEL `url()` reads them: Go's `net/url`, whose
//! `ParseRequestURI` decides what is a URL (an absolute URI or an absolute
//! path) and whose `Parse` gives the parts. The rules below follow Go's
//! behaviour, quirks included (`example.com:80` is a URL with the scheme
//! `example.com`), so that a policy passes offline exactly when it passes in
//! the API server.

use std::collections::HashMap;

/// A parsed URL: the parts `getScheme()` ... `getQuery()` return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    /// `host[:port]`, unescaped; IPv6 in brackets.
    pub host: String,
    /// The path, unescaped (bytes: an escape need not be UTF-8).
    path: Vec<u8>,
    /// The path as written, when escaping the path again does not give it.
    raw_path: String,
    raw_query: String,
}

/// How a part of a URL is escaped (Go's `encoding` modes that URLs use).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    QueryComponent,
    Fragment,
}

/// Go's `url.ParseRequestURI`: the check `url()`, `isURL()` and
/// `format.uri()` make. The error is Go's text, `parse "x": ...`.
pub fn parse_request_uri(raw: &str) -> Result<Url, String> {
    parse(raw, true).map_err(|e| format!("parse {raw:?}: {e}"))
}

/// Go's `url.Parse` (the fragment is cut off first): the parts `url()` gives.
pub fn parse_reference(raw: &str) -> Result<Url, String> {
    let (u, fragment) = raw.split_once('#').unwrap_or((raw, ""));
    let url = parse(u, false).map_err(|e| format!("parse {raw:?}: {e}"))?;
    unescape(fragment, Mode::Fragment).map_err(|e| format!("parse {raw:?}: {e}"))?;
    Ok(url)
}

fn parse(raw: &str, via_request: bool) -> Result<Url, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    if raw.is_empty() && via_request {
        return Err("empty url".into());
    }
    let mut url = Url {
        scheme: String::new(),
        host: String::new(),
        path: Vec::new(),
        raw_path: String::new(),
        raw_query: String::new(),
    };
    if raw == "*" {
        url.path = b"*".to_vec();
        return Ok(url);
    }
    let (scheme, rest) = scheme(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    let mut rest = if rest.ends_with('?') && rest.matches('?').count() == 1 {
        &rest[..rest.len() - 1]
    } else if let Some((r, q)) = rest.split_once('?') {
        url.raw_query = q.to_owned();
        r
    } else {
        rest
    };
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            // An opaque URL (`mailto:x`): nothing more to parse.
            return Ok(url);
        }
        if via_request {
            return Err("invalid URI for request".into());
        }
        let segment = rest.split('/').next().unwrap_or_default();
        if segment.contains(':') {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !via_request && !rest.starts_with("///"))
        && rest.starts_with("//")
    {
        let (authority, path) = match rest[2..].find('/') {
            Some(i) => (&rest[2..2 + i], &rest[2 + i..]),
            None => (&rest[2..], ""),
        };
        url.host = authority_host(authority)?;
        rest = path;
    }
    url.path = unescape(rest, Mode::Path)?;
    if escape(&url.path, Mode::Path) != rest {
        url.raw_path = rest.to_owned();
    }
    Ok(url)
}

/// The scheme and the rest; no scheme when the text does not start with
/// one followed by `:`.
fn scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".into()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

/// The host of an authority `[userinfo@]host[:port]`, the userinfo checked.
fn authority_host(authority: &str) -> Result<String, String> {
    let (userinfo, host) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let host = parse_host(host)?;
    if let Some(userinfo) = userinfo {
        if !userinfo
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c))
        {
            return Err("net/url: invalid userinfo".into());
        }
        let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        unescape(user, Mode::UserPassword)?;
        unescape(password, Mode::UserPassword)?;
    }
    Ok(host)
}

fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            return Err("missing ']' in host".into());
        };
        let colon_port = &host[i + 1..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {colon_port:?} after host"));
        }
        // An IPv6 zone (`[fe80::1%25en0]`) has its own escaping.
        if let Some(z) = host[..i].find("%25") {
            let mut out = unescape(&host[..z], Mode::Host)?;
            out.extend(unescape(&host[z..i], Mode::Zone)?);
            out.extend(unescape(&host[i..], Mode::Host)?);
            return Ok(String::from_utf8_lossy(&out).into_owned());
        }
    } else if let Some(i) = host.rfind(':') {
        let colon_port = &host[i..];
        if !valid_optional_port(colon_port) {
            return Err(format!("invalid port {colon_port:?} after host"));
        }
    }
    Ok(String::from_utf8_lossy(&unescape(host, Mode::Host)?).into_owned())
}

/// `""`, `":"` or `":"` and digits.
fn valid_optional_port(port: &str) -> bool {
    port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone) && b"!$&'()*+,;=:[]<>\"".contains(&c) {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::UserPassword => return matches!(c, b'@' | b'/' | b'?' | b':'),
            Mode::QueryComponent => return true,
            Mode::Fragment => return false,
            Mode::Path => return c == b'?',
            Mode::Host | Mode::Zone => {}
        },
        _ => {}
    }
    !(mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*'))
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

fn unescape(s: &str, mode: Mode) -> Result<Vec<u8>, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let (Some(h), Some(l)) = (
                    b.get(i + 1).copied().and_then(hex),
                    b.get(i + 2).copied().and_then(hex),
                ) else {
                    let end = (i + 3).min(b.len());
                    return Err(format!(
                        "invalid URL escape {:?}",
                        String::from_utf8_lossy(&b[i..end])
                    ));
                };
                let escape = &s[i..i + 3];
                let v = h * 16 + l;
                // Go allows only `%25` and escapes of bytes >= 0x80 in a
                // host, and in a zone what a host may not hold.
                let bad = match mode {
                    Mode::Host => h < 8 && escape != "%25",
                    Mode::Zone => escape != "%25" && v != b' ' && should_escape(v, Mode::Host),
                    _ => false,
                };
                if bad {
                    return Err(format!("invalid URL escape {escape:?}"));
                }
                out.push(v);
                i += 3;
                continue;
            }
            b'+' if mode == Mode::QueryComponent => out.push(b' '),
            c if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) => {
                return Err(format!(
                    "invalid character {:?} in host name",
                    (c as char).to_string()
                ));
            }
            c => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}

fn escape(s: &[u8], mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s {
        if should_escape(c, mode) {
            out.push_str(&format!("%{c:02X}"));
        } else {
            out.push(c as char);
        }
    }
    out
}

/// Go's `validEncoded` for a path: what `EscapedPath` may return as written.
fn valid_encoded(s: &str) -> bool {
    s.bytes()
        .all(|c| b"!$&'()*+,;=:@[]%".contains(&c) || !should_escape(c, Mode::Path))
}

impl Url {
    /// `getHostname()`: the host without the port or IPv6 brackets.
    pub fn hostname(&self) -> &str {
        let host = self.split_port().0;
        host.strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
    }

    /// `getPort()`: the port, or empty.
    pub fn port(&self) -> &str {
        self.split_port().1
    }

    fn split_port(&self) -> (&str, &str) {
        match self.host.rfind(':') {
            Some(i) if valid_optional_port(&self.host[i..]) => {
                (&self.host[..i], &self.host[i + 1..])
            }
            _ => (&self.host, ""),
        }
    }

    /// `getEscapedPath()`: the path as written when that is a valid
    /// escaping of it, else the path escaped.
    pub fn escaped_path(&self) -> String {
        if !self.raw_path.is_empty()
            && valid_encoded(&self.raw_path)
            && unescape(&self.raw_path, Mode::Path).ok().as_deref() == Some(&self.path[..])
        {
            return self.raw_path.clone();
        }
        if self.path == b"*" {
            return "*".into();
        }
        escape(&self.path, Mode::Path)
    }

    /// `getQuery()`: each key with its values in order, unescaped; pieces
    /// that do not unescape, or hold a `;`, are left out as Go does.
    pub fn query(&self) -> HashMap<String, Vec<String>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for piece in self.raw_query.split('&') {
            if piece.is_empty() || piece.contains(';') {
                continue;
            }
            let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
            let (Ok(k), Ok(v)) = (
                unescape(k, Mode::QueryComponent),
                unescape(v, Mode::QueryComponent),
            ) else {
                continue;
            };
            out.entry(String::from_utf8_lossy(&k).into_owned())
                .or_default()
                .push(String::from_utf8_lossy(&v).into_owned());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        parse_request_uri(s).unwrap();
        parse_reference(s).unwrap()
    }

    #[test]
    fn what_is_a_url_follows_go_parse_request_uri() {
        for ok in [
            "https://user:pass@example.com:80/path?query=val#fragment",
            "/absolute-path",
            "*",
            "mailto:someone@example.com",
            // Go reads `example.com` as the scheme.
            "example.com:80",
            "https://[::1]:80/",
            "https://[fe80::1%25en0]/",
            "https://example.com/path with spaces/",
            "//not-a-host/path",
        ] {
            assert!(parse_request_uri(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            (
                "https://a:b:c/",
                r#"parse "https://a:b:c/": invalid port ":c" after host"#,
            ),
            (
                "../relative-path",
                r#"parse "../relative-path": invalid URI for request"#,
            ),
            ("", r#"parse "": empty url"#),
            (":foo", r#"parse ":foo": missing protocol scheme"#),
            (
                "https://[::1/",
                r#"parse "https://[::1/": missing ']' in host"#,
            ),
            ("/a%zz", r#"parse "/a%zz": invalid URL escape "%zz""#),
            (
                "https://exa mple.com/",
                r#"parse "https://exa mple.com/": invalid character " " in host name"#,
            ),
            (
                "https://us^er@example.com/",
                r#"parse "https://us^er@example.com/": net/url: invalid userinfo"#,
            ),
            (
                "https://example.com/\n",
                "parse \"https://example.com/\\n\": net/url: invalid control character in URL",
            ),
            ("relative", r#"parse "relative": invalid URI for request"#),
        ] {
            assert_eq!(parse_request_uri(bad).unwrap_err(), why, "{bad}");
        }
    }

    #[test]
    fn parts_follow_the_kubernetes_documentation() {
        assert_eq!(url("/path").scheme, "");
        assert_eq!(url("HTTPS://example.com/").scheme, "https");
        assert_eq!(url("https://example.com:80/").host, "example.com:80");
        assert_eq!(url("https://example.com/").host, "example.com");
        assert_eq!(url("https://[::1]:80/").host, "[::1]:80");
        assert_eq!(url("https://[::1]/").host, "[::1]");
        assert_eq!(url("/path").host, "");
        assert_eq!(url("https://example.com:80/").hostname(), "example.com");
        assert_eq!(url("https://127.0.0.1:80/").hostname(), "127.0.0.1");
        assert_eq!(url("https://[::1]:80/").hostname(), "::1");
        assert_eq!(url("/path").hostname(), "");
        assert_eq!(url("https://example.com:80/").port(), "80");
        assert_eq!(url("https://example.com/").port(), "");
        assert_eq!(url("/path").port(), "");
        assert_eq!(url("https://example.com/path").escaped_path(), "/path");
        assert_eq!(
            url("https://example.com/path with spaces/").escaped_path(),
            "/path%20with%20spaces/"
        );
        assert_eq!(url("https://example.com").escaped_path(), "");
        assert_eq!(
            url("https://example.com/a(b)%2Fc").escaped_path(),
            "/a(b)%2Fc"
        );
        assert_eq!(
            url("https://example.com/caf%C3%A9").escaped_path(),
            "/caf%C3%A9"
        );
        let q = url("https://example.com/path?k1=a&k2=b&k2=c").query();
        assert_eq!(q.len(), 2);
        assert_eq!(q["k1"], ["a"]);
        assert_eq!(q["k2"], ["b", "c"]);
        let q = url("https://example.com/path?key with spaces=value with spaces").query();
        assert_eq!(q["key with spaces"], ["value with spaces"]);
        let q = url("https://example.com/p?a=1+2&b=%zz&c;d=3&e#frag").query();
        assert_eq!(q.len(), 2);
        assert_eq!(q["a"], ["1 2"]);
        assert_eq!(q["e"], [""]);
        assert!(url("https://example.com/path?").query().is_empty());
        assert!(url("https://example.com/path").query().is_empty());
        // `Parse` reads an authority that `ParseRequestURI` took as a path.
        assert_eq!(url("//not-a-host/path").host, "not-a-host");
        assert_eq!(
            url("https://[fe80::1%25en0]:8443/").hostname(),
            "fe80::1%en0"
        );
    }
}
