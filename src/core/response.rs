//! Classifying answers: HTTP status, CloudTower's `ErrorBody`, proxy pages, GraphQL `errors`.

use super::error::{Error, ErrorBody, ErrorCode, GraphqlError};
use super::json::Json;
use super::request::{Body, HttpRequest, HttpResponse};

/// The error for a non-2xx answer, keeping the server's message and body where there is one.
pub fn error_from_status(operation: &str, response: &HttpResponse) -> Error {
    let body = ErrorBody::read(response.json());
    let code = match (
        response.status,
        body.as_ref().and_then(|b| b.code.as_deref()),
    ) {
        (_, Some(code)) if looks_like_mfa(code) => ErrorCode::MfaRequired,
        (_, Some("ResourceLocked")) => ErrorCode::ResourceLocked,
        (401, _) => ErrorCode::Unauthorized,
        (403, _) => ErrorCode::Forbidden,
        (404, _) => ErrorCode::NotFound,
        _ => ErrorCode::Http,
    };
    let message = match (&body, &response.body) {
        (Some(body), _) => bounded(&body.message),
        (None, Body::Text(text)) => format!("HTTP {}{}", response.status, excerpt_suffix(text)),
        (None, Body::Json(_)) => format!("HTTP {}", response.status),
    };
    let mut error = Error::new(code, message)
        .with_status(response.status)
        .with_request_id(response.request_id.clone())
        .with_operation(operation);
    error.details.error_body = body;
    error
}

/// A 2xx answer that is not what the operation returns. No excerpt of the body: GraphQL
/// answers such as `createApiKey`'s carry secrets, even when cut short.
pub fn decode_error(operation: &str, response: &HttpResponse, problem: &str) -> Error {
    Error::new(
        ErrorCode::Decode,
        format!(
            "{operation}: {problem} ({} characters received)",
            response.chars
        ),
    )
    .with_status(response.status)
    .with_request_id(response.request_id.clone())
    .with_operation(operation)
}

fn excerpt_suffix(body: &str) -> String {
    let excerpt = excerpt(body);
    if excerpt.is_empty() {
        String::new()
    } else {
        format!(": {excerpt}")
    }
}

/// At most 160 characters of a body, with HTML tags dropped and white space folded, so an
/// nginx error page reads as "502 Bad Gateway nginx".
pub fn excerpt(body: &str) -> String {
    const LIMIT: usize = 160;
    let mut text = String::new();
    let mut in_tag = false;
    let mut pending_space = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                pending_space = true;
            }
            _ if in_tag => {}
            c if c.is_whitespace() || c.is_control() => pending_space = true,
            c => {
                if pending_space && !text.is_empty() {
                    text.push(' ');
                }
                pending_space = false;
                text.push(c);
                if text.chars().count() >= LIMIT {
                    text.push('…');
                    break;
                }
            }
        }
    }
    text
}

/// A redirect answer (a pair's 307 aside, which fails over): the client follows none, so that
/// credentials go only to the configured endpoint. A browser's `redirect: "manual"` answer shows
/// no status (0) and no `Location`: it may even have been a 303 after the request was performed,
/// so nothing is concluded and it is `NETWORK`; elsewhere it is `HTTP` with the status.
pub fn redirect_refused(
    request: &HttpRequest,
    status: u16,
    location: Option<&str>,
    pair: bool,
) -> Error {
    let operation = &request.operation;
    let advice = if pair {
        "reach a CloudTower pair from a browser through a same-origin proxy"
    } else {
        "if CloudTower moved (from http: to https:, say), make its new address the endpoint"
    };
    if status == 0 {
        return Error::new(
            ErrorCode::Network,
            format!("{operation}: the server answered a redirect this runtime hides (a browser shows none), and the client follows no redirect; {advice}"),
        )
        .with_operation(operation.as_str());
    }
    let target = location.map_or(String::new(), |to| format!(" to {}", excerpt(to)));
    let mut message = format!(
        "{operation}: the server answered HTTP {status}{target}, a redirect, which the client does not follow so that credentials go only to the configured endpoint; {advice}"
    );
    if !request.idempotent {
        message.push_str("; a redirect normally answers before the API runs, so the request was most likely not performed: check before retrying");
    }
    Error::new(ErrorCode::Http, message)
        .with_status(status)
        .with_operation(operation.as_str())
}

/// The most of a server's text that goes into an error message (the whole text stays in
/// `errorBody` / `graphqlErrors`): a 20 MB message must not be printed whole by every logger.
pub const MAX_SERVER_TEXT: usize = 2000;

/// `text`, cut to [`MAX_SERVER_TEXT`] characters with a marker that gives the full length.
pub fn bounded(text: &str) -> String {
    let mut rest = text.chars();
    let kept: String = rest.by_ref().take(MAX_SERVER_TEXT).collect();
    if rest.as_str().is_empty() {
        return kept;
    }
    format!("{kept}… (cut: {} characters in all)", text.chars().count())
}

