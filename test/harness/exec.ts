// Runs a command to completion and collects its output, without a shell. Everything else in the
// harness that shells out (ip, tar, id, curl...) goes through here, so timeouts and errors behave alike.

import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export interface CommandResult {
  /** Exit code, or null when the command was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** The command's whole environment (not merged with process.env); default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Kill the command (SIGKILL, by its PID) after this many milliseconds. */
  timeoutMs?: number;
  cwd?: string;
}

export function runCommand(argv: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  const [command, ...args] = argv;
  if (command === undefined) return Promise.reject(new Error("runCommand: empty argv"));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    let timedOut = false;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, opts.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", () => {
      clearTimeout(timer);
      // A grandchild that outlived a killed command can hold the pipes open; stop waiting for it.
      if (timedOut) {
        child.stdout.destroy();
        child.stderr.destroy();
      }
    });
    child.on("close", (code, signal) => {
      if (timedOut) stderr += `\n[harness] killed after ${opts.timeoutMs} ms: ${argv.join(" ")}`;
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Like runCommand, but a non-zero exit is an error that quotes the command and its stderr. */
export async function runChecked(argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  const result = await runCommand(argv, opts);
  if (result.code !== 0) {
    const how = result.code === null ? `signal ${result.signal}` : `exit code ${result.code}`;
    throw new Error(`${argv.join(" ")} failed (${how}): ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** Absolute path of an executable on PATH (plus the sbin folders, which a non-login PATH may lack). */
export function findCommand(command: string): string | undefined {
  const directories = (process.env["PATH"] ?? "").split(delimiter).filter(Boolean).concat(["/usr/sbin", "/sbin"]);
  const candidates = command.startsWith("/") ? [command] : directories.map((directory) => join(directory, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
