//! CloudTower API-key client for the web: log in, issue an API key, call the v2 API with it and
//! revoke it, from browsers and Node, over `fetch`.
//!
//! Layers: [`core`] (pure protocol logic, natively tested) → `transport` (the only I/O) → the
//! `#[wasm_bindgen]` facade: this file (the `CloudTowerClient` class), `options` (what the JS
//! API takes), `client` (the request loop and the flows behind the methods), `paginator`,
//! `hooks` and `js` (conversions); it only converts values and delegates.

mod client;
pub mod core;
mod hooks;
mod js;
mod options;
mod paginator;
mod transport;

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use tsify::Ts;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::client::{
    operation_argument, refs, response, revoke_target, secret_argument, settle, signal_argument,
    with_exchange, Call, RevokeTarget, Settings,
};
use crate::core::error::{Error, ErrorCode};
use crate::core::graphql;
use crate::core::model::LoginOptions;
use crate::core::operations;
use crate::core::request::{validate_credential, validate_name, validate_optional_timeout};
use crate::core::secret::{Credential, Secret};
use crate::core::v2;
use crate::core::{paging, tasks};
use crate::hooks::optional_function;
use crate::js::{from_js, json_kind, optional_from_js, parse_json, stringify, to_js, to_js_error};
use crate::paginator::Paginator;

pub use crate::options::{
    CallOptions, ClientOptions, CreateApiKeyOptions, RotateApiKeyOptions, WaitOptions,
};
pub use crate::paginator::PaginateOptions;

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
            let token = match v2::parse_login(&response(&exchange, &text)) {
                Ok(token) => token,
                Err(error) if v2::wants_directory_hint(&options, &error) => {
                    // Best effort: the hint never replaces the login's own error.
                    let strategies = this.fetch_strategies(&call).await.unwrap_or_default();
                    return Err(v2::directory_hint(error, &strategies));
                }
                Err(error) => return Err(error),
            };
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
            let options: WaitOptions = optional_from_js(options, "options")?;
            let interval_ms = validate_optional_timeout(
                "options.intervalMs",
                options.interval_ms,
                tasks::DEFAULT_INTERVAL_MS,
            )?;
            let timeout_ms = validate_optional_timeout(
                "options.timeoutMs",
                options.timeout_ms,
                tasks::DEFAULT_TIMEOUT_MS,
            )?;
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
