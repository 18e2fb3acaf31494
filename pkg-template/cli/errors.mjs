// Exit statuses and error reporting of the cloudtower CLI. The table is part of the CLI's
// contract: scripts branch on these numbers, so a code keeps its number forever.

import { visible } from "./text.mjs";

/** Error code → exit status. The client's codes, then the CLI's own (USAGE, IO, INTERNAL). */
export const EXIT_CODES = Object.freeze({
  INTERNAL: 1,
  USAGE: 2,
  INVALID_ARGUMENT: 3,
  NETWORK: 4,
  TIMEOUT: 5,
  ABORTED: 6,
  HTTP: 7,
  UNAUTHORIZED: 8,
  FORBIDDEN: 9,
  MFA_REQUIRED: 10,
  NOT_FOUND: 11,
  RESOURCE_LOCKED: 12,
  GRAPHQL: 13,
  DECODE: 14,
  UNSUPPORTED: 15,
  OUTCOME_UNKNOWN: 16,
  TASK_FAILED: 17,
  IO: 18,
  NO_ACTIVE_ENDPOINT: 19,
  MULTIPLE_ACTIVE_ENDPOINTS: 20,
  FAILOVER_REQUIRED: 21,
  COMMAND_NOT_EXECUTABLE: 126,
  COMMAND_NOT_FOUND: 127,
  INTERRUPTED: 130, // 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP
});

/** What each status means, for the help text and the README. */
export const EXIT_CODE_MEANINGS = [
  [0, "", "success"],
  [1, "INTERNAL", "unexpected failure (a bug: please report it)"],
  [2, "USAGE", "bad command line, no endpoint/credentials, a secret as an option"],
  [3, "INVALID_ARGUMENT", "the client refused an argument (endpoint, operation, language, ...)"],
  [4, "NETWORK", "no answer: connection refused, DNS, untrusted TLS certificate, ..."],
  [5, "TIMEOUT", "no answer within --timeout; wait: tasks not done by --wait-timeout"],
  [6, "ABORTED", "the request was aborted"],
  [7, "HTTP", "the server answered with an error status not listed below"],
  [8, "UNAUTHORIZED", "wrong password, or an invalid, expired or revoked token or key"],
  [9, "FORBIDDEN", "the credential is valid but not allowed to do this"],
  [10, "MFA_REQUIRED", "the user has two-factor authentication: use an API key"],
  [11, "NOT_FOUND", "operation not on the server, missing resource, unknown task id"],
  [12, "RESOURCE_LOCKED", "the resource is locked by another operation"],
  [13, "GRAPHQL", "the GraphQL API answered with errors"],
  [14, "DECODE", "the answer could not be understood"],
  [15, "UNSUPPORTED", "the server or this Node.js lacks a needed feature"],
  [16, "OUTCOME_UNKNOWN", "a change was sent but its outcome is unknown: check before retrying"],
  [17, "TASK_FAILED", "wait: at least one task ended FAILED"],
  [18, "IO", "a local file or stdin: unreadable, unwritable, --out-file exists; a key not delivered"],
  [19, "NO_ACTIVE_ENDPOINT", "an active/passive pair: no node is active (each node's failure listed)"],
  [20, "MULTIPLE_ACTIVE_ENDPOINTS", "an active/passive pair: several nodes claim to be active"],
  [21, "FAILOVER_REQUIRED", "an active/passive pair: the node became passive (307), nothing done"],
  [126, "COMMAND_NOT_EXECUTABLE", "exec: the command could not be run (permission)"],
  [127, "COMMAND_NOT_FOUND", "exec: the command was not found"],
  ["128+N", "INTERRUPTED", "signal N: 130 Ctrl-C, 143 SIGTERM (exec: the command's death by N)"],
  ["other", "", "exec: the command's own exit status"],
];

/** An error of the CLI itself (not of the client): USAGE, IO, INTERRUPTED, INTERNAL, ... */
export class CliError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.name = "CliError";
    this.code = code;
    Object.assign(this, extra);
  }
}

export const usage = (message) => new CliError("USAGE", message);
export const io = (message) => new CliError("IO", message);

/** The exit status of any thrown value. */
export function exitCodeOf(error) {
  if (error?.exitCode !== undefined) return error.exitCode;
  return EXIT_CODES[error?.code] ?? EXIT_CODES.INTERNAL;
}

const TLS_FAILURE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|unable to verify|self[- ]signed|ERR_TLS|certificate/i;

/** A hint appended to a message when the fix is obvious, else "". */
function hint(error, context) {
  if (error?.code === "NETWORK" && TLS_FAILURE.test(error.message ?? "")) {
    return context.tlsOptionsUsed
      ? "; the server's certificate is not trusted by --ca (is it the right CA file?)"
      : "; the server's TLS certificate is not trusted: pass --ca FILE with the CA certificate that signed it (or --insecure to skip verification, at your own risk)";
  }
  if (error?.code === "UNAUTHORIZED" && context.credentialKind) {
    const shadowed = context.shadowed?.length
      ? ` (${context.shadowed.join(" and ")} also set but not used: unset ${context.credentialKind.split("=")[0]} to use ${context.shadowed.length > 1 ? "them" : "it"})`
      : "";
    return `; credential from ${context.credentialKind}${shadowed}`;
  }
  return "";
}

/** One object describing the error, without secrets (the client's messages are redacted). */
export function describeError(error, context = {}) {
  const code = typeof error?.code === "string" && (error.code in EXIT_CODES) ? error.code : "INTERNAL";
  const message = (code === "INTERNAL" && !(error instanceof CliError)
    ? `unexpected failure: ${error?.stack ?? error}`
    : String(error?.message ?? error)) + hint(error, context);
  const out = { code, exitCode: exitCodeOf(error), message };
  for (const field of ["status", "requestId", "operation", "step"]) {
    if (error?.[field] !== undefined && error[field] !== null && error[field] !== 0) out[field] = error[field];
  }
  if (Array.isArray(error?.failedTasks)) out.failedTasks = error.failedTasks;
  if (error?.errorBody && typeof error.errorBody === "object") {
    const { stack: _stack, ...body } = error.errorBody;
    out.errorBody = body;
  }
  if (Array.isArray(error?.graphqlErrors)) {
    out.graphqlErrors = error.graphqlErrors.map((e) => ({ message: e.message, code: e.extensions?.code }));
  }
  if (error?.revokeError) out.revokeError = describeError(error.revokeError, context);
  return out;
}

/** `error [CODE] message (request id …)`: one line for a terminal or a log, server text made visible. */
export function formatError(described) {
  let line = `error [${described.code}] ${visible(described.message.replace(/\s*\n\s*/g, " "))}`;
  const extra = [];
  if (described.step) extra.push(`step ${visible(described.step)}`);
  if (described.requestId) extra.push(`request id ${visible(described.requestId)}`);
  if (extra.length) line += ` (${extra.join(", ")})`;
  return line;
}

export function describeFailedTask(task) {
  const what = [task.error_code, task.error_message].filter(Boolean).join(": ") || "no error message";
  return `task ${task.id}: ${what}`;
}
