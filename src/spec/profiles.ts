// Shipped data under profiles/: OS targets and tuning presets. Read from disk here (an edge),
// validated like user input so a broken profile fails loudly instead of producing a bad artifact.

import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { parse } from "yaml";
import { PROFILES_DIR } from "../paths.js";
import { z } from "zod";
import { byteSize, retention } from "./fields.js";
import { ARCHS, type TargetProfile, type Tuning } from "./types.js";

const targetSchema = z.strictObject({
  description: z.string(),
  format: z.enum(["cloud-init", "apkovl"]),
  archs: z.array(z.enum(ARCHS)).min(1),
  nologinShell: z.string().startsWith("/"),
  defaultInterfaceMatch: z.strictObject({ name: z.string().min(1) }),
  defaultTuning: z.string().optional(),
  bootMedia: z.string().startsWith("/").optional(),
  hasRtc: z.boolean().optional(),
});

export const tuningFields = {
  heartbeatIntervalMs: z.number().int().positive(),
  electionTimeoutMs: z.number().int().positive(),
  snapshotCount: z.number().int().positive(),
  quotaBackendBytes: byteSize,
  autoCompaction: z.strictObject({
    mode: z.enum(["periodic", "revision"]).describe("periodic: keep a span of time; revision: keep a number of revisions"),
    retention: retention.describe('How much history to keep: a duration such as "1h" (periodic) or a count (revision)'),
  }),
};
const tuningPresetSchema = z.strictObject(tuningFields);

export interface Profiles {
  targets: ReadonlyMap<string, TargetProfile>;
  tuningPresets: ReadonlyMap<string, Tuning>;
}

async function readYamlFolder<T>(folder: string, schema: z.ZodType<T>): Promise<Map<string, T>> {
  const entries = new Map<string, T>();
  for (const file of (await readdir(folder)).filter((f) => f.endsWith(".yaml")).sort()) {
    const path = join(folder, file);
    const result = schema.safeParse(parse(await readFile(path, "utf8")));
    if (!result.success) throw new Error(`shipped profile ${path} is invalid: ${z.prettifyError(result.error)}`);
    entries.set(basename(file, ".yaml"), result.data);
  }
  return entries;
}

export async function loadProfiles(dir: string = PROFILES_DIR): Promise<Profiles> {
  const [targets, tuningPresets] = await Promise.all([
    readYamlFolder(join(dir, "targets"), targetSchema),
    readYamlFolder(join(dir, "tuning"), tuningPresetSchema),
  ]);
  for (const [name, target] of targets)
    if (target.defaultTuning !== undefined && !tuningPresets.has(target.defaultTuning))
      throw new Error(`shipped profile targets/${name}.yaml names the unknown tuning preset ${target.defaultTuning}`);
  return {
    targets: new Map([...targets].map(([name, t]) => [name, { name, ...t }])),
    tuningPresets,
  };
}
