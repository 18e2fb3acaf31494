// Active/passive pairs (`endpoints`) against a simulator pair: discovery, failover in the middle of
// flows, safe retries, the errors, credentials that never leave the pair, one discovery for many
// concurrent calls.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import { CloudTowerClient, CloudTowerError } from "../../pkg/index.mjs";
import { simulator, rejectionOf, refusalOf, ACCOUNTS } from "./helpers.mjs";

const HEALTHZ = "/api/healthz";
const admin = { username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password };

async function pair(t, options = {}) {
  return simulator(t, { pair: true, ...options });
}

async function loggedInPair(sim, options = {}) {
  const client = new CloudTowerClient({ endpoints: sim.urls, ...options });
  await client.login(admin);
  return client;
}

const probes = (sim) => sim.state.requestCount({ path: HEALTHZ });
/** Requests other than probes that reached `node`. */
const served = (sim, node) => sim.state.requests.filter((r) => r.node === node && r.path !== HEALTHZ);

function assertPairError(error, code, sim) {
  assert.ok(error instanceof CloudTowerError, `expected CloudTowerError, got ${error}`);
  assert.equal(error.code, code, error.message);
  assert.deepEqual(error.endpoints.map((node) => node.endpoint), sim.urls);
}

test("discovery finds the active node whether it is listed first or second", async (t) => {
  const sim = await pair(t);
  for (const [active, endpoints] of [[0, sim.urls], [1, sim.urls], [0, [...sim.urls].reverse()]]) {
    sim.ha.set({ active });
    const before = probes(sim);
    const client = new CloudTowerClient({ endpoints });
    assert.equal(client.activeEndpoint, null, "nothing known before the first request");
    await client.login(admin);
    assert.equal(client.activeEndpoint, sim.urls[active]);
    assert.ok(Array.isArray(await client.call("get-vms", { first: 1 })));
    assert.equal(probes(sim) - before, 2, "one probe per node, then the node is cached");
    assert.equal(client.withApiKey("k".repeat(32)).activeEndpoint, sim.urls[active], "derived clients share the pair");
  }
  assert.equal(served(sim, 1).filter((r) => r.status !== 307).length, 1 + 1, "node 1 served only while it was active");
  const single = new CloudTowerClient({ endpoint: sim.urls[0] });
  assert.equal(single.activeEndpoint, sim.urls[0], "one endpoint is always the one in use");
});

test("a failover in the middle of paginate: every item once, in order", async (t) => {
  const sim = await pair(t, { vms: 60 });
  const client = await loggedInPair(sim);
  const expected = (await client.call("get-vms", { orderBy: "id_ASC" })).map((vm) => vm.id);
  const ids = [];
  for await (const vm of client.paginate("get-vms", { orderBy: "id_ASC" }, { pageSize: 7 })) {
    ids.push(vm.id);
    if (ids.length === 10 || ids.length === 40) sim.ha.failover();
  }
  assert.deepEqual(ids, expected);
  assert.equal(sim.state.requestCount({ path: "/v2/api/get-vms", status: 307 }), 2, "each failover cost one 307");
  assert.equal(client.activeEndpoint, sim.urls[0], "back on node 0 after two failovers");
});

test("a failover during waitForTasks: the polling continues on the new node", async (t) => {
  // Long enough that the first round always finds the tasks running, whatever the machine's load.
  const sim = await pair(t, { vms: 60, taskDurationMs: 2500 });
  const client = await loggedInPair(sim);
  const stopped = await client.call("get-vms", { where: { status: "STOPPED", name_not: "vm-doomed" }, first: 2 });
  const results = await client.call("start-vm", { where: { id_in: stopped.map((vm) => vm.id) } });
  let rounds = 0;
  const tasks = await client.waitForTasks(results, {
    intervalMs: 20,
    onProgress: () => {
      if (rounds++ === 0) sim.ha.failover();
    },
  });
  assert.deepEqual(tasks.map((task) => task.status), ["SUCCESSED", "SUCCESSED"]);
  assert.equal(sim.state.requestCount({ path: "/v2/api/get-tasks", status: 307, node: 0 }), 1);
  assert.ok(sim.state.requestCount({ path: "/v2/api/get-tasks", status: 200, node: 1 }) >= 1);
  assert.equal(client.activeEndpoint, sim.urls[1]);
});

