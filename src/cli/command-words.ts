// The words a shell may complete, read from the help texts: they already list every command, its
// actions and its options, so completion cannot offer an option the help does not document (a
// test checks that each one is accepted). Pure.

export interface OptionWord {
  /** "--out" or "-o" */
  name: string;
  /** The placeholder of its value ("DIR", "FILE", "HOST"), when it takes one. */
  value?: string;
}

export interface CommandWords {
  name: string;
  /** Fixed first arguments: members add|promote|remove|update, snapshot save, completion bash|zsh|fish. */
  actions: string[];
  /** The placeholder right after the action (members' HOST), which completes from the spec. */
  afterAction?: string;
  options: OptionWord[];
}

/** "  members add|promote|remove|update HOST [SPEC]" → its command, actions and the word after them. */
function commandLine(line: string): Omit<CommandWords, "options"> | undefined {
  const match = /^ {2}([a-z][a-z-]*)(?: ([a-z][a-z0-9-]*(?:\|[a-z][a-z0-9-]*)*)(?= |$))?(?: ([A-Z]+))?/.exec(line);
  if (!match?.[1]) return undefined;
  const actions = match[2]?.split("|") ?? [];
  return { name: match[1], actions, ...(actions.length > 0 && match[3] ? { afterAction: match[3] } : {}) };
}

/** The lines of one "Heading:" section, up to the next blank line. */
function section(help: string, heading: string): string[] {
  const lines = help.split("\n");
  const start = lines.indexOf(`${heading}:`);
  if (start < 0) return [];
  const end = lines.findIndex((line, i) => i > start && line.trim() === "");
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/**
 * Option lines start with "  -": "-o, --output FILE  description" names -o and --output, both
 * taking a FILE. The names end at the first word that is neither a name nor a placeholder, or
 * at two spaces (the description column).
 */
export function optionWords(help: string): OptionWord[] {
  return section(help, "Options").flatMap((line) => {
    if (!/^ {2}-/.test(line)) return [];
    const names: string[] = [];
    let value: string | undefined;
    for (const token of (line.trim().split(/ {2,}/)[0] ?? "").split(" ")) {
      const name = /^(--?[a-zA-Z][a-zA-Z0-9-]*),?$/.exec(token)?.[1];
      const placeholder = /^([A-Z][A-Z0-9]*(?:\|[A-Z][A-Z0-9]*)*),?$/.exec(token)?.[1];
      if (name !== undefined) names.push(name);
      else if (placeholder !== undefined && names.length > 0) value = placeholder;
      else break;
    }
    return names.map((name) => (value === undefined ? { name } : { name, value }));
  });
}

export function commandWords(help: { main: string } & Partial<Record<string, string>>): CommandWords[] {
  const commands = new Map<string, CommandWords>();
  for (const line of section(help.main, "Commands")) {
    const command = commandLine(line);
    if (!command || commands.has(command.name)) continue;
    commands.set(command.name, { ...command, options: optionWords(help[command.name] ?? "") });
  }
  return [...commands.values()];
}
