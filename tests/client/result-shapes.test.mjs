// Every result object the client hands to JS has exactly the properties its declared TypeScript
// type names: the types are derived from the Rust structs, the objects written by each type's
// `to_json`, and this test holds the two together.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { CloudTowerClient } from "../../pkg/index.mjs";
import { simulator, loggedIn, ACCOUNTS } from "./helpers.mjs";

const declarations = readFileSync(new URL("../../pkg/wasm/web.d.mts", import.meta.url), "utf8");

/** The property names an `export interface` declares, its `extends` included. */
function declared(name) {
  const match = declarations.match(new RegExp(`^export interface ${name}(?: extends (\\w+))? \\{\\n([\\s\\S]*?)^\\}`, "m"));
  assert.ok(match, `web.d.mts declares ${name}`);
  const own = [...match[2].matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]);
  return [...(match[1] ? declared(match[1]) : []), ...own];
}

/** The declared inline type of an option's callback argument, e.g. `onProgress` of WaitOptions. */
function declaredArgument(options, member) {
  const block = declarations.match(new RegExp(`^export interface ${options} \\{\\n([\\s\\S]*?)^\\}`, "m"))[1];
  const inline = block.match(new RegExp(`${member}\\?: \\(\\w+: \\{ ([^}]*) \\}\\)`))[1];
  return inline.split(";").map((field) => field.trim().split(/\??:/)[0]).filter(Boolean);
}

function assertShape(value, names, what) {
  assert.deepEqual(Object.keys(value), names, `${what} has exactly the declared properties, in order`);
}

test("results, hook summaries and progress reports have exactly their declared properties", async (t) => {
  const sim = await simulator(t, { vms: 200, taskDurationMs: 50 });
  const requests = [];
  const responses = [];
  const client = await loggedIn(CloudTowerClient, sim, ACCOUNTS.admin, {
    onRequest: (summary) => requests.push(summary),
    onResponse: (summary) => responses.push(summary),
  });

  const key = await client.createApiKey({ name: "shapes" });
  assertShape(key, declared("ApiKey"), "ApiKey");
  assert.ok(key.roles.length > 0);
  key.roles.forEach((role) => assertShape(role, declared("ApiKeyRole"), "ApiKeyRole"));

  const listed = await client.listApiKeys();
  assert.ok(listed.length > 0);
  listed.forEach((record) => assertShape(record, declared("ApiKeyRecord"), "ApiKeyRecord"));

  const user = await client.currentUser();
  assertShape(user, declared("User"), "User");
  user.roles.forEach((role) => assertShape(role, declared("UserRole"), "UserRole"));

  const strategies = await client.authnStrategies();
  assert.ok(strategies.length > 0);
  strategies.forEach((strategy) => assertShape(strategy, declared("AuthnStrategy"), "AuthnStrategy"));

  const rotated = await client.rotateApiKey({ key: key.key, name: "shapes-2" });
  assertShape(rotated, declared("ApiKey"), "ApiKey from rotateApiKey");
  assertShape(await client.deleteApiKey(rotated.key), declared("DeleteApiKeyResult"), "DeleteApiKeyResult");
  assertShape(await client.deleteApiKey({ id: key.id }), declared("DeleteApiKeyResult"), "DeleteApiKeyResult of a revoked key");

  assert.ok(requests.length > 0 && responses.length > 0);
  requests.forEach((summary) => assertShape(summary, declared("RequestSummary"), "RequestSummary"));
  responses.forEach((summary) => assertShape(summary, declared("ResponseSummary"), "ResponseSummary"));

  const [vm] = await client.call("get-vms", { where: { status: "STOPPED", name_not: "vm-doomed" }, first: 1 });
  const started = await client.call("start-vm", { where: { id: vm.id } });
  const rounds = [];
  await client.waitForTasks(started, { intervalMs: 10, onProgress: (progress) => rounds.push(progress) });
  assert.ok(rounds.length > 0);
  rounds.forEach((round) => assertShape(round, declaredArgument("WaitOptions", "onProgress"), "waitForTasks progress"));
});
