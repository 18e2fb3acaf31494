// GraphQL semantics: the errors a real GraphQL server gives, transport errors, optional apiKeys,
// authnStrategies variants.

import { test } from "node:test";
import assert from "node:assert/strict";
import { useSimulator, withSimulator } from "../harness.mjs";

const ctx = useSimulator();

function onlyError(r, code) {
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.errors.length, 1, r.text);
  const [error] = r.json.errors;
  assert.equal(error.extensions.code, code, r.text);
  assert.equal(typeof error.message, "string");
  return error;
}

test("syntax error → GRAPHQL_PARSE_FAILED with locations, no data", async () => {
  const r = await ctx.api.gql("{ my { id ");
  const error = onlyError(r, "GRAPHQL_PARSE_FAILED");
  assert.match(error.message, /^Syntax Error/);
  assert.deepEqual(error.locations, [{ line: 1, column: 11 }]);
  assert.equal("data" in r.json, false);
});

test("unknown field → GRAPHQL_VALIDATION_FAILED", async () => {
  const error = onlyError(await ctx.api.gql("{ my { user { id nmae } } }"), "GRAPHQL_VALIDATION_FAILED");
  assert.match(error.message, /^Cannot query field "nmae" on type "User"\./);
  assert.ok(error.locations);
});

test("missing and mistyped variables → BAD_USER_INPUT", async () => {
  const query = "mutation login($data: LoginInput!) { login(data: $data) { token } }";
  const missing = onlyError(await ctx.api.gql(query, {}), "BAD_USER_INPUT");
  assert.equal(missing.message, 'Variable "$data" of required type "LoginInput!" was not provided.');
  const mistyped = onlyError(await ctx.api.gql(query, { data: { username: "admin", password: 1, source: "LOCAL" } }), "BAD_USER_INPUT");
  assert.match(mistyped.message, /^Variable "\$data" got invalid value 1 at "data.password"; String cannot represent a non string value/);
  const badEnum = onlyError(await ctx.api.gql(query, { data: { username: "admin", password: "x", source: "LOCALE" } }), "BAD_USER_INPUT");
  assert.match(badEnum.message, /Value "LOCALE" does not exist in "UserSource" enum/);
});

test("unknown operationName / ambiguous document → OPERATION_RESOLUTION_FAILURE", async () => {
  const { api } = ctx;
  const r = await api.request("POST", "/api", { body: { query: "query a { authnStrategies { id } } query b { authnStrategies { id } }" } });
  onlyError(r, "OPERATION_RESOLUTION_FAILURE");
  const named = await api.request("POST", "/api", { body: { query: "query a { authnStrategies { id } }", operationName: "zzz" } });
  assert.equal(onlyError(named, "OPERATION_RESOLUTION_FAILURE").message, 'Unknown operation named "zzz".');
  const chosen = await api.request("POST", "/api", { body: { query: "query a { authnStrategies { id } } query b { authnStrategies { name } }", operationName: "b" } });
  assert.deepEqual(chosen.json, { data: { authnStrategies: [{ name: "corp-ldap" }] } });
});

test("resolver error codes: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT carry path", async () => {
  const { api } = ctx;
  assert.deepEqual(onlyError(await api.gql("{ my { user { id } } }"), "UNAUTHENTICATED").path, ["my"]);
  const token = await api.login();
  const { key } = await api.createKey(token);
  const forbidden = onlyError(await api.gql("mutation { createApiKey(data: {name: \"k\"}) { id } }", undefined, key), "FORBIDDEN");
  assert.deepEqual(forbidden.path, ["createApiKey"]);
  const notFound = onlyError(await api.gql("mutation($k: String!) { deleteApiKey(where: {key: $k}) { id } }", { k: "nope-nope" }, token), "NOT_FOUND");
  assert.deepEqual(notFound.path, ["deleteApiKey"]);
  const emptyName = onlyError(await api.gql("mutation { createApiKey(data: {name: \" \"}) { id } }", undefined, token), "BAD_USER_INPUT");
  assert.equal(emptyName.message, "An API key name must not be empty");
  const noWhere = onlyError(await api.gql("mutation { deleteApiKey(where: {}) { id } }", undefined, token), "BAD_USER_INPUT");
  assert.equal(noWhere.message, "deleteApiKey needs where.id or where.key");
});

