// state.json beside the PKI: read, validated, and written only when its bytes change.

import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { UserError } from "../errors.js";
import type { BuildState } from "./types.js";

export const STATE_FILE = "state.json";

const member = z.object({ name: z.string(), address: z.string(), dnsNames: z.array(z.string()) });
const certificate = z.object({ serial: z.string(), notAfter: z.string() });
const stateSchema = z.object({
  stateVersion: z.literal(1),
  cluster: z.string(),
  members: z.array(
    member.extend({
      peerUrl: z.string(),
      clientUrl: z.string(),
      bootstrap: z.object({ clusterState: z.enum(["new", "existing"]), members: z.array(member) }),
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
    throw error;
  });
  if (text === undefined) return undefined;
  const parsed = stateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new UserError(`${path} is damaged (${z.prettifyError(parsed.error)}): restore it from a backup of the PKI folder`);
  const { stateVersion: _version, ...state } = parsed.data;
  return state;
}

export function renderState(state: BuildState): string {
  return `${JSON.stringify({ stateVersion: 1, ...state }, null, 2)}\n`;
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
