//! Every conversion between JS values and Rust: option objects and arguments in (each error
//! names its field, unknown options are refused), parsed answers in as [`Json`], results and
//! errors out. Nothing else in the crate reads a JS value's shape.

use std::cell::RefCell;

use js_sys::{Array, Function, JsString, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

use crate::core::error::{Error, ErrorCode, FailedTask, NodeReport};
use crate::core::failover::Strategy;
use crate::core::json::{array, Json};
use crate::core::model::{LoginOptions, UserSource};
use crate::core::operations::{self, JsonKind, Operation};
use crate::core::paging::ListingBody;
use crate::core::request::{validate_credential, validate_name, Body, HttpResponse, Language};
use crate::core::retry::RetryPolicy;
use crate::core::secret::Secret;
use crate::options::{
    CallOptions, ClientOptions, CreateApiKeyOptions, PaginateOptions, RotateApiKeyOptions,
    WaitOptions,
};

#[wasm_bindgen]
extern "C" {
    // js-sys's `JSON::parse` takes `&str`, which would copy a large body into wasm memory and
    // back; this binding hands the JS string straight to `JSON.parse`.
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn parse_js_string(text: &JsString) -> Result<JsValue, JsValue>;
}

/// An options object being read: each field once, by name, then [`Fields::finish`] refuses any
/// key that was not read (a misspelt `timeout` must not be silently ignored).
pub struct Fields<'a> {
    object: Object,
    what: &'a str,
    known: Vec<&'static str>,
}

impl<'a> Fields<'a> {
    pub fn new(value: &JsValue, what: &'a str) -> Result<Self, Error> {
        if !value.is_object() || Array::is_array(value) || value.is_function() {
            return Err(Error::invalid_argument(what, "must be an object"));
        }
        Ok(Self {
            object: value.clone().unchecked_into(),
            what,
            known: Vec::new(),
        })
    }

    /// `undefined` or `null` mean "no options".
    pub fn optional(value: &JsValue, what: &'a str) -> Result<Option<Self>, Error> {
        if value.is_null_or_undefined() {
            return Ok(None);
        }
        Self::new(value, what).map(Some)
    }

    fn field(&self, key: &str) -> String {
        format!("{}.{key}", self.what)
    }

    /// The raw value; `undefined` when absent. A getter that throws (or a proxy's trap) is an
    /// error of that field, not an absent value.
    pub fn value(&mut self, key: &'static str) -> Result<JsValue, Error> {
        self.known.push(key);
        Reflect::get(&self.object, &key.into())
            .map_err(|_| Error::invalid_argument(&self.field(key), "reading it threw"))
    }

    pub fn string(&mut self, key: &'static str) -> Result<String, Error> {
        let value = self.value(key)?;
        if value.is_undefined() {
            return Err(Error::invalid_argument(&self.field(key), "is required"));
        }
        value
            .as_string()
            .ok_or_else(|| Error::invalid_argument(&self.field(key), "expected a string"))
    }

    pub fn optional_string(&mut self, key: &'static str) -> Result<Option<String>, Error> {
        let value = self.value(key)?;
        if value.is_null_or_undefined() {
            return Ok(None);
        }
        value
            .as_string()
            .map(Some)
            .ok_or_else(|| Error::invalid_argument(&self.field(key), "expected a string"))
    }

    pub fn optional_number(&mut self, key: &'static str) -> Result<Option<f64>, Error> {
        let value = self.value(key)?;
        if value.is_null_or_undefined() {
            return Ok(None);
        }
        value
            .as_f64()
            .map(Some)
            .ok_or_else(|| Error::invalid_argument(&self.field(key), "expected a number"))
    }

    /// A whole number from 0 to `u32::MAX`, or `default`.
    pub fn u32_or(&mut self, key: &'static str, default: u32) -> Result<u32, Error> {
        match self.optional_number(key)? {
            None => Ok(default),
            Some(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) => Ok(n as u32),
            Some(_) => Err(Error::invalid_argument(
                &self.field(key),
                "expected a whole number from 0",
            )),
        }
    }

