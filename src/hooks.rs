//! Observability hooks: `onRequest` / `onResponse` receive a summary of every HTTP attempt for
//! logs and metrics. Summaries hold no header values and no bodies, so no secret reaches them.

use js_sys::{Function, Object, Reflect};
use tsify::Tsify;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::error::Error;
use crate::core::request::HttpRequest;
use crate::transport::Exchange;

/// What `onRequest` receives before each attempt.
#[derive(Tsify)]
#[allow(dead_code)] // describes the JS object built below; only its TypeScript is used
#[serde(rename_all = "camelCase")]
pub struct RequestSummary {
    /// The v2 operation (`get-vms`) or GraphQL operation name (`createApiKey`).
    pub operation: String,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    pub method: String,
    /// The request URL (it never holds credentials).
    pub url: String,
    pub request_bytes: u32,
}

/// What `onResponse` receives after each attempt.
#[derive(Tsify)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
pub struct ResponseSummary {
    pub operation: String,
    pub attempt: u32,
    pub method: String,
    pub url: String,
    /// HTTP status, 0 when no answer arrived.
    pub status: u16,
    pub duration_ms: f64,
    #[tsify(type = "string | null")]
    pub request_id: Option<String>,
    pub request_bytes: u32,
    /// Characters of the body as received (its UTF-16 length).
    pub response_chars: u32,
    /// The error code when the attempt failed without an answer (`NETWORK`, `TIMEOUT`, ...).
    #[tsify(type = "string | null")]
    pub error_code: Option<String>,
}

pub struct Hooks {
    on_request: Option<Function>,
    on_response: Option<Function>,
}

pub fn optional_function(value: JsValue, field: &str) -> Result<Option<Function>, Error> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .dyn_into::<Function>()
        .map(Some)
        .map_err(|_| Error::invalid_argument(field, "must be a function"))
}

impl Hooks {
    pub fn new(on_request: JsValue, on_response: JsValue) -> Result<Self, Error> {
        Ok(Self {
            on_request: optional_function(on_request, "options.onRequest")?,
            on_response: optional_function(on_response, "options.onResponse")?,
        })
    }

    pub fn before(&self, request: &HttpRequest, attempt: u32) {
        if let Some(hook) = &self.on_request {
            let summary = base(request, attempt);
            // A throwing hook must not fail the call it observes.
            let _ = hook.call1(&JsValue::UNDEFINED, &summary);
        }
    }

    pub fn after(
        &self,
        request: &HttpRequest,
        attempt: u32,
        duration_ms: f64,
        result: &Result<Exchange, Error>,
    ) {
        let Some(hook) = &self.on_response else {
            return;
        };
        let summary = base(request, attempt);
        let set = |name: &str, value: JsValue| {
            let _ = Reflect::set(&summary, &name.into(), &value);
        };
        set("durationMs", duration_ms.into());
        match result {
            Ok(exchange) => {
                set("status", exchange.status.into());
                set(
                    "requestId",
                    exchange
                        .request_id
                        .as_deref()
                        .map_or(JsValue::NULL, JsValue::from_str),
                );
                set("responseChars", exchange.body.length().into());
                set("errorCode", JsValue::NULL);
            }
            Err(error) => {
                set("status", error.status.into());
                set("requestId", JsValue::NULL);
                set("responseChars", 0.into());
                set("errorCode", error.code.as_str().into());
            }
        }
        let _ = hook.call1(&JsValue::UNDEFINED, &summary);
    }
}

fn base(request: &HttpRequest, attempt: u32) -> Object {
    let summary = Object::new();
    let set = |name: &str, value: JsValue| {
        let _ = Reflect::set(&summary, &name.into(), &value);
    };
    set("operation", request.operation.as_str().into());
    set("attempt", attempt.into());
    set("method", request.method.as_str().into());
    set("url", request.url.as_str().into());
    set(
        "requestBytes",
        (request.body.as_ref().map_or(0, String::len) as u32).into(),
    );
    summary
}
