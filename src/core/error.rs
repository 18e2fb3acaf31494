//! The one error type of the client, and what the server's error bodies look like.

use super::json::{object, Json};
use super::secret::Secret;

/// Stable error codes: the `code` property of every `CloudTowerError` in JS. The single source
/// of the list: the package's types, the CLI and the READMEs are checked against [`ErrorCode::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// No HTTP answer: connection refused, reset, DNS, TLS, CORS.
    Network,
    /// The client's own deadline passed.
    Timeout,
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// An HTTP error status that no more specific code describes (5xx, 429, proxy pages).
    Http,
    Unauthorized,
    Forbidden,
    /// Two-factor authentication is on for the user: a password alone cannot log in.
    MfaRequired,
    NotFound,
    ResourceLocked,
    Graphql,
    /// The answer could not be read as what the operation returns.
    Decode,
    InvalidArgument,
    /// The server lacks a feature (for example the `apiKeys` query).
    Unsupported,
    /// A mutation's request may have reached the server but no answer came back.
    OutcomeUnknown,
    /// One or more tasks ended `FAILED`.
    TaskFailed,
    /// No node of an active/passive pair is active (each node's failure in `endpoints`).
    NoActiveEndpoint,
    /// Several nodes of a pair claim to be active; no request was sent.
    MultipleActiveEndpoints,
    /// The node answered 307 (not performed) and the failover strategy is `manual`.
    FailoverRequired,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 18] = [
        ErrorCode::Network,
        ErrorCode::Timeout,
        ErrorCode::Aborted,
        ErrorCode::Http,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::MfaRequired,
        ErrorCode::NotFound,
        ErrorCode::ResourceLocked,
        ErrorCode::Graphql,
        ErrorCode::Decode,
        ErrorCode::InvalidArgument,
        ErrorCode::Unsupported,
        ErrorCode::OutcomeUnknown,
        ErrorCode::TaskFailed,
        ErrorCode::NoActiveEndpoint,
        ErrorCode::MultipleActiveEndpoints,
        ErrorCode::FailoverRequired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Network => "NETWORK",
            ErrorCode::Timeout => "TIMEOUT",
            ErrorCode::Aborted => "ABORTED",
            ErrorCode::Http => "HTTP",
            ErrorCode::Unauthorized => "UNAUTHORIZED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::MfaRequired => "MFA_REQUIRED",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::ResourceLocked => "RESOURCE_LOCKED",
            ErrorCode::Graphql => "GRAPHQL",
            ErrorCode::Decode => "DECODE",
            ErrorCode::InvalidArgument => "INVALID_ARGUMENT",
            ErrorCode::Unsupported => "UNSUPPORTED",
            ErrorCode::OutcomeUnknown => "OUTCOME_UNKNOWN",
            ErrorCode::TaskFailed => "TASK_FAILED",
            ErrorCode::NoActiveEndpoint => "NO_ACTIVE_ENDPOINT",
            ErrorCode::MultipleActiveEndpoints => "MULTIPLE_ACTIVE_ENDPOINTS",
            ErrorCode::FailoverRequired => "FAILOVER_REQUIRED",
        }
    }
}

/// CloudTower's `ErrorBody`. Only `message` is required here: the spec also requires `status`
/// and `path`, but a client must keep whatever message the server sent. Fields of another type
/// than documented are dropped, not fatal.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorBody {
    pub message: String,
    pub status: Option<f64>,
    pub path: Option<String>,
    /// An open string: the spec names only `ResourceLocked`.
    pub code: Option<String>,
    pub props: Option<Json>,
    pub operation_name: Option<String>,
}

impl ErrorBody {
    /// The body as an `ErrorBody`, if it has a string `message`.
    pub fn read(body: &Json) -> Option<Self> {
        let text = |key: &str| body.get(key).as_str().map(str::to_owned);
        Some(Self {
            message: text("message")?,
            status: body.get("status").as_f64(),
            path: text("path"),
            code: text("code"),
            props: Some(body.get("props").clone()).filter(|props| !props.is_null()),
            operation_name: text("operationName"),
        })
    }

    pub fn to_json(&self) -> Json {
        let mut entries = vec![("message".to_owned(), Json::from(self.message.as_str()))];
        let mut add = |key: &str, value: Json| {
            if !value.is_null() {
                entries.push((key.to_owned(), value));
            }
        };
        add("status", self.status.into());
        add("path", self.path.clone().into());
        add("code", self.code.clone().into());
        add("props", self.props.clone().unwrap_or_default());
        add("operationName", self.operation_name.clone().into());
        Json::Object(entries)
    }