test("a mutation answered 307 was not performed there: it is performed once, on the active node", async (t) => {
  const sim = await pair(t);
  const client = await loggedInPair(sim);
  sim.ha.failover();
  const key = await client.createApiKey({ name: "after-failover" });
  assert.ok(sim.state.hasApiKey(key.key));
  assert.deepEqual(sim.state.apiKeys().map((k) => k.name), ["after-failover"], "issued exactly once");
  const sent = sim.state.requests.filter((r) => r.operation === "createApiKey").map((r) => [r.node, r.status]);
  assert.deepEqual(sent, [[0, 307], [1, 200]]);
  // A v2 mutation too: start-vm creates one task per VM, once.
  const [vm] = await client.call("get-vms", { where: { status: "STOPPED", name_not: "vm-doomed" }, first: 1 });
  sim.ha.failover();
  const started = await client.call("start-vm", { where: { id: vm.id } });
  assert.equal(started.length, 1);
  assert.deepEqual(sim.state.requests.filter((r) => r.operation === "start-vm").map((r) => [r.node, r.status]), [[1, 307], [0, 200]]);
});

test("a mutation whose connection drops after sending is OUTCOME_UNKNOWN and never replayed on the other node", async (t) => {
  const sim = await pair(t);
  const client = await loggedInPair(sim);
  // Shape 1: the active node performs it, then the connection dies.
  sim.faults.add({ path: "/api", operation: "createApiKey", kind: "reset", execute: true });
  const unknown = await rejectionOf(client.createApiKey({ name: "maybe" }));
  assert.equal(unknown.code, "OUTCOME_UNKNOWN", unknown.message);
  assert.equal(sim.state.requestCount({ operation: "createApiKey" }), 1, "sent once in total");
  assert.deepEqual(sim.state.apiKeys().map((k) => k.name), ["maybe"]);
  assert.equal(client.activeEndpoint, null, "the node is suspect: the next call rediscovers");
  await client.currentUser();
  assert.equal(client.activeEndpoint, sim.urls[0]);
  // Shape 2: the node becomes unreachable and the other one active; a reset before any answer.
  sim.ha.set({ unreachable: [0], active: 1 });
  const lost = await rejectionOf(client.createApiKey({ name: "lost" }));
  assert.ok(["OUTCOME_UNKNOWN", "NETWORK"].includes(lost.code), lost.message);
  assert.equal(sim.state.requestCount({ operation: "createApiKey", node: 1 }), 0, "never replayed on node 1");
  assert.deepEqual(sim.state.apiKeys().map((k) => k.name), ["maybe"], "performed at most once: here never");
  // Reads, by contrast, follow the retry policy onto the new node.
  assert.ok(Array.isArray(await client.call("get-vms", { first: 1 })));
  assert.equal(client.activeEndpoint, sim.urls[1]);
});

test("both nodes down: NO_ACTIVE_ENDPOINT lists each node's failure, no secret", async (t) => {
  const sim = await pair(t);
  const key = "secret-key-0123456789abcdef0123456789";
  sim.ha.set({ unreachable: [0, 1] });
  const client = new CloudTowerClient({ endpoints: sim.urls, apiKey: key, retry: false });
  const error = await rejectionOf(client.call("get-vms", {}));
  assertPairError(error, "NO_ACTIVE_ENDPOINT", sim);
  assert.equal(error.status, 0);
  assert.deepEqual(error.endpoints.map((node) => node.state), ["failed", "failed"]);
  for (const url of sim.urls) assert.ok(error.message.includes(url), error.message);
  assert.ok(error.endpoints.every((node) => typeof node.detail === "string" && node.detail.length > 0));
  assert.ok(!JSON.stringify({ ...error, message: error.message, stack: error.stack }).includes(key));
  // A cached node that goes down with its peer: a read's retry rediscovers and finds none.
  sim.ha.set({ unreachable: [] });
  const cached = await loggedInPair(sim);
  sim.ha.set({ unreachable: [0, 1] });
  assertPairError(await rejectionOf(cached.call("get-vms", {})), "NO_ACTIVE_ENDPOINT", sim);
});

