// API keys with the session token: issue (the one-time secret panel), list, revoke by row or by
// secret, behind an in-page confirmation.

import { isCloudTowerError } from "/pkg/web.mjs";
import { h, $, fill } from "./dom.mjs";
import { t } from "./i18n.mjs";
import { state, callOptions } from "./state.mjs";
import { showError, showLocalError, clearError, showNotice, guard, busy } from "./feedback.mjs";
import { renderKeys, renderSessionKeys, keyRows } from "./views.mjs";
import { useKey, dropKeyIfRevoked } from "./use-key.mjs";

const MASK = "•".repeat(32);
const DELETE_BY_ID = "mutation deleteApiKeyById($id: ID!) { deleteApiKey(where: { id: $id }) { id } }";

/** Masks the revealed secret of the panel on screen (nothing when none is revealed). */
let maskSecret = () => {};
export const hideSecret = () => maskSecret();

export async function issueKey() {
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

/**
 * The one-time panel of a newly issued key: masked, reveal, copy, use, dismiss. A revealed key
 * is masked again once copied, and when the page is hidden (another tab, a screen share ends).
 */
function showSecret(id) {
  const entry = state.sessionKeys.get(id);
  const slot = $("#secret-slot");
  maskSecret = () => {};
  if (!entry) return fill(slot);
  const value = h("code", { id: "secret-value", class: "secret-value is-masked", "data-masked": "true" }, MASK);
  const status = h("span", { id: "copy-status", class: "status-text", role: "status", "aria-live": "polite" });
  const reveal = h("button", { type: "button", id: "reveal-btn", class: "btn btn-small btn-secondary", "aria-pressed": "false", "aria-controls": "secret-value" }, t("reveal"));
  const show = (revealed) => {
    const current = state.sessionKeys.get(id);
    if (!current) return;
    value.textContent = revealed ? current.key : MASK;
    value.classList.toggle("is-masked", !revealed);
    value.dataset.masked = String(!revealed);
    reveal.setAttribute("aria-pressed", String(revealed));
    reveal.textContent = revealed ? t("hide") : t("reveal");
  };
  maskSecret = () => show(false);
  reveal.addEventListener("click", () => show(value.dataset.masked === "true"));
  const copy = h("button", { type: "button", id: "copy-btn", class: "btn btn-small btn-secondary" }, t("copy"));
  copy.addEventListener("click", guard(async () => {
    const current = state.sessionKeys.get(id);
    if (!current) return;
    try {
      await navigator.clipboard.writeText(current.key);
      show(false);
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
    maskSecret = () => {};
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

export async function refreshKeys() {
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

/** The key table's buttons (drawn by views.mjs): use or revoke the key of their row. */
export function onKeyTableClick(event) {
  const button = event.target.closest("button[data-action]");
  const id = button?.closest("tr[data-key-id]")?.dataset.keyId;
  const record = keyRows().find((r) => r.id === id);
  if (!record) return;
  if (button.dataset.action === "use") return busy(button, () => useKey({ id: record.id }));
  return revokeRecord(record);
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

export async function revokeBySecret() {
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
  if (id && $("#secret-panel")?.dataset.keyId === id) {
    maskSecret = () => {};
    fill($("#secret-slot"));
  }
  showNotice(alreadyRevoked ? t("revokedAlready", { name }) : t("revoked", { name }));
  await dropKeyIfRevoked({ id, secret });
  renderSessionKeys();
  await refreshKeys();
  // The revoked row (and its button, which had focus) is gone: keep the keyboard in the card.
  if (document.activeElement === document.body) $("#key-name").focus();
}
