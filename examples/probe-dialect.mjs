// Which dialect does this CloudTower speak? Probes each server behaviour that no public source
// documents (README "Compatibility") and prints one line per behaviour, then the simulator flags
// that reproduce it. Prints no secret: no password, token or key, and no value the server sent
// back (only shapes: statuses, codes, field names).
//
//   CLOUDTOWER_ENDPOINT=https://tower.example CLOUDTOWER_USERNAME=admin CLOUDTOWER_PASSWORD=... \
//     node examples/probe-dialect.mjs
//
// Optional: CLOUDTOWER_SOURCE (LOCAL, LDAP, AUTHN); CLOUDTOWER_MFA_USERNAME and
// CLOUDTOWER_MFA_PASSWORD of a user with two-factor authentication, to probe the 2FA answer.
// Self-signed appliance: NODE_EXTRA_CA_CERTS=tower-ca.pem. It issues one API key named
// probe-dialect-<time> and revokes it; it changes nothing else. Installed from npm, import from
// "cloudtower-wasm" instead of ../pkg/index.mjs.
import { CloudTowerClient } from "../pkg/index.mjs";

const env = process.env;
for (const name of ["CLOUDTOWER_ENDPOINT", "CLOUDTOWER_USERNAME", "CLOUDTOWER_PASSWORD"]) {
  if (!env[name]) {
    console.error(`set ${name} (see the comment at the top of this file)`);
    process.exit(2);
  }
}
const endpoint = env.CLOUDTOWER_ENDPOINT;
// Not a credential anyone holds: what the server says about a bad one is the point.
const BOGUS = "probe-dialect-not-a-valid-credential-0000";
const DELETE_KEY = "mutation deleteApiKey($key: String!) { deleteApiKey(where: { key: $key }) { id } }";
const CREATE_KEY = "mutation createApiKey($name: String!) { createApiKey(data: { name: $name }) { id } }";
const found = {};
const report = (option, variant, note = "") => {
  found[option] = variant;
  console.log(`${option}: ${variant}${note ? ` (${note})` : ""}`);
};

/** A shape of an unexpected failure, without any value the server sent: code, status, field names. */
const shape = (error) =>
  `${error?.code ?? "no error"}, HTTP ${error?.status}, fields ${JSON.stringify(Object.keys(error?.graphqlErrors?.[0] ?? error?.errorBody ?? {}))}`;

async function rejection(promise) {
  try {
    await promise;
    return null;
  } catch (error) {
    return error;
  }
}

/** Credential errors on GraphQL: extensions.code, an HTTP status, or a message alone. */
function credentialShape(error, code, status) {
  if (!error) return "none (accepted)";
  if (error.status === status) return "http";
  if (error.graphqlErrors?.[0]?.extensions?.code === code) return "code";
  if (error.graphqlErrors?.length && !error.graphqlErrors[0].extensions) return "message";
  return `unknown: ${shape(error)}`;
}

const tower = new CloudTowerClient({ endpoint });
let issued = null;
try {
  await tower.login({ username: env.CLOUDTOWER_USERNAME, password: env.CLOUDTOWER_PASSWORD, ...(env.CLOUDTOWER_SOURCE && { source: env.CLOUDTOWER_SOURCE }) });
  console.log(`CloudTower ${await tower.getVersion()} at ${tower.endpoint}`);

  const my = await rejection(tower.currentUser());
  console.log(`evidenced my { user }: ${my ? `no (${shape(my)})` : "yes"}`);

  issued = await tower.createApiKey({ name: `probe-dialect-${Date.now()}` });
  const keyed = tower.withApiKey(issued.key);

  try {
    const minted = await keyed.graphql(CREATE_KEY, { name: `probe-dialect-forbidden-${Date.now()}` });
    await tower.deleteApiKey({ id: minted.createApiKey.id });
    console.log("graphqlForbidden: not probed (this server lets an API key issue keys; that key is revoked)");
  } catch (forbidden) {
    report("graphqlForbidden", credentialShape(forbidden, "FORBIDDEN", 403));
  }

  await tower.deleteApiKey(issued.key);
  const again = await rejection(tower.graphql(DELETE_KEY, { key: issued.key }));
  issued = null;
  const entry = again?.graphqlErrors?.[0];
  if (!again) report("missingKeyDelete", "null");
  else if (entry?.extensions?.code === "NOT_FOUND") report("missingKeyDelete", "not-found");
  else if (typeof entry?.code === "number") report("missingKeyDelete", "prisma", `numeric code ${entry.code}`);
  else report("missingKeyDelete", `unknown: ${shape(again)}`);

  const bogus = new CloudTowerClient({ endpoint, apiKey: BOGUS });
  report("graphqlUnauthenticated", credentialShape(await rejection(bogus.graphql("query probe { my { user { id } } }")), "UNAUTHENTICATED", 401));
  const v2 = await rejection(bogus.call("get-vms", { first: 1 }));
  if (v2?.status !== 401) report("v2Unauthorized", `unknown: ${shape(v2)}`);
  else if (v2.errorBody) report("v2Unauthorized", "error-body");
  else report("v2Unauthorized", v2.message === "HTTP 401" ? "empty" : "text");

  // Read-only: progress of running tasks if any, else of finished ones (1 or 100).
  const tasks = await tower.call("get-tasks", { orderBy: "local_created_at_DESC", first: 200 });
  const values = tasks.map((t) => t.progress).filter((p) => typeof p === "number");
  if (values.some((p) => p > 1)) report("taskProgress", "percent");
  else if (values.some((p) => p > 0)) report("taskProgress", "fraction");
  else console.log("taskProgress: not probed (no task with progress yet)");

  const listing = await rejection(tower.listApiKeys());
  report("apiKeysQuery", listing?.code === "UNSUPPORTED" ? "false" : listing ? `unknown: ${shape(listing)}` : "true");

  if (env.CLOUDTOWER_MFA_USERNAME && env.CLOUDTOWER_MFA_PASSWORD) {
    const mfa = await rejection(new CloudTowerClient({ endpoint }).login({ username: env.CLOUDTOWER_MFA_USERNAME, password: env.CLOUDTOWER_MFA_PASSWORD }));
    if (mfa?.code !== "MFA_REQUIRED") report("mfaShape", `unknown: ${shape(mfa)}`);
    else if (mfa.status === 200) report("mfaShape", "challenge", "off-spec: 200 without a token");
    else report("mfaShape", mfa.errorBody?.code || mfa.graphqlErrors?.[0]?.extensions?.code ? "error" : "message");
  } else {
    console.log("mfaShape: not probed (set CLOUDTOWER_MFA_USERNAME and CLOUDTOWER_MFA_PASSWORD of a 2FA user)");
  }

  const logout = await tower.graphql("mutation logout { logout }");
  console.log(`evidenced logout: String!: ${typeof logout.logout === "string" ? "yes" : `no (${typeof logout.logout})`}`);
  const flags = Object.entries(found).filter(([, v]) => !v.startsWith("unknown"))
    .map(([option, v]) => (option === "apiKeysQuery" ? (v === "false" ? "--no-api-keys-query" : "") : `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${v}`))
    .filter(Boolean);
  console.log(`simulator: node tests/sim/cli.mjs ${flags.join(" ")}`);
} catch (error) {
  console.error(`probe failed: [${error.code}] ${error.message}`);
  process.exitCode = 1;
} finally {
  // The probe's own key never outlives it.
  if (issued) await tower.deleteApiKey(issued.key).catch(() => console.error("could not revoke the probe key: revoke keys named probe-dialect-* by hand"));
}
