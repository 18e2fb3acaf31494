// Endpoint, credentials and TLS for the cloudtower CLI: builds a CloudTowerClient of the package
// itself (no second HTTP client), from the environment and the global options.

import { readFileSync, readSync } from "node:fs";
import { isatty } from "node:tty";
import { CliError, usage, io } from "./errors.mjs";
import { promptHidden } from "./terminal.mjs";
import { visible } from "./text.mjs";
import { selectedProfile } from "./profiles.mjs";

let packagePromise;
/** The package's own Node entry, loaded on first use (so --help never compiles the wasm). */
export function loadPackage() {
  packagePromise ??= import("../index.mjs");
  return packagePromise;
}

const env = (name, environment) => {
  const value = environment[name];
  return typeof value === "string" && value !== "" ? value : undefined;
};

/** `500ms`, `30s`, `5m`, `1h`, or a bare number of seconds → milliseconds. */
export function parseDuration(text, flag) {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(text).trim());
  if (!match) throw usage(`${flag} needs a duration such as 500ms, 30s, 5m or a number of seconds`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? "s"];
  const ms = Math.round(Number(match[1]) * factor);
  if (ms < 1) throw usage(`${flag} must be at least 1ms`);
  return ms;
}

export const SOURCES = ["LOCAL", "LDAP", "AUTHN"];

/**
 * Which credential the environment holds, for a command that needs `need`:
 * "any" (API key, token or password), "optional" (the same, or none), "token" (managing keys: an
 * API key cannot; a token or a password login) or "password" (a password login only).
 */
export function resolveCredential(environment, need, command, { passwordStdin = false, profile = null } = {}) {
  const credential = pickCredential(environment, need, command, passwordStdin, profile);
  // What else the environment holds that this credential shadows, to say so (a stale
  // CLOUDTOWER_TOKEN must not silently win over a valid password).
  const present = [["CLOUDTOWER_API_KEY", "apiKey"], ["CLOUDTOWER_TOKEN", "token"], ["CLOUDTOWER_USERNAME", "password"]]
    .filter(([name, kind]) => env(name, environment) && kind !== credential.kind && (kind !== "apiKey" || need === "any" || need === "optional"));
  credential.shadowed = present.map(([name]) => name);
  if (profile && credential.profile === undefined) credential.shadowed.push(`profile ${profile.name}`);
  return credential;
}

/** Whether two endpoints (or comma-separated pairs) name the same nodes, in the same order. */
const sameEndpoint = (a, b) => {
  const nodes = (list) => list.split(",").map((node) => new URL(node.trim()).href.replace(/\/+$/, ""));
  try {
    return nodes(a).join(",") === nodes(b).join(",");
  } catch {
    return false;
  }
};

/** The endpoint a profile stores: the client's normalised one, or the whole pair. */
export function endpointOf(client, given) {
  return given.includes(",") ? given.split(",").map((node) => node.trim()).filter(Boolean).join(",") : client.endpoint;
}

function pickCredential(environment, need, command, passwordStdin, profile) {
  const apiKey = env("CLOUDTOWER_API_KEY", environment);
  const token = env("CLOUDTOWER_TOKEN", environment);
  const username = env("CLOUDTOWER_USERNAME", environment);
  const password = passwordStdin ? undefined : env("CLOUDTOWER_PASSWORD", environment);
  const fromEnvironment = password !== undefined;
  if (password !== undefined && username === undefined) {
    throw usage("CLOUDTOWER_PASSWORD is set but CLOUDTOWER_USERNAME is not: set both");
  }
  if (passwordStdin && username === undefined) throw usage("--password-stdin needs CLOUDTOWER_USERNAME: set it");
  const login = { kind: "password", username, password, fromEnvironment, label: `CLOUDTOWER_USERNAME=${username}` };
  if (need === "password" || passwordStdin) {
    if (username) return login;
    throw usage(`\`cloudtower ${command}\` needs a password login: set CLOUDTOWER_USERNAME (and CLOUDTOWER_PASSWORD, or be prompted)`);
  }
  if ((need === "any" || need === "optional") && apiKey) return { kind: "apiKey", secret: apiKey, label: "CLOUDTOWER_API_KEY" };
  if (token) return { kind: "token", secret: token, label: "CLOUDTOWER_TOKEN" };
  if (username) return login;
  if (profile) return { kind: "apiKey", secret: profile.key, label: `profile ${profile.name}`, profile: profile.name };
  if (need === "token" && apiKey) {
    throw usage(
      `\`cloudtower ${command}\` needs a token or a password login: CloudTower does not let an API key ` +
        "issue or revoke keys. Set CLOUDTOWER_USERNAME (and CLOUDTOWER_PASSWORD, or be prompted) or CLOUDTOWER_TOKEN",
    );
  }
  if (need === "optional") return { kind: "none", label: "none" };
  throw usage(
    "no credentials: log in with `cloudtower auth login`, or set CLOUDTOWER_API_KEY, or CLOUDTOWER_TOKEN, or " +
      "CLOUDTOWER_USERNAME (with CLOUDTOWER_PASSWORD, or be prompted for the password on a terminal)",
  );
}

