// HTTP behaviour: fault injection (every kind, counts, narrowing, control API), CORS,
// content-language, x-tower-request-id, content types, the request log and its redaction.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ACCOUNTS } from "../index.mjs";
import { schemaValidator } from "../spec.mjs";
import { useSimulator, withSimulator, pollUntil } from "../harness.mjs";

const lines = [];
let token;
const ctx = useSimulator({ log: (line) => lines.push(line) }, async ({ api }) => {
  token = await api.login();
});
const GET_VMS = "/v2/api/get-vms";

function lastLogged(path) {
  return ctx.sim.state.requests.filter((r) => r.path === path).at(-1);
}

test("latency: answers normally after ms", async () => {
  ctx.sim.faults.add({ path: GET_VMS, kind: "latency", ms: 120 });
  const started = performance.now();
  const r = await ctx.api.v2("get-vms", { first: 1 }, token);
  assert.ok(performance.now() - started >= 115);
  assert.equal(r.status, 200);
  assert.equal(r.json.length, 1);
  assert.deepEqual([lastLogged(GET_VMS).fault, lastLogged(GET_VMS).status], ["latency", 200]);
});

test("hang: the request is read and never answered; close() still returns promptly", async () => {
  await withSimulator({ faults: [{ path: GET_VMS, kind: "hang" }] }, async (sim, api) => {
    const t = await api.login();
    const pending = api.v2("get-vms", {}, t).then(() => "answered", () => "failed");
    await pollUntil(() => sim.state.requestCount({ path: GET_VMS, fault: "hang" }) === 1, { what: "the hanging request to be logged" });
    assert.equal(sim.state.requests.at(-1).status, null);
    const closing = performance.now();
    await sim.close();
    assert.ok(performance.now() - closing < 1000, "close() does not wait for hanging requests");
    assert.equal(await pending, "failed");
  });
});

test("reset: socket destroyed before any byte; with execute the mutation happened", async () => {
  const { api, sim } = ctx;
  sim.faults.add({ path: GET_VMS, kind: "reset" });
  await assert.rejects(api.v2("get-vms", {}, token), { code: "ECONNRESET" });
  assert.deepEqual([lastLogged(GET_VMS).fault, lastLogged(GET_VMS).status], ["reset", null]);

  sim.faults.add({ path: "/api", operation: "createApiKey", kind: "reset", execute: true });
  // Not matched: another operation on the same path.
  assert.equal((await api.gql("{ my { user { username } } }", undefined, token)).status, 200);
  const before = sim.state.apiKeys().length;
  await assert.rejects(api.gql("mutation createApiKey($name: String!) { createApiKey(data: { name: $name }) { id key } }", { name: "lost" }, token));
  const keys = sim.state.apiKeys();
  assert.equal(keys.length, before + 1, "the key was created although the answer never came");
  assert.equal(keys.at(-1).name, "lost");
});

test("truncate: the real body cut in half, headers consistent, invalid JSON", async () => {
  const { api, sim } = ctx;
  const full = await api.v2("get-vms", { first: 3 }, token);
  sim.faults.add({ path: GET_VMS, kind: "truncate" });
  const r = await api.v2("get-vms", { first: 3 }, token);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "application/json; charset=utf-8");
  assert.equal(Number(r.headers.get("content-length")), Buffer.byteLength(r.text));
  assert.equal(r.json, undefined);
  assert.equal(r.text, Buffer.from(full.text).subarray(0, Math.floor(Buffer.byteLength(full.text) / 2)).toString());
});

