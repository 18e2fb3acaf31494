// The cloudtower CLI: argument parsing (node:util parseArgs), dispatch, signals and error
// reporting. Commands live in commands.mjs; they use the package's own client.

import { parseArgs } from "node:util";
import { constants } from "node:os";
import { readFileSync } from "node:fs";
import { CliError, usage, describeError, formatError, exitCodeOf } from "./errors.mjs";
import { MAIN_HELP, COMMAND_HELP } from "./help.mjs";
import { COMMANDS as BASE_COMMANDS } from "./commands.mjs";
import { AUTH_COMMANDS } from "./auth.mjs";

const COMMANDS = {
  ...BASE_COMMANDS,
  ...AUTH_COMMANDS,
  completion: {
    options: [],
    args: [1, 1],
    run: (ctx, [shell]) => {
      const commands = [...new Set(Object.keys(COMMANDS).map((c) => c.split(" ")[0]).filter((c) => !c.startsWith("_"))), "version", "help"];
      ctx.out(completionScript(shell, { options: OPTIONS, commands }));
    },
  },
  // For the completion scripts: profile names, one per line; never fails.
  "__complete": { options: [], args: [1, 1], run: (ctx, [what]) => ctx.out(what === "profiles" ? profileNames(ctx.environment).map((n) => `${n}\n`).join("") : "") },
};
import { inertJson } from "./text.mjs";
import { FORMATS } from "./output.mjs";
import { completionScript, profileNames } from "./completion.mjs";

const OPTIONS = {
  // Repeated for an active/passive pair (`--endpoint A --endpoint B`), like a comma list.
  endpoint: { type: "string", multiple: true },
  source: { type: "string" },
  language: { type: "string" },
  timeout: { type: "string" },
  ca: { type: "string" },
  insecure: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
  "print-token": { type: "boolean" },
  name: { type: "string" },
  output: { type: "string", short: "o" },
  "out-file": { type: "string" },
  fields: { type: "string" },
  force: { type: "boolean" },
  stdin: { type: "boolean" },
  "password-stdin": { type: "boolean" },
  body: { type: "string" },
  where: { type: "string" },
  "order-by": { type: "string" },
  all: { type: "boolean" },
  limit: { type: "string" },
  "page-size": { type: "string" },
  interval: { type: "string" },
  "wait-timeout": { type: "string" },
  "temporary-key": { type: "boolean" },
  profile: { type: "string" },
  "with-key": { type: "boolean" },
  forget: { type: "boolean" },
  debug: { type: "boolean" },
};
const GLOBAL = ["endpoint", "source", "language", "timeout", "ca", "insecure", "json", "help", "password-stdin", "profile", "debug", "output", "fields"];
const SUBCOMMANDS = { key: ["create", "delete", "list", "rotate"], auth: ["login", "status", "logout", "switch"] };

// Options that would carry a secret: refused before anything else, with what to use instead.
const PROCESS_LIST =
  "a command-line argument is visible to every user of this machine in the process list (ps) and stays in the shell history";
const SECRET_OPTIONS = [
  [/^(-p|--?(password|passwd|pass|pw))$/i, "set CLOUDTOWER_PASSWORD in the environment instead, or leave it unset to be prompted for it on a terminal"],
  [/^--?(token|access-token|auth-token|bearer|session)$/i, "set CLOUDTOWER_TOKEN in the environment instead"],
  [/^--?(api-?key|api_key|key|secret|credentials?|authorization)$/i,
    "set CLOUDTOWER_API_KEY in the environment to use a key; `key delete --stdin` and `key rotate --stdin` read a key to revoke from standard input"],
];

function refuseSecretOptions(args) {
  for (const arg of args) {
    if (!arg.startsWith("-")) continue;
    const option = arg.split("=")[0];
    for (const [pattern, instead] of SECRET_OPTIONS) {
      if (pattern.test(option)) throw usage(`${option} is refused: ${PROCESS_LIST}. ${instead[0].toUpperCase()}${instead.slice(1)}`);
    }
  }
}

// An option name is echoed in a usage error only when it looks like one: an API key given where
// an option was expected (a key may start with "-" or "--") is never printed.
const OPTION_SHAPED = /^--?[a-z][a-z-]{0,24}$/;
const shownOption = (option) => (OPTION_SHAPED.test(option) ? option : "(not shown: it may be a secret)");

