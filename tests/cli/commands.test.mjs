// The cloudtower CLI (the package's bin) run as a child process against the simulator: every
// command, pipe-friendly output, --stdin, the 0600 key file, secrets refused in argv, the exit
// status of every error code the simulator can produce, and a scan of all output for secrets.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, statSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";
import { run, BIN, VERSION, PKG, ROOT, assertNoSecretsPrinted, assertSecretLine } from "./helpers.mjs";

const { admin, readOnly, ldap, mfa } = ACCOUNTS;
const PASSWORDS = [admin.password, readOnly.password, ldap.password, mfa.password];
let sim;
let dir;
let ENV; // endpoint + admin password login
const as = (account, extra = {}) => ({ CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_USERNAME: account.username, CLOUDTOWER_PASSWORD: account.password, ...extra });
const withKey = (key) => ({ CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_API_KEY: key });

before(async () => {
  sim = await startSimulator({ vms: 230, taskDurationMs: 300, lockoutThreshold: 0 });
  dir = mkdtempSync(join(tmpdir(), "cloudtower-cli-"));
  ENV = as(admin);
});
after(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Issues a key through the CLI; returns it. */
async function createKey(name, env = ENV) {
  const r = await run(["key", "create", "--name", name], { env, stdoutMayHoldSecret: true });
  assert.equal(r.code, 0, r.stderr);
  return assertSecretLine(r.stdout);
}

test("the bin is declared in package.json, has a node shebang, and --help / --version work", async () => {
  const source = readFileSync(BIN, "utf8");
  assert.match(source, /^#!\/usr\/bin\/env node\n/);
  assert.ok(statSync(BIN).mode & 0o100, "the bin is executable");
  const pkg = JSON.parse(readFileSync(`${PKG}package.json`, "utf8"));
  assert.deepEqual(Object.keys(pkg.bin), ["cloudtower"]);
  assert.equal(pkg.dependencies.undici, undefined, "undici is not installed into every consumer");
  assert.equal(pkg.peerDependenciesMeta.undici.optional, true, "undici is an optional peer, for --ca / --insecure");

  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  for (const word of ["auth login", "login", "logout", "key create", "key delete", "key list", "key rotate", "call", "vms", "wait", "exec",
    "version", "help environment", "help exit-codes"]) {
    assert.ok(help.stdout.includes(word), `main help mentions ${word}`);
  }
  assert.ok(help.stdout.split("\n").length < 45, "the main help is short");
  const [environment, exitCodes] = await Promise.all([run(["help", "environment"]), run(["help", "exit-codes"])]);
  for (const word of ["CLOUDTOWER_API_KEY", "CLOUDTOWER_TOKEN", "CLOUDTOWER_USERNAME", "CLOUDTOWER_PASSWORD", "CLOUDTOWER_PROFILE", "--insecure", "--ca",
    "--endpoint", "--password-stdin", "process list"]) {
    assert.ok(environment.stdout.includes(word), `help environment mentions ${word}`);
  }
  assert.match(exitCodes.stdout, /^Exit status:\n/);
  assert.match(exitCodes.stdout, /17 +TASK_FAILED/);
  for (const args of [["--version"], ["-v"], ["version"]]) {
    const version = await run(args);
    assert.equal(version.code, 0);
    assert.equal(version.stdout, `${VERSION}\n`);
  }
  const none = await run([]);
  assert.equal(none.code, 0, "no arguments: the short help, success");
  assert.equal(none.stdout, help.stdout);
  assert.equal(none.stderr, "");
});

test("every command's help is short: usage, options, examples, and where the shared parts are", async () => {
  const commands = [["login"], ["logout"], ["key", "create"], ["key", "delete"], ["key", "list"], ["key", "rotate"], ["call"], ["vms"], ["wait"], ["exec"],
    ["auth", "login"], ["auth", "status"], ["auth", "logout"], ["auth", "switch"], ["version"]];
  const results = await Promise.all(commands.map((c) => run([...c, "--help"])));
  results.forEach((r, i) => {
    const name = commands[i].join(" ");
    assert.equal(r.code, 0, name);
    assert.match(r.stdout, /^Usage: cloudtower/, name);
    if (name === "version") return;
    for (const part of ["Examples:", "cloudtower help environment", "cloudtower help exit-codes"]) {
      assert.ok(r.stdout.includes(part), `${name} --help has ${part}`);
    }
    assert.ok(!r.stdout.includes("CLOUDTOWER_SOURCE ") && !r.stdout.includes("TASK_FAILED  "), `${name} --help does not repeat the shared parts`);
    assert.ok(r.stdout.split("\n").length < 40, `${name} --help is short`);
  });
  assert.equal((await run(["help", "key", "rotate"])).stdout, results[5].stdout);
  const unknown = await run(["frobnicate"], { env: ENV });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^error \[USAGE\] unknown command "frobnicate"/);
});

test("login checks the credentials and prints the user, never the token, and logs its session out", async () => {
  const before = sim.state.requestCount({ operation: "logout" });
  const r = await run(["login"], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Logged in to http:\/\/127\.0\.0\.1:\d+ as admin \(Administrator\)\n/);
  assert.match(r.stdout, /roles: Administrator \(ADMIN\)/);
  assert.equal(sim.state.requestCount({ operation: "logout" }), before + 1, "the CLI ends the session it opened");

  const json = await run(["login", "--json"], { env: ENV });
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.user.username, "admin");
  assert.equal(parsed.authKind, "token");
  assert.equal(parsed.token, undefined);

  const viaLdap = await run(["login", "--source", "LDAP"], { env: as(ldap) });
  assert.equal(viaLdap.code, 0, viaLdap.stderr);
  assert.match(viaLdap.stdout, /as alice \(Alice Liu\)/);
});

