// The conventions ops engineers expect (issue 15): -o table|json|ndjson|yaml and --fields,
// streaming `vms --all` / `call --all` (rows printed while later pages are still unanswered),
// --debug lines without secrets, key files with --out-file.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";
import { run, runOnTerminal, startFront, cleanEnv, BIN, assertNoSecretsPrinted, assertSecretLine } from "./helpers.mjs";

const { admin } = ACCOUNTS;
let sim;
let front;
let ENV;
let holdPage = null; // (n) => promise: holds the n-th get-vms request through the front
let pages = 0;

before(async () => {
  sim = await startSimulator({ vms: 120, lockoutThreshold: 0 });
  front = await startFront(sim.url, {
    hold: (path) => (path === "/v2/api/get-vms" && holdPage ? holdPage(++pages) : undefined),
  });
  ENV = { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_USERNAME: admin.username, CLOUDTOWER_PASSWORD: admin.password };
});
after(async () => {
  await front?.close();
  await sim?.close();
});

test("-o json | ndjson | yaml | table and --fields on vms; --json is -o json", async () => {
  const args = ["vms", "--limit", "3", "--order-by", "name_ASC"];
  const json = await run([...args, "-o", "json"], { env: ENV });
  const vms = JSON.parse(json.stdout);
  assert.equal(vms.length, 3);
  assert.equal((await run([...args, "--json"], { env: ENV })).stdout, json.stdout);
  assert.equal((await run(args, { env: ENV })).stdout, json.stdout, "JSON when stdout is not a terminal");

  const ndjson = await run([...args, "--output", "ndjson"], { env: ENV });
  assert.deepEqual(ndjson.stdout.trim().split("\n").map((l) => JSON.parse(l)), vms);
  const yaml = await run([...args, "-o", "yaml"], { env: ENV });
  assert.deepEqual(parseYaml(yaml.stdout), vms);

  const picked = await run([...args, "-o", "ndjson", "--fields", "id,name,cluster.name"], { env: ENV });
  assert.deepEqual(picked.stdout.trim().split("\n").map((l) => JSON.parse(l)),
    vms.map((vm) => ({ id: vm.id, name: vm.name, "cluster.name": vm.cluster.name })));
  const table = await run([...args, "-o", "table", "--fields", "name,status"], { env: ENV });
  assert.deepEqual(table.stdout.trim().split("\n").map((l) => l.split(/\s+/)), [["NAME", "STATUS"], ...vms.map((vm) => [vm.name, vm.status])]);

  for (const [bad, message] of [[["-o", "xml"], /-o\/--output takes table, json, ndjson, yaml/], [["--json", "-o", "yaml"], /--json is -o json/],
    [["--fields", "a,,b;"], /--fields takes field names/]]) {
    const r = await run([...args, ...bad], { env: ENV });
    assert.equal(r.code, 2);
    assert.match(r.stderr, message);
  }
});

test("vms on a terminal: -o table is the default; --fields picks the columns", async () => {
  const r = await runOnTerminal(["vms", "--limit", "2", "--fields", "name,vcpu,host.name"], { env: ENV });
  assert.equal(r.code, 0, r.screen);
  assert.match(r.screen, /^NAME\s+VCPU\s+HOST\.NAME\r?\n/);
});

test("call: -o ndjson / yaml, --fields, -o table needs --fields, call --all streams every page", async () => {
  const ndjson = await run(["call", "get-clusters", "-o", "ndjson", "--fields", "id,name"], { env: ENV });
  const clusters = ndjson.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(clusters.length >= 2 && clusters.every((c) => Object.keys(c).join() === "id,name"));
  const version = await run(["call", "get-version", "-o", "yaml"], { env: { CLOUDTOWER_ENDPOINT: sim.url } });
  assert.equal(version.stdout, "4.6.0\n");
  const noFields = await run(["call", "get-clusters", "-o", "table"], { env: ENV });
  assert.equal(noFields.code, 2);
  const all = await run(["call", "get-vms", "--all", "--page-size", "25", "-o", "ndjson", "--fields", "id"], { env: ENV });
  assert.equal(all.code, 0, all.stderr);
  const ids = all.stdout.trim().split("\n").map((l) => JSON.parse(l).id);
  assert.equal(ids.length, 120);
  assert.equal(new Set(ids).size, 120);
  const allJson = await run(["call", "get-vms", "--all", "--page-size", "50"], { env: ENV });
  assert.equal(JSON.parse(allJson.stdout).length, 120, "--all as one JSON array");
});

