#!/usr/bin/env node
// Benchmark of cloudtower-wasm against plain fetch, on local simulators (tests/sim, each in its
// own child process, on 127.0.0.1). Prints a table and writes bench/results/latest.json.
//
//   bash scripts/bench.sh            # setup + release build + this, full mode
//   node --expose-gc bench/bench.mjs [--quick] [--out FILE] [--only ID,ID,...]
//
// Every ratio is ours / reference (time) or ours / reference (throughput) measured in this one
// process against the same simulator, in interleaved rounds (ours first on even rounds, the
// reference first on odd ones) after warm-up rounds; the table shows the median ratio and its
// p10-p90 spread over the rounds. bench/README.md explains each row's method.

import { execFile, spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import os from "node:os";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { ROOT, startSimProcess, summary, median, formatMs, formatBytes } from "./lib.mjs";

if (typeof globalThis.gc !== "function") {
  // The memory rows need gc(): run again with --expose-gc.
  const again = spawnSync(process.execPath, ["--expose-gc", ...process.execArgv, new URL(import.meta.url).pathname, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(again.status ?? 1);
}

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string" },
    only: { type: "string" },
  },
});

const require = createRequire(import.meta.url);
// Before anything else loads the package: keeps a handle on its WebAssembly.Memory.
const { loadPackage, wasmMemoryBytes } = require("./wasm-memory.cjs");
const { pkg } = loadPackage();
const { CloudTowerClient } = pkg;

const QUICK = args.quick;
const CONFIG = QUICK
  ? {
    getVms: [
      { id: "get-vms-1", vms: 1, rounds: 5, warmup: 1, perRound: 10 },
      { id: "get-vms-1k", vms: 1000, rounds: 3, warmup: 1, perRound: 2 },
      { id: "get-vms-10k", vms: 2000, rounds: 3, warmup: 1, perRound: 1 },
    ],
    concurrent: { n: 200, first: 10, rounds: 3, warmup: 1 },
    paginate: { vms: 3000, pageSize: 1000, rounds: 2, warmup: 1, cliRounds: 1 },
    wasmMemory: { after: 1000, total: 3000, workers: 10 },
    coldRuns: 5,
    browser: { rounds: 3, warmup: 1 },
  }
  : {
    getVms: [
      // Rounds raised until the p10-p90 spread of each ratio stays within about ±10 % here.
      { id: "get-vms-1", vms: 1, rounds: 31, warmup: 5, perRound: 200 },
      { id: "get-vms-1k", vms: 1000, rounds: 25, warmup: 3, perRound: 8 },
      { id: "get-vms-10k", vms: 10000, rounds: 21, warmup: 2, perRound: 2 },
    ],
    concurrent: { n: 1000, first: 10, rounds: 9, warmup: 2 },
    paginate: { vms: 100000, pageSize: 1000, rounds: 5, warmup: 1, cliRounds: 3 },
    wasmMemory: { after: 1000, total: 100000, workers: 10 },
    coldRuns: 21,
    browser: { rounds: 9, warmup: 2 },
    pythonSdk: { vms: 10000, rounds: 3 },
  };

const ONLY = args.only ? new Set(args.only.split(",").map((s) => s.trim())) : null;
const wanted = (id) => !ONLY || ONLY.has(id) || [...ONLY].some((o) => id.startsWith(o));

const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run",
];

const KiB = 1024;
const nf = new Intl.NumberFormat("en-US");
const fmtN = (n) => nf.format(n);
const ratioText = (r) => `${r.toFixed(3)}×`;

/** Collected rows, in table order. */
const rows = [];
function addRow(row) {
  rows.push(row);
  process.stderr.write(`  ${row.missed ? "MISSED" : row.missed === false ? "ok    " : "n/a   "} ${row.id}: ${row.ours} vs ${row.reference} ${row.ratio}\n`);
}

/** Runs a row's measurement; a failure still yields a row (marked MISSED, with the error). */
async function measure(ids, labels, fn) {
  const list = [].concat(ids);
  if (!list.some(wanted)) return;
  try {
    await fn();
  } catch (error) {
    for (const [i, id] of list.entries()) {
      if (rows.some((r) => r.id === id)) continue;
      addRow({ id, label: [].concat(labels)[i], ours: "–", reference: "–", ratio: "–", spread: "–", target: "–", missed: true, note: `ERROR: ${error?.stack ?? error}`.split("\n").slice(0, 3).join(" | ") });
    }
  }
}

const gc = () => {
  globalThis.gc();
  globalThis.gc();
};
const heapAndExternal = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external; // external includes ArrayBuffers and the wasm linear memory
};

