// Draws the credential parts of the page from `state`: who is signed in, the credential in use,
// the key list and the picker of keys issued here. Drawing only: the buttons it draws carry a
// data-action that the keys module answers (one listener on the table).

import { h, $, fill, initials } from "./dom.mjs";
import { t } from "./i18n.mjs";
import { state, active } from "./state.mjs";

export function renderSessionKeys() {
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

function rolesText(roles) {
  if (!Array.isArray(roles) || roles.length === 0) return "—";
  return roles.map((r) => r?.preset ?? r?.name ?? "custom").join(", ");
}

/** The rows the key table shows: the server's list, or the keys issued here when it has none. */
export function keyRows() {
  return state.listSupported === false
    ? [...state.sessionKeys.values()].map((k) => ({ id: k.id, name: k.name, username: state.user?.username ?? null, roles: k.roles }))
    : state.keyList;
}

export function renderKeys() {
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
  const rows = keyRows();
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
          ? h("button", { type: "button", class: "btn btn-small btn-secondary key-use", "data-action": "use", "aria-label": `${t("use")} ${record.name}` }, t("use"))
          : null,
        h("button", { type: "button", class: "btn btn-small btn-danger-ghost key-revoke", "data-action": "revoke", "aria-label": `${t("revoke")} ${record.name}` }, t("revoke"))));
  }));
}

export function renderAll() {
  renderUser();
  renderCredential();
  renderKeys();
  renderSessionKeys();
}
