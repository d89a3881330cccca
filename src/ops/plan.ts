// `etcdboot plan`: the build worked out on a copy of the PKI, compared with the state the last
// build left (what changes, of which kind, what a running member needs) and, for --diff, with
// the files inside the artifacts the last build wrote.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeCloudInit } from "../encoders/cloud-init.js";
import { apkovlName } from "../encoders/apkovl.js";
import { decodeApkovl, decodeUserData } from "../encoders/decode-artifacts.js";
import type { HostPlan } from "../plan/types.js";
import type { FetchOptions } from "../release/fetch-release.js";
import type { Spec } from "../spec/types.js";
import { NETWORK_CONFIG_ARTIFACT } from "../state/change-kinds.js";
import { assembleChangePlan, type ChangePlan } from "../state/change-plan.js";
import { fileDiff, type FileVersion } from "../state/file-diff.js";
import { runBuild } from "./build.js";

export interface PlanOptions {
  specFile: string;
  outRoot: string;
  pkiRoot: string;
  now: Date;
  fetch: FetchOptions;
  /** Also compare each changed host's files with those in the last build's artifacts. */
  diff: boolean;
  /** Whether cloud-init hosts get a seed.iso (build --no-seed-image turns it off). */
  seedImage: boolean;
}

export interface HostDiff {
  host: string;
  /** Unified diff lines, or one line saying why there is none. */
  lines: string[];
}

export interface PlanReport {
  changes: ChangePlan;
  diffs: HostDiff[];
}

type Files = Map<string, FileVersion>;

/** The files this build would put on a host: the planned ones, and cloud-init's network-config. */
function plannedFiles(spec: Spec, plan: HostPlan): Files {
  const files: Files = new Map(plan.files.map((f) => [f.path, { content: f.content, secret: f.secret === true }]));
  if (plan.host.target.format !== "apkovl") {
    const networkConfig = encodeCloudInit(spec, plan)[NETWORK_CONFIG_ARTIFACT];
    if (networkConfig !== undefined) files.set(NETWORK_CONFIG_ARTIFACT, { content: networkConfig, secret: false });
  }
  return files;
}

/** The files the last build put in a host's artifacts; undefined when they are not in the output folder. */
async function writtenFiles(hostDir: string, plan: HostPlan): Promise<Files | undefined> {
  const absent = (error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  };
  // Readable by its owner alone and not a program (0600, 0400): the artifact does not say more, so such a file counts as secret.
  const version = (content: string | Uint8Array, mode = 0o644): FileVersion => ({ content, secret: (mode & 0o177) === 0 });
  if (plan.host.target.format === "apkovl") {
    const archive = await readFile(join(hostDir, apkovlName(plan))).catch(absent);
    if (!archive) return undefined;
    return new Map([...(await decodeApkovl(archive))].map(([path, file]) => [path, version(file.content, file.mode)]));
  }
  const userData = await readFile(join(hostDir, "user-data"), "utf8").catch(absent);
  if (userData === undefined) return undefined;
  const files: Files = new Map([...decodeUserData(userData)].map(([path, file]) => [path, version(file.content, file.mode)]));
  const networkConfig = await readFile(join(hostDir, NETWORK_CONFIG_ARTIFACT), "utf8").catch(absent);
  if (networkConfig !== undefined) files.set(NETWORK_CONFIG_ARTIFACT, version(networkConfig));
  return files;
}

function sameContent(a: FileVersion | undefined, b: FileVersion | undefined): boolean {
  if (!a || !b) return a === b;
  return Buffer.from(a.content).equals(Buffer.from(b.content));
}

/** A file secret in either build is shown by its change alone. */
function hostDiff(before: Files, after: Files): string[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths.flatMap((path) => {
    const [was, is] = [before.get(path), after.get(path)];
    if (sameContent(was, is)) return [];
    return fileDiff(path, was && { ...was, secret: was.secret || is?.secret === true }, is);
  });
}

export async function runPlan(options: PlanOptions): Promise<PlanReport> {
  const report = await runBuild({ ...options, replaceCa: false, check: false, strict: false, dryRun: true });
  if (!report.state || !report.plans || !report.outputDir) throw new Error("a dry-run build returned no state, plans or output folder");
  const changes = assembleChangePlan(report.previousState, report.state, report.pki, options.specFile);
  if (!options.diff) return { changes, diffs: [] };
  const diffs: HostDiff[] = [];
  for (const line of changes.hosts.filter((h) => h.change === "changed")) {
    const plan = report.plans.find((p) => p.host.name === line.host);
    if (!plan) continue;
    const hostDir = join(report.outputDir, "hosts", line.host);
    const before = await writtenFiles(hostDir, plan);
    const lines = before ? hostDiff(before, plannedFiles(report.spec, plan)) : [`(the last build's artifacts are not in ${hostDir}: nothing to compare with)`];
    diffs.push({ host: line.host, lines });
  }
  return { changes, diffs };
}
