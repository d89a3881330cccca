// Plain-text tables for reports read on a terminal: columns padded with two spaces between
// them, cells reduced to printable ASCII (a member name comes from the network, and a control
// character in it could rewrite the screen), and, when a width is asked for, every line fits
// it: columns are cut to their maximum, and one elastic column takes what is left.

export interface Column {
  header: string;
  /** Longer cells are cut to this many characters, ending in "…". */
  max?: number;
  /** Takes the width the others leave (at least min), cutting the middle out of longer cells. */
  elastic?: { min: number };
  alignRight?: boolean;
}

const GAP = "  ";

/**
 * Control characters and anything outside ASCII as \u{…}, so each character is one column;
 * the one-column marks reports write themselves ("—" unknown, "…" cut, "→") stay.
 */
export function printable(text: string): string {
  return text.replace(/[^\x20-\x7e—…→]/gu, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}

/** The start and end of text with "…" between them: names differ at both ends (x-k3s-…-12). */
export function elideMiddle(text: string, width: number): string {
  if (text.length <= width) return text;
  const kept = Math.max(width - 1, 0);
  return `${text.slice(0, Math.ceil(kept / 2))}…${text.slice(text.length - Math.floor(kept / 2))}`;
}

export function elideEnd(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(width - 1, 0))}…`;
}

function naturalWidth(column: Column, cells: string[]): number {
  return Math.max(column.header.length, ...cells.map((c) => c.length));
}

export function formatTable(columns: readonly Column[], rows: readonly string[][], width?: number): string {
  const text = rows.map((row) => columns.map((column, i) => {
    const cell = printable(row[i] ?? "");
    return column.max === undefined ? cell : elideEnd(cell, column.max);
  }));
  const widths = columns.map((column, i) => naturalWidth(column, text.map((row) => row[i] ?? "")));
  const elastic = columns.findIndex((c) => c.elastic !== undefined);
  if (width !== undefined && elastic >= 0) {
    const others = widths.reduce((sum, w, i) => (i === elastic ? sum : sum + w), 0) + GAP.length * (columns.length - 1);
    const room = Math.max(width - others, columns[elastic]?.elastic?.min ?? 0);
    widths[elastic] = Math.min(widths[elastic] ?? 0, room);
    for (const row of text) row[elastic] = elideMiddle(row[elastic] ?? "", room);
  }
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (columns[i]?.alignRight ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join(GAP)
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...text.map(line)].join("\n");
}
