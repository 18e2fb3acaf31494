// Stand-ins for client.paginate() and client.waitForTasks() while the installed package lacks
// them; the CLI calls the package's own methods whenever they exist.

const FINAL = new Set(["SUCCESSED", "FAILED"]);

export function paginate(client, operation, body, options = {}) {
  if (typeof client.paginate === "function") return client.paginate(operation, body, options);
  return paginateWithCall(client, operation, body, options);
}

async function* paginateWithCall(client, operation, body, { pageSize = 100, signal, onProgress } = {}) {
  const counted = await client.call(`${operation}-connection`, { where: body?.where }, { signal });
  const total = counted?.aggregate?.count;
  let loaded = 0;
  onProgress?.({ loaded, total });
  for (;;) {
    const page = await client.call(operation, { ...body, first: pageSize, skip: loaded }, { signal });
    for (const item of page) yield item;
    loaded += page.length;
    onProgress?.({ loaded, total });
    if (page.length < pageSize) return;
  }
}

export function waitForTasks(client, ids, options = {}, CloudTowerError) {
  if (typeof client.waitForTasks === "function") return client.waitForTasks(ids, options);
  return waitWithCall(client, ids, options, CloudTowerError);
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    }, { once: true });
  });
}

async function waitWithCall(client, ids, { intervalMs = 1000, timeoutMs = 300_000, signal, onProgress } = {}, CloudTowerError) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tasks = await client.call("get-tasks", { where: { id_in: ids } }, { signal });
    const missing = ids.filter((id) => !tasks.some((t) => t.id === id));
    if (missing.length) {
      throw new CloudTowerError(`no task with id ${missing.join(", ")}`, { code: "NOT_FOUND", operation: "get-tasks" });
    }
    const done = tasks.filter((t) => FINAL.has(t.status));
    onProgress?.({ done: done.length, total: ids.length, tasks });
    if (done.length === ids.length) {
      const failedTasks = tasks.filter((t) => t.status === "FAILED")
        .map(({ id, error_code, error_message }) => ({ id, error_code, error_message }));
      if (failedTasks.length) {
        throw new CloudTowerError(`${failedTasks.length} of ${ids.length} tasks failed`, { code: "TASK_FAILED", operation: "get-tasks", failedTasks });
      }
      return tasks;
    }
    if (Date.now() >= deadline) {
      throw new CloudTowerError(`${ids.length - done.length} of ${ids.length} tasks not finished after ${timeoutMs} ms`, { code: "TIMEOUT", operation: "get-tasks" });
    }
    try {
      await sleep(intervalMs, signal);
    } catch {
      throw new CloudTowerError("aborted", { code: "ABORTED" });
    }
  }
}
