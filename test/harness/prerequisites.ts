// Integration tests need root, some commands, some users or some Python modules. On a developer
// machine without them the test is skipped; in CI (CI=true) a missing prerequisite is a failure, so
// CI can never go green by silently skipping what it was meant to exercise.

import { spawnSync } from "node:child_process";
import type { TestContext } from "node:test";
import { findCommand } from "./exec.js";
import { userExists } from "./users.js";

export interface Prerequisites {
  root?: boolean;
  commands?: readonly string[];
  users?: readonly string[];
  /** Modules importable by SYSTEM_PYTHON (Debian's python3-* packages install there). */
  pythonModules?: readonly string[];
}

/** Debian's Python, where cloud-init and the python3-* packages live, whatever python3 is first on PATH. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

function pythonImports(module: string): boolean {
  return spawnSync(SYSTEM_PYTHON, ["-c", `import ${module}`], { stdio: "ignore" }).status === 0;
}

export function missingPrerequisites(needs: Prerequisites): string[] {
  const missing: string[] = [];
  if (needs.root && process.getuid?.() !== 0) missing.push("root privileges");
  for (const command of needs.commands ?? []) if (findCommand(command) === undefined) missing.push(`command "${command}"`);
  for (const user of needs.users ?? []) if (!userExists(user)) missing.push(`user "${user}"`);
  for (const module of needs.pythonModules ?? []) if (!pythonImports(module)) missing.push(`Python module "${module}" (${SYSTEM_PYTHON})`);
  return missing;
}

/**
 * Returns true when the test can go on. Otherwise skips it (returns false), or, when CI=true,
 * throws so the test fails.
 */
export function requirePrerequisites(t: TestContext, needs: Prerequisites): boolean {
  const missing = missingPrerequisites(needs);
  if (missing.length === 0) return true;
  const message = `missing ${missing.join(", ")}`;
  if (process.env["CI"] === "true") throw new Error(`${message} (CI=true: prerequisites are mandatory)`);
  t.skip(message);
  return false;
}
