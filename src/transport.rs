//! The one place that performs I/O: a `fetch` call (the global one, or the caller's), with a
//! deadline and the caller's abort signal. Works in browsers, workers and Node 18+.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, JsString, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, AbortSignal, ReadableStreamDefaultReader, RequestInit, RequestRedirect,
    TextDecoder,
};

use crate::core::error::{Error, ErrorCode};
use crate::core::request::HttpRequest;

#[wasm_bindgen]
extern "C" {
    // Global timers exist in every JS host; `window` does not (Node, workers).
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

#[wasm_bindgen]
extern "C" {
    // The members of a fetch answer the transport reads, each with `catch`: an injected fetch
    // may resolve with anything, and a throwing getter must become an error, never a trap.
    type AnyResponse;
    #[wasm_bindgen(method, getter, catch)]
    fn status(this: &AnyResponse) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn headers(this: &AnyResponse) -> Result<AnyHeaders, JsValue>;
    #[wasm_bindgen(method, getter, catch)]
    fn body(this: &AnyResponse) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn text(this: &AnyResponse) -> Result<Promise, JsValue>;
    type AnyHeaders;
    #[wasm_bindgen(method, catch)]
    fn get(this: &AnyHeaders, name: &str) -> Result<JsValue, JsValue>;
}

/// The exchanges and waits that follow one caller's signal, and the one `abort` listener on it
/// that aborts them all. A caller may share one signal across many calls: Node warns past ten
/// listeners on a signal, so each signal gets one, removed when its last follower ends. Not
/// `AbortSignal.any`: Node 20 keeps every signal it makes alive as long as the source, and with
/// it each fetch's state and answer (a paginate loop with a signal grew by every page).
struct Fanout {
    signal: AbortSignal,
    followers: Rc<RefCell<Vec<AbortController>>>,
    listener: Closure<dyn FnMut()>,
}

thread_local! {
    static FANOUTS: RefCell<Vec<Fanout>> = const { RefCell::new(Vec::new()) };
}

/// `controller` aborted when `caller` aborts, until [`Follower`] is dropped.
struct Follower {
    caller: AbortSignal,
    controller: AbortController,
}

impl Follower {
    fn new(caller: &AbortSignal, controller: &AbortController) -> Self {
        FANOUTS.with(|fanouts| {
            let mut fanouts = fanouts.borrow_mut();
            match fanouts.iter().find(|fanout| &fanout.signal == caller) {
                Some(fanout) => fanout.followers.borrow_mut().push(controller.clone()),
                None => {
                    let followers = Rc::new(RefCell::new(vec![controller.clone()]));
                    let listener = {
                        let followers = followers.clone();
                        Closure::<dyn FnMut()>::new(move || {
                            // Cloned first: aborting runs listeners, which may end followers.
                            let all = followers.borrow().clone();
                            for follower in all {
                                follower.abort();
                            }
                        })
                    };
                    let _ = caller.add_event_listener_with_callback(
                        "abort",
                        listener.as_ref().unchecked_ref(),
                    );
                    fanouts.push(Fanout {
                        signal: caller.clone(),
                        followers,
                        listener,
                    });
                }
            }
        });
        Self {
            caller: caller.clone(),
            controller: controller.clone(),
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        FANOUTS.with(|fanouts| {
            let mut fanouts = fanouts.borrow_mut();
            let Some(at) = fanouts
                .iter()
                .position(|fanout| fanout.signal == self.caller)
            else {
                return;
            };
            let empty = {
                let mut followers = fanouts[at].followers.borrow_mut();
                followers.retain(|follower| follower != &self.controller);
                followers.is_empty()
            };
            if empty {
                let fanout = fanouts.swap_remove(at);
                let _ = fanout.signal.remove_event_listener_with_callback(
                    "abort",
                    fanout.listener.as_ref().unchecked_ref(),
                );
            }
        });
    }
}

/// What came back: status, the headers the client reads, and the body as a JS string (it is
/// parsed by `JSON.parse` in JS, never copied into Rust unless it is a small envelope).
pub struct Exchange {
    pub status: u16,
    pub request_id: Option<String>,
    pub retry_after: Option<String>,
    /// `Location` of a 3xx answer.
    pub location: Option<String>,
    /// Empty when the body was refused for its size.
    pub body: JsString,
    /// Set when the body was larger than the request's limit: how many bytes it has (from
    /// `content-length`) or had when reading stopped. Nothing of it was parsed.
    pub oversized: Option<Oversized>,
}

/// The size of a body refused unread or read only in part.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Oversized {
    Exactly(u64),
    MoreThan(u64),
}

impl std::fmt::Display for Oversized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Oversized::Exactly(bytes) => write!(f, "{bytes} bytes"),
            Oversized::MoreThan(bytes) => write!(f, "more than {bytes} bytes"),
        }
    }
}

