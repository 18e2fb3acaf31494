// Answers no honest CloudTower sends (issue: "hostile world, client side"): bodies of hundreds
// of megabytes on every path the client decodes itself, secrets echoed in every field of an
// error, `__proto__` keys, partial answers that carry a key, callbacks that throw odd values,
// one AbortSignal shared by many calls, a TLS mismatch. Each kind is tried in several shapes;
// the instance must survive all of them.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { once } from "node:events";
import { inspect } from "node:util";
import { CloudTowerClient, CloudTowerError } from "../../pkg/index.mjs";
import { rejectionOf } from "../client/helpers.mjs";

const MB = 1024 * 1024;
const TOKEN = "hostile-token-0123456789abcdef";

/** A server whose answer per request is chosen by the test: `routes[path](req, body, res)`. */
let server;
let base;
const routes = new Map();
before(async () => {
  server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const json = body ? JSON.parse(body) : null;
      const key = json?.operationName ?? new URL(req.url, base).pathname;
      const route = routes.get(key) ?? ((_, __, r) => sendJson(r, 404, { message: `no route ${key}`, status: 404, path: req.url }));
      route(req, json, res);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));

function sendJson(res, status, value) {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "x-tower-request-id": "hostile-1" });
  res.end(text);
}

/** Streams `bytes` of a JSON string literal body, chunked or with a length, until the client goes. */
function huge(res, status, bytes, { chunked }) {
  const headers = { "content-type": "application/json" };
  if (!chunked) headers["content-length"] = String(bytes);
  res.writeHead(status, headers);
  const piece = Buffer.alloc(64 * 1024, 0x61); // "aaaa…"
  let sent = 0;
  res.write('{"message":"');
  sent += 12;
  const pump = () => {
    while (sent < bytes - 2) {
      const n = Math.min(piece.length, bytes - 2 - sent);
      sent += n;
      if (!res.write(n === piece.length ? piece : piece.subarray(0, n))) return res.once("drain", pump);
    }
    res.end('"}');
  };
  res.on("close", () => res.removeAllListeners("drain"));
  pump();
}

const client = (options = {}) => new CloudTowerClient({ endpoint: base, token: TOKEN, retry: false, ...options });


// -- 1. Large answers ---------------------------------------------------------------------

const PATHS = [
  ["GraphQL currentUser", "my", 200, (c) => c.currentUser(), "DECODE"],
  ["GraphQL error status", "my", 500, (c) => c.currentUser(), "HTTP"],
  ["v2 error body", "/v2/api/get-vms", 500, (c) => c.call("get-vms", {}), "HTTP"],
  ["-connection count", "/v2/api/get-vms-connection", 200, (c) => c.count("get-vms"), "DECODE"],
  ["task poll", "/v2/api/get-tasks", 200, (c) => c.waitForTasks("t1", { intervalMs: 1 }), "DECODE"],
  ["login", "/v2/api/login", 200, (c) => c.login({ username: "admin", password: "pw-123456" }), "DECODE"],
];

for (const size of [10, 100, 300]) {
  for (const chunked of [false, true]) {
    test(`an answer of ${size} MB (${chunked ? "chunked" : "with a length"}) on every decoded path is refused unparsed, and the instance lives on`, async () => {
      const c = client();
      const rssBefore = process.memoryUsage().rss;
      for (const [label, route, status, call, code] of PATHS) {
        routes.set(route, (req, body, res) => huge(res, status, size * MB, { chunked }));
        const error = await rejectionOf(call(c));
        assert.ok(error instanceof CloudTowerError, `${label}: ${error}`);
        assert.equal(error.code, code, `${label}: ${error.message}`);
        assert.equal(error.status, status, label);
        assert.match(error.message, chunked ? /more than 4194304 bytes/ : new RegExp(`has ${size * MB} bytes`), label);
        routes.delete(route);
      }
      // The same instance still decodes an honest answer.
      routes.set("my", (req, body, res) =>
        sendJson(res, 200, { data: { my: { user: { id: "u1", username: "admin", name: "A", source: "LOCAL", roles: [] } } } }),
      );
      assert.equal((await c.currentUser()).username, "admin");
      routes.delete("my");
      const grown = (process.memoryUsage().rss - rssBefore) / MB;
      assert.ok(grown < size / 2 + 64, `resident memory grew by ${grown.toFixed(0)} MB for ${size} MB answers`);
    });
  }
}

