// A file of shell words (flags continued with "\" after comment lines) as sh itself splits them:
// the words it would pass to the command, and anything it printed to stderr (an injected command).

import { spawnSync } from "node:child_process";

/** Prints each word NUL-terminated after eval; no command on PATH, so an injected one shows on stderr. */
const PRINT_WORDS = String.raw`eval "set -- $1" || exit 97; printf '%s\0' "$@"`;

export function readShellWords(text: string): { words: string[]; stderr: string } {
  const code = text.split("\n").filter((line) => !line.startsWith("#")).join("\n");
  const run = spawnSync("/bin/sh", ["-c", PRINT_WORDS, "sh", code], { encoding: "buffer", env: { PATH: "/nonexistent" } });
  return { words: run.stdout.toString("utf8").split("\0").slice(0, -1), stderr: `${run.status} ${run.stderr.toString("utf8")}`.trim() };
}
