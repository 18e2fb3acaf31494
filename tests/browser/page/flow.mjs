// The API-key flow as a page runs it. Shared by tests/browser (web build from /pkg/web.mjs) and
// tests/packaging (copied into a Vite project that imports "cloudtower-wasm"). Results are plain
// JSON so the Node side of a test can assert on them.

/** Resolves with a JSON description of how `promise` settled (never rejects). */
export async function settle(api, promise) {
  const started = performance.now();
  try {
    const value = await promise;
    return { resolved: true, value, ms: performance.now() - started };
  } catch (err) {
    return {
      resolved: false,
      ms: performance.now() - started,
      name: err?.name,
      code: err?.code,
      status: err?.status,
      requestId: err?.requestId,
      operation: err?.operation,
      message: err?.message,
      hasStack: typeof err?.stack === "string" && err.stack.length > 0,
      instanceofCloudTowerError: err instanceof api.CloudTowerError,
      instanceofError: err instanceof Error,
      isCloudTowerError: api.isCloudTowerError(err),
    };
  }
}

/**
 * login -> createApiKey -> withApiKey(key).call("get-vms") -> [between(keyed)] -> deleteApiKey ->
 * the same call again (must be rejected). `between` runs while the key is valid.
 */
export async function keyFlow(api, { endpoint = location.origin, username, password, name, between }) {
  const { CloudTowerClient } = api;
  const result = { authKind: {} };
  const client = new CloudTowerClient({ endpoint });
  result.authKind.initial = client.authKind;
  result.version = await client.getVersion();
  await client.login({ username, password });
  result.authKind.afterLogin = client.authKind;
  const key = await client.createApiKey({ name });
  result.key = { id: key.id, key: key.key, name: key.name, roles: key.roles };
  const keyed = client.withApiKey(key.key);
  result.authKind.keyed = keyed.authKind;
  result.keyedJson = JSON.stringify(keyed);
  result.keyedString = String(keyed);
  const vms = await keyed.call("get-vms", { first: 5 });
  result.vms = vms.map((vm) => ({ id: vm.id, name: vm.name }));
  if (between) result.between = await between(keyed, client);
  result.deleted = await client.deleteApiKey(key.key);
  result.afterRevoke = await settle(api, keyed.call("get-vms", { first: 5 }));
  result.deletedAgain = await client.deleteApiKey(key.key);
  return result;
}
