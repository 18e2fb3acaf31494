/**
 * What every entry does to the wasm-bindgen classes once the module is loaded, in one place:
 * registers the CloudTowerError class the wasm constructs, makes paginate() results
 * async-iterable (wasm-bindgen cannot name a symbol-keyed method), and makes a freed client or
 * paginator fail with a CloudTowerError instead of wasm-bindgen's bare "null pointer passed to
 * rust" (and `free()` safe to call twice).
 */
export function setup({ CloudTowerClient, Paginator, __registerErrorClass }, CloudTowerError) {
  __registerErrorClass(CloudTowerError);
  Paginator.prototype[Symbol.asyncIterator] = function asyncIterator() {
    return this;
  };
  guardFreed(CloudTowerClient.prototype, "client", CloudTowerError);
  guardFreed(Paginator.prototype, "paginator", CloudTowerError);
  // A paginator remembers its client, so that freeing the client ends its paginators too.
  for (const [prototype, name] of [[CloudTowerClient.prototype, "paginate"], [Paginator.prototype, "pages"]]) {
    const make = prototype[name];
    Object.defineProperty(prototype, name, {
      ...Object.getOwnPropertyDescriptor(prototype, name),
      value: {
        [name](...args) {
          const paginator = make.apply(this, args);
          Object.defineProperty(paginator, "__client", { value: this.__client ?? this });
          return paginator;
        },
      }[name],
    });
  }
}

/** Members that answer at once; every other method returns a promise, which then rejects. */
const SYNCHRONOUS = new Set(["withApiKey", "withToken", "paginate", "pages", "toJSON", "toString"]);

function guardFreed(prototype, what, CloudTowerError) {
  if (prototype.__freeGuarded) return;
  Object.defineProperty(prototype, "__freeGuarded", { value: true });
  // A method taken off its object (`const { call } = client`) has no `this`: say so, instead of
  // wasm-bindgen's TypeError. A paginator is also done when its client was freed.
  const problem = (self, name) => {
    if (!Object.prototype.isPrototypeOf.call(prototype, self)) {
      return new CloudTowerError(`${name} was called without its ${what}: call it on the ${what} (${what}.${name}(...)) or bind it (${what}.${name}.bind(${what}))`, { code: "INVALID_ARGUMENT" });
    }
    if (self.__wbg_ptr === 0 || self.__client?.__wbg_ptr === 0) {
      return new CloudTowerError(`this ${what} was freed: create a new one`, { code: "INVALID_ARGUMENT" });
    }
    return null;
  };
  for (const name of Object.getOwnPropertyNames(prototype)) {
    const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
    if (name === "constructor" || name === "__destroy_into_raw") continue;
    if (name === "free" || (typeof name === "symbol" && name === Symbol.dispose)) {
      const free = descriptor.value;
      descriptor.value = function freeOnce() {
        if (!Object.prototype.isPrototypeOf.call(prototype, this)) throw problem(this, "free");
        if (this.__wbg_ptr !== 0) free.call(this);
      };
    } else if (descriptor.get) {
      const get = descriptor.get;
      descriptor.get = function guardedGet() {
        const error = problem(this, name);
        if (error) throw error;
        return get.call(this);
      };
    } else if (typeof descriptor.value === "function") {
      const method = descriptor.value;
      const synchronous = SYNCHRONOUS.has(name);
      descriptor.value = {
        [name](...args) {
          const error = problem(this, name);
          if (error) {
            if (synchronous) throw error;
            return Promise.reject(error);
          }
          return method.apply(this, args);
        },
      }[name];
    } else {
      continue;
    }
    Object.defineProperty(prototype, name, descriptor);
  }
  const dispose = Object.getOwnPropertyDescriptor(prototype, Symbol.dispose);
  if (dispose?.value) {
    Object.defineProperty(prototype, Symbol.dispose, { ...dispose, value: prototype.free });
  }
}