// ---------------------------------------------------------------- sessions and references

/** Logs in to a simulator, issues one API key; ours and the reference both use that key. */
async function session(url) {
  const admin = new CloudTowerClient({ endpoint: url });
  await admin.login({ username: "admin", password: "Tower@Admin1" });
  const { key } = await admin.createApiKey({ name: `bench-${process.pid}` });
  return { key, client: admin.withApiKey(key) };
}

/** The reference: plain fetch + res.json() with the same headers as the client sends. */
function plainPost(url, apiKey, operation, body) {
  return fetch(`${url}/v2/api/${operation}`, {
    method: "POST",
    headers: { accept: "application/json", "content-language": "en-US", authorization: apiKey, "content-type": "application/json" },
    body: JSON.stringify(body),
  }).then((response) => {
    if (!response.ok) throw new Error(`${operation}: HTTP ${response.status}`);
    return response.json();
  });
}

async function batch(fn, n) {
  gc();
  const started = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - started) / n;
}

/** Interleaved rounds of `perRound` sequential calls each; per-call ms and per-round ratios. */
async function interleaved(ours, reference, { rounds, warmup, perRound = 1 }) {
  const o = [];
  const r = [];
  const ratios = [];
  for (let round = 0; round < warmup + rounds; round++) {
    const order = round % 2 ? ["reference", "ours"] : ["ours", "reference"];
    const t = {};
    for (const side of order) t[side] = await batch(side === "ours" ? ours : reference, perRound);
    if (round < warmup) continue;
    o.push(t.ours);
    r.push(t.reference);
    ratios.push(t.ours / t.reference);
  }
  return { ours: summary(o), reference: summary(r), ratio: summary(ratios) };
}

function ratioRow({ id, label, result, target, unit = "per call", note, lowerIsBetter = true, data = {} }) {
  const { ours, reference, ratio } = result;
  const missed = lowerIsBetter ? ratio.median > target : ratio.median < target;
  addRow({
    id,
    label,
    ours: `${formatMs(ours.median)} ${unit}`,
    reference: `${formatMs(reference.median)} ${unit}`,
    ratio: ratioText(ratio.median),
    spread: `${ratio.p10.toFixed(3)}–${ratio.p90.toFixed(3)} (n=${ratio.n})`,
    target: `${lowerIsBetter ? "≤" : "≥"} ${target.toFixed(2)}×`,
    missed,
    note,
    data: { ...data, ours, reference, ratio },
  });
}

// ---------------------------------------------------------------- rows

async function rowGetVms(sim, spec) {
  const { client, key } = await session(sim.url);
  const body = {};
  const ours = () => client.call("get-vms", body);
  const reference = () => plainPost(sim.url, key, "get-vms", body);
  const [a, b] = [await ours(), await reference()];
  if (a.length !== spec.vms || b.length !== spec.vms) throw new Error(`expected ${spec.vms} VMs, got ${a.length} / ${b.length}`);
  const bytes = Buffer.byteLength(JSON.stringify(b));
  const result = await interleaved(ours, reference, spec);
  ratioRow({
    id: spec.id,
    label: `call("get-vms") end to end, ${fmtN(spec.vms)} VM${spec.vms === 1 ? "" : "s"} (${formatBytes(bytes)})`,
    result,
    target: 1.05,
    note: `${spec.rounds} rounds × ${spec.perRound} sequential calls, ${spec.warmup} warm-up rounds`,
    data: { vms: spec.vms, bodyBytes: bytes },
  });
  return { client, key };
}

