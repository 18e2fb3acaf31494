// Prisma-1 query semantics over in-memory records, as CloudTower's `get-*` operations expose them:
//   where:   x, x_not, x_in, x_not_in, x_contains, x_not_contains, x_starts_with, x_ends_with,
//            x_not_starts_with, x_not_ends_with, x_lt, x_lte, x_gt, x_gte; relations by nesting
//            (`cluster: {name: ...}`); list relations with x_some / x_every / x_none;
//            AND / OR / NOT arrays (NOT: none of its filters holds).
//   order:   `<field>_ASC|_DESC`; default and tie-break: id ascending.
//   paging:  filter → order → cursor (after/before: an id) → skip → first/last.
// Request bodies were validated against the spec before they get here, so keys and types are sane.

import { SimError } from "./i18n.mjs";

// Longest suffixes first: "name_not_starts_with" must not be read as "name_not_starts" + "_with".
const OPERATORS = [
  "_not_starts_with", "_not_ends_with", "_not_contains", "_starts_with", "_ends_with", "_contains",
  "_not_in", "_every", "_some", "_none", "_not", "_in", "_lte", "_lt", "_gte", "_gt",
].map((suffix) => [suffix, suffix.slice(1)]);

const parsedKeys = new Map();
/** "name_not_in" → ["name", "not_in"]; "name" → ["name", "eq"]. Fields may contain underscores. */
function parseKey(key, record) {
  let parsed = parsedKeys.get(key);
  if (!parsed) {
    parsed = [key, "eq"];
    for (const [suffix, op] of OPERATORS) {
      if (key.endsWith(suffix) && key.length > suffix.length) {
        parsed = [key.slice(0, -suffix.length), op];
        break;
      }
    }
    parsedKeys.set(key, parsed);
  }
  // A field whose own name ends like an operator (none in 4.6.0 today) is still an equality.
  return Object.hasOwn(record, key) && parsed[1] !== "eq" && !Object.hasOwn(record, parsed[0]) ? [key, "eq"] : parsed;
}

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const sameValue = (a, b) => a === b || (isObject(a) && isObject(b) && JSON.stringify(a) === JSON.stringify(b));

/** Order of two scalar values, nulls first (as an ascending Prisma/SQL sort puts them). */
function compareValues(a, b) {
  a ??= null;
  b ??= null;
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === "object") a = JSON.stringify(a);
  if (typeof b === "object") b = JSON.stringify(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

const STRING_OPS = {
  contains: (v, x) => v.includes(x),
  starts_with: (v, x) => v.startsWith(x),
  ends_with: (v, x) => v.endsWith(x),
};

/** One scalar operator applied to a record value (null values match only eq/not/in null). */
function scalarMatches(value, op, operand) {
  value ??= null;
  switch (op) {
    case "eq": return sameValue(value, operand);
    case "not": return !sameValue(value, operand);
    case "in": return operand.some((x) => sameValue(value, x));
    case "not_in": return !operand.some((x) => sameValue(value, x));
    case "lt": return value !== null && compareValues(value, operand) < 0;
    case "lte": return value !== null && compareValues(value, operand) <= 0;
    case "gt": return value !== null && compareValues(value, operand) > 0;
    case "gte": return value !== null && compareValues(value, operand) >= 0;
  }
  const negated = op.startsWith("not_");
  const test = STRING_OPS[negated ? op.slice(4) : op];
  if (typeof value !== "string") return false;
  return test(value, operand) !== negated;
}

/**
 * Does `record` satisfy `where`? `resolve(ref)` turns a nested reference ({id, name}) into the
 * full related record when the inventory has it, so `cluster: {connect_state: ...}` works.
 */
function matches(record, where, resolve) {
  if (!where) return true;
  for (const key in where) {
    const operand = where[key];
    if (operand === undefined) continue;
    if (key === "AND") {
      if (!operand.every((w) => matches(record, w, resolve))) return false;
    } else if (key === "OR") {
      if (!operand.some((w) => matches(record, w, resolve))) return false;
    } else if (key === "NOT") {
      if (operand.some((w) => matches(record, w, resolve))) return false;
    } else {
      const [field, op] = parseKey(key, record);
      if (!fieldMatches(record[field], op, operand, resolve)) return false;
    }
  }
  return true;
}

function fieldMatches(value, op, operand, resolve) {
  if (op === "some" || op === "every" || op === "none") {
    if (operand === null) return true; // a null filter filters nothing
    const items = (value ?? []).map(resolve);
    const test = (item) => matches(item, operand, resolve);
    return op === "some" ? items.some(test) : op === "every" ? items.every(test) : !items.some(test);
  }
  // A nested object filters the related record (to-one relation): null relation never matches.
  if (op === "eq" && isObject(operand)) return value != null && matches(resolve(value), operand, resolve);
  return scalarMatches(value, op, operand);
}

function sortRecords(records, orderBy) {
  if (!orderBy) return records; // inventory arrays are kept in id order
  const desc = orderBy.endsWith("_DESC");
  const field = orderBy.slice(0, desc ? -5 : -4);
  const sign = desc ? -1 : 1;
  return [...records].sort((a, b) => sign * compareValues(a[field], b[field]) || compareValues(a.id, b.id));
}

function nonNegative(args, field) {
  const value = args[field];
  if (value != null && value < 0) throw new SimError(400, "badPagination", { field });
  return value ?? null;
}

/** Filters, orders and pages `records` like Prisma 1. Returns a new array. */
export function runQuery(records, args, resolve) {
  const { where, orderBy, after, before } = args;
  const [first, last, skip] = ["first", "last", "skip"].map((f) => nonNegative(args, f));
  let rows = where ? records.filter((r) => matches(r, where, resolve)) : records;
  rows = sortRecords(rows, orderBy);
  // A cursor that is not in the result set yields nothing, as Prisma 1 does.
  if (after != null) {
    const at = rows.findIndex((r) => r.id === after);
    rows = at < 0 ? [] : rows.slice(at + 1);
  }
  if (before != null) {
    const at = rows.findIndex((r) => r.id === before);
    rows = at < 0 ? [] : rows.slice(0, at);
  }
  // With `last`, Prisma reverses the order, skips, takes, then reverses back: skip counts from the end.
  if (last !== null && first === null) {
    const end = rows.length - (skip ?? 0);
    return rows.slice(Math.max(0, end - last), Math.max(0, end));
  }
  rows = rows.slice(skip ?? 0, first === null ? undefined : (skip ?? 0) + first);
  return last === null ? rows : rows.slice(Math.max(0, rows.length - last));
}

/** How many records match `where` (connections count without paging, as Prisma's aggregate does). */
export function countQuery(records, where, resolve) {
  if (!where) return records.length;
  let n = 0;
  for (const r of records) if (matches(r, where, resolve)) n++;
  return n;
}
