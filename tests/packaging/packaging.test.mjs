// The package as users get it: `npm pack` of pkg/, installed from the tarball into fresh projects
// outside the repository (os.tmpdir()) — CommonJS, ESM, TypeScript and a Vite dashboard — each
// running the API-key flow against the simulator. Also the tarball's contents, the exports map
// under every condition, one module instance for require() and import, and tsc --strict over the
// shipped declarations.
//
// npm installs use npm's cache (--prefer-offline): the first run downloads vite and @types/node
// from the registry (~30 s), later runs take seconds. CLOUDTOWER_PKG_DIR packs another built
// package directory instead of pkg/. CLOUDTOWER_KEEP_TMP=1 keeps the temporary projects.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ROOT, PKG, run, packPackage, makeProject as makeProjectIn, assertKeyFlow as assertKeyFlowOn } from "./helpers.mjs";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";
import { launchChromium, collectPageErrors, SKIP_BROWSER } from "../browser/chromium.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, "fixtures");
const FLOW = join(ROOT, "tests/browser/page/flow.mjs");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
// Pinned consumer-side tools (installed in the temporary projects only, never in the repo).
const VITE_VERSION = "7.3.8";
const VITE8_VERSION = "8.4.0"; // its dev server needs no workaround (see the Vite 8 test)
const TYPES_NODE_VERSION = "20.19.43";

const admin = { username: ACCOUNTS.admin.username, password: ACCOUNTS.admin.password };

let work; // the temporary directory holding the tarball and every consumer project
let tarball; // absolute path of the packed .tgz
let packed; // npm pack --json entry: { name, version, files: [{ path }] }
let cleanup;
let manifest; // pkg/package.json
let sim;
let browser;
const projects = {}; // name -> Promise<dir>, started together in before()

const makeProject = (name, manifestFields, deps) => makeProjectIn(work, tarball, name, manifestFields, deps);

/** Starts every project install at once; each test awaits its own (a failure stays in its test). */
function startProjects() {
  const start = (name, factory) => {
    projects[name] = factory();
    projects[name].catch(() => {}); // reported by the test that awaits it
  };
  start("cjs", async () => {
    const dir = await makeProject("cjs", { type: "commonjs" });
    cpSync(FLOW, join(dir, "flow.mjs"));
    writeFileSync(join(dir, "run.cjs"), CJS_RUNNER);
    return dir;
  });
  start("esm", async () => {
    const dir = await makeProject("esm", { type: "module" });
    cpSync(FLOW, join(dir, "flow.mjs"));
    writeFileSync(join(dir, "run.mjs"), ESM_RUNNER);
    return dir;
  });
  start("ts", async () => {
    const dir = await makeProject("ts", { type: "module" }, { "@types/node": TYPES_NODE_VERSION });
    for (const file of ["usage.ts", "usage-node.mts", "usage-node.cts"]) cpSync(join(FIXTURES, file), join(dir, file));
    writeFileSync(join(dir, "tsconfig.browser.json"), JSON.stringify(TSCONFIG_BROWSER, null, 2));
    writeFileSync(join(dir, "tsconfig.node.json"), JSON.stringify(TSCONFIG_NODE, null, 2));
    return dir;
  });
  start("vite", async () => {
    const source = join(FIXTURES, "vite-dashboard");
    const dir = join(work, "vite");
    cpSync(source, dir, { recursive: true });
    cpSync(FLOW, join(dir, "src/flow.js"));
    return makeProject("vite", { type: "module", devDependencies: { vite: VITE_VERSION } });
  });
  start("vite8", async () => {
    const dir = join(work, "vite8");
    cpSync(join(FIXTURES, "vite-dashboard"), dir, { recursive: true });
    cpSync(FLOW, join(dir, "src/flow.js"));
    return makeProject("vite8", { type: "module", devDependencies: { vite: VITE8_VERSION } });
  });
}

// ---- consumer scripts ---------------------------------------------------------------------------