async function rowConcurrent(sim, { key }, spec) {
  const body = { first: spec.first };
  // Ours retries reads on network errors (its default policy); count failed attempts through the
  // onResponse hook so that retries hidden from the caller still show in the note.
  let failedAttempts = 0;
  const client = new CloudTowerClient({ endpoint: sim.url, apiKey: key, onResponse: (s) => void (s.errorCode && failedAttempts++) });
  const describe = (reason) => `${reason?.code ?? ""} ${reason?.message ?? reason}${reason?.cause ? ` (${reason.cause.code ?? reason.cause.message})` : ""}`.trim();
  const burst = async (fn) => {
    gc();
    const started = performance.now();
    const settled = await Promise.allSettled(Array.from({ length: spec.n }, () => fn()));
    const ms = performance.now() - started;
    const failures = settled.filter((s) => s.status === "rejected");
    return { ms, throughput: (spec.n * 1000) / ms, errors: failures.length, firstError: failures[0] ? describe(failures[0].reason) : null };
  };
  const ours = () => client.call("get-vms", body);
  const reference = () => plainPost(sim.url, key, "get-vms", body);
  const o = [];
  const r = [];
  const ratios = [];
  const errors = { ours: 0, reference: 0 };
  const firstErrors = {};
  let discarded = 0;
  for (let round = 0; round < spec.warmup + spec.rounds; round++) {
    const order = round % 2 ? ["reference", "ours"] : ["ours", "reference"];
    const t = {};
    for (const side of order) {
      t[side] = await burst(side === "ours" ? ours : reference);
      if (round >= spec.warmup) errors[side] += t[side].errors;
      firstErrors[side] ??= t[side].firstError;
    }
    if (round < spec.warmup) continue;
    if (t.ours.errors || t.reference.errors) {
      discarded++; // a failed call ends early: such a round's throughput says nothing
      continue;
    }
    o.push(t.ours.throughput);
    r.push(t.reference.throughput);
    ratios.push(t.ours.throughput / t.reference.throughput);
  }
  const ratio = ratios.length ? summary(ratios) : { median: NaN, p10: NaN, p90: NaN, n: 0 };
  const missed = !(ratio.median >= 0.97) || errors.ours > 0;
  const firsts = Object.entries(firstErrors).filter(([, e]) => e).map(([side, e]) => `${side}: ${e}`);
  addRow({
    id: "concurrent",
    label: `${fmtN(spec.n)} concurrent get-vms (first: ${spec.first}) on one client`,
    ours: o.length ? `${fmtN(Math.round(median(o)))} calls/s` : "–",
    reference: r.length ? `${fmtN(Math.round(median(r)))} calls/s` : "–",
    ratio: ratioText(ratio.median),
    spread: `${ratio.p10.toFixed(3)}–${ratio.p90.toFixed(3)} (n=${ratio.n})`,
    target: "≥ 0.97× throughput, 0 errors",
    missed,
    note: `throughput ratio (higher is better) over rounds where neither side had an error (${discarded} of ${spec.rounds} rounds discarded); failed calls: ours ${errors.ours}, reference ${errors.reference}; ours' failed attempts retried invisibly: ${failedAttempts}${firsts.length ? `; first errors: ${firsts.join("; ")}` : ""}`,
    data: { n: spec.n, ours: o.length ? summary(o) : null, reference: r.length ? summary(r) : null, ratio, errors, failedAttempts, discarded },
  });
}

