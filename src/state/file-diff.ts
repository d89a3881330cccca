// Unified diffs of planned files for plan --diff, with key material never shown: a file marked
// secret, or any text that holds PEM private-key armour, is reported by its change alone. Pure.

export interface FileVersion {
  content: string | Uint8Array;
  secret: boolean;
}

// Written with -{5} so this file never holds the armour line itself (it is a pattern, not a key).
const PRIVATE_KEY_ARMOUR = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-{5}/;

/** Past this many line pairs the diff is not worked out: the whole file is shown replaced. */
const MAX_DIFF_CELLS = 4_000_000;
const CONTEXT_LINES = 3;

/** Text when the bytes are UTF-8 without NULs; undefined for binaries. */
function asText(content: string | Uint8Array): string | undefined {
  if (typeof content === "string") return content;
  const text = new TextDecoder("utf-8", { fatal: false }).decode(content);
  return text.includes("\uFFFD") || text.includes("\0") ? undefined : text;
}

function holdsKey(version: FileVersion | undefined): boolean {
  if (!version) return false;
  if (version.secret) return true;
  const text = asText(version.content);
  return text !== undefined && PRIVATE_KEY_ARMOUR.test(text);
}

type Edit = { op: " " | "-" | "+"; line: string };

/** Line edits from a to b: longest common subsequence, after the common head and tail are set aside. */
function lineEdits(a: string[], b: string[]): Edit[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const same = (lines: string[]) => lines.map((line): Edit => ({ op: " ", line }));
  let middle: Edit[];
  if (midA.length * midB.length > MAX_DIFF_CELLS) {
    middle = [...midA.map((line): Edit => ({ op: "-", line })), ...midB.map((line): Edit => ({ op: "+", line }))];
  } else {
    // lcs[i][j]: the common subsequence length of midA[i..] and midB[j..].
    const width = midB.length + 1;
    const lcs = new Uint32Array((midA.length + 1) * width);
    for (let i = midA.length - 1; i >= 0; i--)
      for (let j = midB.length - 1; j >= 0; j--)
        lcs[i * width + j] = midA[i] === midB[j] ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    middle = [];
    let i = 0;
    let j = 0;
    while (i < midA.length || j < midB.length) {
      if (i < midA.length && j < midB.length && midA[i] === midB[j]) middle.push({ op: " ", line: midA[i++] ?? "" }), j++;
      // Deletions before insertions, as diff -u shows a replaced line.
      else if (i < midA.length && (j >= midB.length || (lcs[(i + 1) * width + j] ?? 0) >= (lcs[i * width + j + 1] ?? 0))) middle.push({ op: "-", line: midA[i++] ?? "" });
      else middle.push({ op: "+", line: midB[j++] ?? "" });
    }
  }
  return [...same(a.slice(0, head)), ...middle, ...same(a.slice(a.length - tail))];
}

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** The hunks of a unified diff (@@ -l,n +l,n @@ and the lines), CONTEXT_LINES of context around each change. */
export function unifiedHunks(before: string, after: string): string[] {
  const edits = lineEdits(splitLines(before), splitLines(after));
  const changed = edits.flatMap((edit, i) => (edit.op === " " ? [] : [i]));
  // Changes closer than twice the context share a hunk.
  const groups: [number, number][] = [];
  for (const i of changed) {
    const last = groups.at(-1);
    if (last && i - last[1] <= 2 * CONTEXT_LINES + 1) last[1] = i;
    else groups.push([i, i]);
  }
  const out: string[] = [];
  for (const [first, last] of groups) {
    const start = Math.max(0, first - CONTEXT_LINES);
    const end = Math.min(edits.length, last + 1 + CONTEXT_LINES);
    const slice = edits.slice(start, end);
    const oldStart = edits.slice(0, start).filter((e) => e.op !== "+").length;
    const newStart = edits.slice(0, start).filter((e) => e.op !== "-").length;
    const oldCount = slice.filter((e) => e.op !== "+").length;
    const newCount = slice.filter((e) => e.op !== "-").length;
    // As diff -u: an empty side is numbered by the line before it.
    out.push(`@@ -${oldCount === 0 ? oldStart : oldStart + 1},${oldCount} +${newCount === 0 ? newStart : newStart + 1},${newCount} @@`);
    for (const edit of slice) out.push(`${edit.op}${edit.line}`);
  }
  return out;
}

/**
 * The diff of one planned file between the last build (before) and this one (after), headed
 * "--- a/PATH" / "+++ b/PATH" like git's; key material and binaries by their change only.
 */
export function fileDiff(path: string, before: FileVersion | undefined, after: FileVersion | undefined): string[] {
  const relative = path.replace(/^\/+/, "");
  const header = [`--- ${before ? `a/${relative}` : "/dev/null"}`, `+++ ${after ? `b/${relative}` : "/dev/null"}`];
  if (holdsKey(before) || holdsKey(after)) return [...header, "(holds a private key: contents not shown)"];
  const [oldText, newText] = [before ? asText(before.content) : "", after ? asText(after.content) : ""];
  if (oldText === undefined || newText === undefined) return [...header, "(binary file: contents differ)"];
  return [...header, ...unifiedHunks(oldText, newText)];
}
