// The same key flow through the CommonJS entry (require), which must be the same instance as
// the ESM entry: one CloudTowerClient class, one CloudTowerError class.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const pkg = require("../../pkg/index.cjs");

test("require() entry runs the key flow and shares classes with import", async (t) => {
  const esm = await import("../../pkg/index.mjs");
  assert.equal(esm.CloudTowerClient, pkg.CloudTowerClient);
  assert.equal(esm.CloudTowerError, pkg.CloudTowerError);
  const { startSimulator, ACCOUNTS } = await import("../sim/index.mjs");
  const sim = await startSimulator({ vms: 5 });
  t.after(() => sim.close());

  const client = new pkg.CloudTowerClient({ endpoint: sim.url });
  await client.login({ username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password });
  const key = await client.createApiKey({ name: "cjs" });
  const vms = await client.withApiKey(key.key).call("get-vms", {});
  assert.equal(vms.length, 5);
  await client.deleteApiKey(key.key);
  await assert.rejects(client.withApiKey(key.key).call("get-vms", {}), (error) => {
    assert.ok(error instanceof pkg.CloudTowerError);
    assert.equal(error.code, "UNAUTHORIZED");
    return true;
  });
  assert.equal(sim.state.hasApiKey(key.key), false);
});
