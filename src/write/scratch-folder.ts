// A private temporary folder (or file) that is gone afterwards whatever happens: on success, on
// an error, and on Ctrl-C or kill (it may hold a copy of the CA key, or a snapshot of the cluster).

import { mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanUpOnExit } from "./exit-cleanup.js";

/** Runs use(folder) with a fresh 0700 folder in the temp dir, removed on every way out. */
export async function withScratchFolder<T>(prefix: string, use: (folder: string) => Promise<T>): Promise<T> {
  // Made synchronously, in the same tick as its cleanup is registered: no signal can arrive between the two.
  const folder = mkdtempSync(join(tmpdir(), prefix)); // mkdtemp makes it 0700
  return withPathRemoved(folder, () => use(folder));
}

/** Runs use() and removes path (a file or a folder) afterwards, on every way out. The cleanup is registered before this returns its promise. */
export async function withPathRemoved<T>(path: string, use: () => Promise<T>): Promise<T> {
  const forget = cleanUpOnExit(() => rmSync(path, { recursive: true, force: true }));
  try {
    return await use();
  } finally {
    await rm(path, { recursive: true, force: true }); // still registered: a signal now removes it too
    forget();
  }
}
