// Load through ONE client in Node: 100,000 sequential calls and 1,000-way concurrent bursts with
// zero errors, and the wasm linear memory flat afterwards (a leak per call would grow it).
//
// The package's WebAssembly.Memory is reached through bench/wasm-memory.cjs (it watches the
// glue's `new WebAssembly.Instance` during the one require() of the package), so the package is
// loaded from there, before anything else could load it. The simulator runs in its own process
// (bench/lib.mjs) so its work does not share this thread.
//
// Time budget (2 shared cores): a real HTTP round trip to the simulator costs 0.7-1.5 ms here, so
// 100,000 of them take 90-150 s. The 100,000 sequential calls therefore go through a client
// whose `fetch` replays answers recorded from the simulator (real Response objects, every byte
// of the client's own path: validation, request building, deadline timer, abort wiring, body
// reading, JSON parsing, error mapping; only the socket is left out), and 5,000 sequential
// calls plus the 1,000-way bursts go over real HTTP to the simulator. LOAD_REAL_HTTP=1 sends
// all 100,000 sequential calls to the simulator instead (about 2.5 minutes here).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { startSimProcess, formatBytes } from "../../bench/lib.mjs";

const require = createRequire(import.meta.url);
const { loadPackage, wasmMemoryBytes } = require("../../bench/wasm-memory.cjs");
const { CloudTowerClient } = loadPackage().pkg;

const SEQUENTIAL = 100_000;
const SEQUENTIAL_HTTP = process.env.LOAD_REAL_HTTP === "1" ? SEQUENTIAL : 5_000;
const CONCURRENT = 1_000;
const BURSTS = 3;
const MiB = 1024 * 1024;

let sim;
let client; // over HTTP to the simulator
let replaying; // the same options, answers replayed in-process
let baseline;
// Failed attempts the client retried invisibly (reads are retried on network errors): reported.
let failedAttempts = 0;
const failureCodes = new Map();
const countFailures = (summary) => {
  if (!summary.errorCode) return;
  failedAttempts++;
  failureCodes.set(summary.errorCode, (failureCodes.get(summary.errorCode) ?? 0) + 1);
};
const retried = (before) => `failed attempts retried: ${failedAttempts - before}${failedAttempts > before ? ` (all run so far: ${[...failureCodes].map(([c, n]) => `${c} ×${n}`).join(", ")})` : ""}`;

/** A fetch answering from answers recorded off the simulator, each a fresh Response. */
function replayingFetch(recorded) {
  let n = 0;
  return async (url, init) => {
    const operation = new URL(url).pathname.split("/").pop();
    const answer = recorded[operation];
    if (!answer) throw new TypeError(`not recorded: ${operation}`);
    if (init.method !== answer.method) throw new TypeError(`${operation}: method ${init.method}`);
    if (answer.method === "POST" && init.headers.authorization !== answer.authorization) throw new TypeError("credential");
    init.signal?.throwIfAborted();
    n++;
    return new Response(answer.body, { status: 200, headers: { "content-type": answer.contentType, "x-tower-request-id": `replay-${n}` } });
  };
}

before(async () => {
  sim = await startSimProcess({ vms: 1 });
  const admin = new CloudTowerClient({ endpoint: sim.url, onResponse: countFailures });
  await admin.login({ username: "admin", password: "Tower@Admin1" });
  const { key } = await admin.createApiKey({ name: "load" });
  client = admin.withApiKey(key);
  const recorded = {};
  for (const [operation, method, body] of [["get-version", "GET"], ["get-vms", "POST", "{\"first\":1}"]]) {
    const response = await fetch(`${sim.url}/v2/api/${operation}`, { method, body, headers: { authorization: key, "content-type": "application/json" } });
    assert.equal(response.status, 200);
    recorded[operation] = { method, authorization: key, contentType: response.headers.get("content-type"), body: await response.text() };
  }
  replaying = new CloudTowerClient({ endpoint: sim.url, apiKey: key, fetch: replayingFetch(recorded), onResponse: countFailures });
});
after(() => sim?.close());