    fn for_each_string(&mut self, visit: &mut dyn FnMut(&mut String)) {
        visit(&mut self.message);
        for text in [&mut self.path, &mut self.code, &mut self.operation_name]
            .into_iter()
            .flatten()
        {
            visit(text);
        }
        if let Some(props) = self.props.as_mut() {
            props.for_each_string(visit);
        }
    }
}

/// One entry of a GraphQL `errors` array, kept as the server sent it (its `message`, maybe
/// `path` and `extensions`, and whatever else: Prisma-1-era servers put a numeric `code` beside
/// the message).
#[derive(Clone, Debug, PartialEq)]
pub struct GraphqlError(pub Json);

impl GraphqlError {
    pub fn message(&self) -> &str {
        self.0.get("message").as_str().unwrap_or_default()
    }

    /// `extensions.code`, the machine-readable part servers put on GraphQL errors.
    pub fn code(&self) -> Option<&str> {
        self.0.get("extensions").get("code").as_str()
    }

    /// A numeric `code` beside `message` (Prisma 1: 3039, no record for a where-unique lookup).
    pub fn top_level_code(&self) -> Option<f64> {
        self.0.get("code").as_f64()
    }
}

/// A task that ended `FAILED`, as carried by a `TASK_FAILED` error.
#[derive(Clone, Debug, PartialEq)]
pub struct FailedTask {
    pub id: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

impl FailedTask {
    pub fn to_json(&self) -> Json {
        object([
            ("id", self.id.as_str().into()),
            ("error_code", self.error_code.clone().into()),
            ("error_message", self.error_message.clone().into()),
        ])
    }
}

/// The client's one error. In JS it becomes a `CloudTowerError` with the same fields. Boxed:
/// every fallible step of every async flow moves a `Result<_, Error>`, and a pointer-sized error
/// keeps those moves (and the wasm) small.
#[derive(Clone, Debug, PartialEq)]
pub struct Error(Box<Fields>);

impl std::ops::Deref for Error {
    type Target = Fields;
    fn deref(&self) -> &Fields {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut Fields {
        &mut self.0
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// What an [`Error`] says.
#[derive(Clone, Debug, PartialEq)]
pub struct Fields {
    pub code: ErrorCode,
    pub message: String,
    /// HTTP status, 0 when no HTTP answer arrived.
    pub status: u16,
    /// `x-tower-request-id` of the answer, what support asks for.
    pub request_id: Option<String>,
    /// The v2 operation or GraphQL operation name.
    pub operation: Option<String>,
    /// The step of a multi-step flow (key rotation) that failed.
    pub step: Option<&'static str>,
    /// What the server said beyond a message.
    pub details: Details,
}

/// The server's own account of a failure.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Details {
    pub error_body: Option<ErrorBody>,
    pub graphql_errors: Option<Vec<GraphqlError>>,
    /// GraphQL `data` that came back beside `errors`.
    pub data: Option<Json>,
    pub failed_tasks: Vec<FailedTask>,
    /// The nodes of an active/passive pair, for its errors.
    pub endpoints: Vec<NodeReport>,
}

/// One node of a pair as an error reports it: `state` is `active`, `passive`, `failed` (with
/// `detail`) or `unknown`.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeReport {
    pub endpoint: String,
    pub state: &'static str,
    pub detail: Option<String>,
}

impl NodeReport {
    pub fn new(endpoint: &str, state: &'static str, detail: Option<String>) -> Self {
        Self {
            endpoint: endpoint.to_owned(),
            state,
            detail,
        }
    }

    pub fn to_json(&self) -> Json {
        object([
            ("endpoint", self.endpoint.as_str().into()),
            ("state", self.state.into()),
            (
                "detail",
                self.detail.as_deref().map_or(Json::Null, Json::from),
            ),
        ])
    }
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(Box::new(Fields {
            code,
            message: message.into(),
            status: 0,
            request_id: None,
            operation: None,
            step: None,
            details: Details::default(),
        }))
    }

    pub fn invalid_argument(field: &str, problem: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::InvalidArgument, format!("{field}: {problem}"))
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    pub fn with_operation(mut self, operation: impl Into<String>) -> Self {
        self.operation = Some(operation.into());
        self
    }