// Commands whose positional argument is an API key: a key is random base64url, so it may start
// with "-" or "--"; there, anything that is not one of the CLI's options is the key.
const KEY_COMMANDS = ["key delete", "key rotate"];

/**
 * Sorts argv into options and positionals the way parseArgs would, with two differences: the
 * value of a string option is the next argument whatever it starts with (`--name -x`), and for
 * KEY_COMMANDS an argument that starts with "-" but names no option is a positional.
 */
function separate(args) {
  const options = [];
  const positionals = [];
  const unknown = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const long = arg.startsWith("--") ? OPTIONS[arg.slice(2).split("=")[0]] : undefined;
    const short = /^-[a-zA-Z]$/.test(arg) ? Object.entries(OPTIONS).find(([, o]) => o.short === arg[1]) : undefined;
    if (arg === "-" || !arg.startsWith("-")) positionals.push(arg);
    else if (long || short) {
      const name = long ? arg.slice(2).split("=")[0] : short[0];
      if (OPTIONS[name].type !== "string" || arg.includes("=")) options.push(arg);
      else if (i + 1 < args.length) options.push(`--${name}=${args[++i]}`);
      else throw usage(`--${name} needs a value; see cloudtower --help`);
    } else {
      unknown.push(arg);
      positionals.push(arg);
    }
  }
  const words = positionals.filter((p) => !unknown.includes(p));
  const command = words[0] === "key" ? `key ${words[1]}` : words[0];
  if (KEY_COMMANDS.includes(command)) {
    // A short lowercase word is a mistyped option (`--stdn`), never a 43-character key.
    const typos = unknown.filter((arg) => OPTION_SHAPED.test(arg));
    return [...options, ...typos, "--", ...positionals.filter((p) => !typos.includes(p))];
  }
  return [...options, ...unknown, "--", ...positionals.filter((p) => !unknown.includes(p))];
}

/** argv → { command, values, positionals, rest }; never echoes an argument's value. */
export function parseCommandLine(argv) {
  const dash = argv.indexOf("--");
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const rest = dash === -1 ? [] : argv.slice(dash + 1);
  refuseSecretOptions(own);
  let parsed;
  try {
    parsed = parseArgs({ args: separate(own), options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    if (error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const option = /'(-[^'=]*)/.exec(error.message)?.[1];
      throw usage(`unknown option ${option ? shownOption(option) : "(not shown)"}; see cloudtower --help`);
    }
    // parseArgs' other messages name the option (one of ours), never a value.
    throw usage(error.message.replace(/\. To specify a positional.*$/s, ""));
  }
  const { values, positionals } = parsed;
  if (values.endpoint) values.endpoint = values.endpoint.join(",");
  let command = positionals[0];
  let args = positionals.slice(1);
  if (SUBCOMMANDS[command] && args.length > 0 && SUBCOMMANDS[command].includes(args[0])) {
    command = `${command} ${args[0]}`;
    args = args.slice(1);
  }
  return { command, values, args, rest, sawDash: dash !== -1, shortOutput: own.includes("-o") };
}

const shownName = (name) => (/^[a-z][a-z-]{0,30}$/.test(name) ? `"${name}"` : "(not shown)");

function checkOptions(command, values) {
  const allowed = new Set([...GLOBAL, ...COMMANDS[command].options]);
  for (const name of Object.keys(values)) {
    if (!allowed.has(name)) throw usage(`--${name} is not an option of \`cloudtower ${command}\`; see cloudtower ${command} --help`);
  }
}

function version() {
  try {
    return JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;
  } catch {
    return "unknown";
  }
}

const signalNumber = (signal) => constants.signals[signal] ?? 0;

/**
 * Runs the CLI; resolves with the exit status (also set on process.exitCode).
 * `io` is for tests only: { environment }.
 */
