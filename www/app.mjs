// The CloudTower API-key admin console: connect, sign in, issue / list / revoke API keys, use a
// key and list VMs with it. Plain ES modules over the package's web build; no framework.
//
// Security rules this file keeps:
// - secrets (password, the session token inside the client, API keys) live in memory only; the
//   one exception is the explicit "remember for this tab" opt-in (sessionStorage, the key in use);
// - every string from the server is rendered as text (dom.mjs builds nodes, never HTML);
// - no inline script or style (the CSP forbids both); errors are shown inline, never thrown away.

import { init, CloudTowerClient, isCloudTowerError } from "/pkg/web.mjs";
import { h, $, fill, formatBytes, formatNumber, splitIps, initials, statusBadge } from "./dom.mjs";
import { statusChart } from "./chart.mjs";
import { t, setLanguage, language } from "./i18n.mjs";

const STATUSES = ["RUNNING", "STOPPED", "SUSPENDED", "UNKNOWN", "DELETED"];
const ALWAYS_CHARTED = new Set(["RUNNING", "STOPPED", "SUSPENDED", "UNKNOWN"]);
const TAB_STORAGE_KEY = "cloudtower-console:remembered-api-key";
const MASK = "•".repeat(32);
const ACTIVITY_LIMIT = 40;
const DELETE_BY_ID = "mutation deleteApiKeyById($id: ID!) { deleteApiKey(where: { id: $id }) { id } }";

const state = {
  endpoint: location.origin,
  version: null,
  /** The client used to connect and sign in; after login() it holds the session token. */
  base: null,
  /** The signed-in client (same object as base after login), or null. */
  token: null,
  user: null,
  /** The API key in use: { client, id, name, secret, user, origin: "session"|"pasted"|"restored" }. */
  key: null,
  /** Keys issued in this page: id → { id, name, key, roles }. Memory only. */
  sessionKeys: new Map(),
  /** null: unknown; true: listApiKeys works; false: the server has no list query. */
  listSupported: null,
  keyList: [],
  strategies: null,
  vm: { name: "", status: "", sort: "name_ASC", first: 25, skip: 0, total: 0, loaded: false },
};

// ---- clients ---------------------------------------------------------------------------------

function makeClient(endpoint) {
  return new CloudTowerClient({ endpoint, language: language(), timeoutMs: 30_000, onResponse: logActivity });
}

/** The client of the credential in use: the API key if one is in use, else the session token. */
const active = () => state.key?.client ?? state.token ?? null;

/** Per-call options: the language can change after the client was made. */
const callOptions = (extra = {}) => ({ language: language(), ...extra });

// ---- errors ----------------------------------------------------------------------------------

