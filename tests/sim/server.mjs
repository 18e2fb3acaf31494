// HTTP: routing between GraphQL (/api), v2 (/v2/api/*) and the control API (/__sim/*), the
// headers every answer carries, CORS, the request log, and carrying out injected faults.

import http from "node:http";
import { randomUUID } from "node:crypto";
import { SimError, parseContentLanguage, translate, DEFAULT_LANGUAGE } from "./i18n.mjs";
import { runV2, specOperation } from "./v2.mjs";
import { describeGraphqlOperation } from "./graphql.mjs";
import { HTML_502, INVALID_JSON, wrongShape, truncated, partialGraphql } from "./faults.mjs";

const JSON_TYPE = "application/json; charset=utf-8";
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const V2_PREFIX = "/v2/api/";
const CONTROL_PREFIX = "/__sim/";
const GRAPHQL_PATHS = new Set(["/api", "/api/"]);
const HEALTHZ_PATH = "/api/healthz";
const REQUEST_LOG_LIMIT = 50_000; // oldest entries are dropped beyond this
const STREAM_CHUNK = 64 * 1024;
// The answer to a CORS preflight (with `cors: true`); the origin headers are added to every answer.
const PREFLIGHT = {
  status: 204,
  body: "",
  headers: {
    "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
    "access-control-allow-headers": "authorization, content-type, content-language",
    "access-control-max-age": "600",
  },
};
// Body fields whose values are secrets: scrubbed from log lines if they ever show up there.
const SECRET_FIELDS = new Set(["password", "key", "token"]);

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const jsonResult = (status, value, headers) => ({ status, body: typeof value === "string" ? value : JSON.stringify(value), headers });

/** ErrorBody {message, status, path, code?} for a SimError, in the request's language. */
function errorBody(error, language, path) {
  const body = { message: error.messageIn(language), status: error.status, path };
  if (error.code) body.code = error.code;
  return jsonResult(error.status, body, error.headers);
}

/** A v2 401 in the dialect's shape: ErrorBody, an empty body, or a text/plain message. */
function unauthorized(error, language, path, shape) {
  if (shape === "empty") return { status: 401, body: "", contentType: null };
  if (shape === "text") return { status: 401, body: error.messageIn(language), contentType: "text/plain; charset=utf-8" };
  return errorBody(error, language, path);
}

/** Transport-level error on the GraphQL endpoint: GraphQL-shaped, with an HTTP error status. */
function graphqlTransportError(error, language) {
  return jsonResult(error.status, { errors: [{ message: error.messageIn(language), extensions: { code: "BAD_REQUEST" } }] }, error.headers);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseJson(raw) {
  try {
    return { value: JSON.parse(raw.toString("utf8")) };
  } catch {
    return null;
  }
}

/** Strings that must never reach a log line: the credential and secret-looking body fields. */
function secretsOf(authorization, json) {
  const secrets = [];
  if (authorization) secrets.push(authorization.trim(), authorization.trim().replace(/^bearer\s+/i, ""));
  const walk = (node) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (isObject(node)) {
      for (const [k, v] of Object.entries(node)) {
        if (SECRET_FIELDS.has(k) && typeof v === "string") secrets.push(v);
        else walk(v);
      }
    }
  };
  walk(json);
  return secrets.filter((s) => s.length >= 3);
}

