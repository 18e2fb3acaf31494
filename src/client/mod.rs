//! The inner client: settings, the credential and the request loop, with the flows in the
//! modules named for them (`session`, `keys`, `tasks`, `pages`). Plain Rust over the transport;
//! it knows nothing of `#[wasm_bindgen]` (the facade in `lib.rs` converts and delegates).

mod failover;
mod keys;
mod pages;
mod session;
mod tasks;

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use web_sys::AbortSignal;

use crate::convert;
use crate::core::endpoint::Endpoint;
use crate::core::error::{Error, ErrorCode};
use crate::core::failover::{self as pairs, Strategy, NOT_HERE};
use crate::core::graphql::{self, Document};
use crate::core::json::Json;
use crate::core::operations::Operation;
use crate::core::request::{
    validate_credential, validate_optional_timeout, HttpRequest, HttpResponse, Language,
};
use crate::core::response;
use crate::core::retry::{self, Failure, RetryPolicy};
use crate::core::secret::{AuthKind, Credential, Secret};
use crate::core::v2;
use crate::hooks::Hooks;
use crate::options::{CallOptions, ClientOptions};
use crate::transport::{self, Exchange, Transport};

use failover::Pair;
pub use pages::{Pager, Step};

const DEFAULT_TIMEOUT_MS: u32 = 30_000;

/// What every request of one client shares; derived clients (`withApiKey`) share it too.
struct Settings {
    /// The endpoint requests are built on; with a pair, its first node, and each attempt is
    /// moved to the active node.
    endpoint: Endpoint,
    /// An active/passive pair (`endpoints`), or `None` for one endpoint.
    pair: Option<Rc<Pair>>,
    language: Language,
    timeout_ms: u32,
    transport: Transport,
    retry: RetryPolicy,
    hooks: Hooks,
}

/// Resolved per-call settings.
#[derive(Clone)]
pub struct Call {
    pub language: Language,
    pub timeout_ms: u32,
    pub signal: Option<AbortSignal>,
}

/// A CloudTower client: shared settings and one credential cell. Cloning gives another handle
/// to the same client (what an async flow holds).
#[derive(Clone)]
pub struct Client {
    settings: Rc<Settings>,
    /// Replaced whole, never mutated in place, and only read by cloning, so no borrow is held
    /// across an await and a call never sees a half-set credential.
    credential: Rc<RefCell<Rc<Credential>>>,
}

