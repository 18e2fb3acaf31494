// What the client must answer in each dialect (the simulator's guessed behaviours), and the scan
// of an error for secrets: every cell of the matrix uses these.

import assert from "node:assert/strict";
import { inspect } from "node:util";

export const REVOKED = "Invalid, expired or revoked credential";
export const KEYS_FORBIDDEN = "API keys cannot manage API keys; log in with a password to get a token";

/** A GraphQL call with a bad credential: UNAUTHORIZED where the server says so, else GRAPHQL with its message. */
export function assertUnauthenticatedGraphql(error, dialect) {
  const expected = {
    code: ["UNAUTHORIZED", 200],
    http: ["UNAUTHORIZED", 401],
    message: ["GRAPHQL", 200],
  }[dialect.graphqlUnauthenticated];
  assert.deepEqual([error.code, error.status], expected, `${error.code} ${error.status}: ${error.message}`);
  assert.equal(error.message, REVOKED);
}

/** A GraphQL call with a credential lacking permission. */
export function assertForbiddenGraphql(error, dialect) {
  const expected = {
    code: ["FORBIDDEN", 200],
    http: ["FORBIDDEN", 403],
    message: ["GRAPHQL", 200],
  }[dialect.graphqlForbidden];
  assert.deepEqual([error.code, error.status], expected, `${error.code} ${error.status}: ${error.message}`);
  assert.equal(error.message, KEYS_FORBIDDEN);
}

/** A v2 call with a bad credential: UNAUTHORIZED 401 in every shape, with whatever message there was. */
export function assertUnauthorizedV2(error, dialect) {
  assert.deepEqual([error.code, error.status], ["UNAUTHORIZED", 401], error.message);
  const message = { "error-body": REVOKED, empty: "HTTP 401", text: `HTTP 401: ${REVOKED}` }[dialect.v2Unauthorized];
  assert.equal(error.message, message);
}

/** Every string reachable from `value` (own properties, enumerable or not, and array items). */
function strings(value, seen = new Set()) {
  if (typeof value === "string") return [value];
  if (value === null || typeof value !== "object" || seen.has(value)) return [];
  seen.add(value);
  return Object.getOwnPropertyNames(value).flatMap((name) => {
    const descriptor = Object.getOwnPropertyDescriptor(value, name);
    return [name, ...("value" in descriptor ? strings(descriptor.value, seen) : [])];
  });
}

/** No secret in any field of `error` (recursively), nor in its JSON or inspected forms. */
export function assertNoSecret(error, secrets) {
  const texts = [...strings(error), inspect(error, { depth: 20, showHidden: true }), JSON.stringify(error) ?? ""];
  for (const secret of secrets.filter(Boolean)) {
    for (const text of texts) assert.ok(!text.includes(secret), `a secret leaked into the error: ${error.code} ${error.message}`);
  }
}
