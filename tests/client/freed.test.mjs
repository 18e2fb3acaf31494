// A freed client or paginator: every member fails with a CloudTowerError (INVALID_ARGUMENT,
// "this client was freed"), never wasm-bindgen's bare "null pointer passed to rust"; free() and
// Symbol.dispose may be called again. Both Node entries share the setup, so both are checked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import * as esm from "../../pkg/index.mjs";

const cjs = createRequire(import.meta.url)("../../pkg/index.cjs");

const SYNC = ["authKind", "endpoint", "withApiKey", "withToken", "paginate", "toJSON", "toString"];
const ASYNC = ["login", "logout", "createApiKey", "deleteApiKey", "listApiKeys", "currentUser", "authnStrategies", "withTemporaryApiKey", "rotateApiKey", "graphql", "call", "count", "waitForTasks", "getVersion"];

for (const [label, { CloudTowerClient, CloudTowerError }] of [["import", esm], ["require", cjs]]) {
  test(`${label}: every member of a freed client and paginator is a CloudTowerError; free() twice is harmless`, async () => {
    const client = new CloudTowerClient({ endpoint: "http://127.0.0.1:9" });
    const pages = client.paginate("get-vms");
    client.free();
    client.free();
    client[Symbol.dispose]?.();
    pages.free();
    pages.free();
    const isFreed = (what) => (error) =>
      error instanceof CloudTowerError && error.code === "INVALID_ARGUMENT" && error.message === `this ${what} was freed: create a new one`;
    for (const name of SYNC) {
      const member = Object.getOwnPropertyDescriptor(CloudTowerClient.prototype, name);
      assert.ok(member, name);
      assert.throws(() => (member.get ? client[name] : client[name]("key-0123456789")), isFreed("client"), name);
    }
    for (const name of ASYNC) await assert.rejects(client[name]({}), isFreed("client"), name);
    assert.throws(() => pages.pages(), isFreed("paginator"));
    await assert.rejects(pages.next(), isFreed("paginator"));
  });

  test(`${label}: paginators of a freed client are freed with it, pages() included`, async () => {
    const client = new CloudTowerClient({ endpoint: "http://127.0.0.1:9" });
    const items = client.paginate("get-vms");
    const pages = items.pages();
    client.free();
    for (const paginator of [items, pages]) {
      await assert.rejects(paginator.next(), (e) => e instanceof CloudTowerError && e.message === "this paginator was freed: create a new one");
      assert.throws(() => paginator.pages(), (e) => e instanceof CloudTowerError && e.code === "INVALID_ARGUMENT");
    }
  });
}

for (const [label, { CloudTowerClient, CloudTowerError }] of [["import", esm], ["require", cjs]]) {
  test(`${label}: a member taken off its client fails with a CloudTowerError that says so`, async () => {
    const client = new CloudTowerClient({ endpoint: "http://127.0.0.1:9" });
    const detached = (name) => (error) =>
      error instanceof CloudTowerError && error.code === "INVALID_ARGUMENT" && error.message.startsWith(`${name} was called without its client`);
    const { call, paginate, withApiKey, free } = client;
    await assert.rejects(call("get-vms"), detached("call"));
    await assert.rejects(Promise.all(["get-vms"].map(client.call)), detached("call"));
    assert.throws(() => paginate("get-vms"), detached("paginate"));
    assert.throws(() => withApiKey("key-0123456789"), detached("withApiKey"));
    assert.throws(() => free(), detached("free"));
    const endpoint = Object.getOwnPropertyDescriptor(CloudTowerClient.prototype, "endpoint").get;
    assert.throws(() => endpoint.call(undefined), detached("endpoint"));
    await assert.rejects(CloudTowerClient.prototype.call.call({}, "get-vms"), detached("call"));
    // Bound, it works; the client itself is untouched.
    assert.equal(client.endpoint, "http://127.0.0.1:9");
    assert.equal(client.toString.bind(client)(), "CloudTowerClient(http://127.0.0.1:9, none)");
  });
}
