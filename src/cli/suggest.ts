// "Did you mean …?" for mistyped commands and options: the closest known word by edit distance.

/**
 * Edit distance where inserting, deleting or substituting a letter, or swapping two
 * neighbours ("buidl"), each count 1 (optimal string alignment).
 */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = rows[i] as number[];
      const above = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] ?? 0, (rows[i - 2]?.[j - 2] ?? 0) + 1);
    }
  return rows[a.length]?.[b.length] ?? 0;
}

const bare = (word: string) => word.replace(/^-+/, "");

/**
 * The known word closest to `typed`, when it is close enough to be a typo (at most a third of
 * its letters wrong, at least 1; none for a single letter) or `typed` is a prefix of exactly
 * that word. Leading dashes do not count as letters.
 */
export function closestWord(typed: string, known: readonly string[]): string | undefined {
  const letters = bare(typed).length;
  const prefixed = known.filter((word) => letters >= 2 && word.startsWith(typed));
  if (prefixed.length === 1) return prefixed[0];
  const limit = letters <= 1 ? 0 : Math.max(1, Math.floor(letters / 3));
  let best: { word: string; distance: number } | undefined;
  for (const word of known) {
    const distance = editDistance(typed, word);
    if (distance <= limit && (!best || distance < best.distance)) best = { word, distance };
  }
  return best?.word;
}

/** " (did you mean X?)" or nothing. */
export function didYouMean(typed: string, known: readonly string[]): string {
  const word = closestWord(typed, known);
  return word === undefined ? "" : ` (did you mean ${word}?)`;
}
