// Shared by the packaging and runtime suites: the package as users get it (`npm pack` of pkg/),
// fresh consumer projects outside the repository, commands run with a clean environment, and a
// test certificate authority.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const PKG = resolve(process.env.CLOUDTOWER_PKG_DIR || join(ROOT, "pkg"));

/** Runs a command; resolves with { stdout, stderr } or rejects with both in the message. */
export function run(command, args, { cwd, timeout = 60_000, env, input } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(command, args, { cwd, timeout, env: env ?? cleanEnv(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        error.message = `${command} ${args.join(" ")} (in ${cwd}) failed: ${error.message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`;
        error.stdout = stdout;
        error.stderr = stderr;
        reject(error);
      } else {
        resolvePromise({ stdout, stderr });
      }
    });
    child.stdin.end(input);
  });
}

/** The environment minus npm's per-script variables, so a consumer project is not configured by ours. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_(package_|lifecycle_|config_(prefix|global|location|workspaces?|include_workspace_root|save|package_lock|omit|include|dry_run|install_links))/i.test(name)) continue;
    if (name === "NODE_OPTIONS" || name === "NODE_TEST_CONTEXT" || name === "NODE_CHANNEL_FD") continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** npm in `cwd`, from npm's cache when it can (the first run downloads, later runs take seconds). */
export const npm = (args, cwd, timeout = 150_000) =>
  run("npm", [...args, "--no-audit", "--no-fund", "--no-update-notifier", "--prefer-offline", "--loglevel=error"], { cwd, timeout });

/**
 * A temporary folder holding the packed package: { work, tarball, packed, cleanup }. `packed` is
 * npm pack's JSON entry ({ name, version, filename, files }).
 */
export async function packPackage(prefix) {
  assert.ok(existsSync(join(PKG, "package.json")) && existsSync(join(PKG, "wasm/cloudtower_wasm_bg.wasm")),
    `${PKG} is not a built package: run bash scripts/build.sh`);
  const work = mkdtempSync(join(tmpdir(), `cloudtower-${prefix}-`));
  const { stdout } = await run("npm", ["pack", PKG, "--json", "--pack-destination", work, "--loglevel=error"], { cwd: work });
  const [packed] = JSON.parse(stdout);
  const tarball = join(work, packed.filename);
  assert.ok(existsSync(tarball), `npm pack wrote no ${tarball}`);
  const cleanup = () => {
    if (process.env.CLOUDTOWER_KEEP_TMP !== "1") rmSync(work, { recursive: true, force: true });
  };
  return { work, tarball, packed, cleanup };
}

/** Writes `<work>/<name>/package.json` depending on the tarball (plus `deps`); returns the folder. */
export function writeProject(work, tarball, name, manifestFields = {}, deps = {}) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({
    name: `consumer-${name}`,
    version: "0.0.0",
    private: true,
    ...manifestFields,
    dependencies: { "cloudtower-wasm": pathToFileURL(tarball).href, ...deps },
  }, null, 2));
  return dir;
}

/** A fresh project with the tarball and `deps` installed by npm. */
export async function makeProject(work, tarball, name, manifestFields, deps) {
  const dir = writeProject(work, tarball, name, manifestFields, deps);
  await npm(["install"], dir);
  assert.ok(existsSync(join(dir, "node_modules/cloudtower-wasm/package.json")), `cloudtower-wasm not installed in ${dir}`);
  return dir;
}

/**
 * A test CA and a server certificate it signed for 127.0.0.1 and localhost (the selfsigned
 * package): { ca, key, cert } as PEM text.
 */
export async function makeCertificates() {
  const selfsigned = (await import("selfsigned")).default;
  const ca = await selfsigned.generate([{ name: "commonName", value: "cloudtower-test-ca" }], {
    keyType: "ec", algorithm: "sha256",
    extensions: [{ name: "basicConstraints", cA: true, critical: true }, { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true }],
  });
  const server = await selfsigned.generate([{ name: "commonName", value: "cloudtower-test" }], {
    keyType: "ec", algorithm: "sha256", ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }] },
    ],
  });
  return { ca: ca.cert, key: server.private, cert: server.cert };
}

/** The result of tests/browser/page/flow.mjs keyFlow() run against `sim` as user admin. */
export function assertKeyFlow(sim, flow, name) {
  assert.deepEqual(flow.authKind, { initial: "none", afterLogin: "token", keyed: "apiKey" });
  assert.equal(typeof flow.version, "string");
  assert.equal(flow.key.name, name);
  assert.ok(flow.key.key.length > 0);
  assert.ok(!flow.keyedJson.includes(flow.key.key) && !flow.keyedString.includes(flow.key.key), "a client never shows its key");
  assert.equal(flow.vms.length, 5);
  assert.equal(new Set(flow.vms.map((vm) => vm.id)).size, 5);
  assert.deepEqual(flow.deleted, { id: flow.key.id, alreadyRevoked: false });
  assert.equal(sim.state.hasApiKey(flow.key.key), false, "the key is gone from the simulator");
  const rejected = flow.afterRevoke;
  assert.equal(rejected.resolved, false, "the call with the revoked key must be rejected");
  assert.equal(rejected.code, "UNAUTHORIZED", rejected.message);
  assert.equal(rejected.status, 401);
  assert.equal(rejected.name, "CloudTowerError");
  assert.equal(rejected.instanceofCloudTowerError, true);
  assert.equal(rejected.instanceofError, true);
  assert.equal(rejected.isCloudTowerError, true);
  const logged = sim.state.requests.find((r) => r.requestId === rejected.requestId);
  assert.ok(logged, `requestId ${rejected.requestId} is one the simulator sent`);
  assert.equal(logged.status, 401);
  assert.equal(logged.path, "/v2/api/get-vms");
  assert.deepEqual(flow.deletedAgain, { id: null, alreadyRevoked: true });
}
