// Problems found in a spec, attached to a path (hosts[2].address). Only when printed is the
// path turned into file:line:col with the source line and a caret under the value.

import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";

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

export function formatPath(path: PathSegment[]): string {
  let out = "";
  for (const segment of path) out += typeof segment === "number" ? `[${segment}]` : out ? `.${segment}` : segment;
  return out || "(top level)";
}

export interface SourceText {
  file: string;
  text: string;
  document: Document;
  lineCounter: LineCounter;
}

/** The offset of the node a path names; the nearest existing ancestor when the path is missing. */
function offsetOf(document: Document, path: PathSegment[], atKey: boolean): number {
  let node: unknown = document.contents;
  let offset = (document.contents as Node | null)?.range?.[0] ?? 0;
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

export function formatDiagnostic(source: SourceText, d: Diagnostic): string {
  const offset = d.offset ?? offsetOf(source.document, d.path, d.atKey ?? false);
  const { line, col } = source.lineCounter.linePos(offset);
  const sourceLine = source.text.split("\n")[line - 1] ?? "";
  const gutter = String(line).length;
  return [
    `${source.file}:${line}:${col}: ${d.severity}: ${formatPath(d.path)}: ${d.message}`,
    `  ${line} | ${sourceLine}`,
    `  ${" ".repeat(gutter)} | ${" ".repeat(Math.max(0, col - 1))}^`,
  ].join("\n");
}
