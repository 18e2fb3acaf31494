// The compatibility matrix, CLI: `login`, `key create`, `key delete` (twice), `exec
// --temporary-key` and a 2FA login, as documented in the README, against one simulator per row of
// `everyValueOnce` (every value of every guessed behaviour once; the CLI costs a process per cell).
// Each cell checks the exit status, the output, and that nothing printed holds a secret it must not.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";
import { run } from "../cli/helpers.mjs";
import { everyValueOnce, label } from "./pairwise.mjs";

const ROWS = everyValueOnce();
const USE_KEY = `
const r = await fetch(process.env.CLOUDTOWER_ENDPOINT + "/v2/api/get-vms", {
  method: "POST", headers: { "content-type": "application/json", authorization: process.env.CLOUDTOWER_API_KEY }, body: "{}",
});
process.exit(r.status === 200 ? 0 : 40);`;

/** Everything a run printed must be free of these secrets (a key is allowed where it is the result). */
function assertClean(result, secrets) {
  for (const secret of secrets) {
    assert.ok(!result.stderr.includes(secret) && !result.stdout.includes(secret), "a secret was printed");
  }
}

test("the CLI refuses CLOUDTOWER_ENDPOINT written the official SDKs' way, naming the address to write", async () => {
  const r = await run(["login"], { env: { CLOUDTOWER_ENDPOINT: "http://127.0.0.1:9/tower/v2/api/", CLOUDTOWER_API_KEY: "k".repeat(43) } });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /INVALID_ARGUMENT.*"\/v2\/api".*"http:\/\/127\.0\.0\.1:9\/tower"/);
});

for (const dialect of ROWS) {
  describe(`CLI × ${label(dialect)}`, () => {
    let sim;
    let env;
    const passwords = [ACCOUNTS.admin.password, ACCOUNTS.mfa.password];
    before(async () => {
      sim = await startSimulator({ vms: 4, ...dialect });
      env = { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_USERNAME: ACCOUNTS.admin.username, CLOUDTOWER_PASSWORD: ACCOUNTS.admin.password };
    });
    after(() => sim.close());

    test("login prints who you are and logs out again without a warning", async () => {
      const r = await run(["login"], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout + r.stderr, /as admin \(/);
      assert.doesNotMatch(r.stderr, /warning/i);
      assertClean(r, passwords);
      assert.ok(sim.state.requestCount({ operation: "logout", status: 200 }) > 0);
    });

    test("key create, key delete --stdin, key delete again (already revoked)", async () => {
      const created = await run(["key", "create", "--name", "cli-compat"], { env, stdoutMayHoldSecret: true });
      assert.equal(created.code, 0, created.stderr);
      const key = created.stdout.trim();
      assert.ok(sim.state.hasApiKey(key));
      assertClean(created, passwords);
      const deleted = await run(["key", "delete", "--stdin"], { env, input: `${key}\n` });
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.match(deleted.stdout, /^revoked API key \S+\n$/);
      const again = await run(["key", "delete", "--stdin"], { env, input: `${key}\n` });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, "already revoked (no such key)\n", dialect.missingKeyDelete);
      for (const r of [deleted, again]) assertClean(r, [...passwords, key]);
    });

    test("exec --temporary-key: the command uses the key, which is revoked after", async () => {
      const r = await run(["exec", "--temporary-key", "--name", "cli-exec", "--", process.execPath, "--input-type=module", "-e", USE_KEY], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(sim.state.apiKeys().filter((k) => k.name === "cli-exec"), []);
      assertClean(r, passwords);
    });

    test("login of a 2FA user exits 10 (MFA_REQUIRED)", async () => {
      const r = await run(["login"], { env: { ...env, CLOUDTOWER_USERNAME: ACCOUNTS.mfa.username, CLOUDTOWER_PASSWORD: ACCOUNTS.mfa.password } });
      assert.equal(r.code, 10, `${dialect.mfaShape}: ${r.stderr}`);
      assertClean(r, passwords);
    });
  });
}
