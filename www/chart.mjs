// VMs by status: a horizontal bar chart drawn as inline SVG by this code (no chart library).
// Colours come from CSS classes (the CSP forbids inline styles); each bar is a keyboard-usable
// button that filters the VM list by its status.

import { s, h } from "./dom.mjs";
import { t } from "./i18n.mjs";

const ROW = 34;
const LABEL_W = 96;
const BAR_X = LABEL_W + 8;
const BAR_MAX = 380;
// Room for the count and the percentage after the bar (their leading spaces included).
const WIDTH = BAR_X + BAR_MAX + 84;

/**
 * @param {{status: string, count: number}[]} data
 * @param {{selected?: string, onSelect?: (status: string) => void, lang?: string}} options
 * @returns {Element}
 */
export function statusChart(data, { selected = "", onSelect, lang } = {}) {
  const total = data.reduce((sum, d) => sum + d.count, 0);
  const max = Math.max(1, ...data.map((d) => d.count));
  const height = data.length * ROW + 30;
  const parts = data.map((d) => `${d.status} ${d.count}`).join(", ");
  const svg = s("svg", {
    class: "chart-svg",
    viewBox: `0 0 ${WIDTH} ${height}`,
    role: "group",
    "aria-label": t("chartAria", { parts }),
  });
  data.forEach((d, i) => {
    const y = i * ROW + 4;
    const width = d.count === 0 ? 0 : Math.max(3, Math.round((d.count / max) * BAR_MAX));
    const pct = total ? Math.round((d.count / total) * 100) : 0;
    const cls = d.status.toLowerCase();
    const value = d.count.toLocaleString(lang);
    const select = () => onSelect?.(selected === d.status ? "" : d.status);
    const g = s("g", {
      class: `chart-row chart-${cls}${selected === d.status ? " is-selected" : ""}`,
      role: "button",
      tabindex: "0",
      "aria-pressed": selected === d.status ? "true" : "false",
      // The name is the bar's visible text (what a speech-input user says); the group says what it does.
      "aria-label": `${d.status} ${value} ${pct}%`,
      "data-status": d.status,
      onclick: select,
      onkeydown: (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          select();
        }
      },
    },
    s("rect", { class: "chart-hit", x: 0, y: y - 3, width: WIDTH, height: ROW - 2, rx: 6 }),
    s("rect", { class: "chart-track", x: BAR_X, y: y + 4, width: BAR_MAX, height: 18, rx: 4 }),
    s("rect", { class: "chart-bar", x: BAR_X, y: y + 4, width, height: 18, rx: 4 }),
    // One text element, spaces between its parts: its text reads exactly as the bar's name.
    s("text", { y: y + 17 },
      s("tspan", { class: "chart-label", x: LABEL_W, "text-anchor": "end" }, d.status),
      s("tspan", { class: "chart-value", x: BAR_X + BAR_MAX + 8 }, ` ${value}`),
      s("tspan", { class: "chart-pct", dx: 2 }, ` ${pct}%`)));
    svg.append(g);
  });
  svg.append(s("text", { class: "chart-total", x: BAR_X, y: height - 6 }, `Σ ${total.toLocaleString(lang)}`));
  return h("div", { class: "chart-box" }, svg);
}
