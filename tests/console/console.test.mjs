// The admin console in Chromium (playwright-core), against the simulator behind startConsoleServer.
// Every flow of the console: sign in, issue a key (masked, reveal, copy), use it, list / filter /
// sort / page VMs with the status chart, revoke (in page and out of band), 2FA, an injected 502,
// the "remember for this tab" opt-in, LDAP, a server without the key list, zh-CN; after each flow
// no secret may be left in storage, cookies or the DOM, and the page must not log an error.
// Also: no form submits by navigation without the script (issue 12); axe-core in every state, both
// languages, both colour schemes and four widths; the whole flow by keyboard alone; reduced motion.
// Controls are found by their accessible names, never by id.
// Screenshots go to artifacts/console/. UPDATE_README_SCREENSHOT=1 also writes docs/console.png.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import {
  ROOT, snapshotPkg, launchBrowser, startStack, openConsole, shot, assertNoSecrets,
  waitForCredential, signIn, field, button, vmSettled, waitForVms, readVmRows, until,
  assertAccessible, assertNoHorizontalOverflow, settleAnimations,
} from "./helpers.mjs";

let pkg;
let browser;
let stack;

before(async () => {
  pkg = await snapshotPkg();
  browser = await launchBrowser();
  stack = await startStack({ pkgDir: pkg.dir, sim: { vms: 120 } });
});

after(async () => {
  await browser?.close();
  await stack?.close();
  pkg?.remove();
});

