// JavaScript runtimes beyond Node and Chromium, each installed from the npm registry into a fresh
// project beside the packed package: Bun and Deno run the whole key flow from the package name;
// workerd (through miniflare) runs a module worker that imports the web build, bundled the way
// wrangler does, calls init() with the WebAssembly.Module workerd gives for a .wasm import, and runs
// login → create key → get-vms → delete key; Jest with jsdom runs the key flow with the README's
// test environment. All against the simulator on 127.0.0.1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, run, cleanEnv, packPackage, makeProject, assertKeyFlow } from "../packaging/helpers.mjs";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";

// Pinned runtimes (consumer-side, installed in the temporary project only).
const RUNTIMES = { bun: "1.4.5", deno: "2.9.6", miniflare: "4.20260730.0" };
const JEST = { jest: "30.5.2", "jest-environment-jsdom": "30.5.2" };
const admin = ACCOUNTS.admin;

let work;
let tarball;
let cleanup;
let sim;
let project;
let jestProject;

// What a Bun or Deno user writes: the package by name, init() (harmless where not needed), the flow.
const SCRIPT = `import * as api from "cloudtower-wasm";
import { keyFlow } from "./flow.mjs";

const [endpoint, username, password, name] = process.argv.slice(2);
await api.init();
process.stdout.write(JSON.stringify(await keyFlow(api, { endpoint, username, password, name })) + "\\n");
`;

// The module worker of the README's "Works with" section.
const WORKER = `import * as api from "cloudtower-wasm";
import wasm from "cloudtower-wasm/wasm";
import { keyFlow } from "./flow.mjs";

export default {
  async fetch(request, env) {
    await api.init(wasm); // workerd gives a .wasm import as a compiled WebAssembly.Module
    const { username, password, name } = await request.json();
    return Response.json(await keyFlow(api, { endpoint: env.ENDPOINT, username, password, name }));
  },
};
`;

before(async () => {
  ({ work, tarball, cleanup } = await packPackage("runtimes"));
  sim = await startSimulator({ vms: 10 });
  project = makeProject(work, tarball, "runtimes", { type: "module" }, RUNTIMES).then((dir) => {
    cpSync(join(ROOT, "tests/browser/page/flow.mjs"), join(dir, "flow.mjs"));
    writeFileSync(join(dir, "run.mjs"), SCRIPT);
    writeFileSync(join(dir, "worker.mjs"), WORKER);
    return dir;
  });
  project.catch(() => {}); // reported by the tests that await it
  jestProject = makeProject(work, tarball, "jest", {}, JEST).then((dir) => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const block = /```js\n(\/\/ jest\.config\.cjs\n[\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, "README has the Jest set-up");
    // The README block holds both files, each under its name as a comment.
    const [, config, environment] = block.split(/^\/\/ (?=jest\.config\.cjs|jest-environment\.cjs)/m);
    writeFileSync(join(dir, "jest.config.cjs"), config.replace(/^jest\.config\.cjs\n/, ""));
    writeFileSync(join(dir, "jest-environment.cjs"), environment.replace(/^jest-environment\.cjs\n/, ""));
    writeFileSync(join(dir, "flow.test.js"), JEST_TEST);
    return dir;
  });
  jestProject.catch(() => {});
});

const JEST_TEST = `const api = require("cloudtower-wasm");
test("the key flow in a jsdom test", async () => {
  expect(typeof document).toBe("object");
  const client = new api.CloudTowerClient({ endpoint: process.env.SIM_URL });
  await client.login({ username: process.env.SIM_USER, password: process.env.SIM_PASSWORD });
  const key = await client.createApiKey({ name: "runtime-jest" });
  const vms = await client.withApiKey(key.key).call("get-vms", { first: 2 });
  expect(vms.length).toBe(2);
  expect(await client.deleteApiKey(key.key)).toEqual({ id: key.id, alreadyRevoked: false });
  const error = await client.withApiKey(key.key).call("get-vms", { first: 1 }).catch((e) => e);
  expect(error).toBeInstanceOf(api.CloudTowerError);
  expect(error.code).toBe("UNAUTHORIZED");
});
`;

after(async () => {
  await project?.catch(() => {});
  await jestProject?.catch(() => {});
  await sim?.close();
  cleanup?.();
});

async function runFlow(command, args, name) {
  const dir = await project;
  const { stdout } = await run(join(dir, "node_modules/.bin", command), [...args, sim.url, admin.username, admin.password, name], { cwd: dir, timeout: 120_000 });
  assertKeyFlow(sim, JSON.parse(stdout.trim().split("\n").pop()), name);
}

test(`Bun ${RUNTIMES.bun}: the key flow from the package name`, { timeout: 300_000 }, async () => {
  await runFlow("bun", ["run.mjs"], "runtime-bun");
});

test(`Deno ${RUNTIMES.deno}: the key flow from the package name (package.json and node_modules)`, { timeout: 300_000 }, async () => {
  await runFlow("deno", ["run", "--allow-read", "--allow-env", "--allow-net=127.0.0.1", "run.mjs"], "runtime-deno");
});

test(`workerd (miniflare ${RUNTIMES.miniflare}): a module worker runs login → create key → get-vms → delete key`, { timeout: 300_000 }, async (t) => {
  const dir = await project;
  // Bundled as wrangler does: workerd's conditions (the web build), the .wasm left as a module.
  await run(join(ROOT, "node_modules/.bin/esbuild"), ["worker.mjs", "--bundle", "--format=esm", "--platform=neutral",
    "--conditions=workerd,worker,browser", "--external:cloudtower-wasm/wasm", "--outfile=dist/worker.mjs", "--log-level=warning"], { cwd: dir });
  const bundle = readFileSync(join(dir, "dist/worker.mjs"), "utf8");
  assert.ok(!/node:|readFileSync/.test(bundle), "the worker bundle holds the web build, no Node code");
  const { Miniflare } = await import(pathToFileURL(join(dir, "node_modules/miniflare/dist/src/index.js")).href);
  const mf = new Miniflare({
    modules: [
      { type: "ESModule", path: "worker.mjs", contents: bundle },
      { type: "CompiledWasm", path: "cloudtower-wasm/wasm", contents: readFileSync(join(dir, "node_modules/cloudtower-wasm/wasm/cloudtower_wasm_bg.wasm")) },
    ],
    compatibilityDate: "2025-01-01",
    bindings: { ENDPOINT: sim.url },
  });
  t.after(() => mf.dispose());
  const name = "runtime-workerd";
  const response = await mf.dispatchFetch("http://worker.test/", { method: "POST", body: JSON.stringify({ username: admin.username, password: admin.password, name }) });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  assertKeyFlow(sim, JSON.parse(text), name);
});

test(`Jest ${JEST.jest} with jsdom: the README's test environment runs the key flow`, { timeout: 300_000 }, async () => {
  const dir = await jestProject;
  const { stdout, stderr } = await run(process.execPath, [join(dir, "node_modules/jest/bin/jest.js"), "--ci"], {
    cwd: dir, timeout: 120_000, env: cleanEnv({ SIM_URL: sim.url, SIM_USER: admin.username, SIM_PASSWORD: admin.password }),
  });
  assert.match(stdout + stderr, /Tests:\s+1 passed, 1 total/);
  assert.ok(!sim.state.apiKeys().some((k) => k.name === "runtime-jest"), "the key was revoked");
});