test("call() keeps reading large successful answers whole (no envelope limit there)", async () => {
  const vms = Array.from({ length: 20_000 }, (_, i) => ({ id: `vm-${i}`, name: "x".repeat(200) }));
  routes.set("/v2/api/get-vms", (req, body, res) => sendJson(res, 200, vms));
  const answer = await client().call("get-vms", {});
  assert.equal(answer.length, 20_000);
  routes.delete("/v2/api/get-vms");
});

// -- 2. Secrets echoed in every field -----------------------------------------------------

/** Every string reachable from `value` (own properties, nested, cause, revokeError). */
function strings(value, seen = new Set()) {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object" || seen.has(value)) return [];
  seen.add(value);
  const out = [];
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key === "string") out.push(key);
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if ("value" in descriptor) out.push(...strings(descriptor.value, seen));
  }
  return out;
}

function assertNoSecret(error, secrets, label) {
  const forms = [...strings(error), JSON.stringify(error), inspect(error, { depth: Infinity, showHidden: true }), String(error)];
  for (const secret of secrets) {
    for (const form of forms) {
      const alone = new RegExp(`(^|[^\\p{L}\\p{N}])${secret.replace(/[.*+?^${}()|[\]\\]/gu, "\\$&")}($|[^\\p{L}\\p{N}])`, "u");
      const found = secret.length >= 8 ? form.includes(secret) : alone.test(form);
      assert.ok(!found, `${label}: secret of length ${secret.length} found in ${form.slice(0, 300)}`);
    }
  }
}

const canary = (length) => Array.from({ length }, (_, i) => "Qz7Kx9Wv"[i % 8]).join("");

for (const length of [1, 3, 7, 8, 20, 64]) {
  test(`a password of ${length} characters echoed by the server in every field is scrubbed from every form of the error`, async () => {
    const password = canary(length);
    const echo = { message: `wrong password ${password}`, status: 400, path: `/v2/api/login/${password}`, code: password, operationName: password, props: { authorization: password, [password]: [password, { deep: { deeper: password } }] } };
    routes.set("/v2/api/login", (req, body, res) => sendJson(res, 400, echo));
    const error = await rejectionOf(client().login({ username: "admin", password }));
    assert.equal(error.code, "UNAUTHORIZED");
    assertNoSecret(error, [password], "login");
    routes.delete("/v2/api/login");
  });
}

test("a token and a key echoed in GraphQL errors (message, path, extensions, top-level code) and in partial data are scrubbed", async () => {
  const key = "hostile-key-ABCDEFGHIJKLMNOP";
  routes.set("deleteApiKey", (req, body, res) =>
    sendJson(res, 200, {
      data: { deleteApiKey: { id: key, echo: TOKEN } },
      errors: [{ message: `cannot delete ${key} for ${TOKEN}`, path: ["deleteApiKey", key], extensions: { code: "INTERNAL", where: { key }, [TOKEN]: 1 }, code: key }],
    }),
  );
  const error = await rejectionOf(client().deleteApiKey(key));
  assert.equal(error.code, "GRAPHQL");
  assertNoSecret(error, [key, TOKEN], "deleteApiKey");
  routes.delete("deleteApiKey");
});

// -- 5. __proto__ and constructor keys ----------------------------------------------------

test("__proto__ and constructor keys in server JSON stay own data properties", async () => {
  routes.set("/v2/api/get-vms", (req, body, res) => {
    res.writeHead(400, { "content-type": "application/json" });
    res.end('{"message":"bad","status":400,"path":"/x","props":{"__proto__":{"code":"FORGED"},"constructor":{"prototype":{"x":1}}}}');
  });
  routes.set("my", (req, body, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"data":null,"errors":[{"message":"no","extensions":{"__proto__":{"code":"UNAUTHENTICATED"}}}]}');
  });
  const v2 = await rejectionOf(client().call("get-vms", {}));
  assert.equal(Object.getPrototypeOf(v2.errorBody.props), Object.prototype);
  assert.ok(Object.hasOwn(v2.errorBody.props, "__proto__"));
  assert.equal(v2.errorBody.props.code, undefined, "nothing inherited from the server's __proto__");
  const graphql = await rejectionOf(client().currentUser());
  assert.equal(graphql.code, "GRAPHQL", "an inherited extensions.code must not change how the error reads");
  assert.equal(Object.getPrototypeOf(graphql.graphqlErrors[0].extensions), Object.prototype);
  assert.equal(({}).code, undefined, "Object.prototype untouched");
  routes.delete("/v2/api/get-vms");
  routes.delete("my");
});

