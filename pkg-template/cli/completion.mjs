// `cloudtower completion bash|zsh|fish`: a completion script with the commands, options and the
// 554 operation names embedded; profile names are asked of the CLI at completion time
// (`cloudtower __complete profiles`), as gh and kubectl do, since they change.

import { usage } from "./errors.mjs";
import { OPERATION_LIST } from "./ops.mjs";
import { FORMATS } from "./output.mjs";
import { PROFILE_NAME, readConfig } from "./profiles.mjs";

export const SHELLS = ["bash", "zsh", "fish"];
const SUBCOMMANDS = { key: ["create", "delete", "list", "rotate"], auth: ["login", "status", "logout", "switch"] };
// (`*`, also a --language value, is left out: a shell would expand it.)
const VALUES = { output: FORMATS, source: ["LOCAL", "LDAP", "AUTHN"], language: ["en-US", "zh-CN"] };
const FILES = ["body", "where", "ca", "out-file"];

/**
 * Profile names for the completion; nothing (never an error) when there is no config. Only
 * names `auth login` could have made: the shell expands what a completion prints (`$(...)` in a
 * planted config would run), and a terminal would obey escapes in it.
 */
export function profileNames(environment) {
  try {
    return Object.keys(readConfig(environment).profiles).filter((name) => PROFILE_NAME.test(name));
  } catch {
    return [];
  }
}

function bash({ options, commands }) {
  const flags = Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
  const cases = Object.entries(VALUES).map(([name, values]) => {
    const short = options[name]?.short ? `|-${options[name].short}` : "";
    return `    --${name}${short}) COMPREPLY=($(compgen -W "${values.join(" ")}" -- "$cur")); return ;;`;
  });
  return `# cloudtower completion for bash. Install: cloudtower completion bash > ~/.local/share/bash-completion/completions/cloudtower
# (or: eval "$(cloudtower completion bash)" in ~/.bashrc)
_cloudtower() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local operations="${OPERATION_LIST.map((o) => o.name).join(" ")}"
  COMPREPLY=()
  case "$prev" in
    --profile) COMPREPLY=($(compgen -W "$(cloudtower __complete profiles 2>/dev/null)" -- "$cur")); return ;;
${cases.join("\n")}
    ${FILES.map((f) => `--${f}`).join("|")}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    call) COMPREPLY=($(compgen -W "$operations" -- "$cur")); return ;;
${Object.entries(SUBCOMMANDS).map(([c, subs]) => `    ${c}) [[ $COMP_CWORD -eq 2 ]] && COMPREPLY=($(compgen -W "${subs.join(" ")}" -- "$cur")); return ;;`).join("\n")}
    switch) COMPREPLY=($(compgen -W "$(cloudtower __complete profiles 2>/dev/null)" -- "$cur")); return ;;
    completion) COMPREPLY=($(compgen -W "${SHELLS.join(" ")}" -- "$cur")); return ;;
    help) COMPREPLY=($(compgen -W "${[...commands, "environment", "exit-codes"].join(" ")}" -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "${flags.join(" ")}" -- "$cur"))
  elif [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${commands.join(" ")}" -- "$cur"))
  fi
}
complete -o default -F _cloudtower cloudtower
`;
}

// zsh runs the bash function through bashcompinit, which ships with zsh.
const zsh = (spec) => `# cloudtower completion for zsh. Install: cloudtower completion zsh > "\${fpath[1]}/_cloudtower"
# (or: source <(cloudtower completion zsh) in ~/.zshrc)
autoload -U +X bashcompinit && bashcompinit
${bash(spec).split("\n").slice(2).join("\n")}`;

function fish({ options, commands }) {
  const lines = [
    "# cloudtower completion for fish. Install: cloudtower completion fish > ~/.config/fish/completions/cloudtower.fish",
    "complete -c cloudtower -f",
    `complete -c cloudtower -n "__fish_use_subcommand" -a "${commands.join(" ")}"`,
    ...Object.entries(SUBCOMMANDS).map(([c, subs]) => `complete -c cloudtower -n "__fish_seen_subcommand_from ${c}; and not __fish_seen_subcommand_from ${subs.join(" ")}" -a "${subs.join(" ")}"`),
    `complete -c cloudtower -n "__fish_seen_subcommand_from call" -a "${OPERATION_LIST.map((o) => o.name).join(" ")}"`,
    `complete -c cloudtower -n "__fish_seen_subcommand_from switch" -a "(cloudtower __complete profiles 2>/dev/null)"`,
    `complete -c cloudtower -n "__fish_seen_subcommand_from completion" -a "${SHELLS.join(" ")}"`,
  ];
  for (const [name, o] of Object.entries(options)) {
    let line = `complete -c cloudtower -l ${name}${o.short ? ` -s ${o.short}` : ""}`;
    if (name === "profile") line += ` -x -a "(cloudtower __complete profiles 2>/dev/null)"`;
    else if (VALUES[name]) line += ` -x -a "${VALUES[name].join(" ")}"`;
    else if (FILES.includes(name)) line += " -r -F";
    else if (o.type === "string") line += " -x";
    lines.push(line);
  }
  return `${lines.join("\n")}\n`;
}

/** The completion script for `shell`; `spec`: { options (parseArgs options), commands (names) }. */
export function completionScript(shell, spec) {
  if (!SHELLS.includes(shell)) throw usage(`completion: the shell is one of ${SHELLS.join(", ")}`);
  return { bash, zsh, fish }[shell](spec);
}
