// Pagination, counting and task waiting against the simulator (10,000 VMs; slow and failing tasks).
import { test } from "node:test";
import assert from "node:assert/strict";
import { CloudTowerClient } from "../../pkg/index.mjs";
import { simulator, loggedIn, rejectionOf } from "./helpers.mjs";

test("paginate walks 10,000 VMs with cursors, in order, and stops exactly at the end", async (t) => {
  const sim = await simulator(t, { vms: 10_000 });
  const client = await loggedIn(CloudTowerClient, sim);
  const all = await client.call("get-vms", {});
  const before = sim.state.requestCount({ path: "/v2/api/get-vms" });
  const progress = [];
  const ids = [];
  for await (const vm of client.paginate("get-vms", {}, { pageSize: 1000, onProgress: (p) => progress.push(p) })) ids.push(vm.id);
  assert.deepEqual(ids, all.map((vm) => vm.id));
  assert.equal(sim.state.requestCount({ path: "/v2/api/get-vms" }) - before, 10, "ten pages, no empty eleventh request");
  assert.equal(sim.state.requestCount({ path: "/v2/api/get-vms-connection" }), 1, "counted once for progress");
  assert.deepEqual(progress.map((p) => p.loaded), [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]);
  assert.ok(progress.every((p) => p.total === 10_000));
  const bodies = sim.state.requests.filter((r) => r.path === "/v2/api/get-vms").slice(-2);
  assert.equal(bodies.length, 2);
});

test("paginate filters, orders with skip, and yields pages", async (t) => {
  const sim = await simulator(t, { vms: 500 });
  const client = await loggedIn(CloudTowerClient, sim);
  const where = { status: "RUNNING", name_contains: "-" };
  const expected = await client.call("get-vms", { where, orderBy: "name_DESC" });
  const names = [];
  for await (const vm of client.paginate("get-vms", { where, orderBy: "name_DESC" }, { pageSize: 7 })) names.push(vm.name);
  assert.deepEqual(names, expected.map((vm) => vm.name));
  const sizes = [];
  for await (const page of client.paginate("get-vms", { where }, { pageSize: 100 }).pages()) sizes.push(page.length);
  assert.equal(sizes.reduce((a, b) => a + b, 0), expected.length);
  assert.ok(sizes.slice(0, -1).every((n) => n === 100) && sizes.at(-1) > 0);
  assert.equal(await client.count("get-vms", where), expected.length);
  assert.equal(await client.count("get-vms"), 500);
  const empty = [];
  for await (const vm of client.paginate("get-vms", { where: { name: "no such vm" } })) empty.push(vm);
  assert.deepEqual(empty, []);
});

test("paginate refuses what it cannot page, and honours the signal", async (t) => {
  const sim = await simulator(t, { vms: 50 });
  const client = await loggedIn(CloudTowerClient, sim);
  for (const [operation, body, options] of [
    ["start-vm", {}, {}],
    ["get-vms", { first: 5 }, {}],
    ["get-vms", {}, { pageSize: 0 }],
    ["get-vms", {}, { pageSize: 5000 }],
    ["nope", {}, {}],
  ]) {
    assert.throws(() => client.paginate(operation, body, options), (e) => e.code === "INVALID_ARGUMENT", operation);
  }
  const controller = new AbortController();
  const iterator = client.paginate("get-vms", {}, { pageSize: 10, signal: controller.signal });
  assert.equal((await iterator.next()).done, false);
  controller.abort();
  for (let i = 0; i < 9; i += 1) await iterator.next(); // the rest of the held page needs no request
  assert.equal((await rejectionOf(iterator.next())).code, "ABORTED");
});

test("waitForTasks follows tasks to SUCCESSED with one request per round", async (t) => {
  const sim = await simulator(t, { vms: 200, taskDurationMs: 300 });
  const client = await loggedIn(CloudTowerClient, sim);
  const stopped = await client.call("get-vms", { where: { status: "STOPPED", name_not: "vm-doomed" }, first: 2 });
  assert.equal(stopped.length, 2);
  const results = await client.call("start-vm", { where: { id_in: stopped.map((vm) => vm.id) } });
  const rounds = [];
  const before = sim.state.requestCount({ path: "/v2/api/get-tasks" });
  const tasks = await client.waitForTasks(results, { intervalMs: 50, onProgress: (p) => rounds.push(p) });
  assert.deepEqual(tasks.map((task) => task.status), ["SUCCESSED", "SUCCESSED"]);
  assert.deepEqual(new Set(tasks.map((task) => task.id)), new Set(results.map((r) => r.task_id)));
  assert.equal(sim.state.requestCount({ path: "/v2/api/get-tasks" }) - before, rounds.length, "one get-tasks per round");
  assert.ok(rounds.length >= 2 && rounds.every((r) => r.total === 2 && r.progress >= 0 && r.progress <= 1));
  assert.deepEqual(rounds.at(-1), { ended: 2, total: 2, progress: 1 }, "the final round is reported too");
  const vms = await client.call("get-vms", { where: { id_in: stopped.map((vm) => vm.id) } });
  assert.deepEqual(vms.map((vm) => vm.status), ["RUNNING", "RUNNING"]);
  assert.deepEqual(await client.waitForTasks([]), []);
});

test("waitForTasks rejects TASK_FAILED with every failed task's error", async (t) => {
  const sim = await simulator(t, { vms: 20, taskDurationMs: 100 });
  const client = await loggedIn(CloudTowerClient, sim);
  const doomed = await client.call("start-vm", { where: { id: sim.state.failingVmId } });
  const error = await rejectionOf(client.waitForTasks(doomed.map((r) => r.task_id), { intervalMs: 25 }));
  assert.equal(error.code, "TASK_FAILED");
  assert.equal(error.failedTasks.length, 1);
  assert.equal(error.failedTasks[0].id, doomed[0].task_id);
  assert.ok(error.failedTasks[0].error_code && error.failedTasks[0].error_message);
  assert.match(error.message, new RegExp(`^1 of 1 tasks failed: task ${doomed[0].task_id} \\(${error.failedTasks[0].error_code}: `));
});

test("waitForTasks times out, tolerates invisible tasks only a few rounds, and can be aborted", async (t) => {
  const sim = await simulator(t, { vms: 20, taskDurationMs: 60_000 });
  const client = await loggedIn(CloudTowerClient, sim);
  const [vm] = await client.call("get-vms", { where: { status: "STOPPED", name_not: "vm-doomed" }, first: 1 });
  const slow = await client.call("start-vm", { where: { id: vm.id } });
  const timeout = await rejectionOf(client.waitForTasks(slow, { intervalMs: 20, timeoutMs: 150 }));
  assert.equal(timeout.code, "TIMEOUT");
  assert.match(timeout.message, new RegExp(slow[0].task_id));
  const lost = await rejectionOf(client.waitForTasks(["no-such-task"], { intervalMs: 5 }));
  assert.equal(lost.code, "NOT_FOUND");
  assert.equal(sim.state.requestCount({ path: "/v2/api/get-tasks" }) >= 6, true, "it looked for a few rounds first");
  const controller = new AbortController();
  const waiting = client.waitForTasks(slow, { intervalMs: 10_000, signal: controller.signal });
  controller.abort();
  assert.equal((await rejectionOf(waiting)).code, "ABORTED");
  assert.equal((await rejectionOf(client.waitForTasks(5))).code, "INVALID_ARGUMENT");
});
