// The API-key flow end to end against the simulator, through the built package's ESM entry.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CloudTowerClient, CloudTowerError, isCloudTowerError } from "../../pkg/index.mjs";
import { simulator, loggedIn, rejectionOf, ACCOUNTS } from "./helpers.mjs";

test("login, issue a key, call v2 with it, revoke it, and the key is refused", async (t) => {
  const sim = await simulator(t);
  const client = new CloudTowerClient({ endpoint: sim.url });
  assert.equal(client.authKind, "none");
  await client.login({ username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password });
  assert.equal(client.authKind, "token");

  const key = await client.createApiKey({ name: "ci" });
  assert.equal(key.name, "ci");
  assert.match(key.id, /^c[a-z0-9]+$/);
  assert.deepEqual(key.roles.map((r) => r.preset), ["ADMIN"]);
  assert.ok(sim.state.hasApiKey(key.key), "the simulator holds the new key");

  const keyed = client.withApiKey(key.key);
  assert.equal(keyed.authKind, "apiKey");
  assert.equal(client.authKind, "token", "withApiKey leaves the original client alone");
  const vms = await keyed.call("get-vms", { first: 3, orderBy: "name_ASC" });
  assert.equal(vms.length, 3);
  assert.deepEqual(vms.map((v) => v.name), [...vms.map((v) => v.name)].sort());
  const { aggregate } = await keyed.call("get-vms-connection", {});
  assert.equal(aggregate.count, 40);
  const keyedRequests = sim.state.requests.filter((r) => r.path === "/v2/api/get-vms");
  assert.equal(keyedRequests.at(-1).auth, "apiKey", "the key travelled as Authorization");

  assert.deepEqual(await client.deleteApiKey(key.key), { id: key.id, alreadyRevoked: false });
  assert.equal(sim.state.hasApiKey(key.key), false, "the simulator confirms the key is gone");
  const refused = await rejectionOf(keyed.call("get-vms", { first: 3 }));
  assert.ok(refused instanceof CloudTowerError && refused instanceof Error && isCloudTowerError(refused));
  assert.equal(refused.code, "UNAUTHORIZED");
  assert.equal(refused.status, 401);
  assert.equal(refused.operation, "get-vms");
  assert.match(refused.requestId, /\S+/);
  assert.equal(refused.errorBody.status, 401);

  assert.deepEqual(await client.deleteApiKey(key.key), { id: null, alreadyRevoked: true }, "deleting twice is not an error");
});

test("getVersion needs no credential and currentUser names the user", async (t) => {
  const sim = await simulator(t);
  const anonymous = new CloudTowerClient({ endpoint: sim.url });
  assert.equal(await anonymous.getVersion(), "4.6.0");
  const viewer = await loggedIn(CloudTowerClient, sim, ACCOUNTS.readOnly);
  const me = await viewer.currentUser();
  assert.equal(me.username, "viewer");
  assert.deepEqual(me.roles.map((r) => r.preset), ["READ_ONLY"]);
});

test("listApiKeys lists without secrets, and is UNSUPPORTED where the server lacks it", async (t) => {
  const sim = await simulator(t);
  const client = await loggedIn(CloudTowerClient, sim);
  const key = await client.createApiKey({ name: "listed" });
  const listed = await client.listApiKeys();
  assert.deepEqual(listed.map((k) => k.name), ["listed"]);
  assert.equal(JSON.stringify(listed).includes(key.key), false);
  assert.deepEqual(Object.keys(listed[0]).sort(), ["description", "editable", "id", "name", "roles", "username"]);

  const old = await simulator(t, { apiKeysQuery: false });
  const oldClient = await loggedIn(CloudTowerClient, old);
  const error = await rejectionOf(oldClient.listApiKeys());
  assert.equal(error.code, "UNSUPPORTED");
  assert.ok(error.graphqlErrors.length > 0);
});

