// startConsoleServer in front of an active/passive pair (the simulator's pair mode, plus small
// hostile nodes made here): the proxy finds the active node, whichever is listed first; fails over
// on a 307 between two requests and in the middle of many concurrent ones (one discovery); sends a
// mutation answered 307 exactly once more, on the new active node; sends again a request refused
// before any connection, never one that may have reached a node; answers 503 / 502 ErrorBody JSON
// when no node or both are active; never follows a 307 or shows it to the page (a foreign Location
// receives nothing, a node answering 307 forever is tried twice); buffers bodies up to
// maxBodyBytes (413 beyond); keeps the single proxy's guards and TLS options for every node.
// In Chromium: the console connects through a pair, shows it, issues a key, fails over, lists and
// revokes the key, and shows the new active node. Requests go through the package's own client
// with the console server as its one endpoint, as the page does.

import { test, before } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { once } from "node:events";
import selfsigned from "selfsigned";
import { startConsoleServer, PAIR_STATUS_PATH } from "../../scripts/serve.mjs";
import { CloudTowerClient, CloudTowerError } from "../../pkg/index.mjs";
import {
  WWW, snapshotPkg, launchBrowser, openConsole, shot, waitForCredential, signIn, field, button,
  until, assertAccessible, assertNoSecrets,
} from "./helpers.mjs";

const HEALTHZ = "/api/healthz";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SANDBOX = "sandbox; default-src 'none'";
const LOG_LINE = /^(GET|POST|HEAD) \/\S* \d{3} id=\S+ \d+ms( \S+)?$/;

let startSimulator;
let admin;

before(async () => {
  ({ startSimulator } = await import("../sim/index.mjs"));
  admin = (await import("../sim/accounts.mjs")).ACCOUNTS.admin;
});

/** A simulator pair (node 0 active) behind a console server; both closed after the test. */
async function pairStack(t, { sim: simOptions = {}, upstream, ...serverOptions } = {}) {
  const sim = await startSimulator({ pair: true, vms: 20, ...simOptions });
  t.after(() => sim.close());
  const lines = [];
  const server = await startConsoleServer({ upstream: upstream?.(sim) ?? sim.urls, log: (line) => lines.push(line), ...serverOptions });
  t.after(() => server.close());
  return { sim, server, lines };
}

