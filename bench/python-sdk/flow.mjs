// The package doing what bench/python-sdk/flow.py does with the official Python SDK: log in with
// a password, then call("get-vms") of the whole listing. Prints "<vms> <peak RSS in KiB>".
import { CloudTowerClient } from "../../pkg/index.mjs";

const [endpoint, username, password] = process.argv.slice(2);
const tower = new CloudTowerClient({ endpoint });
await tower.login({ username, password });
const vms = await tower.call("get-vms", {});
console.log(vms.length, process.resourceUsage().maxRSS);
