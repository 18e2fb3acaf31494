// The commands of the cloudtower CLI, each on top of the package's own client.

import { spawn } from "node:child_process";
import { lstat, open, readFile, rename, unlink } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { constants, hostname } from "node:os";
import { CliError, usage, io, describeFailedTask } from "./errors.mjs";
import { connect, withConnection, parseDuration } from "./connect.mjs";
import { readSecrets, readStdin, decodeText, ProgressBar } from "./terminal.mjs";
import { outputFormat, selectedFields, pick, writeValue, ListWriter, jsonText, yaml } from "./output.mjs";
import { OPERATION_LIST, isOperation, search, suggest } from "./ops.mjs";
import { visible } from "./text.mjs";
// Field names whose values are secrets, from the API description: refused in an inline --body / --where.
import { SECRET_FIELDS } from "./secret-fields.mjs";

// ---- shared helpers ---------------------------------------------------------------------------


function required(value, flag, command) {
  if (value === undefined || value === "") throw usage(`\`cloudtower ${command}\` needs ${flag}; see cloudtower ${command} --help`);
  return value;
}

function positiveInteger(text, flag) {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw usage(`${flag} needs a whole number of at least 1`);
  return Number(text);
}


function secretField(value) {
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = secretField(item);
      if (found) return found;
    }
  } else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (SECRET_FIELDS.has(key)) return key;
      const found = secretField(item);
      if (found) return found;
    }
  }
  return null;
}

/** A JSON option: inline, `@FILE` or `-` (standard input). Never echoes the text on errors. */
async function jsonArgument(text, flag) {
  let source = "inline";
  let raw = text;
  if (text === "-") {
    source = "standard input";
    raw = await readStdin();
  } else if (text.startsWith("@")) {
    source = text.slice(1);
    try {
      raw = decodeText(await readFile(source));
    } catch (error) {
      throw io(`${flag}: cannot read ${source}: ${error.code ?? error.message}`);
    }
  }
  let value;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    const at = /position (\d+)/.exec(error.message)?.[1];
    throw usage(`${flag} (${source}) is not valid JSON${at ? ` (at position ${at})` : ""}`);
  }
  if (source === "inline") {
    const field = secretField(value);
    if (field) {
      throw usage(
        `${flag} holds a "${field}" field: a secret in a command-line argument is visible to every user of this machine in the ` +
          `process list and stays in the shell history; pass it on standard input (${flag} -) or in a file (${flag} @FILE)`,
      );
    }
  }
  return value;
}

/**
 * A file for a secret, created with O_CREAT|O_EXCL and mode 0600 before the secret exists, so
 * that an existing file is refused before a key is issued. With `force`, a fresh 0600 file
 * beside it is renamed over the old one once written.
 */
async function secretFile(path, force) {
  if (force) {
    // --force replaces a regular file only: never a device (/dev/stdout), a FIFO or a symlink.
    const existing = await lstat(path).catch(() => null);
    if (existing && !existing.isFile()) throw io(`${path} is not a regular file: --force replaces only a regular file`);
  }
  const target = force ? join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`) : path;
  let handle;
  try {
    handle = await open(target, "wx", 0o600);
  } catch (error) {
    if (error.code === "EEXIST") throw io(`${path} exists: refusing to overwrite it (--force replaces it)`);
    throw io(`cannot create ${path}: ${error.code ?? error.message}`);
  }
  return {
    async write(text) {
      try {
        await handle.writeFile(text, "utf8");
        await handle.sync();
        await handle.close();
        if (force) await rename(target, path);
      } catch (error) {
        await this.discard();
        throw io(`cannot write ${path}: ${error.code ?? error.message}`);
      }
    },
    async discard() {
      await handle.close().catch(() => {});
      await unlink(target).catch(() => {});
    },
  };
}

const EXPOSED_OK = (what) =>
  `warning: ${what} was given on the command line, where the process list and the shell history expose it; ` +
  "it is revoked now, so that copy is worthless. Next time pass it with --stdin\n";
const EXPOSED_LIVE = (what) =>
  `warning: ${what} was given on the command line, where the process list and the shell history expose it, ` +
  "and it may still be valid: revoke it as soon as possible with `cloudtower key delete --stdin`\n";

/** The key(s) to revoke: --stdin (one per line) or the positional KEY (exposed, warned about). */
async function keysToRevoke(ctx, args, command, { single }) {
  if (ctx.values.stdin && args.length) throw usage(`\`cloudtower ${command}\` takes the key from --stdin or as KEY, not both`);
  if (ctx.values.stdin && ctx.values["password-stdin"]) {
    throw usage(`\`cloudtower ${command}\`: --stdin and --password-stdin both read standard input: use one (CLOUDTOWER_PASSWORD or the prompt for the password)`);
  }
  if (!ctx.values.stdin && !args.length) {
    throw usage(`\`cloudtower ${command}\` needs the key to revoke: pass it on standard input with --stdin (it is then never in the process list)`);
  }
  if (args.length) return { keys: args, exposed: true };
  const keys = await readSecrets("API key", { prompt: single ? "API key to replace (input hidden): " : "API key to revoke (input hidden): " });
  if (single && keys.length !== 1) throw usage(`\`cloudtower ${command} --stdin\` reads one key, got ${keys.length} lines`);
  return { keys, exposed: false };
}