test("a 20 MB server message is cut in error.message, with its length", async () => {
  // Under the envelope limit in bytes? No: 20 MB is over it, so use 3 MB of text instead and
  // check the cut; the 20 MB case is the "refused unparsed" case above.
  const message = "m".repeat(3 * MB);
  routes.set("/v2/api/get-vms", (req, body, res) => sendJson(res, 500, { message, status: 500, path: "/x" }));
  const error = await rejectionOf(client().call("get-vms", {}));
  assert.ok(error.message.length < 2100, `message of ${error.message.length} characters`);
  assert.match(error.message, new RegExp(`cut: ${3 * MB} characters in all`));
  assert.equal(error.errorBody.message.length, 3 * MB, "errorBody keeps the whole text");
  routes.delete("/v2/api/get-vms");
});

// -- 3. Keys nobody holds -----------------------------------------------------------------

test("a createApiKey answer with errors beside the key revokes that key and says so", async () => {
  const key = "partial-key-ABCDEFGHIJKLMNOP";
  const revoked = [];
  routes.set("createApiKey", (req, body, res) =>
    sendJson(res, 200, { data: { createApiKey: { id: "k1", key, name: "x", roles: null } }, errors: [{ message: "roles failed", path: ["createApiKey", "roles"] }] }),
  );
  routes.set("deleteApiKey", (req, body, res) => {
    revoked.push(body.variables.key);
    sendJson(res, 200, { data: { deleteApiKey: { id: "k1" } } });
  });
  for (const flow of [(c) => c.createApiKey({ name: "x" }), (c) => c.withTemporaryApiKey({ name: "x" }, () => "never")]) {
    const error = await rejectionOf(flow(client()));
    assert.equal(error.code, "GRAPHQL");
    assert.match(error.message, /created the key anyway, and it was revoked/);
    assertNoSecret(error, [key], "partial createApiKey");
  }
  assert.deepEqual(revoked, [key, key]);
  routes.delete("createApiKey");
  routes.delete("deleteApiKey");
});

test("withTemporaryApiKey: a callback that throws a string, undefined or a frozen object still reports the failed revoke", async () => {
  const key = "temporary-key-ABCDEFGHIJKLMNOP";
  routes.set("createApiKey", (req, body, res) => sendJson(res, 200, { data: { createApiKey: { id: "k9", key, name: "t", roles: [] } } }));
  routes.set("deleteApiKey", (req, body, res) => sendJson(res, 500, { message: `cannot revoke ${key}`, status: 500, path: "/api" }));
  for (const thrown of ["a string", undefined, Object.freeze(new Error("frozen")), 42]) {
    const error = await rejectionOf(
      client().withTemporaryApiKey({ name: "t" }, () => {
        throw thrown;
      }),
    );
    assert.ok(error instanceof CloudTowerError, `thrown ${String(thrown)} → ${error}`);
    assert.equal(error.step, "revoke temporary key");
    assert.match(error.message, /k9 is still valid/);
    assert.equal(error.cause, thrown, "the callback's throw rides along as the cause");
    assertNoSecret(error, [key], "revoke failed");
  }
  const plain = new Error("callback failed");
  const error = await rejectionOf(
    client().withTemporaryApiKey({ name: "t" }, () => {
      throw plain;
    }),
  );
  assert.equal(error, plain, "an extensible error is the callback's own");
  assert.equal(error.revokeError.code, "HTTP");
  assert.match(error.revokeError.message, /k9 is still valid/);
  routes.delete("createApiKey");
  routes.delete("deleteApiKey");
});

// -- 5. One signal, many calls; a TLS mismatch --------------------------------------------