export async function main(argv, { environment = process.env } = {}) {
  const dash = argv.indexOf("--");
  const ctx = {
    environment,
    values: {},
    json: (dash === -1 ? argv : argv.slice(0, dash)).includes("--json"),
    command: null,
    credentialKind: null,
    tlsOptionsUsed: false,
    stdoutWatched: false,
    interruption: null,
    signalHandler: null,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
  process.stdout.on("error", (error) => {
    // `cloudtower vms | head`: the reader is gone, nothing more to say. Where the write must be
    // known to have landed (a new key), the write itself reports the error.
    if (error.code === "EPIPE" && !ctx.stdoutWatched) process.exit(process.exitCode ?? 0);
  });

  const controller = new AbortController();
  ctx.signal = controller.signal;
  const onSignal = (signal) => {
    if (ctx.signalHandler) return ctx.signalHandler(signal);
    if (ctx.interruption) process.exit(128 + signalNumber(signal)); // a second signal: at once
    ctx.interruption = signal;
    controller.abort();
    setTimeout(() => process.exit(128 + signalNumber(signal)), 10_000).unref(); // cleanup's budget
  };
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, onSignal);

  let status = 0;
  try {
    const { command, values, args, rest, sawDash, shortOutput } = parseCommandLine(argv);
    ctx.values = values;
    ctx.json = Boolean(values.json) || values.output === "json";
    if ((values.version && command === undefined) || (command === "version" && !values.help)) {
      if (args.length) throw usage("`cloudtower version` takes no argument");
      ctx.out(`${version()}\n`);
    } else if (command === undefined || command === "help") {
      // No command: the short help, and success (as gh and kubectl do).
      const topic = command === "help" ? args.join(" ") : "";
      if (topic && !COMMAND_HELP[topic]) throw usage(`no help for ${shownName(topic)}: see cloudtower --help`);
      ctx.out(topic ? COMMAND_HELP[topic] : MAIN_HELP);
    } else if (SUBCOMMANDS[command] && !values.help) {
      const list = SUBCOMMANDS[command];
      throw usage(`\`cloudtower ${command}\` needs a subcommand: ${list.slice(0, -1).join(", ")} or ${list.at(-1)}${args.length ? ` (got ${shownName(args[0])})` : ""}`);
    } else if (values.help) {
      const help = COMMAND_HELP[command];
      if (!help) throw usage(`unknown command ${shownName(command)}; see cloudtower --help`);
      ctx.out(help);
    } else {
      const spec = COMMANDS[command];
      if (!spec) throw usage(`unknown command ${shownName(command)}; see cloudtower --help`);
      ctx.command = command;
      checkOptions(command, values);
      // `--output FILE` was the key file of these two before -o/--output chose the format.
      if ((command === "key create" || command === "key rotate") && !shortOutput && values.output !== undefined && !FORMATS.includes(values.output)) {
        if (values["out-file"] !== undefined) throw usage("--output FILE is the old spelling of --out-file FILE: give one");
        ctx.err("warning: --output FILE is deprecated for the key file: use --out-file FILE (-o/--output now selects the output format)\n");
        values["out-file"] = values.output;
        delete values.output;
      }
      let positional = args;
      if (command !== "exec") positional = [...args, ...rest];
      else if (!sawDash && args.length) positional = args;
      else positional = rest;
      const [min, max] = spec.args;
      if (command !== "exec" && (positional.length < min || positional.length > max)) {
        const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
        throw usage(`\`cloudtower ${command}\` takes ${expected} argument${max === 1 ? "" : "s"}, got ${positional.length}; see cloudtower ${command} --help`);
      }
      const result = await spec.run(ctx, positional);
      status = typeof result === "number" ? result : 0;
    }
    if (ctx.interruption && status === 0) status = 128 + signalNumber(ctx.interruption);
  } catch (error) {
    let failure = error;
    if (ctx.interruption && (error?.code === "ABORTED" || (error?.code === "INTERRUPTED" && error.exitCode === undefined))) {
      failure = new CliError("INTERRUPTED", `interrupted by ${ctx.interruption}`, { exitCode: 128 + signalNumber(ctx.interruption) });
    }
    const described = describeError(failure, ctx);
    ctx.err(ctx.json ? `${inertJson(JSON.stringify({ error: described }))}\n` : `${formatError(described)}\n`);
    status = exitCodeOf(failure);
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
  }
  process.exitCode = status;
  return status;
}
