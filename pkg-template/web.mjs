// Browsers, workers and bundlers: ES module over the web build. Call `await init()` once before
// creating a client; it fetches the .wasm next to this file unless given a URL, a Response,
// bytes or a compiled WebAssembly.Module. Calling it again returns the same promise.
import initWasm, * as wasm from "./wasm/web.mjs";
import { CloudTowerError, isCloudTowerError } from "./error.mjs";
import { setup } from "./setup.mjs";

const WasmClient = wasm.CloudTowerClient;

let ready;
let loaded = false;

export function init(input) {
  ready ??= load(input).then(
    () => {
      setup(wasm, CloudTowerError);
      loaded = true;
    },
    (error) => {
      ready = undefined; // a failed load (offline, wrong URL) may be retried
      throw error;
    },
  );
  return ready;
}

// What init() is given, fetched here when it names a location (as the wasm-bindgen loader would),
// so that every way loading fails is a CloudTowerError: NETWORK when the fetch fails, HTTP with
// the status when the server refuses, DECODE when what arrives is not the module.
async function load(input) {
  let source = await input;
  if (source === undefined || typeof source === "string" || source instanceof URL || (typeof Request === "function" && source instanceof Request)) {
    const location = source ?? new URL("./wasm/cloudtower_wasm_bg.wasm", import.meta.url);
    source = await fetch(location).catch((error) => {
      throw new CloudTowerError(`init: the client's WebAssembly could not be fetched (${error?.message ?? error})`, { code: "NETWORK", cause: error });
    });
  }
  if (typeof Response === "function" && source instanceof Response && !source.ok) {
    throw new CloudTowerError(`init: the client's WebAssembly answered HTTP ${source.status} (${source.url}): is wasm/cloudtower_wasm_bg.wasm served beside web.mjs, or does init() need its URL?`, {
      code: "HTTP",
      status: source.status,
    });
  }
  return initWasm({ module_or_path: source }).catch((error) => {
    throw new CloudTowerError(`init: what was loaded is not the client's WebAssembly module (${error?.message ?? error})`, { code: "DECODE", cause: error });
  });
}

// The same class, with a clear error when it is used before the module is loaded (instead of
// wasm-bindgen's "cannot read properties of undefined"); `instanceof` and statics pass through.
export const CloudTowerClient = new Proxy(WasmClient, {
  construct(target, args, newTarget) {
    if (!loaded) {
      throw new CloudTowerError("the WebAssembly module is not loaded yet: call `await init()` first", {
        code: "INVALID_ARGUMENT",
      });
    }
    return Reflect.construct(target, args, newTarget);
  },
});

export { CloudTowerError, isCloudTowerError };
