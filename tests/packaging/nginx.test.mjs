// The README's nginx location block, verbatim but for the upstream address: nginx (Debian's, which
// scripts/setup.sh installs) serves a static page and proxies /api and /v2/api to the simulator on
// a unix socket of its own; the package's client runs the key flow through it, and every proxied
// answer carries the sandbox CSP and nosniff, without Service-Worker-Allowed; a service worker
// fetch is refused.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { ROOT, PKG, assertKeyFlow } from "./helpers.mjs";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";
import { keyFlow } from "../browser/page/flow.mjs";

const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));

/** The fenced nginx block of the README's Proxy mode section. */
function readmeNginxBlock() {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const match = /```nginx\n([\s\S]*?)```/.exec(readme);
  assert.ok(match, "README has an nginx block");
  return match[1];
}

let tmp;
let sim;
let nginx;
let dispatcher;
let exited;

before(async () => {
  if (!NGINX) return;
  tmp = mkdtempSync(join(tmpdir(), "cloudtower-nginx-"));
  sim = await startSimulator({ vms: 10 });
  const block = readmeNginxBlock();
  assert.ok(block.includes("proxy_pass https://tower.example;"));
  const location = block.replace("proxy_pass https://tower.example;", `proxy_pass ${sim.url};`);
  const site = join(tmp, "site");
  mkdirSync(site);
  writeFileSync(join(site, "index.html"), "<!doctype html><title>dashboard</title>");
  const socket = join(tmp, "nginx.sock");
  const temp = (name) => join(tmp, name);
  writeFileSync(join(tmp, "nginx.conf"), `
daemon off;
master_process off;
pid ${temp("nginx.pid")};
error_log ${temp("error.log")} warn;
events {}
http {
  access_log off;
  client_body_temp_path ${temp("body")};
  proxy_temp_path ${temp("proxy")};
  fastcgi_temp_path ${temp("fastcgi")};
  uwsgi_temp_path ${temp("uwsgi")};
  scgi_temp_path ${temp("scgi")};
  server {
    listen unix:${socket};
    server_name dashboard.test;
    root ${site};
${location}
  }
}
`);
  execFileSync(NGINX, ["-t", "-p", tmp, "-c", join(tmp, "nginx.conf")], { stdio: "pipe" });
  nginx = spawn(NGINX, ["-p", tmp, "-c", join(tmp, "nginx.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  exited = new Promise((resolve) => nginx.on("exit", resolve));
  // nginx creates the socket when it is ready to accept connections.
  const started = Date.now();
  while (!existsSync(socket)) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited: ${readFileSync(temp("error.log"), "utf8")}`);
    if (Date.now() - started > 30_000) throw new Error("nginx did not create its socket in 30 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  dispatcher = new Agent({ connect: { socketPath: socket } });
});

after(async () => {
  await dispatcher?.close();
  if (nginx && nginx.exitCode === null) {
    nginx.kill("SIGTERM");
    await exited;
  }
  await sim?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const viaNginx = (url, init = {}) => undiciFetch(url, { ...init, dispatcher });

test("nginx (README block): the key flow through /api and /v2/api; proxied answers sandboxed, service worker fetches refused", { skip: !NGINX && "nginx is not installed (scripts/setup.sh installs it)" }, async () => {
  const api = await import(join(PKG, "index.mjs"));
  const name = "nginx-flow";
  const flow = await keyFlow({ ...api, CloudTowerClient: function ViaNginx(options) { return new api.CloudTowerClient({ ...options, fetch: viaNginx }); } },
    { endpoint: "http://dashboard.test", username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password, name });
  assertKeyFlow(sim, flow, name);
  assert.ok(sim.state.requests.some((r) => r.path === "/api"), "GraphQL went through /api");

  const page = await viaNginx("http://dashboard.test/");
  assert.equal(await page.text(), "<!doctype html><title>dashboard</title>");
  for (const [path, init] of [["/v2/api/get-version", {}], ["/api", { method: "POST", body: "{}", headers: { "content-type": "application/json" } }], ["/v2/api/nope", {}]]) {
    const answer = await viaNginx(`http://dashboard.test${path}`, init);
    await answer.arrayBuffer();
    assert.equal(answer.headers.get("content-security-policy"), "sandbox; default-src 'none'", path);
    assert.equal(answer.headers.get("x-content-type-options"), "nosniff", path);
    assert.equal(answer.headers.get("service-worker-allowed"), null, path);
  }
  const before = sim.state.requests.length;
  for (const path of ["/v2/api/get-version", "/api", "/api/"]) {
    const refused = await viaNginx(`http://dashboard.test${path}`, { headers: { "service-worker": "script" } });
    await refused.arrayBuffer();
    assert.equal(refused.status, 403, path);
  }
  assert.equal(sim.state.requests.length, before, "refused service worker fetches never reach CloudTower");
});
