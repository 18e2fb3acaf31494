//! The v2 API (`/v2/api/<operation>`): building calls, reading login answers, choosing an
//! authentication strategy.

use super::endpoint::Endpoint;
use super::error::{Error, ErrorCode, Result};
use super::json::{object, Json};
use super::model::{AuthnStrategy, LoginOptions, UserSource};
use super::operations::{Auth, Operation};
use super::request::{
    validate_credential, validate_name, validate_password, Body, HttpRequest, HttpResponse,
    Language, Method,
};
use super::response::{error_from_status, looks_like_mfa, mfa_error};
use super::secret::Secret;

/// A call of any catalogue operation. `body_json` is the caller's body, already JSON text.
pub fn call_request(
    endpoint: &Endpoint,
    operation: &Operation,
    authorization: Option<&Secret>,
    language: Language,
    body_json: Option<String>,
) -> Result<HttpRequest> {
    if operation.auth == Auth::Basic {
        return Err(Error::new(
            ErrorCode::Unsupported,
            format!(
                "{} uses HTTP Basic authentication, which this client does not hold",
                operation.name
            ),
        )
        .with_operation(operation.name));
    }
    let body = match operation.method {
        Method::Get => None,
        Method::Post => Some(body_json.unwrap_or_else(|| "{}".to_owned())),
    };
    Ok(HttpRequest {
        method: operation.method,
        url: endpoint.v2_url(operation.name),
        operation: operation.name.to_owned(),
        idempotent: operation.is_read(),
        language,
        authorization: match operation.auth {
            Auth::Credential => authorization.cloned(),
            Auth::None | Auth::Basic => None,
        },
        body,
    })
}

/// `POST /v2/api/login`. LDAP users log in as `AUTHN` with the strategy's id (CloudTower 3.0+).
pub fn login_request(
    endpoint: &Endpoint,
    language: Language,
    options: &LoginOptions,
    auth_config_id: Option<&str>,
) -> Result<HttpRequest> {
    let username = validate_name("username", &options.username)?;
    validate_password(&options.password)?;
    let source = match (options.source.unwrap_or_default(), auth_config_id) {
        (UserSource::Ldap, Some(_)) => UserSource::Authn,
        (source, _) => source,
    };
    let mut body = object([
        ("username", username.into()),
        ("password", options.password.expose().into()),
        ("source", source.as_str().into()),
    ]);
    if let (Json::Object(entries), Some(id)) = (&mut body, auth_config_id) {
        entries.push(("auth_config_id".into(), id.into()));
    }
    let body = body.to_text();
    Ok(HttpRequest {
        method: Method::Post,
        url: endpoint.v2_url("login"),
        operation: "login".to_owned(),
        idempotent: false,
        language,
        authorization: None,
        body: Some(body),
    })
}

/// Whether a login needs an `auth_config_id` discovered first.
pub fn needs_strategy(options: &LoginOptions) -> bool {
    options.auth_config_id.is_none()
        && matches!(options.source, Some(UserSource::Ldap | UserSource::Authn))
}