test("one AbortSignal shared by 50 concurrent calls prints no MaxListenersExceededWarning", async () => {
  routes.set("/v2/api/get-vms", (req, body, res) => sendJson(res, 200, []));
  const warnings = [];
  const onWarning = (warning) => warnings.push(warning.name);
  process.on("warning", onWarning);
  const controller = new AbortController();
  const c = client();
  await Promise.all(Array.from({ length: 50 }, () => c.call("get-vms", {}, { signal: controller.signal })));
  await new Promise((resolve) => setImmediate(resolve));
  process.off("warning", onWarning);
  assert.deepEqual(warnings, []);
  routes.delete("/v2/api/get-vms");
});

test("a shared signal gets one abort listener, whatever the number of calls in flight, and none once they end; aborting it ends them all", async () => {
  let release;
  const held = new Promise((resolve) => (release = resolve));
  let arrived = 0;
  let allArrived;
  const everyone = new Promise((resolve) => (allArrived = resolve));
  routes.set("/v2/api/get-vms", async (req, body, res) => {
    if (++arrived === 20) allArrived();
    await held;
    sendJson(res, 200, []);
  });
  const controller = new AbortController();
  const { signal } = controller;
  const counts = { add: 0, remove: 0 };
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = (type, ...rest) => (counts.add++, add(type, ...rest));
  signal.removeEventListener = (type, ...rest) => (counts.remove++, remove(type, ...rest));
  const c = client();
  const calls = Array.from({ length: 20 }, () => c.call("get-vms", {}, { signal }));
  await everyone;
  assert.deepEqual(counts, { add: 1, remove: 0 }, "one listener for 20 calls in flight");
  release();
  await Promise.all(calls);
  assert.deepEqual(counts, { add: 1, remove: 1 }, "removed when the last call ended");

  // In flight again, then aborted: every call ends ABORTED, and the listener goes.
  arrived = 0;
  const again = new Promise((resolve) => (allArrived = resolve));
  const pending = Array.from({ length: 20 }, () => rejectionOf(c.call("get-vms", {}, { signal })));
  await again;
  controller.abort();
  for (const error of await Promise.all(pending)) assert.equal(error.code, "ABORTED");
  assert.deepEqual(counts, { add: 2, remove: 2 });
  routes.delete("/v2/api/get-vms");
});

test("paging with a signal keeps memory bounded by a page (Node 20's AbortSignal.any kept every page alive)", async () => {
  const { spawn } = await import("node:child_process");
  const { startSimulator } = await import("../sim/index.mjs");
  const sim = await startSimulator({ vms: 20_000 });
  try {
    const admin = new CloudTowerClient({ endpoint: sim.url });
    await admin.login({ username: "admin", password: "Tower@Admin1" });
    const { key } = await admin.createApiKey({ name: "bounded" });
    const script = `
      const { CloudTowerClient } = require(${JSON.stringify(new URL("../../pkg/index.cjs", import.meta.url).pathname)});
      (async () => {
        const client = new CloudTowerClient({ endpoint: process.argv[1], apiKey: process.argv[2] });
        const { signal } = new AbortController();
        let n = 0;
        for await (const vm of client.paginate("get-vms", {}, { pageSize: 100, signal })) n += vm.id ? 1 : 0;
        process.stdout.write(String(n));
      })();`;
    // 200 pages of about 200 KB each: kept alive, they need more than the 32 MB allowed (the
    // fixed client peaks near 15).
    const child = spawn(process.execPath, ["--max-old-space-size=32", "-e", script, sim.url, key]);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const [code] = await once(child, "close");
    assert.equal(code, 0, stderr.slice(0, 800));
    assert.equal(stdout, "20000");
  } finally {
    await sim.close();
  }
});

test("https:// to a plain-HTTP port is NETWORK with a hint, even for a mutation (the request never reached the server)", async () => {
  const tls = new CloudTowerClient({ endpoint: base.replace("http:", "https:"), token: TOKEN, retry: false });
  for (const call of [(c) => c.createApiKey({ name: "x" }), (c) => c.call("get-vms", {})]) {
    const error = await rejectionOf(call(tls));
    assert.equal(error.code, "NETWORK", error.message);
    assert.match(error.message, /does not speak TLS on this port/);
  }
});

// -- Found by a fresh breaker: each a kind, kept as regression tests ---------------------