/** Call i of a mixed load: half get-version (GET, no body), half get-vms { first: 1 } (POST, auth). */
async function one(i, via = client) {
  if (i % 2) {
    const vms = await via.call("get-vms", { first: 1 });
    if (vms.length !== 1 || typeof vms[0].id !== "string") throw new Error(`get-vms gave ${JSON.stringify(vms).slice(0, 100)}`);
  } else {
    const version = await via.getVersion();
    if (version !== "4.6.0") throw new Error(`get-version gave ${version}`);
  }
}

async function burst(n) {
  const settled = await Promise.allSettled(Array.from({ length: n }, (_, i) => one(i)));
  return settled.filter((s) => s.status === "rejected").map((s) => `${s.reason?.code ?? ""} ${s.reason?.message ?? s.reason}`);
}

test("warm-up: 1,000 sequential calls (each way) and one 1,000-way burst set the memory baseline", async (t) => {
  for (let i = 0; i < 1000; i++) await one(i);
  for (let i = 0; i < 1000; i++) await one(i, replaying);
  assert.deepEqual(await burst(CONCURRENT), []);
  baseline = wasmMemoryBytes();
  t.diagnostic(`wasm memory after warm-up: ${formatBytes(baseline)}`);
  assert.ok(baseline > 0);
});

async function sequential(t, count, via, label) {
  const started = performance.now();
  const failedBefore = failedAttempts;
  let errors = 0;
  let firstError = null;
  const marks = [];
  const every = count / 4;
  for (let i = 0; i < count; i++) {
    try {
      await one(i, via);
    } catch (error) {
      errors++;
      firstError ??= error;
    }
    if ((i + 1) % every === 0) marks.push(`${(i + 1) / 1000}k: ${formatBytes(wasmMemoryBytes())}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const after = wasmMemoryBytes();
  t.diagnostic(`${count} sequential calls ${label} in ${seconds.toFixed(1)} s (${((seconds * 1e6) / count).toFixed(0)} µs per call); wasm memory ${marks.join(", ")}; ${retried(failedBefore)}`);
  assert.equal(errors, 0, `first error: ${firstError?.code} ${firstError?.message}`);
  assert.ok(after <= baseline + MiB, `wasm memory grew from ${formatBytes(baseline)} to ${formatBytes(after)}`);
}

test(`${SEQUENTIAL.toLocaleString("en-US")} sequential calls through one client (replayed answers): zero errors, flat wasm memory`, { timeout: 900_000 }, async (t) => {
  await sequential(t, SEQUENTIAL, replaying, "(replayed answers)");
});

test(`${SEQUENTIAL_HTTP.toLocaleString("en-US")} sequential calls through one client over HTTP to the simulator: zero errors, flat wasm memory`, { timeout: 900_000 }, async (t) => {
  await sequential(t, SEQUENTIAL_HTTP, client, "over HTTP");
});

test(`${CONCURRENT.toLocaleString("en-US")}-way concurrent bursts: zero errors, flat wasm memory`, { timeout: 300_000 }, async (t) => {
  const started = performance.now();
  const failedBefore = failedAttempts;
  for (let round = 0; round < BURSTS; round++) {
    const errors = await burst(CONCURRENT);
    assert.deepEqual(errors.slice(0, 5), [], `round ${round}: ${errors.length} errors`);
  }
  const seconds = (performance.now() - started) / 1000;
  const after = wasmMemoryBytes();
  t.diagnostic(`${BURSTS} × ${CONCURRENT} concurrent calls in ${seconds.toFixed(1)} s; wasm memory ${formatBytes(baseline)} → ${formatBytes(after)}; ${retried(failedBefore)}`);
  assert.ok(after <= baseline + MiB, `wasm memory grew from ${formatBytes(baseline)} to ${formatBytes(after)}`);
  // The instance still answers correctly after all that.
  assert.equal(await client.getVersion(), "4.6.0");
  assert.equal(client.authKind, "apiKey");
});
