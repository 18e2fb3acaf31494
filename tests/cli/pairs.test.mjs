// The CLI over an active/passive pair: CLOUDTOWER_ENDPOINT as a comma list, --endpoint repeated,
// a profile holding the pair; the pair fails over between commands and the CLI follows.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./helpers.mjs";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";

let sim;
let key;
const configDir = mkdtempSync(join(tmpdir(), "cloudtower-pair-config-"));
before(async () => {
  sim = await startSimulator({ pair: true, vms: 7 });
  const { CloudTowerClient } = await import("../../pkg/index.mjs");
  const admin = new CloudTowerClient({ endpoints: sim.urls });
  await admin.login({ username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password });
  key = (await admin.createApiKey({ name: "cli-pair" })).key;
});
after(() => {
  rmSync(configDir, { recursive: true, force: true });
  return sim?.close();
});

const vmCount = (stdout) => JSON.parse(stdout).length;

test("CLOUDTOWER_ENDPOINT=A,B and --endpoint A --endpoint B reach the active node, before and after a failover", async () => {
  const env = { CLOUDTOWER_API_KEY: key };
  for (const round of [0, 1]) {
    const viaEnv = await run(["vms", "--all", "-o", "json"], { env: { ...env, CLOUDTOWER_ENDPOINT: sim.urls.join(",") } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.equal(vmCount(viaEnv.stdout), 7);
    const viaFlags = await run(["vms", "--all", "-o", "json", "--endpoint", sim.urls[0], "--endpoint", sim.urls[1]], { env });
    assert.equal(viaFlags.code, 0, viaFlags.stderr);
    assert.equal(vmCount(viaFlags.stdout), 7);
    if (round === 0) sim.ha.failover();
  }
});

test("a profile holds the pair, and its key goes to the pair's nodes only", async () => {
  const env = { CLOUDTOWER_CONFIG_DIR: configDir };
  const login = await run(["auth", "login", "--with-key", "--endpoint", sim.urls.join(",")], { env, input: `${key}\n` });
  assert.equal(login.code, 0, login.stderr);
  sim.ha.failover();
  const vms = await run(["vms", "--all", "-o", "json"], { env });
  assert.equal(vms.code, 0, vms.stderr);
  assert.equal(vmCount(vms.stdout), 7);
});

test("both nodes unreachable: the CLI exits with NO_ACTIVE_ENDPOINT's status, 19", async () => {
  sim.ha.set({ unreachable: [0, 1] });
  try {
    const result = await run(["vms", "-o", "json"], { env: { CLOUDTOWER_API_KEY: key, CLOUDTOWER_ENDPOINT: sim.urls.join(",") } });
    assert.equal(result.code, 19, result.stderr);
  } finally {
    sim.ha.set({ unreachable: [] });
  }
});
