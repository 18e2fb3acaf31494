// Help texts of the cloudtower CLI. Every command has usage, options, environment, examples
// and the exit statuses.

import { EXIT_CODE_MEANINGS } from "./errors.mjs";

export const GLOBAL_OPTIONS_HELP = `Global options (every command):
  --endpoint URL        CloudTower address, e.g. https://tower.example.com (or CLOUDTOWER_ENDPOINT)
  --source SOURCE       user source of a password login: LOCAL (default), LDAP or AUTHN
                        (or CLOUDTOWER_SOURCE); LDAP finds the directory's auth_config_id itself
  --language LANG       content-language of the requests: en-US (default), zh-CN or *
  --timeout DURATION    deadline of each HTTP request (default 30s); 500ms, 30s, 5m or seconds
  --ca FILE             trust the CA certificate(s) in this PEM file (self-signed appliances)
  --insecure            do not verify the server's TLS certificate (prefer --ca)
  --profile NAME        the profile to use (or CLOUDTOWER_PROFILE; else the current one)
  --password-stdin      read the password of CLOUDTOWER_USERNAME from the first line of standard
                        input (a pipe or a file; the rest stays for exec's command)
  --json                JSON output, and errors as one JSON object on stderr
  --debug               one line per HTTP exchange on stderr: operation, status, duration,
                        retry, request id (never a header value or a body)
  -h, --help            help of the command`;

export const ENVIRONMENT_HELP = `Environment (credentials are never accepted as command-line options):
  CLOUDTOWER_ENDPOINT   the CloudTower address (--endpoint wins)
  CLOUDTOWER_API_KEY    an API key: used first, except by the commands that manage keys
  CLOUDTOWER_TOKEN      a login token (CloudTower tokens live until logout)
  CLOUDTOWER_USERNAME   log in with this user name and CLOUDTOWER_PASSWORD; without
  CLOUDTOWER_PASSWORD   CLOUDTOWER_PASSWORD the password is prompted for (no echo) when standard
                        input is a terminal. The CLI logs such a session out when it is done.
  CLOUDTOWER_SOURCE     as --source
  CLOUDTOWER_PROFILE    as --profile
  CLOUDTOWER_CONFIG_DIR where \`auth login\` keeps profiles (mode 0600); default
                        $XDG_CONFIG_HOME/cloudtower, else ~/.config/cloudtower
  CLOUDTOWER_DEBUG=1    as --debug
  Precedence: CLOUDTOWER_API_KEY, then CLOUDTOWER_TOKEN, then CLOUDTOWER_USERNAME, then the
  profile's key, which is only sent to the profile's endpoint (a note on stderr names the
  credential used when others are set too; --password-stdin picks the password). \`key create\`,
  \`key delete\`, \`key rotate\` and \`exec\` need a token or a password login (CloudTower does not
  let an API key manage keys) and ignore CLOUDTOWER_API_KEY.`;

const pad = (text, width) => String(text).padEnd(width);
// The code column fits the longest code (MULTIPLE_ACTIVE_ENDPOINTS) plus two spaces.
const CODE_WIDTH = Math.max(...EXIT_CODE_MEANINGS.map(([, code]) => code.length)) + 2;
export const EXIT_CODES_HELP = `Exit status:
${EXIT_CODE_MEANINGS.map(([status, code, meaning]) => `  ${pad(status, 6)}${pad(code, CODE_WIDTH)}${meaning}`).join("\n")}
  Errors are printed on stderr as one line, \`error [CODE] message (request id …)\`, or with
  --json as {"error": {"code", "exitCode", "message", "status", "requestId", "operation", ...}}.`;

const SECRETS_HELP = `Secrets on the command line: the process list is readable by every user of the machine and
shells keep a history, so --password, --token, --api-key, --key and the like are refused (exit
2) with the environment variable to use instead; a --body, --where given inline that holds a
password, token or secret field is refused too (use --body - or --body @FILE).
\`key delete\` and \`key rotate\` take the key to revoke from standard input with --stdin (a hidden
prompt on a terminal). A key given as a positional argument is still accepted there, because
those commands exist to make that key worthless: it is revoked at once, with a warning that it
was exposed; if revoking fails, the warning says so and tells how to revoke it safely.`;