/** Ground truth straight from the simulator (plain fetch, no console, no proxy). */
async function simApi(sim, accounts) {
  const post = async (p, body, token) => {
    const response = await fetch(`${sim.url}${p}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: token } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: await response.json(), requestId: response.headers.get("x-tower-request-id") };
  };
  const { json } = await post("/v2/api/login", { username: accounts.admin.username, password: accounts.admin.password });
  const token = json.data.token;
  return {
    count: async (where) => (await post("/v2/api/get-vms-connection", { where }, token)).json.aggregate.count,
    vms: async (body) => (await post("/v2/api/get-vms", body, token)).json,
    revoke: async (key) => post("/api", { query: "mutation d($key: String!) { deleteApiKey(where: { key: $key }) { id } }", variables: { key } }, token),
  };
}

const text = (page, selector) => page.$eval(selector, (el) => el.textContent.trim());

test("serves the console on one origin: strict CSP header, wasm and module types, API proxy", async () => {
  const response = await fetch(`${stack.url}/`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-security-policy"),
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  const html = await response.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, "no inline script");
  assert.doesNotMatch(html, /\sstyle=/i, "no style attribute");
  assert.doesNotMatch(html, /<style/i, "no style element");
  assert.match(html, /<label for="password"/);
  // Without the script no form can submit: POST only (never a secret in a URL), submit buttons
  // disabled until app.mjs wires the forms.
  const forms = html.match(/<form\b[^>]*>/g);
  assert.ok(forms.length >= 6);
  for (const form of forms) assert.match(form, /\bmethod="post"/, form);
  const submits = html.match(/<button\b[^>]*type="submit"[^>]*>/g);
  assert.equal(submits.length, forms.length, "one submit button per form");
  for (const submit of submits) assert.match(submit, /\bdisabled\b/, submit);
  assert.equal((await fetch(`${stack.url}/pkg/web.mjs`)).headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal((await fetch(`${stack.url}/pkg/wasm/cloudtower_wasm_bg.wasm`)).headers.get("content-type"), "application/wasm");
  assert.equal((await fetch(`${stack.url}/app.mjs`)).headers.get("content-type"), "text/javascript; charset=utf-8");
  // No innerHTML / insertAdjacentHTML / document.write / style attributes anywhere in the console's code.
  for (const file of fs.readdirSync(path.join(ROOT, "www")).filter((f) => f.endsWith(".mjs"))) {
    const source = fs.readFileSync(path.join(ROOT, "www", file), "utf8");
    assert.doesNotMatch(source, /innerHTML|outerHTML\s*=|insertAdjacentHTML|document\.write|\.style\.|localStorage\./, `${file} must build nodes as text`);
  }
  const version = await fetch(`${stack.url}/v2/api/get-version`);
  assert.equal(version.status, 200);
  assert.ok(version.headers.get("x-tower-request-id"));
});

// Issue 12: with JavaScript off, or the console's script not loaded, Enter in the sign-in form used
// to navigate to /?username=…&password=…. Each form holding a secret is tried in each way the
// script can be missing; no request may carry a secret and no form may navigate.
const NO_SCRIPT = [
  { name: "JavaScript off", context: { javaScriptEnabled: false } },
  { name: "app.mjs blocked", block: /\/app\.mjs$/ },
  { name: "a module app.mjs imports is missing", block: /\/keys\.mjs$/ },
  { name: "the package's web build blocked", block: /\/pkg\/web\.mjs$/ },
];
const SECRET = "hunter2-Secret-Value";
const SECRET_FORMS = [
  { form: "sign-in", fill: { Username: "admin", Password: SECRET }, enterIn: ["Password", "Username"], submit: "Sign in" },
  { form: "use a key", fill: { "…or paste a key": SECRET }, enterIn: ["…or paste a key"], submit: "Use this key" },
  { form: "revoke by secret", open: "Revoke a key by its secret", fill: { "API key": SECRET }, enterIn: ["API key"], submit: "Revoke" },
  { form: "issue a key", fill: { "New key name": SECRET }, enterIn: ["New key name"], submit: "Issue key" },
  { form: "VM filter", fill: { "Name contains": SECRET }, enterIn: ["Name contains"], submit: "Refresh VMs" },
  { form: "connect", fill: { Endpoint: `http://${SECRET}.invalid` }, enterIn: ["Endpoint"], submit: "Connect" },
];

for (const shape of NO_SCRIPT) {
  test(`no form submits by navigation (${shape.name}): Enter or a click in each form sends nothing`, async () => {
    const context = await browser.newContext(shape.context ?? {});
    const requests = [];
    await context.route("**/*", (route) => {
      const request = route.request();
      requests.push({ method: request.method(), url: request.url(), body: request.postData() ?? "" });
      if (shape.block?.test(new URL(request.url()).pathname)) return route.abort();
      return route.continue();
    });
    try {
      const page = await context.newPage();
      await page.goto(`${stack.url}/`);
      // The script never ran: the page is not wired (this is the state being tested).
      assert.equal(await page.getAttribute("body", "data-ready"), null);
      for (const { form, open, fill, enterIn, submit } of SECRET_FORMS) {
        if (open) await page.getByText(open, { exact: true }).click();
        for (const [label, value] of Object.entries(fill)) await field(page, label).fill(value);
        for (const label of enterIn) await field(page, label).press("Enter");
        // A disabled button ignores the click; force: true clicks it anyway, as a user would try.
        await page.getByRole("button", { name: submit, exact: true }).first().click({ force: true });
        // A navigation of our own after each form: a submission started above would have sent
        // its request (or cancelled this one) before this one loads.
        const marker = `${stack.url}/favicon.svg?after=${requests.length}`;
        await page.goto(marker);
        assert.equal(requests.at(-1).url, marker, `${form}: nothing was sent after the marker`);
        await page.goBack();
        assert.equal(page.url(), `${stack.url}/`, `${form}: the only history entry is the console's own`);
      }
      const leaks = requests.filter((r) => r.url.includes(SECRET) || r.body.includes(SECRET) || r.method !== "GET");
      assert.deepEqual(leaks, [], "no request carries a secret, no form was posted");
      const queries = requests.filter((r) => new URL(r.url).search && !new URL(r.url).searchParams.has("after"));
      assert.deepEqual(queries, [], "no form was submitted by GET");
      assert.ok(!stack.logLines.some((line) => line.includes(SECRET)), "the server never saw the secret");
    } finally {
      await context.close();
    }
  });
}

test("admin flow: sign in, issue a key (masked, reveal, copy), use it, list and filter VMs, revoke it", async () => {
  const { page, secretsSeen, assertClean, close } = await openConsole(browser, stack.url, { permissions: ["clipboard-read", "clipboard-write"] });
  const truth = await simApi(stack.sim, stack.accounts);
  const { admin } = stack.accounts;
  try {
    assert.equal(await field(page, "Endpoint").inputValue(), stack.url, "the endpoint defaults to the page's origin");
    assert.match(await text(page, "#conn-badge"), /CloudTower 4\.6\.0/);
    await waitForCredential(page, "none");
    await shot(page, "01-connected");

    // Sign in; the user and the credential in use show up; the password field is emptied.
    let settled = await vmSettled(page);
    await signIn(page, admin);
    await page.waitForSelector("#user-panel:not([hidden])");
    await waitForCredential(page, "token");
    assert.equal(await text(page, "#user-name"), "Administrator");
    assert.match(await text(page, "#user-meta"), /admin/);
    assert.match(await text(page, "#user-roles"), /ADMIN/);
    assert.match(await text(page, "#cred-detail"), /Session token of admin/);
    assert.equal(await field(page, "Password").inputValue(), "");
    await waitForVms(page, settled);
    await shot(page, "02-signed-in");

    // Issue a key: shown once, masked; the DOM does not hold it until "Reveal".
    await field(page, "New key name").fill("ci-pipeline");
    await field(page, "New key name").press("Enter");
    await page.waitForSelector("#secret-panel");
    const issued = stack.sim.state.apiKeys().find((k) => k.name === "ci-pipeline");
    assert.ok(issued, "the simulator has the new key");
    assert.match(await text(page, "#secret-warning"), /only time this key is shown/);
    assert.equal(await page.getAttribute("#secret-value", "data-masked"), "true");
    const key = await until(() => [...secretsSeen].find((s) => stack.sim.state.hasApiKey(s)), { what: "the createApiKey answer" });
    assert.ok(!(await page.content()).includes(key), "a masked key is not in the DOM");
    await shot(page, "03-key-issued-masked");
    await button(page, "Reveal").click();
    assert.equal(await text(page, "#secret-value"), key);
    assert.equal(await page.getAttribute("#reveal-btn", "aria-pressed"), "true");
    await shot(page, "04-key-revealed");
    await button(page, "Copy").click();
    await page.waitForFunction(() => document.querySelector("#copy-status").textContent.includes("Copied"));
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key, "the clipboard holds the key");
    assert.equal(await page.getAttribute("#secret-value", "data-masked"), "true", "copying hides it again");
    assert.ok(!(await page.content()).includes(key), "hidden again");
    await button(page, "Reveal").click();
    await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
    assert.equal(await page.getAttribute("#secret-value", "data-masked"), "false", "a visible page keeps it shown");
    await page.evaluate(() => {
      Object.defineProperty(document, "hidden", { value: true, configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
      delete document.hidden;
    });
    assert.equal(await page.getAttribute("#secret-value", "data-masked"), "true", "a hidden page hides it");
    // The key list shows it (without its secret), marked as issued here.
    await page.waitForSelector(`#keys-body tr[data-key-id="${issued.id}"] .tag-session`);

    // Use it: the page's credential becomes the API key (never shown), VMs are listed with it.
    settled = await vmSettled(page);
    await button(page, "Use this key now").click();
    await waitForCredential(page, "apiKey");
    await waitForVms(page, settled);
    assert.match(await text(page, "#cred-detail"), /API key “ci-pipeline” of admin/);
    assert.match(await text(page, "#cred-kind"), /API key/);
    assert.match(await text(page, "#vms-cred"), /API key/);
    const lastGetVms = stack.sim.state.requests.filter((r) => r.path === "/v2/api/get-vms").at(-1);
    assert.equal(lastGetVms.auth, "apiKey", "get-vms went out with the API key");

    // Dismiss the one-time panel: the key leaves the DOM.
    await button(page, "I have stored it — dismiss").click();
    assert.equal(await page.$("#secret-panel"), null);
    assert.ok(!(await page.content()).includes(key));

    // Unfiltered: the total and the chart agree with the simulator, the columns are filled.
    const total = await truth.count({});
    assert.match(await text(page, "#vm-range"), new RegExp(`^1–25 of ${total}$`));
    for (const status of ["RUNNING", "STOPPED", "SUSPENDED", "UNKNOWN"]) {
      const shown = await page.$eval(`.chart-row[data-status="${status}"] .chart-value`, (el) => el.firstChild.textContent);
      assert.equal(Number(shown.replace(/\D/g, "")), await truth.count({ status }), `chart count of ${status}`);
    }
    let rows = await readVmRows(page);
    assert.equal(rows.length, 25);
    const expectedFirst = (await truth.vms({ orderBy: "name_ASC", first: 1 }))[0];
    assert.equal(rows[0].name, expectedFirst.name);
    assert.equal(rows[0].status, expectedFirst.status);
    assert.equal(rows[0].cluster, expectedFirst.cluster.name);
    assert.equal(rows[0].vcpu, String(expectedFirst.vcpu));
    assert.match(rows[0].memory, /GiB$/);
    assert.ok(rows.some((r) => r.ips.length > 0), "IPs are shown");
    assert.ok(rows.some((r) => r.host !== "—"), "hosts are shown");
    await shot(page, "05-vms-with-key");

    // Name filter: every row really contains it, and the total is the simulator's.
    settled = await vmSettled(page);
    await field(page, "Name contains").fill("db");
    await waitForVms(page, settled);
    rows = await readVmRows(page);
    const dbTotal = await truth.count({ name_contains: "db" });
    assert.ok(dbTotal > 0 && dbTotal < total);
    assert.ok(rows.length > 0 && rows.every((r) => r.name.includes("db")), `rows filtered: ${rows.map((r) => r.name)}`);
    assert.match(await text(page, "#vm-range"), new RegExp(`of ${dbTotal}$`));
    assert.match(await text(page, "#vm-chart-caption"), /“db”/);

    // Status filter on top: only STOPPED rows.
    settled = await vmSettled(page);
    await field(page, "Status").selectOption("STOPPED");
    await waitForVms(page, settled);
    rows = await readVmRows(page);
    const dbStopped = await truth.count({ name_contains: "db", status: "STOPPED" });
    assert.equal(rows.length, Math.min(25, dbStopped));
    assert.ok(rows.every((r) => r.status === "STOPPED" && r.name.includes("db")));
    assert.match(await text(page, "#vm-range"), new RegExp(`of ${dbStopped}$`));
    await shot(page, "06-vms-filtered");

    // The chart's bars filter too (click RUNNING), keyboard-usable as buttons.
    settled = await vmSettled(page);
    await page.getByRole("button", { name: /^RUNNING \d+ \d+%$/ }).click();
    await waitForVms(page, settled);
    assert.equal(await field(page, "Status").inputValue(), "RUNNING");
    rows = await readVmRows(page);
    assert.ok(rows.length > 0 && rows.every((r) => r.status === "RUNNING"));

    // Sort and pages: clear the filters, Z→A, page 2 equals the simulator's skip 25.
    settled = await vmSettled(page);
    await field(page, "Name contains").fill("");
    await field(page, "Status").selectOption("");
    await waitForVms(page, settled);
    settled = await vmSettled(page);
    await field(page, "Sort").selectOption("name_DESC");
    await waitForVms(page, settled);
    rows = await readVmRows(page);
    const names = rows.map((r) => r.name);
    assert.deepEqual(names, (await truth.vms({ orderBy: "name_DESC", first: 25 })).map((v) => v.name));
    settled = await vmSettled(page);
    await button(page, "Next").click();
    await waitForVms(page, settled);
    assert.match(await text(page, "#vm-range"), new RegExp(`^26–50 of ${total}$`));
    rows = await readVmRows(page);
    assert.deepEqual(rows.map((r) => r.name), (await truth.vms({ orderBy: "name_DESC", first: 25, skip: 25 })).map((v) => v.name));
    assert.equal(await button(page, "Previous").isDisabled(), false);
    settled = await vmSettled(page);
    await button(page, "Previous").click();
    await waitForVms(page, settled);
    assert.match(await text(page, "#vm-range"), /^1–25/);

    // Revoke it from the list: the in-page dialog; Cancel keeps it, Revoke revokes it and the
    // page, which was using it, goes back to the session token, visibly.
    await button(page, "Revoke ci-pipeline").click();
    await page.waitForSelector("#confirm-dialog[open]");
    assert.match(await text(page, "#confirm-title"), /ci-pipeline/);
    assert.match(await text(page, "#confirm-text"), /switch back to your session token/);
    await shot(page, "07-revoke-confirm", { fullPage: false });
    await page.keyboard.press("Escape");
    await page.waitForFunction(() => !document.querySelector("#confirm-dialog").open);
    assert.ok(stack.sim.state.hasApiKey(key), "cancelled: the key still works");
    await waitForCredential(page, "apiKey");
    await button(page, "Revoke ci-pipeline").click();
    await page.waitForSelector("#confirm-dialog[open]");
    settled = await vmSettled(page);
    await page.getByRole("dialog").getByRole("button", { name: "Revoke", exact: true }).click();
    await waitForCredential(page, "token");
    await waitForVms(page, settled);
    assert.equal(stack.sim.state.hasApiKey(key), false, "revoked on the server");
    assert.match(await text(page, "#notice"), /was using has been revoked: the page now uses your session token/);
    assert.match(await text(page, "#cred-detail"), /Session token of admin/);
    assert.equal(await page.$(`#keys-body tr[data-key-id="${issued.id}"]`), null, "gone from the list");
    assert.equal(stack.sim.state.requests.filter((r) => r.path === "/v2/api/get-vms").at(-1).auth, "token");
    await shot(page, "08-revoked-back-to-token");

    // Pasting the revoked key: rejected inline with UNAUTHORIZED, the credential stays the token.
    await field(page, "…or paste a key").fill(key);
    await button(page, "Use this key").click();
    await page.waitForSelector("#use-key-error [data-code]");
    assert.equal(await page.getAttribute("#use-key-error .alert", "data-code"), "UNAUTHORIZED");
    await waitForCredential(page, "token");
    await field(page, "…or paste a key").fill("");

    // A second key, used, then revoked behind the page's back: the next call is rejected with
    // UNAUTHORIZED inline, with the request id, and "switch back to the session token" recovers.
    await field(page, "New key name").fill("nightly-report");
    await button(page, "Issue key").click();
    await page.waitForSelector("#secret-panel");
    const second = await until(() => [...secretsSeen].find((s) => s !== key && stack.sim.state.hasApiKey(s)), { what: "the second key" });
    await button(page, "I have stored it — dismiss").click();
    settled = await vmSettled(page);
    const option = await page.$eval("#session-key", (select) => [...select.options].find((o) => o.textContent.startsWith("nightly-report")).value);
    assert.ok(!option.includes(second), "the picker's values are ids, not secrets");
    await field(page, "Key issued in this page").selectOption(option);
    await button(page, "Use this key").click();
    await waitForCredential(page, "apiKey");
    await waitForVms(page, settled);
    const revokedOutside = await truth.revoke(second);
    assert.equal(revokedOutside.status, 200);
    settled = await vmSettled(page);
    await button(page, "Refresh VMs").click();
    await waitForVms(page, settled);
    const alert = await page.waitForSelector("#vms-error .alert");
    assert.equal(await alert.getAttribute("data-code"), "UNAUTHORIZED");
    const rejected = stack.sim.state.requests.filter((r) => r.path === "/v2/api/get-vms" && r.status === 401).at(-1);
    assert.ok(rejected, "the simulator answered 401");
    assert.equal(await text(page, "#vms-error .request-id"), rejected.requestId);
    assert.equal(await text(page, "#vms-error .http-status"), "401");
    assert.match(await text(page, "#vms-error .alert-hint"), /API key in use was rejected/);
    await shot(page, "09-unauthorized-inline");
    settled = await vmSettled(page);
    await page.getByRole("alert").getByRole("button", { name: "Switch back to the session token" }).click();
    await waitForCredential(page, "token");
    await waitForVms(page, settled);
    assert.equal(await page.$("#vms-error .alert"), null, "the error is cleared by the next good call");

    // After the flow no key, token or password is left anywhere.
    const secrets = [...secretsSeen, admin.password];
    assert.ok(secrets.length >= 3, "saw the token and both keys");
    await assertNoSecrets(page, secrets);
    const sessionStorageLength = await page.evaluate(() => sessionStorage.length);
    assert.equal(sessionStorageLength, 0, "nothing in sessionStorage without the opt-in");

    // Sign out: everything forgotten.
    await button(page, "Sign out").click();
    await waitForCredential(page, "none");
    await page.waitForSelector("#login-form:not([hidden])");
    assert.match(await text(page, "#vm-body"), /Sign in or use an API key/);
    await assertNoSecrets(page, secrets);
    assertClean();
  } finally {
    await close();
  }
});

test("2FA user: MFA_REQUIRED explained, pointing to API keys (not a generic failure)", async () => {
  const { page, assertClean, close } = await openConsole(browser, stack.url);
  try {
    const { mfa } = stack.accounts;
    // Keyboard only: type, Tab, type, Enter.
    await field(page, "Username").focus();
    await page.keyboard.type(mfa.username);
    await page.keyboard.press("Tab");
    await page.keyboard.type(mfa.password);
    await page.keyboard.press("Enter");
    const alert = await page.waitForSelector("#login-error .alert");
    assert.equal(await alert.getAttribute("data-code"), "MFA_REQUIRED");
    const message = await alert.textContent();
    assert.match(message, /Two-factor authentication is enabled/);
    assert.match(message, /API key/);
    assert.match(message, /paste it in “Use an API key”/);
    assert.ok(await page.$("#login-error .request-id"), "the request id is shown");
    await waitForCredential(page, "none");
    assert.equal(await field(page, "Password").inputValue(), "", "the password is not kept");
    await shot(page, "10-mfa-required");
    await button(page, "Paste an API key").click();
    assert.equal(await page.evaluate(() => document.activeElement?.id), "paste-key", "the action leads to the key field");
    await assertNoSecrets(page, [mfa.password]);
    assertClean();
  } finally {
    await close();
  }
});

test("an injected HTML 502 on get-vms is shown inline with its code, status and request id", async () => {
  const { page, assertClean, apiFailures, close } = await openConsole(browser, stack.url);
  try {
    let settled = await vmSettled(page);
    await signIn(page, stack.accounts.admin);
    await waitForCredential(page, "token");
    await waitForVms(page, settled);
    // Through the console server's /__sim/ pass-through. Three: the client retries reads twice.
    const added = await page.evaluate(async () => {
      const response = await fetch("/__sim/faults", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ path: "/v2/api/get-vms", kind: "html-502", count: 3 }),
      });
      return response.status;
    });
    assert.equal(added, 201);
    settled = await vmSettled(page);
    await button(page, "Refresh VMs").click();
    await waitForVms(page, settled);
    const alert = await page.waitForSelector("#vms-error .alert");
    assert.equal(await alert.getAttribute("data-code"), "HTTP");
    assert.equal(await text(page, "#vms-error .http-status"), "502");
    assert.equal(await text(page, "#vms-error .operation"), "get-vms");
    const faulted = stack.sim.state.requests.filter((r) => r.fault === "html-502");
    assert.equal(faulted.length, 3);
    assert.equal(await text(page, "#vms-error .request-id"), faulted.at(-1).requestId);
    assert.ok(!(await page.content()).includes("<html><head><title>502"), "the HTML page is not rendered as HTML");
    assert.ok(apiFailures.some((f) => f.includes("502")));
    await shot(page, "11-html-502");
    // Retry (fault used up) recovers.
    settled = await vmSettled(page);
    await button(page, "Retry").click();
    await waitForVms(page, settled);
    assert.equal(await page.$("#vms-error .alert"), null);
    assert.equal((await readVmRows(page)).length, 25);
    assertClean();
  } finally {
    await close();
  }
});

