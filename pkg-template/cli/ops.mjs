// The operation list of the cloudtower CLI (generated from the API description), its search, and
// suggestions for a name that is not one: by spelling first, then by meaning (a verb's and a
// noun's usual synonyms: `stop-vm` finds shutdown-vm and poweroff-vm, which no edit distance does).

import { OPERATIONS } from "./operations.mjs";

/** [{ name, method, credential, read }], sorted by name. */
export const OPERATION_LIST = OPERATIONS.trim().split("\n").map((line) => {
  const [name, code] = line.split(" ");
  return { name, method: code[0] === "G" ? "GET" : "POST", credential: code[1] !== "N", read: code[0] === "G" || name.startsWith("get-") };
});

export const isOperation = (name) => OPERATION_LIST.some((o) => o.name === name);

// Words people type for the words the API uses.
const SYNONYMS = [
  ["stop", "shutdown", "poweroff", "halt", "shut", "off"],
  ["start", "boot", "poweron", "on", "run"],
  ["restart", "reboot", "reset"],
  ["delete", "remove", "destroy", "rm", "del", "drop"],
  ["create", "add", "new", "make"],
  ["get", "list", "show", "read", "describe", "ls", "find", "query"],
  ["update", "edit", "modify", "change", "set"],
  ["migrate", "move", "migration"],
  ["clone", "copy", "duplicate"],
  ["vm", "vms", "machine", "machines", "instance", "instances", "guest"],
  ["host", "hosts", "node", "nodes", "server", "servers"],
  ["cluster", "clusters"],
  ["disk", "disks", "volume", "volumes"],
  ["snapshot", "snapshots", "snap", "backup"],
  ["user", "users", "account", "accounts"],
  ["task", "tasks", "job", "jobs"],
];
const synonymsOf = new Map();
for (const group of SYNONYMS) for (const word of group) synonymsOf.set(word, new Set(group));

const words = (text) => text.toLowerCase().split(/[-_\s]+/).filter(Boolean);
const expand = (word) => synonymsOf.get(word) ?? new Set([word, word.replace(/s$/, "")]);

function distance(a, b) {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Operations whose words hold every word of `text` (or a synonym), fewest other words first. */
function byMeaning(text) {
  const wanted = words(text).map(expand);
  if (!wanted.length) return [];
  return OPERATION_LIST
    .map((o) => {
      const own = words(o.name);
      return { o, hits: wanted.filter((set) => own.some((w) => set.has(w))).length, extra: own.length };
    })
    .filter((s) => s.hits === wanted.length)
    .sort((a, b) => a.extra - b.extra || (a.o.name < b.o.name ? -1 : 1))
    .map((s) => s.o);
}

/** Up to `limit` operation names for a name that is not one. */
export function suggest(name, limit = 3) {
  const query = name.toLowerCase();
  const close = OPERATION_LIST
    .map((o) => ({ name: o.name, d: distance(query, o.name) }))
    .filter((s) => s.d <= Math.max(2, Math.floor(query.length / 4)))
    .sort((a, b) => a.d - b.d || (a.name < b.name ? -1 : 1))
    .map((s) => s.name);
  return (close.length ? close : byMeaning(query).map((o) => o.name)).slice(0, limit);
}

/** `ops TEXT`: names holding TEXT, else names matching its words by meaning. */
export function search(text) {
  const needle = text.toLowerCase();
  const plain = OPERATION_LIST.filter((o) => o.name.includes(needle));
  return plain.length ? plain : byMeaning(needle);
}
