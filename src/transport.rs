//! The one place that performs I/O: a `fetch` call (the global one, or the caller's), with a
//! deadline and the caller's abort signal. Works in browsers, workers and Node 18+.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Function, JsString, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, RequestInit, RequestRedirect, Response};

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

/// What came back: status, the headers the client reads, and the body as a JS string (it is
/// parsed by `JSON.parse` in JS, never copied into Rust unless it is a small envelope).
pub struct Exchange {
    pub status: u16,
    pub request_id: Option<String>,
    pub retry_after: Option<String>,
    pub body: JsString,
}

#[derive(Clone)]
pub struct Transport {
    fetch: Function,
    redirect: RequestRedirect,
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
        Ok(Self {
            fetch,
            // A redirect could carry Authorization to another origin: credentials go to the
            // configured endpoint only, so redirects are refused.
            redirect: RequestRedirect::Error,
        })
    }

    /// For the nodes of a pair: a 307 is answered to the client, never followed (its Location
    /// could be any origin), and means "not performed on this node".
    pub fn not_following_redirects(mut self) -> Self {
        self.redirect = RequestRedirect::Manual;
        self
    }

    pub async fn send(
        &self,
        request: &HttpRequest,
        timeout_ms: u32,
        signal: Option<&AbortSignal>,
    ) -> Result<Exchange, Error> {
        let deadline = Deadline::start(timeout_ms, signal)?;
        let init = request_init(request, &deadline.controller.signal(), self.redirect);
        let pending = self
            .fetch
            .call2(&JsValue::UNDEFINED, &JsValue::from_str(&request.url), &init)
            .map(|value| Promise::resolve(&value));
        let response: Response = match pending {
            Ok(promise) => JsFuture::from(promise).await,
            Err(thrown) => Err(thrown),
        }
        .map_err(|failure| deadline.classify(request, &failure, None))?
        .unchecked_into();
        let status = response.status();
        let headers = response.headers();
        let header = |name: &str| headers.get(name).ok().flatten();
        let request_id = header("x-tower-request-id");
        let retry_after = header("retry-after");
        let text = response
            .text()
            .map_err(|failure| deadline.classify(request, &failure, Some(status)))?;
        let body = JsFuture::from(text)
            .await
            .map_err(|failure| deadline.classify(request, &failure, Some(status)))?;
        Ok(Exchange {
            status,
            request_id,
            retry_after,
            body: body.unchecked_into(),
        })
    }
}

fn request_init(
    request: &HttpRequest,
    signal: &AbortSignal,
    redirect: RequestRedirect,
) -> RequestInit {
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
    init.set_redirect(redirect);
    init
}

/// The deadline of one exchange and the link to the caller's signal; dropping it clears the
/// timer and the listener, so nothing keeps a Node process alive.
struct Deadline {
    controller: AbortController,
    timer: JsValue,
    timed_out: Rc<Cell<bool>>,
    timeout_ms: u32,
    _on_timeout: Closure<dyn FnMut()>,
    caller: Option<(AbortSignal, Closure<dyn FnMut()>)>,
}

impl Deadline {
    fn start(timeout_ms: u32, signal: Option<&AbortSignal>) -> Result<Self, Error> {
        if signal.is_some_and(AbortSignal::aborted) {
            return Err(aborted());
        }
        let controller = AbortController::new().map_err(|_| {
            Error::new(
                ErrorCode::Unsupported,
                "this runtime has no AbortController",
            )
        })?;
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
        let caller = signal.map(|signal| {
            let controller = controller.clone();
            let on_abort = Closure::<dyn FnMut()>::new(move || controller.abort());
            let _ =
                signal.add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
            (signal.clone(), on_abort)
        });
        Ok(Self {
            controller,
            timer,
            timed_out,
            timeout_ms,
            _on_timeout: on_timeout,
            caller,
        })
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
            .caller
            .as_ref()
            .is_some_and(|(signal, _)| signal.aborted())
        {
            aborted()
        } else {
            let detail = describe_failure(failure);
            if request.idempotent || status.is_some() || surely_not_sent(&detail) {
                Error::new(
                    ErrorCode::Network,
                    format!("{}: {detail}", request.operation),
                )
            } else {
                Error::new(
                    ErrorCode::OutcomeUnknown,
                    format!(
                        "{}: the connection failed after the request was sent ({detail}); it may or may not have taken effect, check before retrying",
                        request.operation
                    ),
                )
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
        if let Some((signal, on_abort)) = &self.caller {
            let _ = signal
                .remove_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
        }
    }
}

/// Waits `ms`, or fails with `ABORTED` as soon as the caller's signal fires.
pub async fn sleep(ms: u32, signal: Option<&AbortSignal>) -> Result<(), Error> {
    if signal.is_some_and(AbortSignal::aborted) {
        return Err(aborted());
    }
    let mut timer = JsValue::UNDEFINED;
    let mut on_abort: Option<Function> = None;
    let promise = Promise::new(&mut |resolve, reject| {
        timer = set_timeout(&resolve, ms.min(i32::MAX as u32) as i32);
        if let Some(signal) = signal {
            let _ = signal.add_event_listener_with_callback("abort", &reject);
            on_abort = Some(reject);
        }
    });
    let outcome = JsFuture::from(promise).await;
    clear_timeout(&timer);
    if let (Some(signal), Some(listener)) = (signal, &on_abort) {
        let _ = signal.remove_event_listener_with_callback("abort", listener);
    }
    outcome.map(|_| ()).map_err(|_| aborted())
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

/// Failures that prove the request never left: Node's connection set-up error codes, TLS
/// verification, and the fetch standard's blocked ports.
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
        "bad port",
    ]
    .iter()
    .any(|code| detail.contains(code))
}