/// The most an envelope (GraphQL answer, error body, count, task poll, login) may hold. Real
/// ones are a few kilobytes; a larger body is refused before it is parsed, chunk by chunk, so a
/// hostile answer of hundreds of megabytes never reaches memory whole. `call()` results and
/// pages have no limit.
pub const MAX_ENVELOPE_BYTES: u32 = 4 * 1024 * 1024;

#[derive(Clone)]
pub struct Transport {
    fetch: Function,
}

impl Transport {
    /// Uses `custom` when given (e.g. undici's fetch with a TLS agent), else `globalThis.fetch`.
    pub fn new(custom: Option<Function>) -> Result<Self, Error> {
        let fetch = match custom {
            Some(fetch) => fetch,
            None => Reflect::get(&js_sys::global(), &"fetch".into())
                .ok()
                .and_then(|value| value.dyn_into::<Function>().ok())
                .ok_or_else(|| {
                    Error::invalid_argument(
                        "fetch",
                        "this runtime has no global fetch (Node 18+ and browsers do): pass one in the fetch option",
                    )
                })?,
        };
        Ok(Self { fetch })
    }

    /// Performs `request`. A success body is read whole unless `envelope` is set; an error
    /// body, and an envelope, are read up to [`MAX_ENVELOPE_BYTES`].
    pub async fn send(
        &self,
        request: &HttpRequest,
        timeout_ms: u32,
        signal: Option<&AbortSignal>,
        envelope: bool,
    ) -> Result<Exchange, Error> {
        let deadline = Deadline::start(timeout_ms, signal)?;
        let init = request_init(request, &deadline.signal);
        let pending = self
            .fetch
            .call2(&JsValue::UNDEFINED, &JsValue::from_str(&request.url), &init)
            .map(|value| Promise::resolve(&value));
        let response: AnyResponse = match pending {
            Ok(promise) => deadline.settled(promise).await,
            Err(thrown) => Err(thrown),
        }
        .map_err(|failure| deadline.classify(request, &failure, None))?
        .unchecked_into();
        let status = response
            .status()
            .ok()
            .and_then(|status| status.as_f64())
            .filter(|status| status.fract() == 0.0 && (0.0..=999.0).contains(status))
            .map(|status| status as u16)
            .ok_or_else(|| {
                let failure =
                    js_sys::Error::new("fetch resolved with something that is not a Response");
                deadline.classify(request, &failure, None)
            })?;
        let headers = response.headers().ok();
        let header = |name: &str| {
            headers
                .as_ref()
                .and_then(|headers| headers.get(name).ok())
                .and_then(|value| value.as_string())
        };
        let request_id = header("x-tower-request-id");
        let retry_after = header("retry-after");
        let location = (300..400)
            .contains(&status)
            .then(|| header("location"))
            .flatten();
        let limited = envelope || !(200..300).contains(&status);
        let declared =
            // Integer parsing: a float parser would bring its tables into the wasm.
            header("content-length").and_then(|length| length.trim().parse::<u64>().ok());
        let read = match declared {
            Some(bytes) if limited && bytes > u64::from(MAX_ENVELOPE_BYTES) => {
                cancel_body(&response);
                Ok(Err(Oversized::Exactly(bytes)))
            }
            _ if limited => read_limited(&response, &deadline).await,
            _ => read_text(&response, &deadline).await.map(Ok),
        };
        let (body, oversized) =
            match read.map_err(|failure| deadline.classify(request, &failure, Some(status)))? {
                Ok(body) => (body, None),
                Err(size) => (JsString::from(""), Some(size)),
            };
        Ok(Exchange {
            status,
            request_id,
            retry_after,
            location,
            body,
            oversized,
        })
    }
}

