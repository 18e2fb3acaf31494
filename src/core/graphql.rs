//! GraphQL: the documents the client sends (constants; user input travels only in
//! `variables`) and the reading of `{ data, errors }` envelopes.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::endpoint::Endpoint;
use super::error::{Error, ErrorCode, GraphqlError, Result};
use super::model::{ApiKey, ApiKeyRecord, AuthnStrategy, DeleteApiKeyResult, User};
use super::operations::Method;
use super::request::{HttpRequest, HttpResponse, Language};
use super::response::{decode_error, error_from_status, graphql_error};
use super::secret::Secret;

/// A GraphQL document the client sends, with its operation name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Document {
    pub operation_name: &'static str,
    pub text: &'static str,
    /// Queries may be retried; mutations are never sent twice by the client.
    pub is_query: bool,
}

pub const CREATE_API_KEY: Document = Document {
    operation_name: "createApiKey",
    text: "mutation createApiKey($name: String!) { createApiKey(data: { name: $name }) { id key name roles { id preset } } }",
    is_query: false,
};

pub const DELETE_API_KEY: Document = Document {
    operation_name: "deleteApiKey",
    text: "mutation deleteApiKey($key: String!) { deleteApiKey(where: { key: $key }) { id } }",
    is_query: false,
};

/// Revokes a listed key, whose secret the lister does not have, by its id.
pub const DELETE_API_KEY_BY_ID: Document = Document {
    operation_name: "deleteApiKeyById",
    text: "mutation deleteApiKeyById($id: ID!) { deleteApiKey(where: { id: $id }) { id } }",
    is_query: false,
};

pub const LIST_API_KEYS: Document = Document {
    operation_name: "apiKeys",
    text: "query apiKeys { apiKeys { id name description editable username roles { id preset } } }",
    is_query: true,
};

pub const LOGOUT: Document = Document {
    operation_name: "logout",
    text: "mutation logout { logout }",
    is_query: false,
};

/// `my: My!` with `type My { user: User! }`: the shape of the only public CloudTower schema, and
/// the fields CloudTower's own UI asks for (a subset: nothing it does not show).
pub const MY: Document = Document {
    operation_name: "my",
    text: "query my { my { user { id username name source roles { id name preset } } } }",
    is_query: true,
};

pub const AUTHN_STRATEGIES: Document = Document {
    operation_name: "authnStrategies",
    text: "query authnStrategies { authnStrategies { id type } }",
    is_query: true,
};

#[derive(Serialize)]
struct Body<'a, V: Serialize> {
    query: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    variables: Option<V>,
    #[serde(rename = "operationName", skip_serializing_if = "Option::is_none")]
    operation_name: Option<&'a str>,
}

fn build<V: Serialize>(
    endpoint: &Endpoint,
    authorization: Option<&Secret>,
    language: Language,
    query: &str,
    operation_name: Option<&str>,
    variables: Option<V>,
    is_query: bool,
) -> Result<HttpRequest> {
    let body = serde_json::to_string(&Body {
        query,
        variables,
        operation_name,
    })
    .map_err(|e| Error::invalid_argument("variables", e))?;
    Ok(HttpRequest {
        method: Method::Post,
        url: endpoint.graphql_url(),
        operation: operation_name.unwrap_or("graphql").to_owned(),
        idempotent: is_query,
        language,
        authorization: authorization.cloned(),
        body: Some(body),
    })
}

/// A request for one of the client's own documents.
pub fn request<V: Serialize>(
    endpoint: &Endpoint,
    authorization: Option<&Secret>,
    language: Language,
    document: Document,
    variables: Option<V>,
) -> Result<HttpRequest> {
    build(
        endpoint,
        authorization,
        language,
        document.text,
        Some(document.operation_name),
        variables,
        document.is_query,
    )
}

/// A request for a caller's document (`client.graphql(query, variables)`). `variables_json`
/// is already JSON text (serialised in JS), so it is embedded without being re-parsed.
pub fn custom_request(
    endpoint: &Endpoint,
    authorization: Option<&Secret>,
    language: Language,
    query: &str,
    variables_json: Option<String>,
) -> Result<HttpRequest> {
    if query.trim().is_empty() {
        return Err(Error::invalid_argument("query", "must not be empty"));
    }
    let variables = variables_json
        .map(RawValue::from_string)
        .transpose()
        .map_err(|e| Error::invalid_argument("variables", e))?;
    let is_query = is_query_document(query);
    let mut request = build(
        endpoint,
        authorization,
        language,
        query,
        None,
        variables,
        is_query,
    )?;
    if let Some(name) = document_operation_name(query) {
        request.operation = name.to_owned();
    }
    Ok(request)
}

