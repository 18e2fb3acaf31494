// Accounts, login shapes, lockout, sessions, API keys and the 401/403 answers.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ACCOUNTS } from "../index.mjs";
import { useSimulator, withSimulator, pollUntil } from "../harness.mjs";

const ctx = useSimulator({ lockoutMs: 200 });
const CREATE_KEY = "mutation createApiKey($name: String!) { createApiKey(data: { name: $name }) { id key name username editable roles { id preset } user { id name } } }";
const DELETE_KEY = "mutation deleteApiKey($key: String!) { deleteApiKey(where: { key: $key }) { id key } }";

function assertErrorBody(r, status, message, path) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json.message, message);
  assert.equal(r.json.status, status);
  assert.equal(r.json.path, path);
}

test("admin and read-only users log in over v2 and GraphQL", async () => {
  const { api } = ctx;
  for (const account of [ACCOUNTS.admin, ACCOUNTS.readOnly]) {
    const v2 = await api.v2("login", { username: account.username, password: account.password });
    assert.equal(v2.status, 200);
    assert.equal(v2.json.task_id, null);
    assert.match(v2.json.data.token, /^[\w-]{40,}$/);
    const gql = await api.gql("mutation login($data: LoginInput!) { login(data: $data) { token } }",
      { data: { username: account.username, password: account.password, source: "LOCAL" } });
    assert.equal(typeof gql.json.data.login.token, "string");
    const my = await api.gql("{ my { user { username source roles { preset } } } }", undefined, gql.json.data.login.token);
    assert.deepEqual(my.json.data.my.user, { username: account.username, source: "LOCAL", roles: [{ preset: account.roles[0] }] });
  }
});

test("tokens are random: two logins of one user differ", async () => {
  assert.notEqual(await ctx.api.login(), await ctx.api.login());
});

test("wrong password → 400 Incorrect username or password (GraphQL: BAD_USER_INPUT)", async () => {
  const { api } = ctx;
  assertErrorBody(await api.v2("login", { username: "admin", password: "nope" }), 400, "Incorrect username or password", "/v2/api/login");
  assertErrorBody(await api.v2("login", { username: "nobody", password: "x" }), 400, "Incorrect username or password", "/v2/api/login");
  const gql = await api.gql("mutation($d: LoginInput!) { login(data: $d) { token } }", { d: { username: "admin", password: "nope", source: "LOCAL" } });
  assert.equal(gql.status, 200);
  assert.equal(gql.json.data, null);
  assert.equal(gql.json.errors[0].message, "Incorrect username or password");
  assert.equal(gql.json.errors[0].extensions.code, "BAD_USER_INPUT");
  assert.deepEqual(gql.json.errors[0].path, ["login"]);
});

test("LDAP user: needs source AUTHN/LDAP plus the strategy's auth_config_id", async () => {
  const { api, sim } = ctx;
  const { username, password } = ACCOUNTS.ldap;
  const strategies = await api.gql("{ authnStrategies { id type name } }");
  const [ldap] = strategies.json.data.authnStrategies;
  assert.deepEqual(ldap, { id: sim.state.accounts.ldap.authConfigId, type: "LDAP", name: "corp-ldap" });

  assertErrorBody(await api.v2("login", { username, password, source: "AUTHN" }), 400, "auth_config_id is required for AUTHN/LDAP users", "/v2/api/login");
  assertErrorBody(await api.v2("login", { username, password, source: "LOCAL" }), 400, "Incorrect username or password", "/v2/api/login");
  assertErrorBody(await api.v2("login", { username, password }), 400, "Incorrect username or password", "/v2/api/login");
  assertErrorBody(await api.v2("login", { username, password, source: "AUTHN", auth_config_id: "cwrong" }), 400, "Incorrect username or password", "/v2/api/login");
  for (const source of ["AUTHN", "LDAP"]) {
    const r = await api.v2("login", { username, password, source, auth_config_id: ldap.id });
    assert.equal(r.status, 200, r.text);
    const my = await api.gql("{ my { user { username source } } }", undefined, r.json.data.token);
    assert.deepEqual(my.json.data.my.user, { username, source: "AUTHN" });
  }
  const gql = await api.gql("mutation($d: LoginInput!) { login(data: $d) { token } }", { d: { username, password, source: "AUTHN" } });
  assert.equal(gql.json.errors[0].message, "auth_config_id is required for AUTHN/LDAP users");
});