test("invalid-json, wrong-shape, html-502", async () => {
  const { api, sim } = ctx;
  sim.faults.add({ path: GET_VMS, kind: "invalid-json" });
  const invalid = await api.v2("get-vms", {}, token);
  assert.deepEqual([invalid.status, invalid.text], [200, '{"data": [oops']);

  sim.faults.add({ path: GET_VMS, kind: "wrong-shape" });
  sim.faults.add({ path: "/v2/api/get-vms-connection", kind: "wrong-shape" });
  sim.faults.add({ path: "/api", kind: "wrong-shape" });
  assert.deepEqual((await api.v2("get-vms", {}, token)).json, { unexpected: true }, "an object where an array is expected");
  assert.deepEqual((await api.v2("get-vms-connection", {}, token)).json, [], "an array where an object is expected");
  assert.deepEqual((await api.gql("{ my { user { id } } }", undefined, token)).json, []);

  sim.faults.add({ path: GET_VMS, kind: "html-502" });
  const html = await api.v2("get-vms", {}, token);
  assert.equal(html.status, 502);
  assert.equal(html.headers.get("content-type"), "text/html");
  assert.match(html.text, /<title>502 Bad Gateway<\/title>[\s\S]*nginx/);
});

test("status: ErrorBody with the status, Retry-After when given, for count requests", async () => {
  const { api, sim } = ctx;
  sim.faults.add({ path: GET_VMS, kind: "status", status: 503, retryAfter: "2", count: 2 });
  for (let i = 0; i < 2; i++) {
    const r = await api.v2("get-vms", {}, token);
    assert.equal(r.status, 503);
    assert.equal(r.headers.get("retry-after"), "2");
    assert.deepEqual(r.json, { message: "Service Unavailable (simulated)", status: 503, path: GET_VMS });
    assert.ok(schemaValidator("ErrorBody")(r.json));
  }
  assert.equal((await api.v2("get-vms", { first: 1 }, token)).status, 200, "count exhausted");
  const date = new Date(Date.now() + 5000).toUTCString();
  sim.faults.add({ path: "/v2/api/login", kind: "status", status: 429, retryAfter: date });
  const limited = await api.v2("login", { username: "admin", password: "x" });
  assert.deepEqual([limited.status, limited.headers.get("retry-after"), limited.json.message], [429, date, "Too Many Requests (simulated)"]);
  sim.faults.add({ path: GET_VMS, kind: "status", status: 500 });
  const failed = await api.v2("get-vms", {}, token);
  assert.deepEqual([failed.status, failed.headers.get("retry-after")], [500, null]);
});

test("graphql-partial: data with one field nulled plus an INTERNAL_SERVER_ERROR at its path", async () => {
  const { api, sim } = ctx;
  sim.faults.add({ path: "/api", kind: "graphql-partial" });
  const r = await api.gql("{ authnStrategies { name } my { user { username } } }", undefined, token);
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.data, { authnStrategies: null, my: { user: { username: "admin" } } });
  assert.deepEqual(r.json.errors.map((e) => [e.extensions.code, e.path]), [["INTERNAL_SERVER_ERROR", ["authnStrategies"]]]);
  sim.faults.add({ path: "/api/", kind: "graphql-partial", field: "my" });
  const chosen = await api.gql("{ authnStrategies { name } my { user { username } } }", undefined, token);
  assert.deepEqual(chosen.json.data, { authnStrategies: [{ name: "corp-ldap" }], my: null });
  assert.deepEqual(chosen.json.errors[0].path, ["my"]);
});

test("huge-body: a valid JSON array of VM objects of about the requested size (50 MB streams)", async () => {
  const { api, sim } = ctx;
  sim.faults.add({ path: GET_VMS, kind: "huge-body", bytes: 2_000_000 });
  const small = await api.v2("get-vms", {}, token);
  assert.equal(small.status, 200);
  assert.ok(Array.isArray(small.json) && small.json.length > 500);
  const size = Buffer.byteLength(small.text);
  assert.ok(size <= 2_000_000 && size > 1_990_000, `${size} bytes`);
  assert.ok(schemaValidator("Vm")(small.json.at(-1)));

  sim.faults.add({ path: GET_VMS, kind: "huge-body", bytes: 50 * 1024 * 1024 });
  const response = await api.request("POST", GET_VMS, { body: {}, headers: { authorization: token }, stream: true });
  assert.equal(response.status, 200);
  let bytes = 0;
  let tail = "";
  for await (const chunk of response.body) {
    bytes += chunk.length;
    tail = Buffer.from(chunk).toString("latin1").slice(-2);
  }
  assert.ok(bytes > 50 * 1024 * 1024 - 5000 && bytes <= 50 * 1024 * 1024, `${bytes} bytes`);
  assert.equal(tail, "}]");
});

