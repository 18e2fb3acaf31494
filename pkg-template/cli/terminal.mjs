// Terminal helpers of the cloudtower CLI: hidden prompts, standard input, progress bars, tables.

import { CliError, io } from "./errors.mjs";
import { visible, truncate, columnsOf } from "./text.mjs";

/**
 * Reads a secret from the terminal on stdin without echoing it, with the maintained
 * @inquirer/password prompt (loaded only when a prompt is needed). The prompt goes to stderr, so
 * stdout stays clean for pipes; Ctrl-C (or closing the terminal) is an interruption (exit 130).
 */
export function promptHidden(prompt, streams) {
  return ask("@inquirer/password", { mask: false }, prompt, streams);
}

/** Reads a line (a user name) from the terminal, echoed, with @inquirer/input; as promptHidden. */
export function promptText(prompt, streams) {
  return ask("@inquirer/input", {}, prompt, streams);
}

async function ask(module, options, prompt, { stdin = process.stdin, stderr = process.stderr } = {}) {
  if (!stdin.isTTY || typeof stdin.setRawMode !== "function") throw new CliError("USAGE", "cannot prompt: standard input is not a terminal");
  const { default: question } = await import(module);
  const plain = (text) => text;
  try {
    return await question(
      { ...options, message: visible(prompt.trimEnd()), theme: { prefix: "", style: { message: plain, answer: plain, help: () => "" } } },
      { input: stdin, output: stderr },
    );
  } catch (error) {
    if (error?.name === "ExitPromptError") throw new CliError("INTERRUPTED", "interrupted at the prompt", { exitCode: 130 });
    throw error;
  }
}

/**
 * Bytes of a file or of standard input as text: UTF-8, or UTF-16 when a byte-order mark says so
 * (PowerShell's `>` writes UTF-16LE, Notepad may write a UTF-8 BOM); the BOM is dropped.
 */
export function decodeText(bytes) {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString("utf16le");
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2, bytes.length - (bytes.length % 2))).swap16().toString("utf16le");
  const text = bytes.toString("utf8");
  return text.startsWith("\ufeff") ? text.slice(1) : text;
}

/** All of standard input as text (for `--stdin`, `--body -`). */
export async function readStdin(stdin = process.stdin) {
  const chunks = [];
  try {
    for await (const chunk of stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  } catch (error) {
    throw io(`cannot read standard input: ${error.message}`);
  }
  return decodeText(Buffer.concat(chunks));
}

/**
 * Secrets from standard input, one per non-empty line: hidden prompt on a terminal, else every
 * line of the pipe or file. Surrounding whitespace is dropped.
 */
export async function readSecrets(what, { prompt, stdin = process.stdin } = {}) {
  const text = stdin.isTTY ? await promptHidden(prompt ?? `${what} (input hidden): `) : await readStdin(stdin);
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0) throw io(`no ${what} on standard input`);
  return lines;
}

/** A progress bar on stderr, drawn only when stderr is a terminal; at most 10 redraws a second. */
export class ProgressBar {
  constructor(label, { stream = process.stderr, enabled = Boolean(stream.isTTY) } = {}) {
    this.label = label;
    this.stream = stream;
    this.enabled = enabled;
    this.lastDraw = 0;
    this.drawn = false;
  }

  /** `share` (0..1) overrides done/total for the bar's length, e.g. tasks' own progress. */
  update(done, total, unit = "", share = undefined) {
    if (!this.enabled) return;
    const now = Date.now();
    const complete = total !== undefined && total !== null && done >= total;
    if (!complete && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const columns = this.stream.columns || 80;
    let line;
    if (typeof total === "number" && total > 0) {
      const fraction = Math.max(0, Math.min(1, share ?? done / total));
      const counts = `${done}/${total}${unit ? ` ${unit}` : ""}`;
      const width = Math.max(10, Math.min(40, columns - this.label.length - counts.length - 12));
      const filled = Math.round(fraction * width);
      line = `${this.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${counts}`;
    } else {
      line = `${this.label} ${done}${unit ? ` ${unit}` : ""}`;
    }
    this.stream.write(`\r${line.slice(0, columns - 1)}\u001b[K`);
    this.drawn = true;
  }

  /** Erases the bar (the result that follows is printed on a clean line). */
  done() {
    if (this.drawn) this.stream.write("\r\u001b[K");
    this.drawn = false;
  }
}

/**
 * Renders rows as an aligned text table: cells made visible, cut to `maxCell` display columns
 * with "…", padded by display columns (a CJK character takes two).
 */
export function table(columns, rows, { maxCell = 48 } = {}) {
  const cell = (value) => truncate(visible(value === null || value === undefined || value === "" ? "-" : value), maxCell);
  const cells = rows.map((row) => columns.map((c) => cell(c.get(row))));
  const widths = columns.map((c, i) => Math.max(columnsOf(c.header), ...cells.map((r) => columnsOf(r[i]))));
  const pad = (v, i) => {
    const fill = " ".repeat(widths[i] - columnsOf(v));
    return columns[i].right ? fill + v : v + fill;
  };
  const line = (values) => values.map(pad).join("  ").trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join("\n") + "\n";
}