const roleList = (roles) => (roles ?? []).map((r) => r.preset ?? r.name ?? r.id).join(",");

// ---- login ------------------------------------------------------------------------------------

async function login(ctx) {
  const printToken = Boolean(ctx.values["print-token"]);
  let token;
  const onLoginToken = printToken ? (value) => (token = value) : undefined;
  return withConnection(ctx, { need: printToken ? "password" : "any", onLoginToken, keepSession: printToken }, async (client, { credential }) => {
    const user = await client.currentUser();
    const summary = { endpoint: client.endpoint, authKind: client.authKind, credential: credential.label, user };
    const roles = visible(user.roles.map((r) => (r.preset ? `${r.name} (${r.preset})` : r.name)).join(", ") || "none");
    const human =
      `${credential.kind === "password" ? "Logged in" : "Authenticated"} to ${client.endpoint} as ${visible(user.username)} (${visible(user.name)})\n` +
      `  source ${visible(user.source)}; roles: ${roles}; credential: ${visible(credential.label)}` +
      `${credential.kind === "password" ? (printToken ? " (session kept: the token is printed)" : " (session logged out again)") : ""}\n`;
    const format = outputFormat(ctx, { fallback: "table" });
    if (printToken) {
      if (!token) throw new CliError("INTERNAL", "the login answer held no token to print");
      if (format !== "table") await writeValue(format, { ...summary, token });
      else {
        ctx.err(human);
        ctx.out(`${token}\n`);
      }
    } else {
      await writeValue(format, pick(summary, selectedFields(ctx)), () => human);
    }
  });
}

// ---- logout -----------------------------------------------------------------------------------

async function logout(ctx) {
  const token = ctx.environment.CLOUDTOWER_TOKEN;
  if (!token) {
    throw usage("`cloudtower logout` ends the session of CLOUDTOWER_TOKEN, and it is not set (the CLI logs out the sessions it opens itself)");
  }
  return withConnection(ctx, { need: "token" }, async (client) => {
    await client.logout();
    ctx.err("logged out: CLOUDTOWER_TOKEN no longer works\n");
  });
}

// ---- key create / delete / list / rotate ------------------------------------------------------

/** Writes to stdout and resolves once the text is handed to the system (rejects on EPIPE, ...). */
const flushed = (text) => new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));

/** The key record in the format asked for (-o json|ndjson|yaml); the key alone by default. */
async function keyText(format, record) {
  if (format === "json") return jsonText(record);
  if (format === "ndjson") return `${JSON.stringify(record)}\n`;
  if (format === "yaml") return yaml(record);
  return record.key === undefined ? "" : `${record.key}\n`;
}

async function emitNewKey(ctx, key, file) {
  const record = { id: key.id, name: key.name, roles: key.roles };
  const format = outputFormat(ctx, { fallback: "table" });
  const outFile = ctx.values["out-file"];
  if (file) {
    await file.write(`${key.key}\n`);
    ctx.err(`API key "${visible(key.name)}" (id ${visible(key.id)}) written to ${visible(outFile)} (mode 0600)\n`);
    if (format !== "table") await flushed(await keyText(format, { ...record, file: outFile }));
  } else {
    try {
      await flushed(await keyText(format, { ...record, key: key.key }));
    } catch (error) {
      throw io(`cannot write the key to standard output: ${error.code ?? error.message}`);
    }
  }
}

