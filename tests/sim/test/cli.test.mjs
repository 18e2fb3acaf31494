// From the outside: the command line (URL first on stdout, flags, log on stderr, clean exit) and
// the README's curl session, replayed against a fresh simulator with its output compared (random
// tokens, keys and runtime ids normalized), so the README stays true.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { client, withSimulator } from "../harness.mjs";

const CLI = fileURLToPath(new URL("../cli.mjs", import.meta.url));

/** Spawns the CLI; resolves with the child and its first stdout line. */
async function startCli(args) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  child.stdout.on("data", (d) => (stdout += d));
  const firstLine = await new Promise((resolve, reject) => {
    const check = () => stdout.includes("\n") && resolve(stdout.split("\n")[0]);
    child.stdout.on("data", check);
    child.on("exit", (code) => reject(new Error(`cli exited with ${code}: ${stderr}`)));
  });
  return { child, firstLine, output: () => ({ stdout, stderr }) };
}

test("cli: prints its URL first, then the accounts; flags are honoured; SIGTERM exits 0", { timeout: 30_000 }, async () => {
  const { child, firstLine, output } = await startCli(["--port", "0", "--vms", "20", "--seed", "5", "--mfa-shape", "error", "--admin-password", "Pa55-word"]);
  try {
    assert.match(firstLine, /^http:\/\/127\.0\.0\.1:\d+$/);
    const api = client(firstLine);
    assert.equal((await api.request("GET", "/v2/api/get-version")).text, '"4.6.0"');
    const token = await api.login({ username: "admin", password: "Pa55-word" });
    assert.equal((await api.v2("get-vms-connection", {}, token)).json.aggregate.count, 20);
    assert.equal((await api.v2("login", { username: "bob", password: "Tower@Bob1" })).json.code, "MFA_REQUIRED");
    const { stdout, stderr } = output();
    assert.match(stdout, /admin +admin \/ Pa55-word/);
    assert.match(stdout, /ldap +alice \/ Tower@Alice1 .*auth_config_id c[0-9a-z]{24}/);
    assert.match(stdout, /inventory: \d+ clusters, \d+ hosts, 20 VMs/);
    assert.match(stderr, / 200 POST \/v2\/api\/login op=login auth=none /);
    assert.ok(!stderr.includes("Pa55-word") && !stderr.includes(token), "the log has no secrets");
  } finally {
    child.kill("SIGTERM");
  }
  const [code] = await once(child, "exit");
  assert.equal(code, 0);
});

test("cli: --help lists every flag; a bad flag exits 2", { timeout: 30_000 }, async () => {
  const help = spawn(process.execPath, [CLI, "--help"]);
  let text = "";
  help.stdout.on("data", (d) => (text += d));
  assert.equal((await once(help, "exit"))[0], 0);
  for (const flag of ["--port", "--host", "--vms", "--seed", "--latency-ms", "--session-max-age-ms", "--task-duration-ms",
    "--lockout-threshold", "--lockout-ms", "--failing-vm", "--mfa-shape", "--admin-user", "--admin-password", "--cors",
    "--no-api-keys-query", "--no-control", "--quiet"]) assert.ok(text.includes(flag), flag);

  const bad = spawn(process.execPath, [CLI, "--vms", "many"]);
  let err = "";
  bad.stderr.on("data", (d) => (err += d));
  assert.equal((await once(bad, "exit"))[0], 2);
  assert.match(err, /--vms needs a non-negative integer, got many/);
});

// The session stands in the simulator's README and in the project's README; both are replayed.
const READMES = [new URL("../README.md", import.meta.url), new URL("../../../README.md", import.meta.url)];
const MARKER = "<!-- replayed by ";
const TRUNCATED = "…";

/** The README session as [{ command, expected: [lines] }]. */
function parseSession(markdown) {
  const block = markdown.slice(markdown.indexOf(MARKER)).split("```console\n")[1].split("\n```")[0];
  const steps = [];
  let continued = false;
  for (const line of block.split("\n")) {
    if (continued) steps.at(-1).command += `\n${line}`;
    else if (line.startsWith("$ ")) steps.push({ command: line.slice(2), expected: [] });
    else steps.at(-1).expected.push(line);
    continued = line.endsWith("\\");
  }
  return steps;
}

// Values that differ on every run: secrets (32 random bytes, base64url) and ids.
const normalize = (text) => text.replace(/[A-Za-z0-9_-]{43}/g, "<secret>").replace(/\bc[0-9a-z]{24}\b/g, "<id>");

function runBash(script, env, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], { env: { ...process.env, ...env }, cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const available = (tool) => spawnSync(tool, ["--version"]).status === 0;

for (const README of READMES) test(`README curl session replays with the same output (${README.pathname.split("/").slice(-3).join("/")})`, { timeout: 30_000 }, async () => {
  assert.ok(available("curl") && available("jq"), "curl and jq are installed by scripts/setup.sh");
  const steps = parseSession(readFileSync(README, "utf8"));
  assert.equal(steps.length, 7, "login, TOKEN=, createApiKey, KEY=, get-vms, deleteApiKey, refused get-vms");
  const separator = (i) => `@@step ${i}@@`;
  const script = ["set -e -o pipefail", ...steps.flatMap((s, i) => [`echo '${separator(i)}'`, s.command, "echo"])].join("\n");
  const dir = mkdtempSync(join(tmpdir(), "sim-readme-"));
  try {
    await withSimulator({}, async (sim) => {
      const { code, stdout, stderr } = await runBash(script, { URL: sim.url }, dir);
      assert.equal(code, 0, stderr);
      const outputs = stdout.split(/@@step \d+@@\n/).slice(1).map((o) => o.replace(/\n+$/, ""));
      steps.forEach(({ command, expected }, i) => {
        const actual = outputs[i] === "" ? [] : outputs[i].split("\n");
        assert.equal(actual.length, expected.length, `${command}\n${outputs[i]}`);
        expected.forEach((line, j) => {
          const [want, got] = [normalize(line), normalize(actual[j])];
          if (want.endsWith(TRUNCATED)) assert.ok(got.startsWith(want.slice(0, -1)), `${command}\nREADME: ${line}\nactual: ${actual[j]}`);
          else assert.equal(got, want, command);
        });
      });
      assert.equal(sim.state.apiKeys().length, 0, "the key created in the session was deleted");
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
