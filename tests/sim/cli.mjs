#!/usr/bin/env node
// Command-line front of the simulator. Prints the URL as the FIRST stdout line (scripts read it),
// then the accounts; request log lines go to stderr.
//
//   node tests/sim/cli.mjs --port 0 --vms 10000 --seed 1

import { parseArgs } from "node:util";
import { DEFAULTS, DIALECTS, resolveOptions } from "./options.mjs";

// One string flag per guessed behaviour (apiKeysQuery keeps its --no-api-keys-query switch).
const DIALECT_FLAGS = Object.fromEntries(Object.keys(DIALECTS).filter((name) => name !== "apiKeysQuery")
  .map((name) => [name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), name]));
const dialectHelp = Object.entries(DIALECT_FLAGS)
  .map(([flag, name]) => `  --${flag} ${DIALECTS[name].join(" | ")}`).join("\n");

const HELP = `CloudTower simulator (CloudTower 4.6.0 API subset: GraphQL /api and v2 /v2/api/*)

Usage: node tests/sim/cli.mjs [options]

  --port N                 listen port (default ${DEFAULTS.port}: any free port)
  --host ADDR              listen address (default ${DEFAULTS.host})
  --vms N                  VMs in the inventory (default ${DEFAULTS.vms})
  --seed S                 inventory seed; same seed, same data (default ${DEFAULTS.seed})
  --latency-ms N           delay added to every API request (default 0)
  --session-max-age-ms N   tokens expire N ms after login (default 0: never)
  --task-duration-ms N     time a VM task takes from PENDING to its end (default ${DEFAULTS.taskDurationMs})
  --lockout-threshold N    failed logins before a username is locked (default ${DEFAULTS.lockoutThreshold}; 0: never)
  --lockout-ms N           how long a lockout lasts (default ${DEFAULTS.lockoutMs})
  --failing-vm ID|NAME     VM whose operations end FAILED (default ${DEFAULTS.failingVm})
  --admin-user NAME        admin username (default admin)
  --admin-password PASS    admin password (default Tower@Admin1)
  --cors                   answer CORS preflights and add CORS headers
  --pair                   an HA pair: two nodes over one state (node 0 active, on --port)
  --no-api-keys-query      leave the GraphQL apiKeys query out of the schema
  --no-control             disable the /__sim/ control API
  --quiet                  no request log on stderr
  -h, --help               this help

Guessed server behaviours (dialects; the first value is the default; see tests/sim/README.md):
${dialectHelp}
`;

const INTEGER_FLAGS = {
  port: "port", vms: "vms", "latency-ms": "latencyMs", "session-max-age-ms": "sessionMaxAgeMs",
  "task-duration-ms": "taskDurationMs", "lockout-threshold": "lockoutThreshold", "lockout-ms": "lockoutMs",
};

function toOptions(values) {
  const options = {
    host: values.host,
    seed: values.seed,
    failingVm: values["failing-vm"],
    ...Object.fromEntries(Object.entries(DIALECT_FLAGS).map(([flag, name]) => [name, values[flag]])),
    cors: values.cors,
    pair: values.pair,
    apiKeysQuery: values["no-api-keys-query"] ? false : undefined,
    control: values["no-control"] ? false : undefined,
    log: values.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
  };
  const admin = Object.entries({ username: values["admin-user"], password: values["admin-password"] }).filter(([, v]) => v !== undefined);
  if (admin.length) options.admin = Object.fromEntries(admin);
  for (const [flag, option] of Object.entries(INTEGER_FLAGS)) {
    if (values[flag] === undefined) continue;
    if (!/^\d+$/.test(values[flag])) throw new TypeError(`--${flag} needs a non-negative integer, got ${values[flag]}`);
    options[option] = Number(values[flag]);
  }
  return options;
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      ...Object.fromEntries(Object.keys(INTEGER_FLAGS).map((f) => [f, { type: "string" }])),
      host: { type: "string" }, seed: { type: "string" }, "failing-vm": { type: "string" },
      ...Object.fromEntries(Object.keys(DIALECT_FLAGS).map((f) => [f, { type: "string" }])),
      "admin-user": { type: "string" }, "admin-password": { type: "string" },
      cors: { type: "boolean" }, pair: { type: "boolean" }, "no-api-keys-query": { type: "boolean" }, "no-control": { type: "boolean" },
      quiet: { type: "boolean" }, help: { type: "boolean", short: "h" },
    },
  }));
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const options = toOptions(values);
  resolveOptions(options); // refuses bad values before the (slower) simulator loads
  // Loaded only now: --help and bad flags answer without loading GraphQL, ajv and the spec.
  const { startSimulator } = await import("./index.mjs");
  const sim = await startSimulator(options);
  const { accounts, failingVmId, inventory } = sim.state;
  const lines = [
    sim.url,
    ...(sim.urls ? [`pair: ${sim.urls[0]} (active) ${sim.urls[1]} (passive); POST /__sim/failover swaps them`] : []),
    `accounts:`,
    `  admin      ${accounts.admin.username} / ${accounts.admin.password}  (LOCAL, ADMIN)`,
    `  read-only  ${accounts.readOnly.username} / ${accounts.readOnly.password}  (LOCAL, READ_ONLY)`,
    `  ldap       ${accounts.ldap.username} / ${accounts.ldap.password}  (source AUTHN or LDAP, auth_config_id ${accounts.ldap.authConfigId})`,
    `  2fa        ${accounts.mfa.username} / ${accounts.mfa.password}  (LOCAL, never gets a token: mfa shape ${values["mfa-shape"] ?? DEFAULTS.mfaShape})`,
    `inventory: ${inventory.clusters} clusters, ${inventory.hosts} hosts, ${inventory.vms} VMs, ${inventory.tasks} tasks; failing VM ${failingVmId}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const stop = () => sim.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  // Usage errors (unknown flag, bad value) are TypeErrors: exit 2 with the help; others exit 1.
  const usage = error instanceof TypeError;
  process.stderr.write(usage ? `${error.message}\n\n${HELP}` : `${error.stack ?? error}\n`);
  process.exit(usage ? 2 : 1);
}
