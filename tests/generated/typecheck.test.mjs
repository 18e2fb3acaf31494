// Typechecks tests/generated/usage.ts against pkg-template/operations.d.ts with `tsc --strict`.
// usage.ts holds `@ts-expect-error` lines, so exit 0 also proves each of them is a real error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

test("usage.ts typechecks against operations.d.ts (tsc --strict)", () => {
  const started = Date.now();
  const r = spawnSync("npx", ["--no-install", "tsc", "--strict", "--noEmit", "-p", "tests/generated/tsconfig.json"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  assert.equal(r.error, undefined, String(r.error));
  assert.equal(r.status, 0, `tsc failed (${seconds}s):\n${r.stdout}${r.stderr}`);
  process.stdout.write(`# tsc --strict over operations.d.ts + usage.ts: ${seconds}s\n`);
});
