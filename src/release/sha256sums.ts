// The SHA256SUMS file of an etcd release, as written by sha256sum: "<hex>  <name>" (text mode) or
// "<hex> *<name>" (binary mode), one file a line. Parsed strictly: a line we do not understand
// could hide the entry we need, so it is an error rather than skipped.

import { ReleaseError } from "./errors.js";

const HEX_DIGITS = 64;
const IS_HEX = /^[0-9a-fA-F]+$/;

/** File name → lower-case hex SHA-256. `source` (a URL or path) is named in errors. */
export function parseSha256Sums(text: string, source: string): Map<string, string> {
  const sums = new Map<string, string>();
  const firstLineOf = new Map<string, number>();
  text.split("\n").forEach((rawLine, index) => {
    const lineNumber = index + 1;
    const line = rawLine.endsWith("\r") ? rawLine.slice(0, -1) : rawLine;
    if (line === "") return;
    const parsed = parseLine(line);
    if (typeof parsed === "string") throw new ReleaseError(`${source} line ${lineNumber}: ${parsed}: ${JSON.stringify(clip(line))}`);
    const previous = sums.get(parsed.name);
    if (previous !== undefined && previous !== parsed.sha256) {
      throw new ReleaseError(`${source} line ${lineNumber}: ${parsed.name} is listed again with a different checksum (first on line ${firstLineOf.get(parsed.name)})`);
    }
    sums.set(parsed.name, parsed.sha256);
    if (!firstLineOf.has(parsed.name)) firstLineOf.set(parsed.name, lineNumber);
  });
  return sums;
}

/** The entry on one non-empty line, or why the line is malformed. */
function parseLine(line: string): { sha256: string; name: string } | string {
  const hex = line.slice(0, HEX_DIGITS);
  const separator = line.slice(HEX_DIGITS, HEX_DIGITS + 2);
  const name = line.slice(HEX_DIGITS + 2);
  if (hex.length < HEX_DIGITS || !IS_HEX.test(hex) || IS_HEX.test(separator.charAt(0))) return "the checksum is not 64 hex digits";
  if (separator !== "  " && separator !== " *") return 'the checksum and the file name must be separated by two spaces or " *"';
  if (name === "") return "no file name after the checksum";
  return { sha256: hex.toLowerCase(), name };
}

function clip(line: string): string {
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}
