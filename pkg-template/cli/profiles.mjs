// Profiles of the cloudtower CLI: a config file that holds, per profile, an endpoint and an API
// key (never a password or a token). Every file the CLI writes in the config directory (the
// config, its temporary twin, the lock) is created with mode 0600 in a 0700 directory; the config
// is replaced atomically (write, fsync, rename) under a lock, so that two processes writing at
// once neither corrupt it nor lose each other's change.

import { mkdirSync, readFileSync } from "node:fs";
import { open, readFile, rename, unlink } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { CliError, usage, io } from "./errors.mjs";

const FILE = "config.json";
export const PROFILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** $CLOUDTOWER_CONFIG_DIR, else $XDG_CONFIG_HOME/cloudtower, else ~/.config/cloudtower. */
export function configDir(environment) {
  if (environment.CLOUDTOWER_CONFIG_DIR) return environment.CLOUDTOWER_CONFIG_DIR;
  if (environment.XDG_CONFIG_HOME) return join(environment.XDG_CONFIG_HOME, "cloudtower");
  return join(environment.HOME || homedir(), ".config", "cloudtower");
}

export function checkProfileName(name) {
  if (!PROFILE_NAME.test(name)) throw usage("a profile name is 1 to 64 letters, digits, _, . and -, not starting with . or -");
  return name;
}

const empty = () => ({ current: null, profiles: {} });

function parse(text, path) {
  let config;
  try {
    config = JSON.parse(text);
  } catch {
    throw io(`${path} is not valid JSON: fix or remove it`);
  }
  if (!config || typeof config !== "object" || typeof config.profiles !== "object" || config.profiles === null) {
    throw io(`${path} is not a cloudtower config (no "profiles" object): fix or remove it`);
  }
  return { current: typeof config.current === "string" ? config.current : null, profiles: config.profiles };
}

/** The config as stored (an empty one when there is no file). */
export function readConfig(environment) {
  const path = join(configDir(environment), FILE);
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (error.code === "ENOENT") return empty();
    throw io(`cannot read ${path}: ${error.code ?? error.message}`);
  }
  return parse(text, path);
}

/** The config file's path. */
export const configPath = (environment) => join(configDir(environment), FILE);

/** The profile to use: --profile, else CLOUDTOWER_PROFILE, else the config's current one. */
export function selectedProfile(values, environment, config = readConfig(environment)) {
  const explicit = values.profile ?? (environment.CLOUDTOWER_PROFILE || undefined);
  const name = explicit ?? config.current ?? null;
  if (name === null) return { name: null, profile: null, from: null };
  checkProfileName(name);
  const from = values.profile !== undefined ? "--profile" : explicit !== undefined ? "CLOUDTOWER_PROFILE" : "the current profile";
  return { name, profile: config.profiles[name] ?? null, from };
}

async function createPrivate(path) {
  return open(path, "wx", 0o600);
}

/** Takes the directory's lock (O_EXCL, 0600), waiting for another process; a dead holder's lock is taken over. */
async function lock(dir) {
  const path = join(dir, `${FILE}.lock`);
  for (let waited = 0; ; waited += 20) {
    try {
      const handle = await createPrivate(path);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => unlink(path).catch(() => {});
    } catch (error) {
      if (error.code !== "EEXIST") throw io(`cannot create ${path}: ${error.code ?? error.message}`);
    }
    const holder = await holderOf(path);
    if (holder > 0 && !alive(holder)) await breakLock(path, holder);
    else if (waited > 30_000) throw io(`${path} is held by process ${holder || "(unknown)"}: remove it if no cloudtower command is running`);
    else await delay(20);
  }
}

const holderOf = async (path) => Number((await readFile(path, "utf8").catch(() => "")).trim()) || 0;

/**
 * Removes the lock of a dead process. Breakers take turns (a second O_EXCL file), and check the
 * holder again once it is their turn: two processes seeing the same dead lock never remove the
 * lock one of them took meanwhile.
 */
async function breakLock(path, deadHolder) {
  let turn;
  try {
    turn = await createPrivate(`${path}.break`);
  } catch {
    return; // another process is breaking it
  }
  try {
    if ((await holderOf(path)) === deadHolder) await unlink(path).catch(() => {});
  } finally {
    await turn.close();
    await unlink(`${path}.break`).catch(() => {});
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

/**
 * Reads the config under the lock, lets `change(config)` modify it (and return a value), and
 * replaces the file atomically with the result.
 */
export async function updateConfig(environment, change) {
  const dir = configDir(environment);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw io(`cannot create ${dir}: ${error.code ?? error.message}`);
  }
  const unlock = await lock(dir);
  try {
    const config = readConfig(environment);
    const result = await change(config);
    const path = join(dir, FILE);
    const temporary = join(dir, `.${FILE}.${process.pid}.tmp`);
    try {
      const handle = await createPrivate(temporary);
      await handle.writeFile(`${JSON.stringify(config, null, 2)}\n`);
      await handle.sync();
      await handle.close();
      await rename(temporary, path);
    } catch (error) {
      await unlink(temporary).catch(() => {});
      throw error instanceof CliError ? error : io(`cannot write ${path}: ${error.code ?? error.message}`);
    }
    return result;
  } finally {
    await unlock();
  }
}