test("remember for this tab: off by default; the opt-in uses sessionStorage only and survives a reload", async () => {
  const { page, secretsSeen, assertClean, close } = await openConsole(browser, stack.url);
  try {
    let settled = await vmSettled(page);
    await signIn(page, stack.accounts.admin);
    await waitForCredential(page, "token");
    await waitForVms(page, settled);
    assert.equal(await field(page, "Remember the key in use for this tab").isChecked(), false);
    assert.match(await text(page, "#remember-hint"), /sessionStorage/);
    await field(page, "New key name").fill("tab-key");
    await button(page, "Issue key").click();
    await page.waitForSelector("#secret-panel");
    const key = await until(() => [...secretsSeen].find((s) => stack.sim.state.hasApiKey(s)), { what: "the key" });
    settled = await vmSettled(page);
    await button(page, "Use this key now").click();
    await waitForCredential(page, "apiKey");
    await waitForVms(page, settled);
    await button(page, "I have stored it — dismiss").click();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);

    // Opt in: only the key in use goes to sessionStorage; never localStorage, never the token.
    await field(page, "Remember the key in use for this tab").check();
    const stored = await page.evaluate(() => Object.fromEntries(Object.keys(sessionStorage).map((k) => [k, sessionStorage.getItem(k)])));
    assert.equal(Object.keys(stored).length, 1);
    assert.ok(Object.values(stored)[0].includes(key));
    const token = [...secretsSeen].find((s) => s !== key);
    assert.ok(!Object.values(stored)[0].includes(token), "the session token is never stored");
    await assertNoSecrets(page, [...secretsSeen, stack.accounts.admin.password], { allowSession: [key] });

    // Reload: the key is back, the token and password are not.
    await page.reload();
    await page.waitForSelector("body[data-ready='true']");
    await waitForCredential(page, "apiKey");
    await page.waitForFunction(() => document.querySelector("#vm-body tr[data-vm-id]"));
    assert.match(await text(page, "#cred-detail"), /remembered for this tab/);
    assert.equal(await field(page, "Remember the key in use for this tab").isChecked(), true);
    assert.equal(await page.$eval("#user-panel", (el) => el.hidden), true, "not signed in: the token was not kept");
    await shot(page, "12-remembered-after-reload");

    // Opt out: the entry is removed at once; a reload forgets everything.
    await field(page, "Remember the key in use for this tab").uncheck();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await page.reload();
    await page.waitForSelector("body[data-ready='true']");
    await waitForCredential(page, "none");
    await assertNoSecrets(page, [...secretsSeen, stack.accounts.admin.password]);
    assertClean();
  } finally {
    await close();
  }
});

