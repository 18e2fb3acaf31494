// The VM list with the credential in use: filters, sort, pages, and the status chart.

import { h, $, fill, formatBytes, formatNumber, splitIps, statusBadge } from "./dom.mjs";
import { statusChart } from "./chart.mjs";
import { t, language } from "./i18n.mjs";
import { state, active, callOptions } from "./state.mjs";
import { showError, clearError, guard } from "./feedback.mjs";

const STATUSES = ["RUNNING", "STOPPED", "SUSPENDED", "UNKNOWN", "DELETED"];
const ALWAYS_CHARTED = new Set(["RUNNING", "STOPPED", "SUSPENDED", "UNKNOWN"]);

let vmController = null;
let vmDebounce = null;
let lastChart = null;

function readVmFilters() {
  state.vm.name = $("#vm-name").value.trim();
  state.vm.status = $("#vm-status").value;
  state.vm.sort = $("#vm-sort").value;
  state.vm.first = Number($("#vm-page-size").value) || 25;
}

export function resetVms() {
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

export async function refreshVms({ resetPage = false } = {}) {
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

/** Typing in the name filter: one refresh once the typing pauses. */
export function refreshSoon() {
  clearTimeout(vmDebounce);
  vmDebounce = setTimeout(guard(() => refreshVms({ resetPage: true })), 350);
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

/** After a language change: reload what was loaded, or redraw what is shown. */
export function redrawVms() {
  if (state.vm.loaded) refreshVms().catch(() => {});
  else if (!active()) resetVms();
  else if (lastChart) renderChart(lastChart);
}

export function page(delta) {
  const next = Math.max(0, state.vm.skip + delta * state.vm.first);
  if (next === state.vm.skip && delta < 0) return;
  state.vm.skip = next;
  return refreshVms();
}