test("login --print-token prints the token alone on stdout; the token works until logout", async () => {
  const r = await run(["login", "--print-token"], { env: ENV, stdoutMayHoldSecret: true });
  assert.equal(r.code, 0, r.stderr);
  const token = assertSecretLine(r.stdout);
  assert.match(r.stderr, /as admin/);
  const check = await run(["login"], { env: { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_TOKEN: token } });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /Authenticated to .* as admin .*credential: CLOUDTOWER_TOKEN/s);
  const tokenEnv = { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_TOKEN: token };
  const out = await run(["logout"], { env: tokenEnv });
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stderr, /logged out: CLOUDTOWER_TOKEN no longer works/);
  assert.equal((await run(["login"], { env: tokenEnv })).code, 8, "the token is dead after logout");
  assert.equal((await run(["logout"], { env: ENV })).code, 2, "logout needs CLOUDTOWER_TOKEN");
  const withApiKeyOnly = await run(["login", "--print-token"], { env: withKey("x".repeat(43)) });
  assert.equal(withApiKeyOnly.code, 2);
  assert.match(withApiKeyOnly.stderr, /needs a password login/);
});

test("key create prints exactly the key and a newline; the key works; key list shows it without the secret", async () => {
  const key = await createKey("ci");
  assert.ok(sim.state.hasApiKey(key));
  const login = await run(["login"], { env: withKey(key) });
  assert.equal(login.code, 0);
  const list = await run(["key", "list"], { env: ENV });
  assert.equal(list.code, 0, list.stderr);
  const keys = JSON.parse(list.stdout);
  assert.ok(keys.some((k) => k.name === "ci" && k.username === "admin"));
  assert.ok(!list.stdout.includes(key));

  const json = await run(["key", "create", "--name", "ci-json", "--json"], { env: ENV, stdoutMayHoldSecret: true });
  const record = JSON.parse(json.stdout);
  assert.deepEqual(Object.keys(record).sort(), ["id", "key", "name", "roles"]);
  assert.ok(sim.state.hasApiKey(record.key));

  const keyOnly = await run(["key", "create", "--name", "nope"], { env: withKey(key) });
  assert.equal(keyOnly.code, 2, "an API key cannot issue keys: the CLI says what to set");
  assert.match(keyOnly.stderr, /does not let an API key issue or revoke keys/);
  const noName = await run(["key", "create"], { env: ENV });
  assert.equal(noName.code, 2);
  assert.match(noName.stderr, /needs --name NAME/);
});

