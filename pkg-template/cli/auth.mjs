// `cloudtower auth login|status|logout|switch`: profiles that hold an endpoint and an API key the
// user can revoke, never a password or a token. The key is issued with a login session that is
// logged out again; revoking it (logout) needs such a session too, because CloudTower does not
// let an API key revoke keys.

import { hostname } from "node:os";
import { CliError, usage } from "./errors.mjs";
import { connect, endpointOf, withConnection } from "./connect.mjs";
import { promptText, readSecrets } from "./terminal.mjs";
import { visible } from "./text.mjs";
import { outputFormat, writeValue } from "./output.mjs";
import { checkProfileName, configPath, readConfig, selectedProfile, updateConfig } from "./profiles.mjs";
import { issueAndDeliver } from "./commands.mjs";


/** The profile `auth login` / `auth logout` act on: --profile, CLOUDTOWER_PROFILE, the current one, or "default". */
function targetProfile(ctx) {
  const selection = selectedProfile(ctx.values, ctx.environment);
  return { ...selection, name: checkProfileName(selection.name ?? "default") };
}

/** The user name for a password login: CLOUDTOWER_USERNAME, the profile's, or asked on a terminal. */
async function username(ctx, profile) {
  const fromEnvironment = ctx.environment.CLOUDTOWER_USERNAME;
  if (fromEnvironment) return fromEnvironment;
  if (profile?.username) return profile.username;
  if (!process.stdin.isTTY) throw usage("no user name: set CLOUDTOWER_USERNAME (standard input is not a terminal to ask on)");
  const answer = (await promptText("User name: ")).trim();
  if (!answer) throw usage("no user name given");
  return answer;
}

async function authLogin(ctx) {
  const { name, profile: existing } = targetProfile(ctx);
  const endpoint = ctx.values.endpoint ?? (ctx.environment.CLOUDTOWER_ENDPOINT || undefined) ?? existing?.endpoint;
  if (!endpoint) throw usage("`cloudtower auth login` needs --endpoint URL (or CLOUDTOWER_ENDPOINT)");
  const path = configPath(ctx.environment);
  let stored;
  if (ctx.values["with-key"]) {
    const keys = await readSecrets("API key", { prompt: "API key (input hidden): " });
    if (keys.length !== 1) throw usage(`\`auth login --with-key\` reads one key, got ${keys.length} lines`);
    stored = await withConnection(ctx, { endpoint, useProfile: false, credential: { kind: "apiKey", secret: keys[0], label: "the key on standard input" } }, async (client) => {
      const user = await client.currentUser();
      const entry = { endpoint: endpointOf(client, endpoint), key: keys[0], keyId: null, keyName: null, username: user.username, withKey: true };
      const replaced = await store(ctx, name, entry);
      return { entry, user, replaced };
    });
  } else {
    ctx.environment = { ...ctx.environment, CLOUDTOWER_USERNAME: await username(ctx, existing) };
    stored = await withConnection(ctx, { need: "password", endpoint, useProfile: false }, async (client) => {
      const user = await client.currentUser();
      const keyName = `cli-${hostname().split(".")[0]}-${name}`;
      let entry;
      let replaced;
      await issueAndDeliver(ctx, client, () => client.createApiKey({ name: keyName }), {
        deliver: async (key) => {
          entry = { endpoint: endpointOf(client, endpoint), key: key.key, keyId: key.id, keyName: key.name, username: user.username };
          replaced = await store(ctx, name, entry);
        },
      });
      // The key this profile held before is replaced: revoke it while a session is open.
      if (replaced?.key && replaced.key !== entry.key && replaced.endpoint === entry.endpoint && !replaced.withKey) {
        await client.deleteApiKey(replaced.key).catch((error) => {
          ctx.err(`warning: the key profile "${name}" held before (id ${visible(replaced.keyId)}) could not be revoked and may still be valid: ${visible(error.message)}\n`);
        });
      }
      return { entry, user, replaced };
    });
  }
  const { entry, user } = stored;
  const summary = { profile: name, endpoint: entry.endpoint, user: user.username, keyName: entry.keyName, keyId: entry.keyId, config: path };
  const format = outputFormat(ctx, { fallback: "table" });
  if (format !== "table") await writeValue(format, summary);
  else {
    ctx.out(`Logged in to ${visible(entry.endpoint)} as ${visible(user.username)} (${visible(user.name)})\n` +
      `  profile "${name}" stores ${entry.withKey ? "the API key read from standard input" : `API key "${visible(entry.keyName)}" (id ${visible(entry.keyId)})`} in ${path} (mode 0600)\n` +
      `${entry.withKey ? "" : "  the login session is logged out; no password or token is stored\n"}`);
  }
}

/** Stores `entry` as profile `name` (current when there is none); returns the entry it replaced. */
function store(ctx, name, entry) {
  return updateConfig(ctx.environment, (config) => {
    const replaced = config.profiles[name] ?? null;
    config.profiles[name] = entry;
    if (!config.current || !config.profiles[config.current]) config.current = name;
    return replaced;
  });
}

