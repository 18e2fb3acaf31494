// Connecting to an endpoint: its CloudTower version, the pair behind the console server if any,
// and the sign-in strategies it offers.

import { h, $, fill } from "./dom.mjs";
import { t } from "./i18n.mjs";
import { state, makeClient } from "./state.mjs";
import { showError, clearError } from "./feedback.mjs";
import { refreshPair } from "./pair.mjs";

export function setConnection(kind, text) {
  const badge = $("#conn-badge");
  badge.dataset.state = kind;
  badge.className = `pill ${kind === "ok" ? "pill-ok" : kind === "error" ? "pill-error" : "pill-muted"}`;
  badge.textContent = text;
}

/** The connection badge and status line in the current language. */
export function showConnected() {
  if (!state.version) return;
  setConnection("ok", t("connectedTo", { version: state.version }));
  $("#connect-status").textContent = t("connectedStatus", { version: state.version });
}

export async function connect() {
  clearError("#connect-error");
  const input = $("#endpoint");
  const endpoint = input.value.trim() || location.origin;
  let client;
  try {
    client = makeClient(endpoint);
  } catch (error) {
    showError("#connect-error", error);
    setConnection("error", t("connectFailed"));
    return;
  }
  state.base = client;
  state.endpoint = client.endpoint;
  state.strategies = null;
  let crossOrigin = false;
  try {
    crossOrigin = new URL(client.endpoint).origin !== location.origin;
  } catch {
    crossOrigin = true;
  }
  const warning = $("#endpoint-warning");
  warning.textContent = crossOrigin ? t("crossOrigin", { endpoint: client.endpoint }) : "";
  warning.hidden = !crossOrigin;
  setConnection("idle", t("connecting"));
  $("#connect-status").textContent = t("connecting");
  try {
    state.version = await client.getVersion();
    showConnected();
    $("#version").textContent = `${client.endpoint} · CloudTower ${state.version}`;
  } catch (error) {
    state.version = null;
    setConnection("error", t("connectFailed"));
    $("#connect-status").textContent = "";
    showError("#connect-error", error);
  }
  await refreshPair();
  if ($("#source").value !== "LOCAL") await loadStrategies();
}

async function loadStrategies() {
  const field = $("#strategy-field");
  const select = $("#strategy");
  const hint = $("#strategy-hint");
  field.hidden = false;
  if (!state.base) return;
  if (!state.strategies) {
    hint.textContent = t("strategiesLoading");
    try {
      state.strategies = await state.base.authnStrategies();
    } catch (error) {
      hint.textContent = "";
      showError("#login-error", error);
      return;
    }
  }
  fill(select, h("option", { value: "" }, t("strategiesAuto")),
    state.strategies.map((s) => h("option", { value: s.id }, `${s.type} · ${s.id}`)));
  hint.textContent = state.strategies.length ? t("strategiesFound", { count: state.strategies.length }) : t("strategiesNone");
}

export async function onSourceChange() {
  clearError("#login-error");
  if ($("#source").value === "LOCAL") {
    $("#strategy-field").hidden = true;
    return;
  }
  await loadStrategies();
}
