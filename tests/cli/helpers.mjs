// Helpers of the CLI tests: the bin of the built package (pkg/package.json "bin"), running it as
// a child process against a simulator, a pseudo-terminal runner, and a scan of everything the
// CLI printed for secrets it must not print.

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const PKG = `${ROOT}pkg/`;
const manifest = JSON.parse(readFileSync(`${PKG}package.json`, "utf8"));
/** The `cloudtower` bin as the package declares it. */
export const BIN = new URL(manifest.bin.cloudtower, `file://${PKG}`).pathname;
export const VERSION = manifest.version;

/** Every run's output, for the secret scan. */
const transcripts = [];

// An empty config home, so that no profile of the developer's own is ever used by a test.
const CONFIG_HOME = mkdtempSync(join(tmpdir(), "cloudtower-config-home-"));
process.on("exit", () => rmSync(CONFIG_HOME, { recursive: true, force: true }));

/** A base environment without any CLOUDTOWER_* variable of the developer's shell, nor its config. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("CLOUDTOWER_")) env[k] = v;
  return { ...env, XDG_CONFIG_HOME: CONFIG_HOME, ...extra };
}

/**
 * Runs `node BIN ...args`; resolves { code, signal, stdout, stderr }. `stdoutMayHoldSecret`
 * marks the one output allowed to hold a key or token (key create, key rotate, --print-token).
 * `onSpawn(child)` sees the child (for signals).
 */
export function run(args, { env = {}, input, stdoutMayHoldSecret = false, onSpawn, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`cloudtower ${args.join(" ")} did not end within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      transcripts.push({ args, stdout, stderr, stdoutMayHoldSecret });
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.on("error", () => {}); // the CLI may exit without reading it
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
    onSpawn?.(child);
  });
}

// A pseudo-terminal driver: runs a command with the pty as its stdin/stdout/stderr, answers each
// prompt (a regular expression) with a line, and prints everything the terminal showed. The
// answers come in through the environment (PTY_ANSWERS, JSON), never as arguments.
const PTY_DRIVER = `
import json, os, pty, re, select, sys, time
answers = json.loads(os.environ.pop("PTY_ANSWERS", "[]"))
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
deadline = time.time() + float(os.environ.get("PTY_TIMEOUT", "20"))
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
    if answers and re.search(answers[0][0].encode(), out):
        time.sleep(0.05)
        os.write(fd, answers.pop(0)[1].encode())
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else (status >> 8))
`;

/** Runs the CLI on a pseudo-terminal; `answers`: [[promptRegex, typed text], ...]. */
export function runOnTerminal(args, { env = {}, answers = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", PTY_DRIVER, process.execPath, BIN, ...args], {
      env: cleanEnv({ ...env, PTY_ANSWERS: JSON.stringify(answers), COLUMNS: "120" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let screen = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (screen += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      transcripts.push({ args, stdout: screen, stderr, stdoutMayHoldSecret: false });
      resolve({ code, screen, stderr });
    });
  });
}

/** Records output produced outside run() (e.g. by a child of `exec`) for the scan. */
export function recordOutput(label, text) {
  transcripts.push({ args: [label], stdout: text, stderr: "", stdoutMayHoldSecret: false });
}

// Tokens and keys of the simulator are 32 random bytes in base64url: 43 characters. Any such
// run holding both cases of letters in an output that may not hold a secret is a leak.
const SECRET_SHAPE = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g;
const looksRandom = (s) => /[a-z]/.test(s) && /[A-Z]/.test(s);

/** Asserts no run printed a password, or a token/key outside the outputs allowed to hold one. */
export function assertNoSecretsPrinted(passwords) {
  assert.ok(transcripts.length > 0, "no CLI output was recorded");
  for (const t of transcripts) {
    const label = `cloudtower ${t.args.join(" ")}`;
    for (const [stream, text] of [["stdout", t.stdout], ["stderr", t.stderr]]) {
      for (const password of passwords) assert.ok(!text.includes(password), `${label}: a password appears on ${stream}`);
      if (stream === "stdout" && t.stdoutMayHoldSecret) continue;
      const leaks = (text.match(SECRET_SHAPE) ?? []).filter(looksRandom);
      assert.deepEqual(leaks, [], `${label}: a token or key appears on ${stream}`);
    }
  }
  return transcripts.length;
}

/** The one line a secret-printing command prints: exactly a 43-character key and "\n". */
export function assertSecretLine(stdout) {
  assert.match(stdout, /^[A-Za-z0-9_-]{43}\n$/);
  return stdout.trim();
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `predicate` until it holds (bounded). */
export async function eventually(predicate, { timeoutMs = 10_000, intervalMs = 25, what = "condition" } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * An HTTP front of the simulator that lets a test shape what the CLI sees, without touching the
 * simulator: `edit(path, body, headers)` may rewrite a JSON answer, `hold(path, body)` may return
 * a promise the request waits for before it is forwarded, and `aliases` gives issued API keys
 * chosen shapes (a key starting with "-" or "--"): the CLI sees the alias, the simulator the real
 * key, both ways, in bodies and in Authorization.
 */
export async function startFront(target, { edit, hold } = {}) {
  const { createServer, request } = await import("node:http");
  const aliases = []; // shapes still to hand out
  const toReal = new Map();
  const toAlias = new Map();
  const swap = (text, map) => {
    let out = text;
    for (const [from, to] of map) out = out.split(from).join(to);
    return out;
  };
  const upstream = new URL(target);
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = swap(Buffer.concat(chunks).toString("utf8"), toReal);
    await hold?.(req.url, body);
    const headers = { ...req.headers, host: upstream.host };
    if (headers.authorization) headers.authorization = swap(headers.authorization, toReal);
    headers["content-length"] = Buffer.byteLength(body);
    const forward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, async (answer) => {
      const parts = [];
      for await (const chunk of answer) parts.push(chunk);
      let text = Buffer.concat(parts).toString("utf8");
      for (const real of text.match(/"key":"[A-Za-z0-9_-]{43}"/g) ?? []) {
        const secret = real.slice(7, -1);
        if (!toAlias.has(secret) && aliases.length) {
          const alias = aliases.shift();
          toAlias.set(secret, alias);
          toReal.set(alias, secret);
        }
      }
      text = swap(text, toAlias);
      if (edit) text = edit(req.url, text) ?? text;
      const out = { ...answer.headers, "content-length": Buffer.byteLength(text) };
      delete out["transfer-encoding"];
      res.writeHead(answer.statusCode, out);
      res.end(text);
    });
    forward.on("error", () => res.destroy());
    forward.end(body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    /** The next issued keys are seen by the CLI as these (each 43 base64url characters). */
    alias: (...shapes) => aliases.push(...shapes),
    /** The simulator's key behind an alias. */
    real: (alias) => toReal.get(alias),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }),
  };
}