/** Runs `args` through the front, holding the 3rd get-vms page until `ready(stdout)` holds. */
async function streamedRun(args, ready) {
  pages = 0;
  let out = "";
  let release;
  let released = false;
  const check = () => {
    if (!released && release && ready(out)) {
      released = true;
      release();
    }
  };
  holdPage = (n) => (n === 3 ? new Promise((resolve) => {
    release = resolve;
    check();
  }) : undefined);
  try {
    return await run(args, {
      env: { ...ENV, CLOUDTOWER_ENDPOINT: front.url },
      onSpawn: (child) => child.stdout.on("data", (d) => {
        out += d;
        check();
      }),
    });
  } finally {
    holdPage = null;
  }
}

test("vms --all streams: the first pages are printed while a later page is still unanswered (ndjson, json, table)", async () => {
  const ndjson = await streamedRun(["vms", "--all", "--page-size", "20", "-o", "ndjson"], (out) => out.split("\n").length > 40);
  assert.equal(ndjson.code, 0, ndjson.stderr);
  assert.equal(ndjson.stdout.trim().split("\n").length, 120);

  const json = await streamedRun(["vms", "--all", "--page-size", "20", "--json"], (out) => (out.match(/^ {4}"id": /gm) ?? []).length >= 40);
  assert.equal(json.code, 0, json.stderr);
  const all = JSON.parse(json.stdout);
  assert.equal(all.length, 120);
  assert.equal(json.stdout, `${JSON.stringify(all, null, 2)}\n`, "the same text as JSON.stringify of the whole list");

  const table = await streamedRun(["vms", "--all", "--page-size", "20", "-o", "table", "--fields", "name,id"], (out) => out.split("\n").length > 40);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split("\n");
  assert.equal(lines.length, 121);
  assert.ok(lines.every((l) => l.lastIndexOf(" ") === lines[0].indexOf("ID") - 1 || l.indexOf(" c") === lines[0].indexOf("ID") - 1),
    "every row's ID in the header's column");
});

test("--debug / CLOUDTOWER_DEBUG=1: one line per HTTP exchange on stderr, retries counted, no secret", async () => {
  const key = assertSecretLine((await run(["key", "create", "--name", "debug"], { env: ENV, stdoutMayHoldSecret: true })).stdout);
  sim.faults.add({ path: "/v2/api/get-vms", kind: "status", status: 503, retryAfter: "0" });
  const r = await run(["vms", "--limit", "1", "--debug"], { env: { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_API_KEY: key } });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("debug: "));
  assert.equal(lines.length, 2, r.stderr);
  assert.match(lines[0], /^debug: get-vms 503 \d+ms request id [0-9a-f-]{36}$/);
  assert.match(lines[1], /^debug: get-vms 200 \d+ms retry 1 request id [0-9a-f-]{36}$/);
  assert.ok(!r.stderr.includes(key));

  const viaEnv = await run(["login"], { env: { ...ENV, CLOUDTOWER_DEBUG: "1" } });
  assert.deepEqual(viaEnv.stderr.split("\n").filter(Boolean).map((l) => l.split(" ")[1]), ["login", "my", "logout"]);
  assert.ok(!viaEnv.stderr.includes(admin.password));
  const quiet = await run(["vms", "--limit", "1"], { env: { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_API_KEY: key } });
  assert.doesNotMatch(quiet.stderr, /debug:/);
});

test("key create -o json | yaml prints the record with the key; --out-file keeps the key off stdout", async () => {
  const yaml = await run(["key", "create", "--name", "as-yaml", "-o", "yaml"], { env: ENV, stdoutMayHoldSecret: true });
  assert.equal(yaml.code, 0, yaml.stderr);
  const record = parseYaml(yaml.stdout);
  assert.deepEqual(Object.keys(record).sort(), ["id", "key", "name", "roles"]);
  assert.ok(sim.state.hasApiKey(record.key));
  const bad = await run(["key", "create", "--name", "never", "-o", "csv"], { env: ENV });
  assert.equal(bad.code, 2, "a bad -o fails before a key is issued");
  assert.ok(!sim.state.apiKeys().some((k) => k.name === "never"));
});

