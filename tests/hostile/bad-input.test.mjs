// Hostile input, table-driven, across the whole JS API: every case must be refused with a
// CloudTowerError of code INVALID_ARGUMENT whose message names the offending field, before any
// request leaves the client; and the SAME client instance keeps working afterwards (a panic in
// the wasm would have poisoned it).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CloudTowerClient, CloudTowerError } from "../../pkg/index.mjs";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";

let sim;
let client; // logged in (a token): every method case runs on this one instance
let endpoint;
let liveKey; // a live key: rotateApiKey's name cases must fail on the name, not on the key

before(async () => {
  sim = await startSimulator({ vms: 3, lockoutThreshold: 0 });
  endpoint = sim.url;
  client = new CloudTowerClient({ endpoint });
  await client.login({ username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password });
  liveKey = (await client.createApiKey({ name: "bad-input-old" })).key;
});
after(() => sim?.close());

const ONE_MB = "a".repeat(1024 * 1024);
const OLD_KEY = "old-key-0123456789-ABCDEFGHIJKLMNOPQRSTUVWX"; // a key-shaped string, never sent
const cyclic = () => {
  const value = { where: {} };
  value.where.self = value;
  return value;
};
const ctor = (options) => () => new CloudTowerClient(options);
const opts = (extra) => () => new CloudTowerClient({ endpoint, ...extra }); // endpoint: read at run time

