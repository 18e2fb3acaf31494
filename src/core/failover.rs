//! Active/passive pairs (CloudTower HA, as the official Python SDK 2.23 models them): what a
//! probe answer means, which node a round of probes elects, where a request goes on another
//! node, and the errors when no node or several claim to be active. The I/O (probes, the cached
//! node, one discovery for concurrent calls) is in `client::failover`.

use super::endpoint::Endpoint;
use super::error::{Error, ErrorCode, NodeReport};
use super::request::{HttpRequest, Language, Method};

/// How long a probe may take, as in the Python SDK.
pub const DEFAULT_PROBE_TIMEOUT_MS: u32 = 5_000;
/// A passive node's answer to everything: the request was not performed there.
pub const NOT_HERE: u16 = 307;

/// What the client does when its node answers 307.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strategy {
    /// Rediscover (once for all concurrent calls) and send the request again, once.
    #[default]
    Auto,
    /// Fail with `FAILOVER_REQUIRED`; the next call rediscovers.
    Manual,
    /// Probe before every request; a 307 is then handled as by `Auto`.
    ProbeAlways,
}

impl Strategy {
    pub const ALL: [Strategy; 3] = [Strategy::Auto, Strategy::Manual, Strategy::ProbeAlways];

    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Auto => "auto",
            Strategy::Manual => "manual",
            Strategy::ProbeAlways => "probe-always",
        }
    }
}

/// What one node said to `GET <root>/api/healthz`.
#[derive(Clone, Debug, PartialEq)]
pub enum Probe {
    Active,
    Passive,
    /// Anything else, or no answer: why, without secrets (probes carry no credential).
    Failed(String),
}

impl Probe {
    pub fn from_status(status: u16) -> Self {
        match status {
            200 => Probe::Active,
            NOT_HERE => Probe::Passive,
            other => Probe::Failed(format!("healthz answered HTTP {other}")),
        }
    }

    fn report(&self, endpoint: &Endpoint) -> NodeReport {
        let (state, detail) = match self {
            Probe::Active => ("active", None),
            Probe::Passive => ("passive", None),
            Probe::Failed(why) => ("failed", Some(why.clone())),
        };
        NodeReport::new(endpoint.as_str(), state, detail)
    }
}

/// The probe of one node: no credential, so it can go anywhere the caller configured.
pub fn probe_request(endpoint: &Endpoint, language: Language) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: format!("{}/api/healthz", endpoint.as_str()),
        operation: "healthz".to_owned(),
        idempotent: true,
        language,
        authorization: None,
        body: None,
    }
}

/// The one active node of a round of probes (one per endpoint, in order), or why there is none.
pub fn elect(endpoints: &[Endpoint], probes: &[Probe]) -> Result<usize, Error> {
    let active: Vec<usize> = (0..probes.len())
        .filter(|&i| probes[i] == Probe::Active)
        .collect();
    let reports = || -> Vec<NodeReport> {
        endpoints
            .iter()
            .zip(probes)
            .map(|(endpoint, probe)| probe.report(endpoint))
            .collect()
    };
    match active.as_slice() {
        [one] => Ok(*one),
        [] => {
            let each: Vec<String> = endpoints
                .iter()
                .zip(probes)
                .map(|(endpoint, probe)| match probe {
                    Probe::Failed(why) => format!("{}: {why}", endpoint.as_str()),
                    _ => format!("{}: passive (307)", endpoint.as_str()),
                })
                .collect();
            Err(Error::new(
                ErrorCode::NoActiveEndpoint,
                format!("no active CloudTower node: {}", each.join("; ")),
            )
            .with_endpoints(reports()))
        }
        several => {
            let names: Vec<&str> = several.iter().map(|&i| endpoints[i].as_str()).collect();
            Err(Error::new(
                ErrorCode::MultipleActiveEndpoints,
                format!(
                    "more than one node claims to be active ({}): the pair is misconfigured or split; no request was sent",
                    names.join(", ")
                ),
            )
            .with_endpoints(reports()))
        }
    }
}

