// The README's self-signed TLS script, verbatim: read from README.md, run in fresh projects that
// install the packed package and undici with npm and with pnpm, against the simulator behind an
// HTTPS server whose certificate a test CA signed (tower-ca.pem beside the script).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { join } from "node:path";
import { ROOT, run, cleanEnv, npm, packPackage, writeProject, makeCertificates } from "./helpers.mjs";
import { startSimulator } from "../sim/index.mjs";

const UNDICI_VERSION = "7.30.2"; // the one the workspace pins (Node 20)
const PNPM_VERSION = "10.34.9";

/** The fenced block that follows the README's "This script runs as is" sentence. */
function readmeTlsSnippet() {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const at = readme.indexOf("`tests/packaging/tls-snippet.test.mjs` runs it");
  assert.ok(at > 0, "README names this test above the snippet");
  const match = /```js\n([\s\S]*?)```/.exec(readme.slice(at));
  return match[1];
}

let work;
let tarball;
let cleanup;
let sim;
let front;
let endpoint;
let certificates;

before(async () => {
  ({ work, tarball, cleanup } = await packPackage("tls"));
  certificates = await makeCertificates();
  sim = await startSimulator({ vms: 3 });
  const target = new URL(sim.url);
  front = https.createServer({ key: certificates.key, cert: certificates.cert }, (req, res) => {
    const forward = http.request({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      });
    req.pipe(forward);
  });
  front.listen(0, "127.0.0.1");
  await once(front, "listening");
  endpoint = `https://127.0.0.1:${front.address().port}`;
});

after(async () => {
  front?.close();
  await sim?.close();
  cleanup?.();
});

async function runSnippet(dir) {
  writeFileSync(join(dir, "tls.mjs"), readmeTlsSnippet());
  writeFileSync(join(dir, "tower-ca.pem"), certificates.ca);
  const { stdout } = await run(process.execPath, ["tls.mjs"], { cwd: dir, env: cleanEnv({ CLOUDTOWER_ENDPOINT: endpoint }) });
  assert.match(stdout.trim(), /^\d+\.\d+\.\d+/, "getVersion() over TLS");
  // Without the CA the same request is refused: the snippet's trust comes from tower-ca.pem.
  writeFileSync(join(dir, "tower-ca.pem"), (await makeCertificates()).ca);
  const refused = await run(process.execPath, ["tls.mjs"], { cwd: dir, env: cleanEnv({ CLOUDTOWER_ENDPOINT: endpoint }) }).then(() => null, (e) => e);
  assert.ok(refused, "a certificate from another CA must be refused");
  assert.match(refused.stderr, /CloudTowerError|NETWORK/);
}

test("README TLS snippet runs as is, installed with npm", { timeout: 200_000 }, async () => {
  const dir = writeProject(work, tarball, "npm", { type: "module" }, { undici: UNDICI_VERSION });
  await npm(["install"], dir);
  await runSnippet(dir);
});

test("README TLS snippet runs as is, installed with pnpm", { timeout: 300_000 }, async () => {
  const tools = join(work, "pnpm-tool");
  mkdirSync(tools);
  writeFileSync(join(tools, "package.json"), JSON.stringify({ private: true, dependencies: { pnpm: PNPM_VERSION } }));
  await npm(["install"], tools);
  const dir = writeProject(work, tarball, "pnpm", { type: "module" }, { undici: UNDICI_VERSION });
  await run(process.execPath, [join(tools, "node_modules/pnpm/bin/pnpm.cjs"), "install", "--prefer-offline", "--reporter=silent"], { cwd: dir, timeout: 240_000 });
  await runSnippet(dir);
});