async fn read_text(response: &AnyResponse, deadline: &Deadline) -> Result<JsString, JsValue> {
    let text = deadline.settled(response.text()?).await?;
    text.dyn_into::<JsString>()
        .map_err(|_| js_sys::Error::new("the answer's text() is not a string").into())
}

fn stream_of(response: &AnyResponse) -> Option<web_sys::ReadableStream> {
    response.body().ok()?.dyn_into().ok()
}

fn cancel_body(response: &AnyResponse) {
    if let Some(stream) = stream_of(response) {
        // Rejects (ignored) when the body is locked or already closed.
        let _ = stream.cancel();
    }
}

/// The body as text if it holds at most [`MAX_ENVELOPE_BYTES`], read chunk by chunk and
/// cancelled as soon as it holds more (chunked answers carry no length to check first).
async fn read_limited(
    response: &AnyResponse,
    deadline: &Deadline,
) -> Result<Result<JsString, Oversized>, JsValue> {
    let Some(stream) = stream_of(response) else {
        // An injected fetch's response without a stream: its text is all there is.
        let text = read_text(response, deadline).await?;
        return Ok(if text.length() > MAX_ENVELOPE_BYTES {
            Err(Oversized::MoreThan(u64::from(MAX_ENVELOPE_BYTES)))
        } else {
            Ok(text)
        });
    };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let chunks = js_sys::Array::new();
    let mut total: u32 = 0;
    loop {
        let step = deadline.settled(reader.read()).await?;
        if Reflect::get(&step, &"done".into())?.is_truthy() {
            break;
        }
        let chunk: Uint8Array = Reflect::get(&step, &"value".into())?
            .dyn_into()
            .map_err(|_| js_sys::Error::new("the answer's body is not bytes"))?;
        total = total.saturating_add(chunk.length());
        if total > MAX_ENVELOPE_BYTES {
            let _ = reader.cancel();
            return Ok(Err(Oversized::MoreThan(u64::from(MAX_ENVELOPE_BYTES))));
        }
        chunks.push(&chunk);
    }
    let whole = Uint8Array::new_with_length(total);
    let mut offset = 0;
    for chunk in chunks.iter() {
        let chunk: Uint8Array = chunk.unchecked_into();
        whole.set(&chunk, offset);
        offset += chunk.length();
    }
    let decoder = TextDecoder::new()?;
    Ok(Ok(decoder.decode_with_js_u8_array(&whole)?.into()))
}

fn request_init(request: &HttpRequest, signal: &AbortSignal) -> RequestInit {
    // Headers stay a plain object: injected fetches (mocks, undici) read it as one.
    let headers = Object::new();
    let set = |name: &str, value: &str| {
        let _ = Reflect::set(&headers, &name.into(), &value.into());
    };
    set("accept", "application/json");
    set("content-language", request.language.as_str());
    if let Some(secret) = &request.authorization {
        set("authorization", secret.expose());
    }
    let init = RequestInit::new();
    init.set_method(request.method.as_str());
    if let Some(body) = &request.body {
        set("content-type", "application/json");
        init.set_body(&body.as_str().into());
    }
    init.set_headers(&headers);
    init.set_signal(Some(signal));
    // A redirect is answered to the client, never followed: it could carry Authorization to
    // another origin. "manual" rather than "error": a pair reads its nodes' 307, the answer's
    // status and Location make a clear error, and workerd implements no "error".
    init.set_redirect(RequestRedirect::Manual);
    init
}