function describe(error) {
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
function showError(slotSelector, error, { context, actions = [] } = {}) {
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
    extra.push(h("button", { type: "button", class: "btn btn-small btn-secondary", onclick: guard(() => switchToToken(t("switchedToToken"))) }, t("backToToken")));
  } else if (info.code === "UNAUTHORIZED" && !state.key && state.token && context !== "login") {
    // The session ended on the server (expiry, single-session login, ...): start over.
    extra.push(h("button", { type: "button", class: "btn btn-small btn-primary", onclick: guard(signInAgain) }, t("signInAgain")));
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

function showMfa(slotSelector, error) {
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
function showLocalError(slotSelector, message) {
  fill($(slotSelector), h("div", { class: "alert alert-error", role: "alert", "data-code": "INVALID_ARGUMENT" },
    h("div", { class: "alert-head" }, h("span", { class: "code-badge" }, "INVALID_ARGUMENT"), h("span", { class: "alert-message" }, message))));
}

const clearError = (slotSelector) => fill($(slotSelector));

let noticeTimer = null;
function showNotice(message, kind = "info") {
  const el = $("#notice");
  clearTimeout(noticeTimer);
  el.dataset.kind = kind;
  fill(el, h("span", { class: "notice-text" }, message),
    h("button", { type: "button", class: "notice-close", "aria-label": "Dismiss", onclick: () => { el.hidden = true; } }, "×"));
  el.hidden = false;
  if (kind === "info") noticeTimer = setTimeout(() => { el.hidden = true; }, 8000);
}

/**
 * Wraps an event handler: no rejection ever escapes (a bug shows up as a notice and a console
 * error, which the tests fail on).
 */
function guard(fn) {
  return (event) => {
    if (event?.type === "submit") event.preventDefault();
    Promise.resolve().then(() => fn(event)).catch((error) => {
      showNotice(`${describe(error).code}: ${describe(error).message}`, "error");
      console.error(error);
    });
  };
}

/** Disables a button (and marks the card busy) while `fn` runs. */
async function busy(button, fn) {
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

// ---- activity log ----------------------------------------------------------------------------

function logActivity(summary) {
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

// ---- connect ---------------------------------------------------------------------------------

function setConnection(kind, text) {
  const badge = $("#conn-badge");
  badge.dataset.state = kind;
  badge.className = `pill ${kind === "ok" ? "pill-ok" : kind === "error" ? "pill-error" : "pill-muted"}`;
  badge.textContent = text;
}

async function connect() {
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
    setConnection("ok", t("connectedTo", { version: state.version }));
    $("#connect-status").textContent = t("connectedStatus", { version: state.version });
    $("#version").textContent = `${client.endpoint} · CloudTower ${state.version}`;
  } catch (error) {
    state.version = null;
    setConnection("error", t("connectFailed"));
    $("#connect-status").textContent = "";
    showError("#connect-error", error);
  }
  if ($("#source").value !== "LOCAL") await loadStrategies();
}

// ---- sign in ---------------------------------------------------------------------------------

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

async function onSourceChange() {
  clearError("#login-error");
  if ($("#source").value === "LOCAL") {
    $("#strategy-field").hidden = true;
    return;
  }
  await loadStrategies();
}

async function login() {
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

function signInAgain() {
  forgetEverything();
  renderAll();
  resetVms();
  clearError("#keys-error");
  $("#username").focus();
}

async function logout() {
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
}

// ---- API keys --------------------------------------------------------------------------------

async function issueKey() {
  clearError("#issue-error");
  const input = $("#key-name");
  const name = input.value.trim();
  if (!name) return showLocalError("#issue-error", t("keyNameRequired"));
  let key;
  try {
    key = await state.token.createApiKey({ name });
  } catch (error) {
    return showError("#issue-error", error);
  }
  state.sessionKeys.set(key.id, { id: key.id, name: key.name, key: key.key, roles: key.roles ?? [] });
  input.value = "";
  showSecret(key.id);
  renderSessionKeys();
  await refreshKeys();
}

/** The one-time panel of a newly issued key: masked, reveal, copy, use, dismiss. */
function showSecret(id) {
  const entry = state.sessionKeys.get(id);
  const slot = $("#secret-slot");
  if (!entry) return fill(slot);
  let revealed = false;
  const value = h("code", { id: "secret-value", class: "secret-value is-masked", "data-masked": "true" }, MASK);
  const status = h("span", { id: "copy-status", class: "status-text", role: "status", "aria-live": "polite" });
  const reveal = h("button", { type: "button", id: "reveal-btn", class: "btn btn-small btn-secondary", "aria-pressed": "false", "aria-controls": "secret-value" }, t("reveal"));
  reveal.addEventListener("click", () => {
    const current = state.sessionKeys.get(id);
    if (!current) return;
    revealed = !revealed;
    value.textContent = revealed ? current.key : MASK;
    value.classList.toggle("is-masked", !revealed);
    value.dataset.masked = String(!revealed);
    reveal.setAttribute("aria-pressed", String(revealed));
    reveal.textContent = revealed ? t("hide") : t("reveal");
  });
  const copy = h("button", { type: "button", id: "copy-btn", class: "btn btn-small btn-secondary" }, t("copy"));
  copy.addEventListener("click", guard(async () => {
    const current = state.sessionKeys.get(id);
    if (!current) return;
    try {
      await navigator.clipboard.writeText(current.key);
      status.textContent = t("copied");
      status.className = "status-text status-ok";
    } catch (error) {
      status.textContent = t("copyFailed", { reason: error?.name ?? "error" });
      status.className = "status-text status-error";
    }
  }));
  const use = h("button", { type: "button", id: "use-new-key-btn", class: "btn btn-small btn-primary" }, t("useNow"));
  use.addEventListener("click", guard(() => busy(use, () => useKey({ id }))));
  const dismiss = h("button", { type: "button", id: "dismiss-secret-btn", class: "btn btn-small btn-ghost" }, t("dismiss"));
  dismiss.addEventListener("click", () => {
    fill(slot);
    $("#key-name").focus();
  });
  fill(slot, h("div", { id: "secret-panel", class: "secret-panel", role: "region", "aria-labelledby": "secret-title", "data-key-id": id },
    h("div", { class: "secret-head" },
      h("h3", { id: "secret-title", class: "secret-title" }, t("secretTitle", { name: entry.name })),
      h("span", { class: "badge badge-once" }, "1×")),
    h("p", { class: "secret-warning", id: "secret-warning" }, h("strong", {}, t("secretOnce")), " ", t("secretMemory")),
    h("div", { class: "secret-row" },
      h("span", { class: "visually-hidden" }, t("secretLabel")),
      value,
      h("div", { class: "secret-buttons" }, reveal, copy)),
    status,
    h("div", { class: "secret-actions" }, use, dismiss)));
  dismiss.focus();
}

async function refreshKeys() {
  clearError("#keys-error");
  if (!state.token) return renderKeys();
  try {
    state.keyList = await state.token.listApiKeys();
    state.listSupported = true;
  } catch (error) {
    if (isCloudTowerError(error) && error.code === "UNSUPPORTED") {
      state.listSupported = false;
      state.keyList = [];
    } else {
      showError("#keys-error", error);
    }
  }
  renderKeys();
}

function rolesText(roles) {
  if (!Array.isArray(roles) || roles.length === 0) return "—";
  return roles.map((r) => r?.preset ?? r?.name ?? "custom").join(", ");
}

function renderKeys() {
  const signedIn = Boolean(state.token);
  $("#keys-locked").hidden = signedIn;
  $("#issue-form").hidden = !signedIn;
  $("#keys-card").classList.toggle("is-locked", !signedIn);
  for (const el of document.querySelectorAll("#keys-card .subhead, #keys-card .table-wrap, #keys-card .revoke-secret")) el.hidden = !signedIn;
  const unsupported = $("#keys-unsupported");
  unsupported.hidden = !(signedIn && state.listSupported === false);
  unsupported.textContent = state.listSupported === false ? t("listUnsupported") : "";
  const body = $("#keys-body");
  if (!signedIn) return fill(body);
  const rows = state.listSupported === false
    ? [...state.sessionKeys.values()].map((k) => ({ id: k.id, name: k.name, username: state.user?.username ?? null, roles: k.roles }))
    : state.keyList;
  if (rows.length === 0) return fill(body, h("tr", {}, h("td", { colspan: 5, class: "empty" }, t("noKeys"))));
  fill(body, rows.map((record) => {
    const session = state.sessionKeys.has(record.id);
    const inUse = state.key?.id === record.id;
    return h("tr", { "data-key-id": record.id, class: inUse ? "is-current" : null },
      h("td", { class: "key-name" },
        h("span", { class: "key-name-text" }, record.name ?? "—"),
        session ? h("span", { class: "tag tag-session" }, t("thisPage")) : null,
        inUse ? h("span", { class: "tag tag-inuse" }, t("inUse")) : null),
      h("td", {}, record.username ?? "—"),
      h("td", {}, rolesText(record.roles)),
      h("td", {}, h("code", { class: "mono id" }, record.id)),
      h("td", { class: "col-actions" },
        session && !inUse
          ? h("button", { type: "button", class: "btn btn-small btn-secondary key-use", "aria-label": `${t("use")} ${record.name}`, onclick: guard((e) => busy(e.currentTarget, () => useKey({ id: record.id }))) }, t("use"))
          : null,
        h("button", { type: "button", class: "btn btn-small btn-danger-ghost key-revoke", "aria-label": `${t("revoke")} ${record.name}`, onclick: guard(() => revokeRecord(record)) }, t("revoke"))));
  }));
}

/** The in-page confirmation dialog; resolves true on confirm, false on cancel / Escape. */
function confirmDialog({ title, text, okLabel = t("revoke") }) {
  const dialog = $("#confirm-dialog");
  const ok = $("#confirm-ok");
  const cancel = $("#confirm-cancel");
  $("#confirm-title").textContent = title;
  $("#confirm-text").textContent = text;
  ok.textContent = okLabel;
  return new Promise((resolve) => {
    const done = (value) => {
      ok.removeEventListener("click", onOk);
      cancel.removeEventListener("click", onCancel);
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const onOk = () => done(true);
    const onCancel = (event) => {
      event?.preventDefault?.();
      done(false);
    };
    ok.addEventListener("click", onOk);
    cancel.addEventListener("click", onCancel);
    dialog.addEventListener("cancel", onCancel);
    dialog.showModal();
    cancel.focus();
  });
}

async function revokeRecord(record) {
  clearError("#keys-error");
  const inUse = state.key?.id === record.id;
  const confirmed = await confirmDialog({
    title: t("confirmRevokeTitle", { name: record.name }),
    text: `${t("confirmRevokeText")}${inUse ? ` ${t("confirmRevokeInUse")}` : ""}`,
  });
  if (!confirmed) return;
  const session = state.sessionKeys.get(record.id);
  let alreadyRevoked = false;
  try {
    if (session) {
      ({ alreadyRevoked } = await state.token.deleteApiKey(session.key));
    } else {
      // deleteApiKey(key) needs the secret, which a listed key does not carry: revoke by id.
      try {
        const data = await state.token.graphql(DELETE_BY_ID, { id: record.id }, callOptions());
        alreadyRevoked = !data?.deleteApiKey;
      } catch (error) {
        if (error?.graphqlErrors?.some((e) => e?.extensions?.code === "NOT_FOUND")) alreadyRevoked = true;
        else throw error;
      }
    }
  } catch (error) {
    return showError("#keys-error", error);
  }
  await afterRevoke({ id: record.id, secret: session?.key ?? null, name: record.name, alreadyRevoked });
}

async function revokeBySecret() {
  clearError("#keys-error");
  const input = $("#revoke-secret");
  const secret = input.value.trim();
  if (!secret) return showLocalError("#keys-error", t("revokeSecretNeeded"));
  const session = [...state.sessionKeys.values()].find((k) => k.key === secret);
  const confirmed = await confirmDialog({
    title: session ? t("confirmRevokeTitle", { name: session.name }) : t("confirmRevokeSecretTitle"),
    text: `${t("confirmRevokeText")}${state.key?.secret === secret ? ` ${t("confirmRevokeInUse")}` : ""}`,
  });
  if (!confirmed) return;
  let result;
  try {
    result = await state.token.deleteApiKey(secret);
  } catch (error) {
    return showError("#keys-error", error);
  }
  input.value = "";
  await afterRevoke({ id: result.id ?? session?.id ?? null, secret, name: session?.name ?? result.id ?? "—", alreadyRevoked: result.alreadyRevoked });
}

/** Bookkeeping after a revoke; a key this page uses is dropped and the page goes back to the token. */
async function afterRevoke({ id, secret, name, alreadyRevoked }) {
  const session = id ? state.sessionKeys.get(id) : null;
  if (session) state.sessionKeys.delete(id);
  if (id && $("#secret-panel")?.dataset.keyId === id) fill($("#secret-slot"));
  showNotice(alreadyRevoked ? t("revokedAlready", { name }) : t("revoked", { name }));
  const key = state.key;
  if (key && ((id && key.id === id) || (secret && key.secret === secret))) {
    switchToToken(state.token ? t("revokedInUse") : t("revokedInUseNoToken"), "warning");
  } else if (key && !key.id) {
    // A pasted key's id is unknown: check that it still works.
    try {
      await key.client.currentUser();
    } catch (error) {
      if (isCloudTowerError(error) && error.code === "UNAUTHORIZED" && state.key === key) {
        switchToToken(t("keyStoppedWorking"), "warning");
      }
    }
  }
  renderSessionKeys();
  await refreshKeys();
}

// ---- using a key -----------------------------------------------------------------------------

async function useKey({ id, secret, origin = "pasted" }) {
  clearError("#use-key-error");
  const entry = id ? state.sessionKeys.get(id) : [...state.sessionKeys.values()].find((k) => k.key === secret);
  const value = entry?.key ?? secret;
  if (!value) return showLocalError("#use-key-error", t("needKey"));
  const parent = state.token ?? state.base;
  let client;
  let user;
  try {
    client = parent.withApiKey(value);
    user = await client.currentUser();
  } catch (error) {
    return showError("#use-key-error", error, { context: "use-key" });
  }
  state.key = { client, id: entry?.id ?? null, name: entry?.name ?? null, secret: value, user, origin: entry ? "session" : origin };
  $("#paste-key").value = "";
  $("#session-key").value = "";
  if ($("#remember").checked) remember();
  renderAll();
  showNotice(t("switchedToKey", { name: entry?.name ?? "…" }));
  await refreshVms({ resetPage: true });
}

async function onUseKeySubmit() {
  const pasted = $("#paste-key").value.trim();
  const picked = $("#session-key").value;
  if (pasted) return useKey({ secret: pasted });
  if (picked) return useKey({ id: picked });
  return showLocalError("#use-key-error", t("needKey"));
}

function switchToToken(message, kind = "info") {
  state.key = null;
  forgetRemembered();
  renderAll();
  showNotice(message, kind);
  if (active()) refreshVms({ resetPage: false }).catch(() => {});
  else resetVms();
}

function remember() {
  if (!state.key) return;
  sessionStorage.setItem(TAB_STORAGE_KEY, JSON.stringify({ v: 1, endpoint: state.endpoint, name: state.key.name, key: state.key.secret }));
}

function forgetRemembered() {
  try {
    sessionStorage.removeItem(TAB_STORAGE_KEY);
  } catch {
    // Storage may be unavailable (privacy modes); nothing was stored then.
  }
}

function onRememberChange() {
  if ($("#remember").checked) remember();
  else forgetRemembered();
}

async function restoreRemembered() {
  let saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(TAB_STORAGE_KEY) ?? "null");
  } catch {
    saved = null;
  }
  if (!saved || typeof saved.key !== "string") return forgetRemembered();
  if (saved.endpoint !== state.endpoint || !state.base) return forgetRemembered();
  $("#remember").checked = true;
  try {
    const client = state.base.withApiKey(saved.key);
    const user = await client.currentUser();
    state.key = { client, id: null, name: typeof saved.name === "string" ? saved.name : null, secret: saved.key, user, origin: "restored" };
  } catch (error) {
    forgetRemembered();
    $("#remember").checked = false;
    showError("#use-key-error", error, { context: "use-key" });
    return;
  }
  renderAll();
  await refreshVms({ resetPage: true });
}

function renderSessionKeys() {
  const select = $("#session-key");
  const keys = [...state.sessionKeys.values()];
  if (keys.length === 0) {
    fill(select, h("option", { value: "" }, t("noSessionKeys")));
    select.disabled = true;
    return;
  }
  select.disabled = false;
  // Values are key ids: the secret never goes into the DOM.
  fill(select, h("option", { value: "" }, t("pickOne")),
    keys.map((k) => h("option", { value: k.id }, `${k.name}${state.key?.id === k.id ? ` (${t("inUse")})` : ""}`)));
}

function renderCredential() {
  const kind = active()?.authKind ?? "none";
  const pill = $("#cred-pill");
  pill.dataset.kind = kind;
  const label = kind === "apiKey" ? t("credApiKey") : kind === "token" ? t("credToken") : t("credNone");
  $("#cred-kind").textContent = label;
  const who = (u) => u?.username ?? "?";
  let detail;
  if (state.key) {
    const name = state.key.name ?? "";
    detail = state.key.origin === "restored"
      ? t("credDetailKeyRestored", { name: name || "…", user: who(state.key.user) })
      : name ? t("credDetailKey", { name, user: who(state.key.user) }) : t("credDetailKeyPasted", { user: who(state.key.user) });
  } else if (state.token) {
    detail = t("credDetailToken", { user: who(state.user) });
  } else {
    detail = t("credDetailNone");
  }
  $("#cred-detail").textContent = detail;
  $("#cred-box").dataset.kind = kind;
  $("#back-to-token").hidden = !(state.key && state.token);
  $("#vms-cred").textContent = kind === "none" ? "" : t("vmsWith", { cred: label });
  $("#vms-cred").dataset.kind = kind;
}

function renderUser() {
  const signedIn = Boolean(state.token);
  $("#login-form").hidden = signedIn;
  $("#user-panel").hidden = !signedIn;
  $("#endpoint").disabled = signedIn;
  $("#connect-btn").disabled = signedIn;
  if (!signedIn) return;
  const u = state.user ?? {};
  $("#user-avatar").textContent = initials(u.name || u.username);
  $("#user-name").textContent = u.name || u.username || "—";
  $("#user-meta").textContent = `${u.username ?? "—"} · ${t("source", { source: u.source ?? "—" })}`;
  fill($("#user-roles"), (u.roles ?? []).map((r) => h("span", { class: "tag tag-role" }, r.preset ?? r.name ?? "custom")));
}

function renderAll() {
  renderUser();
  renderCredential();
  renderKeys();
  renderSessionKeys();
}

// ---- VMs -------------------------------------------------------------------------------------

let vmController = null;
let vmDebounce = null;

function readVmFilters() {
  state.vm.name = $("#vm-name").value.trim();
  state.vm.status = $("#vm-status").value;
  state.vm.sort = $("#vm-sort").value;
  state.vm.first = Number($("#vm-page-size").value) || 25;
}

function resetVms() {
  vmController?.abort();
  vmController = null;
  state.vm.total = 0;
  state.vm.skip = 0;
  state.vm.loaded = false;
  fill($("#vm-body"), h("tr", {}, h("td", { colspan: 7, class: "empty" }, t("noCredentialVms"))));
  fill($("#vm-chart"), h("p", { class: "empty" }, t("noCredentialVms")));
  $("#vm-range").textContent = "";
  $("#vm-prev").disabled = true;
  $("#vm-next").disabled = true;
  clearError("#vms-error");
}

async function refreshVms({ resetPage = false } = {}) {
  clearTimeout(vmDebounce);
  const client = active();
  vmController?.abort();
  if (!client) return resetVms();
  readVmFilters();
  if (resetPage) state.vm.skip = 0;
  const controller = new AbortController();
  vmController = controller;
  const { name, status, sort, first, skip } = state.vm;
  const nameWhere = name ? { name_contains: name } : {};
  const where = { ...nameWhere, ...(status ? { status } : {}) };
  const options = callOptions({ signal: controller.signal });
  const table = $("#vm-table");
  table.setAttribute("aria-busy", "true");
  $("#vms-card").classList.add("is-loading");
  try {
    const settled = await Promise.allSettled([
      client.call("get-vms", { where, orderBy: sort, first, skip }, options),
      client.call("get-vms-connection", { where }, options),
      ...STATUSES.map((s) => client.call("get-vms-connection", { where: { ...nameWhere, status: s } }, options)),
    ]);
    if (vmController !== controller) return;
    // The list's own error first (it is the one an operator asked for), else the first one.
    const failed = settled[0].status === "rejected" ? settled[0] : settled.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    const [rows, connection, ...counts] = settled.map((r) => r.value);
    clearError("#vms-error");
    state.vm.total = Number(connection?.aggregate?.count ?? 0);
    state.vm.loaded = true;
    renderVmRows(Array.isArray(rows) ? rows : []);
    renderPager(Array.isArray(rows) ? rows.length : 0);
    renderChart(STATUSES.map((s, i) => ({ status: s, count: Number(counts[i]?.aggregate?.count ?? 0) }))
      .filter((d) => ALWAYS_CHARTED.has(d.status) || d.count > 0));
  } catch (error) {
    if (vmController !== controller) return;
    controller.abort();
    state.vm.loaded = false;
    fill($("#vm-body"), h("tr", {}, h("td", { colspan: 7, class: "empty" }, "—")));
    fill($("#vm-chart"), h("p", { class: "empty" }, "—"));
    lastChart = null;
    $("#vm-range").textContent = "";
    $("#vm-prev").disabled = state.vm.skip === 0;
    $("#vm-next").disabled = true;
    showError("#vms-error", error, {
      actions: [h("button", { type: "button", class: "btn btn-small btn-secondary", onclick: guard(() => refreshVms()) }, t("retry"))],
    });
  } finally {
    if (vmController === controller) {
      table.setAttribute("aria-busy", "false");
      // A counter of settled refreshes (success or error): lets tests and tools wait for one.
      table.dataset.settled = String(Number(table.dataset.settled ?? 0) + 1);
      $("#vms-card").classList.remove("is-loading");
    }
  }
}

function renderVmRows(rows) {
  const body = $("#vm-body");
  if (rows.length === 0) return fill(body, h("tr", {}, h("td", { colspan: 7, class: "empty" }, t("noVms"))));
  const lang = language();
  fill(body, rows.map((vm) => {
    const ips = splitIps(vm.ips);
    return h("tr", { "data-vm-id": vm.id ?? "" },
      h("td", { class: "vm-name" }, h("span", { class: "vm-name-text" }, vm.name ?? "—"),
        vm.os ? h("span", { class: "vm-os" }, vm.os) : null),
      h("td", { class: "vm-status" }, statusBadge(vm.status)),
      h("td", { class: "vm-cluster" }, vm.cluster?.name ?? "—"),
      h("td", { class: "vm-host" }, vm.host?.name ?? "—"),
      h("td", { class: "num vm-vcpu" }, formatNumber(vm.vcpu, lang)),
      h("td", { class: "num vm-memory" }, formatBytes(vm.memory)),
      h("td", { class: "vm-ips" }, ips.length ? ips.map((ip) => h("code", { class: "ip" }, ip)) : "—"));
  }));
}

function renderPager(count) {
  const { skip, total } = state.vm;
  const lang = language();
  $("#vm-range").textContent = count
    ? t("range", { from: (skip + 1).toLocaleString(lang), to: (skip + count).toLocaleString(lang), total: total.toLocaleString(lang) })
    : t("rangeEmpty", { total: total.toLocaleString(lang) });
  $("#vm-prev").disabled = skip === 0;
  $("#vm-next").disabled = skip + count >= total;
}

let lastChart = null;
function renderChart(data) {
  lastChart = data;
  $("#vm-chart-caption").textContent = state.vm.name ? t("chartMatching", { name: state.vm.name }) : t("chartAll");
  const lang = language();
  const sum = data.reduce((total, d) => total + d.count, 0);
  const running = data.find((d) => d.status === "RUNNING")?.count ?? 0;
  const tile = (cls, label, value) => h("div", { class: `stat ${cls}` }, h("dt", {}, label), h("dd", {}, value));
  fill($("#vm-chart"), statusChart(data, {
    selected: state.vm.status,
    lang,
    onSelect: (status) => {
      $("#vm-status").value = status;
      refreshVms({ resetPage: true }).catch(() => {});
    },
  }), h("dl", { class: "vm-stats" },
    tile("stat-total", state.vm.name ? t("statMatchingName") : t("statTotal"), sum.toLocaleString(lang)),
    tile("stat-filtered", t("statFiltered"), state.vm.total.toLocaleString(lang)),
    tile("stat-running", t("statRunning"), sum ? `${Math.round((running / sum) * 100)}%` : "—")));
}

function page(delta) {
  const next = Math.max(0, state.vm.skip + delta * state.vm.first);
  if (next === state.vm.skip && delta < 0) return;
  state.vm.skip = next;
  return refreshVms();
}

// ---- language --------------------------------------------------------------------------------

function onLanguageChange() {
  const lang = $("#language").value;
  setLanguage(lang);
  // Without a credential the connection client is simply remade; a signed-in client keeps its
  // language for key management and gets the new one per call (call / graphql).
  if (!state.token && !state.key && state.base) {
    try {
      state.base = makeClient(state.endpoint);
    } catch {
      // The endpoint was validated when connecting.
    }
  }
  if (state.version) {
    setConnection("ok", t("connectedTo", { version: state.version }));
    $("#connect-status").textContent = t("connectedStatus", { version: state.version });
  }
  renderAll();
  if (state.vm.loaded) refreshVms().catch(() => {});
  else if (!active()) resetVms();
  else if (lastChart) renderChart(lastChart);
}

// ---- wiring ----------------------------------------------------------------------------------

function wire() {
  $("#connect-form").addEventListener("submit", guard(() => busy($("#connect-btn"), connect)));
  $("#language").addEventListener("change", guard(onLanguageChange));
  $("#source").addEventListener("change", guard(onSourceChange));
  $("#login-form").addEventListener("submit", guard(() => busy($("#login-btn"), login)));
  $("#logout-btn").addEventListener("click", guard(() => busy($("#logout-btn"), logout)));
  $("#issue-form").addEventListener("submit", guard(() => busy($("#issue-btn"), issueKey)));
  $("#keys-refresh").addEventListener("click", guard(() => busy($("#keys-refresh"), refreshKeys)));
  $("#revoke-secret-form").addEventListener("submit", guard(revokeBySecret));
  $("#use-key-form").addEventListener("submit", guard(() => busy($("#use-key-btn"), onUseKeySubmit)));
  $("#back-to-token").addEventListener("click", guard(() => switchToToken(t("switchedToToken"))));
  $("#remember").addEventListener("change", guard(onRememberChange));
  $("#vm-filter").addEventListener("submit", guard(() => refreshVms({ resetPage: true })));
  $("#vm-name").addEventListener("input", () => {
    clearTimeout(vmDebounce);
    vmDebounce = setTimeout(guard(() => refreshVms({ resetPage: true })), 350);
  });
  for (const id of ["#vm-status", "#vm-sort", "#vm-page-size"]) $(id).addEventListener("change", guard(() => refreshVms({ resetPage: true })));
  $("#vm-prev").addEventListener("click", guard(() => page(-1)));
  $("#vm-next").addEventListener("click", guard(() => page(1)));
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
