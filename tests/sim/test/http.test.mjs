// HTTP-level behaviour: CORS, content-language, x-tower-request-id, content types, log redaction.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ACCOUNTS } from "../index.mjs";
import { useSimulator, withSimulator } from "./helpers.mjs";

const lines = [];
let token;
const ctx = useSimulator({ log: (line) => lines.push(line) }, async ({ api }) => {
  token = await api.login();
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
    const gql = await api.request("OPTIONS", "/api", { headers: { origin } });
    assert.equal(gql.status, 204);
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
  const gqlZh = await api.gql("{ my { id } }", undefined, undefined, { "content-language": "zh-CN" });
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
    await api.gql("{ my { id } }", undefined, token),
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
