#!/usr/bin/env node
// Generates the CloudTower operation catalogue and TypeScript types from the vendored OpenAPI
// description. Plain Node ESM, no dependencies, deterministic output.
//
//   node scripts/gen-from-spec.mjs            write src/core/catalogue.rs, pkg-template/operations.d.ts
//                                             pkg-template/cli/secret-fields.mjs and pkg-template/cli/operations.mjs
//   node scripts/gen-from-spec.mjs --check    write nothing; exit 1 naming the stale file(s)
//   --out-dir <dir>                           read/write the outputs under <dir> instead of the repo root
//                                             (used by tests; the spec is always read from the repo)
//
// Outputs:
//   src/core/catalogue.rs        `SPEC_VERSION` and `OPERATIONS` ("<name> <method><auth><response>" lines)
//   pkg-template/operations.d.ts one exported type per component schema + the `Operations` map
//   pkg-template/cli/secret-fields.mjs  the field names whose values are secrets, which the CLI
//                                refuses in an inline --body / --where
//   pkg-template/cli/operations.mjs    the operation list of `cloudtower ops` and of the completion

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const SPEC_PATH = "spec/openapi-4.6.0.json";
export const SCRIPT_PATH = "scripts/gen-from-spec.mjs";
export const CATALOGUE_PATH = "src/core/catalogue.rs";
export const DTS_PATH = "pkg-template/operations.d.ts";
export const SECRET_FIELDS_PATH = "pkg-template/cli/secret-fields.mjs";
export const CLI_OPERATIONS_PATH = "pkg-template/cli/operations.mjs";

const REF_PREFIX = "#/components/schemas/";
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
// Names a TypeScript type cannot take, or that the generated file itself declares.
const RESERVED_TYPE_NAMES = new Set([
  "any", "unknown", "never", "string", "number", "boolean", "object", "symbol", "bigint",
  "void", "undefined", "null", "this", "true", "false", "break", "case", "catch", "class",
  "const", "continue", "debugger", "default", "delete", "do", "else", "enum", "export",
  "extends", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "return",
  "super", "switch", "throw", "try", "typeof", "var", "while", "with", "implements",
  "interface", "let", "package", "private", "protected", "public", "static", "yield",
  "Operations", "OperationName", "OperationBody", "OperationResponse",
]);

/** Plain code-unit ordering: independent of locale and ICU version. */
const byCodeUnit = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

function fail(msg) {
  throw new Error(`gen-from-spec: ${msg}`);
}

// ---------------------------------------------------------------------------------------------
// Schema names

/** Deterministic TypeScript identifier for a component schema name. */
function sanitizeName(name) {
  let id = name.replace(/[^A-Za-z0-9_$]/g, "_");
  if (/^[0-9]/.test(id)) id = `_${id}`;
  if (RESERVED_TYPE_NAMES.has(id)) id = `${id}_`;
  return id;
}

function buildNameMap(schemas) {
  const map = new Map(); // spec name -> TS identifier
  const taken = new Map(); // TS identifier -> spec name
  // Valid names first so that a sanitized name can never steal a real one.
  const names = Object.keys(schemas).sort(byCodeUnit);
  for (const pass of [true, false]) {
    for (const n of names) {
      const valid = IDENT.test(n) && !RESERVED_TYPE_NAMES.has(n);
      if (valid !== pass) continue;
      const id = sanitizeName(n);
      if (taken.has(id)) fail(`schema "${n}" sanitizes to "${id}", which "${taken.get(id)}" already uses`);
      taken.set(id, n);
      map.set(n, id);
    }
  }
  return map;
}

// ---------------------------------------------------------------------------------------------
// Spec access

function refName(ref) {
  if (typeof ref !== "string" || !ref.startsWith(REF_PREFIX)) fail(`unsupported $ref ${JSON.stringify(ref)}`);
  return ref.slice(REF_PREFIX.length);
}

