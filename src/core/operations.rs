//! The v2 operation catalogue (generated from the spec into `catalogue.rs`) and the decisions
//! that depend on it: which names exist, how each is called, what it returns.

use super::catalogue::{OPERATIONS, SPEC_VERSION};
use super::error::{Error, ErrorCode, Result};
use super::json::quoted;
use super::request::Method;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: <token or API key>`.
    Credential,
    /// No credential (`login`, `get-version`, `create-root-user`).
    None,
    /// HTTP Basic (`resource-changes`), which this client does not hold.
    Basic,
}

/// The top-level JSON type of an answer, the part of an operation's response schema that the
/// client checks without rebuilding the (possibly large) value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    Array,
    Object,
    String,
    Other,
}

impl JsonKind {
    fn describe(self) -> &'static str {
        match self {
            JsonKind::Array => "a JSON array",
            JsonKind::Object => "a JSON object",
            JsonKind::String => "a JSON string",
            JsonKind::Other => "a JSON number, boolean or null",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operation {
    pub name: &'static str,
    pub method: Method,
    pub auth: Auth,
    pub response: JsonKind,
}

impl Operation {
    /// Reads (`get-*`) are safe to retry; everything else may change state.
    pub fn is_read(&self) -> bool {
        self.name.starts_with("get-")
    }

    pub fn check_response_kind(&self, actual: JsonKind) -> Result<()> {
        if actual == self.response {
            return Ok(());
        }
        Err(Error::new(
            ErrorCode::Decode,
            format!(
                "{} answered with {} where the API describes {}",
                self.name,
                actual.describe(),
                self.response.describe()
            ),
        )
        .with_operation(self.name))
    }
}

/// An operation from its decoded name and its catalogue flags (`A`, `O`, `S` for a POST with a
/// credential; otherwise method, auth and response).
fn operation(name: &'static str, flags: &str) -> Option<Operation> {
    let mut flags = flags.chars();
    let (method, auth, response) = match (flags.next()?, flags.next(), flags.next()) {
        (response, None, None) => ('P', 'T', response),
        (method, Some(auth), Some(response)) => (method, auth, response),
        _ => return None,
    };
    Some(Operation {
        name,
        method: match method {
            'G' => Method::Get,
            _ => Method::Post,
        },
        auth: match auth {
            'N' => Auth::None,
            'B' => Auth::Basic,
            _ => Auth::Credential,
        },
        response: match response {
            'A' => JsonKind::Array,
            'O' => JsonKind::Object,
            'S' => JsonKind::String,
            _ => JsonKind::Other,
        },
    })
}

/// The catalogue decoded: its names are front-coded (each shares a counted prefix with the
/// previous one), so they are spelled out once, into one string kept for the thread's life.
fn decode() -> Vec<Operation> {
    let mut names = String::with_capacity(2 * OPERATIONS.len());
    let mut entries = Vec::new();
    let mut previous = 0..0;
    for line in OPERATIONS.lines() {
        let shared = line
            .get(..2)
            .and_then(|digits| digits.parse::<usize>().ok());
        let (Some(shared), Some((rest, flags))) =
            (shared, line.get(2..).and_then(|rest| rest.split_once(' ')))
        else {
            continue;
        };
        let start = names.len();
        let prefix = previous.start..(previous.start + shared).min(previous.end);
        let prefix = names.get(prefix).unwrap_or_default().to_owned();
        names.push_str(&prefix);
        names.push_str(rest);
        previous = start..names.len();
        entries.push((previous.clone(), flags));
    }
    let names: &'static str = Box::leak(names.into_boxed_str());
    entries
        .into_iter()
        .filter_map(|(span, flags)| operation(names.get(span)?, flags))
        .collect()
}

/// Every operation, sorted by name, decoded once per thread.
fn index() -> &'static [Operation] {
    thread_local! {
        static INDEX: &'static [Operation] = Box::leak(decode().into_boxed_slice());
    }
    INDEX.with(|index| *index)
}

pub fn all() -> impl Iterator<Item = Operation> {
    index().iter().copied()
}

/// Binary search over the catalogue, which is sorted by name: every call looks its operation up.
fn find(name: &str) -> Option<Operation> {
    let index = index();
    index
        .binary_search_by(|operation| operation.name.cmp(name))
        .ok()
        .and_then(|at| index.get(at).copied())
}

/// The catalogue entry for `name`, or `INVALID_ARGUMENT` suggesting the closest known names.
pub fn lookup(name: &str) -> Result<Operation> {
    if let Some(operation) = find(name) {
        return Ok(operation);
    }
    let shown: String = name.chars().take(80).collect();
    let suggestions = closest(name);
    let hint = if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    };
    Err(Error::invalid_argument(
        "operation",
        format!(
            "{} is not a CloudTower {SPEC_VERSION} v2 operation{hint}",
            quoted(&shown)
        ),
    ))
}

/// Up to three names within a small edit distance, closest first.
fn closest(name: &str) -> Vec<&'static str> {
    let wanted = name.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    if wanted.is_empty() || wanted.len() > 80 {
        return Vec::new();
    }
    let limit = (wanted.len() / 3).max(2);
    let mut scored: Vec<(usize, &'static str)> = all()
        .map(|operation| (edit_distance(&wanted, operation.name), operation.name))
        .filter(|(distance, _)| *distance <= limit)
        .collect();
    // The three closest by a selection, not a sort: the catalogue is sorted by name, so equal
    // distances keep that order, and no sorting code is linked into the wasm.
    let mut closest = Vec::new();
    for _ in 0..3 {
        let Some(at) = (0..scored.len()).min_by_key(|&i| scored[i].0) else {
            break;
        };
        closest.push(scored.remove(at).1);
    }
    closest
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_the_whole_spec_and_well_formed() {
        let operations: Vec<Operation> = all().collect();
        assert_eq!(operations.len(), OPERATIONS.lines().count());
        assert_eq!(operations.len(), 554);
        assert!(
            operations
                .windows(2)
                .all(|pair| pair[0].name < pair[1].name),
            "sorted, as the binary search needs"
        );
        assert!(operations.iter().all(|op| find(op.name) == Some(*op)));
        assert!(operations.iter().all(|op| op
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')));
    }

    #[test]
    fn front_coded_names_decode_to_the_spec_names() {
        // The CLI's list, generated from the same spec, spells every name out.
        let cli = include_str!("../../pkg-template/cli/operations.mjs");
        let spelled: Vec<&str> = cli
            .lines()
            .filter_map(|line| line.split_once(' '))
            .filter(|(_, flags)| flags.len() == 2 && flags.chars().all(|c| c.is_ascii_uppercase()))
            .map(|(name, _)| name)
            .collect();
        let decoded: Vec<&str> = all().map(|operation| operation.name).collect();
        let missing: Vec<_> = spelled
            .iter()
            .filter(|name| !decoded.contains(name))
            .collect();
        let extra: Vec<_> = decoded
            .iter()
            .filter(|name| !spelled.contains(name))
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty() && decoded == spelled,
            "missing {missing:?}, extra {extra:?}"
        );
    }

    #[test]
    fn knows_how_each_operation_is_called() {
        let vms = lookup("get-vms").unwrap();
        assert_eq!(
            (vms.method, vms.auth, vms.response),
            (Method::Post, Auth::Credential, JsonKind::Array)
        );
        assert!(vms.is_read());
        let version = lookup("get-version").unwrap();
        assert_eq!(
            (version.method, version.auth, version.response),
            (Method::Get, Auth::None, JsonKind::String)
        );
        let login = lookup("login").unwrap();
        assert_eq!((login.auth, login.response), (Auth::None, JsonKind::Object));
        assert!(!lookup("start-vm").unwrap().is_read());
    }

    #[test]
    fn unknown_operations_suggest_the_closest_names() {
        let error = lookup("get-vm").unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidArgument);
        assert!(
            error.message.starts_with("operation: "),
            "{}",
            error.message
        );
        assert!(error.message.contains("get-vms"), "{}", error.message);
        let error = lookup("get_vms_connection").unwrap_err();
        assert!(
            error.message.contains("get-vms-connection"),
            "{}",
            error.message
        );
        for hostile in ["../login", "get-vms?x=1", "get-vms#", "%2e%2e", ""] {
            assert_eq!(
                lookup(hostile).unwrap_err().code,
                ErrorCode::InvalidArgument
            );
        }
    }

    #[test]
    fn response_kind_mismatch_is_a_decode_error() {
        let vms = lookup("get-vms").unwrap();
        assert!(vms.check_response_kind(JsonKind::Array).is_ok());
        let error = vms.check_response_kind(JsonKind::Object).unwrap_err();
        assert_eq!(error.code, ErrorCode::Decode);
        assert_eq!(error.operation.as_deref(), Some("get-vms"));
    }
}
