// Reads systemd unit files the way systemd does (for the subset the product writes), so a test can
// start a service with exactly the argv, identity and environment its unit describes.
// References: systemd.syntax(7), systemd.service(5) "Command lines", systemd.exec(5) "Environment".

/** section name → key → values in file order. An empty assignment ("Key=") clears the earlier values. */
export interface UnitFile {
  sections: Map<string, Map<string, string[]>>;
}

export interface ServiceCommand {
  argv: string[];
  user?: string;
  group?: string;
  /** From Environment= and then EnvironmentFile= (which wins, as in systemd). */
  environment: Record<string, string>;
}

export interface ServiceCommandOptions {
  /** Reads an EnvironmentFile= path as the host sees it; undefined when the file is missing. */
  readEnvironmentFile?: (path: string) => string | undefined;
}

/** The PATH systemd gives services; use it with ServiceCommand.environment to start like systemd. */
export const SYSTEMD_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function parseUnit(text: string): UnitFile {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const { line, lineNumber } of logicalLines(text)) {
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      current = sections.get(header[1]) ?? new Map<string, string[]>();
      sections.set(header[1], current);
      continue;
    }
    const assignment = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/.exec(line);
    if (assignment?.[1] === undefined || assignment[2] === undefined) throw new Error(`unit line ${lineNumber}: not "Key=value": ${line}`);
    if (current === undefined) throw new Error(`unit line ${lineNumber}: assignment before any [Section]`);
    const [key, value] = [assignment[1], assignment[2]];
    current.set(key, value === "" ? [] : [...(current.get(key) ?? []), value]);
  }
  return { sections };
}

const isComment = (line: string) => line.startsWith("#") || line.startsWith(";");
/** An odd number of trailing backslashes continues the line; an even number is escaped backslashes. */
const continues = (line: string) => (/\\+$/.exec(line)?.[0].length ?? 0) % 2 === 1;

/** Non-empty, non-comment lines with continuations joined (the backslash becomes a space). */
function logicalLines(text: string): { line: string; lineNumber: number }[] {
  const lines: { line: string; lineNumber: number }[] = [];
  let pending: { line: string; lineNumber: number } | undefined;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (isComment(line) || (line === "" && pending === undefined)) continue; // comments may sit inside a continuation
    const joined = pending === undefined ? { line, lineNumber: index + 1 } : { line: pending.line + line, lineNumber: pending.lineNumber };
    if (continues(line)) {
      pending = { line: `${joined.line.slice(0, -1)} `, lineNumber: joined.lineNumber };
    } else {
      pending = undefined;
      if (joined.line.trim() !== "") lines.push({ line: joined.line.trim(), lineNumber: joined.lineNumber });
    }
  }
  if (pending !== undefined && pending.line.trim() !== "") lines.push({ line: pending.line.trim(), lineNumber: pending.lineNumber });
  return lines;
}

export function unitValues(unit: UnitFile, section: string, key: string): string[] {
  return unit.sections.get(section)?.get(key) ?? [];
}

/** The last value, as for settings that take one value. */
export function unitValue(unit: UnitFile, section: string, key: string): string | undefined {
  return unitValues(unit, section, key).at(-1);
}

export function serviceCommand(unit: UnitFile, opts: ServiceCommandOptions = {}): ServiceCommand {
  const type = unitValue(unit, "Service", "Type") ?? "simple";
  if (!["simple", "exec", "notify", "oneshot"].includes(type)) throw new Error(`Type=${type}: the harness runs services in the foreground only`);
  const [execStart, ...moreExecStarts] = unitValues(unit, "Service", "ExecStart");
  if (execStart === undefined || moreExecStarts.length > 0) throw new Error("expected exactly one ExecStart=");
  const environment = { ...environmentSetting(unit), ...environmentFiles(unit, opts) };
  const user = unitValue(unit, "Service", "User");
  const group = unitValue(unit, "Service", "Group");
  return {
    argv: commandLine(execStart, environment),
    environment,
    ...(user === undefined ? {} : { user: resolveSpecifiers(user) }),
    ...(group === undefined ? {} : { group: resolveSpecifiers(group) }),
  };
}

