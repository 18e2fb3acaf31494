// v2 routing, request validation, tasks, data realism and determinism, and the spec conformance
// of every simulated operation's answers.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ACCOUNTS, SIMULATED_OPERATIONS } from "../index.mjs";
import { responseValidator, schemaValidator, describeValidationError, specOperations } from "../spec.mjs";
import { useSimulator, withSimulator, pollUntil, client } from "../harness.mjs";

let token;
const ctx = useSimulator({ taskDurationMs: 60 }, async ({ api }) => {
  token = await api.login();
});

function assertErrorBody(r, status, message) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json.status, status);
  assert.equal(r.json.message, message);
  assert.equal(typeof r.json.path, "string");
}

test("GET get-version needs no credential and answers a JSON string", async () => {
  const r = await ctx.api.request("GET", "/v2/api/get-version");
  assert.equal(r.status, 200);
  assert.equal(r.text, '"4.6.0"');
  assert.equal(r.headers.get("content-type"), "application/json; charset=utf-8");
});

test("unknown, unsimulated and wrong-method operations", async () => {
  const { api } = ctx;
  assertErrorBody(await api.v2("create-vm", {}, token), 404, "Operation create-vm exists in CloudTower 4.6.0 but is not simulated");
  assertErrorBody(await api.v2("get-vms-please", {}, token), 404, "Unknown API operation: get-vms-please");
  assertErrorBody(await api.request("GET", "/v2/api/"), 404, "Unknown API operation: ");
  assertErrorBody(await api.request("GET", "/nowhere"), 404, "Not found: /nowhere");
  const get = await api.request("GET", "/v2/api/get-vms", { headers: { authorization: token } });
  assertErrorBody(get, 405, "Method GET is not allowed on /v2/api/get-vms; use POST");
  assert.equal(get.headers.get("allow"), "POST");
  const post = await api.request("POST", "/v2/api/get-version", { body: {} });
  assertErrorBody(post, 405, "Method POST is not allowed on /v2/api/get-version; use GET");
  assert.equal(post.headers.get("allow"), "GET");
  // The 404 for an unsimulated operation comes before authentication: nothing to authenticate for.
  assertErrorBody(await api.v2("create-vm", {}), 404, "Operation create-vm exists in CloudTower 4.6.0 but is not simulated");
});

test("request bodies are validated against the spec; the message names the field", async () => {
  const { api } = ctx;
  const cases = [
    ["get-vms", { where: { name_contains: 3 } }, "Invalid request body: body/where/name_contains must be string"],
    ["get-vms", { where: { nmae: "x" } }, "Invalid request body: unknown field where.nmae"],
    ["get-vms", { where: { cluster: { nmae: "x" } } }, "Invalid request body: unknown field where.cluster.nmae"],
    ["get-vms", { where: { AND: [{ status: "ON" }] } }, 'Invalid request body: body/where/AND/0/status must be one of the allowed values, got "ON"'],
    ["get-vms", { orderBy: "nmae_ASC" }, 'Invalid request body: body/orderBy must be one of the allowed values, got "nmae_ASC"'],
    ["get-vms", { first: 1.5 }, "Invalid request body: body/first must be integer"],
    ["get-vms", { first: 2 ** 40 }, 'Invalid request body: body/first must match format "int32"'],
    ["get-vms", { frist: 1 }, "Invalid request body: unknown field frist"],
    ["get-vms", [], "Invalid request body: body must be object"],
    ["get-tasks-connection", { where: { progress_gt: "1" } }, "Invalid request body: body/where/progress_gt must be number"],
    ["start-vm", {}, "Invalid request body: body must have required property 'where'"],
    ["shutdown-vm", { where: { id_in: "x" } }, "Invalid request body: body/where/id_in must be array"],
  ];
  for (const [op, body, message] of cases) assertErrorBody(await api.v2(op, body, token), 400, message);
  assertErrorBody(await api.v2("login", { username: "admin" }), 400, "Invalid request body: body must have required property 'password'");
  assertErrorBody(await api.v2("login", { username: "admin", password: "x", source: "KERBEROS" }), 400,
    'Invalid request body: body/source must be one of the allowed values, got "KERBEROS"');
  assertErrorBody(await api.v2("get-vms", "{oops", token), 400, "Request body is not valid JSON");
  // An empty body is an empty object, as with express.json().
  assert.equal((await api.request("POST", "/v2/api/get-clusters", { headers: { authorization: token } })).status, 200);
});