test("key management needs a token: refused before asking the server", async (t) => {
  const sim = await simulator(t);
  const admin = await loggedIn(CloudTowerClient, sim);
  const key = await admin.createApiKey({ name: "k" });
  const before = sim.state.requests.length;
  const keyed = admin.withApiKey(key.key);
  assert.equal((await rejectionOf(keyed.createApiKey({ name: "nested" }))).code, "INVALID_ARGUMENT");
  assert.equal((await rejectionOf(keyed.deleteApiKey(key.key))).code, "INVALID_ARGUMENT");
  const anonymous = new CloudTowerClient({ endpoint: sim.url });
  assert.equal((await rejectionOf(anonymous.createApiKey({ name: "x" }))).code, "UNAUTHORIZED");
  assert.equal(sim.state.requests.length, before, "nothing was sent");
  // And the server agrees when asked directly: an API key cannot mint keys.
  const direct = await rejectionOf(
    keyed.graphql("mutation m($n: String!) { createApiKey(data: { name: $n }) { id } }", { n: "x" }),
  );
  assert.equal(direct.code, "FORBIDDEN");
});

test("withTemporaryApiKey revokes the key on success, throw and rejection", async (t) => {
  const sim = await simulator(t);
  const client = await loggedIn(CloudTowerClient, sim);
  let seen;
  const count = await client.withTemporaryApiKey({ name: "tmp" }, async (keyed) => {
    assert.equal(keyed.authKind, "apiKey");
    seen = sim.state.apiKeys().map((k) => k.name);
    const clusters = await keyed.call("get-clusters", {});
    return clusters.length;
  });
  assert.ok(count > 0);
  assert.deepEqual(seen, ["tmp"]);
  assert.deepEqual(sim.state.apiKeys(), []);

  const boom = new Error("callback failed");
  assert.equal(await rejectionOf(client.withTemporaryApiKey({ name: "t2" }, () => { throw boom; })), boom);
  assert.deepEqual(sim.state.apiKeys(), []);
  const rejected = await rejectionOf(client.withTemporaryApiKey({ name: "t3" }, async () => Promise.reject(boom)));
  assert.equal(rejected, boom);
  assert.equal(rejected.revokeError, undefined);
  assert.deepEqual(sim.state.apiKeys(), []);
});

test("withTemporaryApiKey: a failed revoke never hides the callback's error", async (t) => {
  const sim = await simulator(t);
  const client = await loggedIn(CloudTowerClient, sim);
  const boom = new Error("callback failed");
  const error = await rejectionOf(
    client.withTemporaryApiKey({ name: "t" }, async () => {
      sim.faults.add({ path: "/api", operation: "deleteApiKey", kind: "html-502" });
      throw boom;
    }),
  );
  assert.equal(error, boom);
  assert.equal(error.revokeError.code, "HTTP");
  assert.equal(error.revokeError.step, "revoke temporary key");
  // The key survived the failed revoke; the caller was told, so clean it up.
  const [left] = sim.state.apiKeys();
  assert.equal(left.name, "t");
});

test("rotateApiKey issues, verifies, then revokes; a failed step keeps the old key", async (t) => {
  const sim = await simulator(t);
  const client = await loggedIn(CloudTowerClient, sim);
  const old = await client.createApiKey({ name: "v1" });
  const rotated = await client.rotateApiKey({ key: old.key, name: "v2" });
  assert.equal(rotated.name, "v2");
  assert.equal(sim.state.hasApiKey(old.key), false);
  assert.equal(sim.state.hasApiKey(rotated.key), true);
  assert.equal((await client.withApiKey(rotated.key).call("get-vms", { first: 1 })).length, 1);

  // The new key's proof call (the second `my` of a rotation, after the old key's check) fails
  // with a 500, which is not retried: the rotation must stop there.
  let myCalls = 0;
  const watched = await loggedIn(CloudTowerClient, sim, ACCOUNTS.admin, {
    onRequest: ({ operation }) => {
      if (operation === "my" && ++myCalls === 2) sim.faults.add({ path: "/api", operation: "my", kind: "status", status: 500 });
    },
  });
  const failed = await rejectionOf(watched.rotateApiKey({ key: rotated.key, name: "v3" }));
  assert.equal(failed.step, "verify new key");
  assert.match(failed.message, /^verify new key: /);
  assert.equal(sim.state.hasApiKey(rotated.key), true, "the old key stays valid");
  assert.deepEqual(sim.state.apiKeys().map((k) => k.name), ["v2"], "the half-made new key was rolled back");

  const stale = await rejectionOf(client.rotateApiKey({ key: old.key, name: "v4" }));
  assert.equal(stale.step, "check old key", "a dead old key is refused before a new key is issued");
  assert.equal(stale.code, "UNAUTHORIZED");
  assert.deepEqual(sim.state.apiKeys().map((k) => k.name), ["v2"]);
});

