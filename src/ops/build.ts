// `etcdboot build`: spec → PKI → plans → output tree → disk. The only place that strings the
// pipeline together; each stage stays testable on its own.

import { cp } from "node:fs/promises";
import { resolve } from "node:path";
import { encodeOutputTree } from "../encoders/output-tree.js";
import { SEED_IMAGE } from "../encoders/seed-image.js";
import { UsageError } from "../errors.js";
import { applyLock, readLock } from "../lock/lock-file.js";
import { lockPathFor } from "../lock/lock-path.js";
import { keptCrlWrite, readKeptCrl } from "../pki/crl-file.js";
import { ensurePki } from "../pki/ensure-pki.js";
import { assertFolderOrMissing } from "../pki/files.js";
import { lockFolder } from "../pki/folder-lock.js";
import type { PkiReport, PkiRequest } from "../pki/types.js";
import type { HostPlan } from "../plan/types.js";
import { archsDownloadedAtBoot, archsToBundle, planCluster, type ReleaseBinaries } from "../plan/plan-host.js";
import { releaseArtifact } from "../etcd/release.js";
import { extractBinaries } from "../release/extract.js";
import { sha256Hex } from "../release/hash.js";
import type { FetchOptions } from "../release/fetch-release.js";
import { formatDiagnostics } from "../spec/diagnostics.js";
import { readSpec } from "../spec/load-spec.js";
import type { Spec } from "../spec/types.js";
import { assembleBootstraps, withRestoredToken } from "../state/bootstrap.js";
import { assembleState, handedOut, retiredCertificates } from "../state/record-build.js";
import { readState, writeState } from "../state/state-file.js";
import type { BuildState } from "../state/types.js";
import { refuseOverlappingFolders } from "../write/folder-checks.js";
import { writeFileAtomic } from "../write/atomic-file.js";
import { withPathReplaced } from "../write/error-paths.js";
import { withScratchFolder } from "../write/scratch-folder.js";
import { assertReplaceableOutput, writeOutputTree } from "../write/write-output.js";

export interface BuildOptions {
  specFile: string;
  /** Parent folders: the cluster's files go to <outRoot>/<cluster> and <pkiRoot>/<cluster>. */
  outRoot: string;
  pkiRoot: string;
  replaceCa: boolean;
  /** Validate only: write nothing, not even the PKI. */
  check: boolean;
  /** Warnings fail the build. */
  strict: boolean;
  now: Date;
  /** Where and how release tarballs are fetched (for overlays that bundle etcd). */
  fetch: FetchOptions;
  /** Work out everything on a copy of the PKI and write nothing (for `etcdboot plan`). */
  dryRun?: boolean;
  /** Write hosts/<host>/seed.iso for cloud-init hosts (default: yes; --no-seed-image: no). */
  seedImage?: boolean;
  /** Runs once everything is written, still under the PKI folder's lock (the build stamp). */
  afterWrite?: (report: BuildReport) => Promise<void>;
}

export interface BuildReport {
  spec: Spec;
  warnings: string[];
  outputDir?: string;
  pkiDir?: string;
  pki?: PkiReport;
  changed?: boolean;
  /** Per host, the main artifacts (user-data and seed.iso, or overlay) and their sizes. */
  hostArtifacts: { host: string; file: string; bytes: number }[];
  /** The state before and after this build (after: what was, or would be, written). */
  previousState?: BuildState;
  state?: BuildState;
  /** When certificates are next due for renewal (a build from then on re-issues some). */
  renewBy?: Date;
  /** Per host, the files planned for it (plan --diff compares them with the output's). */
  plans?: HostPlan[];
}

export async function loadValidSpec(specFile: string, strict: boolean): Promise<{ spec: Spec; warnings: string[] }> {
  const result = await readSpec(specFile);
  if (!result.ok) {
    const count = result.diagnostics.length;
    const errors = formatDiagnostics(result.source, result.diagnostics);
    throw new UsageError(`${specFile} is not a valid cluster spec (${count} problem${count === 1 ? "" : "s"}):\n${errors.join("\n")}`);
  }
  const warnings = formatDiagnostics(result.source, result.warnings);
  if (strict && warnings.length > 0) throw new UsageError(`--strict: warnings count as errors:\n${warnings.join("\n")}`);
  return { spec: result.spec, warnings };
}

/** The spec with the lock's checksums applied, and a warning per arch that hosts download unpinned at boot. */
export async function pinToLock(specFile: string, spec: Spec, strict: boolean): Promise<{ spec: Spec; warnings: string[] }> {
  const lockPath = lockPathFor(specFile);
  const pinned = applyLock(spec, await readLock(lockPath), lockPath);
  const downloadedAtBoot = archsDownloadedAtBoot(spec);
  const warnings = pinned.unpinned.filter((arch) => downloadedAtBoot.includes(arch)).map(
    (arch) => `${specFile}: warning: etcd ${spec.etcd.version.text} for ${arch} is not pinned: its hosts will trust the mirror's SHA256SUMS at boot (run: etcdboot pin ${specFile})`,
  );
  if (strict && warnings.length > 0) throw new UsageError(`--strict: warnings count as errors:\n${warnings.join("\n")}`);
  return { spec: pinned.spec, warnings };
}