/// The name of a document's first operation (`query apiKeys { ... }` → `apiKeys`), so errors
/// and hooks name it; the shorthand `{ ... }` and anonymous operations have none.
fn document_operation_name(query: &str) -> Option<&str> {
    let mut rest = query.trim_start();
    while let Some(comment) = rest.strip_prefix('#') {
        rest = comment
            .split_once('\n')
            .map_or("", |(_, after)| after)
            .trim_start();
    }
    let after_keyword = ["query", "mutation", "subscription"]
        .iter()
        .find_map(|keyword| rest.strip_prefix(keyword))?
        .trim_start();
    let end = after_keyword
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(after_keyword.len());
    let name = &after_keyword[..end];
    (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
}

/// Whether a caller's document is a query (retry-safe). Anything that is not plainly a query
/// or the `{ ... }` shorthand counts as a mutation.
fn is_query_document(query: &str) -> bool {
    let significant = query
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ");
    let trimmed = significant.trim_start();
    trimmed.starts_with('{') || (trimmed.starts_with("query") && !trimmed.contains("mutation"))
}

/// `{ data, errors }` as read from an answer; `data` stays raw JSON until a caller knows its type.
#[derive(Debug)]
pub struct Envelope {
    pub data: Option<Box<RawValue>>,
    pub errors: Vec<GraphqlError>,
}

#[derive(Deserialize)]
struct RawEnvelope {
    #[serde(default)]
    data: Option<Box<RawValue>>,
    #[serde(default)]
    errors: Option<Vec<GraphqlError>>,
}

/// Reads an answer into an envelope. Non-2xx answers without a GraphQL body are classified
/// like any HTTP error (a proxy's 502 page, a 401 `ErrorBody`).
pub fn read_envelope(operation: &str, response: &HttpResponse<'_>) -> Result<Envelope> {
    // serde would also read a struct from a JSON array: an envelope is only ever an object.
    let parsed = if response.body.trim_start().starts_with('{') {
        serde_json::from_str::<RawEnvelope>(response.body)
    } else {
        serde_json::from_str::<RawEnvelope>("null")
    };
    match parsed {
        Ok(raw) if raw.data.is_some() || raw.errors.is_some() => Ok(Envelope {
            data: raw.data.filter(|data| data.get() != "null"),
            errors: raw.errors.unwrap_or_default(),
        }),
        _ if !response.is_success() => Err(error_from_status(operation, response)),
        _ => Err(decode_error(
            operation,
            response,
            "the answer is not a GraphQL response",
        )),
    }
}

impl Envelope {
    /// `data`, or the error that `errors` describe.
    pub fn into_data(self, operation: &str, response: &HttpResponse<'_>) -> Result<Box<RawValue>> {
        if !self.errors.is_empty() {
            let data = self.data.map(|data| data.get().to_owned());
            return Err(graphql_error(operation, response, self.errors, data));
        }
        self.data.ok_or_else(|| {
            decode_error(
                operation,
                response,
                "the answer has neither data nor errors",
            )
        })
    }
}

/// Reads `data.<field>` of a typed document.
pub fn parse_field<T: DeserializeOwned>(
    document: Document,
    field: &str,
    response: &HttpResponse<'_>,
) -> Result<T> {
    let operation = document.operation_name;
    let data = read_envelope(operation, response)?.into_data(operation, response)?;
    let mut object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(data.get())
        .map_err(|e| {
        decode_error(operation, response, &format!("data is not an object ({e})"))
    })?;
    let value = object
        .remove(field)
        .ok_or_else(|| decode_error(operation, response, &format!("data.{field} is missing")))?;
    serde_json::from_value(value).map_err(|e| {
        Error::new(
            ErrorCode::Decode,
            format!("{operation}: data.{field} is not as documented ({e})"),
        )
        .with_status(response.status)
        .with_request_id(response.request_id.clone())
        .with_operation(operation)
    })
}

#[derive(Serialize)]
pub struct NameVariables<'a> {
    pub name: &'a str,
}

