// The active/passive pair behind the console server, when it proxies one: each node and what it
// was last seen as. The server finds the active node and fails over (a page cannot: it never
// sees a 307 and cannot probe another origin), so the page only reads the server's view, on
// connect and, for a pair, after each request (a failover shows no other way).

import { h, $, fill } from "./dom.mjs";
import { t } from "./i18n.mjs";

const STATUS_PATH = "/__console/pair";
const LABELS = { active: "pairActive", passive: "pairPassive", failed: "pairFailed", unknown: "pairUnknown" };
const TAGS = { active: "tag tag-session", failed: "tag tag-failed" };

let nodes = [];
let reading = null;
let again = false;

async function read() {
  try {
    const response = await fetch(STATUS_PATH, { cache: "no-store" });
    const body = response.ok ? await response.json() : null;
    return body?.pair === true && Array.isArray(body.nodes) ? body.nodes : [];
  } catch {
    return []; // not the console server: no pair to show
  }
}

/** Reads the server's view again: one read at a time, a call during a read asks for one more. */
export function refreshPair() {
  if (reading) {
    again = true;
    return reading;
  }
  reading = (async () => {
    do {
      again = false;
      const next = await read();
      if (JSON.stringify(next) !== JSON.stringify(nodes)) {
        nodes = next;
        renderPair(); // only on a change: the list is a live region
      }
    } while (again);
  })().finally(() => {
    reading = null;
  });
  return reading;
}

/** After a request: only a pair can have changed. */
export function afterRequest() {
  if (nodes.length > 1) refreshPair();
}

export function renderPair() {
  $("#pair").hidden = nodes.length < 2;
  fill($("#pair-nodes"), nodes.map((node) => {
    const state = Object.hasOwn(LABELS, node.state) ? node.state : "unknown";
    return h("li", { class: "pair-node", dataset: { state } },
      h("code", { class: "pair-endpoint" }, String(node.endpoint)), " ",
      h("span", { class: TAGS[state] ?? "tag" }, t(LABELS[state])),
      typeof node.detail === "string" ? h("p", { class: "hint pair-detail" }, node.detail) : null);
  }));
}
