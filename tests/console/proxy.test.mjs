// startConsoleServer as a proxy to an HTTPS CloudTower: the simulator behind an https server with
// a self-signed certificate made here (the selfsigned package). TLS is verified by default (502 with a TLS
// message), accepted with `ca` (file or PEM text) or `insecure`; bodies stream both ways; headers
// pass through; Host is rewritten; Authorization never reaches a log line. Plus the static side:
// no traversal, no dot-files, HEAD / 405 / 304 / 421, and the console page itself over the proxy.
// A hostile upstream cannot own the console's origin: every proxied answer is sandboxed and
// nosniff, Service-Worker-Allowed is dropped, service worker fetches are refused (in Chromium:
// an upstream HTML page runs no script, a service worker cannot be registered). An --upstream
// given as an API path (/v2/api, /api) is refused with the root to write instead.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import https from "node:https";
import { once } from "node:events";
import selfsigned from "selfsigned";
import { startConsoleServer } from "../../scripts/serve.mjs";
import { WWW, snapshotPkg, launchBrowser, openConsole, shot, waitForCredential, signIn } from "./helpers.mjs";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let tmp;
let certFile;
let certPem;
let sim;
let upstream; // https front of the simulator, plus test routes
let upstreamUrl;
const seen = []; // request headers the upstream received
let releaseStream;
let requestChunkSeen;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "console-proxy-"));
  const keyFile = path.join(tmp, "key.pem");
  certFile = path.join(tmp, "cert.pem");
  const pems = await selfsigned.generate([{ name: "commonName", value: "cloudtower-test" }], {
    keyType: "ec", algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }, { type: 2, value: "localhost" }] }],
  });
  fs.writeFileSync(keyFile, pems.private);
  fs.writeFileSync(certFile, pems.cert);
  certPem = fs.readFileSync(certFile, "utf8");
  const { startSimulator } = await import("../sim/index.mjs");
  sim = await startSimulator({ vms: 30 });
  const simUrl = new URL(sim.url);

  upstream = https.createServer({ key: fs.readFileSync(keyFile), cert: certPem }, (req, res) => {
    seen.push({ path: req.url, headers: { ...req.headers } });
    if (req.url === "/v2/api/__stream") {
      // First chunk now, the rest only when the test has read the first one through the proxy.
      res.writeHead(200, { "content-type": "text/plain", "x-tower-request-id": "stream-id" });
      res.write("first\n");
      releaseStream = () => res.end("last\n");
      return;
    }
    if (req.url === "/v2/api/__upload") {
      // Answers only after the whole body; signals as soon as the first chunk arrives.
      let bytes = 0;
      req.on("data", (chunk) => {
        bytes += chunk.length;
        requestChunkSeen?.();
      });
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ bytes }));
      });
      return;
    }
    if (req.url === "/v2/api/__headers") {
      res.writeHead(418, {
        "content-type": "application/json",
        "x-tower-request-id": "fixed-request-id",
        "x-custom": "kept",
        "set-cookie": ["a=1; Path=/", "b=2; Path=/"],
      });
      res.end(JSON.stringify({ ok: true }));
      return;
    }
    const forward = http.request({
      hostname: simUrl.hostname, port: simUrl.port, method: req.method, path: req.url,
      headers: { ...req.headers, host: simUrl.host },
    }, (simRes) => {
      res.writeHead(simRes.statusCode, simRes.headers);
      simRes.pipe(res);
    });
    forward.on("error", () => res.destroy());
    req.pipe(forward);
  });
  upstream.listen(0, "127.0.0.1");
  await once(upstream, "listening");
  upstreamUrl = `https://127.0.0.1:${upstream.address().port}`;
});

after(async () => {
  upstream?.closeAllConnections?.();
  await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve()));
  await sim?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function withServer(options, fn) {
  const lines = [];
  const server = await startConsoleServer({ upstream: upstreamUrl, static: [{ prefix: "/", dir: WWW }], log: (l) => lines.push(l), ...options });
  try {
    return await fn(server, lines);
  } finally {
    await server.close();
  }
}

