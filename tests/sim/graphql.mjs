// The GraphQL endpoint (`POST /api`): the subset of CloudTower's schema the client uses, executed
// by graphql-js so parse, validation, variable and resolver errors are the real thing. Errors
// carry Apollo-style `extensions.code`s, except where a dialect (options.mjs, DIALECTS) says
// otherwise. `my`, `login`, `logout` and `deleteApiKey` follow the only public CloudTower schema
// (see README.md, "Evidenced and guessed"); tests/sim/test/schema.test.mjs keeps them so.

import { buildSchema, parse, validate, execute, getOperationAST, GraphQLError, Kind } from "graphql";
import { SimError } from "./i18n.mjs";
import { requireUser } from "./auth.mjs";

// `apiKeys` is optional (guessed): servers without it must be answered with a validation error,
// so the field is left out of the schema, not made to fail.
function sdl({ apiKeysQuery }) {
  return `
enum UserSource { AUTHN LDAP LOCAL SSO }
enum UserRolePreset { ADMIN AUDITOR READ_ONLY ROOT USER_ADMIN VM_USER WORKLOAD_CLUSTER_USER }
enum MfaType { Mail Sms }
input LoginInput { username: String!, password: String!, source: UserSource!, auth_config_id: String, mfa_type: MfaType }
type Login { token: String! }
type UserRole { id: ID!, name: String!, preset: UserRolePreset }
type User { id: ID!, username: String!, name: String!, source: UserSource!, roles: [UserRole!]! }
type My { user: User! }
type ApiKeyRole { id: ID!, preset: UserRolePreset }
type ApiKeyUser { id: ID!, name: String! }
type ApiKey { id: ID!, key: String, name: String!, description: String, editable: Boolean!, username: String!, roles: [ApiKeyRole!]!, user: ApiKeyUser! }
input ApiKeyCreateInput { name: String!, description: String }
input ApiKeyWhereUniqueInput { id: ID, key: String }
input ApiKeyWhereInput { id: ID, name: String, name_contains: String, username: String }
type AuthnStrategy { id: ID!, type: String!, name: String! }
type Query {
  my: My!
  ${apiKeysQuery ? "apiKeys(where: ApiKeyWhereInput): [ApiKey!]!" : ""}
  authnStrategies: [AuthnStrategy!]!
}
type Mutation {
  login(data: LoginInput!): Login!
  logout: String!
  createApiKey(data: ApiKeyCreateInput!): ApiKey!
  deleteApiKey(where: ApiKeyWhereUniqueInput!): ApiKey
}`;
}

/**
 * Prisma 1's "no record for this where-unique" error (code 3039), as an older generated server
 * answers it: the message echoes the value looked up, the code is a number beside the message.
 */
class PrismaNodeNotFound extends Error {
  constructor(where) {
    const [field, value] = Object.entries(where).find(([, v]) => v != null);
    super(`No Node for the model ApiKey with value ${value} for ${field} found`);
  }
}

// What the logout string holds is undocumented (the schema says only String!).
const LOGOUT_ANSWER = "OK";

/** createApiKey / deleteApiKey need a password session: an API key cannot mint or revoke keys. */
function requireToken(credential) {
  requireUser(credential);
  if (credential.kind !== "token") throw new SimError(403, "apiKeyCannotManageKeys");
  return credential;
}

// `key` is the secret only in the createApiKey answer; everywhere else it is null.
const keyView = (record, secret = null) => ({ ...record, key: secret });
const userView = ({ id, username, name, source, roles }) => ({ id, username, name, source, roles });

function resolvers(auth, { missingKeyDelete }) {
  return {
    my: (_, { credential }) => ({ user: userView(requireUser(credential).user) }),
    apiKeys: ({ where }, { credential }) => auth.listApiKeys(requireUser(credential), where ?? {}).map((r) => keyView(r)),
    authnStrategies: () => auth.strategies,
    login: ({ data }) => {
      const { token } = auth.login(data);
      // Login.token is String!: the off-spec v2 challenge has no GraphQL form, so it is an error.
      if (!token) throw new SimError(403, "mfaRequired", {}, { code: "MFA_REQUIRED" });
      return { token };
    },
    logout: (_, { credential }) => {
      auth.logout(requireUser(credential));
      return LOGOUT_ANSWER;
    },
    createApiKey: ({ data }, { credential }) => {
      const { record, secret } = auth.createApiKey(requireToken(credential), data);
      return keyView(record, secret);
    },
    deleteApiKey: ({ where }, { credential }) => {
      const record = auth.deleteApiKey(requireToken(credential), where);
      if (record) return keyView(record);
      if (missingKeyDelete === "null") return null;
      if (missingKeyDelete === "prisma") throw new PrismaNodeNotFound(where);
      // Our own message never echoes the key: it is a secret even when it is wrong.
      throw new SimError(404, "apiKeyNotFound");
    },
  };
}

/** The dialect option that governs how a credential error is reported, or null. */
function credentialDialect(error) {
  if (!(error instanceof SimError)) return null;
  if (error.status === 401) return "graphqlUnauthenticated";
  if (error.status === 403 && error.code === undefined) return "graphqlForbidden";
  return null;
}

/**
 * One error entry: message (in the request's language for our own errors), locations, path,
 * and `extensions.code`, or a top-level numeric `code` (Prisma), or no code (message only).
 */
function formatError(error, defaultCode, language, dialect) {
  const original = error.originalError;
  const own = original instanceof SimError;
  const entry = { message: own ? original.messageIn(language) : error.message };
  if (error.locations) entry.locations = error.locations;
  if (error.path) entry.path = error.path;
  if (original instanceof PrismaNodeNotFound) return { ...entry, code: 3039 };
  const code = own ? original.graphqlCode : error.extensions?.code ?? defaultCode;
  const messageOnly = code === null || dialect[credentialDialect(original)] === "message";
  if (!messageOnly) entry.extensions = { ...error.extensions, code };
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
  /** `dialect`: the resolved simulator options (missingKeyDelete, graphqlUnauthenticated, ...). */
  constructor({ auth, dialect }) {
    this.schema = buildSchema(sdl(dialect));
    this.rootValue = resolvers(auth, dialect);
    this.dialect = dialect;
  }

  /**
   * Executes a request body {query, variables?, operationName?} (already checked to be an object
   * with a string query) → the GraphQL response object, or { httpError: SimError } when the
   * dialect reports a credential error with an HTTP status instead. Never throws.
   */
  async run({ query, variables, operationName }, { credential, language }) {
    const fail = (errors, code) => ({ errors: errors.map((e) => formatError(e, code, language, this.dialect)) });
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
    const asHttp = result.errors?.map((e) => e.originalError).find((e) => this.dialect[credentialDialect(e)] === "http");
    if (asHttp) return { httpError: asHttp };
    return result.errors ? { ...fail(result.errors, "INTERNAL_SERVER_ERROR"), data: result.data } : { data: result.data };
  }
}
