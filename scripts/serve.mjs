// The console's one-origin server: static files (the console in www/, the package in pkg/) and a
// reverse proxy of CloudTower's API paths to an upstream (the simulator or a real CloudTower over
// http: or https:), or to an active/passive pair of them. The browser sees one origin, so it
// needs no CORS, and never sees a pair's 307: the proxy finds the active node and fails over.
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
// hop-by-hop, Expect and cookie hygiene (headers built before any upstream request exists), the
// normalised path sent upstream, a connect deadline, answers checked before they reach the page
// (status 200-599, no redirect off the upstreams), 502 ErrorBody answers naming TLS problems,
// pairs (below), and one log line per request. Never logs Authorization or any body. No upstream
// answer may end the process or leave a request unsettled.
//
// A pair (several upstreams) is not proxied by httpxy, which pipes whatever the upstream answers
// into the page's response: a passive node's 307 must be held back and the request sent again to
// the active node, so its body is buffered (up to maxBodyBytes each, maxBufferedBytes for all,
// within bodyTimeoutMs) and each attempt is a plain http(s) request with the same headers, agents
// and TLS options.

import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import sirv from "sirv";
import { lookup as lookupType } from "mrmime";
import { createProxyServer } from "httpxy";
import { createPair, PairError } from "./pair.mjs";

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
// origin are not CloudTower's business (the API authenticates with Authorization); Expect is
// answered by this server (Node's sends 100 Continue itself) and the upstream is sent the body.
const DROP_REQUEST = new Set(["host", "cookie", "expect"]);
/** The tokens of a Connection header, lower case. */
const listed = (value) => String(value ?? "").toLowerCase().split(",").map((t) => t.trim()).filter(Boolean);

const REQUEST_ID = "x-tower-request-id";
// A passive node's answer to everything: the request was not performed there.
const NOT_HERE = 307;
// A pair's request bodies are held to be sent again after a failover; the console's are a few
// KiB. The cap is the client's own limit of an answer it reads.
const MAX_PAIR_BODY_BYTES = 4 * 1024 * 1024;
// All the bodies a pair holds at once (every request together), and how long one may take to arrive.
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
const BODY_TIMEOUT_MS = 30_000;
// The simulator's control API.
const SIM_PREFIX = "/__sim/";
// The page reads the proxy's upstreams and their states here (GET, JSON, no secret).
export const PAIR_STATUS_PATH = "/__console/pair";
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

/**
 * The upstream option as a list of roots, each checked by parseUpstream: a string (a comma list
 * names a pair, as the CLI's CLOUDTOWER_ENDPOINT does), a URL, or an array of them. Two or more
 * make an active/passive pair; the same node twice is refused. Throws a TypeError.
 */
export function parseUpstreams(input, name = "upstream") {
  if (input === undefined || input === null) return [];
  const items = (Array.isArray(input) ? input : [input])
    .flatMap((item) => (typeof item === "string" ? item.split(",").map((part) => part.trim()) : [item]));
  // An empty name (--upstream '', a stray comma) is a mistake, never "no upstream".
  if (items.length === 0 || items.every((item) => item === "" || item === undefined || item === null)) {
    throw new TypeError(`${name} is empty: give CloudTower's root, e.g. https://tower.example`);
  }
  items.forEach((item, index) => {
    if (item === "" || item === undefined || item === null) {
      throw new TypeError(`${name} ${index + 1} of ${items.length} is empty (a stray comma?): ${JSON.stringify(items.map((i) => i ?? "").join(","))}`);
    }
  });
  const urls = items.map((item, index) => parseUpstream(item, items.length > 1 ? `${name} ${index + 1} of ${items.length}` : name));
  const roots = urls.map(rootOf);
  roots.forEach((root, index) => {
    if (roots.indexOf(root) !== index) throw new TypeError(`${name} lists ${root} twice: a pair needs two different nodes`);
    // Two paths of one origin are one HTTP server: a pair's nodes are two CloudTower appliances.
    const other = urls.findIndex((url, i) => i !== index && url.origin === urls[index].origin);
    if (other !== -1 && other < index) {
      throw new TypeError(`${name} lists ${roots[other]} and ${root}, two paths of one origin: that is one server, and a pair needs ` +
        "two different nodes (if a gateway fronts both nodes, give each its own host name or port)");
    }
  });
  return urls;
}

