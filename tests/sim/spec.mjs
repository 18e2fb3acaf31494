// The vendored CloudTower 4.6.0 OpenAPI description, and ajv validators compiled from it.
// Loaded once per process (it is immutable); validators are compiled lazily per schema and
// cached, because the where-input schemas are large and recursive.

import { readFileSync } from "node:fs";
import Ajv from "ajv";
import addFormats from "ajv-formats";

export const SPEC_VERSION = "4.6.0";
const SPEC_URL = new URL(`../../spec/openapi-${SPEC_VERSION}.json`, import.meta.url);
const REF_PREFIX = "#/components/schemas/";
const V2_PREFIX = "/v2/api/";

let spec;
/** The parsed OpenAPI document. */
function loadSpec() {
  spec ??= JSON.parse(readFileSync(SPEC_URL, "utf8"));
  return spec;
}

let operations;
/**
 * name ("get-vms") → { name, method ("GET"|"POST"), requestSchema, responseSchemas: {status: schema} }
 * for every operation the spec describes.
 */
export function specOperations() {
  if (operations) return operations;
  operations = new Map();
  for (const [path, item] of Object.entries(loadSpec().paths)) {
    for (const [method, op] of Object.entries(item)) {
      const name = path.slice(1);
      const responseSchemas = {};
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const schema = response.content?.["application/json"]?.schema;
        if (schema) responseSchemas[status] = schema;
      }
      operations.set(name, {
        name,
        path: V2_PREFIX + name,
        method: method.toUpperCase(),
        requestSchema: op.requestBody?.content?.["application/json"]?.schema ?? null,
        responseSchemas,
      });
    }
  }
  return operations;
}

// OpenAPI 3.0 `nullable` is not JSON Schema. Ajv understands it only beside `type`, and the spec
// also puts it beside `allOf: [{$ref}]`. Rewrite each schema, so ajv sees plain JSON Schema:
//   {type: T, nullable: true}        → {type: [T, "null"]}            (enum gains null)
//   {allOf: [...], nullable: true}   → {if: {type: "null"}, else: {allOf: [...]}}
// if/else rather than anyOf keeps error messages about the real value, not about "null".
// `$ref` and `properties` become the two lazy keywords below.
function toJsonSchema(node) {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "$ref") out[LAZY_REF] = v.slice(REF_PREFIX.length);
    else if (k === "properties") out[LAZY_PROPERTIES] = { properties: v, closed: node.additionalProperties === false };
    else if (k !== "nullable" && !(k === "additionalProperties" && node.properties)) out[k] = toJsonSchema(v);
  }
  if (node.nullable !== true) return out;
  if (typeof out.type === "string") {
    out.type = [out.type, "null"];
    if (out.enum) out.enum = [...out.enum, null];
    return out;
  }
  return { if: { type: "null" }, else: out };
}

// The where-input schemas are huge and recursive (VmWhereInput → ClusterWhereInput →
// HostWhereInput → ..., 167 schemas and 11,000 properties behind get-vms): compiled as plain
// JSON Schema they take seconds. So nothing is compiled before data reaches it:
//   LAZY_REF         a component schema, compiled on first use;
//   LAZY_PROPERTIES  an object's properties, each property schema compiled on first use
//                    (identical small schemas share one validator), unknown keys refused
//                    when the spec says additionalProperties: false.
// The validators receive ajv's data context, so errors keep their full instancePath.
const LAZY_REF = "x-sim-lazy-ref";
const LAZY_PROPERTIES = "x-sim-lazy-properties";
let ajv;
function getAjv() {
  if (ajv) return ajv;
  // strict: false because the spec carries OpenAPI-only keywords (example, description...);
  // code optimization costs more than it saves on schemas validated a handful of times.
  ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false, code: { optimize: false } });
  addFormats(ajv);
  ajv.addKeyword({
    keyword: LAZY_REF,
    schemaType: "string",
    errors: true,
    validate: function lazyRef(name, data, _parentSchema, dataCxt) {
      const validate = schemaValidator(name);
      const ok = validate(data, dataCxt);
      lazyRef.errors = ok ? null : validate.errors;
      return ok;
    },
  });
  ajv.addKeyword({
    keyword: LAZY_PROPERTIES,
    type: "object",
    schemaType: "object",
    errors: true,
    validate: function lazyProperties({ properties, closed }, data, _parentSchema, dataCxt) {
      for (const key of Object.keys(data)) {
        if (!Object.hasOwn(properties, key)) {
          if (!closed) continue;
          lazyProperties.errors = [{
            instancePath: dataCxt.instancePath, schemaPath: "", keyword: "additionalProperties",
            params: { additionalProperty: key }, message: "must NOT have additional properties",
          }];
          return false;
        }
        const validate = propertyValidator(properties[key]);
        const path = `${dataCxt.instancePath}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
        if (!validate(data[key], { instancePath: path, parentData: data, parentDataProperty: key, rootData: dataCxt.rootData })) {
          lazyProperties.errors = validate.errors;
          return false;
        }
      }
      return true;
    },
  });
  return ajv;
}

const compiled = new Map();
function compile(key, schema) {
  let validate = compiled.get(key);
  if (!validate) {
    validate = getAjv().compile(toJsonSchema(schema));
    compiled.set(key, validate);
  }
  return validate;
}

const byPropertySchema = new WeakMap();
function propertyValidator(schema) {
  let validate = byPropertySchema.get(schema);
  if (!validate) {
    validate = compile(`property:${JSON.stringify(schema)}`, schema);
    byPropertySchema.set(schema, validate);
  }
  return validate;
}

/** Validator of an operation's request body, or null when the operation takes none. */
export function requestValidator(name) {
  const op = specOperations().get(name);
  return op?.requestSchema ? compile(`request:${name}`, op.requestSchema) : null;
}

/** Validator of an operation's response body for an HTTP status (default 200). */
export function responseValidator(name, status = 200) {
  const schema = specOperations().get(name)?.responseSchemas[String(status)];
  if (!schema) throw new Error(`spec: ${name} declares no ${status} JSON response`);
  return compile(`response:${name}:${status}`, schema);
}

/** Validator of one component schema ("ErrorBody", "Vm", ...). */
export function schemaValidator(name) {
  const schema = loadSpec().components.schemas[name];
  if (!schema) throw new Error(`spec: no schema ${name}`);
  return compile(`schema:${name}`, schema);
}

/**
 * One readable sentence naming the offending field, from ajv errors and the validated data:
 *   "body/where/name_contains must be string", "unknown field where.nmae".
 * Nested schemas report their error and then each enclosing wrapper; the deepest is the useful one.
 */
export function describeValidationError(errors, data) {
  const error = errors.reduce((best, e) => (e.instancePath.length > best.instancePath.length ? e : best));
  const segments = error.instancePath.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (error.keyword === "additionalProperties") {
    return `unknown field ${[...segments, error.params.additionalProperty].join(".")}`;
  }
  const field = ["body", ...segments].join("/");
  if (error.keyword === "type") {
    // null is always accepted where the spec says nullable: naming it would only add noise.
    const types = [error.params.type].flat().filter((t) => t !== "null");
    return `${field} must be ${types.join(" or ")}`;
  }
  if (error.keyword === "enum") {
    const value = segments.reduce((node, key) => node?.[key], data);
    return `${field} must be one of the allowed values, got ${JSON.stringify(value)}`;
  }
  return `${field} ${error.message}`;
}
