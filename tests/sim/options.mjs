// The simulator's options: defaults and validation. Kept apart from index.mjs so the CLI can
// print its help and refuse bad flags without loading the whole simulator.

import { FAILING_VM_NAME } from "./accounts.mjs";

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
  mfaShape: "challenge", // or "error"
  apiKeysQuery: true, // false: the GraphQL Query type has no apiKeys field
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
  check(["challenge", "error"].includes(o.mfaShape), `mfaShape must be "challenge" or "error"`);
  check(o.log === undefined || typeof o.log === "function", "log must be a function");
  check(o.authnStrategies === undefined || (Array.isArray(o.authnStrategies) &&
    o.authnStrategies.every((s) => typeof s?.type === "string" && typeof s?.name === "string")), "authnStrategies must be [{ id?, type, name }]");
  check(o.admin === undefined || (typeof o.admin === "object" && o.admin !== null), "admin must be { username?, password? }");
  return o;
}

