// HA pair mode: two simulator nodes over one world. Which node is active, which are unreachable,
// whether both claim to be active, and where the passive node's 307 points all live here, so a
// test (or the control API) flips them between two requests and nothing else has to know.

function check(condition, message) {
  if (!condition) throw new TypeError(`invalid HA state: ${message}`);
}

export class HaPair {
  /** Index (0 or 1) of the active node. */
  active = 0;
  /** Node indexes whose connections are reset on arrival. */
  unreachable = new Set();
  /** Both nodes answer healthz 200 and serve requests (a split brain). */
  bothActive = false;
  /** When set, the passive node's 307 points here instead of at the active node. */
  location = null;
  /** The nodes' URLs, set once both listen. */
  urls = [];

  /** Swaps the roles; returns the new state. */
  failover() {
    this.active = 1 - this.active;
    return this.state();
  }

  /** Sets any of { active, unreachable: [index...], bothActive, location: URL | null }. */
  set(changes) {
    check(changes !== null && typeof changes === "object" && !Array.isArray(changes), "expected an object");
    const { active, unreachable, bothActive, location, ...unknown } = changes;
    for (const key of Object.keys(unknown)) check(false, `unknown field ${key}`);
    check(active === undefined || active === 0 || active === 1, "active must be 0 or 1");
    check(unreachable === undefined || (Array.isArray(unreachable) && unreachable.every((i) => i === 0 || i === 1)), "unreachable must be an array of 0 and 1");
    check(bothActive === undefined || typeof bothActive === "boolean", "bothActive must be a boolean");
    check(location === undefined || location === null || (typeof location === "string" && /^https?:\/\//.test(location)), "location must be an http(s) URL or null");
    if (active !== undefined) this.active = active;
    if (unreachable !== undefined) this.unreachable = new Set(unreachable);
    if (bothActive !== undefined) this.bothActive = bothActive;
    if (location !== undefined) this.location = location;
    return this.state();
  }

  isActive(node) {
    return this.bothActive || node === this.active;
  }

  /** Where the passive node sends a request for `path` (its path and query kept). */
  redirectFor(path) {
    return this.location ?? `${this.urls[this.active]}${path}`;
  }

  state() {
    return {
      active: this.active,
      urls: [...this.urls],
      unreachable: [...this.unreachable].sort(),
      bothActive: this.bothActive,
      location: this.location,
    };
  }
}
