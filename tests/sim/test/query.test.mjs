// Prisma-1 query semantics of get-* / get-*-connection: each where operator, relation filters,
// AND/OR/NOT, orderBy, paging, counts. Expected results are computed here from the full list.

import { test } from "node:test";
import assert from "node:assert/strict";
import { useSimulator } from "../harness.mjs";

let token;
let vms; // every VM, in the server's default order
let clusters;
let hosts;

const ids = (rows) => rows.map((r) => r.id);
const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function query(op, body) {
  const r = await ctx.api.v2(op, body, token);
  assert.equal(r.status, 200, `${op} ${JSON.stringify(body)} → ${r.text}`);
  return r.json;
}

const ctx = useSimulator({ vms: 150, seed: 7 }, async ({ api }) => {
  token = await api.login();
  [vms, clusters, hosts] = await Promise.all(["get-vms", "get-clusters", "get-hosts"].map((op) => query(op, {})));
});

test("default order is id ascending and everything is returned", () => {
  assert.equal(vms.length, 150);
  assert.deepEqual(ids(vms), ids([...vms].sort(byId)));
});

// [where, predicate] pairs: every scalar operator, on strings, numbers, enums, nullable fields.
const sample = () => vms[42];
const OPERATOR_CASES = [
  ["name", () => ({ name: sample().name }), (vm) => vm.name === sample().name],
  ["name_not", () => ({ name_not: sample().name }), (vm) => vm.name !== sample().name],
  ["name_in", () => ({ name_in: [vms[1].name, vms[2].name, "no-such-vm"] }), (vm) => [vms[1].name, vms[2].name].includes(vm.name)],
  ["name_not_in", () => ({ name_not_in: [vms[1].name, vms[2].name] }), (vm) => ![vms[1].name, vms[2].name].includes(vm.name)],
  ["name_contains", () => ({ name_contains: "prod" }), (vm) => vm.name.includes("prod")],
  ["name_not_contains", () => ({ name_not_contains: "prod" }), (vm) => !vm.name.includes("prod")],
  ["name_starts_with", () => ({ name_starts_with: "web" }), (vm) => vm.name.startsWith("web")],
  ["name_not_starts_with", () => ({ name_not_starts_with: "web" }), (vm) => !vm.name.startsWith("web")],
  ["name_ends_with", () => ({ name_ends_with: "-1" }), (vm) => vm.name.endsWith("-1")],
  ["name_not_ends_with", () => ({ name_not_ends_with: "-1" }), (vm) => !vm.name.endsWith("-1")],
  ["memory_lt", () => ({ memory_lt: 8 * 2 ** 30 }), (vm) => vm.memory < 8 * 2 ** 30],
  ["memory_lte", () => ({ memory_lte: 8 * 2 ** 30 }), (vm) => vm.memory <= 8 * 2 ** 30],
  ["memory_gt", () => ({ memory_gt: 8 * 2 ** 30 }), (vm) => vm.memory > 8 * 2 ** 30],
  ["memory_gte", () => ({ memory_gte: 8 * 2 ** 30 }), (vm) => vm.memory >= 8 * 2 ** 30],
  ["cpu_usage_gt (nulls never match)", () => ({ cpu_usage_gt: 40.5 }), (vm) => vm.cpu_usage !== null && vm.cpu_usage > 40.5],
  ["cpu_usage_lt (nulls never match)", () => ({ cpu_usage_lt: 40.5 }), (vm) => vm.cpu_usage !== null && vm.cpu_usage < 40.5],
  ["status (enum)", () => ({ status: "STOPPED" }), (vm) => vm.status === "STOPPED"],
  ["status_not", () => ({ status_not: "RUNNING" }), (vm) => vm.status !== "RUNNING"],
  ["status_in", () => ({ status_in: ["STOPPED", "SUSPENDED"] }), (vm) => ["STOPPED", "SUSPENDED"].includes(vm.status)],
  ["status_not_in", () => ({ status_not_in: ["STOPPED", "SUSPENDED"] }), (vm) => !["STOPPED", "SUSPENDED"].includes(vm.status)],
  ["ha (boolean)", () => ({ ha: false }), (vm) => vm.ha === false],
  ["os: null (nullable equality)", () => ({ os: null }), (vm) => vm.os === null],
  ["os_not: null", () => ({ os_not: null }), (vm) => vm.os !== null],
  ["local_created_at_gte (dates as strings)", () => ({ local_created_at_gte: vms[75].local_created_at }), (vm) => vm.local_created_at >= vms[75].local_created_at],
  ["id_in", () => ({ id_in: [vms[3].id, vms[9].id] }), (vm) => [vms[3].id, vms[9].id].includes(vm.id)],
];

