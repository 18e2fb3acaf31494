// The simulator's options: defaults and validation. Kept apart from index.mjs so the CLI can
// print its help and refuse bad flags without loading the whole simulator.

import { FAILING_VM_NAME } from "./accounts.mjs";

/**
 * Server behaviours no public source documents ("guessed", see README.md): option → its variants,
 * the first being the default (the simulator's behaviour before dialects existed). The client
 * must handle every variant; tests/compat/ runs it against all of them.
 */
export const DIALECTS = Object.freeze({
  /** deleteApiKey of a key that does not exist: NOT_FOUND error | data null | Prisma-1 error 3039 echoing the key. */
  missingKeyDelete: Object.freeze(["not-found", "null", "prisma"]),
  /** GraphQL with a missing/bad/revoked credential: 200 + UNAUTHENTICATED | HTTP 401 ErrorBody | 200, message only. */
  graphqlUnauthenticated: Object.freeze(["code", "http", "message"]),
  /** GraphQL with a credential lacking permission: 200 + FORBIDDEN | HTTP 403 ErrorBody | 200, message only. */
  graphqlForbidden: Object.freeze(["code", "http", "message"]),
  /** A 2FA user's password login: 200 without token (off-spec) | 403 code MFA_REQUIRED | 403, message only. */
  mfaShape: Object.freeze(["challenge", "error", "message"]),
  /** A v2 call with a bad credential: 401 ErrorBody | 401 empty body | 401 text/plain. */
  v2Unauthorized: Object.freeze(["error-body", "empty", "text"]),
  /** Task progress: 0–1 | 0–100. */
  taskProgress: Object.freeze(["fraction", "percent"]),
  /** The GraphQL apiKeys listing: present | absent. */
  apiKeysQuery: Object.freeze([true, false]),
});

/** Every option with its default. */
export const DEFAULTS = Object.freeze({
  port: 0, // 0 = any free port
  host: "127.0.0.1",
  vms: 100,
  seed: 1,
  latencyMs: 0, // added to every API request
  sessionMaxAgeMs: 0, // 0 = tokens never expire
  taskDurationMs: 1500,
  lockoutThreshold: 5, // failed logins before lockout; 0 disables lockout
  lockoutMs: 60_000,
  failingVm: FAILING_VM_NAME, // VM id or name whose operations end FAILED
  cors: false,
  pair: false, // an HA pair: two nodes over one state (see README.md, "HA pairs")
  ...Object.fromEntries(Object.entries(DIALECTS).map(([name, variants]) => [name, variants[0]])),
  authnStrategies: undefined, // default: [{ id: <deterministic>, type: "LDAP", name: "corp-ldap" }]
  admin: undefined, // { username?, password? } overrides the admin account
  control: true, // the /__sim/ control API
  faults: [], // faults queued at start
  log: undefined, // (line) => void, one line per request, secrets redacted
});

function check(condition, message) {
  if (!condition) throw new TypeError(`startSimulator: ${message}`);
}

export function resolveOptions(options) {
  for (const key of Object.keys(options)) check(Object.hasOwn(DEFAULTS, key), `unknown option ${key}`);
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  for (const key of ["port", "vms", "latencyMs", "sessionMaxAgeMs", "taskDurationMs", "lockoutThreshold", "lockoutMs"]) {
    check(Number.isInteger(o[key]) && o[key] >= 0, `${key} must be a non-negative integer`);
  }
  check(o.vms >= 1, "vms must be at least 1 (the inventory always holds the failing VM)");
  for (const [name, variants] of Object.entries(DIALECTS)) {
    check(variants.includes(o[name]), `${name} must be ${variants.map((v) => JSON.stringify(v)).join(" or ")}`);
  }
  check(typeof o.pair === "boolean", "pair must be a boolean");
  check(o.log === undefined || typeof o.log === "function", "log must be a function");
  check(o.authnStrategies === undefined || (Array.isArray(o.authnStrategies) &&
    o.authnStrategies.every((s) => typeof s?.type === "string" && typeof s?.name === "string")), "authnStrategies must be [{ id?, type, name }]");
  check(o.admin === undefined || (typeof o.admin === "object" && o.admin !== null), "admin must be { username?, password? }");
  return o;
}