/** A small node of our own: `handler(req, res)` answers; every connection is closed after its answer. */
async function startNode(t, handler) {
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    res.setHeader("connection", "close");
    req.resume();
    handler(req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const close = () => new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  t.after(close);
  return { url: `http://127.0.0.1:${server.address().port}`, hits, close };
}

/**
 * A node speaking raw HTTP/1.1, for answers no http server would write: `answer(head, body)`
 * returns the bytes written for each request (healthz included) before the connection is closed,
 * a function of the socket, or null to stay silent.
 */
async function startRawNode(t, answer) {
  const heads = [];
  const sockets = new Set();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffer = "";
    socket.on("data", (data) => {
      buffer += data.toString("latin1");
      const end = buffer.indexOf("\r\n\r\n");
      if (end === -1) return;
      const head = buffer.slice(0, end);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      const body = buffer.slice(end + 4, end + 4 + length);
      buffer = "";
      heads.push({ head, body });
      const bytes = answer(head, body);
      if (typeof bytes === "function") bytes(socket);
      else if (bytes !== null) socket.end(bytes, "latin1");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => new Promise((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${server.address().port}`, heads, apiHeads: () => heads.filter((h) => !h.head.includes(` ${HEALTHZ} `)) };
}

// Each answer closes its connection (the raw node ends the socket after it), and says so: the
// console server's keep-alive agent must not pick a socket the node is closing.
const HEALTHY = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

/** A raw request through the console server: { status, headers, body } or { cut } (the connection ended without a whole answer). */
function request(server, { method = "POST", path: target = "/v2/api/get-version", headers = {}, body = "{}" } = {}) {
  const u = new URL(server.url);
  return new Promise((resolve) => {
    const req = http.request({ hostname: u.hostname, port: u.port, method, path: target, headers: { "content-type": "application/json", ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => { text += chunk; });
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
      res.on("error", (error) => resolve({ cut: error.code ?? error.message }));
    });
    req.on("error", (error) => resolve({ cut: error.code ?? error.message }));
    req.end(body);
  });
}

const probes = (sim) => sim.state.requestCount({ path: HEALTHZ });
const sent = (sim, operation) => sim.state.requests.filter((r) => r.operation === operation).map((r) => [r.node, r.status]);
const pairStatus = async (server) => (await fetch(`${server.url}${PAIR_STATUS_PATH}`)).json();

/** The package's client with the console server as its one endpoint, as the console uses it. */
async function signedIn(server) {
  const client = new CloudTowerClient({ endpoint: server.url, retry: false });
  await client.login({ username: admin.username, password: admin.password });
  return client;
}

async function rejectionOf(promise) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CloudTowerError, String(error));
    return error;
  }
  throw new Error("expected a rejection");
}

test("discovery: the active node is found whether it is listed first or second, with one probe per node, then cached", async (t) => {
  const sim = await startSimulator({ pair: true, vms: 20 });
  t.after(() => sim.close());
  for (const [active, upstream] of [[0, sim.urls], [1, sim.urls], [1, [...sim.urls].reverse()], [0, sim.urls.join(",")]]) {
    sim.ha.set({ active });
    const server = await startConsoleServer({ upstream });
    try {
      const before = probes(sim);
      const status = await pairStatus(server);
      assert.equal(status.pair, true);
      assert.deepEqual(status.nodes.map((node) => node.state), ["unknown", "unknown"], "nothing probed before the first request");
      const client = await signedIn(server);
      assert.equal(await client.getVersion(), "4.6.0");
      assert.ok(Array.isArray(await client.call("get-vms", { first: 1 })));
      assert.equal(probes(sim) - before, 2, "one probe per node, then the node is cached");
      const nodes = (await pairStatus(server)).nodes;
      const order = typeof upstream === "string" ? sim.urls : upstream;
      assert.deepEqual(nodes, order.map((url) => ({ endpoint: url, state: url === sim.urls[active] ? "active" : "passive" })));
      assert.equal(sim.state.requests.filter((r) => r.path !== HEALTHZ).at(-1).node, active);
    } finally {
      await server.close();
    }
  }
  assert.equal(sim.state.requestCount((r) => r.path !== HEALTHZ && r.status === 307), 0, "the passive node was never sent a request");
  // One upstream: no pair, nothing probed.
  const single = await startConsoleServer({ upstream: sim.urls[0] });
  try {
    assert.deepEqual(await pairStatus(single), { pair: false, nodes: [] });
  } finally {
    await single.close();
  }
});

test("a failover between two requests: the same client, the same origin, keeps working; the 307 never reaches it", async (t) => {
  const { sim, server, lines } = await pairStack(t);
  const client = await signedIn(server);
  assert.equal((await client.call("get-vms", { first: 2 })).length, 2);
  sim.ha.failover();
  assert.equal((await client.call("get-vms", { first: 2 })).length, 2);
  assert.deepEqual(sent(sim, "get-vms"), [[0, 200], [0, 307], [1, 200]]);
  assert.ok(lines.some((line) => /^POST \/v2\/api\/get-vms 200 id=\S+ \d+ms failover$/.test(line)), lines.join("\n"));
  // The page's raw view: a 200 from the new node, no redirect, no Location.
  sim.ha.failover();
  const raw = await fetch(`${server.url}/v2/api/get-version`, { redirect: "manual" });
  assert.equal(raw.status, 200);
  assert.equal(raw.headers.get("location"), null);
  assert.equal(raw.headers.get("content-security-policy"), SANDBOX);
  assert.deepEqual((await pairStatus(server)).nodes.map((node) => node.state), ["active", "passive"]);
});

test("a mutation answered 307 was not performed there: it is performed exactly once, on the new active node", async (t) => {
  const { sim, server } = await pairStack(t);
  const client = await signedIn(server);
  sim.ha.failover();
  const key = await client.createApiKey({ name: "after-failover" });
  assert.ok(sim.state.hasApiKey(key.key));
  assert.deepEqual(sim.state.apiKeys().map((k) => k.name), ["after-failover"], "issued exactly once");
  assert.deepEqual(sent(sim, "createApiKey"), [[0, 307], [1, 200]]);
  // A v2 mutation too: start-vm makes one task per VM, once.
  const [vm] = await client.call("get-vms", { where: { status: "STOPPED", name_not: "vm-doomed" }, first: 1 });
  sim.ha.failover();
  assert.equal((await client.call("start-vm", { where: { id: vm.id } })).length, 1);
  assert.deepEqual(sent(sim, "start-vm"), [[1, 307], [0, 200]]);
});

test("a request refused before any connection is sent to the new active node; one that may have reached a node never is", async (t) => {
  // Refused: a node that closes every connection after its answer, then stops listening.
  const sim = await startSimulator({ pair: true, vms: 20 });
  t.after(() => sim.close());
  const gone = await startNode(t, (req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(req.url === HEALTHZ ? '{"status":"active"}' : '"4.6.0"');
  });
  const lines = [];
  const server = await startConsoleServer({ upstream: [gone.url, sim.urls[1]], log: (line) => lines.push(line) });
  t.after(() => server.close());
  const client = new CloudTowerClient({ endpoint: server.url, retry: false });
  assert.equal(await client.getVersion(), "4.6.0");
  assert.deepEqual(gone.hits.map((hit) => hit.url), [HEALTHZ, "/v2/api/get-version"], "node 1 of the simulator is passive: the small node is active");
  await gone.close();
  sim.ha.set({ active: 1 });
  await client.login({ username: admin.username, password: admin.password });
  assert.deepEqual(sent(sim, "login"), [[1, 200]], "refused by the cached node, then sent once, to the new active node");
  assert.ok(lines.some((line) => /^POST \/v2\/api\/login 200 id=\S+ \d+ms failover$/.test(line)), lines.join("\n"));
  assert.equal((await pairStatus(server)).nodes[0].state, "failed");

  // May have reached it: the cached node resets the connection of a mutation it has read.
  const { sim: sim2, server: server2 } = await pairStack(t);
  const cached = await signedIn(server2);
  sim2.ha.set({ unreachable: [0], active: 1 });
  const error = await rejectionOf(cached.createApiKey({ name: "maybe" }));
  assert.equal(error.status, 502, error.message);
  assert.match(error.message, /may have received the request, so the request was not sent to another node/);
  assert.equal(sim2.state.requestCount({ operation: "createApiKey" }), 0, "never sent to node 1");
  assert.deepEqual(sim2.state.apiKeys(), []);
  assert.equal((await pairStatus(server2)).nodes[0].state, "failed");
  // The next request rediscovers.
  assert.ok(Array.isArray(await cached.call("get-vms", { first: 1 })));
  assert.deepEqual((await pairStatus(server2)).nodes.map((node) => node.state), ["failed", "active"]);
});

test("both nodes down: 503 ErrorBody listing each node's failure, no secret; both active: 502, nothing but probes sent", async (t) => {
  const { sim, server, lines } = await pairStack(t);
  const secret = "secret-key-0123456789abcdef0123456789";
  sim.ha.set({ unreachable: [0, 1] });
  const response = await fetch(`${server.url}/v2/api/get-vms`, { method: "POST", headers: { authorization: secret, "content-type": "application/json" }, body: "{}" });
  assert.equal(response.status, 503);
  assert.match(response.headers.get("x-tower-request-id"), UUID);
  assert.equal(response.headers.get("content-security-policy"), SANDBOX);
  const body = await response.json();
  assert.deepEqual(Object.keys(body).sort(), ["code", "message", "path", "status"]);
  assert.equal(body.code, "NO_ACTIVE_ENDPOINT");
  assert.equal(body.status, 503);
  assert.equal(body.path, "/v2/api/get-vms");
  assert.match(body.message, /^No active CloudTower node among the console server's upstreams: /);
  for (const url of sim.urls) assert.ok(body.message.includes(`Upstream ${url} failed`), body.message);
  const status = await pairStatus(server);
  assert.deepEqual(status.nodes.map((node) => node.state), ["failed", "failed"]);
  assert.ok(status.nodes.every((node) => node.detail.startsWith(`Upstream ${node.endpoint}`)));
  // Through the package's client: an HTTP error with the proxy's message and ErrorBody.
  const error = await rejectionOf(new CloudTowerClient({ endpoint: server.url, apiKey: secret, retry: false }).call("get-vms", {}));
  assert.equal(error.code, "HTTP");
  assert.equal(error.status, 503);
  assert.equal(error.errorBody.code, "NO_ACTIVE_ENDPOINT");
  assert.match(error.message, /No active CloudTower node/);
  for (const text of [JSON.stringify(body), JSON.stringify(status), lines.join("\n"), error.message]) assert.ok(!text.includes(secret));

  sim.ha.set({ unreachable: [], bothActive: true });
  const before = sim.state.requests.length;
  const split = await rejectionOf(new CloudTowerClient({ endpoint: server.url, retry: false }).login({ username: admin.username, password: admin.password }));
  assert.equal(split.status, 502);
  assert.equal(split.errorBody.code, "MULTIPLE_ACTIVE_ENDPOINTS");
  assert.match(split.message, /More than one upstream claims to be the active CloudTower node \(.+, .+\)/);
  assert.deepEqual(sim.state.requests.slice(before).map((r) => r.path), [HEALTHZ, HEALTHZ], "nothing but probes");
  for (const line of lines) assert.match(line, LOG_LINE);
});

test("a 307's Location is never followed nor shown: a foreign origin receives nothing; a node answering 307 forever is tried twice, then 503", async (t) => {
  const foreign = await startNode(t, (req, res) => res.end("{}"));
  const { sim, server } = await pairStack(t);
  sim.ha.set({ location: `${foreign.url}/steal` });
  const client = await signedIn(server);
  sim.ha.failover();
  assert.ok(Array.isArray(await client.call("get-vms", { first: 1 })));
  await client.createApiKey({ name: "not-stolen" });
  sim.ha.failover();
  await client.createApiKey({ name: "still-not-stolen" });
  assert.deepEqual(sim.state.apiKeys().map((k) => k.name).sort(), ["not-stolen", "still-not-stolen"]);

  // A hostile node: healthy by its probe, 307 to everything else.
  const liar = await startNode(t, (req, res) => {
    if (req.url === HEALTHZ) res.end('{"status":"active"}');
    else res.writeHead(307, { location: `${foreign.url}/steal` }).end();
  });
  sim.ha.set({ active: 0 });
  const hostile = await startConsoleServer({ upstream: [liar.url, sim.urls[1]] });
  t.after(() => hostile.close());
  const response = await fetch(`${hostile.url}/v2/api/get-vms`, { method: "POST", redirect: "manual", headers: { authorization: "k".repeat(32) }, body: "{}" });
  assert.equal(response.status, 503);
  assert.equal(response.headers.get("location"), null);
  const body = await response.json();
  assert.equal(body.code, "NO_ACTIVE_ENDPOINT");
  assert.match(body.message, /answered 307 right after it was found active: the pair is changing roles\. The request was not performed/);
  assert.equal(liar.hits.filter((hit) => hit.url !== HEALTHZ).length, 2, "sent once, then once more after a discovery");
  assert.deepEqual(foreign.hits, [], "the foreign origin received nothing");
});

test("request bodies: buffered whole up to maxBodyBytes (chunked too) and sent with their length; beyond, 413 before any node sees them", async (t) => {
  const { sim, server } = await pairStack(t, { maxBodyBytes: 1000 });
  const client = await signedIn(server);
  sim.ha.failover();
  // A chunked body of exactly the limit: valid JSON padded with spaces, sent again after the 307.
  const post = (bodyChunks, headers = {}) => new Promise((resolve, reject) => {
    const u = new URL(server.url);
    const req = http.request({ hostname: u.hostname, port: u.port, method: "POST", path: "/v2/api/get-vms", headers: { "content-type": "application/json", ...headers } }, (res) => {
      let text = "";
      res.on("data", (chunk) => { text += chunk; });
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on("error", reject);
    for (const chunk of bodyChunks) req.write(chunk);
    req.end();
  });
  const exact = '{"first":1}'.padEnd(1000, " ");
  const ok = await post([exact.slice(0, 600), exact.slice(600)], { "transfer-encoding": "chunked" });
  assert.equal(ok.status, 401, "the body arrived whole (no credential: 401 from the simulator, not a parse error)");
  assert.deepEqual(sent(sim, "get-vms"), [[0, 307], [1, 401]]);
  const before = sim.state.requests.length;
  for (const [chunks, headers] of [
    [["x".repeat(1001)], {}],
    [["x".repeat(600), "x".repeat(600)], { "transfer-encoding": "chunked" }],
  ]) {
    const refused = await post(chunks, headers);
    assert.equal(refused.status, 413, JSON.stringify(headers));
    assert.equal(refused.headers["content-security-policy"], SANDBOX);
    assert.match(JSON.parse(refused.text).message, /larger than 1000 bytes.+option maxBodyBytes/);
  }
  assert.equal(sim.state.requests.length, before, "no node saw a refused body");
  assert.ok(Array.isArray(await client.call("get-vms", { first: 1 })), "the connection and the pair still work");
  await assert.rejects(startConsoleServer({ upstream: sim.urls, maxBodyBytes: -1 }), /maxBodyBytes/);
});

test("concurrent requests across a failover: one discovery (two probes), none fails, none is sent twice", async (t) => {
  const { sim, server } = await pairStack(t);
  const client = await signedIn(server);
  await client.call("get-vms", { first: 1 });
  sim.ha.failover();
  const before = probes(sim);
  const results = await Promise.allSettled(Array.from({ length: 60 }, () => client.call("get-vms", { first: 1 })));
  assert.deepEqual(results.filter((r) => r.status === "rejected").map((r) => r.reason.message), []);
  assert.equal(probes(sim) - before, 2, "one discovery: one probe per node");
  assert.equal(sim.state.requestCount({ path: "/v2/api/get-vms", status: 200, node: 1 }), 60);
  assert.deepEqual((await pairStatus(server)).nodes.map((node) => node.state), ["passive", "active"]);
});

test("a page that gives up while the pair is probed gets nothing sent for it, on any node", async (t) => {
  const sim = await startSimulator({ pair: true, vms: 20 });
  t.after(() => sim.close());
  sim.ha.set({ active: 1 });
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  // Its probe is answered (passive) only when the test says so.
  const slow = await startNode(t, (req, res) => held.then(() => res.writeHead(307, { location: sim.urls[1] }).end()));
  const server = await startConsoleServer({ upstream: [slow.url, sim.urls[1]] });
  t.after(() => server.close());
  const u = new URL(server.url);
  const req = http.request({ hostname: u.hostname, port: u.port, method: "POST", path: "/v2/api/create-vm", headers: { "content-type": "application/json" } });
  req.on("error", () => {});
  req.end("{}");
  await until(() => slow.hits.length === 1, { what: "the probe of the slow node" });
  req.destroy();
  await until(() => new Promise((resolve) => server.server.getConnections((_, count) => resolve(count === 0))), { what: "the server to see the page go" });
  release();
  // The next request waits for the same discovery, which resumes the page's request first.
  assert.equal(await new CloudTowerClient({ endpoint: server.url }).getVersion(), "4.6.0");
  assert.equal(sim.state.requestCount({ path: HEALTHZ }), 1, "one discovery for both");
  assert.equal(sim.state.requestCount({ operation: "create-vm" }), 0, "nothing was sent for the page that left");
});

test("a late 307 from the old node does not throw away the node a newer discovery chose", async (t) => {
  const sim = await startSimulator({ pair: true, vms: 20 }); // node 1 passive
  let passive = false;
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const moved = (res) => res.writeHead(307, { location: sim.urls[1] }).end();
  const old = await startNode(t, (req, res) => {
    if (req.url === "/v2/api/held") return held.then(() => moved(res));
    if (passive) return moved(res);
    res.end(req.url === HEALTHZ ? "{}" : '"4.6.0"');
  });
  t.after(() => sim.close());
  const server = await startConsoleServer({ upstream: [old.url, sim.urls[1]] });
  t.after(() => server.close());
  assert.equal((await fetch(`${server.url}/v2/api/get-version`)).status, 200);
  const late = fetch(`${server.url}/v2/api/held`, { method: "POST", body: "{}" });
  await until(() => old.hits.some((hit) => hit.url === "/v2/api/held"), { what: "the held request" });
  passive = true;
  sim.ha.set({ active: 1 });
  assert.equal((await fetch(`${server.url}/v2/api/get-version`)).status, 200, "a 307, one discovery, node 1");
  const discoveries = () => old.hits.filter((hit) => hit.url === HEALTHZ).length;
  assert.equal(discoveries(), 2);
  release();
  assert.equal((await late).status, 404, "sent again to node 1 (which has no such operation)");
  assert.equal(discoveries(), 2, "the late 307 kept node 1: no third discovery");
  assert.deepEqual(sim.state.requests.filter((r) => r.path === "/v2/api/held").map((r) => r.node), [1]);
});

test("the pair keeps the proxy's guards: other origins and service workers refused before any node, cookies and hop-by-hop headers dropped, Host rewritten per node", async (t) => {
  const seen = [];
  const sim = await startSimulator({ pair: true, vms: 20 });
  t.after(() => sim.close());
  const node = await startNode(t, (req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { "content-type": "text/html", "content-security-policy": "script-src 'unsafe-inline'", "service-worker-allowed": "/", "x-tower-request-id": "from-node" });
    res.end(req.url === HEALTHZ ? "" : "<script>alert(1)</script>");
  });
  sim.ha.set({ active: 0 }); // sim node 1 is passive: the small node is the active one
  const server = await startConsoleServer({ upstream: [node.url, sim.urls[1]] });
  t.after(() => server.close());
  const own = new URL(server.url);
  for (const headers of [{ origin: "http://evil.example" }, { "sec-fetch-site": "cross-site" }, { "service-worker": "script" }]) {
    const response = await fetch(`${server.url}/v2/api/get-vms`, { method: "POST", headers, body: "{}" });
    assert.equal(response.status, 403, JSON.stringify(headers));
    assert.equal(response.headers.get("content-security-policy"), SANDBOX);
  }
  assert.deepEqual(node.hits, [], "a refused request reaches no node, not even a probe");
  const u = new URL(server.url);
  const answer = await new Promise((resolve, reject) => {
    const req = http.request({ hostname: u.hostname, port: u.port, method: "GET", path: "/v2/api/page.html", headers: { cookie: "console=1", connection: "x-drop", "x-drop": "1", origin: own.origin } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res));
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(answer.statusCode, 200);
  assert.equal(answer.headers["content-security-policy"], SANDBOX);
  assert.equal(answer.headers["x-content-type-options"], "nosniff");
  assert.equal(answer.headers["service-worker-allowed"], undefined);
  assert.equal(answer.headers["x-tower-request-id"], "from-node");
  const got = seen.at(-1);
  assert.equal(got.host, new URL(node.url).host);
  assert.equal(got.cookie, undefined);
  assert.equal(got["x-drop"], undefined);
  assert.equal(got["x-forwarded-for"], "127.0.0.1");
  assert.ok(node.hits.filter((hit) => hit.url === HEALTHZ).every((hit) => hit.authorization === undefined), "probes carry no credential");
});

test("an https pair: --ca and --insecure apply to every node; without them each node's TLS error is named with the fix", async (t) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "console-pair-"));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const pems = await selfsigned.generate([{ name: "commonName", value: "cloudtower-pair-test" }], {
    keyType: "ec", algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  });
  const certFile = path.join(tmp, "cert.pem");
  fs.writeFileSync(certFile, pems.cert);
  const sim = await startSimulator({ pair: true, vms: 20 });
  t.after(() => sim.close());
  // An https front for each node, passing everything (307s included) through.
  const fronts = [];
  for (const target of sim.urls) {
    const to = new URL(target);
    const front = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
      const forward = http.request({ hostname: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (upRes) => {
        res.writeHead(upRes.statusCode, upRes.headers);
        upRes.pipe(res);
      });
      forward.on("error", () => res.destroy());
      req.pipe(forward);
    });
    front.listen(0, "127.0.0.1");
    await once(front, "listening");
    t.after(() => new Promise((resolve) => {
      front.close(() => resolve());
      front.closeAllConnections();
    }));
    fronts.push(`https://127.0.0.1:${front.address().port}`);
  }
  const refused = await startConsoleServer({ upstream: fronts });
  t.after(() => refused.close());
  const body = await (await fetch(`${refused.url}/v2/api/get-version`)).json();
  assert.equal(body.status, 503);
  for (const front of fronts) assert.ok(body.message.includes(`Upstream TLS error talking to ${front}`), body.message);
  assert.match(body.message, /--ca <file>/);
  for (const options of [{ ca: certFile }, { insecure: true }]) {
    const server = await startConsoleServer({ upstream: fronts, ...options });
    try {
      const client = await signedIn(server);
      sim.ha.failover();
      await client.createApiKey({ name: `tls-${Object.keys(options)[0]}` });
      assert.deepEqual((await pairStatus(server)).nodes.map((node) => node.state), sim.ha.active === 0 ? ["active", "passive"] : ["passive", "active"]);
    } finally {
      await server.close();
    }
  }
  assert.deepEqual(sim.state.apiKeys().map((k) => k.name), ["tls-ca", "tls-insecure"]);
});

test("a node whose healthz never answers fails its probe at probeTimeoutMs; upstream lists are validated node by node", async (t) => {
  const silent = await startNode(t, () => {}); // never answers
  const sim = await startSimulator({ pair: true, vms: 20 });
  t.after(() => sim.close());
  sim.ha.set({ active: 1 });
  const server = await startConsoleServer({ upstream: [silent.url, sim.urls[1]], probeTimeoutMs: 200 });
  t.after(() => server.close());
  assert.equal(await new CloudTowerClient({ endpoint: server.url }).getVersion(), "4.6.0", "the other node serves");
  const status = await pairStatus(server);
  assert.deepEqual(status.nodes[0], { endpoint: silent.url, state: "failed", detail: `${silent.url} did not answer healthz within 200 ms.` });
  sim.ha.set({ active: 0 });
  const none = await startConsoleServer({ upstream: [silent.url, sim.urls[1]], probeTimeoutMs: 200 });
  t.after(() => none.close());
  const body = await (await fetch(`${none.url}/v2/api/get-version`)).json();
  assert.equal(body.message, `No active CloudTower node among the console server's upstreams: ${silent.url} did not answer healthz within 200 ms. ${sim.urls[1]} is passive (healthz answered 307).`);

  for (const [upstream, message] of [
    [[sim.urls[0], `${sim.urls[1]}/v2/api`], `upstream 2 of 2 ends in /v2/api: give CloudTower's root, not its API path (the proxy adds /api and /v2/api itself): ${sim.urls[1]}`],
    [`${sim.urls[0]}, ${sim.urls[0]}/`, `upstream lists ${sim.urls[0]} twice: a pair needs two different nodes`],
    [[sim.urls[0], "ftp://x"], "upstream 2 of 2 must be an http: or https: URL"],
  ]) {
    await assert.rejects(startConsoleServer({ upstream }), (error) => error.message === `startConsoleServer: ${message}`, JSON.stringify(upstream));
  }
  for (const probeTimeoutMs of [0, 1.5, "5000"]) await assert.rejects(startConsoleServer({ upstream: sim.urls, probeTimeoutMs }), /probeTimeoutMs/);
});

test("Chromium: the console through a pair shows it, issues a key, fails over, lists and revokes the key, and shows the new active node", async (t) => {
  const pkg = await snapshotPkg();
  t.after(() => pkg.remove());
  const { sim, server } = await pairStack(t, { static: [{ prefix: "/", dir: WWW }, { prefix: "/pkg/", dir: pkg.dir }] });
  const browser = await launchBrowser();
  t.after(() => browser.close());
  const { page, secretsSeen, assertClean, close } = await openConsole(browser, server.url);
  t.after(close);
  const list = page.getByRole("list", { name: "High-availability pair" });
  const states = () => list.getByRole("listitem").allTextContents();
  const showing = (active) => until(async () => {
    const items = await states();
    return items.length === 2 && items.every((item, i) => item === `${sim.urls[i]} ${i === active ? "active" : "passive"}`);
  }, { what: `the pair with node ${active} active` });

  assert.match(await page.textContent("#conn-badge"), /CloudTower 4\.6\.0/);
  await showing(0);
  await assertAccessible(page, "pair shown");
  await shot(page, "40-pair-connected");

  // Both nodes down: the connect error is the proxy's 503, and the panel says why, node by node.
  sim.ha.set({ unreachable: [0, 1] });
  await button(page, "Connect").click();
  await page.waitForSelector("#connect-error .alert");
  assert.equal(await page.textContent("#connect-error .http-status"), "503");
  assert.match(await page.textContent("#connect-error .alert"), /No active CloudTower node/);
  await until(async () => (await states()).every((item, i) => item.startsWith(`${sim.urls[i]} failingUpstream ${sim.urls[i]} failed`)), { what: "both nodes failing" });
  await assertAccessible(page, "pair failing");
  await shot(page, "41-pair-down");
  sim.ha.set({ unreachable: [] });
  await button(page, "Connect").click();
  await page.waitForSelector("#conn-badge[data-state='ok']");
  await showing(0);

  await signIn(page, admin);
  await waitForCredential(page, "token");
  await field(page, "New key name").fill("ha-console");
  await button(page, "Issue key").click();
  await page.waitForSelector("#secret-panel");
  const key = await until(() => [...secretsSeen].find((s) => sim.state.hasApiKey(s)), { what: "the issued key" });
  await button(page, "I have stored it — dismiss").click();

  // The roles swap behind the console's back (the simulator's own control API).
  assert.equal((await fetch(`${sim.urls[0]}/__sim/failover`, { method: "POST" })).status, 200);
  await button(page, "Refresh keys").click();
  await until(() => sim.state.requests.some((r) => r.operation === "apiKeys" && r.node === 1 && r.status === 200), { what: "the key list from node 1" });
  const issued = sim.state.apiKeys().find((k) => k.name === "ha-console");
  await page.waitForSelector(`#keys-body tr[data-key-id="${issued.id}"]`);
  await showing(1);
  // Whichever of the page's requests met the 307 first (a VM refresh may still be running), the
  // page saw none: each was sent again to node 1, and the key list came from there.
  assert.ok(sim.state.requestCount({ node: 0, status: 307 }) >= 1, "the failover happened under the page");
  assert.deepEqual(sim.state.requests.filter((r) => r.operation === "apiKeys").map((r) => [r.node, r.status]).at(-1), [1, 200]);

  await button(page, "Revoke ha-console").click();
  await page.waitForSelector("#confirm-dialog[open]");
  await page.getByRole("dialog").getByRole("button", { name: "Revoke", exact: true }).click();
  await page.waitForFunction(() => document.querySelector("#notice")?.textContent.includes("revoked"));
  assert.equal(sim.state.hasApiKey(key), false, "revoked on the server");
  assert.deepEqual(sent(sim, "deleteApiKey"), [[1, 200]]);
  await showing(1);

  await field(page, "Language").selectOption("zh-CN");
  assert.deepEqual(await page.getByRole("list", { name: "高可用主备对" }).getByRole("listitem").allTextContents(), [`${sim.urls[0]} 备用`, `${sim.urls[1]} 主用`]);
  await assertAccessible(page, "pair shown, zh-CN");
  await shot(page, "42-pair-after-failover-zh");
  await assertNoSecrets(page, [...secretsSeen, admin.password]);
  assertClean();
});

// Answers of a broken or hostile upstream (after healthz): what the page gets, in both modes.
const BAD_ANSWERS = [
  ["a control byte in the reason phrase (ignored, RFC 9112)", "HTTP/1.1 200 O\x01K\r\nConnection: close\r\nContent-Length: 7\r\n\r\n\"4.6.0\"", 200],
  ["status 099", "HTTP/1.1 099 X\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", 502],
  ["status 600", "HTTP/1.1 600 X\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", 502],
  ["status 999", "HTTP/1.1 999 X\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", 502],
  ["101 with Upgrade", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", 502],
  ["101 alone", "HTTP/1.1 101 Switching Protocols\r\n\r\n", 502],
  ["100 Continue, then nothing", "HTTP/1.1 100 Continue\r\n\r\n", 502],
  ["103 Early Hints, then 200", "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", 200],
  ["not HTTP", "garbage\r\n\r\n", 502],
  ["a control byte in a header value", "HTTP/1.1 200 OK\r\nConnection: close\r\nX-Bad: a\x01b\r\nContent-Length: 2\r\n\r\n{}", 502],
  ["two framings", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}", 502],
  ["two different lengths", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\nConnection: close\r\nContent-Length: 3\r\n\r\n{}", 502],
  ["a closed connection", "", 502],
  ["a body shorter than its length", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 10\r\n\r\n{}", "cut"],
  ["HTTP/1.0 without a reason, body to the close", "HTTP/1.0 200\r\n\r\n{}", 200],
  ["302 to another origin", "HTTP/1.1 302 Found\r\nLocation: http://evil.example/steal\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 502],
  ["301 to another origin", "HTTP/1.1 301 Moved\r\nLocation: //evil.example/steal\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 502],
  ["a foreign Location on a 201 (dropped)", "HTTP/1.1 201 Created\r\nLocation: http://evil.example/x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", 201],
];

test("no upstream answer crashes the server or hangs a request: a battery of malformed answers, single upstream and pair, then it still serves", { timeout: 60_000 }, async (t) => {
  let bad = null;
  const node = await startRawNode(t, (head) => (head.includes(` ${HEALTHZ} `) ? HEALTHY : bad));
  const sim = await startSimulator({ pair: true, vms: 20 }); // node 1 passive
  t.after(() => sim.close());
  const single = await startConsoleServer({ upstream: node.url });
  t.after(() => single.close());
  const paired = await startConsoleServer({ upstream: [node.url, sim.urls[1]] });
  t.after(() => paired.close());
  for (const server of [single, paired]) {
    for (const [what, answer, expected] of BAD_ANSWERS) {
      bad = answer;
      const before = node.apiHeads().length;
      const got = await request(server);
      const where = `${server === single ? "single" : "pair"}: ${what}`;
      assert.equal(node.apiHeads().length - before, 1, `${where}: sent once`);
      if (expected === "cut") {
        assert.ok(got.cut, `${where}: ${JSON.stringify(got)}`);
        continue;
      }
      assert.equal(got.status, expected, `${where}: ${JSON.stringify(got)}`);
      assert.equal(got.headers["content-security-policy"], SANDBOX, where);
      assert.equal(got.headers.location, undefined, where);
      if (expected === 502) {
        const body = JSON.parse(got.body);
        assert.deepEqual(Object.keys(body).sort(), ["message", "path", "status"], where);
        assert.match(body.message, new RegExp(`^Upstream ${node.url}`), where);
      }
    }
    // Still serving, the same upstream included.
    bad = HEALTHY;
    assert.equal((await request(server)).status, 200);
    assert.equal((await fetch(`${server.url}${PAIR_STATUS_PATH}`)).status, 200);
  }
  assert.equal(sim.state.requestCount((r) => r.path !== HEALTHZ), 0, "the pair never sent a request that may have reached a node to the other");
});

test("101 Switching Protocols settles everything: a probe fails at once, a request is a 502; the pair is not wedged", { timeout: 30_000 }, async (t) => {
  const switching = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
  const sim = await startSimulator({ pair: true, vms: 20 });
  t.after(() => sim.close());
  sim.ha.set({ active: 1 });
  // A node answering 101 to healthz, kept open: only settling on the close ends the probe (the
  // probe deadline is an hour).
  const upgrader = await startRawNode(t, () => (socket) => socket.write(switching, "latin1"));
  const server = await startConsoleServer({ upstream: [upgrader.url, sim.urls[1]], probeTimeoutMs: 3_600_000 });
  t.after(() => server.close());
  assert.equal(await new CloudTowerClient({ endpoint: server.url }).getVersion(), "4.6.0");
  assert.deepEqual((await pairStatus(server)).nodes[0], { endpoint: upgrader.url, state: "failed", detail: `${upgrader.url} answered healthz with HTTP 101 Switching Protocols.` });
  sim.ha.set({ active: 0 });
  const none = await request(server, { path: "/v2/api/get-vms" });
  assert.equal(none.status, 503, "passive + 101: no active node, answered at once");

  // Healthy by its probe, 101 to the request: 502, nothing sent to the other node.
  const liar = await startRawNode(t, (head) => (head.includes(` ${HEALTHZ} `) ? HEALTHY : (socket) => socket.write(switching, "latin1")));
  sim.ha.set({ active: 1 });
  const second = await startConsoleServer({ upstream: [liar.url, sim.urls[0]] });
  t.after(() => second.close());
  const got = await request(second, { path: "/v2/api/create-vm" });
  assert.equal(got.status, 502);
  assert.match(JSON.parse(got.body).message, /101 Switching Protocols.+It may have received the request, so the request was not sent to another node/);
  assert.equal(sim.state.requestCount({ operation: "create-vm" }), 0);
  // The next request rediscovers and is answered (the pair is not wedged).
  assert.equal((await request(second, { path: "/v2/api/get-version" })).status, 502);
  assert.equal(liar.heads.filter((h) => h.head.includes(` ${HEALTHZ} `)).length, 2);
});

test("Expect: 100-continue through a pair: the body is forwarded; Cookie, Proxy-Authorization, Expect and hop-by-hop headers are not; a reset answers 502", async (t) => {
  let reset = false;
  const node = await startRawNode(t, (head) => {
    if (head.includes(` ${HEALTHZ} `)) return HEALTHY;
    return reset ? (socket) => socket.resetAndDestroy() : HEALTHY;
  });
  const sim = await startSimulator({ pair: true, vms: 20 }); // node 1 passive
  t.after(() => sim.close());
  const server = await startConsoleServer({ upstream: [node.url, sim.urls[1]] });
  t.after(() => server.close());
  const send = () => new Promise((resolve, reject) => {
    const u = new URL(server.url);
    const req = http.request({
      hostname: u.hostname, port: u.port, method: "POST", path: "/v2/api/create-vm",
      headers: {
        "content-type": "application/json", "content-length": 11, expect: "100-continue", authorization: "key-0123456789",
        cookie: "console-session=SECRET", "proxy-authorization": "Basic cHJveHk6cHc=", connection: "keep-alive, x-hop", "x-hop": "1", te: "trailers",
      },
    }, (res) => {
      let text = "";
      res.on("data", (chunk) => { text += chunk; });
      res.on("end", () => resolve({ status: res.statusCode, body: text }));
    });
    req.on("error", reject);
    req.on("continue", () => req.end('{"name":1}\n'));
  });
  assert.equal((await send()).status, 200);
  const { head, body } = node.apiHeads().at(-1);
  assert.equal(body, '{"name":1}\n');
  const names = head.split("\r\n").slice(1).map((line) => line.slice(0, line.indexOf(":")).toLowerCase());
  for (const name of ["cookie", "proxy-authorization", "expect", "x-hop", "te"]) assert.ok(!names.includes(name), `${name} in ${names}`);
  assert.ok(names.includes("authorization") && names.includes("x-forwarded-for"));
  reset = true;
  const got = await send();
  assert.equal(got.status, 502);
  assert.match(JSON.parse(got.body).message, /may have received the request/);
  reset = false;
  assert.equal((await send()).status, 200, "the server lives on");
});

test("buffered bodies: all requests together hold at most maxBufferedBytes (503 Retry-After beyond), a stalled body is cut at bodyTimeoutMs (408)", async (t) => {
  const { sim, server } = await pairStack(t, { maxBodyBytes: 1000, maxBufferedBytes: 1500, bodyTimeoutMs: 3_600_000 });
  const u = new URL(server.url);
  // A page holding 900 bytes of a 1000-byte body, the rest sent when the test says so.
  const held = http.request({ hostname: u.hostname, port: u.port, method: "POST", path: "/v2/api/get-vms", headers: { "content-type": "application/json", "content-length": 1000 } });
  const heldAnswer = new Promise((resolve, reject) => {
    held.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    held.on("error", reject);
  });
  held.write('{"first":1}'.padEnd(900, " "));
  // Another 700 bytes fit only while the held body is not counted yet: sent again until refused.
  const other = () => request(server, { path: "/v2/api/get-vms", body: '{"first":1}'.padEnd(700, " ") });
  const refused = await until(async () => {
    const got = await other();
    return got.status === 503 && got;
  }, { what: "a body refused for the budget" });
  assert.equal(refused.headers["retry-after"], "1");
  assert.equal(refused.headers.connection, "close");
  const body = JSON.parse(refused.body);
  assert.match(body.message, /holds 1500 bytes of request bodies for a pair already \(option maxBufferedBytes\)/);
  held.end(" ".repeat(100));
  assert.equal(await heldAnswer, 401, "the held body went whole to the node");
  assert.equal((await other()).status, 401, "its bytes were released");
  // A page that goes away releases what it held, too.
  const gone = http.request({ hostname: u.hostname, port: u.port, method: "POST", path: "/v2/api/get-vms", headers: { "content-length": 1000 } });
  gone.on("error", () => {});
  gone.write("x".repeat(900));
  await until(async () => (await other()).status === 503, { what: "the second held body counted" });
  gone.destroy();
  await until(async () => (await other()).status === 401, { what: "the budget released" });
  assert.equal(sim.state.requestCount({ operation: "get-vms", status: 503 }), 0);

  // A body that stalls: 408 at the deadline, the connection closed.
  const slow = await startConsoleServer({ upstream: sim.urls, bodyTimeoutMs: 100 });
  t.after(() => slow.close());
  const s = new URL(slow.url);
  const stalled = await new Promise((resolve, reject) => {
    const req = http.request({ hostname: s.hostname, port: s.port, method: "POST", path: "/v2/api/get-vms", headers: { "content-length": 100 } }, (res) => {
      let text = "";
      res.on("data", (chunk) => { text += chunk; });
      res.on("end", () => resolve({ status: res.statusCode, connection: res.headers.connection, body: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.write("{");
  });
  assert.deepEqual(stalled, { status: 408, connection: "close", body: { message: "The request body did not arrive whole within 100 ms (option bodyTimeoutMs).", status: 408, path: "/v2/api/get-vms" } });
  for (const [option, value] of [["maxBufferedBytes", 10], ["bodyTimeoutMs", 0], ["bodyTimeoutMs", 1.5]]) {
    await assert.rejects(startConsoleServer({ upstream: sim.urls, maxBodyBytes: 100, [option]: value }), new RegExp(option));
  }
});

test("redirects: a Location into the upstream becomes the console's path; a redirect elsewhere is a 502, a foreign Location on another answer is dropped (both modes)", async (t) => {
  let location = null;
  let status = 302;
  const node = await startNode(t, (req, res) => {
    if (req.url === HEALTHZ) return res.end("{}");
    res.writeHead(status, location === null ? {} : { location: location(req) }).end();
  });
  const sim = await startSimulator({ pair: true, vms: 20 }); // node 1 passive
  t.after(() => sim.close());
  const single = await startConsoleServer({ upstream: `${node.url}/tower` });
  t.after(() => single.close());
  const paired = await startConsoleServer({ upstream: [node.url, sim.urls[1]] });
  t.after(() => paired.close());
  for (const server of [single, paired]) {
    const base = server === single ? `${node.url}/tower` : node.url;
    for (status of [301, 302, 303, 307, 308]) {
      if (server === paired && status === 307) continue; // a pair's 307 is a failover
      location = () => `${base}/v2/api/moved?x=1`;
      let got = await request(server, { path: "/v2/api/old" });
      assert.equal(got.status, status);
      assert.equal(got.headers.location, "/v2/api/moved?x=1", "an absolute Location into the upstream: the console's path");
      location = () => "moved";
      got = await request(server, { path: "/v2/api/old" });
      assert.equal(got.headers.location, "/v2/api/moved", "a relative one, resolved against the request");
      for (const foreign of ["http://evil.example/steal", "//evil.example/steal", `${node.url.replace("127.0.0.1", "localhost")}/v2/api/x`, "https://127.0.0.1/v2/api/x"]) {
        location = () => foreign;
        got = await request(server, { path: "/v2/api/old" });
        assert.equal(got.status, 502, `${status} to ${foreign}`);
        assert.equal(got.headers.location, undefined);
        assert.match(JSON.parse(got.body).message, new RegExp(`answered HTTP ${status} redirecting to \\S+, outside the configured CloudTower`));
      }
    }
    status = 201;
    location = () => "http://evil.example/x";
    const created = await request(server, { path: "/v2/api/make" });
    assert.equal(created.status, 201);
    assert.equal(created.headers.location, undefined);
  }
  assert.ok(node.hits.every((hit) => hit.url === HEALTHZ || hit.url.startsWith("/v2/api/") || hit.url.startsWith("/tower/v2/api/")));
});

test("a 5xx from the active node: the next request rediscovers, and meanwhile the node still reads as active, with why", async (t) => {
  const { sim, server } = await pairStack(t);
  const client = await signedIn(server);
  sim.faults.add({ path: "/v2/api/get-vms", kind: "status", status: 503, count: 1 });
  const error = await rejectionOf(client.call("get-vms", { first: 1 }));
  assert.equal(error.status, 503);
  const before = probes(sim);
  assert.deepEqual((await pairStatus(server)).nodes, [
    { endpoint: sim.urls[0], state: "active", detail: `${sim.urls[0]} answered HTTP 503 to the last request; it is checked again at the next one.` },
    { endpoint: sim.urls[1], state: "passive" },
  ]);
  assert.equal((await client.call("get-vms", { first: 1 })).length, 1);
  assert.equal(probes(sim) - before, 2, "rediscovered");
  assert.deepEqual((await pairStatus(server)).nodes, [{ endpoint: sim.urls[0], state: "active" }, { endpoint: sim.urls[1], state: "passive" }]);
});

test("upstream lists: an empty one or an empty item is refused, as are two paths of one origin; both active hints at one node under two names", async (t) => {
  const sim = await startSimulator({ pair: true, vms: 20 });
  t.after(() => sim.close());
  for (const [upstream, message] of [
    ["", "upstream is empty: give CloudTower's root, e.g. https://tower.example"],
    [",,", "upstream is empty: give CloudTower's root, e.g. https://tower.example"],
    [[""], "upstream is empty: give CloudTower's root, e.g. https://tower.example"],
    [`${sim.urls[0]},,${sim.urls[1]}`, `upstream 2 of 3 is empty (a stray comma?): "${sim.urls[0]},,${sim.urls[1]}"`],
    [`${sim.urls[0]},`, `upstream 2 of 2 is empty (a stray comma?): "${sim.urls[0]},"`],
    [[`${sim.urls[0]}/a`, `${sim.urls[0]}/b`], `upstream lists ${sim.urls[0]}/a and ${sim.urls[0]}/b, two paths of one origin: that is one server, and a pair needs two different nodes (if a gateway fronts both nodes, give each its own host name or port)`],
    [[sim.urls[0], `${sim.urls[0]}/tower`], `upstream lists ${sim.urls[0]} and ${sim.urls[0]}/tower, two paths of one origin`],
  ]) {
    await assert.rejects(startConsoleServer({ upstream }), (error) => error.message.startsWith(`startConsoleServer: ${message}`), JSON.stringify(upstream));
  }
  const twoNames = await startConsoleServer({ upstream: [sim.urls[0], sim.urls[0].replace("127.0.0.1", "localhost")] });
  t.after(() => twoNames.close());
  const body = await (await fetch(`${twoNames.url}/v2/api/get-version`)).json();
  assert.equal(body.code, "MULTIPLE_ACTIVE_ENDPOINTS");
  assert.match(body.message, /If two of these names reach the same CloudTower \(localhost and 127\.0\.0\.1, a host name and its address\), list it once\.$/);
});
