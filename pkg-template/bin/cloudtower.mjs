#!/usr/bin/env node
// The `cloudtower` command of the cloudtower-wasm package (also `npx cloudtower-wasm`).
// Checks the Node.js version before loading anything that needs a newer one.

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 18 || (major === 18 && minor < 3)) {
  process.stderr.write(`error [UNSUPPORTED] cloudtower needs Node.js 18.3 or later (this is ${process.versions.node})\n`);
  process.exit(15);
}

const { main } = await import("../cli/main.mjs");
await main(process.argv.slice(2));
