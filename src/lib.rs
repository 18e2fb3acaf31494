//! CloudTower API-key client for the web: log in, issue an API key, call the v2 API with it and
//! revoke it, from browsers and Node, over `fetch`.
//!
//! Layers, each importing only from those before it: [`core`] (pure protocol logic, natively
//! tested) → `transport` (the only I/O) → `client` (the inner client: request loop and flows,
//! one module per flow) → `convert` (every JS value conversion) → this file, the
//! `#[wasm_bindgen]` glue: one short method per JS member that converts, delegates, converts
//! back.

mod client;
mod convert;
pub mod core;
mod hooks;
mod options;
mod transport;

use std::future::Future;
use std::pin::Pin;

use js_sys::{Function, Promise};
use tsify::{Ts, Tsify};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::client::{Client, Pager, Step};
use crate::convert::{from_json, to_js_error, RevokeTarget, Thrown};
use crate::core::error::Error;
use crate::core::json::array;
use crate::core::model::{ApiKeyRecord, AuthnStrategy, LoginOptions};
use crate::core::paging;
use crate::core::secret::{Credential, Secret};

pub use crate::options::{
    CallOptions, ClientOptions, CreateApiKeyOptions, PaginateOptions, RotateApiKeyOptions,
    WaitOptions,
};

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
pub struct CloudTowerClient(Client);

/// Runs `flow` on a handle of `client` as a promise; a failure rejects with a
/// `CloudTowerError` scrubbed of every secret in play (the credential and `extra`).
fn run<F, Fut, E>(client: &Client, extra: Option<Secret>, flow: F) -> Promise
where
    F: FnOnce(Client, Vec<Secret>) -> Fut,
    Fut: Future<Output = Result<JsValue, E>> + 'static,
    E: Into<Thrown>,
{
    let mut secrets = client.secrets();
    secrets.extend(extra);
    let work = flow(client.clone(), secrets.clone());
    promise(
        Box::pin(async move { work.await.map_err(Into::into) }),
        secrets,
    )
}

/// One (non-generic) bridge to a JS promise for every method: the flows' state machines stay
/// in their own functions instead of being copied into one promise adapter each.
fn promise(
    work: Pin<Box<dyn Future<Output = Result<JsValue, Thrown>>>>,
    secrets: Vec<Secret>,
) -> Promise {
    future_to_promise(async move { work.await.map_err(|thrown| thrown.into_js(&secrets)) })
}

fn thrown(error: Error) -> JsValue {
    to_js_error(error)
}

#[wasm_bindgen]
impl CloudTowerClient {
    #[wasm_bindgen(constructor)]
    pub fn new(options: Ts<ClientOptions>) -> Result<CloudTowerClient, JsValue> {
        let options = convert::client_options(&options.into()).map_err(thrown)?;
        Client::new(options).map(Self).map_err(thrown)
    }

    /// The node requests go to: the endpoint, or for `endpoints` the active node once found
    /// (`null` before the first request and after a node was lost).
    #[wasm_bindgen(getter, js_name = activeEndpoint, unchecked_return_type = "string | null")]
    pub fn active_endpoint(&self) -> JsValue {
        self.0
            .active_endpoint()
            .map_or(JsValue::NULL, JsValue::from)
    }

    /// Which credential the client holds.
    #[wasm_bindgen(getter, js_name = authKind, unchecked_return_type = "AuthKind")]
    pub fn auth_kind(&self) -> String {
        self.0.auth_kind().as_str().to_owned()
    }

    /// The normalised endpoint (with `endpoints`, the first node).
    #[wasm_bindgen(getter)]
    pub fn endpoint(&self) -> String {
        self.0.endpoint().to_owned()
    }

