//! CloudTower API-key client for the web: log in, issue an API key, call the v2 API with it and
//! revoke it, from browsers and Node, over `fetch`.
//!
//! Layers: [`core`] (pure protocol logic, natively tested) → `transport` (the only I/O) → this
//! file, the `#[wasm_bindgen]` facade, which only converts values and delegates.

pub mod core;
mod hooks;
mod js;
mod paginator;
mod transport;

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use js_sys::{Function, Promise};
use serde::Deserialize;
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortSignal;

use crate::core::endpoint::Endpoint;
use crate::core::error::{Error, ErrorCode};
use crate::core::graphql::{self, Document, KeyVariables, NameVariables};
use crate::core::model::{ApiKey, LoginOptions};
use crate::core::operations;
use crate::core::request::{
    validate_credential, validate_name, validate_timeout, HttpRequest, HttpResponse, Language,
};
use crate::core::retry::{self, Failure, RetryPolicy};
use crate::core::secret::{Credential, Secret};
use crate::core::v2;
use crate::core::{paging, tasks};
use crate::hooks::{optional_function, Hooks};
use crate::js::{from_js, json_kind, parse_json, stringify, to_js, to_js_error};
use crate::paginator::Paginator;
use crate::transport::{Exchange, Transport};

pub use crate::paginator::PaginateOptions;

const DEFAULT_TIMEOUT_MS: u32 = 30_000;

#[wasm_bindgen(typescript_custom_section)]
const TS_APPEND: &'static str = r#"
import type { Operations, OperationName, Task } from "../operations.js";

/** `get-*` operations that list items and have a `-connection` count: what paginate and count take. */
export type ListingOperation = {
  [K in OperationName]: `${K}-connection` extends OperationName
    ? Operations[K]["response"] extends unknown[] ? K : never
    : never;
}[OperationName];
/** The item type of a listing. */
export type ListingItem<Op extends ListingOperation> = Operations[Op]["response"] extends (infer T)[] ? T : never;
/** A listing's body without the paging fields, which paginate sets itself. */
export type ListingBody<Op extends ListingOperation> = Omit<NonNullable<Operations[Op]["body"]>, "first" | "last" | "skip" | "after" | "before">;
/** A listing's `where` filter type. */
export type ListingWhere<Op extends ListingOperation> = NonNullable<Operations[Op]["body"]> extends { where?: infer W } ? NonNullable<W> : never;
/** A mutation result that names its task. */
export interface WithTaskLike { task_id?: string | null; data?: unknown }

/** Async iterator over a listing's items; `pages()` iterates page arrays instead. */
export interface Paginator<T> extends AsyncIterableIterator<T> {
  next(): Promise<IteratorResult<T, undefined>>;
  pages(): AsyncIterableIterator<T[]>;
}

/** `"none"`, `"token"` (after login or withToken) or `"apiKey"`. Never the secret itself. */
export type AuthKind = "none" | "token" | "apiKey";

export interface CloudTowerClient {
  /**
   * Calls any v2 operation of the CloudTower 4.6.0 API and resolves with the parsed JSON exactly
   * as the server sent it. `body` and the result are typed from the API description.
   */
  call<Op extends OperationName>(
    operation: Op,
    ...args: Operations[Op]["body"] extends void
      ? [body?: undefined | null, options?: CallOptions]
      : [body: Operations[Op]["body"], options?: CallOptions]
  ): Promise<Operations[Op]["response"]>;
  /** Sends a GraphQL document; resolves with `data`. Any `errors` reject with code `GRAPHQL`. */
  graphql<T = unknown>(query: string, variables?: Record<string, unknown> | null, options?: CallOptions): Promise<T>;
  /**
   * Issues a key, runs `callback` with a client that uses it, and revokes the key afterwards on
   * every path. Resolves with the callback's result.
   */
  withTemporaryApiKey<T>(options: CreateApiKeyOptions, callback: (client: CloudTowerClient) => T | Promise<T>): Promise<T>;
  /**
   * Iterates every item of a listing, one page in memory at a time:
   * `for await (const vm of client.paginate("get-vms", { where }))`.
   */
  paginate<Op extends ListingOperation>(operation: Op, body?: ListingBody<Op> | null, options?: PaginateOptions): Paginator<ListingItem<Op>>;
  /** The number of items `operation` would list for `where`, from its `-connection` twin. */
  count<Op extends ListingOperation>(operation: Op, where?: ListingWhere<Op> | null, options?: CallOptions): Promise<number>;
  /**
   * Waits until every task ended; resolves with the final tasks, rejects `TASK_FAILED`
   * (with `failedTasks`) or `TIMEOUT`. Accepts task ids or the `WithTask` results of a mutation.
   */
  waitForTasks(tasks: string | string[] | WithTaskLike | WithTaskLike[], options?: WaitOptions): Promise<Task[]>;
}
"#;

