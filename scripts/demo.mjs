#!/usr/bin/env node
// The demo: the admin console (www/) and the package (pkg/) on one origin, with the bundled
// CloudTower simulator behind it, or (--upstream) a real CloudTower or an active/passive pair of
// them (--upstream twice). `bash scripts/demo.sh`
// builds pkg/ first and then runs this file; `node scripts/demo.mjs` runs it on the existing pkg/.

import { parseArgs } from "node:util";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startConsoleServer, parseUpstreams, PAIR_STATUS_PATH } from "./serve.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WWW = path.join(ROOT, "www");
const PKG = path.join(ROOT, "pkg");

const HELP = `CloudTower API-key admin console: demo / proxy server

Usage: node scripts/demo.mjs [options]        (bash scripts/demo.sh [options] builds pkg/ first)

Without --upstream, starts the bundled CloudTower simulator and serves the console in front of it.
With --upstream, serves the console in front of a real CloudTower: the browser talks to this
server only (same origin, no CORS), which forwards /api, /api/ and /v2/api/* to the upstream.
With --upstream twice (or a comma list), in front of an active/passive pair: this server finds
the active node (GET /api/healthz: 200 active, 307 passive) and fails over when it answers 307.

Options:
  --port N          port of the console (default 8080; the next free port if it is taken,
                    --port 0 picks any free port)
  --host ADDR       listen address (default 127.0.0.1; anything else exposes the console and the
                    proxy to your network)
  --vms N           simulator only: VMs in the inventory (default 500)
  --seed S          simulator only: inventory seed (default 1)
  --no-api-keys-query
                    simulator only: a server without the apiKeys list query (shows the console's
                    "cannot list keys" mode)
  --pair            simulator only: an active/passive pair of simulator nodes, to watch the
                    console fail over (POST /__sim/failover on the console swaps the roles;
                    /__sim/* reaches the simulator even with both nodes unreachable)
  --upstream URL    proxy to this CloudTower (http: or https:) instead of the simulator: its
                    root (https://tower.example), not its API path (.../v2/api is refused).
                    Repeat it (or give a comma list) for the two nodes of an active/passive pair
                    (each node once, at its own origin; an empty one is an error)
  --probe-timeout-ms N
                    a pair: how long each node's healthz probe may take (default 5000)
  --ca FILE         trust this CA (PEM) for the upstream's certificate (every node's, for a
                    pair), in addition to the system CAs (self-signed appliance certificates)
  --insecure        do NOT verify the upstream's TLS certificate (dangerous: anyone on the path
                    can read your passwords and keys; prefer --ca)
  --quiet           no request log (the log never holds Authorization, passwords or keys)
  -h, --help        this help

Examples:
  node scripts/demo.mjs                                  # simulator with 500 VMs on :8080
  node scripts/demo.mjs --vms 5000 --port 9000
  node scripts/demo.mjs --upstream https://tower.example --ca ./tower-ca.pem
  node scripts/demo.mjs --upstream https://tower-a.example --upstream https://tower-b.example
`;