test("key create --out-file writes a 0600 file atomically, refuses to overwrite, and --force replaces; --output FILE still works, deprecated", async () => {
  const file = join(dir, "ci.key");
  const r = await run(["key", "create", "--name", "file-key", "--output", file], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "", "nothing on stdout with a key file");
  assert.match(r.stderr, /^warning: --output FILE is deprecated for the key file: use --out-file FILE/);
  assert.match(r.stderr, /written to .*ci\.key \(mode 0600\)/);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const key = assertSecretLine(readFileSync(file, "utf8"));
  assert.ok(sim.state.hasApiKey(key));

  const keysBefore = sim.state.apiKeys().length;
  const again = await run(["key", "create", "--name", "file-key-2", "--out-file", file], { env: ENV });
  assert.equal(again.code, 18);
  assert.match(again.stderr, /^error \[IO\] .*ci\.key exists: refusing to overwrite it \(--force replaces it\)/);
  assert.equal(sim.state.apiKeys().length, keysBefore, "no key is issued when the file is refused");
  assert.equal(readFileSync(file, "utf8"), `${key}\n`);

  const loose = join(dir, "loose.key");
  writeFileSync(loose, "old\n", { mode: 0o644 });
  const forced = await run(["key", "create", "--name", "file-key-3", "--out-file", loose, "--force"], { env: ENV });
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(statSync(loose).mode & 0o777, 0o600, "the replaced file is 0600, not the old file's 0644");
  assert.ok(sim.state.hasApiKey(assertSecretLine(readFileSync(loose, "utf8"))));
});

