//! The CloudTower endpoint: validated once, then every URL the client requests is built from it,
//! so credentials only ever go to this origin.

use super::error::{Error, Result};
use super::json::quoted;

/// An `http:` or `https:` origin with an optional path prefix, without a trailing slash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    base: String,
}

const FIELD: &str = "endpoint";
/// The longest endpoint accepted: a CloudTower address is short, and every URL is built on it.
const MAX_LENGTH: usize = 2048;
/// RFC 1035: a DNS name has at most 253 characters.
const MAX_HOST: usize = 253;

impl Endpoint {
    /// Accepts `https://tower.example`, `http://10.0.0.5:8080/`, `https://gw.example/tower`.
    /// Rejects other schemes, relative URLs, userinfo (credentials belong in headers, not URLs),
    /// query strings and fragments, whitespace and control characters.
    pub fn parse(input: &str) -> Result<Self> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Error::invalid_argument(FIELD, "must not be empty"));
        }
        if trimmed.len() > MAX_LENGTH {
            return Err(Error::invalid_argument(
                FIELD,
                format!("has more than {MAX_LENGTH} characters"),
            ));
        }
        if trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(Error::invalid_argument(
                FIELD,
                "must not contain whitespace or control characters",
            ));
        }
        let (scheme, rest) = trimmed.split_once("://").ok_or_else(|| {
            Error::invalid_argument(
                FIELD,
                "must be an absolute http: or https: URL such as https://tower.example",
            )
        })?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(Error::invalid_argument(
                FIELD,
                format!(
                    "scheme {} is not allowed: use http or https",
                    quoted(&scheme)
                ),
            ));
        }
        // A URL parser turns `\` into `/` in http(s) URLs and may decode `%61` to `a`, so
        // either could hide an API path (or `..`) from the checks below.
        if rest.contains(['\\', '%']) {
            return Err(Error::invalid_argument(
                FIELD,
                "must not contain \\ or percent-encoding (%): write the path plainly",
            ));
        }
        if rest.contains(['?', '#']) {
            return Err(Error::invalid_argument(
                FIELD,
                "must not contain a query string or fragment",
            ));
        }
        let (authority, path) = match rest.find('/') {
            Some(slash) => rest.split_at(slash),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(Error::invalid_argument(
                FIELD,
                "must not contain credentials (user:password@); pass them to login() instead",
            ));
        }
        validate_authority(authority)?;
        let path = path.trim_end_matches('/');
        if path
            .split('/')
            .any(|segment| segment == ".." || segment == ".")
        {
            return Err(Error::invalid_argument(
                FIELD,
                "path must not contain . or .. segments",
            ));
        }
        let base = format!("{scheme}://{}{path}", authority.to_ascii_lowercase());
        refuse_api_suffix(&base, path)?;
        Ok(Self { base })
    }

    /// The endpoint as given, normalised (lowercase scheme and host, no trailing slash).
    pub fn as_str(&self) -> &str {
        &self.base
    }

    pub fn graphql_url(&self) -> String {
        format!("{}/api", self.base)
    }

    /// The URL of a v2 operation. The name must already be a catalogue entry (see
    /// `operations::lookup`), which only holds `[a-z0-9-]` names, so nothing can escape the path.
    pub fn v2_url(&self, operation: &str) -> String {
        format!("{}/v2/api/{operation}", self.base)
    }
}

/// The official SDKs configure `http://TOWER/v2/api`, so users paste that. It is refused rather
/// than trimmed: the client appends `/api` and `/v2/api` itself, and a path is where credentials
/// go, so it is never rewritten behind the user's back; the message says what to write instead.
fn refuse_api_suffix(base: &str, path: &str) -> Result<()> {
    let lower = path.to_ascii_lowercase();
    let Some(suffix) = ["/v2/api", "/api"]
        .into_iter()
        .find(|suffix| lower.ends_with(suffix))
    else {
        return Ok(());
    };
    let root = base.get(..base.len() - suffix.len()).unwrap_or(base);
    Err(Error::invalid_argument(
        FIELD,
        format!(
            "ends in {}, an API path (the official SDKs' base URL); this client adds /api and /v2/api itself: write the CloudTower address without it, {}",
            quoted(suffix),
            quoted(root)
        ),
    ))
}

