// state.json beside the PKI: read, validated, and written only when its bytes change.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { UserError } from "../errors.js";
import { writeFileAtomic } from "../write/atomic-file.js";
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
      files: z.record(z.string(), z.string()).optional(),
    }),
  ),
  clients: z.array(z.object({ name: z.string(), certificate })).optional(),
  retired: z.array(z.object({ name: z.string(), kind: z.literal("client").optional(), address: z.string().optional(), certificate })),
  revocationListSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  clusterToken: z.string().regex(/^[A-Za-z0-9._-]+$/).optional(),
});

export function statePath(pkiDir: string): string {
  return join(pkiDir, STATE_FILE);
}

/** What state.json holds cannot be read back from the output, so the way out says what is lost. */
function damagedState(path: string, problem: string): UserError {
  return new UserError(
    `${path} ${problem}: restore it from a backup of the PKI folder, or move it aside — the next build then writes a new one, ` +
      "but treats every host as a member of a new cluster (hosts added since the first build get initial-cluster-state: new) and forgets retired certificates",
  );
}

export async function readState(pkiDir: string): Promise<BuildState | undefined> {
  const path = statePath(pkiDir);
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    if (error.code === "EISDIR") throw damagedState(path, "is a folder, not etcdboot's state file");
    throw error;
  });
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw damagedState(path, `is damaged (not JSON: ${(error as Error).message})`);
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    const [first, ...more] = parsed.error.issues;
    const where = first?.path.length ? `${first.path.join(".")}: ` : "";
    throw damagedState(path, `is damaged (${where}${first?.message ?? "unexpected content"}${more.length > 0 ? `, and ${more.length} more problem${more.length === 1 ? "" : "s"}` : ""})`);
  }
  const { bootstraps, members, cluster, clients, retired, revocationListSha256, clusterToken } = parsed.data;
  const expanded = members.map(({ bootstrap, ...m }) => {
    const shared = bootstraps[bootstrap];
    if (!shared) throw damagedState(path, `is damaged (member ${m.name} refers to bootstrap ${bootstrap}, which is not there)`);
    return { ...m, bootstrap: shared };
  });
  return {
    cluster,
    members: expanded,
    ...(clients !== undefined ? { clients } : {}),
    retired,
    ...(revocationListSha256 !== undefined ? { revocationListSha256 } : {}),
    ...(clusterToken !== undefined ? { clusterToken } : {}),
  };
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
  const token = state.clusterToken !== undefined ? { clusterToken: state.clusterToken } : {};
  const clients = state.clients !== undefined ? { clients: state.clients } : {};
  const crl = state.revocationListSha256 !== undefined ? { revocationListSha256: state.revocationListSha256 } : {};
  return `${JSON.stringify({ stateVersion: 2, cluster: state.cluster, bootstraps, members, ...clients, retired: state.retired, ...crl, ...token }, null, 1)}\n`;
}

/** Returns whether the file changed. */
export async function writeState(pkiDir: string, state: BuildState): Promise<boolean> {
  const path = statePath(pkiDir);
  const text = renderState(state);
  if ((await readFile(path, "utf8").catch(() => undefined)) === text) return false;
  await writeFileAtomic({ path, contents: text, mode: 0o600, exactMode: true, durable: true });
  return true;
}