/// The one strategy a `LDAP`/`AUTHN` login without `authConfigId` can use.
pub fn choose_strategy(source: UserSource, strategies: &[AuthnStrategy]) -> Result<String> {
    let candidates: Vec<&AuthnStrategy> = strategies
        .iter()
        .filter(|s| source != UserSource::Ldap || s.kind.eq_ignore_ascii_case("LDAP"))
        .collect();
    match candidates.as_slice() {
        [only] => Ok(only.id.clone()),
        [] => Err(Error::invalid_argument(
            "authConfigId",
            "the server lists no matching authentication strategy (authnStrategies); pass authConfigId explicitly",
        )),
        many => Err(Error::invalid_argument(
            "authConfigId",
            format!(
                "the server lists {} matching authentication strategies ({}); pass authConfigId to choose one",
                many.len(),
                many.iter()
                    .map(|s| format!("{} {}", s.kind, s.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The token of a login answer. A second-factor challenge, in any of the shapes servers use, is
/// `MFA_REQUIRED`; a refused login is `UNAUTHORIZED` with the server's message.
pub fn parse_login(response: &HttpResponse) -> Result<Secret> {
    const OPERATION: &str = "login";
    if response.is_success() {
        let Body::Json(value) = &response.body else {
            return Err(
                Error::new(ErrorCode::Decode, "login: the answer is not JSON")
                    .with_status(response.status)
                    .with_request_id(response.request_id.clone())
                    .with_operation(OPERATION),
            );
        };
        let data = value.get("data");
        if let Some(token) = data.get("token").as_str().filter(|token| !token.is_empty()) {
            // A token is sent back as a header value: one that cannot be (a line break, a
            // space) would fail every later request, so the login fails now instead.
            return validate_credential("token", token).map_err(|_| {
                Error::new(
                    ErrorCode::Decode,
                    "login: the answer's token cannot be sent as a header value (it is too short, or holds spaces or control characters)",
                )
                .with_status(response.status)
                .with_request_id(response.request_id.clone())
                .with_operation(OPERATION)
            });
        }
        // A field named for a second factor that is set (`mfaEnabled: false` is not a challenge).
        let challenge = data.as_object().is_some_and(|fields| {
            fields.iter().any(|(key, value)| {
                looks_like_mfa(key)
                    && !matches!(value, Json::Null | Json::Bool(false))
                    && value.as_str() != Some("")
            })
        });
        if challenge {
            return Err(mfa_error(OPERATION, "", response));
        }
        // No excerpt: an unexpected login answer could hold a token under another name.
        return Err(
            Error::new(ErrorCode::Decode, "login: the answer carries no token")
                .with_status(response.status)
                .with_request_id(response.request_id.clone())
                .with_operation(OPERATION),
        );
    }
    let mut error = error_from_status(OPERATION, response);
    let server_code = error
        .details
        .error_body
        .as_ref()
        .and_then(|b| b.code.clone())
        .unwrap_or_default();
    if error.code == ErrorCode::MfaRequired
        || looks_like_mfa(&error.message)
        || looks_like_mfa(&server_code)
    {
        let mut mfa = mfa_error(OPERATION, &error.message, response);
        mfa.details.error_body = error.details.error_body.take();
        return Err(mfa);
    }
    if matches!(response.status, 400 | 401 | 403) {
        error.code = ErrorCode::Unauthorized;
        return Err(error);
    }
    Err(error)
}

/// Whether a refused login should be followed by a look at `authnStrategies` for the hint of
/// `directory_hint`: a wrong password of a user who gave no `source`.
pub fn wants_directory_hint(options: &LoginOptions, error: &Error) -> bool {
    options.source.is_none() && error.code == ErrorCode::Unauthorized
}

/// A directory user who forgets `source` is told only "incorrect username or password" (the
/// server looked for a local user): when the server lists an LDAP strategy, say so.
pub fn directory_hint(mut error: Error, strategies: &[AuthnStrategy]) -> Error {
    let directory = strategies
        .iter()
        .any(|s| s.kind.to_ascii_uppercase().contains("LDAP"));
    if directory {
        error.message.push_str(
            " (this CloudTower also authenticates users from an LDAP directory: a directory user must log in with source \"LDAP\", CLI --source LDAP)",
        );
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::operations::lookup;

    fn endpoint() -> Endpoint {
        Endpoint::parse("https://tower.example").unwrap()
    }

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            request_id: Some("rid".into()),
            ..HttpResponse::from_text(status, body)
        }
    }

    fn login_options(source: Option<UserSource>) -> LoginOptions {
        LoginOptions {
            username: " admin ".into(),
            password: Secret::new("pw\"canary"),
            source,
            auth_config_id: None,
        }
    }

    #[test]
    fn calls_carry_the_credential_only_where_the_operation_takes_one() {
        let key = Secret::new("key-1");
        let vms = call_request(
            &endpoint(),
            &lookup("get-vms").unwrap(),
            Some(&key),
            Language::ZhCn,
            None,
        )
        .unwrap();
        assert_eq!(vms.url, "https://tower.example/v2/api/get-vms");
        assert_eq!(vms.body.as_deref(), Some("{}"));
        assert_eq!(
            vms.authorization.as_ref().map(Secret::expose),
            Some("key-1")
        );
        assert!(vms.idempotent);
        let version = call_request(
            &endpoint(),
            &lookup("get-version").unwrap(),
            Some(&key),
            Language::EnUs,
            Some("{}".into()),
        )
        .unwrap();
        assert_eq!(
            (
                version.method,
                version.body.is_none(),
                version.authorization.is_none()
            ),
            (Method::Get, true, true)
        );
        let start = call_request(
            &endpoint(),
            &lookup("start-vm").unwrap(),
            Some(&key),
            Language::EnUs,
            Some("{\"where\":{}}".into()),
        )
        .unwrap();
        assert!(!start.idempotent);
        let basic = call_request(
            &endpoint(),
            &lookup("resource-changes").unwrap(),
            Some(&key),
            Language::EnUs,
            None,
        )
        .unwrap_err();
        assert_eq!(basic.code, ErrorCode::Unsupported);
    }

    #[test]
    fn login_bodies_follow_login_input() {
        let request =
            login_request(&endpoint(), Language::EnUs, &login_options(None), None).unwrap();
        let body: serde_json::Value =
            serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"username": "admin", "password": "pw\"canary", "source": "LOCAL"})
        );
        assert!(request.authorization.is_none());
        let ldap = login_request(
            &endpoint(),
            Language::EnUs,
            &login_options(Some(UserSource::Ldap)),
            Some("cfg1"),
        )
        .unwrap();
        let body: serde_json::Value = serde_json::from_str(ldap.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            (body["source"].as_str(), body["auth_config_id"].as_str()),
            (Some("AUTHN"), Some("cfg1"))
        );
        assert!(needs_strategy(&login_options(Some(UserSource::Ldap))));
        assert!(!needs_strategy(&login_options(None)));
        let mut blank = login_options(None);
        blank.username = "  ".into();
        assert_eq!(
            login_request(&endpoint(), Language::EnUs, &blank, None)
                .unwrap_err()
                .message,
            "username: must not be empty or whitespace"
        );
    }

    #[test]
    fn strategy_discovery_needs_exactly_one_match() {
        let ldap = AuthnStrategy {
            id: "s1".into(),
            kind: "LDAP".into(),
        };
        let oidc = AuthnStrategy {
            id: "s2".into(),
            kind: "OIDC".into(),
        };
        assert_eq!(
            choose_strategy(UserSource::Ldap, &[ldap.clone(), oidc.clone()]).unwrap(),
            "s1"
        );
        assert!(
            choose_strategy(UserSource::Ldap, std::slice::from_ref(&oidc))
                .unwrap_err()
                .message
                .contains("no matching")
        );
        let error = choose_strategy(UserSource::Authn, &[ldap, oidc]).unwrap_err();
        assert!(
            error.message.contains("2 matching") && error.message.contains("s2"),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_refused_login_without_source_hints_at_ldap_when_a_directory_is_listed() {
        let refused = parse_login(&answer(
            400,
            r#"{"message":"Incorrect username or password","status":400,"path":"/v2/api/login"}"#,
        ))
        .unwrap_err();
        assert!(wants_directory_hint(&login_options(None), &refused));
        assert!(!wants_directory_hint(
            &login_options(Some(UserSource::Local)),
            &refused
        ));
        let ldap = AuthnStrategy {
            id: "s1".into(),
            kind: "LDAP".into(),
        };
        let oidc = AuthnStrategy {
            id: "s2".into(),
            kind: "OIDC".into(),
        };
        let hinted = directory_hint(refused.clone(), &[oidc.clone(), ldap]);
        assert!(
            hinted
                .message
                .starts_with("Incorrect username or password (")
                && hinted.message.contains("source \"LDAP\""),
            "{}",
            hinted.message
        );
        assert_eq!((hinted.code, hinted.status), (ErrorCode::Unauthorized, 400));
        assert_eq!(directory_hint(refused.clone(), &[oidc]), refused);
        assert_eq!(directory_hint(refused.clone(), &[]), refused);
    }

    #[test]
    fn v2_bad_credentials_in_every_shape() {
        let key = Secret::new("key-canary-99");
        for body in [
            r#"{"message":"Invalid credential","status":401,"path":"/v2/api/get-vms"}"#,
            "",
            "Unauthorized: key-canary-99 is not valid",
        ] {
            let error = error_from_status("get-vms", &answer(401, body)).redact(&[&key]);
            assert_eq!(
                (error.code, error.status),
                (ErrorCode::Unauthorized, 401),
                "{body}"
            );
            assert!(!format!("{error:?}").contains("key-canary-99"));
        }
    }

    #[test]
    fn login_answers_in_every_shape() {
        let token = parse_login(&answer(
            200,
            r#"{"task_id":null,"data":{"token":"tok-12345"}}"#,
        ))
        .unwrap();
        assert_eq!(token.expose(), "tok-12345");
        for unusable in ["tok-12\\n345", "tok 12345", "short"] {
            let body = format!(r#"{{"data":{{"token":"{unusable}"}}}}"#);
            let error = parse_login(&answer(200, &body)).unwrap_err();
            assert_eq!(error.code, ErrorCode::Decode, "{unusable}");
            assert!(!error.message.contains("tok-"), "{}", error.message);
        }
        let not_a_challenge = parse_login(&answer(
            200,
            r#"{"data":{"token":null,"mfaEnabled":false}}"#,
        ))
        .unwrap_err();
        assert_eq!(not_a_challenge.code, ErrorCode::Decode);
        let challenge = parse_login(&answer(200, r#"{"task_id":null,"data":{"mfa_meta":{"type":"Mail","recipient":"b***@example.com","valid":300}}}"#)).unwrap_err();
        assert_eq!(challenge.code, ErrorCode::MfaRequired);
        assert!(
            challenge.message.contains("API key"),
            "{}",
            challenge.message
        );
        let refused = parse_login(&answer(403, r#"{"message":"Two-factor authentication is enabled for this user: a verification code is required","status":403,"path":"/v2/api/login","code":"MFA_REQUIRED"}"#)).unwrap_err();
        assert_eq!(refused.code, ErrorCode::MfaRequired);
        assert!(refused
            .message
            .starts_with("Two-factor authentication is enabled"));
        assert!(refused.details.error_body.is_some());
        let wrong = parse_login(&answer(
            400,
            r#"{"message":"Incorrect username or password","status":400,"path":"/v2/api/login"}"#,
        ))
        .unwrap_err();
        assert_eq!(
            (wrong.code, wrong.message.as_str()),
            (ErrorCode::Unauthorized, "Incorrect username or password")
        );
        assert_eq!(wrong.request_id.as_deref(), Some("rid"));
        // The third shape: an error with a message and no code.
        for (status, body) in [
            (
                400,
                r#"{"message":"Two-factor authentication is enabled for this user","status":400,"path":"/v2/api/login"}"#,
            ),
            (
                403,
                r#"{"message":"请输入验证码","status":403,"path":"/v2/api/login"}"#,
            ),
            (401, "Two-factor authentication required"),
        ] {
            let mfa = parse_login(&answer(status, body)).unwrap_err();
            assert_eq!(mfa.code, ErrorCode::MfaRequired, "{body}");
            assert!(mfa.message.contains("API key"), "{}", mfa.message);
        }
        let down = parse_login(&answer(503, "<html>unavailable</html>")).unwrap_err();
        assert_eq!(down.code, ErrorCode::Http);
        let odd = parse_login(&answer(200, r#"{"data":{"session":"tok-secret"}}"#)).unwrap_err();
        assert_eq!(odd.code, ErrorCode::Decode);
        assert!(!odd.message.contains("tok-secret"));
    }
}
