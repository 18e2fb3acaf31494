// Output formats of the cloudtower CLI: -o table|json|ndjson|yaml (--json is -o json), field
// selection (--fields), and list writers that print row by row, so that `--all` holds one page
// at a time, never the whole list.

import { once } from "node:events";
import { usage } from "./errors.mjs";
import { visible, inertJson, hasRawControls, truncate, columnsOf } from "./text.mjs";

export const FORMATS = ["table", "json", "ndjson", "yaml"];
const BUFFER_LIMIT = 1 << 20; // characters

/**
 * The output format: -o/--output, --json, else a table on a terminal and JSON otherwise. For
 * `key create`/`key rotate`, an --output that is not a format is the old spelling of --out-file.
 */
export function outputFormat(ctx, { table = true, fallback } = {}) {
  const { values } = ctx;
  let format = values.output;
  if (format !== undefined && !FORMATS.includes(format)) throw usage(`-o/--output takes ${FORMATS.join(", ")}`);
  if (values.json) {
    if (format !== undefined && format !== "json") throw usage("--json is -o json: it excludes -o " + format);
    format = "json";
  }
  format ??= fallback ?? (table && process.stdout.isTTY ? "table" : "json");
  if (format === "table" && !table) throw usage(`\`cloudtower ${ctx.command}\` has no table output: use -o json, ndjson or yaml`);
  return format;
}

/** --fields a,b.c → ["a", "b.c"], or null. */
export function selectedFields(ctx) {
  const text = ctx.values.fields;
  if (text === undefined) return null;
  const fields = text.split(",").map((f) => f.trim()).filter(Boolean);
  if (!fields.length || fields.some((f) => !/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/.test(f))) {
    throw usage("--fields takes field names separated by commas, e.g. id,name,cluster.name");
  }
  return fields;
}

const valueAt = (record, path) => path.split(".").reduce((v, key) => (v === null || v === undefined ? undefined : v[key]), record);

/** The record with only `fields` (dotted paths become keys as written), or the record itself. */
export function pick(record, fields) {
  if (!fields || record === null || typeof record !== "object") return record;
  return Object.fromEntries(fields.map((f) => [f, valueAt(record, f) ?? null]));
}

/** Table columns for --fields: one per field, objects shown as compact JSON. */
export function fieldColumns(fields) {
  return fields.map((f) => ({
    header: f.toUpperCase(),
    get: (record) => {
      const v = valueAt(record, f);
      return v !== null && typeof v === "object" ? JSON.stringify(v) : v;
    },
  }));
}

async function write(text) {
  if (!process.stdout.write(text)) await once(process.stdout, "drain");
}

let yamlModule;
/** YAML text of a value (the `yaml` package, loaded on first use). */
export async function yaml(value) {
  yamlModule ??= await import("yaml");
  const text = yamlModule.stringify(value);
  if (!hasRawControls(text)) return text;
  // C1 and bidirectional controls pass through YAML's plain scalars; double-quoted ones carry
  // \uNNNN escapes: the same value, inert on a terminal.
  return inertJson(yamlModule.stringify(value, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "QUOTE_DOUBLE" }));
}

export const jsonText = (value) => `${inertJson(JSON.stringify(value, null, 2))}\n`;

/** Prints one value (not a list) in a format; `human()` gives the table/text form. */
export async function writeValue(format, value, human) {
  if (format === "json") return write(jsonText(value));
  if (format === "ndjson") return write(`${inertJson(JSON.stringify(value))}\n`);
  if (format === "yaml") return write(await yaml(value));
  return write(human());
}

/**
 * Writes a list item by item. Table widths come from the first `firstRows` rows (a page) and
 * hold for the rest, whose cells are cut to them; JSON is one array written element by element,
 * exactly as JSON.stringify(list, null, 2) would print it.
 */
export class ListWriter {
  constructor(format, { columns, fields = null, firstRows = 100, maxCell = 48, beforeWrite = () => {} }) {
    this.beforeWrite = beforeWrite; // e.g. erase a progress bar on the same terminal
    this.format = format;
    this.fields = fields;
    this.columns = fields ? fieldColumns(fields) : columns;
    this.firstRows = firstRows;
    this.maxCell = maxCell;
    this.pending = []; // table rows until the widths are known
    this.widths = null;
    this.count = 0;
    this.buffer = ""; // text not written yet: at most a page, or BUFFER_LIMIT
    this.scheduled = null;
  }

  /**
   * Queues text. It is written when the items that arrived together are all queued (the next
   * turn of the event loop: paginate then waits for the next page) or BUFFER_LIMIT is reached:
   * one write per page rather than per item, and nothing held back while the next page loads.
   */
  async queue(text) {
    this.buffer += text;
    if (this.buffer.length >= BUFFER_LIMIT) return this.flush();
    // A scheduled write still waiting for the reader (a full pipe) holds the list back, so no
    // more pages are fetched than the reader takes: memory stays bounded by a page.
    if (this.writing) await this.writing;
    this.scheduled ??= setImmediate(() => {
      this.scheduled = null;
      this.writing = this.flush().finally(() => {
        this.writing = null;
      });
      this.writing.catch(() => {}); // reported by the next queue() or end(), which await it
    });
  }

  async flush() {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = null;
    if (this.writing) await this.writing;
    if (!this.buffer) return;
    const text = this.buffer;
    this.buffer = "";
    this.beforeWrite();
    await write(text);
  }

  async add(item) {
    this.count += 1;
    const record = pick(item, this.fields);
    if (this.format === "ndjson") return this.queue(`${inertJson(JSON.stringify(record))}\n`);
    if (this.format === "json") {
      const text = inertJson(JSON.stringify(record, null, 2)).replace(/\n/g, "\n  ");
      return this.queue(`${this.count === 1 ? "[\n" : ",\n"}  ${text}`);
    }
    if (this.format === "yaml") return this.queue(await yaml([record]));
    const cells = this.columns.map((c) => this.cell(c.get(item)));
    if (this.widths) return this.queue(this.line(cells.map((v, i) => truncate(v, this.widths[i]))));
    this.pending.push(cells);
    if (this.pending.length >= this.firstRows) await this.flushTable();
  }

  cell(value) {
    return truncate(visible(value === null || value === undefined || value === "" ? "-" : value), this.maxCell);
  }

  line(cells) {
    return `${cells.map((v, i) => {
      const fill = " ".repeat(Math.max(0, this.widths[i] - columnsOf(v)));
      return this.columns[i].right ? fill + v : v + fill;
    }).join("  ").trimEnd()}\n`;
  }

  async flushTable() {
    this.widths = this.columns.map((c, i) => Math.max(columnsOf(c.header), ...this.pending.map((r) => columnsOf(r[i]))));
    const rows = [this.columns.map((c) => c.header), ...this.pending];
    this.pending = [];
    await this.queue(rows.map((r) => this.line(r)).join(""));
  }

  /** Ends the list; returns how many items it had. */
  async end() {
    if (this.format === "json") await this.queue(this.count === 0 ? "[]\n" : "\n]\n");
    else if (this.format === "yaml" && this.count === 0) await this.queue("[]\n");
    else if (this.format === "table" && !this.widths && this.count > 0) await this.flushTable();
    await this.flush();
    return this.count;
  }
}
