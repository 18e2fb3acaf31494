//! Request values: everything the transport needs to perform one HTTP exchange, built without I/O.

use std::fmt;

use tsify::Tsify;

use super::error::{Error, Result};
use super::json::Json;
use super::secret::{Secret, MIN_CREDENTIAL};

/// The `content-language` header values CloudTower accepts; anything else is answered with 400.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Tsify)]
pub enum Language {
    #[default]
    #[serde(rename = "en-US")]
    EnUs,
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "*")]
    Any,
}

impl Language {
    pub const ALL: [Language; 3] = [Language::EnUs, Language::ZhCn, Language::Any];

    pub fn as_str(self) -> &'static str {
        match self {
            Language::EnUs => "en-US",
            Language::ZhCn => "zh-CN",
            Language::Any => "*",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// One HTTP exchange to perform. `Debug` shows neither the credential nor the body (a login
/// body carries a password).
#[derive(Clone)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    /// What the request is for, in error messages and observability hooks.
    pub operation: String,
    /// Whether sending it twice is harmless, which is what allows a retry.
    pub idempotent: bool,
    pub language: Language,
    pub authorization: Option<Secret>,
    /// JSON text.
    pub body: Option<String>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("operation", &self.operation)
            .field("idempotent", &self.idempotent)
            .field("language", &self.language)
            .field("authorization", &self.authorization)
            .field("body_bytes", &self.body.as_ref().map(String::len))
            .finish()
    }
}

/// What the transport saw of an answer whose body the core reads (an envelope: GraphQL, an
/// error body, a count, tasks, a login).
#[derive(Clone, Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub request_id: Option<String>,
    pub body: Body,
    /// Length of the body as received, in characters (UTF-16 units, as JS counts them).
    pub chars: usize,
}

/// A body as parsed by `JSON.parse`, or, when it is not JSON, its first characters (for a
/// message about a proxy's error page).
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    Json(Json),
    Text(String),
}

impl HttpResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The parsed body; `Json::Null` when it is not JSON.
    pub fn json(&self) -> &Json {
        static NULL: Json = Json::Null;
        match &self.body {
            Body::Json(json) => json,
            Body::Text(_) => &NULL,
        }
    }

    /// An answer read from JSON text, as the wasm layer would hand it over.
    #[cfg(test)]
    pub fn from_text(status: u16, text: &str) -> Self {
        Self {
            status,
            request_id: Some("r1".into()),
            body: super::json::parse(text).map_or_else(|| Body::Text(text.to_owned()), Body::Json),
            chars: text.encode_utf16().count(),
        }
    }
}

/// The longest name, key or token accepted: CloudTower's own limits are lower, and a bound
/// keeps a 1 MB "name" from travelling anywhere.
const MAX_TEXT: usize = 4096;

/// A user-supplied name: trimmed, not empty, no control characters, at most 255 characters.
pub fn validate_name(field: &str, value: &str) -> Result<String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid_argument(
            field,
            "must not be empty or whitespace",
        ));
    }
    if trimmed.chars().count() > 255 {
        return Err(Error::invalid_argument(
            field,
            "must be at most 255 characters",
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(Error::invalid_argument(
            field,
            "must not contain control characters",
        ));
    }
    Ok(trimmed.to_owned())
}

/// A token or API key: it travels as a raw header value, so it must be printable ASCII without
/// spaces.
pub fn validate_credential(field: &str, value: &str) -> Result<Secret> {
    if value.len() < MIN_CREDENTIAL {
        return Err(Error::invalid_argument(
            field,
            format!("must be at least {MIN_CREDENTIAL} characters (a CloudTower token or API key)"),
        ));
    }
    if value.len() > MAX_TEXT {
        return Err(Error::invalid_argument(
            field,
            format!("must be at most {MAX_TEXT} bytes"),
        ));
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid_argument(
            field,
            "must be printable ASCII without spaces (it is sent as a header value)",
        ));
    }
    Ok(Secret::new(value))
}

/// A password may hold anything, but not nothing (an empty one would only count towards the
/// server's lockout), and not megabytes.
pub fn validate_password(password: &Secret) -> Result<()> {
    let value = password.expose();
    if value.is_empty() {
        return Err(Error::invalid_argument("password", "must not be empty"));
    }
    if value.len() > MAX_TEXT {
        return Err(Error::invalid_argument(
            "password",
            format!("must be at most {MAX_TEXT} bytes"),
        ));
    }
    Ok(())
}

/// Milliseconds for a deadline: a whole number from 1 ms to one hour (timers cannot go past
/// 2^31 - 1 ms, and no single CloudTower call should need more).
pub fn validate_timeout(field: &str, value: f64) -> Result<u32> {
    const MAX: f64 = 3_600_000.0;
    if value.is_finite() && value.fract() == 0.0 && (1.0..=MAX).contains(&value) {
        Ok(value as u32)
    } else {
        Err(Error::invalid_argument(
            field,
            "must be a whole number of milliseconds from 1 to 3600000",
        ))
    }
}

/// [`validate_timeout`] of an optional value, `default` when absent.
pub fn validate_optional_timeout(field: &str, value: Option<f64>, default: u32) -> Result<u32> {
    value.map_or(Ok(default), |ms| validate_timeout(field, ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::ErrorCode;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(validate_name("name", "  ci  ").unwrap(), "ci");
        for bad in ["", "   ", "a\u{7}b", "line\nbreak"] {
            let error = validate_name("name", bad).unwrap_err();
            assert_eq!(error.code, ErrorCode::InvalidArgument);
            assert!(error.message.starts_with("name: "));
        }
        assert!(validate_name("name", &"x".repeat(1 << 20)).is_err());
        assert!(validate_name("name", &"é".repeat(255)).is_ok());
    }

    #[test]
    fn credentials_must_be_header_safe() {
        assert!(validate_credential("apiKey", "abc-DEF_123.=").is_ok());
        assert!(validate_password(&Secret::new("")).is_err());
        assert!(validate_password(&Secret::new("p")).is_ok());
        for bad in [
            "",
            "short",
            "has space in it",
            "new\nline-here",
            "ключ-ключ",
            &"k".repeat(5000),
        ] {
            assert!(validate_credential("apiKey", bad)
                .unwrap_err()
                .message
                .starts_with("apiKey: "));
        }
    }

    #[test]
    fn timeouts_are_whole_and_bounded() {
        assert_eq!(validate_timeout("timeoutMs", 1500.0).unwrap(), 1500);
        assert_eq!(
            validate_optional_timeout("timeoutMs", None, 30).unwrap(),
            30
        );
        assert!(validate_optional_timeout("timeoutMs", Some(-1.0), 30).is_err());
        for bad in [0.0, -1.0, 1.5, f64::NAN, f64::INFINITY, 3_600_001.0, 1e300] {
            assert!(validate_timeout("timeoutMs", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_hides_credential_and_body() {
        let request = HttpRequest {
            method: Method::Post,
            url: "https://tower.example/v2/api/login".into(),
            operation: "login".into(),
            idempotent: false,
            language: Language::EnUs,
            authorization: Some(Secret::new("tok-canary")),
            body: Some("{\"password\":\"pw-canary\"}".into()),
        };
        let printed = format!("{request:?}");
        assert!(!printed.contains("canary"), "{printed}");
        assert!(
            printed.contains("authorization: Some([REDACTED])"),
            "{printed}"
        );
        assert!(printed.contains("body_bytes: Some(24)"), "{printed}");
    }
}
