//! The plumbing behind the facade's methods: settings shared by clients, the request loop with
//! retries and hooks, GraphQL documents, key issue and revoke, and argument conversion.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

use crate::core::endpoint::Endpoint;
use crate::core::error::{Error, ErrorCode};
use crate::core::graphql::{self, Document, KeyVariables, NameVariables};
use crate::core::model::ApiKey;
use crate::core::operations;
use crate::core::paging;
use crate::core::request::{
    validate_credential, validate_name, validate_optional_timeout, HttpRequest, HttpResponse,
    Language,
};
use crate::core::retry::{self, Failure, RetryPolicy};
use crate::core::secret::{Credential, Secret};
use crate::core::v2;
use crate::hooks::{optional_function, Hooks};
use crate::js::{from_js, optional_from_js, to_js_error};
use crate::options::{CallOptions, ClientOptions};
use crate::transport::{self, Exchange, Transport};
use crate::CloudTowerClient;

const DEFAULT_TIMEOUT_MS: u32 = 30_000;

/// What every request of one client shares; cloned clients (`withApiKey`) share it too.
pub(crate) struct Settings {
    pub(crate) endpoint: Endpoint,
    pub(crate) language: Language,
    pub(crate) timeout_ms: u32,
    pub(crate) transport: Transport,
    pub(crate) retry: RetryPolicy,
    pub(crate) hooks: Hooks,
}

/// Resolved per-call settings.
pub(crate) struct Call {
    pub(crate) language: Language,
    pub(crate) timeout_ms: u32,
    pub(crate) signal: Option<AbortSignal>,
}

impl CloudTowerClient {
    pub(crate) fn build(options: JsValue) -> Result<Self, Error> {
        let options: ClientOptions = from_js(options, "options")?;
        let endpoint = Endpoint::parse(&options.endpoint)?;
        let timeout_ms =
            validate_optional_timeout("options.timeoutMs", options.timeout_ms, DEFAULT_TIMEOUT_MS)?;
        let fetch = optional_function(options.fetch, "options.fetch")?;
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
        let retry = match options.retry.as_bool() {
            _ if options.retry.is_undefined() || options.retry.is_null() => RetryPolicy::default(),
            Some(true) => RetryPolicy::default(),
            Some(false) => RetryPolicy::OFF,
            None => from_js::<RetryPolicy>(options.retry, "options.retry")?.validate()?,
        };
        Ok(Self {
            settings: Rc::new(Settings {
                endpoint,
                language: options.language.unwrap_or_default(),
                timeout_ms,
                transport: Transport::new(fetch)?,
                retry,
                hooks: Hooks::new(options.on_request, options.on_response)?,
            }),
            credential: Rc::new(RefCell::new(Rc::new(credential))),
        })
    }

    /// Another handle to this client (same settings, same credential cell), for async blocks.
    pub(crate) fn clone_handle(&self) -> Self {
        Self {
            settings: self.settings.clone(),
            credential: self.credential.clone(),
        }
    }

    pub(crate) fn with_credential(&self, credential: Credential) -> Self {
        Self {
            settings: self.settings.clone(),
            credential: Rc::new(RefCell::new(Rc::new(credential))),
        }
    }

    pub(crate) fn current_rc(&self) -> Rc<Credential> {
        self.credential.borrow().clone()
    }

    pub(crate) fn current(&self) -> Rc<Credential> {
        self.current_rc()
    }

    pub(crate) fn set_credential(&self, credential: Credential) {
        *self.credential.borrow_mut() = Rc::new(credential);
    }

    /// Forgets `held` unless a concurrent login already replaced it.
    pub(crate) fn forget_if_current(&self, held: &Rc<Credential>) {
        let mut slot = self.credential.borrow_mut();
        if Rc::ptr_eq(&slot, held) {
            *slot = Rc::new(Credential::None);
        }
    }

    /// The secrets an error of this client must never show.
    pub(crate) fn secrets(&self) -> Vec<Secret> {
        self.current().secret().cloned().into_iter().collect()
    }