test("LDAP sign-in: strategies come from the server; every form control has a label", async () => {
  const { page, assertClean, close } = await openConsole(browser, stack.url);
  try {
    const unlabelled = await page.$$eval("input, select, textarea", (els) => els
      .filter((el) => !(el.labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")))
      .map((el) => el.id || el.outerHTML.slice(0, 60)));
    assert.deepEqual(unlabelled, []);
    const { ldap } = stack.accounts;
    await field(page, "Source").selectOption("LDAP");
    await page.waitForFunction(() => document.querySelector("#strategy").options.length > 1);
    const options = await page.$$eval("#strategy option", (os) => os.map((o) => ({ value: o.value, text: o.textContent })));
    assert.ok(options.some((o) => o.text.startsWith("LDAP")), JSON.stringify(options));
    await field(page, "Username").fill(ldap.username);
    await field(page, "Password").fill(ldap.password);
    await field(page, "Password").press("Enter");
    await waitForCredential(page, "token");
    assert.equal(await text(page, "#user-name"), ldap.name);
    assert.match(await text(page, "#user-meta"), new RegExp(ldap.username));
    await shot(page, "13-ldap-signed-in");
    assertClean();
  } finally {
    await close();
  }
});

test("zh-CN: the chrome and the server's messages switch language", async () => {
  const { page, assertClean, close } = await openConsole(browser, stack.url);
  try {
    await field(page, "Language").selectOption("zh-CN");
    assert.equal(await text(page, "#login-title span[data-i18n]"), "登录");
    assert.equal(await page.getAttribute("html", "lang"), "zh-CN");
    // The controls' names are Chinese now: a screen-reader user hears these.
    await field(page, "用户名").fill("admin");
    await field(page, "密码").fill("definitely-wrong");
    await button(page, "登录").click();
    const alert = await page.waitForSelector("#login-error .alert");
    assert.equal(await alert.getAttribute("data-code"), "UNAUTHORIZED");
    assert.match(await alert.textContent(), /[\u4e00-\u9fff]/, "CloudTower answered in Chinese");
    await shot(page, "14-zh-CN");
    await field(page, "语言").selectOption("en-US");
    assert.equal(await text(page, "#login-title span[data-i18n]"), "Sign in");
    assertClean();
  } finally {
    await close();
  }
});

test("a CloudTower without the key list: UNSUPPORTED said plainly; keys issued here are still listed and revocable", async () => {
  const other = await startStack({ pkgDir: pkg.dir, sim: { vms: 20, apiKeysQuery: false, mfaShape: "error" } });
  const { page, secretsSeen, assertClean, close } = await openConsole(browser, other.url);
  try {
    // The other 2FA answer shape is recognised too.
    await signIn(page, other.accounts.mfa);
    await page.waitForSelector("#login-error .alert[data-code='MFA_REQUIRED']");
    await signIn(page, other.accounts.admin);
    await waitForCredential(page, "token");
    await page.waitForSelector("#keys-unsupported:not([hidden])");
    assert.match(await text(page, "#keys-unsupported"), /cannot list API keys.*UNSUPPORTED/);
    await field(page, "New key name").fill("only-here");
    await button(page, "Issue key").click();
    await page.waitForSelector("#secret-panel");
    await button(page, "I have stored it — dismiss").click();
    const record = other.sim.state.apiKeys().find((k) => k.name === "only-here");
    await page.waitForSelector(`#keys-body tr[data-key-id="${record.id}"]`);
    await shot(page, "15-list-unsupported");
    await button(page, "Revoke only-here").click();
    await page.waitForSelector("#confirm-dialog[open]");
    await page.getByRole("dialog").getByRole("button", { name: "Revoke", exact: true }).click();
    await page.waitForSelector(`#keys-body tr[data-key-id="${record.id}"]`, { state: "detached" });
    assert.equal(other.sim.state.apiKeys().some((k) => k.name === "only-here"), false);
    await assertNoSecrets(page, [...secretsSeen, other.accounts.admin.password]);
    assertClean();
  } finally {
    await close();
    await other.close();
  }
});

// Not a test of behaviour but a tool for the README: it exists only when asked for, so the
// suite never reports a skipped test.
if (process.env.UPDATE_README_SCREENSHOT === "1") test("README screenshot: signed in, VM list with the status chart", async () => {
  const big = await startStack({ pkgDir: pkg.dir, sim: { vms: 500 } });
  const { page, assertClean, close } = await openConsole(browser, big.url, { viewport: { width: 1440, height: 900 } });
  try {
    await field(page, "Per page").selectOption("10");
    let settled = await vmSettled(page);
    await signIn(page, big.accounts.admin);
    await waitForCredential(page, "token");
    await waitForVms(page, settled);
    await field(page, "New key name").fill("ci-pipeline");
    await button(page, "Issue key").click();
    await page.waitForSelector("#secret-panel");
    settled = await vmSettled(page);
    await button(page, "Use this key now").click();
    await waitForVms(page, settled);
    await button(page, "I have stored it — dismiss").click();
    await page.evaluate(() => {
      document.querySelector("#notice").hidden = true;
      document.activeElement?.blur();
    });
    fs.mkdirSync(path.join(ROOT, "docs"), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, "docs", "console.png"), fullPage: true });
    assertClean();
  } finally {
    await close();
    await big.close();
  }
});

