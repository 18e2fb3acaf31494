// The console's one-origin server: static files (the console in www/, the package in pkg/) and a
// streaming reverse proxy of CloudTower's API paths to an upstream (the simulator or a real
// CloudTower over http: or https:). The browser sees one origin, so it needs no CORS.
//
//   import { startConsoleServer } from "./scripts/serve.mjs";
//   const server = await startConsoleServer({
//     upstream: "https://tower.example", ca: "/path/to/ca.pem",
//     static: [{ prefix: "/", dir: "www" }, { prefix: "/pkg/", dir: "pkg" }],
//     log: console.log,
//   });
//   console.log(server.url); ... await server.close();
//
// Static files are sirv's (content types, ETag / 304, HEAD, ranges); proxying is httpxy's
// (streaming both ways). This file adds what the console needs around them: the DNS-rebinding
// guard, no dot-files or symlink escapes, the CSP of the pages, the sandbox of proxied answers,
// hop-by-hop and cookie hygiene, a connect deadline, 502 ErrorBody answers naming TLS problems,
// and one log line per request. Never logs Authorization or any body.

import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import sirv from "sirv";
import { lookup as lookupType } from "mrmime";
import { createProxyServer } from "httpxy";

/** The Content-Security-Policy of every HTML page: the wasm needs 'wasm-unsafe-eval', nothing looser. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

// sirv's types, with the charset browsers should assume for text (it names it for HTML only).
const TEXT_TYPE = /^(text\/|application\/(json|javascript|xml)|image\/svg\+xml)/;

// Hop-by-hop headers (RFC 9110 §7.6.1) are never forwarded in either direction.
const HOP_BY_HOP = new Set([
  "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
  "te", "trailer", "transfer-encoding", "upgrade",
]);
// Request headers the proxy does not pass upstream: Host is rewritten; cookies of the console's
// origin are not CloudTower's business (the API authenticates with Authorization).
const DROP_REQUEST = new Set(["host", "cookie"]);

const REQUEST_ID = "x-tower-request-id";
const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

const isLoopbackHost = (hostname) =>
  LOOPBACK_NAMES.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname) || hostname.endsWith(".localhost");

// Every proxied answer is data, never a document or a script of the console's origin: a hostile
// (or tampered plain-http) upstream must not run a page there or install a service worker.
const PROXIED_CSP = "sandbox; default-src 'none'";
// Upstream headers replaced by the proxy's own, or dropped (a service worker scope widener).
const DROP_RESPONSE = new Set(["content-security-policy", "content-security-policy-report-only", "x-content-type-options", "service-worker-allowed"]);
const PROXIED_HEADERS = { "content-security-policy": PROXIED_CSP, "x-content-type-options": "nosniff" };

/**
 * The upstream URL as CloudTower's root: an http(s) URL without credentials, query or fragment.
 * A path ending in /v2/api or /api (the official SDKs' base URL) is refused, naming the suffix and
 * the root to write instead, since the proxy appends those paths itself. Throws a TypeError.
 */