test("completion bash, run by bash: commands, subcommands, options and their values, operations after call, profile names", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cloudtower-completion-"));
  try {
    // `cloudtower` on PATH, for the profile names the script asks for as you type.
    writeFileSync(join(dir, "cloudtower"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
    const configDir = join(dir, "config");
    mkdirSync(configDir, { mode: 0o700 });
    writeFileSync(join(configDir, "config.json"), JSON.stringify({ current: "prod", profiles: { prod: { endpoint: sim.url }, lab: { endpoint: sim.url } } }), { mode: 0o600 });
    const script = await run(["completion", "bash"]);
    assert.equal(script.code, 0);
    writeFileSync(join(dir, "completion.bash"), script.stdout);
    const complete = (...words) => {
      const quoted = words.map((w) => `'${w}'`).join(" ");
      const r = spawnSync("bash", ["-c", `source ./completion.bash; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _cloudtower; printf '%s\\n' "\${COMPREPLY[@]}"`], {
        cwd: dir, encoding: "utf8", env: cleanEnv({ PATH: `${dir}:${process.env.PATH}`, CLOUDTOWER_CONFIG_DIR: configDir }),
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.split("\n").filter(Boolean).sort();
    };
    assert.deepEqual(complete("cloudtower", "au"), ["auth"]);
    assert.deepEqual(complete("cloudtower", "o"), ["ops"]);
    assert.deepEqual(complete("cloudtower", "auth", "s"), ["status", "switch"]);
    assert.deepEqual(complete("cloudtower", "call", "shutdown-v"), ["shutdown-vm"]);
    assert.equal(complete("cloudtower", "call", "").length, 554);
    assert.deepEqual(complete("cloudtower", "vms", "-o", ""), ["json", "ndjson", "table", "yaml"]);
    assert.deepEqual(complete("cloudtower", "vms", "--prof"), ["--profile"]);
    assert.deepEqual(complete("cloudtower", "vms", "--profile", ""), ["lab", "prod"]);
    assert.deepEqual(complete("cloudtower", "auth", "switch", "l"), ["lab"]);
    assert.deepEqual(complete("cloudtower", "completion", ""), ["bash", "fish", "zsh"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("completion zsh and fish carry the same commands, options and operations; a bad shell is a usage error", async () => {
  const [zsh, fish, bad] = await Promise.all([run(["completion", "zsh"]), run(["completion", "fish"]), run(["completion", "tcsh"])]);
  assert.match(zsh.stdout, /^# cloudtower completion for zsh/);
  assert.match(zsh.stdout, /autoload -U \+X bashcompinit && bashcompinit\n/);
  assert.match(zsh.stdout, /complete -o default -F _cloudtower cloudtower/);
  assert.match(fish.stdout, /^complete -c cloudtower -n "__fish_seen_subcommand_from call" -a ".*\bshutdown-vm\b.*"$/m);
  assert.match(fish.stdout, /^complete -c cloudtower -l profile -x -a "\(cloudtower __complete profiles 2>\/dev\/null\)"$/m);
  assert.match(fish.stdout, /^complete -c cloudtower -l output -s o -x -a "table json ndjson yaml"$/m);
  assert.equal(bad.code, 2);
});

test("ops [TEXT]: every operation with credential and read columns; filtered by name or by meaning; call suggests the same", async () => {
  const all = JSON.parse((await run(["ops", "-o", "json"])).stdout);
  assert.equal(all.length, 554);
  assert.deepEqual(all.find((o) => o.name === "get-version"), { name: "get-version", method: "GET", credential: false, read: true });
  assert.deepEqual(all.find((o) => o.name === "get-vms"), { name: "get-vms", method: "POST", credential: true, read: true });
  assert.deepEqual(all.find((o) => o.name === "shutdown-vm"), { name: "shutdown-vm", method: "POST", credential: true, read: false });
  const names = async (...args) => (await run(["ops", ...args, "-o", "ndjson", "--fields", "name"])).stdout.trim().split("\n").map((l) => JSON.parse(l).name);
  assert.ok((await names("snapshot")).every((n) => n.includes("snapshot")));
  assert.deepEqual((await names("stop vm")).slice(0, 2), ["poweroff-vm", "shutdown-vm"], "by meaning");
  const removeSnapshot = await names("remove snapshot");
  assert.ok(removeSnapshot.includes("delete-snapshot-group") && removeSnapshot.every((n) => n.startsWith("delete-")), "remove finds delete");
  const none = await run(["ops", "frobnicate"]);
  assert.equal(none.code, 11);
  const stop = await run(["call", "stop-vm"], { env: ENV });
  assert.equal(stop.code, 3);
  assert.match(stop.stderr, /^error \[INVALID_ARGUMENT\] "stop-vm" is not an operation of the CloudTower 4\.6\.0 API; did you mean poweroff-vm, shutdown-vm/);
  const typo = await run(["call", "get-vmz"], { env: ENV });
  assert.match(typo.stderr, /did you mean get-vms\?/);
  const pasted = await run(["call", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde"], { env: ENV });
  assert.ok(!pasted.stderr.includes("AbCdEf"), "a pasted secret is not echoed");
});

test("no output of any run holds a password, a token or a key, except the outputs made to print one", () => {
  assert.ok(assertNoSecretsPrinted(Object.values(ACCOUNTS).map((a) => a.password)) >= 10);
});