const post = (url, body, headers = {}) => fetch(url, {
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** A raw request (fetch normalizes paths and forbids a Host header). */
function raw(url, { method = "GET", path: p, headers = {} } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname: u.hostname, port: u.port, method, path: p, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("https upstream with a self-signed certificate: refused by default with a TLS error, 502 JSON and a fresh request id", async () => {
  await withServer({}, async (server, lines) => {
    const response = await post(`${server.url}/v2/api/login`, { username: "admin", password: "Tower@Admin1" });
    assert.equal(response.status, 502);
    const requestId = response.headers.get("x-tower-request-id");
    assert.match(requestId, UUID);
    const body = await response.json();
    assert.equal(body.status, 502);
    assert.equal(body.path, "/v2/api/login");
    assert.match(body.message, /TLS/);
    assert.match(body.message, /self-signed|SELF_SIGNED/i);
    assert.match(body.message, /--ca/);
    assert.ok(lines.some((l) => l.startsWith("POST /v2/api/login 502") && l.includes(requestId)), lines.join("\n"));
    assert.ok(!lines.join("\n").includes("Tower@Admin1"));
  });
});

test("https upstream: accepted with ca (file or PEM text) and with insecure; Authorization never logged; request ids pass through", async () => {
  for (const options of [{ ca: certFile }, { ca: certPem }, { insecure: true }]) {
    await withServer(options, async (server, lines) => {
      const login = await post(`${server.url}/v2/api/login`, { username: "admin", password: "Tower@Admin1" });
      assert.equal(login.status, 200, JSON.stringify(Object.keys(options)));
      const token = (await login.json()).data.token;
      const vms = await post(`${server.url}/v2/api/get-vms`, { first: 3 }, { authorization: token });
      assert.equal(vms.status, 200);
      assert.equal((await vms.json()).length, 3);
      const requestId = vms.headers.get("x-tower-request-id");
      assert.equal(sim.state.requests.at(-1).requestId, requestId, "the simulator's request id reaches the browser");
      const graphql = await post(`${server.url}/api`, { query: "{ my { user { username } } }" }, { authorization: token });
      assert.deepEqual(await graphql.json(), { data: { my: { user: { username: "admin" } } } });
      const bad = await post(`${server.url}/v2/api/get-vms`, {}, { authorization: "not-a-real-credential-123" });
      assert.equal(bad.status, 401);
      const log = lines.join("\n");
      assert.ok(!log.includes(token) && !log.includes("not-a-real-credential-123") && !log.includes("Tower@Admin1"), "no secret in the log");
      assert.doesNotMatch(log, /authorization/i);
      for (const line of lines) assert.match(line, /^(GET|POST|HEAD) \/\S* \d{3} id=\S+ \d+ms( \S+)?$/, line);
      assert.ok(lines.some((l) => l === `POST /v2/api/get-vms 200 id=${requestId} ${l.split(" ").at(-1)}`));
    });
  }
  const last = seen.findLast((s) => s.path === "/v2/api/get-vms");
  assert.equal(last.headers.host, new URL(upstreamUrl).host, "Host is rewritten to the upstream's");
});

test("the proxy streams: response chunks arrive before the upstream ends, request chunks reach it before the browser ends", async () => {
  await withServer({ ca: certFile }, async (server) => {
    const u = new URL(server.url);
    // Response streaming.
    const first = await new Promise((resolve, reject) => {
      const req = http.request({ hostname: u.hostname, port: u.port, method: "POST", path: "/v2/api/__stream" }, (res) => {
        assert.equal(res.headers["x-tower-request-id"], "stream-id");
        res.setEncoding("utf8");
        let text = "";
        res.on("data", (chunk) => {
          text += chunk;
          if (text === "first\n") {
            resolve({ res, text });
          }
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
    const rest = new Promise((resolve) => {
      let text = first.text;
      first.res.on("data", (chunk) => { text += chunk; });
      first.res.on("end", () => resolve(text));
    });
    releaseStream();
    assert.equal(await rest, "first\nlast\n");

    // Request streaming: the second chunk is only written once the upstream saw the first.
    const upstreamGotFirst = new Promise((resolve) => { requestChunkSeen = resolve; });
    const answer = new Promise((resolve, reject) => {
      const req = http.request({ hostname: u.hostname, port: u.port, method: "POST", path: "/v2/api/__upload", headers: { "content-type": "application/octet-stream", "transfer-encoding": "chunked" } }, (res) => {
        let text = "";
        res.on("data", (c) => { text += c; });
        res.on("end", () => resolve(JSON.parse(text)));
      });
      req.on("error", reject);
      req.write(Buffer.alloc(1000, 1));
      const timer = setTimeout(() => reject(new Error("the proxy buffered the request body")), 5000);
      upstreamGotFirst.then(() => {
        clearTimeout(timer);
        req.end(Buffer.alloc(500, 2));
      });
    });
    assert.deepEqual(await answer, { bytes: 1500 });
    requestChunkSeen = undefined;
  });
});

test("the proxy passes every response header (request id, set-cookie, custom) and status through; drops cookies going up", async () => {
  await withServer({ ca: certFile }, async (server) => {
    const response = await raw(server.url, { method: "POST", path: "/v2/api/__headers", headers: { cookie: "console=1", "x-tower-request-id": "from-browser" } });
    assert.equal(response.status, 418);
    assert.equal(response.headers["x-tower-request-id"], "fixed-request-id");
    assert.equal(response.headers["x-custom"], "kept");
    assert.deepEqual(response.headers["set-cookie"], ["a=1; Path=/", "b=2; Path=/"]);
    const got = seen.findLast((s) => s.path === "/v2/api/__headers").headers;
    assert.equal(got.cookie, undefined, "the console origin's cookies are not forwarded");
    assert.equal(got["x-tower-request-id"], "from-browser", "x-tower-request-id passes upstream too");
  });
});

test("pages of other origins cannot drive CloudTower through the proxy (Origin, Sec-Fetch-Site); the console's own pages and tools can", async () => {
  await withServer({ ca: certFile }, async (server) => {
    const own = new URL(server.url);
    const cases = [
      [{ origin: "http://evil.example" }, 403],
      [{ origin: `http://localhost:${Number(own.port) + 1}` }, 403], // another port of this host
      [{ origin: "null" }, 403],
      [{ "sec-fetch-site": "cross-site" }, 403],
      [{ "sec-fetch-site": "same-site" }, 403],
      [{ origin: own.origin, "sec-fetch-site": "same-origin" }, 418],
      [{}, 418], // curl, scripts
    ];
    for (const [headers, status] of cases) {
      const before = seen.length;
      const response = await raw(server.url, { method: "POST", path: "/v2/api/__headers", headers });
      assert.equal(response.status, status, JSON.stringify(headers));
      if (status === 403) assert.equal(seen.length, before, "a refused request never reaches the upstream");
    }
  });
});

test("an unreachable upstream answers 502 ErrorBody JSON with a fresh request id", async () => {
  const closed = http.createServer();
  closed.listen(0, "127.0.0.1");
  await once(closed, "listening");
  const port = closed.address().port;
  await new Promise((resolve) => closed.close(resolve));
  const server = await startConsoleServer({ upstream: `http://127.0.0.1:${port}` });
  try {
    for (const p of ["/api", "/api/", "/v2/api/get-vms"]) {
      const response = await post(`${server.url}${p}`, {});
      assert.equal(response.status, 502);
      assert.match(response.headers.get("x-tower-request-id"), UUID);
      const body = await response.json();
      assert.deepEqual(Object.keys(body).sort(), ["message", "path", "status"]);
      assert.equal(body.path, p);
      assert.match(body.message, /ECONNREFUSED/);
    }
  } finally {
    await server.close();
  }
});

test("static files: CSP on HTML, content types, no traversal or dot-files, HEAD, 405, 304, 301, 421 for foreign hosts", async () => {
  const dir = fs.mkdtempSync(path.join(tmp, "static-"));
  fs.writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>t</title>");
  fs.writeFileSync(path.join(dir, "a.mjs"), "export {};");
  fs.writeFileSync(path.join(dir, "m.wasm"), Buffer.from([0, 97, 115, 109, 1, 0, 0, 0]));
  fs.writeFileSync(path.join(dir, ".env"), "SECRET=1");
  fs.mkdirSync(path.join(dir, "sub"));
  fs.writeFileSync(path.join(dir, "sub", "index.html"), "<p>sub</p>");
  fs.symlinkSync("/etc/hostname", path.join(dir, "escape.txt"));
  const server = await startConsoleServer({ static: [{ prefix: "/", dir }], simControl: false });
  try {
    const root = await raw(server.url, { path: "/" });
    assert.equal(root.status, 200);
    assert.equal(root.headers["content-type"], "text/html; charset=utf-8");
    assert.match(root.headers["content-security-policy"], /^default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self';/);
    assert.doesNotMatch(root.headers["content-security-policy"], /'unsafe-inline'|'unsafe-eval'|\*/);
    assert.equal(root.headers["x-content-type-options"], "nosniff");
    assert.equal((await raw(server.url, { path: "/a.mjs" })).headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal((await raw(server.url, { path: "/m.wasm" })).headers["content-type"], "application/wasm");
    for (const p of ["/../package.json", "/%2e%2e/package.json", "/sub/..%2f..%2fpackage.json", "/.env", "/%2eenv", "/escape.txt", "/nope.html", "/__sim/faults"]) {
      assert.equal((await raw(server.url, { path: p })).status, 404, p);
    }
    assert.equal((await raw(server.url, { path: "/a.mjs%00" })).status, 400);
    assert.equal((await raw(server.url, { path: "/sub" })).status, 301);
    assert.equal((await raw(server.url, { path: "/sub/" })).body, "<p>sub</p>");
    const head = await raw(server.url, { method: "HEAD", path: "/" });
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.equal((await raw(server.url, { method: "POST", path: "/" })).status, 405);
    assert.equal((await raw(server.url, { path: "/", headers: { "if-none-match": root.headers.etag } })).status, 304);
    assert.equal((await raw(server.url, { path: "/", headers: { host: "attacker.example" } })).status, 421, "DNS-rebinding guard");
    assert.equal((await raw(server.url, { path: "/", headers: { host: `localhost:${new URL(server.url).port}` } })).status, 200);
    // No upstream configured: the API paths answer 502 JSON, not a static 404.
    const api = await raw(server.url, { method: "POST", path: "/v2/api/get-vms" });
    assert.equal(api.status, 502);
    assert.match(api.headers["x-tower-request-id"], UUID);
  } finally {
    await server.close();
  }
});

test("the console over the HTTPS proxy: a TLS refusal is shown inline; with the CA it connects and signs in", async () => {
  const pkg = await snapshotPkg();
  const browser = await launchBrowser();
  try {
    for (const trusted of [false, true]) {
      const server = await startConsoleServer({
        upstream: upstreamUrl,
        ca: trusted ? certFile : undefined,
        static: [{ prefix: "/", dir: WWW }, { prefix: "/pkg/", dir: pkg.dir }],
      });
      const { page, assertClean, close } = await openConsole(browser, server.url);
      try {
        if (!trusted) {
          const alert = await page.waitForSelector("#connect-error .alert");
          assert.equal(await alert.getAttribute("data-code"), "HTTP");
          assert.equal(await page.textContent("#connect-error .http-status"), "502");
          assert.match(await alert.textContent(), /TLS/);
          assert.match(await page.textContent("#connect-error .request-id"), UUID);
          assert.equal(await page.getAttribute("#conn-badge", "data-state"), "error");
          await shot(page, "20-proxy-tls-refused");
        } else {
          assert.equal(await page.getAttribute("#conn-badge", "data-state"), "ok");
          await signIn(page, { username: "admin", password: "Tower@Admin1" });
          await waitForCredential(page, "token");
          await page.waitForSelector("#vm-body tr[data-vm-id]");
          await shot(page, "21-proxy-tls-with-ca");
        }
        assertClean();
      } finally {
        await close();
        await server.close();
      }
    }
  } finally {
    await browser.close();
    pkg.remove();
  }
});

// ---- a hostile upstream cannot own the console's origin (issue 12) ---------------------------

const SANDBOX = "sandbox; default-src 'none'";

/** A plain-http upstream that answers what an attacker would: HTML pages and service workers. */
async function startHostileUpstream() {
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url);
    if (req.url.endsWith(".html")) {
      res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": "script-src 'unsafe-inline'",
        "x-content-type-options": "sniff-please",
      });
      res.end('<!doctype html><title>upstream</title><script>document.title = "owned"; localStorage.setItem("owned", "1")</script>');
      return;
    }
    res.writeHead(200, { "content-type": "text/javascript", "service-worker-allowed": "/", "Service-Worker-Allowed": "/" });
    res.end('self.addEventListener("fetch", () => {});');
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${server.address().port}`, hits, close: () => new Promise((resolve) => server.close(resolve)) };
}

function assertSandboxed(response, what) {
  assert.equal(response.headers["content-security-policy"], SANDBOX, `${what}: one CSP, the proxy's`);
  assert.equal(response.headers["x-content-type-options"], "nosniff", what);
  assert.equal(response.headers["service-worker-allowed"], undefined, what);
}

test("every proxied answer is sandboxed and nosniff, without Service-Worker-Allowed; service worker fetches are refused 403", async () => {
  const hostile = await startHostileUpstream();
  try {
    const server = await startConsoleServer({ upstream: hostile.url, simControl: true });
    try {
      for (const p of ["/v2/api/page.html", "/v2/api/sw.js", "/api", "/api/", "/__sim/faults"]) {
        const response = await raw(server.url, { path: p });
        assert.equal(response.status, 200, p);
        assertSandboxed(response, p);
      }
      const before = hostile.hits.length;
      for (const p of ["/v2/api/sw.js", "/api", "/api/", "/v2/api/page.html", "/__sim/faults"]) {
        for (const value of ["script", "Script", ""]) {
          const refused = await raw(server.url, { path: p, headers: { "service-worker": value } });
          assert.equal(refused.status, 403, `${p} with Service-Worker: ${value}`);
          assertSandboxed(refused, `${p} refused`);
          assert.match(JSON.parse(refused.body).message, /service worker/);
        }
      }
      assert.equal(hostile.hits.length, before, "a refused service worker fetch never reaches the upstream");
    } finally {
      await server.close();
    }
    // The proxy's own error answers too (no upstream configured).
    const bare = await startConsoleServer({});
    try {
      const answer = await raw(bare.url, { path: "/v2/api/get-vms" });
      assert.equal(answer.status, 502);
      assertSandboxed(answer, "502 without upstream");
    } finally {
      await bare.close();
    }
  } finally {
    await hostile.close();
  }
});

test("Chromium: an upstream HTML page runs no script on the console's origin and no service worker installs from a proxied script", async () => {
  const hostile = await startHostileUpstream();
  const dir = fs.mkdtempSync(path.join(tmp, "takeover-"));
  fs.writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>console</title>");
  // A service worker of the console's own files: proves registration works here at all.
  fs.writeFileSync(path.join(dir, "own-sw.js"), 'self.addEventListener("fetch", () => {});');
  const server = await startConsoleServer({ upstream: hostile.url, static: [{ prefix: "/", dir }] });
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const home = await page.goto(`${server.url}/`);
    assert.match(home.headers()["content-security-policy"], /frame-ancestors 'none'/, "console pages cannot be framed");

    // The upstream's page opens as an opaque, script-less document.
    await page.goto(`${server.url}/v2/api/page.html`);
    assert.equal(await page.title(), "upstream", "the upstream's script did not run");
    assert.equal(await page.evaluate(() => origin), "null", "sandboxed: an opaque origin, not the console's");

    await page.goto(`${server.url}/`);
    assert.equal(await page.evaluate(() => localStorage.getItem("owned")), null);
    const register = (script, scope) => page.evaluate(([s, sc]) => navigator.serviceWorker.register(s, sc ? { scope: sc } : undefined)
      .then((r) => `registered ${new URL(r.scope).pathname}`, (e) => `refused ${e.name}`), [script, scope]);
    for (const [script, scope] of [["/v2/api/sw.js", "/"], ["/v2/api/sw.js", undefined], ["/api", "/"], ["/v2/api/sw.js?x=1", "/v2/api/"]]) {
      assert.match(await register(script, scope), /^refused /, `${script} scope ${scope}`);
    }
    assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), 0);
    assert.equal(await register("/own-sw.js", "/"), "registered /", "the console's own worker registers: the refusals above are the proxy's");
    await context.close();
  } finally {
    await browser.close();
    await server.close();
    await hostile.close();
  }
});

test("upstream given as an API path (/v2/api, /api, with or without a slash, after a prefix) is refused with the root to write", async () => {
  for (const [input, root] of [
    ["http://127.0.0.1:9/v2/api", "http://127.0.0.1:9"],
    ["http://127.0.0.1:9/v2/api/", "http://127.0.0.1:9"],
    ["http://127.0.0.1:9/api", "http://127.0.0.1:9"],
    ["https://tower.example/api/", "https://tower.example"],
    ["https://tower.example/tower/v2/api", "https://tower.example/tower"],
    ["https://tower.example/tower/API/", "https://tower.example/tower"],
  ]) {
    const suffix = new URL(input).pathname.slice(root.length - new URL(input).origin.length);
    await assert.rejects(startConsoleServer({ upstream: input }), (error) => {
      assert.ok(error.message.includes(`ends in ${suffix}`), error.message);
      assert.ok(error.message.endsWith(`: ${root}`), error.message);
      return true;
    }, input);
  }
  for (const fine of ["http://127.0.0.1:9", "http://127.0.0.1:9/tower", "http://127.0.0.1:9/apis", "http://127.0.0.1:9/api-gw/x"]) {
    const server = await startConsoleServer({ upstream: fine });
    await server.close();
  }
});

test("Expect: 100-continue (curl's for bodies over 1 MiB): the body is streamed up with the headers cleaned as for any request", async () => {
  await withServer({ ca: certFile }, async (server) => {
    const u = new URL(server.url);
    const body = Buffer.alloc(1024 * 1024 + 1, 7);
    const answer = await new Promise((resolve, reject) => {
      const req = http.request({
        hostname: u.hostname, port: u.port, method: "POST", path: "/v2/api/__upload",
        headers: {
          "content-type": "application/octet-stream", "content-length": body.length, expect: "100-continue",
          cookie: "console-session=SECRET", "proxy-authorization": "Basic cHJveHk6cHc=", connection: "keep-alive, x-hop", "x-hop": "1",
        },
      }, (res) => {
        let text = "";
        res.on("data", (c) => { text += c; });
        res.on("end", () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
      });
      req.on("error", reject);
      // The body goes only after the console server's 100 Continue.
      req.on("continue", () => req.end(body));
    });
    assert.deepEqual(answer, { status: 200, body: { bytes: body.length } });
    const got = seen.findLast((s) => s.path === "/v2/api/__upload").headers;
    for (const name of ["cookie", "proxy-authorization", "expect", "x-hop"]) assert.equal(got[name], undefined, name);
    assert.equal(got["x-forwarded-for"], "127.0.0.1");
    assert.equal(got.host, new URL(upstreamUrl).host);
  });
});

test("the upstream is sent the path the server checked (normalised), never the raw target", async () => {
  await withServer({ ca: certFile }, async (server) => {
    for (const [target, sent] of [
      ["/admin\\..\\api", "/api"],
      ["/internal/secret\\..\\..\\v2/api/__headers", "/v2/api/__headers"],
      ["//internal/api", "/api"],
      ["http://evil.example/internal/x/../../api", "/api"],
      ["/ui/%2e%2e/v2/api/__headers?x=1", "/v2/api/__headers?x=1"],
    ]) {
      const before = seen.length;
      await raw(server.url, { method: "POST", path: target });
      assert.deepEqual(seen.slice(before).map((s) => s.path), [sent], target);
    }
  });
});