async function authStatus(ctx) {
  const config = readConfig(ctx.environment);
  const selection = selectedProfile(ctx.values, ctx.environment, config);
  const environmentCredential = ["CLOUDTOWER_API_KEY", "CLOUDTOWER_TOKEN", "CLOUDTOWER_USERNAME"].find((v) => ctx.environment[v]);
  if (!selection.profile && !environmentCredential) {
    const known = Object.keys(config.profiles);
    throw usage(selection.name
      ? `no profile "${selection.name}" (${selection.from})${known.length ? `; profiles: ${known.join(", ")}` : ""}`
      : known.length
        ? `no current profile; profiles: ${known.join(", ")} (pick one with \`cloudtower auth switch NAME\` or --profile NAME)`
        : "not logged in: no profile and no credential in the environment; run `cloudtower auth login`");
  }
  const status = {
    profile: selection.name,
    selectedBy: selection.from,
    profiles: Object.keys(config.profiles),
    config: configPath(ctx.environment),
    endpoint: selection.profile?.endpoint ?? null,
    user: selection.profile?.username ?? null,
    keyName: selection.profile?.keyName ?? null,
    keyId: selection.profile?.keyId ?? null,
    credential: null,
    works: false,
  };
  let failure = null;
  try {
    await withConnection(ctx, { need: "any" }, async (client, { credential }) => {
      status.credential = credential.label;
      status.endpoint = client.endpoint;
      const user = await client.currentUser();
      status.user = user.username;
      status.works = true;
    });
  } catch (error) {
    if (error?.code === "USAGE") throw error;
    failure = error;
    status.error = { code: error?.code, message: error?.message };
  }
  const format = outputFormat(ctx, { fallback: "table" });
  if (format !== "table") await writeValue(format, status);
  else {
    const line = (label, value) => `  ${label.padEnd(12)}${visible(value ?? "-")}\n`;
    ctx.out(
      `${status.profile ? `profile "${status.profile}" (${status.selectedBy})` : "no profile"}\n` +
        line("endpoint", status.endpoint) +
        line("user", status.user) +
        line("key", status.keyName || status.keyId ? `"${status.keyName ?? "?"}" (id ${status.keyId ?? "?"})` : selection.profile ? "stored with --with-key (name and id unknown)" : null) +
        line("credential", status.credential ? `${status.credential}${status.credential.startsWith("profile") ? "" : " (the environment comes before the profile)"}` : null) +
        line("works", status.works ? "yes" : `no: [${failure?.code}] ${failure?.message}`) +
        line("config", status.config) +
        "  precedence: --endpoint, then CLOUDTOWER_ENDPOINT, then the profile's endpoint; CLOUDTOWER_API_KEY,\n" +
        "  then CLOUDTOWER_TOKEN, then CLOUDTOWER_USERNAME, then the profile's key\n",
    );
  }
  if (failure) throw failure;
}

async function authLogout(ctx) {
  const { name, profile, from } = targetProfile(ctx);
  if (!profile) throw usage(`no profile "${name}"${from ? ` (${from})` : ""} to log out of`);
  const remove = () => updateConfig(ctx.environment, (config) => {
    if (config.profiles[name]?.key === profile.key) delete config.profiles[name];
    if (config.current === name) config.current = null;
  });
  if (ctx.values.forget) {
    await remove();
    ctx.err(`warning: profile "${name}" is removed but its API key${profile.keyId ? ` (id ${visible(profile.keyId)})` : ""} was not revoked and is still ` +
      "valid: revoke it with `cloudtower key delete --stdin` or in the CloudTower console\n");
    return;
  }
  // A --with-key profile knows no user name to log in with: revoking needs one named.
  if (profile.withKey && !ctx.environment.CLOUDTOWER_USERNAME) {
    throw usage(`profile "${name}" holds a key stored with --with-key; revoking it needs a password login of a user who may ` +
      "delete it (set CLOUDTOWER_USERNAME), or remove the profile without revoking with `cloudtower auth logout --forget`");
  }
  ctx.environment = { ...ctx.environment, CLOUDTOWER_USERNAME: ctx.environment.CLOUDTOWER_USERNAME || profile.username };
  const connection = await connect(ctx, { need: "password", endpoint: profile.endpoint, useProfile: false });
  try {
    try {
      await connection.client.deleteApiKey(profile.key);
    } catch (error) {
      throw new CliError(error?.code ?? "INTERNAL", `could not revoke the key of profile "${name}", which stays stored: ${error?.message}`,
        { status: error?.status, requestId: error?.requestId, operation: error?.operation });
    }
  } finally {
    await connection.close();
  }
  await remove();
  ctx.out(`revoked API key "${visible(profile.keyName)}" (id ${visible(profile.keyId)}) and removed profile "${name}"\n`);
}

async function authSwitch(ctx, [name]) {
  checkProfileName(name);
  await updateConfig(ctx.environment, (config) => {
    if (!config.profiles[name]) {
      const known = Object.keys(config.profiles);
      throw usage(`no profile "${name}"${known.length ? `; profiles: ${known.join(", ")}` : ": run `cloudtower auth login --profile NAME`"}`);
    }
    config.current = name;
  });
  ctx.err(`profile "${name}" is now the current profile\n`);
}

export const AUTH_COMMANDS = {
  "auth login": { options: ["profile", "with-key"], args: [0, 0], run: authLogin },
  "auth status": { options: ["profile"], args: [0, 0], run: authStatus },
  "auth logout": { options: ["profile", "forget"], args: [0, 0], run: authLogout },
  "auth switch": { options: [], args: [1, 1], run: authSwitch },
};