test("2FA user, challenge shape (off-spec): v2 200 with mfa_meta and no token; GraphQL Login.token is String!, so an MFA_REQUIRED error", async () => {
  const { api } = ctx;
  const { username, password } = ACCOUNTS.mfa;
  const v2 = await api.v2("login", { username, password });
  assert.equal(v2.status, 200);
  assert.deepEqual(v2.json, { task_id: null, data: { mfa_meta: { type: "Mail", recipient: "b***@example.com", valid: 300 } } });
  const sms = await api.v2("login", { username, password, mfa_type: "Sms" });
  assert.equal(sms.json.data.mfa_meta.type, "Sms");
  assert.equal(sms.json.data.token, undefined);
  const gql = await api.gql("mutation($d: LoginInput!) { login(data: $d) { token } }", { d: { username, password, source: "LOCAL" } });
  assert.equal(gql.json.data, null);
  assert.equal(gql.json.errors[0].extensions.code, "MFA_REQUIRED");
});

test("2FA user, message shape: 403 ErrorBody without code; GraphQL error without extensions", async () => {
  await withSimulator({ mfaShape: "message" }, async (_sim, api) => {
    const { username, password } = ACCOUNTS.mfa;
    const message = "Two-factor authentication is enabled for this user: a verification code is required";
    const v2 = await api.v2("login", { username, password });
    assert.equal(v2.status, 403);
    assert.deepEqual(v2.json, { message, status: 403, path: "/v2/api/login" });
    const gql = await api.gql("mutation($d: LoginInput!) { login(data: $d) { token } }", { d: { username, password, source: "LOCAL" } });
    assert.deepEqual(gql.json.errors.map((e) => [e.message, e.extensions]), [[message, undefined]]);
  });
});

test("2FA user, error shape: 403 ErrorBody code MFA_REQUIRED; GraphQL extensions.code MFA_REQUIRED", async () => {
  await withSimulator({ mfaShape: "error" }, async (_sim, api) => {
    const { username, password } = ACCOUNTS.mfa;
    const message = "Two-factor authentication is enabled for this user: a verification code is required";
    const v2 = await api.v2("login", { username, password });
    assert.deepEqual(v2.json, { message, status: 403, path: "/v2/api/login", code: "MFA_REQUIRED" });
    assert.equal(v2.status, 403);
    const gql = await api.gql("mutation($d: LoginInput!) { login(data: $d) { token } }", { d: { username, password, source: "LOCAL" } });
    assert.equal(gql.json.data, null);
    assert.equal(gql.json.errors[0].message, message);
    assert.equal(gql.json.errors[0].extensions.code, "MFA_REQUIRED");
    // A wrong password still says so: the second factor is only asked for after the first.
    assert.equal((await api.v2("login", { username, password: "bad" })).status, 400);
  });
});

test("lockout: after 5 (default lockoutThreshold) failures even the right password is refused, until lockoutMs passes", async () => {
  const { api } = ctx;
  const { username, password } = ACCOUNTS.readOnly;
  for (let i = 0; i < 5; i++) assert.equal((await api.v2("login", { username, password: `bad${i}` })).json.message, "Incorrect username or password");
  const locked = await api.v2("login", { username, password });
  assertErrorBody(locked, 400, "Too many failed login attempts: the account is locked", "/v2/api/login");
  const gql = await api.gql("mutation($d: LoginInput!) { login(data: $d) { token } }", { d: { username, password, source: "LOCAL" } });
  assert.equal(gql.json.errors[0].message, "Too many failed login attempts: the account is locked");
  // Other users are not affected.
  assert.ok(await api.login(ACCOUNTS.admin));
  const unlocked = await pollUntil(async () => {
    const r = await api.v2("login", { username, password });
    return r.status === 200 && r;
  }, { what: "the lockout to expire" });
  assert.ok(unlocked.json.data.token);
});

test("a successful login resets the failure count", async () => {
  const { api } = ctx;
  const { username, password } = ACCOUNTS.ldap;
  const auth_config_id = ctx.sim.state.accounts.ldap.authConfigId;
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 3; i++) await api.v2("login", { username, password: "bad", source: "LDAP", auth_config_id });
    assert.equal((await api.v2("login", { username, password, source: "LDAP", auth_config_id })).status, 200);
  }
});

test("admin account can be overridden", async () => {
  await withSimulator({ admin: { username: "root", password: "S3cret!" } }, async (sim, api) => {
    assert.equal(sim.state.accounts.admin.username, "root");
    assert.ok(await api.login({ username: "root", password: "S3cret!" }));
    assert.equal((await api.v2("login", { username: "admin", password: ACCOUNTS.admin.password })).status, 400);
  });
});

