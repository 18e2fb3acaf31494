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
  ready ??= initWasm(input === undefined ? undefined : { module_or_path: input }).then(
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
