// What the page tells the user: errors inline (code, message, server message, status, operation,
// request id), the 2FA refusal, notices; and the two wrappers every handler goes through.

import { isCloudTowerError } from "/pkg/web.mjs";
import { h, $, fill } from "./dom.mjs";
import { t } from "./i18n.mjs";
import { state } from "./state.mjs";

/**
 * The ways out of an UNAUTHORIZED error. They belong to the credential and sign-in modules,
 * which themselves show errors: the wiring hands them in, so no import runs back up.
 */
const recoveries = { backToToken: () => {}, signInAgain: () => {} };
export const setRecoveries = (fns) => Object.assign(recoveries, fns);

export function describe(error) {
  if (isCloudTowerError(error)) {
    return {
      code: error.code,
      message: error.message,
      status: error.status,
      requestId: error.requestId,
      operation: error.operation,
      serverMessage: error.errorBody?.message ?? null,
    };
  }
  return { code: t("unexpected"), message: String(error?.message ?? error), status: 0, requestId: null, operation: null, serverMessage: null };
}

function hintFor(info, context) {
  switch (info.code) {
    case "NETWORK":
    case "TIMEOUT":
      return t("networkHint");
    case "UNAUTHORIZED":
      if (context === "login") return null;
      return state.key ? t("unauthorizedKeyHint") : state.token ? t("unauthorizedTokenHint") : null;
    case "FORBIDDEN":
      return t("forbiddenHint");
    default:
      return null;
  }
}

/** Renders an error inline: code, message, server message, HTTP status, operation, request id. */
export function showError(slotSelector, error, { context, actions = [] } = {}) {
  const info = describe(error);
  if (info.code === "ABORTED") return;
  const hint = hintFor(info, context);
  const meta = h("dl", { class: "alert-meta" });
  const metaRow = (label, value, cls) => meta.append(h("div", { class: "alert-meta-row" }, h("dt", {}, label), h("dd", { class: cls }, value)));
  if (info.status) metaRow(t("errStatus"), String(info.status), "http-status");
  if (info.operation) metaRow(t("errOperation"), info.operation, "operation");
  if (info.requestId) metaRow(t("errRequestId"), info.requestId, "request-id");
  const extra = [...actions];
  if (info.code === "UNAUTHORIZED" && state.key && state.token && context !== "use-key") {
    extra.push(h("button", { type: "button", class: "btn btn-small btn-secondary", onclick: guard(() => recoveries.backToToken()) }, t("backToToken")));
  } else if (info.code === "UNAUTHORIZED" && !state.key && state.token && context !== "login") {
    // The session ended on the server (expiry, single-session login, ...): start over.
    extra.push(h("button", { type: "button", class: "btn btn-small btn-primary", onclick: guard(() => recoveries.signInAgain()) }, t("signInAgain")));
  }
  const box = h("div", { class: "alert alert-error", role: "alert", "data-code": info.code },
    h("div", { class: "alert-head" },
      h("span", { class: "code-badge" }, info.code),
      h("span", { class: "alert-message" }, info.message)),
    hint && h("p", { class: "alert-hint" }, hint),
    info.serverMessage && info.serverMessage !== info.message &&
      h("p", { class: "alert-server" }, h("span", { class: "alert-label" }, `${t("errServerSaid")}: `), info.serverMessage),
    meta.childElementCount ? meta : null,
    extra.length ? h("div", { class: "alert-actions" }, extra) : null);
  fill($(slotSelector), box);
}

export function showMfa(slotSelector, error) {
  const info = describe(error);
  const meta = h("dl", { class: "alert-meta" });
  if (info.requestId) meta.append(h("div", { class: "alert-meta-row" }, h("dt", {}, t("errRequestId")), h("dd", { class: "request-id" }, info.requestId)));
  fill($(slotSelector), h("div", { class: "alert alert-warning", role: "alert", "data-code": info.code },
    h("div", { class: "alert-head" }, h("span", { class: "code-badge" }, info.code), h("strong", { class: "alert-message" }, t("mfaTitle"))),
    h("p", { class: "alert-hint" }, t("mfaText")),
    h("p", { class: "alert-server" }, h("span", { class: "alert-label" }, `${t("errServerSaid")}: `), info.message),
    meta.childElementCount ? meta : null,
    h("div", { class: "alert-actions" },
      h("button", { type: "button", class: "btn btn-small btn-primary", onclick: () => $("#paste-key").focus() }, t("mfaGo")))));
}

/** A local validation message, shaped like the others. */
export function showLocalError(slotSelector, message) {
  fill($(slotSelector), h("div", { class: "alert alert-error", role: "alert", "data-code": "INVALID_ARGUMENT" },
    h("div", { class: "alert-head" }, h("span", { class: "code-badge" }, "INVALID_ARGUMENT"), h("span", { class: "alert-message" }, message))));
}

export const clearError = (slotSelector) => fill($(slotSelector));

let noticeTimer = null;
export function showNotice(message, kind = "info") {
  const el = $("#notice");
  clearTimeout(noticeTimer);
  el.dataset.kind = kind;
  fill(el, h("span", { class: "notice-text" }, message),
    h("button", { type: "button", class: "notice-close", "aria-label": t("dismissNotice"), onclick: () => { el.hidden = true; } }, "×"));
  el.hidden = false;
  if (kind === "info") noticeTimer = setTimeout(() => { el.hidden = true; }, 8000);
}

/**
 * Wraps an event handler: no rejection ever escapes (a bug shows up as a notice and a console
 * error, which the tests fail on).
 */
export function guard(fn) {
  return (event) => {
    if (event?.type === "submit") event.preventDefault();
    Promise.resolve().then(() => fn(event)).catch((error) => {
      showNotice(`${describe(error).code}: ${describe(error).message}`, "error");
      console.error(error);
    });
  };
}

/** Disables a button (and marks the card busy) while `fn` runs. */
export async function busy(button, fn) {
  const card = button?.closest(".card");
  if (button) button.disabled = true;
  card?.setAttribute("aria-busy", "true");
  try {
    return await fn();
  } finally {
    if (button) button.disabled = false;
    card?.removeAttribute("aria-busy");
  }
}