test("start-vm / shutdown-vm: tasks go PENDING → EXECUTING (fractional) → SUCCESSED, the VM follows", async () => {
  // A long task to watch its intermediate states; the file's own simulator has 60 ms tasks.
  await withSimulator({ taskDurationMs: 3000 }, async (_sim, api) => {
    const t = await api.login();
    const [vm] = (await api.v2("get-vms", { where: { status: "STOPPED", name_not: "vm-doomed" }, first: 1 }, t)).json;
    const started = await api.v2("start-vm", { where: { id: vm.id } }, t);
    const taskId = started.json[0].task_id;
    const first = (await api.v2("get-tasks", { where: { id_in: [taskId] } }, t)).json[0];
    assert.deepEqual([first.status, first.progress], ["PENDING", 0]);
    const executing = await pollUntil(async () => {
      const [task] = (await api.v2("get-tasks", { where: { id: taskId } }, t)).json;
      return task.status === "EXECUTING" && task.progress > 0 && task;
    }, { what: "EXECUTING with progress" });
    assert.ok(executing.progress < 1 && !Number.isInteger(executing.progress), `fractional progress ${executing.progress}`);
    assert.ok(executing.started_at);
    const [during] = (await api.v2("get-vms", { where: { id: vm.id } }, t)).json;
    assert.deepEqual([during.status, during.entityAsyncStatus], ["STOPPED", "UPDATING"]);
  });

  const { api, sim } = ctx;
  const [stopped] = (await api.v2("get-vms", { where: { status: "STOPPED", name_not: "vm-doomed" }, first: 1 }, token)).json;
  const [running] = (await api.v2("get-vms", { where: { status: "RUNNING", name_not: "vm-doomed" }, first: 1 }, token)).json;
  for (const [op, vm, status] of [["start-vm", stopped, "RUNNING"], ["shutdown-vm", running, "STOPPED"]]) {
    const r = await api.v2(op, { where: { id: vm.id } }, token);
    assert.equal(r.status, 200);
    assert.equal(r.json.length, 1);
    assert.equal(r.json[0].data.id, vm.id);
    assert.match(r.json[0].task_id, /^c[0-9a-z]{24}$/);
    const done = await sim.state.waitForTask(r.json[0].task_id);
    assert.deepEqual([done.status, done.progress, done.error_code], ["SUCCESSED", 1, null]);
    const [task] = (await api.v2("get-tasks", { where: { id: r.json[0].task_id } }, token)).json;
    assert.deepEqual([task.status, task.progress, task.resource_id, task.user.name], ["SUCCESSED", 1, vm.id, "Administrator"]);
    assert.ok(task.finished_at);
    const [after] = (await api.v2("get-vms", { where: { id: vm.id } }, token)).json;
    assert.deepEqual([after.status, after.entityAsyncStatus], [status, null]);
    if (status === "RUNNING") assert.ok(after.host, "a started VM runs on a host");
  }
});