/// `new CloudTowerClient(options)`.
#[derive(Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientOptions {
    /// `http:` or `https:` origin of the CloudTower, optionally with a path prefix.
    pub endpoint: String,
    /// `content-language` of every request: `"en-US"` (default), `"zh-CN"` or `"*"`.
    #[tsify(optional)]
    pub language: Option<Language>,
    /// Deadline of each HTTP exchange, 1 to 3600000 ms; default 30000.
    #[tsify(optional)]
    pub timeout_ms: Option<f64>,
    /// A `fetch` to use instead of the global one (e.g. undici's with a custom TLS agent).
    #[tsify(
        optional,
        type = "(input: string, init: RequestInit) => Promise<Response>"
    )]
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub fetch: JsValue,
    /// Start with this token.
    #[tsify(optional)]
    pub token: Option<String>,
    /// Start with this API key.
    #[tsify(optional)]
    pub api_key: Option<String>,
    /// Retries of reads (`get-*`, GraphQL queries) on network errors, 429, 502, 503 and 504;
    /// `false` switches them off. Mutations are never retried.
    #[tsify(optional, type = "RetryPolicy | boolean")]
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub retry: JsValue,
    /// Called before every HTTP attempt with a summary (no headers, no bodies).
    #[tsify(optional, type = "(summary: RequestSummary) => void")]
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub on_request: JsValue,
    /// Called after every HTTP attempt with a summary (no headers, no bodies).
    #[tsify(optional, type = "(summary: ResponseSummary) => void")]
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub on_response: JsValue,
}

/// Per-call options.
#[derive(Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CallOptions {
    /// Aborts the call (code `ABORTED`).
    #[tsify(optional, type = "AbortSignal")]
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub signal: JsValue,
    /// Overrides the client's deadline for this call.
    #[tsify(optional)]
    pub timeout_ms: Option<f64>,
    /// Overrides the client's language for this call.
    #[tsify(optional)]
    pub language: Option<Language>,
}

/// `waitForTasks` options.
#[derive(Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct WaitOptions {
    /// Pause between polling rounds; default 1000 ms.
    #[tsify(optional)]
    pub interval_ms: Option<f64>,
    /// Give up (code `TIMEOUT`) after this long; default 300000 ms.
    #[tsify(optional)]
    pub timeout_ms: Option<f64>,
    #[tsify(optional, type = "AbortSignal")]
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub signal: JsValue,
    /// Called after each round that found tasks still running.
    #[tsify(
        optional,
        type = "(progress: { ended: number; total: number; progress: number }) => void"
    )]
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub on_progress: JsValue,
}

#[derive(Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyOptions {
    pub name: String,
}

#[derive(Deserialize, Tsify)]
#[serde(deny_unknown_fields)]
pub struct RotateApiKeyOptions {
    /// The key to replace; it stays valid if any step fails.
    pub key: String,
    /// Name of the new key.
    pub name: String,
}

/// What every request of one client shares; cloned clients (`withApiKey`) share it too.
struct Settings {
    endpoint: Endpoint,
    language: Language,
    timeout_ms: u32,
    transport: Transport,
    retry: RetryPolicy,
    hooks: Hooks,
}

/// Resolved per-call settings.
struct Call {
    language: Language,
    timeout_ms: u32,
    signal: Option<AbortSignal>,
}

/// A CloudTower client: one credential (none, a token or an API key) and many concurrent calls.
#[wasm_bindgen]
pub struct CloudTowerClient {
    settings: Rc<Settings>,
    /// Replaced whole, never mutated in place, and only read by cloning, so no borrow is held
    /// across an await and a call never sees a half-set credential.
    credential: Rc<RefCell<Rc<Credential>>>,
}

