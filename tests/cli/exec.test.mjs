// `cloudtower exec --temporary-key`: the key reaches the command, and is revoked when it ends,
// after success, after failure (its status propagated), after SIGTERM (forwarded, waited for),
// and when the command cannot start. Also a signal interrupting `wait` (exit 143).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";
import { run, BIN, eventually, assertNoSecretsPrinted } from "./helpers.mjs";

const { admin } = ACCOUNTS;
let sim;
let dir;
let ENV;

before(async () => {
  sim = await startSimulator({ vms: 20, taskDurationMs: 20_000 });
  dir = mkdtempSync(join(tmpdir(), "cloudtower-exec-"));
  ENV = { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_USERNAME: admin.username, CLOUDTOWER_PASSWORD: admin.password };
});
after(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The command run by exec: a node script that records what it got in files (never on stdout),
// optionally proves the key works through the CLI, then behaves as CHILD_MODE says.
const CHILD = `
const fs = require("node:fs");
const { execFileSync } = require("node:child_process");
const out = process.env.CHILD_DIR;
fs.writeFileSync(out + "/env", Object.keys(process.env).filter((k) => k.startsWith("CLOUDTOWER_")).sort().join(","));
if (process.env.CHILD_MODE === "use") {
  execFileSync(process.execPath, [process.env.CLI, "vms", "--limit", "2"], { stdio: ["ignore", "ignore", "inherit"] });
  fs.writeFileSync(out + "/used", "yes");
}
fs.writeFileSync(out + "/key", process.env.CLOUDTOWER_API_KEY, { mode: 0o600 });
if (process.env.CHILD_MODE === "fail") process.exit(7);
if (process.env.CHILD_MODE === "hang" || process.env.CHILD_MODE === "trap") {
  if (process.env.CHILD_MODE === "trap") {
    process.on("SIGTERM", () => {
      // Cleanup still has a working key: the CLI waits for the command before revoking.
      execFileSync(process.execPath, [process.env.CLI, "login"], { stdio: ["ignore", "ignore", "inherit"] });
      fs.writeFileSync(out + "/cleaned", "yes");
      process.exit(5);
    });
  }
  fs.writeFileSync(out + "/ready", "yes");
  setInterval(() => {}, 1000);
}
`;

function execRun(name, mode, { onSpawn, args = [] } = {}) {
  const childDir = mkdtempSync(join(dir, `${name}-`));
  const env = { ...ENV, CHILD_DIR: childDir, CHILD_MODE: mode, CLI: BIN };
  const result = run(["exec", "--temporary-key", "--name", name, ...args, "--", process.execPath, "-e", CHILD], {
    env,
    onSpawn: onSpawn && ((child) => onSpawn(child, childDir)),
  });
  return { result, childDir, key: () => readFileSync(join(childDir, "key"), "utf8") };
}

test("exec: the command gets a working key and the endpoint (no password), and the key is revoked after success", async () => {
  const { result, childDir, key } = execRun("job-ok", "use");
  const r = await result;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(join(childDir, "used"), "utf8"), "yes", "the key worked inside the command");
  assert.equal(readFileSync(join(childDir, "env"), "utf8"), "CLOUDTOWER_API_KEY,CLOUDTOWER_ENDPOINT");
  assert.ok(!sim.state.hasApiKey(key()), "revoked after the command ended");
  assert.ok(!sim.state.apiKeys().some((k) => k.name === "job-ok"));
  assert.equal(sim.state.requestCount({ operation: "logout" }) > 0, true, "the CLI's own session is logged out");
});

test("exec: the command's failure status is propagated and the key revoked", async () => {
  const { result, key } = execRun("job-fail", "fail");
  const r = await result;
  assert.equal(r.code, 7);
  assert.ok(!sim.state.hasApiKey(key()));
});

test("exec: SIGTERM is forwarded to the command, the CLI waits for it, revokes, exits 143", async () => {
  let cli;
  const { result, childDir, key } = execRun("job-term", "hang", { onSpawn: (child) => (cli = child) });
  await eventually(() => existsSync(join(childDir, "ready")), { what: "the command to start" });
  assert.ok(sim.state.hasApiKey(key()), "the key is live while the command runs");
  cli.kill("SIGTERM");
  const r = await result;
  assert.equal(r.code, 143, r.stderr);
  assert.ok(!sim.state.hasApiKey(key()), "revoked after SIGTERM");
});

test("exec: a command that handles SIGTERM finishes its cleanup with a live key; its status is kept", async () => {
  let cli;
  const { result, childDir, key } = execRun("job-trap", "trap", { onSpawn: (child) => (cli = child) });
  await eventually(() => existsSync(join(childDir, "ready")), { what: "the command to start" });
  cli.kill("SIGTERM");
  const r = await result;
  assert.equal(r.code, 5, r.stderr);
  assert.equal(readFileSync(join(childDir, "cleaned"), "utf8"), "yes", "cleanup ran with the key still valid");
  assert.ok(!sim.state.hasApiKey(key()));
});

test("exec: a command that cannot start exits 127, and no key is left behind", async () => {
  const before = sim.state.apiKeys().length;
  const r = await run(["exec", "--temporary-key", "--", join(dir, "no-such-command")], { env: ENV });
  assert.equal(r.code, 127);
  assert.match(r.stderr, /^error \[COMMAND_NOT_FOUND\] .*the temporary key was revoked/m);
  assert.equal(sim.state.apiKeys().length, before);
});

test("exec: usage errors (no --temporary-key, no command, an API key as the only credential)", async () => {
  const [noMode, noCommand, keyOnly] = await Promise.all([
    run(["exec", "--", "true"], { env: ENV }),
    run(["exec", "--temporary-key"], { env: ENV }),
    run(["exec", "--temporary-key", "--", "true"], { env: { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_API_KEY: "k".repeat(43) } }),
  ]);
  assert.equal(noMode.code, 2);
  assert.match(noMode.stderr, /needs --temporary-key/);
  assert.equal(noCommand.code, 2);
  assert.match(noCommand.stderr, /needs a command after --/);
  assert.equal(keyOnly.code, 2);
  assert.match(keyOnly.stderr, /does not let an API key issue or revoke keys/);
});

test("wait interrupted by SIGTERM exits 143 with one error line", async () => {
  const [vm] = JSON.parse((await run(["vms", "--where", '{"status": "STOPPED", "name_not": "vm-doomed"}', "--limit", "1"], { env: ENV })).stdout);
  const started = await run(["call", "start-vm", "--body", JSON.stringify({ where: { id: vm.id } })], { env: ENV });
  assert.equal(started.code, 0, started.stderr);
  const [{ task_id: id }] = JSON.parse(started.stdout);
  let cli;
  const waiting = run(["wait", id, "--interval", "100ms"], { env: ENV, onSpawn: (child) => (cli = child) });
  await eventually(() => sim.state.requestCount({ path: "/v2/api/get-tasks" }) > 0, { what: "the first poll" });
  cli.kill("SIGTERM");
  const r = await waiting;
  assert.equal(r.code, 143);
  assert.match(r.stderr, /^error \[INTERRUPTED\] interrupted by SIGTERM\n$/);
});

test("no output of any run holds a password, a token or a key", () => {
  assert.ok(assertNoSecretsPrinted(Object.values(ACCOUNTS).map((a) => a.password)) >= 10);
});