/** Switches the page's language with its own select (labelled in either language). */
async function switchLanguage(page, lang) {
  await field(page, lang === "zh-CN" ? "Language" : "语言").selectOption(lang);
  await page.waitForSelector(`html[lang="${lang === "zh-CN" ? "zh-CN" : "en"}"]`);
  // A loaded VM list reloads in the new language: wait for it to settle (aria-busy is set
  // synchronously by the change handler).
  await page.waitForSelector("#vm-table[aria-busy='false']");
}

/** axe-core in both colour schemes and, unless a modal blocks the page, both languages. */
async function audit(page, where, { languages = true } = {}) {
  for (const lang of languages ? ["en-US", "zh-CN"] : ["en-US"]) {
    if (lang !== "en-US") await switchLanguage(page, lang);
    for (const colorScheme of ["light", "dark"]) {
      await page.emulateMedia({ colorScheme });
      await assertAccessible(page, `${where}; ${lang}; ${colorScheme}`);
    }
  }
  if (languages) await switchLanguage(page, "en-US");
  await page.emulateMedia({ colorScheme: "light" });
}

test("accessible in every state: axe-core finds nothing in either language or colour scheme", async () => {
  // Before connecting: the version request is held until the page has been checked.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let reached;
  const versionAsked = new Promise((resolve) => { reached = resolve; });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.url });
  await context.route("**/v2/api/get-version", async (route) => {
    reached();
    await held;
    await route.continue();
  });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  try {
    await page.goto(`${stack.url}/`);
    await versionAsked;
    await page.waitForSelector("#conn-badge[data-state='idle']");
    await audit(page, "before connecting", { languages: false });
    release();
    await page.waitForSelector("body[data-ready='true']");
    await page.unroute("**/v2/api/get-version");
    await audit(page, "connected, signed out");

    // Each error of the signed-out page.
    await field(page, "Endpoint").fill("not a url");
    await button(page, "Connect").click();
    await page.waitForSelector("#connect-error .alert");
    await audit(page, "connect error");
    await field(page, "Endpoint").fill(stack.url);
    await button(page, "Connect").click();
    await page.waitForSelector("#conn-badge[data-state='ok']");
    await page.waitForSelector("#connect-error:empty", { state: "attached" });
    await button(page, "Sign in").click();
    await page.waitForSelector("#login-error .alert[data-code='INVALID_ARGUMENT']");
    await audit(page, "sign-in fields missing");
    await signIn(page, { username: "admin", password: "wrong-password" });
    await page.waitForSelector("#login-error .alert[data-code='UNAUTHORIZED']");
    await audit(page, "wrong password");
    await signIn(page, stack.accounts.mfa);
    await page.waitForSelector("#login-error .alert[data-code='MFA_REQUIRED']");
    await audit(page, "2FA refusal");
    await field(page, "…or paste a key").fill("not-a-key-at-all-0000");
    await button(page, "Use this key").click();
    await page.waitForSelector("#use-key-error .alert[data-code]");
    await audit(page, "key refused");
    await field(page, "…or paste a key").fill("");

    // Signed in; a key issued, masked then revealed; then in use.
    let settled = await vmSettled(page);
    await signIn(page, stack.accounts.admin);
    await waitForCredential(page, "token");
    await waitForVms(page, settled);
    await audit(page, "signed in");
    await button(page, "Issue key").click();
    await page.waitForSelector("#issue-error .alert");
    await audit(page, "key name missing");
    await field(page, "New key name").fill("audited-key");
    await button(page, "Issue key").click();
    await page.waitForSelector("#secret-panel");
    await audit(page, "key issued, masked");
    await button(page, "Reveal").click();
    await audit(page, "key revealed");
    settled = await vmSettled(page);
    await button(page, "Use this key now").click();
    await waitForCredential(page, "apiKey");
    await waitForVms(page, settled);
    await audit(page, "key in use");

    // VM list filtered and paged.
    settled = await vmSettled(page);
    await field(page, "Status").selectOption("RUNNING");
    await waitForVms(page, settled);
    settled = await vmSettled(page);
    await field(page, "Per page").selectOption("10");
    await waitForVms(page, settled);
    settled = await vmSettled(page);
    await button(page, "Next").click();
    await waitForVms(page, settled);
    assert.match(await page.textContent("#vm-range"), /^11–20 of/);
    await audit(page, "VM list filtered and paged");

    // An HTML 502 on the list.
    await page.evaluate(() => fetch("/__sim/faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ path: "/v2/api/get-vms", kind: "html-502", count: 3 }),
    }));
    settled = await vmSettled(page);
    await button(page, "Refresh VMs").click();
    await waitForVms(page, settled);
    await page.waitForSelector("#vms-error .alert[data-code='HTTP']");
    await audit(page, "VM list error");

    // The revoke dialog (modal: the language select behind it is inert), then the page after.
    await button(page, "Revoke audited-key").click();
    await page.waitForSelector("#confirm-dialog[open]");
    await audit(page, "revoke dialog", { languages: false });
    await page.getByRole("dialog").getByRole("button", { name: "Revoke", exact: true }).click();
    await waitForCredential(page, "token");
    await audit(page, "key revoked, back to the token");
    await button(page, "Sign out").click();
    await waitForCredential(page, "none");
    await audit(page, "signed out");
    assert.deepEqual(problems, []);
  } finally {
    release();
    await context.close();
  }
});

