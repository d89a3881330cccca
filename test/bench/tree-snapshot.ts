// Which files a build wrote: every file's inode and mtime before and after (an atomic write
// renames a new inode into place; an in-place write changes the mtime).

import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";

export type TreeSnapshot = Map<string, string>;

export async function snapshotTree(roots: string[]): Promise<TreeSnapshot> {
  const snapshot: TreeSnapshot = new Map();
  for (const root of roots) {
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      const info = await stat(path, { bigint: true });
      snapshot.set(relative(join(root, ".."), path), `${info.ino}:${info.mtimeNs}`);
    }
  }
  return snapshot;
}

/** Files new or rewritten between the snapshots, and files gone. */
export function writtenBetween(before: TreeSnapshot, after: TreeSnapshot): string[] {
  const written = [...after].filter(([path, identity]) => before.get(path) !== identity).map(([path]) => path);
  const removed = [...before.keys()].filter((path) => !after.has(path)).map((path) => `${path} (removed)`);
  return [...written, ...removed].sort();
}