/// The deadline of one exchange and the link to the caller's signal; dropping it clears the
/// timer and any listener, so nothing keeps a Node process alive.
struct Deadline {
    /// What the fetch is given: aborted by the deadline's timer or by the caller's signal.
    signal: AbortSignal,
    timer: JsValue,
    timed_out: Rc<Cell<bool>>,
    timeout_ms: u32,
    _on_timeout: Closure<dyn FnMut()>,
    /// The link to the caller's signal, if any.
    following: Option<Follower>,
    /// Rejects when `signal` aborts: raced against every promise of the exchange, so a fetch
    /// (or a body) that ignores its signal still ends at the deadline.
    aborted: Promise,
}

impl Deadline {
    fn start(timeout_ms: u32, caller: Option<&AbortSignal>) -> Result<Self, Error> {
        if caller.is_some_and(AbortSignal::aborted) {
            return Err(aborted());
        }
        let controller = controller()?;
        let timed_out = Rc::new(Cell::new(false));
        let on_timeout = {
            let controller = controller.clone();
            let timed_out = timed_out.clone();
            Closure::<dyn FnMut()>::new(move || {
                timed_out.set(true);
                controller.abort();
            })
        };
        let timer = set_timeout(on_timeout.as_ref().unchecked_ref(), timeout_ms as i32);
        let signal = controller.signal();
        let following = caller.map(|caller| Follower::new(caller, &controller));
        let aborted = Promise::new(&mut |_, reject| {
            let _ = signal.add_event_listener_with_callback("abort", &reject);
        });
        Ok(Self {
            aborted,
            signal,
            timer,
            timed_out,
            timeout_ms,
            _on_timeout: on_timeout,
            following,
        })
    }

    /// `promise`, or a rejection as soon as the deadline passes or the caller aborts.
    async fn settled(&self, promise: Promise) -> Result<JsValue, JsValue> {
        let both = js_sys::Array::of2(&promise, &self.aborted);
        JsFuture::from(Promise::race(&both)).await
    }

    /// Why a fetch or a body read failed: our deadline, the caller's abort, or the network. A
    /// request that may change state and may have reached the server is `OUTCOME_UNKNOWN`.
    fn classify(&self, request: &HttpRequest, failure: &JsValue, status: Option<u16>) -> Error {
        let error = if self.timed_out.get() {
            let mut message = format!(
                "{}: no answer within {} ms",
                request.operation, self.timeout_ms
            );
            if !request.idempotent {
                message.push_str("; it may still have taken effect, check before retrying");
            }
            Error::new(ErrorCode::Timeout, message)
        } else if self
            .following
            .as_ref()
            .is_some_and(|following| following.caller.aborted())
        {
            aborted()
        } else {
            let detail = describe_failure(failure);
            match status {
                // The server answered (so it performed the request) but the answer was lost.
                Some(status) if !request.idempotent => Error::new(
                    ErrorCode::OutcomeUnknown,
                    format!(
                        "{}: the server answered HTTP {status} but the connection failed while its answer was read ({detail}); the change was most likely made: check before retrying",
                        request.operation
                    ),
                ),
                Some(_) => Error::new(
                    ErrorCode::Network,
                    format!("{}: the answer could not be read ({detail})", request.operation),
                ),
                None if request.idempotent || surely_not_sent(&detail) => Error::new(
                    ErrorCode::Network,
                    format!("{}: {detail}{}", request.operation, hint(&detail)),
                ),
                None => Error::new(
                    ErrorCode::OutcomeUnknown,
                    format!(
                        "{}: the connection failed after the request was sent ({detail}); it may or may not have taken effect, check before retrying{}",
                        request.operation,
                        hint(&detail)
                    ),
                ),
            }
        };
        error
            .with_status(status.unwrap_or(0))
            .with_operation(request.operation.clone())
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        clear_timeout(&self.timer);
    }
}