test("session max age: a token stops working once it is older than sessionMaxAgeMs", async () => {
  await withSimulator({ sessionMaxAgeMs: 150 }, async (_sim, api) => {
    const token = await api.login();
    assert.equal((await api.v2("get-clusters", {}, token)).status, 200);
    const expired = await pollUntil(async () => {
      const r = await api.v2("get-clusters", {}, token);
      return r.status === 401 && r;
    }, { what: "the session to expire" });
    assert.equal(expired.json.message, "Invalid, expired or revoked credential");
  });
});

test("logout invalidates the token used; with an API key it answers its string and revokes nothing", async () => {
  const { api, sim } = ctx;
  const token = await api.login();
  const other = await api.login();
  const { key } = await api.createKey(other, "survives-logout");
  const out = await api.gql("mutation { logout }", undefined, token);
  assert.deepEqual(out.json, { data: { logout: "OK" } });
  assert.equal((await api.v2("get-clusters", {}, token)).status, 401);
  assert.equal((await api.v2("get-clusters", {}, other)).status, 200);
  const keyOut = await api.gql("mutation { logout }", undefined, key);
  assert.deepEqual(keyOut.json, { data: { logout: "OK" } });
  assert.equal(sim.state.hasApiKey(key), true);
  assert.equal((await api.v2("get-clusters", {}, key)).status, 200);
});

test("API key: create (secret shown once), use, list, delete, refused on the very next request", async () => {
  const { api, sim } = ctx;
  const token = await api.login();
  const created = await api.gql(CREATE_KEY, { name: "ci" }, token);
  const apiKey = created.json.data.createApiKey;
  assert.match(apiKey.key, /^[\w-]{40,}$/);
  assert.equal(apiKey.name, "ci");
  assert.equal(apiKey.username, "admin");
  assert.equal(apiKey.editable, true);
  assert.deepEqual(apiKey.roles.map((r) => r.preset), ["ADMIN"]);
  assert.equal(sim.state.hasApiKey(apiKey.key), true);
  const record = sim.state.apiKeys().find((k) => k.id === apiKey.id);
  assert.equal(record.name, "ci");
  assert.ok(!JSON.stringify(sim.state.apiKeys()).includes(apiKey.key), "state never exposes secrets");

  const listed = await api.gql("query($w: ApiKeyWhereInput) { apiKeys(where: $w) { id key name } }", { w: { name: "ci" } }, token);
  assert.ok(listed.json.data.apiKeys.some((k) => k.id === apiKey.id));
  assert.ok(listed.json.data.apiKeys.every((k) => k.key === null), "the secret is only in the createApiKey answer");

  const vms = await api.v2("get-vms", { first: 1 }, apiKey.key);
  assert.equal(vms.status, 200);
  assert.equal(sim.state.requests.at(-1).auth, "apiKey");

  const deleted = await api.gql(DELETE_KEY, { key: apiKey.key }, token);
  assert.deepEqual(deleted.json, { data: { deleteApiKey: { id: apiKey.id, key: null } } });
  assert.equal(sim.state.hasApiKey(apiKey.key), false);
  const refused = await api.v2("get-vms", { first: 1 }, apiKey.key);
  assertErrorBody(refused, 401, "Invalid, expired or revoked credential", "/v2/api/get-vms");
});

test("deleteApiKey by id; of an unknown key → null + NOT_FOUND without echoing the key", async () => {
  const { api } = ctx;
  const token = await api.login();
  const { id } = await api.createKey(token, "by-id");
  const byId = await api.gql("mutation($id: ID!) { deleteApiKey(where: { id: $id }) { id name } }", { id }, token);
  assert.deepEqual(byId.json, { data: { deleteApiKey: { id, name: "by-id" } } });
  const secret = "not-a-real-key-0123456789";
  const missing = await api.gql(DELETE_KEY, { key: secret }, token);
  assert.equal(missing.status, 200);
  assert.deepEqual(missing.json.data, { deleteApiKey: null });
  assert.deepEqual(missing.json.errors.map(({ message, extensions, path }) => ({ message, code: extensions.code, path })),
    [{ message: "No ApiKey found for the given key", code: "NOT_FOUND", path: ["deleteApiKey"] }]);
  assert.ok(!missing.text.includes(secret));
});