test("faults match their exact path and are consumed in order; the log names the kind", async () => {
  const { api, sim } = ctx;
  sim.faults.add({ path: "/v2/api/get-hosts", kind: "invalid-json" });
  sim.faults.add({ path: "/v2/api/get-hosts", kind: "html-502" });
  assert.equal((await api.v2("get-clusters", {}, token)).status, 200, "another path is untouched");
  assert.equal(sim.faults.list().length, 2);
  assert.equal((await api.v2("get-hosts", {}, token)).text, '{"data": [oops');
  assert.equal((await api.v2("get-hosts", {}, token)).status, 502);
  assert.equal((await api.v2("get-hosts", {}, token)).status, 200);
  const kinds = sim.state.requests.filter((r) => r.path === "/v2/api/get-hosts").map((r) => r.fault);
  assert.deepEqual(kinds.slice(-3), ["invalid-json", "html-502", null]);
  sim.faults.add({ path: GET_VMS, kind: "hang", count: 3 });
  assert.equal(sim.faults.clear(), 1);
  assert.equal((await api.v2("get-vms", { first: 1 }, token)).status, 200);
});

test("invalid fault descriptions are refused with a TypeError naming the problem", () => {
  const { faults } = ctx.sim;
  assert.throws(() => faults.add({ path: GET_VMS, kind: "explode" }), /kind must be one of latency, hang, reset/);
  assert.throws(() => faults.add({ path: "get-vms", kind: "hang" }), /path must be an API path/);
  assert.throws(() => faults.add({ path: GET_VMS, kind: "latency" }), /latency needs ms/);
  assert.throws(() => faults.add({ path: GET_VMS, kind: "status", status: 200 }), /HTTP error status/);
  assert.throws(() => faults.add({ path: GET_VMS, kind: "graphql-partial" }), /applies to \/api only/);
  assert.throws(() => faults.add({ path: GET_VMS, kind: "hang", count: 0 }), /count must be a positive integer/);
  assert.throws(() => faults.add({ path: GET_VMS, kind: "hang", ms: 3 }), /unknown parameter ms/);
  assert.deepEqual(faults.list(), []);
});

test("HTTP control API: faults, requests, api-keys/exists; disabled with control: false", async () => {
  const { api, sim } = ctx;
  const added = await api.request("POST", "/__sim/faults", { body: { path: GET_VMS, kind: "status", status: 503 } });
  assert.equal(added.status, 201);
  assert.deepEqual(added.json, { path: GET_VMS, count: 1, kind: "status", status: 503 });
  assert.ok(added.headers.get("x-tower-request-id"));
  assert.equal((await api.v2("get-vms", {}, token)).status, 503);

  const bad = await api.request("POST", "/__sim/faults", { body: { path: GET_VMS, kind: "nope" } });
  assert.equal(bad.status, 400);
  assert.match(bad.json.message, /kind must be one of/);
  await api.request("POST", "/__sim/faults", { body: { path: GET_VMS, kind: "hang" } });
  assert.deepEqual((await api.request("DELETE", "/__sim/faults")).json, { cleared: 1 });

  const log = await api.request("GET", "/__sim/requests");
  assert.deepEqual(log.json, sim.state.requests, "control requests themselves are not logged");
  assert.deepEqual(Object.keys(log.json.at(-1)).sort(), ["at", "auth", "fault", "method", "operation", "path", "requestId", "status"]);

  const { key } = await api.createKey(token, "exists");
  assert.deepEqual((await api.request("POST", "/__sim/api-keys/exists", { body: { key } })).json, { exists: true });
  assert.deepEqual((await api.request("POST", "/__sim/api-keys/exists", { body: { key: `${key}x` } })).json, { exists: false });
  assert.equal((await api.request("GET", "/__sim/nothing")).status, 404);

  await withSimulator({ control: false }, async (_sim, api2) => {
    const r = await api2.request("POST", "/__sim/faults", { body: { path: GET_VMS, kind: "hang" } });
    assert.equal(r.status, 404);
    assert.equal(r.json.message, "Not found: /__sim/faults");
  });
});