export const MAIN_HELP = `cloudtower: the command line of cloudtower-wasm, a CloudTower API-key client

Usage: cloudtower <command> [options]
       npx cloudtower-wasm <command> [options]

Commands:
  auth login|status|logout|switch  profiles: an endpoint and an API key, never a password
  login                          check the credentials and print who you are
  logout                         end the session of CLOUDTOWER_TOKEN
  key create --name NAME         issue an API key; prints the key alone on stdout
  key delete --stdin | KEY       revoke API keys (read from standard input)
  key list                       list API keys (never their secrets)
  key rotate --stdin --name NAME replace a key: issue NAME, check it, revoke the old one
  call OPERATION [--body JSON]   call any v2 operation of the CloudTower 4.6.0 API
  ops [TEXT]                     list the API's operations (name, credential, read), filtered
  vms [--where JSON] [--all]     list VMs: a table on a terminal, else JSON
  wait TASK_ID...                wait for tasks, with a progress bar; fails if one FAILED
  exec --temporary-key -- CMD    run CMD with a fresh API key that is revoked when CMD ends
  completion bash|zsh|fish       print a shell completion script (see its --help)
  version                        print the version of cloudtower-wasm (also -v, --version)
  help [COMMAND | environment | exit-codes]

Run \`cloudtower <command> --help\` for a command's options and examples,
\`cloudtower help environment\` for the options and variables every command takes, and
\`cloudtower help exit-codes\` for the exit statuses.

Examples:
  cloudtower auth login --endpoint https://tower.example.com   # prompts; stores an API key
  cloudtower vms --where '{"status": "RUNNING"}'
  KEY=$(cloudtower key create --name ci)            # the key alone on stdout
  cloudtower exec --temporary-key -- ./backup.sh
  cloudtower auth logout                            # revokes the stored key
`;

/** \`cloudtower help environment\`: what every command shares. */
export const ENVIRONMENT_TOPIC = `${GLOBAL_OPTIONS_HELP}
  -v, --version         print the version of cloudtower-wasm

${ENVIRONMENT_HELP}

${SECRETS_HELP}
`;

/** \`cloudtower help exit-codes\`. */
export const EXIT_CODES_TOPIC = `${EXIT_CODES_HELP}
`;

// A command's help: short, with what every command shares in two topics instead of repeated.
const section = (usageLine, description, options, examples) =>
  `Usage: ${usageLine}

${description}
${options ? `\nOptions:\n${options}\n` : ""}
Examples:
${examples}

Shared options and credentials: cloudtower help environment; exit statuses: cloudtower help exit-codes
`;