/// Reports for a request that `node` answered 307: it is passive, the others unknown.
fn redirected_reports(endpoints: &[Endpoint], node: usize) -> Vec<NodeReport> {
    endpoints
        .iter()
        .enumerate()
        .map(|(i, endpoint)| {
            let state = if i == node { "passive" } else { "unknown" };
            NodeReport::new(endpoint.as_str(), state, None)
        })
        .collect()
}

/// The manual strategy's answer to a 307: nothing was performed; the caller decides.
pub fn failover_required(endpoints: &[Endpoint], node: usize, operation: &str) -> Error {
    Error::new(
        ErrorCode::FailoverRequired,
        format!(
            "{operation}: {} is no longer the active node (307), the request was not performed; the next call discovers the active node",
            endpoints[node].as_str()
        ),
    )
    .with_status(NOT_HERE)
    .with_operation(operation)
    .with_endpoints(redirected_reports(endpoints, node))
}

/// A request answered 307 by the node just discovered as active: the roles keep changing.
pub fn redirected_again(endpoints: &[Endpoint], node: usize, operation: &str) -> Error {
    Error::new(
        ErrorCode::NoActiveEndpoint,
        format!(
            "{operation}: {} answered 307 right after it was found active; the pair is changing roles, the request was not performed",
            endpoints[node].as_str()
        ),
    )
    .with_status(NOT_HERE)
    .with_operation(operation)
    .with_endpoints(redirected_reports(endpoints, node))
}

/// `url`, built on `from`, moved to `to` (same path and query). `None` if `url` was not built
/// on `from`, which would be a bug: the request is then not sent anywhere.
pub fn rebase(url: &str, from: &Endpoint, to: &Endpoint) -> Option<String> {
    let rest = url.strip_prefix(from.as_str())?;
    (rest.is_empty() || rest.starts_with('/')).then(|| format!("{}{rest}", to.as_str()))
}

/// Whether an outcome makes the cached node suspect (the next request rediscovers): no answer
/// (network, timeout, outcome unknown) or a server-side failure.
pub fn loses_node(outcome: Result<u16, ErrorCode>) -> bool {
    match outcome {
        Ok(status) => status >= 500,
        Err(code) => matches!(
            code,
            ErrorCode::Network | ErrorCode::Timeout | ErrorCode::OutcomeUnknown
        ),
    }
}

/// The most nodes `endpoints` may list. CloudTower's HA is a pair; a few more are tolerated, but
/// every discovery probes every node at once, so a list of hundreds is a mistake to refuse.
pub const MAX_NODES: usize = 8;

