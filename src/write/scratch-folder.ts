// A private temporary folder (or any temporary path) that is gone afterwards whatever happens: on
// success, on an error, and on Ctrl-C or kill (it may hold a copy of the CA key, or a snapshot).

import { mkdtempSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Runs use(folder) with a fresh 0700 folder in the temp dir, removed on every way out. */
export async function withScratchFolder<T>(prefix: string, use: (folder: string) => Promise<T>): Promise<T> {
  // Made synchronously, in the same tick as the handlers: no signal can arrive between the two.
  const folder = mkdtempSync(join(tmpdir(), prefix)); // mkdtemp makes it 0700
  return withPathRemoved(folder, () => use(folder));
}

/**
 * Runs use() and removes path (a file or a folder) afterwards, whatever happens: on success, on
 * an error, and on Ctrl-C or kill. The handlers are set before this returns its promise.
 */
export async function withPathRemoved<T>(path: string, use: () => Promise<T>): Promise<T> {
  // Synchronous: the process ends right after, with the usual exit code for the signal (130 for SIGINT, 143 for SIGTERM).
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(path, { recursive: true, force: true });
    process.exit(128 + constants.signals[signal]);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  try {
    return await use();
  } finally {
    await rm(path, { recursive: true, force: true }); // still under the handlers: a signal now removes it too
    for (const signal of SIGNALS) process.off(signal, onSignal);
  }
}
