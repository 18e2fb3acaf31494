// What the page knows: the connection, the credentials in memory, the VM list's filters; and the
// clients made from them. Every other module reads and changes this one object.

import { CloudTowerClient } from "/pkg/web.mjs";
import { language } from "./i18n.mjs";
import { logActivity } from "./activity.mjs";
import { afterRequest } from "./pair.mjs";

export const state = {
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

export function makeClient(endpoint) {
  const onResponse = (summary) => {
    logActivity(summary);
    afterRequest();
  };
  return new CloudTowerClient({ endpoint, language: language(), timeoutMs: 30_000, onResponse });
}

/** The client of the credential in use: the API key if one is in use, else the session token. */
export const active = () => state.key?.client ?? state.token ?? null;

/** Per-call options: the language can change after the client was made. */
export const callOptions = (extra = {}) => ({ language: language(), ...extra });