/**
 * Issues a key with `issue()` and delivers it (stdout or the --output file), or revokes it: a
 * key that was not delivered is never left valid. A signal while the key is being issued waits
 * for the answer (the mutation may have reached the server), then revokes the key; once the key
 * is written and flushed, it is delivered and the exit status is 0.
 */
export async function issueAndDeliver(ctx, client, issue, { deliver, discard = async () => {}, rotation = false }) {
  ctx.signalHandler = (signal) => {
    if (ctx.interruption) return;
    ctx.interruption = signal;
    ctx.err(`cloudtower: ${signal} received: the new key is revoked once the server has answered\n`);
  };
  ctx.stdoutWatched = true; // an EPIPE is reported to the write, which revokes the key
  let key;
  try {
    key = await issue();
  } catch (error) {
    await discard();
    throw error;
  }
  let failure = null;
  if (ctx.interruption) {
    await discard();
    failure = new CliError("INTERRUPTED", `interrupted by ${ctx.interruption}`, { exitCode: 128 + (constants.signals[ctx.interruption] ?? 0) });
  } else {
    try {
      await deliver(key);
    } catch (error) {
      failure = error;
    }
  }
  if (!failure) {
    ctx.interruption = null; // delivered: a late signal changes nothing
    ctx.signalHandler = () => {};
    return key;
  }
  const what = `the new API key "${key.name}" (id ${key.id})`;
  const old = rotation ? "; the old key had already been revoked by the rotation: issue a new key with `cloudtower key create`" : "";
  try {
    await client.deleteApiKey(key.key);
    failure.message = `${failure.message}: ${what} was not delivered and has been revoked${old}`;
  } catch (revokeError) {
    failure.message = `${failure.message}: ${what} was not delivered and could not be revoked, it is still valid: delete it by ` +
      `its id in the CloudTower console (${revokeError.code}: ${revokeError.message})`;
    failure.revokeError = revokeError;
  }
  throw failure;
}

async function keyCreate(ctx) {
  const name = required(ctx.values.name, "--name NAME", "key create");
  if (ctx.values.force && !ctx.values["out-file"]) throw usage("--force only applies to --out-file FILE");
  outputFormat(ctx, { fallback: "table" }); // a bad -o fails before a key is issued
  return withConnection(ctx, { need: "token" }, async (client) => {
    const file = ctx.values["out-file"] ? await secretFile(ctx.values["out-file"], ctx.values.force) : null;
    await issueAndDeliver(ctx, client, () => client.createApiKey({ name }), { deliver: (key) => emitNewKey(ctx, key, file), discard: async () => file?.discard() });
  });
}

/** Runs `fn`; when the key came as a positional argument, warns about its exposure either way. */
async function warningAboutExposure(ctx, args, what, fn) {
  if (ctx.values.stdin || !args.length) return fn();
  try {
    const result = await fn();
    ctx.err(EXPOSED_OK(what));
    return result;
  } catch (error) {
    if (error?.code !== "USAGE") ctx.err(EXPOSED_LIVE(what));
    throw error;
  }
}

async function keyDelete(ctx, args) {
  return warningAboutExposure(ctx, args, "the API key", () => withConnection(ctx, { need: "token" }, async (client) => {
    const { keys } = await keysToRevoke(ctx, args, "key delete", { single: false });
    const results = [];
    let failure = null;
    for (const key of keys) {
      try {
        results.push(await client.deleteApiKey(key));
      } catch (error) {
        failure ??= error;
        results.push({ id: null, error: error.code });
      }
    }
    const format = outputFormat(ctx, { fallback: "table" });
    if (format !== "table") await writeValue(format, results);
    else {
      for (const r of results) {
        if (r.error) continue;
        ctx.out(r.alreadyRevoked ? "already revoked (no such key)\n" : `revoked API key ${visible(r.id)}\n`);
      }
    }
    if (failure) throw failure;
  }));
}