async function rowPaginate(sim, spec) {
  const { client, key } = await session(sim.url);
  const { pageSize } = spec;
  const oursLoop = async (onPage) => {
    let n = 0;
    for await (const vm of client.paginate("get-vms", {}, { pageSize })) {
      if (n % pageSize === 0) onPage?.();
      if (typeof vm.id !== "string") throw new Error("not a VM");
      n++;
    }
    return n;
  };
  // The same requests paginate makes (keyset paging: `where: { id_gt }`, one item looked ahead),
  // so the ratio is the client's own cost; the simulator filters `id_gt` by a scan, which is
  // slower than its `after` cursor, and a loop using `after` would compare two server paths.
  const handLoop = async (onPage) => {
    let n = 0;
    let last;
    for (;;) {
      const body = last === undefined ? { first: pageSize + 1 } : { first: pageSize + 1, where: { id_gt: last } };
      const answer = await plainPost(sim.url, key, "get-vms", body);
      const page = answer.slice(0, pageSize);
      onPage?.();
      for (const vm of page) {
        if (typeof vm.id !== "string") throw new Error("not a VM");
        n++;
      }
      if (answer.length <= pageSize) break;
      last = page[page.length - 1].id;
    }
    return n;
  };
  const oursPages = async () => {
    let n = 0;
    for await (const page of client.paginate("get-vms", {}, { pageSize }).pages()) {
      for (const vm of page) {
        if (typeof vm.id !== "string") throw new Error("not a VM");
        n++;
      }
    }
    return n;
  };
  const counted = [await oursLoop(), await handLoop(), await oursPages()];
  if (counted.some((n) => n !== spec.vms)) throw new Error(`paginate counted ${counted[0]}, hand loop ${counted[1]}, pages() ${counted[2]}, expected ${spec.vms}`);

  // Time: whole iterations, interleaved.
  const result = await interleaved(oursLoop, handLoop, { rounds: spec.rounds, warmup: spec.warmup, perRound: 1 });
  ratioRow({
    id: "paginate-time",
    label: `paginate over ${fmtN(spec.vms)} VMs in pages of ${fmtN(pageSize)}: time`,
    result,
    target: 1.05,
    unit: "",
    note: `for await over every item vs a fetch loop making the same keyset requests (first: size + 1, where: { id_gt }); ${spec.rounds} rounds`,
    data: { vms: spec.vms, pageSize },
  });
  const pagesResult = await interleaved(oursPages, handLoop, { rounds: spec.rounds, warmup: spec.warmup, perRound: 1 });
  ratioRow({
    id: "paginate-pages",
    label: `paginate(...).pages() over ${fmtN(spec.vms)} VMs in pages of ${fmtN(pageSize)}: time`,
    result: pagesResult,
    target: 1.05,
    unit: "",
    note: `the same with for await over page arrays (one await per page instead of per item); ${spec.rounds} rounds`,
    data: { vms: spec.vms, pageSize },
  });

  // Memory: live heap + external (ArrayBuffers, wasm memory) after a forced full GC at every page
  // boundary (ours: on the first item of each page; the hand loop: right after res.json()), minus
  // the same measure before the loop. Separate runs from the timed ones (the GCs cost time).
  const peakOf = async (loop) => {
    gc();
    const base = heapAndExternal();
    let peak = 0;
    let rawPeak = 0;
    await loop(() => {
      rawPeak = Math.max(rawPeak, heapAndExternal() - base);
      globalThis.gc();
      peak = Math.max(peak, heapAndExternal() - base);
    });
    return { peak, rawPeak };
  };
  // One page: what holding one parsed page of the hand loop costs.
  gc();
  const before = heapAndExternal();
  const onePage = await plainPost(sim.url, key, "get-vms", { first: pageSize });
  gc();
  const pageBytes = heapAndExternal() - before;
  if (onePage.length !== pageSize) throw new Error("short page");
  const memOrder = [];
  const mem = {};
  for (const side of ["reference", "ours", "reference", "ours"]) {
    const r = await peakOf(side === "ours" ? oursLoop : handLoop);
    memOrder.push([side, r]);
    mem[side] = mem[side] ? { peak: Math.max(mem[side].peak, r.peak), rawPeak: Math.max(mem[side].rawPeak, r.rawPeak) } : r;
  }
  const missed = mem.ours.peak > mem.reference.peak + pageBytes;
  addRow({
    id: "paginate-memory",
    label: `paginate over ${fmtN(spec.vms)} VMs in pages of ${fmtN(pageSize)}: peak memory`,
    ours: formatBytes(mem.ours.peak),
    reference: formatBytes(mem.reference.peak),
    ratio: ratioText(mem.ours.peak / mem.reference.peak),
    spread: `max of 2 runs each`,
    target: `≤ hand loop + 1 page (${formatBytes(pageBytes)})`,
    missed,
    note: `live heapUsed+external after gc() at each page boundary, minus the same before the loop; without forced GC (garbage included): ours ${formatBytes(mem.ours.rawPeak)}, reference ${formatBytes(mem.reference.rawPeak)}`,
    data: { pageBytes, ...mem, runs: memOrder },
  });
}

async function rowWasmMemory(sim, { client }, spec) {
  let issued = 0;
  let errors = 0;
  let firstError = null;
  const calls = async (upTo) => {
    const worker = async () => {
      while (issued < upTo) {
        const i = issued++;
        try {
          if (i % 100 === 50) await client.getVersion();
          else if (i % 100 === 99) {
            // An INVALID_ARGUMENT rejection: the error path must not leak either.
            const e = await client.call("get-nothing", {}).then(() => null, (error) => error);
            if (e?.code !== "INVALID_ARGUMENT") throw e ?? new Error("no rejection");
          } else {
            const vms = await client.call("get-vms", {});
            if (vms.length !== 1) throw new Error(`${vms.length} VMs`);
          }
        } catch (error) {
          errors++;
          firstError ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: spec.workers }, worker));
  };
  const started = performance.now();
  await calls(spec.after);
  gc();
  const afterWarm = { wasm: wasmMemoryBytes(), heap: process.memoryUsage().heapUsed };
  await calls(spec.total);
  gc();
  const afterAll = { wasm: wasmMemoryBytes(), heap: process.memoryUsage().heapUsed };
  const seconds = (performance.now() - started) / 1000;
  const growth = afterAll.wasm - afterWarm.wasm;
  addRow({
    id: "wasm-memory",
    label: `wasm linear memory after ${fmtN(spec.total)} calls vs after ${fmtN(spec.after)}`,
    ours: `${formatBytes(afterAll.wasm)} (after ${fmtN(spec.after)}: ${formatBytes(afterWarm.wasm)})`,
    reference: "–",
    ratio: growth === 0 ? "+0 B" : `+${formatBytes(growth)}`,
    spread: "–",
    target: "no growth",
    missed: growth > 0 || errors > 0,
    note: `WebAssembly.Memory of the package's instance (bench/wasm-memory.cjs); ${spec.workers} concurrent callers; 98% get-vms, 1% getVersion, 1% rejected call; ${fmtN(spec.total)} calls in ${seconds.toFixed(1)} s, ${errors} errors${firstError ? ` (${firstError.code ?? ""} ${firstError.message})` : ""}; JS heap after GC ${formatBytes(afterWarm.heap)} → ${formatBytes(afterAll.heap)}`,
    data: { afterWarm, afterAll, growth, errors, seconds, calls: spec.total },
  });
}

