// Secret canaries: the whole key flow, every error path reachable against the simulator, and the
// CLI, run with distinctive secrets; then everything observable is scanned for them:
//   - error messages, stacks, String(), util.inspect() (deep, causes included) and JSON.stringify()
//     of every error, and the same of every client (and String(client));
//   - everything written to the console during the test (console methods patched);
//   - the simulator's log lines (its `log` option) and its request log (paths, operations);
//   - every URL the client requested (a recording `fetch` wrapper);
//   - every onRequest / onResponse summary;
//   - the CLI's stdout and stderr (pkg/bin/cloudtower.mjs as a child process).
// The secrets: the admin password "Canary-Pass-7f3a9" (and a wrong one), the other accounts'
// passwords, every token and key the test legitimately learns (a direct /v2/api/login fetch,
// createApiKey's result, `cloudtower key create` stdout, and every Authorization value the
// recording fetch saw the client send, which catches the session token of login() and the
// temporary keys of withTemporaryApiKey). A hit is a secret or any 16-character piece of one,
// a 43-character random-looking run (the shape of every simulator token and key), or a JSON
// "key" / "token" / "password" member with a value. The one intended reveal, createApiKey's
// result (and rotateApiKey's, the same kind of object) and `cloudtower key create` stdout, may
// hold its own key and nothing else.
// The console page's DOM and storage are covered by tests/console.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import util from "node:util";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CloudTowerClient, CloudTowerError } from "../../pkg/index.mjs";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";

const PASSWORD = "Canary-Pass-7f3a9";
const WRONG_PASSWORD = "Canary-Wrong-Pass-4c1d";

// ---------------------------------------------------------------- what is secret, what was seen

/** secret → a label for reports (never the secret itself in an assertion message). */
const secrets = new Map([
  [PASSWORD, "the admin password"],
  [WRONG_PASSWORD, "the wrong admin password"],
  [ACCOUNTS.readOnly.password, "the viewer password"],
  [ACCOUNTS.mfa.password, "the 2FA user's password"],
]);
const learn = (secret, label) => {
  if (typeof secret === "string" && secret.length >= 8 && !secrets.has(secret)) secrets.set(secret, label);
};

const consoleLines = [];
const simLog = [];
const requestedUrls = [];
const hookSummaries = [];

function textsOf(value) {
  const texts = [];
  const push = (label, thunk) => {
    try {
      const text = thunk();
      if (typeof text === "string") texts.push([label, text]);
    } catch (error) {
      texts.push([`${label} threw`, String(error?.message)]);
    }
  };
  if (value instanceof Error) {
    push("message", () => value.message);
    push("stack", () => value.stack);
    push("String()", () => String(value));
  }
  push("util.inspect", () => util.inspect(value, { depth: Infinity, showHidden: true, maxArrayLength: Infinity, maxStringLength: Infinity }));
  push("JSON.stringify", () => JSON.stringify(value));
  if (value instanceof CloudTowerClient) {
    push("String()", () => String(value));
    push("template", () => `${value}`);
    push("toJSON", () => JSON.stringify(value.toJSON()));
    push("fields", () => `${value.endpoint} ${value.authKind}`);
  }
  return texts;
}

/** A scope of observations, scanned by assertNoLeaks(). */
class Observations {
  entries = [];
  reveals = [];
  see(where, value) {
    for (const [how, text] of textsOf(value)) this.entries.push({ where, how, text });
    return value;
  }
  text(where, text, how) {
    this.entries.push({ where, how, text });
  }
  /** The one intended reveal: may hold `key`, nothing else secret. */
  reveal(where, value, key) {
    for (const [how, text] of textsOf(value)) this.reveals.push({ where, how, text, key });
  }
}

const SECRET_SHAPE = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;
const looksRandom = (s) => /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9_-]/.test(s);
// A JSON member that carries a credential: "password" with any value, "key"/"token" with a
// secret-like value (VM labels have short "key" members).
const SECRET_MEMBER = /"password"\s*:\s*"(?!\[REDACTED\])[^"]|"(?:key|token|apiKey|api_key)"\s*:\s*"(?!\[REDACTED\])[A-Za-z0-9_-]{16}/i;

