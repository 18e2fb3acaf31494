//! Active/passive pairs: the node requests go to, found by probing every node, cached and shared
//! by every handle of the client (`withApiKey`/`withToken` too), and found again once for all
//! the calls that lose it together. What the probes mean is decided in `core::failover`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::Call;
use crate::core::endpoint::Endpoint;
use crate::core::error::{Error, ErrorCode};
use crate::core::failover::{self, Probe, Strategy};
use crate::core::request::Language;
use crate::transport::{self, Transport};

pub struct Pair {
    endpoints: Vec<Endpoint>,
    strategy: Strategy,
    probe_timeout_ms: u32,
    transport: Transport,
    state: RefCell<State>,
}

/// A node to send to, and which discovery chose it: a 307 from a node chosen by an older
/// discovery must not discard the newer choice (concurrent calls answered 307 one after another
/// would otherwise start one discovery each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    pub index: usize,
    generation: u64,
}

#[derive(Default)]
struct State {
    active: Option<Node>,
    discoveries: u64,
    under_way: Option<Discovery>,
}

/// A discovery every caller can wait for: `done` resolves once `outcome` is set.
#[derive(Clone)]
struct Discovery {
    done: Promise,
    outcome: Rc<RefCell<Option<Result<Node, Error>>>>,
}

impl Pair {
    pub fn new(
        endpoints: Vec<Endpoint>,
        strategy: Strategy,
        probe_timeout_ms: u32,
        transport: Transport,
    ) -> Self {
        Self {
            endpoints,
            strategy,
            probe_timeout_ms,
            transport,
            state: RefCell::default(),
        }
    }

    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// The node in use, if one has been found and not lost since.
    pub fn active_endpoint(&self) -> Option<&Endpoint> {
        let active = self.state.borrow().active;
        active.map(|node| &self.endpoints[node.index])
    }

    /// The node for the next request: the cached one (except with `probe-always`), else the
    /// outcome of a discovery, joining the one under way if there is one.
    pub async fn node(self: &Rc<Self>, call: &Call) -> Result<Node, Error> {
        let language = call.language;
        let discovery = {
            let mut state = self.state.borrow_mut();
            match (state.active, &state.under_way) {
                (Some(node), _) if self.strategy != Strategy::ProbeAlways => return Ok(node),
                (_, Some(discovery)) => discovery.clone(),
                _ => {
                    let discovery = self.start(language);
                    state.under_way = Some(discovery.clone());
                    discovery
                }
            }
        };
        // `done` only ever resolves; this caller stops waiting at its own deadline or abort
        // (the discovery goes on for the others).
        transport::within(
            discovery.done,
            call.timeout_ms,
            call.signal.as_ref(),
            "finding the active node",
        )
        .await?;
        let outcome = discovery.outcome.borrow().clone();
        outcome.unwrap_or_else(|| {
            Err(Error::new(
                ErrorCode::NoActiveEndpoint,
                "the discovery of the active node ended without an outcome",
            ))
        })
    }

    /// Forgets `node` if it is still the cached one: the next request rediscovers.
    pub fn lost(&self, node: Node) {
        let mut state = self.state.borrow_mut();
        if state.active == Some(node) {
            state.active = None;
        }
    }

    /// Runs a discovery on its own task (a promise), so no caller's fate (an abort, a drop) can
    /// leave the others waiting; it has no caller's signal, only the probe deadline.
    fn start(self: &Rc<Self>, language: Language) -> Discovery {
        let outcome = Rc::new(RefCell::new(None));
        let (pair, slot) = (self.clone(), outcome.clone());
        let done = future_to_promise(async move {
            let elected = pair.probe_all(language).await;
            let mut state = pair.state.borrow_mut();
            state.under_way = None;
            if elected.is_ok() {
                state.discoveries += 1;
            }
            let generation = state.discoveries;
            let result = elected.map(|index| Node { index, generation });
            state.active = result.as_ref().ok().copied();
            *slot.borrow_mut() = Some(result);
            Ok(JsValue::UNDEFINED)
        });
        Discovery { done, outcome }
    }

    /// Probes every node at once (a node that does not answer costs one probe deadline, not
    /// one per node) and elects the active one.
    async fn probe_all(&self, language: Language) -> Result<usize, Error> {
        let probes: Rc<RefCell<Vec<Probe>>> =
            Rc::new(RefCell::new(vec![
                Probe::Failed("not probed".into());
                self.endpoints.len()
            ]));
        let running: Vec<Promise> = self
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, endpoint)| {
                let request = failover::probe_request(endpoint, language);
                let (transport, timeout, probes) = (
                    self.transport.clone(),
                    self.probe_timeout_ms,
                    probes.clone(),
                );
                future_to_promise(async move {
                    let probe = match transport.send(&request, timeout, None, true).await {
                        Ok(exchange) => Probe::from_status(exchange.status),
                        Err(mut error) => Probe::Failed(std::mem::take(&mut error.message)),
                    };
                    probes.borrow_mut()[i] = probe;
                    Ok(JsValue::UNDEFINED)
                })
            })
            .collect();
        for probe in running {
            let _ = JsFuture::from(probe).await;
        }
        let probes = probes.borrow();
        failover::elect(&self.endpoints, &probes)
    }
}
