// Section 4: peak memory (max RSS) and CPU use of the full build at 1000 hosts, cold and warm,
// read from inside the build's own process (see resource-usage-process.ts).

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { KeyAlgorithm } from "../../src/pki/types.js";
import { runChecked } from "../harness/exec.js";
import { benchHosts, benchSpec } from "./bench-cluster.js";
import { buildArgs, buildEnv, type BuildFolders } from "./etcdboot-cli.js";
import { progress, seconds, timed } from "./measure.js";
import { renderTable } from "./table.js";

export interface ProcessUsage {
  label: string;
  wallSeconds: number;
  cpuSeconds: number;
  maxRssMiB: number;
}

const HOSTS = 1000;
const ALGORITHM: KeyAlgorithm = "ecdsa-p256";

export async function runMemoryBench(workDir: string): Promise<ProcessUsage[]> {
  const dir = join(workDir, "memory");
  await mkdir(dir, { recursive: true });
  const folders: BuildFolders = { dir, specFile: join(dir, "cluster.yaml") };
  await writeFile(folders.specFile, benchSpec(benchHosts(HOSTS), ALGORITHM));
  const usages: ProcessUsage[] = [];
  for (const label of ["cold", "warm"]) {
    progress(`memory: ${HOSTS} hosts, ${label} build`);
    usages.push(await measure(`${label} build, ${HOSTS} hosts`, folders, join(dir, `${label}.json`)));
  }
  return usages;
}

async function measure(label: string, folders: BuildFolders, statsFile: string): Promise<ProcessUsage> {
  const wrapper = new URL("resource-usage-process.js", import.meta.url).pathname;
  const [script = "", ...args] = buildArgs(folders);
  const wallSeconds = await timed(() => runChecked([process.execPath, wrapper, statsFile, script, ...args], { env: buildEnv(join(folders.dir, "cache")) }));
  const usage = JSON.parse(await readFile(statsFile, "utf8")) as NodeJS.ResourceUsage;
  return { label, wallSeconds, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssMiB: usage.maxRSS / 1024 };
}

export function renderMemoryTable(usages: ProcessUsage[]): string {
  const table = renderTable(
    ["build", "wall s", "CPU s (user+sys)", "cores used", "max RSS MiB"],
    usages.map((u) => [u.label, seconds(u.wallSeconds), seconds(u.cpuSeconds), (u.cpuSeconds / u.wallSeconds).toFixed(2), u.maxRssMiB.toFixed(0)]),
  );
  return ["etcdboot build of 1000 ECDSA hosts, one run each; CPU and max RSS from process.resourceUsage() at exit.", "cores used = CPU time / wall time.", "", table].join("\n");
}