/**
 * The `fetch` the client uses: the global one, or undici's with a TLS agent for --insecure /
 * --ca (undici is imported only then). `onLoginToken` sees the token of a login answer: the
 * package's login() keeps its token private, and `login --print-token` needs it.
 */
export async function makeFetch({ insecure, ca, onLoginToken }) {
  let base = globalThis.fetch;
  let close = async () => {};
  if (insecure && ca) throw usage("--insecure and --ca exclude each other: --ca verifies, --insecure does not");
  if (insecure || ca) {
    let connect;
    if (ca) {
      let pem;
      try {
        pem = readFileSync(ca, "utf8");
      } catch (error) {
        throw io(`--ca: cannot read ${ca}: ${error.code ?? error.message}`);
      }
      if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw io(`--ca: ${ca} holds no PEM certificate`);
      connect = { ca: pem };
    } else {
      connect = { rejectUnauthorized: false };
    }
    let undici;
    try {
      undici = await import("undici");
    } catch (error) {
      throw new CliError("UNSUPPORTED", `--insecure and --ca need the undici package (an optional peer dependency of cloudtower-wasm): npm install undici (${error.code ?? error.message})`);
    }
    const dispatcher = new undici.Agent({ connect });
    base = (url, init) => undici.fetch(url, { ...init, dispatcher });
    close = () => dispatcher.close().catch(() => {});
  }
  if (typeof base !== "function") throw new CliError("UNSUPPORTED", "this Node.js has no global fetch: Node 18 or later is needed");
  const fetch = onLoginToken
    ? async (url, init) => {
        const response = await base(url, init);
        if (/\/v2\/api\/login$/.test(new URL(url).pathname) && response.ok) {
          try {
            const token = JSON.parse(await response.clone().text())?.data?.token;
            if (typeof token === "string" && token !== "") onLoginToken(token);
          } catch {
            // not JSON: the package reports it
          }
        }
        return response;
      }
    : base;
  return { fetch, close };
}

/**
 * Connects: a client of the package with the environment's credential (logging in when it is a
 * username and password). `need`: see resolveCredential, or "none". The returned `close()` ends a session
 * the CLI opened itself (logout) unless `keepSession`, and releases the TLS agent.
 */
export async function connect(ctx, { need = "any", onLoginToken, keepSession = false, credential: given, endpoint: fixedEndpoint, useProfile = true } = {}) {
  const { values, environment, command } = ctx;
  // The selected profile: its endpoint comes after --endpoint and CLOUDTOWER_ENDPOINT, its key
  // after every credential of the environment, and only ever to its own endpoint.
  const selection = useProfile ? selectedProfile(values, environment) : { name: null, profile: null, from: null };
  if (selection.profile === null && selection.from !== null && selection.from !== "the current profile") {
    throw usage(`no profile "${selection.name}" (${selection.from}): create it with \`cloudtower auth login --profile ${selection.name}\``);
  }
  const profile = selection.profile;
  const endpoint = fixedEndpoint ?? values.endpoint ?? env("CLOUDTOWER_ENDPOINT", environment) ?? profile?.endpoint;
  if (!endpoint) throw usage("no endpoint: pass --endpoint URL, set CLOUDTOWER_ENDPOINT, or log in with `cloudtower auth login`");
  const source = values.source ?? env("CLOUDTOWER_SOURCE", environment);
  if (source !== undefined && !SOURCES.includes(source)) throw usage(`--source must be one of ${SOURCES.join(", ")}`);
  const passwordStdin = Boolean(values["password-stdin"]);
  let credential = given ?? (need === "none" ? { kind: "none", label: "none", shadowed: [] } : null);
  if (!credential) {
    const usable = profile?.key && (need === "any" || need === "optional") && sameEndpoint(profile.endpoint, endpoint) ? profile : null;
    try {
      credential = resolveCredential(environment, need, command, { passwordStdin, profile: usable && { name: selection.name, key: usable.key } });
    } catch (error) {
      if (error?.code !== "USAGE" || !profile?.key || usable || (need !== "any" && need !== "optional")) throw error;
      throw usage(`profile "${selection.name}" holds a key for ${profile.endpoint}, not for ${endpoint}: its key is only sent to its own endpoint`);
    }
  }
  credential.shadowed ??= [];
  ctx.credentialKind = credential.label;
  ctx.shadowed = credential.shadowed;
  if (credential.shadowed.length) {
    process.stderr.write(`note: using ${credential.kind === "password" ? "CLOUDTOWER_USERNAME" : credential.label}; ` +
      `${credential.shadowed.join(" and ")} ${credential.shadowed.length > 1 ? "are" : "is"} set too and not used (unset what you do not mean to use)\n`);
  }
  const timeoutMs = values.timeout === undefined ? undefined : parseDuration(values.timeout, "--timeout");
  if (values.insecure) process.stderr.write("warning: --insecure: the server's TLS certificate is not verified\n");
  const transport = await makeFetch({ insecure: values.insecure, ca: values.ca, onLoginToken });
  ctx.tlsOptionsUsed = Boolean(values.insecure || values.ca);
  const { CloudTowerClient } = await loadPackage();
  // "A,B" (CLOUDTOWER_ENDPOINT, a repeated --endpoint, a profile) is an active/passive pair.
  const nodes = endpoint.split(",").map((node) => node.trim()).filter(Boolean);
  const options = nodes.length > 1 ? { endpoints: nodes, fetch: transport.fetch } : { endpoint, fetch: transport.fetch };
  if (values.debug || environment.CLOUDTOWER_DEBUG === "1") options.onResponse = debugLine;
  if (values.language !== undefined) options.language = values.language;
  if (timeoutMs !== undefined) options.timeoutMs = timeoutMs;
  if (credential.kind === "apiKey") options.apiKey = credential.secret;
  if (credential.kind === "token") options.token = credential.secret;
  let client;
  try {
    client = new CloudTowerClient(options);
  } catch (error) {
    await transport.close();
    throw renameFields(error, {
      "options.apiKey": "CLOUDTOWER_API_KEY",
      "options.token": "CLOUDTOWER_TOKEN",
      endpoint: values.endpoint === undefined ? "CLOUDTOWER_ENDPOINT" : "--endpoint",
      endpoints: values.endpoint === undefined ? "CLOUDTOWER_ENDPOINT" : "--endpoint",
      language: "--language",
    });
  }
  let loggedIn = false;
  const close = async () => {
    if (loggedIn && !keepSession) {
      try {
        await client.logout();
      } catch (error) {
        process.stderr.write(`warning: could not end the login session: [${error.code}] ${visible(error.message)}\n`);
      }
    }
    await transport.close();
  };
  if (credential.kind === "password") {
    try {
      const password = credential.password ?? (passwordStdin ? readPasswordLine() : await askPassword(credential.username, client.endpoint));
      const login = { username: credential.username, password };
      if (source !== undefined) login.source = source;
      await client.login(login);
      loggedIn = true;
    } catch (error) {
      await transport.close();
      throw renameFields(error, {
        username: "CLOUDTOWER_USERNAME",
        password: credential.fromEnvironment ? "CLOUDTOWER_PASSWORD" : passwordStdin ? "the password on standard input" : "the password",
      });
    }
  }
  return { client, credential, close };
}

