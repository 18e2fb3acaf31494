// Shared pieces of the console tests: a snapshot of the package's web build, the simulator behind
// startConsoleServer, Chromium through playwright-core, page-error tracking, screenshots, and the
// "no secret left behind" check.

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import { startConsoleServer } from "../../scripts/serve.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const WWW = path.join(ROOT, "www");
export const ARTIFACTS = path.join(ROOT, "artifacts", "console");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const PKG_WEB_FILES = ["web.mjs", "error.mjs", "setup.mjs", "wasm/web.mjs", "wasm/cloudtower_wasm_bg.wasm"];

/**
 * Copies the package's web build (what /pkg/ serves) to a temporary folder, so a rebuild of pkg/
 * by someone else during the run cannot pull files from under the browser. Waits for a build in
 * progress (up to 4 minutes) when files are missing.
 */
export async function snapshotPkg() {
  const src = path.join(ROOT, "pkg");
  const deadline = Date.now() + 240_000;
  for (;;) {
    const missing = PKG_WEB_FILES.filter((f) => !fs.existsSync(path.join(src, f)));
    if (missing.length === 0) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "console-pkg-"));
      try {
        for (const f of PKG_WEB_FILES) {
          fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
          fs.copyFileSync(path.join(src, f), path.join(dir, f));
        }
        return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
      } catch (error) {
        fs.rmSync(dir, { recursive: true, force: true });
        if (Date.now() > deadline) throw error;
      }
    } else if (Date.now() > deadline) {
      throw new Error(`pkg/ lacks ${missing.join(", ")}: build it with bash scripts/build.sh`);
    }
    await sleep(2000);
  }
}

export async function launchBrowser() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** The simulator (or a simulator pair, with sim: { pair: true }) behind a console server that serves www/ and the pkg snapshot. */
export async function startStack({ pkgDir, sim: simOptions = {}, server: serverOptions = {} } = {}) {
  const { startSimulator, ACCOUNTS } = await import("../sim/index.mjs");
  const sim = await startSimulator({ vms: 120, ...simOptions });
  const logLines = [];
  let server;
  try {
    server = await startConsoleServer({
      upstream: sim.urls ?? sim.url,
      static: [{ prefix: "/", dir: WWW }, { prefix: "/pkg/", dir: pkgDir }],
      log: (line) => logLines.push(line),
      ...serverOptions,
    });
  } catch (error) {
    await sim.close();
    throw error;
  }
  return {
    sim,
    server,
    accounts: sim.state.accounts ?? ACCOUNTS,
    logLines,
    url: server.url,
    async close() {
      await server.close();
      await sim.close();
    },
  };
}

const API_PATH = /^\/(api\/?$|v2\/api\/)/;

/**
 * Opens the console in a fresh context and records everything that must not happen: page errors
 * (uncaught exceptions), console errors (which include unhandled rejections). The browser's own
 * "Failed to load resource" line for an API answer with an error status (401, 502...) is not a
 * page fault: those are the errors the console shows inline; any other console error is.
 */
