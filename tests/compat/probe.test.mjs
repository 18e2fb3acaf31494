// examples/probe-dialect.mjs, the script a user runs against their own CloudTower, names the
// dialect of the simulator in each of its variants and prints no secret.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";
import { everyValueOnce, label } from "./pairwise.mjs";

const SCRIPT = fileURLToPath(new URL("../../examples/probe-dialect.mjs", import.meta.url));

function probe(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT], { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

for (const dialect of everyValueOnce()) {
  test(`probe-dialect names ${label(dialect)}`, async (t) => {
    const sim = await startSimulator({ vms: 4, ...dialect });
    t.after(() => sim.close());
    const r = await probe({
      CLOUDTOWER_ENDPOINT: sim.url,
      CLOUDTOWER_USERNAME: ACCOUNTS.admin.username,
      CLOUDTOWER_PASSWORD: ACCOUNTS.admin.password,
      CLOUDTOWER_MFA_USERNAME: ACCOUNTS.mfa.username,
      CLOUDTOWER_MFA_PASSWORD: ACCOUNTS.mfa.password,
    });
    assert.equal(r.code, 0, r.stderr);
    const lines = Object.fromEntries(r.stdout.trim().split("\n").map((line) => line.split(/: (.*)/s).slice(0, 2)));
    for (const [option, value] of Object.entries(dialect)) {
      assert.equal(lines[option]?.split(" (")[0], String(value), `${option} in:\n${r.stdout}`);
    }
    assert.equal(lines["evidenced my { user }"], "yes");
    assert.equal(lines["evidenced logout"], "String!: yes");
    // The flags it prints start a simulator of the same dialect.
    for (const [option, value] of Object.entries(dialect)) {
      if (option !== "apiKeysQuery") assert.match(lines.simulator, new RegExp(`--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${value}\\b`));
    }
    assert.equal(lines.simulator.includes("--no-api-keys-query"), !dialect.apiKeysQuery);
    // No secret: no password, and nothing shaped like a token or key (43 base64url characters).
    const output = r.stdout + r.stderr;
    assert.ok(!output.includes(ACCOUNTS.admin.password) && !output.includes(ACCOUNTS.mfa.password));
    assert.doesNotMatch(output, /[\w-]{40,}/);
    assert.deepEqual(sim.state.apiKeys(), [], "the probe revoked its key");
  });
}