test("both nodes active: MULTIPLE_ACTIVE_ENDPOINTS, and nothing but probes was sent", async (t) => {
  const sim = await pair(t);
  sim.ha.set({ bothActive: true });
  const client = new CloudTowerClient({ endpoints: sim.urls });
  const error = await rejectionOf(client.login(admin));
  assertPairError(error, "MULTIPLE_ACTIVE_ENDPOINTS", sim);
  assert.deepEqual(error.endpoints.map((node) => node.state), ["active", "active"]);
  assert.deepEqual(sim.state.requests.map((r) => r.path), [HEALTHZ, HEALTHZ]);
});

test("a 307 pointing at a foreign origin is never followed: the foreign server receives nothing", async (t) => {
  const received = [];
  const foreign = http.createServer((req, res) => {
    received.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    res.end("{}");
  });
  foreign.listen(0, "127.0.0.1");
  await once(foreign, "listening");
  t.after(() => new Promise((resolve) => foreign.close(resolve)));
  const foreignUrl = `http://127.0.0.1:${foreign.address().port}`;
  const sim = await pair(t);
  sim.ha.set({ location: `${foreignUrl}/steal` });
  for (const failover of ["auto", "manual", "probe-always"]) {
    sim.ha.set({ active: 0 });
    const client = await loggedInPair(sim, { failover });
    sim.ha.failover();
    const outcome = await client.call("get-vms", { first: 1 }).then(() => "ok", (e) => e.code);
    assert.equal(outcome, failover === "manual" ? "FAILOVER_REQUIRED" : "ok", failover);
  }
  // A single-endpoint client on the passive node refuses the redirect: an answer, HTTP 307.
  const single = new CloudTowerClient({ endpoint: sim.urls[0], apiKey: "k".repeat(32) });
  const refused = await rejectionOf(single.call("get-vms", {}));
  assert.equal(refused.code, "HTTP");
  assert.equal(refused.status, 307);
  assert.ok(refused.message.includes(`${foreignUrl}/steal`), refused.message);
  assert.deepEqual(received, []);
});

test("manual strategy: FAILOVER_REQUIRED names the passive node; the next call finds the active one", async (t) => {
  const sim = await pair(t);
  const client = await loggedInPair(sim, { failover: "manual" });
  sim.ha.failover();
  const error = await rejectionOf(client.createApiKey({ name: "manual" }));
  assertPairError(error, "FAILOVER_REQUIRED", sim);
  assert.equal(error.status, 307);
  assert.deepEqual(error.endpoints.map((node) => node.state), ["passive", "unknown"]);
  assert.deepEqual(sim.state.apiKeys(), [], "not performed");
  assert.equal(client.activeEndpoint, null);
  await client.createApiKey({ name: "manual" });
  assert.equal(client.activeEndpoint, sim.urls[1]);
  assert.deepEqual(sim.state.apiKeys().map((k) => k.name), ["manual"]);
});

test("probe-always probes before every request", async (t) => {
  const sim = await pair(t);
  const client = await loggedInPair(sim, { failover: "probe-always" });
  const before = probes(sim);
  await client.call("get-vms", { first: 1 });
  await client.call("get-vms", { first: 1 });
  assert.equal(probes(sim) - before, 4);
  assert.deepEqual(served(sim, 1), [], "the probe found the active node first: nothing was sent to the passive one");
});

test("500 concurrent calls across a failover: one discovery, no errors", async (t) => {
  const sim = await pair(t);
  const client = await loggedInPair(sim);
  sim.ha.failover();
  const before = probes(sim);
  const results = await Promise.allSettled(Array.from({ length: 500 }, () => client.call("get-vms", { first: 1 })));
  assert.deepEqual(results.filter((r) => r.status === "rejected").map((r) => r.reason.message), []);
  assert.equal(probes(sim) - before, 2, "one discovery: one probe per node");
  assert.equal(sim.state.requestCount({ path: "/v2/api/get-vms", status: 200, node: 1 }), 500);
  assert.equal(client.activeEndpoint, sim.urls[1]);
});

