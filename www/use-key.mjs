// Using an API key: one issued here or pasted, switching back to the session token, and the
// opt-in "remember the key in use for this tab" (sessionStorage, the key in use only).

import { isCloudTowerError } from "/pkg/web.mjs";
import { $ } from "./dom.mjs";
import { t } from "./i18n.mjs";
import { state, active } from "./state.mjs";
import { showError, showLocalError, clearError, showNotice } from "./feedback.mjs";
import { renderAll } from "./views.mjs";
import { refreshVms, resetVms } from "./vms.mjs";

const TAB_STORAGE_KEY = "cloudtower-console:remembered-api-key";

export async function useKey({ id, secret, origin = "pasted" }) {
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

export async function onUseKeySubmit() {
  const pasted = $("#paste-key").value.trim();
  const picked = $("#session-key").value;
  if (pasted) return useKey({ secret: pasted });
  if (picked) return useKey({ id: picked });
  return showLocalError("#use-key-error", t("needKey"));
}

export function switchToToken(message = t("switchedToToken"), kind = "info") {
  state.key = null;
  forgetRemembered();
  renderAll();
  showNotice(message, kind);
  if (active()) refreshVms({ resetPage: false }).catch(() => {});
  else resetVms();
}

/** After a revoke: the key in use is dropped if it was the one; a pasted key is checked. */
export async function dropKeyIfRevoked({ id, secret }) {
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
}

function remember() {
  if (!state.key) return;
  sessionStorage.setItem(TAB_STORAGE_KEY, JSON.stringify({ v: 1, endpoint: state.endpoint, name: state.key.name, key: state.key.secret }));
}

export function forgetRemembered() {
  try {
    sessionStorage.removeItem(TAB_STORAGE_KEY);
  } catch {
    // Storage may be unavailable (privacy modes); nothing was stored then.
  }
}

export function onRememberChange() {
  if ($("#remember").checked) remember();
  else forgetRemembered();
}

export async function restoreRemembered() {
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