function drainedOrClosed(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

const redact = (line, secrets) => secrets.reduce((text, secret) => text.split(secret).join("[REDACTED]"), line);

/**
 * Creates the HTTP server.
 * @param {object} world { inventory, auth, tasks, graphql, faults, dialect (resolved options), ha? (HaPair) }
 * @param {object} config { cors, control, latencyMs, log, node? (index in world.ha), requests? (a shared log),
 *   controlOnly? (only the /__sim/ control API: a pair's control server) }
 * @returns {{ server: http.Server, requests: object[], close(): Promise<void> }}
 */
export function createSimServer(world, config) {
  const requests = config.requests ?? [];
  const paired = config.node !== undefined;
  const timers = new Set();

  const delay = (ms) => new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });

  /** The normal answer to an API request. */
  async function respond(req, path, raw, json, credential) {
    const language = parseContentLanguage(req.headers["content-language"]);
    const isGraphql = GRAPHQL_PATHS.has(path);
    if (language === null) {
      const error = new SimError(400, "badContentLanguage", { value: JSON.stringify(req.headers["content-language"]) });
      return isGraphql ? graphqlTransportError(error, DEFAULT_LANGUAGE) : errorBody(error, DEFAULT_LANGUAGE, path);
    }
    if (raw === null) return errorBody(new SimError(413, "bodyTooLarge"), language, path);
    if (isGraphql) return graphqlAnswer(req, json, credential, language);
    if (!path.startsWith(V2_PREFIX)) return errorBody(new SimError(404, "notFound", { path }), language, path);
    try {
      return jsonResult(200, runV2(world, { name: path.slice(V2_PREFIX.length), method: req.method, raw, credential }));
    } catch (error) {
      if (error instanceof SimError && error.status === 401) return unauthorized(error, language, path, world.dialect.v2Unauthorized);
      if (error instanceof SimError) return errorBody(error, language, path);
      throw error;
    }
  }

  async function graphqlAnswer(req, json, credential, language) {
    if (req.method !== "POST") {
      return graphqlTransportError(new SimError(405, "methodNotAllowed", { method: req.method, path: "/api", allowed: "POST" }, { headers: { allow: "POST" } }), language);
    }
    if (!json) return graphqlTransportError(new SimError(400, "invalidJson"), language);
    const body = json.value;
    const wellFormed = isObject(body) && typeof body.query === "string" &&
      (body.variables == null || isObject(body.variables)) && (body.operationName == null || typeof body.operationName === "string");
    if (!wellFormed) return graphqlTransportError(new SimError(400, "graphqlBadRequest"), language);
    const result = await world.graphql.run(body, { credential, language });
    if (result.httpError) return errorBody(result.httpError, language, "/api");
    return { ...jsonResult(200, result), graphql: result };
  }

  function send(res, { status, body, contentType = JSON_TYPE, headers }) {
    const type = contentType === null ? {} : { "content-type": contentType };
    res.writeHead(status, { ...type, "content-length": Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  /** A JSON array of VM objects of about `bytes` bytes, streamed with backpressure. */
  async function streamHugeBody(res, bytes) {
    const { vms } = world.inventory;
    res.writeHead(200, { "content-type": JSON_TYPE });
    let chunk = "[";
    let total = 2; // the brackets
    for (let i = 0; !res.destroyed; i++) {
      const piece = (i ? "," : "") + world.inventory.json(vms[i % vms.length]);
      total += Buffer.byteLength(piece);
      if (total > bytes) break;
      chunk += piece;
      if (chunk.length >= STREAM_CHUNK) {
        if (!res.write(chunk)) await drainedOrClosed(res);
        chunk = "";
      }
    }
    res.end(`${chunk}]`);
  }

  /** Carries out a fault. Returns the HTTP status sent, or null when nothing was answered. */
  async function applyFault(fault, { req, res, path, language, answer }) {
    switch (fault.kind) {
      case "latency":
        await delay(fault.ms);
        break; // then answer normally
      case "hang":
        return null; // never answer; close() destroys the socket
      case "reset":
        if (fault.execute) await answer();
        req.socket.destroy();
        return null;
      case "truncate": {
        const result = await answer();
        send(res, { ...result, body: truncated(result.body) });
        return result.status;
      }
      case "invalid-json":
        send(res, { status: 200, body: INVALID_JSON });
        return 200;
      case "wrong-shape": {
        const op = path.startsWith(V2_PREFIX) ? specOperation(path.slice(V2_PREFIX.length)) : null;
        send(res, { status: 200, body: wrongShape(op?.responseSchemas["200"]?.type === "array") });
        return 200;
      }
      case "html-502":
        send(res, { status: 502, body: HTML_502, contentType: "text/html" });
        return 502;
      case "status": {
        const reason = http.STATUS_CODES[fault.status] ?? "Error";
        const headers = fault.retryAfter === undefined ? undefined : { "retry-after": String(fault.retryAfter) };
        const body = { message: translate(language, "simulatedStatus", { reason }), status: fault.status, path };
        send(res, jsonResult(fault.status, body, headers));
        return fault.status;
      }
      case "graphql-partial": {
        const result = await answer();
        send(res, result.graphql ? jsonResult(200, partialGraphql(result.graphql, fault.field)) : result);
        return result.status;
      }
      case "huge-body":
        await streamHugeBody(res, fault.bytes);
        return 200;
    }
    const result = await answer();
    send(res, result);
    return result.status;
  }

  /** `/__sim/*`: test control. Not logged, not subject to faults or latency. */
  function control(req, path, raw) {
    const route = `${req.method} ${path}`;
    const json = raw.length ? parseJson(raw) : { value: undefined };
    if (!json) return errorBody(new SimError(400, "invalidJson"), DEFAULT_LANGUAGE, path);
    try {
      switch (route) {
        case "POST /__sim/faults":
          return jsonResult(201, world.faults.add(json.value));
        case "DELETE /__sim/faults":
          return jsonResult(200, { cleared: world.faults.clear() });
        case "GET /__sim/requests":
          return jsonResult(200, requests);
        case "POST /__sim/api-keys/exists":
          return jsonResult(200, { exists: typeof json.value?.key === "string" && world.auth.hasApiKey(json.value.key) });
      }
      if (world.ha) {
        switch (route) {
          case "POST /__sim/failover":
            return jsonResult(200, world.ha.failover());
          case "GET /__sim/ha":
            return jsonResult(200, world.ha.state());
          case "POST /__sim/ha":
            return jsonResult(200, world.ha.set(json.value));
        }
      }
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      return jsonResult(400, { message: error.message, status: 400, path });
    }
    return errorBody(new SimError(404, "notFound", { path }), DEFAULT_LANGUAGE, path);
  }

  function record(entry, secrets, started, query) {
    if (requests.length >= REQUEST_LOG_LIMIT) requests.shift();
    requests.push(entry);
    if (!config.log) return;
    const ms = Math.round(performance.now() - started);
    const line = `${entry.at} ${entry.status ?? "-"} ${entry.method} ${entry.path}${query ? "?[REDACTED]" : ""} op=${entry.operation ?? "-"} ` +
      `auth=${entry.auth}${entry.fault ? ` fault=${entry.fault}` : ""} ${ms}ms id=${entry.requestId}`;
    config.log(redact(line, secrets));
  }

  async function handle(req, res) {
    const started = performance.now();
    const requestId = randomUUID();
    res.setHeader("x-tower-request-id", requestId);
    if (config.cors) {
      res.setHeader("access-control-allow-origin", req.headers.origin ?? "*");
      res.setHeader("vary", "Origin");
      res.setHeader("access-control-expose-headers", "x-tower-request-id");
    }
    const url = new URL(req.url, "http://sim.invalid");
    const path = url.pathname;
    const preflight = config.cors && req.method === "OPTIONS";
    const raw = await readBody(req); // null when over MAX_BODY_BYTES
    // `/__sim/*` is test machinery: not logged, no faults, no latency.
    if (config.control && path.startsWith(CONTROL_PREFIX)) {
      return send(res, preflight ? PREFLIGHT : raw === null ? errorBody(new SimError(413, "bodyTooLarge"), DEFAULT_LANGUAGE, path) : control(req, path, raw));
    }

    // A pair's control server answers the control API only (it is never unreachable).
    if (config.controlOnly) return send(res, errorBody(new SimError(404, "notFound", { path }), DEFAULT_LANGUAGE, path));

    // An unreachable node: a connection that was open before it went down is reset too.
    if (paired && world.ha.unreachable.has(config.node)) return req.socket.destroy();

    const json = raw?.length ? parseJson(raw) : null;
    const credential = world.auth.authenticate(req.headers.authorization);
    const isGraphql = GRAPHQL_PATHS.has(path);
    const described = isGraphql ? describeGraphqlOperation(json?.value) : null;
    const secrets = secretsOf(req.headers.authorization, json?.value);
    const named = (isGraphql ? described.name : path.startsWith(V2_PREFIX) ? path.slice(V2_PREFIX.length) : null) || null;
    // Operation names come from the client: one could be a secret pasted in the wrong place.
    const operation = named === null ? null : redact(named, secrets);
    const entry = {
      at: new Date().toISOString(), method: req.method, path, operation,
      status: null, requestId, auth: credential.kind, fault: null,
      ...(paired && { node: config.node }),
    };
    const finish = (status) => {
      entry.status = status;
      record(entry, secrets, started, url.search);
    };

    if (preflight) {
      send(res, PREFLIGHT);
      return finish(204);
    }
    const active = !paired || world.ha.isActive(config.node);
    if (req.method === "GET" && path === HEALTHZ_PATH) {
      send(res, active ? jsonResult(200, { status: "active" }) : { status: 307, body: "", contentType: null, headers: { location: world.ha.redirectFor(req.url) } });
      return finish(active ? 200 : 307);
    }
    // The passive node performs nothing: every API request is sent to the active one.
    if (!active) {
      send(res, { status: 307, body: "", contentType: null, headers: { location: world.ha.redirectFor(req.url) } });
      return finish(307);
    }
    if (config.latencyMs) await delay(config.latencyMs);
    const answer = () => respond(req, path, raw, json, credential);
    const fault = world.faults.take(path, described?.names ?? new Set(named ? [named] : []));
    if (fault) {
      entry.fault = fault.kind;
      const language = parseContentLanguage(req.headers["content-language"]) ?? DEFAULT_LANGUAGE;
      return finish(await applyFault(fault, { req, res, path, language, answer }));
    }
    const result = await answer();
    send(res, result);
    finish(result.status);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      // A bug in the simulator: answer 500 with the stack so the test that hit it can tell.
      if (res.headersSent) return res.destroy();
      const body = { message: translate(DEFAULT_LANGUAGE, "internal"), status: 500, path: req.url.split("?")[0], stack: String(error?.stack ?? error) };
      send(res, jsonResult(500, body));
    });
  });

  if (paired) {
    server.on("connection", (socket) => {
      if (world.ha.unreachable.has(config.node)) socket.destroy();
    });
  }

  return {
    server,
    requests,
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        // Hanging and keep-alive connections would hold close() forever.
        server.closeAllConnections();
      });
    },
  };
}
