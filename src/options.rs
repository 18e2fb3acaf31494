//! The options objects the JS API takes, with their TypeScript types (tsify); `convert` reads
//! them field by field.

use js_sys::Function;
use tsify::Tsify;
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

use crate::core::failover::Strategy;
use crate::core::request::Language;
use crate::core::retry::RetryPolicy;

/// `new CloudTowerClient(options)`.
#[derive(Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ClientOptions {
    /// `http:` or `https:` origin of the CloudTower, optionally with a path prefix. Give this or
    /// `endpoints`, not both.
    #[tsify(optional)]
    pub endpoint: Option<String>,
    /// The nodes of an active/passive pair (each like `endpoint`): the client finds the active
    /// one by probing `GET <node>/api/healthz`, and fails over when it answers 307. In a browser
    /// only through a same-origin proxy (a page cannot see a 307).
    #[tsify(optional)]
    pub endpoints: Option<Vec<String>>,
    /// With `endpoints`, what a 307 (the node became passive) does: `"auto"` (default)
    /// rediscovers and sends the request again once; `"manual"` rejects `FAILOVER_REQUIRED`;
    /// `"probe-always"` probes before every request.
    #[tsify(optional, type = "\"auto\" | \"manual\" | \"probe-always\"")]
    pub failover: Option<Strategy>,
    /// With `endpoints`, the deadline of each probe, 1 to 3600000 ms; default 5000.
    #[tsify(optional)]
    pub probe_timeout_ms: Option<f64>,
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
    pub fetch: Option<Function>,
    /// Start with this token.
    #[tsify(optional)]
    pub token: Option<String>,
    /// Start with this API key.
    #[tsify(optional)]
    pub api_key: Option<String>,
    /// Retries of reads (`get-*`, GraphQL queries) on network errors, 429, 502, 503 and 504;
    /// `false` switches them off. Mutations are never retried.
    #[tsify(optional, type = "RetryPolicy | boolean")]
    pub retry: RetryPolicy,
    /// Called before every HTTP attempt with a summary (no headers, no bodies).
    #[tsify(optional, type = "(summary: RequestSummary) => void")]
    pub on_request: Option<Function>,
    /// Called after every HTTP attempt with a summary (no headers, no bodies).
    #[tsify(optional, type = "(summary: ResponseSummary) => void")]
    pub on_response: Option<Function>,
}

/// Per-call options.
#[derive(Default, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct CallOptions {
    /// Aborts the call (code `ABORTED`).
    #[tsify(optional, type = "AbortSignal")]
    pub signal: Option<AbortSignal>,
    /// Overrides the client's deadline for this call.
    #[tsify(optional)]
    pub timeout_ms: Option<f64>,
    /// Overrides the client's language for this call.
    #[tsify(optional)]
    pub language: Option<Language>,
}

/// `waitForTasks` options.
#[derive(Default, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct WaitOptions {
    /// Pause between polling rounds; default 1000 ms.
    #[tsify(optional)]
    pub interval_ms: Option<f64>,
    /// Give up (code `TIMEOUT`) after this long; default 300000 ms.
    #[tsify(optional)]
    pub timeout_ms: Option<f64>,
    #[tsify(optional, type = "AbortSignal")]
    pub signal: Option<AbortSignal>,
    /// Called after each round that found tasks still running.
    #[tsify(
        optional,
        type = "(progress: { ended: number; total: number; progress: number }) => void"
    )]
    pub on_progress: Option<Function>,
}

#[derive(Tsify)]
pub struct CreateApiKeyOptions {
    pub name: String,
}

#[derive(Tsify)]
pub struct RotateApiKeyOptions {
    /// The key to replace; it stays valid if any step fails.
    pub key: String,
    /// Name of the new key.
    pub name: String,
}

/// `paginate` options.
#[derive(Default, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct PaginateOptions {
    /// Items per request, 1 to 1000; default 100.
    #[tsify(optional)]
    pub page_size: Option<f64>,
    #[tsify(optional, type = "AbortSignal")]
    pub signal: Option<AbortSignal>,
    /// Called after every page with `{ loaded, total }`; `total` comes from the listing's
    /// `-connection` count, asked once before the first page (only when this is set).
    #[tsify(
        optional,
        type = "(progress: { loaded: number; total: number | null }) => void"
    )]
    pub on_progress: Option<Function>,
}