fn validate_authority(authority: &str) -> Result<()> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (v6, after) = bracketed
            .split_once(']')
            .ok_or_else(|| Error::invalid_argument(FIELD, "unterminated IPv6 address"))?;
        if v6.is_empty()
            || !v6
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(Error::invalid_argument(FIELD, "invalid IPv6 address"));
        }
        match after {
            "" => (v6, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (v6, Some(port)),
                None => return Err(Error::invalid_argument(FIELD, "invalid host")),
            },
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(Error::invalid_argument(FIELD, "has no host"));
    }
    if host.len() > MAX_HOST {
        return Err(Error::invalid_argument(
            FIELD,
            format!("host has more than {MAX_HOST} characters, the most a DNS name has"),
        ));
    }
    let host_ok = authority.starts_with('[')
        || host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_');
    if !host_ok {
        return Err(Error::invalid_argument(
            FIELD,
            "host may only contain letters, digits, '-', '_' and '.' (use punycode for IDNs)",
        ));
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.chars().all(|c| c.is_ascii_digit())
            && matches!(port.parse::<u32>(), Ok(1..=65535));
        if !valid {
            return Err(Error::invalid_argument(
                FIELD,
                "port must be a number from 1 to 65535",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorCode;

    #[test]
    fn accepts_origins_and_prefixes() {
        for (input, base) in [
            ("https://tower.example", "https://tower.example"),
            ("HTTPS://Tower.Example/", "https://tower.example"),
            ("http://10.0.0.5:8080", "http://10.0.0.5:8080"),
            ("https://gw.example/tower/", "https://gw.example/tower"),
            ("http://[::1]:3000", "http://[::1]:3000"),
            ("  https://tower.example  ", "https://tower.example"),
        ] {
            assert_eq!(Endpoint::parse(input).unwrap().as_str(), base, "{input}");
        }
    }

    #[test]
    fn rejects_everything_else_with_invalid_argument_naming_the_field() {
        for input in [
            "",
            "   ",
            "tower.example",
            "/api",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/plain,hi",
            "ftp://tower.example",
            "https://u:p@tower.example",
            "https://tower.example?x=1",
            "https://tower.example#frag",
            "https://tower.example:0",
            "https://tower.example:99999",
            "https://tower.example:abc",
            "https://",
            "https://to wer.example",
            "https://tower.example/\u{0}",
            "https://tower.example/a/../b",
            "https://[::1",
            "https://tower.example:",
        ]
        .into_iter()
        .map(str::to_owned)
        .chain([
            format!("https://{}.example", "a".repeat(250)),
            format!("https://tower.example/{}", "p".repeat(2048)),
        ]) {
            let input = input.as_str();
            let error = Endpoint::parse(input).expect_err(input);
            assert_eq!(error.code, ErrorCode::InvalidArgument, "{input}");
            assert!(
                error.message.starts_with("endpoint: "),
                "{input}: {}",
                error.message
            );
        }
    }

    #[test]
    fn api_paths_are_refused_with_the_address_to_write_instead() {
        for (input, suffix, root) in [
            (
                "http://tower.example/v2/api",
                "/v2/api",
                "http://tower.example",
            ),
            (
                "http://tower.example/v2/api/",
                "/v2/api",
                "http://tower.example",
            ),
            ("https://tower.example/api", "/api", "https://tower.example"),
            (
                "https://tower.example/api/",
                "/api",
                "https://tower.example",
            ),
            (
                "https://gw.example/tower/v2/api",
                "/v2/api",
                "https://gw.example/tower",
            ),
            (
                "https://gw.example/tower/api/",
                "/api",
                "https://gw.example/tower",
            ),
            (
                "https://Tower.example:8443/V2/API",
                "/v2/api",
                "https://tower.example:8443",
            ),
        ] {
            let error = Endpoint::parse(input).expect_err(input);
            assert_eq!(error.code, ErrorCode::InvalidArgument, "{input}");
            assert!(
                error
                    .message
                    .starts_with(&format!("endpoint: ends in {suffix:?}"))
                    && error.message.ends_with(&format!("{root:?}")),
                "{input}: {}",
                error.message
            );
        }
        for hidden in [
            "http://tower.example/v2\\api",
            "http://tower.example/%61pi",
            "http://tower.example/a\\..\\b",
        ] {
            let error = Endpoint::parse(hidden).expect_err(hidden);
            assert!(
                error.message.contains("percent-encoding"),
                "{hidden}: {}",
                error.message
            );
        }
        // Prefixes that merely contain "api" are fine.
        for input in [
            "https://gw.example/apis",
            "https://gw.example/api/tower",
            "https://gw.example/myapi",
        ] {
            assert!(Endpoint::parse(input).is_ok(), "{input}");
        }
    }

    #[test]
    fn builds_api_urls() {
        let endpoint = Endpoint::parse("https://gw.example/tower").unwrap();
        assert_eq!(endpoint.graphql_url(), "https://gw.example/tower/api");
        assert_eq!(
            endpoint.v2_url("get-vms"),
            "https://gw.example/tower/v2/api/get-vms"
        );
    }
}