const KEY_COLUMNS = [
  { header: "ID", get: (k) => k.id },
  { header: "NAME", get: (k) => k.name },
  { header: "USER", get: (k) => k.username },
  { header: "ROLES", get: (k) => roleList(k.roles) },
  { header: "DESCRIPTION", get: (k) => k.description },
];

async function keyList(ctx) {
  const format = outputFormat(ctx);
  const writer = new ListWriter(format, { columns: KEY_COLUMNS, fields: selectedFields(ctx), firstRows: Infinity });
  return withConnection(ctx, { need: "any" }, async (client) => {
    const keys = await client.listApiKeys();
    if (format === "table" && !keys.length) return ctx.err("no API keys\n");
    for (const key of keys) await writer.add(key);
    await writer.end();
  });
}

async function keyRotate(ctx, args) {
  const name = required(ctx.values.name, "--name NAME", "key rotate");
  if (ctx.values.force && !ctx.values["out-file"]) throw usage("--force only applies to --out-file FILE");
  outputFormat(ctx, { fallback: "table" });
  return warningAboutExposure(ctx, args, "the old API key", () => withConnection(ctx, { need: "token" }, async (client) => {
    const { keys } = await keysToRevoke(ctx, args, "key rotate", { single: true });
    // rotateApiKey() treats an old key that is already gone as revoked and succeeds: a mistyped
    // key would then get a new key issued while the real one stays valid. Check it first.
    try {
      await client.withApiKey(keys[0]).currentUser();
    } catch (error) {
      if (error?.code !== "UNAUTHORIZED") throw error;
      throw new CliError("UNAUTHORIZED", "the key to replace is not a valid API key (revoked, expired or mistyped): no key was issued",
        { status: error.status, requestId: error.requestId, operation: error.operation });
    }
    const file = ctx.values["out-file"] ? await secretFile(ctx.values["out-file"], ctx.values.force) : null;
    await issueAndDeliver(ctx, client, () => client.rotateApiKey({ key: keys[0], name }),
      { deliver: (key) => emitNewKey(ctx, key, file), discard: async () => file?.discard(), rotation: true });
  }));
}

// ---- call -------------------------------------------------------------------------------------

async function call(ctx, [operation]) {
  if (operation === "login") {
    throw usage("`cloudtower call login` would print a token: use `cloudtower login` (and --print-token if you really need the token)");
  }
  if (!isOperation(operation)) {
    const near = suggest(operation);
    throw new CliError("INVALID_ARGUMENT", `${shownOperation(operation)} is not an operation of the CloudTower 4.6.0 API` +
      `${near.length ? `; did you mean ${near.join(", ")}?` : ""} (see cloudtower ops)`);
  }
  const fields = selectedFields(ctx);
  const format = outputFormat(ctx, { table: Boolean(fields), fallback: "json" });
  const pageSize = positiveInteger(ctx.values["page-size"], "--page-size");
  if (pageSize !== undefined && !ctx.values.all) throw usage("--page-size only applies to --all");
  const body = ctx.values.body === undefined ? undefined : await jsonArgument(ctx.values.body, "--body");
  const need = operation === "get-version" ? "optional" : "any";
  return withConnection(ctx, { need }, async (client) => {
    const writer = new ListWriter(format, { fields, firstRows: pageSize ?? 100 });
    if (ctx.values.all) {
      // Page by page: one page in memory at a time, whatever the number of items.
      const options = { signal: ctx.signal };
      if (pageSize !== undefined) options.pageSize = pageSize;
      try {
        for await (const item of client.paginate(operation, body ?? {}, options)) await writer.add(item);
      } finally {
        await writer.flush();
      }
      return void (await writer.end());
    }
    const result = await client.call(operation, body, { signal: ctx.signal });
    if (Array.isArray(result) && (format === "ndjson" || format === "table" || fields)) {
      for (const item of result) await writer.add(item);
      await writer.end();
    } else {
      await writeValue(format, pick(result, fields));
    }
  });
}

// ---- ops --------------------------------------------------------------------------------------

// A pasted secret must not come back in an error: only name-shaped text is echoed.
const shownOperation = (text) => (/^[A-Za-z0-9-]{1,64}$/.test(text) && !/[A-Z]/.test(text) ? `"${text}"` : "the operation given");