/** ExecStart= value → argv: prefixes, quoting, specifiers, then $VAR / ${VAR} from the environment. */
function commandLine(value: string, environment: Record<string, string>): string[] {
  const prefixes = /^[-@:+!]*/.exec(value)?.[0] ?? "";
  const unsupported = prefixes.replace(/[-:]/g, "");
  if (unsupported !== "") throw new Error(`ExecStart= prefix "${unsupported}" is not supported by the harness`);
  const words = splitWords(value.slice(prefixes.length)).map(resolveSpecifiers);
  const argv = prefixes.includes(":") ? words : words.flatMap((word) => expandVariables(word, environment));
  if (argv.length === 0) throw new Error("ExecStart= has no command");
  return argv;
}

/** "$NAME" as a whole word splits into words; "${NAME}" anywhere stays in its word; "$$" is "$". */
function expandVariables(word: string, environment: Record<string, string>): string[] {
  const wholeWord = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
  if (wholeWord?.[1] !== undefined) return (environment[wholeWord[1]] ?? "").split(/\s+/).filter(Boolean);
  return [word.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (match, name?: string) => (name === undefined ? "$" : (environment[name] ?? "")))];
}

/** Only "%%" is resolved; other specifiers (%i, %n, ...) would need unit context the harness has not got. */
function resolveSpecifiers(text: string): string {
  return text.replace(/%(.)/g, (match, specifier: string) => {
    if (specifier === "%") return "%";
    throw new Error(`specifier "${match}" is not supported by the harness (in: ${text})`);
  });
}

function environmentSetting(unit: UnitFile): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const value of unitValues(unit, "Service", "Environment")) {
    for (const assignment of splitWords(value).map(resolveSpecifiers)) {
      const [name, setting] = splitAssignment(assignment, "Environment=");
      environment[name] = setting;
    }
  }
  return environment;
}

function environmentFiles(unit: UnitFile, opts: ServiceCommandOptions): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const value of unitValues(unit, "Service", "EnvironmentFile")) {
    const optional = value.startsWith("-");
    const path = resolveSpecifiers(optional ? value.slice(1) : value);
    if (opts.readEnvironmentFile === undefined) throw new Error(`EnvironmentFile=${value} needs the readEnvironmentFile option`);
    const text = opts.readEnvironmentFile(path);
    if (text === undefined && !optional) throw new Error(`EnvironmentFile=${path} is missing`);
    Object.assign(environment, parseEnvironmentFile(text ?? ""));
  }
  return environment;
}

/** KEY=VALUE lines; # and ; comments; values may be quoted ('...' literal, "..." with \-escapes). */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || isComment(line)) continue;
    const [name, value] = splitAssignment(line, "EnvironmentFile");
    environment[name] = unquoteEnvironmentValue(value.trim());
  }
  return environment;
}

function unquoteEnvironmentValue(value: string): string {
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1).replace(/\\(.)/g, "$1");
  return value;
}

function splitAssignment(assignment: string, where: string): [string, string] {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(assignment.trim());
  if (match?.[1] === undefined || match[2] === undefined) throw new Error(`${where}: not NAME=VALUE: ${assignment}`);
  return [match[1], match[2]];
}

const C_ESCAPES: Record<string, string> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", s: " ", "\\": "\\", '"': '"', "'": "'" };

/**
 * Splits at unquoted whitespace; "..." and '...' group words (also mid-word: --name="a b"), and
 * backslash escapes are C-style (\n, \t, \s, \xNN, \\, \", \').
 */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined; // undefined between words; "" is an empty word such as ""
  let quote: string | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text.charAt(index);
    if (char === "\\") {
      const [unescaped, consumed] = cEscape(text, index + 1);
      word = (word ?? "") + unescaped;
      index += consumed;
    } else if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else word = (word ?? "") + char;
    } else if (char === '"' || char === "'") {
      quote = char;
      word ??= "";
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + char;
    }
  }
  if (quote !== undefined) throw new Error(`unterminated ${quote} in: ${text}`);
  if (word !== undefined) words.push(word);
  return words;
}

/** The character that the escape starting at text[at] (after the backslash) stands for, and its length. */
function cEscape(text: string, at: number): [string, number] {
  const char = text.charAt(at);
  const simple = C_ESCAPES[char];
  if (simple !== undefined) return [simple, 1];
  const hex = /^x([0-9a-fA-F]{2})/.exec(text.slice(at));
  if (hex?.[1] !== undefined) return [String.fromCharCode(Number.parseInt(hex[1], 16)), 3];
  throw new Error(`unsupported escape "\\${char}" in: ${text}`);
}