test("the failing VM's tasks end FAILED with error_code / error_message; its status does not change", async () => {
  const { api, sim } = ctx;
  const [doomed] = (await api.v2("get-vms", { where: { name: "vm-doomed" } }, token)).json;
  assert.equal(doomed.id, sim.state.failingVmId);
  for (const op of ["shutdown-vm", "start-vm"]) {
    const r = await api.v2(op, { where: { name: "vm-doomed" } }, token);
    const done = await sim.state.waitForTask(r.json[0].task_id);
    assert.equal(done.status, "FAILED");
    assert.equal(done.error_code, "VM_OPERATION_FAILED");
    assert.match(done.error_message, /vm-doomed/);
    assert.ok(done.progress > 0 && done.progress < 1);
    const [task] = (await api.v2("get-tasks", { where: { id: r.json[0].task_id } }, token)).json;
    assert.deepEqual([task.status, task.error_code], ["FAILED", "VM_OPERATION_FAILED"]);
    const [vm] = (await api.v2("get-vms", { where: { name: "vm-doomed" } }, token)).json;
    assert.equal(vm.status, doomed.status);
  }
});

test("failingVm option takes a VM name or id", async () => {
  await withSimulator({ failingVm: "vm-doomed", vms: 20 }, async (sim) => {
    await withSimulator({ failingVm: sim.state.failingVmId, vms: 20, taskDurationMs: 1 }, async (other, api) => {
      assert.equal(other.state.failingVmId, sim.state.failingVmId);
      const t = await api.login();
      const [vm] = (await api.v2("get-vms", { where: { status: "RUNNING", name_not: "vm-doomed" }, first: 1 }, t)).json;
      await withSimulator({ failingVm: vm.name, vms: 20, taskDurationMs: 1 }, async (third, api3) => {
        const r = await api3.v2("shutdown-vm", { where: { id: vm.id } }, await api3.login());
        assert.equal((await third.state.waitForTask(r.json[0].task_id)).status, "FAILED");
      });
    });
  });
  await assert.rejects(() => withSimulator({ failingVm: "nope" }, () => {}), /failingVm "nope" is not a VM/);
  // Waiting for a task of a closed simulator fails instead of hanging.
  const { waiting } = await withSimulator({ taskDurationMs: 60_000 }, async (sim, api) => {
    const r = await api.v2("start-vm", { where: { name: "vm-doomed" } }, await api.login());
    return { waiting: sim.state.waitForTask(r.json[0].task_id).catch((error) => error) };
  });
  assert.match((await waiting).message, /simulator closed before task c[0-9a-z]{24} ended/);
});

test("start-vm with data.host_id moves the VM to that host; a foreign host changes nothing", async () => {
  const { api, sim } = ctx;
  const hosts = (await api.v2("get-hosts", {}, token)).json;
  const [vm] = (await api.v2("get-vms", { where: { status: "STOPPED", name_not: "vm-doomed" }, skip: 1, first: 1 }, token)).json;
  const target = hosts.find((h) => h.cluster.id === vm.cluster.id && h.id !== vm.host?.id);
  const r = await api.v2("start-vm", { where: { id: vm.id }, data: { host_id: target.id } }, token);
  await sim.state.waitForTask(r.json[0].task_id);
  const [moved] = (await api.v2("get-vms", { where: { id: vm.id } }, token)).json;
  assert.deepEqual([moved.host.id, moved.node_ip, moved.status], [target.id, target.management_ip, "RUNNING"]);
  const [host] = (await api.v2("get-hosts", { where: { id: target.id } }, token)).json;
  assert.ok(host.vms.some((ref) => ref.id === vm.id));

  const foreign = hosts.find((h) => h.cluster.id !== vm.cluster.id);
  const tasksBefore = sim.state.inventory.tasks;
  const bad = await api.v2("start-vm", { where: { id: vm.id }, data: { host_id: foreign.id } }, token);
  assertErrorBody(bad, 400, `Host ${foreign.id} not found in cluster ${vm.cluster.name}`);
  assert.equal(sim.state.inventory.tasks, tasksBefore);
  assert.deepEqual((await api.v2("start-vm", { where: { name: "no-such-vm" } }, token)).json, []);
});

