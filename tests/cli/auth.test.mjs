// `cloudtower auth`: profiles that hold an endpoint and a revocable API key (never a password or
// a token), in a 0600 config file under a 0700 directory, replaced atomically under a lock;
// selection by --profile, CLOUDTOWER_PROFILE and `auth switch`; a key revoked by `auth logout` is
// refused afterwards; processes racing on the config lose nothing.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";
import { run, runOnTerminal, assertNoSecretsPrinted, assertSecretLine } from "./helpers.mjs";

const { admin, mfa } = ACCOUNTS;
let sim;
let other; // a second CloudTower
let root;
let n = 0;

before(async () => {
  [sim, other] = await Promise.all([startSimulator({ vms: 20, lockoutThreshold: 0 }), startSimulator({ vms: 5 })]);
  root = mkdtempSync(join(tmpdir(), "cloudtower-auth-"));
});
after(async () => {
  await Promise.all([sim?.close(), other?.close()]);
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A fresh config directory (not created yet: the CLI creates it). */
const freshDir = () => join(root, `config-${++n}`);
const config = (dir) => JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));

/** `auth login` with the admin password on stdin into `dir`. */
function login(dir, extraArgs = [], env = {}) {
  return run(["auth", "login", "--password-stdin", ...extraArgs], {
    env: { CLOUDTOWER_CONFIG_DIR: dir, CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_USERNAME: admin.username, ...env },
    input: `${admin.password}\n`,
  });
}

test("auth login stores an endpoint and a new API key, mode 0600 in a 0700 directory, and no password or token", async () => {
  const dir = freshDir();
  const logouts = sim.state.requestCount({ operation: "logout" });
  const r = await login(dir);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Logged in to http:\/\/127\.0\.0\.1:\d+ as admin \(Administrator\)\n {2}profile "default" stores API key "cli-[^"]+-default" \(id \w+\) in .*config\.json \(mode 0600\)\n/);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, "config.json")).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ["config.json"], "no temporary or lock file left");
  const stored = config(dir);
  assert.equal(stored.current, "default");
  assert.deepEqual(Object.keys(stored.profiles.default).sort(), ["endpoint", "key", "keyId", "keyName", "username"]);
  const text = readFileSync(join(dir, "config.json"), "utf8");
  assert.ok(!text.includes(admin.password), "no password");
  assert.ok(sim.state.hasApiKey(stored.profiles.default.key), "a live API key");
  assert.equal(sim.state.requestCount({ operation: "logout" }), logouts + 1, "the login session is logged out: no token lives on");

  // The profile is used by every command with no credential in the environment.
  const vms = await run(["vms", "--limit", "2"], { env: { CLOUDTOWER_CONFIG_DIR: dir } });
  assert.equal(vms.code, 0, vms.stderr);
  assert.equal(JSON.parse(vms.stdout).length, 2);
  assert.equal(vms.stderr, "note: more VMs match than the 2 shown: use --all, or --limit N\n");
});

test("auth login on a terminal asks for the user name and the hidden password", async () => {
  const dir = freshDir();
  const r = await runOnTerminal(["auth", "login", "--endpoint", sim.url, "--profile", "tty"], {
    env: { CLOUDTOWER_CONFIG_DIR: dir },
    answers: [["User name", "admin\r"], ["Password for admin at http", `${admin.password}\r`]],
  });
  assert.equal(r.code, 0, r.screen);
  assert.ok(!r.screen.includes(admin.password), "the password is not echoed");
  assert.match(r.screen, /profile "tty" stores API key "cli-[^"]+-tty"/);
  assert.ok(sim.state.hasApiKey(config(dir).profiles.tty.key));
});