    pub(crate) fn call_settings(&self, options: Option<JsValue>) -> Result<Call, Error> {
        let options: CallOptions =
            optional_from_js(options.unwrap_or(JsValue::UNDEFINED), "options")?;
        Ok(Call {
            language: options.language.unwrap_or(self.settings.language),
            timeout_ms: validate_optional_timeout(
                "options.timeoutMs",
                options.timeout_ms,
                self.settings.timeout_ms,
            )?,
            signal: signal_argument(options.signal)?,
        })
    }

    /// One logical request: attempts until success, a final failure, or the retry policy says
    /// stop (it never retries a request that is not idempotent).
    pub(crate) async fn send(&self, request: &HttpRequest, call: &Call) -> Result<Exchange, Error> {
        let settings = &self.settings;
        let mut attempt = 1;
        loop {
            settings.hooks.before(request, attempt);
            let started = js_sys::Date::now();
            let result = settings
                .transport
                .send(request, call.timeout_ms, call.signal.as_ref())
                .await;
            settings
                .hooks
                .after(request, attempt, js_sys::Date::now() - started, &result);
            let failure = match &result {
                Ok(exchange) => Failure::Status {
                    status: exchange.status,
                    retry_after: exchange.retry_after.as_deref(),
                },
                Err(error) if error.code == ErrorCode::Network => Failure::Network,
                Err(_) => return result,
            };
            if matches!(
                failure,
                Failure::Status {
                    status: 200..=299,
                    ..
                }
            ) {
                return result;
            }
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

    /// An exchange whose (small) body is needed in Rust.
    pub(crate) async fn send_text(
        &self,
        request: &HttpRequest,
        call: &Call,
    ) -> Result<(Exchange, String), Error> {
        let exchange = self.send(request, call).await?;
        let text = String::from(&exchange.body);
        Ok((exchange, text))
    }

    /// Sends a v2 call; a non-2xx answer becomes the classified error.
    pub(crate) async fn v2_exchange(
        &self,
        operation: &operations::Operation,
        body: Option<String>,
        call: &Call,
    ) -> Result<Exchange, Error> {
        let credential = self.current_rc();
        let request = v2::call_request(
            &self.settings.endpoint,
            operation,
            credential.secret(),
            call.language,
            body,
        )?;
        let exchange = self.send(&request, call).await?;
        if !(200..300).contains(&exchange.status) {
            let text = String::from(&exchange.body);
            return Err(crate::core::response::error_from_status(
                operation.name,
                &response(&exchange, &text),
            ));
        }
        Ok(exchange)
    }

    pub(crate) async fn count_listing(
        &self,
        listing: &paging::Listing,
        call: &Call,
    ) -> Result<u64, Error> {
        let exchange = self
            .v2_exchange(&listing.connection, Some(listing.count_body()), call)
            .await?;
        let text = String::from(&exchange.body);
        paging::parse_count(listing.connection.name, &text).map_err(|e| with_exchange(e, &exchange))
    }

    pub(crate) async fn run_document<V: serde::Serialize, T>(
        &self,
        document: Document,
        variables: Option<V>,
        parse: fn(&HttpResponse<'_>) -> Result<T, Error>,
        call: &Call,
    ) -> Result<T, Error> {
        let credential = self.current_rc();
        let request = graphql::request(
            &self.settings.endpoint,
            credential.secret(),
            call.language,
            document,
            variables,
        )?;
        let (exchange, text) = self.send_text(&request, call).await?;
        parse(&response(&exchange, &text))
    }

    pub(crate) async fn fetch_strategies(
        &self,
        call: &Call,
    ) -> Result<Vec<crate::core::model::AuthnStrategy>, Error> {
        let request = graphql::request::<()>(
            &self.settings.endpoint,
            None,
            call.language,
            graphql::AUTHN_STRATEGIES,
            None,
        )?;
        let (exchange, text) = self.send_text(&request, call).await?;
        graphql::parse_authn_strategies(&response(&exchange, &text))
    }

    /// Key management needs a token: refuse early and clearly otherwise.
    pub(crate) fn require_token(&self, action: &str) -> Result<(), Error> {
        match self.current().kind() {
            crate::core::secret::AuthKind::Token => Ok(()),
            crate::core::secret::AuthKind::ApiKey => Err(Error::invalid_argument(
                "credential",
                format!("{action} needs a token, and this client holds an API key: CloudTower does not let an API key manage keys; use login() or withToken()"),
            )),
            crate::core::secret::AuthKind::None => Err(Error::new(
                ErrorCode::Unauthorized,
                format!("{action} needs a token: call login() first, or create the client with a token"),
            )),
        }
    }

    pub(crate) async fn issue_key(&self, name: &str, call: &Call) -> Result<ApiKey, Error> {
        self.require_token("createApiKey")?;
        let name = validate_name("name", name)?;
        self.run_document(
            graphql::CREATE_API_KEY,
            Some(NameVariables { name: &name }),
            graphql::parse_create_api_key,
            call,
        )
        .await
        .map_err(|mut error| {
            // The server answered, so it may well have created the key it failed to describe.
            if error.code == ErrorCode::Decode {
                error
                    .message
                    .push_str("; the key may have been created: check listApiKeys()");
            }
            error
        })
    }

    pub(crate) async fn revoke_key(
        &self,
        key: &Secret,
        call: &Call,
    ) -> Result<crate::core::model::DeleteApiKeyResult, Error> {
        self.require_token("deleteApiKey")?;
        let variables = KeyVariables { key: key.expose() };
        self.run_document(
            graphql::DELETE_API_KEY,
            Some(variables),
            graphql::parse_delete_api_key,
            call,
        )
        .await
        .map_err(|e| e.redact(&[key]))
    }
}

pub(crate) fn response<'a>(exchange: &Exchange, text: &'a str) -> HttpResponse<'a> {
    HttpResponse {
        status: exchange.status,
        request_id: exchange.request_id.clone(),
        body: text,
    }
}

pub(crate) fn with_exchange(error: Error, exchange: &Exchange) -> Error {
    error
        .with_status(exchange.status)
        .with_request_id(exchange.request_id.clone())
}

pub(crate) fn operation_argument(value: &JsValue) -> Result<operations::Operation, Error> {
    let name = value
        .as_string()
        .ok_or_else(|| Error::invalid_argument("operation", "must be a string"))?;
    operations::lookup(&name)
}

pub(crate) fn signal_argument(value: JsValue) -> Result<Option<AbortSignal>, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .dyn_into::<AbortSignal>()
        .map(Some)
        .map_err(|_| Error::invalid_argument("options.signal", "must be an AbortSignal"))
}