/** Fetches (or takes from the cache) each release to bundle, verified, and unpacks its binaries. */
async function releaseBinaries(spec: Spec, fetch: FetchOptions): Promise<ReleaseBinaries> {
  const archs = archsToBundle(spec);
  if (archs.length === 0) return new Map();
  // Loaded only here: the HTTP client is a fifth of a small build's start-up time.
  const { fetchReleases } = await import("../release/fetch-release.js");
  const requests = archs.map((arch) => {
    const expectedSha256 = spec.etcd.sha256[arch];
    return { downloadUrl: spec.etcd.downloadUrl, version: spec.etcd.version, arch, ...(expectedSha256 ? { expectedSha256 } : {}) };
  });
  const fetched = await fetchReleases(requests, fetch);
  const binaries = await Promise.all(
    fetched.map(async (release) => {
      const artifact = releaseArtifact(spec.etcd.downloadUrl, spec.etcd.version, release.request.arch);
      const extracted = await extractBinaries(release.path, artifact.name, artifact.binaries);
      return [release.request.arch, new Map([...extracted].map(([name, binary]) => [name, binary.data]))] as const;
    }),
  );
  return new Map(binaries);
}

export async function runBuild(options: BuildOptions): Promise<BuildReport> {
  const loaded = await loadValidSpec(options.specFile, options.strict);
  const pinned = await pinToLock(options.specFile, loaded.spec, options.strict);
  let spec = pinned.spec;
  const warnings = [...loaded.warnings, ...pinned.warnings];
  if (options.check) return { spec, warnings, hostArtifacts: [] };
  // Before the lock and the PKI: a refused build writes nothing, not even the lock file.
  await refuseOverlappingFolders(options.outRoot, options.pkiRoot);
  await assertReplaceableOutput(resolve(options.outRoot, spec.cluster.name));
  // One build (or plan) at a time per PKI folder, until after the stamp.
  const pkiFolder = resolve(options.pkiRoot, spec.cluster.name);
  const lock = await lockFolder(pkiFolder);
  try {
    await assertFolderOrMissing(pkiFolder); // a file there is the user's to move, before anything reads it
    return await buildLocked(options, spec, warnings);
  } finally {
    await lock.release();
  }
}

async function buildLocked(options: BuildOptions, spec: Spec, warnings: string[]): Promise<BuildReport> {
  const outputDir = resolve(options.outRoot, spec.cluster.name);
  const pkiDir = resolve(options.pkiRoot, spec.cluster.name);
  const previousState = await readState(pkiDir);
  spec = withRestoredToken(spec, previousState);
  const pkiRequest: PkiRequest = {
    dir: pkiDir,
    cluster: spec.cluster.name,
    algorithm: spec.tls.algorithm,
    subject: spec.tls.subject,
    validityDays: spec.tls.validityDays,
    caValidityDays: spec.tls.caValidityDays,
    hosts: spec.hosts.map((host) => ({ name: host.name, dnsNames: host.dnsNames, ipAddresses: [host.address] })),
    clients: spec.clients.map((client) => client.name),
    now: options.now,
    replaceCa: options.replaceCa,
  };
  const ensured = options.dryRun ? await ensurePkiOnCopy(pkiRequest) : await ensurePki(pkiRequest);
  const { report, renewBy } = ensured;
  const certificates = handedOut(ensured.pki);
  const retired = retiredCertificates(previousState, certificates);
  const keptCrl = await readKeptCrl(pkiDir);
  const revocationList = await ensured.signRevocationList(
    retired.map((r) => ({ serial: r.certificate.serial, notAfter: new Date(r.certificate.notAfter) })),
    keptCrl,
  );
  const pki = { ...ensured.pki, revocationList };

  const releases = await releaseBinaries(spec, options.fetch);
  const bootstraps = assembleBootstraps(spec, previousState);
  const plans = planCluster(spec, { pki, bootstraps, releases });
  const files = await encodeOutputTree(spec, plans, pki, pkiDir, { seedImage: options.seedImage ?? true });
  const state = assembleState(spec, { bootstraps, certificates, retired, files, plans, revocationListSha256: sha256Hex(revocationList.der) }, previousState);
  let changed = false;
  if (!options.dryRun) {
    if (!keptCrl?.equals(revocationList.der)) await writeFileAtomic(keptCrlWrite(pkiDir, revocationList.pem));
    changed = (await writeOutputTree(outputDir, files)).changed;
    await writeState(pkiDir, state);
  }
  const hostArtifacts = files
    .filter((f) => f.path.endsWith("/user-data") || f.path.endsWith(`/${SEED_IMAGE}`) || f.path.endsWith(".apkovl.tar.gz"))
    .map((f) => ({ host: f.path.split("/")[1] ?? f.path, file: f.path.split("/").pop() ?? f.path, bytes: Buffer.byteLength(f.content) }));
  const built: BuildReport = { spec, warnings, outputDir, pkiDir, pki: report, changed, hostArtifacts, previousState, state, renewBy, plans };
  if (!options.dryRun) await options.afterWrite?.(built);
  return built;
}

/**
 * ensurePki on a throw-away copy of the PKI folder, so a dry run can issue certificates without
 * touching the real one. The copy (CA key included) is private and removed on every way out,
 * and an error names the real folder, never the copy.
 */
async function ensurePkiOnCopy(req: PkiRequest): ReturnType<typeof ensurePki> {
  return withScratchFolder("etcdboot-plan-", async (scratch) => {
    try {
      await cp(req.dir, scratch, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
      return await ensurePki({ ...req, dir: scratch });
    } catch (error) {
      throw withPathReplaced(error, scratch, req.dir);
    }
  });
}
