// Messages in the two languages CloudTower speaks, chosen by the `content-language` header,
// and SimError, the one error type the handlers throw (carrying a message key, not a text, so
// the language is applied when the answer is written).

const MESSAGES = {
  incorrectCredentials: {
    "en-US": "Incorrect username or password",
    "zh-CN": "用户名或密码错误",
  },
  accountLocked: {
    "en-US": "Too many failed login attempts: the account is locked",
    "zh-CN": "登录失败次数过多，账户已被锁定",
  },
  authConfigRequired: {
    "en-US": "auth_config_id is required for AUTHN/LDAP users",
    "zh-CN": "AUTHN/LDAP 用户登录时必须提供 auth_config_id",
  },
  mfaRequired: {
    "en-US": "Two-factor authentication is enabled for this user: a verification code is required",
    "zh-CN": "该用户已启用双因素认证，需要提供验证码",
  },
  missingCredential: {
    "en-US": "Authorization header is required",
    "zh-CN": "缺少 Authorization 请求头",
  },
  malformedCredential: {
    "en-US": "Malformed Authorization header",
    "zh-CN": "Authorization 请求头格式错误",
  },
  invalidCredential: {
    "en-US": "Invalid, expired or revoked credential",
    "zh-CN": "凭据无效、已过期或已被撤销",
  },
  readOnly: {
    "en-US": "Permission denied: user {user} has read-only access and cannot run {operation}",
    "zh-CN": "权限不足：用户 {user} 只有只读权限，不能执行 {operation}",
  },
  apiKeyCannotManageKeys: {
    "en-US": "API keys cannot manage API keys; log in with a password to get a token",
    "zh-CN": "API 密钥不能管理 API 密钥，请使用密码登录获取令牌",
  },
  apiKeyNotFound: {
    "en-US": "No ApiKey found for the given key",
    "zh-CN": "未找到对应的 ApiKey",
  },
  apiKeyWhereRequired: {
    "en-US": "deleteApiKey needs where.id or where.key",
    "zh-CN": "deleteApiKey 需要提供 where.id 或 where.key",
  },
  apiKeyNameRequired: {
    "en-US": "An API key name must not be empty",
    "zh-CN": "API 密钥名称不能为空",
  },
  invalidBody: {
    "en-US": "Invalid request body: {detail}",
    "zh-CN": "请求参数校验失败：{detail}",
  },
  invalidJson: {
    "en-US": "Request body is not valid JSON",
    "zh-CN": "请求体不是合法的 JSON",
  },
  bodyTooLarge: {
    "en-US": "Request body is too large",
    "zh-CN": "请求体过大",
  },
  notSimulated: {
    "en-US": "Operation {operation} exists in CloudTower {version} but is not simulated",
    "zh-CN": "CloudTower {version} 中存在操作 {operation}，但模拟器未实现",
  },
  unknownOperation: {
    "en-US": "Unknown API operation: {operation}",
    "zh-CN": "未知的 API 操作：{operation}",
  },
  notFound: {
    "en-US": "Not found: {path}",
    "zh-CN": "未找到：{path}",
  },
  methodNotAllowed: {
    "en-US": "Method {method} is not allowed on {path}; use {allowed}",
    "zh-CN": "{path} 不支持 {method} 方法，请使用 {allowed}",
  },
  badContentLanguage: {
    "en-US": "Unsupported content-language {value}: use en-US, zh-CN or *",
    "zh-CN": "不支持的 content-language {value}：请使用 en-US、zh-CN 或 *",
  },
  hostNotFound: {
    "en-US": "Host {id} not found in cluster {cluster}",
    "zh-CN": "集群 {cluster} 中未找到主机 {id}",
  },
  badPagination: {
    "en-US": "{field} must not be negative",
    "zh-CN": "{field} 不能为负数",
  },
  graphqlBadRequest: {
    "en-US": "A GraphQL request must be a JSON object with a string 'query'",
    "zh-CN": "GraphQL 请求必须是包含字符串 'query' 的 JSON 对象",
  },
  simulatedStatus: {
    "en-US": "{reason} (simulated)",
    "zh-CN": "{reason}（模拟）",
  },
  internal: {
    "en-US": "Internal server error",
    "zh-CN": "服务器内部错误",
  },
};

export const DEFAULT_LANGUAGE = "en-US";

/**
 * The language for a `content-language` header value: absent → en-US; "*" → en-US;
 * en-US / zh-CN as is; anything else → null (the caller answers 400).
 */
export function parseContentLanguage(value) {
  if (value === undefined || value === "" || value === "*") return DEFAULT_LANGUAGE;
  return Object.hasOwn(MESSAGES.internal, value) ? value : null;
}

/** The message `key` in `language`, with `{name}` placeholders filled from `params`. */
export function translate(language, key, params = {}) {
  const entry = MESSAGES[key];
  if (!entry) throw new Error(`i18n: no message ${key}`);
  const template = entry[language] ?? entry[DEFAULT_LANGUAGE];
  return template.replace(/\{(\w+)\}/g, (_, name) => String(params[name]));
}

// Apollo-style GraphQL codes for the HTTP statuses the v2 side uses.
const GRAPHQL_CODES = { 400: "BAD_USER_INPUT", 401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND" };

/** An error both surfaces understand: v2 turns it into an ErrorBody, GraphQL into an error entry. */
export class SimError extends Error {
  /**
   * @param {number} status HTTP status on v2
   * @param {string} key message key (above)
   * @param {object} [params] placeholders
   * @param {object} [options] code: ErrorBody.code and GraphQL extensions.code (default by status;
   *   null: no code anywhere, a message only); headers: extra response headers (Allow on 405)
   */
  constructor(status, key, params = {}, { code, headers } = {}) {
    super(translate(DEFAULT_LANGUAGE, key, params));
    this.status = status;
    this.key = key;
    this.params = params;
    this.code = code;
    this.headers = headers;
  }

  messageIn(language) {
    return translate(language, this.key, this.params);
  }

  /** extensions.code on GraphQL, or null for a message-only error. */
  get graphqlCode() {
    if (this.code === null) return null;
    return this.code ?? GRAPHQL_CODES[this.status] ?? "INTERNAL_SERVER_ERROR";
  }
}
