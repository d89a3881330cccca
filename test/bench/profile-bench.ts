// Where a build's time goes: one build under `node --cpu-prof`, its main thread's samples summed
// by area (our source folders, npm packages, Node's module loader, ...). "idle" is the main thread
// waiting: for file I/O, or for key generation, signing and gzip on libuv's thread pool.

import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { KeyAlgorithm } from "../../src/pki/types.js";
import { runChecked } from "../harness/exec.js";
import { benchHosts, benchSpec } from "./bench-cluster.js";
import { buildArgs, buildEnv, type BuildFolders } from "./etcdboot-cli.js";
import { progress } from "./measure.js";
import { renderTable } from "./table.js";

export interface BuildProfile {
  label: string;
  totalMs: number;
  /** Main-thread time per area, in ms. */
  areas: Map<string, number>;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const ALGORITHM: KeyAlgorithm = "ecdsa-p256";

export const PROFILED_BUILDS = [
  { label: "cold, 100 hosts", hosts: 100, warm: false },
  { label: "warm, 100 hosts", hosts: 100, warm: true },
  { label: "cold, 1000 hosts", hosts: 1000, warm: false },
] as const;

export async function runProfileBench(workDir: string): Promise<BuildProfile[]> {
  const profiles: BuildProfile[] = [];
  for (const [i, build] of PROFILED_BUILDS.entries()) {
    progress(`profile: ${build.label}`);
    const dir = join(workDir, `profile-${i}`);
    await mkdir(dir, { recursive: true });
    const folders: BuildFolders = { dir, specFile: join(dir, "cluster.yaml") };
    await writeFile(folders.specFile, benchSpec(benchHosts(build.hosts), ALGORITHM));
    const env = buildEnv(join(dir, "cache"));
    if (build.warm) await runChecked([process.execPath, ...buildArgs(folders)], { env });
    const profileDir = join(dir, "cpu-profile");
    await runChecked([process.execPath, `--cpu-prof-dir=${profileDir}`, "--cpu-prof", ...buildArgs(folders)], { env });
    const [file] = await readdir(profileDir);
    if (file === undefined) throw new Error(`no CPU profile in ${profileDir}`);
    profiles.push(summarize(build.label, JSON.parse(await readFile(join(profileDir, file), "utf8")) as CpuProfile));
  }
  return profiles;
}

function summarize(label: string, profile: CpuProfile): BuildProfile {
  const areaOfNode = new Map(profile.nodes.map((node) => [node.id, areaOf(node.callFrame)]));
  const areas = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const area = areaOfNode.get(id) ?? "other";
    areas.set(area, (areas.get(area) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return { label, totalMs: (profile.endTime - profile.startTime) / 1000, areas };
}

function areaOf({ functionName, url }: { functionName: string; url: string }): string {
  if (functionName === "(idle)") return "idle (waiting: file I/O, thread pool)";
  if (functionName === "(garbage collector)") return "garbage collection";
  if (functionName === "(program)") return "V8 (program)";
  const ours = /\/dist\/src\/([^/]+)\//.exec(url);
  if (ours) return `src/${ours[1]}`;
  const npm = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (npm?.[1]) return `npm ${npm[1]}`;
  if (/^node:internal\/(modules|deps\/cjs-module-lexer|bootstrap)/.test(url)) return "Node: loading modules";
  if (/^node:(internal\/)?crypto/.test(url)) return "Node: crypto";
  if (/^node:(internal\/)?fs/.test(url)) return "Node: fs";
  if (url.startsWith("node:")) return "Node: other";
  return "native calls (fs, crypto)";
}

/** Areas below this in every profile are summed into one row. */
const SMALL_MS = 10;

export function renderProfileTable(profiles: BuildProfile[]): string {
  const areas = [...new Set(profiles.flatMap((p) => [...p.areas.keys()]))];
  const largest = (area: string) => Math.max(...profiles.map((p) => p.areas.get(area) ?? 0));
  areas.sort((a, b) => largest(b) - largest(a));
  const [shown, small] = [areas.filter((a) => largest(a) >= SMALL_MS), areas.filter((a) => largest(a) < SMALL_MS)];
  const sum = (p: BuildProfile, among: string[]) => among.reduce((total, area) => total + (p.areas.get(area) ?? 0), 0);
  const rows = shown.map((area) => [area, ...profiles.map((p) => (p.areas.get(area) ?? 0).toFixed(0))]);
  rows.push([`${small.length} smaller areas`, ...profiles.map((p) => sum(p, small).toFixed(0))]);
  rows.push(["total (profile's span)", ...profiles.map((p) => p.totalMs.toFixed(0))]);
  return [
    "One etcdboot build per column under node --cpu-prof (ECDSA); main-thread self time in ms by area.",
    "Module evaluation counts under its package; \"Node: loading modules\" is resolving and compiling them.",
    "",
    renderTable(["area", ...profiles.map((p) => `${p.label} ms`)], rows),
  ].join("\n");
}

/** The biggest areas of a profile, as "area 123 ms" (for the verdicts). */
export function topAreas(profile: BuildProfile | undefined, count: number): string {
  if (profile === undefined) return "no profile";
  return [...profile.areas]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([area, ms]) => `${area} ${ms.toFixed(0)} ms`)
    .join(", ");
}
