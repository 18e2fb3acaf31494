// Users, login (LOCAL, LDAP/AUTHN, 2FA, lockout), tokens and API keys.
// Secrets are opaque random strings from crypto.randomBytes, never derived from the seed, and
// this module is the only place that sees them: logs and state expose records without secrets.

import { randomBytes } from "node:crypto";
import { createRandom, createIdFactory } from "./random.mjs";
import { SimError } from "./i18n.mjs";

const ROLE_NAMES = {
  ADMIN: "Administrator", AUDITOR: "Auditor", READ_ONLY: "Read-only", ROOT: "Root",
  USER_ADMIN: "User administrator", VM_USER: "VM user", WORKLOAD_CLUSTER_USER: "Workload cluster user",
};
const READ_ONLY_PRESETS = new Set(["READ_ONLY", "AUDITOR"]);
const SEES_ALL_KEYS = new Set(["ADMIN", "ROOT"]);
const DIRECTORY_SOURCES = new Set(["AUTHN", "LDAP"]);
const MFA_VALID_SECONDS = 300;
// Printable ASCII without spaces: what a token or key looks like once "Bearer " is removed.
const CREDENTIAL = /^[\x21-\x7e]+$/;

const newSecret = () => randomBytes(32).toString("base64url");

/** Masked recipients, as CloudTower shows them in a 2FA challenge. */
const MFA_RECIPIENTS = { Mail: (user) => `${user.username[0]}***@example.com`, Sms: () => "138****0001" };

export class Auth {
  #tokens = new Map(); // secret → { user, issuedAt }
  #keys = new Map(); // secret → key record
  #failures = new Map(); // username → { count, lockedUntil }
  #newId = createIdFactory();

  /**
   * @param {object} o
   * @param {object} o.accounts effective accounts (ACCOUNTS with overrides)
   * @param {string|number} o.seed makes user, role and strategy ids deterministic
   * @param {Array<{id?: string, type: string, name: string}>|undefined} o.authnStrategies
   */
  constructor({ accounts, seed, authnStrategies, mfaShape, lockoutThreshold, lockoutMs, sessionMaxAgeMs }) {
    const rng = createRandom(`${seed}/accounts`);
    const seededId = createIdFactory({ clock: () => Date.UTC(2023, 0, 1), randomChars: rng.chars, fingerprint: rng.chars(4) });
    this.roles = new Map(Object.keys(ROLE_NAMES).map((preset) => [preset, { id: seededId(), name: ROLE_NAMES[preset], preset }]));
    this.strategies = (authnStrategies ?? [{ type: "LDAP", name: "corp-ldap" }]).map((s) => ({ id: s.id ?? seededId(), type: s.type, name: s.name }));
    // The LDAP account belongs to the first LDAP strategy (none configured: it cannot log in).
    const ldapStrategy = this.strategies.find((s) => s.type === "LDAP") ?? null;
    this.users = Object.entries(accounts).map(([kind, a]) => ({
      id: seededId(),
      kind,
      username: a.username,
      password: a.password,
      name: a.name,
      source: a.source,
      roles: a.roles.map((preset) => this.roles.get(preset)),
      authConfigId: DIRECTORY_SOURCES.has(a.source) ? ldapStrategy?.id ?? null : null,
      mfa: kind === "mfa",
    }));
    this.mfaShape = mfaShape;
    this.lockoutThreshold = lockoutThreshold;
    this.lockoutMs = lockoutMs;
    this.sessionMaxAgeMs = sessionMaxAgeMs;
  }

  /**
   * LoginInput → { token } or, for a 2FA user in "challenge" shape (off-spec), { mfa_meta }.
   * Throws SimError: 400 wrong credentials / lockout / missing auth_config_id; 403 for a 2FA user
   * in "error" (code MFA_REQUIRED) and "message" (no code) shapes.
   */
  login({ username, password, source, auth_config_id: authConfigId, mfa_type: mfaType }) {
    source ??= "LOCAL";
    if (DIRECTORY_SOURCES.has(source) && !authConfigId) throw new SimError(400, "authConfigRequired");
    const failures = this.#failures.get(username);
    if (failures && failures.lockedUntil > Date.now()) throw new SimError(400, "accountLocked");
    const user = this.users.find((u) =>
      u.username === username &&
      (DIRECTORY_SOURCES.has(source) ? u.authConfigId !== null && u.authConfigId === authConfigId : u.source === source));
    if (!user || user.password !== password) {
      this.#recordFailure(username);
      throw new SimError(400, "incorrectCredentials");
    }
    this.#failures.delete(username);
    if (user.mfa) {
      if (this.mfaShape === "error") throw new SimError(403, "mfaRequired", {}, { code: "MFA_REQUIRED" });
      if (this.mfaShape === "message") throw new SimError(403, "mfaRequired", {}, { code: null });
      const type = mfaType ?? "Mail";
      return { mfa_meta: { type, recipient: MFA_RECIPIENTS[type](user), valid: MFA_VALID_SECONDS } };
    }
    const token = newSecret();
    this.#tokens.set(token, { user, issuedAt: Date.now() });
    return { token };
  }