const OP_COLUMNS = [
  { header: "NAME", get: (o) => o.name },
  { header: "METHOD", get: (o) => o.method },
  { header: "CREDENTIAL", get: (o) => (o.credential ? "yes" : "no") },
  { header: "READ", get: (o) => (o.read ? "yes" : "no") },
];

async function ops(ctx, [text]) {
  const format = outputFormat(ctx);
  const found = text === undefined ? OPERATION_LIST : search(text);
  if (!found.length) {
    const near = suggest(text);
    throw new CliError("NOT_FOUND", `no operation matches ${shownOperation(text)}${near.length ? `; did you mean ${near.join(", ")}?` : ""}`);
  }
  const writer = new ListWriter(format, { columns: OP_COLUMNS, fields: selectedFields(ctx), firstRows: Infinity });
  for (const operation of found) await writer.add(operation);
  await writer.end();
}

// ---- vms --------------------------------------------------------------------------------------

const GiB = 1024 ** 3;
const gib = (bytes) => (typeof bytes === "number" ? `${Math.round((bytes / GiB) * 10) / 10} GiB` : null);

const VM_COLUMNS = [
  { header: "NAME", get: (vm) => vm.name },
  { header: "STATUS", get: (vm) => vm.status },
  { header: "VCPU", get: (vm) => vm.vcpu, right: true },
  { header: "MEMORY", get: (vm) => gib(vm.memory), right: true },
  { header: "CLUSTER", get: (vm) => vm.cluster?.name },
  { header: "HOST", get: (vm) => vm.host?.name },
  { header: "IPS", get: (vm) => vm.ips },
  { header: "ID", get: (vm) => vm.id },
];

async function vms(ctx) {
  const { values } = ctx;
  const body = {};
  if (values.where !== undefined) {
    body.where = await jsonArgument(values.where, "--where");
    if (!body.where || typeof body.where !== "object" || Array.isArray(body.where)) throw usage("--where needs a JSON object (a VmWhereInput)");
  }
  if (values["order-by"] !== undefined) {
    if (!/^[A-Za-z0-9_]+_(ASC|DESC)$/.test(values["order-by"])) throw usage("--order-by needs FIELD_ASC or FIELD_DESC, e.g. name_ASC");
    body.orderBy = values["order-by"];
  }
  const limit = positiveInteger(values.limit, "--limit") ?? 100;
  const pageSize = positiveInteger(values["page-size"], "--page-size");
  if (values.all && values.limit !== undefined) throw usage("--all and --limit exclude each other");
  if (pageSize !== undefined && !values.all) throw usage("--page-size only applies to --all");
  const format = outputFormat(ctx);
  return withConnection(ctx, { need: "any" }, async (client) => {
    const bar = new ProgressBar("VMs", { enabled: Boolean(values.all && process.stderr.isTTY) });
    const writer = new ListWriter(format, {
      columns: VM_COLUMNS,
      fields: selectedFields(ctx),
      firstRows: values.all ? pageSize ?? 100 : Infinity,
      beforeWrite: () => bar.done(),
    });
    let more = false;
    if (values.all) {
      // Streamed: each VM is printed as it arrives, so memory holds one page, not the list.
      const options = { signal: ctx.signal, onProgress: ({ loaded, total }) => bar.update(loaded, total, "VMs") };
      if (pageSize !== undefined) options.pageSize = pageSize;
      try {
        for await (const vm of client.paginate("get-vms", body, options)) await writer.add(vm);
      } finally {
        await writer.flush(); // what arrived before a failure is still printed, before the error
        bar.done();
      }
    } else {
      const page = await client.call("get-vms", { ...body, first: limit + 1 }, { signal: ctx.signal });
      for (const vm of page.slice(0, limit)) await writer.add(vm);
      more = page.length > limit;
    }
    const count = await writer.end();
    if (count === 0 && format === "table") ctx.err("no VMs match\n");
    if (more) ctx.err(`note: more VMs match than the ${limit} shown: use --all, or --limit N\n`);
  });
}

// ---- wait -------------------------------------------------------------------------------------

function taskIdsIn(value, into) {
  if (Array.isArray(value)) value.forEach((v) => taskIdsIn(v, into));
  else if (value && typeof value === "object") {
    if (typeof value.task_id === "string") into.push(value.task_id);
    else if (typeof value.id === "string" && typeof value.status === "string") into.push(value.id); // Task records
  }
  return into;
}

