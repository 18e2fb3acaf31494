// The GraphQL endpoint (`POST /api`): the subset of CloudTower's schema the client uses, executed
// by graphql-js so parse, validation, variable and resolver errors are the real thing. Errors
// carry Apollo-style `extensions.code`s.

import { buildSchema, parse, validate, execute, getOperationAST, GraphQLError, Kind } from "graphql";
import { SimError } from "./i18n.mjs";
import { requireUser } from "./auth.mjs";

// The Rust client relies on these exact names. `apiKeys` is optional: servers without it must be
// answered with a validation error, so the field is left out of the schema, not made to fail.
function sdl({ apiKeysQuery }) {
  return `
enum UserSource { AUTHN LDAP LOCAL SSO }
enum UserRolePreset { ADMIN AUDITOR READ_ONLY ROOT USER_ADMIN VM_USER WORKLOAD_CLUSTER_USER }
enum MfaType { Mail Sms }
input LoginInput { username: String!, password: String!, source: UserSource!, auth_config_id: String, mfa_type: MfaType }
type MfaMeta { type: MfaType!, recipient: String!, valid: Int! }
type LoginResponse { token: String, mfa_meta: MfaMeta }
type UserRole { id: ID!, name: String!, preset: UserRolePreset }
type User { id: ID!, username: String!, name: String!, source: UserSource!, roles: [UserRole!]! }
type ApiKeyRole { id: ID!, preset: UserRolePreset }
type ApiKeyUser { id: ID!, name: String! }
type ApiKey { id: ID!, key: String, name: String!, description: String, editable: Boolean!, username: String!, roles: [ApiKeyRole!]!, user: ApiKeyUser! }
input ApiKeyCreateInput { name: String!, description: String }
input ApiKeyWhereUniqueInput { id: ID, key: String }
input ApiKeyWhereInput { id: ID, name: String, name_contains: String, username: String }
type AuthnStrategy { id: ID!, type: String!, name: String! }
type Query {
  my: User!
  ${apiKeysQuery ? "apiKeys(where: ApiKeyWhereInput): [ApiKey!]!" : ""}
  authnStrategies: [AuthnStrategy!]!
}
type Mutation {
  login(data: LoginInput!): LoginResponse!
  logout: Boolean!
  createApiKey(data: ApiKeyCreateInput!): ApiKey!
  deleteApiKey(where: ApiKeyWhereUniqueInput!): ApiKey
}`;
}

/** createApiKey / deleteApiKey need a password session: an API key cannot mint or revoke keys. */
function requireToken(credential) {
  requireUser(credential);
  if (credential.kind !== "token") throw new SimError(403, "apiKeyCannotManageKeys");
  return credential;
}

// `key` is the secret only in the createApiKey answer; everywhere else it is null.
const keyView = (record, secret = null) => ({ ...record, key: secret });
const userView = ({ id, username, name, source, roles }) => ({ id, username, name, source, roles });

function resolvers(auth) {
  return {
    my: (_, { credential }) => userView(requireUser(credential).user),
    apiKeys: ({ where }, { credential }) => auth.listApiKeys(requireUser(credential), where ?? {}).map((r) => keyView(r)),
    authnStrategies: () => auth.strategies,
    login: ({ data }) => {
      const { token = null, mfa_meta = null } = auth.login(data);
      return { token, mfa_meta };
    },
    logout: (_, { credential }) => auth.logout(requireUser(credential)),
    createApiKey: ({ data }, { credential }) => {
      const { record, secret } = auth.createApiKey(requireToken(credential), data);
      return keyView(record, secret);
    },
    deleteApiKey: ({ where }, { credential }) => {
      const record = auth.deleteApiKey(requireToken(credential), where);
      // Never echo the key: it is a secret even when it is wrong.
      if (!record) throw new SimError(404, "apiKeyNotFound");
      return keyView(record);
    },
  };
}

/** One error entry: message (in the request's language for our own errors), locations, path, code. */
function formatError(error, defaultCode, language) {
  const original = error.originalError;
  const own = original instanceof SimError;
  const entry = { message: own ? original.messageIn(language) : error.message };
  if (error.locations) entry.locations = error.locations;
  if (error.path) entry.path = error.path;
  const code = own ? original.graphqlCode : error.extensions?.code ?? defaultCode;
  entry.extensions = { ...error.extensions, code };
  return entry;
}

/**
 * The operation a GraphQL body names, for the request log and fault matching:
 * { name: operation name or first root field, names: every name a fault may narrow on }.
 */
export function describeGraphqlOperation(body) {
  const names = new Set();
  if (typeof body?.operationName === "string") names.add(body.operationName);
  let document;
  try {
    document = typeof body?.query === "string" ? parse(body.query) : null;
  } catch {
    document = null;
  }
  const operation = document && getOperationAST(document, body.operationName ?? undefined);
  if (operation?.name) names.add(operation.name.value);
  const fields = (operation?.selectionSet.selections ?? []).filter((s) => s.kind === Kind.FIELD).map((s) => s.name.value);
  for (const f of fields) names.add(f);
  return { name: operation?.name?.value ?? fields[0] ?? body?.operationName ?? null, names };
}

export class GraphqlApi {
  constructor({ auth, apiKeysQuery }) {
    this.schema = buildSchema(sdl({ apiKeysQuery }));
    this.rootValue = resolvers(auth);
  }

  /**
   * Executes a request body {query, variables?, operationName?} (already checked to be an object
   * with a string query) → the GraphQL response object. Never throws.
   */
  async run({ query, variables, operationName }, { credential, language }) {
    const fail = (errors, code) => ({ errors: errors.map((e) => formatError(e, code, language)) });
    let document;
    try {
      document = parse(query);
    } catch (error) {
      return fail([error], "GRAPHQL_PARSE_FAILED");
    }
    const invalid = validate(this.schema, document);
    if (invalid.length) return fail(invalid, "GRAPHQL_VALIDATION_FAILED");
    if (!getOperationAST(document, operationName ?? undefined)) {
      const message = operationName ? `Unknown operation named "${operationName}".` : "Must provide operation name if query contains multiple operations.";
      return fail([new GraphQLError(message)], "OPERATION_RESOLUTION_FAILURE");
    }
    const result = await execute({
      schema: this.schema,
      document,
      rootValue: this.rootValue,
      contextValue: { credential, language },
      variableValues: variables ?? undefined,
      operationName: operationName ?? undefined,
    });
    // No `data` at all: the request failed before execution, i.e. while coercing variables.
    if (!("data" in result)) return fail(result.errors, "BAD_USER_INPUT");
    return result.errors ? { ...fail(result.errors, "INTERNAL_SERVER_ERROR"), data: result.data } : { data: result.data };
  }
}