// Both print one JSON line: how the package resolved, what it exports, and the key flow's result
// (tests/browser/page/flow.mjs, run with the package as imported by that project).
const SHARED_RUNNER = `
async function report(esm, cjs, resolved, keyFlow) {
  const [endpoint, username, password, name] = process.argv.slice(2);
  const wasmFile = resolved.require.wasm;
  const out = {
    resolved,
    wasmMagic: readFileSync(wasmFile).subarray(0, 4).toString("hex"),
    packageVersion: require_("cloudtower-wasm/package.json").version,
    exports: { esm: Object.keys(esm).sort(), cjs: Object.keys(cjs).sort() },
    same: {
      CloudTowerClient: esm.CloudTowerClient === cjs.CloudTowerClient,
      CloudTowerError: esm.CloudTowerError === cjs.CloudTowerError,
      isCloudTowerError: esm.isCloudTowerError === cjs.isCloudTowerError,
      init: esm.init === cjs.init,
    },
  };
  await esm.init();
  await cjs.init();
  out.flow = await keyFlow(esm, { endpoint, username, password, name });
  // An error raised through one module system is an instance of the other's class.
  const bogus = new esm.CloudTowerClient({ endpoint, apiKey: "not-a-key" });
  const error = await bogus.call("get-vms", { first: 1 }).then(() => null, (e) => e);
  out.crossError = {
    code: error?.code,
    instanceofEsm: error instanceof esm.CloudTowerError,
    instanceofCjs: error instanceof cjs.CloudTowerError,
    isCloudTowerErrorCjs: cjs.isCloudTowerError(error),
  };
  process.stdout.write(JSON.stringify(out) + "\\n");
}
`;

const CJS_RUNNER = `"use strict";
// CommonJS consumer: require() first, then import() of the same package.
const { readFileSync } = require("node:fs");
const { pathToFileURL } = require("node:url");
const require_ = require;
const cjs = require("cloudtower-wasm");
${SHARED_RUNNER}
(async () => {
  const esm = await import("cloudtower-wasm");
  const { keyFlow } = await import(pathToFileURL(__dirname + "/flow.mjs").href);
  const resolved = {
    require: {
      main: require.resolve("cloudtower-wasm"),
      wasm: require.resolve("cloudtower-wasm/wasm"),
      packageJson: require.resolve("cloudtower-wasm/package.json"),
    },
  };
  await report(esm, cjs, resolved, keyFlow);
})().catch((error) => {
  process.stderr.write(String(error?.stack ?? error) + "\\n");
  process.exitCode = 1;
});
`;

const ESM_RUNNER = `// ESM consumer: import first, then require() of the same package through createRequire.
import * as esm from "cloudtower-wasm";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { keyFlow } from "./flow.mjs";
const require_ = createRequire(import.meta.url);
const cjs = require_("cloudtower-wasm");
${SHARED_RUNNER}
const resolved = {
  import: {
    main: fileURLToPath(import.meta.resolve("cloudtower-wasm")),
    wasm: fileURLToPath(import.meta.resolve("cloudtower-wasm/wasm")),
    packageJson: fileURLToPath(import.meta.resolve("cloudtower-wasm/package.json")),
  },
  require: {
    main: require_.resolve("cloudtower-wasm"),
    wasm: require_.resolve("cloudtower-wasm/wasm"),
    packageJson: require_.resolve("cloudtower-wasm/package.json"),
  },
};
await report(esm, cjs, resolved, keyFlow);
`;

// A browser/bundler TypeScript project and a Node one (no DOM lib, @types/node). skipLibCheck is
// off, so the shipped .d.ts files are checked as strictly as the usage files.
const TSCONFIG_BROWSER = {
  compilerOptions: {
    strict: true, noEmit: true, skipLibCheck: false, isolatedModules: true,
    target: "es2022", lib: ["es2022", "dom", "dom.iterable"], types: [],
    module: "esnext", moduleResolution: "bundler",
  },
  files: ["usage.ts"],
};
const TSCONFIG_NODE = {
  compilerOptions: {
    strict: true, noEmit: true, skipLibCheck: false,
    target: "es2022", lib: ["es2022"], types: ["node"],
    module: "nodenext", moduleResolution: "nodenext",
  },
  files: ["usage-node.mts", "usage-node.cts"],
};

// ---- lifecycle ----------------------------------------------------------------------------------

before(async () => {
  ({ work, tarball, packed, cleanup } = await packPackage("packaging"));
  manifest = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
  startProjects();
  sim = await startSimulator({ vms: 20 });
});

after(async () => {
  await Promise.allSettled(Object.values(projects));
  await browser?.close();
  await sim?.close();
  cleanup?.();
});

// ---- assertions shared by the Node and browser consumers ---------------------------------------

const assertKeyFlow = (flow, name) => assertKeyFlowOn(sim, flow, name);

const PUBLIC_EXPORTS = ["CloudTowerClient", "CloudTowerError", "init", "isCloudTowerError"];

