// The browser row of bench/bench.mjs: get-vms through the package's web build vs plain fetch +
// res.json(), in the page, on the page's own origin (the console server proxies /v2/api to the
// simulator). bench.mjs calls window.benchGetVms({ apiKey, rounds, warmup }) through playwright.
import { init, CloudTowerClient } from "/pkg/web.mjs";

const HEADERS = (apiKey) => ({
  accept: "application/json",
  "content-language": "en-US",
  authorization: apiKey,
  "content-type": "application/json",
});

async function plain(apiKey, body) {
  const response = await fetch("/v2/api/get-vms", { method: "POST", headers: HEADERS(apiKey), body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

async function timed(fn) {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

window.benchGetVms = async ({ apiKey, rounds, warmup, body = {} }) => {
  await init();
  const client = new CloudTowerClient({ endpoint: location.origin, apiKey });
  const ours = [];
  const reference = [];
  let items = null;
  for (let round = 0; round < warmup + rounds; round++) {
    // Alternate which side goes first, to cancel drift.
    const order = round % 2 ? ["reference", "ours"] : ["ours", "reference"];
    for (const side of order) {
      const [ms, vms] = await timed(() => (side === "ours" ? client.call("get-vms", body) : plain(apiKey, body)));
      if (items === null) items = vms.length;
      else if (vms.length !== items) throw new Error(`${side} got ${vms.length} VMs, expected ${items}`);
      if (round >= warmup) (side === "ours" ? ours : reference).push(ms);
    }
  }
  client.free();
  return { ours, reference, items, userAgent: navigator.userAgent };
};

document.getElementById("state").textContent = "ready";
window.benchReady = true;
