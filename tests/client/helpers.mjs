// Shared set-up of the client tests: a simulator per test file and logged-in clients on it.
import assert from "node:assert/strict";
import { startSimulator, ACCOUNTS } from "../sim/index.mjs";

export { ACCOUNTS };

/** Starts a simulator for the calling test file; `after` closes it. */
export async function simulator(t, options = {}) {
  const sim = await startSimulator({ vms: 40, ...options });
  t.after(() => sim.close());
  return sim;
}

export async function loggedIn(CloudTowerClient, sim, account = ACCOUNTS.admin, options = {}) {
  const client = new CloudTowerClient({ endpoint: sim.url, ...options });
  await client.login({ username: account.username, password: account.password });
  return client;
}

/** The rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection, but the promise resolved");
}

/** The message of the INVALID_ARGUMENT that constructing a client with `options` throws. */
export function refusalOf(CloudTowerClient, options) {
  try {
    new CloudTowerClient(options);
  } catch (error) {
    assert.equal(error.code, "INVALID_ARGUMENT", error.message);
    return error.message;
  }
  throw new Error(`accepted ${JSON.stringify(options)?.slice(0, 200)}`);
}
