// Starts an OpenRC service the way openrc-run would: the init script (and its conf.d file) are
// read from the host root by a real shell, which gives command, command_args and command_user;
// the command then runs in the host's network namespace and host root as that user.
// What start_pre does on the host (create the user, check mounts, wait for the clock) is the
// test's to arrange beforehand: OpenRC itself is not on this machine.

import { runChecked } from "./exec.js";
import { hostPath } from "./host-root.js";
import type { TestNetwork } from "./netns.js";
import { startService, type RunningService } from "./service.js";

export interface OpenrcServiceVariables {
  command: string;
  commandArgs: string[];
  commandUser: string;
  /** Other variables of the script, by name (e.g. etcd_uid). */
  variables: Record<string, string>;
}

/** Sources conf.d then the init script in sh (both only assign and define functions at top level). */
export async function readOpenrcService(rootDir: string, initScript: string, confFile: string, extra: string[] = []): Promise<OpenrcServiceVariables> {
  const names = ["command", "command_args", "command_user", ...extra];
  const script = `. "$1"; . "$2"; ${names.map((n) => `printf '%s\\n' "$${n}"`).join("; ")}`;
  const output = await runChecked(["sh", "-c", script, "openrc-vars", hostPath(rootDir, confFile), hostPath(rootDir, initScript)]);
  const values = output.split("\n");
  const variables = Object.fromEntries(names.map((name, i) => [name, values[i] ?? ""]));
  return {
    command: variables["command"] ?? "",
    commandArgs: (variables["command_args"] ?? "").split(/\s+/).filter(Boolean),
    commandUser: variables["command_user"] ?? "",
    variables,
  };
}

export async function startOpenrcService(opts: {
  network: TestNetwork;
  host: string;
  rootDir: string;
  service: OpenrcServiceVariables;
  /** uid:gid to run as (command_user's names resolved as on the host). */
  user: string;
  group: string;
  logFile: string;
}): Promise<RunningService> {
  const command = { argv: [opts.service.command, ...opts.service.commandArgs], user: opts.user, group: opts.group, environment: {} };
  return startService(opts, command, opts.logFile);
}
