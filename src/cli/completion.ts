// `etcdboot completion bash|zsh|fish`: a completion script for commands, their actions and
// options, and host names from the spec for `members` (and --member), which the script asks
// etcdboot for at completion time (`etcdboot __complete-hosts SPEC`). Pure: the words come from
// the help texts (command-words.ts); they are plain names, safe to write into a script as they are.

import type { CommandWords } from "./command-words.js";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** The hidden command the scripts call for host names. */
export const COMPLETE_HOSTS = "__complete-hosts";

const GLOBAL_OPTIONS = ["-h", "--help", "-V", "--version"];

const join = (words: string[]) => words.join(" ");
const valued = (command: CommandWords, kind: "HOST" | "other") =>
  command.options.filter((o) => o.value !== undefined && (o.value === "HOST") === (kind === "HOST")).map((o) => o.name);

function bashCase(command: CommandWords): string {
  return [
    `    ${command.name})`,
    `      command_options="${join(command.options.map((o) => o.name))}"`,
    `      command_actions="${join(command.actions)}"`,
    `      host_after_action=${command.afterAction === "HOST" ? 1 : 0}`,
    `      file_options="${join(valued(command, "other"))}"`,
    `      host_options="${join(valued(command, "HOST"))}" ;;`,
  ].join("\n");
}

/** bash (and zsh through bashcompinit): one function that reads COMP_WORDS and COMP_CWORD. */
function bashFunction(commands: CommandWords[]): string {
  return `_etcdboot_hosts() {
  # The spec is the first *.yaml/*.yml word on the line, else cluster.yaml (the commands' default).
  local spec=cluster.yaml word
  for word in "\${COMP_WORDS[@]:2}"; do
    case $word in *.yaml|*.yml) spec=$word; break ;; esac
  done
  etcdboot ${COMPLETE_HOSTS} "$spec" 2>/dev/null
}

_etcdboot() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  COMPREPLY=()
  if (( COMP_CWORD == 1 )); then
    COMPREPLY=($(compgen -W "${join([...commands.map((c) => c.name), ...GLOBAL_OPTIONS])}" -- "$cur"))
    return
  fi
  local command_options="" command_actions="" host_after_action=0 file_options="" host_options=""
  case \${COMP_WORDS[1]} in
${commands.map(bashCase).join("\n")}
  esac
  if [[ " $host_options " == *" $prev "* ]]; then
    COMPREPLY=($(compgen -W "$(_etcdboot_hosts)" -- "$cur"))
    return
  fi
  if [[ " $file_options " == *" $prev "* ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$command_options" -- "$cur"))
    return
  fi
  # Which positional argument this is: skip options and the values of those that take one.
  local position=0 i word
  for (( i = 2; i < COMP_CWORD; i++ )); do
    word=\${COMP_WORDS[i]}
    if [[ $word == -* ]]; then
      [[ " $file_options $host_options " == *" $word "* ]] && (( i++ ))
      continue
    fi
    (( position++ ))
  done
  if [[ -n $command_actions ]] && (( position == 0 )); then
    COMPREPLY=($(compgen -W "$command_actions" -- "$cur"))
  elif (( host_after_action && position == 1 )); then
    COMPREPLY=($(compgen -W "$(_etcdboot_hosts)" -- "$cur"))
  elif [[ \${COMP_WORDS[1]} != completion ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}`;
}

function bashScript(commands: CommandWords[]): string {
  return `# etcdboot completion for bash. Load it now: eval "$(etcdboot completion bash)"
# or for good: etcdboot completion bash > ~/.local/share/bash-completion/completions/etcdboot
${bashFunction(commands)}
complete -o filenames -F _etcdboot etcdboot
`;
}

function zshScript(commands: CommandWords[]): string {
  return `#compdef etcdboot
# etcdboot completion for zsh (bash's rules through zsh's bashcompinit).
# Load it now: eval "$(etcdboot completion zsh)"; or for good, in ~/.zshrc after compinit:
#   eval "$(etcdboot completion zsh)"
autoload -U +X compinit && { (( $+functions[compdef] )) || compinit; }
autoload -U +X bashcompinit && bashcompinit
${bashFunction(commands)}
complete -o filenames -F _etcdboot etcdboot
`;
}

function fishCommand(command: CommandWords): string[] {
  const on = `__fish_seen_subcommand_from ${command.name}`;
  const lines: string[] = [];
  if (command.actions.length > 0)
    lines.push(`complete -c etcdboot -f -n '${on}; and not __fish_seen_subcommand_from ${join(command.actions)}' -a '${join(command.actions)}'`);
  // Files (a spec, a snapshot) as the arguments, after the action if there is one.
  if (command.actions.length === 0) lines.push(`complete -c etcdboot -n '${on}' -F`);
  else if (command.name !== "completion") lines.push(`complete -c etcdboot -n '${on}; and __fish_seen_subcommand_from ${join(command.actions)}' -F`);
  if (command.afterAction === "HOST")
    lines.push(`complete -c etcdboot -f -n '${on}; and __fish_seen_subcommand_from ${join(command.actions)}; and __etcdboot_host_position' -a '(__etcdboot_hosts)'`);
  for (const option of command.options) {
    const flag = option.name.startsWith("--") ? `-l ${option.name.slice(2)}` : `-s ${option.name.slice(1)}`;
    const value = option.value === undefined ? "" : option.value === "HOST" ? " -x -a '(__etcdboot_hosts)'" : " -r -F";
    lines.push(`complete -c etcdboot -n '${on}' ${flag}${value}`);
  }
  return lines;
}

function fishScript(commands: CommandWords[]): string {
  return `# etcdboot completion for fish. Load it now: etcdboot completion fish | source
# or for good: etcdboot completion fish > ~/.config/fish/completions/etcdboot.fish
function __etcdboot_hosts
    set -l spec cluster.yaml
    for word in (commandline -opc)[3..-1]
        if string match -q -r '\\.ya?ml$' -- $word
            set spec $word
            break
        end
    end
    etcdboot ${COMPLETE_HOSTS} $spec 2>/dev/null
end
# True right after the action (members add HOST): two words after the command, options aside.
function __etcdboot_host_position
    set -l words (string match -v -- '-*' (commandline -opc))
    test (count $words) -eq 3
end
complete -c etcdboot -f
complete -c etcdboot -n '__fish_use_subcommand' -a '${join(commands.map((c) => c.name))}'
complete -c etcdboot -n '__fish_use_subcommand' -s V -l version -d 'print the version'
${commands.flatMap(fishCommand).join("\n")}
`;
}

export function completionScript(shell: Shell, commands: CommandWords[]): string {
  switch (shell) {
    case "bash":
      return bashScript(commands);
    case "zsh":
      return zshScript(commands);
    default:
      return fishScript(commands);
  }
}
