// state.json beside the PKI: read, validated, and written only when its bytes change.

import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { UserError } from "../errors.js";
import type { Bootstrap, BuildState } from "./types.js";

export const STATE_FILE = "state.json";

const member = z.object({ name: z.string(), address: z.string(), dnsNames: z.array(z.string()) });
const certificate = z.object({ serial: z.string(), notAfter: z.string() });
// On disk each distinct bootstrap is written once and members refer to it by index: most
// members share one, and repeating the member list per member would grow with N².
const stateSchema = z.object({
  stateVersion: z.literal(2),
  cluster: z.string(),
  bootstraps: z.array(z.object({ clusterState: z.enum(["new", "existing"]), members: z.array(member) })),
  members: z.array(
    member.extend({
      peerUrl: z.string(),
      clientUrl: z.string(),
      bootstrap: z.number().int().nonnegative(),
      certificate,
      artifacts: z.record(z.string(), z.string()),
    }),
  ),
  retired: z.array(z.object({ name: z.string(), address: z.string(), certificate })),
});

export function statePath(pkiDir: string): string {
  return join(pkiDir, STATE_FILE);
}

export async function readState(pkiDir: string): Promise<BuildState | undefined> {
  const path = statePath(pkiDir);
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw new UserError(`cannot read ${path}: ${error.message}`);
  });
  if (text === undefined) return undefined;
  const parsed = stateSchema.safeParse(parseJson(text, path));
  if (!parsed.success) throw new UserError(`${path} is damaged (${z.prettifyError(parsed.error)}): restore it from a backup of the PKI folder`);
  const { bootstraps, members, cluster, retired } = parsed.data;
  const expanded = members.map(({ bootstrap, ...m }) => {
    const shared = bootstraps[bootstrap];
    if (!shared) throw new UserError(`${path} is damaged (member ${m.name} refers to bootstrap ${bootstrap}): restore it from a backup of the PKI folder`);
    return { ...m, bootstrap: shared };
  });
  return { cluster, members: expanded, retired };
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserError(`${path} is damaged (not JSON: ${(error as Error).message}): restore it from a backup of the PKI folder`);
  }
}

/** Bootstraps are told apart by identity, then by content, so the same one is written once. */
export function renderState(state: BuildState): string {
  const indexOf = new Map<Bootstrap, number>();
  const byContent = new Map<string, number>();
  const bootstraps: Bootstrap[] = [];
  const members = state.members.map((m) => {
    let index = indexOf.get(m.bootstrap);
    if (index === undefined) {
      const key = JSON.stringify(m.bootstrap);
      index = byContent.get(key);
      if (index === undefined) {
        index = bootstraps.push(m.bootstrap) - 1;
        byContent.set(key, index);
      }
      indexOf.set(m.bootstrap, index);
    }
    return { ...m, bootstrap: index };
  });
  return `${JSON.stringify({ stateVersion: 2, cluster: state.cluster, bootstraps, members, retired: state.retired }, null, 1)}\n`;
}

/** Returns whether the file changed. */
export async function writeState(pkiDir: string, state: BuildState): Promise<boolean> {
  const path = statePath(pkiDir);
  const text = renderState(state);
  if ((await readFile(path, "utf8").catch(() => undefined)) === text) return false;
  await writeFile(`${path}.tmp`, text, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
  return true;
}