/// Whether a code or message speaks of a second factor. The 2FA login answer is undocumented,
/// so this looks for the idea in English and Chinese rather than for one exact body.
pub fn looks_like_mfa(text: &str) -> bool {
    const HINTS: [&str; 10] = [
        "mfa",
        "two-factor",
        "two factor",
        "2fa",
        "multi-factor",
        "verification code",
        "双因素",
        "二次验证",
        "多因素",
        "验证码",
    ];
    // ASCII folding is enough (the Chinese hints have no case) and avoids Unicode case tables.
    let lower = text.to_ascii_lowercase();
    HINTS.iter().any(|hint| lower.contains(hint))
}

/// The explanation every `MFA_REQUIRED` error carries after the server's own words.
pub const MFA_ADVICE: &str = "two-factor authentication is enabled for this user, so a password \
    alone cannot log in and a script cannot supply the second factor: issue an API key from a \
    session that completed 2FA (for example the web console) and use it with withApiKey() or \
    the apiKey option";

pub fn mfa_error(operation: &str, server_message: &str, response: &HttpResponse) -> Error {
    let server_message = bounded(server_message);
    let message = if server_message.is_empty() {
        MFA_ADVICE.to_owned()
    } else {
        format!("{server_message} ({MFA_ADVICE})")
    };
    Error::new(ErrorCode::MfaRequired, message)
        .with_status(response.status)
        .with_request_id(response.request_id.clone())
        .with_operation(operation)
}

