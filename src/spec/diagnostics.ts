// Problems found in a spec, attached to a path (hosts[2].address). Only when printed is the
// path turned into file:line:col with the source line and a caret under the value.
// Printing stays linear in the input whatever it holds: line starts are found once, each
// excerpt is cut around its caret, and a long list of problems is cut after the first few dozen.

import { isMap, isPair, isScalar, isSeq, type Document, type Node } from "yaml";

export type PathSegment = string | number;

export interface Diagnostic {
  severity: "error" | "warning";
  path: PathSegment[];
  message: string;
  /** Point at the key itself (unknown fields) rather than at its value. */
  atKey?: boolean;
  /** Where the YAML parser itself failed, when there is no path to point at. */
  offset?: number;
}

/** A key that is not a plain field name (an unknown one, say) is shown quoted, and cut when long. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export function formatPath(path: PathSegment[]): string {
  let out = "";
  for (const segment of path)
    if (typeof segment === "number") out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${shortenQuotedValues(JSON.stringify(segment))}]`;
  return out || "(top level)";
}

export interface SourceText {
  file: string;
  text: string;
  /** Absent when the text was refused before it was parsed (too large, too deep, several documents). */
  document?: Document;
  /** The offset where each line starts, ascending: found once, then searched per problem. */
  lineStarts: number[];
}

export function sourceText(file: string, text: string, document?: Document): SourceText {
  const lineStarts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  return document ? { file, text, document, lineStarts } : { file, text, lineStarts };
}

/** 1-based line and column of an offset (binary search over the line starts). */
export function linePosition(source: SourceText, offset: number): { line: number; col: number } {
  const { lineStarts } = source;
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, col: offset - (lineStarts[low] ?? 0) + 1 };
}

/** The offset of the node a path names; the nearest existing ancestor when the path is missing. */
function offsetOf(document: Document | undefined, path: PathSegment[], atKey: boolean): number {
  let node: unknown = document?.contents;
  let offset = (node as Node | null | undefined)?.range?.[0] ?? 0;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === segment);
      if (!pair) break;
      const key = pair.key as Node;
      if (last && atKey) return key.range?.[0] ?? offset;
      node = pair.value ?? key;
    } else if (isSeq(node) && typeof segment === "number" && node.items[segment]) {
      node = node.items[segment];
    } else break;
    offset = (node as Node).range?.[0] ?? offset;
  }
  return offset;
}

/** Characters of a source line shown around the caret; a longer line is cut, marked with "…". */
export const EXCERPT_WIDTH = 120;

/**
 * The part of the line from `start` to `end` to show, and where the caret sits in it (0-based): only
 * that part is copied out of the text, so a 6 MB one-line spec costs no more than a short one.
 * Tabs become spaces so the caret line stays aligned.
 */
function excerpt(text: string, start: number, end: number, col: number): { text: string; caret: number } {
  const at = col - 1;
  const length = end - start;
  const from = length <= EXCERPT_WIDTH ? 0 : Math.max(0, Math.min(at - EXCERPT_WIDTH / 2, length - EXCERPT_WIDTH));
  const to = Math.min(length, from + EXCERPT_WIDTH);
  const before = from > 0 ? "…" : "";
  const after = to < length ? "…" : "";
  const shown = text.slice(start + from, start + to).replace(/\t/g, " ");
  return { text: `${before}${shown}${after}`, caret: at - from + before.length };
}

/** Messages quote the value they refuse: a megabyte-long one is shown by its start. */
function shortenQuotedValues(message: string): string {
  // Every quoted string is matched, short ones too, so the scan never starts at a closing quote.
  return message.replace(/"(?:[^"\\]|\\.)*"/g, (quoted) => (quoted.length > 80 ? `${quoted.slice(0, 60)}…" (${quoted.length} characters)` : quoted));
}

function positionOf(source: SourceText, d: Diagnostic): { line: number; col: number } {
  return linePosition(source, d.offset ?? offsetOf(source.document, d.path, d.atKey ?? false));
}

/** A problem as editors and CI annotations take it (etcdboot build --check --json). */
export interface DiagnosticRecord {
  severity: "error" | "warning";
  file: string;
  /** 1-based; null when the problem has no place in the spec's text. */
  line: number | null;
  column: number | null;
  /** The field's path, e.g. hosts[2].address; "(top level)" for the spec as a whole. */
  field: string;
  /** What is wrong. */
  message: string;
  /** How to fix it, when the message says so (the clause after its first ": " outside quotes). */
  fix: string | null;
}

/** "X is not a size: write bytes…" → ["X is not a size", "write bytes…"]; quoted text is never split. */
export function splitFix(message: string): { message: string; fix: string | null } {
  const quotedOrSeparator = /"(?:[^"\\]|\\.)*"|: /g;
  for (const match of message.matchAll(quotedOrSeparator)) {
    if (match[0] !== ": ") continue;
    const fix = message.slice(match.index + 2).trim();
    if (fix === "") break;
    return { message: message.slice(0, match.index), fix };
  }
  return { message, fix: null };
}

export function diagnosticRecord(source: SourceText, d: Diagnostic): DiagnosticRecord {
  const { line, col } = positionOf(source, d);
  return { severity: d.severity, file: source.file, line, column: col, field: formatPath(d.path), ...splitFix(shortenQuotedValues(d.message)) };
}

export function formatDiagnostic(source: SourceText, d: Diagnostic): string {
  const { line, col } = positionOf(source, d);
  const lineStart = source.lineStarts[line - 1] ?? 0;
  const next = source.lineStarts[line];
  let lineEnd = next === undefined ? source.text.length : next - 1;
  if (source.text[lineEnd - 1] === "\r") lineEnd--;
  const shown = excerpt(source.text, lineStart, lineEnd, col);
  const gutter = String(line).length;
  return [
    `${source.file}:${line}:${col}: ${d.severity}: ${formatPath(d.path)}: ${shortenQuotedValues(d.message)}`,
    `  ${line} | ${shown.text}`,
    `  ${" ".repeat(gutter)} | ${" ".repeat(Math.max(0, shown.caret))}^`,
  ].join("\n");
}

/** Problems printed in full; past them, one line says how many more there are. */
export const MAX_PRINTED_DIAGNOSTICS = 50;

export function formatDiagnostics(source: SourceText, diagnostics: Diagnostic[], limit = MAX_PRINTED_DIAGNOSTICS): string[] {
  const printed = diagnostics.slice(0, limit).map((d) => formatDiagnostic(source, d));
  const rest = diagnostics.length - printed.length;
  return rest > 0 ? [...printed, `… and ${rest} more`] : printed;
}