    pub fn optional_function(&mut self, key: &'static str) -> Result<Option<Function>, Error> {
        let field = self.field(key);
        optional_function(self.value(key)?, &field)
    }

    pub fn optional_signal(&mut self, key: &'static str) -> Result<Option<AbortSignal>, Error> {
        let value = self.value(key)?;
        if value.is_null_or_undefined() {
            return Ok(None);
        }
        value
            .dyn_into::<AbortSignal>()
            .map(Some)
            .map_err(|_| Error::invalid_argument(&self.field(key), "must be an AbortSignal"))
    }

    /// One of `choices`, named by `name`.
    pub fn optional_choice<T: Copy>(
        &mut self,
        key: &'static str,
        choices: &[T],
        name: fn(T) -> &'static str,
    ) -> Result<Option<T>, Error> {
        let field = self.field(key);
        let expected = || Error::invalid_argument(&field, expected_one_of(choices, name));
        let Some(text) = self.optional_string(key).map_err(|_| expected())? else {
            return Ok(None);
        };
        choices
            .iter()
            .copied()
            .find(|choice| name(*choice) == text)
            .map(Some)
            .ok_or_else(expected)
    }

    /// Refuses any key that was not read.
    pub fn finish(self) -> Result<(), Error> {
        let unknown = Object::keys(&self.object)
            .iter()
            .filter_map(|key| key.as_string())
            .find(|key| !self.known.contains(&key.as_str()));
        match unknown {
            Some(key) => Err(Error::invalid_argument(
                &self.field(&key),
                format!("unknown option; expected one of {}", self.known.join(", ")),
            )),
            None => Ok(()),
        }
    }
}

fn expected_one_of<T: Copy>(choices: &[T], name: fn(T) -> &'static str) -> String {
    let names: Vec<String> = choices.iter().map(|c| format!("`{}`", name(*c))).collect();
    format!("expected one of {}", names.join(", "))
}

pub fn optional_function(value: JsValue, field: &str) -> Result<Option<Function>, Error> {
    if value.is_null_or_undefined() {
        return Ok(None);
    }
    value
        .dyn_into::<Function>()
        .map(Some)
        .map_err(|_| Error::invalid_argument(field, "must be a function"))
}

pub fn client_options(value: &JsValue) -> Result<ClientOptions, Error> {
    let mut fields = Fields::new(value, "options")?;
    let options = ClientOptions {
        endpoint: fields.optional_string("endpoint")?,
        endpoints: string_list(fields.value("endpoints")?, "options.endpoints")?,
        failover: fields.optional_choice("failover", &Strategy::ALL, Strategy::as_str)?,
        probe_timeout_ms: fields.optional_number("probeTimeoutMs")?,
        language: fields.optional_choice("language", &Language::ALL, Language::as_str)?,
        timeout_ms: fields.optional_number("timeoutMs")?,
        fetch: fields.optional_function("fetch")?,
        token: fields.optional_string("token")?,
        api_key: fields.optional_string("apiKey")?,
        retry: retry_policy(fields.value("retry")?)?,
        on_request: fields.optional_function("onRequest")?,
        on_response: fields.optional_function("onResponse")?,
    };
    fields.finish()?;
    Ok(options)
}

