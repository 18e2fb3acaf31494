// HA pair mode: two nodes over one state, the passive one answering 307, roles swapped and
// nodes taken down by the control API or sim.ha.

import { test } from "node:test";
import assert from "node:assert/strict";
import { client, useSimulator } from "../harness.mjs";
import { startSimulator } from "../index.mjs";

const ctx = useSimulator({ pair: true });
const nodes = () => ctx.sim.urls.map(client);
const reset = () => ctx.sim.ha.set({ active: 0, unreachable: [], bothActive: false, location: null });

test("healthz: 200 on the active node, 307 to the active node on the passive one", async () => {
  reset();
  const [a, b] = nodes();
  assert.equal((await a.request("GET", "/api/healthz")).status, 200);
  const passive = await b.request("GET", "/api/healthz");
  assert.equal(passive.status, 307);
  assert.equal(passive.headers.get("location"), `${ctx.sim.urls[0]}/api/healthz`);
});

test("the passive node performs nothing: 307 with the same path on the active node, logged with its node", async () => {
  reset();
  const [a, b] = nodes();
  const before = ctx.sim.state.requestCount({ path: "/v2/api/login", status: 200 });
  const r = await b.v2("login", { username: "admin", password: "x", source: "LOCAL" });
  assert.equal(r.status, 307);
  assert.equal(r.headers.get("location"), `${ctx.sim.urls[0]}/v2/api/login`);
  assert.equal(ctx.sim.state.requestCount({ path: "/v2/api/login", status: 307, node: 1 }), 1);
  assert.equal(ctx.sim.state.requestCount({ path: "/v2/api/login", status: 200 }), before);
  const token = await a.login();
  assert.equal((await b.v2("get-vms", { first: 1 }, token)).status, 307);
});

test("one state: a token and an API key from one node work on the other after a failover", async () => {
  reset();
  const [a, b] = nodes();
  const token = await a.login();
  const { key } = await a.createKey(token, "ha-sim");
  const swapped = await (await b.request("POST", "/__sim/failover")).json;
  assert.equal(swapped.active, 1);
  assert.equal((await b.v2("get-vms", { first: 1 }, token)).status, 200);
  assert.equal((await b.v2("get-vms", { first: 1 }, key)).status, 200);
  assert.equal((await a.v2("get-vms", { first: 1 }, key)).status, 307);
});

test("faults: an unreachable node resets connections; both active answer 200; location can point elsewhere", async () => {
  reset();
  const [a, b] = nodes();
  await b.request("POST", "/__sim/ha", { body: { unreachable: [0] } });
  await assert.rejects(a.request("GET", "/api/healthz"), { code: "ECONNRESET" });
  ctx.sim.ha.set({ unreachable: [], bothActive: true });
  assert.deepEqual([(await a.request("GET", "/api/healthz")).status, (await b.request("GET", "/api/healthz")).status], [200, 200]);
  ctx.sim.ha.set({ bothActive: false, location: "http://foreign.invalid/x" });
  assert.equal((await b.request("GET", "/v2/api/get-version")).headers.get("location"), "http://foreign.invalid/x");
  const bad = await a.request("POST", "/__sim/ha", { body: { active: 2 } });
  assert.equal(bad.status, 400);
});

test("a single simulator answers healthz 200 and has no HA control", async () => {
  const sim = await startSimulator({ vms: 1 });
  try {
    const api = client(sim.url);
    assert.equal((await api.request("GET", "/api/healthz")).status, 200);
    assert.equal((await api.request("POST", "/__sim/failover")).status, 404);
    assert.equal(sim.urls, undefined);
  } finally {
    await sim.close();
  }
  await assert.rejects(startSimulator({ pair: "yes" }), /pair must be a boolean/);
});
