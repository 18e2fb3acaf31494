// The request log: operation, status, duration and request id of every call (no headers, no bodies).

import { h, $ } from "./dom.mjs";
import { language } from "./i18n.mjs";

const ACTIVITY_LIMIT = 40;

export function logActivity(summary) {
  try {
    const list = $("#activity");
    const ok = summary.status >= 200 && summary.status < 400;
    const time = new Date().toLocaleTimeString(language(), { hour12: false });
    list.prepend(h("li", { class: `activity-item ${ok ? "is-ok" : "is-error"}` },
      h("span", { class: "act-time" }, time),
      h("span", { class: "act-op" }, summary.operation),
      h("span", { class: "act-status" }, summary.status ? String(summary.status) : summary.errorCode ?? "—"),
      h("span", { class: "act-ms" }, `${Math.round(summary.durationMs)} ms`),
      h("code", { class: "act-id" }, summary.requestId ?? "—")));
    while (list.childElementCount > ACTIVITY_LIMIT) list.lastElementChild.remove();
  } catch {
    // Never let the log break a request.
  }
}
