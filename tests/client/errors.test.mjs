// Every error code reached for real, against the simulator and its fault injection.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { CloudTowerClient, CloudTowerError } from "../../pkg/index.mjs";
import { simulator, loggedIn, rejectionOf, ACCOUNTS } from "./helpers.mjs";

async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits for a condition the simulator reports, a bounded number of event-loop turns. */
async function until(condition) {
  for (let turn = 0; turn < 10_000; turn += 1) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error("condition not reached");
}

function assertShape(error, code, status) {
  assert.ok(error instanceof CloudTowerError, `expected CloudTowerError, got ${error}`);
  assert.equal(error.name, "CloudTowerError");
  assert.equal(error.code, code, error.message);
  assert.equal(error.status, status);
  assert.equal(typeof error.message, "string");
}

test("NETWORK: nothing listens (and a refused mutation was surely not sent)", async () => {
  const client = new CloudTowerClient({ endpoint: `http://127.0.0.1:${await closedPort()}`, apiKey: "ci-key-0001", retry: false });
  assertShape(await rejectionOf(client.call("get-vms", {})), "NETWORK", 0);
  assertShape(await rejectionOf(client.call("start-vm", { where: { id: "x" } })), "NETWORK", 0);
});

test("TIMEOUT: a hanging server, and ABORTED: the caller's signal", async (t) => {
  const sim = await simulator(t);
  const client = await loggedIn(CloudTowerClient, sim, ACCOUNTS.admin, { retry: false });
  sim.faults.add({ path: "/v2/api/get-vms", kind: "hang" });
  const timeout = await rejectionOf(client.call("get-vms", {}, { timeoutMs: 200 }));
  assertShape(timeout, "TIMEOUT", 0);
  assert.match(timeout.message, /within 200 ms/);

  sim.faults.add({ path: "/v2/api/get-vms", kind: "hang" });
  const controller = new AbortController();
  const pending = client.call("get-vms", {}, { signal: controller.signal });
  await until(() => sim.state.requestCount({ path: "/v2/api/get-vms", fault: "hang" }) === 2);
  controller.abort(); // in flight: the server holds the request
  assertShape(await rejectionOf(pending), "ABORTED", 0);
  const already = await rejectionOf(client.call("get-vms", {}, { signal: AbortSignal.abort() }));
  assertShape(already, "ABORTED", 0);
  assert.equal((await client.call("get-vms", { first: 1 })).length, 1, "the client still works");
});

test("HTTP: a proxy's HTML 502 page becomes an error with an excerpt and the request id", async (t) => {
  const sim = await simulator(t);
  const client = await loggedIn(CloudTowerClient, sim, ACCOUNTS.admin, { retry: false });
  sim.faults.add({ path: "/v2/api/get-vms", kind: "html-502" });
  const error = await rejectionOf(client.call("get-vms", {}));
  assertShape(error, "HTTP", 502);
  assert.match(error.message, /^HTTP 502: .*Bad Gateway/);
  assert.ok(error.message.length < 250);
  assert.equal(error.requestId, sim.state.requests.at(-1).requestId);
  assert.equal(error.errorBody, null);
});

test("UNAUTHORIZED, FORBIDDEN, NOT_FOUND with the server's ErrorBody", async (t) => {
  const sim = await simulator(t);
  const bogus = new CloudTowerClient({ endpoint: sim.url, apiKey: "no-such-key" });
  const unauthorized = await rejectionOf(bogus.call("get-vms", {}));
  assertShape(unauthorized, "UNAUTHORIZED", 401);
  assert.equal(unauthorized.errorBody.path, "/v2/api/get-vms");

  const viewer = await loggedIn(CloudTowerClient, sim, ACCOUNTS.readOnly);
  const [vm] = await viewer.call("get-vms", { first: 1 });
  const forbidden = await rejectionOf(viewer.call("start-vm", { where: { id: vm.id } }));
  assertShape(forbidden, "FORBIDDEN", 403);

  const notSimulated = await rejectionOf(viewer.call("get-alert-rules", {}));
  assertShape(notSimulated, "NOT_FOUND", 404);
  assert.equal(notSimulated.operation, "get-alert-rules");
});

test("GRAPHQL: errors come with graphqlErrors, and partial data rides along", async (t) => {
  const sim = await simulator(t);
  const client = await loggedIn(CloudTowerClient, sim);
  const invalid = await rejectionOf(client.graphql("{ my { user { id nope } } }"));
  assertShape(invalid, "GRAPHQL", 200);
  assert.equal(invalid.graphqlErrors[0].extensions.code, "GRAPHQL_VALIDATION_FAILED");
  const missing = await rejectionOf(client.graphql("query q($n: String!) { apiKeys(where: { name: $n }) { id } }", {}));
  assert.equal(missing.code, "GRAPHQL");
  sim.faults.add({ path: "/api", kind: "graphql-partial" });
  const partial = await rejectionOf(client.graphql("{ my { user { id username } } authnStrategies { id } }"));
  assert.equal(partial.code, "GRAPHQL");
  assert.ok(partial.data && typeof partial.data === "object", "partial data is kept");
  assert.deepEqual(await client.graphql("{ my { user { username } } }"), { my: { user: { username: "admin" } } });
});

test("DECODE: truncated, non-JSON and wrongly shaped answers", async (t) => {
  const sim = await simulator(t);
  const client = await loggedIn(CloudTowerClient, sim);
  for (const kind of ["truncate", "invalid-json", "wrong-shape"]) {
    sim.faults.add({ path: "/v2/api/get-vms", kind });
    const error = await rejectionOf(client.call("get-vms", {}));
    assertShape(error, "DECODE", 200);
    assert.ok(error.requestId, kind);
    assert.ok(error.message.length < 400, kind);
  }
  assert.ok(Array.isArray(await client.call("get-vms", {})), "the client still works");
});

