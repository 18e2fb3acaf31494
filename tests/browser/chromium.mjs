// Shared by the browser tests (tests/browser, tests/packaging): launches the system Chromium with
// playwright-core and collects every error a page reports. Not a test file itself.
import { existsSync } from "node:fs";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/**
 * Why browser tests must be skipped, or false. Only when the browser was deliberately left out
 * (SETUP_BROWSER=0, see scripts/setup.sh); a missing browser otherwise fails the tests loudly.
 */
export const SKIP_BROWSER =
  !existsSync(CHROMIUM_PATH) && process.env.SETUP_BROWSER === "0"
    ? `no Chromium at ${CHROMIUM_PATH} and SETUP_BROWSER=0`
    : false;

const ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export async function launchChromium() {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, timeout: 30_000 });
}

/**
 * Records uncaught page errors, crashes and console errors of `page`. Chromium logs every HTTP
 * error answer of fetch() as "Failed to load resource": those are expected (a revoked key gets
 * 401) and are left out; the test asserts the statuses itself.
 * @returns {string[]} filled as errors happen
 */
export function collectPageErrors(page) {
  const errors = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.stack || error.message}`));
  page.on("crash", () => errors.push("page crashed"));
  page.on("console", (message) => {
    if (message.type() === "error" && !/^Failed to load resource/.test(message.text())) {
      errors.push(`console.error: ${message.text()}`);
    }
  });
  return errors;
}
