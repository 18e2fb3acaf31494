// Public types of cloudtower-wasm, for every entry (Node require/import, browsers, bundlers).
export { CloudTowerClient } from "./wasm/web.mjs";
export type {
  AuthKind,
  ApiKey,
  ApiKeyRecord,
  ApiKeyRole,
  AuthnStrategy,
  CallOptions,
  ClientOptions,
  CreateApiKeyOptions,
  DeleteApiKeyResult,
  Language,
  ListingBody,
  ListingItem,
  ListingOperation,
  ListingWhere,
  LoginOptions,
  PaginateOptions,
  Paginator,
  RequestSummary,
  ResponseSummary,
  RetryPolicy,
  RotateApiKeyOptions,
  WaitOptions,
  WithTaskLike,
  User,
  UserRole,
  UserSource,
} from "./wasm/web.mjs";
export type * from "./operations.js";

/** Stable error codes of {@link CloudTowerError}. */
export type CloudTowerErrorCode =
  | "NETWORK"
  | "TIMEOUT"
  | "ABORTED"
  | "HTTP"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "MFA_REQUIRED"
  | "NOT_FOUND"
  | "RESOURCE_LOCKED"
  | "GRAPHQL"
  | "DECODE"
  | "INVALID_ARGUMENT"
  | "UNSUPPORTED"
  | "OUTCOME_UNKNOWN"
  | "TASK_FAILED"
  | "NO_ACTIVE_ENDPOINT"
  | "MULTIPLE_ACTIVE_ENDPOINTS"
  | "FAILOVER_REQUIRED";

/** CloudTower's error body (`ErrorBody` in the API description). */
export interface ErrorBody {
  message: string;
  status?: number;
  path?: string;
  /** An open string; the API names `ResourceLocked`. */
  code?: string;
  props?: unknown;
  operationName?: string;
}

export interface GraphqlError {
  message: string;
  path?: Array<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
  /** A code beside the message instead of in `extensions`: Prisma-1-era servers send a number (3039: no such record). */
  code?: unknown;
}

export interface FailedTask {
  id: string;
  error_code: string | null;
  error_message: string | null;
}

/** One node of an active/passive pair, as its errors report it. */
export interface EndpointReport {
  endpoint: string;
  state: "active" | "passive" | "failed" | "unknown";
  /** Why the node failed its probe (`state: "failed"`). */
  detail: string | null;
}

/** Every rejection of the client. A real `Error`: `instanceof Error` holds. */
export declare class CloudTowerError extends Error {
  constructor(message: string, fields?: Partial<Omit<CloudTowerError, "name" | "message" | "stack">>);
  readonly name: "CloudTowerError";
  readonly code: CloudTowerErrorCode;
  /** HTTP status, 0 when no HTTP answer arrived. */
  readonly status: number;
  /** `x-tower-request-id` of the answer: what CloudTower support asks for. */
  readonly requestId: string | null;
  /** The v2 operation or GraphQL operation that failed. */
  readonly operation: string | null;
  /** The server's parsed error body, when it sent one. */
  readonly errorBody: ErrorBody | null;
  /** For GraphQL failures: the `errors` array. */
  readonly graphqlErrors?: GraphqlError[];
  /** For GraphQL failures with partial data: the `data` that came back. */
  readonly data?: unknown;
  /** For multi-step flows (rotateApiKey, withTemporaryApiKey): the step that failed. */
  readonly step?: string;
  /** For `TASK_FAILED`: every failed task. */
  readonly failedTasks?: FailedTask[];
  /** For `NO_ACTIVE_ENDPOINT`, `MULTIPLE_ACTIVE_ENDPOINTS`, `FAILOVER_REQUIRED`: each node of the pair. */
  readonly endpoints?: EndpointReport[];
  /** On a callback's error in withTemporaryApiKey when revoking the key failed too. */
  readonly revokeError?: CloudTowerError;
}

/** True for a CloudTowerError, also one from another copy of the package. */
export declare function isCloudTowerError(value: unknown): value is CloudTowerError;

/** What `init` accepts: a URL of the .wasm, a Response, its bytes, or a compiled module. */
export type InitInput = string | URL | Request | Response | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

// Node projects without the DOM library have no WebAssembly types; this empty interface merges
// with the DOM library's where it is loaded.
declare global {
  namespace WebAssembly {
    interface Module {}
  }
}

/**
 * Browsers and bundlers: loads the WebAssembly module; await it once before creating clients.
 * Calling it again is harmless. In Node it resolves at once (the module loads on import).
 * Rejects with a CloudTowerError (NETWORK, TIMEOUT, HTTP, DECODE) and may then be retried.
 * `timeoutMs` (default 60000) bounds the fetch of a URL, headers and body.
 */
export declare function init(input?: InitInput | Promise<InitInput>, options?: { timeoutMs?: number }): Promise<void>;
