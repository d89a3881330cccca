// Command-line options through node's parseArgs, with our own words for its refusals: the
// option as typed, the closest known one, and where to read more — never parseArgs' raw text.

import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../errors.js";
import { didYouMean } from "./suggest.js";

export type OptionTable = NonNullable<ParseArgsConfig["options"]>;

/** A usage error about one command's options, printed as "etcdboot <command>: <message>". */
export class CommandUsageError extends UsageError {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(message);
  }
}

function optionNames(options: OptionTable): string[] {
  return Object.entries(options).flatMap(([name, option]) => [`--${name}`, ...(option.short ? [`-${option.short}`] : [])]);
}

/** The long or short option an argument names (without any =value), or undefined for a positional. */
function optionOf(arg: string): string | undefined {
  if (!arg.startsWith("-") || arg === "-") return undefined;
  if (arg.startsWith("--")) return arg.split("=", 1)[0];
  return arg.slice(0, 2);
}

function lookUp(options: OptionTable, typed: string): [string, OptionTable[string]] | undefined {
  return Object.entries(options).find(([name, option]) => typed === `--${name}` || (option.short !== undefined && typed === `-${option.short}`));
}

/** Why parseArgs refused args, in our words: found by reading the arguments again ourselves. */
function explainRefusal(command: string, args: string[], options: OptionTable): string {
  for (const [i, arg] of args.entries()) {
    if (arg === "--") break;
    const typed = optionOf(arg);
    if (typed === undefined) continue;
    const known = lookUp(options, typed);
    if (!known) return `unknown option ${typed}${didYouMean(typed, optionNames(options)) || ` (etcdboot ${command} --help)`}`;
    const [name, option] = known;
    const inline = arg.includes("=");
    if (option.type === "boolean" && inline) return `--${name} takes no value: write just --${name}`;
    if (option.type === "string" && !inline && (args[i + 1] === undefined || args[i + 1]?.startsWith("-"))) {
      return `--${name} needs a value: write --${name} VALUE, or --${name}=VALUE for a value that starts with "-"`;
    }
  }
  return `cannot read these arguments (etcdboot ${command} --help)`;
}

export function parseCommandLine<T extends OptionTable>(command: string, args: string[], options: T, maxPositionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch {
    throw new CommandUsageError(command, explainRefusal(command, args, options));
  }
  const extra = parsed.positionals[maxPositionals];
  if (extra !== undefined) throw new CommandUsageError(command, `unexpected argument ${JSON.stringify(extra)} (etcdboot ${command} --help)`);
  // Every other byte is legal in a Linux path (and is quoted wherever a path is written); NUL ends it.
  const withNul = args.find((arg) => arg.includes("\0"));
  if (withNul !== undefined) throw new CommandUsageError(command, `${JSON.stringify(withNul)} holds a NUL byte, which no file name can: remove it`);
  return parsed;
}
