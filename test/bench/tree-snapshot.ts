// Which files a build wrote: every file's inode and mtime before and after (an atomic write
// renames a new inode into place; an in-place write changes the mtime).

import { basename } from "node:path";
import { fileIdentities } from "../support.js";

export type TreeSnapshot = Map<string, string>;

export async function snapshotTree(roots: string[]): Promise<TreeSnapshot> {
  const snapshot: TreeSnapshot = new Map();
  for (const root of roots) {
    for (const [path, identity] of await fileIdentities(root)) snapshot.set(`${basename(root)}/${path}`, identity);
  }
  return snapshot;
}

/** Files new or rewritten between the snapshots, and files gone. */
export function writtenBetween(before: TreeSnapshot, after: TreeSnapshot): string[] {
  const written = [...after].filter(([path, identity]) => before.get(path) !== identity).map(([path]) => path);
  const removed = [...before.keys()].filter((path) => !after.has(path)).map((path) => `${path} (removed)`);
  return [...written, ...removed].sort();
}
