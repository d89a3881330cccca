// Starts a host's systemd service the way systemd would on that host: the unit file is read from the
// host root, and its ExecStart runs in the host's network namespace and host root, as its User=/Group=,
// with systemd's PATH plus the unit's environment. Output goes to a log file in the host root.

import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { hostPath, hostRootArgv } from "./host-root.js";
import type { TestNetwork } from "./netns.js";
import { SYSTEMD_DEFAULT_PATH, parseUnit, serviceCommand } from "./systemd-unit.js";
import type { ServiceCommand } from "./systemd-unit.js";

export interface StartUnitOptions {
  network: TestNetwork;
  host: string;
  rootDir: string;
  /** As the host sees it: "/etc/systemd/system/etcd.service". */
  unitPath: string;
  /** On disk; default <rootDir>/var/log/<unit name>.log. */
  logFile?: string;
}

export interface RunningService {
  host: string;
  child: ChildProcess;
  command: ServiceCommand;
  logFile: string;
}

export async function startUnit(opts: StartUnitOptions): Promise<RunningService> {
  const unit = parseUnit(await readFile(hostPath(opts.rootDir, opts.unitPath), "utf8"));
  const command = serviceCommand(unit, {
    readEnvironmentFile: (path) => {
      const file = hostPath(opts.rootDir, path);
      return existsSync(file) ? readFileSync(file, "utf8") : undefined;
    },
  });
  return startService(opts, command, opts.logFile ?? hostPath(opts.rootDir, `/var/log/${basename(opts.unitPath)}.log`));
}

/** Runs a service command in the host's network namespace and host root, as its user, logging to logFile. */
export async function startService(
  opts: { network: TestNetwork; host: string; rootDir: string },
  command: ServiceCommand,
  logFile: string,
): Promise<RunningService> {
  await mkdir(dirname(logFile), { recursive: true });
  const identity = { user: command.user, group: command.group };
  const child = opts.network.spawn(opts.host, hostRootArgv(opts.rootDir, command.argv, identity), {
    env: { PATH: SYSTEMD_DEFAULT_PATH, ...command.environment },
    logFile,
  });
  return { host: opts.host, child, command, logFile };
}

/** The last lines of a log file, for failure messages ("" when there is no log). */
export async function logTail(path: string, lines = 40): Promise<string> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.split("\n").slice(-lines - 1).join("\n");
}

/** "etcd-2 (/tmp/.../etcd.service.log) exited with code 1", or undefined while all are running. */
export function describeExited(services: readonly RunningService[]): string | undefined {
  const exited = services.filter((service) => service.child.exitCode !== null || service.child.signalCode !== null);
  if (exited.length === 0) return undefined;
  return exited.map((service) => `${service.host} (${service.logFile}) exited with ${service.child.exitCode ?? service.child.signalCode}`).join("; ");
}