test("LDAP login discovers the authentication strategy, and needs exactly one", async (t) => {
  const sim = await simulator(t);
  const ldap = new CloudTowerClient({ endpoint: sim.url });
  await ldap.login({ username: ACCOUNTS.ldap.username, password: ACCOUNTS.ldap.password, source: "LDAP" });
  assert.equal(ldap.authKind, "token");
  assert.equal((await ldap.currentUser()).username, "alice");
  const [strategy] = await ldap.authnStrategies();
  assert.equal(strategy.type, "LDAP");
  const direct = new CloudTowerClient({ endpoint: sim.url });
  await direct.login({ username: "alice", password: ACCOUNTS.ldap.password, source: "AUTHN", authConfigId: strategy.id });
  assert.equal(direct.authKind, "token");
  const local = await rejectionOf(new CloudTowerClient({ endpoint: sim.url }).login({ username: "alice", password: ACCOUNTS.ldap.password }));
  assert.equal(local.code, "UNAUTHORIZED");

  const none = await simulator(t, { authnStrategies: [] });
  const noneError = await rejectionOf(new CloudTowerClient({ endpoint: none.url }).login({ username: "alice", password: ACCOUNTS.ldap.password, source: "LDAP" }));
  assert.equal(noneError.code, "INVALID_ARGUMENT");
  assert.match(noneError.message, /^authConfigId: /);
  const two = await simulator(t, { authnStrategies: [{ type: "LDAP", name: "a" }, { type: "LDAP", name: "b" }] });
  const twoError = await rejectionOf(new CloudTowerClient({ endpoint: two.url }).login({ username: "alice", password: ACCOUNTS.ldap.password, source: "LDAP" }));
  assert.equal(twoError.code, "INVALID_ARGUMENT");
  assert.match(twoError.message, /2 matching/);
});

for (const mfaShape of ["challenge", "error"]) {
  test(`a 2FA user gets MFA_REQUIRED pointing to API keys (${mfaShape} shape)`, async (t) => {
    const sim = await simulator(t, { mfaShape });
    const client = new CloudTowerClient({ endpoint: sim.url });
    const error = await rejectionOf(client.login({ username: ACCOUNTS.mfa.username, password: ACCOUNTS.mfa.password }));
    assert.equal(error.code, "MFA_REQUIRED");
    assert.match(error.message, /API key/);
    assert.equal(client.authKind, "none");
  });
}

test("a wrong password is UNAUTHORIZED with the server's message", async (t) => {
  const sim = await simulator(t, { authnStrategies: [] });
  const error = await rejectionOf(new CloudTowerClient({ endpoint: sim.url }).login({ username: "admin", password: "wrong-password" }));
  assert.equal(error.code, "UNAUTHORIZED");
  assert.equal(error.message, "Incorrect username or password");
  assert.equal(error.status, 400);
});

