// The compatibility matrix, admin console: sign in → issue a key → use it → revoke it → sign out,
// in Chromium, against a simulator in each row of `everyValueOnce` (every value of every guessed
// behaviour once; a browser cell costs seconds). Controls are found by accessible role and name,
// as a user finds them, not by ids. No secret may be left in the page or its storage.

import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";
import { pollUntil } from "../sim/harness.mjs";
import { startConsoleServer } from "../../scripts/serve.mjs";
import { launchChromium, SKIP_BROWSER } from "../browser/chromium.mjs";
import { everyValueOnce, label } from "./pairwise.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ROWS = everyValueOnce();

describe("console", { skip: SKIP_BROWSER }, () => {
  let browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());

  for (const dialect of ROWS) {
    test(`console × ${label(dialect)}: sign in, issue, use, revoke, sign out`, { timeout: 90_000 }, async (t) => {
      const sim = await startSimulator({ vms: 12, ...dialect });
      t.after(() => sim.close());
      const server = await startConsoleServer({ upstream: sim.url, static: [{ prefix: "/", dir: `${ROOT}www` }, { prefix: "/pkg/", dir: `${ROOT}pkg` }], log: () => {} });
      t.after(() => server.close());
      const context = await browser.newContext();
      t.after(() => context.close());
      const page = await context.newPage();
      const pageErrors = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      // The key is seen only on the wire, to check it never stays in the page.
      const secrets = [ACCOUNTS.admin.password];
      page.on("response", async (response) => {
        if (!new URL(response.url()).pathname.startsWith("/api")) return;
        const key = (await response.json().catch(() => null))?.data?.createApiKey?.key;
        if (key) secrets.push(key);
      });

      await page.goto(server.url);
      await page.getByRole("textbox", { name: "Username" }).fill(ACCOUNTS.admin.username);
      await page.getByRole("textbox", { name: "Password" }).fill(ACCOUNTS.admin.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("button", { name: "Sign out" }).waitFor();

      const name = `console-${dialect.missingKeyDelete}`;
      await page.getByRole("textbox", { name: "New key name" }).fill(name);
      await page.getByRole("button", { name: "Issue key" }).click();
      await page.getByRole("button", { name: "Use this key now" }).click();
      await pollUntil(() => sim.state.requests.some((r) => r.path === "/v2/api/get-vms" && r.auth === "apiKey" && r.status === 200),
        { timeoutMs: 20_000, what: "a get-vms with the issued key" });
      assert.ok(sim.state.apiKeys().some((k) => k.name === name));

      await page.getByRole("button", { name: `Revoke ${name}` }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
      await pollUntil(() => !sim.state.apiKeys().some((k) => k.name === name), { timeoutMs: 20_000, what: "the key revoked" });
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("button", { name: "Sign in" }).waitFor();

      assert.equal(secrets.length, 2, "the key was issued once");
      const traces = [await page.content(), ...(await page.evaluate(() => [JSON.stringify({ ...localStorage }), JSON.stringify({ ...sessionStorage })]))];
      for (const secret of secrets) for (const trace of traces) assert.ok(!trace.includes(secret), "a secret stayed in the page or its storage");
      assert.deepEqual(pageErrors, []);
    });
  }
});
