// scripts/demo.mjs as an operator runs it: --help, the simulator mode (URL and accounts printed,
// the console and the API on one origin, a taken port falls back), the loud --insecure warning,
// argument errors (an --upstream given as an API path), and a clean stop on SIGTERM.

import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import path from "node:path";
import { once } from "node:events";
import { spawn, spawnSync } from "node:child_process";
import { ROOT } from "./helpers.mjs";

const DEMO = path.join(ROOT, "scripts", "demo.mjs");

/** Starts the demo; resolves once `ready` matches stdout+stderr. */
function startDemo(args, ready) {
  const child = spawn(process.execPath, [DEMO, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (c) => { out.stdout += c; });
  child.stderr.on("data", (c) => { out.stderr += c; });
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start:\n${out.stdout}\n${out.stderr}`)), 30_000);
    const check = () => {
      if (ready.test(out.stdout + out.stderr)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", check);
    child.stderr.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited with ${code}:\n${out.stdout}\n${out.stderr}`));
    });
  });
  started.catch(() => {});
  return { child, out, started };
}

async function stop(child) {
  if (child.exitCode !== null) return child.exitCode;
  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  return code;
}

test("demo --help documents the modes and options; bad arguments exit 2", () => {
  const help = spawnSync(process.execPath, [DEMO, "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  for (const flag of ["--port", "--host", "--vms", "--upstream", "--probe-timeout-ms", "--pair", "--ca", "--insecure", "--quiet"]) assert.match(help.stdout, new RegExp(flag));
  assert.match(help.stdout, /--upstream https:\/\/tower-a\.example --upstream https:\/\/tower-b\.example/);
  assert.match(help.stdout, /default 8080/);
  const bad = spawnSync(process.execPath, [DEMO, "--bogus"], { encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /bogus/);
  const badPort = spawnSync(process.execPath, [DEMO, "--port", "http"], { encoding: "utf8" });
  assert.equal(badPort.status, 2);
});

test("demo --upstream given as an API path (/v2/api, /api) exits 2 naming the suffix and the root to write", () => {
  for (const [upstream, suffix, root] of [
    ["https://tower.example/v2/api", "/v2/api", "https://tower.example"],
    ["https://tower.example/tower/api/", "/api/", "https://tower.example/tower"],
    ["http://127.0.0.1:9/v2/api/", "/v2/api/", "http://127.0.0.1:9"],
  ]) {
    const r = spawnSync(process.execPath, [DEMO, "--upstream", upstream], { encoding: "utf8" });
    assert.equal(r.status, 2, r.stderr);
    assert.ok(r.stderr.includes(`--upstream ends in ${suffix}`), r.stderr);
    assert.ok(r.stderr.includes(`: ${root}\n`), r.stderr);
  }
});

test("demo: simulator behind the console on one origin; prints URL and accounts; a taken port falls back; SIGTERM stops it", async () => {
  const blocker = http.createServer();
  blocker.listen(0, "127.0.0.1");
  await once(blocker, "listening");
  const taken = blocker.address().port;
  const { child, out, started } = startDemo(["--port", String(taken), "--vms", "10", "--quiet"], /Ctrl-C/);
  try {
    await started;
    const url = out.stdout.match(/console:\s+(http:\/\/127\.0\.0\.1:(\d+))\//);
    assert.ok(url, out.stdout);
    assert.notEqual(Number(url[2]), taken, "fell back from the taken port");
    assert.match(out.stderr, new RegExp(`port ${taken} is taken`));
    for (const account of ["admin / Tower@Admin1", "viewer / Tower@Viewer1", "alice / Tower@Alice1", "bob / Tower@Bob1"]) assert.ok(out.stdout.includes(account), account);
    assert.match(out.stdout, /10 VMs/);
    const page = await fetch(`${url[1]}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy"), /'wasm-unsafe-eval'/);
    assert.equal((await fetch(`${url[1]}/pkg/web.mjs`)).status, 200);
    const login = await fetch(`${url[1]}/v2/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: "Tower@Admin1" }) });
    assert.equal(login.status, 200);
    const count = await fetch(`${url[1]}/v2/api/get-vms-connection`, { method: "POST", headers: { "content-type": "application/json", authorization: (await login.json()).data.token }, body: "{}" });
    assert.deepEqual(await count.json(), { aggregate: { count: 10 } });
  } finally {
    assert.equal(await stop(child), 0);
    await new Promise((resolve) => blocker.close(resolve));
  }
});

test("demo --upstream https://... --insecure warns loudly on stderr and in the banner", async () => {
  const { child, out, started } = startDemo(["--port", "0", "--upstream", "https://127.0.0.1:9", "--insecure", "--quiet"], /upstream check/);
  try {
    await started;
    assert.match(out.stderr, /WARNING: --insecure/);
    assert.match(out.stderr, /NOT verified/);
    assert.match(out.stdout, /TLS NOT VERIFIED/);
    assert.match(out.stderr, /upstream check .*502/);
  } finally {
    await stop(child);
  }
});

test("demo --upstream A --upstream B (or A,B): the console in front of a pair; the banner names both nodes and the active one", async (t) => {
  const { startSimulator } = await import("../sim/index.mjs");
  const sim = await startSimulator({ pair: true, vms: 10 });
  t.after(() => sim.close());
  sim.ha.set({ active: 1 });
  for (const args of [["--upstream", sim.urls[0], "--upstream", sim.urls[1]], ["--upstream", sim.urls.join(",")]]) {
    const { child, out, started } = startDemo(["--port", "0", "--quiet", "--probe-timeout-ms", "2000", ...args], /upstream answers|upstream check/);
    try {
      await started;
      assert.match(out.stdout, new RegExp(`upstream pair: +${sim.urls[0]}/\n +${sim.urls[1]}/\n`));
      assert.ok(out.stdout.includes(`upstream answers: CloudTower 4.6.0 (active node: ${sim.urls[1]})`), out.stdout + out.stderr);
    } finally {
      assert.equal(await stop(child), 0);
    }
  }
  const twice = spawnSync(process.execPath, [DEMO, "--upstream", sim.urls[0], "--upstream", `${sim.urls[0]}/`], { encoding: "utf8" });
  assert.equal(twice.status, 2);
  assert.match(twice.stderr, /--upstream lists .* twice/);
  // An empty --upstream is a mistake, never "start the simulator".
  for (const args of [["--upstream", ""], ["--upstream", ",,"], ["--upstream", `${sim.urls[0]},`]]) {
    const empty = spawnSync(process.execPath, [DEMO, ...args], { encoding: "utf8" });
    assert.equal(empty.status, 2, JSON.stringify(args));
    assert.match(empty.stderr, /--upstream (\d of \d )?is empty/);
    assert.doesNotMatch(empty.stdout, /simulator/);
  }
  const oneOrigin = spawnSync(process.execPath, [DEMO, "--upstream", `${sim.urls[0]}/a`, "--upstream", `${sim.urls[0]}/b`], { encoding: "utf8" });
  assert.equal(oneOrigin.status, 2);
  assert.match(oneOrigin.stderr, /two paths of one origin/);
  const badTimeout = spawnSync(process.execPath, [DEMO, "--probe-timeout-ms", "0"], { encoding: "utf8" });
  assert.equal(badTimeout.status, 2);
});

test("demo --pair: a simulator pair behind the console; POST /__sim/failover on the console swaps the roles", async () => {
  const { child, out, started } = startDemo(["--port", "0", "--vms", "10", "--quiet", "--pair"], /Ctrl-C/);
  try {
    await started;
    assert.match(out.stdout, /bundled simulator pair at http:\/\/127\.0\.0\.1:\d+ and http:\/\/127\.0\.0\.1:\d+/);
    const url = out.stdout.match(/console:\s+(http:\/\/127\.0\.0\.1:\d+)\//)[1];
    assert.equal((await fetch(`${url}/v2/api/get-version`)).status, 200);
    const states = async () => (await (await fetch(`${url}/__console/pair`)).json()).nodes.map((node) => node.state);
    assert.deepEqual(await states(), ["active", "passive"]);
    assert.equal((await fetch(`${url}/__sim/failover`, { method: "POST" })).status, 200);
    assert.equal((await fetch(`${url}/v2/api/get-version`)).status, 200);
    assert.deepEqual(await states(), ["passive", "active"]);
    // Both nodes down: the control API (the simulator's control server) still answers, so the
    // pair can be brought back without a restart.
    const ha = (body) => fetch(`${url}/__sim/ha`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    assert.equal((await ha({ unreachable: [0, 1] })).status, 200);
    // The cached node resets the request (it may have seen it: 502), the next one finds no node.
    assert.equal((await fetch(`${url}/v2/api/get-version`)).status, 502);
    assert.equal((await fetch(`${url}/v2/api/get-version`)).status, 503);
    assert.deepEqual(await states(), ["failed", "failed"]);
    assert.deepEqual((await (await ha({ unreachable: [] })).json()).unreachable, []);
    assert.equal((await fetch(`${url}/v2/api/get-version`)).status, 200);
  } finally {
    assert.equal(await stop(child), 0);
  }
});

test("demo --upstream to a node whose status line is broken: the start-up check reports a 502 and the demo lives on", async (t) => {
  const net = await import("node:net");
  // Status 099, then a reason phrase with a control byte: Node's client takes both.
  const lines = ["HTTP/1.1 099 X", "HTTP/1.1 200 O\x01K"];
  for (const line of lines) {
    const node = net.createServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => socket.end(`${line}\r\nConnection: close\r\nContent-Length: 7\r\n\r\n"4.6.0"`, "latin1"));
    });
    node.listen(0, "127.0.0.1");
    await once(node, "listening");
    t.after(() => new Promise((resolve) => node.close(resolve)));
    const { child, out, started } = startDemo(["--port", "0", "--quiet", "--upstream", `http://127.0.0.1:${node.address().port}`], /upstream answers|upstream check/);
    try {
      await started;
      if (line.includes("099")) assert.match(out.stderr, /upstream check \(GET \/v2\/api\/get-version\) answered 502: Upstream http:\/\/127\.0\.0\.1:\d+ answered with an invalid status line \(status 99\)/);
      else assert.match(out.stdout, /upstream answers: CloudTower 4\.6\.0/, "a reason phrase is not passed on: the answer is");
      const url = out.stdout.match(/console:\s+(http:\/\/127\.0\.0\.1:\d+)\//)[1];
      assert.equal((await fetch(`${url}/`)).status, 200, "still serving");
    } finally {
      assert.equal(await stop(child), 0, out.stderr);
    }
  }
});