    /// Logs in with a password; the client then holds a token. Users with two-factor
    /// authentication get `MFA_REQUIRED`: scripts should use an API key.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn login(
        &self,
        options: Ts<LoginOptions>,
        call_options: Option<Ts<CallOptions>>,
    ) -> Promise {
        let (options, call_options) = (JsValue::from(options), optional(call_options));
        run(
            &self.0,
            convert::secret_in(&options, "password"),
            |client, _| async move {
                let login = convert::login_options(&options)?;
                let call = client.call(convert::call_options(&call_options)?)?;
                client
                    .login(&login, &call)
                    .await
                    .map(|()| JsValue::UNDEFINED)
            },
        )
    }

    /// Ends the session of a token (server-side) and forgets the credential. An API key is only
    /// forgotten, not revoked: use `deleteApiKey` for that.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn logout(&self, call_options: Option<Ts<CallOptions>>) -> Promise {
        let call_options = optional(call_options);
        run(&self.0, None, |client, _| async move {
            let call = client.call(convert::call_options(&call_options)?)?;
            client.logout(&call).await.map(|()| JsValue::UNDEFINED)
        })
    }

    /// Issues an API key (needs a token). The result is the only place the key is ever shown.
    #[wasm_bindgen(js_name = createApiKey, unchecked_return_type = "Promise<ApiKey>")]
    pub fn create_api_key(
        &self,
        options: Ts<CreateApiKeyOptions>,
        call_options: Option<Ts<CallOptions>>,
    ) -> Promise {
        let (options, call_options) = (JsValue::from(options), optional(call_options));
        run(&self.0, None, |client, _| async move {
            let options = convert::create_api_key_options(&options)?;
            let call = client.call(convert::call_options(&call_options)?)?;
            Ok::<_, Error>(from_json(
                &client.issue_key(&options.name, &call).await?.to_json(),
            ))
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
        let target = convert::revoke_target(&key);
        let key = match &target {
            Ok(RevokeTarget::Key(key)) => Some(key.clone()),
            _ => None,
        };
        let call_options = optional(call_options);
        run(&self.0, key, |client, _| async move {
            let call = client.call(convert::call_options(&call_options)?)?;
            let result = match target? {
                RevokeTarget::Key(key) => client.revoke_key(&key, &call).await?,
                RevokeTarget::Id(id) => client.revoke_key_by_id(&id, &call).await?,
            };
            Ok::<_, Error>(from_json(&result.to_json()))
        })
    }

    /// Lists API keys without their secrets; `UNSUPPORTED` when the server has no such query.
    #[wasm_bindgen(js_name = listApiKeys, unchecked_return_type = "Promise<ApiKeyRecord[]>")]
    pub fn list_api_keys(&self, call_options: Option<Ts<CallOptions>>) -> Promise {
        let call_options = optional(call_options);
        run(&self.0, None, |client, _| async move {
            let call = client.call(convert::call_options(&call_options)?)?;
            let keys = client.list_keys(&call).await?;
            Ok::<_, Error>(from_json(&array(&keys, ApiKeyRecord::to_json)))
        })
    }

    /// The user behind the current credential (GraphQL `my`).
    #[wasm_bindgen(js_name = currentUser, unchecked_return_type = "Promise<User>")]
    pub fn current_user(&self, call_options: Option<Ts<CallOptions>>) -> Promise {
        let call_options = optional(call_options);
        run(&self.0, None, |client, _| async move {
            let call = client.call(convert::call_options(&call_options)?)?;
            Ok::<_, Error>(from_json(&client.current_user(&call).await?.to_json()))
        })
    }

    /// Authentication strategies the server offers (needs no credential).
    #[wasm_bindgen(js_name = authnStrategies, unchecked_return_type = "Promise<AuthnStrategy[]>")]
    pub fn authn_strategies(&self, call_options: Option<Ts<CallOptions>>) -> Promise {
        let call_options = optional(call_options);
        run(&self.0, None, |client, _| async move {
            let call = client.call(convert::call_options(&call_options)?)?;
            let strategies = client.authn_strategies(&call).await?;
            Ok::<_, Error>(from_json(&array(&strategies, AuthnStrategy::to_json)))
        })
    }

    /// A new client with the same options that uses `key`.
    #[wasm_bindgen(js_name = withApiKey)]
    pub fn with_api_key(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
    ) -> Result<CloudTowerClient, JsValue> {
        let key = convert::secret(&key, "key").map_err(thrown)?;
        Ok(Self(self.0.with_credential(Credential::ApiKey(key))))
    }

    /// A new client with the same options that uses `token`.
    #[wasm_bindgen(js_name = withToken)]
    pub fn with_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    ) -> Result<CloudTowerClient, JsValue> {
        let token = convert::secret(&token, "token").map_err(thrown)?;
        Ok(Self(self.0.with_credential(Credential::Token(token))))
    }

    #[wasm_bindgen(js_name = withTemporaryApiKey, skip_typescript)]
    pub fn with_temporary_api_key(&self, options: JsValue, callback: JsValue) -> Promise {
        run(&self.0, None, |client, secrets| async move {
            let options = convert::create_api_key_options(&options)?;
            let callback: Function = callback
                .dyn_into()
                .map_err(|_| Error::invalid_argument("callback", "must be a function"))?;
            let call = client.call(Default::default())?;
            let outcome = client
                .with_temporary_key::<_, JsValue, _, _>(&options.name, &call, |keyed| async move {
                    let value =
                        callback.call1(&JsValue::UNDEFINED, &CloudTowerClient(keyed).into())?;
                    JsFuture::from(Promise::resolve(&value)).await
                })
                .await?;
            convert::temporary_key_outcome(outcome.callback, outcome.revoke, &secrets)
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
        let (options, call_options) = (JsValue::from(options), optional(call_options));
        run(
            &self.0,
            convert::secret_in(&options, "key"),
            |client, _| async move {
                let options = convert::rotate_api_key_options(&options)?;
                let call = client.call(convert::call_options(&call_options)?)?;
                let key = client.rotate_key(&options.key, &options.name, &call);
                Ok::<_, Error>(from_json(&key.await?.to_json()))
            },
        )
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn graphql(&self, query: JsValue, variables: JsValue, options: JsValue) -> Promise {
        run(&self.0, None, |client, _| async move {
            let query = query
                .as_string()
                .ok_or_else(|| Error::invalid_argument("query", "must be a string"))?;
            let variables = convert::body(&variables, "variables", false)?;
            let call = client.call(convert::call_options(&options)?)?;
            client.graphql(&query, variables.as_deref(), &call).await
        })
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn call(&self, operation: JsValue, body: JsValue, options: JsValue) -> Promise {
        run(&self.0, None, |client, _| async move {
            let operation = convert::operation(&operation)?;
            let body = convert::body(&body, "body", true)?;
            let call = client.call(convert::call_options(&options)?)?;
            client.call_operation(&operation, body, &call).await
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
        let pager = (|| {
            let operation = operation
                .as_string()
                .ok_or_else(|| Error::invalid_argument("operation", "must be a string"))?;
            let options = convert::paginate_options(&options)?;
            let body = convert::listing_body(&body)?;
            Pager::new(
                self.0.clone(),
                &operation,
                body,
                options.page_size,
                options.signal,
                options.on_progress,
            )
        })();
        // Thrown at once, not through `run`: scrubbed here (an operation name can be anything).
        pager
            .map(Paginator)
            .map_err(|error| Thrown::from(error).into_js(&self.0.secrets()))
    }

    /// The number of items a `get-*` listing would return for `where` (its `-connection` count).
    #[wasm_bindgen(skip_typescript)]
    pub fn count(&self, operation: JsValue, filter: JsValue, options: JsValue) -> Promise {
        run(&self.0, None, |client, _| async move {
            let connection = paging::counting_twin(&convert::operation(&operation)?)?;
            let filter = convert::body(&filter, "where", false)?;
            let call = client.call(convert::call_options(&options)?)?;
            let body = paging::count_body(filter.as_deref());
            Ok::<_, Error>((client.count(&connection, body, &call).await? as f64).into())
        })
    }

    /// Polls `get-tasks` (all ids in one request per round) until every task ended; rejects
    /// `TASK_FAILED` with every failed task, or `TIMEOUT`.
    #[wasm_bindgen(js_name = waitForTasks, skip_typescript)]
    pub fn wait_for_tasks(&self, tasks: JsValue, options: JsValue) -> Promise {
        run(&self.0, None, |client, _| async move {
            let options = convert::wait_options(&options)?;
            let tasks = convert::json_argument(&tasks, "tasks")?;
            let call = client.call_with_signal(options.signal);
            let report = convert::callback(options.on_progress);
            client
                .wait_for_tasks(
                    &tasks,
                    options.interval_ms,
                    options.timeout_ms,
                    &call,
                    report,
                )
                .await
        })
    }

    /// The API version the server reports (`GET /v2/api/get-version`, no credential needed).
    #[wasm_bindgen(js_name = getVersion, unchecked_return_type = "Promise<string>")]
    pub fn get_version(&self, call_options: Option<Ts<CallOptions>>) -> Promise {
        self.call(
            "get-version".into(),
            JsValue::UNDEFINED,
            optional(call_options),
        )
    }

    /// A summary without secrets, so logging a client is safe.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "{ endpoint: string; authKind: AuthKind }")]
    pub fn to_json(&self) -> JsValue {
        convert::from_json(&core::json::object([
            ("endpoint", self.endpoint().into()),
            ("authKind", self.auth_kind().into()),
        ]))
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

fn optional<T: Tsify>(options: Option<Ts<T>>) -> JsValue
where
    JsValue: From<Ts<T>>,
{
    options.map_or(JsValue::UNDEFINED, JsValue::from)
}

/// Returned by `client.paginate(...)`; also an async iterable (the package entry adds
/// `Symbol.asyncIterator`, which wasm-bindgen cannot name).
#[wasm_bindgen(skip_typescript)]
pub struct Paginator(Pager);

#[wasm_bindgen]
impl Paginator {
    /// The same listing, page by page (arrays), from the start.
    pub fn pages(&self) -> Paginator {
        Paginator(self.0.pages())
    }

    /// The async-iterator step: resolves `{ value, done }`.
    pub fn next(&self) -> Promise {
        let pager = self.0.clone();
        run(self.0.client(), None, |_, _| async move {
            Ok::<_, Error>(match pager.next().await? {
                Step::Item(value) => convert::iteration(value, false),
                Step::Done => convert::iteration(JsValue::UNDEFINED, true),
            })
        })
    }
}