/// What `deleteApiKey` was given: the key itself, or a listed key's `{ id }`.
pub(crate) enum RevokeTarget {
    Key(Secret),
    Id(String),
}

pub(crate) fn revoke_target(value: &JsValue) -> Result<RevokeTarget, Error> {
    if value.is_string() {
        return secret_argument(value, "key").map(RevokeTarget::Key);
    }
    let id = value
        .is_object()
        .then(|| js_sys::Reflect::get(value, &"id".into()).ok())
        .flatten()
        .and_then(|id| id.as_string())
        .ok_or_else(|| {
            Error::invalid_argument(
                "key",
                "must be the key (a string) or { id } of a listed key",
            )
        })?;
    validate_name("key.id", &id).map(RevokeTarget::Id)
}

pub(crate) fn secret_argument(value: &JsValue, field: &str) -> Result<Secret, Error> {
    let text = value
        .as_string()
        .ok_or_else(|| Error::invalid_argument(field, "must be a string"))?;
    validate_credential(field, &text)
}

pub(crate) fn refs(secrets: &[Secret]) -> Vec<&Secret> {
    secrets.iter().collect()
}

/// Runs `work` as a JS promise; a failure rejects with a `CloudTowerError` from which every
/// secret in `secrets` has been scrubbed.
pub(crate) fn settle<F>(secrets: Vec<Secret>, work: F) -> Promise
where
    F: Future<Output = Result<JsValue, Error>> + 'static,
{
    future_to_promise(async move {
        work.await
            .map_err(|error| to_js_error(error.redact(&refs(&secrets)), None))
    })
}
