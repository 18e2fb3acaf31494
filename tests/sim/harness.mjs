// Shared test helpers: a simulator per test file, a small HTTP client, bounded polling.
// Kept outside test/: node --test runs every module of a test/ directory as a test file.

import http from "node:http";
import { after, before } from "node:test";
import { startSimulator, ACCOUNTS } from "./index.mjs";

/**
 * Starts a simulator before the file's tests (then runs `setup(holder)`) and closes it after.
 * Returns a holder whose `.sim` and `.api` are set once started.
 */
export function useSimulator(options = {}, setup = async () => {}) {
  const holder = { sim: null, api: null };
  before(async () => {
    holder.sim = await startSimulator(options);
    holder.api = client(holder.sim.url);
    await setup(holder);
  });
  after(() => holder.sim?.close());
  return holder;
}

/** Starts a simulator for the duration of `fn(sim, api)`. */
export async function withSimulator(options, fn) {
  const sim = await startSimulator(options);
  try {
    return await fn(sim, client(sim.url));
  } finally {
    await sim.close();
  }
}

/** Response headers with the two methods of fetch's Headers the tests use. */
const headersOf = (incoming) => ({
  get: (name) => incoming[name.toLowerCase()] ?? null,
  keys: () => Object.keys(incoming),
});

/**
 * A minimal client over node:http (fetch costs several times more CPU per call, and a test file
 * makes hundreds). Every call resolves to { status, headers, text, json } (json undefined if not
 * JSON); with `stream: true` to { status, headers, body } where body is the response stream.
 * A connection reset rejects (error.code "ECONNRESET").
 */
export function client(url) {
  function request(method, path, { body, headers = {}, stream = false } = {}) {
    const outgoing = { ...headers };
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    if (payload !== undefined) outgoing["content-type"] ??= "application/json";
    return new Promise((resolve, reject) => {
      const req = http.request(url + path, { method, headers: outgoing }, (res) => {
        const base = { status: res.statusCode, headers: headersOf(res.headers) };
        if (stream) return resolve({ ...base, body: res });
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ ...base, text, json });
        });
      });
      req.on("error", reject);
      req.end(payload);
    });
  }
  const auth = (credential) => (credential === undefined ? {} : { authorization: credential });
  const api = {
    request,
    /** POST /v2/api/<op> with a JSON body and an optional credential. */
    v2: (op, body = {}, credential, headers = {}) => request("POST", `/v2/api/${op}`, { body, headers: { ...auth(credential), ...headers } }),
    /** POST /api with {query, variables, operationName}. */
    gql: (query, variables, credential, headers = {}) =>
      request("POST", "/api", { body: { query, variables }, headers: { ...auth(credential), ...headers } }),
    /** Logs an account in over v2 and returns its token. */
    async login(account = ACCOUNTS.admin, extra = {}) {
      const r = await api.v2("login", { username: account.username, password: account.password, source: "LOCAL", ...extra });
      if (r.status !== 200 || !r.json?.data?.token) throw new Error(`login of ${account.username} failed: ${r.status} ${r.text}`);
      return r.json.data.token;
    },
    /** Creates an API key with `token` and returns { id, key }. */
    async createKey(token, name = "ci") {
      const r = await api.gql("mutation createApiKey($name: String!) { createApiKey(data: { name: $name }) { id key } }", { name }, token);
      if (!r.json?.data?.createApiKey) throw new Error(`createApiKey failed: ${r.text}`);
      return r.json.data.createApiKey;
    },
  };
  return api;
}

/**
 * Polls `probe` until it returns a truthy value, with short timers, for at most `timeoutMs`.
 * Not a sleep used as synchronization: it waits for an observable state and fails if it never comes.
 */
export async function pollUntil(probe, { timeoutMs = 3000, intervalMs = 5, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
