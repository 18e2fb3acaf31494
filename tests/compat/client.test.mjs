// The compatibility matrix, JavaScript API: the key flow and every method that meets a guessed
// server behaviour, against a pairwise covering set of the simulator's dialects (tests/sim/README.md,
// "Evidenced and guessed"). One simulator per combination, shared by its cells, in process.
// Each cell asserts the outcome the dialect calls for, and that no secret is in any error.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { CloudTowerClient } from "../../pkg/index.mjs";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";
import { pairwise, coversAllPairs, label } from "./pairwise.mjs";
import { assertUnauthenticatedGraphql, assertForbiddenGraphql, assertUnauthorizedV2, assertNoSecret } from "./expect.mjs";
import { rejectionOf } from "../client/helpers.mjs";

const ROWS = pairwise();
const CREATE_KEY = "mutation createApiKey($name: String!) { createApiKey(data: { name: $name }) { id key } }";


test(`the matrix runs ${ROWS.length} dialect combinations covering every pair of guessed behaviours`, () => {
  assert.ok(coversAllPairs(ROWS));
});

test("an endpoint written the official SDKs' way is refused, naming the address to write", () => {
  for (const suffix of ["/v2/api", "/v2/api/", "/api", "/tower/api/"]) {
    const endpoint = `http://tower.example${suffix}`;
    const root = suffix.startsWith("/tower") ? "http://tower.example/tower" : "http://tower.example";
    assert.throws(() => new CloudTowerClient({ endpoint }), (error) =>
      error.code === "INVALID_ARGUMENT" && error.message.includes(`"${suffix.replace(/^\/tower/, "").replace(/\/$/, "")}"`) && error.message.endsWith(`"${root}"`));
  }
});

for (const dialect of ROWS) {
  describe(`client × ${label(dialect)}`, () => {
    let sim;
    let tower; // logged in as admin
    const secrets = [ACCOUNTS.admin.password, ACCOUNTS.mfa.password];
    const tokenOf = async () => {
      const answer = await fetch(`${sim.url}/v2/api/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password }),
      });
      const { token } = (await answer.json()).data;
      secrets.push(token);
      return token;
    };
    const issue = async (client, name) => {
      const issued = await client.createApiKey({ name });
      secrets.push(issued.key);
      return issued;
    };
    /** The rejection of `promise`, checked for secrets. */
    const failure = async (promise) => {
      const error = await rejectionOf(promise);
      assertNoSecret(error, secrets);
      return error;
    };

    before(async () => {
      sim = await startSimulator({ vms: 8, taskDurationMs: 60, ...dialect });
      tower = new CloudTowerClient({ endpoint: sim.url });
      await tower.login({ username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password });
    });
    after(() => sim.close());

    test("key flow: create, use, delete, delete again, the revoked key refused on v2 and GraphQL", async () => {
      const { key, id } = await issue(tower, "flow");
      const withKey = tower.withApiKey(key);
      assert.equal((await withKey.call("get-vms", { first: 1 })).length, 1);
      assert.equal((await withKey.currentUser()).username, "admin");
      assert.deepEqual(await tower.deleteApiKey(key), { id, alreadyRevoked: false });
      assert.deepEqual(await tower.deleteApiKey(key), { id: null, alreadyRevoked: true }, dialect.missingKeyDelete);
      assertUnauthorizedV2(await failure(withKey.call("get-vms", {})), dialect);
      assertUnauthenticatedGraphql(await failure(withKey.currentUser()), dialect);
    });

    test("currentUser reads my { user } with a token", async () => {
      const user = await tower.currentUser();
      assert.deepEqual([user.username, user.source, user.roles.map((r) => r.preset)], ["admin", "LOCAL", ["ADMIN"]]);
    });

    test("an API key managing keys is refused by the server in the dialect's shape", async () => {
      const { key } = await issue(tower, "manager");
      assertForbiddenGraphql(await failure(tower.withApiKey(key).graphql(CREATE_KEY, { name: "x" })), dialect);
      await tower.deleteApiKey(key);
    });

    test("rotateApiKey: the new key works, the old one is revoked", async () => {
      const old = await issue(tower, "rotate-old");
      const fresh = await tower.rotateApiKey({ key: old.key, name: "rotate-new" });
      secrets.push(fresh.key);
      assert.equal((await tower.withApiKey(fresh.key).currentUser()).username, "admin");
      assert.ok(!sim.state.hasApiKey(old.key) && sim.state.hasApiKey(fresh.key));
      assertUnauthorizedV2(await failure(tower.withApiKey(old.key).call("get-vms", {})), dialect);
      await tower.deleteApiKey(fresh.key);
    });

    test("withTemporaryApiKey: the key works inside and is revoked after, also after a throw", async () => {
      const name = await tower.withTemporaryApiKey({ name: "temporary" }, async (client) => (await client.currentUser()).username);
      assert.equal(name, "admin");
      const thrown = await failure(tower.withTemporaryApiKey({ name: "temporary-throw" }, async (client) => {
        await client.call("get-vms", { first: 1 });
        throw new Error("job failed");
      }));
      assert.equal(thrown.message, "job failed");
      assert.deepEqual(sim.state.apiKeys().filter((k) => k.name.startsWith("temporary")), []);
    });

    test("logout ends the session (the server's logout string is read as success); the token is refused after", async () => {
      const token = await tokenOf();
      const session = new CloudTowerClient({ endpoint: sim.url, token });
      await session.logout();
      assert.equal(session.authKind, "none");
      const dead = new CloudTowerClient({ endpoint: sim.url, token });
      assertUnauthenticatedGraphql(await failure(dead.currentUser()), dialect);
      assertUnauthorizedV2(await failure(dead.call("get-vms", {})), dialect);
    });

    test("waitForTasks: onProgress reports 0–1 on either progress scale, ending at 1", async () => {
      const [vm] = await tower.call("get-vms", { where: { name_not: "vm-doomed" }, first: 1 });
      const started = await tower.call("start-vm", { where: { id: vm.id } });
      const reports = [];
      const [task] = await tower.waitForTasks(started, { intervalMs: 20, onProgress: (p) => reports.push(p) });
      assert.equal(task.status, "SUCCESSED");
      assert.ok(reports.length > 0 && reports.every((r) => r.progress >= 0 && r.progress <= 1), JSON.stringify(reports));
      assert.deepEqual(reports.at(-1), { ended: 1, total: 1, progress: 1 });
    });

    test("a 2FA user's password login is MFA_REQUIRED, pointing to API keys", async () => {
      const client = new CloudTowerClient({ endpoint: sim.url });
      const error = await failure(client.login({ username: ACCOUNTS.mfa.username, password: ACCOUNTS.mfa.password }));
      assert.equal(error.code, "MFA_REQUIRED", `${dialect.mfaShape}: ${error.message}`);
      assert.match(error.message, /API key/);
      assert.equal(client.authKind, "none");
    });

    test("listApiKeys: the keys, or UNSUPPORTED without the apiKeys query", async () => {
      const { key } = await issue(tower, "listed");
      if (dialect.apiKeysQuery) {
        assert.ok((await tower.listApiKeys()).some((k) => k.name === "listed" && !("key" in k)));
      } else {
        assert.equal((await failure(tower.listApiKeys())).code, "UNSUPPORTED");
      }
      await tower.deleteApiKey(key);
    });
  });
}
