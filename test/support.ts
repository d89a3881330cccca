// Shared by the tests: where the repo is, a fixed clock, temporary folders. (Tests that need real
// tools use harness/prerequisites.ts: skipped locally when missing, failed under CI=true.)

import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (tests run as dist/test/**.js). */
export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const FIXED_NOW = new Date("2026-11-01T12:00:00Z");

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `etcdboot-${prefix}-`));
}