async function rowColdLoad(runs) {
  const script = join(ROOT, "bench", "cold-load.cjs");
  const once = () =>
    new Promise((resolveRun, reject) => {
      const started = performance.now();
      execFile(process.execPath, [script], { cwd: ROOT }, (error, stdout, stderr) => {
        const wallMs = performance.now() - started;
        if (error) return reject(new Error(`cold-load.cjs failed: ${stderr || error.message}`));
        resolveRun({ ...JSON.parse(stdout), wallMs });
      });
    });
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  const total = summary(samples.map((s) => s.totalMs));
  const req = median(samples.map((s) => s.requireMs));
  const first = median(samples.map((s) => s.firstClientMs));
  const wall = median(samples.map((s) => s.wallMs));
  addRow({
    id: "cold-load",
    label: "Node cold load: require + first client (fresh processes)",
    ours: formatMs(total.median),
    reference: "–",
    ratio: "–",
    spread: `${formatMs(total.p10)}–${formatMs(total.p90)} (n=${total.n})`,
    target: "≤ 5 ms",
    missed: total.median > 5,
    note: `median of ${runs} fresh \`node bench/cold-load.cjs\`: require() (compiles + instantiates the wasm) ${formatMs(req)}, first new CloudTowerClient ${formatMs(first)}; whole process incl. Node start ${formatMs(wall)}`,
    data: { total, requireMs: req, firstClientMs: first, processWallMs: wall, samples },
  });
}

function rowSizes() {
  const wasmPath = join(ROOT, "pkg", "wasm", "cloudtower_wasm_bg.wasm");
  const wasm = readFileSync(wasmPath);
  const gz = (buf) => gzipSync(buf, { level: 9 }).length;
  const wasmGz = gz(wasm);
  addRow({
    id: "size-wasm-raw",
    label: "package: .wasm after wasm-opt, raw",
    ours: `${formatBytes(wasm.length)} (${fmtN(wasm.length)} B)`,
    reference: "–",
    ratio: "–",
    spread: "–",
    target: `≤ 64 KiB (${fmtN(64 * KiB)} B)`,
    missed: wasm.length > 64 * KiB,
    note: "pkg/wasm/cloudtower_wasm_bg.wasm as built by scripts/build.sh (wasm-opt -Oz)",
    data: { bytes: wasm.length, mtime: statSync(wasmPath).mtime.toISOString() },
  });
  addRow({
    id: "size-wasm-gzip",
    label: "package: .wasm after wasm-opt, gzip -9",
    ours: `${formatBytes(wasmGz)} (${fmtN(wasmGz)} B)`,
    reference: "–",
    ratio: "–",
    spread: "–",
    target: `≤ 28 KiB (${fmtN(28 * KiB)} B)`,
    missed: wasmGz > 28 * KiB,
    note: "zlib level 9",
    data: { bytes: wasmGz },
  });
  const glue = {};
  for (const file of ["wasm/node.cjs", "wasm/web.mjs", "index.cjs", "index.mjs", "web.mjs", "error.cjs", "error.mjs", "setup.cjs", "setup.mjs"]) {
    const buf = readFileSync(join(ROOT, "pkg", file));
    glue[file] = { raw: buf.length, gzip: gz(buf) };
  }
  const browserJs = ["web.mjs", "wasm/web.mjs", "error.mjs", "setup.mjs"].reduce((s, f) => s + glue[f].gzip, 0);
  const nodeJs = ["index.cjs", "wasm/node.cjs", "error.cjs", "setup.cjs"].reduce((s, f) => s + glue[f].gzip, 0);
  addRow({
    id: "size-glue-gzip",
    label: "package: JS glue, gzip -9",
    ours: `web ${formatBytes(glue["wasm/web.mjs"].gzip)}, node ${formatBytes(glue["wasm/node.cjs"].gzip)}`,
    reference: "–",
    ratio: "–",
    spread: "–",
    target: "– (reported)",
    missed: null,
    note: `wasm-bindgen glue wasm/web.mjs ${formatBytes(glue["wasm/web.mjs"].raw)} raw, wasm/node.cjs ${formatBytes(glue["wasm/node.cjs"].raw)} raw; all JS a browser loads (web.mjs + wasm/web.mjs + error.mjs + setup.mjs) ${formatBytes(browserJs)} gzip, Node (index.cjs + wasm/node.cjs + error.cjs + setup.cjs) ${formatBytes(nodeJs)} gzip`,
    data: glue,
  });
}

