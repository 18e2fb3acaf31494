#!/usr/bin/env node
// Benchmark of the simulator (printed figures, not a timed test):
//   - one get-vms of a 10,000-VM inventory, from request to last body byte (median of several);
//   - startup time of a 100,000-VM inventory, and paging over it 1,000 VMs at a time.
//
//   node tests/sim/bench.mjs [--runs 7]

import { parseArgs } from "node:util";
import { startSimulator, ACCOUNTS } from "./index.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
const runs = Number(values.runs);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

async function timed(fn) {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

async function post(url, op, body, authorization) {
  const response = await fetch(`${url}/v2/api/${op}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization && { authorization }) },
    body: JSON.stringify(body),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`${op}: HTTP ${response.status} ${bytes.toString().slice(0, 200)}`);
  return bytes;
}

async function login(url) {
  const { username, password } = ACCOUNTS.admin;
  return JSON.parse(await post(url, "login", { username, password })).data.token;
}

{
  const [startMs, sim] = await timed(() => startSimulator({ vms: 10_000 }));
  const token = await login(sim.url);
  // The very first call, while the simulator still pre-serializes VMs in the background.
  const [firstMs] = await timed(() => post(sim.url, "get-vms", {}, token));
  const times = [];
  let size = 0;
  for (let i = 0; i < runs; i++) {
    const [t, bytes] = await timed(() => post(sim.url, "get-vms", {}, token));
    times.push(t);
    size = bytes.length;
  }
  const [filtered] = await timed(() => post(sim.url, "get-vms", { where: { status: "RUNNING", name_contains: "prod" }, orderBy: "name_ASC" }, token));
  await sim.close();
  console.log(`10,000 VMs: startup ${ms(startMs)}`);
  console.log(`  first get-vms right after start: ${ms(firstMs)}`);
  console.log(`  get-vms (all, ${(size / 1e6).toFixed(1)} MB): median ${ms(median(times))} of ${runs} (min ${ms(Math.min(...times))}, max ${ms(Math.max(...times))})`);
  console.log(`  get-vms with where + orderBy: ${ms(filtered)}`);
}

{
  const [startMs, sim] = await timed(() => startSimulator({ vms: 100_000 }));
  const token = await login(sim.url);
  const [pagingMs, pages] = await timed(async () => {
    let after;
    let count = 0;
    for (let page = 0; ; page++) {
      const vms = JSON.parse(await post(sim.url, "get-vms", { first: 1000, ...(after && { after }) }, token));
      count += vms.length;
      if (vms.length < 1000) return { page, count };
      after = vms.at(-1).id;
    }
  });
  const [closeMs] = await timed(() => sim.close());
  console.log(`100,000 VMs: startup ${ms(startMs)}, close ${ms(closeMs)}`);
  console.log(`  paging with first: 1000 + after: ${pages.count} VMs in ${pages.page + 1} pages, ${ms(pagingMs)}`);
}
