// Browsers, workers and bundlers: ES module over the web build. Call `await init()` once before
// creating a client; it fetches the .wasm next to this file unless given a URL, a Response,
// bytes or a compiled WebAssembly.Module. Calling it again returns the same promise.
import initWasm, { CloudTowerClient, Paginator, __registerErrorClass } from "./wasm/web.mjs";
import { CloudTowerError, isCloudTowerError } from "./error.mjs";

// wasm-bindgen cannot name a symbol-keyed method: make paginate() results async-iterable here.
Paginator.prototype[Symbol.asyncIterator] = function asyncIterator() {
  return this;
};

let ready;

export function init(input) {
  ready ??= initWasm(input === undefined ? undefined : { module_or_path: input }).then(
    () => __registerErrorClass(CloudTowerError),
    (error) => {
      ready = undefined; // a failed load (offline, wrong URL) may be retried
      throw error;
    },
  );
  return ready;
}

export { CloudTowerClient, CloudTowerError, isCloudTowerError };
