// The CloudTower API-key admin console: connect, sign in, issue / list / revoke API keys, use a
// key and list VMs with it. Plain ES modules over the package's web build; no framework, no
// build step. This file only wires the page's controls to the modules that do the work.
//
// Security rules the modules keep:
// - secrets (password, the session token inside the client, API keys) live in memory only; the
//   one exception is the explicit "remember for this tab" opt-in (sessionStorage, the key in use);
// - every string from the server is rendered as text (dom.mjs builds nodes, never HTML);
// - no inline script or style (the CSP forbids both); errors are shown inline, never thrown away;
// - forms submit only through these handlers: their submit buttons are disabled in the markup
//   and enabled here, so without this script no form can send a secret by navigation.

import { init } from "/pkg/web.mjs";
import { $ } from "./dom.mjs";
import { t, setLanguage } from "./i18n.mjs";
import { showError, setRecoveries, guard, busy } from "./feedback.mjs";
import { renderAll } from "./views.mjs";
import { refreshVms, refreshSoon, resetVms, page } from "./vms.mjs";
import { connect, setConnection, onSourceChange } from "./connect.mjs";
import { login, logout, signInAgain } from "./sign-in.mjs";
import { issueKey, refreshKeys, revokeBySecret, onKeyTableClick, hideSecret } from "./keys.mjs";
import { onUseKeySubmit, switchToToken, onRememberChange, restoreRemembered } from "./use-key.mjs";
import { onLanguageChange } from "./language.mjs";

function wire() {
  const on = (selector, type, fn) => $(selector).addEventListener(type, guard(fn));
  on("#connect-form", "submit", () => busy($("#connect-btn"), connect));
  on("#language", "change", onLanguageChange);
  on("#source", "change", onSourceChange);
  on("#login-form", "submit", () => busy($("#login-btn"), login));
  on("#logout-btn", "click", () => busy($("#logout-btn"), logout));
  on("#issue-form", "submit", () => busy($("#issue-btn"), issueKey));
  on("#keys-refresh", "click", () => busy($("#keys-refresh"), refreshKeys));
  on("#keys-body", "click", onKeyTableClick);
  on("#revoke-secret-form", "submit", revokeBySecret);
  on("#use-key-form", "submit", () => busy($("#use-key-btn"), onUseKeySubmit));
  on("#back-to-token", "click", () => switchToToken());
  on("#remember", "change", onRememberChange);
  on("#vm-filter", "submit", () => refreshVms({ resetPage: true }));
  $("#vm-name").addEventListener("input", refreshSoon);
  for (const id of ["#vm-status", "#vm-sort", "#vm-page-size"]) on(id, "change", () => refreshVms({ resetPage: true }));
  on("#vm-prev", "click", () => page(-1));
  on("#vm-next", "click", () => page(1));
  document.addEventListener("visibilitychange", () => document.hidden && hideSecret());
  setRecoveries({ backToToken: () => switchToToken(), signInAgain });
  for (const button of document.querySelectorAll("form button[type='submit']")) button.disabled = false;
}

async function boot() {
  $("#endpoint").value = location.origin;
  setLanguage($("#language").value);
  wire();
  renderAll();
  resetVms();
  setConnection("idle", t("notConnected"));
  try {
    await init();
  } catch (error) {
    showError("#connect-error", error);
    setConnection("error", t("connectFailed"));
    return;
  }
  await connect();
  await restoreRemembered();
  document.body.dataset.ready = "true";
}

boot().catch((error) => {
  showError("#connect-error", error);
  console.error(error);
});