function assertNodeReport(report, dir, conditions) {
  const installed = join(dir, "node_modules/cloudtower-wasm");
  const inPackage = (file) => join(installed, file);
  for (const condition of conditions) {
    const r = report.resolved[condition];
    assert.equal(r.main, inPackage(condition === "import" ? "index.mjs" : "index.cjs"), `${condition}: "."`);
    assert.equal(r.wasm, inPackage("wasm/cloudtower_wasm_bg.wasm"), `${condition}: "./wasm"`);
    assert.equal(r.packageJson, inPackage("package.json"), `${condition}: "./package.json"`);
  }
  assert.equal(report.wasmMagic, "0061736d", "./wasm is a WebAssembly binary");
  assert.equal(report.packageVersion, manifest.version);
  assert.deepEqual(report.exports.esm, PUBLIC_EXPORTS, "import gives exactly the public API");
  assert.deepEqual(report.exports.cjs, PUBLIC_EXPORTS, "require() gives exactly the public API");
  assert.deepEqual(report.same, { CloudTowerClient: true, CloudTowerError: true, isCloudTowerError: true, init: true },
    "require() and import share one module instance (no dual-package hazard)");
  assert.deepEqual(report.crossError, { code: "UNAUTHORIZED", instanceofEsm: true, instanceofCjs: true, isCloudTowerErrorCjs: true });
}

async function runNodeConsumer(name, script) {
  const dir = await projects[name];
  const { stdout } = await run(process.execPath, [script, sim.url, admin.username, admin.password, `packaging-${name}`], { cwd: dir, timeout: 30_000 });
  return { dir, report: JSON.parse(stdout.trim().split("\n").pop()) };
}

// ---- tests --------------------------------------------------------------------------------------