/// `endpoints`: absent, or an array of strings (each validated as an endpoint later).
fn string_list(value: JsValue, field: &str) -> Result<Option<Vec<String>>, Error> {
    if value.is_undefined() {
        return Ok(None);
    }
    let array = value
        .dyn_into::<Array>()
        .map_err(|_| Error::invalid_argument(field, "expected an array of endpoint strings"))?;
    array
        .iter()
        .enumerate()
        .map(|(i, item)| {
            item.as_string().ok_or_else(|| {
                Error::invalid_argument(&format!("{field}[{i}]"), "expected a string")
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// `retry`: `true`/absent (the defaults), `false` (off) or a policy object.
fn retry_policy(value: JsValue) -> Result<RetryPolicy, Error> {
    if value.is_null_or_undefined() {
        return Ok(RetryPolicy::default());
    }
    if let Some(on) = value.as_bool() {
        return Ok(if on {
            RetryPolicy::default()
        } else {
            RetryPolicy::OFF
        });
    }
    let defaults = RetryPolicy::default();
    let mut fields = Fields::new(&value, "options.retry")?;
    let policy = RetryPolicy {
        max_attempts: fields.u32_or("maxAttempts", defaults.max_attempts)?,
        base_delay_ms: fields.u32_or("baseDelayMs", defaults.base_delay_ms)?,
        max_delay_ms: fields.u32_or("maxDelayMs", defaults.max_delay_ms)?,
        max_retry_after_ms: fields.u32_or("maxRetryAfterMs", defaults.max_retry_after_ms)?,
    };
    fields.finish()?;
    policy.validate()
}

pub fn call_options(value: &JsValue) -> Result<CallOptions, Error> {
    let Some(mut fields) = Fields::optional(value, "options")? else {
        return Ok(CallOptions::default());
    };
    let options = CallOptions {
        signal: fields.optional_signal("signal")?,
        timeout_ms: fields.optional_number("timeoutMs")?,
        language: fields.optional_choice("language", &Language::ALL, Language::as_str)?,
    };
    fields.finish()?;
    Ok(options)
}

pub fn wait_options(value: &JsValue) -> Result<WaitOptions, Error> {
    let Some(mut fields) = Fields::optional(value, "options")? else {
        return Ok(WaitOptions::default());
    };
    let options = WaitOptions {
        interval_ms: fields.optional_number("intervalMs")?,
        timeout_ms: fields.optional_number("timeoutMs")?,
        signal: fields.optional_signal("signal")?,
        on_progress: fields.optional_function("onProgress")?,
    };
    fields.finish()?;
    Ok(options)
}

pub fn paginate_options(value: &JsValue) -> Result<PaginateOptions, Error> {
    let Some(mut fields) = Fields::optional(value, "options")? else {
        return Ok(PaginateOptions::default());
    };
    let options = PaginateOptions {
        page_size: fields.optional_number("pageSize")?,
        signal: fields.optional_signal("signal")?,
        on_progress: fields.optional_function("onProgress")?,
    };
    fields.finish()?;
    Ok(options)
}

pub fn login_options(value: &JsValue) -> Result<LoginOptions, Error> {
    let mut fields = Fields::new(value, "options")?;
    let options = LoginOptions {
        username: fields.string("username")?,
        password: Secret::new(&fields.string("password")?),
        source: fields.optional_choice("source", &UserSource::ALL, UserSource::as_str)?,
        auth_config_id: fields.optional_string("authConfigId")?,
    };
    fields.finish()?;
    Ok(options)
}

/// A string field of an object argument, if there is one (no error: the argument is checked
/// properly by its reader).
fn string_field(value: &JsValue, key: &str) -> Option<String> {
    value
        .is_object()
        .then(|| Reflect::get(value, &key.into()).ok())
        .flatten()
        .and_then(|field| field.as_string())
}

/// A secret field of an options argument (a login's `password`, a rotation's `key`), read
/// before anything else so that any error of the call can be scrubbed of it.
pub fn secret_in(value: &JsValue, key: &str) -> Option<Secret> {
    string_field(value, key).map(|secret| Secret::new(&secret))
}

pub fn create_api_key_options(value: &JsValue) -> Result<CreateApiKeyOptions, Error> {
    let mut fields = Fields::new(value, "options")?;
    let options = CreateApiKeyOptions {
        name: fields.string("name")?,
    };
    fields.finish()?;
    Ok(options)
}

pub fn rotate_api_key_options(value: &JsValue) -> Result<RotateApiKeyOptions, Error> {
    let mut fields = Fields::new(value, "options")?;
    let options = RotateApiKeyOptions {
        key: fields.string("key")?,
        name: fields.string("name")?,
    };
    fields.finish()?;
    Ok(options)
}

pub fn operation(value: &JsValue) -> Result<Operation, Error> {
    let name = value
        .as_string()
        .ok_or_else(|| Error::invalid_argument("operation", "must be a string"))?;
    operations::lookup(&name)
}

pub fn secret(value: &JsValue, field: &str) -> Result<Secret, Error> {
    let text = value
        .as_string()
        .ok_or_else(|| Error::invalid_argument(field, "must be a string"))?;
    validate_credential(field, &text)
}

/// What `deleteApiKey` was given: the key itself, or a listed key's `{ id }`.
pub enum RevokeTarget {
    Key(Secret),
    Id(String),
}

pub fn revoke_target(value: &JsValue) -> Result<RevokeTarget, Error> {
    if value.is_string() {
        return secret(value, "key").map(RevokeTarget::Key);
    }
    let id = string_field(value, "id").ok_or_else(|| {
        Error::invalid_argument(
            "key",
            "must be the key (a string) or { id } of a listed key",
        )
    })?;
    validate_name("key.id", &id).map(RevokeTarget::Id)
}

/// A v2 body or GraphQL variables: an object (or, for v2, an array), never a function.
pub fn body(value: &JsValue, field: &str, arrays: bool) -> Result<Option<String>, Error> {
    let allowed = value.is_null_or_undefined()
        || (value.is_object() && !value.is_function() && (arrays || !Array::is_array(value)));
    if !allowed {
        let what = if arrays {
            "must be an object or an array"
        } else {
            "must be an object"
        };
        return Err(Error::invalid_argument(field, what));
    }
    stringify(value, field)
}

/// `JSON.stringify(value)`, refusing what JSON cannot hold (cycles, BigInt, functions).
pub fn stringify(value: &JsValue, field: &str) -> Result<Option<String>, Error> {
    if value.is_null_or_undefined() {
        return Ok(None);
    }
    let text = JSON::stringify(value).map_err(|thrown| {
        let reason = Reflect::get(&thrown, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default();
        Error::invalid_argument(field, format!("is not JSON-serialisable ({reason})"))
    })?;
    text.as_string()
        .map(Some)
        .ok_or_else(|| Error::invalid_argument(field, "is not JSON-serialisable"))
}

/// A caller's value as the core reads it: what `JSON.stringify` would send.
pub fn json_argument(value: &JsValue, field: &str) -> Result<Json, Error> {
    match stringify(value, field)? {
        None => Ok(Json::Null),
        Some(text) => {
            let parsed = parse_js_string(&JsString::from(text))
                .map_err(|_| Error::invalid_argument(field, "is not JSON-serialisable"))?;
            Ok(to_json(&parsed))
        }
    }
}

/// A `paginate` body: parsed for the checks, and as `JSON.stringify` wrote its `where` and the
/// rest.
pub fn listing_body(value: &JsValue) -> Result<ListingBody, Error> {
    let parsed = json_argument(value, "body")?;
    if !value.is_object() {
        return Ok(ListingBody {
            parsed,
            ..ListingBody::default()
        });
    }
    let filter = Reflect::get(value, &"where".into()).unwrap_or(JsValue::UNDEFINED);
    let rest = Object::assign(&Object::new(), value.unchecked_ref());
    let _ = Reflect::delete_property(&rest, &"where".into());
    Ok(ListingBody {
        parsed,
        rest_text: stringify(&rest, "body")?,
        where_text: stringify(&filter, "body.where")?,
    })
}

/// An envelope answer for the core: parsed by `JSON.parse`, then copied into [`Json`] (the
/// transport has already refused bodies over its envelope limit).
pub fn envelope(status: u16, request_id: Option<String>, body: &JsString) -> HttpResponse {
    let parsed = match parse_js_string(body) {
        Ok(value) => Body::Json(to_json(&value)),
        Err(_) => Body::Text(String::from(body.slice(0, 400))),
    };
    HttpResponse {
        status,
        request_id,
        body: parsed,
        chars: body.length() as usize,
    }
}

/// `JSON.parse` of a large answer that stays a JS value (`call()` results, pages).
pub fn parse_json(body: &JsString, operation: &str) -> Result<JsValue, Error> {
    parse_js_string(body).map_err(|_| {
        let head = String::from(body.slice(0, 400));
        Error::new(
            ErrorCode::Decode,
            format!(
                "{operation}: the answer is not valid JSON ({} characters): {}",
                body.length(),
                crate::core::response::excerpt(&head)
            ),
        )
        .with_operation(operation)
    })
}

/// Deeper than this, a parsed value is cut (to null): envelopes are shallow, and a hostile
/// answer nested a million levels deep must not exhaust the wasm stack.
const MAX_DEPTH: u32 = 64;

/// A parsed JS value (from `JSON.parse`) as [`Json`]; own enumerable keys only.
pub fn to_json(value: &JsValue) -> Json {
    to_json_at(value, 0)
}

fn to_json_at(value: &JsValue, depth: u32) -> Json {
    if depth > MAX_DEPTH {
        return Json::Null;
    }
    if let Some(text) = value.as_string() {
        Json::String(text)
    } else if let Some(number) = value.as_f64() {
        Json::Number(number)
    } else if let Some(flag) = value.as_bool() {
        Json::Bool(flag)
    } else if Array::is_array(value) {
        let items: &Array = value.unchecked_ref();
        Json::Array(
            items
                .iter()
                .map(|item| to_json_at(&item, depth + 1))
                .collect(),
        )
    } else if value.is_object() {
        let entries = Object::entries(value.unchecked_ref());
        Json::Object(
            entries
                .iter()
                .filter_map(|entry| {
                    let pair: Array = entry.unchecked_into();
                    let key = pair.get(0).as_string()?;
                    Some((key, to_json_at(&pair.get(1), depth + 1)))
                })
                .collect(),
        )
    } else {
        Json::Null
    }
}

/// A [`Json`] as a JS value. Objects are made by `Object.fromEntries`, which defines own data
/// properties: a server's `__proto__` key stays a key and never replaces a prototype.
pub fn from_json(value: &Json) -> JsValue {
    match value {
        Json::Null => JsValue::NULL,
        Json::Bool(flag) => (*flag).into(),
        Json::Number(number) => (*number).into(),
        Json::String(text) => text.into(),
        Json::Array(items) => items.iter().map(from_json).collect::<Array>().into(),
        Json::Object(entries) => {
            let pairs: Array = entries
                .iter()
                .map(|(key, value)| Array::of2(&key.into(), &from_json(value)))
                .collect();
            Object::from_entries(&pairs)
                .map(JsValue::from)
                .unwrap_or(JsValue::NULL)
        }
    }
}

pub fn json_kind(value: &JsValue) -> JsonKind {
    if Array::is_array(value) {
        JsonKind::Array
    } else if value.is_string() {
        JsonKind::String
    } else if value.is_object() {
        JsonKind::Object
    } else {
        JsonKind::Other
    }
}

thread_local! {
    /// The package's `CloudTowerError` class, registered by its entry file: wasm-bindgen cannot
    /// define an `Error` subclass for every target, so the class is written in JS.
    static ERROR_CLASS: RefCell<Option<Function>> = const { RefCell::new(None) };
}

#[wasm_bindgen(js_name = "__registerErrorClass", skip_typescript)]
pub fn register_error_class(class: Function) {
    ERROR_CLASS.with(|slot| *slot.borrow_mut() = Some(class));
}

/// The thrown value for a core error: a `CloudTowerError` (a real `Error`) with stable fields.
pub fn to_js_error(error: Error) -> JsValue {
    let fields = Object::new();
    let set = |name: &str, value: JsValue| {
        let _ = Reflect::set(&fields, &name.into(), &value);
    };
    let optional = |value: Option<&str>| value.map_or(JsValue::NULL, JsValue::from_str);
    set("code", error.code.as_str().into());
    set("status", error.status.into());
    set("requestId", optional(error.request_id.as_deref()));
    set("operation", optional(error.operation.as_deref()));
    let details = &error.details;
    set(
        "errorBody",
        details
            .error_body
            .as_ref()
            .map_or(JsValue::NULL, |body| from_json(&body.to_json())),
    );
    if let Some(errors) = &details.graphql_errors {
        let errors = array(errors, |error| error.0.clone());
        set("graphqlErrors", from_json(&errors));
    }
    if let Some(data) = &details.data {
        set("data", from_json(data));
    }
    if let Some(step) = error.step {
        set("step", step.into());
    }
    if !details.failed_tasks.is_empty() {
        let tasks = array(&details.failed_tasks, FailedTask::to_json);
        set("failedTasks", from_json(&tasks));
    }
    if !details.endpoints.is_empty() {
        let nodes = array(&details.endpoints, NodeReport::to_json);
        set("endpoints", from_json(&nodes));
    }
    let message = JsValue::from_str(&error.message);
    let class = ERROR_CLASS.with(|slot| slot.borrow().clone());
    if let Some(class) = class {
        if let Ok(instance) = Reflect::construct(&class, &Array::of2(&message, &fields)) {
            return instance;
        }
    }
    // Without the package entry (e.g. the raw wasm-bindgen module) it is still an Error with
    // the same name and fields.
    let plain = js_sys::Error::new(&error.message);
    plain.set_name("CloudTowerError");
    let _ = Object::assign(&plain, &fields);
    plain.unchecked_into()
}

/// A JS callback as a Rust one that reports a JSON value.
pub fn callback(function: Option<Function>) -> impl Fn(&Json) {
    move |report: &Json| {
        if let Some(function) = &function {
            notify(function, &from_json(report));
        }
    }
}

thread_local! {
    static IGNORE: Closure<dyn FnMut(JsValue)> = Closure::new(|_: JsValue| {});
}

/// Calls an observer (a hook, an `onProgress`): neither its throw nor, when it is async, its
/// rejection may fail the call it observes or surface as an unhandled rejection.
pub fn notify(function: &Function, argument: &JsValue) {
    if let Ok(returned) = function.call1(&JsValue::UNDEFINED, argument) {
        let thenable = returned.is_object()
            && Reflect::get(&returned, &"then".into()).is_ok_and(|then| then.is_function());
        if thenable {
            IGNORE.with(|ignore| {
                let _ = Promise::resolve(&returned).catch(ignore);
            });
        }
    }
}

/// What a JS method rejects with: one of the client's errors (scrubbed and converted on the
/// way out, with an optional `cause`), or a value a caller's callback threw, passed on as is.
pub enum Thrown {
    Error(Error, Option<JsValue>),
    Js(JsValue),
}

impl From<Error> for Thrown {
    fn from(error: Error) -> Self {
        Thrown::Error(error, None)
    }
}

impl Thrown {
    /// The JS value to reject with, scrubbed of `secrets`.
    pub fn into_js(self, secrets: &[Secret]) -> JsValue {
        match self {
            Thrown::Js(value) => value,
            Thrown::Error(error, cause) => {
                let error = to_js_error(error.redact(&secrets.iter().collect::<Vec<_>>()));
                if let Some(cause) = cause {
                    let _ = Reflect::set(&error, &"cause".into(), &cause);
                }
                error
            }
        }
    }
}

/// `withTemporaryApiKey`'s result from the callback's outcome and the revoke's. The callback's
/// error wins and carries the failed revoke as `revokeError`; a thrown value that cannot carry
/// it (a string, `undefined`, a frozen object) becomes the `cause` of the revoke error, so the
/// still-valid key is always reported.
pub fn temporary_key_outcome(
    callback: Result<JsValue, JsValue>,
    revoke: Result<(), Error>,
    secrets: &[Secret],
) -> Result<JsValue, Thrown> {
    match (callback, revoke) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(revoke)) => Err(revoke.into()),
        (Err(thrown), Ok(())) => Err(Thrown::Js(thrown)),
        (Err(thrown), Err(revoke)) => {
            let extensible =
                thrown.is_object() && Object::is_extensible(thrown.unchecked_ref::<Object>());
            if extensible {
                let revoke_error = Thrown::from(revoke.clone()).into_js(secrets);
                if Reflect::set(&thrown, &"revokeError".into(), &revoke_error).unwrap_or(false) {
                    return Err(Thrown::Js(thrown));
                }
            }
            Err(Thrown::Error(revoke, Some(thrown)))
        }
    }
}

/// An async iterator's `{ value, done }`.
pub fn iteration(value: JsValue, done: bool) -> JsValue {
    let result = Object::new();
    let _ = Reflect::set(&result, &"value".into(), &value);
    let _ = Reflect::set(&result, &"done".into(), &done.into());
    result.into()
}
