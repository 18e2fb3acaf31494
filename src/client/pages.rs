//! `paginate`: the pages of a `get-*` listing, one held at a time. The paging decisions live
//! in `core::paging`; this loops, holds the page and hands out items.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use super::{with_exchange, Call, Client};
use crate::convert;
use crate::core::error::{Error, ErrorCode};
use crate::core::operations::Operation;
use crate::core::paging::{self, Listing, ListingBody, PageIds, Progress};

impl Client {
    /// The number of items a listing's filter matches, from its `-connection` twin.
    pub async fn count(
        &self,
        connection: &Operation,
        body: String,
        call: &Call,
    ) -> Result<u64, Error> {
        let (exchange, answer) = self.v2_envelope(connection, Some(body), call).await?;
        paging::parse_count(connection.name, answer.json()).map_err(|e| with_exchange(e, &exchange))
    }
}

struct State {
    progress: Progress,
    counted: bool,
    page: Array,
    next_index: u32,
    busy: bool,
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

/// One iteration over a listing: items (or whole pages) in order, one page in memory.
#[derive(Clone)]
pub struct Pager {
    client: Client,
    listing: Rc<Listing>,
    signal: Option<AbortSignal>,
    on_progress: Option<Function>,
    yields_pages: bool,
    state: Rc<RefCell<State>>,
}

/// One step of an iteration: the next item (or page), or the end.
pub enum Step {
    Item(JsValue),
    Done,
}

impl Pager {
    pub fn new(
        client: Client,
        operation: &str,
        body: ListingBody,
        page_size: Option<f64>,
        signal: Option<AbortSignal>,
        on_progress: Option<Function>,
    ) -> Result<Self, Error> {
        Ok(Self {
            client,
            listing: Rc::new(Listing::new(operation, body, page_size)?),
            signal,
            on_progress,
            yields_pages: false,
            state: Rc::new(RefCell::new(State::fresh())),
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The same listing, page by page, from the start.
    pub fn pages(&self) -> Self {
        Self {
            yields_pages: true,
            state: Rc::new(RefCell::new(State::fresh())),
            ..self.clone()
        }
    }

    /// The next item or page; one step at a time (a second `next()` before the first settled
    /// is refused rather than interleaved).
    pub async fn next(&self) -> Result<Step, Error> {
        if std::mem::replace(&mut self.state.borrow_mut().busy, true) {
            return Err(Error::new(
                ErrorCode::InvalidArgument,
                "paginate: await each next() before calling it again",
            ));
        }
        let result = self.step().await;
        self.state.borrow_mut().busy = false;
        result
    }

    async fn step(&self) -> Result<Step, Error> {
        let state = &self.state;
        loop {
            // Hand out the held page's items first; no borrow is held across an await below.
            {
                let mut state = state.borrow_mut();
                if !self.yields_pages && state.next_index < state.page.length() {
                    let item = state.page.get(state.next_index);
                    state.next_index += 1;
                    return Ok(Step::Item(item));
                }
                if state.progress.done {
                    state.page = Array::new();
                    return Ok(Step::Done);
                }
            }
            let call = self.client.call_with_signal(self.signal.clone());
            if self.on_progress.is_some() && !state.borrow().counted {
                let listing = &self.listing;
                let total = self
                    .client
                    .count(&listing.connection, listing.count_body(), &call)
                    .await?;
                let mut state = state.borrow_mut();
                state.progress.total = Some(total);
                state.counted = true;
            }
            let body = self.listing.page_body(&state.borrow().progress);
            let exchange = self
                .client
                .v2_exchange(&self.listing.operation, Some(body), &call, false)
                .await?;
            let name = self.listing.operation.name;
            let page: Array = convert::parse_json(&exchange.body, name)
                .and_then(|value| {
                    value.dyn_into::<Array>().map_err(|_| {
                        Error::new(
                            ErrorCode::Decode,
                            format!("{name} did not answer with an array"),
                        )
                    })
                })
                .map_err(|e| with_exchange(e, &exchange))?;
            let received = page.length() as usize;
            let kept = self.listing.page_len(received) as u32;
            let id_at = |index: u32| {
                (index < page.length())
                    .then(|| Reflect::get(&page.get(index), &"id".into()).ok())
                    .flatten()
                    .and_then(|id| id.as_string())
            };
            let ids = PageIds {
                page: (0..kept).filter_map(id_at).collect(),
                lookahead: (kept < page.length()).then(|| id_at(kept)).flatten(),
            };
            if kept < page.length() {
                page.pop(); // the look-ahead item: it opens the next page
            }
            let (loaded, total) = {
                let mut state = state.borrow_mut();
                self.listing
                    .advance(&mut state.progress, received, ids)
                    .map_err(|e| with_exchange(e, &exchange))?;
                state.page = page.clone();
                state.next_index = 0;
                (state.progress.loaded, state.progress.total)
            };
            if let Some(hook) = &self.on_progress {
                let report =
                    crate::core::json::object([("loaded", loaded.into()), ("total", total.into())]);
                convert::notify(hook, &convert::from_json(&report));
            }
            if self.yields_pages && page.length() > 0 {
                state.borrow_mut().page = Array::new();
                return Ok(Step::Item(page.into()));
            }
        }
    }
}