/// `promise`, or `TIMEOUT` after `timeout_ms`, or `ABORTED` as soon as the caller's signal fires.
pub async fn within(
    promise: Promise,
    timeout_ms: u32,
    signal: Option<&AbortSignal>,
    what: &str,
) -> Result<JsValue, Error> {
    let deadline = Deadline::start(timeout_ms, signal)?;
    deadline.settled(promise).await.map_err(|_| {
        if deadline.timed_out.get() {
            Error::new(
                ErrorCode::Timeout,
                format!("{what}: not done within {timeout_ms} ms"),
            )
        } else {
            aborted()
        }
    })
}

/// Waits `ms`, or fails with `ABORTED` as soon as the caller's signal fires.
pub async fn sleep(ms: u32, signal: Option<&AbortSignal>) -> Result<(), Error> {
    if signal.is_some_and(AbortSignal::aborted) {
        return Err(aborted());
    }
    // The wait listens on a signal of its own, which follows the caller's through its fan-out.
    let own = signal.map(|_| controller()).transpose()?;
    let _following = signal
        .zip(own.as_ref())
        .map(|(caller, own)| Follower::new(caller, own));
    let mut timer = JsValue::UNDEFINED;
    let promise = Promise::new(&mut |resolve, reject| {
        timer = set_timeout(&resolve, ms.min(i32::MAX as u32) as i32);
        if let Some(own) = &own {
            let _ = own
                .signal()
                .add_event_listener_with_callback("abort", &reject);
        }
    });
    let outcome = JsFuture::from(promise).await;
    clear_timeout(&timer);
    outcome.map(|_| ()).map_err(|_| aborted())
}

fn controller() -> Result<AbortController, Error> {
    AbortController::new().map_err(|_| {
        Error::new(
            ErrorCode::Unsupported,
            "this runtime has no AbortController",
        )
    })
}

fn aborted() -> Error {
    Error::new(
        ErrorCode::Aborted,
        "the request was aborted by the caller's signal",
    )
}

/// `message` of a thrown value and of its `cause` (Node puts the socket error there).
fn describe_failure(failure: &JsValue) -> String {
    let text = |value: &JsValue, field: &str| {
        Reflect::get(value, &field.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    let message = text(failure, "message").unwrap_or_else(|| "fetch failed".to_owned());
    let cause = Reflect::get(failure, &"cause".into())
        .ok()
        .filter(|cause| cause.is_object())
        .and_then(|cause| text(&cause, "code").or_else(|| text(&cause, "message")));
    match cause {
        Some(cause) => format!("{message} ({cause})"),
        None => message,
    }
}

/// Failures that prove the request never reached the server's application: Node's connection
/// set-up error codes, TLS verification, a TLS handshake against a server that speaks plain
/// HTTP (`https://` to an `http` port), and the fetch standard's blocked ports.
fn surely_not_sent(detail: &str) -> bool {
    [
        "ECONNREFUSED",
        "ENOTFOUND",
        "EAI_AGAIN",
        "EHOSTUNREACH",
        "ENETUNREACH",
        "CERT_",
        "UNABLE_TO_VERIFY",
        "SELF_SIGNED",
        "ERR_SSL_",
        "EPROTO",
        "bad port",
        // fetch refuses a header value (a credential with a line break) before sending.
        "header value",
    ]
    .iter()
    .any(|code| detail.contains(code))
}

/// What a failure most likely means, for its message: the causes a user can act on.
fn hint(detail: &str) -> &'static str {
    if detail.contains("ERR_SSL_WRONG_VERSION_NUMBER") || detail.contains("EPROTO") {
        "; the server does not speak TLS on this port: the endpoint should likely start with http:// (or name the HTTPS port)"
    } else if detail.contains("UND_ERR_SOCKET") {
        "; if the endpoint is http:// and the server speaks HTTPS on this port, the request was never performed: use https://"
    } else if !detail.contains('(') {
        // A browser's bare TypeError, which says nothing more.
        "; in a browser this is also what a cross-origin endpoint without CORS looks like (serve the page from CloudTower's origin or a same-origin proxy), as well as a blocked mixed-content request or an untrusted certificate, and then the request was never sent"
    } else {
        ""
    }
}