/** No run of 8 or more characters of `secret` in any form of the error. */
function assertNoPieceOf(error, secret, label) {
  const forms = [...strings(error), JSON.stringify(error), inspect(error, { depth: Infinity })];
  for (let at = 0; at + 8 <= secret.length; at++) {
    const piece = secret.slice(at, at + 8);
    for (const form of forms) assert.ok(!form.includes(piece), `${label}: "${piece}" of the secret in ${form.slice(0, 200)}`);
  }
}

test("a secret cut in two by the 2,000-character message limit or by a body excerpt leaves no piece behind", async () => {
  const key = "cutkey-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123";
  const c = client().withApiKey(key);
  const shapes = [
    ["v2 message cut at 2,000", () => sendJsonTo(400, { message: `${"a".repeat(1970)}${key} and more`, status: 400, path: "/x" })],
    ["GraphQL message cut at 2,000", null],
    ["text/plain excerpt", () => sendTextTo(500, `${"b ".repeat(62)}${key} trailing words to be cut off`)],
    ["HTML excerpt", () => sendTextTo(502, `<html><body>${"c".repeat(120)} ${key} more text</body></html>`, "text/html")],
  ];
  for (const [label, route] of shapes) {
    if (route) routes.set("/v2/api/get-vms", route());
    else routes.set("my", (req, body, res) => sendJson(res, 200, { data: null, errors: [{ message: `${"d".repeat(1975)}${key} more` }] }));
    const error = await rejectionOf(route ? c.call("get-vms", {}) : c.currentUser());
    assertNoPieceOf(error, key, label);
    routes.delete("/v2/api/get-vms");
    routes.delete("my");
  }
});

function sendJsonTo(status, value) {
  return (req, body, res) => sendJson(res, status, value);
}

function sendTextTo(status, text, type = "text/plain") {
  return (req, body, res) => {
    res.writeHead(status, { "content-type": type });
    res.end(text);
  };
}

test("an injected fetch that resolves with no Response, or one whose getters throw, is a CloudTowerError, never a crash", async () => {
  const answers = [null, undefined, 42, {}, { get status() { throw new Error("boom"); } }, { status: 200, headers: null, text: () => { throw new Error("no text"); } }];
  for (const answer of answers) {
    const fetch = async () => answer;
    for (const [call, code] of [[(c) => c.call("get-vms", {}), "NETWORK"], [(c) => c.createApiKey({ name: "x" }), "OUTCOME_UNKNOWN"]]) {
      const error = await rejectionOf(call(new CloudTowerClient({ endpoint: base, token: TOKEN, retry: false, fetch })));
      assert.ok(error instanceof CloudTowerError, String(error));
      assert.equal(error.code, code, `${inspect(answer)}: ${error.message}`);
    }
  }
});

test("a fetch that ignores its signal still ends at the deadline, and at the caller's abort", async () => {
  const fetch = () => new Promise(() => {}); // never settles, ignores init.signal
  const c = new CloudTowerClient({ endpoint: base, token: TOKEN, retry: false, fetch });
  const timeout = await rejectionOf(c.call("get-vms", {}, { timeoutMs: 50 }));
  assert.equal(timeout.code, "TIMEOUT");
  const controller = new AbortController();
  const pending = c.call("get-vms", {}, { signal: controller.signal, timeoutMs: 60_000 });
  controller.abort();
  assert.equal((await rejectionOf(pending)).code, "ABORTED");
  const stalled = async () => new Response(new ReadableStream({ pull: () => new Promise(() => {}) }), { status: 200 });
  const body = await rejectionOf(new CloudTowerClient({ endpoint: base, token: TOKEN, retry: false, fetch: stalled }).currentUser({ timeoutMs: 50 }));
  assert.equal(body.code, "TIMEOUT", "a body that never ends");
});

test("async hooks and onProgress callbacks that reject surface no unhandled rejection", async () => {
  const unhandled = [];
  const onUnhandled = (reason) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  routes.set("/v2/api/get-vms", sendJsonTo(200, [{ id: "vm-1" }]));
  routes.set("/v2/api/get-vms-connection", sendJsonTo(200, { aggregate: { count: 1 } }));
  const reject = async () => {
    throw new Error("observer failed");
  };
  const c = client({ onRequest: reject, onResponse: reject });
  await c.call("get-vms", {});
  for await (const vm of c.paginate("get-vms", {}, { onProgress: reject })) assert.equal(vm.id, "vm-1");
  await new Promise((resolve) => setTimeout(resolve, 20));
  process.off("unhandledRejection", onUnhandled);
  assert.deepEqual(unhandled, []);
  routes.delete("/v2/api/get-vms");
  routes.delete("/v2/api/get-vms-connection");
});

