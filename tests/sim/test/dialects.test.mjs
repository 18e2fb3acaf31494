// The guessed behaviours (dialects, README "Evidenced and guessed"): each variant answers in its
// documented shape. The client's side of every variant is tests/compat/.

import test from "node:test";
import assert from "node:assert/strict";
import { withSimulator } from "../harness.mjs";
import { ACCOUNTS } from "../accounts.mjs";

const DELETE = "mutation d($key: String!) { deleteApiKey(where: { key: $key }) { id } }";
const MESSAGE_401 = "Invalid, expired or revoked credential";

test("missingKeyDelete: not-found, null, prisma (which echoes the key)", async () => {
  const expected = {
    "not-found": () => ({ data: { deleteApiKey: null }, errors: [{ message: "No ApiKey found for the given key", locations: [{ line: 1, column: 29 }], path: ["deleteApiKey"], extensions: { code: "NOT_FOUND" } }] }),
    null: () => ({ data: { deleteApiKey: null } }),
    prisma: (key) => ({ data: { deleteApiKey: null }, errors: [{ message: `No Node for the model ApiKey with value ${key} for key found`, locations: [{ line: 1, column: 29 }], path: ["deleteApiKey"], code: 3039 }] }),
  };
  for (const [missingKeyDelete, answer] of Object.entries(expected)) {
    await withSimulator({ vms: 1, missingKeyDelete }, async (_sim, api) => {
      const token = await api.login();
      const { key } = await api.createKey(token);
      assert.equal((await api.gql(DELETE, { key }, token)).json.errors, undefined);
      assert.deepEqual((await api.gql(DELETE, { key }, token)).json, answer(key), missingKeyDelete);
    });
  }
});

test("graphqlUnauthenticated and graphqlForbidden: code, http, message", async () => {
  for (const shape of ["code", "http", "message"]) {
    await withSimulator({ vms: 1, graphqlUnauthenticated: shape, graphqlForbidden: shape }, async (_sim, api) => {
      const token = await api.login();
      const { key } = await api.createKey(token);
      const unauthenticated = await api.gql("{ my { user { id } } }", undefined, "revoked-or-unknown-credential");
      const forbidden = await api.gql('mutation { createApiKey(data: { name: "x" }) { id } }', undefined, key);
      for (const [r, status, code, message] of [
        [unauthenticated, 401, "UNAUTHENTICATED", MESSAGE_401],
        [forbidden, 403, "FORBIDDEN", "API keys cannot manage API keys; log in with a password to get a token"],
      ]) {
        if (shape === "http") {
          assert.equal(r.status, status);
          assert.deepEqual(r.json, { message, status, path: "/api" });
        } else {
          assert.equal(r.status, 200);
          assert.equal(r.json.errors[0].message, message);
          assert.equal(r.json.errors[0].extensions?.code, shape === "code" ? code : undefined);
        }
      }
      // Other errors keep their codes in every shape.
      const wrong = await api.gql("mutation($d: LoginInput!) { login(data: $d) { token } }", { d: { username: "admin", password: "no", source: "LOCAL" } });
      assert.equal(wrong.json.errors[0].extensions.code, "BAD_USER_INPUT");
    });
  }
});

test("v2Unauthorized: error-body, empty, text", async () => {
  const expected = {
    "error-body": [/^application\/json/, JSON.stringify({ message: MESSAGE_401, status: 401, path: "/v2/api/get-vms" })],
    empty: [null, ""],
    text: [/^text\/plain/, MESSAGE_401],
  };
  for (const [v2Unauthorized, [type, body]] of Object.entries(expected)) {
    await withSimulator({ vms: 1, v2Unauthorized }, async (_sim, api) => {
      const r = await api.v2("get-vms", {}, "revoked-or-unknown-credential");
      assert.equal(r.status, 401);
      assert.equal(r.text, body);
      if (type) assert.match(r.headers.get("content-type"), type);
      else assert.equal(r.headers.get("content-type"), null);
      // Other errors are ErrorBodies as ever.
      assert.equal((await api.v2("get-vms", { where: { nmae: 1 } }, await api.login())).json.status, 400);
    });
  }
});

test("taskProgress: percent reports 0–100 where fraction reports 0–1", async () => {
  for (const [taskProgress, done] of [["fraction", 1], ["percent", 100]]) {
    await withSimulator({ vms: 3, taskProgress, taskDurationMs: 0 }, async (sim, api) => {
      const token = await api.login(ACCOUNTS.admin);
      const [vm] = (await api.v2("get-vms", { where: { name_not: "vm-doomed" }, first: 1 }, token)).json;
      const [started] = (await api.v2("start-vm", { where: { id: vm.id } }, token)).json;
      await sim.state.waitForTask(started.task_id);
      const tasks = (await api.v2("get-tasks", { where: { id: started.task_id } }, token)).json;
      assert.deepEqual(tasks.map((t) => t.progress), [done], taskProgress);
    });
  }
});