test("inventory looks real: required fields, varied names and statuses, nulls, fractions, cuid ids", async () => {
  const { api, sim } = ctx;
  const vms = (await api.v2("get-vms", {}, token)).json;
  assert.equal(vms.length, 100);
  assert.deepEqual(sim.state.inventory, { ...sim.state.inventory, vms: 100 });
  const allIds = vms.flatMap((vm) => [vm.id, vm.cluster.id, ...vm.vm_disks.map((d) => d.id), ...vm.vm_nics.map((n) => n.id)]);
  for (const id of allIds) assert.match(id, /^c[0-9a-z]{24}$/);
  assert.equal(new Set(vms.map((vm) => vm.name)).size, 100, "names are unique");
  assert.ok(new Set(vms.map((vm) => vm.name.split("-")[0])).size >= 10, "names are varied");
  assert.ok(vms.some((vm) => vm.name === "vm-doomed"));
  const statuses = new Set(vms.map((vm) => vm.status));
  for (const s of ["RUNNING", "STOPPED", "SUSPENDED"]) assert.ok(statuses.has(s), s);
  assert.ok(vms.some((vm) => vm.cpu_usage === null) && vms.some((vm) => vm.os === null) && vms.some((vm) => vm.host === null));
  assert.ok(vms.some((vm) => !Number.isInteger(vm.unique_logical_size)), "double sizes are fractional");
  assert.ok(vms.filter((vm) => vm.cpu_usage !== null).every((vm) => !Number.isInteger(vm.cpu_usage)), "usages are fractional");
  assert.ok(vms.some((vm) => vm.labels.length > 0) && vms.every((vm) => vm.vm_disks.length > 0 && vm.vm_nics.length > 0));
  const clusters = (await api.v2("get-clusters", {}, token)).json;
  for (const vm of vms) assert.ok(clusters.some((c) => c.id === vm.cluster.id));
  assert.equal(clusters.reduce((n, c) => n + c.vm_num, 0), 100);
  assert.ok(clusters.every((c) => !Number.isInteger(c.used_memory_bytes)));
});

test("determinism: same seed → byte-identical answers; another seed → different", async () => {
  const fetchAll = async (url) => {
    const api = client(url);
    const t = await api.login();
    return Promise.all(["get-vms", "get-clusters", "get-hosts", "get-tasks"].map(async (op) => (await api.v2(op, {}, t)).text));
  };
  const [a, b, c] = await Promise.all([{ seed: 3 }, { seed: 3 }, { seed: 4 }].map((o) => withSimulator({ vms: 200, ...o }, (sim) => fetchAll(sim.url))));
  assert.deepEqual(a, b);
  assert.ok(a[0].length > 100_000);
  assert.notEqual(a[0], c[0]);
  // Tokens and keys never derive from the seed.
  const tokens = await Promise.all([1, 2].map(() => withSimulator({ seed: 3 }, (_sim, api) => api.login())));
  assert.notEqual(tokens[0], tokens[1]);
});