test("an API key cannot create or delete API keys (FORBIDDEN)", async () => {
  const { api, sim } = ctx;
  const token = await api.login();
  const { key } = await api.createKey(token, "parent");
  const before = sim.state.apiKeys().length;
  const message = "API keys cannot manage API keys; log in with a password to get a token";
  for (const [query, variables] of [[CREATE_KEY, { name: "child" }], [DELETE_KEY, { key }]]) {
    const r = await api.gql(query, variables, key);
    assert.equal(r.status, 200);
    assert.equal(r.json.errors[0].message, message);
    assert.equal(r.json.errors[0].extensions.code, "FORBIDDEN");
  }
  assert.equal(sim.state.apiKeys().length, before);
  assert.equal(sim.state.hasApiKey(key), true);
});

test("read-only user: may create keys, which inherit READ_ONLY; v2 mutations → 403 with token or key", async () => {
  const { api } = ctx;
  const token = await api.login(ACCOUNTS.readOnly);
  const created = await api.gql(CREATE_KEY, { name: "viewer-key" }, token);
  const apiKey = created.json.data.createApiKey;
  assert.deepEqual(apiKey.roles.map((r) => r.preset), ["READ_ONLY"]);
  for (const credential of [token, apiKey.key]) {
    const r = await api.v2("start-vm", { where: { name: "vm-doomed" } }, credential);
    assertErrorBody(r, 403, "Permission denied: user viewer has read-only access and cannot run start-vm", "/v2/api/start-vm");
    assert.equal((await api.v2("get-vms", { first: 1 }, credential)).status, 200);
  }
  // The viewer sees only its own keys; the admin sees everyone's.
  const adminToken = await api.login();
  await api.createKey(adminToken, "admin-only");
  const own = await api.gql("{ apiKeys { username } }", undefined, token);
  assert.ok(own.json.data.apiKeys.length > 0 && own.json.data.apiKeys.every((k) => k.username === "viewer"));
  const all = await api.gql("{ apiKeys { username } }", undefined, adminToken);
  assert.deepEqual(new Set(all.json.data.apiKeys.map((k) => k.username)), new Set(["admin", "viewer"]));
});

test("Bearer prefix is tolerated, raw is the documented form", async () => {
  const { api } = ctx;
  const token = await api.login();
  const { key } = await api.createKey(token, "bearer");
  for (const credential of [token, `Bearer ${token}`, `bearer ${key}`, key]) {
    assert.equal((await api.v2("get-clusters", {}, credential)).status, 200, credential.slice(0, 7));
  }
  const my = await api.gql("{ my { user { username } } }", undefined, `Bearer ${token}`);
  assert.equal(my.json.data.my.user.username, "admin");
});

test("401 shapes on v2 and UNAUTHENTICATED on GraphQL: missing, malformed, unknown, revoked", async () => {
  const { api } = ctx;
  const token = await api.login();
  const { key } = await api.createKey(token, "to-revoke");
  await api.gql(DELETE_KEY, { key }, token);
  const cases = [
    [undefined, "Authorization header is required", "none"],
    ["Basic YWRtaW46cGFzcw==", "Malformed Authorization header", "invalid"],
    ["Bearer ", "Malformed Authorization header", "invalid"],
    ["unknown-token-value", "Invalid, expired or revoked credential", "invalid"],
    [key, "Invalid, expired or revoked credential", "invalid"],
  ];
  for (const [credential, message, authLabel] of cases) {
    const r = await api.v2("get-vms", {}, credential);
    assertErrorBody(r, 401, message, "/v2/api/get-vms");
    assert.equal(ctx.sim.state.requests.at(-1).auth, authLabel);
    const gql = await api.gql("{ my { user { id } } }", undefined, credential);
    assert.equal(gql.status, 200);
    assert.equal(gql.json.data, null);
    assert.equal(gql.json.errors[0].message, message);
    assert.equal(gql.json.errors[0].extensions.code, "UNAUTHENTICATED");
    assert.deepEqual(gql.json.errors[0].path, ["my"]);
  }
  for (const mutation of ["mutation { logout }", "mutation { createApiKey(data: {name: \"x\"}) { id } }"]) {
    const r = await api.gql(mutation);
    assert.equal(r.json.data, null);
    assert.equal(r.json.errors[0].extensions.code, "UNAUTHENTICATED");
  }
  const del = await api.gql(DELETE_KEY, { key: "whatever" });
  assert.deepEqual(del.json.data, { deleteApiKey: null }, "deleteApiKey is nullable, so data keeps the field");
  assert.equal(del.json.errors[0].extensions.code, "UNAUTHENTICATED");
});