async function wait(ctx, args) {
  let ids = args;
  if (args.length === 1 && args[0] === "-") {
    const text = await readStdin();
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    ids = parsed === undefined ? text.split(/\s+/).filter(Boolean) : typeof parsed === "string" ? [parsed] : taskIdsIn(parsed, []);
    if (!ids.length) throw usage("wait -: no task ids on standard input (a mutation without tasks has nothing to wait for)");
  } else if (args.includes("-")) {
    throw usage("wait: `-` (task ids from standard input) must be the only argument");
  }
  ids = [...new Set(ids)];
  const bad = ids.find((id) => !/^[A-Za-z0-9_-]{1,128}$/.test(id));
  if (bad !== undefined) throw usage("wait: a task id is made of letters, digits, - and _");
  const options = { signal: ctx.signal };
  if (ctx.values.interval !== undefined) options.intervalMs = parseDuration(ctx.values.interval, "--interval");
  if (ctx.values["wait-timeout"] !== undefined) options.timeoutMs = parseDuration(ctx.values["wait-timeout"], "--wait-timeout");
  return withConnection(ctx, { need: "any" }, async (client) => {
    const bar = new ProgressBar(ids.length === 1 ? "task" : "tasks");
    options.onProgress = (progress) => {
      const { done, total, share } = progressOf(progress, ids.length);
      bar.update(done, total, "done", share);
    };
    // waitForTasks() keeps polling for an id that names no task until its timeout (300 s by
    // default): a mistyped id is reported at once instead.
    const known = await client.call("get-tasks", { where: { id_in: ids } }, { signal: ctx.signal });
    const unknown = ids.filter((id) => !known.some((task) => task.id === id));
    if (unknown.length) {
      throw new CliError("NOT_FOUND", `no task with id ${unknown.join(", ")}`, { operation: "get-tasks" });
    }
    let tasks;
    try {
      tasks = await client.waitForTasks(ids, options);
    } catch (error) {
      if (error?.code === "TASK_FAILED" && Array.isArray(error.failedTasks) && error.failedTasks.length) {
        const { failedTasks } = error;
        throw new CliError("TASK_FAILED", `${failedTasks.length} of ${ids.length} task${ids.length === 1 ? "" : "s"} FAILED: ${failedTasks.map(describeFailedTask).join("; ")}`,
          { failedTasks, requestId: error.requestId, operation: error.operation });
      }
      throw error;
    } finally {
      bar.done();
    }
    const format = outputFormat(ctx);
    if (format !== "table") {
      const writer = new ListWriter(format, { fields: selectedFields(ctx) });
      for (const task of Array.isArray(tasks) ? tasks : [tasks]) await writer.add(task);
      await writer.end();
    } else {
      for (const t of Array.isArray(tasks) ? tasks : []) {
        ctx.out(visible(`${t.id}  ${t.status}${t.description ? `  ${t.description}` : ""}`) + "\n");
      }
    }
  });
}

/** `{ ended, total, progress }` of the package's onProgress → the bar's numbers. */
function progressOf(progress, count) {
  const total = typeof progress?.total === "number" ? progress.total : count;
  const done = typeof progress?.ended === "number" ? progress.ended : 0;
  const share = typeof progress?.progress === "number" ? progress.progress : undefined;
  return { done, total, share };
}

// ---- exec -------------------------------------------------------------------------------------

const CHILD_DROPS = ["CLOUDTOWER_TOKEN", "CLOUDTOWER_USERNAME", "CLOUDTOWER_PASSWORD"];

