// Shared pieces of the benchmark (and of tests/hostile): the simulator in a child process,
// statistics, and formatting.

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SIM_CLI = fileURLToPath(new URL("../tests/sim/cli.mjs", import.meta.url));

/**
 * Starts the simulator in its own process (so its CPU time and heap are not the bench's), on
 * 127.0.0.1 with a free port. Resolves { url, close() } once it listens.
 */
export function startSimProcess({ vms, seed = 1, args = [] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [SIM_CLI, "--host", "127.0.0.1", "--port", "0", "--vms", String(vms), "--seed", String(seed), "--lockout-threshold", "0", "--quiet", ...args],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const lines = createInterface({ input: child.stdout });
    const onExit = (code) => reject(new Error(`simulator exited (${code}) before listening: ${stderr}`));
    child.once("exit", onExit);
    child.once("error", reject);
    lines.once("line", (url) => {
      child.off("exit", onExit);
      child.stdout.resume(); // keep draining the inventory summary
      const close = () =>
        new Promise((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once("exit", () => done());
          child.kill("SIGTERM");
        });
      resolve({ url: url.trim(), close, pid: child.pid });
    });
  });
}

/** Nearest-rank quantile of a numeric sample (q in [0, 1]). */
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values) => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** { median, p10, p90, min, max, n } of a sample. */
export function summary(values) {
  return {
    median: median(values),
    p10: quantile(values, 0.1),
    p90: quantile(values, 0.9),
    min: Math.min(...values),
    max: Math.max(...values),
    n: values.length,
  };
}

export const formatMs = (ms) => (ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`);

export function formatBytes(bytes) {
  const sign = bytes < 0 ? "-" : "";
  const b = Math.abs(bytes);
  if (b >= 1024 * 1024) return `${sign}${(b / 1024 / 1024).toFixed(2)} MiB`;
  if (b >= 1024) return `${sign}${(b / 1024).toFixed(1)} KiB`;
  return `${sign}${b} B`;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