  #recordFailure(username) {
    if (!this.lockoutThreshold) return; // 0 disables lockout
    const entry = this.#failures.get(username) ?? { count: 0, lockedUntil: 0 };
    entry.count += 1;
    if (entry.count >= this.lockoutThreshold) {
      entry.count = 0;
      entry.lockedUntil = Date.now() + this.lockoutMs;
    }
    this.#failures.set(username, entry);
  }

  /**
   * Classifies an Authorization header value:
   *   { kind: "none" } | { kind: "invalid", reason: "malformed"|"unknown" }
   *   | { kind: "token", user, roles, secret } | { kind: "apiKey", user, roles, record, secret }
   * `kind` is also the request log's `auth` label. "Bearer " is tolerated; expired sessions are
   * forgotten here.
   */
  authenticate(header) {
    if (header === undefined || header === "") return { kind: "none" };
    const value = header.trim();
    const secret = value.replace(/^bearer\s+/i, "");
    // A bare "Bearer" (clients trim "Bearer " with an empty token) is malformed, not a token.
    if (!CREDENTIAL.test(secret) || /^bearer$/i.test(value)) return { kind: "invalid", reason: "malformed" };
    const session = this.#tokens.get(secret);
    if (session) {
      if (this.sessionMaxAgeMs && Date.now() - session.issuedAt >= this.sessionMaxAgeMs) {
        this.#tokens.delete(secret);
        return { kind: "invalid", reason: "unknown" };
      }
      return { kind: "token", user: session.user, roles: session.user.roles, secret };
    }
    const record = this.#keys.get(secret);
    if (record) return { kind: "apiKey", user: this.users.find((u) => u.id === record.user.id), roles: record.roles, record, secret };
    return { kind: "invalid", reason: "unknown" };
  }

  /** Ends the session of a token; an API key is left alone (it is revoked by deleteApiKey). */
  logout(credential) {
    if (credential.kind === "token") this.#tokens.delete(credential.secret);
  }

  /** Issues a key with the issuing user's roles; returns { record, secret }. */
  createApiKey(credential, { name, description }) {
    if (!name?.trim()) throw new SimError(400, "apiKeyNameRequired");
    const { user } = credential;
    const record = {
      id: this.#newId(),
      name,
      description: description ?? null,
      editable: true,
      username: user.username,
      roles: user.roles.map(({ id, preset }) => ({ id, preset })),
      user: { id: user.id, name: user.name },
      createdAt: new Date().toISOString(),
    };
    const secret = newSecret();
    this.#keys.set(secret, record);
    return { record, secret };
  }

  /** Deletes the key named by where.id or where.key if the caller may see it; null if none. */
  deleteApiKey(credential, where) {
    if (!where.id && !where.key) throw new SimError(400, "apiKeyWhereRequired");
    for (const [secret, record] of this.#keys) {
      const hit = where.key ? secret === where.key && (!where.id || record.id === where.id) : record.id === where.id;
      if (hit && this.#canSee(credential, record)) {
        this.#keys.delete(secret);
        return record;
      }
    }
    return null;
  }

  /** Keys visible to the caller (admins see all, others their own), filtered by ApiKeyWhereInput. */
  listApiKeys(credential, where = {}) {
    return [...this.#keys.values()].filter((r) =>
      this.#canSee(credential, r) &&
      (where.id == null || r.id === where.id) &&
      (where.name == null || r.name === where.name) &&
      (where.name_contains == null || r.name.includes(where.name_contains)) &&
      (where.username == null || r.username === where.username));
  }

  #canSee(credential, record) {
    return record.user.id === credential.user.id || credential.roles.some((r) => SEES_ALL_KEYS.has(r.preset));
  }

  /** Key records without secrets, for state.apiKeys(). */
  apiKeyRecords() {
    return [...this.#keys.values()].map((r) => structuredClone(r));
  }

  hasApiKey(secret) {
    return this.#keys.has(secret);
  }
}

/** The credential if it authenticates, else the 401-class SimError (missing, malformed, unknown). */
export function requireUser(credential) {
  if (credential.kind === "none") throw new SimError(401, "missingCredential");
  if (credential.kind === "invalid") throw new SimError(401, credential.reason === "malformed" ? "malformedCredential" : "invalidCredential");
  return credential;
}

/** Read-only credentials (READ_ONLY / AUDITOR roles only) may not run mutations. */
export function isReadOnly(credential) {
  return credential.roles.every((role) => READ_ONLY_PRESETS.has(role.preset));
}