/// The error for a GraphQL answer with `errors`: authentication codes keep their meaning (an
/// `extensions.code`, else the HTTP status: servers report a bad credential either way), and
/// everything else is `GRAPHQL` with the server's message; all carry the errors and any data.
pub fn graphql_error(
    operation: &str,
    response: &HttpResponse,
    errors: Vec<GraphqlError>,
    data: Option<Json>,
) -> Error {
    let first = errors.first();
    let first_code = first.and_then(GraphqlError::code).unwrap_or_default();
    let first_message = bounded(first.map(GraphqlError::message).unwrap_or_default());
    let code = match first_code {
        "UNAUTHENTICATED" => ErrorCode::Unauthorized,
        "FORBIDDEN" => ErrorCode::Forbidden,
        _ if looks_like_mfa(first_code) || looks_like_mfa(&first_message) => ErrorCode::MfaRequired,
        "" if response.status == 401 => ErrorCode::Unauthorized,
        "" if response.status == 403 => ErrorCode::Forbidden,
        _ => ErrorCode::Graphql,
    };
    let message = match (code, errors.len()) {
        (ErrorCode::MfaRequired, _) => format!("{first_message} ({MFA_ADVICE})"),
        (_, 0 | 1) => first_message.to_owned(),
        (_, n) => format!("{first_message} (and {} more GraphQL errors)", n - 1),
    };
    let mut error = Error::new(code, message)
        .with_status(response.status)
        .with_request_id(response.request_id.clone())
        .with_operation(operation);
    error.details.graphql_errors = Some(errors);
    error.details.data = data;
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            request_id: Some("req-1".into()),
            ..HttpResponse::from_text(status, body)
        }
    }

    #[test]
    fn redirects_are_refused_with_their_status_and_target_or_as_hidden() {
        let endpoint = crate::core::endpoint::Endpoint::parse("http://tower.example").unwrap();
        let request = |name: &str| {
            let operation = super::super::operations::lookup(name).unwrap();
            super::super::v2::call_request(&endpoint, &operation, None, Default::default(), None)
                .unwrap()
        };
        let read = request("get-vms");
        let moved = redirect_refused(
            &read,
            301,
            Some("https://tower.example/v2/api/get-vms"),
            false,
        );
        assert_eq!((moved.code, moved.status), (ErrorCode::Http, 301));
        assert!(moved.message.starts_with("get-vms: the server answered HTTP 301 to https://tower.example/v2/api/get-vms, a redirect"), "{}", moved.message);
        assert!(moved.message.contains("make its new address the endpoint"));
        assert!(
            !moved.message.contains("not performed"),
            "a read needs no word on its effect"
        );

        let mutation = request("start-vm");
        let error = redirect_refused(&mutation, 302, None, false);
        assert!(
            error
                .message
                .starts_with("start-vm: the server answered HTTP 302, a redirect"),
            "{}",
            error.message
        );
        assert!(error
            .message
            .ends_with("most likely not performed: check before retrying"));

        let hidden = redirect_refused(&mutation, 0, None, true);
        assert_eq!((hidden.code, hidden.status), (ErrorCode::Network, 0));
        assert!(hidden.message.contains("hides") && hidden.message.contains("same-origin proxy"));
    }

    #[test]
    fn statuses_map_to_codes_and_keep_the_error_body() {
        let cases = [
            (
                401,
                r#"{"message":"unauthorized","status":401,"path":"/v2/api/get-vms"}"#,
                ErrorCode::Unauthorized,
            ),
            (
                403,
                r#"{"message":"read only","status":403,"path":"/x"}"#,
                ErrorCode::Forbidden,
            ),
            (
                404,
                r#"{"message":"not simulated","status":404,"path":"/x"}"#,
                ErrorCode::NotFound,
            ),
            (
                400,
                r#"{"message":"locked","status":400,"path":"/x","code":"ResourceLocked","props":{"locked_resources":[{"id":"v1","type":"Vm"}]}}"#,
                ErrorCode::ResourceLocked,
            ),
            (
                400,
                r#"{"message":"body/where must be object","status":400,"path":"/x"}"#,
                ErrorCode::Http,
            ),
            (
                500,
                r#"{"message":"boom","status":500,"path":"/x"}"#,
                ErrorCode::Http,
            ),
            (
                429,
                r#"{"message":"slow down","status":429,"path":"/x"}"#,
                ErrorCode::Http,
            ),
            (
                403,
                r#"{"message":"verify","status":403,"path":"/v2/api/login","code":"MFA_REQUIRED"}"#,
                ErrorCode::MfaRequired,
            ),
        ];
        for (status, body, code) in cases {
            let error = error_from_status("get-vms", &answer(status, body));
            assert_eq!(error.code, code, "{body}");
            assert_eq!(error.status, status);
            assert_eq!(error.request_id.as_deref(), Some("req-1"));
            assert_eq!(error.operation.as_deref(), Some("get-vms"));
            let parsed = error.details.error_body.clone().expect("ErrorBody kept");
            assert_eq!(error.message, parsed.message);
        }
    }

    #[test]
    fn proxy_pages_become_http_errors_with_an_excerpt() {
        let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>";
        let error = error_from_status("get-vms", &answer(502, html));
        assert_eq!(error.code, ErrorCode::Http);
        assert_eq!(error.status, 502);
        assert_eq!(
            error.message,
            "HTTP 502: 502 Bad Gateway 502 Bad Gateway nginx"
        );
        assert!(error.details.error_body.is_none());
        let empty = error_from_status("get-vms", &answer(401, ""));
        assert_eq!(
            (empty.code, empty.message.as_str()),
            (ErrorCode::Unauthorized, "HTTP 401")
        );
    }

    #[test]
    fn long_server_messages_are_cut_with_their_length() {
        let long = "数".repeat(MAX_SERVER_TEXT * 3);
        let body = format!(r#"{{"message":"{long}","status":500,"path":"/x"}}"#);
        let error = error_from_status("get-vms", &answer(500, &body));
        assert_eq!(
            error.message,
            format!(
                "{}… (cut: 6000 characters in all)",
                "数".repeat(MAX_SERVER_TEXT)
            )
        );
        assert_eq!(
            error
                .details
                .error_body
                .clone()
                .unwrap()
                .message
                .chars()
                .count(),
            6000,
            "the body keeps it whole"
        );
        let graphql = graphql_error(
            "q",
            &answer(200, ""),
            vec![GraphqlError(crate::core::json::object([(
                "message",
                long.as_str().into(),
            )]))],
            None,
        );
        assert!(graphql.message.ends_with("(cut: 6000 characters in all)"));
        assert_eq!(bounded("short"), "short");
    }

    #[test]
    fn excerpts_are_short_and_never_split_characters() {
        let long = "数".repeat(10_000);
        let text = excerpt(&long);
        assert_eq!(text.chars().count(), 161);
        assert!(text.ends_with('…'));
    }

    #[test]
    fn mfa_is_recognised_in_several_wordings() {
        for text in [
            "MFA_REQUIRED",
            "Two-factor authentication is enabled",
            "请输入验证码",
            "needs 2FA",
        ] {
            assert!(looks_like_mfa(text), "{text}");
        }
        assert!(!looks_like_mfa("Incorrect username or password"));
    }

    #[test]
    fn graphql_errors_keep_their_meaning() {
        let response = answer(200, "");
        let make = |code: &str, message: &str| {
            GraphqlError(crate::core::json::object([
                ("message", message.into()),
                (
                    "extensions",
                    crate::core::json::object([("code", code.into())]),
                ),
            ]))
        };
        let cases = [
            ("UNAUTHENTICATED", "no credential", ErrorCode::Unauthorized),
            (
                "FORBIDDEN",
                "API keys cannot manage API keys",
                ErrorCode::Forbidden,
            ),
            ("MFA_REQUIRED", "code needed", ErrorCode::MfaRequired),
            (
                "GRAPHQL_VALIDATION_FAILED",
                "Cannot query field",
                ErrorCode::Graphql,
            ),
            ("INTERNAL_SERVER_ERROR", "boom", ErrorCode::Graphql),
        ];
        for (code, message, expected) in cases {
            let error = graphql_error(
                "my",
                &response,
                vec![make(code, message)],
                crate::core::json::parse("{\"my\":null}"),
            );
            assert_eq!(error.code, expected, "{code}");
            assert!(error.message.starts_with(message));
            assert_eq!(error.details.graphql_errors.as_ref().map(Vec::len), Some(1));
            assert_eq!(
                error.details.data,
                crate::core::json::parse("{\"my\":null}")
            );
        }
        let two = graphql_error(
            "q",
            &response,
            vec![make("X", "first"), make("Y", "second")],
            None,
        );
        assert_eq!(two.message, "first (and 1 more GraphQL errors)");
    }
}
