// The web build (pkg/web.mjs + the .wasm) in real Chromium: the whole API-key flow, aborts,
// deadlines, errors and every way init() loads the module. Page and API share one origin
// (scripts/serve.mjs serves tests/browser/page at "/", pkg/ at "/pkg/" and proxies /api,
// /v2/api/* to the simulator), exactly as a console would be deployed: no CORS anywhere.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";
import { startConsoleServer } from "../../scripts/serve.mjs";
import { launchChromium, collectPageErrors, SKIP_BROWSER } from "./chromium.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
const PKG = resolve(process.env.CLOUDTOWER_PKG_DIR || resolve(ROOT, "pkg")); // another built package dir, if set
const WASM_PATH = "/pkg/wasm/cloudtower_wasm_bg.wasm";
const STEP_MS = 20_000; // bound of any single page step

let sim;
let server;
let browser;
/** Waiters for simulator log lines (one line per request, written as it is handled). */
const logWaiters = new Set();

/** Resolves with the next simulator log line matching `pattern` (rejects after `ms`). */
function nextSimLog(pattern, ms = STEP_MS) {
  let waiter;
  const promise = new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      logWaiters.delete(waiter);
      reject(new Error(`no simulator request matching ${pattern} within ${ms} ms`));
    }, ms);
    waiter = { pattern, resolve: (line) => (clearTimeout(timer), resolvePromise(line)) };
    logWaiters.add(waiter);
  });
  return promise;
}