for (const [name, where, predicate] of OPERATOR_CASES) {
  test(`where ${name}`, async () => {
    const w = where();
    const expected = vms.filter(predicate);
    assert.ok(expected.length > 0 && expected.length < vms.length, `case ${name} must discriminate (${expected.length})`);
    assert.deepEqual(ids(await query("get-vms", { where: w })), ids(expected));
    assert.deepEqual(await query("get-vms-connection", { where: w }), { aggregate: { count: expected.length } });
  });
}

const RELATION_CASES = [
  ["cluster: {id}", () => ({ cluster: { id: clusters[1].id } }), (vm) => vm.cluster.id === clusters[1].id],
  ["cluster: {name}", () => ({ cluster: { name: clusters[0].name } }), (vm) => vm.cluster.name === clusters[0].name],
  ["cluster: {version} (a field only the full Cluster has)", () => ({ cluster: { version: clusters[0].version } }),
    (vm) => clusters.find((c) => c.id === vm.cluster.id).version === clusters[0].version],
  ["host: {name_in} (VMs without host never match)", () => ({ host: { name_in: [hosts[0].name, hosts[1].name] } }),
    (vm) => vm.host !== null && [hosts[0].name, hosts[1].name].includes(vm.host.name)],
  ["host: {cpu_model_contains} via the full Host", () => ({ host: { cpu_model_contains: hosts[0].cpu_model.slice(0, 5) } }),
    (vm) => vm.host !== null && hosts.find((h) => h.id === vm.host.id).cpu_model.includes(hosts[0].cpu_model.slice(0, 5))],
  ["labels_some", () => ({ labels_some: { key: "env", value: "prod" } }), (vm) => vm.labels.some((l) => l.key === "env" && l.value === "prod")],
  ["labels_none", () => ({ labels_none: { key: "env" } }), (vm) => !vm.labels.some((l) => l.key === "env")],
  ["labels_every (true on empty lists)", () => ({ labels_every: { key_in: ["env", "team"] } }), (vm) => vm.labels.every((l) => ["env", "team"].includes(l.key))],
  ["vm_disks_some: {id}", () => ({ vm_disks_some: { id: vms[5].vm_disks[0].id } }), (vm) => vm.id === vms[5].id],
];

for (const [name, where, predicate] of RELATION_CASES) {
  test(`relation filter ${name}`, async () => {
    const expected = vms.filter(predicate);
    assert.ok(expected.length > 0 && (expected.length < vms.length || name.includes("every")), `case ${name} must match something`);
    assert.deepEqual(ids(await query("get-vms", { where: where() })), ids(expected));
  });
}

test("AND / OR / NOT (NOT: none of its filters holds)", async () => {
  const and = { AND: [{ status: "RUNNING" }, { name_contains: "prod" }] };
  assert.deepEqual(ids(await query("get-vms", { where: and })), ids(vms.filter((vm) => vm.status === "RUNNING" && vm.name.includes("prod"))));
  const or = { OR: [{ status: "SUSPENDED" }, { name_starts_with: "db" }] };
  assert.deepEqual(ids(await query("get-vms", { where: or })), ids(vms.filter((vm) => vm.status === "SUSPENDED" || vm.name.startsWith("db"))));
  const not = { NOT: [{ status: "RUNNING" }, { ha: true }] };
  assert.deepEqual(ids(await query("get-vms", { where: not })), ids(vms.filter((vm) => vm.status !== "RUNNING" && !vm.ha)));
  const nested = { OR: [{ AND: [{ status: "STOPPED" }, { ha: true }] }, { NOT: [{ memory_lte: 16 * 2 ** 30 }] }], cluster: { name: clusters[0].name } };
  const expected = vms.filter((vm) => ((vm.status === "STOPPED" && vm.ha) || vm.memory > 16 * 2 ** 30) && vm.cluster.name === clusters[0].name);
  assert.ok(expected.length > 0);
  assert.deepEqual(ids(await query("get-vms", { where: nested })), ids(expected));
  assert.deepEqual(await query("get-vms-connection", { where: nested, first: 1 }), { aggregate: { count: expected.length } });
});

