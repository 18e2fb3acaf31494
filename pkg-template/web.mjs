// Browsers, workers and bundlers: ES module over the web build. Call `await init()` once before
// creating a client; it fetches the .wasm next to this file unless given a URL, a Response,
// bytes or a compiled WebAssembly.Module. Calling it again returns the same promise.
import initWasm, * as wasm from "./wasm/web.mjs";
import { CloudTowerError, isCloudTowerError } from "./error.mjs";
import { setup } from "./setup.mjs";

const WasmClient = wasm.CloudTowerClient;

let ready;
let loaded = false;

export function init(input, { timeoutMs = LOAD_TIMEOUT_MS } = {}) {
  ready ??= load(input, timeoutMs).then(
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

// How long init() waits for the .wasm it fetches (headers and body), unless told otherwise: a
// stalled server must not leave init() pending forever.
const LOAD_TIMEOUT_MS = 60_000;

// What init() is given, made into a compiled module here and checked to be this package's before
// the wasm-bindgen loader sees it (the loader keeps the first module it instantiates, so a wrong
// one would stick). Every way loading fails is a CloudTowerError: NETWORK (TIMEOUT) when the
// fetch fails (stalls), HTTP with the status when the server refuses, DECODE when what arrives
// is not the module.
async function load(input, timeoutMs) {
  let source;
  try {
    source = await input;
  } catch (error) {
    throw new CloudTowerError(`init: the promise given to init() rejected (${describe(error)})`, { code: "NETWORK", cause: error });
  }
  if (source === undefined || typeof source === "string" || source instanceof URL || (typeof Request === "function" && source instanceof Request)) {
    source = await fetchModule(source ?? new URL("./wasm/cloudtower_wasm_bg.wasm", import.meta.url), timeoutMs);
  }
  if (typeof Response === "function" && source instanceof Response && !source.ok) {
    throw new CloudTowerError(`init: the client's WebAssembly answered HTTP ${source.status} (${shown(source.url)}): is wasm/cloudtower_wasm_bg.wasm served beside web.mjs, or does init() need its URL?`, {
      code: "HTTP",
      status: source.status,
    });
  }
  const module = await compile(source);
  if (!WebAssembly.Module.exports(module).some(({ name }) => name === "cloudtowerclient_new")) {
    throw new CloudTowerError("init: the WebAssembly module given is not this package's (it lacks the client)", { code: "DECODE" });
  }
  return initWasm({ module_or_path: module }).catch((error) => {
    throw new CloudTowerError(`init: the client's WebAssembly could not be started (${describe(error)})`, { code: "DECODE", cause: error });
  });
}

async function fetchModule(location, timeoutMs) {
  const signal = typeof AbortSignal.timeout === "function" ? AbortSignal.timeout(timeoutMs) : undefined;
  try {
    const response = await fetch(location, { signal });
    // Read here, within the same deadline: the signal also ends a body that stalls.
    return response.ok ? await response.arrayBuffer() : response;
  } catch (error) {
    const timedOut = error?.name === "TimeoutError";
    throw new CloudTowerError(
      timedOut
        ? `init: the client's WebAssembly did not arrive within ${timeoutMs} ms (${shown(location)})`
        : `init: the client's WebAssembly could not be fetched from ${shown(location)} (${describe(error)})`,
      // No `cause`: fetch's own error may quote the location with its credentials.
      { code: timedOut ? "TIMEOUT" : "NETWORK" },
    );
  }
}

async function compile(source) {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof Response === "function" && source instanceof Response) {
    try {
      source = await source.arrayBuffer();
    } catch (error) {
      throw new CloudTowerError(`init: the Response given to init() could not be read (${describe(error)})`, { code: "NETWORK", cause: error });
    }
  }
  try {
    return await WebAssembly.compile(source);
  } catch (error) {
    throw new CloudTowerError(`init: what was loaded is not the client's WebAssembly module (${describe(error)})`, { code: "DECODE", cause: error });
  }
}

// Locations as shown in a message, the cause's included: without any user:password@ they
// were given with.
const withoutCredentials = (text) => text.replace(/\/\/[^/@\s]*@/g, "//");
const shown = (location) => withoutCredentials(String(location?.url ?? location));
const describe = (error) => withoutCredentials(String(error?.message ?? error));

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
