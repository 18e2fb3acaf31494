//! Waiting for asynchronous changes: which task ids a mutation's answer names, and whether a
//! round of `get-tasks` means done, failed, still running, or lost.

use super::error::{Error, ErrorCode, FailedTask, Result};
use super::json::{object, quoted, At, Json};

/// A task as far as waiting is concerned; the full objects stay JS values.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskView {
    pub id: String,
    pub status: String,
    pub progress: Option<f64>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

impl TaskView {
    fn read(at: At<'_>) -> std::result::Result<Self, String> {
        Ok(Self {
            id: at.field("id").id()?,
            status: at.field("status").string()?,
            progress: at.field("progress").optional_number()?,
            error_code: at.field("error_code").optional_string()?,
            error_message: at.field("error_message").optional_string()?,
        })
    }

    fn ended(&self) -> bool {
        matches!(self.status.as_str(), "SUCCESSED" | "FAILED")
    }
}

/// Rounds a task may be missing from `get-tasks` before waiting gives up: a task created a
/// moment ago can take a round or two to become visible.
pub const MISSING_ROUNDS_TOLERATED: u32 = 5;
pub const DEFAULT_INTERVAL_MS: u32 = 1_000;
pub const DEFAULT_TIMEOUT_MS: u32 = 300_000;

