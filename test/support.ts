// Shared by the tests: where the repo is, a fixed clock, temporary folders. (Tests that need real
// tools use harness/prerequisites.ts: skipped locally when missing, failed under CI=true.)

import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli/main.js";

/** The repository root (tests run as dist/test/**.js). */
export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const FIXED_NOW = new Date("2026-11-01T12:00:00Z");

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `etcdboot-${prefix}-`));
}

/** Runs the CLI in-process with a fixed clock; collects what it prints. */
export async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t), now: () => FIXED_NOW });
  return { code, out: out.join("\n"), err: err.join("\n") };
}