async function rowBrowser(sim, { key }, vms, spec) {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}`);
  const { startConsoleServer } = await import(join(ROOT, "scripts", "serve.mjs"));
  const { chromium } = await import("playwright-core");
  const server = await startConsoleServer({
    port: 0,
    host: "127.0.0.1",
    upstream: sim.url,
    static: [
      { prefix: "/bench/", dir: join(ROOT, "bench", "browser") },
      { prefix: "/pkg/", dir: join(ROOT, "pkg") },
    ],
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
  try {
    const page = await browser.newPage();
    const pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(`${server.url}/bench/index.html`);
    await page.waitForFunction(() => window.benchReady === true || document.getElementById("state")?.textContent === "ready", null, { timeout: 30_000 }).catch((error) => {
      throw new Error(`bench page did not load: ${pageErrors.join("; ") || error.message}`);
    });
    const out = await page.evaluate((options) => window.benchGetVms(options), { apiKey: key, rounds: spec.rounds, warmup: spec.warmup });
    if (out.items !== vms) throw new Error(`the page got ${out.items} VMs, expected ${vms}`);
    const ratios = out.ours.map((t, i) => t / out.reference[i]);
    ratioRow({
      id: "browser",
      label: `Chromium: call("get-vms") ${fmtN(vms)} VMs, in the page`,
      result: { ours: summary(out.ours), reference: summary(out.reference), ratio: summary(ratios) },
      target: 1.05,
      note: `web build (pkg/web.mjs) vs fetch + res.json() in the page, one origin (scripts/serve.mjs proxy); ${spec.rounds} rounds; ${out.userAgent.match(/(?:Headless)?Chrome\/[\d.]+/)?.[0] ?? ""}${pageErrors.length ? `; page errors: ${pageErrors.join("; ")}` : ""}`,
      data: { vms, userAgent: out.userAgent },
    });
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The official Python SDK's virtualenv (PyPI cloudtower-sdk), made once in the tools cache. */
function pythonSdk() {
  const version = "2.23.0";
  const tools = process.env.CLOUDTOWER_TOOLS_DIR ?? join(os.homedir(), ".cache", "cloudtower-wasm");
  const venv = join(tools, `python-sdk-${version}`);
  const python = join(venv, "bin", "python");
  if (!existsSync(python)) {
    const run = (command, argv) => {
      const result = spawnSync(command, argv, { encoding: "utf8" });
      if (result.status !== 0) throw new Error(`${command} ${argv.join(" ")}: ${result.stderr || result.error?.message}`);
    };
    run("python3", ["-m", "venv", venv]);
    run(join(venv, "bin", "pip"), ["install", "--quiet", `cloudtower-sdk==${version}`]);
  }
  return { python, version };
}

/** Whole processes, side by side: log in + get-vms of every VM, ours vs the Python SDK. */
async function rowPythonSdk(sim, spec) {
  const { python, version } = pythonSdk();
  const credentials = [sim.url, "admin", "Tower@Admin1"];
  const once = (command, argv) =>
    new Promise((resolveRun, reject) => {
      const started = performance.now();
      execFile(command, [...argv, ...credentials], { cwd: ROOT, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
        const wallMs = performance.now() - started;
        if (error) return reject(new Error(`${argv[0]}: ${stderr || error.message}`));
        const [items, peakKiB] = stdout.trim().split(/\s+/).map(Number);
        if (items !== spec.vms) return reject(new Error(`${argv[0]} listed ${items} VMs, expected ${spec.vms}`));
        resolveRun({ wallMs, peakBytes: peakKiB * KiB });
      });
    });
  const ours = [];
  const theirs = [];
  for (let round = 0; round < spec.rounds; round++) {
    const pair = [() => once(process.execPath, ["bench/python-sdk/flow.mjs"]).then((r) => ours.push(r)), () => once(python, ["bench/python-sdk/flow.py"]).then((r) => theirs.push(r))];
    if (round % 2) pair.reverse();
    for (const run of pair) await run();
  }
  const wall = summary(ours.map((r, i) => r.wallMs / theirs[i].wallMs));
  const memory = median(ours.map((r) => r.peakBytes)) / median(theirs.map((r) => r.peakBytes));
  addRow({
    id: "python-sdk",
    label: `vs the official Python SDK ${version}: log in + get-vms of ${fmtN(spec.vms)} VMs, whole process`,
    ours: `${formatMs(median(ours.map((r) => r.wallMs)))}, peak ${formatBytes(median(ours.map((r) => r.peakBytes)))}`,
    reference: `${formatMs(median(theirs.map((r) => r.wallMs)))}, peak ${formatBytes(median(theirs.map((r) => r.peakBytes)))}`,
    ratio: `${ratioText(wall.median)} wall, ${ratioText(memory)} peak memory`,
    spread: `${wall.p10.toFixed(3)}–${wall.p90.toFixed(3)}`,
    target: "– (reported: keep the lead)",
    missed: null,
    note: `node bench/python-sdk/flow.mjs vs python bench/python-sdk/flow.py (PyPI cloudtower-sdk ${version} in a virtualenv of the tools cache), ${spec.rounds} interleaved rounds; peak = the process's own maximum resident set size`,
    data: { ours, theirs },
  });
}

