// The whole API-key flow against the bundled simulator (or a real CloudTower), step by step,
// with secrets masked: node examples/node-flow.mjs [--endpoint URL]
// With --endpoint, CLOUDTOWER_USERNAME and CLOUDTOWER_PASSWORD must be set.
import { parseArgs } from "node:util";
import { CloudTowerClient } from "../pkg/index.mjs";
import { startSimulator, ACCOUNTS } from "../tests/sim/index.mjs";

const { values } = parseArgs({ options: { endpoint: { type: "string" } } });
const sim = values.endpoint ? null : await startSimulator({ vms: 25 });
const endpoint = values.endpoint ?? sim.url;
const username = process.env.CLOUDTOWER_USERNAME ?? ACCOUNTS.admin.username;
const password = process.env.CLOUDTOWER_PASSWORD ?? ACCOUNTS.admin.password;
const mask = (secret) => `•••• (${secret.length} characters, masked)`;
const step = (text) => console.log(`\n▶ ${text}`);

try {
  const tower = new CloudTowerClient({ endpoint });
  step(`log in to ${endpoint} as ${username}`);
  await tower.login({ username, password });
  const me = await tower.currentUser();
  console.log(`  authKind=${tower.authKind}; logged in as ${me.name} (${me.roles.map((r) => r.preset).join(", ")})`);

  step("issue an API key (shown once)");
  const issued = await tower.createApiKey({ name: `example-${Date.now()}` });
  console.log(`  id=${issued.id} key=${mask(issued.key)} roles=${issued.roles.map((r) => r.preset).join(", ")}`);

  step("call the v2 API with the key");
  const keyed = tower.withApiKey(issued.key);
  const vms = await keyed.call("get-vms", { first: 5, orderBy: "name_ASC" });
  const total = await keyed.count("get-vms");
  console.log(`  ${total} VMs; the first ${vms.length}: ${vms.map((vm) => `${vm.name} (${vm.status})`).join(", ")}`);

  step("revoke the key");
  console.log(" ", await tower.deleteApiKey(issued.key));

  step("the revoked key is refused");
  try {
    await keyed.call("get-vms", { first: 1 });
    console.log("  unexpected: the call succeeded");
    process.exitCode = 1;
  } catch (error) {
    console.log(`  ${error.code} (HTTP ${error.status}): ${error.message} [request id ${error.requestId}]`);
  }
  if (sim) console.log(`  the simulator still holds the key: ${sim.state.hasApiKey(issued.key)}`);
} finally {
  await sim?.close();
}