function listOperations(spec) {
  const ops = [];
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!["get", "post"].includes(method)) {
        if (["parameters", "summary", "description", "servers"].includes(method)) continue;
        fail(`${path}: unsupported method ${method}`);
      }
      const name = path.replace(/^\//, "");
      if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(name)) fail(`unexpected operation path ${JSON.stringify(path)}`);
      ops.push({ name, method, op });
    }
  }
  ops.sort((a, b) => byCodeUnit(a.name, b.name));
  for (let i = 1; i < ops.length; i++) {
    if (ops[i].name === ops[i - 1].name) fail(`operation ${ops[i].name} has more than one method`);
  }
  return ops;
}

function authCode(spec, name, op) {
  const security = op.security ?? spec.security;
  if (!Array.isArray(security)) fail(`${name}: no security declared`);
  if (security.length === 0) return "N";
  if (security.length !== 1) fail(`${name}: alternative security requirements are not supported`);
  const schemes = Object.keys(security[0]);
  if (schemes.length === 0) return "N"; // `[{}]`: anonymous allowed
  if (schemes.length !== 1) fail(`${name}: combined security requirements are not supported`);
  const def = spec.components.securitySchemes?.[schemes[0]];
  if (!def) fail(`${name}: unknown security scheme ${schemes[0]}`);
  if (def.type === "http" && String(def.scheme).toLowerCase() === "basic") return "B";
  if (def.type === "apiKey" && def.in === "header" && def.name === "Authorization") return "T";
  fail(`${name}: unsupported security scheme ${schemes[0]} ${JSON.stringify(def)}`);
}

function jsonContent(name, holder, what) {
  const content = holder?.content;
  if (!content || !content["application/json"]) return undefined;
  const schema = content["application/json"].schema;
  if (!schema) fail(`${name}: ${what} has application/json without a schema`);
  return schema;
}

function responseSchema(name, op) {
  const ok = op.responses?.["200"];
  if (!ok) fail(`${name}: no 200 response`);
  const schema = jsonContent(name, ok, "200 response");
  if (!schema) fail(`${name}: 200 response is not application/json`);
  return schema;
}

/** Top-level JSON type of a schema: "array" | "object" | "string" | ... (follows $ref / allOf). */
function jsonKind(schemas, schema, seen = new Set()) {
  if (schema.$ref) {
    const n = refName(schema.$ref);
    if (seen.has(n)) fail(`$ref cycle through ${n}`);
    seen.add(n);
    const target = schemas[n];
    if (!target) fail(`dangling $ref ${schema.$ref}`);
    return jsonKind(schemas, target, seen);
  }
  if (schema.type) return schema.type;
  if (schema.properties || schema.additionalProperties) return "object";
  for (const k of ["allOf", "anyOf", "oneOf"]) {
    if (Array.isArray(schema[k]) && schema[k].length) {
      const kinds = new Set(schema[k].map((s) => jsonKind(schemas, s, new Set(seen))));
      if (kinds.size === 1) return [...kinds][0];
      if (k === "allOf" && [...kinds].every((x) => x === "object" || x === "unknown")) return "object";
      fail(`mixed JSON types in ${k}: ${[...kinds].join(", ")}`);
    }
  }
  return "unknown";
}

const RESPONSE_CODE = { array: "A", object: "O", string: "S" };

// ---------------------------------------------------------------------------------------------
// catalogue.rs