/** An upstream as people read it: origin and path prefix, no trailing slash. */
const rootOf = (url) => `${url.origin}${url.pathname.replace(/\/+$/, "")}`;

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
 * @param {string|URL|(string|URL)[]} [options.upstream] http: or https: root of CloudTower (or the
 *   simulator). Several (an array, or a comma list) are the nodes of an active/passive pair.
 *   Without it the API paths answer 502.
 * @param {{prefix: string, dir: string}[]} [options.static]
 * @param {string|string[]} [options.ca] PEM text or file path(s): CAs trusted in addition to the system ones.
 * @param {boolean} [options.insecure=false] Skip TLS verification of the upstream (never the default).
 * @param {boolean|string|URL} [options.simControl] Also proxy /__sim/* (the simulator's control
 *   API): true sends it to the upstream (a pair's active node), a URL to that server (a simulator
 *   pair's control server, reachable when both nodes are not). Default: true when every upstream
 *   is a loopback address.
 * @param {string[]} [options.allowedHosts] Host header names accepted (DNS-rebinding guard).
 *   Default: loopback names when bound to loopback, anything otherwise.
 * @param {number} [options.connectTimeoutMs=15000] Upstream connect (and TLS handshake) deadline.
 * @param {number} [options.probeTimeoutMs=5000] A pair: deadline of each node's healthz probe.
 * @param {number} [options.maxBodyBytes=4194304] A pair: largest request body (buffered to be sent
 *   again after a failover); a larger one is answered 413.
 * @param {number} [options.maxBufferedBytes=67108864] A pair: the most bytes of request bodies held
 *   at once, all requests together; a body that would pass it is answered 503 with Retry-After.
 * @param {number} [options.bodyTimeoutMs=30000] A pair: a request body not whole within this is
 *   answered 408 and its connection closed.
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
    probeTimeoutMs = 5_000,
    maxBodyBytes = MAX_PAIR_BODY_BYTES,
    maxBufferedBytes = MAX_BUFFERED_BYTES,
    bodyTimeoutMs = BODY_TIMEOUT_MS,
    log,
    cwd = process.cwd(),
  } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail("port must be an integer 0-65535");
  if (log !== undefined && typeof log !== "function") fail("log must be a function");

  if (!Number.isInteger(probeTimeoutMs) || probeTimeoutMs < 1 || probeTimeoutMs > 3_600_000) fail("probeTimeoutMs must be an integer 1-3600000");
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) fail("maxBodyBytes must be a non-negative integer");
  if (!Number.isInteger(maxBufferedBytes) || maxBufferedBytes < maxBodyBytes) fail("maxBufferedBytes must be an integer, at least maxBodyBytes");
  if (!Number.isInteger(bodyTimeoutMs) || bodyTimeoutMs < 1 || bodyTimeoutMs > 3_600_000) fail("bodyTimeoutMs must be an integer 1-3600000");

  let upstreams;
  try {
    upstreams = parseUpstreams(upstreamInput);
  } catch (error) {
    fail(error.message);
  }
  // One upstream is proxied by httpxy, streaming; several are a pair (see the top of this file).
  const upstream = upstreams.length === 1 ? upstreams[0] : null;
  let simControlUrl = null;
  if (typeof simControlInput === "string" || simControlInput instanceof URL) {
    try {
      simControlUrl = parseUpstream(simControlInput, "simControl");
    } catch (error) {
      fail(error.message);
    }
  } else if (simControlInput !== undefined && typeof simControlInput !== "boolean") {
    fail("simControl must be a boolean or the URL of the simulator's control server");
  }
  const simControl = simControlUrl !== null || (simControlInput ?? (upstreams.length > 0 && upstreams.every((u) => isLoopbackHost(u.hostname))));
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
  // One agent per protocol, shared by every upstream: ca and insecure apply to each of them.
  const agents = new Map();
  const agentFor = (url) => {
    if (!agents.has(url.protocol)) {
      agents.set(url.protocol, url.protocol === "https:"
        ? new https.Agent({
          keepAlive: true,
          rejectUnauthorized: !insecure,
          // Node's `ca` replaces the trust store; keep the system roots and add the given CAs.
          ...(extraCa ? { ca: [...tls.rootCertificates, ...extraCa] } : {}),
        })
        : new http.Agent({ keepAlive: true }));
    }
    return agents.get(url.protocol);
  };

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

  /**
   * The headers a request goes upstream with, built whole before the request exists (Node may
   * send headers as soon as it is created, so nothing is removed afterwards): the page's, without
   * hop-by-hop ones (and those its Connection lists), the console origin's cookies, Expect (Node's
   * server answered the page's 100-continue already; the upstream is sent the body without
   * waiting) and Host (each upstream's own); plus X-Forwarded-For. `keepFraming`: Transfer-Encoding
   * stays, for a body streamed as it arrives.
   */
  function upstreamHeaders(req, { keepFraming = false } = {}) {
    const drop = new Set([...HOP_BY_HOP, ...DROP_REQUEST, ...listed(req.headers.connection)]);
    if (keepFraming) drop.delete("transfer-encoding");
    const headers = {};
    for (const [name, value] of Object.entries(req.headers)) if (!drop.has(name)) headers[name] = value;
    const forwardedFor = req.socket.remoteAddress;
    if (forwardedFor) headers["x-forwarded-for"] = req.headers["x-forwarded-for"] ? `${req.headers["x-forwarded-for"]}, ${forwardedFor}` : forwardedFor;
    return headers;
  }

  /**
   * Deadline for getting a connection (TCP + TLS) only; the client has its own request deadlines.
   * Called once `upReq` has its socket: returns true when that socket was already connected (kept
   * alive); otherwise `onConnect` runs when it connects.
   */
  function connectDeadline(upReq, secure, onConnect) {
    const socket = upReq.socket;
    if (socket && !socket.connecting && !socket.pending) return true;
    const connectTimer = setTimeout(() => {
      upReq.destroy(Object.assign(new Error("connect timeout"), { code: "UPSTREAM_CONNECT_TIMEOUT" }));
    }, connectTimeoutMs);
    const connected = () => clearTimeout(connectTimer);
    socket?.once(secure ? "secureConnect" : "connect", () => {
      connected();
      onConnect?.();
    });
    upReq.once("response", connected);
    upReq.once("close", connected);
    return false;
  }

  /**
   * Calls `onFail(error)` when `upReq` ends without an answer Node reports: an upstream's 101
   * Switching Protocols to a plain request makes Node emit `upgrade` (or, with no listener,
   * destroy the socket and emit only `close`), neither `response` nor `error`. Every caller
   * settles once, so a call after an `error` changes nothing.
   */
  function onNoAnswer(upReq, onFail) {
    let answered = false;
    upReq.once("response", () => { answered = true; });
    upReq.on("upgrade", (upRes, socket) => {
      socket.destroy();
      onFail(Object.assign(new Error("answered 101 Switching Protocols to a plain HTTP request"), { code: "UPSTREAM_UPGRADE" }));
    });
    upReq.once("close", () => {
      if (!answered) onFail(Object.assign(new Error("closed the connection without an answer"), { code: "UPSTREAM_NO_ANSWER" }));
    });
  }

  /** An upstream's answer headers made safe for the console's origin (changes and returns `headers`). */
  function sandboxHeaders(headers) {
    for (const name of [...HOP_BY_HOP, ...DROP_RESPONSE, ...listed(headers.connection)]) delete headers[name];
    return Object.assign(headers, PROXIED_HEADERS);
  }

  /**
   * A Location of an upstream's answer as the console's own path when it points into one of the
   * configured upstreams (resolved against the request it answers), else null.
   */
  function localLocation(location, base) {
    let target;
    try {
      target = new URL(location, base);
    } catch {
      return null;
    }
    for (const root of [...upstreams, ...(simControlUrl ? [simControlUrl] : [])]) {
      const prefix = root.pathname.replace(/\/+$/, "");
      if (target.origin === root.origin && (target.pathname === prefix || target.pathname.startsWith(`${prefix}/`))) {
        return `${target.pathname.slice(prefix.length) || "/"}${target.search}${target.hash}`;
      }
    }
    return null;
  }

  /**
   * What of `upRes` (the answer of the upstream `node`) goes to the page: { status, headers }, or
   * { refusal } (a sentence) when it cannot go as it is: a status outside 200-599 (Node's client
   * takes any three digits), or a redirect that leaves the configured upstreams (a page's fetch
   * would follow it to a foreign origin). A Location into an upstream becomes the console's path
   * for it; a foreign one on a non-redirect is dropped. The reason phrase is never passed on
   * (it may hold anything; Node writes the standard one).
   */
  function prepareAnswer(upRes, node) {
    const status = upRes.statusCode;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      return { refusal: `Upstream ${rootOf(node)} answered with an invalid status line (status ${status}); the console server does not pass it on.` };
    }
    const headers = sandboxHeaders({ ...upRes.headers });
    if (typeof headers.location === "string") {
      const base = new URL(upRes.req?.path ?? "/", node.origin);
      const local = localLocation(headers.location, base);
      if (local !== null) {
        headers.location = local;
      } else if (status >= 300 && status < 400) {
        let where = "an address it cannot parse";
        try {
          where = new URL(headers.location, base).origin;
        } catch {
          // keep the phrase
        }
        return {
          refusal: `Upstream ${rootOf(node)} answered HTTP ${status} redirecting to ${where}, outside the configured CloudTower: ` +
            "the console server does not pass on a redirect that leaves it (the page would follow it with its request).",
        };
      } else {
        delete headers.location;
      }
    } else {
      delete headers.location;
    }
    return { status, headers };
  }

  /**
   * Streams `upRes` to the page with the headers prepareAnswer made. Returns null, or a sentence
   * when the headers could not be written (nothing was sent: the caller answers 502).
   */
  function relay(upRes, { status, headers }, res, finish, note) {
    try {
      res.writeHead(status, headers);
    } catch (error) {
      res.statusMessage = undefined;
      return `The upstream's answer cannot be passed on (${error.code ?? error.message}).`;
    }
    upRes.on("error", () => res.destroy());
    upRes.on("close", () => {
      if (!upRes.complete) res.destroy();
    });
    upRes.pipe(res);
    logWhenDone(res, finish, status, headers[REQUEST_ID], note);
    return null;
  }

  /** Logs a proxied exchange once its answer to the page has ended, or was cut. */
  function logWhenDone(res, finish, status, requestId, note) {
    let logged = false;
    const done = (cut) => {
      if (logged) return;
      logged = true;
      finish(status, requestId, [note, cut].filter(Boolean).join(",") || undefined);
    };
    res.on("finish", () => done());
    res.on("close", () => done(res.writableFinished ? undefined : "aborted"));
  }

  /** The proxy's own ErrorBody answer for `pathname`, with a fresh request id; logged. */
  function answerError(res, status, body, { pathname, finish, note, headers = {} }) {
    if (res.writableEnded || res.destroyed) return;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const requestId = randomUUID();
    sendJson(res, status, { ...body, status, path: pathname }, { [REQUEST_ID]: requestId, ...headers });
    finish(status, requestId, note);
  }

  /**
   * A streaming proxy to one root (httpxy, request and answer bodies streamed both ways): the
   * single upstream, or the simulator's control server. It is given the path the server checked
   * (normalised: no backslash, dot segment or absolute form reaches the upstream) and headers
   * built before httpxy sees them (it skips its request hook for an Expect request); the answer
   * goes through prepareAnswer and relay like a pair's.
   */
  function createStreamer(target) {
    const proxyServer = createProxyServer({
      // An object, not the URL: an IPv6 hostname without its brackets, the path prefix kept.
      target: {
        protocol: target.protocol, host: target.host, hostname: target.hostname.replace(/^\[|\]$/g, ""),
        port: target.port || undefined, pathname: target.pathname.replace(/\/+$/, ""),
      },
      agent: agentFor(target),
      secure: !insecure,
      changeOrigin: true, // Host becomes the upstream's
      selfHandleResponse: true, // relay() writes the answer
    });
    const contexts = new WeakMap(); // req -> { pathname, finish }
    const failed = (error, req, res) => {
      const context = contexts.get(req);
      if (!context) return;
      answerError(res, 502, { message: describeUpstreamError(error, target) }, { ...context, note: `upstream-error=${error?.code ?? "unknown"}` });
    };
    proxyServer.on("proxyReq", (upReq, req, res) => {
      connectDeadline(upReq, target.protocol === "https:");
      onNoAnswer(upReq, (error) => failed(error, req, res));
    });
    proxyServer.on("proxyRes", (upRes, req, res) => {
      const context = contexts.get(req);
      const prepared = prepareAnswer(upRes, target);
      const refusal = prepared.refusal ?? relay(upRes, prepared, res, context.finish);
      if (refusal) {
        upRes.req?.destroy();
        answerError(res, 502, { message: refusal }, { ...context, note: "upstream-answer-refused" });
      }
    });
    proxyServer.on("error", failed);
    return (req, res, { pathname, search, finish }) => {
      contexts.set(req, { pathname, finish });
      req.headers = upstreamHeaders(req, { keepFraming: true });
      req.url = `${pathname}${search}`;
      proxyServer.web(req, res).catch(() => res.destroy());
    };
  }

  const streamUpstream = upstream && createStreamer(upstream);
  const streamSimControl = simControlUrl && createStreamer(simControlUrl);

  // ---- pair ----------------------------------------------------------------------------------

  const pair = upstreams.length > 1 ? createPair(upstreams.map(rootOf), (index) => probe(upstreams[index])) : null;

  /** A request to one node over the shared agents; `path` is the whole path there. */
  function requestTo(url, { method, path: fullPath, headers }) {
    return (url.protocol === "https:" ? https : http).request({
      protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ""), port: url.port || undefined,
      method, path: fullPath, headers, agent: agentFor(url),
    });
  }

  /**
   * `GET <root>/api/healthz` of one node, without any credential, redirect not followed. Never
   * rejects, and always settles within probeTimeoutMs: an error, a close without an answer (a
   * 101) and the deadline are failures.
   */
  function probe(url) {
    const root = rootOf(url);
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result) => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const failed = (detail) => settle({ state: "failed", detail });
      let upReq;
      try {
        upReq = requestTo(url, { method: "GET", path: `${url.pathname.replace(/\/+$/, "")}/api/healthz`, headers: { host: url.host } });
      } catch (error) {
        failed(describeUpstreamError(error, url));
        return;
      }
      // One deadline for the whole probe, body included: a node that answers and then stalls
      // does not keep the socket.
      const timer = setTimeout(() => {
        failed(`${root} did not answer healthz within ${probeTimeoutMs} ms.`);
        upReq.destroy();
      }, probeTimeoutMs);
      upReq.on("close", () => clearTimeout(timer));
      upReq.on("response", (upRes) => {
        upRes.on("error", () => {}); // a body cut after the status changes nothing
        upRes.resume();
        const status = upRes.statusCode;
        settle(status === 200 ? { state: "active" }
          : status === NOT_HERE ? { state: "passive", detail: `${root} is passive (healthz answered 307).` }
          : { state: "failed", detail: `${root} answered healthz with HTTP ${status}.` });
      });
      upReq.on("error", (error) => failed(describeUpstreamError(error, url)));
      onNoAnswer(upReq, (error) => failed(error.code === "UPSTREAM_UPGRADE"
        ? `${root} answered healthz with HTTP 101 Switching Protocols.`
        : `${root} closed the connection without answering healthz.`));
      upReq.end();
    });
  }

  // Bytes of request bodies the pair holds now, every request together (at most maxBufferedBytes).
  let bufferedBytes = 0;

  /**
   * The page's request body: { body }, or { refused } — "too-large" (over maxBodyBytes), "busy"
   * (the bodies held by all requests would pass maxBufferedBytes) or "timeout" (not whole within
   * bodyTimeoutMs). A refused body is no longer kept (the rest is read and dropped, and the
   * connection closes after the answer). What it holds is released when the page's answer closes.
   * Rejects when the page goes away first.
   */
  function readBody(req, res) {
    return new Promise((resolve, reject) => {
      let held = 0;
      let done = false;
      const chunks = [];
      const release = () => {
        bufferedBytes -= held;
        held = 0;
      };
      res.once("close", release);
      const end = (result) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (result instanceof Error) return reject(result);
        if (result.refused) {
          chunks.length = 0;
          release();
          req.resume();
        }
        resolve(result);
      };
      const timer = setTimeout(() => end({ refused: "timeout" }), bodyTimeoutMs);
      if (Number(req.headers["content-length"]) > maxBodyBytes) return end({ refused: "too-large" });
      req.on("data", (chunk) => {
        if (done) return;
        if (held + chunk.length > maxBodyBytes) return end({ refused: "too-large" });
        if (bufferedBytes + chunk.length > maxBufferedBytes) return end({ refused: "busy" });
        held += chunk.length;
        bufferedBytes += chunk.length;
        chunks.push(chunk);
      });
      req.on("end", () => end({ body: Buffer.concat(chunks) }));
      req.on("error", (error) => end(error));
      req.on("close", () => end(new Error("the page's request was cut"))); // after "end": no effect
    });
  }

  /**
   * Sends the page's request (`target`: the path and query the proxy checked), with `body`, to
   * one node. Resolves { upReq, upRes } with its answer, or { error, sent } without one: `sent`
   * stays false only while no connection was made, the one case that proves the node never saw
   * the request. Always settles: an error, a close without an answer (a 101) and the connect
   * deadline end it. The page going away cancels it.
   */
  function sendToNode(url, target, req, res, body) {
    return new Promise((resolve) => {
      let settled = false;
      let sent = false;
      const settle = (result) => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      // The body is whole now: framed by its length, and nothing to wait a 100-continue for.
      const headers = { ...upstreamHeaders(req), host: url.host };
      if (body.length > 0 || req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined) {
        headers["content-length"] = String(body.length);
      }
      let upReq;
      try {
        upReq = requestTo(url, { method: req.method, path: `${url.pathname.replace(/\/+$/, "")}${target}`, headers });
      } catch (error) {
        settle({ error, sent: false });
        return;
      }
      upReq.on("socket", () => {
        if (connectDeadline(upReq, url.protocol === "https:", () => { sent = true; })) sent = true;
      });
      upReq.on("response", (upRes) => settle({ upReq, upRes }));
      upReq.on("error", (error) => settle({ error, sent }));
      onNoAnswer(upReq, (error) => settle({ error, sent }));
      res.on("close", () => {
        if (!res.writableFinished) upReq.destroy();
      });
      upReq.end(body);
    });
  }

  /**
   * A request to the pair: to the active node (discovered once for all waiting requests); a 307
   * from it (nothing performed) drops it, and the request goes once more to the node a new
   * discovery elects, as does one that could not connect. One that may have reached a node is
   * never sent to another. The page never sees a 307 or its Location.
   */
  async function proxyToPair(req, res, { pathname, search }, finish) {
    let gone = false;
    res.once("close", () => { gone = true; });
    const answer = (status, body, note, headers) => {
      if (gone) return;
      answerError(res, status, body, { pathname, finish, note, headers });
    };
    let read;
    try {
      read = await readBody(req, res);
    } catch {
      return; // the page went away
    }
    // A refused body was not read whole: the connection is not used again.
    const close = { connection: "close" };
    if (read.refused === "too-large") {
      return answer(413, {
        message: `The request body is larger than ${maxBodyBytes} bytes, the most this console server holds ` +
          "to send it again to the other node of a pair after a failover (option maxBodyBytes).",
      }, "body-too-large", close);
    }
    if (read.refused === "busy") {
      return answer(503, {
        message: `The console server holds ${maxBufferedBytes} bytes of request bodies for a pair already (option maxBufferedBytes): ` +
          "send the request again in a moment.",
      }, "bodies-busy", { ...close, "retry-after": "1" });
    }
    if (read.refused === "timeout") {
      return answer(408, {
        message: `The request body did not arrive whole within ${bodyTimeoutMs} ms (option bodyTimeoutMs).`,
      }, "body-timeout", close);
    }
    const { body } = read;
    let failedOver = false;
    for (;;) {
      let node;
      try {
        node = await pair.active();
      } catch (error) {
        if (!(error instanceof PairError)) throw error;
        return answer(error.status, { message: error.message, code: error.code }, error.code.toLowerCase().replaceAll("_", "-"));
      }
      if (gone) return; // the page gave up while the pair was probed: nothing is sent for it
      const url = upstreams[node.index];
      const { upReq, upRes, error, sent } = await sendToNode(url, `${pathname}${search}`, req, res, body);
      if (gone) {
        upReq?.destroy();
        return;
      }
      if (upRes && upRes.statusCode !== NOT_HERE) {
        const prepared = prepareAnswer(upRes, url);
        const refusal = prepared.refusal ?? relay(upRes, prepared, res, finish, failedOver ? "failover" : undefined);
        if (refusal) {
          upRes.on("error", () => {});
          upReq.destroy();
          pair.recheck(node, refusal);
          return answer(502, { message: refusal }, "upstream-answer-refused");
        }
        if (prepared.status >= 500) {
          pair.recheck(node, `${rootOf(url)} answered HTTP ${prepared.status} to the last request; it is checked again at the next one.`);
        }
        return;
      }
      if (upRes) {
        // A passive node performed nothing; its 307 and Location stop here.
        upRes.on("error", () => {});
        upReq.destroy();
        pair.lose(node, "passive", `${rootOf(url)} is passive (it answered 307).`);
        if (!failedOver) {
          failedOver = true;
          continue;
        }
        return answer(503, {
          message: `${rootOf(url)} answered 307 right after it was found active: the pair is changing roles. ` +
            "The request was not performed; send it again.",
          code: "NO_ACTIVE_ENDPOINT",
        }, "passive-again");
      }
      const why = describeUpstreamError(error, url);
      pair.lose(node, "failed", why);
      if (!sent && !failedOver) {
        failedOver = true;
        continue;
      }
      return answer(502, {
        message: sent ? `${why} It may have received the request, so the request was not sent to another node.` : why,
      }, `upstream-error=${error?.code ?? "unknown"}`);
    }
  }

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
    if (streamSimControl && pathname.startsWith(SIM_PREFIX)) {
      streamSimControl(req, res, { pathname, search: url.search, finish });
      return;
    }
    if (!streamUpstream && !pair) {
      const requestId = randomUUID();
      sendJson(res, 502, { message: "No upstream CloudTower is configured for this console server.", status: 502, path: pathname }, { [REQUEST_ID]: requestId });
      req.resume();
      return finish(502, requestId, "no-upstream");
    }
    if (pair) {
      proxyToPair(req, res, url, finish).catch(() => res.destroy());
      return;
    }
    streamUpstream(req, res, { pathname, search: url.search, finish });
  }

  /** What the page shows of the upstreams: a pair's nodes and what each was last seen as. No secret. */
  function servePairStatus(req, res, url, started) {
    req.resume();
    const status = req.method === "GET" || req.method === "HEAD" ? 200 : 405;
    if (status === 405) sendText(res, req.method, 405, "Method Not Allowed\n", { allow: "GET, HEAD" });
    else sendJson(res, 200, { pair: pair !== null, nodes: pair ? pair.snapshot() : [] });
    emit({ method: req.method, pathname: url.pathname, status, requestId: null, ms: Math.round(performance.now() - started) });
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
    if (url.pathname === PAIR_STATUS_PATH) {
      servePairStatus(req, res, url, started);
      return;
    }
    if (isApiPath(url.pathname) || (simControl && url.pathname.startsWith(SIM_PREFIX))) {
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
        for (const agent of agents.values()) agent.destroy();
      });
      return closing;
    },
  };
}
