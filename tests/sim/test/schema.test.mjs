// The simulator's GraphQL schema against the evidenced shapes (tests/sim/README.md, "Evidenced
// and guessed"): the only public CloudTower schema has `my: My!` with `user: User!`,
// `login(data: LoginInput!): Login!` with `token: String!`, `logout: String!`, and nullable
// `deleteX(where: XWhereUniqueInput!): X` whose where-unique input has `id: ID`. Introspected
// over HTTP, like a client would, in the default dialect and in every guessed variant.

import test from "node:test";
import assert from "node:assert/strict";
import { withSimulator } from "../harness.mjs";
import { DIALECTS } from "../options.mjs";

const INTROSPECTION = `{ __schema {
  queryType { name } mutationType { name }
  types { name kind
    fields { name args { name type { ...T } } type { ...T } }
    inputFields { name type { ...T } } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name } } }`;

/** `String!`, `[User!]!`, `ApiKey`: a type reference as SDL writes it. */
const sdl = (t) => (t.kind === "NON_NULL" ? `${sdl(t.ofType)}!` : t.kind === "LIST" ? `[${sdl(t.ofType)}]` : t.name);

async function evidencedShapes(api) {
  const r = await api.gql(INTROSPECTION);
  assert.equal(r.status, 200, r.text);
  const types = new Map(r.json.data.__schema.types.map((t) => [t.name, t]));
  const field = (type, name) => types.get(type)?.fields?.find((f) => f.name === name);
  const signature = (type, name) => {
    const f = field(type, name);
    return f && `${name}(${f.args.map((a) => `${a.name}: ${sdl(a.type)}`).join(", ")}): ${sdl(f.type)}`;
  };
  const deletes = types.get("Mutation").fields.filter((f) => f.name.startsWith("delete"));
  assert.ok(deletes.length > 0, "the schema has deletes");
  return {
    my: [signature("Query", "my"), signature("My", "user")],
    login: [signature("Mutation", "login"), signature("Login", "token")],
    logout: signature("Mutation", "logout"),
    deletes: deletes.map((f) => {
      const model = f.name.slice("delete".length);
      const whereUnique = types.get(`${model}WhereUniqueInput`);
      const id = whereUnique?.inputFields.find((i) => i.name === "id");
      return [signature("Mutation", f.name), id && `id: ${sdl(id.type)}`];
    }),
  };
}

const EVIDENCED = {
  my: ["my(): My!", "user(): User!"],
  login: ["login(data: LoginInput!): Login!", "token(): String!"],
  logout: "logout(): String!",
  deletes: [["deleteApiKey(where: ApiKeyWhereUniqueInput!): ApiKey", "id: ID"]],
};

test("default dialect: my, login, logout and deletes have the evidenced shapes", async () => {
  await withSimulator({ vms: 1 }, async (_sim, api) => {
    assert.deepEqual(await evidencedShapes(api), EVIDENCED);
  });
});

// Guessed behaviours change answers, never these shapes (apiKeysQuery only adds or drops apiKeys).
for (const [name, variants] of Object.entries(DIALECTS)) {
  test(`every ${name} variant keeps the evidenced shapes`, async () => {
    for (const variant of variants.slice(1)) {
      await withSimulator({ vms: 1, [name]: variant }, async (_sim, api) => {
        assert.deepEqual(await evidencedShapes(api), EVIDENCED, `${name}: ${variant}`);
      });
    }
  });
}