test("orderBy <field>_ASC / _DESC, ties by id, nulls first ascending", async () => {
  const cmp = (field) => (a, b) => {
    const [x, y] = [a[field], b[field]];
    if (x === y) return 0;
    if (x === null) return -1;
    if (y === null) return 1;
    return x < y ? -1 : 1;
  };
  for (const field of ["name", "memory", "cpu_usage", "status", "local_created_at"]) {
    const asc = [...vms].sort((a, b) => cmp(field)(a, b) || byId(a, b));
    assert.deepEqual(ids(await query("get-vms", { orderBy: `${field}_ASC` })), ids(asc), `${field}_ASC`);
    // Ties stay in id ascending order in both directions.
    const desc = [...vms].sort((a, b) => -cmp(field)(a, b) || byId(a, b));
    assert.deepEqual(ids(await query("get-vms", { orderBy: `${field}_DESC` })), ids(desc), `${field}_DESC`);
  }
  const clusterNames = (await query("get-clusters", { orderBy: "name_DESC" })).map((c) => c.name);
  assert.deepEqual(clusterNames, clusters.map((c) => c.name).sort().reverse());
});

test("paging: first, skip, after, before, last (filter → order → cursor → skip → first/last)", async () => {
  const all = ids(vms);
  const cases = [
    [{ first: 5 }, all.slice(0, 5)],
    [{ skip: 10, first: 5 }, all.slice(10, 15)],
    [{ skip: 145 }, all.slice(145)],
    [{ after: all[10], first: 3 }, all.slice(11, 14)],
    [{ before: all[10] }, all.slice(0, 10)],
    [{ before: all[10], last: 3 }, all.slice(7, 10)],
    [{ after: all[10], before: all[20] }, all.slice(11, 20)],
    [{ last: 4 }, all.slice(-4)],
    [{ last: 4, skip: 2 }, all.slice(-6, -2)],
    [{ first: 10, last: 3 }, all.slice(7, 10)],
    [{ after: all[10], skip: 2, first: 2 }, all.slice(13, 15)],
    [{ first: 0 }, []],
    [{ after: "cnosuchid000000000000000000" }, []],
    [{ first: null, skip: null, where: null, orderBy: null }, all],
  ];
  for (const [body, expected] of cases) assert.deepEqual(ids(await query("get-vms", body)), expected, JSON.stringify(body));

  const byName = [...vms].sort((a, b) => (a.name < b.name ? -1 : 1)).filter((vm) => vm.status === "RUNNING");
  const page = await query("get-vms", { where: { status: "RUNNING" }, orderBy: "name_ASC", after: byName[3].id, skip: 1, first: 2 });
  assert.deepEqual(ids(page), ids(byName.slice(5, 7)));
});

test("paging over every page with first/after visits each VM once", async () => {
  const seen = [];
  let after;
  for (;;) {
    const page = await query("get-vms", { first: 64, ...(after && { after }) });
    seen.push(...ids(page));
    if (page.length < 64) break;
    after = page.at(-1).id;
  }
  assert.deepEqual(seen, ids(vms));
});

test("negative first/skip/last → 400 ErrorBody", async () => {
  for (const field of ["first", "skip", "last"]) {
    const r = await ctx.api.v2("get-vms", { [field]: -1 }, token);
    assert.equal(r.status, 400);
    assert.equal(r.json.message, `${field} must not be negative`);
  }
});

test("connections count the filter and ignore paging; other collections filter too", async () => {
  assert.deepEqual(await query("get-vms-connection", {}), { aggregate: { count: 150 } });
  assert.deepEqual(await query("get-vms-connection", { first: 3, skip: 1, where: { status: "RUNNING" } }),
    { aggregate: { count: vms.filter((vm) => vm.status === "RUNNING").length } });
  assert.deepEqual(await query("get-clusters-connection", { where: { name: clusters[0].name } }), { aggregate: { count: 1 } });
  const onCluster = hosts.filter((h) => h.cluster.id === clusters[0].id);
  assert.deepEqual(ids(await query("get-hosts", { where: { cluster: { id: clusters[0].id } } })), ids(onCluster));
  const tasks = await query("get-tasks", {});
  assert.ok(tasks.length > 0);
  const failed = tasks.filter((t) => t.status === "FAILED");
  assert.deepEqual(ids(await query("get-tasks", { where: { status: "FAILED" } })), ids(failed));
  assert.deepEqual(await query("get-tasks-connection", { where: { status: "FAILED" } }), { aggregate: { count: failed.length } });
});