export function parseUpstream(input, name = "upstream") {
  let url;
  try {
    url = new URL(String(input));
  } catch {
    throw new TypeError(`${name} is not a URL: ${JSON.stringify(String(input))}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`${name} must be an http: or https: URL`);
  if (url.username || url.password) throw new TypeError(`${name} must not carry credentials`);
  if (url.search || url.hash) throw new TypeError(`${name} must not have a query or fragment`);
  const suffix = /\/(?:v2\/)?api\/?$/i.exec(url.pathname)?.[0];
  if (suffix) {
    const root = `${url.origin}${url.pathname.slice(0, -suffix.length)}`;
    throw new TypeError(`${name} ends in ${suffix}: give CloudTower's root, not its API path (the proxy adds /api and /v2/api itself): ${root}`);
  }
  return url;
}

/** True when `pathname` is one of CloudTower's API paths the proxy forwards. */
export function isApiPath(pathname) {
  return pathname === "/api" || pathname === "/api/" || pathname.startsWith("/v2/api/");
}

function fail(message) {
  throw new TypeError(`startConsoleServer: ${message}`);
}

function readCa(ca) {
  if (ca === undefined || ca === null || ca === "") return undefined;
  const list = Array.isArray(ca) ? ca : [ca];
  return list.map((item) => {
    if (Buffer.isBuffer(item)) return item.toString("utf8");
    if (typeof item !== "string") fail("ca must be PEM text or a file path (or an array of them)");
    if (item.includes("-----BEGIN")) return item;
    try {
      const text = fs.readFileSync(item, "utf8");
      if (!text.includes("-----BEGIN")) fail(`ca file ${item} holds no PEM certificate`);
      return text;
    } catch (error) {
      if (error instanceof TypeError) throw error;
      fail(`cannot read ca file ${item}: ${error.message}`);
    }
  });
}

function normalizeStatic(list, cwd) {
  if (list === undefined) return [];
  if (!Array.isArray(list)) fail("static must be an array of { prefix, dir }");
  const mounts = list.map((m) => {
    if (!m || typeof m.prefix !== "string" || !m.prefix.startsWith("/")) fail(`static prefix must start with "/": ${JSON.stringify(m?.prefix)}`);
    if (typeof m.dir !== "string" || m.dir === "") fail("static dir must be a path");
    const prefix = m.prefix.endsWith("/") ? m.prefix : `${m.prefix}/`;
    const dir = path.resolve(cwd, m.dir);
    return { prefix, dir };
  });
  // Longest prefix wins: "/pkg/" before "/".
  return mounts.sort((a, b) => b.prefix.length - a.prefix.length);
}

/** One line per request: method, path (no query), status, request id, duration. No header values. */
function formatLine({ method, pathname, status, requestId, ms, note }) {
  return `${method} ${pathname} ${status} id=${requestId ?? "-"} ${ms}ms${note ? ` ${note}` : ""}`;
}

/** Describes an upstream failure for the 502 body and the log, naming TLS problems plainly. */
function describeUpstreamError(error, upstream) {
  const code = error?.code ?? "";
  const tlsCodes = /CERT|SELF_SIGNED|SSL|TLS|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME|ALTNAME|UNABLE_TO_GET_ISSUER/;
  if (tlsCodes.test(code) || /certificate|ssl|tls/i.test(error?.message ?? "")) {
    return `Upstream TLS error talking to ${upstream.origin}: ${error.message}${code ? ` (${code})` : ""}. ` +
      "The certificate was not verified: trust its CA with --ca <file> (option ca), or skip verification with --insecure (option insecure).";
  }
  if (code === "ECONNREFUSED") return `Upstream ${upstream.origin} refused the connection (ECONNREFUSED).`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `Upstream host ${upstream.hostname} could not be resolved (${code}).`;
  if (code === "ETIMEDOUT" || code === "UPSTREAM_CONNECT_TIMEOUT") return `Upstream ${upstream.origin} did not accept the connection in time (${code}).`;
  return `Upstream ${upstream.origin} failed: ${error?.message ?? String(error)}${code ? ` (${code})` : ""}.`;
}

/**
 * Starts the console server.
 * @param {object} options
 * @param {number} [options.port=0] 0 picks a free port.
 * @param {string} [options.host="127.0.0.1"]
 * @param {string|URL} [options.upstream] http: or https: base URL of CloudTower (or the simulator).
 *   Without it the API paths answer 502.
 * @param {{prefix: string, dir: string}[]} [options.static]
 * @param {string|string[]} [options.ca] PEM text or file path(s): CAs trusted in addition to the system ones.
 * @param {boolean} [options.insecure=false] Skip TLS verification of the upstream (never the default).
 * @param {boolean} [options.simControl] Also proxy /__sim/* (the simulator's control API).
 *   Default: true when the upstream is a loopback address.
 * @param {string[]} [options.allowedHosts] Host header names accepted (DNS-rebinding guard).
 *   Default: loopback names when bound to loopback, anything otherwise.
 * @param {number} [options.connectTimeoutMs=15000] Upstream connect (and TLS handshake) deadline.
 * @param {(line: string) => void} [options.log]
 * @returns {Promise<{url: string, port: number, host: string, server: http.Server, close(): Promise<void>}>}
 */
export async function startConsoleServer(options = {}) {
  const {
    port = 0,
    host = "127.0.0.1",
    upstream: upstreamInput,
    static: staticInput,
    ca: caInput,
    insecure = false,
    simControl: simControlInput,
    allowedHosts: allowedHostsInput,
    connectTimeoutMs = 15_000,
    log,
    cwd = process.cwd(),
  } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail("port must be an integer 0-65535");
  if (log !== undefined && typeof log !== "function") fail("log must be a function");

  let upstream = null;
  if (upstreamInput !== undefined && upstreamInput !== null && upstreamInput !== "") {
    try {
      upstream = parseUpstream(upstreamInput);
    } catch (error) {
      fail(error.message);
    }
  }
  const basePath = upstream ? upstream.pathname.replace(/\/+$/, "") : "";
  const upstreamHostname = upstream ? upstream.hostname.replace(/^\[|\]$/g, "") : "";
  const simControl = simControlInput ?? (upstream ? isLoopbackHost(upstream.hostname) : false);
  const mounts = normalizeStatic(staticInput, cwd);
  for (const m of mounts) {
    try {
      m.root = fs.realpathSync(m.dir);
    } catch {
      fail(`static dir ${m.dir} does not exist`);
    }
    // dev: files are looked up on each request (edits show at once); etag: weak ETags and 304.
    m.serve = sirv(m.root, { dev: true, etag: true, dotfiles: false, extensions: ["html"], setHeaders: staticHeaders });
  }

  const extraCa = readCa(caInput);
  const agent = upstream?.protocol === "https:"
    ? new https.Agent({
      keepAlive: true,
      rejectUnauthorized: !insecure,
      // Node's `ca` replaces the trust store; keep the system roots and add the given CAs.
      ...(extraCa ? { ca: [...tls.rootCertificates, ...extraCa] } : {}),
    })
    : upstream ? new http.Agent({ keepAlive: true }) : null;

  const allowedHosts = allowedHostsInput
    ? new Set(allowedHostsInput.map((h) => h.toLowerCase()))
    : isLoopbackHost(host) ? LOOPBACK_NAMES : null;

  const emit = (entry) => {
    if (!log) return;
    try {
      log(formatLine(entry));
    } catch {
      // A failing logger must not take the server down.
    }
  };

  function hostAllowed(req) {
    if (!allowedHosts) return true;
    const value = String(req.headers.host ?? "").toLowerCase();
    const name = value.startsWith("[") ? value.slice(0, value.indexOf("]") + 1) : value.replace(/:\d+$/, "");
    return allowedHosts.has(name) || isLoopbackHost(name) && allowedHosts === LOOPBACK_NAMES;
  }

  function sendJson(res, status, body, headers = {}) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-store",
      ...PROXIED_HEADERS,
      ...headers,
    });
    res.end(text);
  }

  function sendText(res, method, status, text, headers = {}) {
    res.writeHead(status, {
      "content-type": "text/plain; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      "x-content-type-options": "nosniff",
      ...headers,
    });
    res.end(method === "HEAD" ? undefined : text);
  }

  // ---- proxy ---------------------------------------------------------------------------------

  const proxyServer = upstream && createProxyServer({
    // An object, not the URL: an IPv6 hostname without its brackets, the path prefix kept.
    target: { protocol: upstream.protocol, host: upstream.host, hostname: upstreamHostname, port: upstream.port || undefined, pathname: basePath },
    agent,
    secure: !insecure,
    changeOrigin: true, // Host becomes the upstream's
  });
  const contexts = new WeakMap(); // req -> { pathname, finish }

  proxyServer?.on("proxyReq", (upReq, req) => {
    const connectionListed = String(req.headers.connection ?? "").toLowerCase().split(",").map((t) => t.trim()).filter(Boolean);
    for (const name of [...HOP_BY_HOP, ...DROP_REQUEST, ...connectionListed]) {
      // Host is httpxy's (the upstream's); transfer-encoding frames the body Node streams up.
      if (name !== "host" && name !== "transfer-encoding") upReq.removeHeader(name);
    }
    const forwardedFor = req.socket.remoteAddress;
    if (forwardedFor) upReq.setHeader("x-forwarded-for", req.headers["x-forwarded-for"] ? `${req.headers["x-forwarded-for"]}, ${forwardedFor}` : forwardedFor);
    // Deadline for getting a connection (TCP + TLS) only; the client has its own request deadlines.
    const socket = upReq.socket;
    if (socket && !socket.connecting && !socket.pending) return;
    const connectTimer = setTimeout(() => {
      upReq.destroy(Object.assign(new Error("connect timeout"), { code: "UPSTREAM_CONNECT_TIMEOUT" }));
    }, connectTimeoutMs);
    const connected = () => clearTimeout(connectTimer);
    socket?.once(upstream.protocol === "https:" ? "secureConnect" : "connect", connected);
    upReq.once("response", connected);
    upReq.once("close", connected);
  });

  proxyServer?.on("proxyRes", (upRes, req, res) => {
    const headers = upRes.headers;
    const connectionListed = String(headers.connection ?? "").toLowerCase().split(",").map((t) => t.trim()).filter(Boolean);
    for (const name of [...HOP_BY_HOP, ...DROP_RESPONSE, ...connectionListed]) delete headers[name];
    Object.assign(headers, PROXIED_HEADERS);
    const context = contexts.get(req);
    const requestId = headers[REQUEST_ID];
    let logged = false;
    const done = (note) => {
      if (logged) return;
      logged = true;
      context.finish(upRes.statusCode, requestId, note);
    };
    res.on("finish", () => done());
    res.on("close", () => done(res.writableFinished ? undefined : "aborted"));
  });

  proxyServer?.on("error", (error, req, res) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (res.destroyed) return; // the browser went away first
    const context = contexts.get(req);
    const requestId = randomUUID();
    sendJson(res, 502, { message: describeUpstreamError(error, upstream), status: 502, path: context.pathname }, { [REQUEST_ID]: requestId });
    context.finish(502, requestId, `upstream-error=${error?.code ?? "unknown"}`);
  });

  function proxy(req, res, url, started) {
    const pathname = url.pathname;
    const finish = (status, requestId, note) =>
      emit({ method: req.method, pathname, status, requestId, ms: Math.round(performance.now() - started), note });

    // A service worker script is never fetched through the proxy, whatever the upstream answers.
    if (req.headers["service-worker"] !== undefined) {
      const requestId = randomUUID();
      sendJson(res, 403, { message: "The CloudTower API paths of this console server never serve a service worker.", status: 403, path: pathname }, { [REQUEST_ID]: requestId });
      req.resume();
      return finish(403, requestId, "service-worker-refused");
    }
    // Only the console's own pages call the API through it: a page of any other origin (another
    // site, or another port of this host) could otherwise drive CloudTower with the user's
    // browser (failed logins that lock an account, the simulator's control API). Browsers send
    // Origin on every POST and Sec-Fetch-Site on every request; tools that send neither pass.
    const origin = req.headers.origin;
    const site = req.headers["sec-fetch-site"];
    const ownOrigin = `${req.socket.encrypted ? "https" : "http"}://${req.headers.host}`;
    if ((origin !== undefined && origin !== ownOrigin) || (site !== undefined && site !== "same-origin" && site !== "none")) {
      const requestId = randomUUID();
      sendJson(res, 403, { message: "Only the console's own pages may call CloudTower through this server.", status: 403, path: pathname }, { [REQUEST_ID]: requestId });
      req.resume();
      return finish(403, requestId, "cross-origin-refused");
    }
    if (!proxyServer) {
      const requestId = randomUUID();
      sendJson(res, 502, { message: "No upstream CloudTower is configured for this console server.", status: 502, path: pathname }, { [REQUEST_ID]: requestId });
      req.resume();
      return finish(502, requestId, "no-upstream");
    }
    contexts.set(req, { pathname, finish });
    proxyServer.web(req, res).catch(() => res.destroy());
  }

  // ---- static files --------------------------------------------------------------------------

  function staticHeaders(res, pathname) {
    const type = lookupType(pathname.endsWith("/") ? "index.html" : pathname);
    res.setHeader("content-type", !type ? "application/octet-stream" : TEXT_TYPE.test(type) ? `${type}; charset=utf-8` : type);
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("referrer-policy", "no-referrer");
    res.setHeader("cache-control", "no-cache");
    if (type === "text/html") {
      res.setHeader("content-security-policy", CONSOLE_CSP);
      res.setHeader("x-frame-options", "DENY");
      res.setHeader("cross-origin-opener-policy", "same-origin");
    }
  }

  /**
   * What sirv must not be asked: a path that does not decode (400), holds NUL or a backslash
   * (400), names a dot-file or a dot segment, or resolves (symlinks included) outside the mount
   * (404). A directory without its slash is redirected (301), so relative links in its index work.
   */
  function refuseStatic(url, mount, decoded) {
    const rel = decoded.slice(mount.prefix.length);
    if (rel.split("/").some((segment) => segment.startsWith("."))) return { status: 404 };
    let real;
    try {
      real = fs.realpathSync(path.join(mount.root, rel));
    } catch {
      return { status: 404 };
    }
    const inside = path.relative(mount.root, real);
    if (inside.startsWith("..") || path.isAbsolute(inside)) return { status: 404 };
    const stat = fs.statSync(real);
    if (stat.isDirectory()) {
      if (!decoded.endsWith("/")) return { status: 301, location: `${url.pathname}/${url.search}` };
      return refuseStatic(url, mount, `${decoded}index.html`);
    }
    return stat.isFile() ? null : { status: 404 };
  }

  function serveStatic(req, res, url, started) {
    const finish = (status) =>
      emit({ method: req.method, pathname: url.pathname, status, requestId: null, ms: Math.round(performance.now() - started) });
    const method = req.method;
    req.resume();
    if (method !== "GET" && method !== "HEAD") {
      sendText(res, method, 405, "Method Not Allowed\n", { allow: "GET, HEAD" });
      return finish(405);
    }
    let decoded;
    try {
      decoded = decodeURIComponent(url.pathname);
    } catch {
      decoded = "\0";
    }
    if (decoded.includes("\0") || decoded.includes("\\")) {
      sendText(res, method, 400, "Bad Request\n");
      return finish(400);
    }
    const mount = mounts.find((m) => decoded.startsWith(m.prefix) || `${decoded}/` === m.prefix);
    const refused = mount ? refuseStatic(url, mount, decoded) : { status: 404 };
    if (refused?.status === 301) {
      res.writeHead(301, { location: refused.location, "content-length": 0 });
      res.end();
      return finish(301);
    }
    if (refused) {
      sendText(res, method, 404, "Not Found\n");
      return finish(404);
    }
    // sirv sees the path below the mount, as it was sent (it decodes it itself).
    req.url = `/${url.pathname.slice(mount.prefix.length)}${url.search}`;
    res.on("finish", () => finish(res.statusCode));
    mount.serve(req, res, () => {
      sendText(res, method, 404, "Not Found\n");
    });
  }

  // ---- server --------------------------------------------------------------------------------

  const server = http.createServer((req, res) => {
    const started = performance.now();
    let url;
    try {
      url = new URL(req.url ?? "/", "http://console.invalid");
    } catch {
      sendText(res, req.method, 400, "Bad Request\n");
      return;
    }
    if (!hostAllowed(req)) {
      req.resume();
      sendText(res, req.method, 421, "Misdirected Request: this console only answers to its loopback names.\n");
      emit({ method: req.method, pathname: url.pathname, status: 421, requestId: null, ms: 0, note: "host-refused" });
      return;
    }
    if (isApiPath(url.pathname) || (simControl && url.pathname.startsWith("/__sim/"))) {
      proxy(req, res, url, started);
      return;
    }
    try {
      serveStatic(req, res, url, started);
    } catch {
      if (!res.headersSent) sendText(res, req.method, 500, "Internal Server Error\n");
      else res.destroy();
    }
  });
  server.on("clientError", (error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const urlHost = address.family === "IPv6" || address.address.includes(":") ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}`;

  let closing = null;
  return {
    url,
    port: address.port,
    host: address.address,
    server,
    close() {
      closing ??= new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent?.destroy();
      });
      return closing;
    },
  };
}
