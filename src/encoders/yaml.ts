// YAML for the consumers we feed: cloud-init reads YAML 1.1 (PyYAML), etcd reads its config file
// through go-yaml (a port of libyaml), also 1.1. This emitter writes block mappings and sequences
// (empty ones as [] and {}) and three string styles, picking for each string one that all of those
// readers take back as that same string:
//   plain          only where no 1.1 reader sees a bool, null, number or date: not "on", "no", "0600",
//                  "1:20" (base 60), nor a MAC address like 52:54:00:00:00:11 (base 60 too);
//   literal block  (|) for multi-line text, so file contents stay readable in user-data;
//   double quotes  with escapes for everything else.

const pad = (n: number) => " ".repeat(n);

/** Plain: a letter, digit or "/" first (most other first characters mean something: - ? : # & * ! | > ' " % @ ` [ {),
 *  then characters that mean nothing inside a block plain scalar; no trailing ":" or space, and no ": " (see isPlain). */
const PLAIN = /^[A-Za-z0-9/](?:[A-Za-z0-9 _.,/@%+=:~&|;$()*?-]*[A-Za-z0-9_.,/@%+=~&|;$()*?-])?$/;
/** Words 1.1 readers take for booleans or null (PyYAML: yes/no/on/off/true/false/null; go-yaml and yaml 1.1 add y/n). */
const KEYWORD = /^(?:y|n|yes|no|on|off|true|false|null)$/i;
/** Forms some 1.1 reader takes for a number or date: 0600 (octal), 1_000, 1.5, 1e3, 0x1F, 0b1, 0o7, 0x1p3 (Go), 1:20 and
 *  52:54:00:00:00:11 (base 60), 2026-11-01 (anything "dddd-" is treated as a possible date), e7 (the yaml library: NaN). */
const NUMBER_OR_DATE = /^(?:[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|0[xXoObB].*|[0-9][0-9_]*(?::[0-9_]*)+(?:\.[0-9_]*)?|[0-9]{4}-.*|[eE][-+]?[0-9]+)$/;
/** What a literal block cannot hold: characters YAML must escape (controls, DEL, C1, U+FFFE, U+FFFF), and
 *  \r, U+0085, U+2028, U+2029, which 1.1 reads as line breaks, and U+FEFF, which a reader may drop as a byte-order mark. */
const NOT_LITERAL = /[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]|[\u2028\u2029\ufeff]/u;
/** Left raw by JSON.stringify but not printable (or a line break) in YAML 1.1: escaped inside double quotes. */
const JSON_RAW_UNSAFE = /[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/g;

function quoted(text: string): string {
  // A JSON string is a valid YAML double-quoted scalar: its escapes (\" \\ \n \t \uXXXX...) are all YAML escapes too.
  return JSON.stringify(text).replace(JSON_RAW_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function isPlain(text: string): boolean {
  return PLAIN.test(text) && !text.includes(": ") && !KEYWORD.test(text) && !NUMBER_OR_DATE.test(text);
}

/** A multi-line string as a literal block whose lines sit at column `indent`, two more than its parent's. */
function literal(text: string, indent: number): string | undefined {
  let end = text.length;
  while (text[end - 1] === "\n") end--;
  const body = text.slice(0, end);
  // Not for text whose last line (before the final line breaks) holds only spaces or tabs, or nothing: the yaml
  // library drops such a line behind an indentation indicator; text of line breaks only is no more readable.
  if (/^[ \t]*$/.test(body.slice(body.lastIndexOf("\n") + 1)) || NOT_LITERAL.test(body)) return undefined;
  // Chomping: "|-" drops the final line break, "|" keeps one, "|+" keeps them all (written as empty lines).
  const breaks = text.length - end;
  const chomp = breaks === 0 ? "-" : breaks === 1 ? "" : "+";
  // A reader guesses the indentation from the first non-empty line, so one that starts with a space or a tab
  // (libyaml rejects a tab there) needs the indentation given: 2, relative to the parent.
  const indicator = /^\n*[ \t]/.test(body) ? "2" : "";
  const lines = body.split("\n").map((line) => (line === "" ? "" : pad(indent) + line));
  return `|${indicator}${chomp}\n${lines.join("\n")}${"\n".repeat(Math.max(breaks - 1, 0))}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Like the yaml library (and JSON.stringify), a key whose value is undefined is left out. */
function definedEntries(value: Record<string, unknown>): [string, unknown][] {
  return Object.entries(value).filter(([, v]) => v !== undefined);
}

/** A collection with entries, written as a block; an empty one is written in flow style, as a scalar. */
function isBlock(value: unknown): value is unknown[] | Record<string, unknown> {
  return Array.isArray(value) ? value.length > 0 : isPlainObject(value) && definedEntries(value).length > 0;
}

/** A scalar (or an empty collection) whose continuation lines, if any, sit at column `indent`. */
function scalar(value: unknown, indent: number): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return String(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`toYaml: cannot write the number ${value}`);
    // An integer past 2^53 has lost digits and would print in exponent form (1.07e+23), which readers
    // such as etcd's take for a float or refuse: the spec validators must have stopped it before here.
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw new Error(`toYaml: the integer ${value} is beyond 2^53`);
    if (Object.is(value, -0)) return "-0.0";
    // A 1.1 float needs a dot: PyYAML reads 1e+21 as a string, 1.0e+21 as a float.
    const text = String(value);
    return text.includes("e") && !text.includes(".") ? text.replace("e", ".0e") : text;
  }
  if (typeof value === "string") {
    // libyaml and go-yaml refuse a surrogate even as an escape: such a string cannot be written for them.
    if (/\p{Cs}/u.test(value)) throw new Error("toYaml: a string with a lone UTF-16 surrogate");
    if (value.includes("\n")) return literal(value, indent) ?? quoted(value);
    return isPlain(value) ? value : quoted(value);
  }
  if (Array.isArray(value)) return "[]";
  if (isPlainObject(value)) return "{}";
  const type = value === undefined ? "undefined" : typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value;
  throw new Error(`toYaml: cannot write a value of type ${type}`);
}

function key(name: string): string {
  // PyYAML looks only 1024 characters ahead for the ":" after a key.
  const text = isPlain(name) ? name : quoted(name);
  if (text.length > 1000) throw new Error("toYaml: a key longer than 1000 characters");
  return text;
}

/**
 * A block collection whose entries start at column `indent`, without the padding of its first line, which the
 * caller writes (or "- " when the collection is itself an item: "- - a", "- name: x").
 */
function collection(value: unknown[] | Record<string, unknown>, indent: number, ancestors: Set<object>): string {
  if (ancestors.has(value)) throw new Error("toYaml: the value contains a cycle");
  ancestors.add(value);
  const inner = indent + 2;
  const child = (v: unknown) => (isBlock(v) ? collection(v, inner, ancestors) : scalar(v, inner));
  const entries = Array.isArray(value)
    ? Array.from(value, (item) => `- ${child(item)}`) // (not map, which skips the holes of a sparse array)
    : definedEntries(value).map(([name, v]) => `${key(name)}:${isBlock(v) ? `\n${pad(inner)}` : " "}${child(v)}`);
  ancestors.delete(value);
  return entries.join(`\n${pad(indent)}`);
}

export function toYaml(value: unknown): string {
  // A top-level block scalar still needs indented lines: PyYAML wants at least one space, libyaml takes the 2 given.
  return `${isBlock(value) ? collection(value, 0, new Set()) : scalar(value, 2)}\n`;
}
