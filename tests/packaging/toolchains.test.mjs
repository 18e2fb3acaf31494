// The package under the ecosystem's own checkers and toolchains, from the packed tarball in fresh
// projects outside the repository: publint --strict and @arethetypeswrong/cli; a strict
// TypeScript consumer in every module mode (node16 and nodenext in a CommonJS and an ESM project,
// bundler) with the pinned TypeScript and the oldest one supported (MIN_TYPESCRIPT); plain
// `esbuild --bundle --platform=node` (ESM and CJS output) of a script importing the inline entry,
// run from an empty folder with only the bundle; and a consumer install that brings no undici
// (the CLI's --ca then names the package to install).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, PKG, run, cleanEnv, packPackage, makeProject, assertKeyFlow, makeCertificates } from "./helpers.mjs";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";

/** The oldest TypeScript the shipped declarations compile with (README, "Works with"). */
const MIN_TYPESCRIPT = "5.0.4";
const BIN = join(ROOT, "node_modules/.bin");
const FIXTURES = join(ROOT, "tests/packaging/fixtures");
const FLOW = join(ROOT, "tests/browser/page/flow.mjs");
const admin = ACCOUNTS.admin;

let work;
let tarball;
let cleanup;
let sim;
const projects = {};

before(async () => {
  ({ work, tarball, cleanup } = await packPackage("toolchains"));
  const start = (name, factory) => {
    projects[name] = factory();
    projects[name].catch(() => {}); // reported by the test that awaits it
  };
  start("ts", async () => {
    const dir = await makeProject(work, tarball, "ts", {}, { typescript: MIN_TYPESCRIPT });
    writeTypeScriptModes(dir);
    return dir;
  });
  start("bundle", async () => {
    const dir = await makeProject(work, tarball, "bundle", { type: "module" });
    cpSync(FLOW, join(dir, "flow.mjs"));
    writeFileSync(join(dir, "app.mjs"), BUNDLED_APP);
    return dir;
  });
  start("bare", () => makeProject(work, tarball, "bare", { type: "module" }));
  sim = await startSimulator({ vms: 10 });
});

after(async () => {
  await Promise.allSettled(Object.values(projects));
  await sim?.close();
  cleanup?.();
});

test("publint --strict: no error, no warning", async () => {
  const { stdout, stderr } = await run(join(BIN, "publint"), ["--strict", PKG], { cwd: ROOT, timeout: 120_000 });
  assert.doesNotMatch(stdout + stderr, /Errors:|Warnings:/);
});

test("@arethetypeswrong/cli: no problem on any entry; ./wasm is the one asset-only entry, excluded by name", async () => {
  const attw = (args) => run(join(BIN, "attw"), [tarball, "--format", "json", ...args], { cwd: work, timeout: 120_000 })
    .catch((error) => ({ stdout: error.stdout, failed: true }));
  const clean = await attw(["--exclude-entrypoints", "./wasm"]);
  const report = JSON.parse(clean.stdout);
  assert.deepEqual(report.problems, {}, JSON.stringify(report.problems, null, 2));
  assert.equal(clean.failed, undefined);
  assert.deepEqual(Object.keys(report.analysis.entrypoints).sort(), [".", "./inline", "./package.json"]);
  // Without the exclusion the only finding is the .wasm asset itself (no declaration for a binary).
  const all = Object.values(JSON.parse((await attw([])).stdout).problems).flat();
  assert.ok(all.length > 0);
  assert.deepEqual([...new Set(all.map((p) => `${p.kind} ${p.entrypoint}`))], ["NoResolution ./wasm"]);
});

// ---- TypeScript ---------------------------------------------------------------------------------

// Each usage file imports "cloudtower-wasm" as its project's module system makes it: require()
// in the CommonJS project, import in the ESM one. skipLibCheck off: the shipped .d.ts files are
// checked too. No @types/node (TypeScript 5.0 predates the current ones): the DOM lib gives fetch.
const TS_MODES = [
  { name: "CommonJS project, node16", folder: "cjs", config: "tsconfig.node16.json" },
  { name: "CommonJS project, nodenext", folder: "cjs", config: "tsconfig.nodenext.json" },
  { name: "ESM project, node16", folder: "esm", config: "tsconfig.node16.json" },
  { name: "ESM project, nodenext", folder: "esm", config: "tsconfig.nodenext.json" },
  { name: "bundler", folder: "esm", config: "tsconfig.bundler.json" },
];