test("auth status shows the profile, endpoint, user, key name and id, never the key, and whether it works", async () => {
  const dir = freshDir();
  await login(dir);
  const { key, keyId } = config(dir).profiles.default;
  const r = await run(["auth", "status"], { env: { CLOUDTOWER_CONFIG_DIR: dir } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^profile "default" \(the current profile\)\n/);
  assert.match(r.stdout, new RegExp(`key +"cli-[^"]+-default" \\(id ${keyId}\\)`));
  assert.match(r.stdout, /credential +profile default\n/);
  assert.match(r.stdout, /works +yes\n/);
  assert.match(r.stdout, /precedence: --endpoint, then CLOUDTOWER_ENDPOINT/);
  assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key));
  const json = JSON.parse((await run(["auth", "status", "--json"], { env: { CLOUDTOWER_CONFIG_DIR: dir } })).stdout);
  assert.equal(json.works, true);
  assert.equal(json.user, "admin");
  assert.equal(json.keyId, keyId);

  // The environment comes first, and says so.
  const withEnvKey = await run(["auth", "status"], { env: { CLOUDTOWER_CONFIG_DIR: dir, CLOUDTOWER_API_KEY: key } });
  assert.match(withEnvKey.stdout, /credential +CLOUDTOWER_API_KEY \(the environment comes before the profile\)/);
  assert.match(withEnvKey.stderr, /^note: using CLOUDTOWER_API_KEY; profile default is set too and not used/);
});

test("auth logout revokes the stored key (refused afterwards) and removes the profile; a failed revoke keeps it", async () => {
  const dir = freshDir();
  await login(dir);
  const { key } = config(dir).profiles.default;
  const env = { CLOUDTOWER_CONFIG_DIR: dir };

  const wrong = await run(["auth", "logout", "--password-stdin"], { env, input: "wrong-password\n" });
  assert.equal(wrong.code, 8, wrong.stderr);
  assert.ok(sim.state.hasApiKey(key), "not revoked");
  assert.equal(config(dir).profiles.default.key, key, "still stored");

  const r = await run(["auth", "logout", "--password-stdin"], { env, input: `${admin.password}\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^revoked API key "cli-[^"]+-default" \(id \w+\) and removed profile "default"\n$/);
  assert.deepEqual(config(dir).profiles, {});
  assert.equal(config(dir).current, null);
  const refused = await run(["vms"], { env: { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_API_KEY: key } });
  assert.equal(refused.code, 8, "the revoked key is refused");
  const status = await run(["auth", "status"], { env });
  assert.equal(status.code, 2);
  assert.match(status.stderr, /not logged in/);
});

test("auth login --with-key stores an existing key (2FA users); logout needs --forget, which warns the key stays valid", async () => {
  const dir = freshDir();
  const created = await run(["key", "create", "--name", "for-2fa"], {
    env: { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_USERNAME: admin.username, CLOUDTOWER_PASSWORD: admin.password },
    stdoutMayHoldSecret: true,
  });
  const key = assertSecretLine(created.stdout);
  const env = { CLOUDTOWER_CONFIG_DIR: dir, CLOUDTOWER_ENDPOINT: sim.url };
  const r = await run(["auth", "login", "--with-key", "--profile", "twofa"], { env, input: `${key}\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /profile "twofa" stores the API key read from standard input/);
  assert.equal(config(dir).profiles.twofa.key, key);
  const bad = await run(["auth", "login", "--with-key", "--profile", "bad"], { env, input: `${"x".repeat(43)}\n` });
  assert.equal(bad.code, 8, "an invalid key is not stored");
  assert.equal(config(dir).profiles.bad, undefined);

  const noUser = await run(["auth", "logout", "--profile", "twofa"], { env: { CLOUDTOWER_CONFIG_DIR: dir } });
  assert.equal(noUser.code, 2);
  assert.match(noUser.stderr, /set CLOUDTOWER_USERNAME\), or remove the profile without revoking with `cloudtower auth logout --forget`/);
  // The named user is the one that logs in: a 2FA user cannot, and the profile stays.
  const twoFactor = await run(["auth", "logout", "--profile", "twofa", "--password-stdin"],
    { env: { CLOUDTOWER_CONFIG_DIR: dir, CLOUDTOWER_USERNAME: mfa.username }, input: `${mfa.password}\n` });
  assert.equal(twoFactor.code, 10, twoFactor.stderr);
  assert.match(twoFactor.stderr, /MFA_REQUIRED/);
  assert.equal(config(dir).profiles.twofa.key, key, "still stored");
  const forget = await run(["auth", "logout", "--profile", "twofa", "--forget"], { env: { CLOUDTOWER_CONFIG_DIR: dir } });
  assert.equal(forget.code, 0, forget.stderr);
  assert.match(forget.stderr, /^warning: profile "twofa" is removed but its API key was not revoked and is still valid/);
  assert.ok(sim.state.hasApiKey(key));
  assert.equal(config(dir).profiles.twofa, undefined);
});