/** What in `text` is secret: labels, never the secrets themselves. */
function leaksIn(text, allowedKey = null) {
  const hits = [];
  for (const [secret, label] of secrets) {
    if (secret === allowedKey) continue;
    if (text.includes(secret)) {
      hits.push(label);
      continue;
    }
    for (let i = 0; i + 16 <= secret.length; i++) {
      if (text.includes(secret.slice(i, i + 16))) {
        hits.push(`part of ${label}`);
        break;
      }
    }
  }
  if (allowedKey === null) {
    if ((text.match(SECRET_SHAPE) ?? []).some(looksRandom)) hits.push("a 43-character secret-shaped string");
    if (SECRET_MEMBER.test(text)) hits.push(`a JSON member with a secret value (${text.match(SECRET_MEMBER)[0].slice(0, 9)}…)`);
  }
  return hits;
}

/** Fails with one line per place and finding: "where: finding [in message, stack, ...]". */
function assertNoLeaks(observations) {
  assert.ok(observations.entries.length + observations.reveals.length > 0, "nothing was observed");
  const found = new Map();
  const scan = (entry, allowedKey) => {
    for (const hit of leaksIn(entry.text, allowedKey)) {
      const line = `${entry.where}: ${hit}`;
      if (!found.has(line)) found.set(line, []);
      if (entry.how) found.get(line).push(entry.how);
    }
  };
  for (const entry of observations.entries) scan(entry, null);
  for (const entry of observations.reveals) scan(entry, entry.key);
  const report = [...found].map(([line, hows]) => (hows.length ? `${line} [in ${hows.join(", ")}]` : line));
  assert.deepEqual(report, [], "secrets leaked");
}

// ---------------------------------------------------------------- set-up

let sim;
let closedEndpoint;
const realConsole = {};

before(async () => {
  for (const method of ["log", "info", "warn", "error", "debug", "trace", "dir", "table"]) {
    realConsole[method] = console[method];
    console[method] = (...args) => consoleLines.push(`console.${method}: ${util.format(...args)}`);
  }
  sim = await startSimulator({
    vms: 12,
    taskDurationMs: 50,
    lockoutThreshold: 3,
    admin: { username: "admin", password: PASSWORD },
    log: (line) => simLog.push(line),
  });
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  closedEndpoint = `http://127.0.0.1:${server.address().port}`;
  await new Promise((resolve) => server.close(resolve));
});

after(async () => {
  Object.assign(console, realConsole);
  await sim?.close();
});

/** A client whose every URL, Authorization value and hook summary is recorded. */
function client(extra = {}) {
  const { fetch: inner = fetch, ...rest } = extra;
  return new CloudTowerClient({
    endpoint: sim.url,
    retry: false,
    timeoutMs: 10_000,
    fetch: (url, init) => {
      requestedUrls.push(String(url));
      learn(init?.headers?.authorization, "a credential the client sent");
      return inner(url, init);
    },
    onRequest: (summary) => hookSummaries.push(JSON.stringify(summary)),
    onResponse: (summary) => hookSummaries.push(JSON.stringify(summary)),
    ...rest,
  });
}

