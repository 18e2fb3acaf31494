// Switching the page between English and Chinese; the server's own messages follow per call.

import { $ } from "./dom.mjs";
import { setLanguage } from "./i18n.mjs";
import { state, makeClient } from "./state.mjs";
import { renderAll } from "./views.mjs";
import { redrawVms } from "./vms.mjs";
import { showConnected } from "./connect.mjs";
import { renderPair } from "./pair.mjs";

export function onLanguageChange() {
  setLanguage($("#language").value);
  // Without a credential the connection client is simply remade; a signed-in client keeps its
  // language for key management and gets the new one per call (call / graphql).
  if (!state.token && !state.key && state.base) {
    try {
      state.base = makeClient(state.endpoint);
    } catch {
      // The endpoint was validated when connecting.
    }
  }
  showConnected();
  renderPair();
  renderAll();
  redrawVms();
}