test("tarball: exactly the files whitelist, no sources or tests, sideEffects false, every entry present", () => {
  const files = packed.files.map((f) => f.path).sort();
  const expected = [...new Set([...manifest.files, "package.json"])].sort();
  assert.deepEqual(files, expected, "the tarball holds exactly `files` plus package.json");
  for (const path of files) {
    assert.ok(!/^(src|tests?|target|pkg-template|scripts|spec|www)\//.test(path), `${path} must not ship`);
    assert.ok(!/\.(rs|map|tsbuildinfo)$/.test(path) && !path.endsWith("Cargo.toml"), `${path} must not ship`);
  }
  assert.equal(packed.name, "cloudtower-wasm");
  assert.equal(manifest.sideEffects, false);
  assert.equal(manifest.license, "MIT");
  assert.deepEqual(Object.keys(manifest.scripts ?? {}).filter((s) => /install|prepare/.test(s)), [], "no install scripts");
  assert.equal(manifest.devDependencies, undefined);

  // Every file the manifest points at is in the tarball.
  const targets = [];
  const collect = (value) => {
    if (typeof value === "string") targets.push(value);
    else if (value && typeof value === "object") Object.values(value).forEach(collect);
  };
  collect(manifest.exports);
  collect([manifest.main, manifest.module, manifest.browser, manifest.types]);
  collect(manifest.bin);
  for (const target of targets) assert.ok(files.includes(target.replace(/^\.\//, "")), `${target} (from package.json) is not in the tarball`);

  // Node's own entries first, so Node (and TypeScript's node16/nodenext) never picks the browser
  // build; each carries its types first (TypeScript reads conditions in order), ESM declarations
  // for import and CommonJS ones for require. Everything else gets the web build and ESM types.
  const dot = manifest.exports["."];
  assert.equal(Object.keys(dot)[0], "node");
  assert.deepEqual(dot.node, {
    import: { types: "./index.d.mts", default: "./index.mjs" },
    require: { types: "./index.d.cts", default: "./index.cjs" },
  });
  assert.equal(dot.types, "./index.d.mts");
  assert.ok(Object.keys(dot).indexOf("types") < Object.keys(dot).indexOf("browser"));
  assert.equal(manifest.type, "commonjs");
  assert.equal(manifest.types, "./index.d.cts");
  assert.deepEqual(manifest.bin, { cloudtower: "bin/cloudtower.mjs" }, "the bin path as npm normalises it");
  // Only the CLI's own needs (its prompts, display widths, YAML output), pinned; the library
  // entries import none of them, so a bundled dashboard carries none.
  assert.deepEqual(Object.keys(manifest.dependencies).sort(), ["@inquirer/input", "@inquirer/password", "string-width", "yaml"]);
  for (const version of Object.values(manifest.dependencies)) assert.match(version, /^\d+\.\d+\.\d+$/, "pinned exactly");
  assert.deepEqual(manifest.peerDependenciesMeta, { undici: { optional: true } });
  assert.equal(manifest.repository, undefined, "no invented home");
  assert.equal(manifest.homepage, undefined, "no invented home");
  assert.equal(dot.browser, "./web.mjs");
  assert.equal(dot.default, "./web.mjs");
  assert.equal(manifest.exports["./wasm"], "./wasm/cloudtower_wasm_bg.wasm");
  assert.equal(manifest.exports["./package.json"], "./package.json");
});

test("the shipped README is the reference: every error code, every CLI exit status, the same-origin proxy need, no link to a home that does not exist", async () => {
  const readme = readFileSync(join(PKG, "README.md"), "utf8");
  const { EXIT_CODE_MEANINGS } = await import(pathToFileURL(join(PKG, "cli/errors.mjs")).href);
  for (const [status, code] of EXIT_CODE_MEANINGS) {
    assert.ok(readme.includes(`| ${status} | ${code ? `\`${code}\`` : ""} |`), `exit status ${status} ${code}`);
  }
  const union = /export type CloudTowerErrorCode =([^;]+);/.exec(readFileSync(join(PKG, "index.d.mts"), "utf8"))[1];
  for (const [, code] of union.matchAll(/"([A-Z_]+)"/g)) assert.ok(readme.includes(`\`${code}\``), `error code ${code}`);
  assert.match(readme, /proxies `\/api` and `\/v2\/api`/);
  assert.doesNotMatch(readme, /\]\(https?:|project's README/, "no link to a page the user cannot reach");
});

test("CommonJS project: require() resolves every export and runs the key flow", { timeout: 200_000 }, async () => {
  const { dir, report } = await runNodeConsumer("cjs", "run.cjs");
  assertNodeReport(report, dir, ["require"]);
  assertKeyFlow(report.flow, "packaging-cjs");
});

test("ESM project: import resolves every export, shares one instance with require(), runs the key flow", { timeout: 200_000 }, async () => {
  const { dir, report } = await runNodeConsumer("esm", "run.mjs");
  assertNodeReport(report, dir, ["import", "require"]);
  assertKeyFlow(report.flow, "packaging-esm");
});

test("the installed bin runs: cloudtower --help", { timeout: 200_000 }, async () => {
  const dir = await projects.cjs;
  const bin = join(dir, "node_modules/.bin/cloudtower");
  assert.ok(existsSync(bin), "npm linked the cloudtower bin");
  const { stdout } = await run(bin, ["--help"], { cwd: dir, timeout: 20_000 });
  assert.match(stdout, /cloudtower/);
});

/** Names of the values (not types) a declaration file exports, read from its syntax. */
async function declaredValueExports(file) {
  const ts = (await import("typescript")).default;
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const names = [];
  const exported = (node) => ts.getModifiers?.(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement) && !statement.isTypeOnly && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) if (!element.isTypeOnly) names.push(element.name.text);
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && exported(statement) && statement.name) {
      names.push(statement.name.text);
    } else if (ts.isVariableStatement(statement) && exported(statement)) {
      for (const declaration of statement.declarationList.declarations) names.push(declaration.name.getText(source));
    } else if (ts.isExportDeclaration(statement) && !statement.isTypeOnly && !statement.exportClause) {
      names.push(`* from ${statement.moduleSpecifier.getText(source)}`); // a value re-export of everything
    }
  }
  return [...new Set(names)].sort();
}

test("types and runtime agree: the types declare exactly the values index.cjs, index.mjs and web.mjs export", { timeout: 200_000 }, async () => {
  const dir = await projects.esm;
  const installed = join(dir, "node_modules/cloudtower-wasm");
  // Every declaration entry the manifest names ("types", and exports["."].types, flat or per condition).
  const typesFiles = new Set([manifest.types]);
  const collectTypes = (value) => {
    if (typeof value === "string") typesFiles.add(value);
    else if (value && typeof value === "object") Object.values(value).forEach(collectTypes);
  };
  collectTypes([manifest.exports["."].types, manifest.exports["."].node.import.types, manifest.exports["."].node.require.types]);
  let declared;
  for (const file of typesFiles) {
    const names = await declaredValueExports(join(installed, file));
    assert.deepEqual(names, PUBLIC_EXPORTS, `value exports declared in ${file}`);
    declared = names;
  }
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", `
    import { createRequire } from "node:module";
    const require = createRequire(${JSON.stringify(join(dir, "package.json"))});
    const keys = (m) => Object.keys(m).filter((k) => k !== "default" && k !== "module.exports").sort();
    const out = {
      cjs: keys(require("cloudtower-wasm")),
      mjs: keys(await import(${JSON.stringify(pathToFileURL(join(installed, "index.mjs")).href)})),
      web: keys(await import(${JSON.stringify(pathToFileURL(join(installed, "web.mjs")).href)})),
    };
    process.stdout.write(JSON.stringify(out));
  `], { cwd: dir, timeout: 30_000 });
  const runtime = JSON.parse(stdout);
  assert.deepEqual(runtime, { cjs: declared, mjs: declared, web: declared }, "every entry exports what the types declare");
});

async function tsc(project) {
  const dir = await projects.ts;
  try {
    await run(process.execPath, [TSC, "-p", project], { cwd: dir, timeout: 120_000 });
  } catch (error) {
    // Name the files relative to the consumer project, so the failure reads like a user's tsc run.
    throw new assert.AssertionError({ message: `tsc -p ${project} failed:\n${error.message.split(`${dir}${sep}`).join("")}` });
  }
}

test("TypeScript, browser/bundler project: tsc --strict over the shipped .d.ts and usage.ts", { timeout: 200_000 }, async () => {
  await tsc("tsconfig.browser.json");
});

test("TypeScript, Node project (nodenext, @types/node, no DOM lib): ESM and CommonJS usage", { timeout: 200_000 }, async () => {
  await tsc("tsconfig.node.json");
});

// ---- Vite ---------------------------------------------------------------------------------------

async function importVite(dir) {
  const entry = join(dir, "node_modules/vite/dist/node/index.js");
  assert.ok(existsSync(entry), `vite is not installed in ${dir}`);
  return import(pathToFileURL(entry).href);
}

/** The README's Vite proxy options (`tower` there), with the simulator as CloudTower. */
function towerProxy() {
  const tower = { target: sim.url, changeOrigin: true, secure: true };
  return { "/api": tower, "/v2/api": tower };
}

/** Opens `url` in a fresh context, waits for the dashboard, runs the key flow and the VM table. */
async function driveDashboard(t, url, name) {
  browser ??= await launchChromium();
  const context = await browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors = collectPageErrors(page);
  const wasm = [];
  page.on("response", (response) => {
    // The fetch() of the binary; Vite dev also serves `x.wasm?import&url` as a script: not counted.
    if (new URL(response.url()).pathname.endsWith(".wasm") && response.request().resourceType() === "fetch") {
      wasm.push({ url: response.url(), status: response.status(), type: response.headers()["content-type"] });
    }
  });
  await page.goto(url);
  await page.waitForFunction(() => window.dashboard !== undefined);
  assert.deepEqual(await page.evaluate(() => window.dashboard.exports), PUBLIC_EXPORTS);
  const flow = await page.evaluate((options) => window.dashboard.keyFlow(options), { ...admin, name });
  assertKeyFlow(flow, name);
  return { page, errors, wasm, flow };
}

test("Vite project: vite build bundles the web build and its .wasm; the dashboard runs in Chromium (vite preview, same origin)", { skip: SKIP_BROWSER, timeout: 200_000 }, async (t) => {
  const dir = await projects.vite;
  const vite = await importVite(dir);

  // Which files the bundler resolves under the browser conditions.
  const resolvedIds = {};
  const probe = {
    name: "resolve-probe",
    async buildStart() {
      for (const id of ["cloudtower-wasm", "cloudtower-wasm/wasm", "cloudtower-wasm/package.json"]) {
        resolvedIds[id] = (await this.resolve(id, join(dir, "src/dashboard.js")))?.id;
      }
    },
  };
  const output = await vite.build({ root: dir, configFile: false, logLevel: "warn", plugins: [probe] });
  const installed = join(dir, "node_modules/cloudtower-wasm");
  assert.equal(resolvedIds["cloudtower-wasm"], join(installed, "web.mjs"), "bundlers get the web build");
  assert.equal(resolvedIds["cloudtower-wasm/wasm"], join(installed, "wasm/cloudtower_wasm_bg.wasm"));
  assert.equal(resolvedIds["cloudtower-wasm/package.json"], join(installed, "package.json"));

  const emitted = (Array.isArray(output) ? output : [output]).flatMap((o) => o.output).map((o) => o.fileName);
  const wasmAssets = emitted.filter((f) => f.endsWith(".wasm"));
  assert.equal(wasmAssets.length, 1, `one .wasm asset, found ${emitted.join(", ")}`);
  const bundle = emitted.filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(dir, "dist", f), "utf8")).join("\n");
  assert.ok(bundle.includes(wasmAssets[0].split("/").pop()), "the bundle loads the emitted .wasm");
  assert.ok(!/node:fs|readFileSync|require\(["']/.test(bundle), "no Node-only code in the browser bundle");

  const server = await vite.preview({
    root: dir, configFile: false, logLevel: "warn",
    preview: {
      host: "127.0.0.1", port: 0, strictPort: true,
      proxy: towerProxy(),
    },
  });
  t.after(() => server.close());
  const url = server.resolvedUrls.local[0];
  const { page, errors, wasm } = await driveDashboard(t, url, "packaging-vite");
  assert.equal(wasm.length, 1);
  assert.equal(new URL(wasm[0].url).pathname, `/${wasmAssets[0]}`);
  assert.equal(wasm[0].status, 200);

  // Render the VM table with a key issued by the test itself.
  const names = await withIssuedKey((key) => page.evaluate((k) => window.dashboard.showVms(k), key));
  assert.equal(names.length, 5);
  const rows = await page.locator("#vms tbody tr td:first-child").allTextContents();
  assert.deepEqual(rows, names);
  assert.deepEqual([...names].sort(), names, "ordered by name_ASC");

  // paginate() is async-iterable in the bundle (web.mjs patches Paginator.prototype at load:
  // with "sideEffects": false that statement must survive tree-shaking).
  const all = await withIssuedKey((key) => page.evaluate((k) => window.dashboard.allVms(k), key));
  assert.equal(all.count, sim.state.inventory.vms);
  assert.equal(all.names.length, sim.state.inventory.vms);
  assert.deepEqual(all.names.slice(0, 5), names);
  assert.equal(await page.textContent("#status"), "ready");
  assert.deepEqual(errors, []);
});

test("Vite dev server: the dashboard with init(wasm?url) from the \"./wasm\" export", { skip: SKIP_BROWSER, timeout: 200_000 }, async (t) => {
  const dir = await projects.vite;
  const vite = await importVite(dir);
  const server = await vite.createServer({
    root: dir, configFile: false, logLevel: "warn", clearScreen: false,
    server: {
      host: "127.0.0.1", port: 0, strictPort: false, hmr: false, watch: null,
      proxy: towerProxy(),
    },
  });
  t.after(() => server.close());
  await server.listen();
  const url = new URL("dev.html", server.resolvedUrls.local[0]).href;
  const { errors, wasm } = await driveDashboard(t, url, "packaging-vite-dev");
  assert.equal(wasm.length, 1);
  assert.equal(wasm[0].status, 200);
  assert.match(wasm[0].type ?? "", /^application\/wasm/);
  assert.deepEqual(errors, []);
});

test("Vite 8 dev server: the production entry, init() with no argument, no optimizeDeps or ?url workaround", { skip: SKIP_BROWSER, timeout: 200_000 }, async (t) => {
  const dir = await projects.vite8;
  const vite = await importVite(dir);
  assert.match(vite.version, /^8\./);
  const server = await vite.createServer({
    root: dir, configFile: false, logLevel: "warn", clearScreen: false,
    server: {
      host: "127.0.0.1", port: 0, strictPort: false, hmr: false, watch: null,
      proxy: towerProxy(),
    },
  });
  t.after(() => server.close());
  await server.listen();
  const { errors, wasm } = await driveDashboard(t, server.resolvedUrls.local[0], "packaging-vite8-dev");
  assert.equal(wasm.length, 1);
  assert.equal(wasm[0].status, 200);
  assert.match(wasm[0].type ?? "", /^application\/wasm/);
  assert.deepEqual(errors, []);
});

/** Issues a key with a Node-side client of the installed package, runs `use(key)`, revokes it. */
async function withIssuedKey(use) {
  const dir = await projects.esm;
  const { CloudTowerClient } = await import(pathToFileURL(join(dir, "node_modules/cloudtower-wasm/index.mjs")).href);
  const client = new CloudTowerClient({ endpoint: sim.url });
  await client.login(admin);
  const key = await client.createApiKey({ name: "packaging-dashboard" });
  try {
    return await use(key.key);
  } finally {
    await client.deleteApiKey(key.key);
    assert.equal(sim.state.hasApiKey(key.key), false);
  }
}