const WIDTHS = [360, 390, 768, 1280];

test("responsive: no sideways scrolling at 360, 390, 768 and 1280 px, in both schemes; screenshots of each", async () => {
  const { page, assertClean, close } = await openConsole(browser, stack.url, { viewport: { width: 1280, height: 900 } });
  try {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await assertNoHorizontalOverflow(page, `${width}px, signed out`);
    }
    let settled = await vmSettled(page);
    await signIn(page, stack.accounts.admin);
    await waitForCredential(page, "token");
    await waitForVms(page, settled);
    await field(page, "New key name").fill("a-rather-long-key-name-for-a-narrow-phone-screen");
    await button(page, "Issue key").click();
    await page.waitForSelector("#secret-panel");
    await button(page, "Reveal").click();
    settled = await vmSettled(page);
    await button(page, "Use this key now").click();
    await waitForVms(page, settled);
    await page.evaluate(() => { document.querySelector("#notice").hidden = true; });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      for (const colorScheme of ["light", "dark"]) {
        await page.emulateMedia({ colorScheme });
        await settleAnimations(page);
        await assertNoHorizontalOverflow(page, `${width}px, ${colorScheme}`);
        await assertAccessible(page, `${width}px, ${colorScheme}`);
        await shot(page, `width-${width}-${colorScheme}`);
      }
    }
    // The VM table scrolls inside its own region, which the keyboard can reach.
    await page.setViewportSize({ width: 360, height: 900 });
    const region = page.getByRole("region", { name: "Virtual machines table" });
    assert.equal(await region.getAttribute("tabindex"), "0");
    assert.ok(await region.evaluate((el) => el.scrollWidth > el.clientWidth), "the table scrolls in its region at 360 px");
    assertClean();
  } finally {
    await close();
  }
});