test("an API key issued through one node is revoked through the other", async (t) => {
  const sim = await pair(t);
  const client = await loggedInPair(sim);
  const key = await client.createApiKey({ name: "roaming" });
  sim.ha.failover();
  const keyed = client.withApiKey(key.key);
  assert.ok(Array.isArray(await keyed.call("get-vms", { first: 1 })), "the key works on the new node");
  assert.equal((await client.deleteApiKey(key.key)).alreadyRevoked, false);
  assert.equal(sim.state.hasApiKey(key.key), false);
  const [issued, revoked] = ["createApiKey", "deleteApiKey"].map((op) => sim.state.requests.filter((r) => r.operation === op && r.status === 200).map((r) => r.node));
  assert.deepEqual([issued, revoked], [[0], [1]]);
  assert.equal((await rejectionOf(keyed.call("get-vms", {}))).code, "UNAUTHORIZED");
});

test("options: endpoints are validated like endpoint, and the pair options need endpoints", () => {
  const refused = (options) => refusalOf(CloudTowerClient, options);
  assert.match(refused({ endpoint: "https://a.example", endpoints: ["https://b.example"] }), /^options: pass endpoint or endpoints/);
  assert.match(refused({ endpoints: [] }), /^options\.endpoints: must list at least one/);
  assert.match(refused({ endpoints: "https://a.example" }), /^options\.endpoints: expected an array/);
  assert.match(refused({ endpoints: ["https://a.example", "ftp://b.example"] }), /^options\.endpoints\[1\]: scheme "ftp"/);
  assert.match(refused({ endpoints: ["https://a.example", 3] }), /^options\.endpoints\[1\]: expected a string/);
  assert.match(refused({ endpoints: ["https://a.example", "https://A.example/"] }), /^endpoints\[1\]: https:\/\/a\.example is listed twice/);
  const nine = Array.from({ length: 9 }, (_, i) => `https://node-${i}.example`);
  assert.match(refused({ endpoints: nine }), /^options\.endpoints: lists 9 endpoints; an active\/passive pair has two, and at most 8 are accepted/);
  assert.match(refused({ endpoints: Array.from({ length: 100_000 }, (_, i) => `https://n${i}.example`) }), /^options\.endpoints: lists 100000 endpoints/);
  assert.match(refused({ endpoints: ["https://a.example", "https://b.example"], failover: "sometimes" }), /^options\.failover: expected one of `auto`, `manual`, `probe-always`/);
  assert.match(refused({ endpoints: ["https://a.example", "https://b.example"], probeTimeoutMs: 0 }), /^options\.probeTimeoutMs/);
  assert.match(refused({ endpoint: "https://a.example", failover: "manual" }), /apply to endpoints/);
  assert.match(refused({}), /^options\.endpoint: is required/);
});

test("a caller's abort and deadline end its wait for a discovery (a node that never answers its probe)", async (t) => {
  const silent = http.createServer(() => {}); // accepts, never answers
  await new Promise((resolve) => silent.listen(0, "127.0.0.1", resolve));
  t.after(() => silent.close() && silent.closeAllConnections());
  const sim = await pair(t);
  sim.ha.set({ active: 1 });
  const endpoints = [`http://127.0.0.1:${silent.address().port}`, sim.urls[0]]; // a silent node and a passive one
  const client = new CloudTowerClient({ endpoints, probeTimeoutMs: 60_000, token: "t".repeat(32) });
  const controller = new AbortController();
  const aborted = client.call("get-vms", {}, { signal: controller.signal });
  controller.abort();
  assert.equal((await rejectionOf(aborted)).code, "ABORTED");
  assert.equal((await rejectionOf(client.call("get-vms", {}, { timeoutMs: 50 }))).code, "TIMEOUT");
  const waited = await rejectionOf(client.waitForTasks("t1", { timeoutMs: 50, intervalMs: 10 }));
  assert.equal(waited.code, "TIMEOUT");
});

test("manual failover: a temporary key is still revoked when the pair fails over inside the callback", async (t) => {
  const sim = await pair(t);
  const client = await loggedInPair(sim, { failover: "manual" });
  const result = await client.withTemporaryApiKey({ name: "manual-temp" }, async () => {
    sim.ha.failover();
    return "done";
  });
  assert.equal(result, "done");
  assert.ok(!sim.state.apiKeys().some((key) => key.name === "manual-temp"), "revoked on the new active node");
});