test("state.requestCount filters the log by fields or a predicate", async () => {
  const { api, sim } = ctx;
  const before = sim.state.requestCount({ path: "/v2/api/get-clusters", auth: "token", status: 200 });
  await api.v2("get-clusters", {}, token);
  await api.v2("get-clusters", {});
  assert.equal(sim.state.requestCount({ path: "/v2/api/get-clusters", auth: "token", status: 200 }), before + 1);
  assert.ok(sim.state.requestCount((r) => r.status === 401) >= 1);
  assert.equal(sim.state.requestCount(), sim.state.requests.length);
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const corsHeaders = (r) => [...r.headers.keys()].filter((h) => h.startsWith("access-control-"));

test("CORS is off by default: no Access-Control-* headers, preflights refused", async () => {
  const { api } = ctx;
  const preflight = { headers: { origin: "http://page.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization" } };
  for (const path of ["/v2/api/get-vms", "/api"]) {
    const r = await api.request("OPTIONS", path, preflight);
    assert.equal(r.status, 405);
    assert.deepEqual(corsHeaders(r), []);
  }
  const normal = await api.v2("get-clusters", {}, token, { origin: "http://page.example" });
  assert.equal(normal.status, 200);
  assert.deepEqual(corsHeaders(normal), []);
});

test("cors: true answers preflights and exposes x-tower-request-id", async () => {
  await withSimulator({ cors: true }, async (_sim, api) => {
    const origin = "http://page.example";
    const preflight = await api.request("OPTIONS", "/v2/api/get-vms", { headers: { origin, "access-control-request-method": "POST" } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), origin);
    assert.equal(preflight.headers.get("access-control-allow-headers"), "authorization, content-type, content-language");
    assert.match(preflight.headers.get("access-control-allow-methods"), /POST/);
    assert.match(preflight.headers.get("x-tower-request-id"), UUID);
    const t = await api.login();
    const r = await api.v2("get-clusters", {}, t, { origin });
    assert.equal(r.headers.get("access-control-allow-origin"), origin);
    assert.equal(r.headers.get("access-control-expose-headers"), "x-tower-request-id");
    for (const path of ["/api", "/__sim/faults"]) assert.equal((await api.request("OPTIONS", path, { headers: { origin } })).status, 204, path);
  });
});

test("content-language: en-US (default), *, zh-CN translate messages; anything else → 400", async () => {
  const { api } = ctx;
  const wrong = { username: "ghost", password: "x" };
  const en = await api.v2("login", wrong);
  assert.equal(en.json.message, "Incorrect username or password");
  for (const value of ["en-US", "*"]) assert.equal((await api.v2("login", wrong, undefined, { "content-language": value })).json.message, en.json.message);
  const zh = await api.v2("login", wrong, undefined, { "content-language": "zh-CN" });
  assert.equal(zh.status, 400);
  assert.equal(zh.json.message, "用户名或密码错误");
  assert.equal((await api.v2("get-vms", {}, undefined, { "content-language": "zh-CN" })).json.message, "缺少 Authorization 请求头");
  const gqlZh = await api.gql("{ my { user { id } } }", undefined, undefined, { "content-language": "zh-CN" });
  assert.equal(gqlZh.json.errors[0].message, "缺少 Authorization 请求头");

  for (const value of ["fr-FR", "zh-cn", "en"]) {
    const r = await api.v2("get-clusters", {}, token, { "content-language": value });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, { message: `Unsupported content-language "${value}": use en-US, zh-CN or *`, status: 400, path: "/v2/api/get-clusters" });
  }
  const gql = await api.gql("{ authnStrategies { id } }", undefined, undefined, { "content-language": "fr-FR" });
  assert.equal(gql.status, 400);
  assert.equal(gql.json.errors[0].extensions.code, "BAD_REQUEST");
});

test("x-tower-request-id: on every kind of answer, unique, uuid-shaped", async () => {
  const { api, sim } = ctx;
  const responses = [
    await api.v2("get-vms", { first: 1 }, token),
    await api.v2("get-vms", {}),
    await api.v2("get-vms", { where: { nmae: 1 } }, token),
    await api.v2("create-vm", {}, token),
    await api.request("GET", "/v2/api/get-vms"),
    await api.request("GET", "/v2/api/get-version"),
    await api.request("GET", "/"),
    await api.gql("{ my { user { id } } }", undefined, token),
    await api.gql("{ nope }"),
    await api.request("POST", "/api", { body: "{" }),
    await api.request("GET", "/__sim/requests"),
    await api.v2("get-vms", {}, token, { "content-language": "xx" }),
  ];
  for (const [kind, extra] of [["status", { status: 503 }], ["invalid-json", {}], ["html-502", {}], ["truncate", {}],
    ["wrong-shape", {}], ["latency", { ms: 1 }], ["huge-body", { bytes: 10_000 }]]) {
    sim.faults.add({ path: "/v2/api/get-hosts", kind, ...extra });
    responses.push(await api.v2("get-hosts", {}, token));
  }
  sim.faults.add({ path: "/api", kind: "graphql-partial" });
  responses.push(await api.gql("{ authnStrategies { id } }"));
  const ids = responses.map((r) => r.headers.get("x-tower-request-id"));
  for (const id of ids) assert.match(id ?? "missing", UUID);
  assert.equal(new Set(ids).size, ids.length);
  // The log carries the same ids.
  assert.ok(sim.state.requests.some((r) => r.requestId === ids[0]));
});

test("JSON answers are application/json; charset=utf-8", async () => {
  const { api } = ctx;
  for (const r of [await api.v2("get-clusters", {}, token), await api.v2("get-vms", {}), await api.gql("{ authnStrategies { id } }")]) {
    assert.equal(r.headers.get("content-type"), "application/json; charset=utf-8");
  }
});

test("request bodies over 16 MB → 413 ErrorBody", async () => {
  const r = await ctx.api.v2("get-vms", `{"where":{"name":"${"x".repeat(17 * 1024 * 1024)}"}}`, token);
  assert.equal(r.status, 413);
  assert.equal(r.json.message, "Request body is too large");
});

test("the log: one line per request, never a password, token or key", async () => {
  const { api, sim } = ctx;
  lines.length = 0;
  const before = sim.state.requests.length;
  const password = ACCOUNTS.admin.password;
  const fresh = await api.login();
  const { key } = await api.createKey(fresh, "log-test");
  await api.v2("get-vms", { first: 1 }, key);
  await api.v2("get-vms", { first: 1 }, `Bearer ${fresh}`);
  await api.gql(`mutation deleteApiKey($key: String!) { deleteApiKey(where: { key: $key }) { id } }`, { key }, fresh);
  await api.v2("get-vms", {}, key);
  await api.gql("mutation($d: LoginInput!) { login(data: $d) { token } }", { d: { username: "admin", password, source: "LOCAL" } });
  // Secrets where they do not belong: in the query string, in an operation name.
  await api.request("POST", `/v2/api/get-clusters?token=${fresh}`, { body: {}, headers: { authorization: fresh } });
  await api.request("POST", "/api", { body: { query: "query q { authnStrategies { id } }", operationName: fresh }, headers: { authorization: fresh } });
  await api.request("POST", "/__sim/api-keys/exists", { body: { key } });

  assert.equal(lines.length, sim.state.requests.length - before, "one line per logged request");
  const secrets = [password, fresh, key];
  for (const line of lines) for (const secret of secrets) assert.ok(!line.includes(secret), `secret in log line: ${line}`);
  assert.ok(lines.some((line) => line.includes("?[REDACTED]")));
  assert.ok(lines.some((line) => line.includes("op=[REDACTED]")));
  assert.match(lines[0], /^\S+Z 200 POST \/v2\/api\/login op=login auth=none \d+ms id=[0-9a-f-]{36}$/);
  const logged = JSON.stringify(sim.state.requests);
  for (const secret of [password, fresh, key]) assert.ok(!logged.includes(secret), "state.requests holds no secrets");
});
