// The CloudTower simulator as a library: startSimulator(options) → { url, close(), state, faults }.
// See README.md beside this file for the behaviour it simulates.

import { once } from "node:events";
import { ACCOUNTS, FAILING_VM_NAME } from "./accounts.mjs";
import { Auth } from "./auth.mjs";
import { buildInventory } from "./inventory.mjs";
import { DEFAULTS, resolveOptions } from "./options.mjs";
import { Tasks } from "./tasks.mjs";
import { Faults } from "./faults.mjs";
import { HaPair } from "./ha.mjs";
import { GraphqlApi } from "./graphql.mjs";
import { createSimServer } from "./server.mjs";
import { specOperations, SPEC_VERSION } from "./spec.mjs";
import { SIMULATED_OPERATIONS } from "./v2.mjs";

export { ACCOUNTS, DEFAULTS, SPEC_VERSION, SIMULATED_OPERATIONS, FAILING_VM_NAME };

/** The accounts in effect: defaults with the admin override applied. */
function effectiveAccounts(admin) {
  return { ...ACCOUNTS, admin: { ...ACCOUNTS.admin, ...admin } };
}

/**
 * Starts a simulator.
 * @param {Partial<typeof DEFAULTS>} [options]
 * @returns {Promise<{url: string, close(): Promise<void>, state: object, faults: Faults, urls?: string[], controlUrl?: string, ha?: HaPair}>}
 */
export async function startSimulator(options = {}) {
  const o = resolveOptions(options);
  specOperations(); // loads the spec now: a broken checkout fails at start, not at the first call
  const accounts = effectiveAccounts(o.admin);
  const auth = new Auth({
    accounts, seed: o.seed, authnStrategies: o.authnStrategies, mfaShape: o.mfaShape,
    lockoutThreshold: o.lockoutThreshold, lockoutMs: o.lockoutMs, sessionMaxAgeMs: o.sessionMaxAgeMs,
  });
  const admin = auth.users.find((u) => u.kind === "admin");
  const inventory = buildInventory({ seed: o.seed, vms: o.vms, taskUser: admin });
  const failing = inventory.findVm(o.failingVm);
  if (!failing) throw new TypeError(`startSimulator: failingVm ${JSON.stringify(o.failingVm)} is not a VM id or name of this inventory`);
  const tasks = new Tasks({ inventory, durationMs: o.taskDurationMs, failingVmId: failing.id });
  const faults = new Faults(o.faults);
  const graphql = new GraphqlApi({ auth, dialect: o });
  const ha = o.pair ? new HaPair() : undefined;
  const world = { inventory, auth, tasks, graphql, faults, dialect: o, ha };
  const config = { cors: o.cors, control: o.control, latencyMs: o.latencyMs, log: o.log };
  // A pair shares the world and one request log (entries name their node); the second node
  // listens on any free port.
  const log = [];
  const nodes = o.pair
    ? [0, 1].map((node) => createSimServer(world, { ...config, node, requests: log }))
    : [createSimServer(world, config)];
  const urls = [];
  for (const [index, node] of nodes.entries()) {
    node.server.listen(index === 0 ? o.port : 0, o.host);
    await once(node.server, "listening");
    urls.push(`http://${o.host.includes(":") ? `[${o.host}]` : o.host}:${node.server.address().port}`);
  }
  if (ha) ha.urls = urls;
  // A pair also gets a control server: /__sim/* only, reachable whatever the nodes' state (a node
  // made unreachable resets every connection, the control API's included).
  const control = o.pair && o.control ? createSimServer(world, { ...config, controlOnly: true, requests: log }) : null;
  let controlUrl;
  if (control) {
    control.server.listen(0, o.host);
    await once(control.server, "listening");
    controlUrl = `http://${o.host.includes(":") ? `[${o.host}]` : o.host}:${control.server.address().port}`;
  }
  const [url] = urls;
  const sim = nodes[0];

  const stopWarming = inventory.warmJsonCache();
  const ldap = auth.users.find((u) => u.kind === "ldap");
  const state = {
    /** Effective accounts; accounts.ldap.authConfigId is the auth_config_id alice logs in with. */
    accounts: Object.freeze(Object.fromEntries(Object.entries({ ...accounts, ldap: { ...accounts.ldap, authConfigId: ldap.authConfigId } })
      .map(([kind, account]) => [kind, Object.freeze({ ...account })]))),
    failingVmId: failing.id,
    /** API key records (never the secrets): { id, name, description, editable, username, roles, user, createdAt }. */
    apiKeys: () => auth.apiKeyRecords(),
    /** Is this secret a live API key? */
    hasApiKey: (key) => auth.hasApiKey(key),
    /** Request log (copy): { at, method, path, operation, status, requestId, auth, fault }. */
    get requests() {
      return sim.requests.map((r) => ({ ...r }));
    },
    /** Number of logged requests matching every field of `filter` (or a predicate). */
    requestCount(filter = {}) {
      const test = typeof filter === "function" ? filter : (r) => Object.entries(filter).every(([k, v]) => r[k] === v);
      return sim.requests.filter(test).length;
    },
    get inventory() {
      return { clusters: inventory.clusters.length, hosts: inventory.hosts.length, vms: inventory.vms.length, tasks: inventory.tasks.length };
    },
    /** Resolves with the Task once it is SUCCESSED or FAILED. */
    waitForTask: (id) => tasks.settled(id),
  };

  let closing;
  return {
    url,
    state,
    faults,
    ...(ha && {
      /** Both nodes' URLs, node 0 first. */
      urls,
      /** The control server's URL (/__sim/* only, never unreachable); undefined with control: false. */
      controlUrl,
      /** The pair's roles: failover(), set({ active, unreachable, bothActive, location }), state(). */
      ha,
    }),
    close() {
      closing ??= (stopWarming(), tasks.close(), Promise.all([...nodes, ...(control ? [control] : [])].map((node) => node.close())).then(() => {}));
      return closing;
    },
  };
}
