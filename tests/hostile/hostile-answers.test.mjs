// Answers no honest CloudTower sends (issue: "hostile world, client side"): bodies of hundreds
// of megabytes on every path the client decodes itself, secrets echoed in every field of an
// error, `__proto__` keys, partial answers that carry a key, callbacks that throw odd values,
// one AbortSignal shared by many calls, a TLS mismatch. Each kind is tried in several shapes;
// the instance must survive all of them.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { inspect } from "node:util";
import { CloudTowerClient, CloudTowerError } from "../../pkg/index.mjs";

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

async function rejectionOf(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}

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

test("https:// to a plain-HTTP port is NETWORK with a hint, even for a mutation (the request never reached the server)", async () => {
  const tls = new CloudTowerClient({ endpoint: base.replace("http:", "https:"), token: TOKEN, retry: false });
  for (const call of [(c) => c.createApiKey({ name: "x" }), (c) => c.call("get-vms", {})]) {
    const error = await rejectionOf(call(tls));
    assert.equal(error.code, "NETWORK", error.message);
    assert.match(error.message, /does not speak TLS on this port/);
  }
});
