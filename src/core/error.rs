//! The one error type of the client, and what the server's error bodies look like.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::secret::Secret;

/// Stable error codes: the `code` property of every `CloudTowerError` in JS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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
}

impl ErrorCode {
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
        }
    }
}

/// CloudTower's `ErrorBody`. Only `message` is required here: the spec also requires `status`
/// and `path`, but a client must keep whatever message the server sent.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct ErrorBody {
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// An open string: the spec names only `ResourceLocked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub props: Option<Value>,
    #[serde(
        default,
        rename = "operationName",
        skip_serializing_if = "Option::is_none"
    )]
    pub operation_name: Option<String>,
}

/// One entry of a GraphQL `errors` array.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct GraphqlError {
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Value>,
    /// A code beside `message` rather than in `extensions`: Prisma-1-era servers put a number
    /// there (3039: no record for a where-unique lookup).
    #[serde(default, rename = "code", skip_serializing_if = "Option::is_none")]
    pub top_level_code: Option<Value>,
}

impl GraphqlError {
    /// `extensions.code`, the machine-readable part servers put on GraphQL errors.
    pub fn code(&self) -> Option<&str> {
        self.extensions.as_ref()?.get("code")?.as_str()
    }
}

/// A task that ended `FAILED`, as carried by a `TASK_FAILED` error.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FailedTask {
    pub id: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

/// The client's one error. In JS it becomes a `CloudTowerError` with the same fields.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
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
    /// What the server said beyond a message; boxed, as most errors carry none of it.
    pub details: Box<Details>,
}

/// The server's own account of a failure.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Details {
    pub error_body: Option<ErrorBody>,
    pub graphql_errors: Option<Vec<GraphqlError>>,
    /// GraphQL `data` that came back beside `errors`, as raw JSON.
    pub data: Option<String>,
    pub failed_tasks: Vec<FailedTask>,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            status: 0,
            request_id: None,
            operation: None,
            step: None,
            details: Box::default(),
        }
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

    pub fn with_step(mut self, step: &'static str) -> Self {
        self.step = Some(step);
        self.message = format!("{step}: {}", self.message);
        self
    }

    /// Replaces any secret the server may have echoed back; octokit does the same in its
    /// error constructor, so a thrown error can be logged whole.
    pub fn redact(mut self, secrets: &[&Secret]) -> Self {
        for secret in secrets {
            let value = secret.expose();
            // Too short to be a real token or key (those are refused up front): replacing it
            // would only mangle the message.
            if value.len() < crate::core::request::MIN_CREDENTIAL {
                continue;
            }
            redact_in(&mut self.message, value);
            let details = self.details.as_mut();
            if let Some(body) = details.error_body.as_mut() {
                redact_in(&mut body.message, value);
                redact_option(&mut body.path, value);
                redact_option(&mut body.operation_name, value);
                body.props.iter_mut().for_each(|v| redact_value(v, value));
            }
            // Every string a server sent back, wherever it sits: an echoed unique value can be
            // in a message, a path, an extension or partial data.
            for error in details.graphql_errors.iter_mut().flatten() {
                redact_in(&mut error.message, value);
                error
                    .path
                    .iter_mut()
                    .flatten()
                    .for_each(|v| redact_value(v, value));
                error
                    .extensions
                    .iter_mut()
                    .for_each(|v| redact_value(v, value));
                error
                    .top_level_code
                    .iter_mut()
                    .for_each(|v| redact_value(v, value));
            }
            redact_option(&mut details.data, value);
            for task in &mut details.failed_tasks {
                redact_option(&mut task.error_message, value);
            }
        }
        self
    }
}

fn redact_in(text: &mut String, secret: &str) {
    if text.contains(secret) {
        *text = text.replace(secret, "[REDACTED]");
    }
}

fn redact_option(text: &mut Option<String>, secret: &str) {
    if let Some(text) = text.as_mut() {
        redact_in(text, secret);
    }
}

fn redact_value(value: &mut Value, secret: &str) {
    match value {
        Value::String(text) => redact_in(text, secret),
        Value::Array(items) => items.iter_mut().for_each(|v| redact_value(v, secret)),
        Value::Object(fields) => {
            // A key that is the secret cannot be renamed in place: rebuild the map.
            if fields.keys().any(|k| k.contains(secret)) {
                *fields = std::mem::take(fields)
                    .into_iter()
                    .map(|(k, v)| (k.replace(secret, "[REDACTED]"), v))
                    .collect();
            }
            fields.values_mut().for_each(|v| redact_value(v, secret));
        }
        _ => {}
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_stable_names() {
        for code in [
            ErrorCode::Network,
            ErrorCode::MfaRequired,
            ErrorCode::OutcomeUnknown,
            ErrorCode::InvalidArgument,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn redact_scrubs_message_body_and_graphql_errors() {
        let secret = Secret::new("key-canary-123");
        let mut error = Error::new(ErrorCode::Unauthorized, "bad key key-canary-123");
        error.details.error_body = Some(ErrorBody {
            message: "key-canary-123 revoked".into(),
            status: Some(401.0),
            path: None,
            code: None,
            props: None,
            operation_name: None,
        });
        error.details.graphql_errors = Some(vec![GraphqlError {
            message: "no key-canary-123".into(),
            path: Some(vec![serde_json::json!("key-canary-123")]),
            extensions: Some(
                serde_json::json!({"where": {"key": "key-canary-123"}, "key-canary-123": 1}),
            ),
            top_level_code: Some(serde_json::json!(3039)),
        }]);
        error.details.data = Some(r#"{"deleteApiKey":"key-canary-123"}"#.into());
        let error = error.redact(&[&secret]);
        let printed = format!("{error:?}");
        assert!(!printed.contains("key-canary-123"), "{printed}");
        assert_eq!(error.message, "bad key [REDACTED]");
    }

    #[test]
    fn step_prefixes_the_message() {
        let error = Error::new(ErrorCode::Network, "fetch failed").with_step("verify new key");
        assert_eq!(error.message, "verify new key: fetch failed");
        assert_eq!(error.step, Some("verify new key"));
    }
}
