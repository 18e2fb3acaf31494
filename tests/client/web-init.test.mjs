// The web entry's init(), run in Node (which has fetch and WebAssembly): every way loading fails
// is a CloudTowerError, none leaves init() stuck, and the right module still loads afterwards
// in the same module instance. Chromium runs the happy paths (tests/browser/web-build.test.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { once } from "node:events";
import * as api from "../../pkg/web.mjs";

const EMPTY_MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof api.CloudTowerError, `a CloudTowerError, got ${error}`);
    return error;
  }
  throw new Error("init() resolved");
}

test("init(): failures are CloudTowerErrors that can be retried, and a wrong module never sticks", async (t) => {
  const stalled = [];
  const server = createServer((req, res) => {
    if (req.url === "/missing.wasm") return res.writeHead(404).end("not here");
    if (req.url === "/stalled.wasm") {
      res.writeHead(200, { "content-type": "application/wasm" });
      res.write(EMPTY_MODULE.subarray(0, 4)); // headers and a first chunk, then nothing
      return stalled.push(res);
    }
    res.writeHead(500).end();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => {
    for (const res of stalled) res.destroy();
    server.close();
  });
  const base = `http://127.0.0.1:${server.address().port}`;

  // A valid module that is not this package's (the loader would keep it for good).
  assert.equal((await rejection(api.init(EMPTY_MODULE))).code, "DECODE");
  assert.equal((await rejection(api.init(new WebAssembly.Module(EMPTY_MODULE)))).code, "DECODE");
  assert.equal((await rejection(api.init(new Uint8Array([60, 104, 116, 109, 108, 62])))).code, "DECODE");

  const rejected = await rejection(api.init(Promise.reject(new Error("offline"))));
  assert.equal(rejected.code, "NETWORK");
  assert.match(rejected.message, /offline/);

  const refused = await rejection(api.init(`${base}/missing.wasm`));
  assert.equal(refused.code, "HTTP");
  assert.equal(refused.status, 404);

  const credentials = await rejection(api.init("http://deploy:Hunter2Secret@127.0.0.1:9/cloudtower_wasm_bg.wasm"));
  assert.equal(credentials.code, "NETWORK");
  for (const text of [credentials.message, credentials.stack, JSON.stringify(credentials), String(credentials.cause)]) {
    assert.ok(!text.includes("Hunter2Secret"), text);
  }

  const slow = await rejection(api.init(`${base}/stalled.wasm`, { timeoutMs: 200 }));
  assert.equal(slow.code, "TIMEOUT");
  assert.match(slow.message, /within 200 ms/);

  // After all that, the package's module loads, and a client works.
  await api.init(readFileSync(new URL("../../pkg/wasm/cloudtower_wasm_bg.wasm", import.meta.url)));
  const client = new api.CloudTowerClient({ endpoint: base });
  assert.equal(client.authKind, "none");
  await api.init(); // again: harmless, loads nothing
});
