// Client options against the simulator: custom fetch, language, retries, observability hooks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fetch as undiciFetch, Agent } from "undici";
import { CloudTowerClient } from "../../pkg/index.mjs";
import { simulator, loggedIn, rejectionOf, refusalOf, ACCOUNTS } from "./helpers.mjs";

test("a custom fetch (undici with its own Agent) carries every request", async (t) => {
  const sim = await simulator(t);
  const agent = new Agent({ connections: 2 });
  t.after(() => agent.close());
  const urls = [];
  const fetch = (url, init) => {
    urls.push(url);
    return undiciFetch(url, { ...init, dispatcher: agent });
  };
  const client = await loggedIn(CloudTowerClient, sim, ACCOUNTS.admin, { fetch });
  assert.equal((await client.call("get-vms", { first: 2 })).length, 2);
  assert.deepEqual(urls, [`${sim.url}/v2/api/login`, `${sim.url}/v2/api/get-vms`]);
  assert.equal((await rejectionOf(Promise.resolve().then(() => new CloudTowerClient({ endpoint: sim.url, fetch: "nope" })))).code, "INVALID_ARGUMENT");
});

test("language goes out as content-language, per client and per call", async (t) => {
  const sim = await simulator(t);
  const zh = new CloudTowerClient({ endpoint: sim.url, language: "zh-CN" });
  const error = await rejectionOf(zh.login({ username: "admin", password: "wrong-password" }));
  assert.equal(error.code, "UNAUTHORIZED");
  assert.notEqual(error.message, "Incorrect username or password", "the server answered in Chinese");
  const en = await rejectionOf(zh.withApiKey("bad-key-123").call("get-vms", {}, { language: "en-US" }));
  assert.match(en.message, /[A-Za-z]/);
  assert.equal((await rejectionOf(zh.call("get-vms", {}, { language: "fr-FR" }))).code, "INVALID_ARGUMENT");
  assert.equal(sim.state.requests.every((r) => r.status !== 400 || r.path !== "/v2/api/get-vms"), true);
});

test("reads retry 429 honouring Retry-After, 502/503 with backoff; mutations never", async (t) => {
  const sim = await simulator(t);
  const attempts = [];
  const client = await loggedIn(CloudTowerClient, sim, ACCOUNTS.admin, {
    retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 2000 },
    onResponse: (summary) => attempts.push(summary),
  });
  sim.faults.add({ path: "/v2/api/get-vms", kind: "status", status: 429, retryAfter: "1" });
  const started = Date.now();
  assert.equal((await client.call("get-vms", { first: 1 })).length, 1);
  assert.ok(Date.now() - started >= 1000, "waited for Retry-After");
  assert.deepEqual(attempts.filter((a) => a.operation === "get-vms").map((a) => [a.attempt, a.status]), [[1, 429], [2, 200]]);

  sim.faults.add({ path: "/v2/api/get-vms", kind: "status", status: 503, count: 2 });
  assert.equal((await client.call("get-vms", { first: 1 })).length, 1);
  sim.faults.add({ path: "/v2/api/get-vms", kind: "html-502", count: 3 });
  const exhausted = await rejectionOf(client.call("get-vms", { first: 1 }));
  assert.equal(exhausted.status, 502);
  assert.equal(sim.state.requestCount({ path: "/v2/api/get-vms", fault: "html-502" }), 3, "three attempts in all");

  sim.faults.add({ path: "/v2/api/get-vms", kind: "status", status: 429, retryAfter: "60" });
  assert.equal((await rejectionOf(client.call("get-vms", {}))).status, 429, "longer than the ceiling: no wait");

  const [vm] = await client.call("get-vms", { first: 1 });
  sim.faults.add({ path: "/v2/api/start-vm", kind: "status", status: 503 });
  assert.equal((await rejectionOf(client.call("start-vm", { where: { id: vm.id } }))).status, 503);
  assert.equal(sim.state.requestCount({ path: "/v2/api/start-vm" }), 1, "a mutation is sent once");

  const off = await loggedIn(CloudTowerClient, sim, ACCOUNTS.admin, { retry: false });
  sim.faults.add({ path: "/v2/api/get-vms", kind: "status", status: 503 });
  assert.equal((await rejectionOf(off.call("get-vms", {}))).status, 503);
});

test("reads retry a reset connection; GraphQL queries retry too", async (t) => {
  const sim = await simulator(t);
  const client = await loggedIn(CloudTowerClient, sim, ACCOUNTS.admin, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 0 } });
  sim.faults.add({ path: "/v2/api/get-vms", kind: "reset" });
  assert.equal((await client.call("get-vms", { first: 1 })).length, 1);
  sim.faults.add({ path: "/api", operation: "my", kind: "status", status: 503 });
  assert.equal((await client.currentUser()).username, "admin");
});

test("hooks see every attempt, and never a header value, body or secret", async (t) => {
  const sim = await simulator(t);
  const seen = [];
  const client = new CloudTowerClient({
    endpoint: sim.url,
    onRequest: (summary) => seen.push(["request", summary]),
    onResponse: (summary) => seen.push(["response", summary]),
  });
  await client.login({ username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password });
  const key = await client.createApiKey({ name: "hooked" });
  await client.withApiKey(key.key).call("get-vms", { first: 2 });
  await client.deleteApiKey(key.key);
  const text = JSON.stringify(seen);
  for (const secret of [ACCOUNTS.admin.password, key.key]) assert.equal(text.includes(secret), false);
  const responses = seen.filter(([kind]) => kind === "response").map(([, s]) => s);
  assert.deepEqual(responses.map((s) => s.operation), ["login", "createApiKey", "get-vms", "deleteApiKey"]);
  const vms = responses[2];
  assert.deepEqual(Object.keys(vms).sort(), ["attempt", "durationMs", "errorCode", "method", "operation", "requestBytes", "requestId", "responseChars", "status", "url"]);
  assert.equal(vms.status, 200);
  assert.equal(vms.requestId, sim.state.requests.find((r) => r.path === "/v2/api/get-vms").requestId);
  assert.ok(vms.responseChars > 100 && vms.durationMs >= 0 && vms.requestBytes === JSON.stringify({ first: 2 }).length);
  const throwing = new CloudTowerClient({ endpoint: sim.url, onRequest: () => { throw new Error("hook bug"); } });
  assert.equal(await throwing.getVersion(), "4.6.0", "a throwing hook does not break the call");
});

test("an option whose getter throws is named; an endpoint longer than any real one is refused", () => {
  const refusal = (options) => refusalOf(CloudTowerClient, options);
  const throwing = { get endpoint() { throw new Error("boom"); } };
  assert.equal(refusal(throwing), "options.endpoint: reading it threw");
  const trapped = new Proxy({ endpoint: "http://127.0.0.1:9" }, { get() { throw new Error("trap"); } });
  assert.match(refusal(trapped), /^options\.\w+: reading it threw$/);
  assert.match(refusal({ endpoint: `https://${"a".repeat(1_000_000)}.example` }), /^endpoint: has more than 2048 characters/);
  assert.match(refusal({ endpoint: `https://${"a".repeat(300)}.example` }), /^endpoint: host has more than 253 characters/);
});