// ---------------------------------------------------------------- run

const machine = {
  cpu: os.cpus()[0]?.model ?? "unknown",
  cores: os.cpus().length,
  node: process.version,
  v8: process.versions.v8,
  platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  totalMemory: os.totalmem(),
  loadAverageAtStart: os.loadavg(),
};
const packageVersion = JSON.parse(readFileSync(join(ROOT, "pkg", "package.json"), "utf8")).version;
const startedAt = new Date();
process.stderr.write(`cloudtower-wasm ${packageVersion} bench (${QUICK ? "quick" : "full"}) on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; load ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(" ")}\n`);

await measure(["size-wasm-raw", "size-wasm-gzip", "size-glue-gzip"], ["package: .wasm raw", "package: .wasm gzip", "package: JS glue gzip"], () => rowSizes());
await measure("cold-load", "Node cold load", () => rowColdLoad(CONFIG.coldRuns));

const [small, medium, large] = CONFIG.getVms;
{
  const sim = await startSimProcess({ vms: small.vms });
  let s;
  await measure(small.id, "get-vms 1 VM", async () => (s = await rowGetVms(sim, small)));
  await measure("wasm-memory", "wasm linear memory", async () => rowWasmMemory(sim, s ?? (await session(sim.url)), CONFIG.wasmMemory));
  await sim.close();
}
{
  const sim = await startSimProcess({ vms: medium.vms });
  let s;
  await measure(medium.id, "get-vms 1,000 VMs", async () => (s = await rowGetVms(sim, medium)));
  await measure("concurrent", "concurrent get-vms", async () => rowConcurrent(sim, s ?? (await session(sim.url)), CONFIG.concurrent));
  await sim.close();
}
{
  const sim = await startSimProcess({ vms: large.vms });
  let s;
  await measure(large.id, "get-vms 10,000 VMs", async () => (s = await rowGetVms(sim, large)));
  await measure("browser", "Chromium get-vms", async () => rowBrowser(sim, s ?? (await session(sim.url)), large.vms, CONFIG.browser));
  await sim.close();
}
if (CONFIG.pythonSdk) {
  await measure("python-sdk", "vs the official Python SDK", async () => {
    const sim = await startSimProcess({ vms: CONFIG.pythonSdk.vms });
    try {
      await rowPythonSdk(sim, CONFIG.pythonSdk);
    } finally {
      await sim.close();
    }
  });
}
await measure(["paginate-time", "paginate-pages", "paginate-memory"], ["paginate: time", "paginate().pages(): time", "paginate: peak memory"], async () => {
  const sim = await startSimProcess({ vms: CONFIG.paginate.vms });
  try {
    await rowPaginate(sim, CONFIG.paginate);
  } finally {
    await sim.close();
  }
});

/**
 * The CLI's streaming (`cloudtower vms --all -o ndjson`, a child process per run, its stdout read
 * and counted here) against the package's own paginate loop in this process: wall time, and the
 * CLI's peak RSS (VmHWM from /proc, read every 20 ms while it runs).
 */
