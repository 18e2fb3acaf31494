//! `client.paginate(...)`: an async iterator over the items (or, with `.pages()`, the pages) of a
//! `get-*` listing. The paging decisions live in `core::paging`; this only loops and holds at
//! most one page.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use serde::Deserialize;
use tsify::Tsify;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::client::{signal_argument, with_exchange, Call};
use crate::core::error::{Error, ErrorCode};
use crate::core::paging::{Listing, Progress};
use crate::hooks::optional_function;
use crate::js::{optional_from_js, parse_json, stringify, to_js_error};
use crate::CloudTowerClient;

/// `paginate` options.
#[derive(Default, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct PaginateOptions {
    /// Items per request, 1 to 1000; default 100.
    #[tsify(optional)]
    pub page_size: Option<f64>,
    #[tsify(optional, type = "AbortSignal")]
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub signal: JsValue,
    /// Called after every page with `{ loaded, total }`; `total` comes from the listing's
    /// `-connection` count, asked once before the first page (only when this is set).
    #[tsify(
        optional,
        type = "(progress: { loaded: number; total: number | null }) => void"
    )]
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    pub on_progress: JsValue,
}

struct State {
    progress: Progress,
    counted: bool,
    page: Array,
    next_index: u32,
    busy: bool,
}

/// Returned by `client.paginate(...)`; also an async iterable (the package entry adds
/// `Symbol.asyncIterator`, which wasm-bindgen cannot name).
#[wasm_bindgen(skip_typescript)]
pub struct Paginator {
    client: CloudTowerClient,
    listing: Rc<Listing>,
    signal: Option<web_sys::AbortSignal>,
    on_progress: Option<Function>,
    yields_pages: bool,
    state: Rc<RefCell<State>>,
}

impl Paginator {
    pub(crate) fn new(
        client: CloudTowerClient,
        operation: &JsValue,
        body: &JsValue,
        options: JsValue,
    ) -> Result<Self, Error> {
        let name = operation
            .as_string()
            .ok_or_else(|| Error::invalid_argument("operation", "must be a string"))?;
        let options: PaginateOptions = optional_from_js(options, "options")?;
        let listing = Listing::new(
            &name,
            stringify(body, "body")?.as_deref(),
            options.page_size,
        )?;
        Ok(Self {
            client,
            listing: Rc::new(listing),
            signal: signal_argument(options.signal)?,
            on_progress: optional_function(options.on_progress, "options.onProgress")?,
            yields_pages: false,
            state: Rc::new(RefCell::new(State::fresh())),
        })
    }
}

impl State {
    fn fresh() -> Self {
        Self {
            progress: Progress::default(),
            counted: false,
            page: Array::new(),
            next_index: 0,
            busy: false,
        }
    }
}

#[wasm_bindgen]
impl Paginator {
    /// The same listing, page by page (arrays), from the start.
    pub fn pages(&self) -> Paginator {
        Paginator {
            client: self.client.clone_handle(),
            listing: self.listing.clone(),
            signal: self.signal.clone(),
            on_progress: self.on_progress.clone(),
            yields_pages: true,
            state: Rc::new(RefCell::new(State::fresh())),
        }
    }

    /// The async-iterator step: resolves `{ value, done }`.
    pub fn next(&self) -> Promise {
        let client = self.client.clone_handle();
        let listing = self.listing.clone();
        let signal = self.signal.clone();
        let on_progress = self.on_progress.clone();
        let yields_pages = self.yields_pages;
        let state = self.state.clone();
        let secrets = client.secrets();
        wasm_bindgen_futures::future_to_promise(async move {
            let busy = std::mem::replace(&mut state.borrow_mut().busy, true);
            if busy {
                let error = Error::new(
                    ErrorCode::InvalidArgument,
                    "paginate: await each next() before calling it again",
                );
                return Err(to_js_error(error, None));
            }
            let result = step(
                &client,
                &listing,
                signal,
                on_progress.as_ref(),
                yields_pages,
                &state,
            )
            .await;
            state.borrow_mut().busy = false;
            result.map_err(|error| {
                to_js_error(error.redact(&secrets.iter().collect::<Vec<_>>()), None)
            })
        })
    }
}

async fn step(
    client: &CloudTowerClient,
    listing: &Listing,
    signal: Option<web_sys::AbortSignal>,
    on_progress: Option<&Function>,
    yields_pages: bool,
    state: &RefCell<State>,
) -> Result<JsValue, Error> {
    loop {
        // Hand out the held page's items first; no borrow is held across an await below.
        {
            let mut state = state.borrow_mut();
            if !yields_pages && state.next_index < state.page.length() {
                let item = state.page.get(state.next_index);
                state.next_index += 1;
                return iteration(item, false);
            }
            if state.progress.done {
                state.page = Array::new();
                return iteration(JsValue::UNDEFINED, true);
            }
        }
        let call = Call {
            signal: signal.clone(),
            ..client.call_settings(None)?
        };
        if on_progress.is_some() && !state.borrow().counted {
            let total = client.count_listing(listing, &call).await?;
            let mut state = state.borrow_mut();
            state.progress.total = Some(total);
            state.counted = true;
        }
        let body = listing.page_body(&state.borrow().progress);
        let exchange = client
            .v2_exchange(&listing.operation, Some(body), &call)
            .await?;
        let page: Array = parse_json(&exchange.body, listing.operation.name)
            .and_then(|value| {
                value.dyn_into::<Array>().map_err(|_| {
                    Error::new(
                        ErrorCode::Decode,
                        format!("{} did not answer with an array", listing.operation.name),
                    )
                })
            })
            .map_err(|e| with_exchange(e, &exchange))?;
        let received = page.length() as usize;
        let kept = listing.page_len(received) as u32;
        if kept < page.length() {
            page.pop(); // the look-ahead item: it opens the next page
        }
        let last_id = match kept {
            0 => None,
            n => Reflect::get(&page.get(n - 1), &"id".into())
                .ok()
                .and_then(|id| id.as_string()),
        };
        let (loaded, total) = {
            let mut state = state.borrow_mut();
            listing
                .advance(&mut state.progress, received, last_id)
                .map_err(|e| with_exchange(e, &exchange))?;
            state.page = page.clone();
            state.next_index = 0;
            (state.progress.loaded, state.progress.total)
        };
        if let Some(hook) = on_progress {
            let report = Object::new();
            let _ = Reflect::set(&report, &"loaded".into(), &(loaded as f64).into());
            let _ = Reflect::set(
                &report,
                &"total".into(),
                &total.map_or(JsValue::NULL, |t| (t as f64).into()),
            );
            let _ = hook.call1(&JsValue::UNDEFINED, &report);
        }
        if yields_pages && page.length() > 0 {
            state.borrow_mut().page = Array::new();
            return iteration(page.into(), false);
        }
    }
}

fn iteration(value: JsValue, done: bool) -> Result<JsValue, Error> {
    let result = Object::new();
    let _ = Reflect::set(&result, &"value".into(), &value);
    let _ = Reflect::set(&result, &"done".into(), &done.into());
    Ok(result.into())
}
