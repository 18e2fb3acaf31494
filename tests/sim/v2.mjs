// The v2 REST-like API (`/v2/api/<operation>`): the simulated operations, and the common path
// every call takes: known operation → method → credential → JSON body → spec validation →
// permission → handler. Handlers return JSON text; errors are SimErrors (see server.mjs).

import { specOperations, requestValidator, describeValidationError, SPEC_VERSION } from "./spec.mjs";
import { SimError } from "./i18n.mjs";
import { requireUser, isReadOnly } from "./auth.mjs";
import { runQuery, countQuery } from "./query.mjs";
import { VM_ACTIONS } from "./inventory.mjs";

const jsonArray = (texts) => `[${texts.join(",")}]`;

/** A task's JSON with `progress` on the dialect's scale (kept 0–1 inside, the cached form). */
function taskJson(inventory, task, scale) {
  if (scale !== "percent") return inventory.json(task);
  const view = JSON.parse(inventory.json(task));
  view.progress = Math.round(view.progress * 100);
  return JSON.stringify(view);
}

/** get-<things>: Prisma query over an inventory collection. */
const list = (collection) => ({
  handler({ inventory, tasks, dialect }, body) {
    if (collection === "tasks") tasks.refresh();
    const rows = runQuery(inventory[collection], body, (ref) => inventory.resolve(ref));
    if (collection === "tasks") return jsonArray(rows.map((r) => taskJson(inventory, r, dialect.taskProgress)));
    return jsonArray(rows.map((r) => inventory.json(r)));
  },
});

/** get-<things>-connection: the count of the same filter, paging ignored (as Prisma's aggregate). */
const count = (collection) => ({
  handler({ inventory, tasks }, body) {
    if (collection === "tasks") tasks.refresh();
    return JSON.stringify({ aggregate: { count: countQuery(inventory[collection], body.where, (ref) => inventory.resolve(ref)) } });
  },
});

/** start-vm / shutdown-vm: one task per matching VM → WithTask_Vm_[]. */
const vmAction = (action) => ({
  mutation: true,
  handler({ inventory, tasks }, body, credential) {
    const vms = runQuery(inventory.vms, { where: body.where }, (ref) => inventory.resolve(ref));
    const hostId = body.data?.host_id;
    const host = hostId ? inventory.hosts.find((h) => h.id === hostId) : null;
    // Checked for every VM before any task starts: a bad host id must change nothing.
    const stranger = hostId && vms.find((vm) => host?.cluster.id !== vm.cluster.id);
    if (stranger) throw new SimError(400, "hostNotFound", { id: hostId, cluster: stranger.cluster.name });
    const entries = vms.map((vm) => {
      if (host && vm.host?.id !== host.id) inventory.placeVm(vm, host);
      const task = tasks.run(vm, action, credential.user);
      return `{"task_id":${JSON.stringify(task.id)},"data":${inventory.json(vm)}}`;
    });
    return jsonArray(entries);
  },
});

const OPERATIONS = {
  login: {
    public: true,
    handler({ auth }, body) {
      return JSON.stringify({ task_id: null, data: auth.login(body) });
    },
  },
  "get-version": { public: true, handler: () => JSON.stringify(SPEC_VERSION) },
  "get-vms": list("vms"),
  "get-vms-connection": count("vms"),
  "get-clusters": list("clusters"),
  "get-clusters-connection": count("clusters"),
  "get-hosts": list("hosts"),
  "get-tasks": list("tasks"),
  "get-tasks-connection": count("tasks"),
  "start-vm": vmAction(VM_ACTIONS.start),
  "shutdown-vm": vmAction(VM_ACTIONS.shutdown),
};

/** Names of the simulated operations (everything else in the spec answers 404 "not simulated"). */
export const SIMULATED_OPERATIONS = Object.keys(OPERATIONS);

/** Does `name` exist in the spec, and with which method? For fault payloads and routing. */
export const specOperation = (name) => specOperations().get(name) ?? null;

function parseBody(raw) {
  if (raw.length === 0) return {}; // like express.json(): no body is an empty object
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    throw new SimError(400, "invalidJson");
  }
}

/**
 * Runs one v2 call. `world` holds { inventory, auth, tasks }.
 * Returns the JSON text of a 200 answer; throws SimError otherwise.
 */
export function runV2(world, { name, method, raw, credential }) {
  const spec = specOperation(name);
  if (!spec) throw new SimError(404, "unknownOperation", { operation: name });
  if (method !== spec.method) {
    throw new SimError(405, "methodNotAllowed", { method, path: spec.path, allowed: spec.method }, { headers: { allow: spec.method } });
  }
  const op = OPERATIONS[name];
  if (!op) throw new SimError(404, "notSimulated", { operation: name, version: SPEC_VERSION });
  if (!op.public) requireUser(credential);
  const validate = requestValidator(name);
  const body = validate ? parseBody(raw) : {};
  if (validate && !validate(body)) throw new SimError(400, "invalidBody", { detail: describeValidationError(validate.errors, body) });
  if (op.mutation && isReadOnly(credential)) throw new SimError(403, "readOnly", { user: credential.user.username, operation: name });
  return op.handler(world, body, credential);
}
