//! Observability hooks: `onRequest` / `onResponse` receive a summary of every HTTP attempt for
//! logs and metrics. Summaries hold no header values and no bodies, so no secret reaches them.

use js_sys::Function;
use tsify::Tsify;
use wasm_bindgen::prelude::*;

use crate::convert;
use crate::core::error::Error;
use crate::core::json::{entries, Json};
use crate::core::request::HttpRequest;
use crate::transport::Exchange;

/// What `onRequest` receives before each attempt.
#[derive(Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RequestSummary<'a> {
    /// The v2 operation (`get-vms`) or GraphQL operation name (`createApiKey`).
    pub operation: &'a str,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    pub method: &'a str,
    /// The request URL (it never holds credentials).
    pub url: &'a str,
    pub request_bytes: u32,
}

/// What `onResponse` receives after each attempt.
#[derive(Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ResponseSummary<'a> {
    #[serde(flatten)]
    pub request: RequestSummary<'a>,
    /// HTTP status, 0 when no answer arrived.
    pub status: u16,
    pub duration_ms: f64,
    #[tsify(type = "string | null")]
    pub request_id: Option<String>,
    /// Characters of the body as received (its UTF-16 length).
    pub response_chars: u32,
    /// The error code when the attempt failed without an answer (`NETWORK`, `TIMEOUT`, ...).
    #[tsify(type = "string | null")]
    pub error_code: Option<&'static str>,
}

impl RequestSummary<'_> {
    fn entries(&self) -> Vec<(String, Json)> {
        entries([
            ("operation", self.operation.into()),
            ("attempt", u64::from(self.attempt).into()),
            ("method", self.method.into()),
            ("url", self.url.into()),
            ("requestBytes", u64::from(self.request_bytes).into()),
        ])
    }
}

impl ResponseSummary<'_> {
    fn to_json(&self) -> Json {
        let mut all = self.request.entries();
        all.extend(entries([
            ("status", u64::from(self.status).into()),
            ("durationMs", self.duration_ms.into()),
            ("requestId", self.request_id.clone().into()),
            ("responseChars", u64::from(self.response_chars).into()),
            ("errorCode", self.error_code.into()),
        ]));
        Json::Object(all)
    }
}

pub struct Hooks {
    on_request: Option<Function>,
    on_response: Option<Function>,
}

impl Hooks {
    pub fn new(on_request: Option<Function>, on_response: Option<Function>) -> Self {
        Self {
            on_request,
            on_response,
        }
    }

    pub fn before(&self, request: &HttpRequest, attempt: u32) {
        if let Some(hook) = &self.on_request {
            convert::notify(
                hook,
                &convert::from_json(&Json::Object(summary(request, attempt).entries())),
            );
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
        let (status, request_id, response_chars, error_code) = match result {
            Ok(exchange) => (
                exchange.status,
                exchange.request_id.clone(),
                exchange.body.length(),
                None,
            ),
            Err(error) => (error.status, None, 0, Some(error.code.as_str())),
        };
        let summary = ResponseSummary {
            request: summary(request, attempt),
            status,
            duration_ms,
            request_id,
            response_chars,
            error_code,
        };
        convert::notify(hook, &convert::from_json(&summary.to_json()));
    }
}

fn summary(request: &HttpRequest, attempt: u32) -> RequestSummary<'_> {
    RequestSummary {
        operation: &request.operation,
        attempt,
        method: request.method.as_str(),
        url: &request.url,
        request_bytes: request.body.as_ref().map_or(0, String::len) as u32,
    }
}