test("reduced motion and dark mode: the page follows the system's preferences", async () => {
  const { page, assertClean, close } = await openConsole(browser, stack.url);
  try {
    const look = () => page.evaluate(() => ({
      transition: getComputedStyle(document.querySelector("#login-btn")).transitionDuration,
      background: getComputedStyle(document.body).backgroundColor,
      text: getComputedStyle(document.body).color,
    }));
    await page.emulateMedia({ reducedMotion: "no-preference", colorScheme: "light" });
    const moving = await look();
    assert.notEqual(moving.transition, "0s", "transitions by default");
    assert.equal(moving.background, "rgb(243, 245, 249)");
    await page.emulateMedia({ reducedMotion: "reduce", colorScheme: "dark" });
    const still = await look();
    assert.equal(still.transition, "0s", "no transitions with prefers-reduced-motion: reduce");
    assert.equal(still.background, "rgb(11, 17, 32)", "dark background with prefers-color-scheme: dark");
    assert.equal(still.text, "rgb(229, 231, 235)");
    assert.equal(await page.evaluate(() => document.getAnimations().length), 0, "nothing moves");
    assertClean();
  } finally {
    await close();
  }
});

/**
 * Presses Tab (or Shift+Tab) until `target` has the focus; every element the focus passes must
 * show a visible focus indicator (outline, focus ring, or the chart bar's stroke).
 */