#[derive(Serialize)]
pub struct KeyVariables<'a> {
    pub key: &'a str,
}

#[derive(Serialize)]
pub struct IdVariables<'a> {
    pub id: &'a str,
}

pub fn parse_create_api_key(response: &HttpResponse<'_>) -> Result<ApiKey> {
    parse_field(CREATE_API_KEY, "createApiKey", response)
}

/// A missing key means it is already gone: the caller wanted it revoked, and it is. Servers say
/// "missing" in three shapes (see `already_revoked`); anything else is an error. The caller
/// redacts the key from any error (the older shape echoes it).
pub fn parse_delete_api_key(response: &HttpResponse<'_>) -> Result<DeleteApiKeyResult> {
    parse_deletion(DELETE_API_KEY, response)
}

pub fn parse_delete_api_key_by_id(response: &HttpResponse<'_>) -> Result<DeleteApiKeyResult> {
    parse_deletion(DELETE_API_KEY_BY_ID, response)
}

/// Prisma 1's error for a where-unique lookup that found nothing (`NodeNotFoundForWhereError`):
/// "No Node for the model ApiKey with value <v> for <field> found", with this numeric top-level
/// `code`. CloudTower's schema builder generated Prisma-1-style deletes, so an older server can
/// answer this; code and wording together name exactly "no such key", nothing else.
const PRISMA_NODE_NOT_FOUND: i64 = 3039;

/// Whether an error says the key to delete does not exist: `extensions.code: "NOT_FOUND"`, or
/// Prisma 1's code 3039 with its wording for the ApiKey model. A message alone (or a code alone)
/// is not enough: guessing "gone" wrongly would report a live key as revoked.
fn says_missing(error: &GraphqlError) -> bool {
    if error.code() == Some("NOT_FOUND") {
        return true;
    }
    let prisma_code = error
        .top_level_code
        .as_ref()
        .and_then(serde_json::Value::as_i64);
    prisma_code == Some(PRISMA_NODE_NOT_FOUND)
        && error
            .message
            .starts_with("No Node for the model ApiKey with value ")
        && error.message.ends_with(" found")
}

fn parse_deletion(document: Document, response: &HttpResponse<'_>) -> Result<DeleteApiKeyResult> {
    #[derive(Deserialize)]
    struct Deleted {
        id: String,
    }
    #[derive(Deserialize)]
    struct Data {
        #[serde(rename = "deleteApiKey")]
        delete_api_key: Option<Deleted>,
    }
    let operation = document.operation_name;
    let envelope = read_envelope(operation, response)?;
    if !envelope.errors.is_empty() && envelope.errors.iter().all(says_missing) {
        return Ok(DeleteApiKeyResult {
            id: None,
            already_revoked: true,
        });
    }
    let data = envelope.into_data(operation, response)?;
    let data: Data = serde_json::from_str(data.get())
        .map_err(|e| decode_error(operation, response, &format!("unexpected data ({e})")))?;
    Ok(match data.delete_api_key {
        Some(deleted) => DeleteApiKeyResult {
            id: Some(deleted.id),
            already_revoked: false,
        },
        None => DeleteApiKeyResult {
            id: None,
            already_revoked: true,
        },
    })
}

/// A server without the `apiKeys` query fails validation on it: that is `UNSUPPORTED`, not a
/// GraphQL error the caller could fix.
pub fn parse_list_api_keys(response: &HttpResponse<'_>) -> Result<Vec<ApiKeyRecord>> {
    parse_field(LIST_API_KEYS, "apiKeys", response).map_err(|error: Error| {
        let missing_field = error.details.graphql_errors.as_ref().is_some_and(|errors| {
            errors
                .iter()
                .any(|e| e.message.contains("Cannot query field \"apiKeys\""))
        });
        if missing_field {
            Error {
                code: ErrorCode::Unsupported,
                message: "this CloudTower has no apiKeys query, so keys cannot be listed; keep track of the keys you issue".into(),
                ..error
            }
        } else {
            error
        }
    })
}

pub fn parse_my(response: &HttpResponse<'_>) -> Result<User> {
    #[derive(Deserialize)]
    struct My {
        user: User,
    }
    parse_field::<My>(MY, "my", response).map(|my| my.user)
}

