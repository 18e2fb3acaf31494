// Asynchronous VM operations: each start-vm / shutdown-vm creates a Task that moves
// PENDING → EXECUTING → SUCCESSED (or FAILED for the failing VM) over `durationMs`, with a
// fractional progress, and the VM's status changes when the task succeeds.
// Transitions run on timers (so VMs change even if nobody polls); progress is computed when read.

import { createIdFactory } from "./random.mjs";
import { taskRecord } from "./inventory.mjs";

const PENDING_SHARE = 0.1; // the first 10% of the duration is spent queued
const FINAL = new Set(["SUCCESSED", "FAILED"]);

export class Tasks {
  #timers = new Set();
  #waiters = new Map(); // task id → [{ resolve, reject }]
  #live = new Map(); // task id → { executingAt, endsAt } of tasks not finished yet
  #newId = createIdFactory();

  constructor({ inventory, durationMs, failingVmId }) {
    this.inventory = inventory;
    this.durationMs = durationMs;
    this.failingVmId = failingVmId;
  }

  /** Queues `action` (VM_ACTIONS.start / .shutdown) on `vm`; returns the new Task. */
  run(vm, action, user) {
    const now = Date.now();
    const task = taskRecord({ id: this.#newId(), vm, action, user, createdAt: now, status: "PENDING", progress: 0 });
    this.inventory.addTask(task);
    vm.entityAsyncStatus = "UPDATING";
    this.inventory.changed(vm);
    const executingAt = now + this.durationMs * PENDING_SHARE;
    const endsAt = now + this.durationMs;
    this.#live.set(task.id, { executingAt, endsAt });
    this.#at(executingAt, () => {
      task.status = "EXECUTING";
      task.started_at = new Date().toISOString();
      this.inventory.changed(task);
    });
    this.#at(endsAt, () => this.#finish(task, vm, action));
    return task;
  }

  /** Brings the progress of executing tasks up to date (call before reading tasks). */
  refresh() {
    const now = Date.now();
    for (const [id, { executingAt, endsAt }] of this.#live) {
      const task = this.inventory.byId.get(id);
      if (task.status !== "EXECUTING") continue;
      // Strictly between 0 and 1 while executing: 1 means done.
      const share = (now - executingAt) / Math.max(1, endsAt - executingAt);
      setProgress(task, Math.min(0.99, Math.max(0.01, Math.round(share * 100) / 100)));
      this.inventory.changed(task);
    }
  }

  /** Resolves with the task once it is SUCCESSED or FAILED (for tests: no sleeping). */
  settled(id) {
    const task = this.inventory.byId.get(id);
    if (!Array.isArray(task?.steps)) return Promise.reject(new Error(`no task ${id}`));
    if (FINAL.has(task.status)) return Promise.resolve(structuredClone(task));
    return new Promise((resolve, reject) => {
      const list = this.#waiters.get(id) ?? [];
      list.push({ resolve, reject });
      this.#waiters.set(id, list);
    });
  }

  /** Stops every task where it is; pending waitForTask promises reject. */
  close() {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const [id, list] of this.#waiters) for (const { reject } of list) reject(new Error(`simulator closed before task ${id} ended`));
    this.#waiters.clear();
  }

  #finish(task, vm, action) {
    const failed = vm.id === this.failingVmId;
    const now = new Date().toISOString();
    this.#live.delete(task.id);
    task.status = failed ? "FAILED" : "SUCCESSED";
    task.started_at ??= now;
    task.finished_at = now;
    task.steps[0].finished = true;
    if (failed) {
      task.error_code = "VM_OPERATION_FAILED";
      task.error_message = `Failed to ${action.verb} VM ${vm.name}: the simulator's failing VM refuses every operation`;
      setProgress(task, task.progress > 0 && task.progress < 1 ? task.progress : 0.5);
    } else {
      setProgress(task, 1);
      if (action.targetStatus === "RUNNING" && !vm.host) this.#placeOnAHost(vm);
      this.inventory.setVmStatus(vm, action.targetStatus);
    }
    vm.entityAsyncStatus = null;
    this.inventory.changed(task, vm);
    for (const { resolve } of this.#waiters.get(task.id) ?? []) resolve(structuredClone(task));
    this.#waiters.delete(task.id);
  }

  // A VM powered on must run somewhere: CloudTower picks a host of its cluster.
  #placeOnAHost(vm) {
    const host = this.inventory.hosts.find((h) => h.cluster.id === vm.cluster.id);
    if (host) this.inventory.placeVm(vm, host);
  }

  #at(when, fn) {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, Math.max(0, when - Date.now()));
    timer.unref();
    this.#timers.add(timer);
  }
}

function setProgress(task, progress) {
  task.progress = progress;
  task.steps[0].current = Math.round(progress * 10000) / 100;
}