test("profiles are picked by --profile, CLOUDTOWER_PROFILE or auth switch; a profile's key only goes to its own endpoint", async () => {
  const dir = freshDir();
  await login(dir, ["--profile", "a"]);
  await login(dir, ["--profile", "b"], { CLOUDTOWER_ENDPOINT: other.url });
  const env = { CLOUDTOWER_CONFIG_DIR: dir };
  const count = async (args, extra = {}) => {
    const r = await run(["call", "get-vms-connection", "--body", "{}", ...args], { env: { ...env, ...extra } });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).aggregate.count;
  };
  assert.equal(config(dir).current, "a", "the first profile is the current one");
  assert.equal(await count([]), 20);
  assert.equal(await count(["--profile", "b"]), 5);
  assert.equal(await count([], { CLOUDTOWER_PROFILE: "b" }), 5);
  assert.equal(await count(["--profile", "a"], { CLOUDTOWER_PROFILE: "b" }), 20, "--profile wins");
  const switched = await run(["auth", "switch", "b"], { env });
  assert.equal(switched.code, 0);
  assert.equal(await count([]), 5);
  const unknown = await run(["auth", "switch", "nope"], { env });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no profile "nope"; profiles: a, b/);
  const missing = await run(["vms"], { env: { ...env, CLOUDTOWER_PROFILE: "nope" } });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no profile "nope" \(CLOUDTOWER_PROFILE\)/);

  const elsewhere = await run(["vms"], { env: { ...env, CLOUDTOWER_ENDPOINT: sim.url } });
  assert.equal(elsewhere.code, 2, "b's key is not sent to a's server");
  assert.match(elsewhere.stderr, /profile "b" holds a key for http:\/\/127\.0\.0\.1:\d+, not for http:\/\/127\.0\.0\.1:\d+: its key is only sent to its own endpoint/);
  const badName = await run(["vms", "--profile", "../etc"], { env });
  assert.equal(badName.code, 2);
});

test("auth login again replaces the profile's key and revokes the old one", async () => {
  const dir = freshDir();
  await login(dir);
  const first = config(dir).profiles.default.key;
  const again = await login(dir);
  assert.equal(again.code, 0, again.stderr);
  const second = config(dir).profiles.default.key;
  assert.notEqual(first, second);
  assert.ok(!sim.state.hasApiKey(first), "the replaced key is revoked");
  assert.ok(sim.state.hasApiKey(second));
});

test("processes writing the config at once lose nothing and never corrupt it; a dead process's lock is taken over", async () => {
  const dir = freshDir();
  mkdirSync(dir, { mode: 0o700 });
  // A lock left by a process that is gone.
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
  writeFileSync(join(dir, "config.json.lock"), `${dead}\n`, { mode: 0o600 });
  const created = await run(["key", "create", "--name", "racer"], {
    env: { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_USERNAME: admin.username, CLOUDTOWER_PASSWORD: admin.password },
    stdoutMayHoldSecret: true,
  });
  const key = assertSecretLine(created.stdout);
  const names = Array.from({ length: 8 }, (_, i) => `racer-${i}`);
  const results = await Promise.all(names.map((name) => run(["auth", "login", "--with-key", "--profile", name],
    { env: { CLOUDTOWER_CONFIG_DIR: dir, CLOUDTOWER_ENDPOINT: sim.url }, input: `${key}\n` })));
  results.forEach((r) => assert.equal(r.code, 0, r.stderr));
  assert.deepEqual(Object.keys(config(dir).profiles).sort(), names);
  assert.equal(statSync(join(dir, "config.json")).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), ["config.json"], "no lock or temporary file left");
  assert.ok(!existsSync(join(dir, "config.json.lock")));
});

test("no output of any run holds a password, a token or a key, except the outputs made to print one", () => {
  assert.ok(assertNoSecretsPrinted(Object.values(ACCOUNTS).map((a) => a.password)) >= 10);
});