impl Client {
    pub fn new(options: ClientOptions) -> Result<Self, Error> {
        let transport = Transport::new(options.fetch)?;
        let (endpoint, pair) = match (options.endpoint, options.endpoints) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid_argument(
                    "options",
                    "pass endpoint or endpoints, not both",
                ))
            }
            (Some(endpoint), None) => {
                if options.failover.is_some() || options.probe_timeout_ms.is_some() {
                    return Err(Error::invalid_argument(
                        "options",
                        "failover and probeTimeoutMs apply to endpoints (an active/passive pair) only",
                    ));
                }
                (Endpoint::parse(&endpoint)?, None)
            }
            (None, Some(list)) => {
                let nodes = list
                    .iter()
                    .enumerate()
                    .map(|(i, node)| {
                        Endpoint::parse(node).map_err(|e| {
                            let problem =
                                e.message.strip_prefix("endpoint: ").unwrap_or(&e.message);
                            Error::invalid_argument(&format!("options.endpoints[{i}]"), problem)
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                pairs::distinct(&nodes)?;
                let Some(first) = nodes.first().cloned() else {
                    return Err(Error::invalid_argument(
                        "options.endpoints",
                        "must list at least one endpoint",
                    ));
                };
                let probe_timeout_ms = validate_optional_timeout(
                    "options.probeTimeoutMs",
                    options.probe_timeout_ms,
                    pairs::DEFAULT_PROBE_TIMEOUT_MS,
                )?;
                let pair = Pair::new(
                    nodes,
                    options.failover.unwrap_or_default(),
                    probe_timeout_ms,
                    transport.clone(),
                );
                (first, Some(Rc::new(pair)))
            }
            (None, None) => {
                return Err(Error::invalid_argument(
                    "options.endpoint",
                    "is required (or options.endpoints, for an active/passive pair)",
                ))
            }
        };
        let timeout_ms =
            validate_optional_timeout("options.timeoutMs", options.timeout_ms, DEFAULT_TIMEOUT_MS)?;
        let credential = match (options.token, options.api_key) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid_argument(
                    "options",
                    "pass token or apiKey, not both",
                ))
            }
            (Some(token), None) => Credential::Token(validate_credential("options.token", &token)?),
            (None, Some(key)) => Credential::ApiKey(validate_credential("options.apiKey", &key)?),
            (None, None) => Credential::None,
        };
        Ok(Self {
            settings: Rc::new(Settings {
                endpoint,
                pair,
                language: options.language.unwrap_or_default(),
                timeout_ms,
                transport,
                retry: options.retry,
                hooks: Hooks::new(options.on_request, options.on_response),
            }),
            credential: Rc::new(RefCell::new(Rc::new(credential))),
        })
    }

    /// A client with the same settings and its own credential.
    pub fn with_credential(&self, credential: Credential) -> Self {
        Self {
            settings: self.settings.clone(),
            credential: Rc::new(RefCell::new(Rc::new(credential))),
        }
    }

    pub fn endpoint(&self) -> &str {
        self.settings.endpoint.as_str()
    }

    /// The node in use: the endpoint, or for a pair the active node once found (`None`
    /// before the first request and after a node was lost).
    pub fn active_endpoint(&self) -> Option<String> {
        match &self.settings.pair {
            None => Some(self.endpoint().to_owned()),
            Some(pair) => pair.active_endpoint().map(|e| e.as_str().to_owned()),
        }
    }

    pub fn auth_kind(&self) -> AuthKind {
        self.credential().kind()
    }

    fn credential(&self) -> Rc<Credential> {
        self.credential.borrow().clone()
    }

    fn set_credential(&self, credential: Credential) {
        *self.credential.borrow_mut() = Rc::new(credential);
    }

    /// The secrets an error of this client must never show.
    pub fn secrets(&self) -> Vec<Secret> {
        self.credential().secret().cloned().into_iter().collect()
    }

    /// The per-call settings: the client's, overridden by `options`.
    pub fn call(&self, options: CallOptions) -> Result<Call, Error> {
        Ok(Call {
            language: options.language.unwrap_or(self.settings.language),
            timeout_ms: validate_optional_timeout(
                "options.timeoutMs",
                options.timeout_ms,
                self.settings.timeout_ms,
            )?,
            signal: options.signal,
        })
    }

    /// The client's settings with only a signal of the caller's.
    pub fn call_with_signal(&self, signal: Option<AbortSignal>) -> Call {
        Call {
            language: self.settings.language,
            timeout_ms: self.settings.timeout_ms,
            signal,
        }
    }

    /// One logical request: attempts until success, a final failure, or the retry policy says
    /// stop (it never retries a request that is not idempotent). Boxed: every flow awaits it,
    /// and one copy of its state machine keeps the wasm small.
    /// `envelope`: the answer is one the core reads, so its size is limited.
    fn send<'a>(
        &'a self,
        request: &'a HttpRequest,
        call: &'a Call,
        envelope: bool,
    ) -> Pin<Box<dyn Future<Output = Result<Exchange, Error>> + 'a>> {
        Box::pin(self.attempts(request, call, envelope))
    }

    async fn attempts(
        &self,
        request: &HttpRequest,
        call: &Call,
        envelope: bool,
    ) -> Result<Exchange, Error> {
        let settings = &self.settings;
        let mut attempt = 1;
        let mut redirected = false;
        loop {
            let routed = match &settings.pair {
                Some(pair) => Some(self.route(pair, request, call).await?),
                None => None,
            };
            let sent = routed.as_ref().map_or(request, |(_, routed)| routed);
            settings.hooks.before(sent, attempt);
            let started = js_sys::Date::now();
            let result = settings
                .transport
                .send(sent, call.timeout_ms, call.signal.as_ref(), envelope)
                .await;
            settings
                .hooks
                .after(sent, attempt, js_sys::Date::now() - started, &result);
            if let (Some(pair), Some((node, _))) = (&settings.pair, &routed) {
                let status = result.as_ref().map(|e| e.status).map_err(|e| e.code);
                if pairs::loses_node(status) || status == Ok(NOT_HERE) {
                    pair.lost(*node);
                }
                let operation = &request.operation;
                match status {
                    // Not performed on that node: safe to send again, mutations included.
                    Ok(NOT_HERE) if pair.strategy() == Strategy::Manual => {
                        return Err(pairs::failover_required(
                            pair.endpoints(),
                            node.index,
                            operation,
                        ))
                    }
                    Ok(NOT_HERE) if redirected => {
                        return Err(pairs::redirected_again(
                            pair.endpoints(),
                            node.index,
                            operation,
                        ))
                    }
                    Ok(NOT_HERE) => {
                        redirected = true;
                        continue;
                    }
                    _ => {}
                }
            }
            let failure = match &result {
                Ok(exchange) if (200..300).contains(&exchange.status) => return result,
                Ok(exchange) if exchange.status < 200 || (300..400).contains(&exchange.status) => {
                    return Err(response::redirect_refused(
                        request,
                        exchange.status,
                        exchange.location.as_deref(),
                        settings.pair.is_some(),
                    )
                    .with_request_id(exchange.request_id.clone()))
                }
                Ok(exchange) => Failure::Status {
                    status: exchange.status,
                    retry_after: exchange.retry_after.as_deref(),
                },
                Err(error) if error.code == ErrorCode::Network => Failure::Network,
                Err(_) => return result,
            };
            let delay = retry::next_delay(
                &settings.retry,
                attempt,
                request.idempotent,
                failure,
                js_sys::Math::random(),
                js_sys::Date::now(),
            );
            match delay {
                Some(ms) => transport::sleep(ms, call.signal.as_ref()).await?,
                None => return result,
            }
            attempt += 1;
        }
    }

    /// `request` moved to the pair's active node (found first if needed).
    async fn route(
        &self,
        pair: &Rc<Pair>,
        request: &HttpRequest,
        call: &Call,
    ) -> Result<(failover::Node, HttpRequest), Error> {
        let node = pair.node(call).await?;
        let url = pairs::rebase(
            &request.url,
            &self.settings.endpoint,
            &pair.endpoints()[node.index],
        )
        .ok_or_else(|| Error::invalid_argument("url", "is not on a configured endpoint"))?;
        Ok((
            node,
            HttpRequest {
                url,
                ..request.clone()
            },
        ))
    }

    /// Sends a request whose answer is an envelope the core reads.
    async fn send_envelope(
        &self,
        request: &HttpRequest,
        call: &Call,
    ) -> Result<HttpResponse, Error> {
        let exchange = self.send(request, call, true).await?;
        envelope(&request.operation, &exchange)
    }

    /// Sends a v2 call; a non-2xx answer becomes the classified error. The body of a success
    /// stays a JS string (`envelope`: one of at most a few megabytes).
    pub async fn v2_exchange(
        &self,
        operation: &Operation,
        body: Option<String>,
        call: &Call,
        envelope: bool,
    ) -> Result<Exchange, Error> {
        let credential = self.credential();
        let request = v2::call_request(
            &self.settings.endpoint,
            operation,
            credential.secret(),
            call.language,
            body,
        )?;
        let exchange = self.send(&request, call, envelope).await?;
        if !(200..300).contains(&exchange.status) {
            return Err(response::error_from_status(
                operation.name,
                &self::envelope(operation.name, &exchange)?,
            ));
        }
        Ok(exchange)
    }

    /// `call(operation, body)`: the answer parsed by `JSON.parse`, checked to be of the kind the
    /// operation returns.
    pub async fn call_operation(
        &self,
        operation: &Operation,
        body: Option<String>,
        call: &Call,
    ) -> Result<wasm_bindgen::JsValue, Error> {
        let exchange = self.v2_exchange(operation, body, call, false).await?;
        let value = convert::parse_json(&exchange.body, operation.name)
            .map_err(|e| with_exchange(e, &exchange))?;
        operation
            .check_response_kind(convert::json_kind(&value))
            .map_err(|e| with_exchange(e, &exchange))?;
        Ok(value)
    }

    /// A v2 call whose (small) answer the core reads.
    async fn v2_envelope(
        &self,
        operation: &Operation,
        body: Option<String>,
        call: &Call,
    ) -> Result<(Exchange, HttpResponse), Error> {
        let exchange = self.v2_exchange(operation, body, call, true).await?;
        let response = envelope(operation.name, &exchange)?;
        Ok((exchange, response))
    }

    /// Runs one of the client's GraphQL documents and reads its answer with `parse`.
    async fn run_document<T>(
        &self,
        document: Document,
        variables: Option<Json>,
        parse: fn(&HttpResponse) -> Result<T, Error>,
        call: &Call,
    ) -> Result<T, Error> {
        let credential = self.credential();
        let request = graphql::request(
            &self.settings.endpoint,
            credential.secret(),
            call.language,
            document,
            variables,
        );
        parse(&self.send_envelope(&request, call).await?)
    }

    /// `graphql(query, variables)`: a caller's document; resolves with `data`.
    pub async fn graphql(
        &self,
        query: &str,
        variables_json: Option<&str>,
        call: &Call,
    ) -> Result<wasm_bindgen::JsValue, Error> {
        let credential = self.credential();
        let request = graphql::custom_request(
            &self.settings.endpoint,
            credential.secret(),
            call.language,
            query,
            variables_json,
        )?;
        let answer = self.send_envelope(&request, call).await?;
        let data = graphql::read_envelope(&request.operation, &answer)?
            .into_data(&request.operation, &answer)?;
        Ok(convert::from_json(&data))
    }

    /// Key management needs a token: refuse early and clearly otherwise.
    fn require_token(&self, action: &str) -> Result<(), Error> {
        match self.auth_kind() {
            AuthKind::Token => Ok(()),
            AuthKind::ApiKey => Err(Error::invalid_argument(
                "credential",
                format!("{action} needs a token, and this client holds an API key: CloudTower does not let an API key manage keys; use login() or withToken()"),
            )),
            AuthKind::None => Err(Error::new(
                ErrorCode::Unauthorized,
                format!("{action} needs a token: call login() first, or create the client with a token"),
            )),
        }
    }
}

/// An exchange's body handed to the core as an envelope; one refused for its size is a clean
/// error (`DECODE`, or `HTTP` for an error status) that says how large it was.
fn envelope(operation: &str, exchange: &Exchange) -> Result<HttpResponse, Error> {
    if let Some(size) = exchange.oversized {
        let code = if (200..300).contains(&exchange.status) {
            ErrorCode::Decode
        } else {
            ErrorCode::Http
        };
        let message = format!(
            "{operation}: the answer (HTTP {}) has {size}, more than the {} bytes read for an answer the client decodes; it was refused unparsed",
            exchange.status,
            transport::MAX_ENVELOPE_BYTES
        );
        return Err(with_exchange(Error::new(code, message), exchange).with_operation(operation));
    }
    Ok(convert::envelope(
        exchange.status,
        exchange.request_id.clone(),
        &exchange.body,
    ))
}

pub fn with_exchange(error: Error, exchange: &Exchange) -> Error {
    error
        .with_status(exchange.status)
        .with_request_id(exchange.request_id.clone())
}