    pub fn with_endpoints(mut self, endpoints: Vec<NodeReport>) -> Self {
        self.details.endpoints = endpoints;
        self
    }

    pub fn with_step(mut self, step: &'static str) -> Self {
        self.step = Some(step);
        self.message = format!("{step}: {}", self.message);
        self
    }

    /// Replaces every secret in play wherever it appears: the message and every string the
    /// server sent (error body, GraphQL errors, partial data, failed tasks). octokit does the
    /// same in its error constructor, so a thrown error can be logged whole.
    pub fn redact(mut self, secrets: &[&Secret]) -> Self {
        let forms: Vec<String> = secrets
            .iter()
            .map(|secret| secret.expose())
            .filter(|secret| !secret.is_empty())
            .flat_map(echo_forms)
            .collect();
        let mut secrets: Vec<&str> = Vec::with_capacity(forms.len());
        for form in &forms {
            if !secrets.contains(&form.as_str()) {
                secrets.push(form);
            }
        }
        if secrets.is_empty() {
            return self;
        }
        let mut scrub = |text: &mut String| scrub(text, &secrets);
        let fields = &mut *self.0;
        scrub(&mut fields.message);
        for text in [&mut fields.operation, &mut fields.request_id]
            .into_iter()
            .flatten()
        {
            scrub(text);
        }
        let details = &mut fields.details;
        if let Some(body) = details.error_body.as_mut() {
            body.for_each_string(&mut scrub);
        }
        for error in details.graphql_errors.iter_mut().flatten() {
            error.0.for_each_string(&mut scrub);
        }
        if let Some(data) = details.data.as_mut() {
            data.for_each_string(&mut scrub);
        }
        for text in details
            .endpoints
            .iter_mut()
            .filter_map(|r| r.detail.as_mut())
        {
            scrub(text);
        }
        for task in &mut details.failed_tasks {
            for text in [&mut task.error_code, &mut task.error_message]
                .into_iter()
                .flatten()
            {
                scrub(text);
            }
        }
        self
    }
}

const REDACTED: &str = "[REDACTED]";

/// A secret as written, and as a server that echoes a request may write it (found by breaking
/// this client: servers write JSON, URLs, forms and HTML in more than one way). A secret of
/// letters and digits has one form; a password with spaces, slashes or accents has several.
fn echo_forms(secret: &str) -> Vec<String> {
    let mut forms = vec![secret.to_owned()];
    // JSON strings: as JSON.stringify writes them, and with non-ASCII (Python, Java), `<>&'`
    // (Go) or `/` (PHP) as escapes, in either hex case.
    for style in 0..16u8 {
        forms.push(json_escaped(
            secret,
            style & 1 != 0,
            style & 2 != 0,
            style & 4 != 0,
            style & 8 != 0,
        ));
    }
    // Percent-encoding: encodeURIComponent, encodeURI, RFC 3986's unreserved set, and forms
    // (space as `+`), in either hex case.
    for upper in [true, false] {
        for (kept, plus) in [
            ("-_.!~*'()", false),
            ("-_.!~*'();,/?:@&=+$#", false),
            ("-_.~", false),
            ("-_.*", true),
        ] {
            forms.push(percent_encoded(secret, kept, plus, upper));
        }
    }
    // HTML text and attributes.
    for apostrophe in ["&#39;", "&#x27;", "&apos;"] {
        let mut html = String::with_capacity(secret.len());
        for c in secret.chars() {
            match c {
                '&' => html.push_str("&amp;"),
                '<' => html.push_str("&lt;"),
                '>' => html.push_str("&gt;"),
                '"' => html.push_str("&quot;"),
                '\'' => html.push_str(apostrophe),
                c => html.push(c),
            }
        }
        forms.push(html);
    }
    forms
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

fn push_hex(out: &mut String, value: u32, digits: u32, upper: bool) {
    let hex = if upper { HEX_UPPER } else { HEX_LOWER };
    for shift in (0..digits).rev() {
        out.push(hex[((value >> (4 * shift)) & 15) as usize] as char);
    }
}

/// `text` inside a JSON string, optionally with non-ASCII, `<>&'` and `/` escaped too.
fn json_escaped(text: &str, unicode: bool, html: bool, slash: bool, upper: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if slash => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20
                || (unicode && !c.is_ascii())
                || (html && matches!(c, '<' | '>' | '&' | '\'')) =>
            {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str("\\u");
                    push_hex(&mut out, u32::from(*unit), 4, upper);
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` percent-encoded, keeping ASCII letters, digits and `kept`; a space as `+` if `plus`.
fn percent_encoded(text: &str, kept: &str, plus: bool, upper: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        let c = char::from(byte);
        if byte.is_ascii_alphanumeric() || (byte.is_ascii() && kept.contains(c)) {
            out.push(c);
        } else if plus && byte == b' ' {
            out.push('+');
        } else {
            out.push('%');
            push_hex(&mut out, u32::from(byte), 2, upper);
        }
    }
    out
}

/// The shortest beginning of a secret, seen right before a cut, that is replaced.
const MIN_CUT_PREFIX: usize = 4;

/// Where a text was cut: this client's marker, and the one servers write themselves.
const CUTS: [&str; 2] = ["…", "..."];

fn scrub_cut(text: &mut String, secret: &str, cut: &str) {
    if !text.contains(cut) {
        return;
    }
    let pieces: Vec<&str> = text.split(cut).collect();
    let last = pieces.len() - 1;
    let mut out = String::with_capacity(text.len());
    for (index, piece) in pieces.into_iter().enumerate() {
        if index > 0 {
            out.push_str(cut);
        }
        // The longest beginning of the secret (at least a few characters) the piece ends with.
        let minimum = MIN_CUT_PREFIX.min(secret.chars().count());
        let kept = secret
            .char_indices()
            .map(|(at, c)| at + c.len_utf8())
            .filter_map(|end| secret.get(..end))
            .filter(|prefix| prefix.chars().count() >= minimum)
            .filter_map(|prefix| piece.strip_suffix(prefix))
            .min_by_key(|kept| kept.len());
        match kept {
            Some(kept) if index < last => {
                out.push_str(kept);
                out.push_str(REDACTED);
            }
            _ => out.push_str(piece),
        }
    }
    *text = out;
}

/// Replaces `secrets` in `text`. A secret shorter than a credential can be (a password) is
/// replaced only where it stands alone (between non-alphanumeric characters), so a one-letter
/// password does not blank out every message. Where a text was cut (`…` or `...`, as excerpts
/// and long server messages are), a secret's beginning right before the cut is replaced too.
fn scrub(text: &mut String, secrets: &[&str]) {
    for secret in secrets {
        for cut in CUTS {
            scrub_cut(text, secret, cut);
        }
        if !text.contains(secret) {
            continue;
        }
        if secret.len() >= super::secret::MIN_CREDENTIAL {
            *text = text.replace(secret, REDACTED);
            continue;
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        let mut before: Option<char> = None;
        while let Some((head, tail)) = rest.split_once(secret) {
            let previous = head.chars().next_back().or(before);
            let alone = !previous.is_some_and(char::is_alphanumeric)
                && !tail.chars().next().is_some_and(char::is_alphanumeric);
            out.push_str(head);
            if alone {
                out.push_str(REDACTED);
                before = secret.chars().next_back();
                rest = tail;
            } else {
                // Not a match here: keep one character and look again after it.
                let mut after = rest.get(head.len()..).unwrap_or_default().chars();
                let first = after.next().unwrap_or_default();
                out.push(first);
                before = Some(first);
                rest = after.as_str();
            }
        }
        out.push_str(rest);
        *text = out;
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_screaming_snake_case() {
        let names: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        for name in &names {
            assert!(
                name.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
                "{name}"
            );
            assert_eq!(names.iter().filter(|other| *other == name).count(), 1);
        }
    }

    #[test]
    fn redact_scrubs_a_secret_in_every_way_a_server_writes_it() {
        let password = Secret::new("pä ss/<x>&'\"y");
        let echoes = [
            "pä ss/<x>&'\"y",
            "p\\u00e4 ss/<x>&'\\\"y",                   // Python json.dumps
            "p\\u00E4 ss\\/<x>&'\\\"y",                 // uppercase hex, PHP's \/
            "pä ss/\\u003cx\\u003e\\u0026\\u0027\\\"y", // Go's encoding/json
            "p%C3%A4%20ss%2F%3Cx%3E%26'%22y",           // encodeURIComponent
            "p%c3%a4%20ss%2f%3cx%3e%26'%22y",           // lowercase hex
            "p%C3%A4%20ss/%3Cx%3E&'%22y",               // encodeURI
            "p%C3%A4+ss%2F%3Cx%3E%26%27%22y",           // a form (URLSearchParams)
            "pä ss/&lt;x&gt;&amp;&#39;&quot;y",         // HTML
            "pä ss/&lt;x&gt;&amp;&#x27;&quot;y",
        ];
        for echo in echoes {
            let error = Error::new(ErrorCode::Http, format!("bad login ({echo}) for admin"))
                .redact(&[&password]);
            assert_eq!(error.message, "bad login ([REDACTED]) for admin", "{echo}");
        }
        // A server's own cut, with three dots.
        let key = Secret::new("key-canary-0123456789");
        let cut =
            Error::new(ErrorCode::Http, "rejected key-canary-0123... (truncated)").redact(&[&key]);
        assert_eq!(cut.message, "rejected [REDACTED]... (truncated)");
    }

    #[test]
    fn redact_scrubs_every_string_the_server_sent() {
        let secret = Secret::new("key-canary-123");
        let mut error = Error::new(ErrorCode::Unauthorized, "bad key key-canary-123");
        error.details.error_body = ErrorBody::read(
            &crate::core::json::parse(
                r#"{"message":"key-canary-123 revoked","path":"/x/key-canary-123","props":{"authorization":"key-canary-123","deep":[{"key-canary-123":1}]}}"#,
            )
            .unwrap(),
        );
        error.details.graphql_errors = Some(vec![GraphqlError(
            crate::core::json::parse(
                r#"{"message":"no key-canary-123","path":["k","key-canary-123"],"extensions":{"where":{"key":"key-canary-123"},"key-canary-123":1},"code":3039}"#,
            )
            .unwrap(),
        )]);
        error.details.data =
            crate::core::json::parse(r#"{"createApiKey":{"key":"key-canary-123"}}"#);
        error.details.failed_tasks = vec![FailedTask {
            id: "t".into(),
            error_code: None,
            error_message: Some("key-canary-123".into()),
        }];
        let error = error.redact(&[&secret]);
        let printed = format!("{error:?}");
        assert!(!printed.contains("key-canary-123"), "{printed}");
        assert_eq!(error.message, "bad key [REDACTED]");
    }

    #[test]
    fn a_secret_echoed_json_escaped_or_percent_encoded_is_redacted() {
        let secret = Secret::new("Canary\"Pass\\word 2026");
        let text = r#"malformed request: {"password":"Canary\"Pass\\word 2026"} or ?p=Canary%22Pass%5Cword%202026"#;
        let error = Error::new(ErrorCode::Http, text).redact(&[&secret]);
        assert_eq!(
            error.message,
            r#"malformed request: {"password":"[REDACTED]"} or ?p=[REDACTED]"#
        );
    }

    #[test]
    fn a_secret_cut_by_an_excerpt_is_redacted_too() {
        let secret = Secret::new("key-canary-123456");
        for (text, expected) in [
            (
                "HTTP 502: page key-canary-12…",
                "HTTP 502: page [REDACTED]…",
            ),
            (
                "aaaa key-canary-1234… (cut: 3000 characters in all)",
                "aaaa [REDACTED]… (cut: 3000 characters in all)",
            ),
            ("ends with ke…", "ends with ke…"),
            ("no cut key-canary-12", "no cut key-canary-12"),
        ] {
            let error = Error::new(ErrorCode::Http, text).redact(&[&secret]);
            assert_eq!(error.message, expected, "{text}");
        }
    }

    #[test]
    fn short_secrets_are_redacted_where_they_stand_alone() {
        let cases = [
            ("x", "x", "[REDACTED]"),
            ("x", "password x refused", "password [REDACTED] refused"),
            ("x", "max index: \"x\"", "max index: \"[REDACTED]\""),
            ("x", "extra text", "extra text"),
            ("pw1", "pw1pw1 pw1", "pw1pw1 [REDACTED]"),
            ("数", "密码 数 错", "密码 [REDACTED] 错"),
        ];
        for (secret, text, expected) in cases {
            let secret = Secret::new(secret);
            let error = Error::new(ErrorCode::Http, text).redact(&[&secret]);
            assert_eq!(error.message, expected, "{text}");
        }
    }

    #[test]
    fn step_prefixes_the_message() {
        let error = Error::new(ErrorCode::Network, "fetch failed").with_step("verify new key");
        assert_eq!(error.message, "verify new key: fetch failed");
        assert_eq!(error.step, Some("verify new key"));
    }
}
