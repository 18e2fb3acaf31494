// Key flows against the simulator when the world misbehaves: a revoke whose answer is lost, a
// server that answers "no such key" for a key that still works (another user's), a caller that
// logs the parent client in as someone else inside withTemporaryApiKey. The promise: no key
// that nobody holds, no success while the old key still works, one key that surely works.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CloudTowerClient } from "../../pkg/index.mjs";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";

let sim;
before(async () => {
  sim = await startSimulator({ vms: 3, lockoutThreshold: 0 });
});
after(() => sim?.close());

async function loggedIn(account) {
  const client = new CloudTowerClient({ endpoint: sim.url, retry: false });
  await client.login({ username: account.username, password: account.password });
  return client;
}

const works = async (key) => {
  try {
    await new CloudTowerClient({ endpoint: sim.url, apiKey: key, retry: false }).currentUser();
    return true;
  } catch (error) {
    if (error.code === "UNAUTHORIZED") return false;
    throw error;
  }
};

test("rotateApiKey: the old key's revoke is performed but its answer lost → the rotation succeeds (checked by a read)", async () => {
  const admin = await loggedIn(ACCOUNTS.admin);
  const old = await admin.createApiKey({ name: "rotate-lost-answer" });
  sim.faults.add({ path: "/api", operation: "deleteApiKey", kind: "reset", execute: true });
  const fresh = await admin.rotateApiKey({ key: old.key, name: "rotate-lost-answer-2" });
  assert.equal(await works(old.key), false, "the old key is revoked");
  assert.equal(await works(fresh.key), true, "the new key works");
  await admin.deleteApiKey(fresh.key);
});

test("rotateApiKey of another user's key: the server's 'no such key' is not taken for a revoke", async () => {
  const admin = await loggedIn(ACCOUNTS.admin);
  const theirs = await admin.createApiKey({ name: "admins-key" });
  const viewer = await loggedIn(ACCOUNTS.readOnly);
  const keysBefore = sim.state.apiKeys().length;
  const error = await viewer.rotateApiKey({ key: theirs.key, name: "stolen" }).then(
    () => assert.fail("the rotation must not succeed while the old key still works"),
    (e) => e,
  );
  assert.equal(error.step, "revoke old key", error.message);
  assert.match(error.message, /still works/);
  assert.match(error.message, /the old key is still valid and the new key was revoked/);
  assert.equal(await works(theirs.key), true, "the admin's key is untouched");
  assert.equal(sim.state.apiKeys().length, keysBefore, "the viewer's new key was rolled back");
  await admin.deleteApiKey(theirs.key);
});

test("withTemporaryApiKey: logging the parent in as another user inside the callback still revokes the key", async () => {
  const parent = await loggedIn(ACCOUNTS.admin);
  let temporary;
  const result = await parent.withTemporaryApiKey({ name: "switch-user" }, async (keyed) => {
    temporary = (await keyed.currentUser()).username;
    await parent.login({ username: ACCOUNTS.readOnly.username, password: ACCOUNTS.readOnly.password });
    return "ok";
  });
  assert.equal(result, "ok");
  assert.equal(temporary, ACCOUNTS.admin.username);
  assert.ok(!sim.state.apiKeys().some((k) => k.name === "switch-user"), "the temporary key was revoked as the admin who issued it");
});