async function tabTo(page, target, { key = "Tab", max = 80, unseen } = {}) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const focus = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return { where: "body", visible: true };
      const style = getComputedStyle(el);
      let visible = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== "none";
      const hit = el.querySelector?.(".chart-hit");
      if (!visible && hit) visible = getComputedStyle(hit).stroke !== "none";
      return { where: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""} ${el.getAttribute("aria-label") ?? el.textContent.trim().slice(0, 30)}`, visible };
    });
    if (!focus.visible) unseen.push(focus.where);
    if (await target.evaluate((el) => el === document.activeElement)) return;
  }
  throw new Error(`${key} never reached ${target}`);
}

test("keyboard only: connect, sign in, issue, copy, use, list, page, filter, revoke, sign out", async () => {
  const { page, secretsSeen, assertClean, close } = await openConsole(browser, stack.url, { permissions: ["clipboard-read", "clipboard-write"] });
  const unseen = [];
  const tab = (target, options = {}) => tabTo(page, target, { unseen, ...options });
  const back = (target) => tab(target, { key: "Shift+Tab" });
  const { admin } = stack.accounts;
  try {
    await page.emulateMedia({ reducedMotion: "reduce" });
    // Connect.
    const versions = () => stack.sim.state.requests.filter((r) => r.path === "/v2/api/get-version").length;
    const asked = versions();
    await tab(button(page, "Connect"));
    await page.keyboard.press("Enter");
    await until(() => versions() > asked, { what: "a new get-version" });
    await page.waitForSelector("#conn-badge[data-state='ok']");

    // Sign in: type, Tab, type, Enter. The focus moves on to the next step, the key's name.
    await tab(field(page, "Username"));
    await page.keyboard.type(admin.username);
    await page.keyboard.press("Tab");
    await page.keyboard.type(admin.password);
    let settled = await vmSettled(page);
    await page.keyboard.press("Enter");
    await waitForCredential(page, "token");
    await waitForVms(page, settled);
    assert.ok(await field(page, "New key name").evaluate((el) => el === document.activeElement), "focus on the key's name");

    // Issue a key; its panel takes the focus (on dismiss); copy it with one action.
    await page.keyboard.type("keyboard-key");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#secret-panel");
    const key = await until(() => [...secretsSeen].find((s) => stack.sim.state.hasApiKey(s)), { what: "the new key" });
    await back(button(page, "Copy"));
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector("#copy-status").textContent.includes("Copied"));
    assert.equal(await page.getAttribute("#copy-status", "role"), "status", "the result is announced");
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);
    assert.equal(await page.getAttribute("#secret-value", "data-masked"), "true");

    // Use it: the VM list comes with the key.
    await tab(button(page, "Use this key now"));
    settled = await vmSettled(page);
    await page.keyboard.press("Enter");
    await waitForCredential(page, "apiKey");
    await waitForVms(page, settled);
    assert.match(await page.textContent("#notice"), /keyboard-key/);
    assert.equal(await page.getAttribute("#notice", "role"), "status");

    // Page forward, then filter by name (Enter in the field) and by a chart bar (Enter on it).
    await tab(button(page, "Next"));
    settled = await vmSettled(page);
    await page.keyboard.press("Enter");
    await waitForVms(page, settled);
    assert.match(await page.textContent("#vm-range"), /^26–50 of/);
    assert.equal(await page.getAttribute("#vm-range", "aria-live"), "polite");
    await back(field(page, "Name contains"));
    await page.keyboard.type("db");
    settled = await vmSettled(page);
    await page.keyboard.press("Enter");
    await waitForVms(page, settled);
    let rows = await readVmRows(page);
    assert.ok(rows.length > 0 && rows.every((r) => r.name.includes("db")));
    await tab(page.getByRole("button", { name: /^RUNNING \d+ \d+%$/ }));
    settled = await vmSettled(page);
    await page.keyboard.press("Enter");
    await waitForVms(page, settled);
    rows = await readVmRows(page);
    assert.ok(rows.length > 0 && rows.every((r) => r.status === "RUNNING" && r.name.includes("db")));

    // Revoke the key in use: the dialog takes the focus (Cancel first), Tab to Revoke, Enter.
    await back(button(page, "Revoke keyboard-key"));
    await page.keyboard.press("Enter");
    await page.waitForSelector("#confirm-dialog[open]");
    assert.ok(await button(page, "Cancel").evaluate((el) => el === document.activeElement));
    await tab(page.getByRole("dialog").getByRole("button", { name: "Revoke", exact: true }));
    await page.keyboard.press("Enter");
    await waitForCredential(page, "token");
    // The revoke ends with the list reloaded without the key (and the focus kept in the card).
    await page.waitForFunction(() => ![...document.querySelectorAll("#keys-body .key-name-text")].some((el) => el.textContent === "keyboard-key"));
    assert.equal(stack.sim.state.hasApiKey(key), false, "revoked on the server");
    await page.waitForFunction(() => document.activeElement?.id === "key-name"); // the focus stays in the card

    // Sign out: the focus goes back to the username.
    await back(button(page, "Sign out"));
    await page.keyboard.press("Enter");
    await waitForCredential(page, "none");
    assert.ok(await field(page, "Username").evaluate((el) => el === document.activeElement), "focus on the username");
    assert.deepEqual(unseen, [], "every focused element shows where the focus is");
    await assertNoSecrets(page, [...secretsSeen, admin.password]);
    assertClean();
  } finally {
    await close();
  }
});
