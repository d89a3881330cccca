// `etcdboot restore SNAPSHOT [SPEC]`: check the snapshot, make sure the cluster is really down,
// then plan a new logical cluster from the spec's members (new token, recorded in state.json)
// and write each host's restore bundle into the output: hosts/<host>/restore/.

import { chmod, copyFile, link, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { checkSnapshotFile } from "../backup/snapshot-hash.js";
import { planRestore, restoreToken, RESTORE_SCRIPT, RESTORE_SNAPSHOT, type RestorePlan } from "../backup/restore-plan.js";
import { UserError } from "../errors.js";
import { restoredState } from "../state/bootstrap.js";
import { readState, writeState } from "../state/state-file.js";
import type { BuildState } from "../state/types.js";
import type { Spec } from "../spec/types.js";
import { lockFolder } from "../pki/folder-lock.js";
import { writeFileAtomic } from "../write/atomic-file.js";
import { makeFolders } from "../write/make-folders.js";
import { loadValidSpec } from "./build.js";
import { openCluster, surveyCluster } from "./cluster.js";
import { existingPkiDir } from "./read-pki.js";

export interface RestoreRequest {
  snapshotFile: string;
  specFile: string;
  outRoot: string;
  pkiRoot: string;
  skipHashCheck: boolean;
  force: boolean;
  now: Date;
}

export interface RestoreReport {
  plan: RestorePlan;
  sha256: string;
  outputDir: string;
}

async function checkedSnapshot(file: string, skipHashCheck: boolean): Promise<string> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new UserError(`${file} is not a snapshot file: give the file etcdboot snapshot save (or etcdctl snapshot save) wrote`);
  const check = await checkSnapshotFile(file);
  if (!check.intact && !skipHashCheck)
    throw new UserError(
      `${file}: its SHA-256 does not check (the hash etcd appended is ${check.appendedSha256 || "missing"}, the content's is ${check.contentSha256}): ` +
        "the snapshot is damaged or cut short; restore another one. (A member's copied member/snap/db has no appended hash: only for such a file, use --skip-hash-check)",
    );
  return check.sha256;
}

/** Restoring over a cluster that still serves would fork it: its members must be down first. */
async function refuseHealthyCluster(specFile: string, pkiRoot: string): Promise<void> {
  const session = await openCluster(specFile, pkiRoot, 3000);
  try {
    const survey = await surveyCluster(session).catch(() => undefined);
    const healthy = survey?.health.filter((h) => h.problem === undefined).map((h) => h.member.name || h.member.ID) ?? [];
    if (healthy.length > 0)
      throw new UserError(
        `refused: the cluster is still healthy (${healthy.join(", ")} answer with a leader): restoring makes a new cluster and loses every write since the snapshot. ` +
          "Stop the members first, or use --force if this is really meant",
      );
  } finally {
    await session.client.close();
  }
}

/** The restore plans a new cluster of the members last built: the spec must be built as it is. */
function refuseUnbuiltSpec(spec: Spec, state: BuildState | undefined, specFile: string): BuildState {
  const built = state?.members.map((m) => `${m.name}=${m.address}`).sort().join(",");
  const now = spec.hosts.map((h) => `${h.name}=${h.address}`).sort().join(",");
  if (!state || built !== now) throw new UserError(`the hosts of ${specFile} are not the ones last built: run etcdboot build ${specFile} first, so the restore bundles match the hosts' artifacts`);
  return state;
}

async function writeBundles(outputDir: string, plan: RestorePlan, snapshotFile: string): Promise<void> {
  let firstCopy: string | undefined;
  for (const bundle of plan.bundles) {
    const folder = join(outputDir, bundle.folder);
    await rm(folder, { recursive: true, force: true }); // a bundle of an earlier restore: made again whole
    await makeFolders(folder, 0o700);
    await chmod(folder, 0o700);
    await writeFileAtomic({ path: join(folder, RESTORE_SCRIPT), contents: bundle.script, mode: 0o700, exactMode: true, durable: false });
    const target = join(folder, RESTORE_SNAPSHOT);
    // One copy (0600: it holds every key), hard-linked into the other bundles where it can be.
    if (firstCopy === undefined || !(await link(firstCopy, target).then(() => true, () => false))) {
      await copyFile(snapshotFile, target);
      await chmod(target, 0o600);
      firstCopy ??= target;
    }
  }
}

export async function runRestore(request: RestoreRequest): Promise<RestoreReport> {
  const sha256 = await checkedSnapshot(request.snapshotFile, request.skipHashCheck);
  const { spec } = await loadValidSpec(request.specFile, false);
  const pkiDir = await existingPkiDir(request.pkiRoot, spec.cluster.name);
  // state.json is the PKI folder's: no build may read or write it meanwhile.
  const lock = await lockFolder(pkiDir);
  try {
    const state = refuseUnbuiltSpec(spec, await readState(pkiDir), request.specFile);
    if (!request.force) await refuseHealthyCluster(request.specFile, request.pkiRoot);

    const outputDir = resolve(request.outRoot, spec.cluster.name);
    const token = restoreToken(spec.cluster.name, request.now);
    const plan = planRestore(spec, token, { file: request.snapshotFile, sha256, skipHashCheck: request.skipHashCheck }, outputDir, request.specFile);
    await writeBundles(outputDir, plan, request.snapshotFile);
    await writeState(pkiDir, restoredState(state, spec, token));
    return { plan, sha256, outputDir };
  } finally {
    await lock.release();
  }
}