export const COMMAND_HELP = {
  login: section(
    "cloudtower login [--print-token]",
    `Checks the credentials of the environment and prints the user they belong to (name, source,
roles). With a username and password it logs in, prints, and logs the session out again.
Nothing secret is printed unless --print-token is given.`,
    `  --print-token         print the new login token alone on stdout (the user goes to stderr);
                        needs CLOUDTOWER_USERNAME: that session is not logged out. Anyone with
                        the token acts as you until it is logged out: prefer an API key`,
    `  CLOUDTOWER_USERNAME=admin cloudtower login --endpoint https://tower.example.com
  CLOUDTOWER_API_KEY=$KEY cloudtower login --json
  export CLOUDTOWER_TOKEN=$(cloudtower login --print-token)`,
  ),
  logout: section(
    "cloudtower logout",
    `Ends the session of CLOUDTOWER_TOKEN on the server: the token stops working. CloudTower tokens
otherwise live until logout, so end the sessions that \`login --print-token\` opened. (The
sessions the CLI opens itself with CLOUDTOWER_USERNAME are logged out by each command.)
An API key is not affected: revoke keys with \`key delete\`.`,
    "",
    `  export CLOUDTOWER_TOKEN=$(cloudtower login --print-token)
  cloudtower key create --name ci --output ci.key
  cloudtower logout && unset CLOUDTOWER_TOKEN`,
  ),
  "key create": section(
    "cloudtower key create --name NAME [--output FILE [--force]]",
    `Issues an API key with the permissions of the logged-in user and prints the key alone,
followed by a newline, on stdout: KEY=$(cloudtower key create --name ci) works. CloudTower
shows a key only once. A key that is not delivered (Ctrl-C before it is printed, a closed
stdout) is revoked, and the exit status is not 0. Needs a token or a password login.`,
    `  --name NAME           name of the key (required)
  --output FILE         write the key to FILE instead of stdout, created with mode 0600
                        (O_EXCL: an existing FILE is refused)
  --force               replace an existing FILE (written to a new 0600 file, then renamed
                        over it: the key never lands in the old file's permissions)`,
    `  KEY=$(cloudtower key create --name ci)
  cloudtower key create --name ci --output ~/.config/ci.key
  cloudtower key create --name ci --json           # {"id", "name", "roles", "key"}`,
  ),
  "key delete": section(
    "cloudtower key delete --stdin\n       cloudtower key delete KEY   (accepted, with a warning: see below)",
    `Revokes API keys; requests carrying them are refused from then on. With --stdin the keys are
read from standard input, one per line (a hidden prompt on a terminal), so they never appear in
the process list or the shell history. A key given as the positional KEY has been exposed on
the command line already: it is revoked at once and a warning says so (if revoking fails, the
warning says the exposed key may still be valid). Revoking a key that no longer exists succeeds with
"already revoked". Needs a token or a password login. Prints the id of each key revoked.`,
    `  --stdin               read the keys from standard input, one per line`,
    `  printf '%s\\n' "$KEY" | cloudtower key delete --stdin
  cloudtower key delete --stdin < old-keys.txt
  cloudtower key delete --stdin                    # prompts: API key (input hidden)`,
  ),
  "key list": section(
    "cloudtower key list",
    `Lists the API keys the credential can see (id, name, user, roles), never their secrets: a
table on a terminal, JSON otherwise or with --json. Servers without the list query answer
UNSUPPORTED (exit 15).`,
    "",
    `  cloudtower key list
  cloudtower key list --json | jq -r '.[].name'`,
  ),
  "key rotate": section(
    "cloudtower key rotate --stdin --name NAME [--output FILE [--force]]\n       cloudtower key rotate KEY --name NAME   (accepted, with a warning)",
    `Replaces a key: issues a new key named NAME, checks that it works, then revokes the old key.
Prints the new key alone on stdout (like key create; interrupted or unwritable, the new key
is revoked, and the old one is already revoked). If a step fails the old key stays
valid and the error names the step. The old key is read with --stdin (one line; a hidden prompt
on a terminal); given as the positional KEY it has been exposed on the command line: it is
revoked by the rotation anyway, with a warning. Needs a token or a password login.`,
    `  --stdin               read the old key from standard input
  --name NAME           name of the new key (required)
  --output FILE         write the new key to FILE (mode 0600, O_EXCL) instead of stdout
  --force               replace an existing FILE`,
    `  NEW=$(printf '%s\\n' "$OLD" | cloudtower key rotate --stdin --name ci-2024-06)
  cloudtower key rotate --stdin --name ci --output ci.key --force < ci.key`,
  ),
  call: section(
    "cloudtower call OPERATION [--body JSON | --body @FILE | --body -]",
    `Calls any v2 operation of the CloudTower 4.6.0 API (POST /v2/api/OPERATION, or GET for
get-version) and prints the JSON answer on stdout. Unknown operation names are refused with a
suggestion. \`call login\` is refused: use \`cloudtower login\`, which keeps the token private.`,
    `  --body JSON           the request body, inline
  --body @FILE          the request body from FILE
  --body -              the request body from standard input
                        (an inline body holding a secret field of the API is refused)
  --all                 a listing operation, page by page: each item printed as it arrives
  --page-size N         items per request with --all
  -o ndjson|yaml|json   the output format (default json; table with --fields)
  --fields A,B.C        keep these fields of each item`,
    `  cloudtower call get-version
  cloudtower call get-clusters --body '{"where": {"name_contains": "prod"}}'
  cloudtower call start-vm --body '{"where": {"name": "web-1"}}' | cloudtower wait -
  cloudtower call create-vm --body @vm.json`,
  ),
  vms: section(
    "cloudtower vms [--where JSON] [--order-by FIELD_ASC|FIELD_DESC] [--limit N | --all]",
    `Lists VMs (get-vms): a table on a terminal, JSON when stdout is not a terminal or with
--json. Without --all, the first --limit VMs (default 100) are shown and stderr tells when more
match. --all pages through every VM, with a progress bar on stderr when stderr is a terminal.`,
    `  --where JSON          a VmWhereInput filter, e.g. '{"status": "RUNNING"}' (also @FILE or -)
  --order-by ORDER      one VmOrderByInput value, e.g. name_ASC, memory_DESC
  --limit N             at most N VMs (default 100)
  --all                 every matching VM, page by page, each printed as it arrives
  --page-size N         VMs per request with --all (default: the package's)
  -o table|json|ndjson|yaml  the output format (default: table on a terminal, else json)
  --fields A,B.C        these fields only (columns of the table), e.g. name,status,cluster.name`,
    `  cloudtower vms
  cloudtower vms --where '{"name_contains": "db"}' --order-by name_ASC
  cloudtower vms --all -o ndjson --fields id,name,status > vms.ndjson`,
  ),
  wait: section(
    "cloudtower wait TASK_ID... | cloudtower wait -",
    `Waits until every task is SUCCESSED or FAILED, with a progress bar on stderr (when it is a
terminal). Exits 0 when all succeeded; exits 17 (TASK_FAILED) when any FAILED, printing each
failed task's error_code and error_message. \`-\` reads task ids, or the JSON answer of a
mutation (task_id fields), from standard input. Prints the final tasks: a list on a
terminal, JSON otherwise or with --json.`,
    `  --interval DURATION   time between polls (default: the package's)
  --wait-timeout DURATION  give up after this long (exit 5, TIMEOUT; default: the package's)`,
    `  cloudtower wait cmwy130uq0000yb62esrv3fzk
  cloudtower call shutdown-vm --body '{"where": {"name_starts_with": "test-"}}' | cloudtower wait -`,
  ),
  exec: section(
    "cloudtower exec --temporary-key [--name NAME] -- COMMAND [ARGS...]",
    `Issues an API key, runs COMMAND with CLOUDTOWER_API_KEY and CLOUDTOWER_ENDPOINT in its
environment (CLOUDTOWER_TOKEN, CLOUDTOWER_USERNAME and CLOUDTOWER_PASSWORD are removed from it),
and revokes the key when COMMAND ends: on success, on failure, and on Ctrl-C or SIGTERM,
which are forwarded to COMMAND; the CLI waits for it, revokes, then exits. Exits with
COMMAND's status (128+N if a signal N killed it). If revoking fails, the error is printed and the
exit status is the error's. Needs a token or a password login: give the password with
--password-stdin or at the prompt, because COMMAND can read this process's initial environment
(/proc/PID/environ): with CLOUDTOWER_PASSWORD or CLOUDTOWER_TOKEN set, a warning says so.`,
    `  --temporary-key       required: the mode of exec (a key for the command's lifetime)
  --name NAME           name of the key (default cloudtower-exec-HOST-PID)`,
    `  pass show tower/admin | cloudtower exec --temporary-key --password-stdin -- terraform apply
  cloudtower exec --temporary-key -- terraform apply      # prompts for the password
  cloudtower exec --temporary-key --name nightly -- sh -c 'cloudtower vms --all --json > vms.json'`,
  ),
};
COMMAND_HELP.completion = section(
  "cloudtower completion bash|zsh|fish",
  `Prints a completion script: commands, options and their values, the 554 operation names after
\`call\`, and profile names (asked of cloudtower as you type).`,
  "",
  `  cloudtower completion bash > ~/.local/share/bash-completion/completions/cloudtower
  cloudtower completion zsh > "\${fpath[1]}/_cloudtower"
  cloudtower completion fish > ~/.config/fish/completions/cloudtower.fish`,
);
COMMAND_HELP.ops = section(
  "cloudtower ops [TEXT]",
  `Lists the 554 operations of the CloudTower 4.6.0 API that \`call\` can run: name, HTTP method,
whether it needs a credential and whether it is a read. TEXT filters by name, or by meaning when
no name holds it (\`ops stop vm\` lists shutdown-vm and poweroff-vm). An unknown operation given
to \`call\` gets the same suggestions.`,
  "",
  `  cloudtower ops snapshot
  cloudtower ops "stop vm"
  cloudtower ops -o json | jq -r '.[] | select(.read) | .name'`,
);
COMMAND_HELP["auth login"] = section(
  "cloudtower auth login [--profile NAME] [--endpoint URL] [--source SOURCE] [--with-key]",
  `Logs in with a user name and password (CLOUDTOWER_USERNAME or asked; CLOUDTOWER_PASSWORD,
--password-stdin or a hidden prompt), issues an API key named cli-HOST-PROFILE, stores the
endpoint and the key in the config file (mode 0600; see \`help environment\`), and logs the
session out: no password or token is ever stored. Logging in again replaces the profile's key
and revokes the old one. --with-key stores an existing key read from standard input instead (2FA
users, who cannot log in with a password). The profile is "default" unless --profile or
CLOUDTOWER_PROFILE names one; the first profile becomes the current one.`,
  `  --profile NAME        the profile to create or replace
  --with-key            store the API key read from standard input (a hidden prompt on a terminal)`,
  `  cloudtower auth login --endpoint https://tower.example.com
  pass show tower/admin | CLOUDTOWER_USERNAME=admin cloudtower auth login --password-stdin --profile prod
  cloudtower auth login --with-key --profile lab < lab.key`,
);
COMMAND_HELP["auth status"] = section(
  "cloudtower auth status [--profile NAME]",
  `Shows the profile in use (and what selected it), its endpoint, user, key name and id (never
the key), the credential that would be used (the environment's come first) and whether it still
works: exit 0 if it does, else the error's status (8 for a revoked key).`,
  "",
  `  cloudtower auth status
  cloudtower auth status --profile prod --json`,
);
COMMAND_HELP["auth logout"] = section(
  "cloudtower auth logout [--profile NAME] [--forget]",
  `Revokes the profile's key on the server, then removes the profile. Revoking needs a login
session (an API key cannot revoke keys): the password is read as for auth login, the session is
logged out again. If revoking fails, the profile stays and the exit status says why.
--forget removes the profile without revoking its key, with a warning that the key is still
valid (the only way for a --with-key profile of a 2FA user).`,
  `  --profile NAME        the profile to log out of
  --forget              remove without revoking (the key stays valid)`,
  `  cloudtower auth logout
  cloudtower auth logout --profile lab --forget`,
);
COMMAND_HELP["auth switch"] = section(
  "cloudtower auth switch NAME",
  `Makes NAME the current profile. --profile NAME or CLOUDTOWER_PROFILE=NAME pick a profile for
one command instead.`,
  "",
  `  cloudtower auth switch prod`,
);
COMMAND_HELP.auth = `Usage: cloudtower auth <login|status|logout|switch> [options]

  auth login [--profile NAME] [--with-key]   store an endpoint and a new API key (never a password)
  auth status [--profile NAME]               the profile in use and whether its key works
  auth logout [--profile NAME] [--forget]    revoke the profile's key and remove the profile
  auth switch NAME                           make NAME the current profile

Run \`cloudtower auth <subcommand> --help\` for details.
`;
COMMAND_HELP.key = `Usage: cloudtower key <create|delete|list|rotate> [options]

  key create --name NAME [--output FILE]     issue an API key (printed alone on stdout)
  key delete --stdin | KEY                   revoke keys
  key list                                   list keys without their secrets
  key rotate --stdin --name NAME             replace a key

Run \`cloudtower key <subcommand> --help\` for details.
`;
COMMAND_HELP.version = `Usage: cloudtower version | cloudtower -v | cloudtower --version

Prints the version of cloudtower-wasm.
`;
COMMAND_HELP.environment = ENVIRONMENT_TOPIC;
COMMAND_HELP["exit-codes"] = EXIT_CODES_TOPIC;