async function rowCliStream(sim, spec) {
  const { client, key } = await session(sim.url);
  const bin = join(ROOT, "pkg", "bin", "cloudtower.mjs");
  const env = { ...process.env, CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_API_KEY: key, CLOUDTOWER_CONFIG_DIR: join(os.tmpdir(), `cloudtower-bench-${process.pid}`) };
  for (const name of ["CLOUDTOWER_TOKEN", "CLOUDTOWER_USERNAME", "CLOUDTOWER_PASSWORD", "CLOUDTOWER_PROFILE"]) delete env[name];
  const peaks = [];
  const cli = () => new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, "vms", "--all", "-o", "ndjson"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let lines = 0;
    let peak = 0;
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    });
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        if (hwm) peak = Math.max(peak, Number(hwm[1]) * KiB);
      } catch {
        // the process has just ended
      }
    }, 20);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(timer);
      if (code !== 0 || lines !== spec.vms) return reject(new Error(`cloudtower vms --all: exit ${code}, ${lines} lines of ${spec.vms}: ${stderr}`));
      peaks.push(peak);
      resolvePromise();
    });
  });
  const ours = async () => {
    let n = 0;
    for await (const vm of client.paginate("get-vms", {})) if (typeof vm.id === "string") n++;
    if (n !== spec.vms) throw new Error(`paginate counted ${n}`);
  };
  const result = await interleaved(cli, ours, { rounds: spec.cliRounds, warmup: 1, perRound: 1 });
  ratioRow({
    id: "cli-stream-time",
    label: `cloudtower vms --all -o ndjson over ${fmtN(spec.vms)} VMs: time`,
    result,
    target: 1.1,
    unit: "",
    note: `the CLI as a child process (start, wasm, paging, NDJSON to a pipe) vs the package's own paginate loop in-process; both with the default page size; ${spec.cliRounds} rounds`,
    data: { vms: spec.vms },
  });
  const peak = Math.max(...peaks);
  addRow({
    id: "cli-stream-rss",
    label: `cloudtower vms --all -o ndjson over ${fmtN(spec.vms)} VMs: peak RSS`,
    ours: formatBytes(peak),
    reference: "–",
    ratio: "–",
    spread: `max of ${peaks.length} runs`,
    target: "≤ 100 MB",
    missed: peak > 100 * KiB * KiB,
    note: "VmHWM of the CLI process (/proc/PID/status, read every 20 ms): memory bounded by a page, not by the number of VMs",
    data: { peaks },
  });
}

await measure(["cli-stream-time", "cli-stream-rss"], ["cloudtower vms --all: time", "cloudtower vms --all: peak RSS"], async () => {
  const sim = await startSimProcess({ vms: CONFIG.paginate.vms });
  try {
    await rowCliStream(sim, CONFIG.paginate);
  } finally {
    await sim.close();
  }
});

// ---------------------------------------------------------------- output

const ORDER = ["get-vms-1", "get-vms-1k", "get-vms-10k", "concurrent", "paginate-time", "paginate-pages", "paginate-memory", "cli-stream-time", "cli-stream-rss", "wasm-memory", "cold-load", "size-wasm-raw", "size-wasm-gzip", "size-glue-gzip", "browser", "python-sdk"];
rows.sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id));
machine.loadAverageAtEnd = os.loadavg();

const header = ["row", "ours", "reference", "ratio (median)", "spread p10–p90", "target", "MISSED"];
const table = rows.map((r) => [r.label, r.ours, r.reference, r.ratio, r.spread, r.target, r.missed ? "MISSED" : r.missed === false ? "-" : "n/a"]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
const out = [];
out.push(`cloudtower-wasm ${packageVersion} benchmark (${QUICK ? "quick smoke mode: small sizes, few rounds, not for judging" : "full"}), ${startedAt.toISOString()}`);
out.push(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node} (V8 ${machine.v8}), ${machine.platform}; load average ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join("/")} at start, ${machine.loadAverageAtEnd.map((l) => l.toFixed(2)).join("/")} at end`);
out.push("ratio = ours / reference (time; the concurrent row: throughput); reference = plain fetch + res.json() with the same headers");
out.push("");
out.push(line(header));
out.push(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
for (const t of table) out.push(line(t));
out.push("");
out.push("notes:");
for (const r of rows) out.push(`  ${r.id}: ${r.note}`);
const missed = rows.filter((r) => r.missed);
out.push("");
out.push(missed.length ? `MISSED: ${missed.map((r) => r.id).join(", ")}` : "all targets met");

const outFile = resolve(args.out ?? join(ROOT, "bench", "results", "latest.json"));
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify({ package: { name: "cloudtower-wasm", version: packageVersion }, mode: QUICK ? "quick" : "full", startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), machine, rows }, null, 2)}\n`);
out.push(`results: ${outFile}`);
process.stdout.write(`${out.join("\n")}\n`);
