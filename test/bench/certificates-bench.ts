// Sections 1 and 2: the CA, N host certificates and the admin client certificate, made by
// etcdboot (its real CLI: a full build, every artifact included), by the seeds' cfssl script and
// by an openssl script; and, for ECDSA, etcdboot's rebuilds: warm (nothing changed) and with one
// host's address changed. Each run starts in fresh folders; the tools take turns run by run, so
// a slow moment of the machine does not fall on one tool only.

import { access, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { KeyAlgorithm } from "../../src/pki/types.js";
import { runChecked } from "../harness/exec.js";
import { benchHosts, benchSpec, movedHost, type BenchHost } from "./bench-cluster.js";
import { expectedCertificates, prepareWorkflow, type CertTool } from "./cert-workflows.js";
import { buildArgs, buildEnv, type BuildFolders } from "./etcdboot-cli.js";
import { median, progress, ratio, runsList, seconds, timeProcess } from "./measure.js";
import { renderTable } from "./table.js";
import { snapshotTree, writtenBetween } from "./tree-snapshot.js";

export interface CertificateCase {
  algorithm: KeyAlgorithm;
  hosts: number;
  runs: number;
  /** Also time the warm and the one-host-changed rebuilds. */
  rebuilds: boolean;
}

export interface RebuildTimes {
  warm: number[];
  /** Warm again without the build stamp: the whole pipeline, finding nothing to change. */
  warmFull: number[];
  changed: number[];
  /** Files each rebuild wrote, as seen in the last run (paths under out/ and pki/). */
  warmWrote: string[];
  warmFullWrote: string[];
  changedWrote: string[];
}

export interface CertificateResult {
  case: CertificateCase;
  /** Cold full builds. */
  etcdboot: number[];
  cfssl: number[];
  openssl: number[];
  rebuilds?: RebuildTimes;
}

export const CERTIFICATE_CASES: CertificateCase[] = [
  { algorithm: "ecdsa-p256", hosts: 3, runs: 5, rebuilds: true },
  { algorithm: "ecdsa-p256", hosts: 100, runs: 3, rebuilds: true },
  { algorithm: "ecdsa-p256", hosts: 1000, runs: 3, rebuilds: true },
  { algorithm: "rsa-2048", hosts: 3, runs: 5, rebuilds: false },
  // RSA at 1000 hosts is left out: ~200 s of key generation per tool and run.
  { algorithm: "rsa-2048", hosts: 100, runs: 3, rebuilds: false },
];

export async function runCertificatesBench(workDir: string, cases = CERTIFICATE_CASES): Promise<CertificateResult[]> {
  await warmUp(workDir);
  const results: CertificateResult[] = [];
  for (const benchCase of cases) results.push(await runCase(workDir, benchCase));
  return results;
}

/** One unmeasured round of every tool, so that the first measured run does not pay for cold caches. */
async function warmUp(workDir: string): Promise<void> {
  progress("certificates: warm-up round");
  const hosts = benchHosts(3);
  const dir = join(workDir, "warm-up");
  await timeEtcdboot(join(dir, "etcdboot"), hosts, "ecdsa-p256", false);
  for (const tool of ["cfssl", "openssl"] as const) await timeWorkflow(tool, join(dir, tool), hosts, "ecdsa-p256");
  await rm(dir, { recursive: true, force: true });
}

async function runCase(workDir: string, benchCase: CertificateCase): Promise<CertificateResult> {
  const hosts = benchHosts(benchCase.hosts);
  const caseDir = join(workDir, `${benchCase.algorithm}-${benchCase.hosts}`);
  const result: CertificateResult = { case: benchCase, etcdboot: [], cfssl: [], openssl: [] };
  for (let run = 1; run <= benchCase.runs; run++) {
    const label = `certificates: ${benchCase.algorithm} × ${benchCase.hosts}, run ${run} of ${benchCase.runs}`;
    progress(`${label}: etcdboot`);
    const ours = await timeEtcdboot(join(caseDir, `etcdboot-${run}`), hosts, benchCase.algorithm, benchCase.rebuilds);
    result.etcdboot.push(ours.cold);
    if (ours.rebuilds) result.rebuilds = mergeRebuilds(result.rebuilds, ours.rebuilds);
    for (const tool of ["cfssl", "openssl"] as const) {
      progress(`${label}: ${tool}`);
      result[tool].push(await timeWorkflow(tool, join(caseDir, `${tool}-${run}`), hosts, benchCase.algorithm));
    }
  }
  progress(`certificates: ${benchCase.algorithm} × ${benchCase.hosts}: etcdboot ${seconds(median(result.etcdboot))} s, cfssl ${seconds(median(result.cfssl))} s, openssl ${seconds(median(result.openssl))} s`);
  await rm(caseDir, { recursive: true, force: true });
  return result;
}

interface RebuildRun {
  warm: number;
  warmFull: number;
  changed: number;
  warmWrote: string[];
  warmFullWrote: string[];
  changedWrote: string[];
}

function mergeRebuilds(sofar: RebuildTimes | undefined, run: RebuildRun): RebuildTimes {
  return {
    warm: [...(sofar?.warm ?? []), run.warm],
    warmFull: [...(sofar?.warmFull ?? []), run.warmFull],
    changed: [...(sofar?.changed ?? []), run.changed],
    warmWrote: run.warmWrote,
    warmFullWrote: run.warmFullWrote,
    changedWrote: run.changedWrote,
  };
}

const STAMPS = "pki/.build-stamps/";

/** A cold build in a fresh folder; with rebuilds, then the same spec again, then one host moved. */
async function timeEtcdboot(dir: string, hosts: BenchHost[], algorithm: KeyAlgorithm, rebuilds: boolean) {
  await mkdir(dir, { recursive: true });
  const folders: BuildFolders = { dir, specFile: join(dir, "cluster.yaml") };
  await writeFile(folders.specFile, benchSpec(hosts, algorithm));
  const env = buildEnv(join(dir, "cache"));
  const build = () => timeProcess([process.execPath, ...buildArgs(folders)], { env });
  const cold = await build();
  if (!rebuilds) return { cold, rebuilds: undefined };
  const trees = [join(dir, "out"), join(dir, "pki")];
  const beforeWarm = await snapshotTree(trees);
  const warm = await build();
  const afterWarm = await snapshotTree(trees);
  await rm(join(dir, STAMPS), { recursive: true, force: true });
  const warmFull = await build();
  const afterWarmFull = await snapshotTree(trees);
  const moved = movedHost(hosts);
  await writeFile(folders.specFile, benchSpec(hosts.map((h) => (h.name === moved.name ? moved : h)), algorithm));
  const changed = await build();
  const afterChange = await snapshotTree(trees);
  // The stamp it re-creates is the one file a stamp-less warm build may write.
  const warmFullWrote = writtenBetween(afterWarm, afterWarmFull).filter((path) => !path.startsWith(STAMPS));
  const rebuilt: RebuildRun = { warm, warmFull, changed, warmWrote: writtenBetween(beforeWarm, afterWarm), warmFullWrote, changedWrote: writtenBetween(afterWarmFull, afterChange) };
  return { cold, rebuilds: rebuilt };
}

/** The tool's script in a fresh folder; its inputs are written first, untimed. Checks it made every certificate. */
async function timeWorkflow(tool: CertTool, dir: string, hosts: BenchHost[], algorithm: KeyAlgorithm): Promise<number> {
  await mkdir(dir, { recursive: true });
  const script = await prepareWorkflow(tool, dir, hosts, algorithm);
  const elapsed = await timeProcess(["sh", script], { cwd: dir });
  for (const cert of expectedCertificates(hosts)) await access(join(dir, cert));
  const lastHost = hosts.at(-1)?.name ?? "admin";
  await runChecked(["openssl", "verify", "-CAfile", join(dir, "ca.pem"), join(dir, `${lastHost}.pem`)]);
  return elapsed;
}

export function renderCertificatesTable(results: CertificateResult[]): string {
  const rows = results.map((r) => {
    const [ours, cfssl, openssl] = [median(r.etcdboot), median(r.cfssl), median(r.openssl)];
    return [r.case.algorithm, String(r.case.hosts), String(r.case.runs), seconds(ours), seconds(cfssl), seconds(openssl), ratio(ours / cfssl), ratio(ours / openssl)];
  });
  const table = renderTable(["key", "hosts", "runs", "etcdboot s", "cfssl s", "openssl s", "etcdboot/cfssl", "etcdboot/openssl"], rows);
  const runs = results.map((r) => `${r.case.algorithm} × ${r.case.hosts}: etcdboot ${runsList(r.etcdboot)} | cfssl ${runsList(r.cfssl)} | openssl ${runsList(r.openssl)}`);
  return [
    "CA + N host certificates + admin client certificate; whole-process wall time, median of the runs, fresh folders per run.",
    "etcdboot = its real CLI (node bin/etcdboot.js build SPEC --out … --pki … --quiet): the full build, every artifact included.",
    "cfssl = Debian's golang-cfssl: gencert -initca | cfssljson, then one gencert | cfssljson per host (sh script).",
    "openssl = sh script: CA (req -x509), then per host req -newkey (key + CSR) and x509 -req with SAN/EKU extensions.",
    "",
    table,
    "",
    "runs (s):",
    ...runs,
  ].join("\n");
}

export function renderFullBuildTable(results: CertificateResult[]): string {
  const withRebuilds = results.filter((r): r is CertificateResult & { rebuilds: RebuildTimes } => r.rebuilds !== undefined);
  const rows = withRebuilds.map((r) => [
    r.case.algorithm,
    String(r.case.hosts),
    seconds(median(r.etcdboot)),
    seconds(median(r.rebuilds.warm)),
    seconds(median(r.rebuilds.warmFull)),
    seconds(median(r.rebuilds.changed)),
    String(r.rebuilds.warmWrote.length),
    String(r.rebuilds.warmFullWrote.length),
    String(r.rebuilds.changedWrote.length),
  ]);
  const table = renderTable(
    ["key", "hosts", "cold s", "warm s", "warm, no stamp s", "1 host changed s", "warm: files written", "no stamp: files written", "changed: files written"],
    rows,
  );
  const wrote = withRebuilds.map((r) => `${r.case.hosts} hosts, one host's address changed, files written: ${r.rebuilds.changedWrote.join(", ") || "none"}`);
  return [
    "etcdboot build, whole process, same runs as above: cold (new PKI, new output), warm (the same spec again: the",
    "up-to-date check finds every byte as the last build left it), warm with no stamp (its stamp deleted first: the whole",
    "pipeline runs and finds nothing to write), one host changed (its address edited in the spec).",
    "Files written = files under out/ and pki/ with a new inode or mtime (for the stamp-less build, besides its new stamp).",
    "",
    table,
    "",
    ...wrote,
  ].join("\n");
}