/// The task ids to wait for: given as ids, or read from `WithTask` results (one or an array);
/// `task_id: null` is a change that already happened. Duplicates are dropped, order kept.
pub fn task_ids(input: &Json) -> Result<Vec<String>> {
    let items = match input {
        Json::Array(items) => items.as_slice(),
        Json::Object(_) | Json::String(_) => std::slice::from_ref(input),
        _ => {
            return Err(Error::invalid_argument(
                "tasks",
                "must be task ids or WithTask results",
            ))
        }
    };
    let mut ids: Vec<String> = Vec::new();
    for item in items {
        let id = match item {
            Json::String(id) => Some(id.clone()),
            Json::Object(_) if item.has("task_id") => match item.get("task_id") {
                Json::String(id) => Some(id.clone()),
                Json::Null => None,
                _ => {
                    return Err(Error::invalid_argument(
                        "tasks",
                        "task_id must be a string or null",
                    ))
                }
            },
            _ => {
                return Err(Error::invalid_argument(
                    "tasks",
                    "each entry must be a task id or a WithTask result ({ task_id, data })",
                ))
            }
        };
        if let Some(id) = id.filter(|id| !ids.contains(id)) {
            if id.trim().is_empty() || id.len() > 256 {
                return Err(Error::invalid_argument(
                    "tasks",
                    "task ids must be non-empty strings",
                ));
            }
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The `get-tasks` body of one polling round: all ids in one request.
pub fn poll_body(ids: &[String]) -> String {
    object([("where", object([("id_in", ids.to_vec().into())]))]).to_text()
}

/// What one round of polling found.
#[derive(Clone, Debug, PartialEq)]
pub struct Round {
    pub outcome: Outcome,
    /// Tasks that ended (either way), of `total`.
    pub ended: usize,
    pub total: usize,
    /// Mean progress over all tasks, 0 to 1, ended ones counting 1 and running ones less.
    pub progress: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Every task ended `SUCCESSED`.
    Succeeded,
    /// Every task ended, some `FAILED`.
    Failed(Vec<FailedTask>),
    /// Some tasks still run (or are not visible yet).
    Running,
}

/// Tracks the rounds of one wait.
#[derive(Clone, Debug)]
pub struct Waiter {
    ids: Vec<String>,
    missing_rounds: Vec<u32>,
    /// The scale of `progress` is undocumented: servers send 0–1 or 0–100. Once a running task
    /// reports more than 1, the server counts in percent for the rest of the wait.
    percent: bool,
}

/// A running task is never reported as complete, whatever its `progress` says.
const MAX_RUNNING_PROGRESS: f64 = 0.99;

impl Waiter {
    pub fn new(ids: Vec<String>) -> Self {
        let missing_rounds = vec![0; ids.len()];
        Self {
            ids,
            missing_rounds,
            percent: false,
        }
    }

    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Judges a round from the `get-tasks` answer (`Task[]`).
    pub fn assess(&mut self, body: &Json) -> Result<Round> {
        let tasks = match body {
            Json::Array(_) => At::root(body, "tasks").list(TaskView::read),
            _ => Err("the answer is not an array".to_owned()),
        }
        .map_err(|problem| {
            Error::new(
                ErrorCode::Decode,
                format!("get-tasks: unexpected answer ({problem})"),
            )
            .with_operation("get-tasks")
        })?;
        // An answer must hold the asked tasks, each once: a task of another id (a server that
        // ignored `id_in`) or one listed twice would make the outcome depend on the order.
        for (index, task) in tasks.iter().enumerate() {
            let problem = if !self.ids.contains(&task.id) {
                "which was not asked for"
            } else if tasks.iter().take(index).any(|seen| seen.id == task.id) {
                "twice"
            } else {
                continue;
            };
            return Err(Error::new(
                ErrorCode::Decode,
                format!(
                    "get-tasks: the answer lists task {} {problem}",
                    quoted(&task.id)
                ),
            )
            .with_operation("get-tasks"));
        }
        self.percent |= tasks
            .iter()
            .any(|task| !task.ended() && task.progress.is_some_and(|p| p > 1.0));
        let scale = if self.percent { 100.0 } else { 1.0 };
        let mut ended = 0;
        let mut progress = 0.0;
        let mut failed = Vec::new();
        let mut lost = Vec::new();
        for (id, missing) in self.ids.iter().zip(self.missing_rounds.iter_mut()) {
            match tasks.iter().find(|task| &task.id == id) {
                Some(task) => {
                    *missing = 0;
                    progress += if task.ended() {
                        1.0
                    } else {
                        (task.progress.unwrap_or(0.0) / scale).clamp(0.0, MAX_RUNNING_PROGRESS)
                    };
                    if task.ended() {
                        ended += 1;
                    }
                    if task.status == "FAILED" {
                        failed.push(FailedTask {
                            id: task.id.clone(),
                            error_code: task.error_code.clone(),
                            error_message: task.error_message.clone(),
                        });
                    }
                }
                None => {
                    *missing += 1;
                    if *missing > MISSING_ROUNDS_TOLERATED {
                        lost.push(id.as_str());
                    }
                }
            }
        }
        if !lost.is_empty() {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!(
                    "tasks not found after {MISSING_ROUNDS_TOLERATED} rounds: {}",
                    lost.join(", ")
                ),
            )
            .with_operation("get-tasks"));
        }
        let total = self.ids.len();
        let outcome = match (ended == total, failed.is_empty()) {
            (true, true) => Outcome::Succeeded,
            (true, false) => Outcome::Failed(failed),
            (false, _) => Outcome::Running,
        };
        Ok(Round {
            outcome,
            ended,
            total,
            progress: progress / total as f64,
        })
    }
}

/// The `TASK_FAILED` error, carrying every failed task; the message names the first three.
pub fn failure(failed: Vec<FailedTask>, total: usize) -> Error {
    let described: Vec<String> = failed
        .iter()
        .take(3)
        .map(|task| {
            let code = task
                .error_code
                .as_deref()
                .map(|code| format!("{code}: "))
                .unwrap_or_default();
            let message = task.error_message.as_deref().unwrap_or("no error message");
            format!("task {} ({code}{message})", task.id)
        })
        .collect();
    let more = match failed.len() {
        n if n > 3 => format!(" and {} more", n - 3),
        _ => String::new(),
    };
    let mut error = Error::new(
        ErrorCode::TaskFailed,
        format!(
            "{} of {total} tasks failed: {}{more}",
            failed.len(),
            described.join("; ")
        ),
    )
    .with_operation("get-tasks");
    error.details.failed_tasks = failed;
    error
}

/// The `TIMEOUT` error of a wait, naming what is still running.
pub fn timed_out(waiter: &Waiter, timeout_ms: u32) -> Error {
    Error::new(
        ErrorCode::Timeout,
        format!(
            "tasks still running after {timeout_ms} ms: {}",
            waiter.ids().join(", ")
        ),
    )
    .with_operation("get-tasks")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(text: &str) -> Json {
        crate::core::json::parse(text).unwrap_or_default()
    }

    fn round(outcome: Outcome, ended: usize, total: usize, progress: f64) -> Round {
        Round {
            outcome,
            ended,
            total,
            progress,
        }
    }

    #[test]
    fn ids_come_from_ids_or_with_task_results() {
        assert_eq!(task_ids(&j(r#"["t1","t2","t1"]"#)).unwrap(), ["t1", "t2"]);
        assert_eq!(
            task_ids(&j(
                r#"[{"task_id":"t1","data":{}},{"task_id":null,"data":{}}]"#
            ))
            .unwrap(),
            ["t1"]
        );
        assert_eq!(
            task_ids(&j(r#"{"task_id":"t9","data":{}}"#)).unwrap(),
            ["t9"]
        );
        assert_eq!(task_ids(&j(r#""t3""#)).unwrap(), ["t3"]);
        assert!(task_ids(&j("[]")).unwrap().is_empty());
        for bad in [
            "5",
            "null",
            r#"[5]"#,
            r#"[{"id":"x"}]"#,
            r#"[{"task_id":5}]"#,
            r#"[""]"#,
            "x",
        ] {
            assert_eq!(
                task_ids(&j(bad)).unwrap_err().code,
                ErrorCode::InvalidArgument,
                "{bad}"
            );
        }
        assert_eq!(
            poll_body(&["a".into(), "b".into()]),
            r#"{"where":{"id_in":["a","b"]}}"#
        );
    }

    #[test]
    fn an_answer_holds_the_asked_tasks_each_once() {
        for answer in [
            r#"[{"id":"a","status":"SUCCESSED"},{"id":"a","status":"FAILED"}]"#,
            r#"[{"id":"a","status":"FAILED"},{"id":"a","status":"SUCCESSED"}]"#,
            r#"[{"id":"a","status":"SUCCESSED"},{"id":"zzz","status":"FAILED"}]"#,
        ] {
            let error = Waiter::new(vec!["a".into()])
                .assess(&j(answer))
                .unwrap_err();
            assert_eq!(error.code, ErrorCode::Decode, "{answer}");
            assert!(
                error
                    .message
                    .starts_with("get-tasks: the answer lists task "),
                "{}",
                error.message
            );
        }
    }

    #[test]
    fn rounds_run_until_every_task_ended() {
        let mut waiter = Waiter::new(vec!["a".into(), "b".into()]);
        let running = waiter
            .assess(&j(r#"[{"id":"a","status":"EXECUTING","progress":0.5},{"id":"b","status":"PENDING","progress":0}]"#))
            .unwrap();
        assert_eq!(running, round(Outcome::Running, 0, 2, 0.25));
        let half = waiter
            .assess(&j(r#"[{"id":"a","status":"SUCCESSED","progress":1},{"id":"b","status":"EXECUTING","progress":0.5}]"#))
            .unwrap();
        assert_eq!(half, round(Outcome::Running, 1, 2, 0.75));
        let done = waiter
            .assess(&j(
                r#"[{"id":"b","status":"SUCCESSED"},{"id":"a","status":"SUCCESSED"}]"#,
            ))
            .unwrap();
        assert_eq!(
            done,
            round(Outcome::Succeeded, 2, 2, 1.0),
            "the last round reports full progress too"
        );
    }

    #[test]
    fn progress_is_read_on_either_scale() {
        let mut fraction = Waiter::new(vec!["a".into()]);
        let body = |p: &str| format!(r#"[{{"id":"a","status":"EXECUTING","progress":{p}}}]"#);
        assert_eq!(fraction.assess(&j(&body("0.4"))).unwrap().progress, 0.4);
        assert_eq!(fraction.assess(&j(&body("1"))).unwrap().progress, 0.99);
        let mut percent = Waiter::new(vec!["a".into(), "b".into()]);
        let round = percent
            .assess(&j(r#"[{"id":"a","status":"EXECUTING","progress":40},{"id":"b","status":"EXECUTING","progress":1}]"#))
            .unwrap();
        assert!((round.progress - 0.205).abs() < 1e-9, "{}", round.progress);
        // Once percent, always percent: a later 1 is 1 %, not done.
        let round = percent
            .assess(&j(r#"[{"id":"a","status":"EXECUTING","progress":1},{"id":"b","status":"SUCCESSED","progress":100}]"#))
            .unwrap();
        assert!((round.progress - 0.505).abs() < 1e-9, "{}", round.progress);
        let mut odd = Waiter::new(vec!["a".into()]);
        assert_eq!(odd.assess(&j(&body("-3"))).unwrap().progress, 0.0);
        assert_eq!(odd.assess(&j(&body("1e308"))).unwrap().progress, 0.99);
    }

    #[test]
    fn failures_are_reported_only_when_all_ended_and_all_of_them() {
        let mut waiter = Waiter::new(vec!["a".into(), "b".into(), "c".into()]);
        let body = r#"[{"id":"a","status":"FAILED","error_code":"E1","error_message":"disk full"},{"id":"b","status":"EXECUTING"},{"id":"c","status":"SUCCESSED"}]"#;
        assert_eq!(waiter.assess(&j(body)).unwrap().outcome, Outcome::Running);
        let body = r#"[{"id":"a","status":"FAILED","error_code":"E1","error_message":"disk full"},{"id":"b","status":"FAILED"},{"id":"c","status":"SUCCESSED"}]"#;
        let Outcome::Failed(failed) = waiter.assess(&j(body)).unwrap().outcome else {
            panic!("expected failure")
        };
        assert_eq!(failed.len(), 2);
        let error = failure(failed, 3);
        assert_eq!(error.code, ErrorCode::TaskFailed);
        assert_eq!(
            error.message,
            "2 of 3 tasks failed: task a (E1: disk full); task b (no error message)"
        );
        assert_eq!(error.details.failed_tasks[1].error_message, None);
        let many: Vec<FailedTask> = (0..5)
            .map(|i| FailedTask {
                id: format!("t{i}"),
                error_code: None,
                error_message: None,
            })
            .collect();
        assert!(failure(many, 5)
            .message
            .ends_with("task t2 (no error message) and 2 more"));
    }

    #[test]
    fn a_task_may_be_invisible_for_a_few_rounds_only() {
        let mut waiter = Waiter::new(vec!["late".into()]);
        for _ in 0..MISSING_ROUNDS_TOLERATED {
            assert_eq!(waiter.assess(&j("[]")).unwrap().outcome, Outcome::Running);
        }
        assert_eq!(
            waiter.assess(&j("[]")).unwrap_err().code,
            ErrorCode::NotFound
        );
        let mut seen = Waiter::new(vec!["late".into()]);
        for _ in 0..MISSING_ROUNDS_TOLERATED {
            seen.assess(&j("[]")).unwrap();
        }
        assert_eq!(
            seen.assess(&j(r#"[{"id":"late","status":"SUCCESSED"}]"#))
                .unwrap()
                .outcome,
            Outcome::Succeeded
        );
        assert_eq!(seen.assess(&j("{}")).unwrap_err().code, ErrorCode::Decode);
    }
}