/**
 * --debug: one line per HTTP exchange from the client's hook, which never sees a header value or
 * a body; an attempt above 1 is a retry.
 */
function debugLine({ operation, status, durationMs, requestId, attempt, errorCode }) {
  const parts = [`debug: ${operation} ${status === 0 ? "no answer" : status} ${Math.round(durationMs)}ms`];
  if (attempt > 1) parts.push(`retry ${attempt - 1}`);
  if (requestId) parts.push(`request id ${requestId}`);
  if (errorCode) parts.push(errorCode);
  process.stderr.write(`${visible(parts.join(" "))}\n`);
}

/**
 * The client names the option a value came from (`options.apiKey: ...`); the CLI's user set an
 * environment variable or a flag instead: the message names that.
 */
function renameFields(error, names) {
  const field = /^([\w.]+): /.exec(error?.message ?? "")?.[1];
  if (field && names[field]) error.message = `${names[field]}: ${error.message.slice(field.length + 2)}`;
  return error;
}

/**
 * The first line of standard input, read byte by byte so that nothing after it is consumed: with
 * `exec`, the rest of standard input is the command's.
 */
function readPasswordLine() {
  if (isatty(0)) throw usage("--password-stdin reads a pipe or a file, and standard input is a terminal: leave --password-stdin out to be prompted");
  const byte = Buffer.alloc(1);
  const bytes = [];
  for (;;) {
    let n;
    try {
      n = readSync(0, byte, 0, 1, null);
    } catch (error) {
      if (error.code === "EAGAIN") continue; // a non-blocking pipe with nothing yet
      if (error.code === "EOF") break;
      throw io(`--password-stdin: cannot read standard input: ${error.code ?? error.message}`);
    }
    if (n === 0 || byte[0] === 0x0a) break;
    bytes.push(byte[0]);
  }
  const password = Buffer.from(bytes).toString("utf8").replace(/\r$/, "");
  if (password === "") throw io("--password-stdin: no password on standard input");
  return password;
}

function askPassword(username, endpoint) {
  if (!process.stdin.isTTY) {
    throw usage(
      "CLOUDTOWER_USERNAME is set but CLOUDTOWER_PASSWORD is not, and standard input is not a terminal to prompt on: " +
        "set CLOUDTOWER_PASSWORD, or use CLOUDTOWER_API_KEY",
    );
  }
  return promptHidden(`Password for ${visible(username)} at ${visible(endpoint)}: `);
}

/** Runs `fn(client, connection)` on a connection, closed afterwards whatever happens. */
export async function withConnection(ctx, options, fn) {
  const connection = await connect(ctx, options);
  try {
    return await fn(connection.client, connection);
  } finally {
    await connection.close();
  }
}