test("transport errors: non-JSON body, missing query, bad variables type, GET → HTTP 4xx with {errors}", async () => {
  const { api } = ctx;
  const cases = [
    [{ method: "POST", body: "{not json" }, 400, "Request body is not valid JSON"],
    [{ method: "POST", body: {} }, 400, "A GraphQL request must be a JSON object with a string 'query'"],
    [{ method: "POST", body: { query: 1 } }, 400, "A GraphQL request must be a JSON object with a string 'query'"],
    [{ method: "POST", body: { query: "{ my { user { id } } }", variables: [] } }, 400, "A GraphQL request must be a JSON object with a string 'query'"],
    [{ method: "POST", body: [{ query: "{ my { user { id } } }" }] }, 400, "A GraphQL request must be a JSON object with a string 'query'"],
    [{ method: "POST" }, 400, "Request body is not valid JSON"],
    [{ method: "GET" }, 405, "Method GET is not allowed on /api; use POST"],
  ];
  for (const [{ method, body }, status, message] of cases) {
    for (const path of ["/api", "/api/"]) {
      const r = await api.request(method, path, { body });
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}`);
      assert.equal(r.headers.get("content-type"), "application/json; charset=utf-8");
      assert.deepEqual(r.json, { errors: [{ message, extensions: { code: "BAD_REQUEST" } }] });
    }
  }
});

test("authnStrategies needs no credential and has a deterministic id", async () => {
  const first = await ctx.api.gql("{ authnStrategies { id type name } }");
  await withSimulator({}, async (_sim, api) => {
    const again = await api.gql("{ authnStrategies { id type name } }");
    assert.deepEqual(again.json, first.json);
  });
  assert.match(first.json.data.authnStrategies[0].id, /^c[0-9a-z]{24}$/);
});

test("authnStrategies option: zero or two strategies", async () => {
  await withSimulator({ authnStrategies: [] }, async (sim, api) => {
    assert.deepEqual((await api.gql("{ authnStrategies { id } }")).json, { data: { authnStrategies: [] } });
    assert.equal(sim.state.accounts.ldap.authConfigId, null);
  });
  const two = [{ id: "cad00000000000000000000001", type: "AD", name: "corp-ad" }, { type: "LDAP", name: "openldap" }];
  await withSimulator({ authnStrategies: two }, async (sim, api) => {
    const { authnStrategies } = (await api.gql("{ authnStrategies { id type name } }")).json.data;
    assert.equal(authnStrategies.length, 2);
    assert.deepEqual(authnStrategies[0], two[0]);
    assert.deepEqual({ type: authnStrategies[1].type, name: authnStrategies[1].name }, two[1]);
    // The LDAP account belongs to the LDAP strategy.
    assert.equal(sim.state.accounts.ldap.authConfigId, authnStrategies[1].id);
  });
});

test("apiKeysQuery: false removes the field from the schema (validation error, like a server without it)", async () => {
  await withSimulator({ apiKeysQuery: false }, async (_sim, api) => {
    const token = await api.login();
    const r = await api.gql("{ apiKeys { id } }", undefined, token);
    const error = onlyError(r, "GRAPHQL_VALIDATION_FAILED");
    assert.equal(error.message, 'Cannot query field "apiKeys" on type "Query".');
    // The rest of the key flow still works.
    const { key } = await api.createKey(token);
    assert.equal((await api.v2("get-clusters", {}, key)).status, 200);
  });
});

test("ApiKey.key is null outside createApiKey; my works with an API key", async () => {
  const { api } = ctx;
  const token = await api.login();
  const { id, key } = await api.createKey(token, "null-key");
  const listed = await api.gql("query($w: ApiKeyWhereInput) { apiKeys(where: $w) { id key user { name } } }", { w: { id } }, token);
  assert.deepEqual(listed.json.data.apiKeys, [{ id, key: null, user: { name: "Administrator" } }]);
  const contains = await api.gql("query($w: ApiKeyWhereInput) { apiKeys(where: $w) { name } }", { w: { name_contains: "ull-ke" } }, token);
  assert.deepEqual(contains.json.data.apiKeys, [{ name: "null-key" }]);
  const my = await api.gql("{ my { user { username roles { name preset } } } }", undefined, key);
  assert.deepEqual(my.json.data.my.user, { username: "admin", roles: [{ name: "Administrator", preset: "ADMIN" }] });
});