export function generateCatalogue(spec) {
  const schemas = spec.components.schemas;
  const version = spec.info.version;
  const lines = listOperations(spec).map(({ name, method, op }) => {
    const m = method === "get" ? "G" : "P";
    const kind = jsonKind(schemas, responseSchema(name, op));
    const r = RESPONSE_CODE[kind];
    if (!r) fail(`${name}: 200 response is a JSON ${kind}, which the catalogue has no code for`);
    const flags = `${m}${authCode(spec, name, op)}${r}`;
    return { name, flags: flags.startsWith("PT") ? r : flags };
  });
  // Front coding: each name as the length of the prefix it shares with the previous name (two
  // digits) and the rest; sorted names share long prefixes, so this halves the catalogue.
  const coded = lines.map(({ name, flags }, i) => {
    const previous = i ? lines[i - 1].name : "";
    let shared = 0;
    while (shared < 99 && shared < previous.length && previous[shared] === name[shared]) shared++;
    return `${String(shared).padStart(2, "0")}${name.slice(shared)} ${flags}`;
  });
  for (const l of coded) if (/["\\\r\n]/.test(l)) fail(`catalogue line not literal-safe: ${l}`);
  const count = (c) => lines.filter((l) => l.flags.endsWith(c)).length;
  return [
    `//! @generated by ${SCRIPT_PATH} from ${SPEC_PATH} — do not edit.`,
    `//! The \`CloudTower\` v2 operation catalogue: all ${lines.length} operations of the API description`,
    `//! version ${version}, each with its HTTP method, authentication and the JSON type of its 200`,
    `//! response (${count("A")} arrays, ${count("O")} objects, ${count("S")} strings).`,
    `//! Regenerate with \`node ${SCRIPT_PATH}\`; \`--check\` verifies this file is current.`,
    ``,
    `/// Version of the \`CloudTower\` API description this catalogue was generated from.`,
    `pub const SPEC_VERSION: &str = ${JSON.stringify(version)};`,
    ``,
    `/// Every v2 operation, sorted by name, one per line: \`<shared><rest> <method><auth><response>\``,
    `/// where the name is the first \`<shared>\` characters (two digits) of the previous line's name`,
    `/// followed by \`<rest>\`; method is \`G\` (GET) or \`P\` (POST); auth is \`T\` (Authorization token`,
    `/// or API key), \`N\` (none), \`B\` (HTTP Basic); response is \`A\` (JSON array), \`O\` (JSON object),`,
    `/// \`S\` (JSON string): the top-level JSON type of the 200 response. \`PT\` (POST with a credential,`,
    `/// nearly every operation) is left out. Each line ends with \`\\n\`.`,
    `pub const OPERATIONS: &str = "\\`,
    ...coded,
    `";`,
    ``,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// operations.d.ts

const ATOM = 0; // safe anywhere
const INTER = 1; // A & B
const UNION = 2; // A | B

function jsdoc(parts, indent) {
  const lines = parts.filter(Boolean);
  if (!lines.length) return "";
  const pad = "  ".repeat(indent);
  if (lines.length === 1) return `${pad}/** ${lines[0]} */\n`;
  return `${pad}/**\n${lines.map((l) => `${pad} * ${l}`).join("\n")}\n${pad} */\n`;
}

/** First paragraph of a description, one line, at most 200 characters, safe inside a comment. */
function shortDescription(text) {
  if (typeof text !== "string") return "";
  let t = text.split(/\n\s*\n/)[0].replace(/\s+/g, " ").trim();
  if (t.length > 200) t = `${t.slice(0, 197).trimEnd()}...`;
  return t.replace(/\*\//g, "*\\/");
}

function docFor(schema) {
  return [shortDescription(schema.description), schema.deprecated ? "@deprecated" : ""];
}

const propKey = (k) => (IDENT.test(k) ? k : JSON.stringify(k));

class TypeWriter {
  constructor(spec) {
    this.schemas = spec.components.schemas;
    this.names = buildNameMap(this.schemas);
  }

  ref(ref) {
    const n = refName(ref);
    const id = this.names.get(n);
    if (!id) fail(`dangling $ref ${ref}`);
    return id;
  }

  /** Renders a schema as a TS type: [text, precedence]. `indent` is the nesting level. */
  render(schema, indent) {
    const [t, p] = this.renderInner(schema, indent);
    const hasNull = Array.isArray(schema?.enum) && schema.enum.includes(null);
    if (schema?.nullable === true && t !== "unknown" && !hasNull) {
      return [`${t} | null`, UNION];
    }
    return [t, p];
  }

  renderInner(schema, indent) {
    if (schema === true || schema === undefined) return ["unknown", ATOM];
    if (schema === false) return ["never", ATOM];
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) fail(`bad schema ${JSON.stringify(schema)}`);
    if (schema.$ref) return [this.ref(schema.$ref), ATOM];
    if (Array.isArray(schema.enum)) {
      const vals = [...new Set(schema.enum.map((v) => JSON.stringify(v)))];
      if (!vals.length) return ["never", ATOM];
      return [vals.join(" | "), vals.length > 1 ? UNION : ATOM];
    }
    for (const k of ["anyOf", "oneOf"]) {
      if (Array.isArray(schema[k])) return this.combine(schema[k], " | ", UNION, indent);
    }
    if (Array.isArray(schema.allOf)) return this.combine(schema.allOf, " & ", INTER, indent);
    switch (schema.type) {
      case "string":
        return [schema.format === "binary" ? "unknown" : "string", ATOM];
      case "integer":
      case "number":
        return ["number", ATOM]; // never narrow: the server sends floats where integers are declared
      case "boolean":
        return ["boolean", ATOM];
      case "array": {
        const [t, p] = this.render(schema.items ?? {}, indent);
        return [p === ATOM ? `${t}[]` : `(${t})[]`, ATOM];
      }
      case "object":
        return [this.objectBody(schema, indent), ATOM];
      case undefined:
        if (schema.properties || (schema.additionalProperties && typeof schema.additionalProperties === "object")) {
          return [this.objectBody(schema, indent), ATOM];
        }
        return ["unknown", ATOM];
      default:
        fail(`unsupported schema type ${JSON.stringify(schema.type)}`);
    }
  }

  combine(list, sep, prec, indent) {
    if (list.length === 0) return ["unknown", ATOM];
    const parts = [];
    for (const s of list) {
      const [t, p] = this.render(s, indent);
      const wrapped = p > prec || (p === UNION && prec === INTER) ? `(${t})` : t;
      if (!parts.includes(wrapped)) parts.push(wrapped);
    }
    if (parts.length === 1) {
      // A single member keeps its own precedence.
      return this.render(list[0], indent);
    }
    return [parts.join(sep), prec];
  }

  /** `{ ... }` for an object schema: its members at `indent + 1`. */
  objectBody(schema, indent) {
    const members = this.members(schema, indent + 1);
    if (!members) return "{ [key: string]: unknown }";
    return `{\n${members}${"  ".repeat(indent)}}`;
  }

  /** Member lines of an object schema, or "" when it declares no properties at all. */
  members(schema, indent) {
    const pad = "  ".repeat(indent);
    const props = schema.properties ?? {};
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    const keys = Object.keys(props).sort(byCodeUnit);
    let out = "";
    for (const k of keys) {
      const [t] = this.render(props[k], indent);
      out += jsdoc(docFor(props[k]), indent);
      out += `${pad}${propKey(k)}${required.has(k) ? "" : "?"}: ${t};\n`;
    }
    const ap = schema.additionalProperties;
    if (ap === true || (ap && typeof ap === "object")) {
      // An index signature must admit every declared property type: fall back to unknown then.
      const t = keys.length || ap === true ? "unknown" : this.render(ap, indent)[0];
      out += `${pad}[key: string]: ${t};\n`;
    } else if (!keys.length) {
      return ""; // no declared members (even with additionalProperties: false): an open object
    }
    return out;
  }

  /** One exported declaration per component schema. */
  declaration(name, schema) {
    const id = this.names.get(name);
    const doc = docFor(schema);
    if (id !== name) doc.push(`Spec name: \`${name}\` (not a TypeScript identifier).`);
    const plainObject =
      (schema.type === "object" || (schema.type === undefined && schema.properties)) &&
      !schema.nullable && !schema.enum && !schema.allOf && !schema.anyOf && !schema.oneOf;
    if (plainObject) {
      const members = this.members(schema, 1);
      if (members) return `${jsdoc(doc, 0)}export interface ${id} {\n${members}}\n`;
    }
    const [t] = this.render(schema, 0);
    return `${jsdoc(doc, 0)}export type ${id} = ${t};\n`;
  }

  /** Body type of an operation. Returns [type, notes]. */
  body(name, method, op) {
    const notes = [];
    if (method === "get") {
      const params = (op.parameters ?? []).filter((p) => p.in === "query");
      if (!params.length) return ["void", notes];
      const props = {};
      const required = [];
      for (const p of params) {
        props[p.name] = p.schema ?? {};
        if (p.required) required.push(p.name);
      }
      notes.push("GET: the body is sent as query parameters.");
      return [this.objectBody({ type: "object", properties: props, required }, 2), notes];
    }
    const rb = op.requestBody;
    if (!rb) return ["void", notes];
    let schema = jsonContent(name, rb, "request body");
    if (!schema) {
      const types = Object.keys(rb.content ?? {}).sort(byCodeUnit);
      if (!types.length) fail(`${name}: request body without content`);
      schema = rb.content[types[0]].schema ?? {};
      notes.push(`Request body is \`${types[0]}\`, not JSON (\`file\` is binary).`);
    }
    const [t] = this.render(schema, 2);
    return [rb.required === false ? `${t} | void` : t, notes];
  }

  response(name, op) {
    return this.render(responseSchema(name, op), 2)[0];
  }
}

export function generateDts(spec) {
  const w = new TypeWriter(spec);
  const version = spec.info.version;
  const schemaNames = Object.keys(w.schemas).sort(byCodeUnit);
  const renamed = schemaNames.filter((n) => w.names.get(n) !== n);
  const ops = listOperations(spec);

  let out = "";
  out += `// @generated by ${SCRIPT_PATH} from ${SPEC_PATH} (CloudTower API ${version}) — do not edit.\n`;
  out += `// Types only: one exported type per component schema (${schemaNames.length}) and the\n`;
  out += `// \`Operations\` map of all ${ops.length} v2 operations. Numbers are never narrowed to integers.\n`;
  if (renamed.length) {
    out += `// Schema names that are not TypeScript identifiers were renamed (invalid characters -> "_"):\n`;
    for (const n of renamed) out += `//   ${n} -> ${w.names.get(n)}\n`;
  }
  out += `\n`;
  for (const n of schemaNames) out += `${w.declaration(n, w.schemas[n])}\n`;

  out += `/** Every CloudTower v2 operation: its request body and its 200 response. */\n`;
  out += `export interface Operations {\n`;
  for (const { name, method, op } of ops) {
    const [body, notes] = w.body(name, method, op);
    const response = w.response(name, op);
    out += jsdoc(notes, 1);
    const key = JSON.stringify(name);
    out += body.includes("\n") || response.includes("\n")
      ? `  ${key}: {\n    body: ${body};\n    response: ${response};\n  };\n`
      : `  ${key}: { body: ${body}; response: ${response} };\n`;
  }
  out += `}\n\n`;
  out += `/** Name of a v2 operation, e.g. \`"get-vms"\`. */\n`;
  out += `export type OperationName = keyof Operations;\n`;
  out += `/** Request body of an operation (\`void\` when it takes none). */\n`;
  out += `export type OperationBody<Op extends OperationName> = Operations[Op]["body"];\n`;
  out += `/** 200 response of an operation. */\n`;
  out += `export type OperationResponse<Op extends OperationName> = Operations[Op]["response"];\n`;
  return out;
}

// ---------------------------------------------------------------------------------------------
// cli/secret-fields.mjs

// A field holds a secret when its name ends in one of these words (after the Prisma filter
// suffix of a where input: `chap_secret_contains` filters on a secret) and it takes strings.
// `key` alone is not one: a label's key is not secret, an API key is.
const SECRET_ENDINGS = [["password"], ["secret"], ["token"], ["passphrase"], ["pass", "phrase"], ["api", "key"], ["private", "key"], ["access", "key"], ["secret", "key"]];
const FILTER_SUFFIX = /_(not|in|not_in|lt|lte|gt|gte|contains|not_contains|starts_with|not_starts_with|ends_with|not_ends_with)$/;

function isSecretName(name) {
  const words = name.replace(FILTER_SUFFIX, "").replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().split(/[_-]+/);
  return SECRET_ENDINGS.some((ending) => ending.every((w, i) => words[words.length - ending.length + i] === w));
}

function takesStrings(schemas, schema, seen = new Set()) {
  if (!schema || typeof schema !== "object") return false;
  if (schema.$ref) {
    const n = refName(schema.$ref);
    if (seen.has(n)) return false;
    return takesStrings(schemas, schemas[n], new Set(seen).add(n));
  }
  if (schema.type === "string") return true;
  if (schema.type === "array") return takesStrings(schemas, schema.items, seen);
  return ["allOf", "anyOf", "oneOf"].some((k) => Array.isArray(schema[k]) && schema[k].some((s) => takesStrings(schemas, s, seen)));
}

/** Every property name of the description that holds a secret, sorted. */
export function secretFieldNames(spec) {
  const schemas = spec.components.schemas;
  const found = new Set();
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    if (node.properties && typeof node.properties === "object") {
      for (const [name, prop] of Object.entries(node.properties)) if (isSecretName(name) && takesStrings(schemas, prop)) found.add(name);
    }
    Object.values(node).forEach(walk);
  };
  walk(schemas);
  walk(spec.paths);
  return [...found].sort(byCodeUnit);
}

export function generateSecretFields(spec) {
  const names = secretFieldNames(spec);
  return [
    `// @generated by ${SCRIPT_PATH} from ${SPEC_PATH} (CloudTower API ${spec.info.version}) — do not edit.`,
    `// The ${names.length} field names of the API description whose values are secrets (passwords, CHAP`,
    `// secrets, SNMP pass phrases, API keys, tokens; and the where-filters on them). The CLI refuses`,
    `// them in an inline --body or --where: argv is visible in the process list.`,
    ``,
    `export const SECRET_FIELDS = new Set([`,
    ...names.map((n) => `  ${JSON.stringify(n)},`),
    `]);`,
    ``,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// cli/operations.mjs

export function generateCliOperations(spec) {
  const lines = listOperations(spec).map(({ name, method, op }) => `${name} ${method === "get" ? "G" : "P"}${authCode(spec, name, op)}`);
  return [
    `// @generated by ${SCRIPT_PATH} from ${SPEC_PATH} (CloudTower API ${spec.info.version}) — do not edit.`,
    `// The ${lines.length} v2 operations for \`cloudtower ops\` and the shell completion, sorted, one per`,
    `// line: "<name> <method><auth>", method G (GET) or P (POST), auth T (a credential), N (none), B (Basic).`,
    ``,
    `export const OPERATIONS = \``,
    ...lines,
    `\`;`,
    ``,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// CLI

export function loadSpec() {
  const spec = JSON.parse(readFileSync(join(ROOT, SPEC_PATH), "utf8"));
  if (!spec?.openapi?.startsWith("3.0")) fail(`${SPEC_PATH} is not an OpenAPI 3.0 document`);
  if (!spec.info?.version) fail(`${SPEC_PATH} has no info.version`);
  if (!spec.components?.schemas || !spec.paths) fail(`${SPEC_PATH} has no paths or components.schemas`);
  return spec;
}

/** { relative path -> content } of every generated file. */
export function generate(spec = loadSpec()) {
  return {
    [CATALOGUE_PATH]: generateCatalogue(spec),
    [DTS_PATH]: generateDts(spec),
    [SECRET_FIELDS_PATH]: generateSecretFields(spec),
    [CLI_OPERATIONS_PATH]: generateCliOperations(spec),
  };
}

function readOrNull(file) {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    if (e.code === "ENOENT") return null;
    throw e;
  }
}

function main(argv) {
  let check = false;
  let outDir = ROOT;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--check") check = true;
    else if (argv[i] === "--out-dir" && i + 1 < argv.length) outDir = resolve(argv[++i]);
    else {
      process.stderr.write(`usage: node ${SCRIPT_PATH} [--check] [--out-dir <dir>]\n`);
      return 2;
    }
  }
  const files = generate();
  if (check) {
    const stale = Object.keys(files).filter((rel) => readOrNull(join(outDir, rel)) !== files[rel]);
    if (stale.length) {
      process.stderr.write(
        `gen-from-spec: stale generated file(s), regenerate with \`node ${SCRIPT_PATH}\`:\n` +
          stale.map((rel) => `  ${rel}${readOrNull(join(outDir, rel)) === null ? " (missing)" : ""}\n`).join(""),
      );
      return 1;
    }
    process.stdout.write(`gen-from-spec: ${Object.keys(files).join(", ")} up to date with ${SPEC_PATH}\n`);
    return 0;
  }
  for (const [rel, content] of Object.entries(files)) {
    const file = join(outDir, rel);
    if (readOrNull(file) === content) continue;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    process.stdout.write(`gen-from-spec: wrote ${rel} (${Buffer.byteLength(content)} bytes)\n`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 2;
  }
}