#[wasm_bindgen]
impl CloudTowerClient {
    #[wasm_bindgen(constructor)]
    pub fn new(options: Ts<ClientOptions>) -> Result<CloudTowerClient, JsValue> {
        Self::build(options.into()).map_err(|e| to_js_error(e, None))
    }

    /// Which credential the client holds.
    #[wasm_bindgen(getter, js_name = authKind, unchecked_return_type = "AuthKind")]
    pub fn auth_kind(&self) -> String {
        self.current().kind().as_str().to_owned()
    }

    /// The normalised endpoint.
    #[wasm_bindgen(getter)]
    pub fn endpoint(&self) -> String {
        self.settings.endpoint.as_str().to_owned()
    }

    /// Logs in with a password; the client then holds a token. Users with two-factor
    /// authentication get `MFA_REQUIRED`: scripts should use an API key.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn login(
        &self,
        options: Ts<LoginOptions>,
        call_options: Option<Ts<CallOptions>>,
    ) -> Promise {
        let this = self.clone_handle();
        let options = from_js::<LoginOptions>(options.into(), "options");
        let secrets = options
            .as_ref()
            .map(|o| vec![o.password.clone()])
            .unwrap_or_default();
        settle(secrets, async move {
            let options = options?;
            let call = this.call_settings(call_options.map(JsValue::from))?;
            let auth_config_id = match &options.auth_config_id {
                Some(id) => Some(validate_name("authConfigId", id)?),
                None if v2::needs_strategy(&options) => {
                    let strategies = this.fetch_strategies(&call).await?;
                    Some(v2::choose_strategy(
                        options.source.unwrap_or_default(),
                        &strategies,
                    )?)
                }
                None => None,
            };
            let request = v2::login_request(
                &this.settings.endpoint,
                call.language,
                &options,
                auth_config_id.as_deref(),
            )?;
            let (exchange, text) = this.send_text(&request, &call).await?;
            let token = v2::parse_login(&response(&exchange, &text))?;
            this.set_credential(Credential::Token(token));
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Ends the session of a token (server-side) and forgets the credential. An API key is only
    /// forgotten, not revoked: use `deleteApiKey` for that.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn logout(&self, call_options: Option<Ts<CallOptions>>) -> Promise {
        let this = self.clone_handle();
        let held = this.current_rc();
        settle(this.secrets(), async move {
            if let Credential::Token(token) = held.as_ref() {
                let call = this.call_settings(call_options.map(JsValue::from))?;
                let request = graphql::request::<()>(
                    &this.settings.endpoint,
                    Some(token),
                    call.language,
                    graphql::LOGOUT,
                    None,
                )?;
                let (exchange, text) = this.send_text(&request, &call).await?;
                match graphql::parse_logout(&response(&exchange, &text)) {
                    Ok(_) => {}
                    // Already invalid on the server: the goal, a dead session, is reached.
                    Err(error) if error.code == ErrorCode::Unauthorized => {}
                    Err(error) => return Err(error),
                }
            }
            this.forget_if_current(&held);
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Issues an API key (needs a token). The result is the only place the key is ever shown.
    #[wasm_bindgen(js_name = createApiKey, unchecked_return_type = "Promise<ApiKey>")]
    pub fn create_api_key(
        &self,
        options: Ts<CreateApiKeyOptions>,
        call_options: Option<Ts<CallOptions>>,
    ) -> Promise {
        let this = self.clone_handle();
        let options = from_js::<CreateApiKeyOptions>(options.into(), "options");
        settle(this.secrets(), async move {
            let call = this.call_settings(call_options.map(JsValue::from))?;
            let key = this.issue_key(&options?.name, &call).await?;
            to_js(&key)
        })
    }

    /// Revokes an API key (needs a token), given the key itself or `{ id }` (as listed by
    /// `listApiKeys`). A key that no longer exists resolves with `alreadyRevoked: true`.
    #[wasm_bindgen(js_name = deleteApiKey, unchecked_return_type = "Promise<DeleteApiKeyResult>")]
    pub fn delete_api_key(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | { id: string }")] key: JsValue,
        call_options: Option<Ts<CallOptions>>,
    ) -> Promise {
        let this = self.clone_handle();
        let target = revoke_target(&key);
        let mut secrets = this.secrets();
        if let Ok(RevokeTarget::Key(secret)) = &target {
            secrets.push(secret.clone());
        }
        settle(secrets, async move {
            let call = this.call_settings(call_options.map(JsValue::from))?;
            let result = match target? {
                RevokeTarget::Key(secret) => this.revoke_key(&secret, &call).await?,
                RevokeTarget::Id(id) => {
                    this.require_token("deleteApiKey")?;
                    this.run_document(
                        graphql::DELETE_API_KEY_BY_ID,
                        Some(graphql::IdVariables { id: &id }),
                        graphql::parse_delete_api_key_by_id,
                        &call,
                    )
                    .await?
                }
            };
            to_js(&result)
        })
    }

    /// Lists API keys without their secrets; `UNSUPPORTED` when the server has no such query.
    #[wasm_bindgen(js_name = listApiKeys, unchecked_return_type = "Promise<ApiKeyRecord[]>")]
    pub fn list_api_keys(&self, call_options: Option<Ts<CallOptions>>) -> Promise {
        let this = self.clone_handle();
        settle(this.secrets(), async move {
            let call = this.call_settings(call_options.map(JsValue::from))?;
            let keys = this
                .run_document(
                    graphql::LIST_API_KEYS,
                    None::<()>,
                    graphql::parse_list_api_keys,
                    &call,
                )
                .await?;
            to_js(&keys)
        })
    }

    /// The user behind the current credential (GraphQL `my`).
    #[wasm_bindgen(js_name = currentUser, unchecked_return_type = "Promise<User>")]
    pub fn current_user(&self, call_options: Option<Ts<CallOptions>>) -> Promise {
        let this = self.clone_handle();
        settle(this.secrets(), async move {
            let call = this.call_settings(call_options.map(JsValue::from))?;
            let user = this
                .run_document(graphql::MY, None::<()>, graphql::parse_my, &call)
                .await?;
            to_js(&user)
        })
    }

    /// Authentication strategies the server offers (needs no credential).
    #[wasm_bindgen(js_name = authnStrategies, unchecked_return_type = "Promise<AuthnStrategy[]>")]
    pub fn authn_strategies(&self, call_options: Option<Ts<CallOptions>>) -> Promise {
        let this = self.clone_handle();
        settle(this.secrets(), async move {
            let call = this.call_settings(call_options.map(JsValue::from))?;
            to_js(&this.fetch_strategies(&call).await?)
        })
    }

    /// A new client with the same options that uses `key`.
    #[wasm_bindgen(js_name = withApiKey)]
    pub fn with_api_key(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
    ) -> Result<CloudTowerClient, JsValue> {
        let key = secret_argument(&key, "key").map_err(|e| to_js_error(e, None))?;
        Ok(self.with_credential(Credential::ApiKey(key)))
    }

    /// A new client with the same options that uses `token`.
    #[wasm_bindgen(js_name = withToken)]
    pub fn with_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    ) -> Result<CloudTowerClient, JsValue> {
        let token = secret_argument(&token, "token").map_err(|e| to_js_error(e, None))?;
        Ok(self.with_credential(Credential::Token(token)))
    }

    #[wasm_bindgen(js_name = withTemporaryApiKey, skip_typescript)]
    pub fn with_temporary_api_key(&self, options: JsValue, callback: JsValue) -> Promise {
        let this = self.clone_handle();
        let options = from_js::<CreateApiKeyOptions>(options, "options");
        let callback = callback
            .dyn_into::<Function>()
            .map_err(|_| Error::invalid_argument("callback", "must be a function"));
        let secrets = this.secrets();
        future_to_promise(async move {
            let redacting = |error: Error| to_js_error(error.redact(&refs(&secrets)), None);
            let (options, callback) = match (options, callback) {
                (Ok(options), Ok(callback)) => (options, callback),
                (Err(error), _) | (_, Err(error)) => return Err(redacting(error)),
            };
            let call = this.call_settings(None).map_err(redacting)?;
            let key = this
                .issue_key(&options.name, &call)
                .await
                .map_err(redacting)?;
            let keyed = this.with_credential(Credential::ApiKey(key.key.clone()));
            let outcome = match callback.call1(&JsValue::UNDEFINED, &keyed.into()) {
                Ok(value) => JsFuture::from(Promise::resolve(&value)).await,
                Err(thrown) => Err(thrown),
            };
            let revoked = this.revoke_key(&key.key, &call).await.map_err(|error| {
                let mut all = refs(&secrets);
                all.push(&key.key);
                let mut error = error.redact(&all).with_step("revoke temporary key");
                error.message = format!(
                    "{}; the temporary key {} is still valid: revoke it with deleteApiKey({{ id: \"{}\" }})",
                    error.message, key.id, key.id
                );
                error
            });
            match (outcome, revoked) {
                (Ok(value), Ok(_)) => Ok(value),
                (Ok(_), Err(revoke_error)) => Err(to_js_error(revoke_error, None)),
                (Err(thrown), Ok(_)) => Err(thrown),
                (Err(thrown), Err(revoke_error)) => {
                    // The callback's error wins; the failed revoke rides along on it.
                    if thrown.is_object() {
                        let _ = js_sys::Reflect::set(
                            &thrown,
                            &"revokeError".into(),
                            &to_js_error(revoke_error, None),
                        );
                    }
                    Err(thrown)
                }
            }
        })
    }

    /// Replaces `key` with a new key named `name`: check the old key is live, issue, prove the
    /// new key works, revoke the old one. If any step fails the old key stays valid and the
    /// error's `step` says which.
    #[wasm_bindgen(js_name = rotateApiKey, unchecked_return_type = "Promise<ApiKey>")]
    pub fn rotate_api_key(
        &self,
        options: Ts<RotateApiKeyOptions>,
        call_options: Option<Ts<CallOptions>>,
    ) -> Promise {
        let this = self.clone_handle();
        let options = from_js::<RotateApiKeyOptions>(options.into(), "options");
        let mut secrets = this.secrets();
        if let Ok(options) = &options {
            secrets.push(Secret::new(&options.key));
        }
        settle(secrets, async move {
            let options = options?;
            let call = this.call_settings(call_options.map(JsValue::from))?;
            validate_name("name", &options.name)?;
            let old = validate_credential("key", &options.key)?;
            // A mistyped or already revoked key would "rotate" into a second key while the
            // real old one stays valid: make sure it is a live key first.
            this.with_credential(Credential::ApiKey(old.clone()))
                .run_document(graphql::MY, None::<()>, graphql::parse_my, &call)
                .await
                .map_err(|e| e.with_step("check old key"))?;
            let new = this
                .issue_key(&options.name, &call)
                .await
                .map_err(|e| e.with_step("issue new key"))?;
            let verified = this.with_credential(Credential::ApiKey(new.key.clone()));
            let verification = verified
                .run_document(graphql::MY, None::<()>, graphql::parse_my, &call)
                .await;
            let outcome = match verification {
                Ok(_) => this
                    .revoke_key(&old, &call)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.with_step("revoke old key")),
                Err(error) => Err(error.with_step("verify new key")),
            };
            match outcome {
                Ok(()) => to_js(&new),
                Err(mut error) => {
                    // Roll back so that exactly one key, the old one, stays valid.
                    if let Err(rollback) = this.revoke_key(&new.key, &call).await {
                        error.message = format!(
                            "{} (the new key could not be revoked either: {})",
                            error.message, rollback.message
                        );
                    }
                    Err(error.redact(&[&new.key]))
                }
            }
        })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn graphql(&self, query: JsValue, variables: JsValue, options: JsValue) -> Promise {
        let this = self.clone_handle();
        settle(this.secrets(), async move {
            let query = query
                .as_string()
                .ok_or_else(|| Error::invalid_argument("query", "must be a string"))?;
            let plain_object = variables.is_object() && !js_sys::Array::is_array(&variables);
            if !(variables.is_undefined() || variables.is_null() || plain_object) {
                return Err(Error::invalid_argument("variables", "must be an object"));
            }
            let call = this.call_settings(Some(options))?;
            let credential = this.current_rc();
            let request = graphql::custom_request(
                &this.settings.endpoint,
                credential.secret(),
                call.language,
                &query,
                stringify(&variables, "variables")?,
            )?;
            let (exchange, text) = this.send_text(&request, &call).await?;
            let answer = response(&exchange, &text);
            let data = graphql::read_envelope(&request.operation, &answer)?
                .into_data(&request.operation, &answer)?;
            js_sys::JSON::parse(data.get())
                .map_err(|_| Error::new(ErrorCode::Decode, "graphql: data is not JSON"))
        })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn call(&self, operation: JsValue, body: JsValue, options: JsValue) -> Promise {
        let this = self.clone_handle();
        settle(this.secrets(), async move {
            let operation = operation_argument(&operation)?;
            // Every v2 body is a JSON object or array.
            if !(body.is_undefined() || body.is_null() || body.is_object()) || body.is_function() {
                return Err(Error::invalid_argument(
                    "body",
                    "must be an object or an array",
                ));
            }
            let call = this.call_settings(Some(options))?;
            let exchange = this
                .v2_exchange(&operation, stringify(&body, "body")?, &call)
                .await?;
            let value = parse_json(&exchange.body, operation.name)
                .map_err(|e| with_exchange(e, &exchange))?;
            operation
                .check_response_kind(json_kind(&value))
                .map_err(|e| with_exchange(e, &exchange))?;
            Ok(value)
        })
    }

    /// Pages through a `get-*` listing: `for await (const vm of client.paginate("get-vms", { where }))`.
    #[wasm_bindgen(skip_typescript)]
    pub fn paginate(
        &self,
        operation: JsValue,
        body: JsValue,
        options: JsValue,
    ) -> Result<Paginator, JsValue> {
        Paginator::new(self.clone_handle(), &operation, &body, options)
            .map_err(|e| to_js_error(e, None))
    }

    /// The number of items a `get-*` listing would return for `where` (its `-connection` count).
    #[wasm_bindgen(skip_typescript)]
    pub fn count(&self, operation: JsValue, filter: JsValue, options: JsValue) -> Promise {
        let this = self.clone_handle();
        settle(this.secrets(), async move {
            let operation = operation_argument(&operation)?;
            let filter = stringify(&filter, "where")?;
            let body = filter.map(|filter| format!("{{\"where\":{filter}}}"));
            let listing = paging::Listing::new(operation.name, body.as_deref(), None)?;
            let call = this.call_settings(Some(options))?;
            Ok((this.count_listing(&listing, &call).await? as f64).into())
        })
    }

    /// Polls `get-tasks` (all ids in one request per round) until every task ended; rejects
    /// `TASK_FAILED` with every failed task, or `TIMEOUT`.
    #[wasm_bindgen(js_name = waitForTasks, skip_typescript)]
    pub fn wait_for_tasks(&self, tasks: JsValue, options: JsValue) -> Promise {
        let this = self.clone_handle();
        settle(this.secrets(), async move {
            let options: WaitOptions = match options.is_undefined() || options.is_null() {
                true => WaitOptions::default(),
                false => from_js(options, "options")?,
            };
            let interval_ms = options
                .interval_ms
                .map(|ms| validate_timeout("options.intervalMs", ms))
                .transpose()?
                .unwrap_or(tasks::DEFAULT_INTERVAL_MS);
            let timeout_ms = options
                .timeout_ms
                .map(|ms| validate_timeout("options.timeoutMs", ms))
                .transpose()?
                .unwrap_or(tasks::DEFAULT_TIMEOUT_MS);
            let on_progress = optional_function(options.on_progress, "options.onProgress")?;
            let call = Call {
                signal: signal_argument(options.signal)?,
                ..this.call_settings(None)?
            };
            let ids = tasks::task_ids(&stringify(&tasks, "tasks")?.unwrap_or_default())?;
            if ids.is_empty() {
                return Ok(js_sys::Array::new().into());
            }
            let get_tasks = operations::lookup("get-tasks")?;
            let mut waiter = tasks::Waiter::new(ids);
            let deadline = js_sys::Date::now() + f64::from(timeout_ms);
            loop {
                let exchange = this
                    .v2_exchange(&get_tasks, Some(tasks::poll_body(waiter.ids())), &call)
                    .await?;
                let text = String::from(&exchange.body);
                let round = waiter
                    .assess(&text)
                    .map_err(|e| with_exchange(e, &exchange))?;
                if let Some(hook) = &on_progress {
                    let report = to_js(&serde_json::json!({
                        "ended": round.ended,
                        "total": round.total,
                        "progress": round.progress,
                    }))?;
                    let _ = hook.call1(&JsValue::UNDEFINED, &report);
                }
                match round.outcome {
                    tasks::Outcome::Succeeded => return parse_json(&exchange.body, get_tasks.name),
                    tasks::Outcome::Failed(failed) => {
                        return Err(with_exchange(
                            tasks::failure(failed, round.total),
                            &exchange,
                        ))
                    }
                    tasks::Outcome::Running => {}
                }
                let remaining = deadline - js_sys::Date::now();
                if remaining <= 0.0 {
                    return Err(tasks::timed_out(&waiter, timeout_ms));
                }
                transport::sleep(
                    remaining.min(f64::from(interval_ms)) as u32,
                    call.signal.as_ref(),
                )
                .await?;
            }
        })
    }

    /// The API version the server reports (`GET /v2/api/get-version`, no credential needed).
    #[wasm_bindgen(js_name = getVersion, unchecked_return_type = "Promise<string>")]
    pub fn get_version(&self) -> Promise {
        self.call("get-version".into(), JsValue::UNDEFINED, JsValue::UNDEFINED)
    }

    /// A summary without secrets, so logging a client is safe.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "{ endpoint: string; authKind: AuthKind }")]
    pub fn to_json(&self) -> JsValue {
        let summary = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&summary, &"endpoint".into(), &self.endpoint().into());
        let _ = js_sys::Reflect::set(&summary, &"authKind".into(), &self.auth_kind().into());
        summary.into()
    }

    #[wasm_bindgen(js_name = toString)]
    pub fn to_string_js(&self) -> String {
        format!(
            "CloudTowerClient({}, {})",
            self.endpoint(),
            self.auth_kind()
        )
    }
}

impl CloudTowerClient {
    fn build(options: JsValue) -> Result<Self, Error> {
        let options: ClientOptions = from_js(options, "options")?;
        let endpoint = Endpoint::parse(&options.endpoint)?;
        let timeout_ms = options
            .timeout_ms
            .map(|ms| validate_timeout("options.timeoutMs", ms))
            .transpose()?
            .unwrap_or(DEFAULT_TIMEOUT_MS);
        let fetch = if options.fetch.is_undefined() || options.fetch.is_null() {
            None
        } else {
            Some(
                options
                    .fetch
                    .dyn_into::<Function>()
                    .map_err(|_| Error::invalid_argument("options.fetch", "must be a function"))?,
            )
        };
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
    fn clone_handle(&self) -> Self {
        Self {
            settings: self.settings.clone(),
            credential: self.credential.clone(),
        }
    }

    fn with_credential(&self, credential: Credential) -> Self {
        Self {
            settings: self.settings.clone(),
            credential: Rc::new(RefCell::new(Rc::new(credential))),
        }
    }

    fn current_rc(&self) -> Rc<Credential> {
        self.credential.borrow().clone()
    }

    fn current(&self) -> Rc<Credential> {
        self.current_rc()
    }

    fn set_credential(&self, credential: Credential) {
        *self.credential.borrow_mut() = Rc::new(credential);
    }

    /// Forgets `held` unless a concurrent login already replaced it.
    fn forget_if_current(&self, held: &Rc<Credential>) {
        let mut slot = self.credential.borrow_mut();
        if Rc::ptr_eq(&slot, held) {
            *slot = Rc::new(Credential::None);
        }
    }

    /// The secrets an error of this client must never show.
    fn secrets(&self) -> Vec<Secret> {
        self.current().secret().cloned().into_iter().collect()
    }

    fn call_settings(&self, options: Option<JsValue>) -> Result<Call, Error> {
        let options: CallOptions = match options {
            Some(value) if !value.is_undefined() && !value.is_null() => from_js(value, "options")?,
            _ => CallOptions::default(),
        };
        let signal =
            if options.signal.is_undefined() || options.signal.is_null() {
                None
            } else {
                Some(options.signal.dyn_into::<AbortSignal>().map_err(|_| {
                    Error::invalid_argument("options.signal", "must be an AbortSignal")
                })?)
            };
        Ok(Call {
            language: options.language.unwrap_or(self.settings.language),
            timeout_ms: options
                .timeout_ms
                .map(|ms| validate_timeout("options.timeoutMs", ms))
                .transpose()?
                .unwrap_or(self.settings.timeout_ms),
            signal,
        })
    }

    /// One logical request: attempts until success, a final failure, or the retry policy says
    /// stop (it never retries a request that is not idempotent).
    async fn send(&self, request: &HttpRequest, call: &Call) -> Result<Exchange, Error> {
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
    async fn send_text(
        &self,
        request: &HttpRequest,
        call: &Call,
    ) -> Result<(Exchange, String), Error> {
        let exchange = self.send(request, call).await?;
        let text = String::from(&exchange.body);
        Ok((exchange, text))
    }

    /// Sends a v2 call; a non-2xx answer becomes the classified error.
    async fn v2_exchange(
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
            return Err(core::response::error_from_status(
                operation.name,
                &response(&exchange, &text),
            ));
        }
        Ok(exchange)
    }

    async fn count_listing(&self, listing: &paging::Listing, call: &Call) -> Result<u64, Error> {
        let exchange = self
            .v2_exchange(&listing.connection, Some(listing.count_body()), call)
            .await?;
        let text = String::from(&exchange.body);
        paging::parse_count(listing.connection.name, &text).map_err(|e| with_exchange(e, &exchange))
    }

    async fn run_document<V: serde::Serialize, T>(
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

    async fn fetch_strategies(
        &self,
        call: &Call,
    ) -> Result<Vec<core::model::AuthnStrategy>, Error> {
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
    fn require_token(&self, action: &str) -> Result<(), Error> {
        match self.current().kind() {
            core::secret::AuthKind::Token => Ok(()),
            core::secret::AuthKind::ApiKey => Err(Error::invalid_argument(
                "credential",
                format!("{action} needs a token, and this client holds an API key: CloudTower does not let an API key manage keys; use login() or withToken()"),
            )),
            core::secret::AuthKind::None => Err(Error::new(
                ErrorCode::Unauthorized,
                format!("{action} needs a token: call login() first, or create the client with a token"),
            )),
        }
    }

    async fn issue_key(&self, name: &str, call: &Call) -> Result<ApiKey, Error> {
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

    async fn revoke_key(
        &self,
        key: &Secret,
        call: &Call,
    ) -> Result<core::model::DeleteApiKeyResult, Error> {
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

fn response<'a>(exchange: &Exchange, text: &'a str) -> HttpResponse<'a> {
    HttpResponse {
        status: exchange.status,
        request_id: exchange.request_id.clone(),
        body: text,
    }
}

fn with_exchange(error: Error, exchange: &Exchange) -> Error {
    error
        .with_status(exchange.status)
        .with_request_id(exchange.request_id.clone())
}

fn operation_argument(value: &JsValue) -> Result<operations::Operation, Error> {
    let name = value
        .as_string()
        .ok_or_else(|| Error::invalid_argument("operation", "must be a string"))?;
    operations::lookup(&name)
}

fn signal_argument(value: JsValue) -> Result<Option<AbortSignal>, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .dyn_into::<AbortSignal>()
        .map(Some)
        .map_err(|_| Error::invalid_argument("options.signal", "must be an AbortSignal"))
}

/// What `deleteApiKey` was given: the key itself, or a listed key's `{ id }`.
enum RevokeTarget {
    Key(Secret),
    Id(String),
}

fn revoke_target(value: &JsValue) -> Result<RevokeTarget, Error> {
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

fn secret_argument(value: &JsValue, field: &str) -> Result<Secret, Error> {
    let text = value
        .as_string()
        .ok_or_else(|| Error::invalid_argument(field, "must be a string"))?;
    validate_credential(field, &text)
}

fn refs(secrets: &[Secret]) -> Vec<&Secret> {
    secrets.iter().collect()
}

/// Runs `work` as a JS promise; a failure rejects with a `CloudTowerError` from which every
/// secret in `secrets` has been scrubbed.
fn settle<F>(secrets: Vec<Secret>, work: F) -> Promise
where
    F: Future<Output = Result<JsValue, Error>> + 'static,
{
    future_to_promise(async move {
        work.await
            .map_err(|error| to_js_error(error.redact(&refs(&secrets)), None))
    })
}