function runChild(ctx, command, env) {
  return new Promise((resolve) => {
    let child;
    let settled = false;
    const finish = (outcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    try {
      child = spawn(command[0], command.slice(1), { stdio: "inherit", env });
    } catch (error) {
      finish({ spawnError: error });
      return;
    }
    ctx.signalHandler = (signal) => {
      ctx.interruption ??= signal;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    child.once("error", (error) => finish({ spawnError: error }));
    child.once("exit", (code, signal) => finish({ code, signal }));
  });
}

async function exec(ctx, command) {
  if (!ctx.values["temporary-key"]) {
    throw usage("`cloudtower exec` needs --temporary-key (a key issued for the command and revoked when it ends)");
  }
  if (!command.length) throw usage("`cloudtower exec` needs a command after --, e.g. cloudtower exec --temporary-key -- ./deploy.sh");
  const name = ctx.values.name ?? `cloudtower-exec-${hostname().split(".")[0]}-${process.pid}`;
  // Until the command runs, a signal only stops the CLI from starting it.
  ctx.signalHandler = (signal) => {
    ctx.interruption ??= signal;
  };
  const connection = await connect(ctx, { need: "token" });
  const { client } = connection;
  // Node cannot rewrite its initial environment: the command, running as the same user, can
  // read these from /proc/<this pid>/environ even though its own environment lacks them.
  const readable = ["CLOUDTOWER_PASSWORD", "CLOUDTOWER_TOKEN"].filter((name) => ctx.environment[name]);
  if (readable.length) {
    ctx.err(`warning: ${readable.join(" and ")} ${readable.length > 1 ? "are" : "is"} in this process's environment, which the command can read ` +
      `(/proc/${process.pid}/environ): prefer --password-stdin or the password prompt for exec\n`);
  }
  let key = null;
  let outcome;
  let revokeError = null;
  try {
    key = await client.createApiKey({ name });
    const env = { ...ctx.environment };
    for (const variable of CHILD_DROPS) delete env[variable];
    env.CLOUDTOWER_API_KEY = key.key;
    env.CLOUDTOWER_ENDPOINT = client.endpoint;
    if (ctx.interruption) outcome = { signal: ctx.interruption, notStarted: true };
    else outcome = await runChild(ctx, command, env);
  } finally {
    // From here on signals only postpone the exit: the key must be revoked first.
    ctx.signalHandler = (signal) => {
      ctx.interruption ??= signal;
      ctx.err(`cloudtower: ${signal} received: revoking the temporary key first\n`);
    };
    if (key) {
      try {
        await client.deleteApiKey(key.key);
      } catch (error) {
        revokeError = error;
      }
    }
    await connection.close();
  }
  if (revokeError) {
    const error = new CliError(
      revokeError.code,
      `the temporary API key "${key.name}" (id ${key.id}) could not be revoked and is still valid: delete it in the CloudTower ` +
        `console; ${revokeError.message}`,
      { requestId: revokeError.requestId, operation: revokeError.operation, status: revokeError.status },
    );
    throw error;
  }
  if (outcome.spawnError) {
    const code = outcome.spawnError.code;
    if (code === "ENOENT") throw new CliError("COMMAND_NOT_FOUND", `cannot run ${command[0]}: command not found (the temporary key was revoked)`);
    throw new CliError("COMMAND_NOT_EXECUTABLE", `cannot run ${command[0]}: ${code ?? outcome.spawnError.message} (the temporary key was revoked)`);
  }
  if (outcome.notStarted) throw new CliError("INTERRUPTED", `interrupted by ${outcome.signal} before the command started (the temporary key was revoked)`, { exitCode: 128 + (constants.signals[outcome.signal] ?? 0) });
  if (outcome.signal) return 128 + (constants.signals[outcome.signal] ?? 0);
  ctx.interruption = null; // the command's own status wins: it has handled the signal
  return outcome.code;
}

export const COMMANDS = {
  login: { options: ["print-token"], args: [0, 0], run: login },
  logout: { options: [], args: [0, 0], run: logout },
  "key create": { options: ["name", "out-file", "force"], args: [0, 0], run: keyCreate },
  "key delete": { options: ["stdin"], args: [0, 1], run: keyDelete },
  "key list": { options: [], args: [0, 0], run: keyList },
  "key rotate": { options: ["stdin", "name", "out-file", "force"], args: [0, 1], run: keyRotate },
  call: { options: ["body", "all", "page-size"], args: [1, 1], run: call },
  ops: { options: [], args: [0, 1], run: ops },
  vms: { options: ["where", "order-by", "all", "limit", "page-size"], args: [0, 0], run: vms },
  wait: { options: ["interval", "wait-timeout"], args: [1, Infinity], run: wait },
  exec: { options: ["temporary-key", "name"], args: [0, Infinity], run: exec },
};