test("key delete --stdin revokes keys read from standard input; a revoked key is refused (exit 8)", async () => {
  const one = await createKey("del-1");
  const two = await createKey("del-2");
  const r = await run(["key", "delete", "--stdin"], { env: ENV, input: `${one}\n\n${two}\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^revoked API key \S+\nrevoked API key \S+\n$/);
  assert.ok(!sim.state.hasApiKey(one) && !sim.state.hasApiKey(two));
  const again = await run(["key", "delete", "--stdin", "--json"], { env: ENV, input: `${one}\n` });
  assert.deepEqual(JSON.parse(again.stdout), [{ id: null, alreadyRevoked: true }]);
  const refused = await run(["vms"], { env: withKey(one) });
  assert.equal(refused.code, 8);
  assert.match(refused.stderr, /^error \[UNAUTHORIZED\] .*credential from CLOUDTOWER_API_KEY \(request id [\w-]+\)\n$/);
  const nothing = await run(["key", "delete"], { env: ENV });
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /--stdin/);
  const empty = await run(["key", "delete", "--stdin"], { env: ENV, input: "\n" });
  assert.equal(empty.code, 18);
});

test("key delete KEY (positional) revokes the exposed key at once and warns", async () => {
  const key = await createKey("positional");
  const r = await run(["key", "delete", key], { env: ENV });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!sim.state.hasApiKey(key));
  assert.match(r.stderr, /warning: the API key was given on the command line.*it is revoked now.*--stdin/);
  // The key is in argv, not in any output:
  assert.ok(!r.stdout.includes(key) && !r.stderr.includes(key));
  const failed = await run(["key", "delete", "not-a-key"], { env: { ...ENV, CLOUDTOWER_PASSWORD: "wrong" } });
  assert.equal(failed.code, 8);
  assert.match(failed.stderr, /may still be valid: revoke it as soon as possible with `cloudtower key delete --stdin`/);
});

test("key rotate --stdin replaces the key: the new one alone on stdout, the old one revoked", async () => {
  const old = await createKey("rotate-old");
  const r = await run(["key", "rotate", "--stdin", "--name", "rotate-new"], { env: ENV, input: `${old}\n`, stdoutMayHoldSecret: true });
  assert.equal(r.code, 0, r.stderr);
  const neu = assertSecretLine(r.stdout);
  assert.ok(!sim.state.hasApiKey(old));
  assert.ok(sim.state.hasApiKey(neu));
  assert.ok(sim.state.apiKeys().some((k) => k.name === "rotate-new"));
  const twoLines = await run(["key", "rotate", "--stdin", "--name", "x"], { env: ENV, input: `${neu}\n${neu}\n` });
  assert.equal(twoLines.code, 2);
  const keysBefore = sim.state.apiKeys().length;
  const revoked = await run(["key", "rotate", "--stdin", "--name", "x"], { env: ENV, input: `${old}\n` });
  assert.equal(revoked.code, 8, "rotating a revoked (or mistyped) key fails");
  assert.match(revoked.stderr, /^error \[UNAUTHORIZED\] the key to replace is not a valid API key .*no key was issued/);
  assert.equal(sim.state.apiKeys().length, keysBefore);
});

test("secrets as option values are refused (exit 2) with the variable to use, without echoing the value", async () => {
  const value = "Hunter2-Secret-Value";
  const cases = [
    [["login", `--password=${value}`], /--password is refused: .*process list.*CLOUDTOWER_PASSWORD/],
    [["login", "--password", value], /--password is refused/],
    [["login", "-p", value], /-p is refused: .*CLOUDTOWER_PASSWORD/],
    [["vms", "--token", value], /--token is refused: .*CLOUDTOWER_TOKEN/],
    [["vms", "--api-key", value], /--api-key is refused: .*CLOUDTOWER_API_KEY/],
    [["key", "delete", "--key", value], /--key is refused: .*key delete --stdin/],
    [["call", "create-user", "--body", `{"username":"u","password":"${value}"}`], /--body holds a "password" field: .*--body -/],
    [["vms", `--pasword=${value}`], /unknown option --pasword;/],
    [["call", "login", "--body", "-"], /`cloudtower call login` would print a token: use `cloudtower login`/],
  ];
  const results = await Promise.all(cases.map(([args]) => run(args, { env: ENV })));
  results.forEach((r, i) => {
    assert.equal(r.code, 2, cases[i][0].join(" "));
    assert.match(r.stderr, /^error \[USAGE\] /);
    assert.match(r.stderr, cases[i][1]);
    assert.ok(!r.stderr.includes(value) && !r.stdout.includes(value), "the value is not echoed");
  });
  const asJson = await run(["login", "--token", value, "--json"], { env: ENV });
  const { error } = JSON.parse(asJson.stderr);
  assert.equal(error.code, "USAGE");
  assert.equal(error.exitCode, 2);
});

test("call: any v2 operation with --body inline, @file or -, JSON on stdout", async () => {
  const version = await run(["call", "get-version"], { env: { CLOUDTOWER_ENDPOINT: sim.url } });
  assert.equal(version.code, 0, version.stderr);
  assert.equal(JSON.parse(version.stdout), "4.6.0");
  const where = { where: { name_contains: "prod" } };
  const inline = await run(["call", "get-clusters", "--body", JSON.stringify(where)], { env: ENV });
  assert.equal(inline.code, 0, inline.stderr);
  const clusters = JSON.parse(inline.stdout);
  assert.ok(clusters.length > 0 && clusters.every((c) => c.name.includes("prod")));
  const file = join(dir, "body.json");
  writeFileSync(file, JSON.stringify(where));
  assert.deepEqual(JSON.parse((await run(["call", "get-clusters", "--body", `@${file}`], { env: ENV })).stdout), clusters);
  assert.deepEqual(JSON.parse((await run(["call", "get-clusters", "--body", "-"], { env: ENV, input: JSON.stringify(where) })).stdout), clusters);
  const count = await run(["call", "get-vms-connection", "--body", "{}"], { env: ENV });
  assert.deepEqual(JSON.parse(count.stdout), { aggregate: { count: 230 } });
  const bad = await run(["call", "get-vms", "--body", "{not json"], { env: ENV });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--body \(inline\) is not valid JSON/);
  const missing = await run(["call", "get-vms", "--body", `@${join(dir, "missing.json")}`], { env: ENV });
  assert.equal(missing.code, 18);
  const noCredentials = await run(["call", "get-vms"], { env: { CLOUDTOWER_ENDPOINT: sim.url } });
  assert.equal(noCredentials.code, 2);
  assert.match(noCredentials.stderr, /no credentials: log in with `cloudtower auth login`, or set CLOUDTOWER_API_KEY/);
  const noEndpoint = await run(["call", "get-vms"], { env: { CLOUDTOWER_API_KEY: "k" } });
  assert.equal(noEndpoint.code, 2);
  assert.match(noEndpoint.stderr, /no endpoint: pass --endpoint URL, set CLOUDTOWER_ENDPOINT, or log in with `cloudtower auth login`/);
  const viaFlag = await run(["call", "get-version", "--endpoint", sim.url]);
  assert.equal(viaFlag.code, 0);
});

test("vms: JSON when stdout is not a terminal, --where/--order-by/--limit, --all pages through everything", async () => {
  const key = await createKey("vms");
  const env = withKey(key);
  const first = await run(["vms", "--limit", "5", "--order-by", "name_ASC"], { env });
  assert.equal(first.code, 0, first.stderr);
  const five = JSON.parse(first.stdout);
  assert.equal(five.length, 5);
  assert.deepEqual(five.map((v) => v.name), [...five.map((v) => v.name)].sort());
  assert.match(first.stderr, /more VMs match than the 5 shown: use --all/);
  const running = await run(["vms", "--where", '{"status": "RUNNING"}', "--json"], { env });
  assert.ok(JSON.parse(running.stdout).every((v) => v.status === "RUNNING"));
  const all = await run(["vms", "--all", "--page-size", "50"], { env });
  assert.equal(all.code, 0, all.stderr);
  const vms = JSON.parse(all.stdout);
  assert.equal(vms.length, 230);
  assert.equal(new Set(vms.map((v) => v.id)).size, 230, "no VM twice");
  assert.equal(all.stderr, "", "no progress bar when stderr is not a terminal");
  const conflicting = await run(["vms", "--all", "--limit", "3"], { env });
  assert.equal(conflicting.code, 2);
  const badOrder = await run(["vms", "--order-by", "name"], { env });
  assert.equal(badOrder.code, 2);
});

test("wait: exits 0 when the tasks succeed; exit 17 naming the error of a FAILED task", async () => {
  const started = await run(["call", "start-vm", "--body", '{"where": {"name": "vm-doomed"}}'], { env: ENV });
  assert.equal(started.code, 0, started.stderr);
  const [{ task_id: failing }] = JSON.parse(started.stdout);
  const two = JSON.parse((await run(["vms", "--where", '{"status": "RUNNING", "name_not": "vm-doomed"}', "--limit", "2"], { env: ENV })).stdout);
  const stopped = await run(["call", "shutdown-vm", "--body", JSON.stringify({ where: { id_in: two.map((vm) => vm.id) } })], { env: ENV });
  const okIds = JSON.parse(stopped.stdout).map((t) => t.task_id);
  assert.equal(okIds.length, 2);

  const good = await run(["wait", ...okIds, "--interval", "100ms"], { env: ENV });
  assert.equal(good.code, 0, good.stderr);
  assert.ok(JSON.parse(good.stdout).every((t) => t.status === "SUCCESSED"));

  const bad = await run(["wait", failing, ...okIds, "--interval", "100ms"], { env: ENV });
  assert.equal(bad.code, 17);
  assert.match(bad.stderr, new RegExp(`^error \\[TASK_FAILED\\] 1 of ${okIds.length + 1} tasks FAILED: task ${failing}: VM_OPERATION_FAILED: Failed to start VM vm-doomed`));
  assert.equal(bad.stderr.trim().split("\n").length, 1, "one line");

  const json = await run(["wait", failing, "--json"], { env: ENV });
  assert.equal(json.code, 17);
  assert.deepEqual(JSON.parse(json.stderr).error.failedTasks.map((t) => t.id), [failing]);

  // A mutation's answer piped into `wait -`
  const piped = await run(["wait", "-", "--interval", "100ms"], { env: ENV, input: started.stdout });
  assert.equal(piped.code, 17);
  const unknown = await run(["wait", "no-such-task", okIds[0]], { env: ENV });
  assert.equal(unknown.code, 11, "an unknown task id fails at once");
  assert.match(unknown.stderr, /^error \[NOT_FOUND\] no task with id no-such-task\n$/);
  const timeout = await run(["wait", failing, "--wait-timeout", "1ms"], { env: ENV });
  assert.ok(timeout.code === 5 || timeout.code === 17, "TIMEOUT, unless the task already ended");
});

test("exit status per error code, each printed as one `error [CODE] ...` line", async () => {
  const key = await createKey("codes");
  const env = withKey(key);
  const closed = await startSimulator({ vms: 1 });
  const closedUrl = closed.url;
  await closed.close();
  const noKeysQuery = await startSimulator({ vms: 1, apiKeysQuery: false });
  const fault = (f) => () => sim.faults.add(f);
  try {
    const cases = [
      ["INVALID_ARGUMENT", 3, ["call", "get-nonsense"], env],
      ["INVALID_ARGUMENT", 3, ["vms", "--language", "fr"], env],
      ["NETWORK", 4, ["vms", "--timeout", "2s"], { CLOUDTOWER_ENDPOINT: closedUrl, CLOUDTOWER_API_KEY: key }],
      ["TIMEOUT", 5, ["call", "start-vm", "--body", '{"where": {"name": "nothing"}}', "--timeout", "300ms"], env,
        fault({ path: "/v2/api/start-vm", kind: "hang" })],
      ["HTTP", 7, ["call", "get-vms", "--body", '{"where": {"bogus": 1}}'], env],
      ["UNAUTHORIZED", 8, ["login"], as(admin, { CLOUDTOWER_PASSWORD: "wrong" })],
      ["FORBIDDEN", 9, ["call", "start-vm", "--body", '{"where": {"name": "nothing"}}'], as(readOnly)],
      ["MFA_REQUIRED", 10, ["login"], as(mfa)],
      ["NOT_FOUND", 11, ["call", "get-users"], env],
      ["GRAPHQL", 13, ["login"], env, fault({ path: "/api", kind: "graphql-partial" })],
      ["DECODE", 14, ["call", "get-clusters"], env, fault({ path: "/v2/api/get-clusters", kind: "invalid-json", count: 3 })],
      ["UNSUPPORTED", 15, ["key", "list"], as(admin, { CLOUDTOWER_ENDPOINT: noKeysQuery.url })],
      ["OUTCOME_UNKNOWN", 16, ["call", "shutdown-vm", "--body", '{"where": {"name": "nothing"}}'], env,
        fault({ path: "/v2/api/shutdown-vm", kind: "reset", execute: true })],
    ];
    const check = ([code, status, args], r) => {
      assert.equal(r.code, status, `${code}: ${args.join(" ")} → ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^error \\[${code}\\] \\S`), args.join(" "));
      assert.equal(r.stderr.trim().split("\n").length, 1, `${code}: one line`);
    };
    // Cases with a fault run one at a time (faults are a shared queue); the others together.
    const plain = cases.filter((c) => !c[4]);
    (await Promise.all(plain.map(([, , args, caseEnv]) => run(args, { env: caseEnv })))).forEach((r, i) => check(plain[i], r));
    for (const c of cases.filter((c) => c[4])) {
      c[4]();
      const r = await run(c[2], { env: c[3] });
      sim.faults.clear();
      check(c, r);
    }
  } finally {
    sim.faults.clear();
    await noKeysQuery.close();
  }
});

test("the exit status table covers every client error code, one distinct status each, in help and README", async () => {
  const { EXIT_CODES } = await import(new URL("../../pkg/cli/errors.mjs", import.meta.url));
  const dts = readFileSync(`${PKG}index.d.cts`, "utf8");
  const union = /export type CloudTowerErrorCode =([^;]+);/.exec(dts)[1];
  const codes = [...union.matchAll(/"([A-Z_]+)"/g)].map((m) => m[1]);
  assert.ok(codes.length >= 15);
  for (const code of codes) assert.ok(Number.isInteger(EXIT_CODES[code]), `${code} has an exit status`);
  const statuses = Object.values(EXIT_CODES);
  assert.equal(new Set(statuses).size, statuses.length, "statuses are distinct");
  const { EXIT_CODE_MEANINGS } = await import(new URL("../../pkg/cli/errors.mjs", import.meta.url));
  const readme = readFileSync(`${ROOT}README.md`, "utf8");
  for (const [status, code] of EXIT_CODE_MEANINGS) {
    assert.ok(readme.includes(`| ${status} | ${code ? `\`${code}\`` : ""} |`), `README section lists ${status} ${code}`);
  }
  const help = await run(["help", "exit-codes"]);
  for (const [code, status] of Object.entries(EXIT_CODES)) {
    if (code === "INTERRUPTED") continue;
    assert.match(help.stdout, new RegExp(`\\n  ${status}\\s+${code}\\s`), `help lists ${status} ${code}`);
  }
});

test("no output of any run holds a password, a token or a key, except the outputs made to print one", () => {
  assert.ok(assertNoSecretsPrinted(PASSWORDS) > 40);
  assert.ok(!existsSync(join(dir, ".loose.key.tmp")), "no temporary file left behind");
});
