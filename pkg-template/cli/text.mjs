// Server text made safe for a terminal: control characters shown, widths in display columns,
// cuts between characters. JSON output keeps its values exact (escapes only).

import stringWidth from "string-width";

// What lets a string act on a terminal instead of being shown: C0 and C1 control characters
// (ESC starts OSC 52 clipboard writes, title changes, cursor moves; U+009B is a one-character
// CSI), DEL, the bidirectional overrides and isolates (they reorder what is shown), and lone
// surrogates (printed as U+FFFD).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const escapeCode = (c) => {
  const code = c.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
};

/** `text` with every character that could act on a terminal shown as `\xNN` / `\uNNNN`. */
export const visible = (text) => String(text).replace(UNSAFE, escapeCode);

// What JSON.stringify leaves raw among those: DEL, C1 and the bidirectional controls (it escapes
// C0 and lone surrogates itself; the newlines of pretty-printing must stay).
const RAW_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Whether `text` holds any of them. */
export const hasRawControls = (text) => /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text);

/** JSON text with those characters as \uNNNN escapes: the same value, inert on a terminal. */
export const inertJson = (jsonText) => jsonText.replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Display columns of (already visible) text: East Asian wide characters and emoji count 2. */
export const columnsOf = (text) => stringWidth(text);

/** `text` cut to at most `max` display columns, ending in "…" when cut; never splits a character. */
export function truncate(text, max) {
  if (stringWidth(text) <= max) return text;
  let out = "";
  let width = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = stringWidth(segment);
    if (width + w > max - 1) break;
    out += segment;
    width += w;
  }
  return `${out}…`;
}
