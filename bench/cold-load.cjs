"use strict";
// One cold load, run by bench.mjs in a fresh `node` process: require() of the package (which
// compiles and instantiates the .wasm synchronously) and the first client. Prints JSON.
const t0 = performance.now();
const { CloudTowerClient } = require("../pkg/index.cjs");
const t1 = performance.now();
const client = new CloudTowerClient({ endpoint: "http://127.0.0.1:9" });
const t2 = performance.now();
if (client.authKind !== "none") throw new Error("unexpected client state");
process.stdout.write(JSON.stringify({ requireMs: t1 - t0, firstClientMs: t2 - t1, totalMs: t2 - t0 }));