test("an LDAP user who forgets source is told that directory users need it, when the server lists a directory", async (t) => {
  const sim = await simulator(t);
  const { username, password } = sim.state.accounts.ldap;
  const client = new CloudTowerClient({ endpoint: sim.url });
  const error = await rejectionOf(client.login({ username, password }));
  assert.equal(error.code, "UNAUTHORIZED");
  assert.match(error.message, /^Incorrect username or password \(.*LDAP directory.*source "LDAP", CLI --source LDAP\)$/);
  assert.ok(!error.message.includes(password));
  const local = await rejectionOf(client.login({ username, password, source: "LOCAL" }));
  assert.equal(local.message, "Incorrect username or password", "an explicit source gets no hint");
  await client.login({ username, password, source: "LDAP" });
  assert.equal(client.authKind, "token");
});

test("logout ends the session on the server and forgets the token", async (t) => {
  const sim = await simulator(t);
  const answer = await fetch(`${sim.url}/v2/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password }),
  });
  const { data } = await answer.json();
  const client = new CloudTowerClient({ endpoint: sim.url, token: data.token });
  const twin = client.withToken(data.token);
  assert.equal((await twin.currentUser()).username, "admin");
  await client.logout();
  assert.equal(client.authKind, "none");
  assert.equal((await rejectionOf(twin.currentUser())).code, "UNAUTHORIZED", "the token is dead server-side");
  await client.logout(); // harmless without a credential
});

test("one client serves concurrent calls, and a racing login never sends a half-set credential", async (t) => {
  const sim = await simulator(t);
  const client = await loggedIn(CloudTowerClient, sim);
  const calls = Array.from({ length: 50 }, (_, i) => client.call("get-vms", { first: 1, skip: i % 40 }));
  const relogin = client.login({ username: ACCOUNTS.readOnly.username, password: ACCOUNTS.readOnly.password });
  const results = await Promise.all([...calls, relogin]);
  assert.equal(results.slice(0, 50).every((r) => Array.isArray(r) && r.length === 1), true);
  const auths = sim.state.requests.filter((r) => r.path === "/v2/api/get-vms").map((r) => r.auth);
  assert.deepEqual([...new Set(auths)], ["token"], "every call carried a complete, valid token");
  assert.equal((await client.currentUser()).username, "viewer");
});

test("a listed key, whose secret the lister lacks, is revoked by { id }", async (t) => {
  const sim = await simulator(t);
  const client = await loggedIn(CloudTowerClient, sim);
  const key = await client.createApiKey({ name: "listed-only" });
  const [listed] = await client.listApiKeys();
  assert.deepEqual(await client.deleteApiKey({ id: listed.id }), { id: key.id, alreadyRevoked: false });
  assert.equal(sim.state.hasApiKey(key.key), false);
  assert.deepEqual(await client.deleteApiKey({ id: listed.id }), { id: null, alreadyRevoked: true });
  assert.equal((await rejectionOf(client.deleteApiKey({ name: "x" }))).code, "INVALID_ARGUMENT");
});

test("every method takes per-call options: language, timeout, signal", async (t) => {
  const sim = await simulator(t);
  const client = new CloudTowerClient({ endpoint: sim.url });
  const zh = await rejectionOf(client.login({ username: "admin", password: "wrong-password" }, { language: "zh-CN" }));
  assert.notEqual(zh.message, "Incorrect username or password");
  await client.login({ username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password }, { timeoutMs: 5000 });
  const aborted = await rejectionOf(client.createApiKey({ name: "x" }, { signal: AbortSignal.abort() }));
  assert.equal(aborted.code, "ABORTED");
  assert.deepEqual(sim.state.apiKeys(), []);
  sim.faults.add({ path: "/api", operation: "my", kind: "hang" });
  assert.equal((await rejectionOf(client.currentUser({ timeoutMs: 100 }))).code, "TIMEOUT");
  assert.equal((await rejectionOf(client.listApiKeys({ language: "xx" }))).code, "INVALID_ARGUMENT");
});

test("graphql() names the document's operation in errors", async (t) => {
  const sim = await simulator(t);
  const client = await loggedIn(CloudTowerClient, sim);
  const error = await rejectionOf(client.graphql("query whoAmI { my { nope } }"));
  assert.equal(error.operation, "whoAmI");
});
