// paginate in a world that moves: items leave and enter the filter between pages, the cursor
// item is deleted, servers ignore the cursor or shift an ordered listing. paginate must yield
// every item that matched throughout the iteration, or reject clearly; never end early in
// silence, never loop forever. The listing is served by the simulator's own Prisma-1 query
// engine over an array the test changes between pages.

import { test } from "node:test";
import assert from "node:assert/strict";
import { CloudTowerClient } from "../../pkg/index.mjs";
import { runQuery, countQuery } from "../sim/query.mjs";

const API_KEY = "paging-test-key-0123456789";

/** VMs vm-001 … vm-N (ids sort like their numbers); every third one STOPPED. */
function vms(count) {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(3, "0");
    return { id: `vm-${n}`, name: `web-${n}`, status: i % 3 === 2 ? "STOPPED" : "RUNNING" };
  });
}

/** A fetch that serves get-vms and get-vms-connection over `records` (changed by the test). */
function listingFetch(records, { ignorePaging = false } = {}) {
  const requests = [];
  const fetch = async (url, init) => {
    const operation = new URL(url).pathname.split("/").pop();
    const body = JSON.parse(init.body);
    requests.push(body);
    const answer = (value) =>
      new Response(JSON.stringify(value), { status: 200, headers: { "content-type": "application/json" } });
    if (operation === "get-vms-connection") return answer({ aggregate: { count: countQuery(records, body.where) } });
    if (operation !== "get-vms") return answer({ message: "not here", status: 404 });
    // A server that ignores every paging argument answers the first page again and again.
    const args = ignorePaging ? { where: body.where?.AND?.[0] ?? body.where, first: body.first } : body;
    return answer(runQuery(records, args));
  };
  return { fetch, requests };
}

function client(fetch) {
  return new CloudTowerClient({ endpoint: "http://tower.test", apiKey: API_KEY, fetch, retry: false });
}

/** Iterates, calling `between(index)` after each item is handed out. */
async function collect(iterator, between = () => {}) {
  const seen = [];
  for await (const vm of iterator) {
    seen.push(vm.id);
    between(seen.length, vm);
  }
  return seen;
}

const running = (records) => records.filter((vm) => vm.status === "RUNNING").map((vm) => vm.id);

test("the issue's example: the last VM of a page stops running before the next page is asked for", async () => {
  const records = vms(211); // 141 RUNNING
  const expected = running(records);
  assert.equal(expected.length, 141);
  const { fetch } = listingFetch(records);
  const seen = await collect(client(fetch).paginate("get-vms", { where: { status: "RUNNING" } }, { pageSize: 10 }), (n, vm) => {
    if (n % 10 === 0) records.find((r) => r.id === vm.id).status = "STOPPED"; // the cursor item leaves the filter
  });
  assert.deepEqual(seen, expected, "all 141, in order, none twice");
});

test("items leaving and entering the filter between pages: every item that matched throughout is seen once", async () => {
  const records = vms(90);
  const stayed = new Set(running(records));
  const { fetch } = listingFetch(records);
  const seen = await collect(client(fetch).paginate("get-vms", { where: { status: "RUNNING" } }, { pageSize: 7 }), (n) => {
    if (n === 7) {
      // A VM further on stops (it did not match throughout), one further on starts, one behind starts.
      records[40].status = "STOPPED";
      stayed.delete(records[40].id);
      records[50].status = "RUNNING";
      records[2].status = "RUNNING";
    }
  });
  assert.equal(new Set(seen).size, seen.length, "no item twice");
  for (const id of stayed) assert.ok(seen.includes(id), `${id} matched throughout and was seen`);
  assert.ok(seen.includes(records[50].id), "an item entering ahead of the cursor is seen");
});

test("the cursor item and the look-ahead item are deleted between pages", async () => {
  const records = vms(60);
  const { fetch } = listingFetch(records);
  const deleted = [];
  const seen = await collect(client(fetch).paginate("get-vms", {}, { pageSize: 10 }), (n, vm) => {
    if (n === 10 || n === 30) { // the last item of a page: the next page follows it
      const at = records.findIndex((r) => r.id === vm.id);
      deleted.push(...records.splice(at, 2).map((r) => r.id)); // the cursor item and the next one
    }
  });
  const expected = vms(60).map((vm) => vm.id).filter((id) => !deleted.includes(id) || seen.includes(id));
  assert.deepEqual(seen, expected);
  assert.equal(seen.length, 58, "the two look-ahead items deleted before their page were not invented");
});

test("a server that ignores the paging arguments is an error after one page, not an endless loop", async () => {
  const { fetch, requests } = listingFetch(vms(50), { ignorePaging: true });
  const iterator = client(fetch).paginate("get-vms", { where: { name_contains: "web" } }, { pageSize: 10 });
  const seen = [];
  const error = await (async () => {
    try {
      for await (const vm of iterator) seen.push(vm.id);
    } catch (error) {
      return error;
    }
  })();
  assert.equal(error?.code, "DECODE");
  assert.match(error.message, /same items again/);
  assert.equal(seen.length, 10, "the first page, then the refusal");
  assert.equal(requests.length, 2);
});

test("an ordered listing (paged by offset) that shifts under the pages fails instead of skipping an item", async () => {
  const records = vms(40);
  const { fetch } = listingFetch(records);
  const iterator = client(fetch).paginate("get-vms", { orderBy: "name_DESC" }, { pageSize: 8 });
  const seen = [];
  const error = await (async () => {
    try {
      for await (const vm of iterator) {
        seen.push(vm.id);
        if (seen.length === 8) records.splice(records.length - 1, 1); // the first item shown goes away
      }
    } catch (error) {
      return error;
    }
  })();
  assert.equal(error?.code, "DECODE");
  assert.match(error.message, /listing changed/);
  assert.equal(seen.length, 8);
});

test("an ordered listing that does not change is paged to its end", async () => {
  const records = vms(40);
  const { fetch, requests } = listingFetch(records);
  const seen = await collect(client(fetch).paginate("get-vms", { orderBy: "name_DESC", where: { status: "RUNNING" } }, { pageSize: 8 }));
  assert.deepEqual(seen, running(records).reverse());
  assert.ok(requests.every((body) => !("after" in body)), "offset paging only");
});