test("spec conformance: every simulated operation's answers validate against the spec (200 and ErrorBody)", async () => {
  const { api, sim } = ctx;
  const errorBody = schemaValidator("ErrorBody");
  const covered = new Set();
  const check = (op, r) => {
    const validate = r.status === 200 ? responseValidator(op, 200) : errorBody;
    assert.ok(validate(r.json), `${op} ${r.status}: ${validate.errors && describeValidationError(validate.errors, r.json)}`);
    if (r.status === 200) covered.add(op);
  };
  const key = (await api.createKey(token, "conformance")).key;
  const [vm] = (await api.v2("get-vms", { where: { status: "RUNNING", name_not: "vm-doomed" }, first: 1 }, token)).json;
  const started = await api.v2("shutdown-vm", { where: { OR: [{ id: vm.id }, { name: "vm-doomed" }] } }, token);
  check("shutdown-vm", started);
  check("start-vm", await api.v2("start-vm", { where: { status: "STOPPED", name_starts_with: "w" } }, key));
  // Tasks in every state: still running, and settled (SUCCESSED and FAILED).
  check("get-tasks", await api.v2("get-tasks", {}, token));
  await Promise.all(started.json.map((e) => sim.state.waitForTask(e.task_id)));
  const requests = {
    login: [{ username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password }, { username: "admin", password: "wrong" }],
    "get-vms": [{}, { where: { status: "RUNNING" }, orderBy: "memory_DESC", first: 7 }, { where: { nmae: 1 } }],
    "get-vms-connection": [{}, { where: { cluster: { name_contains: "prod" } } }],
    "get-clusters": [{}, { where: { id: "nope" } }],
    "get-clusters-connection": [{}],
    "get-hosts": [{}, { orderBy: "name_DESC", last: 2 }],
    "get-tasks": [{}, { where: { status_in: ["FAILED", "SUCCESSED"] } }],
    "get-tasks-connection": [{ where: { status: "FAILED" } }],
    "start-vm": [{ where: { name: "vm-doomed" } }, {}],
    "shutdown-vm": [{ where: { name: "vm-doomed" } }],
  };
  for (const [op, bodies] of Object.entries(requests)) for (const body of bodies) check(op, await api.v2(op, body, token));
  check("get-version", await api.request("GET", "/v2/api/get-version"));
  // Error answers of every class: 401, 403, 404 (unknown and unsimulated), 405, bad content-language.
  check("get-vms", await api.v2("get-vms", {}));
  check("get-vms", await api.v2("get-vms", {}, "Bearer "));
  check("start-vm", await api.v2("start-vm", { where: {} }, await api.login(ACCOUNTS.readOnly)));
  check("create-vm", await api.v2("create-vm", {}, token));
  check("nope", await api.v2("nope", {}, token));
  check("get-vms", await api.request("GET", "/v2/api/get-vms"));
  check("get-vms", await api.v2("get-vms", {}, token, { "content-language": "fr-FR" }));
  assert.deepEqual([...covered].sort(), [...SIMULATED_OPERATIONS].sort());
});

// The 2FA answer is undocumented; each mfaShape is checked against the spec here and the one
// that breaks it says so in the test output, rather than being left out of the check.
test("spec conformance of the 2FA answers: \"challenge\" is OFF-SPEC (200 without the required token), \"error\" and \"message\" are ErrorBodies", async (t) => {
  const loginResponse = responseValidator("login", 200);
  const errorBody = schemaValidator("ErrorBody");
  const mfaLogin = (api) => api.v2("login", { username: ACCOUNTS.mfa.username, password: ACCOUNTS.mfa.password });
  const challenge = await mfaLogin(ctx.api);
  assert.equal(challenge.status, 200);
  assert.equal(loginResponse(challenge.json), false, "mfa_meta instead of token: LoginResponse requires token");
  t.diagnostic("mfaShape \"challenge\" (the default) is OFF-SPEC: an HTTP 200 login answer without a token");
  await withSimulator({ mfaShape: "error" }, async (_sim, api) => {
    const { code, ...rest } = (await mfaLogin(api)).json;
    assert.equal(code, "MFA_REQUIRED");
    assert.ok(errorBody(rest), "apart from code (an enum of one value in the spec), an ErrorBody");
  });
  await withSimulator({ mfaShape: "message" }, async (_sim, api) => {
    const r = await mfaLogin(api);
    assert.equal(r.status, 403);
    assert.ok(errorBody(r.json), JSON.stringify(r.json));
  });
});

test("the spec validators are not vacuous", () => {
  const validate = responseValidator("get-vms", 200);
  const vm = { id: "c", name: "x" };
  assert.equal(validate([vm]), false);
  assert.match(describeValidationError(validate.errors, [vm]), /must have required property/);
  assert.ok(specOperations().size > 500);
});
