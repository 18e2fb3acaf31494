// Test harness of tests/browser/web-build.test.mjs. Imports the web build exactly as a page would
// (`/pkg/web.mjs`, served from pkg/) and exposes it to the test as `window.harness`. It does not
// call init(): each test decides how the wasm is loaded (default URL, a URL, a Response, bytes).
import * as api from "/pkg/web.mjs";
import { keyFlow, settle } from "./flow.mjs";

window.harness = { api, keyFlow, settle: (promise) => settle(api, promise), clients: {} };
document.getElementById("status").textContent = "ready";