test("a mutation answered 200 whose body is cut is OUTCOME_UNKNOWN (it was performed), a read is NETWORK", async () => {
  const cut = (req, body, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
    res.write('[{"task_id":');
    setImmediate(() => res.destroy());
  };
  routes.set("/v2/api/start-vm", cut);
  routes.set("/v2/api/get-vms", cut);
  const mutation = await rejectionOf(client().call("start-vm", { where: { id: "vm-1" } }));
  assert.equal(mutation.code, "OUTCOME_UNKNOWN", mutation.message);
  assert.equal(mutation.status, 200);
  assert.doesNotMatch(mutation.message, /never performed/);
  const read = await rejectionOf(client().call("get-vms", {}));
  assert.equal(read.code, "NETWORK");
  routes.delete("/v2/api/start-vm");
  routes.delete("/v2/api/get-vms");
});

test("a login token or a new key that cannot be sent as a header value is refused where it arrives", async () => {
  routes.set("/v2/api/login", sendJsonTo(200, { task_id: null, data: { token: "token-with\nline-break" } }));
  const login = await rejectionOf(new CloudTowerClient({ endpoint: base, retry: false }).login({ username: "admin", password: "pw-123456" }));
  assert.equal(login.code, "DECODE");
  assert.doesNotMatch(JSON.stringify(login), /line-break/);
  routes.delete("/v2/api/login");
});

test("a createApiKey answer that carries a key but does not read as one has that key revoked", async () => {
  const revoked = [];
  routes.set("deleteApiKey", (req, body, res) => {
    revoked.push(body.variables.key);
    sendJson(res, 200, { data: { deleteApiKey: { id: "k1" } } });
  });
  const malformed = [
    { id: "k1", key: "malformed-key-ABCDEFGH1", name: "x", roles: "admin" },
    { id: "k1", key: "malformed-key-ABCDEFGH2", name: "x", roles: [null] },
    { key: "malformed-key-ABCDEFGH3", name: "x", roles: [] },
  ];
  for (const createApiKey of malformed) {
    routes.set("createApiKey", sendJsonTo(200, { data: { createApiKey } }));
    const error = await rejectionOf(client().createApiKey({ name: "x" }));
    assert.equal(error.code, "DECODE");
    assert.match(error.message, /created the key anyway, and it was revoked/);
    assertNoSecret(error, [createApiKey.key], "malformed createApiKey");
  }
  assert.deepEqual(revoked, malformed.map((m) => m.key));
  routes.delete("createApiKey");
  routes.delete("deleteApiKey");
});

test("a deleteApiKey answer that says nothing of the key is DECODE, not already revoked", async () => {
  routes.set("deleteApiKey", sendJsonTo(200, { data: {} }));
  const error = await rejectionOf(client().deleteApiKey("some-key-0123456789"));
  assert.equal(error.code, "DECODE");
  routes.set("createApiKey", sendJsonTo(200, { data: { createApiKey: { id: "k7", key: "temp-key-0123456789", name: "t", roles: [] } } }));
  const temporary = await rejectionOf(client().withTemporaryApiKey({ name: "t" }, () => "done"));
  assert.equal(temporary.step, "revoke temporary key");
  assert.match(temporary.message, /k7 is still valid/);
  routes.delete("deleteApiKey");
  routes.delete("createApiKey");
});

test("paginate: a server that answers items of the previous page again is an error, not a silent repeat", async () => {
  let calls = 0;
  routes.set("/v2/api/get-vms", (req, body, res) => {
    calls++;
    const start = calls === 1 ? 1 : 3; // the second page starts inside the first
    sendJson(res, 200, Array.from({ length: 6 }, (_, i) => ({ id: `vm-${String(start + i).padStart(2, "0")}` })));
  });
  const seen = [];
  const error = await rejectionOf((async () => {
    for await (const vm of client().paginate("get-vms", {}, { pageSize: 5 })) seen.push(vm.id);
  })());
  assert.equal(error.code, "DECODE");
  assert.equal(seen.length, 5);
  routes.delete("/v2/api/get-vms");
});
