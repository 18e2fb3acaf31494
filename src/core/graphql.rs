//! GraphQL: the documents the client sends (constants; user input travels only in
//! `variables`) and the reading of `{ data, errors }` envelopes.

use super::endpoint::Endpoint;
use super::error::{Error, ErrorCode, GraphqlError, Result};
use super::json::{object, quote, At, Json};
use super::model::{ApiKey, ApiKeyRecord, AuthnStrategy, DeleteApiKeyResult, User};
use super::request::{HttpRequest, HttpResponse, Language, Method};
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

fn build(
    endpoint: &Endpoint,
    authorization: Option<&Secret>,
    language: Language,
    query: &str,
    operation_name: Option<&str>,
    variables_json: Option<&str>,
    is_query: bool,
) -> HttpRequest {
    let mut body = String::from("{\"query\":");
    quote(query, &mut body);
    if let Some(variables) = variables_json {
        body.push_str(",\"variables\":");
        body.push_str(variables);
    }
    if let Some(name) = operation_name {
        body.push_str(",\"operationName\":");
        quote(name, &mut body);
    }
    body.push('}');
    HttpRequest {
        method: Method::Post,
        url: endpoint.graphql_url(),
        operation: operation_name.unwrap_or("graphql").to_owned(),
        idempotent: is_query,
        language,
        authorization: authorization.cloned(),
        body: Some(body),
    }
}

/// A request for one of the client's own documents; `variables` is an object.
pub fn request(
    endpoint: &Endpoint,
    authorization: Option<&Secret>,
    language: Language,
    document: Document,
    variables: Option<Json>,
) -> HttpRequest {
    build(
        endpoint,
        authorization,
        language,
        document.text,
        Some(document.operation_name),
        variables.map(|variables| variables.to_text()).as_deref(),
        document.is_query,
    )
}

/// `{ "<name>": value }`: the variables of the client's one-argument documents.
pub fn variables(name: &str, value: &str) -> Option<Json> {
    Some(object([(name, value.into())]))
}

