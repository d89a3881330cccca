// Resolves user and group names to numeric ids the way the simulated host would: from this machine's
// passwd/group databases (the hosts share them), via `id` and `getent` so NSS is honoured.

import { execFileSync } from "node:child_process";

const NUMERIC = /^\d+$/;

function lookup(argv: [string, ...string[]], what: string): string {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    throw new Error(`unknown ${what} (${argv.join(" ")} failed)`);
  }
}

export function userId(user: string): number {
  return NUMERIC.test(user) ? Number(user) : Number(lookup(["id", "-u", user], `user "${user}"`));
}

export function primaryGroupId(user: string): number {
  return Number(lookup(["id", "-g", user], `user "${user}"`));
}

export function groupId(group: string): number {
  if (NUMERIC.test(group)) return Number(group);
  // getent prints "name:x:gid:members".
  const gid = lookup(["getent", "group", group], `group "${group}"`).split(":")[2];
  if (gid === undefined || !NUMERIC.test(gid)) throw new Error(`unexpected getent output for group "${group}"`);
  return Number(gid);
}

export function userExists(user: string): boolean {
  try {
    userId(user);
    return true;
  } catch {
    return false;
  }
}