function fail(message) {
  process.stderr.write(`demo: ${message}\nRun with --help for usage.\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      vms: { type: "string" },
      seed: { type: "string" },
      "no-api-keys-query": { type: "boolean", default: false },
      pair: { type: "boolean" },
      upstream: { type: "string", multiple: true },
      "probe-timeout-ms": { type: "string" },
      ca: { type: "string" },
      insecure: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (error) {
  fail(error.message);
}

if (args.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const integer = (name, value, fallback) => {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) fail(`--${name} needs a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
};
const requestedPort = integer("port", args.port, 8080);
if (requestedPort > 65535) fail("--port must be at most 65535");
const vms = integer("vms", args.vms, 500);
if (vms < 1) fail("--vms must be at least 1");
const probeTimeoutMs = integer("probe-timeout-ms", args["probe-timeout-ms"], 5000);
if (probeTimeoutMs < 1 || probeTimeoutMs > 3_600_000) fail("--probe-timeout-ms must be 1-3600000");

if (!fs.existsSync(path.join(PKG, "web.mjs"))) {
  fail(`${path.relative(process.cwd(), PKG) || PKG}/web.mjs is missing: build the package first (bash scripts/build.sh, or run bash scripts/demo.sh)`);
}

const simOnly = ["vms", "seed", "pair"].filter((k) => args[k] !== undefined);
if (args.upstream && (simOnly.length || args["no-api-keys-query"])) {
  process.stderr.write(`demo: warning: ${[...simOnly.map((k) => `--${k}`), ...(args["no-api-keys-query"] ? ["--no-api-keys-query"] : [])].join(", ")} only apply to the simulator; ignored with --upstream\n`);
}

let upstreamUrls = [];
try {
  upstreamUrls = parseUpstreams(args.upstream, "--upstream"); // an empty one is an error, not the simulator
} catch (error) {
  fail(error.message);
}
const plain = upstreamUrls.filter((url) => url.protocol === "http:");
const secure = upstreamUrls.filter((url) => url.protocol === "https:");
if ((args.ca || args.insecure) && upstreamUrls.length === 0) {
  process.stderr.write("demo: warning: --ca and --insecure only apply with --upstream https://...; ignored\n");
}
if (plain.length && !secure.length && (args.ca || args.insecure)) {
  process.stderr.write("demo: warning: the upstream is plain http: --ca and --insecure have no effect\n");
}
if (plain.some((url) => !["localhost", "127.0.0.1", "[::1]"].includes(url.hostname))) {
  process.stderr.write("demo: warning: the upstream is plain http: passwords, tokens and API keys cross the network unencrypted\n");
}
if (args.insecure && secure.length) {
  process.stderr.write(
    "\n" +
    "  !!! WARNING: --insecure: the upstream's TLS certificate is NOT verified.               !!!\n" +
    "  !!! Anyone between this machine and the CloudTower can impersonate it and read every   !!!\n" +
    "  !!! password, token and API key sent through this console. Prefer --ca <file>.        !!!\n\n",
  );
}
if (!["127.0.0.1", "localhost", "::1"].includes(args.host)) {
  process.stderr.write(`demo: warning: listening on ${args.host}: the console and its API proxy are reachable from the network\n`);
}

const stamp = () => new Date().toISOString().slice(11, 23);
const log = args.quiet ? undefined : (line) => process.stdout.write(`${stamp()} ${line}\n`);

let sim = null;
let upstream = upstreamUrls;
if (upstreamUrls.length === 0) {
  const { startSimulator } = await import("../tests/sim/index.mjs");
  sim = await startSimulator({
    vms,
    seed: args.seed,
    apiKeysQuery: args["no-api-keys-query"] ? false : undefined,
    pair: args.pair,
  });
  upstream = sim.urls ?? sim.url;
}

async function listen(port) {
  const options = {
    host: args.host,
    upstream,
    static: [{ prefix: "/", dir: WWW }, { prefix: "/pkg/", dir: PKG }],
    ca: args.ca,
    insecure: args.insecure,
    probeTimeoutMs,
    // A simulator pair: /__sim/* goes to its control server, reachable even with both nodes down.
    ...(sim?.controlUrl && { simControl: sim.controlUrl }),
    log,
  };
  if (port === 0) return startConsoleServer({ ...options, port: 0 });
  for (let candidate = port; candidate < Math.min(port + 20, 65536); candidate++) {
    try {
      return await startConsoleServer({ ...options, port: candidate });
    } catch (error) {
      if (error?.code !== "EADDRINUSE" && error?.code !== "EACCES") throw error;
      if (candidate === port) process.stderr.write(`demo: port ${port} is taken, trying the next ones\n`);
    }
  }
  process.stderr.write(`demo: no free port in ${port}-${port + 19}; using any free port\n`);
  return startConsoleServer({ ...options, port: 0 });
}

let server;
try {
  server = await listen(requestedPort);
} catch (error) {
  await sim?.close();
  fail(error.message);
}

const tlsNote = (url) => (url.protocol !== "https:" ? "" : args.insecure ? "  (TLS NOT VERIFIED)" : args.ca ? `  (TLS verified; extra CA ${args.ca})` : "  (TLS verified)");
const lines = [
  "",
  `  CloudTower API-key console:  ${server.url}/`,
  sim?.urls
    ? `  upstream:                    bundled simulator pair at ${sim.urls.join(" and ")} (${vms} VMs; the first one active;\n` +
      `                               POST ${server.url}/__sim/failover swaps the roles)`
    : sim
      ? `  upstream:                    bundled simulator at ${sim.url} (${vms} VMs; CloudTower 4.6.0 API subset)`
      : upstreamUrls.length === 1
        ? `  upstream:                    ${upstreamUrls[0].href}${tlsNote(upstreamUrls[0])}`
        : `  upstream pair:               ${upstreamUrls.map((url) => `${url.href}${tlsNote(url)}`).join("\n                               ")}`,
];
if (sim) {
  const a = sim.state.accounts;
  lines.push(
    "",
    "  Simulator accounts:",
    ...[
      ["admin", a.admin, "LOCAL, ADMIN"],
      ["read-only", a.readOnly, "LOCAL, READ_ONLY"],
      ["LDAP", a.ldap, "source LDAP: the console discovers the strategy"],
      ["2FA", a.mfa, "sign-in is refused with MFA_REQUIRED: use an API key"],
    ].map(([role, account, note]) => `    ${role.padEnd(10)} ${`${account.username} / ${account.password}`.padEnd(26)} (${note})`),
  );
}
lines.push("", "  Ctrl-C stops it.", "");
process.stdout.write(`${lines.join("\n")}\n`);

// Stoppable from here on: the upstream check below may take a while.
let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${signal}: stopping\n`);
  const timer = setTimeout(() => process.exit(1), 5000);
  timer.unref();
  await Promise.allSettled([server.close(), sim?.close()]);
  process.exit(0);
}
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));

// With a real CloudTower, check the path (and TLS) now rather than at the first click.
if (!sim) {
  try {
    const response = await fetch(`${server.url}/v2/api/get-version`, { signal: AbortSignal.timeout(20_000) });
    const text = await response.text();
    if (response.ok) {
      const { nodes } = await (await fetch(`${server.url}${PAIR_STATUS_PATH}`)).json();
      const active = nodes.find((node) => node.state === "active");
      process.stdout.write(`  upstream answers: CloudTower ${text.replace(/^"|"$/g, "")}${active ? ` (active node: ${active.endpoint})` : ""}\n\n`);
    } else {
      let message = text;
      try {
        message = JSON.parse(text).message ?? text;
      } catch {
        // not JSON
      }
      process.stderr.write(`demo: warning: the upstream check (GET /v2/api/get-version) answered ${response.status}: ${String(message).slice(0, 400)}\n\n`);
    }
  } catch (error) {
    process.stderr.write(`demo: warning: the upstream check failed: ${error.message}\n\n`);
  }
}
