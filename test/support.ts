// Shared by the tests: where the repo is, and how a test that needs a real tool behaves when
// the tool is missing (skips locally, fails in CI so a broken CI setup cannot pass quietly).

import { execFileSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";

/** The repository root (tests run as dist/test/**.js). */
export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const FIXED_NOW = new Date("2026-11-01T12:00:00Z");

export function hasCommand(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Returns false (and skips the test) when something is missing locally; throws under CI=true. */
export function requireCommands(t: TestContext, ...commands: string[]): boolean {
  const missing = commands.filter((c) => !hasCommand(c));
  if (process.getuid?.() !== 0 && commands.includes("ip")) missing.push("root");
  if (missing.length === 0) return true;
  const message = `needs ${missing.join(", ")} (.ci/run installs them)`;
  if (process.env["CI"] === "true") throw new Error(message);
  t.skip(message);
  return false;
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `etcdboot-${prefix}-`));
}
