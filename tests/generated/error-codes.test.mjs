// One source of truth for the error codes: `ErrorCode::ALL` in src/core/error.rs. Every other
// place that lists them (the package's types, the CLI's exit table, both READMEs) is checked
// against it here, so adding or renaming a code fails the suite until every list follows.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { EXIT_CODES, EXIT_CODE_MEANINGS } from "../../pkg-template/cli/errors.mjs";

const root = new URL("../../", import.meta.url);
const read = (path) => readFileSync(new URL(path, root), "utf8");

/** The codes in the order of `ErrorCode::ALL`, with their names from `as_str`. */
function rustCodes() {
  const source = read("src/core/error.rs");
  const names = new Map(
    [...source.matchAll(/ErrorCode::(\w+) => "([A-Z_]+)"/g)].map(([, variant, name]) => [variant, name]),
  );
  const all = source.match(/pub const ALL: \[ErrorCode; \d+\] = \[([^\]]+)\]/);
  assert.ok(all, "ErrorCode::ALL is declared");
  const variants = [...all[1].matchAll(/ErrorCode::(\w+)/g)].map(([, variant]) => variant);
  assert.equal(variants.length, names.size, "ALL lists every variant that as_str names");
  return variants.map((variant) => names.get(variant));
}

const CODES = rustCodes();
const sorted = (list) => [...list].sort();

test("the Rust list is the eighteen documented codes", () => {
  assert.equal(CODES.length, 18);
  assert.ok(CODES.includes("OUTCOME_UNKNOWN") && CODES.includes("TASK_FAILED"));
});

test("index.d.ts: CloudTowerErrorCode is exactly the Rust list", () => {
  const union = read("pkg-template/index.d.ts").match(/export type CloudTowerErrorCode =([^;]+);/);
  assert.ok(union);
  const names = [...union[1].matchAll(/"([A-Z_]+)"/g)].map(([, name]) => name);
  assert.deepEqual(sorted(names), sorted(CODES));
});

test("the CLI maps every client code to an exit status, and describes each", () => {
  const cliOwn = new Set(["INTERNAL", "USAGE", "IO", "COMMAND_NOT_EXECUTABLE", "COMMAND_NOT_FOUND", "INTERRUPTED"]);
  const clientCodes = Object.keys(EXIT_CODES).filter((code) => !cliOwn.has(code));
  assert.deepEqual(sorted(clientCodes), sorted(CODES));
  const described = new Set(EXIT_CODE_MEANINGS.map(([, name]) => name));
  for (const code of CODES) assert.ok(described.has(code), `${code} has a meaning in the exit table`);
});

test("README.md: the error table lists exactly the Rust codes", () => {
  const readme = read("README.md");
  const section = readme.slice(readme.indexOf("## Errors"), readme.indexOf("\n## ", readme.indexOf("## Errors") + 1));
  const rows = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map(([, name]) => name);
  assert.deepEqual(sorted(rows), sorted(CODES));
});

test("the package README names every code", () => {
  const readme = read("pkg-template/README.md");
  for (const code of CODES) assert.match(readme, new RegExp("`" + code + "`"), code);
});
