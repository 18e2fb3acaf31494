// The console server's view of an active/passive CloudTower pair: which node is active, found by
// probing every node at once, cached, and found again (once for any number of waiting requests)
// when the node in use is lost. The protocol is the official Python SDK 2.23's
// (`active_passive_client.py`), as the package's own client follows it: `GET <root>/api/healthz`
// answers 200 on the active node and 307 on a passive one; anything else, or no answer, is a
// failure of that node; exactly one active node is used, none or several is an error.
// The I/O of a probe is the caller's (serve.mjs, with its agents and TLS options).

/** A discovery that elected no node; `status` and `code` go into the proxy's ErrorBody. */
export class PairError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * @param {string[]} roots the nodes, as shown to people (no credential: upstreams carry none)
 * @param {(index: number) => Promise<{state: "active"|"passive"|"failed", detail: string}>} probe
 *   one node's healthz; never rejects; `detail` is a sentence naming the node
 */
export function createPair(roots, probe) {
  // What each node was last seen as; the status endpoint shows it.
  const reports = roots.map((root) => ({ endpoint: root, state: "unknown" }));
  let cached = null; // { index, generation } of the node in use
  let generation = 0;
  let discovering = null;

  async function discover() {
    const results = await Promise.all(roots.map((_, index) => probe(index)));
    results.forEach((result, index) => {
      reports[index] = { endpoint: roots[index], state: result.state, ...(result.state === "failed" && { detail: result.detail }) };
    });
    const active = results.flatMap((result, index) => (result.state === "active" ? [index] : []));
    if (active.length === 1) {
      cached = { index: active[0], generation: ++generation };
      return cached;
    }
    if (active.length === 0) {
      throw new PairError(503, "NO_ACTIVE_ENDPOINT",
        `No active CloudTower node among the console server's upstreams: ${results.map((result) => result.detail).join(" ")}`);
    }
    throw new PairError(502, "MULTIPLE_ACTIVE_ENDPOINTS",
      `More than one upstream claims to be the active CloudTower node (${active.map((index) => roots[index]).join(", ")}): ` +
      "the pair is misconfigured or split, so the console server sent the request to neither. " +
      "If two of these names reach the same CloudTower (localhost and 127.0.0.1, a host name and its address), list it once.");
  }

  return {
    roots,
    /** The node in use: the cached one, or the one a discovery (shared by all callers) elects. Rejects a PairError. */
    active() {
      if (cached) return Promise.resolve(cached);
      discovering ??= discover().finally(() => {
        discovering = null;
      });
      return discovering;
    },
    /**
     * `node` (from active()) was lost: it answered 307 (`state` "passive") or failed. The next request rediscovers, unless a newer discovery already replaced that node: a
     * late answer from the old node must not throw away the new choice.
     */
    lose(node, state, detail) {
      if (cached?.generation !== node.generation) return;
      cached = null;
      reports[node.index] = { endpoint: roots[node.index], state, ...(detail && { detail }) };
    },
    /**
     * `node` (from active()) gave an unexpected answer (a 5xx, or one that could not be passed
     * on): the next request rediscovers, as the official SDK does, but the node keeps the state it
     * was last seen in (the panel must not read as if no node were active) with `detail`, until
     * that discovery says otherwise. Nothing changes when a newer discovery replaced the node.
     */
    recheck(node, detail) {
      if (cached?.generation !== node.generation) return;
      cached = null;
      reports[node.index] = { endpoint: roots[node.index], state: "active", detail };
    },
    /** The nodes and what each was last seen as, for the page (no secret: nodes carry none). */
    snapshot() {
      return reports.map((report, index) => (cached?.index === index ? { endpoint: report.endpoint, state: "active" } : { ...report }));
    },
  };
}