function writeTypeScriptModes(dir) {
  const base = { strict: true, noEmit: true, skipLibCheck: false, target: "es2022", lib: ["es2022", "dom", "dom.iterable"], types: [] };
  for (const [folder, type, usage] of [["cjs", "commonjs", "usage-node.cts"], ["esm", "module", "usage-node.mts"]]) {
    mkdirSync(join(dir, folder));
    writeFileSync(join(dir, folder, "package.json"), JSON.stringify({ type }));
    cpSync(join(FIXTURES, usage), join(dir, folder, "usage.ts"));
    for (const mode of ["node16", "nodenext"]) {
      writeFileSync(join(dir, folder, `tsconfig.${mode}.json`), JSON.stringify({
        compilerOptions: { ...base, module: mode, moduleResolution: mode }, files: ["usage.ts"],
      }));
    }
  }
  cpSync(join(FIXTURES, "usage.ts"), join(dir, "esm/browser.ts"));
  // TypeScript 5.0 lets a bundler-mode project default-import an ES module without a default
  // export (later versions refuse it, as usage.ts expects): that one check is left out for it.
  const browser = readFileSync(join(FIXTURES, "usage.ts"), "utf8").split("\n")
    .filter((line) => !/defaultExport|has no default export/.test(line)).join("\n");
  writeFileSync(join(dir, "esm/browser-ts50.ts"), browser);
  for (const file of ["browser.ts", "browser-ts50.ts"]) {
    writeFileSync(join(dir, "esm", file === "browser.ts" ? "tsconfig.bundler.json" : "tsconfig.bundler-ts50.json"), JSON.stringify({
      compilerOptions: { ...base, isolatedModules: true, module: "esnext", moduleResolution: "bundler" }, files: [file],
    }));
  }
}

for (const [label, tscOf] of [
  ["the pinned TypeScript", () => join(ROOT, "node_modules/typescript/bin/tsc")],
  [`TypeScript ${MIN_TYPESCRIPT} (the minimum)`, (dir) => join(dir, "node_modules/typescript/bin/tsc")],
]) {
  for (const mode of TS_MODES) {
    test(`TypeScript, ${mode.name}: a strict consumer compiles with ${label}`, { timeout: 200_000 }, async () => {
      const dir = await projects.ts;
      const tsc = tscOf(dir);
      const config = label.includes(MIN_TYPESCRIPT) && mode.config === "tsconfig.bundler.json" ? "tsconfig.bundler-ts50.json" : mode.config;
      const { stdout } = await run(process.execPath, [tsc, "--version"], { cwd: dir });
      if (label.includes(MIN_TYPESCRIPT)) assert.equal(stdout.trim(), `Version ${MIN_TYPESCRIPT}`);
      try {
        await run(process.execPath, [tsc, "-p", join(mode.folder, config)], { cwd: dir, timeout: 150_000 });
      } catch (error) {
        throw new assert.AssertionError({ message: `tsc -p ${mode.folder}/${config} failed:\n${error.stdout}` });
      }
    });
  }
}

// ---- esbuild -------------------------------------------------------------------------------------

const BUNDLED_APP = `// A Node script as its author writes it; bundled with plain esbuild, nothing else.
import * as api from "cloudtower-wasm/inline";
import { keyFlow } from "./flow.mjs";

const [endpoint, username, password, name] = process.argv.slice(2);
keyFlow(api, { endpoint, username, password, name }).then(
  (flow) => process.stdout.write(JSON.stringify(flow) + "\\n"),
  (error) => {
    process.stderr.write(String(error?.stack ?? error) + "\\n");
    process.exitCode = 1;
  },
);
`;

for (const format of ["esm", "cjs"]) {
  test(`esbuild --bundle --platform=node --format=${format}: the bundle alone runs the key flow from an empty folder`, { timeout: 200_000 }, async () => {
    const dir = await projects.bundle;
    const out = `app.bundle.${format === "esm" ? "mjs" : "cjs"}`;
    await run(join(BIN, "esbuild"), ["app.mjs", "--bundle", "--platform=node", `--format=${format}`, `--outfile=dist/${out}`, "--log-level=warning"], { cwd: dir });
    // Elsewhere, with no node_modules and no .wasm beside it.
    const alone = join(work, `alone-${format}`);
    mkdirSync(alone);
    cpSync(join(dir, "dist", out), join(alone, out));
    assert.deepEqual(readdirSync(alone), [out]);
    const name = `esbuild-${format}`;
    const { stdout } = await run(process.execPath, [out, sim.url, admin.username, admin.password, name], { cwd: alone, timeout: 60_000 });
    assertKeyFlow(sim, JSON.parse(stdout), name);
  });
}

// ---- undici: an optional peer --------------------------------------------------------------------

test("a consumer's install brings no undici; the CLI's --ca then names the package to install", { timeout: 200_000 }, async () => {
  const dir = await projects.bare;
  assert.equal(existsSync(join(dir, "node_modules/undici")), false, "undici is not installed with the package");
  const installed = readdirSync(join(dir, "node_modules")).filter((n) => !n.startsWith("."));
  assert.ok(installed.includes("cloudtower-wasm") && !installed.includes("undici"), "the package, without undici");
  const { ca } = await makeCertificates();
  writeFileSync(join(dir, "ca.pem"), ca);
  const failed = await run(join(dir, "node_modules/.bin/cloudtower"), ["--ca", "ca.pem", "vms"], {
    cwd: dir, timeout: 30_000,
    env: cleanEnv({ CLOUDTOWER_ENDPOINT: sim.url, CLOUDTOWER_API_KEY: "unused-key-0123456789" }),
  }).then(() => null, (error) => error);
  assert.ok(failed, "the command must fail without undici");
  assert.notEqual(failed.code, 0);
  assert.match(failed.stderr, /npm install undici/);
  assert.ok(!failed.stderr.includes("unused-key-0123456789"));
});