/// The evidence says `logout: String!` (what the string holds is not documented); older or
/// other servers answer a boolean. Any scalar is a success except `false`, which can only mean
/// the session was not ended.
pub fn parse_logout(response: &HttpResponse<'_>) -> Result<()> {
    use serde_json::Value;
    match parse_field::<Value>(LOGOUT, "logout", response)? {
        Value::Bool(false) => Err(Error::new(
            ErrorCode::Graphql,
            "logout: the server answered false: the session may still be valid",
        )
        .with_status(response.status)
        .with_request_id(response.request_id.clone())
        .with_operation(LOGOUT.operation_name)),
        Value::Array(_) | Value::Object(_) => Err(decode_error(
            LOGOUT.operation_name,
            response,
            "data.logout is not a scalar",
        )),
        _ => Ok(()),
    }
}

pub fn parse_authn_strategies(response: &HttpResponse<'_>) -> Result<Vec<AuthnStrategy>> {
    parse_field(AUTHN_STRATEGIES, "authnStrategies", response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Endpoint {
        Endpoint::parse("https://tower.example").unwrap()
    }

    fn ok(body: &str) -> HttpResponse<'_> {
        HttpResponse {
            status: 200,
            request_id: Some("r1".into()),
            body,
        }
    }

    #[test]
    fn user_input_travels_only_in_variables() {
        let name = "\"}) { id } } mutation evil { deleteApiKey(where: {key: \"x";
        let request = request(
            &endpoint(),
            Some(&Secret::new("tok")),
            Language::EnUs,
            CREATE_API_KEY,
            Some(NameVariables { name }),
        )
        .unwrap();
        let body: serde_json::Value =
            serde_json::from_str(request.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["query"], CREATE_API_KEY.text);
        assert_eq!(body["variables"]["name"], name);
        assert_eq!(body["operationName"], "createApiKey");
        assert_eq!(request.url, "https://tower.example/api");
        assert!(!request.idempotent);
    }

    #[test]
    fn documents_match_the_documented_api_key_flow() {
        assert!(CREATE_API_KEY
            .text
            .contains("createApiKey(data: { name: $name })"));
        assert!(DELETE_API_KEY
            .text
            .contains("deleteApiKey(where: { key: $key })"));
        const { assert!(MY.is_query && LIST_API_KEYS.is_query && AUTHN_STRATEGIES.is_query) };
        const { assert!(!LOGOUT.is_query && !DELETE_API_KEY.is_query) };
    }

    #[test]
    fn custom_documents_embed_variables_verbatim_and_know_queries_from_mutations() {
        let request = custom_request(
            &endpoint(),
            None,
            Language::ZhCn,
            "query q($n: String) { my { id } }",
            Some("{\"n\":\"数\"}".into()),
        )
        .unwrap();
        assert_eq!(
            request.body.as_deref(),
            Some("{\"query\":\"query q($n: String) { my { id } }\",\"variables\":{\"n\":\"数\"}}")
        );
        assert!(request.idempotent);
        for mutation in [
            "mutation { logout }",
            "  # query\nmutation m { logout }",
            "subscription s { x }",
        ] {
            let request =
                custom_request(&endpoint(), None, Language::EnUs, mutation, None).unwrap();
            assert!(!request.idempotent, "{mutation}");
        }
        assert!(
            custom_request(&endpoint(), None, Language::EnUs, "{ my { id } }", None)
                .unwrap()
                .idempotent
        );
        assert!(custom_request(&endpoint(), None, Language::EnUs, "  ", None).is_err());
        for (document, name) in [
            ("query apiKeys { apiKeys { id } }", "apiKeys"),
            ("# comment\nmutation  rotate_1($x: ID) { a }", "rotate_1"),
            ("query($n: String) { my { id } }", "graphql"),
            ("{ my { id } }", "graphql"),
            ("subscription s { x }", "s"),
        ] {
            assert_eq!(
                custom_request(&endpoint(), None, Language::EnUs, document, None)
                    .unwrap()
                    .operation,
                name,
                "{document}"
            );
        }
        assert!(custom_request(
            &endpoint(),
            None,
            Language::EnUs,
            "{ x }",
            Some("{bad".into())
        )
        .is_err());
    }

    #[test]
    fn reads_a_new_key() {
        let key = parse_create_api_key(&ok(
            r#"{"data":{"createApiKey":{"id":"k1","key":"secret-key","name":"ci","roles":[{"id":"r1","preset":"ADMIN"}]}}}"#,
        ))
        .unwrap();
        assert_eq!(
            (key.id.as_str(), key.key.expose(), key.name.as_str()),
            ("k1", "secret-key", "ci")
        );
        assert_eq!(key.roles[0].preset.as_deref(), Some("ADMIN"));
    }

    #[test]
    fn deleting_a_missing_key_is_already_revoked() {
        let gone = parse_delete_api_key(&ok(
            r#"{"data":{"deleteApiKey":null},"errors":[{"message":"No ApiKey found","extensions":{"code":"NOT_FOUND"}}]}"#,
        ))
        .unwrap();
        assert_eq!(
            gone,
            DeleteApiKeyResult {
                id: None,
                already_revoked: true
            }
        );
        let null = parse_delete_api_key(&ok(r#"{"data":{"deleteApiKey":null}}"#)).unwrap();
        assert!(null.already_revoked);
        let deleted =
            parse_delete_api_key(&ok(r#"{"data":{"deleteApiKey":{"id":"k1"}}}"#)).unwrap();
        assert_eq!(
            deleted,
            DeleteApiKeyResult {
                id: Some("k1".into()),
                already_revoked: false
            }
        );
        let forbidden = parse_delete_api_key(&ok(
            r#"{"data":null,"errors":[{"message":"API keys cannot manage API keys","extensions":{"code":"FORBIDDEN"}}]}"#,
        ))
        .unwrap_err();
        assert_eq!(forbidden.code, ErrorCode::Forbidden);
    }

    #[test]
    fn a_missing_key_is_already_revoked_in_every_shape_servers_use() {
        let gone = DeleteApiKeyResult {
            id: None,
            already_revoked: true,
        };
        for body in [
            r#"{"data":{"deleteApiKey":null}}"#,
            r#"{"data":{"deleteApiKey":null},"errors":[{"message":"No ApiKey found","extensions":{"code":"NOT_FOUND"}}]}"#,
            r#"{"data":null,"errors":[{"message":"No Node for the model ApiKey with value key-canary-1 for key found","code":3039}]}"#,
            r#"{"errors":[{"message":"No Node for the model ApiKey with value k1 for id found","code":3039,"requestId":"x"}]}"#,
        ] {
            assert_eq!(parse_delete_api_key(&ok(body)).unwrap(), gone, "{body}");
        }
    }

    #[test]
    fn a_delete_error_that_does_not_clearly_say_missing_is_a_graphql_error_without_the_key() {
        for body in [
            // The wording without Prisma's code, the code with other wording, another model.
            r#"{"errors":[{"message":"No Node for the model ApiKey with value key-canary-1 for key found"}]}"#,
            r#"{"errors":[{"message":"key-canary-1 is locked","code":3039}]}"#,
            r#"{"errors":[{"message":"No Node for the model User with value key-canary-1 for key found","code":3039}]}"#,
            r#"{"errors":[{"message":"No Node for the model ApiKey with value key-canary-1 for key found","code":"3039"}]}"#,
            r#"{"data":{"deleteApiKey":null},"errors":[{"message":"key-canary-1: database unavailable","path":["deleteApiKey","key-canary-1"],"extensions":{"code":"INTERNAL_SERVER_ERROR","key":"key-canary-1"}}]}"#,
        ] {
            let error = parse_delete_api_key(&ok(body))
                .unwrap_err()
                .redact(&[&Secret::new("key-canary-1")]);
            assert_eq!(error.code, ErrorCode::Graphql, "{body}");
            assert!(error.message.contains("[REDACTED]"), "{}", error.message);
            let printed = format!("{error:?}");
            assert!(!printed.contains("key-canary-1"), "{printed}");
        }
    }

    #[test]
    fn current_user_reads_my_user() {
        assert!(MY
            .text
            .contains("my { user { id username name source roles"));
        let user = parse_my(&ok(
            r#"{"data":{"my":{"user":{"id":"u1","username":"admin","name":"Admin","source":"LOCAL","roles":[{"id":"r1","name":"Administrator","preset":"ADMIN"}]}}}}"#,
        ))
        .unwrap();
        assert_eq!((user.id.as_str(), user.roles.len()), ("u1", 1));
        // The shape this client once assumed is not silently accepted.
        let flat = parse_my(&ok(
            r#"{"data":{"my":{"id":"u1","username":"admin","name":"Admin","source":"LOCAL","roles":[]}}}"#,
        ))
        .unwrap_err();
        assert_eq!(flat.code, ErrorCode::Decode);
    }

    #[test]
    fn logout_accepts_any_scalar_but_false() {
        for body in [
            r#"{"data":{"logout":"ok"}}"#,
            r#"{"data":{"logout":""}}"#,
            r#"{"data":{"logout":true}}"#,
            r#"{"data":{"logout":1}}"#,
            r#"{"data":{"logout":null}}"#,
        ] {
            assert!(parse_logout(&ok(body)).is_ok(), "{body}");
        }
        assert_eq!(
            parse_logout(&ok(r#"{"data":{"logout":false}}"#))
                .unwrap_err()
                .code,
            ErrorCode::Graphql
        );
        assert_eq!(
            parse_logout(&ok(r#"{"data":{"logout":{"ok":true}}}"#))
                .unwrap_err()
                .code,
            ErrorCode::Decode
        );
    }

    #[test]
    fn bad_credentials_on_graphql_in_every_shape() {
        let answer = |status, body| HttpResponse {
            status,
            request_id: None,
            body,
        };
        let cases = [
            (
                200,
                r#"{"data":null,"errors":[{"message":"Invalid credential","extensions":{"code":"UNAUTHENTICATED"}}]}"#,
                ErrorCode::Unauthorized,
            ),
            (
                401,
                r#"{"message":"Invalid credential","status":401,"path":"/api"}"#,
                ErrorCode::Unauthorized,
            ),
            (
                401,
                r#"{"errors":[{"message":"Invalid credential"}]}"#,
                ErrorCode::Unauthorized,
            ),
            (401, "", ErrorCode::Unauthorized),
            (
                200,
                r#"{"data":null,"errors":[{"message":"Permission denied","extensions":{"code":"FORBIDDEN"}}]}"#,
                ErrorCode::Forbidden,
            ),
            (
                403,
                r#"{"message":"Permission denied","status":403,"path":"/api"}"#,
                ErrorCode::Forbidden,
            ),
            (
                403,
                r#"{"errors":[{"message":"Permission denied"}]}"#,
                ErrorCode::Forbidden,
            ),
            // A message alone is ambiguous: a GRAPHQL error carrying it, never a success.
            (
                200,
                r#"{"data":null,"errors":[{"message":"Invalid credential"}]}"#,
                ErrorCode::Graphql,
            ),
        ];
        for (status, body, code) in cases {
            let error = parse_my(&answer(status, body)).unwrap_err();
            assert_eq!(error.code, code, "{status} {body}");
            if !body.is_empty() {
                assert!(
                    error.message.starts_with("Invalid credential")
                        || error.message.starts_with("Permission denied"),
                    "{}",
                    error.message
                );
            }
        }
    }

    #[test]
    fn a_server_without_the_list_query_is_unsupported() {
        let error = parse_list_api_keys(&ok(
            r#"{"errors":[{"message":"Cannot query field \"apiKeys\" on type \"Query\".","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]}"#,
        ))
        .unwrap_err();
        assert_eq!(error.code, ErrorCode::Unsupported);
        assert!(error.details.graphql_errors.is_some());
    }

    #[test]
    fn partial_data_and_bad_envelopes() {
        let partial = read_envelope(
            "q",
            &ok(r#"{"data":{"a":1,"b":null},"errors":[{"message":"b failed","path":["b"]}]}"#),
        )
        .unwrap()
        .into_data("q", &ok(""))
        .unwrap_err();
        assert_eq!(partial.code, ErrorCode::Graphql);
        assert_eq!(partial.details.data.as_deref(), Some(r#"{"a":1,"b":null}"#));
        for body in ["", "{", "[1]", "{\"x\":1}", "<html>"] {
            let error = read_envelope("q", &ok(body)).unwrap_err();
            assert_eq!(error.code, ErrorCode::Decode, "{body}");
        }
        let shape = parse_my(&ok(r#"{"data":{"my":{"id":1}}}"#)).unwrap_err();
        assert_eq!(shape.code, ErrorCode::Decode);
        let bad_gateway = HttpResponse {
            status: 502,
            ..ok("<html>Bad Gateway</html>")
        };
        assert_eq!(
            read_envelope("q", &bad_gateway).unwrap_err().code,
            ErrorCode::Http
        );
    }
}