// [case name, field the message must name, (client) => action]
const CASES = [
  // -- new CloudTowerClient(options): endpoint
  ["endpoint empty", "endpoint", ctor({ endpoint: "" })],
  ["endpoint whitespace-only", "endpoint", ctor({ endpoint: "   " })],
  ["endpoint javascript:", "endpoint", ctor({ endpoint: "javascript:alert(1)" })],
  ["endpoint file:", "endpoint", ctor({ endpoint: "file:///etc/passwd" })],
  ["endpoint data:", "endpoint", ctor({ endpoint: "data:text/plain,hello" })],
  ["endpoint ftp:", "endpoint", ctor({ endpoint: "ftp://tower.example" })],
  ["endpoint relative path", "endpoint", ctor({ endpoint: "/v2/api" })],
  ["endpoint without scheme", "endpoint", ctor({ endpoint: "tower.example" })],
  ["endpoint with userinfo", "endpoint", ctor({ endpoint: "https://u:p@tower.example" })],
  ["endpoint with query", "endpoint", ctor({ endpoint: "https://tower.example/?x=1" })],
  ["endpoint with fragment", "endpoint", ctor({ endpoint: "https://tower.example/#top" })],
  ["endpoint with a control character", "endpoint", ctor({ endpoint: "https://tower\u0000.example" })],
  ["endpoint a number", "endpoint", ctor({ endpoint: 443 })],
  ["endpoint null", "endpoint", ctor({ endpoint: null })],
  ["endpoint missing", "endpoint", ctor({})],
  ["endpoint an object", "endpoint", ctor({ endpoint: {} })],
  ["endpoint an array", "endpoint", ctor({ endpoint: ["https://tower.example"] })],
  ["options null", "options", ctor(null)],
  ["options a string", "options", ctor("https://tower.example")],
  // -- other client options
  ["timeoutMs negative", "timeoutMs", opts({ timeoutMs: -1 })],
  ["timeoutMs zero", "timeoutMs", opts({ timeoutMs: 0 })],
  ["timeoutMs fractional", "timeoutMs", opts({ timeoutMs: 1.5 })],
  ["timeoutMs NaN", "timeoutMs", opts({ timeoutMs: NaN })],
  ["timeoutMs huge", "timeoutMs", opts({ timeoutMs: 1e12 })],
  ["timeoutMs Infinity", "timeoutMs", opts({ timeoutMs: Infinity })],
  ["timeoutMs a string", "timeoutMs", opts({ timeoutMs: "100" })],
  ["language unknown", "language", opts({ language: "fr-FR" })],
  ["language empty", "language", opts({ language: "" })],
  ["language a number", "language", opts({ language: 1 })],
  ["retry a string", "retry", opts({ retry: "yes" })],
  ["retry an array", "retry", opts({ retry: [] })],
  ["retry maxAttempts 0", "retry", opts({ retry: { maxAttempts: 0 } })],
  ["retry maxAttempts negative", "retry", opts({ retry: { maxAttempts: -1 } })],
  ["retry baseDelayMs NaN", "retry", opts({ retry: { baseDelayMs: NaN } })],
  ["retry unknown field", "retry", opts({ retry: { attempts: 3 } })],
  ["fetch a string", "fetch", opts({ fetch: "fetch" })],
  ["fetch an object", "fetch", opts({ fetch: {} })],
  ["onRequest an object", "onRequest", opts({ onRequest: {} })],
  ["onResponse a number", "onResponse", opts({ onResponse: 1 })],
  ["token a number", "token", opts({ token: 42 })],
  ["apiKey empty", "apiKey", opts({ apiKey: "" })],
  ["apiKey with a newline", "apiKey", opts({ apiKey: "abc\ndef" })],
  ["unknown option (typo)", "endpiont", ctor({ endpoint: "https://tower.example", endpiont: "x" })],

  // -- login
  ["login username a number", "username", (c) => c.login({ username: 42, password: "x" })],
  ["login username null", "username", (c) => c.login({ username: null, password: "x" })],
  ["login username empty", "username", (c) => c.login({ username: "", password: "x" })],
  ["login username whitespace-only", "username", (c) => c.login({ username: " \t ", password: "x" })],
  ["login password missing", "password", (c) => c.login({ username: "admin" })],
  ["login password an object", "password", (c) => c.login({ username: "admin", password: {} })],
  ["login password an array", "password", (c) => c.login({ username: "admin", password: ["x"] })],
  ["login source unknown", "source", (c) => c.login({ username: "admin", password: "x", source: "SSO" })],
  ["login options null", "options", (c) => c.login(null)],

  // -- createApiKey names
  ["createApiKey name empty", "name", (c) => c.createApiKey({ name: "" })],
  ["createApiKey name whitespace-only", "name", (c) => c.createApiKey({ name: "   " })],
  ["createApiKey name 1 MB", "name", (c) => c.createApiKey({ name: ONE_MB })],
  ["createApiKey name with NUL", "name", (c) => c.createApiKey({ name: "ci\u0000key" })],
  ["createApiKey name with a newline inside", "name", (c) => c.createApiKey({ name: "ci\nkey" })],
  ["createApiKey name with ESC", "name", (c) => c.createApiKey({ name: "ci\u001b[31mkey" })],
  ["createApiKey name a number", "name", (c) => c.createApiKey({ name: 42 })],
  ["createApiKey name null", "name", (c) => c.createApiKey({ name: null })],
  ["createApiKey options a string", "options", (c) => c.createApiKey("ci")],

  // -- rotateApiKey
  ["rotateApiKey name empty", "name", (c) => c.rotateApiKey({ key: liveKey, name: "" })],
  ["rotateApiKey name whitespace-only", "name", (c) => c.rotateApiKey({ key: liveKey, name: "  " })],
  ["rotateApiKey name 1 MB", "name", (c) => c.rotateApiKey({ key: liveKey, name: ONE_MB })],
  ["rotateApiKey name with BEL", "name", (c) => c.rotateApiKey({ key: liveKey, name: "new\u0007" })],
  // A one-letter "key": the error message must stay readable (the key is redacted, not every "e").
  ["rotateApiKey name empty, one-letter key", "name", (c) => c.rotateApiKey({ key: "e", name: "" })],
  ["rotateApiKey key empty", "key", (c) => c.rotateApiKey({ key: "", name: "new" })],
  ["rotateApiKey key a number", "key", (c) => c.rotateApiKey({ key: 42, name: "new" })],
  ["rotateApiKey key with a space", "key", (c) => c.rotateApiKey({ key: "two words", name: "new" })],

  // -- withApiKey / withToken / deleteApiKey keys
  ["withApiKey a number", "key", (c) => c.withApiKey(42)],
  ["withApiKey null", "key", (c) => c.withApiKey(null)],
  ["withApiKey undefined", "key", (c) => c.withApiKey(undefined)],
  ["withApiKey an object", "key", (c) => c.withApiKey({ key: OLD_KEY })],
  ["withApiKey an array", "key", (c) => c.withApiKey([OLD_KEY])],
  ["withApiKey empty", "key", (c) => c.withApiKey("")],
  ["withApiKey whitespace-only", "key", (c) => c.withApiKey("   ")],
  ["withApiKey with CRLF (header injection)", "key", (c) => c.withApiKey("abc\r\nX-Evil: 1")],
  ["withToken a number", "token", (c) => c.withToken(42)],
  ["withToken empty", "token", (c) => c.withToken("")],
  ["deleteApiKey a number", "key", (c) => c.deleteApiKey(42)],
  ["deleteApiKey null", "key", (c) => c.deleteApiKey(null)],
  ["deleteApiKey undefined", "key", (c) => c.deleteApiKey()],
  ["deleteApiKey an object", "key", (c) => c.deleteApiKey({ key: OLD_KEY })],
  ["deleteApiKey empty", "key", (c) => c.deleteApiKey("")],
  ["deleteApiKey 1 MB", "key", (c) => c.deleteApiKey(ONE_MB)],

  // -- call
  ["call operation a number", "operation", (c) => c.call(42, {})],
  ["call operation null", "operation", (c) => c.call(null, {})],
  ["call operation undefined", "operation", (c) => c.call(undefined, {})],
  ["call operation an object", "operation", (c) => c.call({ name: "get-vms" }, {})],
  ["call operation an array", "operation", (c) => c.call(["get-vms"], {})],
  ["call operation empty", "operation", (c) => c.call("", {})],
  ["call operation unknown", "operation", (c) => c.call("get-unicorns", {})],
  ["call operation path traversal", "operation", (c) => c.call("../../api", {})],
  ["call operation with a query", "operation", (c) => c.call("get-vms?x=1", {})],
  ["call body with a cycle", "body", (c) => c.call("get-vms", cyclic())],
  ["call body with a BigInt", "body", (c) => c.call("get-vms", { first: 1n })],
  ["call body a function", "body", (c) => c.call("get-vms", () => ({}))],
  ["call timeoutMs negative", "timeoutMs", (c) => c.call("get-vms", {}, { timeoutMs: -5 })],
  ["call timeoutMs fractional", "timeoutMs", (c) => c.call("get-vms", {}, { timeoutMs: 0.5 })],
  ["call timeoutMs NaN", "timeoutMs", (c) => c.call("get-vms", {}, { timeoutMs: NaN })],
  ["call timeoutMs huge", "timeoutMs", (c) => c.call("get-vms", {}, { timeoutMs: 1e15 })],
  ["call language unknown", "language", (c) => c.call("get-vms", {}, { language: "xx" })],
  ["call signal not an AbortSignal", "signal", (c) => c.call("get-vms", {}, { signal: {} })],
  ["call options a string", "options", (c) => c.call("get-vms", {}, "fast")],
  ["call unknown option", "retries", (c) => c.call("get-vms", {}, { retries: 3 })],

  // -- paginate (next() for the cases a Paginator may be created for)
  ["paginate operation a number", "operation", (c) => c.paginate(42).next()],
  ["paginate operation null", "operation", (c) => c.paginate(null).next()],
  ["paginate operation unknown", "operation", (c) => c.paginate("get-unicorns").next()],
  ["paginate operation not a listing", "operation", (c) => c.paginate("start-vm").next()],
  ["paginate pageSize 0", "pageSize", (c) => c.paginate("get-vms", {}, { pageSize: 0 }).next()],
  ["paginate pageSize 5000", "pageSize", (c) => c.paginate("get-vms", {}, { pageSize: 5000 }).next()],
  ["paginate pageSize fractional", "pageSize", (c) => c.paginate("get-vms", {}, { pageSize: 1.5 }).next()],
  ["paginate pageSize NaN", "pageSize", (c) => c.paginate("get-vms", {}, { pageSize: NaN }).next()],
  ["paginate body with a cycle", "body", (c) => c.paginate("get-vms", cyclic()).next()],
  ["paginate body with a paging field", "first", (c) => c.paginate("get-vms", { first: 5 }).next()],
  ["paginate onProgress not a function", "onProgress", (c) => c.paginate("get-vms", {}, { onProgress: 1 }).next()],

  // -- count
  ["count operation a number", "operation", (c) => c.count(42)],
  ["count operation an object", "operation", (c) => c.count({})],
  ["count operation unknown", "operation", (c) => c.count("get-unicorns")],
  ["count where with a cycle", "where", (c) => c.count("get-vms", cyclic())],
  ["count timeoutMs negative", "timeoutMs", (c) => c.count("get-vms", null, { timeoutMs: -1 })],

  // -- graphql
  ["graphql query a number", "query", (c) => c.graphql(42)],
  ["graphql query null", "query", (c) => c.graphql(null)],
  ["graphql query an array", "query", (c) => c.graphql(["{ my { id } }"])],
  ["graphql query empty", "query", (c) => c.graphql("")],
  ["graphql query whitespace-only", "query", (c) => c.graphql("  \n ")],
  ["graphql variables a string", "variables", (c) => c.graphql("{ my { id } }", "x")],
  ["graphql variables an array", "variables", (c) => c.graphql("{ my { id } }", [1])],
  ["graphql variables a number", "variables", (c) => c.graphql("{ my { id } }", 5)],
  ["graphql variables with a cycle", "variables", (c) => c.graphql("{ my { id } }", cyclic())],
  ["graphql variables with a BigInt", "variables", (c) => c.graphql("{ my { id } }", { n: 1n })],
  ["graphql timeoutMs negative", "timeoutMs", (c) => c.graphql("{ my { id } }", null, { timeoutMs: -1 })],

  // -- waitForTasks, withTemporaryApiKey
  ["waitForTasks a number", "tasks", (c) => c.waitForTasks(42)],
  ["waitForTasks null", "tasks", (c) => c.waitForTasks(null)],
  ["waitForTasks empty id", "tasks", (c) => c.waitForTasks("")],
  ["waitForTasks an object", "tasks", (c) => c.waitForTasks({})],
  ["waitForTasks intervalMs negative", "intervalMs", (c) => c.waitForTasks("task-1", { intervalMs: -1 })],
  ["waitForTasks timeoutMs NaN", "timeoutMs", (c) => c.waitForTasks("task-1", { timeoutMs: NaN })],
  ["withTemporaryApiKey callback not a function", "callback", (c) => c.withTemporaryApiKey({ name: "tmp" }, 5)],
  ["withTemporaryApiKey name empty", "name", (c) => c.withTemporaryApiKey({ name: "" }, async () => 1)],
  ["withTemporaryApiKey options null", "options", (c) => c.withTemporaryApiKey(null, async () => 1)],
];