export async function openConsole(browser, url, { permissions = [], viewport = { width: 1440, height: 1000 } } = {}) {
  const context = await browser.newContext({ viewport });
  if (permissions.length) await context.grantPermissions(permissions, { origin: url });
  const page = await context.newPage();
  const problems = [];
  const apiFailures = [];
  const secretsSeen = new Set();
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.stack ?? error.message}`));
  page.on("console", (message) => {
    if (message.type() !== "error" && message.type() !== "assert") return;
    const text = message.text();
    const where = message.location()?.url ?? "";
    let pathname = "";
    try {
      pathname = new URL(where).pathname;
    } catch {
      // not a URL
    }
    if (/^Failed to load resource: the server responded with a status of \d{3}/.test(text) && API_PATH.test(pathname)) {
      apiFailures.push(`${text} (${pathname})`);
      return;
    }
    problems.push(`console.${message.type()}: ${text}${where ? ` @ ${where}` : ""}`);
  });
  // Every token the server hands out to this page: the secret check looks for them afterwards.
  page.on("response", async (response) => {
    try {
      const pathname = new URL(response.url()).pathname;
      if (!API_PATH.test(pathname) || response.request().method() !== "POST") return;
      const text = await response.text();
      for (const match of text.matchAll(/"(?:token|key)"\s*:\s*"([^"]{8,})"/g)) secretsSeen.add(match[1]);
    } catch {
      // The page may be closing.
    }
  });
  await page.goto(`${url}/`);
  await page.waitForSelector("body[data-ready='true']", { timeout: 30_000 });
  return {
    context,
    page,
    problems,
    apiFailures,
    secretsSeen,
    assertClean() {
      assert.deepEqual(problems, [], `the page reported errors:\n${problems.join("\n")}`);
    },
    async close() {
      await context.close();
    },
  };
}

/** Saves a screenshot as artifacts/console/<name>.png (git-ignored); names carry their own order. */
export async function shot(page, name, { fullPage = true } = {}) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/**
 * Asserts that none of `secrets` is left in localStorage, sessionStorage (unless `allowSession`),
 * cookies, the DOM (markup and every form field's current value) or the page's title/URL.
 */
export async function assertNoSecrets(page, secrets, { allowSession = [] } = {}) {
  const list = [...new Set(secrets)].filter((s) => typeof s === "string" && s.length >= 6);
  assert.ok(list.length > 0, "no secrets to look for");
  const found = await page.evaluate((needles) => {
    const dump = (storage) => {
      const out = [];
      for (let i = 0; i < storage.length; i++) out.push(`${storage.key(i)}=${storage.getItem(storage.key(i))}`);
      return out.join("\n");
    };
    const fields = [...document.querySelectorAll("input, textarea, select")].map((el) => el.value).join("\n");
    const places = {
      localStorage: dump(localStorage),
      sessionStorage: dump(sessionStorage),
      cookie: document.cookie,
      dom: document.documentElement.outerHTML,
      text: document.body.innerText,
      fields,
      location: location.href + document.title,
    };
    const hits = [];
    for (const [place, text] of Object.entries(places)) {
      for (const needle of needles) if (text.includes(needle)) hits.push({ place, needle: needle.slice(0, 4) + "…" });
    }
    return { hits, localStorageLength: localStorage.length };
  }, list);
  const cookies = await page.context().cookies();
  const cookieHits = cookies.filter((c) => list.some((s) => c.value.includes(s) || c.name.includes(s)));
  const hits = found.hits.filter((h) => !(h.place === "sessionStorage" && allowSession.some((s) => s.startsWith(h.needle.slice(0, 4)))));
  assert.deepEqual(hits, [], `secrets left in the page: ${JSON.stringify(hits)}`);
  assert.deepEqual(cookieHits, [], "secrets in cookies");
  assert.equal(found.localStorageLength, 0, "localStorage must stay empty");
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function until(fn, { timeoutMs = 10_000, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Waits until the credential pill shows `kind` ("none" | "token" | "apiKey"). */
export async function waitForCredential(page, kind) {
  await page.waitForFunction((k) => document.querySelector("#cred-pill")?.dataset.kind === k, kind, { timeout: 15_000 });
}

/** A form control by its label, as a screen-reader user finds it (never by id). */
export const field = (page, name) => page.getByLabel(name, { exact: true });

/** A button by its accessible name. */
export const button = (page, name) => page.getByRole("button", { name, exact: true });

/** Signs in through the form. */
export async function signIn(page, { username, password, source = "LOCAL" }) {
  if (source !== "LOCAL") {
    await field(page, "Source").selectOption(source);
    await page.waitForFunction(() => document.querySelector("#strategy").options.length > 1, null, { timeout: 15_000 });
  }
  await field(page, "Username").fill(username);
  await field(page, "Password").fill(password);
  await button(page, "Sign in").click();
}

/** How many VM refreshes have settled so far (pass it to waitForVms after an action). */
export function vmSettled(page) {
  return page.$eval("#vm-table", (t) => Number(t.dataset.settled ?? 0));
}

/** Waits until a VM refresh settles after `before` (from vmSettled) — success or error. */
export async function waitForVms(page, before) {
  await page.waitForFunction((n) => Number(document.querySelector("#vm-table").dataset.settled ?? 0) > n, before, { timeout: 20_000 });
}

/** The VM rows as plain objects. */
export function readVmRows(page) {
  return page.$$eval("#vm-body tr[data-vm-id]", (rows) => rows.map((tr) => ({
    name: tr.querySelector(".vm-name-text")?.textContent ?? "",
    status: tr.querySelector(".vm-status")?.textContent.trim() ?? "",
    cluster: tr.querySelector(".vm-cluster")?.textContent ?? "",
    host: tr.querySelector(".vm-host")?.textContent ?? "",
    vcpu: tr.querySelector(".vm-vcpu")?.textContent ?? "",
    memory: tr.querySelector(".vm-memory")?.textContent ?? "",
    ips: [...tr.querySelectorAll(".vm-ips .ip")].map((e) => e.textContent),
  })));
}

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** WCAG 2.0-2.2 A and AA plus axe's best practices: what the console is held to. */
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

/**
 * Moderate or minor violations the console accepts, each with why. Serious and critical ones are
 * never accepted; any violation not listed here fails the test.
 */
export const ACCEPTED_VIOLATIONS = {};

/**
 * Runs axe-core in the page as it is now and fails on any violation not in ACCEPTED_VIOLATIONS.
 * axe is evaluated through the DevTools protocol, which the page's CSP does not govern, so the
 * page keeps its own policy while it is checked.
 */
export async function assertAccessible(page, where) {
  await settleAnimations(page);
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary?.split("\n")[1]?.trim() ?? ""}`) }));
  }, AXE_TAGS);
  const unexpected = violations.filter((v) => ["serious", "critical"].includes(v.impact) || !ACCEPTED_VIOLATIONS[v.id]);
  assert.deepEqual(unexpected, [], `axe-core violations (${where}):\n${JSON.stringify(unexpected, null, 2)}`);
}

/**
 * Jumps every running transition to its end (colours mid-change fool axe). Finishing them is
 * synchronous; waiting on their `finished` promises proved unreliable after a viewport change.
 */
export async function settleAnimations(page) {
  await page.evaluate(() => {
    for (const animation of document.getAnimations()) {
      try {
        animation.finish();
      } catch {
        // An endless animation cannot be finished; the console has none.
      }
    }
  });
}

/** Fails when the page is wider than the viewport (it would scroll sideways). */
export async function assertNoHorizontalOverflow(page, where) {
  const { scroll, width, widest } = await page.evaluate(() => {
    const widthNow = document.documentElement.clientWidth;
    const over = [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > widthNow + 0.5 && !el.parentElement.closest(".table-wrap, .activity"))
      .slice(0, 5).map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}.${[...el.classList].join(".")} → ${Math.round(el.getBoundingClientRect().right)}`);
    return { scroll: document.documentElement.scrollWidth, width: widthNow, widest: over };
  });
  assert.ok(scroll <= width, `horizontal overflow at ${where}: the page is ${scroll}px wide in ${width}px (${widest.join(", ")})`);
}
