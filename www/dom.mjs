// Small DOM helpers. Every string, from the server or not, goes into the page as text
// (textContent / attributes); nothing here parses HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * Builds an element: h("td", { class: "num", title: x }, "text", child, ...).
 * Attributes are set with setAttribute (never `style`, which the CSP would refuse); `on*` keys
 * take functions and become listeners; children are nodes or strings (text nodes).
 */
export function h(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** The same for SVG elements. */
export function s(tag, attrs = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "style") throw new Error("inline styles are not allowed by the CSP: use a class");
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** Replaces an element's children (nothing when called without children: empties it). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Bytes as GiB/MiB text; numbers may be floats (CloudTower's "integers" sometimes are). */
export function formatBytes(bytes) {
  if (typeof bytes !== "number" || !Number.isFinite(bytes)) return "—";
  if (bytes >= GiB) {
    const v = bytes / GiB;
    return `${Number.isInteger(v) ? v : v.toFixed(1)} GiB`;
  }
  if (bytes >= MiB) return `${Math.round(bytes / MiB)} MiB`;
  return `${Math.round(bytes)} B`;
}

export function formatNumber(n, lang) {
  return typeof n === "number" && Number.isFinite(n) ? n.toLocaleString(lang) : "—";
}

/** "10.0.0.1,10.0.0.2" (CloudTower's `ips`) → ["10.0.0.1", "10.0.0.2"]. */
export function splitIps(ips) {
  if (Array.isArray(ips)) return ips.map(String).filter(Boolean);
  if (typeof ips !== "string") return [];
  return ips.split(/[,\s]+/).map((ip) => ip.trim()).filter(Boolean);
}

export function initials(name) {
  const words = String(name ?? "?").trim().split(/[\s._-]+/).filter(Boolean);
  return (words.length > 1 ? words[0][0] + words[1][0] : (words[0] ?? "?").slice(0, 2)).toUpperCase();
}

/** A status badge; unknown statuses get the neutral style. */
export function statusBadge(status) {
  const known = ["RUNNING", "STOPPED", "SUSPENDED", "UNKNOWN", "DELETED"];
  const value = typeof status === "string" && status ? status : "UNKNOWN";
  const cls = known.includes(value) ? value.toLowerCase() : "other";
  return h("span", { class: `badge badge-${cls}` }, h("span", { class: "badge-dot", "aria-hidden": "true" }), value);
}