/** Runs an action; resolves { error } for a throw or a rejection, { value } otherwise. */
async function outcome(action) {
  try {
    const value = action(client);
    return { value: value && typeof value.then === "function" ? await value : value };
  } catch (error) {
    return { error };
  }
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test(`${CASES.length} bad inputs are refused with INVALID_ARGUMENT naming the field, before any request`, async (t) => {
  assert.ok(CASES.length >= 40);
  assert.equal(new Set(CASES.map(([name]) => name)).size, CASES.length, "case names are unique");
  for (const [name, field, action] of CASES) {
    await t.test(name, async () => {
      const requestsBefore = sim.state.requests.length;
      const { error, value } = await outcome(action);
      assert.ok(error !== undefined, `accepted: resolved with ${String(value)?.slice(0, 200)}`);
      assert.ok(error instanceof CloudTowerError, `not a CloudTowerError: ${error?.stack ?? error}`);
      assert.equal(error.code, "INVALID_ARGUMENT", `code ${error.code}: ${error.message}`);
      assert.equal(error.status, 0);
      assert.match(error.message, new RegExp(`(^|[^A-Za-z])${escape(field)}([^A-Za-z]|$)`), `the message names ${field}`);
      assert.ok(error.message.length <= 600, `a short message, got ${error.message.length} characters`);
      assert.equal(sim.state.requests.length, requestsBefore, `no request may leave the client (sent: ${sim.state.requests.slice(requestsBefore).map((r) => r.path).join(", ")})`);
    });
  }
});

test("the same client instance still works after every refusal (no wasm panic)", async () => {
  assert.equal(await client.getVersion(), "4.6.0");
  const vms = await client.call("get-vms", { first: 1 });
  assert.equal(vms.length, 1);
  assert.equal(await client.count("get-vms"), 3);
  const key = await client.createApiKey({ name: "after-bad-input" });
  assert.equal((await client.withApiKey(key.key).call("get-vms", { first: 2 })).length, 2);
  assert.deepEqual(await client.deleteApiKey(key.key), { id: key.id, alreadyRevoked: false });
  assert.equal(client.authKind, "token");
  // And new clients can still be made in this process.
  const fresh = new CloudTowerClient({ endpoint, timeoutMs: 5000, language: "zh-CN", retry: false });
  assert.equal(await fresh.getVersion(), "4.6.0");
});
