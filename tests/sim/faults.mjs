// Fault injection: a queue of one-shot (or N-shot) misbehaviours matched by request path and,
// optionally, operation. This module validates and matches faults and builds their payloads;
// server.mjs carries them out on the wire.

const FAULT_KINDS = Object.freeze([
  "latency", "hang", "reset", "truncate", "invalid-json", "wrong-shape",
  "html-502", "status", "graphql-partial", "huge-body",
]);

const GRAPHQL_PATH = "/api";

function check(condition, message) {
  if (!condition) throw new TypeError(`invalid fault: ${message}`);
}

/** Normalizes and validates a fault description; throws TypeError naming the problem. */
export function normalizeFault(input) {
  check(input !== null && typeof input === "object" && !Array.isArray(input), "expected an object");
  const { path, operation, count = 1, kind, ...params } = input;
  check(typeof path === "string" && path.startsWith("/") && !path.startsWith("/__sim/"), `path must be an API path like "/v2/api/get-vms" or "/api", got ${JSON.stringify(path)}`);
  check(operation === undefined || (typeof operation === "string" && operation !== ""), "operation must be a non-empty string");
  check(Number.isInteger(count) && count >= 1, `count must be a positive integer, got ${JSON.stringify(count)}`);
  check(FAULT_KINDS.includes(kind), `kind must be one of ${FAULT_KINDS.join(", ")}; got ${JSON.stringify(kind)}`);
  const allowed = {
    latency: ["ms"], reset: ["execute"], status: ["status", "retryAfter"], "graphql-partial": ["field"], "huge-body": ["bytes"],
  }[kind] ?? [];
  for (const key of Object.keys(params)) check(allowed.includes(key), `unknown parameter ${key} for kind ${kind}`);
  if (kind === "latency") check(Number.isFinite(params.ms) && params.ms >= 0, "latency needs ms >= 0");
  if (kind === "reset") check(params.execute === undefined || typeof params.execute === "boolean", "execute must be a boolean");
  if (kind === "status") {
    check(Number.isInteger(params.status) && params.status >= 400 && params.status <= 599, "status needs an HTTP error status (400-599)");
    check(params.retryAfter === undefined || typeof params.retryAfter === "string" || Number.isInteger(params.retryAfter), "retryAfter must be a string (seconds or HTTP-date) or an integer");
  }
  if (kind === "graphql-partial") {
    check(normalizePath(path) === GRAPHQL_PATH, `graphql-partial applies to ${GRAPHQL_PATH} only`);
    check(params.field === undefined || typeof params.field === "string", "field must be a string");
  }
  if (kind === "huge-body") check(Number.isInteger(params.bytes) && params.bytes > 0, "huge-body needs bytes > 0");
  return { path: normalizePath(path), operation, count, kind, ...params };
}

/** "/api/" and "/api" are the same endpoint. */
const normalizePath = (path) => (path === "/api/" ? GRAPHQL_PATH : path);

export class Faults {
  #pending = [];

  constructor(initial = []) {
    for (const fault of initial) this.add(fault);
  }

  /** Queues a fault; returns its normalized form. */
  add(fault) {
    const normalized = normalizeFault(fault);
    this.#pending.push(normalized);
    return { ...normalized };
  }

  /** Removes every pending fault; returns how many there were. */
  clear() {
    const n = this.#pending.length;
    this.#pending = [];
    return n;
  }

  /** Pending faults with their remaining counts. */
  list() {
    return this.#pending.map((f) => ({ ...f }));
  }

  /** The first pending fault matching a request (consuming one of its uses), or null. */
  take(path, operationNames) {
    const at = this.#pending.findIndex((f) => f.path === normalizePath(path) && (!f.operation || operationNames.has(f.operation)));
    if (at < 0) return null;
    const fault = this.#pending[at];
    if (--fault.count === 0) this.#pending.splice(at, 1);
    return fault;
  }
}

export const HTML_502 = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx</center>
</body>
</html>
`;

export const INVALID_JSON = '{"data": [oops';

/** Valid JSON of the wrong shape: an object where an array is expected, an array otherwise. */
export const wrongShape = (expectsArray) => (expectsArray ? '{"unexpected": true}' : "[]");

/** The first half of a body's bytes. */
export const truncated = (text) => {
  const bytes = Buffer.from(text, "utf8");
  return bytes.subarray(0, Math.floor(bytes.length / 2));
};

/** A GraphQL answer with one top-level field nulled and an INTERNAL_SERVER_ERROR beside it. */
export function partialGraphql(result, field) {
  const data = result.data && typeof result.data === "object" ? { ...result.data } : null;
  const target = field ?? (data ? Object.keys(data)[0] : undefined);
  if (data && target !== undefined) data[target] = null;
  const error = {
    message: `Simulated partial failure${target ? ` of ${target}` : ""}`,
    ...(target !== undefined && { path: [target] }),
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  };
  return { errors: [...(result.errors ?? []), error], data };
}
