//! The options objects the JS API takes, with their TypeScript types (tsify).

use serde::Deserialize;
use tsify::Tsify;
use wasm_bindgen::prelude::*;

use crate::core::request::Language;

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