test("OUTCOME_UNKNOWN: createApiKey whose connection dies after it was sent, and it was sent once", async (t) => {
  const sim = await simulator(t);
  const client = await loggedIn(CloudTowerClient, sim);
  sim.faults.add({ path: "/api", operation: "createApiKey", kind: "reset", execute: true });
  const error = await rejectionOf(client.createApiKey({ name: "maybe" }));
  assertShape(error, "OUTCOME_UNKNOWN", 0);
  assert.match(error.message, /check before retrying/);
  assert.equal(sim.state.requestCount({ path: "/api", operation: "createApiKey" }), 1, "never sent twice");
  assert.deepEqual(sim.state.apiKeys().map((k) => k.name), ["maybe"], "it did take effect: hence 'unknown'");
});

test("MFA_REQUIRED, UNSUPPORTED and INVALID_ARGUMENT", async (t) => {
  const sim = await simulator(t, { apiKeysQuery: false });
  const client = new CloudTowerClient({ endpoint: sim.url });
  assertShape(await rejectionOf(client.login({ username: ACCOUNTS.mfa.username, password: ACCOUNTS.mfa.password })), "MFA_REQUIRED", 200);
  await client.login({ username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password });
  assertShape(await rejectionOf(client.listApiKeys()), "UNSUPPORTED", 200);
  const invalid = await rejectionOf(client.call("get_vms", {}));
  assertShape(invalid, "INVALID_ARGUMENT", 0);
  assert.match(invalid.message, /did you mean get-vms/);
});

test("errors carry no secret in message, stack, fields or JSON", async (t) => {
  const sim = await simulator(t);
  const password = ACCOUNTS.admin.password;
  const client = await loggedIn(CloudTowerClient, sim);
  const key = await client.createApiKey({ name: "canary" });
  await client.deleteApiKey(key.key);
  const errors = [
    await rejectionOf(client.withApiKey(key.key).call("get-vms", {})),
    await rejectionOf(client.deleteApiKey(`${key.key}x`).then(() => client.withToken(`${key.key}`).createApiKey({ name: "x" }))),
    await rejectionOf(new CloudTowerClient({ endpoint: sim.url }).login({ username: "admin", password: `${password}!` })),
  ];
  for (const error of errors) {
    const seen = [error.message, error.stack, JSON.stringify(error), JSON.stringify(Object.entries(error))].join("\n");
    for (const secret of [key.key, password]) assert.equal(seen.includes(secret), false, `${error.code} leaks a secret`);
  }
});

test("a redirect is refused, so Authorization never follows it to another origin", async (t) => {
  const { createServer: createHttpServer } = await import("node:http");
  const seen = [];
  const elsewhere = createHttpServer((req, res) => {
    seen.push(req.headers.authorization);
    res.end("[]");
  });
  await new Promise((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
  const target = `http://127.0.0.1:${elsewhere.address().port}/v2/api/get-vms`;
  const asked = [];
  const redirecting = createHttpServer((req, res) => {
    asked.push(req.url);
    const status = Number(req.url.match(/^\/s(\d{3})\//)?.[1] ?? 302);
    res.writeHead(status, { location: target, "x-tower-request-id": "req-redirect" }).end();
  });
  await new Promise((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    elsewhere.close();
    redirecting.close();
  });
  const endpoint = `http://127.0.0.1:${redirecting.address().port}`;
  const client = new CloudTowerClient({ endpoint, apiKey: "redirect-canary-key", retry: false });
  const error = await rejectionOf(client.call("get-vms", {}));
  assertShape(error, "HTTP", 302);
  assert.equal(error.requestId, "req-redirect");
  assert.ok(error.message.startsWith(`get-vms: the server answered HTTP 302 to ${target}, a redirect, which the client does not follow`), error.message);
  assert.match(error.message, /make its new address the endpoint/);

  // Every kind of redirect, for reads and mutations, GraphQL included: refused, never followed,
  // and not retried (the server answered).
  for (const status of [301, 303, 307, 308]) {
    const prefixed = new CloudTowerClient({ endpoint: `${endpoint}/s${status}`, apiKey: "redirect-canary-key" });
    const before = asked.length;
    const read = await rejectionOf(prefixed.call("get-vms", {}));
    assertShape(read, "HTTP", status);
    assert.equal(asked.length - before, 1, "a redirect is an answer: not retried");
    const login = await rejectionOf(new CloudTowerClient({ endpoint: `${endpoint}/s${status}` }).login({ username: "admin", password: "redirect-canary-pw" }));
    assertShape(login, "HTTP", status);
    for (const text of [read.message, login.message, JSON.stringify(login)]) assert.ok(!text.includes("redirect-canary"), text);
  }
  const mutation = await rejectionOf(new CloudTowerClient({ endpoint, apiKey: "redirect-canary-key" }).call("start-vm", { where: { id: "vm-1" } }));
  assert.match(mutation.message, /most likely not performed: check before retrying$/);
  assert.deepEqual(seen, [], "the other origin was never asked");
});

test("JSON.stringify of an error shows its name and message beside its fields", async () => {
  const client = new CloudTowerClient({ endpoint: `http://127.0.0.1:${await closedPort()}`, apiKey: "ci-key-0001", retry: false });
  const error = await rejectionOf(client.call("get-vm", {}));
  const logged = JSON.parse(JSON.stringify(error));
  assert.equal(logged.name, "CloudTowerError");
  assert.equal(logged.code, "INVALID_ARGUMENT");
  assert.equal(logged.message, error.message);
  assert.match(logged.message, /did you mean get-vms/);
  assert.equal(logged.status, 0);
});
