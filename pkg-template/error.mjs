/**
 * The one error type of cloudtower-wasm: every rejection of the client is a CloudTowerError.
 * Written in JS because wasm-bindgen cannot define an Error subclass for every target; the
 * entry files register it with the wasm module, which constructs it.
 */
export class CloudTowerError extends Error {
  constructor(message, fields = {}) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = "CloudTowerError";
    this.code = fields.code ?? "HTTP";
    this.status = fields.status ?? 0;
    this.requestId = fields.requestId ?? null;
    this.operation = fields.operation ?? null;
    this.errorBody = fields.errorBody ?? null;
    for (const optional of ["graphqlErrors", "data", "step", "failedTasks", "endpoints"]) {
      if (fields[optional] !== undefined) this[optional] = fields[optional];
    }
  }

  /** What `JSON.stringify` and structured loggers show: the message too, not only the fields. */
  toJSON() {
    return { name: this.name, message: this.message, ...this };
  }
}

/** True for a CloudTowerError, also one from another copy of the package or another realm. */
export function isCloudTowerError(value) {
  return (
    value instanceof CloudTowerError ||
    (value instanceof Error && value.name === "CloudTowerError" && typeof value.code === "string")
  );
}
