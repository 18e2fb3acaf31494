// Signing in with a password (LOCAL, LDAP, AUTHN; 2FA refused with a way out) and signing out,
// which forgets every secret of the page.

import { isCloudTowerError } from "/pkg/web.mjs";
import { $, fill } from "./dom.mjs";
import { t } from "./i18n.mjs";
import { state, makeClient } from "./state.mjs";
import { showError, showMfa, showLocalError, clearError, showNotice } from "./feedback.mjs";
import { renderAll } from "./views.mjs";
import { refreshVms, resetVms } from "./vms.mjs";
import { forgetRemembered } from "./use-key.mjs";
import { refreshKeys } from "./keys.mjs";
import { connect } from "./connect.mjs";

export async function login() {
  clearError("#login-error");
  const username = $("#username").value.trim();
  const passwordInput = $("#password");
  const password = passwordInput.value;
  if (!username || !password) return showLocalError("#login-error", t("loginNeedsFields"));
  const source = $("#source").value;
  const options = { username, password, source };
  if (source !== "LOCAL" && $("#strategy").value) options.authConfigId = $("#strategy").value;
  if (!state.base) await connect();
  const client = state.base;
  if (!client) return; // connect() has shown why
  try {
    await client.login(options);
  } catch (error) {
    passwordInput.value = "";
    if (isCloudTowerError(error) && error.code === "MFA_REQUIRED") return showMfa("#login-error", error);
    return showError("#login-error", error, { context: "login" });
  } finally {
    options.password = "";
  }
  passwordInput.value = "";
  state.token = client;
  try {
    state.user = await client.currentUser();
  } catch (error) {
    state.user = { username, name: username, source, roles: [] };
    showError("#login-error", error);
  }
  renderAll();
  showNotice(t("switchedToToken"));
  // The form that had focus is gone: the next step (issuing a key) takes it.
  $("#key-name").focus();
  await Promise.all([refreshKeys(), refreshVms({ resetPage: true })]);
}

/** Forgets every secret of the page: token, keys in use and issued, the tab's remembered key. */
function forgetEverything() {
  state.token = null;
  state.user = null;
  state.key = null;
  state.sessionKeys.clear();
  state.keyList = [];
  state.listSupported = null;
  forgetRemembered();
  fill($("#secret-slot"));
  $("#paste-key").value = "";
  $("#revoke-secret").value = "";
  try {
    state.base = makeClient(state.endpoint);
  } catch {
    state.base = null;
  }
}

export function signInAgain() {
  forgetEverything();
  renderAll();
  resetVms();
  clearError("#keys-error");
  $("#username").focus();
}

export async function logout() {
  clearError("#login-error");
  const client = state.token;
  try {
    await client?.logout();
  } catch (error) {
    showError("#login-error", error);
  } finally {
    forgetEverything();
    renderAll();
    resetVms();
  }
  showNotice(t("signedOut"));
  $("#username").focus();
}