before(async () => {
  assert.ok(existsSync(resolve(PKG, "web.mjs")), "pkg/ is not built: run bash scripts/build.sh");
  sim = await startSimulator({
    vms: 20,
    log: (line) => {
      for (const waiter of logWaiters) {
        if (waiter.pattern.test(line)) {
          logWaiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    },
  });
  server = await startConsoleServer({
    upstream: sim.url,
    static: [
      { prefix: "/", dir: resolve(HERE, "page") },
      { prefix: "/pkg/", dir: PKG },
    ],
  });
  if (!SKIP_BROWSER) browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await sim?.close();
});

/** A fresh page on the test page, harness loaded, with its errors and .wasm requests recorded. */
async function openPage(t) {
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const errors = collectPageErrors(page);
  const wasmRequests = [];
  page.on("request", (request) => {
    if (new URL(request.url()).pathname.endsWith(".wasm")) wasmRequests.push(request.url());
  });
  const response = await page.goto(`${server.url}/`);
  assert.equal(response.status(), 200);
  await page.waitForFunction(() => window.harness !== undefined);
  return { page, errors, wasmRequests };
}

const admin = { username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password };

test("web build: init twice, login, issue a key, use it, abort, time out, revoke, rejected", { skip: SKIP_BROWSER, timeout: 90_000 }, async (t) => {
  const { page, errors, wasmRequests } = await openPage(t);

  // init() twice, concurrently and again after it settled: harmless, one fetch of the .wasm.
  const initialised = await page.evaluate(async () => {
    const { api } = window.harness;
    const first = api.init();
    const second = api.init();
    const results = await Promise.all([first, second]);
    await api.init();
    return { results: results.map((r) => r === undefined) };
  });
  assert.deepEqual(initialised.results, [true, true]);
  assert.deepEqual(wasmRequests.map((u) => new URL(u).pathname), [WASM_PATH], "the .wasm is fetched once, next to web.mjs");

  // login -> createApiKey -> withApiKey(key).call("get-vms").
  const issued = await page.evaluate(async (creds) => {
    const { api, clients } = window.harness;
    const client = new api.CloudTowerClient({ endpoint: location.origin });
    const before = client.authKind;
    const version = await client.getVersion();
    await client.login(creds);
    const key = await client.createApiKey({ name: "browser-web-build" });
    const keyed = client.withApiKey(key.key);
    Object.assign(clients, { client, keyed });
    const vms = await keyed.call("get-vms", { first: 5 });
    return {
      before, version, afterLogin: client.authKind, keyedKind: keyed.authKind,
      endpoint: keyed.endpoint, keyedJson: JSON.stringify(keyed), keyedString: String(keyed),
      key: { id: key.id, key: key.key, name: key.name, roles: key.roles },
      vms: vms.map((vm) => ({ id: vm.id, name: vm.name, status: vm.status })),
    };
  }, admin);
  assert.equal(issued.before, "none");
  assert.equal(typeof issued.version, "string");
  assert.equal(issued.afterLogin, "token");
  assert.equal(issued.keyedKind, "apiKey");
  assert.equal(issued.endpoint, server.url, "the endpoint is the page's own origin");
  assert.equal(issued.key.name, "browser-web-build");
  assert.ok(issued.key.key.length > 0 && issued.key.id.length > 0);
  assert.ok(Array.isArray(issued.key.roles) && issued.key.roles.length > 0);
  assert.ok(sim.state.hasApiKey(issued.key.key), "the simulator holds the new key");
  assert.ok(sim.state.apiKeys().some((k) => k.id === issued.key.id && k.name === "browser-web-build"));
  assert.ok(!issued.keyedJson.includes(issued.key.key), "JSON of a client never holds the key");
  assert.ok(!issued.keyedString.includes(issued.key.key), "String(client) never holds the key");
  assert.equal(issued.vms.length, 5);
  for (const vm of issued.vms) assert.ok(typeof vm.id === "string" && typeof vm.name === "string" && typeof vm.status === "string");
  assert.equal(new Set(issued.vms.map((vm) => vm.id)).size, 5);
  assert.equal(sim.state.requestCount({ path: "/v2/api/get-vms", auth: "apiKey", status: 200 }), 1);

  // An already-aborted signal: ABORTED, and nothing reaches the server.
  const getVmsBefore = sim.state.requestCount({ path: "/v2/api/get-vms" });
  const preAborted = await page.evaluate(() => {
    const { clients, settle } = window.harness;
    return settle(clients.keyed.call("get-vms", { first: 5 }, { signal: AbortSignal.abort() }));
  });
  assert.equal(preAborted.resolved, false);
  assert.equal(preAborted.code, "ABORTED");
  assert.equal(preAborted.instanceofCloudTowerError, true);
  assert.equal(preAborted.instanceofError, true);
  assert.equal(sim.state.requestCount({ path: "/v2/api/get-vms" }), getVmsBefore, "an aborted signal sends no request");

  // Abort in flight: the request hangs at the server, the page aborts it once it arrived.
  sim.faults.add({ path: "/v2/api/get-vms", kind: "hang", count: 1 });
  const arrived = nextSimLog(/\/v2\/api\/get-vms .*fault=hang/);
  await page.evaluate(() => {
    const { clients, settle } = window.harness;
    const controller = new AbortController();
    clients.abort = controller;
    clients.pending = settle(clients.keyed.call("get-vms", { first: 5 }, { signal: controller.signal, timeoutMs: 60_000 }));
  });
  await arrived;
  const abortedInFlight = await page.evaluate(() => {
    const { clients } = window.harness;
    clients.abort.abort();
    return clients.pending;
  });
  assert.equal(abortedInFlight.resolved, false);
  assert.equal(abortedInFlight.code, "ABORTED", abortedInFlight.message);
  assert.equal(abortedInFlight.status, 0);
  assert.equal(abortedInFlight.instanceofCloudTowerError, true);
  assert.equal(abortedInFlight.isCloudTowerError, true);
  assert.ok(abortedInFlight.ms < 30_000, "aborted long before its 60 s deadline");

  // timeoutMs against a hanging server: TIMEOUT after about the deadline, not retried.
  sim.faults.add({ path: "/v2/api/get-vms", kind: "hang", count: 1 });
  const hangsBefore = sim.state.requestCount({ path: "/v2/api/get-vms", fault: "hang" });
  const timedOut = await page.evaluate(() => {
    const { clients, settle } = window.harness;
    return settle(clients.keyed.call("get-vms", { first: 5 }, { timeoutMs: 400 }));
  });
  assert.equal(timedOut.resolved, false);
  assert.equal(timedOut.code, "TIMEOUT", timedOut.message);
  assert.equal(timedOut.name, "CloudTowerError");
  assert.equal(timedOut.operation, "get-vms");
  assert.equal(timedOut.instanceofCloudTowerError, true);
  assert.ok(timedOut.ms >= 350 && timedOut.ms < 15_000, `deadline 400 ms, took ${timedOut.ms} ms`);
  assert.equal(sim.state.requestCount({ path: "/v2/api/get-vms", fault: "hang" }), hangsBefore + 1);
  assert.deepEqual(sim.faults.list(), [], "both hang faults were consumed");

  // The client is still usable after an abort and a timeout.
  const again = await page.evaluate(async () => (await window.harness.clients.keyed.call("get-vms", { first: 2 })).length);
  assert.equal(again, 2);

  // deleteApiKey -> the same call is rejected with UNAUTHORIZED.
  const deleted = await page.evaluate((key) => window.harness.clients.client.deleteApiKey(key), issued.key.key);
  assert.deepEqual(deleted, { id: issued.key.id, alreadyRevoked: false });
  assert.equal(sim.state.hasApiKey(issued.key.key), false, "the simulator no longer holds the key");
  assert.ok(!sim.state.apiKeys().some((k) => k.id === issued.key.id));

  const rejected = await page.evaluate(() => {
    const { clients, settle } = window.harness;
    return settle(clients.keyed.call("get-vms", { first: 5 }));
  });
  assert.equal(rejected.resolved, false);
  assert.equal(rejected.code, "UNAUTHORIZED", rejected.message);
  assert.equal(rejected.status, 401);
  assert.equal(rejected.name, "CloudTowerError");
  assert.equal(rejected.operation, "get-vms");
  assert.equal(rejected.instanceofCloudTowerError, true, "err instanceof CloudTowerError");
  assert.equal(rejected.instanceofError, true, "err instanceof Error");
  assert.equal(rejected.isCloudTowerError, true, "isCloudTowerError(err)");
  assert.equal(rejected.hasStack, true);
  assert.ok(!rejected.message.includes(issued.key.key), "the message never holds the key");
  assert.match(rejected.requestId ?? "", /^[0-9a-f-]{36}$/);
  const logged = sim.state.requests.find((r) => r.requestId === rejected.requestId);
  assert.ok(logged, "requestId is the x-tower-request-id the simulator sent, through the proxy");
  assert.equal(logged.status, 401);
  assert.equal(logged.path, "/v2/api/get-vms");

  // Deleting it again is not an error.
  const deletedAgain = await page.evaluate((key) => window.harness.clients.client.deleteApiKey(key), issued.key.key);
  assert.deepEqual(deletedAgain, { id: null, alreadyRevoked: true });

  assert.deepEqual(errors, [], "no page errors");
});

// init() accepts a URL, a URL string, a Response (or a promise of one), bytes and a compiled
// module. Each variant runs in a fresh page (a fresh module instance: the first init wins) and
// fetches the .wasm with a marker query, so the test sees that init loaded what it was given.
const INIT_VARIANTS = {
  "a URL": (wasm) => window.harness.api.init(new URL(wasm, location.href)),
  "a URL string": (wasm) => window.harness.api.init(wasm),
  "a Response": async (wasm) => window.harness.api.init(await fetch(wasm)),
  "a promise of a Response": (wasm) => window.harness.api.init(fetch(wasm)),
  "bytes (Uint8Array)": async (wasm) => window.harness.api.init(new Uint8Array(await (await fetch(wasm)).arrayBuffer())),
  "bytes (ArrayBuffer)": async (wasm) => window.harness.api.init(await (await fetch(wasm)).arrayBuffer()),
  "a WebAssembly.Module": async (wasm) => window.harness.api.init(await WebAssembly.compileStreaming(fetch(wasm))),
};

for (const [variant, load] of Object.entries(INIT_VARIANTS)) {
  test(`web build: init() accepts ${variant}`, { skip: SKIP_BROWSER, timeout: 60_000 }, async (t) => {
    const { page, errors, wasmRequests } = await openPage(t);
    const marker = encodeURIComponent(variant);
    const wasm = `${WASM_PATH}?via=${marker}`;
    await page.evaluate(`(${load})(${JSON.stringify(wasm)})`);
    const used = await page.evaluate(async () => {
      const { api, settle } = window.harness;
      await api.init(); // again, without input: harmless, loads nothing more
      const client = new api.CloudTowerClient({ endpoint: location.origin });
      const version = await client.getVersion();
      let invalid;
      try {
        new api.CloudTowerClient({ endpoint: "ftp://tower.example" });
      } catch (error) {
        invalid = await settle(Promise.reject(error));
      }
      return { version, invalid };
    });
    assert.equal(typeof used.version, "string");
    assert.equal(used.invalid?.code, "INVALID_ARGUMENT", "the error class is registered whichever way init loaded");
    assert.equal(used.invalid.instanceofCloudTowerError, true);
    assert.deepEqual(wasmRequests.map((u) => { const url = new URL(u); return url.pathname + url.search; }), [wasm],
      "exactly one .wasm request, the one init was given");
    assert.deepEqual(errors, []);
  });
}

test("web build: a failed init() rejects clearly and can be retried", { skip: SKIP_BROWSER, timeout: 60_000 }, async (t) => {
  const { page, errors } = await openPage(t);
  const failed = await page.evaluate(() => window.harness.settle(window.harness.api.init("/pkg/wasm/missing.wasm")));
  assert.equal(failed.resolved, false);
  assert.match(failed.message, /404/, "the failure names the HTTP status of the .wasm");
  assert.equal(failed.instanceofCloudTowerError, true, "the one error type, also for init()");
  assert.equal(failed.code, "HTTP");
  assert.equal(failed.status, 404);
  // Bytes that are not the module.
  const notWasm = await page.evaluate(() => window.harness.settle(window.harness.api.init(new Uint8Array([60, 104, 116, 109, 108, 62]))));
  assert.equal(notWasm.code, "DECODE", notWasm.message);
  assert.equal(notWasm.instanceofCloudTowerError, true);
  const version = await page.evaluate(async () => {
    const { api } = window.harness;
    await api.init();
    return new api.CloudTowerClient({ endpoint: location.origin }).getVersion();
  });
  assert.equal(typeof version, "string");
  assert.deepEqual(errors, []);
});

test("web build: using the client before init() fails with an error that says to call init()", { skip: SKIP_BROWSER, timeout: 60_000 }, async (t) => {
  const { page, errors } = await openPage(t);
  const early = await page.evaluate(() => {
    const { api, settle } = window.harness;
    return settle(new Promise((ok) => ok(new api.CloudTowerClient({ endpoint: location.origin }))));
  });
  assert.equal(early.resolved, false, "a client cannot exist before the module is loaded");
  assert.match(early.message, /init\(\)/, `the message should point to init(); got: ${early.message}`);
  assert.deepEqual(errors, []);
});
