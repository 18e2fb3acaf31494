// The CLI on a pseudo-terminal (python3's pty module drives it): the password prompt does not
// echo, Ctrl-C at it exits 130, --stdin prompts hidden, tables and progress bars appear only on a
// terminal. And TLS: a self-signed HTTPS front of the simulator is refused by default, accepted
// with --ca (its certificate) or --insecure.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:https";
import { request } from "node:http";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";
import { run, runOnTerminal, assertNoSecretsPrinted, assertSecretLine } from "./helpers.mjs";

const { admin } = ACCOUNTS;
let sim;
let dir;
let front; // HTTPS server in front of the simulator, self-signed certificate
let httpsUrl;

function selfSigned(name, cn) {
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", `/CN=${cn}`,
    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, `${name}.key`), "-out", join(dir, `${name}.pem`)], { stdio: "ignore" });
  return { key: readFileSync(join(dir, `${name}.key`)), cert: readFileSync(join(dir, `${name}.pem`)), file: join(dir, `${name}.pem`) };
}

before(async () => {
  sim = await startSimulator({ vms: 150, taskDurationMs: 4000, lockoutThreshold: 0 }); // tasks outlast a loaded CLI start
  dir = mkdtempSync(join(tmpdir(), "cloudtower-tty-"));
  const tls = selfSigned("tower", "127.0.0.1");
  selfSigned("other", "127.0.0.1");
  const target = new URL(sim.url);
  front = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  front.listen(0, "127.0.0.1");
  await once(front, "listening");
  httpsUrl = `https://127.0.0.1:${front.address().port}`;
});
after(async () => {
  front?.closeAllConnections?.();
  front?.close();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const PROMPT = "Password for admin at http";

test("the password is prompted for on a terminal and not echoed", async () => {
  const env = { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_USERNAME: "admin" };
  const r = await runOnTerminal(["login"], { env, answers: [[PROMPT, `${admin.password}\r`]] });
  assert.equal(r.code, 0, r.screen + r.stderr);
  assert.match(r.screen, /Password for admin at http:\/\/127\.0\.0\.1:\d+: /);
  assert.match(r.screen, /Logged in to .* as admin \(Administrator\)/);
  assert.ok(!r.screen.includes(admin.password), "the typed password is not echoed");

  const typo = await runOnTerminal(["login"], { env, answers: [[PROMPT, `${admin.password}x\u007f\u007fy\r`]] });
  assert.equal(typo.code, 8, "backspace edits: Tower@Admin1 + x, two backspaces, + y is wrong");
  assert.match(typo.screen, /error \[UNAUTHORIZED\] Incorrect username or password/);

  const interrupted = await runOnTerminal(["login"], { env, answers: [[PROMPT, "Tower\u0003"]] });
  assert.equal(interrupted.code, 130, interrupted.screen);
});

test("without a terminal and without CLOUDTOWER_PASSWORD the CLI says what to set (exit 2)", async () => {
  const r = await run(["login"], { env: { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_USERNAME: "admin" } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /CLOUDTOWER_PASSWORD is not, and standard input is not a terminal to prompt on/);
});

test("key delete --stdin on a terminal prompts for the key without echo", async () => {
  const env = { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_USERNAME: "admin", CLOUDTOWER_PASSWORD: admin.password };
  const created = await run(["key", "create", "--name", "tty"], { env, stdoutMayHoldSecret: true });
  const key = assertSecretLine(created.stdout);
  const r = await runOnTerminal(["key", "delete", "--stdin"], { env, answers: [["API key to revoke \\(input hidden\\): ", `${key}\r`]] });
  assert.equal(r.code, 0, r.screen);
  assert.match(r.screen, /revoked API key \S+/);
  assert.ok(!r.screen.includes(key), "the key is not echoed");
  assert.ok(!sim.state.hasApiKey(key));
});

test("vms on a terminal: a table; --all draws a progress bar on the terminal", async () => {
  const env = { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_USERNAME: "admin", CLOUDTOWER_PASSWORD: admin.password };
  const table = await runOnTerminal(["vms", "--limit", "3", "--order-by", "name_ASC"], { env });
  assert.equal(table.code, 0, table.screen);
  const lines = table.screen.split(/\r?\n/).filter(Boolean);
  assert.match(lines[0], /^NAME\s+STATUS\s+VCPU\s+MEMORY\s+CLUSTER\s+HOST\s+IPS\s+ID$/);
  assert.equal(lines.filter((l) => / (RUNNING|STOPPED|SUSPENDED|UNKNOWN)\s/.test(l)).length, 3);
  assert.match(table.screen, /more VMs match than the 3 shown/);

  const all = await runOnTerminal(["vms", "--all", "--page-size", "40"], { env });
  assert.equal(all.code, 0, all.screen);
  assert.match(all.screen, /VMs \[#+\] 100% 150\/150 VMs/);
  assert.match(all.screen, /\r\u001b\[K/, "the bar is erased before the table");
  assert.equal(all.screen.split(/\r?\n/).filter((l) => /\s[a-z0-9]{25}$/.test(l)).length, 150, "150 rows");
});

test("wait on a terminal shows the tasks' progress, then their final status", async () => {
  const env = { CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_USERNAME: "admin", CLOUDTOWER_PASSWORD: admin.password };
  const two = JSON.parse((await run(["vms", "--where", '{"status": "RUNNING", "name_not": "vm-doomed"}', "--limit", "2"], { env })).stdout);
  const started = await run(["call", "shutdown-vm", "--body", JSON.stringify({ where: { id_in: two.map((vm) => vm.id) } })], { env });
  const ids = JSON.parse(started.stdout).map((t) => t.task_id);
  const r = await runOnTerminal(["wait", ...ids, "--interval", "200ms"], { env });
  assert.equal(r.code, 0, r.screen);
  assert.match(r.screen, /tasks \[[#-]+\]\s+\d+% [01]\/2 done/, "a progress bar while the tasks run");
  for (const id of ids) assert.match(r.screen, new RegExp(`${id}  SUCCESSED  Shut down VM`));
});

test("TLS: a self-signed appliance is refused by default with a hint, accepted with --ca or --insecure", async () => {
  const env = { CLOUDTOWER_ENDPOINT: httpsUrl, CLOUDTOWER_USERNAME: "admin", CLOUDTOWER_PASSWORD: admin.password };
  const [refused, withCa, wrongCa, insecure, both] = await Promise.all([
    run(["login"], { env }),
    run(["login", "--ca", join(dir, "tower.pem")], { env }),
    run(["login", "--ca", join(dir, "other.pem")], { env }),
    run(["vms", "--limit", "1", "--insecure"], { env }),
    run(["login", "--insecure", "--ca", join(dir, "tower.pem")], { env }),
  ]);
  assert.equal(refused.code, 4);
  assert.match(refused.stderr, /^error \[NETWORK\] login: fetch failed \(.*SELF_SIGNED.*\); the server's TLS certificate is not trusted: pass --ca FILE/);
  assert.equal(withCa.code, 0, withCa.stderr);
  assert.match(withCa.stdout, new RegExp(`Logged in to ${httpsUrl} as admin`));
  assert.equal(wrongCa.code, 4);
  assert.match(wrongCa.stderr, /not trusted by --ca/);
  assert.equal(insecure.code, 0, insecure.stderr);
  assert.equal(JSON.parse(insecure.stdout).length, 1);
  assert.match(insecure.stderr, /warning: --insecure: the server's TLS certificate is not verified/);
  assert.equal(both.code, 2);
});

test("no output of any run holds a password, a token or a key, except the outputs made to print one", () => {
  assert.ok(assertNoSecretsPrinted(Object.values(ACCOUNTS).map((a) => a.password)) >= 10);
});
