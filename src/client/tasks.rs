//! Waiting for tasks: one `get-tasks` per round for all ids, until every task ended.

use wasm_bindgen::JsValue;

use super::{with_exchange, Call, Client};
use crate::convert;
use crate::core::error::{Error, ErrorCode};
use crate::core::json::{object, Json};
use crate::core::operations;
use crate::core::request::validate_optional_timeout;
use crate::core::tasks::{self, Outcome, Waiter};
use crate::transport;

/// What `onProgress` of `waitForTasks` receives after each round.
pub struct WaitProgress {
    pub ended: usize,
    pub total: usize,
    /// Mean progress over all tasks, 0 to 1, ended ones counting 1.
    pub progress: f64,
}

impl WaitProgress {
    pub fn to_json(&self) -> Json {
        object([
            ("ended", (self.ended as u64).into()),
            ("total", (self.total as u64).into()),
            ("progress", self.progress.into()),
        ])
    }
}

impl Client {
    /// Polls until every task of `tasks` (ids or `WithTask` results) ended; resolves with the
    /// final tasks, rejects `TASK_FAILED` with every failed task, or `TIMEOUT`.
    pub async fn wait_for_tasks(
        &self,
        tasks: &Json,
        interval_ms: Option<f64>,
        timeout_ms: Option<f64>,
        call: &Call,
        on_progress: impl Fn(&Json),
    ) -> Result<JsValue, Error> {
        let interval_ms = validate_optional_timeout(
            "options.intervalMs",
            interval_ms,
            tasks::DEFAULT_INTERVAL_MS,
        )?;
        let timeout_ms =
            validate_optional_timeout("options.timeoutMs", timeout_ms, tasks::DEFAULT_TIMEOUT_MS)?;
        let ids = tasks::task_ids(tasks)?;
        if ids.is_empty() {
            return Ok(js_sys::Array::new().into());
        }
        let get_tasks = operations::lookup("get-tasks")?;
        let mut waiter = Waiter::new(ids);
        let deadline = js_sys::Date::now() + f64::from(timeout_ms);
        loop {
            // No round outlives the wait itself (finding an HA pair's active node included).
            let remaining = (deadline - js_sys::Date::now()).max(1.0) as u32;
            let round_call = Call {
                timeout_ms: call.timeout_ms.min(remaining),
                ..call.clone()
            };
            let body = Some(tasks::poll_body(waiter.ids()));
            let (exchange, answer) = match self.v2_envelope(&get_tasks, body, &round_call).await {
                // The round was cut by the wait's own deadline: the wait timed out.
                Err(error)
                    if error.code == ErrorCode::Timeout
                        && round_call.timeout_ms < call.timeout_ms =>
                {
                    return Err(tasks::timed_out(&waiter, timeout_ms))
                }
                other => other?,
            };
            let round = waiter
                .assess(answer.json())
                .map_err(|e| with_exchange(e, &exchange))?;
            on_progress(
                &WaitProgress {
                    ended: round.ended,
                    total: round.total,
                    progress: round.progress,
                }
                .to_json(),
            );
            match round.outcome {
                Outcome::Succeeded => return convert::parse_json(&exchange.body, get_tasks.name),
                Outcome::Failed(failed) => {
                    return Err(with_exchange(
                        tasks::failure(failed, round.total),
                        &exchange,
                    ))
                }
                Outcome::Running => {}
            }
            let remaining = deadline - js_sys::Date::now();
            if remaining <= 0.0 {
                return Err(tasks::timed_out(&waiter, timeout_ms));
            }
            transport::sleep(
                remaining.min(f64::from(interval_ms)) as u32,
                call.signal.as_ref(),
            )
            .await?;
        }
    }
}