/// A request for a caller's document (`client.graphql(query, variables)`). `variables_json`
/// is already JSON text of an object (made by `JSON.stringify`), embedded as it is.
pub fn custom_request(
    endpoint: &Endpoint,
    authorization: Option<&Secret>,
    language: Language,
    query: &str,
    variables_json: Option<&str>,
) -> Result<HttpRequest> {
    if query.trim().is_empty() {
        return Err(Error::invalid_argument("query", "must not be empty"));
    }
    if variables_json.is_some_and(|text| !(text.starts_with('{') && text.ends_with('}'))) {
        return Err(Error::invalid_argument("variables", "must be an object"));
    }
    let mut request = build(
        endpoint,
        authorization,
        language,
        query,
        None,
        variables_json,
        is_query_document(query),
    );
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
    let name = after_keyword
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or_default();
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

/// `{ data, errors }` as read from an answer.
#[derive(Debug)]
pub struct Envelope {
    pub data: Option<Json>,
    pub errors: Vec<GraphqlError>,
}

/// Reads an answer into an envelope. Non-2xx answers without a GraphQL body are classified
/// like any HTTP error (a proxy's 502 page, a 401 `ErrorBody`).
pub fn read_envelope(operation: &str, response: &HttpResponse) -> Result<Envelope> {
    let body = response.json();
    let is_envelope = body.as_object().is_some() && (body.has("data") || body.has("errors"));
    if !is_envelope {
        return Err(if response.is_success() {
            decode_error(operation, response, "the answer is not a GraphQL response")
        } else {
            error_from_status(operation, response)
        });
    }
    let errors = match body.get("errors") {
        Json::Null => Vec::new(),
        Json::Array(errors) => errors.iter().cloned().map(GraphqlError).collect(),
        // Off the GraphQL spec, but still a failure the caller must see.
        single => vec![GraphqlError(single.clone())],
    };
    let data = Some(body.get("data").clone()).filter(|data| !data.is_null());
    Ok(Envelope { data, errors })
}

impl Envelope {
    /// `data`, or the error that `errors` describe.
    pub fn into_data(self, operation: &str, response: &HttpResponse) -> Result<Json> {
        if !self.errors.is_empty() {
            return Err(graphql_error(operation, response, self.errors, self.data));
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

/// Reads `data.<field>` of a typed document with `read`.
pub fn parse_field<T>(
    document: Document,
    field: &str,
    response: &HttpResponse,
    read: impl FnOnce(At<'_>) -> std::result::Result<T, String>,
) -> Result<T> {
    let operation = document.operation_name;
    let data = read_envelope(operation, response)?.into_data(operation, response)?;
    if !data.has(field) {
        let problem = match data {
            Json::Object(_) => format!("data.{field} is missing"),
            _ => "data is not an object".to_owned(),
        };
        return Err(decode_error(operation, response, &problem));
    }
    read(At::root(&data, "data").field(field))
        .map_err(|problem| decode_error(operation, response, &problem))
}

/// The new key. An answer that does not read as one keeps its `data` on the error, since it may
/// carry a key all the same: the caller revokes any key it finds there.
pub fn parse_create_api_key(response: &HttpResponse) -> Result<ApiKey> {
    let operation = CREATE_API_KEY.operation_name;
    let data = read_envelope(operation, response)?.into_data(operation, response)?;
    ApiKey::read(At::root(&data, "data").field("createApiKey")).map_err(|problem| {
        let mut error = decode_error(operation, response, &problem);
        error.details.data = Some(data.clone());
        error
    })
}

/// A missing key means it is already gone: the caller wanted it revoked, and it is. Servers say
/// "missing" in three shapes (see `says_missing`); anything else is an error. The caller
/// redacts the key from any error (the older shape echoes it).
pub fn parse_delete_api_key(response: &HttpResponse) -> Result<DeleteApiKeyResult> {
    parse_deletion(DELETE_API_KEY, response)
}

pub fn parse_delete_api_key_by_id(response: &HttpResponse) -> Result<DeleteApiKeyResult> {
    parse_deletion(DELETE_API_KEY_BY_ID, response)
}

/// Prisma 1's error for a where-unique lookup that found nothing (`NodeNotFoundForWhereError`):
/// "No Node for the model ApiKey with value <v> for <field> found", with this numeric top-level
/// `code`. CloudTower's schema builder generated Prisma-1-style deletes, so an older server can
/// answer this; code and wording together name exactly "no such key", nothing else.
const PRISMA_NODE_NOT_FOUND: f64 = 3039.0;

/// Whether an error says the key to delete does not exist: `extensions.code: "NOT_FOUND"`, or
/// Prisma 1's code 3039 with its wording for the ApiKey model. A message alone (or a code alone)
/// is not enough: guessing "gone" wrongly would report a live key as revoked.
fn says_missing(error: &GraphqlError) -> bool {
    if error.code() == Some("NOT_FOUND") {
        return true;
    }
    let message = error.message();
    error.top_level_code() == Some(PRISMA_NODE_NOT_FOUND)
        && message.starts_with("No Node for the model ApiKey with value ")
        && message.ends_with(" found")
}

fn parse_deletion(document: Document, response: &HttpResponse) -> Result<DeleteApiKeyResult> {
    let operation = document.operation_name;
    let envelope = read_envelope(operation, response)?;
    if !envelope.errors.is_empty() && envelope.errors.iter().all(says_missing) {
        return Ok(DeleteApiKeyResult {
            id: None,
            already_revoked: true,
        });
    }
    let data = envelope.into_data(operation, response)?;
    if !data.has("deleteApiKey") {
        // An answer that says nothing about the key is not "already revoked".
        return Err(decode_error(
            operation,
            response,
            "data.deleteApiKey is missing",
        ));
    }
    let deleted = At::root(&data, "data").field("deleteApiKey");
    if deleted.value.is_null() {
        return Ok(DeleteApiKeyResult {
            id: None,
            already_revoked: true,
        });
    }
    let id = deleted
        .field("id")
        .id()
        .map_err(|problem| decode_error(operation, response, &problem))?;
    Ok(DeleteApiKeyResult {
        id: Some(id),
        already_revoked: false,
    })
}

/// A server without the `apiKeys` query fails validation on it: that is `UNSUPPORTED`, not a
/// GraphQL error the caller could fix.
pub fn parse_list_api_keys(response: &HttpResponse) -> Result<Vec<ApiKeyRecord>> {
    parse_field(LIST_API_KEYS, "apiKeys", response, |keys| {
        keys.list(ApiKeyRecord::read)
    })
    .map_err(|error: Error| {
        let missing_field = error.details.graphql_errors.as_ref().is_some_and(|errors| {
            errors
                .iter()
                .any(|e| e.message().contains("Cannot query field \"apiKeys\""))
        });
        let mut error = error;
        if missing_field {
            error.code = ErrorCode::Unsupported;
            error.message = "this CloudTower has no apiKeys query, so keys cannot be listed; keep track of the keys you issue".into();
        }
        error
    })
}

pub fn parse_my(response: &HttpResponse) -> Result<User> {
    parse_field(MY, "my", response, |my| {
        User::read(my.object()?.field("user"))
    })
}

/// The evidence says `logout: String!` (what the string holds is not documented); older or
/// other servers answer a boolean. Any scalar is a success except `false`, which can only mean
/// the session was not ended.
pub fn parse_logout(response: &HttpResponse) -> Result<()> {
    let ended = parse_field(LOGOUT, "logout", response, |logout| match logout.value {
        Json::Array(_) | Json::Object(_) => Err(format!("{} is not a scalar", logout.path())),
        value => Ok(value.as_bool() != Some(false)),
    })?;
    if ended {
        return Ok(());
    }
    Err(Error::new(
        ErrorCode::Graphql,
        "logout: the server answered false: the session may still be valid",
    )
    .with_status(response.status)
    .with_request_id(response.request_id.clone())
    .with_operation(LOGOUT.operation_name))
}

pub fn parse_authn_strategies(response: &HttpResponse) -> Result<Vec<AuthnStrategy>> {
    parse_field(AUTHN_STRATEGIES, "authnStrategies", response, |list| {
        list.list(AuthnStrategy::read)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Endpoint {
        Endpoint::parse("https://tower.example").unwrap()
    }

    fn ok(body: &str) -> HttpResponse {
        HttpResponse::from_text(200, body)
    }

    #[test]
    fn user_input_travels_only_in_variables() {
        let name = "\"}) { id } } mutation evil { deleteApiKey(where: {key: \"x";
        let request = request(
            &endpoint(),
            Some(&Secret::new("tok")),
            Language::EnUs,
            CREATE_API_KEY,
            variables("name", name),
        );
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
            Some("{\"n\":\"数\"}"),
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
        assert!(custom_request(&endpoint(), None, Language::EnUs, "{ x }", Some("{bad")).is_err());
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
        let answer = HttpResponse::from_text;
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
        assert_eq!(
            partial.details.data,
            crate::core::json::parse(r#"{"a":1,"b":null}"#)
        );
        for body in ["", "{", "[1]", "{\"x\":1}", "<html>"] {
            let error = read_envelope("q", &ok(body)).unwrap_err();
            assert_eq!(error.code, ErrorCode::Decode, "{body}");
        }
        let shape = parse_my(&ok(r#"{"data":{"my":{"id":1}}}"#)).unwrap_err();
        assert_eq!(shape.code, ErrorCode::Decode);
        let bad_gateway = HttpResponse::from_text(502, "<html>Bad Gateway</html>");
        assert_eq!(
            read_envelope("q", &bad_gateway).unwrap_err().code,
            ErrorCode::Http
        );
    }
}