/// Refuses more than [`MAX_NODES`] nodes, and the same node twice: it would make the pair a
/// single node that always "has" a peer.
pub fn distinct(endpoints: &[Endpoint]) -> Result<(), Error> {
    if endpoints.len() > MAX_NODES {
        return Err(Error::invalid_argument(
            "options.endpoints",
            format!(
                "lists {} endpoints; an active/passive pair has two, and at most {MAX_NODES} are accepted",
                endpoints.len()
            ),
        ));
    }
    for (i, endpoint) in endpoints.iter().enumerate() {
        if endpoints[..i].contains(endpoint) {
            return Err(Error::invalid_argument(
                &format!("endpoints[{i}]"),
                format!("{} is listed twice", endpoint.as_str()),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> Vec<Endpoint> {
        ["https://a.example", "https://b.example/tower"]
            .iter()
            .map(|e| Endpoint::parse(e).unwrap())
            .collect()
    }

    #[test]
    fn a_pair_lists_distinct_nodes_and_not_too_many() {
        assert!(distinct(&pair()).is_ok());
        let twice = [pair(), pair()].concat();
        assert!(distinct(&twice)
            .unwrap_err()
            .message
            .contains("listed twice"));
        let many: Vec<Endpoint> = (0..=MAX_NODES)
            .map(|i| Endpoint::parse(&format!("https://node-{i}.example")).unwrap())
            .collect();
        let error = distinct(&many).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidArgument);
        assert!(
            error
                .message
                .starts_with("options.endpoints: lists 9 endpoints"),
            "{}",
            error.message
        );
        assert!(distinct(&many[..MAX_NODES]).is_ok());
    }

    #[test]
    fn probes_read_200_as_active_307_as_passive_anything_else_as_failure() {
        assert_eq!(Probe::from_status(200), Probe::Active);
        assert_eq!(Probe::from_status(307), Probe::Passive);
        for status in [0, 204, 301, 302, 308, 401, 500, 503] {
            assert!(matches!(Probe::from_status(status), Probe::Failed(_)));
        }
    }

    #[test]
    fn exactly_one_active_node_is_elected_wherever_it_is() {
        let nodes = pair();
        assert_eq!(elect(&nodes, &[Probe::Active, Probe::Passive]), Ok(0));
        assert_eq!(elect(&nodes, &[Probe::Passive, Probe::Active]), Ok(1));
        let down = Probe::Failed("ECONNREFUSED".into());
        assert_eq!(elect(&nodes, &[down, Probe::Active]), Ok(1));
    }

    #[test]
    fn no_active_node_lists_every_nodes_failure() {
        let nodes = pair();
        let error = elect(
            &nodes,
            &[
                Probe::Failed("fetch failed (ECONNREFUSED)".into()),
                Probe::Passive,
            ],
        )
        .unwrap_err();
        assert_eq!(error.code, ErrorCode::NoActiveEndpoint);
        assert!(error
            .message
            .contains("https://a.example: fetch failed (ECONNREFUSED)"));
        assert!(error.message.contains("https://b.example/tower: passive"));
        let states: Vec<_> = error.details.endpoints.iter().map(|r| r.state).collect();
        assert_eq!(states, ["failed", "passive"]);
        assert_eq!(
            error.details.endpoints[0].detail.as_deref(),
            Some("fetch failed (ECONNREFUSED)")
        );
        let both_passive = elect(&nodes, &[Probe::Passive, Probe::Passive]).unwrap_err();
        assert_eq!(both_passive.code, ErrorCode::NoActiveEndpoint);
    }

    #[test]
    fn two_active_nodes_are_refused() {
        let error = elect(&pair(), &[Probe::Active, Probe::Active]).unwrap_err();
        assert_eq!(error.code, ErrorCode::MultipleActiveEndpoints);
        assert!(error
            .message
            .contains("https://a.example, https://b.example/tower"));
        assert_eq!(error.details.endpoints.len(), 2);
    }

    #[test]
    fn a_307_names_the_passive_node() {
        let error = failover_required(&pair(), 1, "get-vms");
        assert_eq!(
            (error.code, error.status),
            (ErrorCode::FailoverRequired, 307)
        );
        let states: Vec<_> = error.details.endpoints.iter().map(|r| r.state).collect();
        assert_eq!(states, ["unknown", "passive"]);
        assert_eq!(
            redirected_again(&pair(), 0, "login").code,
            ErrorCode::NoActiveEndpoint
        );
    }

    #[test]
    fn requests_move_between_configured_nodes_only() {
        let [a, b] = <[Endpoint; 2]>::try_from(pair()).unwrap();
        assert_eq!(
            rebase("https://a.example/v2/api/get-vms", &a, &b).as_deref(),
            Some("https://b.example/tower/v2/api/get-vms")
        );
        assert_eq!(
            rebase("https://b.example/tower/api", &b, &a).as_deref(),
            Some("https://a.example/api")
        );
        assert_eq!(rebase("https://a.example.evil/api", &a, &b), None);
        assert_eq!(rebase("https://elsewhere/api", &a, &b), None);
        assert_eq!(
            probe_request(&b, Language::EnUs).url,
            "https://b.example/tower/api/healthz"
        );
        assert!(probe_request(&a, Language::EnUs).authorization.is_none());
    }

    #[test]
    fn lost_answers_make_the_node_suspect() {
        assert!(loses_node(Err(ErrorCode::Network)));
        assert!(loses_node(Err(ErrorCode::OutcomeUnknown)));
        assert!(loses_node(Ok(503)));
        assert!(!loses_node(Ok(404)));
        assert!(!loses_node(Ok(401)));
        assert!(!loses_node(Err(ErrorCode::Aborted)));
    }

    #[test]
    fn a_node_listed_twice_is_refused() {
        let a = Endpoint::parse("https://a.example").unwrap();
        assert!(distinct(&pair()).is_ok());
        let error = distinct(&[a.clone(), a]).unwrap_err();
        assert!(error.message.starts_with("endpoints[1]: "));
    }
}