/** A token straight from the API, outside the client. */
async function directToken() {
  const response = await fetch(`${sim.url}/v2/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: PASSWORD, source: "LOCAL" }),
  });
  assert.equal(response.status, 200);
  const token = (await response.json()).data.token;
  learn(token, "a token from /v2/api/login");
  return token;
}

async function rejectionOf(action) {
  try {
    await (typeof action === "function" ? action() : action);
  } catch (error) {
    return error;
  }
  assert.fail("expected a rejection");
}

// ---------------------------------------------------------------- the flow

test("the full key flow shows no secret except the issued key in its own result", async () => {
  const seen = new Observations();
  const token = await directToken();

  const admin = client();
  seen.see("client before login", admin);
  await admin.login({ username: "admin", password: PASSWORD });
  seen.see("client after login", admin);
  seen.see("currentUser()", await admin.currentUser());
  seen.see("authnStrategies()", await admin.authnStrategies());

  const key = await admin.createApiKey({ name: "canary-flow" });
  learn(key.key, "the key of createApiKey");
  seen.reveal("createApiKey() result", key, key.key);

  const keyed = admin.withApiKey(key.key);
  seen.see("withApiKey() client", keyed);
  seen.see("call(get-vms)", await keyed.call("get-vms", { first: 2 }));
  seen.see("count()", await keyed.count("get-vms"));
  const paginator = keyed.paginate("get-vms", {}, { pageSize: 5 });
  seen.see("paginate() object", paginator);
  let n = 0;
  for await (const vm of paginator) n += vm.id ? 1 : 0;
  assert.equal(n, 12);
  seen.see("graphql()", await keyed.graphql("query me { my { user { id username } } }"));
  seen.see("listApiKeys()", await admin.listApiKeys());

  const withToken = client({ token });
  seen.see("client({ token })", withToken);
  seen.see("withToken() client", admin.withToken(token));
  const started = await withToken.call("start-vm", { where: { name: "vm-doomed" } });
  seen.see("start-vm", started);
  seen.see("waitForTasks() failure", await rejectionOf(withToken.waitForTasks(started, { intervalMs: 20 })));
  const result = await withToken.withTemporaryApiKey({ name: "canary-temp" }, async (temporary) => {
    seen.see("withTemporaryApiKey client", temporary);
    seen.see("temporary call", await temporary.call("get-vms", { first: 1 }));
    return "done";
  });
  assert.equal(result, "done");

  const rotated = await admin.rotateApiKey({ key: key.key, name: "canary-rotated" });
  learn(rotated.key, "the key of rotateApiKey");
  seen.reveal("rotateApiKey() result", rotated, rotated.key);
  seen.see("deleteApiKey()", await admin.deleteApiKey(rotated.key));
  seen.see("deleteApiKey() again", await admin.deleteApiKey(rotated.key));
  await keyed.logout();
  seen.see("API-key client after logout", keyed);
  await admin.logout();
  seen.see("client after logout", admin);
  await withToken.logout();
  assertNoLeaks(seen);
});

// ---------------------------------------------------------------- every error path

/** [label, expected code, async () => error-producing action] */
const ERROR_PATHS = [
  ["wrong password", "UNAUTHORIZED", () => client().login({ username: "admin", password: WRONG_PASSWORD })],
  ["unknown user with the real password", "UNAUTHORIZED", () => client().login({ username: "nobody", password: PASSWORD })],
  ["2FA user", "MFA_REQUIRED", () => client().login({ username: ACCOUNTS.mfa.username, password: ACCOUNTS.mfa.password })],
  ["locked account", "UNAUTHORIZED", async () => {
    for (let i = 0; i < 3; i++) await rejectionOf(client().login({ username: ACCOUNTS.readOnly.username, password: WRONG_PASSWORD }));
    return client().login({ username: ACCOUNTS.readOnly.username, password: ACCOUNTS.readOnly.password });
  }],
  ["unknown token", "UNAUTHORIZED", () => client({ token: "Unknown-Token-aB3dE6gH9jK2mN5pQ8sT1vW4yZ7" }).call("get-vms", {})],
  ["revoked key", "UNAUTHORIZED", async ({ admin }) => {
    const { key } = await admin.createApiKey({ name: "canary-revoked" });
    learn(key, "a revoked key");
    await admin.deleteApiKey(key);
    return client({ apiKey: key }).call("get-vms", {});
  }],
  ["logged-out token", "UNAUTHORIZED", async () => {
    const token = await directToken();
    const c = client({ token });
    await c.logout();
    return c.withToken(token).currentUser();
  }],
  ["an API key managing keys", "INVALID_ARGUMENT", ({ keyed }) => keyed.createApiKey({ name: "nope" })],
  ["an API key deleting itself", "INVALID_ARGUMENT", ({ keyed, key }) => keyed.deleteApiKey(key)],
  ["HTML 502", "HTTP", ({ admin }) => (sim.faults.add({ path: "/v2/api/get-vms", kind: "html-502" }), admin.call("get-vms", {}))],
  ["503 with Retry-After", "HTTP", ({ admin }) => (sim.faults.add({ path: "/v2/api/get-vms", kind: "status", status: 503, retryAfter: "1" }), admin.call("get-vms", {}))],
  ["invalid JSON", "DECODE", ({ admin }) => (sim.faults.add({ path: "/v2/api/get-vms", kind: "invalid-json" }), admin.call("get-vms", {}))],
  ["truncated listing", "DECODE", ({ admin }) => (sim.faults.add({ path: "/v2/api/get-vms", kind: "truncate" }), admin.call("get-vms", {}))],
  ["wrong shape", "DECODE", ({ admin }) => (sim.faults.add({ path: "/v2/api/get-vms", kind: "wrong-shape" }), admin.call("get-vms", {}))],
  ["hang", "TIMEOUT", ({ admin }) => (sim.faults.add({ path: "/v2/api/get-vms", kind: "hang" }), admin.call("get-vms", {}, { timeoutMs: 100 }))],
  ["reset", "NETWORK", ({ admin }) => (sim.faults.add({ path: "/v2/api/get-vms", kind: "reset" }), admin.call("get-vms", {}))],
  ["aborted", "ABORTED", ({ admin }) => admin.call("get-vms", {}, { signal: AbortSignal.abort() })],
  ["nothing listens (with a token)", "NETWORK", ({ token }) => client({ endpoint: closedEndpoint, token }).call("get-vms", {})],
  ["nothing listens (login)", "NETWORK", () => client({ endpoint: closedEndpoint }).login({ username: "admin", password: PASSWORD })],
  ["login answer truncated", "DECODE", () => (sim.faults.add({ path: "/v2/api/login", kind: "truncate" }), client().login({ username: "admin", password: PASSWORD }))],
  ["login answer HTML 502", "HTTP", () => (sim.faults.add({ path: "/v2/api/login", kind: "html-502" }), client().login({ username: "admin", password: PASSWORD }))],
  ["login reset", "OUTCOME_UNKNOWN", () => (sim.faults.add({ path: "/v2/api/login", kind: "reset" }), client().login({ username: "admin", password: PASSWORD }))],
  ["createApiKey answer truncated (the key was created)", "DECODE", ({ admin }) => (sim.faults.add({ path: "/api", operation: "createApiKey", kind: "truncate" }), admin.createApiKey({ name: "canary-truncated" }))],
  ["createApiKey partial GraphQL", "GRAPHQL", ({ admin }) => (sim.faults.add({ path: "/api", operation: "createApiKey", kind: "graphql-partial" }), admin.createApiKey({ name: "canary-partial" }))],
  ["createApiKey reset after sending", "OUTCOME_UNKNOWN", ({ admin }) => (sim.faults.add({ path: "/api", operation: "createApiKey", kind: "reset", execute: true }), admin.createApiKey({ name: "canary-reset" }))],
  ["deleteApiKey answer invalid", "DECODE", ({ admin, key }) => (sim.faults.add({ path: "/api", operation: "deleteApiKey", kind: "invalid-json" }), admin.deleteApiKey(key))],
  ["rotateApiKey failing at the revoke step", null, ({ admin, key }) => (sim.faults.add({ path: "/api", operation: "deleteApiKey", kind: "status", status: 500 }), admin.rotateApiKey({ key, name: "canary-rotate-fail" }))],
  ["withTemporaryApiKey callback throws", "callback", ({ admin }) => admin.withTemporaryApiKey({ name: "canary-cb" }, async (c) => {
    await c.call("get-vms", { first: 1 });
    throw new Error("callback failed");
  })],
  ["withTemporaryApiKey callback throws and revoking fails", "callback", ({ admin }) => admin.withTemporaryApiKey({ name: "canary-cb2" }, async () => {
    sim.faults.add({ path: "/api", operation: "deleteApiKey", kind: "status", status: 500 });
    throw new Error("callback failed");
  })],
  ["a fetch that throws with the request headers in its message", "NETWORK", ({ token }) => client({ token, fetch: async (url, init) => {
    throw new TypeError(`refused ${url} ${JSON.stringify(init.headers)}`);
  } }).call("get-vms", {})],
  ["a server that echoes the credential", "UNAUTHORIZED", ({ token }) => client({ token, fetch: async (url, init) => new Response(
    JSON.stringify({ message: `credential ${init.headers.authorization} is not valid`, status: 401, path: new URL(url).pathname }),
    { status: 401, headers: { "content-type": "application/json" } },
  ) }).call("get-vms", {})],
  ["a GraphQL error quoting the credential", "UNAUTHORIZED", ({ token }) => client({ token, fetch: async (url, init) => new Response(
    JSON.stringify({ errors: [{ message: `credential ${init.headers.authorization} is revoked`, extensions: { code: "UNAUTHENTICATED" } }], data: null }),
    { status: 200, headers: { "content-type": "application/json" } },
  ) }).graphql("{ my { id } }")],
  ["the client's own token pasted as an operation", "INVALID_ARGUMENT", ({ admin, token }) => admin.withToken(token).call(token, {})],
  ["the password in an array", "INVALID_ARGUMENT", () => client().login({ username: "admin", password: [PASSWORD] })],
  ["the password in an object", "INVALID_ARGUMENT", () => client().login({ username: "admin", password: { value: PASSWORD } })],
  ["the token option in an array", "INVALID_ARGUMENT", ({ token }) => new CloudTowerClient({ endpoint: sim.url, token: [token] })],
  ["the apiKey option in an object", "INVALID_ARGUMENT", ({ key }) => new CloudTowerClient({ endpoint: sim.url, apiKey: { key } })],
  ["the old key of rotateApiKey in an array", "INVALID_ARGUMENT", ({ admin, key }) => admin.rotateApiKey({ key: [key], name: "canary-x" })],
  ["the key with a trailing newline", "INVALID_ARGUMENT", ({ admin, key }) => admin.withApiKey(`${key}\n`)],
  ["the password in the endpoint's userinfo", "INVALID_ARGUMENT", () => new CloudTowerClient({ endpoint: `http://admin:${PASSWORD}@127.0.0.1:1` })],
  ["the token in the endpoint's query", "INVALID_ARGUMENT", ({ token }) => new CloudTowerClient({ endpoint: `http://127.0.0.1:1/?token=${token}` })],
  ["a 2FA user with source LDAP", "UNAUTHORIZED", () => client().login({ username: ACCOUNTS.mfa.username, password: PASSWORD, source: "LDAP" })],
];

test(`${ERROR_PATHS.length} error paths show no secret`, async (t) => {
  const token = await directToken();
  const admin = client({ token });
  const { key } = await admin.createApiKey({ name: "canary-errors" });
  learn(key, "the key of the error paths");
  const keyed = admin.withApiKey(key);
  const context = { admin, token, key, keyed };
  for (const [label, code, action] of ERROR_PATHS) {
    await t.test(label, async (t) => {
      const seen = new Observations();
      let error;
      try {
        const value = action(context);
        await value;
      } catch (caught) {
        error = caught;
      }
      sim.faults.clear();
      if (code === "callback") {
        // withTemporaryApiKey rethrows the callback's own error.
        assert.equal(error?.message, "callback failed", `the path was not reached: ${error?.stack ?? error}`);
      } else {
        assert.ok(error instanceof CloudTowerError, `the path was not reached as a CloudTowerError: ${error?.stack ?? error}`);
        if (code) assert.equal(error.code, code, error.message);
      }
      seen.see(label, error);
      if (error.revokeError) seen.see(`${label}: revokeError`, error.revokeError);
      if (error.cause) seen.see(`${label}: cause`, error.cause);
      t.diagnostic(`${label}: ${error.code ?? error.name} ${error.step ? `(step ${error.step}) ` : ""}${error.revokeError ? `(revokeError ${error.revokeError.code}) ` : ""}`);
      assertNoLeaks(seen);
    });
  }
  // The clients survived every path and still show nothing.
  const after = new Observations();
  after.see("admin client after the error paths", admin);
  after.see("key client after the error paths", keyed);
  assert.equal((await keyed.call("get-vms", { first: 1 })).length, 1);
  assertNoLeaks(after);
});

// ---------------------------------------------------------------- the CLI

const PKG = fileURLToPath(new URL("../../pkg/", import.meta.url));
const BIN = fileURLToPath(new URL(JSON.parse(readFileSync(`${PKG}package.json`, "utf8")).bin.cloudtower, `file://${PKG}`));

function cli(args, { env = {}, input = "" } = {}) {
  const base = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CLOUDTOWER_")) base[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...base, CLOUDTOWER_ENDPOINT: sim.url, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

test("the CLI prints no secret except the key of `key create` on its stdout", async () => {
  const seen = new Observations();
  const password = { CLOUDTOWER_USERNAME: "admin", CLOUDTOWER_PASSWORD: PASSWORD };
  const token = await directToken();
  const record = (label, r) => {
    seen.text(`cloudtower ${label}`, r.stdout, "stdout");
    seen.text(`cloudtower ${label}`, r.stderr, "stderr");
    return r;
  };

  const created = await cli(["key", "create", "--name", "canary-cli"], { env: password });
  assert.equal(created.code, 0, created.stderr);
  const key = created.stdout.trim();
  assert.match(key, /^[A-Za-z0-9_-]{43}$/);
  learn(key, "the key of `cloudtower key create`");
  seen.reveals.push({ where: "cloudtower key create", how: "stdout", text: created.stdout, key });
  seen.text("cloudtower key create", created.stderr, "stderr");

  const runs = [
    ["login", ["login"], { env: password }, 0],
    ["login --json", ["login", "--json"], { env: password }, 0],
    ["login (token)", ["login"], { env: { CLOUDTOWER_TOKEN: token } }, 0],
    ["login (wrong password)", ["login"], { env: { ...password, CLOUDTOWER_PASSWORD: WRONG_PASSWORD } }, 8],
    ["login --json (wrong password)", ["login", "--json"], { env: { ...password, CLOUDTOWER_PASSWORD: WRONG_PASSWORD } }, 8],
    ["key list", ["key", "list"], { env: password }, 0],
    ["call (key)", ["call", "get-vms", "--body", '{"first":1}'], { env: { CLOUDTOWER_API_KEY: key } }, 0],
    ["vms (key)", ["vms"], { env: { CLOUDTOWER_API_KEY: key } }, 0],
    ["call --password (refused)", ["call", "get-vms", "--password", PASSWORD], { env: { CLOUDTOWER_API_KEY: key } }, 2],
    ["call --body with a password (refused)", ["call", "get-vms", "--body", JSON.stringify({ password: PASSWORD })], { env: { CLOUDTOWER_API_KEY: key } }, 2],
    ["key create with a key (refused: needs a token)", ["key", "create", "--name", "x"], { env: { CLOUDTOWER_API_KEY: key } }, null],
    ["exec --temporary-key", ["exec", "--temporary-key", "--name", "canary-exec", "--", process.execPath, "-e", "process.exit(/^[A-Za-z0-9_-]{43}$/.test(process.env.CLOUDTOWER_API_KEY) ? 0 : 3)"], { env: password }, 0],
    ["key delete --stdin", ["key", "delete", "--stdin"], { env: password, input: `${key}\n` }, 0],
    ["key delete --stdin (already revoked)", ["key", "delete", "--stdin"], { env: password, input: `${key}\n` }, 0],
    ["call (revoked key)", ["call", "get-vms", "--body", "{}"], { env: { CLOUDTOWER_API_KEY: key } }, 8],
    ["call --json (revoked key)", ["call", "get-vms", "--json", "--body", "{}"], { env: { CLOUDTOWER_API_KEY: key } }, 8],
    ["key delete KEY (positional, revoked)", ["key", "delete", key], { env: password }, 0],
    ["login (nothing listens)", ["login", "--endpoint", closedEndpoint], { env: password }, null],
  ];
  for (const [label, args, options, expected] of runs) {
    const r = record(label, await cli(args, options));
    if (expected !== null) assert.equal(r.code, expected, `${label}: exit ${r.code}, stderr ${r.stderr}`);
    else assert.notEqual(r.code, 0, `${label} must fail`);
  }
  assertNoLeaks(seen);
});

// ---------------------------------------------------------------- the shared channels

test("console output, the simulator's log and request log, requested URLs and hook summaries hold no secret", () => {
  const seen = new Observations();
  seen.text("console", consoleLines.join("\n"));
  seen.text("simulator log", simLog.join("\n"));
  seen.text("simulator request log", JSON.stringify(sim.state.requests));
  seen.text("requested URLs", requestedUrls.join("\n"));
  seen.text("onRequest/onResponse summaries", hookSummaries.join("\n"));
  assert.ok(simLog.length > 50 && requestedUrls.length > 50 && hookSummaries.length > 100, "the channels were exercised");
  assert.ok(secrets.size >= 10, `${secrets.size} secrets known`);
  assertNoLeaks(seen);
});
